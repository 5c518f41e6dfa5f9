//! The demo's sample schema — `users` and their `transactions` — and how it
//! is filled quickly.
//!
//! The data is made by the server itself: MariaDB's SEQUENCE engine yields
//! the row numbers and `INSERT ... SELECT` turns each into a row, in a few
//! large statements, so a million rows take seconds rather than a million
//! round trips. "Random" values come from `CRC32` of the row number, which is
//! fast, needs no seed and makes every load byte-for-byte the same.
//!
//! The distribution is skewed like real data: user ids follow a power law
//! (low ids are hot), 70 % of transactions are debits, and rows are spread
//! over a fixed 90-day window ending at [`DATA_END`], in id order.

use mysql::prelude::Queryable;
use mysql::Conn;
use serde::Serialize;
use std::time::Instant;

use super::{sql, DemoError};

/// The base table the demo's summaries read.
pub const TRANSACTIONS: &str = "transactions";
/// The users the transactions belong to.
pub const USERS: &str = "users";
/// The last moment of the sample data; new writes are stamped after it.
pub const DATA_END: &str = "2024-06-30 23:59:59";
/// Length of the sample data's time window, in seconds (90 days).
const WINDOW_SECS: u64 = 90 * 86_400;
/// Rows per `INSERT ... SELECT`: large enough to be fast, small enough to show progress.
pub const FILL_BATCH: u64 = 100_000;
/// Transactions per user, on average.
const ROWS_PER_USER: u64 = 20;
/// The transaction kinds, in the ENUM's order.
pub const KINDS: [&str; 4] = ["debit", "credit", "refund", "fee"];

/// How much sample data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SampleSize {
    /// Rows of `transactions`.
    pub transactions: u64,
    /// Rows of `users`.
    pub users: u64,
}

impl SampleSize {
    /// `rows` transactions and one user per [`ROWS_PER_USER`] of them (at least 100).
    pub fn for_rows(rows: u64) -> SampleSize {
        SampleSize {
            transactions: rows,
            users: (rows / ROWS_PER_USER).max(100),
        }
    }
}

/// Loading progress, after each statement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadProgress {
    /// Transactions inserted so far.
    pub rows_done: u64,
    /// Transactions to insert in all.
    pub rows_total: u64,
    /// Seconds since the load started.
    pub elapsed_secs: f64,
}

/// What a finished load made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadReport {
    /// Rows of `transactions`.
    pub transactions: u64,
    /// Rows of `users`.
    pub users: u64,
    /// Seconds for the whole load, indexes included.
    pub secs: f64,
}

/// Statements that (re)create the two tables, empty.
pub fn create_sql() -> Vec<String> {
    vec![
        format!("DROP TABLE IF EXISTS `{TRANSACTIONS}`, `{USERS}`"),
        format!(
            "CREATE TABLE `{USERS}` (
  `id` INT NOT NULL PRIMARY KEY,
  `name` VARCHAR(64) NOT NULL,
  `country` CHAR(2) NOT NULL,
  `created_at` DATETIME NOT NULL
) ENGINE=InnoDB"
        ),
        // Secondary indexes come after the load (see `index_sql`): building
        // them once, sorted, is much faster than maintaining them row by row.
        format!(
            "CREATE TABLE `{TRANSACTIONS}` (
  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `user_id` INT NOT NULL,
  `kind` ENUM({kinds}) NOT NULL,
  `amount` DECIMAL(12,2) NOT NULL,
  `currency` CHAR(3) NOT NULL,
  `created_at` DATETIME NOT NULL,
  `updated_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB",
            kinds = KINDS.map(|k| format!("'{k}'")).join(",")
        ),
    ]
}

/// A deterministic pseudo-random number in `[0, 2^32)` for row `seq`, one
/// independent stream per `salt`.
fn hash(salt: &str) -> String {
    format!("CRC32(CONCAT('{salt}', `seq`))")
}

/// The `INSERT ... SELECT` that makes `users` 1..=`users`.
pub fn users_fill_sql(users: u64) -> String {
    let names = [
        "ada", "ben", "chloe", "dev", "emma", "farid", "grace", "hugo", "ines", "jun", "kofi",
        "lena",
    ]
    .map(|n| format!("'{n}'"))
    .join(",");
    format!(
        "INSERT INTO `{USERS}` (`id`, `name`, `country`, `created_at`)
SELECT `seq`,
  CONCAT(ELT(1 + {h_name} % 12, {names}), '_', `seq`),
  ELT(1 + FLOOR(POW({h_country} / 4294967296, 2) * 8), 'US', 'DE', 'GB', 'FR', 'BR', 'IN', 'JP', 'NG'),
  TIMESTAMP '{DATA_END}' - INTERVAL 2 YEAR + INTERVAL FLOOR(`seq` * 63072000 / {users}) SECOND
FROM `seq_1_to_{users}`",
        h_name = hash("n"),
        h_country = hash("c"),
    )
}

/// The skewed user id expression: squaring a uniform number in `[0, 1)` makes
/// low ids hot (user 1 gets about 1/sqrt(users) of all rows).
fn skewed_user(users: u64) -> String {
    format!("1 + FLOOR(POW({} / 4294967296, 2) * {users})", hash("u"))
}

/// The `INSERT ... SELECT` that makes transactions `from..=to` of `size`.
pub fn transactions_fill_sql(size: SampleSize, from: u64, to: u64) -> String {
    let total = size.transactions.max(1);
    // One draw decides the kind: 70 % debit, 15 % credit, 5 % refund, 10 % fee.
    let kind_draw = format!("{} % 100", hash("k"));
    format!(
        "INSERT INTO `{TRANSACTIONS}` (`id`, `user_id`, `kind`, `amount`, `currency`, `created_at`, `updated_at`)
SELECT `seq`, `user_id`, `kind`,
  CASE `kind` WHEN 'debit' THEN 1 + `a` % 25000 / 100 WHEN 'credit' THEN 10 + `a` % 200000 / 100
              WHEN 'refund' THEN 1 + `a` % 10000 / 100 ELSE 0.25 + `a` % 500 / 100 END,
  `currency`, `at`, `at`
FROM (SELECT `seq`,
        {user} AS `user_id`,
        CASE WHEN {kind_draw} < 70 THEN 'debit' WHEN {kind_draw} < 85 THEN 'credit'
             WHEN {kind_draw} < 90 THEN 'refund' ELSE 'fee' END AS `kind`,
        {h_amount} AS `a`,
        ELT(1 + ({h_currency} % 10 >= 6) + ({h_currency} % 10 >= 9), 'EUR', 'USD', 'GBP') AS `currency`,
        TIMESTAMP '{DATA_END}' - INTERVAL FLOOR(({total} - `seq`) * {WINDOW_SECS} / {total}) SECOND AS `at`
      FROM `seq_{from}_to_{to}`) AS `r`",
        user = skewed_user(size.users),
        h_amount = hash("a"),
        h_currency = hash("m"),
    )
}

/// The secondary index, built after the load.
///
/// Deliberately none on `user_id`: with one, MariaDB 10.11 answers the
/// report query by walking that index with a row lookup per transaction,
/// about six times slower than its plain scan, which would flatter the
/// summary. The demo compares against the query's good plan.
pub fn index_sql() -> String {
    format!("ALTER TABLE `{TRANSACTIONS}` ADD INDEX `idx_created` (`created_at`)")
}

/// The `[from, to]` row ranges of the fill statements.
pub fn batches(total: u64, batch: u64) -> Vec<(u64, u64)> {
    let batch = batch.max(1);
    (0..total.div_ceil(batch))
        .map(|i| (i * batch + 1, ((i + 1) * batch).min(total)))
        .collect()
}

/// Creates the schema in the current database of `conn` and fills it,
/// reporting progress after every statement.
pub fn load(
    conn: &mut Conn,
    size: SampleSize,
    on_progress: &mut dyn FnMut(LoadProgress),
) -> Result<LoadReport, DemoError> {
    let started = Instant::now();
    // A private session setting: strict, so a mistake in the generator fails
    // loudly instead of loading truncated values.
    sql(
        conn.query_drop("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"),
        "setting up the loading session",
    )?;
    for statement in create_sql() {
        sql(conn.query_drop(statement), "creating the sample tables")?;
    }
    sql(
        conn.query_drop(users_fill_sql(size.users)),
        "filling the users table",
    )?;
    let report = |rows_done| LoadProgress {
        rows_done,
        rows_total: size.transactions,
        elapsed_secs: started.elapsed().as_secs_f64(),
    };
    on_progress(report(0));
    for (from, to) in batches(size.transactions, FILL_BATCH) {
        sql(
            conn.query_drop(transactions_fill_sql(size, from, to)),
            "filling the transactions table",
        )?;
        on_progress(report(to));
    }
    sql(conn.query_drop(index_sql()), "indexing the transactions")?;
    sql(
        conn.query_drop(format!("ANALYZE TABLE `{TRANSACTIONS}`, `{USERS}`")),
        "analyzing the sample tables",
    )?;
    Ok(LoadReport {
        transactions: size.transactions,
        users: size.users,
        secs: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_row_once() {
        assert_eq!(batches(0, 10), vec![]);
        assert_eq!(batches(25, 10), vec![(1, 10), (11, 20), (21, 25)]);
        assert_eq!(batches(20, 10), vec![(1, 10), (11, 20)]);
        let b = batches(1_000_000, FILL_BATCH);
        assert_eq!(b.len(), 10);
        assert_eq!(b.last(), Some(&(900_001, 1_000_000)));
    }

    #[test]
    fn sizes_scale_with_rows() {
        assert_eq!(SampleSize::for_rows(1_000_000).users, 50_000);
        assert_eq!(SampleSize::for_rows(1_000).users, 100);
    }

    #[test]
    fn fill_reads_the_sequence_range_and_fills_every_column() {
        let size = SampleSize::for_rows(1_000_000);
        let s = transactions_fill_sql(size, 100_001, 200_000);
        assert!(s.contains("FROM `seq_100001_to_200000`"), "{s}");
        for col in [
            "`id`",
            "`user_id`",
            "`kind`",
            "`amount`",
            "`currency`",
            "`created_at`",
            "`updated_at`",
        ] {
            assert!(s.contains(col), "{col} missing: {s}");
        }
        assert!(s.contains("* 50000)"), "users bound the skewed id: {s}");
        assert!(!s.contains("RAND("), "the load must be deterministic: {s}");
        assert!(users_fill_sql(123).contains("FROM `seq_1_to_123`"));
    }

    #[test]
    fn schema_has_the_application_shape() {
        let ddl = create_sql().join("\n");
        assert!(ddl.contains("`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"));
        assert!(ddl.contains("ENUM('debit','credit','refund','fee')"));
        assert!(ddl.contains("`amount` DECIMAL(12,2)"));
        assert!(ddl.contains("ENGINE=InnoDB"));
        assert!(index_sql().contains("`idx_created` (`created_at`)"));
        assert!(!index_sql().contains("`user_id`"), "see index_sql");
    }
}
