//! The benchmark's base table `tx(id, user_id, amount, created_at)` and how it is filled.

use mysql::prelude::Queryable;
use mysql::Conn;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{exec, sql, BenchError};

/// The large table of the pause, backfill and read sections.
pub const BIG: &str = "tx_big";

/// Rows per multi-row `INSERT` when loading.
const LOAD_BATCH: u64 = 5000;

/// Creates an empty `tx`-shaped table named `name`.
pub fn create_tx(conn: &mut Conn, name: &str) -> Result<(), BenchError> {
    exec(
        conn,
        &format!(
            "CREATE TABLE `{name}` (\n  \
               id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  \
               user_id INT UNSIGNED NOT NULL,\n  \
               amount DECIMAL(12,2) NOT NULL,\n  \
               created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  \
               KEY user_id (user_id)\n\
             ) ENGINE=InnoDB"
        ),
    )
}

/// A random amount between 0.01 and 999.99 as SQL text.
pub fn amount(rng: &mut StdRng) -> String {
    let cents: u32 = rng.gen_range(1..100_000);
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A random user id in `1..=users`.
pub fn user(rng: &mut StdRng, users: u32) -> u32 {
    rng.gen_range(1..=users.max(1))
}

/// `INSERT INTO table (user_id, amount) VALUES ...` with `rows` random rows.
pub fn multi_insert(table: &str, rows: u64, users: u32, rng: &mut StdRng) -> String {
    let mut sql = String::with_capacity(rows as usize * 20 + 64);
    sql.push_str(&format!("INSERT INTO `{table}` (user_id, amount) VALUES "));
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        let u = user(rng, users);
        let a = amount(rng);
        sql.push_str(&format!("({u}, {a})"));
    }
    sql
}

/// Appends `rows` random rows to `table` (ids stay contiguous: one session, sized inserts).
pub fn fill(
    conn: &mut Conn,
    table: &str,
    rows: u64,
    users: u32,
    seed: u64,
) -> Result<(), BenchError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut left = rows;
    while left > 0 {
        let n = left.min(LOAD_BATCH);
        exec(conn, &multi_insert(table, n, users, &mut rng))?;
        left -= n;
    }
    Ok(())
}

/// Creates `to` with the definition and rows of `from`.
pub fn clone_table(conn: &mut Conn, from: &str, to: &str) -> Result<(), BenchError> {
    exec(conn, &format!("CREATE TABLE `{to}` LIKE `{from}`"))?;
    exec(conn, &format!("INSERT INTO `{to}` SELECT * FROM `{from}`"))
}

/// `(MIN(id), MAX(id))` of `table`, `(0, 0)` when empty.
pub fn id_range(conn: &mut Conn, table: &str) -> Result<(u64, u64), BenchError> {
    let r: Option<(Option<u64>, Option<u64>)> = sql(
        conn.query_first(format!("SELECT MIN(id), MAX(id) FROM `{table}`")),
        "reading the id range",
    )?;
    Ok(match r {
        Some((Some(lo), Some(hi))) => (lo, hi),
        _ => (0, 0),
    })
}

/// `COUNT(*)` of `table`.
pub fn count(conn: &mut Conn, table: &str) -> Result<u64, BenchError> {
    let n: Option<u64> = sql(
        conn.query_first(format!("SELECT COUNT(*) FROM `{table}`")),
        "counting rows",
    )?;
    Ok(n.unwrap_or(0))
}
