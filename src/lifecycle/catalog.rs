//! The catalog: one table per database (`_lightning_catalog`) with a row per summary, so that any
//! process (`status`, the TUI) can see what exists and how far a backfill is.

use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::ident::{quote, quote_qualified};
use mysql::prelude::Queryable;
use mysql::Conn;
use serde::Serialize;

/// Lifecycle state of a summary, as the catalog's `status` column spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Objects being created (lock phase).
    Creating,
    /// Triggers live; backfill running or interrupted (resume continues it).
    Backfilling,
    /// Backfill paused by the user or by load.
    Paused,
    /// Exact and maintained.
    Ready,
    /// A rebuild is running; readers still read the previous generation.
    Rebuilding,
    /// Creation failed; `drop` removes what is left.
    Failed,
    /// A state this version does not know (written by a newer one), kept as read.
    Other(String),
}

impl Status {
    /// The spelling stored in the catalog.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Creating => "creating",
            Status::Backfilling => "backfilling",
            Status::Paused => "paused",
            Status::Ready => "ready",
            Status::Rebuilding => "rebuilding",
            Status::Failed => "failed",
            Status::Other(s) => s,
        }
    }

    /// The state stored as `text`.
    pub fn parse(text: &str) -> Status {
        [
            Status::Creating,
            Status::Backfilling,
            Status::Paused,
            Status::Ready,
            Status::Rebuilding,
            Status::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .unwrap_or_else(|| Status::Other(text.to_string()))
    }

    /// Whether a backfill of this summary's current or next generation is under way or was
    /// interrupted (a rebuild counts).
    pub fn backfilling(&self) -> bool {
        matches!(self, Status::Backfilling | Status::Rebuilding)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<&Status> for mysql::Value {
    fn from(s: &Status) -> mysql::Value {
        s.as_str().into()
    }
}

/// `CREATE TABLE IF NOT EXISTS` for the catalog of `schema`.
pub fn catalog_ddl(schema: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
  `name` VARCHAR(64) NOT NULL PRIMARY KEY,
  `base_table` VARCHAR(64) NOT NULL,
  `query` TEXT NOT NULL,
  `status` VARCHAR(16) NOT NULL,
  `generation` INT NOT NULL,
  `slots` SMALLINT NOT NULL,
  `rows_done` BIGINT NOT NULL DEFAULT 0,
  `rows_total` BIGINT NOT NULL DEFAULT 0,
  `chunk_size` BIGINT NOT NULL DEFAULT 0,
  `rate` DOUBLE NOT NULL DEFAULT 0,
  `lock_ms` DOUBLE NULL,
  `lock_wait_ms` DOUBLE NULL,
  `base_fingerprint` VARCHAR(64) NOT NULL DEFAULT '',
  `owner` BIGINT NULL,
  `error` TEXT NULL,
  `created_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `updated_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `backfill_started_at` DATETIME(6) NULL,
  `ready_at` DATETIME(6) NULL,
  `last_validated_at` DATETIME(6) NULL,
  `last_validation` VARCHAR(255) NULL,
  `regions` MEDIUMTEXT NULL,
  `checkpoint` INT NOT NULL DEFAULT 0,
  `checkpoint_rows` BIGINT NOT NULL DEFAULT 0,
  `sql_mode` VARCHAR(1024) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='LightningTables catalog of summaries'",
        quote_qualified(schema, CATALOG_TABLE)
    )
}

/// One catalog row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Schema holding the summary and its base table.
    pub schema: String,
    /// Summary (view) name.
    pub name: String,
    /// Base table.
    pub base_table: String,
    /// The query.
    pub query: String,
    /// Lifecycle state.
    pub status: Status,
    /// Current state generation.
    pub generation: u32,
    /// Writer slots.
    pub slots: u16,
    /// Rows backfilled.
    pub rows_done: u64,
    /// Rows to backfill.
    pub rows_total: u64,
    /// Current chunk size.
    pub chunk_size: u64,
    /// Backfill rate, rows/s.
    pub rate: f64,
    /// How long writers were paused by the lock, ms.
    pub lock_ms: Option<f64>,
    /// How long we waited for the lock, ms.
    pub lock_wait_ms: Option<f64>,
    /// Fingerprint of the base table's columns at creation.
    pub base_fingerprint: String,
    /// Connection id of the process running the backfill.
    pub owner: Option<u64>,
    /// Last error.
    pub error: Option<String>,
    /// Created at (server time).
    pub created_at: String,
    /// Last catalog update.
    pub updated_at: String,
    /// When the summary became ready.
    pub ready_at: Option<String>,
    /// Last validation time.
    pub last_validated_at: Option<String>,
    /// Last validation result.
    pub last_validation: Option<String>,
    /// While the backfill runs: the primary-key regions the triggers tag their deltas with
    /// (JSON, see `codegen::regions`); `NULL` once the triggers no longer tag.
    pub regions: Option<String>,
    /// Regions whose backfill is committed (the resume point).
    pub checkpoint: u32,
    /// Rows in the committed regions.
    pub checkpoint_rows: u64,
    /// The `sql_mode` the query was written under (the creating session's); `None` for a
    /// summary made before it was recorded, whose query was read under MariaDB's default
    /// reading (see [`Entry::query_mode`]).
    pub sql_mode: Option<String>,
}

impl Entry {
    /// The `sql_mode` to read the query under: the recorded one, or `''` (no flag that changes
    /// the reading) for a summary made before modes were recorded.
    pub fn query_mode(&self) -> &str {
        self.sql_mode.as_deref().unwrap_or("")
    }
}

const COLUMNS: &str = "`name`, `base_table`, `query`, `status`, `generation`, `slots`, `rows_done`, `rows_total`, `chunk_size`, `rate`, `lock_ms`, `lock_wait_ms`, `base_fingerprint`, `owner`, `error`, CAST(`created_at` AS CHAR), CAST(`updated_at` AS CHAR), CAST(`ready_at` AS CHAR), CAST(`last_validated_at` AS CHAR), `last_validation`, `regions`, `checkpoint`, `checkpoint_rows`";

/// The columns to read: [`COLUMNS`] and the recorded `sql_mode`, or `NULL` in its place when the
/// catalog was made by a version without that column (it is added by the next `create`).
fn columns(conn: &mut Conn, schema: &str) -> Result<String, mysql::Error> {
    let n: Option<u64> = conn.exec_first(
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'sql_mode'",
        (schema, CATALOG_TABLE),
    )?;
    let mode = if n.unwrap_or(0) > 0 {
        "`sql_mode`"
    } else {
        "NULL"
    };
    Ok(format!("{COLUMNS}, {mode}"))
}

fn entry_from_row(schema: &str, mut row: mysql::Row) -> Option<Entry> {
    Some(Entry {
        schema: schema.to_string(),
        name: row.take(0)?,
        base_table: row.take(1)?,
        query: row.take(2)?,
        status: Status::parse(&row.take::<String, _>(3)?),
        generation: row.take(4)?,
        slots: row.take(5)?,
        rows_done: row.take(6)?,
        rows_total: row.take(7)?,
        chunk_size: row.take(8)?,
        rate: row.take(9)?,
        lock_ms: row.take(10)?,
        lock_wait_ms: row.take(11)?,
        base_fingerprint: row.take(12)?,
        owner: row.take(13)?,
        error: row.take(14)?,
        created_at: row.take(15)?,
        updated_at: row.take(16)?,
        ready_at: row.take(17)?,
        last_validated_at: row.take(18)?,
        last_validation: row.take(19)?,
        regions: row.take(20)?,
        checkpoint: row.take(21)?,
        checkpoint_rows: row.take(22)?,
        sql_mode: row.take(23)?,
    })
}

/// Whether `schema` has a catalog table.
pub fn exists(conn: &mut Conn, schema: &str) -> Result<bool, mysql::Error> {
    let n: Option<u64> = conn.exec_first(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        (schema, CATALOG_TABLE),
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// Reads one entry.
pub fn get(conn: &mut Conn, schema: &str, name: &str) -> Result<Option<Entry>, mysql::Error> {
    if !exists(conn, schema)? {
        return Ok(None);
    }
    let columns = columns(conn, schema)?;
    let row: Option<mysql::Row> = conn.exec_first(
        format!(
            "SELECT {columns} FROM {} WHERE `name` = ?",
            quote_qualified(schema, CATALOG_TABLE)
        ),
        (name,),
    )?;
    Ok(row.and_then(|r| entry_from_row(schema, r)))
}

/// All entries of one schema.
pub fn list_schema(conn: &mut Conn, schema: &str) -> Result<Vec<Entry>, mysql::Error> {
    if !exists(conn, schema)? {
        return Ok(Vec::new());
    }
    let columns = columns(conn, schema)?;
    let rows: Vec<mysql::Row> = conn.query(format!(
        "SELECT {columns} FROM {} ORDER BY `name`",
        quote_qualified(schema, CATALOG_TABLE)
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| entry_from_row(schema, r))
        .collect())
}

/// Schemas that have a catalog.
pub fn schemas(conn: &mut Conn) -> Result<Vec<String>, mysql::Error> {
    conn.exec(
        "SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME = ? ORDER BY TABLE_SCHEMA",
        (CATALOG_TABLE,),
    )
}

/// Inserts a new entry in state `creating`.
#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    base_table: &str,
    query: &str,
    sql_mode: &str,
    generation: u32,
    slots: u16,
    fingerprint: &str,
) -> Result<(), mysql::Error> {
    conn.query_drop(catalog_ddl(schema))?;
    // A catalog made by an older version lacks the column; entries it already holds read NULL.
    if columns(conn, schema)?.ends_with("NULL") {
        conn.query_drop(format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS `sql_mode` VARCHAR(1024) NULL",
            quote_qualified(schema, CATALOG_TABLE)
        ))?;
    }
    conn.exec_drop(
        format!(
            "INSERT INTO {} (`name`, `base_table`, `query`, `sql_mode`, `status`, `generation`, `slots`, `base_fingerprint`, `owner`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CONNECTION_ID())",
            quote_qualified(schema, CATALOG_TABLE)
        ),
        (name, base_table, query, sql_mode, Status::Creating.as_str(), generation, slots, fingerprint),
    )
}

/// Sets arbitrary columns of an entry (`sets` are `column = ?` pairs) and `updated_at`.
pub fn update(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    sets: &[(&str, mysql::Value)],
) -> Result<(), mysql::Error> {
    let mut assignments: Vec<String> = sets
        .iter()
        .map(|(c, _)| format!("{} = ?", quote(c)))
        .collect();
    assignments.push("`updated_at` = CURRENT_TIMESTAMP(6)".into());
    let mut params: Vec<mysql::Value> = sets.iter().map(|(_, v)| v.clone()).collect();
    params.push(name.into());
    conn.exec_drop(
        format!(
            "UPDATE {} SET {} WHERE `name` = ?",
            quote_qualified(schema, CATALOG_TABLE),
            assignments.join(", ")
        ),
        params,
    )
}

/// Sets the status (and clears or sets the error).
pub fn set_status(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    status: &Status,
    error: Option<&str>,
) -> Result<(), mysql::Error> {
    update(
        conn,
        schema,
        name,
        &[
            ("status", status.into()),
            ("error", error.map(std::string::ToString::to_string).into()),
        ],
    )
}

/// Records a backfill that stopped with its triggers live (`backfilling`, why in `error`) and
/// that no connection owns it any more: its writer connection is closed by then, and `status`
/// and `resume` must not wait for the server to notice that.
pub fn backfill_stopped(
    conn: &mut Conn,
    schema: &str,
    name: &str,
    error: &str,
) -> Result<(), mysql::Error> {
    update(
        conn,
        schema,
        name,
        &[
            ("status", (&Status::Backfilling).into()),
            ("error", error.into()),
            ("owner", mysql::Value::NULL),
        ],
    )
}

/// Deletes an entry, and the catalog table itself when it becomes empty (so a drop leaves the
/// schema as it was before the first create).
pub fn remove(conn: &mut Conn, schema: &str, name: &str) -> Result<(), mysql::Error> {
    if !exists(conn, schema)? {
        return Ok(());
    }
    let table = quote_qualified(schema, CATALOG_TABLE);
    conn.exec_drop(format!("DELETE FROM {table} WHERE `name` = ?"), (name,))?;
    let left: Option<u64> = conn.query_first(format!("SELECT COUNT(*) FROM {table}"))?;
    if left.unwrap_or(0) == 0 {
        conn.query_drop(format!("DROP TABLE IF EXISTS {table}"))?;
    }
    Ok(())
}
