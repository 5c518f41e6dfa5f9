//! Evidence for the backfill rate: the backfill's own statements (from the code generator) timed
//! one by one over the whole table, next to a single `INSERT ... SELECT`, so the report can say
//! where the backfill's time goes. Nothing here is used by the engine.

use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, Row, Value};
use serde::Serialize;

use crate::bench::backfill::{Method, TARGET};
use crate::bench::data::{self, BIG};
use crate::bench::stats::median;
use crate::bench::{exec, query_for, sql, BenchError, GROUPED_QUERY};
use crate::db::introspect;
use crate::engine::codegen::{Gen, GenOptions};

/// Rows per upsert statement, as the engine's backfill uses.
const UPSERT_BATCH: usize = 500;

/// Rows of the primary-key range timed as one typical chunk.
const RANGE_ROWS: u64 = 50_000;

fn explain(conn: &mut Conn, q: &str) -> Result<String, BenchError> {
    let plan: Vec<Row> = sql(conn.query(format!("EXPLAIN {q}")), "explaining")?;
    Ok(plan
        .iter()
        .map(|row| {
            let get = |name: &str| -> String {
                row.get_opt::<Option<String>, _>(name)
                    .and_then(Result::ok)
                    .flatten()
                    .unwrap_or_default()
            };
            format!(
                "type={} key={} rows={} {}",
                get("type"),
                get("key"),
                get("rows"),
                get("Extra")
            )
        })
        .collect::<Vec<_>>()
        .join("; "))
}

/// One step's median duration.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeStep {
    /// What was timed.
    pub step: String,
    /// Median milliseconds.
    pub ms: f64,
    /// Rows read or written.
    pub rows: u64,
}

/// The backfill's work over the whole table, step by step.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillAnatomy {
    /// Rows of the table.
    pub rows: u64,
    /// Rounds (median taken).
    pub rounds: usize,
    /// The steps.
    pub steps: Vec<ProbeStep>,
    /// `EXPLAIN` of the generated chunk aggregate.
    pub chunk_plan: String,
}

/// Cents of a DECIMAL(_, 2) value as the server sends it (`-12.30`).
fn cents(v: &Value) -> Option<i128> {
    let text = match v {
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.to_string(),
        Value::Int(i) => return Some(i128::from(*i) * 100),
        Value::UInt(u) => return Some(i128::from(*u) * 100),
        _ => return None,
    };
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let frac = format!("{frac:0<2}");
    let value = int.parse::<i128>().ok()? * 100 + frac.get(..2)?.parse::<i128>().ok()?;
    Some(if neg { -value } else { value })
}

fn decimal(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(i128::from(*i)),
        Value::UInt(u) => Some(i128::from(*u)),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

/// The suggested backfill shape: read primary-key ranges in the snapshot (forced to the primary
/// key), add the partial aggregates up in the client, write every group once.
fn accumulated(
    conn: &mut Conn,
    snapshot: &mut Conn,
    gen: &Gen<'_>,
    from: &str,
) -> Result<(), BenchError> {
    use std::collections::BTreeMap;
    sql(
        snapshot.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
        "opening the snapshot",
    )?;
    let (lo, hi) = data::id_range(snapshot, BIG)?;
    // The grouped query has one key (column 0); every other column is a COUNT or a SUM with at
    // most two decimals, so all of them add up exactly as cents.
    let mut acc: BTreeMap<i128, Vec<i128>> = BTreeMap::new();
    let mut start = lo.saturating_sub(1);
    while start < hi {
        let end = start + RANGE_ROWS;
        let q = gen
            .chunk_state_sql(Some(&format!("`id` > {start} AND `id` <= {end}")))
            .replacen(from, &format!("{from} FORCE INDEX (PRIMARY)"), 1);
        let part: Vec<Row> = sql(snapshot.query(q), "aggregating a range")?;
        for row in part {
            let v = row.unwrap();
            let key = v.first().and_then(as_i128);
            let sums: Option<Vec<i128>> = v.iter().skip(1).map(cents).collect();
            let (Some(key), Some(sums)) = (key, sums) else {
                return Err(BenchError::Workload(format!("unexpected chunk row {v:?}")));
            };
            let e = acc.entry(key).or_insert_with(|| vec![0; sums.len()]);
            for (x, y) in e.iter_mut().zip(sums) {
                *x += y;
            }
        }
        start = end;
    }
    sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
    let rows: Vec<Vec<Value>> = acc
        .into_iter()
        .map(|(k, sums)| {
            std::iter::once(Value::from(k.to_string()))
                .chain(sums.into_iter().map(|c| Value::from(decimal(c))))
                .collect()
        })
        .collect();
    sql(conn.query_drop("START TRANSACTION"), "starting")?;
    for batch in rows.chunks(UPSERT_BATCH) {
        let params: Vec<Value> = batch.iter().flatten().cloned().collect();
        sql(
            conn.exec_drop(gen.state_upsert_sql(batch.len()), params),
            "upserting",
        )?;
    }
    sql(conn.query_drop("COMMIT"), "committing")
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Times the backfill's statements on the large table, `rounds` times (no writers).
pub fn run(conn: &mut Conn, opts: &Opts, rounds: usize) -> Result<BackfillAnatomy, BenchError> {
    let prepared = introspect::prepare(
        conn,
        &query_for(GROUPED_QUERY, BIG),
        "bfprobe",
        GenOptions::default(),
    )
    .map_err(|e| BenchError::Workload(format!("preparing the backfill probe: {e}")))?;
    let options = GenOptions::default();
    let gen = prepared
        .gen("bfprobe", options)
        .map_err(|e| BenchError::Workload(format!("generating the backfill probe: {e}")))?;
    let state = gen.qualified(&gen.names.state);
    for ddl in gen.state_ddl() {
        exec(conn, &ddl)?;
    }
    let mut snapshot = sql(Conn::new(opts.clone()), "connecting the snapshot")?;
    let rows = data::count(conn, BIG)?;
    let chunk_sql = gen.chunk_state_sql(None);
    let (lo, _) = data::id_range(conn, BIG)?;
    let range = format!("`id` > {lo} AND `id` <= {}", lo + RANGE_ROWS);
    let range_sql = gen.chunk_state_sql(Some(&range));
    let from = format!("FROM {}", gen.base);
    let forced = |q: &str| q.replacen(&from, &format!("{from} FORCE INDEX (PRIMARY)"), 1);
    let chunk_forced = forced(&chunk_sql);
    let range_forced = forced(&range_sql);
    let labels = labels(rows);
    let mut times: Vec<Vec<f64>> = labels.iter().map(|_| Vec::new()).collect();
    let mut counts = vec![0u64; labels.len()];
    for _ in 0..rounds.max(1) {
        exec(conn, &format!("TRUNCATE TABLE {state}"))?;
        sql(
            snapshot.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
            "opening the snapshot",
        )?;
        let t = Instant::now();
        let _: Option<u64> = sql(
            snapshot.query_first(format!(
                "SELECT id FROM `{BIG}` ORDER BY id LIMIT 1 OFFSET {}",
                rows.saturating_sub(1)
            )),
            "finding the boundary",
        )?;
        times[0].push(ms_since(t));
        counts[0] = rows;
        let mut groups: Vec<Row> = Vec::new();
        for (step, q, n) in [
            (1, &chunk_sql, rows),
            (2, &chunk_forced, rows),
            (3, &range_sql, RANGE_ROWS),
            (4, &range_forced, RANGE_ROWS),
        ] {
            let t = Instant::now();
            let got: Vec<Row> = sql(snapshot.query(q.as_str()), "aggregating")?;
            times[step].push(ms_since(t));
            counts[step] = n;
            if step == 1 {
                groups = got;
            }
        }
        sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
        for step in [5, 6] {
            times[step].push(time_upserts(conn, &gen, &groups)?);
            counts[step] = groups.len() as u64;
        }
        exec(conn, &format!("TRUNCATE TABLE `{TARGET}`"))?;
        let t = Instant::now();
        exec(conn, &Method::ForcePrimary.statement())?;
        times[7].push(ms_since(t));
        counts[7] = rows;
        exec(conn, &format!("TRUNCATE TABLE {state}"))?;
        let t = Instant::now();
        accumulated(conn, &mut snapshot, &gen, &from)?;
        times[8].push(ms_since(t));
        counts[8] = rows;
        check_experiment(conn, &state)?;
    }
    exec(conn, &format!("DROP TABLE {state}"))?;
    let chunk_plan = format!(
        "whole table: {}; one range: {}",
        explain(conn, &chunk_sql)?,
        explain(conn, &range_sql)?
    );
    Ok(BackfillAnatomy {
        chunk_plan,
        rows,
        rounds: rounds.max(1),
        steps: labels
            .iter()
            .zip(&times)
            .zip(&counts)
            .map(|((l, t), n)| ProbeStep {
                step: l.clone(),
                ms: median(t).unwrap_or(0.0),
                rows: *n,
            })
            .collect(),
    })
}

/// What each step of the anatomy times, in order.
fn labels(rows: u64) -> [String; 9] {
    [
        format!("chunk boundary: SELECT id ... ORDER BY id LIMIT 1 OFFSET {}", rows.saturating_sub(1)),
        "chunk aggregate (generated), whole table, to the client".to_string(),
        "the same with FORCE INDEX (PRIMARY)".to_string(),
        format!("chunk aggregate (generated), one {RANGE_ROWS}-row primary-key range"),
        "the same range with FORCE INDEX (PRIMARY)".to_string(),
        format!("upsert of the groups in {UPSERT_BATCH}-row statements, new rows (+ commit)"),
        format!("upsert of the groups in {UPSERT_BATCH}-row statements, existing rows (+ commit)"),
        format!("single {}", Method::ForcePrimary.label()),
        format!(
            "experiment: {RANGE_ROWS}-row key ranges with FORCE INDEX (PRIMARY), partial sums added up in the client, one upsert at the end"
        ),
    ]
}

/// Upserts `groups` into the state in batches, in one transaction; returns milliseconds.
fn time_upserts(conn: &mut Conn, gen: &Gen<'_>, groups: &[Row]) -> Result<f64, BenchError> {
    let t = Instant::now();
    sql(conn.query_drop("START TRANSACTION"), "starting")?;
    for batch in groups.chunks(UPSERT_BATCH) {
        let params: Vec<Value> = batch.iter().flat_map(|r| Row::unwrap(r.clone())).collect();
        sql(
            conn.exec_drop(gen.state_upsert_sql(batch.len()), params),
            "upserting",
        )?;
    }
    sql(conn.query_drop("COMMIT"), "committing")?;
    Ok(ms_since(t))
}

/// The accumulated experiment must produce the same groups as the single statement.
fn check_experiment(conn: &mut Conn, state: &str) -> Result<(), BenchError> {
    let ours: Option<(u64, u64)> = sql(
        conn.query_first(format!("SELECT COUNT(*), SUM(cnt) FROM {state}")),
        "checking",
    )?;
    let theirs: Option<(u64, u64)> = sql(
        conn.query_first(format!("SELECT COUNT(*), SUM(n) FROM `{TARGET}`")),
        "checking",
    )?;
    if ours != theirs {
        return Err(BenchError::Workload(format!(
            "the accumulated backfill experiment disagrees with INSERT…SELECT: {ours:?} vs {theirs:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_cents_round_trip() {
        for (text, c) in [("12.30", 1230), ("-0.05", -5), ("7", 700), ("0.5", 50)] {
            assert_eq!(cents(&Value::from(text)), Some(c), "{text}");
        }
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(decimal(1230), "12.30");
    }
}
