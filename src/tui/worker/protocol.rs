//! The messages between the UI and the worker: requests go one way,
//! responses the other, both tagged with the request's id.

use crate::db::connect::ConnectFailure;
use crate::db::doctor::DoctorReport;
use crate::db::options::ConnectionConfig;
use crate::engine::Pos;
use crate::lifecycle::{CreateReport, DropReport, Event, StatusReport, ValidationReport};

/// Identifies a request; its responses carry the same id.
pub type RequestId = u64;

/// A request to the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Chosen by the UI, unique per session.
    pub id: RequestId,
    /// What to do.
    pub kind: RequestKind,
}

/// What the worker is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// Connect and report the server version and default database.
    Connect,
    /// List the user databases.
    Databases,
    /// List the tables of a database, with summaries marked.
    Tables {
        /// The database.
        database: String,
    },
    /// Read the columns of a table.
    Columns {
        /// The database.
        database: String,
        /// The table.
        table: String,
    },
    /// Generate the DDL and triggers for a query (changes nothing).
    Preview {
        /// Database the query's unqualified table lives in.
        database: Option<String>,
        /// The query.
        sql: String,
        /// The summary name.
        name: String,
    },
    /// List every summary with its state.
    Summaries,
    /// Create a summary online.
    Create {
        /// Database the query's unqualified table lives in.
        database: Option<String>,
        /// The summary name.
        name: String,
        /// The query.
        sql: String,
        /// Chunk, load and lock tuning set in the confirmation.
        tuning: crate::lifecycle::tuning::Tuning,
    },
    /// Resume an interrupted backfill.
    Resume {
        /// The summary's database.
        schema: String,
        /// The summary.
        name: String,
    },
    /// Rebuild a summary online.
    Rebuild {
        /// The summary's database.
        schema: String,
        /// The summary.
        name: String,
        /// Chunk, load and lock tuning set in the confirmation.
        tuning: crate::lifecycle::tuning::Tuning,
    },
    /// Compare a summary with its query.
    Validate {
        /// The summary's database.
        schema: String,
        /// The summary.
        name: String,
    },
    /// Drop a summary.
    Drop {
        /// The summary's database.
        schema: String,
        /// The summary.
        name: String,
    },
    /// Run the original query and `SELECT * FROM` the summary, timed.
    Compare {
        /// The summary's database.
        schema: String,
        /// The summary.
        name: String,
        /// The original query.
        query: String,
    },
    /// Pause or continue the backfill of request `target`.
    Pause {
        /// The create/resume/rebuild request.
        target: RequestId,
        /// Pause (true) or continue (false).
        paused: bool,
    },
    /// Stop request `target`: `KILL QUERY` its statement, cancel its backfill.
    Cancel {
        /// The request to stop.
        target: RequestId,
    },
    /// Try a connection and run the doctor checks on it (the setup wizard);
    /// the worker's own connection is not changed.
    Diagnose {
        /// The settings to try (their `Debug` never shows the password).
        config: ConnectionConfig,
    },
    /// Work on another server from now on: later requests use `config`
    /// (nothing is answered; running jobs finish on the old connection).
    Switch {
        /// The new settings.
        config: ConnectionConfig,
    },
}

/// A response of the worker.
#[derive(Debug, Clone)]
pub struct Response {
    /// The request this answers.
    pub id: RequestId,
    /// The answer.
    pub kind: ResponseKind,
}

/// The answers.
#[derive(Debug, Clone)]
pub enum ResponseKind {
    /// Connected.
    Connected {
        /// `SELECT VERSION()`.
        version: String,
        /// The connection's default database.
        database: Option<String>,
    },
    /// The user databases.
    Databases(Vec<String>),
    /// Tables of a database.
    Tables {
        /// The database.
        database: String,
        /// Its tables and views.
        tables: Vec<TableInfo>,
    },
    /// Columns of a table.
    Columns {
        /// The database.
        database: String,
        /// The table.
        table: String,
        /// Its columns.
        columns: Vec<ColumnInfo>,
    },
    /// The preview of a query.
    Preview(Result<PreviewDoc, Rejection>),
    /// Every summary.
    Summaries(Vec<StatusReport>),
    /// Progress of a create/resume/rebuild (more responses follow).
    Progress(Event),
    /// A lifecycle operation finished.
    Finished(JobOutcome),
    /// A comparison finished.
    Compared(CompareResult),
    /// The request failed.
    Failed(Failure),
    /// The request was cancelled.
    Cancelled,
    /// The answer to [`RequestKind::Diagnose`].
    Diagnosed(Result<Box<DoctorReport>, DiagnoseFailure>),
}

/// Why a request failed: the cause typed, its details in plain words. The app puts it in words
/// and adds its own hints (keys, not CLI flags) where one helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// No server is configured yet.
    #[error("{}", crate::tui::strings::NOT_CONNECTED)]
    NotConnected,
    /// The user cancelled the request.
    #[error("{}", crate::tui::strings::CANCELLED)]
    Cancelled,
    /// A worker thread could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(String),
    /// The request reached a worker that does not serve it (a bug).
    #[error("{}", crate::tui::strings::internal_error(&format!("not a {} request", .0)))]
    Misrouted(&'static str),
    /// The worker panicked; the panic's message.
    #[error("{}", crate::tui::strings::internal_error(.0))]
    Panicked(String),
    /// The server refused or the connection failed (see [`crate::tui::errors::mysql_error`]).
    #[error("{0}")]
    Server(String),
    /// The lifecycle refused or failed (see [`crate::tui::errors::lifecycle_error`]).
    #[error("{0}")]
    Lifecycle(String),
    /// A step of the demo failed (see [`crate::demo::DemoError`]).
    #[error("{0}")]
    Demo(String),
    /// The base table's lock could not be had in time; nothing was left behind.
    #[error("{0}")]
    LockTimeout(String),
}

/// Why a connection could not be tried or checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnoseFailure {
    /// What kind of connection failure it was; `None` when connecting
    /// worked but a check query failed.
    pub kind: Option<ConnectFailure>,
    /// The reason, on one line, never with the password.
    pub reason: String,
}

impl ResponseKind {
    /// Whether more responses will follow for the same request.
    pub fn is_intermediate(&self) -> bool {
        matches!(self, ResponseKind::Progress(_))
    }
}

/// What kind of object a schema entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// A base table.
    Table,
    /// A view that is not a summary.
    View,
    /// A LightningTables summary (a view over state tables).
    Summary,
}

/// A table in the schema browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// Name.
    pub name: String,
    /// Table, view or summary.
    pub kind: TableKind,
    /// `information_schema.TABLES.TABLE_ROWS` (an estimate for InnoDB).
    pub rows_estimate: Option<u64>,
    /// Summaries built on this table.
    pub summaries: Vec<String>,
}

/// A column in the schema browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// Full type, e.g. `decimal(10,2)`.
    pub column_type: String,
    /// NULL allowed.
    pub nullable: bool,
    /// `PRI`, `UNI`, `MUL` or empty.
    pub key: String,
}

/// One generated statement of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// What it creates, e.g. `state table` or `trigger AFTER INSERT`.
    pub title: String,
    /// The SQL, exactly as `create` runs it.
    pub sql: String,
}

/// A successful preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewDoc {
    /// Database of the summary.
    pub schema: String,
    /// The summary name.
    pub name: String,
    /// The base table.
    pub base_table: String,
    /// Statements, in the order `create` runs them.
    pub statements: Vec<Statement>,
    /// Warnings for the user.
    pub warnings: Vec<String>,
    /// What already holds a name `create` would use (the create would fail), as the server
    /// said when the preview was made.
    pub clash: Option<String>,
    /// The statements as a migration file and its drop script (for the export key).
    pub migration: Option<crate::engine::codegen::migration::Migration>,
}

/// Why a query cannot become a summary (or could not be checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Plain-words message.
    pub message: String,
    /// Where in the query, when known.
    pub pos: Option<Pos>,
}

/// The result of a finished lifecycle operation.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    /// Created, resumed or rebuilt.
    Built(BuiltReport),
    /// Validated.
    Validated(ValidationReport),
    /// Dropped.
    Dropped {
        /// The summary.
        name: String,
        /// What was removed.
        report: DropReport,
    },
}

/// Create/resume/rebuild report in the UI's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltReport {
    /// Database.
    pub schema: String,
    /// Summary.
    pub name: String,
    /// Rows backfilled.
    pub rows: u64,
    /// Seconds backfilling.
    pub backfill_secs: f64,
    /// Writers' pause, ms.
    pub lock_ms: f64,
}

impl From<CreateReport> for BuiltReport {
    fn from(r: CreateReport) -> Self {
        BuiltReport {
            schema: r.schema,
            name: r.name,
            rows: r.rows,
            backfill_secs: r.backfill_secs,
            lock_ms: r.lock.lock_ms,
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultSet {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, values rendered as text (`NULL` for NULL).
    pub rows: Vec<Vec<String>>,
    /// Wall-clock time, microseconds.
    pub micros: u64,
}

/// The two result sets of a comparison and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareResult {
    /// Database.
    pub schema: String,
    /// Summary.
    pub name: String,
    /// The original query's result.
    pub query: ResultSet,
    /// `SELECT * FROM` the summary.
    pub summary: ResultSet,
    /// Whether both hold the same rows (in any order).
    pub matches: bool,
}
