//! Section 5: what a `COUNT(DISTINCT)` summary costs writers and saves readers. Four copies of
//! one table of `--rows` rows (the large-table size, as the issue asks for figures at 1M and 5M): no triggers, a summary of `COUNT(*)` per day, and a summary of
//! `COUNT(DISTINCT user_id)` per day (its multiset has one row per (day, user)), and one of
//! `VARIANCE`/`STDDEV(user_id)` per day (sums of x and x² in the state). Writers run the
//! same single-row statements (insert, update of the user, delete) on each, interleaved per
//! round; reads compare the summary's view with the query, for one day and for all days.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, Row};
use serde::Serialize;

use super::setup::create_summary;
use super::stats::median;
use super::{exec, sql, BenchConfig, BenchError, Log};

/// Days (groups) of the table; users are spread over `BenchConfig::users`.
const DAYS: u64 = 30;

/// The tables: (table, summary query or none). The last keeps a variance (exact count, sum and
/// sum of squares per group): its write cost is the one issue 15 asks for next to DISTINCT's.
const TABLES: [(&str, Option<&str>); 4] = [
    ("dx_plain", None),
    (
        "dx_count",
        Some("SELECT day, COUNT(*) AS n FROM dx_count GROUP BY day"),
    ),
    (
        "dx_distinct",
        Some("SELECT day, COUNT(DISTINCT user_id) AS users FROM dx_distinct GROUP BY day"),
    ),
    (
        "dx_variance",
        Some("SELECT day, VARIANCE(user_id) AS var, STDDEV(user_id) AS sd FROM dx_variance GROUP BY day"),
    ),
];

/// One table's write figures.
#[derive(Debug, Clone, Serialize)]
pub struct WriteFigure {
    /// The table and what maintains its summary.
    pub label: String,
    /// Median over rounds of the median statement latency, ms.
    pub ms: f64,
    /// Median over rounds of this latency / the plain table's.
    pub vs_plain: f64,
    /// Median over rounds of this latency / the `COUNT(*)` summary's table's.
    pub vs_count: f64,
}

/// One read's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ReadFigure {
    /// What is read.
    pub label: String,
    /// The view's median latency, ms.
    pub view_ms: f64,
    /// The query's median latency, ms.
    pub query_ms: f64,
}

/// Section 5's figures.
#[derive(Debug, Clone, Serialize)]
pub struct DistinctReport {
    /// Rows of each table.
    pub rows: u64,
    /// Writes per table and round.
    pub statements: usize,
    /// Per table.
    pub writes: Vec<WriteFigure>,
    /// One day, all days.
    pub reads: Vec<ReadFigure>,
}

/// Runs the section.
pub fn run(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    log: Log<'_>,
) -> Result<DistinctReport, BenchError> {
    let rows = config.rows;
    log(&format!(
        "distinct: loading four {rows}-row tables and creating their summaries"
    ));
    // The user is a hash of the row, not a multiple of it: with `seq * k % users` day and user
    // would both follow `seq mod lcm(DAYS, users)`, and each day would see a tenth of the users.
    for (table, query) in TABLES {
        exec(conn, &format!("DROP TABLE IF EXISTS `{table}`"))?;
        exec(
            conn,
            &format!("CREATE TABLE `{table}` (id BIGINT NOT NULL PRIMARY KEY, day INT NOT NULL, user_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, KEY (day)) ENGINE=InnoDB"),
        )?;
        exec(
            conn,
            &format!(
                "INSERT INTO `{table}` SELECT seq, seq % {DAYS}, CRC32(seq) % {}, seq % 1000 FROM seq_1_to_{rows}",
                config.users
            ),
        )?;
        if let Some(q) = query {
            create_summary(opts, &format!("{table}_sum"), q, None)?;
        }
    }
    let statements = config.cost_statements;
    let mut per_round: Vec<Vec<f64>> = vec![Vec::new(); TABLES.len()];
    let mut next_id = rows + 1;
    for round in 0..config.rounds {
        for (t, (table, _)) in TABLES.iter().enumerate() {
            let ms = write_round(
                conn,
                table,
                (next_id, rows),
                statements,
                config.users,
                round,
            )?;
            per_round[t].push(ms);
        }
        next_id += statements as u64;
    }
    // Ratios are taken per round (the four tables ran back to back in it) so that drift of the
    // machine between rounds cancels, then the median over rounds.
    let ratio_to = |lat: &[f64], base: &[f64]| {
        let ratios: Vec<f64> = lat.iter().zip(base).map(|(a, b)| a / b).collect();
        median(&ratios).unwrap_or(f64::NAN)
    };
    let writes = TABLES
        .iter()
        .zip(&per_round)
        .map(|((table, query), lat)| WriteFigure {
            label: match query {
                None => format!("{table}: no triggers"),
                Some(q) => format!("{table}: {q}"),
            },
            ms: median(lat).unwrap_or(0.0),
            vs_plain: ratio_to(lat, &per_round[0]),
            vs_count: ratio_to(lat, &per_round[1]),
        })
        .collect();
    log("distinct: reads");
    let day = DAYS / 2;
    let reads = vec![
        read(
            conn,
            "one day",
            &format!("SELECT * FROM `dx_distinct_sum` WHERE day = {day}"),
            &format!("SELECT day, COUNT(DISTINCT user_id) AS users FROM dx_distinct WHERE day = {day} GROUP BY day"),
            config.window(),
        )?,
        read(
            conn,
            "all days",
            "SELECT * FROM `dx_distinct_sum`",
            "SELECT day, COUNT(DISTINCT user_id) AS users FROM dx_distinct GROUP BY day",
            config.window(),
        )?,
        read(
            conn,
            "all days, variance",
            "SELECT * FROM `dx_variance_sum`",
            "SELECT day, VARIANCE(user_id) AS var, STDDEV(user_id) AS sd FROM dx_variance GROUP BY day",
            config.window(),
        )?,
    ];
    Ok(DistinctReport {
        rows,
        statements,
        writes,
        reads,
    })
}

/// Runs `n` autocommitted single-row statements on `table` (a third each: insert a new row with
/// id from `first_id`, move one of the `loaded` rows to another user, delete the row inserted
/// just before); median latency in ms. Updates pick loaded rows only: a row inserted in an
/// earlier round may have been deleted, and an update of nothing would measure nothing.
fn write_round(
    conn: &mut Conn,
    table: &str,
    (first_id, loaded): (u64, u64),
    n: usize,
    users: u32,
    round: usize,
) -> Result<f64, BenchError> {
    let mut lat = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let id = first_id + i;
        let user = (id * 104_729 + round as u64) % u64::from(users.max(1));
        let statement = match i % 3 {
            0 => format!(
                "INSERT INTO `{table}` VALUES ({id}, {}, {user}, 1.00)",
                id % DAYS
            ),
            1 => format!(
                "UPDATE `{table}` SET user_id = {user} WHERE id = {}",
                1 + (id * 31) % loaded.max(1)
            ),
            _ => format!("DELETE FROM `{table}` WHERE id = {}", id - 2),
        };
        let t = Instant::now();
        exec(conn, &statement)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(&lat).unwrap_or(0.0))
}

fn read(
    conn: &mut Conn,
    label: &str,
    view: &str,
    query: &str,
    budget: Duration,
) -> Result<ReadFigure, BenchError> {
    let mut time = |q: &str| -> Result<f64, BenchError> {
        let mut lat = Vec::new();
        let start = Instant::now();
        while lat.len() < 3 || (start.elapsed() < budget && lat.len() < 10_000) {
            let t = Instant::now();
            let _: Vec<Row> = sql(conn.query(q), "reading")?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(median(&lat).unwrap_or(0.0))
    };
    Ok(ReadFigure {
        label: label.to_string(),
        view_ms: time(view)?,
        query_ms: time(query)?,
    })
}
