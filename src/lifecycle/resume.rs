//! `resume`: continue an interrupted backfill after its last checkpoint, or start it again into
//! a fresh generation when the live triggers are not the ones the catalog records.

use super::backfill::Checkpoint;
use super::create::{backfill_and_finalize, finalize, go_live, trigger_statements, CreateReport};
use super::lock::LockOutcome;
use super::ownership;
use super::rebuild::drop_other_generations;
use super::regions;
use super::session::{connection_alive, gen_fingerprint, gen_unaltered, open, open_claimed};
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::db::introspect::prepare_in_mode;
use crate::db::topology::Operation;
use crate::engine::codegen::triggers::combined_triggers;
use crate::engine::codegen::{Gen, GenOptions, Regions};
use crate::engine::Prepared;
use crate::lifecycle::catalog::{self, Status};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};

/// Continues an interrupted backfill. If the live triggers are the ones the catalog records and
/// the table was not altered, the backfill continues after the last committed region: under a
/// brief lock (no trigger changes) a new snapshot is opened, and each remaining region adds its
/// rows as of that snapshot minus the deltas its triggers had already recorded by then (see
/// docs/correctness.md). Otherwise (interrupted before the triggers went live, during a rebuild,
/// or after an ALTER) it starts again into a fresh generation.
pub fn resume(
    opts: &Opts,
    schema: &str,
    name: &str,
    options: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<CreateReport, LifecycleError> {
    let (mut admin, entry) = open_claimed(opts, schema, name, Operation::Resume)?;
    if entry.status == Status::Ready {
        return Err(LifecycleError::State(format!(
            "{name} is ready; nothing to resume"
        )));
    }
    if let Some(owner) = entry.owner {
        if connection_alive(&mut admin, owner)? {
            return Err(LifecycleError::State(format!(
                "{name} is being backfilled by connection {owner}; wait for it or kill it first"
            )));
        }
    }
    let current = GenOptions {
        generation: entry.generation,
        slots: entry.slots,
    };
    let prepared = prepare_in_mode(&mut admin, &entry.query, entry.query_mode(), name, current)?;
    let mut job = Job::new(opts, name, options, control, on_event);
    if entry.status == Status::Rebuilding {
        // Readers read the previous generation, exact: they keep it until the new one is.
        return super::rebuild::resume_rebuild(&mut job, &mut admin, &entry, &prepared);
    }
    let regions = entry.regions.as_deref().and_then(Regions::from_json);
    if let (true, Some(regions)) = (
        entry.status == Status::Backfilling
            && gen_unaltered(&prepared.gen(name, current)?, &entry.base_fingerprint),
        regions,
    ) {
        let gen = prepared
            .gen(name, current)?
            .with_regions(Some(regions.clone()));
        let all_done = entry.checkpoint as usize >= regions.count();
        let tagged = regions::triggers_match(&mut admin, &gen)?;
        if tagged || (all_done && finishing(&mut admin, &entry, &prepared, &gen)?) {
            let start = Checkpoint {
                regions_done: entry.checkpoint,
                rows_done: entry.checkpoint_rows,
            };
            return continue_backfill(&mut job, &mut admin, &gen, entry.generation, start);
        }
    }
    restart(&mut job, &mut admin, &entry, &prepared)
}

/// Whether every live trigger maintains `gen`, whose regions are all backfilled: tagging
/// regions or not (once every region is in, either is exact), alone or combined with an older
/// generation (a rebuild that switched readers to `gen` and was interrupted before its second
/// lock). A process killed while it swapped the triggers under that lock leaves a mix of these.
fn finishing(
    admin: &mut Conn,
    entry: &catalog::Entry,
    prepared: &Prepared,
    gen: &Gen<'_>,
) -> Result<bool, LifecycleError> {
    let mut shapes = vec![gen.triggers(), gen.without_regions().triggers()];
    let mut older: Vec<u32> = generations(admin, &entry.schema, &entry.name)?
        .into_iter()
        .map(|(g, _)| g)
        .filter(|g| *g != entry.generation)
        .collect();
    older.sort_unstable();
    older.dedup();
    for g in older {
        let other = prepared.gen(
            &entry.name,
            GenOptions {
                generation: g,
                slots: entry.slots,
            },
        )?;
        shapes.push(combined_triggers(&[&other, gen]));
    }
    regions::each_trigger_among(admin, &entry.schema, &shapes)
}

/// Resumes after checkpoint `start` with the triggers already live.
fn continue_backfill(
    job: &mut Job<'_>,
    admin: &mut Conn,
    gen: &Gen<'_>,
    generation: u32,
    start: Checkpoint,
) -> Result<CreateReport, LifecycleError> {
    let name = job.name;
    let schema = gen.names.schema.clone();
    let regions = gen
        .regions
        .as_ref()
        .map_or(1, super::super::engine::codegen::regions::Regions::count) as u32;
    job.emit(Event::Resumed {
        regions_done: start.regions_done,
        regions,
        rows_done: start.rows_done,
    });
    let lock = if start.regions_done < regions {
        // No trigger changes: the lock only gives the new snapshot a moment at which every
        // delta the triggers recorded is committed and no write is in flight.
        let mut snapshot = open(job.opts)?;
        let lock = go_live(job, admin, &mut snapshot, gen, Vec::new())?;
        // Checked again now that the snapshot exists: a trigger replaced between the first
        // check and the lock would make the subtraction wrong. (Later changes are visible to
        // `status` like any broken trigger.)
        if !regions::triggers_match(admin, gen)? {
            let _ = snapshot.query_drop("ROLLBACK");
            return Err(LifecycleError::State(format!(
                "the triggers of {name} changed while resuming; run resume again (it will start a fresh generation)"
            )));
        }
        sql(
            catalog::update(
                admin,
                &schema,
                name,
                &[
                    ("error", mysql::Value::NULL),
                    ("lock_ms", lock.lock_ms.into()),
                ],
            ),
            "recording the resume",
        )?;
        let report = backfill_and_finalize(job, admin, gen, &mut snapshot, lock, start);
        let report = record_failure(admin, &schema, name, report)?;
        drop_other_generations(admin, &schema, name, generation);
        return Ok(report);
    } else {
        LockOutcome {
            lock_ms: 0.0,
            wait_ms: 0.0,
            attempts: 0,
        }
    };
    let report = CreateReport {
        schema,
        name: name.to_string(),
        lock,
        rows: start.rows_done,
        backfill_secs: 0.0,
        finalize: None,
    };
    let report = finalize(job, admin, gen, report)?;
    // An interrupted rebuild's previous generation: no trigger writes it after the lock above.
    drop_other_generations(admin, &gen.names.schema, name, generation);
    Ok(report)
}

/// Starts the backfill again into a fresh generation: under a new brief lock the triggers are
/// switched to the new generation and a new snapshot is opened; the view follows and the partial
/// generation is dropped. The argument of `docs/correctness.md` applies unchanged with the new
/// lock as its moment T.
fn restart(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &catalog::Entry,
    prepared: &Prepared,
) -> Result<CreateReport, LifecycleError> {
    let name = job.name;
    let schema = entry.schema.as_str();
    // A generation no live trigger refers to: after an interrupted rebuild or restart the
    // triggers may write into entry.generation + 1 (and further), which must stay until the
    // lock below replaces them.
    let existing = generations(admin, schema, name)?;
    let newest = existing.iter().map(|(g, _)| *g).max().unwrap_or(0);
    let gen_options = GenOptions {
        generation: entry.generation.max(newest) + 1,
        slots: entry.slots,
    };
    let gen = prepared.gen(name, gen_options)?;
    let regions = regions::plan(admin, &prepared.table, &gen.base, job.options.checkpoints)?;
    let gen = gen.with_regions(Some(regions.clone()));
    // Before anything is made: a foreign trigger under our name stops the restart here.
    ownership::triggers_not_in_the_way(admin, &gen.names)?;
    ownership::clear_generation(admin, &gen.names)?;
    for ddl in gen.state_ddl() {
        sql(admin.query_drop(ddl), "creating the state table")?;
    }
    let mut snapshot = open(job.opts)?;
    let lock = match go_live(
        job,
        admin,
        &mut snapshot,
        &gen,
        trigger_statements(&gen.triggers()),
    ) {
        Ok(l) => l,
        Err(e) => {
            // Some of the new triggers may be live and write the new generation: its tables
            // stay (the next resume starts above it and drops it once its own lock is done).
            let _ = catalog::update(
                admin,
                &entry.schema,
                name,
                &[("error", e.to_string().into())],
            );
            return Err(e);
        }
    };
    sql(admin.query_drop(gen.view_ddl()), "switching the view")?;
    // Every other generation: no trigger writes them any more.
    for (g, table) in generations(admin, schema, name)? {
        if g != gen_options.generation {
            ownership::drop_tables(admin, schema, name, &[table], &mut *job.on_event)?;
        }
    }
    sql(
        catalog::update(
            admin,
            schema,
            name,
            &[
                ("status", (&Status::Backfilling).into()),
                ("error", mysql::Value::NULL),
                ("generation", gen_options.generation.into()),
                ("lock_ms", lock.lock_ms.into()),
                ("regions", regions.to_json().into()),
                ("checkpoint", 0u32.into()),
                ("checkpoint_rows", 0u64.into()),
                ("base_fingerprint", gen_fingerprint(&gen).into()),
            ],
        ),
        "recording the resume",
    )?;
    let report =
        backfill_and_finalize(job, admin, &gen, &mut snapshot, lock, Checkpoint::default());
    record_failure(admin, schema, name, report)
}

/// Once the triggers are live a failure leaves a readable, `backfilling` summary: the error is
/// kept in the catalog so that `status` can say why, and `resume` can continue.
fn record_failure(
    admin: &mut Conn,
    schema: &str,
    name: &str,
    report: Result<CreateReport, LifecycleError>,
) -> Result<CreateReport, LifecycleError> {
    if let Err(e) = &report {
        let _ = catalog::backfill_stopped(admin, schema, name, &e.to_string());
    }
    report
}

/// State and multiset tables of summary `name` with their generation numbers.
pub(crate) fn generations(
    admin: &mut Conn,
    schema: &str,
    name: &str,
) -> Result<Vec<(u32, String)>, LifecycleError> {
    let zero = crate::engine::codegen::Names::new(schema, name, 0, 0).state;
    let prefix = zero.strip_suffix('0').unwrap_or(&zero).to_string();
    let tables: Vec<String> = sql(
        admin.exec(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND BINARY LEFT(TABLE_NAME, CHAR_LENGTH(?)) = BINARY ?",
            (schema, &prefix, &prefix),
        ),
        "finding the summary's generations",
    )?;
    Ok(tables
        .into_iter()
        .filter_map(|t| {
            let rest = &t[prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let tail = &rest[digits.len()..];
            let ours = !digits.is_empty()
                && (tail.is_empty()
                    || tail
                        .strip_prefix("_mm")
                        .is_some_and(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit())));
            ours.then(|| digits.parse().ok().map(|g| (g, t.clone())))
                .flatten()
        })
        .collect())
}
