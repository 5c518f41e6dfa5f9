//! Connections the lifecycle opens, with the session settings its statements rely on.

use super::{sql, LifecycleError};
use crate::db::topology::{self, Operation, TopologyCheckError};
use crate::engine::codegen::Gen;
use crate::engine::meta::{ColumnMeta, TableMeta};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The `sql_mode` our triggers are created with and our own statements run under. Not strict: a
/// value that does not fit is clamped with a warning instead of failing the user's write (our
/// columns are sized so that this cannot happen, this is the second line of defence).
pub const SQL_MODE: &str = "NO_ENGINE_SUBSTITUTION";

/// Opens a connection for lifecycle work.
pub fn open(opts: &Opts) -> Result<Conn, LifecycleError> {
    Ok(open_reading_mode(opts)?.0)
}

/// [`open`], also returning the `sql_mode` the session had before we set ours: the server's
/// global mode, or what the connection options set. `create` reads the query under it and
/// records it with the summary.
pub fn open_reading_mode(opts: &Opts) -> Result<(Conn, String), LifecycleError> {
    let mut conn = sql(Conn::new(opts.clone()), "connecting")?;
    let mode: Option<String> = sql(
        conn.query_first("SELECT @@SESSION.sql_mode"),
        "reading the session's sql_mode",
    )?;
    let mode = mode.unwrap_or_default();
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
    Ok((conn, mode))
}

/// A fingerprint of the whole base table's definition, as summaries recorded it before
/// [`summary_fingerprint`]; still accepted for them.
pub fn fingerprint(table: &TableMeta) -> String {
    let mut h = Sha256::new();
    for c in &table.columns {
        h.update(column_line(c));
    }
    h.update(table.primary_key.join("\u{1}"));
    hex(h)
}

fn column_line(c: &ColumnMeta) -> String {
    format!(
        "{}\u{1}{}\u{1}{:?}\u{1}{}\u{2}",
        c.name, c.column_type, c.collation, c.nullable
    )
}

fn hex(h: Sha256) -> String {
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The columns trigger bodies read from their row images (`NEW.`x``, `OLD.`x``), lowercased
/// (MariaDB resolves column names case-insensitively). A write fails when one of them is gone.
pub fn row_columns<'a>(bodies: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for body in bodies {
        for image in ["NEW.`", "OLD.`"] {
            let mut rest = body;
            while let Some(at) = rest.find(image) {
                let (name, tail) = backquoted(&rest[at + image.len()..]);
                out.insert(name.to_lowercase());
                rest = tail;
            }
        }
    }
    out
}

/// The identifier at the start of `s` (after its opening backquote, up to the closing one,
/// doubled backquotes undone), and the text after it.
fn backquoted(s: &str) -> (String, &str) {
    let mut name = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            if matches!(chars.peek(), Some((_, '`'))) {
                chars.next();
            } else {
                return (name, &s[i + 1..]);
            }
        }
        name.push(c);
    }
    (name, "")
}

/// The base table's fingerprint as a summary sees it: the definitions of the columns its
/// triggers read (`read`, from [`row_columns`]), the primary key, the columns a write can
/// conflict on (the UPDATE guard's), and whether an ENUM/SET column it reads is indexed (that
/// changes MariaDB's MIN/MAX). A change to anything else (a column added, an index on another
/// column) leaves the summary exact and maintained.
pub fn summary_fingerprint(table: &TableMeta, read: &BTreeSet<String>) -> String {
    let mut h = Sha256::new();
    for c in &table.columns {
        if read.contains(&c.name.to_lowercase()) {
            h.update(column_line(c));
            let member_typed = ["enum(", "set("]
                .iter()
                .any(|t| c.column_type.to_lowercase().starts_with(t));
            if member_typed && table.is_indexed(&c.name) {
                h.update("indexed\u{2}");
            }
        }
    }
    h.update(table.primary_key.join("\u{1}"));
    h.update("\u{3}");
    let mut conflicts: Vec<String> = table
        .conflict_columns()
        .iter()
        .map(|c| c.to_lowercase())
        .collect();
    conflicts.sort();
    h.update(conflicts.join("\u{1}"));
    // Cascading foreign keys decide which parents carry triggers and what they do (only when
    // there are some: the fingerprints of other tables stay as they were).
    for c in &table.cascades {
        h.update(format!(
            "\u{5}{}\u{1}{}\u{1}{}.{}\u{1}{}\u{1}{}\u{1}{}",
            c.constraint.to_lowercase(),
            c.columns.join(",").to_lowercase(),
            c.parent_schema.to_lowercase(),
            c.parent.to_lowercase(),
            c.parent_columns.join(",").to_lowercase(),
            c.on_delete,
            c.on_update
        ));
    }
    hex(h)
}

/// [`summary_fingerprint`] of `gen`'s own triggers: what `create`, `rebuild` and `resume`
/// record. For a join, [`join_fingerprint`] of every table's, each with the columns its own
/// triggers read: an ALTER of a dimension column the summary reads is seen as one of the base
/// table's is.
pub fn gen_fingerprint(gen: &Gen<'_>) -> String {
    let fact = summary_fingerprint(gen.table, &gen_read_columns(gen));
    // The other tables with triggers: a join's dimensions, or the parents of cascading keys.
    let others: Vec<&TableMeta> = match (gen.join, gen.cascades) {
        (Some(joined), _) => joined.tables.iter().skip(1).collect(),
        (None, Some(c)) => c.edges.iter().map(|e| &e.parent.meta).collect(),
        (None, None) => return fact,
    };
    let triggers = gen.triggers();
    let dims: Vec<(&TableMeta, BTreeSet<String>)> = gen
        .names
        .dimension_triggers
        .iter()
        .zip(others)
        .map(|(names, meta)| {
            let own = [&names.insert, &names.update, &names.delete];
            let read = row_columns(
                triggers
                    .iter()
                    .filter(|t| own.contains(&&t.name))
                    .map(|t| t.sql.as_str()),
            );
            (meta, read)
        })
        .collect();
    join_fingerprint(&fact, &dims)
}

/// The fingerprint of a join summary: the fact table's [`summary_fingerprint`] (`fact`), then
/// each dimension's name and [`summary_fingerprint`] with the columns its triggers read, in
/// the join's order. Without dimensions, `fact` itself.
pub fn join_fingerprint(fact: &str, dims: &[(&TableMeta, BTreeSet<String>)]) -> String {
    if dims.is_empty() {
        return fact.to_string();
    }
    let mut h = Sha256::new();
    h.update(fact);
    for (meta, read) in dims {
        h.update("\u{4}");
        h.update(&meta.name);
        h.update("\u{1}");
        h.update(summary_fingerprint(meta, read));
    }
    hex(h)
}

/// [`unaltered`] for a summary whose triggers are `gen`'s (for a join, every table's
/// definition as [`gen_fingerprint`] sees it).
pub fn gen_unaltered(gen: &Gen<'_>, stored: &str) -> bool {
    if gen.spans_tables() {
        return gen_fingerprint(gen) == stored;
    }
    unaltered(gen.table, &gen_read_columns(gen), stored)
}

/// The columns `gen`'s own triggers on the base table read (a join's dimension triggers read
/// other tables' columns; `status` reads the base table's triggers only).
fn gen_read_columns(gen: &Gen<'_>) -> BTreeSet<String> {
    let n = &gen.names;
    let own = [&n.trigger_insert, &n.trigger_update, &n.trigger_delete];
    row_columns(
        gen.triggers()
            .iter()
            .filter(|t| own.contains(&&t.name))
            .map(|t| t.sql.as_str()),
    )
}

/// Whether `table` still has the definition summary fingerprint `stored` was taken of, as far
/// as a summary whose triggers read `read` can tell (entries recorded before summary
/// fingerprints carry the whole table's).
pub fn unaltered(table: &TableMeta, read: &BTreeSet<String>, stored: &str) -> bool {
    summary_fingerprint(table, read) == stored || fingerprint(table) == stored
}

/// The bodies of the summary's three triggers (`p` its name prefix) that exist.
pub fn trigger_bodies(
    conn: &mut Conn,
    schema: &str,
    p: &str,
) -> Result<Vec<String>, LifecycleError> {
    let mut out = Vec::new();
    for s in ["_ins", "_upd", "_del"] {
        out.extend(trigger_body(conn, schema, &format!("{p}{s}"))?);
    }
    Ok(out)
}

/// The body of trigger `name` in `schema` (`None` when there is none). information_schema shows
/// a trigger's body only to accounts with the `TRIGGER` privilege on its table: without it the
/// trigger would look altered, so this refuses, naming the privilege.
pub fn trigger_body(
    conn: &mut Conn,
    schema: &str,
    name: &str,
) -> Result<Option<String>, LifecycleError> {
    let row: Option<(Option<String>, String)> = sql(
        conn.exec_first(
            "SELECT ACTION_STATEMENT, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
            (schema, name),
        ),
        "reading the triggers",
    )?;
    match row {
        None => Ok(None),
        Some((Some(body), _)) => Ok(Some(body)),
        Some((None, table)) => Err(LifecycleError::State(format!(
            "cannot read trigger {name}: the server hides a trigger's body from accounts without the TRIGGER privilege on its table ({schema}.{table}); grant TRIGGER on it"
        ))),
    }
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

/// Whether trigger `name` exists in `schema` on table `table`: a `RENAME TABLE t TO t_old, t2
/// TO t` moves the triggers with `t_old`, and then the table the summary reads has none.
pub fn trigger_on(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    table: &str,
) -> Result<bool, LifecycleError> {
    let n: Option<u64> = sql(
        conn.exec_first(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ? AND EVENT_OBJECT_TABLE = ?",
            (schema, name, table),
        ),
        "looking for the triggers",
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
///
/// Every operation that locks the base table or creates or drops triggers claims the summary
/// first, so this is where the server's topology is checked (`db::topology`): on a Galera node,
/// or on a replica whose applier fires no triggers, `operation` is refused before anything is
/// locked or changed.
pub fn claim(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    operation: Operation,
) -> Result<(), LifecycleError> {
    match topology::check(conn, operation) {
        Ok(_) => {}
        Err(TopologyCheckError::Refused(r)) => return Err(r.into()),
        Err(TopologyCheckError::Probe(source)) => {
            return Err(LifecycleError::Server {
                context: "checking whether this server is a Galera node or a replica".into(),
                source,
            })
        }
    }
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
    operation: Operation,
) -> Result<(Conn, crate::lifecycle::catalog::Entry), LifecycleError> {
    let mut conn = open(opts)?;
    claim(&mut conn, schema, name, operation)?;
    let entry = read_entry(&mut conn, schema, name)?;
    Ok((conn, entry))
}

/// Opens a lifecycle connection on `schema` and reads the catalog entry of summary `name`.
pub fn open_summary(
    opts: &Opts,
    schema: &str,
    name: &str,
) -> Result<(Conn, crate::lifecycle::catalog::Entry), LifecycleError> {
    let mut conn = open(opts)?;
    let entry = read_entry(&mut conn, schema, name)?;
    Ok((conn, entry))
}

fn read_entry(
    conn: &mut Conn,
    schema: &str,
    name: &str,
) -> Result<crate::lifecycle::catalog::Entry, LifecycleError> {
    sql(
        conn.query_drop(format!("USE {}", crate::engine::ident::quote(schema))),
        "selecting the database",
    )?;
    sql(
        crate::lifecycle::catalog::get(conn, schema, name),
        "reading the catalog",
    )?
    .ok_or_else(|| LifecycleError::NotFound(name.to_string()))
}
