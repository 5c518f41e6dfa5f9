//! Joins against a real server: `prepare` (the path `create`, `preview` and the TUI share) reads
//! the metadata of every joined table, refuses a shape that can never be a summary with its own
//! reason, accepts star joins and chains (maintained: tests/joins_maintained.rs), refuses a
//! chain whose middle table has no index on its referencing columns. `prepare` creates nothing
//! either way.

mod support;

use lightning_tables::db::introspect::prepare;
use lightning_tables::engine::codegen::GenOptions;
use mysql::prelude::Queryable;

fn star() -> (support::server::TestDb, mysql::Conn) {
    let db = support::server::fresh_db("joins_prepare");
    let mut c = db.conn();
    for ddl in [
        "CREATE TABLE regions (id INT PRIMARY KEY, region VARCHAR(16) NOT NULL) ENGINE=InnoDB",
        "CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL, nick VARCHAR(16) NULL, country CHAR(2), region_id INT, UNIQUE KEY (email), UNIQUE KEY (nick), KEY by_region (region_id)) ENGINE=InnoDB",
        "CREATE TABLE products (id INT PRIMARY KEY, sku VARCHAR(16) NOT NULL, category VARCHAR(16), UNIQUE KEY sku (sku)) ENGINE=InnoDB",
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id INT, product_id INT NOT NULL, nick VARCHAR(16), sku VARCHAR(16), amount DECIMAL(12,2), KEY by_customer (customer_id), KEY by_product (product_id), KEY by_sku (sku), KEY by_nick (nick)) ENGINE=InnoDB",
    ] {
        c.query_drop(ddl).unwrap();
    }
    (db, c)
}

fn refusal(c: &mut mysql::Conn, sql: &str) -> String {
    match prepare(c, sql, "s", GenOptions::default()) {
        Ok(_) => panic!("accepted: {sql}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn joins_are_checked_against_every_table_chains_included() {
    let (_db, mut c) = star();
    let stars = [
        "SELECT c.country, p.category, COUNT(*), SUM(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id GROUP BY c.country, p.category",
        "SELECT p.category, COUNT(*) FROM orders o, products p WHERE p.sku = o.sku GROUP BY p.category",
    ];
    for sql in stars {
        let prepared = prepare(&mut c, sql, "s", GenOptions::default())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert!(prepared.join.is_some(), "{sql}");
    }
    // A chain (orders → customers → regions): maintained (tests/joins_maintained.rs); a write
    // to regions finds the customers that reference it through customers' own index.
    let chain = "SELECT r.region, SUM(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.id = c.region_id GROUP BY r.region";
    let prepared = prepare(&mut c, chain, "s", GenOptions::default())
        .unwrap_or_else(|e| panic!("{chain}: {e}"));
    assert!(prepared.join.is_some(), "{chain}");
    c.query_drop("ALTER TABLE customers DROP KEY by_region")
        .unwrap();
    let e = refusal(&mut c, chain);
    assert!(
        e.contains("no index on customers(region_id)") && e.contains("CREATE INDEX"),
        "{e}"
    );
    c.query_drop("ALTER TABLE customers ADD KEY by_region (region_id)")
        .unwrap();
    let shapes = [
        // customers.nick is UNIQUE but nullable: not a key a fact row matches at most once by.
        (
            "SELECT COUNT(*) FROM orders o JOIN customers c ON c.nick = o.nick",
            "many-to-many",
        ),
        (
            "SELECT COUNT(*) FROM orders o JOIN customers c ON c.email = o.sku",
            "a join of orders.sku (varchar(16)) with customers.email (varchar(64))",
        ),
        (
            "SELECT COUNT(*) FROM orders o JOIN products p ON p.category = o.sku",
            "many-to-many",
        ),
        (
            "SELECT COUNT(*) FROM customers c JOIN regions r",
            "no join condition connects",
        ),
        (
            "SELECT COUNT(*) FROM orders o JOIN nothere n ON n.id = o.id",
            "does not exist",
        ),
    ];
    for (sql, want) in shapes {
        let e = refusal(&mut c, sql);
        assert!(e.contains(want), "{sql}: {e}\nwanted {want}");
    }
    c.query_drop("ALTER TABLE orders DROP KEY by_product")
        .unwrap();
    let e = refusal(
        &mut c,
        "SELECT p.category, COUNT(*) FROM orders o JOIN products p ON p.id = o.product_id GROUP BY p.category",
    );
    assert!(
        e.contains("no index on orders(product_id)") && e.contains("CREATE INDEX"),
        "{e}"
    );
    let left: Vec<String> = c
        .query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}
