//! Query fuzzing over joins: random summaries over orders joined to customers (→ regions) and
//! products (ON or USING), each join inner or LEFT (with ON conditions besides the key on a LEFT JOIN), random
//! group keys, aggregates and WHERE over columns of any table (`c.id IS NULL` included), each
//! made a summary of on a real server and compared with its query while seeded random writes hit
//! every table. Deterministic: a failure names the seed, the query and the write after which the
//! summary first differs. The single-table grammar is tests/query_fuzz.rs.

mod support;

use lightning_tables::lifecycle::{validate, ChunkPolicy, CreateOptions};
use mysql::prelude::Queryable;
use mysql::Conn;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::Duration;
use support::compare::{assert_same, Strings};

const QUERIES: u64 = 40;
const WRITES: usize = 150;
const COMPARE_EVERY: usize = 15;

const SCHEMA: &[&str] = &[
    "CREATE TABLE regions (id INT NOT NULL PRIMARY KEY, region VARCHAR(16) NULL, zone INT NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE customers (id INT NOT NULL PRIMARY KEY, country CHAR(2) NULL, active TINYINT NOT NULL DEFAULT 1, region_id INT NULL, KEY by_region (region_id)) ENGINE=InnoDB",
    "CREATE TABLE products (product_id INT NOT NULL PRIMARY KEY, category VARCHAR(16) NOT NULL, price DECIMAL(8,2) NULL) ENGINE=InnoDB",
    "CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, customer_id INT NULL, product_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, qty INT NULL, KEY by_customer (customer_id), KEY by_product (product_id)) ENGINE=InnoDB",
    "INSERT INTO regions SELECT seq, IF(seq = 4, NULL, CONCAT('r', seq)), seq % 3 FROM seq_1_to_6",
    "INSERT INTO customers SELECT seq, ELT(1 + seq % 4, 'FR', 'DE', 'IT', NULL), seq % 5 <> 0, IF(seq % 9 = 0, NULL, 1 + seq % 7) FROM seq_1_to_30",
    "INSERT INTO products SELECT seq, ELT(1 + seq % 3, 'tools', 'toys', 'food'), IF(seq % 7 = 0, NULL, seq * 1.25) FROM seq_1_to_10",
    "INSERT INTO orders SELECT seq, IF(seq % 23 = 0, NULL, 1 + seq % 34), 1 + seq % 12, (seq % 100) + 0.5, IF(seq % 11 = 0, NULL, seq % 9) FROM seq_1_to_400",
];

/// A random query over the join, and a description of its shape.
fn query(rng: &mut StdRng) -> String {
    let c_left = rng.gen_bool(0.6);
    let with_r = rng.gen_bool(0.5);
    let r_left = c_left || rng.gen_bool(0.5);
    let with_p = rng.gen_bool(0.5);
    let p_left = rng.gen_bool(0.5);
    let mut from = String::from("orders o");
    let kind = |left: bool| if left { "LEFT JOIN" } else { "JOIN" };
    let mut c_on = String::from("c.id = o.customer_id");
    if c_left && rng.gen_bool(0.4) {
        c_on.push_str(
            [
                " AND c.active = 1",
                " AND o.qty > 2",
                " AND c.country <> 'IT'",
            ]
            .choose(rng)
            .unwrap_or(&""),
        );
    }
    from.push_str(&format!(" {} customers c ON {c_on}", kind(c_left)));
    if with_r {
        let extra = if r_left && rng.gen_bool(0.4) {
            " AND r.region IS NOT NULL"
        } else {
            ""
        };
        from.push_str(&format!(
            " {} regions r ON r.id = c.region_id{extra}",
            kind(r_left)
        ));
    }
    if with_p {
        let condition = if rng.gen_bool(0.3) {
            "USING (product_id)"
        } else {
            "ON p.product_id = o.product_id"
        };
        from.push_str(&format!(" {} products p {condition}", kind(p_left)));
    }
    let mut keys = vec![
        "c.country",
        "o.product_id",
        "c.active",
        "COALESCE(c.country, 'none')",
    ];
    let mut aggs = vec![
        "COUNT(*)",
        "COUNT(c.id)",
        "SUM(o.amount)",
        "AVG(o.qty)",
        "MIN(c.region_id)",
        "MAX(o.qty)",
        "COUNT(DISTINCT c.country)",
    ];
    let mut wheres = vec![
        "c.id IS NULL",
        "c.country IS NOT NULL",
        "o.amount > 40",
        "c.active = 1 OR c.id IS NULL",
    ];
    if with_r {
        keys.extend(["r.zone", "r.region"]);
        aggs.extend(["SUM(r.zone)", "COUNT(r.id)"]);
        wheres.extend(["r.zone <> 1", "r.id IS NULL"]);
    }
    if with_p {
        keys.push("p.category");
        aggs.extend([
            "SUM(o.qty * p.price)",
            "MAX(p.price)",
            "COUNT(DISTINCT p.category)",
        ]);
        wheres.push("p.category = 'toys' OR p.category IS NULL");
    }
    let n_keys = rng.gen_range(0..3);
    let chosen: Vec<&str> = keys.choose_multiple(rng, n_keys).copied().collect();
    let n_aggs = rng.gen_range(1..4);
    let mut items: Vec<String> = chosen
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
        .collect();
    for (i, a) in aggs.choose_multiple(rng, n_aggs).enumerate() {
        items.push(format!("{a} AS a{i}"));
    }
    let mut sql = format!("SELECT {} FROM {from}", items.join(", "));
    if rng.gen_bool(0.4) {
        sql.push_str(&format!(" WHERE {}", wheres.choose(rng).unwrap_or(&"TRUE")));
    }
    if !chosen.is_empty() {
        sql.push_str(&format!(" GROUP BY {}", chosen.join(", ")));
    }
    sql
}

/// A random write on one of the four tables; keys range past the existing rows.
fn write(rng: &mut StdRng, next: &mut u64) -> String {
    let c = rng.gen_range(1..38);
    let p = rng.gen_range(1..13);
    let r = rng.gen_range(1..9);
    let o = rng.gen_range(1..*next);
    let country = ["'FR'", "'DE'", "'IT'", "NULL", "'ES'"][rng.gen_range(0..5)];
    match rng.gen_range(0..16) {
        0 | 1 => {
            *next += 1;
            format!(
                "INSERT INTO orders VALUES ({}, {}, {p}, {}.5, {})",
                *next,
                if rng.gen_bool(0.1) {
                    "NULL".into()
                } else {
                    c.to_string()
                },
                rng.gen_range(0..200),
                rng.gen_range(0..6)
            )
        }
        2 => format!("DELETE FROM orders WHERE id = {o}"),
        3 => format!(
            "UPDATE orders SET customer_id = {c}, qty = {} WHERE id = {o}",
            rng.gen_range(0..6)
        ),
        4 => format!("UPDATE orders SET product_id = {p}, amount = amount + 7 WHERE id = {o}"),
        5 => format!("UPDATE customers SET country = {country} WHERE id = {c}"),
        6 => format!("UPDATE customers SET active = 1 - active, region_id = {r} WHERE id = {c}"),
        7 | 8 => format!("DELETE FROM customers WHERE id = {c}"),
        9 | 10 => format!(
            "INSERT IGNORE INTO customers VALUES ({c}, {country}, {}, {r})",
            rng.gen_range(0..2)
        ),
        11 => format!(
            "UPDATE IGNORE customers SET id = {} WHERE id = {c}",
            rng.gen_range(1..38)
        ),
        12 => format!(
            "UPDATE regions SET zone = {}, region = {} WHERE id = {r}",
            rng.gen_range(0..3),
            ["'north'", "NULL"][rng.gen_range(0..2)]
        ),
        13 => format!("DELETE FROM regions WHERE id = {r}"),
        14 => format!("INSERT IGNORE INTO regions VALUES ({r}, 'new', {})", r % 3),
        _ => {
            if rng.gen_bool(0.5) {
                format!("DELETE FROM products WHERE product_id = {p}")
            } else {
                format!(
                    "INSERT IGNORE INTO products VALUES ({p}, 'toys', {}.25)",
                    rng.gen_range(1..20)
                )
            }
        }
    }
}

fn run(seed: u64) -> bool {
    let mut rng = StdRng::seed_from_u64(seed);
    let sql = query(&mut rng);
    let db = support::server::fresh_db("join_fuzz");
    let mut conn: Conn = db.conn();
    for s in SCHEMA {
        conn.query_drop(s).unwrap();
    }
    let options = CreateOptions {
        chunk: ChunkPolicy::Fixed(100),
        checkpoints: 3,
        max_lock_wait: Duration::from_secs(5),
        ..CreateOptions::default()
    };
    if let Err(e) = support::server::create_quietly(&db.opts(), "fuzz", &sql, &options) {
        // Every shape generated is one the analyzer takes: a refusal is a failure too.
        panic!("seed {seed}: create refused or failed: {e}\n  query: {sql}");
    }
    assert_same(
        &mut conn,
        "fuzz",
        &sql,
        Strings::Exact,
        &format!("seed {seed}: after create"),
    );
    let mut next = 400;
    for i in 1..=WRITES {
        let w = write(&mut rng, &mut next);
        conn.query_drop(&w)
            .unwrap_or_else(|e| panic!("seed {seed}: {w}: {e}"));
        if i % COMPARE_EVERY == 0 {
            assert_same(
                &mut conn,
                "fuzz",
                &sql,
                Strings::Exact,
                &format!("seed {seed}: after write {i}: {w}"),
            );
        }
    }
    let v = validate(&db.opts(), &db.name, "fuzz", 3).unwrap();
    assert!(v.exact, "seed {seed}: validate: {v:?}\n  query: {sql}");
    sql.contains("LEFT JOIN")
}

fn fuzz(base: u64) {
    let mut left = 0;
    for s in 0..QUERIES {
        left += u64::from(run(base + s));
    }
    assert!(
        left > QUERIES / 3,
        "too few LEFT JOIN queries generated: {left}"
    );
}

#[test]
fn join_fuzz_seed_block_1() {
    fuzz(14_000);
}

#[test]
fn join_fuzz_seed_block_2() {
    fuzz(14_100);
}
