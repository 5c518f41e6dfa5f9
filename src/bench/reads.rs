//! Section 4: read latency of one group and of the whole summary through our view, against the
//! original `GROUP BY` query on the base table (and a hand-made summary table for reference),
//! queries interleaved, median latency per round, medians over rounds.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, Row};
use serde::Serialize;

use super::backfill::TARGET;
use super::data::BIG;
use super::setup::create_summary;
use super::stats::median;
use super::workloads::HOT_USER;
use super::GROUPED_QUERY;
use super::{exec, lifecycle, query_for, sql, BenchConfig, BenchError, Log, DATABASE};
use crate::engine::codegen::Names;
use crate::lifecycle as lc;

/// The summary read by this section.
pub const SUMMARY: &str = "rd_sum";

/// The experimental one-level view over the summary's state.
const ALT_VIEW: &str = "rd_alt_view";

/// The experimental copy of the state with one row per group.
const FOLDED: &str = "rd_folded_state";

/// The one-level view over [`FOLDED`].
const FOLDED_VIEW: &str = "rd_folded_view";

/// One query's figures.
#[derive(Debug, Clone, Serialize)]
pub struct QueryFigure {
    /// What is read how.
    pub label: String,
    /// The statement.
    pub sql: String,
    /// Rows returned.
    pub rows: usize,
    /// Median latency per round, ms.
    pub ms_rounds: Vec<f64>,
    /// Median of `ms_rounds`.
    pub ms: f64,
    /// Median over rounds of (original query's latency / this one's); > 1 means faster.
    pub speedup: f64,
}

/// Reading one group or everything.
#[derive(Debug, Clone, Serialize)]
pub struct ReadCase {
    /// `one group` or `whole summary`.
    pub case: String,
    /// Our view, the original query, the hand-made table.
    pub queries: Vec<QueryFigure>,
}

/// Section 4's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ReadsReport {
    /// Rows of the base table.
    pub rows: u64,
    /// The two cases.
    pub cases: Vec<ReadCase>,
    /// `EXPLAIN` of the one-group read through our view.
    pub view_plan: String,
}

/// Runs `q` repeatedly for about `budget` (at least 3 times); returns (median ms, rows).
fn time_query(conn: &mut Conn, q: &str, budget: Duration) -> Result<(f64, usize), BenchError> {
    let mut lat = Vec::new();
    let mut rows = 0;
    let start = Instant::now();
    // At least 3 runs, or 2 when they are slower than the budget (the original full query).
    while lat.len() < 2
        || (lat.len() < 3 && start.elapsed() < budget)
        || (start.elapsed() < budget && lat.len() < 10_000)
    {
        let t = Instant::now();
        let r: Vec<Row> = sql(conn.query(q), "reading")?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        rows = r.len();
    }
    Ok((median(&lat).unwrap_or(0.0), rows))
}

fn plan(conn: &mut Conn, q: &str) -> Result<String, BenchError> {
    let rows: Vec<Row> = sql(conn.query(format!("EXPLAIN {q}")), "explaining")?;
    let mut out = Vec::new();
    for row in rows {
        let get = |name: &str| -> String {
            row.get_opt::<Option<String>, _>(name)
                .and_then(Result::ok)
                .flatten()
                .unwrap_or_default()
        };
        out.push(format!(
            "{} {} type={} key={} rows={} {}",
            get("select_type"),
            get("table"),
            get("type"),
            get("key"),
            get("rows"),
            get("Extra")
        ));
    }
    Ok(out.join(" | "))
}

/// Runs section 4 on the large table.
pub fn run(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    log: Log<'_>,
) -> Result<ReadsReport, BenchError> {
    let original = query_for(GROUPED_QUERY, BIG);
    create_summary(opts, SUMMARY, &original, None)?;
    exec(
        conn,
        &format!(
            "CREATE TABLE IF NOT EXISTS `{TARGET}` (user_id INT UNSIGNED NOT NULL PRIMARY KEY, \
             total DECIMAL(65,2) NOT NULL, n BIGINT NOT NULL) ENGINE=InnoDB"
        ),
    )?;
    exec(conn, &format!("TRUNCATE TABLE `{TARGET}`"))?;
    exec(
        conn,
        &format!(
            "INSERT INTO `{TARGET}` SELECT user_id, SUM(amount), COUNT(*) FROM `{BIG}` GROUP BY user_id"
        ),
    )?;
    // Experiment: the same per-group values as a one-level view over our state table.
    let state = Names::new(DATABASE, SUMMARY, 1, 0).state;
    let columns: Vec<String> = sql(
        conn.exec(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (DATABASE, &state),
        ),
        "reading the state's columns",
    )?;
    // `nn0` (rows with a non-NULL amount) exists only when the argument is nullable.
    let total = if columns.iter().any(|c| c == "nn0") {
        "IF(SUM(nn0) = 0, NULL, SUM(s0))"
    } else {
        "SUM(s0)"
    };
    let view_over = |table: &str| {
        format!(
            "SELECT k0 AS user_id, {total} AS total, CAST(SUM(cnt) AS SIGNED) AS n \
             FROM `{table}` GROUP BY k0 HAVING SUM(cnt) > 0"
        )
    };
    exec(
        conn,
        &format!(
            "CREATE OR REPLACE VIEW `{ALT_VIEW}` AS {}",
            view_over(&state)
        ),
    )?;
    // Experiment: the state folded to one row per group (slot 0 + slot 1 merged), read the same way.
    let values: Vec<&String> = columns
        .iter()
        .filter(|c| c.as_str() != "k0" && c.as_str() != "slot")
        .collect();
    let names: Vec<String> = values.iter().map(|c| format!("`{c}`")).collect();
    let sums: Vec<String> = values.iter().map(|c| format!("SUM(`{c}`)")).collect();
    exec(conn, &format!("DROP TABLE IF EXISTS `{FOLDED}`"))?;
    exec(conn, &format!("CREATE TABLE `{FOLDED}` LIKE `{state}`"))?;
    exec(
        conn,
        &format!(
            "INSERT INTO `{FOLDED}` (k0, slot, {}) SELECT k0, 1, {} FROM `{state}` GROUP BY k0",
            names.join(", "),
            sums.join(", ")
        ),
    )?;
    exec(
        conn,
        &format!(
            "CREATE OR REPLACE VIEW `{FOLDED_VIEW}` AS {}",
            view_over(FOLDED)
        ),
    )?;
    let rows = super::data::count(conn, BIG)?;
    let one = format!("SELECT user_id, total, n FROM `{SUMMARY}` WHERE user_id = {HOT_USER}");
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "one group (user_id = 42)",
            vec![
                ("original GROUP BY query".into(), format!(
                    "SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM `{BIG}` WHERE user_id = {HOT_USER} GROUP BY user_id"
                )),
                ("LightningTables view".into(), one.clone()),
                ("hand-made summary table".into(), format!(
                    "SELECT user_id, total, n FROM `{TARGET}` WHERE user_id = {HOT_USER}"
                )),
                ("experiment: one-level view".into(), format!(
                    "SELECT user_id, total, n FROM `{ALT_VIEW}` WHERE user_id = {HOT_USER}"
                )),
                ("experiment: folded state".into(), format!(
                    "SELECT user_id, total, n FROM `{FOLDED_VIEW}` WHERE user_id = {HOT_USER}"
                )),
            ],
        ),
        (
            "whole summary",
            vec![
                ("original GROUP BY query".into(), original.clone()),
                ("LightningTables view".into(), format!("SELECT user_id, total, n FROM `{SUMMARY}`")),
                ("hand-made summary table".into(), format!("SELECT user_id, total, n FROM `{TARGET}`")),
                ("experiment: one-level view".into(), format!("SELECT user_id, total, n FROM `{ALT_VIEW}`")),
                ("experiment: folded state".into(), format!("SELECT user_id, total, n FROM `{FOLDED_VIEW}`")),
            ],
        ),
    ];
    let budget = Duration::from_millis(if config.quick { 300 } else { 1000 });
    let mut out = Vec::new();
    for (case, queries) in &cases {
        let mut ms: Vec<Vec<f64>> = queries.iter().map(|_| Vec::new()).collect();
        let mut counts = vec![0usize; queries.len()];
        for round in 0..config.big_rounds() {
            let mut order: Vec<usize> = (0..queries.len()).collect();
            order.rotate_left(round % queries.len());
            for i in order {
                let (m, n) = time_query(conn, &queries[i].1, budget)?;
                ms[i].push(m);
                counts[i] = n;
            }
        }
        let mut figures = Vec::new();
        for (i, (label, q)) in queries.iter().enumerate() {
            let speedups: Vec<f64> = ms[0].iter().zip(&ms[i]).map(|(o, x)| o / x).collect();
            let f = QueryFigure {
                label: label.clone(),
                sql: q.clone(),
                rows: counts[i],
                ms: median(&ms[i]).unwrap_or(0.0),
                ms_rounds: ms[i].clone(),
                speedup: median(&speedups).unwrap_or(f64::NAN),
            };
            log(&format!(
                "reads {case}: {:<26} {:>9.3} ms  ({} rows, ×{:.1})",
                f.label, f.ms, f.rows, f.speedup
            ));
            figures.push(f);
        }
        out.push(ReadCase {
            case: case.to_string(),
            queries: figures,
        });
    }
    let view_plan = plan(conn, &one)?;
    exec(conn, &format!("DROP VIEW `{ALT_VIEW}`, `{FOLDED_VIEW}`"))?;
    exec(conn, &format!("DROP TABLE `{FOLDED}`"))?;
    lifecycle(
        lc::drop_summary(opts, DATABASE, SUMMARY),
        "dropping the summary",
    )?;
    Ok(ReadsReport {
        rows,
        cases: out,
        view_plan,
    })
}
