//! `rebuild`: recompute a summary online into a new generation while readers keep reading the
//! current one, which the triggers keep maintaining until the switch.

use super::backfill::Checkpoint;
use super::create::{go_live, run_backfill, CreateReport};
use super::lock::{install_triggers, run_locked, LockPlan};
use super::ownership;
use super::regions;
use super::session::{fingerprint, open, open_claimed};
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::db::introspect::prepare_in_mode;
use crate::engine::catalog::{self, status};
use crate::engine::codegen::triggers::combined_triggers;
use crate::engine::codegen::{GenOptions, Names};
use mysql::prelude::Queryable;
use mysql::Opts;

/// Rebuilds summary `name` in `schema`.
pub fn rebuild(
    opts: &Opts,
    schema: &str,
    name: &str,
    options: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<CreateReport, LifecycleError> {
    let (mut admin, entry) = open_claimed(opts, schema, name)?;
    if entry.status != status::READY && entry.status != status::FAILED {
        return Err(LifecycleError::State(format!(
            "{name} is {}; rebuild applies to a ready summary (use resume for an interrupted one)",
            entry.status
        )));
    }
    let old_options = GenOptions {
        generation: entry.generation,
        slots: entry.slots,
    };
    let new_options = GenOptions {
        generation: entry.generation + 1,
        slots: entry.slots,
    };
    // One analysis serves both generations (only the names differ).
    let new = prepare_in_mode(
        &mut admin,
        &entry.query,
        entry.query_mode(),
        name,
        new_options,
    )?;
    let old = &new;
    let old_gen = old.gen(name, old_options)?;
    let new_gen = new.gen(name, new_options)?;
    let new_regions = regions::plan(&mut admin, &new.table, &new_gen.base, options.checkpoints)?;
    let new_gen = new_gen.with_regions(Some(new_regions));
    // A leftover of an interrupted rebuild would collide: remove it first (if it is ours).
    ownership::clear_generation(&mut admin, &new_gen.names)?;
    for ddl in new_gen.state_ddl() {
        sql(admin.query_drop(ddl), "creating the new state table")?;
    }
    sql(
        catalog::update(
            &mut admin,
            schema,
            name,
            &[
                ("status", status::REBUILDING.into()),
                ("error", mysql::Value::NULL),
                ("checkpoint", 0u32.into()),
                ("checkpoint_rows", 0u64.into()),
            ],
        ),
        "recording the rebuild",
    )?;
    let label = format!("{schema}.{}", old.table.name);
    // After an ALTER the old generation's layout may no longer match what the query infers
    // today; then it is not maintained during the rebuild (it is stale anyway) rather than risk
    // triggers that write columns it does not have.
    let altered = fingerprint(&old.table) != entry.base_fingerprint;
    let phase1: Vec<String> = if altered {
        new_gen.triggers().into_iter().map(|t| t.sql).collect()
    } else {
        combined_triggers(&[&old_gen, &new_gen])
            .into_iter()
            .map(|t| t.sql)
            .collect()
    };
    let restore: Vec<String> = old_gen.triggers().into_iter().map(|t| t.sql).collect();
    // Phase 1: triggers maintain the new generation (and the old one); the snapshot starts the
    // new one's backfill.
    let mut job = Job::new(opts, name, options, control, on_event);
    let mut snapshot = open(opts)?;
    let lock = match go_live(&mut job, &mut admin, &mut snapshot, &new_gen, phase1) {
        Ok(l) => l,
        Err(e) => {
            abandon(
                opts,
                &mut admin,
                schema,
                name,
                &new_gen.names,
                &restore,
                options,
            );
            return Err(e);
        }
    };
    let report = run_backfill(
        &mut job,
        &new_gen,
        &mut snapshot,
        lock,
        Checkpoint::default(),
    );
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            abandon(
                opts,
                &mut admin,
                schema,
                name,
                &new_gen.names,
                &restore,
                options,
            );
            return Err(e);
        }
    };
    // Phase 2: readers switch to the new generation while the triggers still maintain it, then
    // under a brief lock the triggers drop the old one.
    sql(
        admin.query_drop(new_gen.view_ddl()),
        "switching the view to the new generation",
    )?;
    // The new generation alone, no longer tagging regions (its backfill is complete).
    let new_only: Vec<String> = new_gen
        .without_regions()
        .triggers()
        .into_iter()
        .map(|t| t.sql)
        .collect();
    let plan = LockPlan {
        base: new_gen.base.clone(),
        base_label: label.clone(),
        statements: new_only,
    };
    let switch = run_locked(
        opts,
        &mut admin,
        None,
        &plan,
        options,
        None,
        &mut *job.on_event,
    )?;
    job.emit(Event::Finalized {
        lock_ms: switch.lock_ms,
        wait_ms: switch.wait_ms,
    });
    let mut report = report;
    report.finalize = Some(switch);
    // No trigger writes the region slots any more: fold them, in one transaction with the
    // catalog's switch to the new generation.
    let lock_ms = report.lock.lock_ms;
    let folded = regions::fold(&mut admin, &new_gen).and_then(|_| {
        catalog::update(
            &mut admin,
            schema,
            name,
            &[
                ("status", status::READY.into()),
                ("generation", new_options.generation.into()),
                ("base_fingerprint", fingerprint(&new.table).into()),
                ("lock_ms", lock_ms.into()),
                ("regions", mysql::Value::NULL),
            ],
        )
    });
    sql(folded, "recording the new generation")?;
    // The new generation is complete and recorded: the old one is garbage now. A reader still
    // inside a transaction that read the old view holds it; waiting for that reader delays
    // nobody (no one else reads the old tables), and if it takes too long the table is left
    // for `drop` (which removes every generation) and the catalog says so.
    let _ = admin.query_drop("SET SESSION lock_wait_timeout = 60");
    if let Err(e) = ownership::drop_generation(&mut admin, &old_gen.names, &mut *job.on_event) {
        let _ = catalog::update(
            &mut admin,
            schema,
            name,
            &[(
                "error",
                format!("the previous generation could not be dropped ({e}); `drop` removes it with the summary").into(),
            )],
        );
    }
    Ok(report)
}

/// Gives up a rebuild: the old generation's triggers alone again (it stayed exact throughout,
/// unless the table was altered), and the new generation's tables dropped.
fn abandon(
    opts: &Opts,
    conn: &mut mysql::Conn,
    schema: &str,
    name: &str,
    names: &Names,
    restore: &[String],
    options: &CreateOptions,
) {
    let patient = CreateOptions {
        lock_attempts: options.lock_attempts.max(20),
        ..options.clone()
    };
    if let Err(e) = install_triggers(opts, conn, restore, schema, &patient, None, &mut |_| {}) {
        // The triggers may still write the new generation: its tables must stay. `resume`
        // starts a fresh generation from here.
        let _ = catalog::set_status(
            conn,
            schema,
            name,
            status::REBUILDING,
            Some(&format!(
                "rebuild abandoned, but the previous triggers could not be restored ({e}); run resume"
            )),
        );
        return;
    }
    let _ = ownership::drop_generation(conn, names, &mut |_| {});
    let _ = catalog::set_status(conn, schema, name, status::READY, Some("rebuild abandoned"));
}
