//! Section 1: write-path throughput with no triggers (A), our triggers (B) and original-style
//! triggers (C), per workload, variants interleaved within each round (the order rotates from
//! round to round), each measurement a fixed duration after a warm-up, autocommit.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::data::{self, amount, user};
use super::driver::{measure, Op};
use super::setup::{Shape, Variant, EXPERIMENTS, MAIN};
use super::stats::{median, Latency};
use super::{BenchConfig, BenchError, Log};

/// The group every writer of the hot-group workload writes.
pub const HOT_USER: u32 = 42;

/// Rows per statement of the bulk workload.
pub const BULK_ROWS: u64 = 1000;

/// The statement a workload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Single-row INSERT, random user.
    Insert,
    /// Single-row INSERT, always [`HOT_USER`].
    InsertHot,
    /// [`BULK_ROWS`]-row INSERT, random users.
    Bulk,
    /// UPDATE of one row's amount by primary key.
    Update,
    /// DELETE of one row by primary key.
    Delete,
}

/// One write-path workload.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Workload {
    /// Stable key (JSON).
    pub key: &'static str,
    /// Human label.
    pub label: &'static str,
    /// The summarized query's shape.
    pub shape: Shape,
    /// The statement.
    pub kind: Kind,
    /// Concurrent clients.
    pub clients: usize,
    /// The target for B/A.
    pub target: f64,
}

const fn w(
    key: &'static str,
    label: &'static str,
    shape: Shape,
    kind: Kind,
    clients: usize,
    target: f64,
) -> Workload {
    Workload {
        key,
        label,
        shape,
        kind,
        clients,
        target,
    }
}

/// Every workload of section 1, in run order (inserts first, so deletes have rows to take).
pub const WORKLOADS: [Workload; 9] = [
    w(
        "insert_1",
        "INSERT 1 row, 1 client",
        Shape::Grouped,
        Kind::Insert,
        1,
        0.90,
    ),
    w(
        "insert_8",
        "INSERT 1 row, 8 clients",
        Shape::Grouped,
        Kind::Insert,
        8,
        0.85,
    ),
    w(
        "insert_hot_8",
        "INSERT, 8 clients, one group",
        Shape::Grouped,
        Kind::InsertHot,
        8,
        0.80,
    ),
    w(
        "insert_nogroup_8",
        "INSERT, 8 clients, no GROUP BY",
        Shape::NoGroup,
        Kind::Insert,
        8,
        0.80,
    ),
    w(
        "bulk_1000",
        "INSERT 1000 rows/stmt, 1 client",
        Shape::Grouped,
        Kind::Bulk,
        1,
        0.65,
    ),
    w(
        "update_1",
        "UPDATE 1 row, 1 client",
        Shape::Grouped,
        Kind::Update,
        1,
        0.90,
    ),
    w(
        "update_8",
        "UPDATE 1 row, 8 clients",
        Shape::Grouped,
        Kind::Update,
        8,
        0.85,
    ),
    w(
        "delete_1",
        "DELETE 1 row, 1 client",
        Shape::Grouped,
        Kind::Delete,
        1,
        0.90,
    ),
    w(
        "delete_8",
        "DELETE 1 row, 8 clients",
        Shape::Grouped,
        Kind::Delete,
        8,
        0.85,
    ),
];

/// One variant's figures for one workload.
#[derive(Debug, Clone, Serialize)]
pub struct VariantFigure {
    /// The variant.
    pub variant: Variant,
    /// Short label (A, B, C, ...).
    pub label: &'static str,
    /// Its base table.
    pub table: String,
    /// Statements per second, per round.
    pub statements_per_s: Vec<f64>,
    /// Median of `statements_per_s`.
    pub median_statements_per_s: f64,
    /// Median rows written per second.
    pub median_rows_per_s: f64,
    /// Median over rounds of the latency figures.
    pub latency: Latency,
    /// Failed statements (deadlocks, lock wait timeouts), all rounds.
    pub errors: u64,
    /// Per-round ratio to A (same round).
    pub ratio_rounds: Vec<f64>,
    /// Median of `ratio_rounds` (1.0 for A).
    pub ratio: f64,
}

/// One workload's figures.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadFigure {
    /// The workload.
    pub workload: Workload,
    /// Per variant, in [`MAIN`] then [`EXPERIMENTS`] order.
    pub variants: Vec<VariantFigure>,
}

impl WorkloadFigure {
    /// The figure of `variant`, if it ran.
    pub fn get(&self, variant: Variant) -> Option<&VariantFigure> {
        self.variants.iter().find(|v| v.variant == variant)
    }
}

/// Section 1's figures.
#[derive(Debug, Clone, Serialize)]
pub struct WritesReport {
    /// Measured seconds per measurement.
    pub duration_s: f64,
    /// Warm-up seconds per measurement.
    pub warmup_s: f64,
    /// Rounds.
    pub rounds: usize,
    /// Per workload.
    pub workloads: Vec<WorkloadFigure>,
    /// Server counters over the whole section (redo log flushes against commits).
    pub server_counters: BTreeMap<String, f64>,
}

/// The counters recorded in [`WritesReport::server_counters`].
const COUNTERS: [&str; 5] = [
    "Innodb_os_log_fsyncs",
    "Innodb_log_writes",
    "Innodb_data_fsyncs",
    "Handler_commit",
    "Com_stmt_execute",
];

/// Per-table delete cursors: the next id a DELETE takes (ids below were deleted).
#[derive(Default)]
struct Cursors(HashMap<&'static str, Arc<AtomicU64>>);

impl Cursors {
    fn get(&mut self, conn: &mut Conn, table: &'static str) -> Result<Arc<AtomicU64>, BenchError> {
        if let Some(c) = self.0.get(table) {
            return Ok(Arc::clone(c));
        }
        let (lo, _) = data::id_range(conn, table)?;
        let c = Arc::new(AtomicU64::new(lo));
        self.0.insert(table, Arc::clone(&c));
        Ok(c)
    }
}

/// The statement loop of `kind` on `table`.
fn op(kind: Kind, table: &str, users: u32, cursor: Arc<AtomicU64>, max_id: u64) -> Op {
    match kind {
        Kind::Insert | Kind::InsertHot => {
            let stmt = format!("INSERT INTO `{table}` (user_id, amount) VALUES (?, ?)");
            let hot = kind == Kind::InsertHot;
            Arc::new(move |c: &mut Conn, rng: &mut StdRng, _| {
                let u = if hot { HOT_USER } else { user(rng, users) };
                c.exec_drop(&stmt, (u, amount(rng)))?;
                Ok(1)
            })
        }
        Kind::Bulk => {
            let mut rng = StdRng::seed_from_u64(99);
            let stmts: Arc<Vec<String>> = Arc::new(
                (0..8)
                    .map(|_| data::multi_insert(table, BULK_ROWS, users, &mut rng))
                    .collect(),
            );
            Arc::new(move |c: &mut Conn, rng: &mut StdRng, _| {
                let i = rng.gen_range(0..stmts.len());
                c.query_drop(&stmts[i])?;
                Ok(c.affected_rows())
            })
        }
        Kind::Update => {
            let stmt = format!("UPDATE `{table}` SET amount = ? WHERE id = ?");
            Arc::new(move |c: &mut Conn, rng: &mut StdRng, _| {
                let lo = cursor.load(Ordering::Relaxed) + 10_000;
                let id = rng.gen_range(lo.min(max_id)..=max_id);
                c.exec_drop(&stmt, (amount(rng), id))?;
                Ok(c.affected_rows())
            })
        }
        Kind::Delete => {
            let stmt = format!("DELETE FROM `{table}` WHERE id = ?");
            Arc::new(move |c: &mut Conn, _: &mut StdRng, _| {
                let id = cursor.fetch_add(1, Ordering::Relaxed);
                c.exec_drop(&stmt, (id,))?;
                Ok(c.affected_rows())
            })
        }
    }
}

/// Waits (up to 3 s) until InnoDB's purge has caught up, so one measurement's garbage does not
/// slow the next one down.
pub fn settle(conn: &mut Conn) {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let row: Result<Option<(String, u64)>, _> =
            conn.query_first("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'");
        match row {
            Ok(Some((_, n))) if n > 2000 => std::thread::sleep(Duration::from_millis(100)),
            _ => break,
        }
    }
    std::thread::sleep(Duration::from_millis(100));
}

/// Rows a delete measurement may take at most (the reserve kept above the cursor).
const DELETE_RESERVE: u64 = 40_000;

/// Runs section 1.
pub fn run(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    log: Log<'_>,
) -> Result<WritesReport, BenchError> {
    let mut cursors = Cursors::default();
    let counters_before = super::machine::global_status(conn, &COUNTERS)?;
    let mut cells: Cells = HashMap::new();
    for round in 0..config.rounds {
        for (wi, wl) in WORKLOADS.iter().enumerate() {
            let mut variants: Vec<Variant> = MAIN.to_vec();
            if config.experiments && wl.shape == Shape::Grouped {
                variants.extend(EXPERIMENTS);
            }
            let shift = round % variants.len();
            variants.rotate_left(shift);
            for v in variants {
                let Some(table) = v.table(wl.shape) else {
                    continue;
                };
                let cursor = cursors.get(conn, table)?;
                let (_, mut max_id) = data::id_range(conn, table)?;
                if wl.kind == Kind::Delete
                    && max_id.saturating_sub(cursor.load(Ordering::Relaxed)) < DELETE_RESERVE
                {
                    data::fill(conn, table, DELETE_RESERVE, config.users, 5 + round as u64)?;
                    max_id = data::id_range(conn, table)?.1;
                }
                settle(conn);
                let seed = (round * 100 + wi) as u64;
                let (win, errors) = measure(
                    opts,
                    wl.clients,
                    seed,
                    op(wl.kind, table, config.users, cursor, max_id),
                    config.warmup,
                    config.duration,
                )?;
                log(&format!(
                    "writes round {}/{} {:<17} {:<5} {:>9.0} stmt/s  p99 {:>6.2} ms{}",
                    round + 1,
                    config.rounds,
                    wl.key,
                    v.label(),
                    win.statements_per_s,
                    win.latency.p99_ms,
                    if errors > 0 {
                        format!("  ({errors} errors)")
                    } else {
                        String::new()
                    }
                ));
                cells.entry((wi, v)).or_default().push((
                    win.statements_per_s,
                    win.rows_per_s,
                    win.latency,
                    errors,
                ));
            }
        }
    }
    let counters_after = super::machine::global_status(conn, &COUNTERS)?;
    let server_counters = counters_after
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v - counters_before.get(k).copied().unwrap_or(0.0),
            )
        })
        .collect();
    let workloads = workload_figures(&cells);
    Ok(WritesReport {
        duration_s: config.duration.as_secs_f64(),
        warmup_s: config.warmup.as_secs_f64(),
        rounds: config.rounds,
        workloads,
        server_counters,
    })
}

/// Per (workload index, variant): per-round (statements/s, rows/s, latency, errors).
type Cells = HashMap<(usize, Variant), Vec<(f64, f64, Latency, u64)>>;

/// Each workload's figures: per variant, medians over rounds and ratios to no triggers.
fn workload_figures(cells: &Cells) -> Vec<WorkloadFigure> {
    let mut workloads = Vec::new();
    for (wi, wl) in WORKLOADS.iter().enumerate() {
        let base: Vec<f64> = cells
            .get(&(wi, Variant::Plain))
            .map(|c| c.iter().map(|x| x.0).collect())
            .unwrap_or_default();
        let mut variants = Vec::new();
        for v in MAIN.iter().chain(EXPERIMENTS.iter()) {
            let (Some(cell), Some(table)) = (cells.get(&(wi, *v)), v.table(wl.shape)) else {
                continue;
            };
            let rates: Vec<f64> = cell.iter().map(|x| x.0).collect();
            let ratio_rounds: Vec<f64> = rates
                .iter()
                .zip(&base)
                .map(|(r, b)| if *b > 0.0 { r / b } else { f64::NAN })
                .collect();
            let lats: Vec<Latency> = cell.iter().map(|x| x.2).collect();
            variants.push(VariantFigure {
                variant: *v,
                label: v.label(),
                table: table.to_string(),
                median_statements_per_s: median(&rates).unwrap_or(0.0),
                median_rows_per_s: median(&cell.iter().map(|x| x.1).collect::<Vec<_>>())
                    .unwrap_or(0.0),
                statements_per_s: rates,
                latency: Latency::median_of(&lats),
                errors: cell.iter().map(|x| x.3).sum(),
                ratio: median(&ratio_rounds).unwrap_or(f64::NAN),
                ratio_rounds,
            });
        }
        workloads.push(WorkloadFigure {
            workload: *wl,
            variants,
        });
    }
    workloads
}
