//! `rebuild`: recompute a summary online into a new generation while readers keep reading the
//! current one, which the triggers keep maintaining until the switch; and the `resume` of a
//! rebuild whose process died, which keeps readers on the current generation the same way.
//!
//! The phases, and what readers read in each (docs/correctness.md, "Readers during a rebuild"):
//! the new generation's empty tables are created (readers: old generation, triggers: old only);
//! under a brief lock the triggers become the combined ones and the new generation's snapshot is
//! opened (old, maintained); its backfill (old); the switch of the view (new, complete, still
//! maintained by the combined triggers); the catalog records the new generation; under a second
//! brief lock the triggers maintain the new generation alone; the fold; `ready`; the old
//! generation is dropped. A stop or an error before the switch gives the rebuild up; after it,
//! the rebuild finishes.

use super::backfill::Checkpoint;
use super::create::{finalize, go_live, run_backfill, trigger_statements, CreateReport};
use super::lock::{install_triggers, LockOutcome};
use super::ownership;
use super::regions;
use super::resume::generations;
use super::session::{gen_fingerprint, gen_unaltered, open, open_claimed, view_generation};
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::db::introspect::prepare_in_mode;
use crate::db::topology::Operation;
use crate::engine::codegen::triggers::combined_triggers;
use crate::engine::codegen::{Gen, GenOptions, Regions};
use crate::engine::Prepared;
use crate::lifecycle::catalog::{self, Entry, Status};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};

/// Rebuilds summary `name` in `schema`.
pub fn rebuild(
    opts: &Opts,
    schema: &str,
    name: &str,
    options: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<CreateReport, LifecycleError> {
    let (mut admin, entry) = open_claimed(opts, schema, name, Operation::Rebuild)?;
    if entry.status != Status::Ready && entry.status != Status::Failed {
        return Err(LifecycleError::State(format!(
            "{name} is {}; rebuild applies to a ready summary (use resume for an interrupted one)",
            entry.status
        )));
    }
    let target = entry.generation + 1;
    // One analysis serves both generations (only the names differ).
    let prepared = prepare_in_mode(
        &mut admin,
        &entry.query,
        entry.query_mode(),
        name,
        GenOptions {
            generation: target,
            slots: entry.slots,
        },
    )?;
    let mut job = Job::new(opts, name, options, control, on_event);
    start(&mut job, &mut admin, &entry, &prepared, target)
}

/// Resumes the rebuild of `entry` (status `rebuilding`) after its process died. Readers read the
/// catalog's generation, which every trigger installed since the rebuild began maintains. When
/// the live triggers are exactly the combined ones of that generation and of a generation being
/// built with the catalog's regions, that generation's backfill continues after the last
/// checkpoint (an earlier attempt's checkpoint never applies to it: see [`start`]); otherwise the
/// rebuild starts again into a generation above every existing one. Either way the view switches
/// only once the new generation is complete.
pub(crate) fn resume_rebuild(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &Entry,
    prepared: &Prepared,
) -> Result<CreateReport, LifecycleError> {
    let name = job.name;
    let old_gen = prepared.gen(name, options_for(entry, entry.generation))?;
    let mut others: Vec<u32> = generations(admin, &entry.schema, name)?
        .into_iter()
        .map(|(g, _)| g)
        .filter(|g| *g != entry.generation)
        .collect();
    others.sort_unstable();
    others.dedup();
    let regions = entry.regions.as_deref().and_then(Regions::from_json);
    // After an ALTER the checkpointed regions were read from another table definition.
    let unaltered = gen_unaltered(&old_gen, &entry.base_fingerprint);
    if let (true, Some(regions)) = (unaltered, regions) {
        for &n in others.iter().rev() {
            let new_gen = prepared
                .gen(name, options_for(entry, n))?
                .with_regions(Some(regions.clone()));
            let combined = combined_triggers(&[&old_gen, &new_gen]);
            if regions::triggers_are(admin, &entry.schema, &combined)? {
                let start = Checkpoint {
                    regions_done: entry.checkpoint,
                    rows_done: entry.checkpoint_rows,
                };
                let gens = Generations {
                    old: old_gen,
                    new: new_gen,
                    target: n,
                };
                return continue_rebuild(job, admin, entry, &gens, start);
            }
        }
    }
    let newest = others.last().copied().unwrap_or(0);
    start(
        job,
        admin,
        entry,
        prepared,
        newest.max(entry.generation) + 1,
    )
}

/// The generation readers read and the one a rebuild builds.
struct Generations<'g> {
    /// The catalog's generation.
    old: Gen<'g>,
    /// The new one, with its checkpoint regions.
    new: Gen<'g>,
    /// `new`'s generation number.
    target: u32,
}

fn options_for(entry: &Entry, generation: u32) -> GenOptions {
    GenOptions {
        generation,
        slots: entry.slots,
    }
}

/// Starts a rebuild of `entry` into generation `target`, whose tables no live trigger writes.
fn start(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &Entry,
    prepared: &Prepared,
    target: u32,
) -> Result<CreateReport, LifecycleError> {
    let name = job.name;
    let schema = entry.schema.as_str();
    let old_gen = prepared.gen(name, options_for(entry, entry.generation))?;
    let new_gen = prepared.gen(name, options_for(entry, target))?;
    let new_regions = regions::plan(
        admin,
        &prepared.table,
        &new_gen.base,
        job.options.checkpoints,
    )?;
    let new_gen = new_gen.with_regions(Some(new_regions.clone()));
    // Before anything is made: a failed rebuild restores the old triggers with OR REPLACE.
    ownership::triggers_not_in_the_way(admin, &new_gen.names)?;
    // A leftover of a rebuild given up would collide: remove it first (if it is ours).
    ownership::clear_generation(admin, &new_gen.names)?;
    for ddl in new_gen.state_ddl() {
        sql(admin.query_drop(ddl), "creating the new state table")?;
    }
    // While rebuilding, the catalog's regions and checkpoint describe the generation the live
    // triggers build. None does yet: an earlier attempt's regions and checkpoint (a resumed
    // rebuild that starts again) must not be taken for this generation's, whose backfill slot is
    // empty. They are recorded once its triggers are live.
    sql(
        catalog::update(
            admin,
            schema,
            name,
            &[
                ("status", (&Status::Rebuilding).into()),
                ("error", mysql::Value::NULL),
                ("regions", mysql::Value::NULL),
                ("checkpoint", 0u32.into()),
                ("checkpoint_rows", 0u64.into()),
                ("rows_done", 0u64.into()),
            ],
        ),
        "recording the rebuild",
    )?;
    // After an ALTER the old generation's layout may no longer match what the query infers
    // today; then it is not maintained during the rebuild (it is stale anyway) rather than risk
    // triggers that write columns it does not have.
    let altered = !gen_unaltered(&old_gen, &entry.base_fingerprint);
    let phase1: Vec<String> = if altered {
        trigger_statements(&new_gen.triggers())
    } else {
        trigger_statements(&combined_triggers(&[&old_gen, &new_gen]))
    };
    job.emit(Event::Prepared {
        statements: phase1.clone(),
    });
    let gens = Generations {
        old: old_gen,
        new: new_gen,
        target,
    };
    let mut snapshot = None;
    let backfilled =
        go_live_and_backfill(job, admin, &gens.new, &new_regions, phase1, &mut snapshot);
    switch_to_new(job, admin, entry, &gens, snapshot, backfilled)
}

/// Phase 1 of a fresh rebuild: under the lock the triggers start maintaining `new_gen` (and the
/// old generation) and its snapshot opens in `snapshot`; then its backfill.
fn go_live_and_backfill(
    job: &mut Job<'_>,
    admin: &mut Conn,
    new_gen: &Gen<'_>,
    new_regions: &Regions,
    triggers: Vec<String>,
    snapshot: &mut Option<Conn>,
) -> Result<CreateReport, LifecycleError> {
    let conn = snapshot.insert(open(job.opts)?);
    let lock = go_live(job, admin, conn, new_gen, triggers)?;
    sql(
        catalog::update(
            admin,
            &new_gen.names.schema,
            job.name,
            &[
                ("regions", new_regions.to_json().into()),
                ("lock_ms", lock.lock_ms.into()),
                ("lock_wait_ms", lock.wait_ms.into()),
            ],
        ),
        "recording the new generation's regions",
    )?;
    run_backfill(job, new_gen, conn, lock, Checkpoint::default())
}

/// Continues the backfill of `new_gen` after checkpoint `start`, with the combined triggers live.
fn continue_rebuild(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &Entry,
    gens: &Generations<'_>,
    start: Checkpoint,
) -> Result<CreateReport, LifecycleError> {
    let regions = gens
        .new
        .regions
        .as_ref()
        .map_or(1, super::super::engine::codegen::regions::Regions::count) as u32;
    job.emit(Event::Resumed {
        regions_done: start.regions_done,
        regions,
        rows_done: start.rows_done,
    });
    let mut snapshot = None;
    let backfilled = if start.regions_done < regions {
        backfill_the_rest(job, admin, gens, start, &mut snapshot)
    } else {
        // Killed between the last checkpoint and the switch: only the switch is left.
        Ok(CreateReport {
            schema: entry.schema.clone(),
            name: job.name.to_string(),
            lock: LockOutcome {
                lock_ms: 0.0,
                wait_ms: 0.0,
                attempts: 0,
            },
            rows: start.rows_done,
            backfill_secs: 0.0,
            finalize: None,
        })
    };
    switch_to_new(job, admin, entry, gens, snapshot, backfilled)
}

/// The remaining regions of `new_gen` from a new snapshot, as `resume` does for `create`.
fn backfill_the_rest(
    job: &mut Job<'_>,
    admin: &mut Conn,
    gens: &Generations<'_>,
    start: Checkpoint,
    snapshot: &mut Option<Conn>,
) -> Result<CreateReport, LifecycleError> {
    let (old_gen, new_gen) = (&gens.old, &gens.new);
    let name = job.name;
    let schema = new_gen.names.schema.clone();
    let conn = snapshot.insert(open(job.opts)?);
    // No trigger changes: the lock only gives the new snapshot a moment at which every delta
    // the triggers recorded is committed and no write is in flight.
    let lock = go_live(job, admin, conn, new_gen, Vec::new())?;
    // Checked again now that the snapshot exists: a trigger replaced between the first check
    // and the lock would make the subtraction wrong.
    if !regions::triggers_are(admin, &schema, &combined_triggers(&[old_gen, new_gen]))? {
        return Err(LifecycleError::State(format!(
            "the triggers of {name} changed while resuming its rebuild; run resume again"
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
                ("lock_wait_ms", lock.wait_ms.into()),
            ],
        ),
        "recording the resume",
    )?;
    run_backfill(job, new_gen, conn, lock, start)
}

/// Phase 2, once `new_gen`'s backfill has ended (`backfilled`): the switch, the trigger swap, the
/// fold, and the old generations dropped. A stop or an error before the switch gives the
/// rebuild up ([`abandon`]).
fn switch_to_new(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &Entry,
    gens: &Generations<'_>,
    snapshot: Option<Conn>,
    backfilled: Result<CreateReport, LifecycleError>,
) -> Result<CreateReport, LifecycleError> {
    let (old_gen, new_gen) = (&gens.old, &gens.new);
    let name = job.name;
    let schema = entry.schema.as_str();
    // The backfill's snapshot holds a metadata lock on the base table until its transaction
    // ends (it is still open when the backfill stopped halfway): restoring the triggers would
    // wait for our own snapshot and time out.
    if let Some(mut conn) = snapshot {
        let _ = conn.query_drop("ROLLBACK");
    }
    let report = match backfilled {
        Ok(_) if job.control.is_cancelled() => {
            let stopped = LifecycleError::Cancelled(name.to_string());
            return Err(abandon(job, admin, entry, old_gen, stopped));
        }
        Ok(report) => report,
        Err(e) => return Err(abandon(job, admin, entry, old_gen, e)),
    };
    // The switch: readers move to the new generation, complete and still maintained by the
    // combined triggers. It waits for every transaction that has read the view (those keep
    // reading the old generation, maintained), and new readers queue behind it: bounded and
    // retried like the table lock. A view change is atomic: if it fails, readers still read the
    // old generation.
    if let Err(e) = install_triggers(
        job.opts,
        admin,
        &[new_gen.view_ddl()],
        &format!("{schema}.{name}"),
        job.options,
        Some(job.control),
        &mut *job.on_event,
    ) {
        return Err(abandon(job, admin, entry, old_gen, e));
    }
    // From here on the rebuild finishes, also when stopped: there is no going back to the old
    // generation once readers may have read the new one. The catalog follows the view: the
    // new generation is complete and only waits, like a create after its last checkpoint, for
    // the trigger swap and the fold, which `resume` finishes if this process dies.
    sql(
        catalog::update(
            admin,
            schema,
            name,
            &[
                ("status", (&Status::Backfilling).into()),
                ("generation", gens.target.into()),
                ("base_fingerprint", gen_fingerprint(&gens.new).into()),
                ("error", mysql::Value::NULL),
            ],
        ),
        "recording the switch to the new generation",
    )?;
    // Under a brief lock the triggers maintain the new generation alone, without regions; then
    // the fold and `ready`.
    let report = finalize(job, admin, new_gen, report);
    if let Err(e) = &report {
        let _ = catalog::update(admin, schema, name, &[("error", e.to_string().into())]);
        return report;
    }
    drop_other_generations(admin, schema, name, gens.target);
    report
}

/// Gives a rebuild up before the switch, and returns the error to report: the old generation's
/// triggers alone again (it stayed exact throughout, unless the table was altered), the new
/// generation's tables dropped, `ready` again. When the triggers cannot be put back, the new
/// generation's tables stay (its triggers may still write them) and the summary stays
/// `rebuilding` for `resume`; readers keep reading the old generation either way.
fn abandon(
    job: &mut Job<'_>,
    admin: &mut Conn,
    entry: &Entry,
    old_gen: &Gen<'_>,
    cause: LifecycleError,
) -> LifecycleError {
    let name = job.name;
    let schema = entry.schema.as_str();
    let keep_rebuilding = |admin: &mut Conn, why: String| {
        let _ = catalog::set_status(admin, schema, name, &Status::Rebuilding, Some(&why));
    };
    // Only while readers read the old generation: once they may read the new one (a switch
    // whose outcome is unknown), the new one must stay maintained.
    match view_generation(admin, schema, name) {
        Ok(Some(g)) if g == entry.generation => {}
        _ => {
            keep_rebuilding(
                admin,
                format!("rebuild interrupted ({cause}); run resume to finish it"),
            );
            return cause;
        }
    }
    let restore = old_gen.triggers();
    // Stopped before the lock, the triggers were never swapped: nothing to wait for.
    let restored = match regions::triggers_are(admin, schema, &restore) {
        Ok(true) => Ok(()),
        _ => {
            let patient = CreateOptions {
                lock_attempts: job.options.lock_attempts.max(20),
                ..job.options.clone()
            };
            install_triggers(
                job.opts,
                admin,
                &trigger_statements(&restore),
                &format!("{schema}.{}", old_gen.table.name),
                &patient,
                None,
                &mut |_| {},
            )
            .map(|_| ())
        }
    };
    if let Err(e) = restored {
        keep_rebuilding(
            admin,
            format!(
                "rebuild given up ({cause}), but the previous triggers could not be restored ({e}); readers still read generation {}; run resume",
                entry.generation
            ),
        );
        return cause;
    }
    let why = match &cause {
        LifecycleError::Cancelled(_) => "rebuild stopped and given up".to_string(),
        other => format!("rebuild given up: {other}"),
    };
    let _ = catalog::update(
        admin,
        schema,
        name,
        &[
            ("status", (&Status::Ready).into()),
            ("error", why.into()),
            ("regions", mysql::Value::NULL),
            ("owner", mysql::Value::NULL),
        ],
    );
    // No trigger writes the new generation any more: the restore waited for every transaction
    // that used the combined triggers.
    drop_other_generations(admin, schema, name, entry.generation);
    match cause {
        LifecycleError::Cancelled(_) => LifecycleError::RebuildStopped {
            name: name.to_string(),
            generation: entry.generation,
        },
        other => other,
    }
}

/// Drops the state tables of every generation of summary `name` but `keep`, which alone the
/// triggers write now. A reader still inside a transaction that read an old generation holds it;
/// waiting for that reader delays nobody (no one else reads the old tables), and if it takes
/// too long the tables are left for `drop` (which removes every generation) and the catalog
/// says so.
pub(crate) fn drop_other_generations(admin: &mut Conn, schema: &str, name: &str, keep: u32) {
    let _ = admin.query_drop("SET SESSION lock_wait_timeout = 60");
    let Ok(tables) = generations(admin, schema, name) else {
        return;
    };
    let others: Vec<String> = tables
        .into_iter()
        .filter(|(g, _)| *g != keep)
        .map(|(_, t)| t)
        .collect();
    // Only tables proven ours go (docs/security.md); a look-alike is left alone.
    if let Err(e) = ownership::drop_tables(admin, schema, name, &others, &mut |_| {}) {
        let _ = catalog::update(
            admin,
            schema,
            name,
            &[(
                "error",
                format!("a previous generation could not be dropped ({e}); `drop` removes it with the summary").into(),
            )],
        );
    }
}
