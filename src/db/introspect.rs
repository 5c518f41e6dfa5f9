//! Introspection: table metadata from `information_schema`, expression types from the server, and
//! the one-call path from query text to generated SQL that the CLI and the TUI share.

use crate::engine::analyze::{analyze, analyze_join, check_maintained};
use crate::engine::cascade::{self, Cascades, Parent, Restricting};
use crate::engine::codegen::Joined;
use crate::engine::codegen::{ExprTypes, GenOptions, TypeProbes};
use crate::engine::meta::{Cascade, ColumnMeta, Index, SqlType, TableMeta};
use crate::engine::parse::parse_in_mode;
use crate::engine::plan::Analysis;
use crate::engine::sql_mode::SqlMode;
use crate::engine::{EngineError, Prepared};
use mysql::prelude::Queryable;
use mysql::Conn;

/// Failures of introspection: the query's fault (engine) or the server's.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// The query cannot become a summary.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The server refused or failed.
    #[error("{context}: {source}")]
    Server {
        /// What we were doing.
        context: String,
        /// The server's error.
        source: mysql::Error,
    },
    /// The base table does not exist.
    #[error("table {schema}.{table} does not exist")]
    NoSuchTable {
        /// Schema searched.
        schema: String,
        /// Table name.
        table: String,
    },
    /// No schema given and no default database selected.
    #[error("no database selected: qualify the table (db.table) or pass -D/--database")]
    NoDatabase,
}

/// Adds context to a server error.
pub fn ctx<T>(r: Result<T, mysql::Error>, context: &str) -> Result<T, IntrospectError> {
    r.map_err(|source| IntrospectError::Server {
        context: context.to_string(),
        source,
    })
}

/// Reads a table's columns, primary key and engine.
pub fn table_meta(
    conn: &mut Conn,
    schema: &str,
    table: &str,
) -> Result<TableMeta, IntrospectError> {
    let engine: Option<(String, Option<String>)> = ctx(
        conn.exec_first(
            "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'",
            (schema, table),
        ),
        "reading table metadata",
    )?;
    let (name, engine) = match engine {
        Some((n, e)) => (n, e.unwrap_or_default()),
        None => {
            return Err(IntrospectError::NoSuchTable {
                schema: schema.to_string(),
                table: table.to_string(),
            })
        }
    };
    let columns: Vec<(String, String, Option<String>, String)> = ctx(
        conn.exec(
            "SELECT COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (schema, &name),
        ),
        "reading columns",
    )?;
    let primary_key: Vec<String> = ctx(
        conn.exec(
            "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
            (schema, &name),
        ),
        "reading the primary key",
    )?;
    // Ordered by constraint name: the parents' triggers are numbered in this order.
    let fks: Vec<(String, String, String, String, String, String, String)> = ctx(
        conn.exec(
            "SELECT r.CONSTRAINT_NAME, r.DELETE_RULE, r.UPDATE_RULE,
                    GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\\0'),
                    MIN(k.REFERENCED_TABLE_SCHEMA), MIN(k.REFERENCED_TABLE_NAME),
                    GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\\0')
             FROM information_schema.REFERENTIAL_CONSTRAINTS r
             JOIN information_schema.KEY_COLUMN_USAGE k
               ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
             WHERE r.CONSTRAINT_SCHEMA = ? AND r.TABLE_NAME = ?
               AND (r.DELETE_RULE NOT IN ('RESTRICT', 'NO ACTION') OR r.UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION'))
             GROUP BY r.CONSTRAINT_NAME, r.DELETE_RULE, r.UPDATE_RULE
             ORDER BY r.CONSTRAINT_NAME",
            (schema, &name),
        ),
        "reading foreign keys",
    )?;
    let cascades = fks
        .into_iter()
        .map(
            |(constraint, on_delete, on_update, cols, parent_schema, parent, parent_cols)| {
                Cascade {
                    constraint,
                    columns: cols.split('\0').map(str::to_string).collect(),
                    on_delete,
                    on_update,
                    parent_schema,
                    parent,
                    parent_columns: parent_cols.split('\0').map(str::to_string).collect(),
                }
            },
        )
        .collect();
    let keys = index_meta(conn, schema, &name)?;
    Ok(TableMeta {
        cascades,
        indexes: keys.indexes,
        foreign_key_columns: keys.foreign_key_columns,
        referenced_columns: keys.referenced_columns,
        schema: schema.to_string(),
        name,
        engine,
        columns: columns
            .into_iter()
            .map(|(name, column_type, collation, nullable)| ColumnMeta {
                name,
                column_type,
                collation,
                nullable: nullable == "YES",
            })
            .collect(),
        primary_key,
    })
}

/// Secondary indexes and foreign-key columns of a table.
struct KeyMeta {
    indexes: Vec<Index>,
    foreign_key_columns: Vec<String>,
    referenced_columns: Vec<String>,
}

fn index_meta(conn: &mut Conn, schema: &str, table: &str) -> Result<KeyMeta, IntrospectError> {
    let rows: Vec<(String, i64, String)> = ctx(
        conn.exec(
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (schema, table),
        ),
        "reading indexes",
    )?;
    let mut indexes: Vec<Index> = Vec::new();
    for (name, non_unique, column) in rows {
        match indexes.last_mut() {
            Some(i) if i.name == name => i.columns.push(column),
            _ => indexes.push(Index {
                name,
                unique: non_unique == 0,
                columns: vec![column],
            }),
        }
    }
    let foreign_key_columns: Vec<String> = ctx(
        conn.exec(
            "SELECT DISTINCT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL",
            (schema, table),
        ),
        "reading foreign keys",
    )?;
    let referenced_columns: Vec<String> = ctx(
        conn.exec(
            "SELECT DISTINCT REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?",
            (schema, table),
        ),
        "reading foreign keys that reference the table",
    )?;
    Ok(KeyMeta {
        indexes,
        foreign_key_columns,
        referenced_columns,
    })
}

/// Whether `r` failed with "Access denied for user ... to database ..." (1044), the server's
/// refusal of a database-level privilege such as `CREATE TEMPORARY TABLES` or `LOCK TABLES`
/// that does not say which one.
pub fn is_database_access_denied<T>(r: &Result<T, mysql::Error>) -> bool {
    matches!(r, Err(mysql::Error::MySqlError(e)) if e.code == 1044)
}

/// Runs `select` into a temporary table and reads back the column types MariaDB inferred.
fn probe_types(conn: &mut Conn, select: &str) -> Result<Vec<(String, SqlType)>, IntrospectError> {
    ctx(
        conn.query_drop("DROP TEMPORARY TABLE IF EXISTS `_lt_probe`"),
        "type probe",
    )?;
    let probe = conn.query_drop(format!(
        "CREATE TEMPORARY TABLE `_lt_probe` ENGINE=InnoDB AS {select}"
    ));
    // The server's refusal names the database, not the privilege.
    let context = if is_database_access_denied(&probe) {
        "inferring expression types in a temporary table, which needs the CREATE TEMPORARY TABLES privilege"
    } else {
        "inferring expression types"
    };
    ctx(probe, context)?;
    let rows: Vec<mysql::Row> = ctx(
        conn.query("SHOW FULL COLUMNS FROM `_lt_probe`"),
        "type probe",
    )?;
    ctx(
        conn.query_drop("DROP TEMPORARY TABLE IF EXISTS `_lt_probe`"),
        "type probe",
    )?;
    let mut out = Vec::new();
    for row in rows {
        let field: String = row.get("Field").unwrap_or_default();
        let column_type: String = row.get("Type").unwrap_or_default();
        let collation: Option<String> = row.get::<Option<String>, _>("Collation").flatten();
        let null: String = row.get("Null").unwrap_or_default();
        out.push((
            field,
            SqlType {
                column_type,
                collation,
                nullable: null == "YES",
            },
        ));
    }
    Ok(out)
}

/// Infers the storage types of the keys, sums and MIN/MAX inputs of `analysis`.
pub fn infer_types(
    conn: &mut Conn,
    analysis: &Analysis,
    table: &TableMeta,
) -> Result<ExprTypes, IntrospectError> {
    let probes = TypeProbes::of(analysis, table);
    let mut columns = Vec::new();
    for sql in probes.statements() {
        columns.extend(probe_types(conn, sql)?);
    }
    Ok(probes.decode(columns)?)
}

/// The default database of the connection, if any.
pub fn current_database(conn: &mut Conn) -> Result<Option<String>, IntrospectError> {
    let db: Option<Option<String>> = ctx(
        conn.query_first("SELECT DATABASE()"),
        "reading the current database",
    )?;
    Ok(db.flatten())
}

/// The `sql_mode` of `conn`'s session.
pub fn session_sql_mode(conn: &mut Conn) -> Result<String, IntrospectError> {
    let mode: Option<String> = ctx(
        conn.query_first("SELECT @@SESSION.sql_mode"),
        "reading the session's sql_mode",
    )?;
    Ok(mode.unwrap_or_default())
}

/// Runs `f` with `conn`'s session `sql_mode` set to `mode`, then puts the session's own back.
pub fn with_sql_mode<T>(
    conn: &mut Conn,
    mode: &str,
    f: impl FnOnce(&mut Conn) -> T,
) -> Result<T, IntrospectError> {
    let own = session_sql_mode(conn)?;
    if own == mode {
        return Ok(f(conn));
    }
    ctx(
        conn.exec_drop("SET SESSION sql_mode = ?", (mode,)),
        "setting the query's sql_mode",
    )?;
    let out = f(conn);
    ctx(
        conn.exec_drop("SET SESSION sql_mode = ?", (&own,)),
        "restoring the session's sql_mode",
    )?;
    Ok(out)
}

/// Has the server parse and resolve the query text as written, under `mode`, without running it
/// (`COM_STMT_PREPARE`): what MariaDB refuses under the query's mode is refused here, before
/// anything is created, even where our parser accepted it.
fn server_accepts(conn: &mut Conn, sql: &str, mode: &SqlMode) -> Result<(), IntrospectError> {
    let outcome = with_sql_mode(conn, &mode.text, |conn| match conn.prep(sql) {
        Ok(stmt) => {
            let _ = conn.close(stmt);
            Ok(())
        }
        Err(e) => Err(e),
    })?;
    match outcome {
        Ok(()) => Ok(()),
        Err(mysql::Error::MySqlError(e)) => Err(IntrospectError::Engine(EngineError::Syntax {
            message: format!(
                "MariaDB refuses the query under sql_mode {mode}: {}",
                e.message
            ),
            pos: None,
        })),
        Err(e) => Err(IntrospectError::Server {
            context: "having the server parse the query".into(),
            source: e,
        }),
    }
}

/// From query text to generated SQL: parse, read the base table, analyse, infer types, generate,
/// reading the query under `conn`'s session `sql_mode` (a user's connection: preview, the UI).
/// Changes nothing in the database (the type probe uses a temporary table).
pub fn prepare(
    conn: &mut Conn,
    sql: &str,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, IntrospectError> {
    let mode = session_sql_mode(conn)?;
    prepare_in_mode(conn, sql, &mode, name, options)
}

/// [`prepare`], reading the query under `sql_mode` `mode` (as `@@sql_mode` spells it; a
/// lifecycle connection runs under our own mode, so the creating session's is passed in).
pub fn prepare_in_mode(
    conn: &mut Conn,
    sql: &str,
    mode: &str,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, IntrospectError> {
    prepare_as(conn, sql, mode, name, options, false)
}

/// [`prepare_in_mode`] for checking a summary that exists: a base table whose engine changed
/// since is analysed as the InnoDB table it was, so that `validate` can still compare (and
/// report the engine as a problem) instead of refusing.
pub fn prepare_existing(
    conn: &mut Conn,
    sql: &str,
    mode: &str,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, IntrospectError> {
    prepare_as(conn, sql, mode, name, options, true)
}

fn prepare_as(
    conn: &mut Conn,
    sql: &str,
    mode: &str,
    name: &str,
    options: GenOptions,
    existing: bool,
) -> Result<Prepared, IntrospectError> {
    let mode = SqlMode::parse(mode)?;
    let parsed = parse_in_mode(sql, &mode)?;
    let schema = match &parsed.table.schema {
        Some(s) => s.clone(),
        None => current_database(conn)?.ok_or(IntrospectError::NoDatabase)?,
    };
    let mut table = table_meta(conn, &schema, &parsed.table.name)?;
    if existing {
        table.engine = "InnoDB".into();
    }
    if !parsed.joins.is_empty() {
        let mut tables = vec![table.clone()];
        for j in &parsed.joins {
            let s = match &j.table.schema {
                Some(s) => s.clone(),
                None => schema.clone(),
            };
            tables.push(table_meta(conn, &s, &j.table.name)?);
        }
        let joined = analyze_join(&parsed, &tables)?;
        check_maintained(&parsed, &joined)?;
        server_accepts(conn, sql, &mode)?;
        let join = Joined {
            plan: joined.plan,
            tables,
        };
        let probes = TypeProbes::over(&joined.analysis, &join.probe_from());
        let mut columns = Vec::new();
        for sql in probes.statements() {
            columns.extend(probe_types(conn, sql)?);
        }
        let types = probes.decode(columns)?;
        return Ok(crate::engine::prepared::prepare_joined(
            joined.analysis,
            table,
            types,
            Some(join),
            name,
            options,
        )?);
    }
    let analysis = analyze(&parsed, &table)?;
    let cascades = cascade_parents(conn, &table, &analysis.columns_read)?;
    server_accepts(conn, sql, &mode)?;
    let types = infer_types(conn, &analysis, &table)?;
    Ok(crate::engine::prepared::prepare_cascading(
        analysis, table, types, cascades, name, options,
    )?)
}

/// The cascading foreign keys of `table` that a summary reading `columns_read` is maintained
/// across, with their parents' metadata (checked by [`cascade::plan`]).
fn cascade_parents(
    conn: &mut Conn,
    table: &TableMeta,
    columns_read: &[String],
) -> Result<Cascades, IntrospectError> {
    let mut parents = Vec::new();
    for c in cascade::needing_triggers(table, columns_read) {
        parents.push(Parent {
            meta: table_meta(conn, &c.parent_schema, &c.parent)?,
            restricting: restricting(conn, &c.parent_schema, &c.parent)?,
        });
    }
    Ok(cascade::plan(table, columns_read, parents)?)
}

/// The foreign keys whose `ON DELETE RESTRICT` / `NO ACTION` can refuse the delete of a row of
/// `schema`.`table`.
fn restricting(
    conn: &mut Conn,
    schema: &str,
    table: &str,
) -> Result<Vec<Restricting>, IntrospectError> {
    let rows: Vec<(String, String, String, String)> = ctx(
        conn.exec(
            "SELECT MIN(k.TABLE_SCHEMA), MIN(k.TABLE_NAME),
                    GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\\0'),
                    GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\\0')
             FROM information_schema.REFERENTIAL_CONSTRAINTS r
             JOIN information_schema.KEY_COLUMN_USAGE k
               ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
             WHERE k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME = ?
               AND r.DELETE_RULE IN ('RESTRICT', 'NO ACTION')
             GROUP BY r.CONSTRAINT_SCHEMA, r.TABLE_NAME, r.CONSTRAINT_NAME
             ORDER BY r.CONSTRAINT_SCHEMA, r.TABLE_NAME, r.CONSTRAINT_NAME",
            (schema, table),
        ),
        "reading the foreign keys that restrict deletes",
    )?;
    Ok(rows
        .into_iter()
        .map(|(schema, table, cols, parent_cols)| Restricting {
            schema,
            table,
            columns: cols.split('\0').map(str::to_string).collect(),
            parent_columns: parent_cols.split('\0').map(str::to_string).collect(),
        })
        .collect())
}
