//! Connections the lifecycle opens, with the session settings its statements rely on.

use super::{sql, LifecycleError};
use crate::engine::meta::TableMeta;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use sha2::{Digest, Sha256};

/// The `sql_mode` our triggers are created with and our own statements run under. Not strict: a
/// value that does not fit is clamped with a warning instead of failing the user's write (our
/// columns are sized so that this cannot happen, this is the second line of defence).
pub const SQL_MODE: &str = "NO_ENGINE_SUBSTITUTION";

/// Opens a connection for lifecycle work.
pub fn open(opts: &Opts) -> Result<Conn, LifecycleError> {
    let mut conn = sql(Conn::new(opts.clone()), "connecting")?;
    sql(
        conn.query_drop(format!("SET SESSION sql_mode = '{SQL_MODE}'")),
        "setting up the session",
    )?;
    // Region bounds are literals in the triggers and in our range predicates: both must be
    // read in the same character set, whatever the client library's default.
    sql(
        conn.query_drop("SET NAMES utf8mb4"),
        "setting up the session",
    )?;
    // TIMESTAMP values pass through the backfill and the fold as text or temporal values: in
    // UTC every instant has exactly one, also in the hour a daylight-saving change repeats.
    sql(
        conn.query_drop("SET SESSION time_zone = '+00:00'"),
        "setting up the session",
    )?;
    // The snapshot and the gap locks of our reads rely on REPEATABLE READ, whatever the default.
    sql(
        conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
        "setting up the session",
    )?;
    Ok(conn)
}

/// A fingerprint of the base table's definition; `status`/`validate` compare it to detect ALTER.
pub fn fingerprint(table: &TableMeta) -> String {
    let mut h = Sha256::new();
    for c in &table.columns {
        h.update(format!(
            "{}\u{1}{}\u{1}{:?}\u{1}{}\u{2}",
            c.name, c.column_type, c.collation, c.nullable
        ));
    }
    h.update(table.primary_key.join("\u{1}"));
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the connection with id `id` is still alive (a live owner means a backfill is running).
pub fn connection_alive(conn: &mut Conn, id: u64) -> Result<bool, LifecycleError> {
    let n: Option<u64> = sql(
        conn.exec_first(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?",
            (id,),
        ),
        "checking the backfill owner",
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// The generation whose state tables view `name` reads, from its definition (`None` without
/// such a view). The catalog says which generation readers should read; this is the one they do.
pub fn view_generation(
    conn: &mut Conn,
    schema: &str,
    name: &str,
) -> Result<Option<u32>, LifecycleError> {
    let definition: Option<String> = sql(
        conn.exec_first(
            "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, name),
        ),
        "reading the view",
    )?;
    // State tables are quoted in the definition: `<prefix>_g<generation>` or `..._mm<i>`.
    let marker = format!("`{}_g", crate::engine::codegen::names::prefix(name));
    Ok(definition.and_then(|d| {
        let at = d.find(&marker)? + marker.len();
        let digits: String = d[at..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }))
}

/// Objects in `schema` with exactly this name (tables, views), for collision checks.
pub fn object_exists(conn: &mut Conn, schema: &str, name: &str) -> Result<bool, LifecycleError> {
    let n: Option<u64> = sql(
        conn.exec_first(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, name),
        ),
        "checking for name collisions",
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// Triggers in `schema` with this name.
pub fn trigger_exists(conn: &mut Conn, schema: &str, name: &str) -> Result<bool, LifecycleError> {
    let n: Option<u64> = sql(
        conn.exec_first(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
            (schema, name),
        ),
        "checking for trigger collisions",
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// Name of the summary's advisory lock (`GET_LOCK` names are limited to 64 characters).
fn lock_name(schema: &str, name: &str) -> String {
    // Catalog names compare case-insensitively: `Sales` and `sales` are one summary.
    let mut h = Sha256::new();
    h.update(schema.as_bytes());
    h.update([0u8]);
    h.update(name.trim_end().to_lowercase().as_bytes());
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("lightning:{hex}")
}

/// Takes summary `name`'s advisory lock for the rest of `conn`'s life, so that create, resume,
/// rebuild and drop of one summary never run at the same time (two finalizations would fold the
/// same region rows twice; a drop would pull the tables from under a backfill). The server
/// releases the lock when the connection ends, also when the process dies.
pub fn claim(conn: &mut Conn, schema: &str, name: &str) -> Result<(), LifecycleError> {
    let lock = lock_name(schema, name);
    let got: Option<Option<i64>> = sql(
        // A short wait: a connection of the previous operation that just ended may not have
        // been closed on the server yet.
        conn.exec_first("SELECT GET_LOCK(?, 3)", (&lock,)),
        "claiming the summary",
    )?;
    if got.flatten() == Some(1) {
        return Ok(());
    }
    let who = match holder(conn, schema, name)? {
        Some(id) => format!("connection {id}"),
        None => "another connection".to_string(),
    };
    Err(LifecycleError::State(format!(
        "{name} is being worked on by another lightning process ({who}); wait for it to finish or cancel it"
    )))
}

/// The connection holding summary `name`'s advisory lock, if any: a create, resume, rebuild or
/// drop of it is running there.
pub fn holder(conn: &mut Conn, schema: &str, name: &str) -> Result<Option<u64>, LifecycleError> {
    let id: Option<Option<u64>> = sql(
        conn.exec_first("SELECT IS_USED_LOCK(?)", (lock_name(schema, name),)),
        "checking who works on the summary",
    )?;
    Ok(id.flatten())
}

/// [`open_summary`], holding the summary's advisory lock (see [`claim`]) while the connection
/// lives; for the operations that change a summary.
pub fn open_claimed(
    opts: &Opts,
    schema: &str,
    name: &str,
) -> Result<(Conn, crate::engine::catalog::Entry), LifecycleError> {
    let mut conn = open(opts)?;
    claim(&mut conn, schema, name)?;
    let entry = read_entry(&mut conn, schema, name)?;
    Ok((conn, entry))
}

/// Opens a lifecycle connection on `schema` and reads the catalog entry of summary `name`.
pub fn open_summary(
    opts: &Opts,
    schema: &str,
    name: &str,
) -> Result<(Conn, crate::engine::catalog::Entry), LifecycleError> {
    let mut conn = open(opts)?;
    let entry = read_entry(&mut conn, schema, name)?;
    Ok((conn, entry))
}

fn read_entry(
    conn: &mut Conn,
    schema: &str,
    name: &str,
) -> Result<crate::engine::catalog::Entry, LifecycleError> {
    sql(
        conn.query_drop(format!("USE {}", crate::engine::ident::quote(schema))),
        "selecting the database",
    )?;
    sql(
        crate::engine::catalog::get(conn, schema, name),
        "reading the catalog",
    )?
    .ok_or_else(|| LifecycleError::NotFound(name.to_string()))
}
