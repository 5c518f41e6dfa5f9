//! The batched backfill: read the snapshot region by region in primary-key chunks, aggregate each
//! chunk per group, merge a region's partial aggregates in memory and add them into the backfill
//! slot in one transaction that also records the checkpoint.

use super::keyrange::{after, as_i128, int_value, is_integer_column, range_params, upto, Cursor};
use super::staging::{is_transient, Staged, WRITE_ATTEMPTS};
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::codegen::Gen;
use crate::engine::ident::{quote, quote_qualified};
use crate::lifecycle::catalog;
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

/// Where a backfill starts: regions already committed (0 for a fresh backfill).
#[derive(Debug, Clone, Copy, Default)]
pub struct Checkpoint {
    /// Regions committed.
    pub regions_done: u32,
    /// Rows in them.
    pub rows_done: u64,
}

/// Runs the backfill to completion on `snapshot` (inside its consistent snapshot), writing through
/// `writer`, region by region from `start`. Each region's partial aggregates are merged in memory
/// and committed in one transaction together with the checkpoint, so the backfill slot only ever
/// holds whole regions. A region's trigger deltas already visible in the snapshot are subtracted
/// (none on a fresh backfill, whose snapshot was taken with the triggers). Returns rows read.
pub(crate) fn run(
    job: &mut Job<'_>,
    gen: &Gen<'_>,
    snapshot: &mut Conn,
    writer: &mut Conn,
    start: Checkpoint,
) -> Result<u64, LifecycleError> {
    let (name, opts, control) = (job.name, job.options, job.control);
    let on_event: &mut dyn FnMut(Event) = &mut *job.on_event;
    let schema = gen.names.schema.clone();
    let pk = gen.table.primary_key.clone();
    let pk_cols: Vec<String> = pk.iter().map(|c| quote(c)).collect();
    let regions = gen.regions.as_ref().map_or(1, |r| r.count());
    // For progress only: an estimate on large tables, corrected when the backfill ends.
    let mut total = super::regions::estimate_rows(writer, gen.table, &gen.base)?;
    // A single integer key whose values are dense is cut into chunks by value; sparse keys
    // (snowflake ids, random BIGINTs) would give nearly empty chunks, so they keep the
    // LIMIT/OFFSET boundaries. `density` is rows per key value, for progress.
    let mut integer_key: Option<String> = None;
    let mut density = 1.0;
    if let [only] = pk.as_slice() {
        if is_integer_column(gen, only) {
            let col = quote(only);
            let ends: Option<Row> = sql(
                snapshot.exec_first(
                    format!("SELECT MIN({col}), MAX({col}) FROM {}", gen.base),
                    (),
                ),
                "reading the key range",
            )?;
            let ends = ends.map(Row::unwrap).unwrap_or_default();
            if let (Some(lo), Some(hi)) = (
                ends.first().and_then(as_i128),
                ends.get(1).and_then(as_i128),
            ) {
                let span = (hi - lo + 1) as f64;
                if span <= 4.0 * (total.max(1) as f64) {
                    integer_key = Some(col);
                    density = (total as f64 / span).min(1.0);
                }
            }
        }
    }
    let now = chrono_now(writer)?;
    sql(
        catalog::update(
            writer,
            &schema,
            name,
            &[
                ("rows_total", total.into()),
                ("rows_done", start.rows_done.into()),
                ("backfill_started_at", Value::from(now)),
            ],
        ),
        "recording backfill start",
    )?;
    let mut chunk = match opts.chunk {
        ChunkPolicy::Fixed(n) => n.max(1),
        ChunkPolicy::Adaptive { initial, .. } => initial.max(1),
    };
    let mut done = start.rows_done;
    let mut chunks = 0u64;
    let started = Instant::now();
    let mut read_in_run = 0u64;
    // Regions read since the last checkpoint, merged: written together when a checkpoint is
    // due (every `checkpoint_every`, and after the last region), so a group is written once per
    // checkpoint rather than once per chunk or region.
    let mut staged = Staged::new(gen);
    let mut committed = start.regions_done;
    let mut last_checkpoint = Instant::now();
    for region in (start.regions_done as usize)..regions {
        let region_pred = gen.region_predicate(region);
        // Deltas of this region that the snapshot's rows already contain (after a resume).
        let slots = gen.region_slots(region);
        let negated: Vec<Row> = sql(
            snapshot.exec(gen.negated_deltas_sql(&slots), ()),
            "reading the region's earlier deltas",
        )?;
        staged.state.add_rows(negated)?;
        for j in 0..gen.layout.minmax.len() {
            let negated: Vec<Row> = sql(
                snapshot.exec(gen.negated_minmax_sql(j, &slots), ()),
                "reading the region's earlier deltas (MIN/MAX)",
            )?;
            staged.minmax[j].add_rows(negated)?;
        }
        let with_region = |extra: Option<String>| -> Option<String> {
            let mut conds: Vec<String> = region_pred.iter().map(|p| format!("({p})")).collect();
            conds.extend(extra);
            (!conds.is_empty()).then(|| conds.join(" AND "))
        };
        let boundary_first = format!(
            "SELECT {} FROM {}{} ORDER BY {} LIMIT 1 OFFSET ?",
            pk_cols.join(", "),
            gen.base,
            with_region(None).map_or(String::new(), |w| format!(" WHERE {w}")),
            pk_cols.join(", ")
        );
        let boundary_next = format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET ?",
            pk_cols.join(", "),
            gen.base,
            with_region(Some(format!("({})", after(&pk, true)))).unwrap_or_default(),
            pk_cols.join(", ")
        );
        let mut cursor = match &integer_key {
            Some(col) => {
                // An integer key is cut by value: no boundary query re-reading each chunk.
                let ends: Option<Row> = sql(
                    snapshot.exec_first(
                        format!(
                            "SELECT MIN({col}), MAX({col}) FROM {}{}",
                            gen.base,
                            with_region(None).map_or(String::new(), |w| format!(" WHERE {w}"))
                        ),
                        (),
                    ),
                    "finding the region's key range",
                )?;
                let ends = ends.map(Row::unwrap).unwrap_or_default();
                match (
                    ends.first().and_then(as_i128),
                    ends.get(1).and_then(as_i128),
                ) {
                    (Some(next), Some(max)) => Cursor::ByValue { next, max },
                    _ => Cursor::Empty,
                }
            }
            None => Cursor::ByOffset { lo: None },
        };
        loop {
            if let Cursor::Empty = cursor {
                break;
            }
            if control.is_cancelled() {
                return Err(LifecycleError::Cancelled(name.to_string()));
            }
            wait_while_paused_or_loaded(writer, opts, control, on_event)?;
            if control.is_cancelled() {
                return Err(LifecycleError::Cancelled(name.to_string()));
            }
            let t0 = Instant::now();
            let mut preds = Vec::new();
            let mut params = Vec::new();
            // Rows in the chunk when known without counting, and whether it ends the region.
            let (known_rows, last) = match &mut cursor {
                Cursor::Empty => break,
                Cursor::ByValue { next, max } => {
                    let col = integer_key.as_deref().unwrap_or_default();
                    // Start at the next existing key: a gap in the keys costs one index probe,
                    // not one empty chunk per chunk-size of missing values.
                    let found: Option<Row> = sql(
                        snapshot.exec_first(
                            format!("SELECT MIN({col}) FROM {} WHERE {col} >= ?", gen.base),
                            (int_value(*next),),
                        ),
                        "finding the next key",
                    )?;
                    let from = found
                        .map(Row::unwrap)
                        .and_then(|v| v.first().and_then(as_i128));
                    let Some(from) = from.filter(|f| f <= max) else {
                        break;
                    };
                    let to = from.saturating_add(i128::from(chunk) - 1).min(*max);
                    preds.push(format!("{col} >= ? AND {col} <= ?"));
                    params.push(int_value(from));
                    params.push(int_value(to));
                    *next = to + 1;
                    // With a WHERE the chunk's rows are not counted by its groups: estimate
                    // them from the key density rather than scan the range again.
                    let estimate = gen
                        .analysis
                        .filter
                        .is_some()
                        .then(|| ((to - from + 1) as f64 * density).round() as u64);
                    (estimate, to >= *max)
                }
                Cursor::ByOffset { lo } => {
                    // Upper boundary: the chunk-th next key, or none for the region's tail.
                    let hi: Option<Row> = match lo.as_ref() {
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
                    if let Some(v) = lo.as_ref() {
                        preds.push(format!("({})", after(&pk, true)));
                        params.extend(range_params(v));
                    }
                    if let Some(v) = &hi {
                        preds.push(format!("({})", upto(&pk)));
                        params.extend(range_params(v));
                    }
                    let last = hi.is_none();
                    let known = hi.is_some().then_some(chunk);
                    if let Some(v) = hi {
                        *lo = Some(v);
                    }
                    (known, last)
                }
            };
            let range = with_region((!preds.is_empty()).then(|| preds.join(" AND ")));
            let state_rows: Vec<Row> = sql(
                snapshot.exec(gen.chunk_state_sql(range.as_deref()), params.clone()),
                "reading a backfill chunk",
            )?;
            // Without a WHERE every row is counted in some group: the chunk's size is known.
            let unfiltered_rows: Option<u64> = gen.analysis.filter.is_none().then(|| {
                let cnt = gen.stored_key_count();
                state_rows
                    .iter()
                    .filter_map(|r| r.get::<i64, _>(cnt))
                    .map(|n| n.max(0) as u64)
                    .sum()
            });
            staged.state.add_rows(state_rows)?;
            for j in 0..gen.layout.minmax.len() {
                let rows: Vec<Row> = sql(
                    snapshot.exec(gen.chunk_minmax_sql(j, range.as_deref()), params.clone()),
                    "reading a backfill chunk (MIN/MAX)",
                )?;
                staged.minmax[j].add_rows(rows)?;
            }
            let rows_in_chunk = if let Some(n) = known_rows {
                n
            } else if let Some(n) = unfiltered_rows {
                n
            } else {
                let counted: Option<u64> = sql(
                    snapshot.exec_first(
                        format!(
                            "SELECT COUNT(*) FROM {}{}",
                            gen.base,
                            range
                                .as_ref()
                                .map_or(String::new(), |r| format!(" WHERE {r}"))
                        ),
                        params.clone(),
                    ),
                    "counting a chunk's rows",
                )?;
                counted.unwrap_or(0)
            };
            done += rows_in_chunk;
            read_in_run += rows_in_chunk;
            chunks += 1;
            let elapsed = t0.elapsed();
            if let ChunkPolicy::Adaptive { target, .. } = opts.chunk {
                let ratio = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-4);
                let factor = ratio.clamp(0.5, 2.0);
                chunk = ((chunk as f64) * factor).round().clamp(100.0, 1_000_000.0) as u64;
            }
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            let rate = read_in_run as f64 / secs;
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
            sql(
                catalog::update(
                    writer,
                    &schema,
                    name,
                    &[
                        ("rows_done", done.into()),
                        ("chunk_size", chunk.into()),
                        ("rate", rate.into()),
                    ],
                ),
                "recording progress",
            )?;
            // The tail chunk after a boundary that fell exactly on the last row is empty: no news.
            if rows_in_chunk > 0 || chunks == 1 {
                on_event(Event::Progress(progress));
            }
            if last {
                break;
            }
        }
        let last = region + 1 == regions;
        if !last && last_checkpoint.elapsed() < opts.checkpoint_every {
            continue;
        }
        // One transaction: the merged aggregates of the regions since the last checkpoint and
        // the new checkpoint commit together. Our rows are the backfill slot's, which no writer
        // locks; inserting a new one can still meet a writer's gap lock, so a deadlock victim
        // retries. The checkpoint only advances from the value this run continued from: a second
        // process resuming the same summary fails here instead of adding a region twice.
        let merged = std::mem::replace(&mut staged, Staged::new(gen)).into_rows();
        let reached = region as u32 + 1;
        let advance = format!(
            "UPDATE {} SET `checkpoint` = ?, `checkpoint_rows` = ?, `rows_done` = ?, `updated_at` = CURRENT_TIMESTAMP(6) WHERE `name` = ? AND `checkpoint` = ?",
            quote_qualified(&schema, CATALOG_TABLE)
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            sql(
                writer.query_drop("START TRANSACTION"),
                "starting a checkpoint",
            )?;
            let write = merged.write(gen, writer).and_then(|_| {
                writer.exec_drop(&advance, (reached, done, done, name, committed))?;
                Ok(writer.affected_rows())
            });
            match write {
                Ok(1) => {
                    sql(writer.query_drop("COMMIT"), "committing a checkpoint")?;
                    break;
                }
                Ok(_) => {
                    let _ = writer.query_drop("ROLLBACK");
                    return Err(LifecycleError::State(format!(
                        "another process continued the backfill of {name} meanwhile; nothing was added twice"
                    )));
                }
                Err(e) => {
                    let _ = writer.query_drop("ROLLBACK");
                    if attempt < WRITE_ATTEMPTS && is_transient(&e) {
                        std::thread::sleep(Duration::from_millis(20 * attempt as u64));
                        continue;
                    }
                    return sql(Err(e), "adding a checkpoint into the summary");
                }
            }
        }
        committed = reached;
        last_checkpoint = Instant::now();
        on_event(Event::Checkpoint {
            regions_done: reached,
            regions: regions as u32,
        });
    }
    sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
    if total != done {
        total = done;
        sql(
            catalog::update(writer, &schema, name, &[("rows_total", total.into())]),
            "recording the row count",
        )?;
    }
    // The total was an estimate: displays get the real count.
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    on_event(Event::Progress(Progress {
        rows_done: done,
        rows_total: total,
        percent: 100.0,
        rate: read_in_run as f64 / secs,
        eta_secs: 0.0,
        chunk_size: chunk,
        chunks,
    }));
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
