//! `list` and `status`: what exists, in which state, how far along.

use super::session::{
    connection_alive, holder, join_fingerprint, open, row_columns, summary_fingerprint,
    trigger_bodies, trigger_body, trigger_on, unaltered, view_generation,
};
use super::{sql, LifecycleError};
use crate::db::introspect::table_meta;
use crate::engine::codegen::names::prefix;
use crate::engine::codegen::Regions;
use crate::engine::meta::{transactional_engine, TableMeta};
use crate::lifecycle::catalog::{self, Entry, Status};
use mysql::prelude::Queryable;
use mysql::Opts;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A catalog entry with what was checked live.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The catalog row.
    #[serde(flatten)]
    pub entry: Entry,
    /// Whether all three triggers exist.
    pub triggers_present: bool,
    /// The tables the summary's triggers are on: the base table, and every dimension table of
    /// a summary over a join.
    pub tables: Vec<String>,
    /// Whether a backfill is running now: its owner connection is alive, or a create, resume or
    /// rebuild holds the summary.
    pub backfill_running: bool,
    /// Whether the base table's definition changed since creation in a way that matters to this
    /// summary (the columns it reads, the keys; a column added elsewhere does not).
    pub base_altered: bool,
    /// Whether the base table is gone (dropped, or renamed away).
    pub base_missing: bool,
    /// Columns the triggers read that the base table no longer has: writes to it fail (those that
    /// reach the column's use in a trigger).
    pub missing_columns: Vec<String>,
    /// The base table's storage engine now (`InnoDB` when it was created).
    pub base_engine: Option<String>,
    /// The triggers' DEFINER when that account no longer exists (every write to the base table
    /// then fails); `None` when it exists or this connection may not look it up.
    pub missing_definer: Option<String>,
    /// Whether the view (the summary itself) exists.
    pub view_present: bool,
    /// The view's `SQL SECURITY`: `DEFINER` (readers need `SELECT` on the summary only) or
    /// `INVOKER` (made by an older version: readers also need the state tables).
    pub view_security: Option<String>,
    /// The account the view reads the state tables as, `user@host`.
    pub view_definer: Option<String>,
    /// The view's DEFINER when that account no longer exists (every read of the summary then
    /// fails); `None` when it exists, the view is `INVOKER`, or this connection may not look it
    /// up.
    pub missing_view_definer: Option<String>,
    /// Groups in the summary.
    pub groups: Option<u64>,
    /// Why reading the summary failed, when `status` tried (a lost privilege of the view's
    /// definer, or of this account).
    pub read_error: Option<String>,
    /// Bytes used by state tables (data + indexes).
    pub size_bytes: u64,
    /// Human verdict.
    pub summary: String,
    /// On a replica, what keeps the summary exact there (`db::topology::Topology::maintenance`);
    /// set by `status`, `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintained_by: Option<String>,
}

/// Finds the schema of summary `name` (`db.name`, or the connection's database, or the only
/// catalog that has it).
pub fn locate(opts: &Opts, name: &str) -> Result<(String, String), LifecycleError> {
    let mut conn = open(opts)?;
    if let Some((schema, n)) = name.split_once('.') {
        return Ok((schema.to_string(), n.to_string()));
    }
    let current: Option<Option<String>> = sql(
        conn.query_first("SELECT DATABASE()"),
        "reading the database",
    )?;
    if let Some(Some(db)) = &current {
        if sql(catalog::get(&mut conn, db, name), "reading the catalog")?.is_some() {
            return Ok((db.clone(), name.to_string()));
        }
    }
    let mut found = Vec::new();
    for schema in sql(catalog::schemas(&mut conn), "listing catalogs")? {
        if sql(
            catalog::get(&mut conn, &schema, name),
            "reading the catalog",
        )?
        .is_some()
        {
            found.push(schema);
        }
    }
    match found.len() {
        0 => match current {
            Some(Some(db)) => Ok((db, name.to_string())),
            _ => Err(LifecycleError::NotFound(name.to_string())),
        },
        1 => Ok((found.remove(0), name.to_string())),
        _ => Err(LifecycleError::State(format!(
            "{name} exists in several databases ({}); write db.{name}",
            found.join(", ")
        ))),
    }
}

/// All summaries: of the connection's database, or of every database when none is selected.
pub fn list(opts: &Opts) -> Result<Vec<StatusReport>, LifecycleError> {
    let mut conn = open(opts)?;
    let current: Option<Option<String>> = sql(
        conn.query_first("SELECT DATABASE()"),
        "reading the database",
    )?;
    let schemas = match current.flatten() {
        Some(db) => vec![db],
        None => sql(catalog::schemas(&mut conn), "listing catalogs")?,
    };
    let mut out = Vec::new();
    for schema in schemas {
        for entry in sql(
            catalog::list_schema(&mut conn, &schema),
            "reading the catalog",
        )? {
            out.push(inspect(&mut conn, entry, false)?);
        }
    }
    Ok(out)
}

/// Status of one summary.
pub fn status(opts: &Opts, schema: &str, name: &str) -> Result<StatusReport, LifecycleError> {
    let mut conn = open(opts)?;
    let entry = sql(catalog::get(&mut conn, schema, name), "reading the catalog")?
        .ok_or_else(|| LifecycleError::NotFound(name.to_string()))?;
    let mut report = inspect(&mut conn, entry, true)?;
    report.maintained_by = crate::db::topology::Topology::probe(&mut conn)
        .ok()
        .and_then(|t| t.maintenance());
    Ok(report)
}

fn inspect(
    conn: &mut mysql::Conn,
    entry: Entry,
    count_groups: bool,
) -> Result<StatusReport, LifecycleError> {
    let p = prefix(&entry.name);
    let mut triggers_present = true;
    for s in ["_ins", "_upd", "_del"] {
        triggers_present &= trigger_on(conn, &entry.schema, &format!("{p}{s}"), &entry.base_table)?;
    }
    // A live backfill owner, or a create/resume/rebuild holding the summary's lock (between
    // the backfill and `ready` the owner is gone but the work goes on).
    let backfill_running = match entry.owner {
        Some(id) => connection_alive(conn, id)?,
        None => false,
    } || holder(conn, &entry.schema, &entry.name)?.is_some();
    let missing_definer = if triggers_present {
        let definer: Option<String> = sql(
            conn.exec_first(
                "SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
                (&entry.schema, format!("{p}_ins")),
            ),
            "reading the triggers' definer",
        )?;
        missing_account(conn, definer)
    } else {
        None
    };
    let view: Option<(String, String)> = sql(
        conn.exec_first(
            "SELECT SECURITY_TYPE, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (&entry.schema, &entry.name),
        ),
        "reading the view's definer",
    )?;
    let view_present = view.is_some();
    let (view_security, view_definer) = match view {
        Some((security, definer)) => (Some(security), Some(definer)),
        None => (None, None),
    };
    // An INVOKER view reads as its reader: its definer does not matter.
    let missing_view_definer = match view_security.as_deref() {
        Some("DEFINER") => missing_account(conn, view_definer.clone()),
        _ => None,
    };
    let read = row_columns(
        trigger_bodies(conn, &entry.schema, &p)?
            .iter()
            .map(String::as_str),
    );
    let table = table_meta(conn, &entry.schema, &entry.base_table).ok();
    let base_missing = table.is_none();
    let dims = dimension_reads(conn, &entry.schema, &p)?;
    let base_altered = match (&table, dims) {
        (None, _) | (_, None) => true,
        (Some(t), Some(dims)) if dims.is_empty() => !unaltered(t, &read, &entry.base_fingerprint),
        (Some(t), Some(dims)) => {
            let dims: Vec<_> = dims.iter().map(|(m, r)| (m, r.clone())).collect();
            join_fingerprint(&summary_fingerprint(t, &read), &dims) != entry.base_fingerprint
        }
    };
    let missing_columns: Vec<String> = match &table {
        Some(t) => read
            .iter()
            .filter(|c| t.column(c).is_none())
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    triggers_present &= parents_triggers_present(conn, &p, table.as_ref())?;
    let base_engine = table.as_ref().map(|t| t.engine.clone());
    let state = format!("{p}_g{}", entry.generation);
    let size: Option<u64> = sql(
        conn.exec_first(
            "SELECT CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS UNSIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND (TABLE_NAME = ? OR TABLE_NAME LIKE CONCAT(?, '\\_mm%'))",
            (&entry.schema, &state, &state),
        ),
        "measuring state size",
    )?;
    let (groups, read_error) = if count_groups && view_present {
        read_groups(conn, &entry)
    } else {
        (None, None)
    };
    let tables = trigger_tables(conn, &entry.schema, &p)?;
    let mut report = StatusReport {
        entry,
        triggers_present,
        tables,
        backfill_running,
        base_altered,
        base_missing,
        missing_columns,
        base_engine,
        missing_definer,
        view_present,
        view_security,
        view_definer,
        missing_view_definer,
        groups,
        read_error,
        size_bytes: size.unwrap_or(0),
        summary: String::new(),
        maintained_by: None,
    };
    report.summary = verdict(conn, &report)?;
    Ok(report)
}

/// Whether every parent whose `ON DELETE CASCADE` deletes rows of `table` carries the BEFORE
/// DELETE trigger of the summary with prefix `p` (`<p>_d<k>_del`): without it the cascade
/// drifts the summary. (The parents' other triggers depend on the columns the summary reads,
/// which `status` does not know; `validate` compares the data.)
fn parents_triggers_present(
    conn: &mut mysql::Conn,
    p: &str,
    table: Option<&TableMeta>,
) -> Result<bool, LifecycleError> {
    let cascades = table.iter().flat_map(|t| &t.cascades);
    for c in cascades.filter(|c| c.on_delete == "CASCADE") {
        let names: Vec<String> = sql(
            conn.exec(
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND ACTION_TIMING = 'BEFORE'",
                (&c.parent_schema, &c.parent),
            ),
            "looking for the parents' triggers",
        )?;
        let present = names
            .iter()
            .any(|n| super::ownership::dimension_trigger_event(p, n) == Some("DELETE"));
        if !present {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A dimension table's definition and the columns its triggers read.
type DimensionRead = (TableMeta, BTreeSet<String>);

/// The dimension tables of the summary with prefix `p` (a join's), in the join's order (its
/// triggers `<p>_d1_…`, `<p>_d2_…`), each with the columns its triggers read; `None` when one
/// of them no longer exists (the summary is then altered). Empty for a single-table summary.
fn dimension_reads(
    conn: &mut mysql::Conn,
    schema: &str,
    p: &str,
) -> Result<Option<Vec<DimensionRead>>, LifecycleError> {
    let rows: Vec<(String, String)> = sql(
        conn.exec(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (schema,),
        ),
        "looking for triggers",
    )?;
    let mut by_k: BTreeMap<u32, (String, Vec<String>)> = BTreeMap::new();
    for (name, table) in rows {
        if super::ownership::dimension_trigger_event(p, &name).is_none() {
            continue;
        }
        let k = name
            .strip_prefix(p)
            .and_then(|r| r.strip_prefix("_d"))
            .and_then(|r| r.split_once('_'))
            .and_then(|(k, _)| k.parse::<u32>().ok());
        let Some(k) = k else { continue };
        let body = trigger_body(conn, schema, &name)?;
        let entry = by_k.entry(k).or_insert_with(|| (table, Vec::new()));
        entry.1.extend(body);
    }
    let mut out = Vec::new();
    for (table, bodies) in by_k.into_values() {
        let Ok(meta) = table_meta(conn, schema, &table) else {
            return Ok(None);
        };
        out.push((meta, row_columns(bodies.iter().map(String::as_str))));
    }
    Ok(Some(out))
}

/// The tables that the triggers of the summary with prefix `p` are on, base table first.
fn trigger_tables(
    conn: &mut mysql::Conn,
    schema: &str,
    p: &str,
) -> Result<Vec<String>, LifecycleError> {
    let rows: Vec<(String, String)> = sql(
        conn.exec(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME",
            (schema,),
        ),
        "looking for triggers",
    )?;
    let mut out: Vec<String> = Vec::new();
    let ours = |t: &str| {
        ["_ins", "_upd", "_del"]
            .iter()
            .any(|s| t == format!("{p}{s}"))
    };
    for (_, table) in rows.iter().filter(|(t, _)| ours(t)) {
        if !out.contains(table) {
            out.push(table.clone());
        }
    }
    for (t, table) in &rows {
        if super::ownership::dimension_trigger_event(p, t).is_some() && !out.contains(table) {
            out.push(table.clone());
        }
    }
    Ok(out)
}

/// The one-line verdict of [`StatusReport::summary`]: the first thing wrong, else the state.
fn verdict(conn: &mut mysql::Conn, r: &StatusReport) -> Result<String, LifecycleError> {
    let entry = &r.entry;
    Ok(
        if let Some(verdict) = base_verdict(
            entry,
            r.base_missing,
            &r.missing_columns,
            r.base_engine.as_deref(),
        ) {
            verdict
        } else if !r.triggers_present {
            "BROKEN: triggers missing, the summary is not maintained; drop and create again"
                .to_string()
        } else if let Some(definer) = &r.missing_definer {
            format!(
            "BROKEN: the triggers run as {definer}, an account that no longer exists: every write to {} fails; create the account again, or run rebuild as another account",
            entry.base_table
        )
        } else if !r.view_present {
            format!(
                "BROKEN: the view {} is missing, so the summary cannot be read; run rebuild",
                entry.name
            )
        } else if let Some(definer) = &r.missing_view_definer {
            format!(
            "BROKEN: the summary reads its state as {definer}, an account that no longer exists: every read of it fails; create the account again, or run rebuild as another account"
        )
        } else if r.base_altered {
            "STALE: the base table was altered; run rebuild".to_string()
        } else if entry.status == Status::Ready {
            "ready: exact and maintained".to_string()
        } else if entry.status == Status::Rebuilding {
            rebuilding(conn, entry, r.backfill_running)?
        } else if entry.status == Status::Backfilling
            && !r.backfill_running
            && backfill_complete(entry)
        {
            format!(
            "exact: readers read generation {}, completely backfilled; finishing was interrupted; run resume to finish",
            entry.generation
        )
        } else if entry.status == Status::Backfilling && !r.backfill_running {
            "incomplete: the backfill was interrupted; run resume".to_string()
        } else {
            format!("{}: {:.1}% backfilled", entry.status, percent(entry))
        },
    )
}

/// The number of rows a reader of the summary gets, or why reading it failed.
fn read_groups(conn: &mut mysql::Conn, entry: &Entry) -> (Option<u64>, Option<String>) {
    let q = format!(
        "SELECT COUNT(*) FROM {}",
        crate::engine::ident::quote_qualified(&entry.schema, &entry.name)
    );
    match conn.query_first::<u64, _>(q) {
        Ok(n) => (n, None),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The verdict when the base table itself no longer fits the summary: gone, missing a column
/// the triggers read (every write fails), or no longer transactional.
fn base_verdict(
    entry: &Entry,
    missing: bool,
    missing_columns: &[String],
    engine: Option<&str>,
) -> Option<String> {
    let table = &entry.base_table;
    if missing {
        return Some(format!(
            "BROKEN: the base table {table} is gone (dropped or renamed); drop the summary, or rename the table back"
        ));
    }
    if !missing_columns.is_empty() {
        return Some(format!(
            "BROKEN: writes to {table} fail: the summary's triggers read column {}, which {table} no longer has; drop the summary, or add the column back and rebuild",
            missing_columns.join(", ")
        ));
    }
    match engine {
        Some(e) if !transactional_engine(e) => Some(format!(
            "NOT EXACT: {table} is now {e}, which does not roll back: a rolled-back write keeps its rows while the summary's changes are undone; ALTER TABLE {table} ENGINE=InnoDB, then rebuild"
        )),
        _ => None,
    }
}

fn percent(entry: &Entry) -> f64 {
    if entry.rows_total == 0 {
        0.0
    } else {
        (entry.rows_done as f64 * 100.0 / entry.rows_total as f64).min(100.0)
    }
}

/// Whether every checkpoint region of a backfilling summary is committed: it is exact then,
/// only the trigger swap and the fold are left.
fn backfill_complete(entry: &Entry) -> bool {
    entry
        .regions
        .as_deref()
        .and_then(Regions::from_json)
        .is_some_and(|r| entry.checkpoint as usize >= r.count())
}

/// The verdict on a rebuilding summary: which generation readers read (the view says), and
/// whether every trigger maintains it. Until the switch that is the previous generation, exact;
/// the rebuild's progress is the new one's.
fn rebuilding(
    conn: &mut mysql::Conn,
    entry: &Entry,
    running: bool,
) -> Result<String, LifecycleError> {
    let reads = view_generation(conn, &entry.schema, &entry.name)?.unwrap_or(entry.generation);
    let p = prefix(&entry.name);
    let state = format!("`{p}_g{reads}`");
    let mut maintained = true;
    for s in ["_ins", "_upd", "_del"] {
        let body = trigger_body(conn, &entry.schema, &format!("{p}{s}"))?;
        maintained &= body.is_some_and(|b| b.contains(&state));
    }
    let progress = percent(entry);
    Ok(match (maintained, running) {
        (false, _) => format!(
            "BROKEN: readers read generation {reads}, which the triggers no longer maintain; run resume"
        ),
        (true, true) => format!(
            "rebuilding: {progress:.1}% backfilled; readers read generation {reads}, exact and maintained, until the switch"
        ),
        (true, false) => format!(
            "interrupted rebuild: readers still read generation {reads}, exact and maintained; the new generation is {progress:.1}% backfilled; run resume to finish it"
        ),
    })
}

/// `definer` (`user@host`, as information_schema shows a trigger's or a view's) if that
/// account is gone. Looking accounts up needs read access to `mysql.global_priv`; without it (or
/// without a definer) this says nothing.
fn missing_account(conn: &mut mysql::Conn, definer: Option<String>) -> Option<String> {
    let definer = definer?;
    let (user, host) = definer.rsplit_once('@')?;
    let found: Result<Option<u64>, _> = conn.exec_first(
        "SELECT COUNT(*) FROM mysql.global_priv WHERE User = ? AND Host = ?",
        (user, host),
    );
    match found {
        Ok(Some(0)) => Some(definer),
        _ => None,
    }
}

impl StatusReport {
    /// Whether the summary is broken: not maintained, not readable, or no longer exact (a base
    /// table that does not roll back).
    pub fn broken(&self) -> bool {
        !self.triggers_present
            || self.base_missing
            || !self.missing_columns.is_empty()
            || self
                .base_engine
                .as_deref()
                .is_some_and(|e| !transactional_engine(e))
            || self.missing_definer.is_some()
            || !self.view_present
            || self.missing_view_definer.is_some()
    }
}
