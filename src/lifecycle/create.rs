//! `create` and `resume`.

use super::backfill::{self, Checkpoint};
use super::lock::{install_triggers, run_locked, LockOutcome, LockPlan};
use super::ownership;
use super::regions;
use super::session::{
    claim, gen_fingerprint, object_exists, open, open_reading_mode, trigger_exists,
};
use super::{sql, Control, CreateOptions, Event, Job, LifecycleError};
use crate::db::introspect::prepare_in_mode;
use crate::db::topology::Operation;
use crate::engine::codegen::{Gen, GenOptions};
use crate::engine::ident::quote_qualified;
use crate::engine::Prepared;
use crate::lifecycle::catalog::{self, Status};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use serde::Serialize;

/// The outcome of `create`/`resume`/`rebuild`.
#[derive(Debug, Clone, Serialize)]
pub struct CreateReport {
    /// Schema of the summary.
    pub schema: String,
    /// Summary name.
    pub name: String,
    /// Writers' pause and lock wait.
    pub lock: LockOutcome,
    /// Rows backfilled.
    pub rows: u64,
    /// Seconds spent backfilling.
    pub backfill_secs: f64,
    /// Writers' second pause, when the triggers stopped tagging regions after the backfill.
    pub finalize: Option<LockOutcome>,
}

/// The writer slots `create` uses: as requested, else 16 for a view without GROUP BY (every
/// writer would otherwise update one row) and 1 otherwise.
/// Slots default: a view without GROUP BY funnels every writer into one row, so spread it.
pub fn slots_for(prepared_keys: usize, requested: Option<u16>) -> u16 {
    requested
        .unwrap_or(if prepared_keys == 0 { 16 } else { 1 })
        .max(1)
}

/// Statements creating the state tables of `gen`.
pub(crate) fn table_statements(gen: &Gen<'_>) -> Vec<String> {
    gen.state_ddl()
}

/// Sets the session `sql_mode` so triggers are created with ours (a trigger keeps the mode it
/// was created with).
pub(crate) fn trigger_statements(
    gen_triggers: &[crate::engine::codegen::TriggerSql],
) -> Vec<String> {
    gen_triggers.iter().map(|t| t.sql.clone()).collect()
}

/// Creates summary `name` for `query` online on the database `opts` points at.
pub fn create(
    opts: &Opts,
    name: &str,
    query: &str,
    options: &CreateOptions,
    control: &Control,
    on_event: &mut dyn FnMut(Event),
) -> Result<CreateReport, LifecycleError> {
    // The query is read under the sql_mode of the session before we set ours, and that mode is
    // recorded: `rebuild`, `resume` and `validate` read the query under it again.
    let (mut admin, mode) = open_reading_mode(opts)?;
    // The slots only change the trigger text: analyse once, then generate with the slots the
    // analysis calls for.
    let prepared = prepare_in_mode(&mut admin, query, &mode, name, GenOptions::default())?;
    let slots = slots_for(prepared.analysis.keys.len(), options.slots);
    let gen_options = GenOptions {
        generation: 1,
        slots,
    };
    let gen = prepared.gen(name, gen_options)?;
    claim(&mut admin, &gen.names.schema, name, Operation::Create)?;
    check_collisions(&mut admin, &gen, name)?;
    let regions = regions::plan(&mut admin, &prepared.table, &gen.base, options.checkpoints)?;
    let gen = gen.with_regions(Some(regions.clone()));
    let schema = gen.names.schema.clone();

    let mut statements = table_statements(&gen);
    statements.push(gen.new_view_ddl());
    statements.extend(trigger_statements(&gen.triggers()));
    on_event(Event::Prepared { statements });

    sql(
        catalog::insert(
            &mut admin,
            &schema,
            name,
            &prepared.table.name,
            query,
            &mode,
            1,
            slots,
            &gen_fingerprint(&gen),
        ),
        "recording the summary in the catalog",
    )?;
    sql(
        catalog::update(
            &mut admin,
            &schema,
            name,
            &[("regions", regions.to_json().into())],
        ),
        "recording the checkpoint regions",
    )?;
    let mut live = false;
    let mut job = Job::new(opts, name, options, control, on_event);
    let result = create_objects(&mut job, &mut admin, &gen, &mut live);
    match result {
        Ok(report) => Ok(report),
        Err(e) if live => {
            // The triggers are live and the state is consistent with them: keep the summary
            // (readable, `backfilling`) for `resume`.
            let _ = catalog::backfill_stopped(&mut admin, &schema, name, &e.to_string());
            Err(e)
        }
        Err(e) => {
            // Never went live: remove everything we created.
            cleanup(opts, &mut admin, &gen, name, options, &mut *job.on_event);
            Err(e)
        }
    }
}

fn create_objects(
    job: &mut Job<'_>,
    admin: &mut Conn,
    gen: &Gen<'_>,
    live: &mut bool,
) -> Result<CreateReport, LifecycleError> {
    let schema = gen.names.schema.clone();
    for ddl in table_statements(gen) {
        sql(admin.query_drop(&ddl), "creating the state table")?;
    }
    sql(admin.query_drop(gen.new_view_ddl()), "creating the view")?;
    let mut snapshot = open(job.opts)?;
    let lock = go_live(
        job,
        admin,
        &mut snapshot,
        gen,
        trigger_statements(&gen.triggers()),
    )?;
    *live = true;
    sql(
        catalog::update(
            admin,
            &schema,
            job.name,
            &[
                ("status", (&Status::Backfilling).into()),
                ("lock_ms", lock.lock_ms.into()),
                ("lock_wait_ms", lock.wait_ms.into()),
            ],
        ),
        "recording the lock",
    )?;
    backfill_and_finalize(job, admin, gen, &mut snapshot, lock, Checkpoint::default())
}

/// [`run_backfill`] from `start`, then [`finalize`]: what `create` and `resume` do once live.
pub(crate) fn backfill_and_finalize(
    job: &mut Job<'_>,
    admin: &mut Conn,
    gen: &Gen<'_>,
    snapshot: &mut Conn,
    lock: LockOutcome,
    start: Checkpoint,
) -> Result<CreateReport, LifecycleError> {
    let report = run_backfill(job, gen, snapshot, lock, start)?;
    finalize(job, admin, gen, report)
}

/// Runs the backfill on an open snapshot from `start` (the summary's status is left as it is).
pub(crate) fn run_backfill(
    job: &mut Job<'_>,
    gen: &Gen<'_>,
    snapshot: &mut Conn,
    lock: LockOutcome,
    start: Checkpoint,
) -> Result<CreateReport, LifecycleError> {
    let schema = gen.names.schema.clone();
    let mut writer = open(job.opts)?;
    let owner = connection_id(&mut writer)?;
    sql(
        catalog::update(&mut writer, &schema, job.name, &[("owner", owner.into())]),
        "recording the backfill owner",
    )?;
    let started = std::time::Instant::now();
    let rows = backfill::run(job, gen, snapshot, &mut writer, start)?;
    let backfill_secs = started.elapsed().as_secs_f64();
    job.emit(Event::Done {
        rows,
        seconds: backfill_secs,
    });
    Ok(CreateReport {
        schema,
        name: job.name.to_string(),
        lock,
        rows,
        backfill_secs,
        finalize: None,
    })
}

/// After the last region: under a second brief lock the triggers stop tagging regions, then one
/// transaction folds the region slots into the backfill slot and marks the summary ready. (Once
/// every region is backfilled any tagging is exact; the fold only keeps reads short. After the
/// lock no trigger writes a region slot, so the fold races nobody.)
pub(crate) fn finalize(
    job: &mut Job<'_>,
    admin: &mut Conn,
    gen: &Gen<'_>,
    mut report: CreateReport,
) -> Result<CreateReport, LifecycleError> {
    let name = job.name;
    let schema = gen.names.schema.clone();
    if gen.tags_regions() {
        let plain = gen.without_regions();
        let plan = LockPlan {
            base: gen.lock_tables_sql(),
            base_label: gen.lock_label(),
            statements: trigger_statements(&plain.triggers()),
        };
        let lock = run_locked(
            job.opts,
            admin,
            None,
            &plan,
            job.options,
            None,
            &mut *job.on_event,
        )?;
        job.emit(Event::Finalized {
            lock_ms: lock.lock_ms,
            wait_ms: lock.wait_ms,
        });
        report.finalize = Some(lock);
    }
    // A generation that becomes ready starts unvalidated and ready from now: a verdict on an
    // earlier generation (or on this one before it was complete) says nothing about it.
    let marked = regions::fold(admin, gen).and_then(|()| {
        admin.exec_drop(
            format!(
                "UPDATE {} SET `status` = ?, `ready_at` = CURRENT_TIMESTAMP(6), `updated_at` = CURRENT_TIMESTAMP(6), `owner` = NULL, `error` = NULL, `regions` = NULL, `last_validated_at` = NULL, `last_validation` = NULL WHERE `name` = ?",
                quote_qualified(&schema, catalog_table())
            ),
            (Status::Ready.as_str(), name),
        )
    });
    sql(marked, "folding the regions and marking the summary ready")?;
    Ok(report)
}

/// Makes `gen` live: under the write lock installs (or swaps in) `triggers` and opens
/// `snapshot`, so that every write is either in the snapshot or seen by the triggers. Reports
/// the writers' pause as [`Event::Locked`]. For a join the triggers are installed just before
/// the lock instead: each `CREATE TRIGGER` waits for every transaction that used its table, so
/// a write that fired none of them has committed before the snapshot, and the deltas of one
/// that fired them and committed before it are subtracted by the backfill, as after a resume.
pub(crate) fn go_live(
    job: &mut Job<'_>,
    admin: &mut Conn,
    snapshot: &mut Conn,
    gen: &Gen<'_>,
    triggers: Vec<String>,
) -> Result<LockOutcome, LifecycleError> {
    ownership::triggers_not_in_the_way(admin, &gen.names)?;
    // A join's triggers go in before the lock, one statement at a time: replacing a trigger
    // under `LOCK TABLES` over the fact and dimension tables made writers that had queued on the
    // lock fail with 1146 for a state table the new triggers name (docs/correctness.md,
    // "Trigger changes under a lock over several tables").
    let (under_lock, installed_ms) = if gen.spans_tables() && !triggers.is_empty() {
        let ms = install_triggers(
            job.opts,
            admin,
            &triggers,
            &gen.lock_label(),
            job.options,
            Some(job.control),
            &mut *job.on_event,
        )?;
        (Vec::new(), ms)
    } else {
        (triggers, 0.0)
    };
    let plan = LockPlan {
        base: gen.lock_tables_sql(),
        base_label: gen.lock_label(),
        statements: under_lock,
    };
    let mut lock = run_locked(
        job.opts,
        admin,
        Some(snapshot),
        &plan,
        job.options,
        Some(job.control),
        &mut *job.on_event,
    )?;
    // Each installation held the writers of its table too.
    lock.lock_ms = lock.lock_ms.max(installed_ms);
    job.emit(Event::Locked {
        lock_ms: lock.lock_ms,
        wait_ms: lock.wait_ms,
    });
    Ok(lock)
}

fn catalog_table() -> &'static str {
    crate::engine::codegen::names::CATALOG_TABLE
}

fn connection_id(conn: &mut Conn) -> Result<u64, LifecycleError> {
    Ok(sql(
        conn.query_first("SELECT CONNECTION_ID()"),
        "reading the connection id",
    )?
    .unwrap_or(0))
}

/// What already holds one of the names `create` would give summary `name` of `prepared` (the
/// summary, a table or view, a state table, a trigger), or `None`: a preview shows the clash
/// before anything is confirmed. Reads only.
pub fn name_clash(
    conn: &mut Conn,
    prepared: &Prepared,
    name: &str,
) -> Result<Option<String>, LifecycleError> {
    let gen = prepared.gen(name, prepared.generated.options)?;
    match check_collisions(conn, &gen, name) {
        Ok(()) => Ok(None),
        Err(LifecycleError::Exists(what)) => Ok(Some(what)),
        Err(e) => Err(e),
    }
}

fn check_collisions(conn: &mut Conn, gen: &Gen<'_>, name: &str) -> Result<(), LifecycleError> {
    let schema = &gen.names.schema;
    if sql(catalog::get(conn, schema, name), "reading the catalog")?.is_some() {
        return Err(LifecycleError::Exists(format!("summary {schema}.{name}")));
    }
    if object_exists(conn, schema, name)? {
        return Err(LifecycleError::Exists(format!(
            "a table or view {schema}.{name}"
        )));
    }
    for t in std::iter::once(&gen.names.state)
        .chain(&gen.names.minmax)
        .chain(&gen.names.totals)
    {
        if object_exists(conn, schema, t)? {
            return Err(LifecycleError::Exists(format!("table {schema}.{t}")));
        }
    }
    for (_, t) in gen.names.all_triggers() {
        if trigger_exists(conn, schema, t)? {
            return Err(LifecycleError::Exists(format!("trigger {schema}.{t}")));
        }
    }
    Ok(())
}

/// Best-effort removal of everything `create` made when it never went live. Dropping a trigger
/// takes the same metadata lock as creating one, so it is bounded the same way. Only objects
/// proven ours are removed: one of the names may have been taken by someone else after the
/// collision check (which is what made `create` fail), and that object stays.
fn cleanup(
    opts: &Opts,
    conn: &mut Conn,
    gen: &Gen<'_>,
    name: &str,
    options: &CreateOptions,
    on_event: &mut dyn FnMut(Event),
) {
    let _ = conn.query_drop("UNLOCK TABLES");
    let patient = CreateOptions {
        lock_attempts: options.lock_attempts.max(20),
        ..options.clone()
    };
    if let Err(e) = ownership::drop_triggers(opts, conn, &gen.names, &patient, on_event) {
        // A trigger may be left writing the state table: keep the table and the catalog entry
        // so that the base table stays writable and `drop` can finish the job.
        let _ = catalog::set_status(
            conn,
            &gen.names.schema,
            name,
            &Status::Failed,
            Some(&format!(
                "create failed and its triggers could not be removed ({e}); run drop"
            )),
        );
        return;
    }
    let _ = ownership::drop_view(conn, &gen.names.schema, name, on_event);
    let _ = ownership::drop_generation(conn, &gen.names, on_event);
    let _ = catalog::remove(conn, &gen.names.schema, name);
}
