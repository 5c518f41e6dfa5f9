//! The realistic schemas of issue 14, summarized over joins (inner and LEFT) and maintained
//! under writes to every table: a TPC-H-like chain lineitem → orders → customer → nation and a
//! sakila-like chain payment → rental → inventory → film. For each: seeded random statements on
//! every table, each compared with MariaDB's own answer to every query right after it; then
//! four randomized writers on every table during an online `create`, exact after they stop
//! (and `validate` agrees), at READ COMMITTED and REPEATABLE READ.

mod support;

use lightning_tables::lifecycle::{validate, ChunkPolicy, CreateOptions};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::compare::{assert_same, Strings};

/// One schema: its DDL and data, its summaries, and a random write on one of its tables.
struct Schema {
    name: &'static str,
    ddl: &'static [&'static str],
    summaries: &'static [(&'static str, &'static str)],
    write: fn(&mut StdRng) -> String,
}

const TPCH: Schema = Schema {
    name: "tpch",
    ddl: &[
        "CREATE TABLE nation (n_nationkey INT NOT NULL PRIMARY KEY, n_name CHAR(25) NOT NULL, n_regionkey INT NOT NULL) ENGINE=InnoDB",
        "CREATE TABLE customer (c_custkey INT NOT NULL PRIMARY KEY, c_nationkey INT NULL, c_mktsegment CHAR(10) NOT NULL, c_acctbal DECIMAL(15,2) NOT NULL, KEY c_nation (c_nationkey)) ENGINE=InnoDB",
        "CREATE TABLE orders (o_orderkey INT NOT NULL PRIMARY KEY, o_custkey INT NOT NULL, o_orderstatus CHAR(1) NOT NULL, o_totalprice DECIMAL(15,2) NOT NULL, o_orderdate DATE NOT NULL, KEY o_cust (o_custkey)) ENGINE=InnoDB",
        "CREATE TABLE lineitem (l_orderkey INT NOT NULL, l_linenumber INT NOT NULL, l_quantity DECIMAL(15,2) NOT NULL, l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL, l_returnflag CHAR(1) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber)) ENGINE=InnoDB",
        "INSERT INTO nation SELECT seq, CONCAT('NATION', seq), seq % 5 FROM seq_0_to_24",
        "INSERT INTO customer SELECT seq, IF(seq % 13 = 0, NULL, seq % 27), ELT(1 + seq % 5, 'AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'), seq * 1.5 FROM seq_1_to_150",
        "INSERT INTO orders SELECT seq, 1 + seq % 160, ELT(1 + seq % 3, 'O', 'F', 'P'), seq * 10.25, '1995-01-01' + INTERVAL seq % 700 DAY FROM seq_1_to_600",
        "INSERT INTO lineitem SELECT 1 + seq DIV 4, 1 + seq % 4, 1 + seq % 50, (1 + seq % 50) * 9.5, (seq % 10) / 100, ELT(1 + seq % 3, 'R', 'A', 'N') FROM seq_0_to_2399",
    ],
    summaries: &[
        (
            "revenue_by_nation_segment",
            "SELECT n.n_name, c.c_mktsegment, COUNT(*) AS line_count, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue, SUM(l.l_quantity) AS qty, MAX(o.o_totalprice) AS biggest FROM lineitem l JOIN orders o ON o.o_orderkey = l.l_orderkey JOIN customer c ON c.c_custkey = o.o_custkey LEFT JOIN nation n ON n.n_nationkey = c.c_nationkey GROUP BY n.n_name, c.c_mktsegment",
        ),
        (
            "lines_by_region_status",
            "SELECT n.n_regionkey, o.o_orderstatus, l.l_returnflag, COUNT(*) AS line_count, COUNT(c.c_custkey) AS with_customer, SUM(l.l_quantity) AS qty, COUNT(DISTINCT o.o_custkey) AS buyers FROM lineitem l JOIN orders o ON o.o_orderkey = l.l_orderkey LEFT JOIN customer c ON c.c_custkey = o.o_custkey LEFT JOIN nation n ON n.n_nationkey = c.c_nationkey WHERE o.o_orderdate >= '1995-06-01' GROUP BY n.n_regionkey, o.o_orderstatus, l.l_returnflag",
        ),
    ],
    write: tpch_write,
};

fn tpch_write(rng: &mut StdRng) -> String {
    let o = rng.gen_range(1..640);
    let c = rng.gen_range(1..170);
    let n = rng.gen_range(0..28);
    let line = rng.gen_range(1..6);
    match rng.gen_range(0..14) {
        0 | 1 => format!(
            "INSERT IGNORE INTO lineitem VALUES ({o}, {line}, {}, {}.5, 0.0{}, '{}')",
            rng.gen_range(1..50),
            rng.gen_range(1..900),
            rng.gen_range(0..9),
            ["R", "A", "N"][rng.gen_range(0..3)]
        ),
        2 => format!("DELETE FROM lineitem WHERE l_orderkey = {o} AND l_linenumber = {line}"),
        3 => format!("UPDATE lineitem SET l_quantity = l_quantity + 1, l_returnflag = 'R' WHERE l_orderkey = {o}"),
        4 => format!("UPDATE IGNORE lineitem SET l_orderkey = {} WHERE l_orderkey = {o} AND l_linenumber = {line}", rng.gen_range(1..640)),
        5 => format!(
            "INSERT IGNORE INTO orders VALUES ({o}, {c}, 'O', {}.00, '1996-0{}-15')",
            rng.gen_range(1..9000),
            rng.gen_range(1..10)
        ),
        6 => format!("UPDATE orders SET o_custkey = {c}, o_orderstatus = 'F' WHERE o_orderkey = {o}"),
        7 => format!("DELETE FROM orders WHERE o_orderkey = {o}"),
        8 => format!("UPDATE customer SET c_nationkey = {n}, c_mktsegment = 'BUILDING' WHERE c_custkey = {c}"),
        9 => format!(
            "INSERT IGNORE INTO customer VALUES ({c}, {}, 'MACHINERY', 10.00)",
            if rng.gen_bool(0.2) { "NULL".to_string() } else { n.to_string() }
        ),
        10 => format!("DELETE FROM customer WHERE c_custkey = {c}"),
        11 => format!("UPDATE nation SET n_regionkey = {}, n_name = CONCAT('N', {n}) WHERE n_nationkey = {n}", rng.gen_range(0..5)),
        12 => format!("DELETE FROM nation WHERE n_nationkey = {n}"),
        _ => format!("INSERT IGNORE INTO nation VALUES ({n}, CONCAT('NEW', {n}), {})", n % 5),
    }
}

const SAKILA: Schema = Schema {
    name: "sakila",
    ddl: &[
        "CREATE TABLE film (film_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY, title VARCHAR(128) NOT NULL, rating ENUM('G','PG','PG-13','R','NC-17') NULL DEFAULT 'G', rental_rate DECIMAL(4,2) NOT NULL) ENGINE=InnoDB",
        "CREATE TABLE inventory (inventory_id MEDIUMINT UNSIGNED NOT NULL PRIMARY KEY, film_id SMALLINT UNSIGNED NOT NULL, store_id TINYINT UNSIGNED NOT NULL, KEY idx_fk_film_id (film_id)) ENGINE=InnoDB",
        "CREATE TABLE rental (rental_id INT NOT NULL PRIMARY KEY, inventory_id MEDIUMINT UNSIGNED NOT NULL, customer_id SMALLINT UNSIGNED NOT NULL, KEY idx_fk_inventory_id (inventory_id)) ENGINE=InnoDB",
        "CREATE TABLE payment (payment_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY, customer_id SMALLINT UNSIGNED NOT NULL, rental_id INT NULL, amount DECIMAL(5,2) NOT NULL, KEY fk_payment_rental (rental_id)) ENGINE=InnoDB",
        "INSERT INTO film SELECT seq, CONCAT('FILM ', seq), ELT(1 + seq % 6, 'G', 'PG', 'PG-13', 'R', 'NC-17', NULL), 0.99 + seq % 3 * 2 FROM seq_1_to_60",
        "INSERT INTO inventory SELECT seq, 1 + seq % 65, 1 + seq % 2 FROM seq_1_to_200",
        "INSERT INTO rental SELECT seq, 1 + seq % 210, 1 + seq % 40 FROM seq_1_to_900",
        "INSERT INTO payment SELECT seq, 1 + seq % 40, IF(seq % 17 = 0, NULL, 1 + seq % 950), 0.99 + seq % 5 FROM seq_1_to_1500",
    ],
    summaries: &[
        (
            "payments_by_rating",
            "SELECT f.rating, COUNT(*) AS payments, COUNT(r.rental_id) AS with_rental, SUM(p.amount) AS total, MIN(f.rental_rate) AS cheapest FROM payment p LEFT JOIN rental r ON r.rental_id = p.rental_id LEFT JOIN inventory i ON i.inventory_id = r.inventory_id LEFT JOIN film f ON f.film_id = i.film_id GROUP BY f.rating",
        ),
        (
            "revenue_by_store",
            "SELECT i.store_id, COUNT(*) AS payments, SUM(p.amount) AS total, COUNT(DISTINCT r.customer_id) AS renters FROM payment p JOIN rental r ON r.rental_id = p.rental_id JOIN inventory i ON i.inventory_id = r.inventory_id JOIN film f ON f.film_id = i.film_id WHERE f.rating <> 'NC-17' GROUP BY i.store_id",
        ),
    ],
    write: sakila_write,
};

fn sakila_write(rng: &mut StdRng) -> String {
    let p = rng.gen_range(1..1600);
    let r = rng.gen_range(1..960);
    let i = rng.gen_range(1..215);
    let f = rng.gen_range(1..66);
    match rng.gen_range(0..14) {
        0 | 1 => format!(
            "INSERT IGNORE INTO payment VALUES ({p}, {}, {}, {}.99)",
            rng.gen_range(1..40),
            if rng.gen_bool(0.1) {
                "NULL".to_string()
            } else {
                r.to_string()
            },
            rng.gen_range(0..9)
        ),
        2 => format!("DELETE FROM payment WHERE payment_id = {p}"),
        3 => format!(
            "UPDATE payment SET rental_id = {r}, amount = amount + 1 WHERE payment_id = {p}"
        ),
        4 => format!(
            "INSERT IGNORE INTO rental VALUES ({r}, {i}, {})",
            rng.gen_range(1..40)
        ),
        5 => format!(
            "UPDATE rental SET inventory_id = {i}, customer_id = {} WHERE rental_id = {r}",
            rng.gen_range(1..40)
        ),
        6 => format!("DELETE FROM rental WHERE rental_id = {r}"),
        7 => format!(
            "INSERT IGNORE INTO inventory VALUES ({i}, {f}, {})",
            rng.gen_range(1..3)
        ),
        8 => format!(
            "UPDATE inventory SET film_id = {f}, store_id = 3 - store_id WHERE inventory_id = {i}"
        ),
        9 => format!("DELETE FROM inventory WHERE inventory_id = {i}"),
        10 => format!(
            "UPDATE film SET rating = {}, rental_rate = rental_rate + 1 WHERE film_id = {f}",
            ["'G'", "'PG'", "'R'", "'NC-17'", "NULL"][rng.gen_range(0..5)]
        ),
        11 => format!("DELETE FROM film WHERE film_id = {f}"),
        12 => format!("INSERT IGNORE INTO film VALUES ({f}, 'NEW', 'PG-13', 2.99)"),
        _ => format!(
            "UPDATE IGNORE film SET film_id = {} WHERE film_id = {f}",
            rng.gen_range(1..66)
        ),
    }
}

const LOCK_WAIT: Duration = Duration::from_secs(5);

fn options() -> CreateOptions {
    CreateOptions {
        max_lock_wait: LOCK_WAIT,
        chunk: ChunkPolicy::Fixed(150),
        checkpoints: 5,
        ..CreateOptions::default()
    }
}

fn load(conn: &mut Conn, schema: &Schema) {
    for ddl in schema.ddl {
        conn.query_drop(ddl)
            .unwrap_or_else(|e| panic!("{ddl}: {e}"));
    }
}

fn check(conn: &mut Conn, schema: &Schema, context: &str) {
    for (view, query) in schema.summaries {
        assert_same(conn, view, query, Strings::Exact, context);
    }
}

fn random_statements_are_exact(schema: &Schema) {
    let db = support::server::fresh_db(&format!("{}_random", schema.name));
    let mut conn = db.conn();
    load(&mut conn, schema);
    for (view, query) in schema.summaries {
        support::server::create_quietly(&db.opts(), view, query, &options())
            .unwrap_or_else(|e| panic!("create {view}: {e}"));
    }
    check(&mut conn, schema, "after create");
    let mut rng = StdRng::seed_from_u64(4242);
    for i in 0..250 {
        let stmt = (schema.write)(&mut rng);
        conn.query_drop(&stmt)
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
        check(&mut conn, schema, &format!("statement {i}: {stmt}"));
    }
    for (view, _) in schema.summaries {
        let v = validate(&db.opts(), &db.name, view, 3).unwrap();
        assert!(v.exact, "validate {view}: {v:?}");
    }
}

#[test]
fn tpch_chain_is_exact_after_each_random_statement() {
    random_statements_are_exact(&TPCH);
}

#[test]
fn sakila_chain_is_exact_after_each_random_statement() {
    random_statements_are_exact(&SAKILA);
}

fn writers(
    opts: &Opts,
    level: &'static str,
    write: fn(&mut StdRng) -> String,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<u64>> {
    (0..4u64)
        .map(|w| {
            let opts = opts.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = Conn::new(opts).unwrap();
                c.query_drop(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"))
                    .unwrap();
                c.query_drop("SET SESSION innodb_lock_wait_timeout = 5")
                    .unwrap();
                let mut rng = StdRng::seed_from_u64(300 + w);
                let mut done = 0;
                while !stop.load(Ordering::SeqCst) {
                    let n = if rng.gen_bool(0.3) { 3 } else { 1 };
                    let stmts: Vec<String> = (0..n).map(|_| write(&mut rng)).collect();
                    let run = |c: &mut Conn| -> Result<(), mysql::Error> {
                        c.query_drop("START TRANSACTION")?;
                        for s in &stmts {
                            c.query_drop(s)?;
                        }
                        c.query_drop("COMMIT")
                    };
                    match run(&mut c) {
                        Ok(()) => done += 1,
                        Err(mysql::Error::MySqlError(e))
                            if e.code == 1213 || e.code == 1205 || e.code == 1062 =>
                        {
                            let _ = c.query_drop("ROLLBACK");
                        }
                        Err(e) => panic!("writer {w}: {stmts:?}: {e}"),
                    }
                }
                done
            })
        })
        .collect()
}

fn online_create_under_writers(schema: &Schema, level: &'static str) {
    let db = support::server::fresh_db(&format!("{}_online", schema.name));
    let mut conn = db.conn();
    load(&mut conn, schema);
    let stop = Arc::new(AtomicBool::new(false));
    let handles = writers(&db.opts(), level, schema.write, stop.clone());
    std::thread::sleep(Duration::from_millis(300));
    for (view, query) in schema.summaries {
        support::server::create_quietly(&db.opts(), view, query, &options())
            .unwrap_or_else(|e| panic!("{level}: create {view}: {e}"));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let written: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(written > 20, "{level}: the writers wrote ({written})");
    let context = format!(
        "{}: {level}: after online create under writers",
        schema.name
    );
    check(&mut conn, schema, &context);
    for (view, _) in schema.summaries {
        let v = validate(&db.opts(), &db.name, view, 3).unwrap();
        assert!(v.exact, "{context}: validate {view}: {v:?}");
    }
}

#[test]
fn tpch_and_sakila_created_online_under_writers_on_every_table_are_exact() {
    for level in ["READ COMMITTED", "REPEATABLE READ"] {
        online_create_under_writers(&TPCH, level);
        online_create_under_writers(&SAKILA, level);
    }
}
