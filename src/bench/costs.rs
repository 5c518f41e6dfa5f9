//! Section 1b: what one statement costs the server, without the commit: N single-row statements
//! inside one transaction (rolled back afterwards, so the tables do not change), timed, with the
//! session's `Handler_%` counters per statement. Commit costs (redo log flush) are excluded on
//! purpose: this isolates the trigger's execution cost, which section 1 shows only diluted.
//!
//! Besides A (no triggers), B (ours) and C (original-style) it measures F, the floor of a trigger
//! that writes (one upsert of constants into a one-row table per event, issue 18), and gives B/F
//! per round, median over rounds.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::Conn;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use super::data::{amount, multi_insert, user};
use super::setup::{Shape, Variant, COSTS_ONLY, EXPERIMENTS, MAIN};
use super::stats::median;
use super::workloads::settle;
use super::{sql, BenchConfig, BenchError, Log};

/// The statement kinds measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Single-row INSERT, random user.
    Insert,
    /// UPDATE of one row's amount.
    Update,
    /// DELETE of one row.
    Delete,
    /// One INSERT of 1000 rows, random users.
    Insert1000,
    /// UPDATE of one row's `user_id`: the row moves to another group.
    Move,
}

const KINDS: [CostKind; 5] = [
    CostKind::Insert,
    CostKind::Update,
    CostKind::Delete,
    CostKind::Insert1000,
    CostKind::Move,
];

/// Rows of one [`CostKind::Insert1000`] statement.
const BULK_ROWS: u64 = 1000;

impl CostKind {
    /// Statements per measurement when single-row kinds run `n`: a bulk statement does the work
    /// of a thousand, so fewer of them (at least 10).
    fn statements(self, n: usize) -> usize {
        match self {
            CostKind::Insert1000 => (n / 100).max(10),
            _ => n,
        }
    }
}

/// One variant's cost for one statement kind.
#[derive(Debug, Clone, Serialize)]
pub struct CostFigure {
    /// The variant.
    pub variant: Variant,
    /// Short label.
    pub label: &'static str,
    /// Median statement latency (round trip, µs), per round.
    pub micros_rounds: Vec<f64>,
    /// Lowest of `micros_rounds` (noise from other processes only adds time).
    pub micros: f64,
    /// Median of `micros_rounds`.
    pub micros_median: f64,
    /// `micros` minus A's `micros`: the trigger's cost.
    pub extra_micros: f64,
    /// This variant's statement latency over the floor's (F) in the same round, median over
    /// rounds; `None` without a floor measurement.
    pub floor_ratio: Option<f64>,
    /// `Handler_%` counters per statement (last round, SHOW STATUS overhead removed), non-zero only.
    pub handlers: BTreeMap<String, f64>,
}

/// One statement kind's figures.
#[derive(Debug, Clone, Serialize)]
pub struct CostRow {
    /// The statement.
    pub kind: CostKind,
    /// Per variant.
    pub variants: Vec<CostFigure>,
}

/// Section 1b's figures.
#[derive(Debug, Clone, Serialize)]
pub struct CostsReport {
    /// Statements per measurement.
    pub statements: usize,
    /// Rounds.
    pub rounds: usize,
    /// Per statement kind.
    pub rows: Vec<CostRow>,
    /// Our generated triggers of the grouped summary, as installed (for reference).
    pub our_triggers: Vec<String>,
}

fn handlers(conn: &mut Conn) -> Result<HashMap<String, f64>, BenchError> {
    let rows: Vec<(String, String)> = sql(
        conn.query("SHOW SESSION STATUS LIKE 'Handler%'"),
        "reading handler counters",
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| v.parse::<f64>().ok().map(|v| (k, v)))
        .collect())
}

fn delta(after: &HashMap<String, f64>, before: &HashMap<String, f64>) -> HashMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .collect()
}

/// Times the statements of `kind` for `ids` on `table` in one transaction; returns
/// (µs/statement, handler deltas over the whole run).
fn one(
    conn: &mut Conn,
    kind: CostKind,
    table: &str,
    ids: &[u64],
    users: u32,
    seed: u64,
) -> Result<(f64, HashMap<String, f64>), BenchError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let stmt = match kind {
        CostKind::Insert => format!("INSERT INTO `{table}` (user_id, amount) VALUES (?, ?)"),
        CostKind::Update => format!("UPDATE `{table}` SET amount = ? WHERE id = ?"),
        CostKind::Delete => format!("DELETE FROM `{table}` WHERE id = ?"),
        CostKind::Move => format!("UPDATE `{table}` SET user_id = ? WHERE id = ?"),
        // Text, not prepared: 2000 placeholders buy nothing; the text is built before timing.
        CostKind::Insert1000 => String::new(),
    };
    let statements = kind.statements(ids.len()).min(ids.len());
    let bulk: Vec<String> = if kind == CostKind::Insert1000 {
        (0..statements)
            .map(|_| multi_insert(table, BULK_ROWS, users, &mut rng))
            .collect()
    } else {
        // Prepare outside the timing.
        sql(conn.prep(&stmt), "preparing the statement")?;
        Vec::new()
    };
    let params: Vec<mysql::Params> = ids
        .iter()
        .take(if bulk.is_empty() { statements } else { 0 })
        .map(|id| match kind {
            CostKind::Insert => (user(&mut rng, users), amount(&mut rng)).into(),
            CostKind::Update => (amount(&mut rng), *id).into(),
            CostKind::Delete => (*id,).into(),
            CostKind::Move | CostKind::Insert1000 => (user(&mut rng, users), *id).into(),
        })
        .collect();
    sql(
        conn.query_drop("START TRANSACTION"),
        "starting a transaction",
    )?;
    let before = handlers(conn)?;
    let mut micros = Vec::with_capacity(statements);
    let mut result = Ok(());
    for p in params {
        let t = Instant::now();
        if let Err(e) = conn.exec_drop(&stmt, p) {
            result = Err(e);
            break;
        }
        micros.push(t.elapsed().as_secs_f64() * 1e6);
    }
    for text in &bulk {
        let t = Instant::now();
        if let Err(e) = conn.query_drop(text) {
            result = Err(e);
            break;
        }
        micros.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let after = handlers(conn);
    let rolled = conn.query_drop("ROLLBACK");
    sql(result, &format!("running {kind:?} statements on {table}"))?;
    sql(rolled, "rolling back")?;
    let after = after?;
    // The median statement: preemption by other processes on a shared machine inflates a few
    // statements a lot; the median is the typical cost.
    Ok((median(&micros).unwrap_or(0.0), delta(&after, &before)))
}

/// Reads our installed triggers on `table` (for the report).
fn installed_triggers(conn: &mut Conn, table: &str) -> Result<Vec<String>, BenchError> {
    let rows: Vec<(String, String, String)> = sql(
        conn.exec(
            "SELECT TRIGGER_NAME, EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ? ORDER BY ACTION_ORDER, TRIGGER_NAME",
            (table,),
        ),
        "reading the installed triggers",
    )?;
    Ok(rows
        .into_iter()
        .map(|(name, event, body)| format!("-- {name}: AFTER {event}\n{body}"))
        .collect())
}

/// Per (statement, variant): the per-round latencies and the last round's handler deltas.
type Cell = (Vec<f64>, HashMap<String, f64>);

/// Runs section 1b on the write-path tables.
pub fn run(conn: &mut Conn, config: &BenchConfig, log: Log<'_>) -> Result<CostsReport, BenchError> {
    let n = config.cost_statements.max(10);
    let experiments: &[Variant] = if config.experiments {
        &EXPERIMENTS
    } else {
        &[]
    };
    let variants: Vec<Variant> = MAIN
        .iter()
        .chain(&COSTS_ONLY)
        .chain(experiments)
        .copied()
        .collect();
    // SHOW STATUS itself moves some counters: measure that overhead once.
    let overhead = {
        let a = handlers(conn)?;
        let b = handlers(conn)?;
        delta(&b, &a)
    };
    let ids = prepare_tables(conn, &variants, n)?;
    let rounds = config.rounds.max(5);
    let mut cells: HashMap<(CostKind, Variant), Cell> = HashMap::new();
    for round in 0..rounds {
        for kind in KINDS {
            let mut order = variants.clone();
            let shift = round % order.len();
            order.rotate_left(shift);
            for v in order {
                let (Some(table), Some(list)) = (v.table(Shape::Grouped), ids.get(&v)) else {
                    continue;
                };
                settle(conn);
                let (us, h) = one(conn, kind, table, list, config.users, round as u64)?;
                log(&format!(
                    "costs round {}/{} {:<7} {:<5} {:>8.1} µs/statement",
                    round + 1,
                    rounds,
                    format!("{kind:?}"),
                    v.label(),
                    us
                ));
                let cell = cells.entry((kind, v)).or_default();
                cell.0.push(us);
                cell.1 = h;
            }
        }
    }
    let mut rows = Vec::new();
    for kind in KINDS {
        let base = cells
            .get(&(kind, Variant::Plain))
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let floor = cells.get(&(kind, Variant::Floor)).map(|c| c.0.clone());
        let mut figures = Vec::new();
        for v in &variants {
            let Some((rounds, h)) = cells.get(&(kind, *v)) else {
                continue;
            };
            let low = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            let handlers = h
                .iter()
                .map(|(k, x)| {
                    let o = overhead.get(k).copied().unwrap_or(0.0);
                    (k.clone(), (x - o) / kind.statements(n) as f64)
                })
                .filter(|(_, x)| x.abs() >= 0.005)
                .collect();
            figures.push(CostFigure {
                variant: *v,
                label: v.label(),
                micros: low(rounds),
                micros_median: median(rounds).unwrap_or(0.0),
                extra_micros: low(rounds) - low(&base),
                floor_ratio: floor.as_deref().and_then(|f| per_round_ratio(rounds, f)),
                micros_rounds: rounds.clone(),
                handlers,
            });
        }
        rows.push(CostRow {
            kind,
            variants: figures,
        });
    }
    let our_triggers = match Variant::Ours.table(Shape::Grouped) {
        Some(t) => installed_triggers(conn, t)?,
        None => Vec::new(),
    };
    Ok(CostsReport {
        statements: n,
        rounds,
        rows,
        our_triggers,
    })
}

/// The median over rounds of `a[i] / b[i]` (both measured in round `i`).
fn per_round_ratio(a: &[f64], b: &[f64]) -> Option<f64> {
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(_, b)| **b > 0.0)
        .map(|(a, b)| a / b)
        .collect();
    median(&ratios)
}

/// Picks each variant's `n` rows to write (shuffled, the same seed for all) and gives every
/// group a row in every variant's summary (as in steady state), so the trigger statements update
/// existing summary rows rather than create them.
fn prepare_tables(
    conn: &mut Conn,
    variants: &[Variant],
    n: usize,
) -> Result<HashMap<Variant, Vec<u64>>, BenchError> {
    let mut ids: HashMap<Variant, Vec<u64>> = HashMap::new();
    for v in variants {
        let Some(table) = v.table(Shape::Grouped) else {
            continue;
        };
        let mut list: Vec<u64> = sql(
            conn.query(format!(
                "SELECT id FROM `{table}` ORDER BY id DESC LIMIT {}",
                n * 4
            )),
            "reading ids",
        )?;
        list.shuffle(&mut StdRng::seed_from_u64(3));
        list.truncate(n);
        ids.insert(*v, list);
    }
    for v in variants {
        if let Some(table) = v.table(Shape::Grouped) {
            sql(
                conn.query_drop(format!(
                    "INSERT INTO `{table}` (user_id, amount) SELECT DISTINCT user_id, 1.00 FROM `{table}`"
                )),
                "adding one row per group",
            )?;
        }
    }
    Ok(ids)
}
