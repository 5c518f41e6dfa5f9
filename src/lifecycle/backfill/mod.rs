//! The batched backfill: read the snapshot region by region in primary-key chunks, aggregate each
//! chunk per group, merge a region's partial aggregates in memory and add them into the backfill
//! slot in one transaction that also records the checkpoint.

mod checkpoint;
mod chunks;

use super::keyrange::Cursor;
use super::staging::Staged;
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::engine::codegen::Gen;
use crate::lifecycle::catalog;
use checkpoint::Advance;
use chunks::{where_clause, Chunk, KeyWalk, Region};
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
    let mut backfill = Backfill::begin(job, gen, snapshot, writer, start)?;
    let regions = gen
        .regions
        .as_ref()
        .map_or(1, super::super::engine::codegen::regions::Regions::count);
    // Regions read since the last checkpoint, merged: written together when a checkpoint is
    // due (every `checkpoint_every`, and after the last region), so a group is written once per
    // checkpoint rather than once per chunk or region.
    let mut staged = Staged::new(gen);
    let mut committed = start.regions_done;
    let mut last_checkpoint = Instant::now();
    for region in (start.regions_done as usize)..regions {
        backfill.subtract_earlier_deltas(snapshot, region, &mut staged)?;
        backfill.read_region(snapshot, writer, region, &mut staged)?;
        let last = region + 1 == regions;
        if !last && last_checkpoint.elapsed() < backfill.opts.checkpoint_every {
            continue;
        }
        let merged = std::mem::replace(&mut staged, Staged::new(gen)).into_rows();
        let reached = u32::try_from(region + 1).unwrap_or(u32::MAX);
        let advance = Advance {
            name: backfill.name,
            from: committed,
            reached,
            rows_done: backfill.done,
        };
        checkpoint::commit(gen, writer, &merged, &advance)?;
        committed = reached;
        last_checkpoint = Instant::now();
        (backfill.on_event)(Event::Checkpoint {
            regions_done: reached,
            regions: u32::try_from(regions).unwrap_or(u32::MAX),
        });
    }
    backfill.finish(snapshot, writer)
}

/// One run of the backfill: what it reads, how it cuts chunks, and its progress so far.
struct Backfill<'a, 'g> {
    gen: &'a Gen<'g>,
    name: &'a str,
    opts: &'a CreateOptions,
    control: &'a Control,
    on_event: &'a mut dyn FnMut(Event),
    walk: KeyWalk,
    /// Size of the next chunk.
    chunk: u64,
    /// Rows in the snapshot (an estimate until the end).
    total: u64,
    /// Rows read, including those of earlier runs.
    done: u64,
    /// Rows read by this run.
    read_in_run: u64,
    chunks: u64,
    started: Instant,
}

impl<'a, 'g> Backfill<'a, 'g> {
    /// Chooses how to walk the key and records the start in the catalog.
    fn begin(
        job: &'a mut Job<'_>,
        gen: &'a Gen<'g>,
        snapshot: &mut Conn,
        writer: &mut Conn,
        start: Checkpoint,
    ) -> Result<Self, LifecycleError> {
        // For progress only: an estimate on large tables, corrected when the backfill ends.
        let total = super::regions::estimate_rows(writer, gen.table, &gen.base)?;
        let walk = KeyWalk::choose(gen, snapshot, total)?;
        let now = chrono_now(writer)?;
        sql(
            catalog::update(
                writer,
                &gen.names.schema,
                job.name,
                &[
                    ("rows_total", total.into()),
                    ("rows_done", start.rows_done.into()),
                    ("backfill_started_at", Value::from(now)),
                ],
            ),
            "recording backfill start",
        )?;
        let chunk = match job.options.chunk {
            ChunkPolicy::Fixed(n) => n.max(1),
            ChunkPolicy::Adaptive { initial, .. } => initial.max(1),
        };
        Ok(Backfill {
            gen,
            name: job.name,
            opts: job.options,
            control: job.control,
            on_event: &mut *job.on_event,
            walk,
            chunk,
            total,
            done: start.rows_done,
            read_in_run: 0,
            chunks: 0,
            started: Instant::now(),
        })
    }

    /// Stages the negation of region `region`'s deltas that the snapshot's rows already contain
    /// (after a resume; none on a fresh backfill).
    fn subtract_earlier_deltas(
        &self,
        snapshot: &mut Conn,
        region: usize,
        staged: &mut Staged,
    ) -> Result<(), LifecycleError> {
        let gen = self.gen;
        let slots = gen.region_slots(region);
        let negated: Vec<Row> = sql(
            snapshot.exec(gen.negated_deltas_sql(&slots), ()),
            "reading the region's earlier deltas",
        )?;
        staged.state.add_rows(negated)?;
        for (j, multiset) in staged.minmax.iter_mut().enumerate() {
            let negated: Vec<Row> = sql(
                snapshot.exec(gen.negated_minmax_sql(j, &slots), ()),
                "reading the region's earlier deltas (MIN/MAX)",
            )?;
            multiset.add_rows(negated)?;
        }
        Ok(())
    }

    /// Reads region `region` chunk by chunk into `staged`, reporting progress.
    fn read_region(
        &mut self,
        snapshot: &mut Conn,
        writer: &mut Conn,
        region: usize,
        staged: &mut Staged,
    ) -> Result<(), LifecycleError> {
        let region = Region::new(self.gen, region);
        let mut cursor = region.cursor(&self.walk, snapshot)?;
        loop {
            if let Cursor::Empty = cursor {
                return Ok(());
            }
            self.check_cancelled()?;
            wait_while_paused_or_loaded(writer, self.opts, self.control, self.on_event)?;
            self.check_cancelled()?;
            let t0 = Instant::now();
            let Some(chunk) = region.next_chunk(&self.walk, snapshot, &mut cursor, self.chunk)?
            else {
                return Ok(());
            };
            let rows = self.read_chunk(snapshot, &region, &chunk, staged)?;
            self.record_chunk(writer, rows, t0.elapsed())?;
            if chunk.last {
                return Ok(());
            }
        }
    }

    fn check_cancelled(&self) -> Result<(), LifecycleError> {
        if self.control.is_cancelled() {
            return Err(LifecycleError::Cancelled(self.name.to_string()));
        }
        Ok(())
    }

    /// Stages one chunk's partial aggregates; returns its rows.
    fn read_chunk(
        &self,
        snapshot: &mut Conn,
        region: &Region<'_, '_>,
        chunk: &Chunk,
        staged: &mut Staged,
    ) -> Result<u64, LifecycleError> {
        let gen = self.gen;
        let range = region.range(chunk);
        let state_rows: Vec<Row> = sql(
            snapshot.exec(gen.chunk_state_sql(range.as_deref()), chunk.params.clone()),
            "reading a backfill chunk",
        )?;
        // Without a WHERE every row is counted in some group: the chunk's size is known.
        let unfiltered_rows: Option<u64> = gen.analysis.filter.is_none().then(|| {
            let cnt = gen.stored_key_count();
            state_rows
                .iter()
                .filter_map(|r| r.get::<i64, _>(cnt))
                .map(|n| n.max(0).unsigned_abs())
                .sum()
        });
        staged.state.add_rows(state_rows)?;
        for (j, multiset) in staged.minmax.iter_mut().enumerate() {
            let rows: Vec<Row> = sql(
                snapshot.exec(
                    gen.chunk_minmax_sql(j, range.as_deref()),
                    chunk.params.clone(),
                ),
                "reading a backfill chunk (MIN/MAX)",
            )?;
            multiset.add_rows(rows)?;
        }
        if let Some(n) = chunk.known_rows.or(unfiltered_rows) {
            return Ok(n);
        }
        let counted: Option<u64> = sql(
            snapshot.exec_first(
                format!(
                    "SELECT COUNT(*) FROM {}{}",
                    gen.base,
                    where_clause(range.as_deref())
                ),
                chunk.params.clone(),
            ),
            "counting a chunk's rows",
        )?;
        Ok(counted.unwrap_or(0))
    }

    /// Counts a chunk of `rows` read in `elapsed`, sizes the next one and reports progress.
    fn record_chunk(
        &mut self,
        writer: &mut Conn,
        rows: u64,
        elapsed: Duration,
    ) -> Result<(), LifecycleError> {
        self.done += rows;
        self.read_in_run += rows;
        self.chunks += 1;
        if let ChunkPolicy::Adaptive { target, .. } = self.opts.chunk {
            let ratio = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-4);
            let factor = ratio.clamp(0.5, 2.0);
            self.chunk = ((self.chunk as f64) * factor)
                .round()
                .clamp(100.0, 1_000_000.0) as u64;
        }
        let progress = self.progress();
        sql(
            catalog::update(
                writer,
                &self.gen.names.schema,
                self.name,
                &[
                    ("rows_done", self.done.into()),
                    ("chunk_size", self.chunk.into()),
                    ("rate", progress.rate.into()),
                ],
            ),
            "recording progress",
        )?;
        // The tail chunk after a boundary that fell exactly on the last row is empty: no news.
        if rows > 0 || self.chunks == 1 {
            (self.on_event)(Event::Progress(progress));
        }
        Ok(())
    }

    /// Progress so far.
    fn progress(&self) -> Progress {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = self.read_in_run as f64 / secs;
        let (done, total) = (self.done, self.total);
        Progress {
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
            chunk_size: self.chunk,
            chunks: self.chunks,
        }
    }

    /// Closes the snapshot, records the real row count and reports completion.
    fn finish(mut self, snapshot: &mut Conn, writer: &mut Conn) -> Result<u64, LifecycleError> {
        sql(snapshot.query_drop("COMMIT"), "closing the snapshot")?;
        if self.total != self.done {
            self.total = self.done;
            sql(
                catalog::update(
                    writer,
                    &self.gen.names.schema,
                    self.name,
                    &[("rows_total", self.total.into())],
                ),
                "recording the row count",
            )?;
        }
        // The total was an estimate: displays get the real count.
        let mut progress = self.progress();
        progress.percent = 100.0;
        progress.eta_secs = 0.0;
        (self.on_event)(Event::Progress(progress));
        Ok(self.done)
    }
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
