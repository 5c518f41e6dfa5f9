//! The batched backfill: read the snapshot in primary-key chunks, aggregate each chunk per group,
//! add the partial aggregates into the backfill slot, one short transaction per chunk.

use super::{sql, Control, CreateOptions, Event, LifecycleError};
use crate::engine::catalog;
use crate::engine::codegen::Gen;
use crate::engine::ident::quote;
use mysql::prelude::Queryable;
use mysql::{Conn, Row, Value};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How chunk sizes are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkPolicy {
    /// Always this many rows (tests use small values to interleave many chunks with writes).
    Fixed(u64),
    /// Adapt the size so that a chunk takes about `target`.
    Adaptive {
        /// Target time per chunk.
        target: Duration,
        /// First chunk's size.
        initial: u64,
    },
}

/// Backfill progress, as shown by progress bars and stored in the catalog.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Progress {
    /// Rows read so far.
    pub rows_done: u64,
    /// Rows in the snapshot.
    pub rows_total: u64,
    /// Percent done.
    pub percent: f64,
    /// Rows per second so far.
    pub rate: f64,
    /// Estimated seconds left.
    pub eta_secs: f64,
    /// Size of the next chunk.
    pub chunk_size: u64,
    /// Chunks done.
    pub chunks: u64,
}

/// Rows per upsert statement (keeps placeholders far below the protocol's 65535).
const UPSERT_BATCH: usize = 500;

/// Primary-key range predicates. For a composite key `(a, b) > (x, y)` is expanded into
/// `a > x OR (a = x AND b > y)`, which the range optimizer uses.
fn after(pk: &[String], strict: bool) -> String {
    let mut ors = Vec::new();
    for i in 0..pk.len() {
        let mut ands: Vec<String> = pk[..i]
            .iter()
            .map(|c| format!("{} = ?", quote(c)))
            .collect();
        let last = i + 1 == pk.len();
        let op = if last && !strict { ">=" } else { ">" };
        ands.push(format!("{} {op} ?", quote(&pk[i])));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    ors.join(" OR ")
}

fn upto(pk: &[String]) -> String {
    let mut ors = Vec::new();
    for i in 0..pk.len() {
        let mut ands: Vec<String> = pk[..i]
            .iter()
            .map(|c| format!("{} = ?", quote(c)))
            .collect();
        let last = i + 1 == pk.len();
        let op = if last { "<=" } else { "<" };
        ands.push(format!("{} {op} ?", quote(&pk[i])));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    ors.join(" OR ")
}

/// Parameters for `after`/`upto` with key values `v`.
fn range_params(v: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..v.len() {
        out.extend(v[..=i].iter().cloned());
    }
    out
}

/// Runs the backfill to completion on `snapshot` (inside its consistent snapshot), writing through
/// `writer`. Returns the rows read.
#[allow(clippy::too_many_arguments)]
pub fn run(
    gen: &Gen<'_>,
    snapshot: &mut Conn,
    writer: &mut Conn,
    name: &str,
    opts: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<u64, LifecycleError> {
    let schema = gen.names.schema.clone();
    let pk = gen.table.primary_key.clone();
    let pk_cols: Vec<String> = pk.iter().map(|c| quote(c)).collect();
    let total: u64 = sql(
        snapshot.query_first(format!("SELECT COUNT(*) FROM {}", gen.base)),
        "counting rows in the snapshot",
    )?
    .unwrap_or(0);
    let now = chrono_now(writer)?;
    sql(
        catalog::update(
            writer,
            &schema,
            name,
            &[
                ("rows_total", total.into()),
                ("rows_done", 0u64.into()),
                ("backfill_started_at", Value::from(now)),
            ],
        ),
        "recording backfill start",
    )?;
    let boundary_first = format!(
        "SELECT {} FROM {} ORDER BY {} LIMIT 1 OFFSET ?",
        pk_cols.join(", "),
        gen.base,
        pk_cols.join(", ")
    );
    let boundary_next = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET ?",
        pk_cols.join(", "),
        gen.base,
        after(&pk, true),
        pk_cols.join(", ")
    );
    let mut chunk = match opts.chunk {
        ChunkPolicy::Fixed(n) => n.max(1),
        ChunkPolicy::Adaptive { initial, .. } => initial.max(1),
    };
    let mut lo: Option<Vec<Value>> = None;
    let mut done = 0u64;
    let mut chunks = 0u64;
    let started = Instant::now();
    loop {
        if control.is_cancelled() {
            return Err(LifecycleError::Cancelled(name.to_string()));
        }
        wait_while_paused_or_loaded(writer, opts, control, on_event)?;
        if control.is_cancelled() {
            return Err(LifecycleError::Cancelled(name.to_string()));
        }
        let t0 = Instant::now();
        // Upper boundary of this chunk: the chunk-th next primary key, or none for the tail.
        let hi: Option<Row> = match &lo {
            None => sql(
                snapshot.exec_first(&boundary_first, (chunk - 1,)),
                "finding the chunk boundary",
            )?,
            Some(v) => {
                let mut p = range_params(v);
                p.push((chunk - 1).into());
                sql(
                    snapshot.exec_first(&boundary_next, p),
                    "finding the chunk boundary",
                )?
            }
        };
        let hi: Option<Vec<Value>> = hi.map(Row::unwrap);
        let mut preds = Vec::new();
        let mut params = Vec::new();
        if let Some(v) = &lo {
            preds.push(format!("({})", after(&pk, true)));
            params.extend(range_params(v));
        }
        if let Some(v) = &hi {
            preds.push(format!("({})", upto(&pk)));
            params.extend(range_params(v));
        }
        let range = if preds.is_empty() {
            None
        } else {
            Some(preds.join(" AND "))
        };
        let state_rows: Vec<Row> = sql(
            snapshot.exec(gen.chunk_state_sql(range.as_deref()), params.clone()),
            "reading a backfill chunk",
        )?;
        let mut mm_rows: Vec<Vec<Row>> = Vec::new();
        for j in 0..gen.layout.minmax.len() {
            mm_rows.push(sql(
                snapshot.exec(gen.chunk_minmax_sql(j, range.as_deref()), params.clone()),
                "reading a backfill chunk (MIN/MAX)",
            )?);
        }
        let rows_in_chunk = if hi.is_some() {
            chunk
        } else {
            total.saturating_sub(done)
        };
        done += rows_in_chunk;
        chunks += 1;
        // One short transaction per chunk: partial aggregates and progress commit together.
        sql(writer.query_drop("START TRANSACTION"), "starting a chunk")?;
        let write = (|| -> Result<(), mysql::Error> {
            for batch in state_rows.chunks(UPSERT_BATCH) {
                let params: Vec<Value> =
                    batch.iter().flat_map(|r| Row::unwrap(r.clone())).collect();
                writer.exec_drop(gen.state_upsert_sql(batch.len()), params)?;
            }
            for (j, rows) in mm_rows.iter().enumerate() {
                for batch in rows.chunks(UPSERT_BATCH) {
                    let params: Vec<Value> =
                        batch.iter().flat_map(|r| Row::unwrap(r.clone())).collect();
                    writer.exec_drop(gen.minmax_upsert_sql(j, batch.len()), params)?;
                }
            }
            Ok(())
        })();
        if let Err(e) = write {
            let _ = writer.query_drop("ROLLBACK");
            return sql(Err(e), "adding a chunk into the summary");
        }
        let elapsed = t0.elapsed();
        if let ChunkPolicy::Adaptive { target, .. } = opts.chunk {
            let ratio = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-4);
            let factor = ratio.clamp(0.5, 2.0);
            chunk = ((chunk as f64) * factor).round().clamp(100.0, 200_000.0) as u64;
        }
        let secs = started.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 / secs;
        let progress = Progress {
            rows_done: done,
            rows_total: total,
            percent: if total == 0 {
                100.0
            } else {
                (done as f64 * 100.0 / total as f64).min(100.0)
            },
            rate,
            eta_secs: if rate > 0.0 {
                total.saturating_sub(done) as f64 / rate
            } else {
                0.0
            },
            chunk_size: chunk,
            chunks,
        };
        let recorded = catalog::update(
            writer,
            &schema,
            name,
            &[
                ("rows_done", done.into()),
                ("chunk_size", chunk.into()),
                ("rate", rate.into()),
            ],
        );
        if let Err(e) = recorded {
            let _ = writer.query_drop("ROLLBACK");
            return sql(Err(e), "recording progress");
        }
        sql(writer.query_drop("COMMIT"), "committing a chunk")?;
        // The tail chunk after a boundary that fell exactly on the last row is empty: no news.
        if rows_in_chunk > 0 || chunks == 1 {
            on_event(Event::Progress(progress));
        }
        match hi {
            Some(v) => lo = Some(v),
            None => break,
        }
    }
    sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
    on_event(Event::Done {
        rows: done,
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(done)
}

fn chrono_now(conn: &mut Conn) -> Result<String, LifecycleError> {
    let now: Option<String> = sql(
        conn.query_first("SELECT CAST(NOW(6) AS CHAR)"),
        "reading the clock",
    )?;
    Ok(now.unwrap_or_default())
}

fn wait_while_paused_or_loaded(
    conn: &mut Conn,
    opts: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<(), LifecycleError> {
    loop {
        if control.is_cancelled() {
            return Ok(());
        }
        if control.is_paused() {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        let Some((variable, limit)) = &opts.max_load else {
            return Ok(());
        };
        let row: Option<(String, String)> = sql(
            conn.exec_first("SHOW GLOBAL STATUS WHERE Variable_name = ?", (variable,)),
            "checking server load",
        )?;
        let value: u64 = row.and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        if value <= *limit {
            return Ok(());
        }
        on_event(Event::Throttled {
            variable: variable.clone(),
            value,
        });
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_ranges_expand_for_the_range_optimizer() {
        let pk = vec!["a".to_string(), "b".to_string()];
        assert_eq!(after(&pk, true), "(`a` > ?) OR (`a` = ? AND `b` > ?)");
        assert_eq!(upto(&pk), "(`a` < ?) OR (`a` = ? AND `b` <= ?)");
        let v: Vec<Value> = vec![1.into(), 2.into()];
        assert_eq!(range_params(&v), vec![Value::from(1), 1.into(), 2.into()]);
    }
}
