//! Evidence for the pause: the statements `create` runs under its table lock, timed one by one on
//! a scratch table (no writers), plus a trivial `CREATE TRIGGER` for comparison, so the report can
//! say where the lock window goes.

use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use serde::Serialize;

use crate::bench::stats::median;
use crate::bench::{data, exec, query_for, sql, BenchError, GROUPED_QUERY};
use crate::db::introspect::{self, IntrospectError};
use crate::engine::codegen::{GenOptions, TriggerSql};

/// The scratch table.
const PROBE: &str = "tx_lockprobe";

/// One step's median duration.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The statement (first line).
    pub step: String,
    /// Median milliseconds.
    pub ms: f64,
}

/// The lock window, step by step.
#[derive(Debug, Clone, Serialize)]
pub struct LockAnatomy {
    /// Rounds.
    pub rounds: usize,
    /// `LOCK TABLES`, each `CREATE TRIGGER`, the snapshot, `UNLOCK TABLES`.
    pub steps: Vec<Step>,
    /// Sum of the step medians.
    pub total_ms: f64,
    /// A `CREATE TRIGGER` with a one-statement body, without `LOCK TABLES`.
    pub trivial_trigger_ms: f64,
    /// The same steps' total with `sync_frm = OFF` (definition files not flushed), if available.
    pub total_sync_frm_off_ms: Option<f64>,
    /// The trivial trigger with `sync_frm = OFF`.
    pub trivial_trigger_sync_frm_off_ms: Option<f64>,
    /// Server variables about syncing files (`%sync%`).
    pub sync_variables: Vec<(String, String)>,
}

fn timed(conn: &mut Conn, statement: &str) -> Result<f64, BenchError> {
    let t = Instant::now();
    exec(conn, statement)?;
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("");
    l.chars().take(70).collect()
}

/// Times the lock plan of `create` on a scratch table, `rounds` times.
pub fn run(conn: &mut Conn, opts: &Opts, rounds: usize) -> Result<LockAnatomy, BenchError> {
    data::create_tx(conn, PROBE)?;
    data::fill(conn, PROBE, 1000, 100, 3)?;
    let prepared = introspect::prepare(
        conn,
        &query_for(GROUPED_QUERY, PROBE),
        "probe_sum",
        GenOptions::default(),
    )
    .map_err(|e: IntrospectError| BenchError::Workload(format!("preparing the probe: {e}")))?;
    let triggers = prepared.generated.triggers.clone();
    let mut snapshot = sql(Conn::new(opts.clone()), "connecting the snapshot")?;
    let (steps, trivial_trigger_ms) = time_steps(conn, &mut snapshot, &triggers, rounds)?;
    // The same with `sync_frm` off: trigger definition files are then not flushed to disk.
    let old: Option<(String, String)> = sql(
        conn.query_first("SHOW GLOBAL VARIABLES LIKE 'sync_frm'"),
        "reading sync_frm",
    )?;
    let without_sync = match old {
        Some((_, value)) => {
            exec(conn, "SET GLOBAL sync_frm = OFF")?;
            let r = time_steps(conn, &mut snapshot, &triggers, rounds);
            exec(conn, &format!("SET GLOBAL sync_frm = {value}"))?;
            let (s, t) = r?;
            Some((s, t))
        }
        None => None,
    };
    let sync_variables: Vec<(String, String)> = sql(
        conn.query("SHOW GLOBAL VARIABLES LIKE '%sync%'"),
        "reading sync variables",
    )?;
    exec(conn, &format!("DROP TABLE `{PROBE}`"))?;
    Ok(LockAnatomy {
        rounds: rounds.max(1),
        total_ms: steps.iter().map(|s| s.ms).sum(),
        steps,
        trivial_trigger_ms,
        total_sync_frm_off_ms: without_sync
            .as_ref()
            .map(|(s, _)| s.iter().map(|x| x.ms).sum()),
        trivial_trigger_sync_frm_off_ms: without_sync.map(|(_, t)| t),
        sync_variables,
    })
}

/// Times the lock plan `rounds` times; returns the step medians and the trivial trigger's median.
fn time_steps(
    conn: &mut Conn,
    snapshot: &mut Conn,
    triggers: &[TriggerSql],
    rounds: usize,
) -> Result<(Vec<Step>, f64), BenchError> {
    let mut cols: Vec<(String, Vec<f64>)> = Vec::new();
    let mut push = |i: usize, name: String, ms: f64| {
        if cols.len() <= i {
            cols.push((name, Vec::new()));
        }
        if let Some(c) = cols.get_mut(i) {
            c.1.push(ms);
        }
    };
    let mut trivial = Vec::new();
    for _ in 0..rounds.max(1) {
        let mut i = 0;
        push(
            i,
            format!("LOCK TABLES {PROBE} WRITE"),
            timed(conn, &format!("LOCK TABLES `{PROBE}` WRITE"))?,
        );
        for t in triggers {
            i += 1;
            push(i, first_line(&t.sql), timed(conn, &t.sql)?);
        }
        i += 1;
        let t0 = Instant::now();
        sql(
            snapshot.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
            "opening the snapshot",
        )?;
        push(
            i,
            "START TRANSACTION WITH CONSISTENT SNAPSHOT (other session)".into(),
            t0.elapsed().as_secs_f64() * 1000.0,
        );
        i += 1;
        push(i, "UNLOCK TABLES".into(), timed(conn, "UNLOCK TABLES")?);
        sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
        for t in triggers {
            exec(conn, &format!("DROP TRIGGER `{}`", t.name))?;
        }
        trivial.push(timed(
            conn,
            &format!(
                "CREATE TRIGGER `{PROBE}_trivial` AFTER INSERT ON `{PROBE}` FOR EACH ROW SET @lt_probe = NEW.id"
            ),
        )?);
        exec(conn, &format!("DROP TRIGGER `{PROBE}_trivial`"))?;
    }
    let steps = cols
        .into_iter()
        .map(|(step, v)| Step {
            step,
            ms: median(&v).unwrap_or(0.0),
        })
        .collect();
    Ok((steps, median(&trivial).unwrap_or(0.0)))
}
