//! The online lifecycle of a summary: create (brief lock, consistent snapshot, batched backfill),
//! resume, validate, rebuild, drop, list and status. See `docs/correctness.md` for why creation is
//! exact under concurrent writes. It sits above `engine` (what to create) and `db` (how to
//! reach the server); nothing below imports it.

mod backfill;
pub mod catalog;
mod create;
mod drop;
mod keyrange;
pub mod lock;
pub mod narrate;
mod ownership;
mod partials;
pub mod preview;
mod rebuild;
mod regions;
mod resume;
mod session;
mod staging;
mod status;
pub mod tuning;
mod validate;

pub use backfill::{Checkpoint, ChunkPolicy, Progress};
pub use create::{create, name_clash, slots_for, CreateReport};
pub use drop::{drop_summary, DropReport};
pub use ownership::LeftAlone;
pub use rebuild::rebuild;
pub use resume::resume;
pub use status::{list, locate, status, StatusReport};
pub use validate::{validate, validate_with, Difference, ValidationReport};

use crate::db::introspect::IntrospectError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Failures of lifecycle operations.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The query or table cannot become a summary.
    #[error(transparent)]
    Prepare(#[from] IntrospectError),
    /// The generation step refused the summary.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// A statement failed.
    #[error("{context}: {source}")]
    Server {
        /// What we were doing.
        context: String,
        /// The server's error.
        source: mysql::Error,
    },
    /// No such summary.
    #[error("no summary named {0}")]
    NotFound(String),
    /// The name is taken.
    #[error("{0} already exists; choose another name (nothing was created)")]
    Exists(String),
    /// The table lock could not be had in time. The message names no remedy of a front end:
    /// each front end adds its own (the CLI a flag, the TUI a key).
    #[error("could not lock table {table} in {attempts} attempt(s) of {wait_ms} ms each (a long-running transaction holds it); nothing was left behind")]
    LockTimeout {
        /// The base table.
        table: String,
        /// Attempts made.
        attempts: u32,
        /// Wait per attempt, ms.
        wait_ms: u64,
    },
    /// The table lock could not be had in time while prepared XA transactions exist: one of
    /// them may have written the table before its client went away, and it keeps the table's
    /// InnoDB lock until someone commits or rolls it back.
    #[error("could not lock table {table} in {attempts} attempt(s) of {wait_ms} ms each: prepared XA transaction(s) {xids} may hold it (XA RECOVER lists them; a prepared XA keeps its locks after its client is gone); run XA COMMIT or XA ROLLBACK for them, then retry; nothing was left behind")]
    PreparedXa {
        /// The base table.
        table: String,
        /// Attempts made.
        attempts: u32,
        /// Wait per attempt, ms.
        wait_ms: u64,
        /// The prepared transactions' xids, quoted and comma-separated.
        xids: String,
    },
    /// Cancelled by the user; the summary stays `backfilling` and `resume` continues it (each
    /// front end says how to resume in its own terms).
    #[error("cancelled; {0} stays backfilling until it is resumed")]
    Cancelled(String),
    /// A rebuild was stopped before readers switched to its new generation and given up:
    /// readers keep the previous generation, which the triggers maintain alone again, and
    /// nothing is left to resume.
    #[error("rebuild of {name} stopped and given up: readers keep generation {generation}, exact and maintained; nothing to resume")]
    RebuildStopped {
        /// The summary.
        name: String,
        /// The generation readers keep.
        generation: u32,
    },
    /// The operation does not apply in the summary's current state.
    #[error("{0}")]
    State(String),
    /// The server's place in a replication topology (a Galera node, a replica whose applier
    /// fires no triggers) forbids the operation; nothing was locked or changed.
    #[error(transparent)]
    Topology(#[from] crate::db::topology::TopologyRefusal),
    /// An object named like one the operation must create exists and nothing proves it is
    /// ours, so it was not dropped.
    #[error("{object} is in the way and is not LightningTables' ({reason}); rename or drop it yourself, then retry")]
    InTheWay {
        /// `kind schema.name`.
        object: String,
        /// What is missing from the proof that it is ours.
        reason: String,
    },
}

impl LifecycleError {
    /// The server error underneath, if this is one.
    pub fn server_error(&self) -> Option<&mysql::Error> {
        match self {
            LifecycleError::Server { source, .. }
            | LifecycleError::Prepare(IntrospectError::Server { source, .. }) => Some(source),
            _ => None,
        }
    }
}

/// Adds context to a server error.
pub(crate) fn sql<T>(r: Result<T, mysql::Error>, context: &str) -> Result<T, LifecycleError> {
    r.map_err(|source| LifecycleError::Server {
        context: context.to_string(),
        source,
    })
}

/// What every step of one create, resume or rebuild needs besides its connections: where to
/// connect, which summary, with which options, the user's cancel/pause switch, and whom to tell.
pub(crate) struct Job<'a> {
    /// Connection options (each step opens the connections it needs).
    pub opts: &'a mysql::Opts,
    /// The summary.
    pub name: &'a str,
    /// Tuning.
    pub options: &'a CreateOptions,
    /// Cancel and pause.
    pub control: &'a Control,
    /// Progress events.
    pub on_event: &'a mut dyn FnMut(Event),
}

impl<'a> Job<'a> {
    /// The job of one public lifecycle call.
    pub fn new(
        opts: &'a mysql::Opts,
        name: &'a str,
        options: &'a CreateOptions,
        control: &'a Control,
        on_event: &'a mut dyn FnMut(Event),
    ) -> Job<'a> {
        Job {
            opts,
            name,
            options,
            control,
            on_event,
        }
    }

    /// Reports `event`.
    pub fn emit(&mut self, event: Event) {
        (self.on_event)(event);
    }
}

/// Options of `create`, `resume` and `rebuild`.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Longest wait for the table lock per attempt (writers queue behind us meanwhile).
    pub max_lock_wait: Duration,
    /// Lock attempts before giving up.
    pub lock_attempts: u32,
    /// Chunk sizing.
    pub chunk: ChunkPolicy,
    /// Pause the backfill while `SHOW GLOBAL STATUS` variable exceeds the value (e.g. Threads_running=50).
    pub max_load: Option<(String, u64)>,
    /// Slot rows per group for writers (1 = none; views without GROUP BY default to 16).
    pub slots: Option<u16>,
    /// Checkpoint regions of a backfill: an interrupted backfill continues after the last
    /// committed region (0 or 1: the whole table is one region).
    pub checkpoints: u16,
    /// Least time between checkpoints: the regions read meanwhile are merged in memory and
    /// written together (0 = after every region).
    pub checkpoint_every: Duration,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            // Short waits, many attempts: while the request waits every new writer queues behind
            // it (measured: a 500 ms bound stalled writers 502 ms behind a long transaction).
            max_lock_wait: Duration::from_millis(100),
            lock_attempts: 30,
            chunk: ChunkPolicy::Adaptive {
                target: Duration::from_millis(200),
                initial: 1000,
            },
            max_load: None,
            slots: None,
            checkpoints: 16,
            checkpoint_every: Duration::from_secs(10),
        }
    }
}

/// What happens during a lifecycle operation, for progress displays.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Objects are about to be created (`create`), or the new generation's empty tables exist
    /// and its triggers are about to be installed under the lock (`rebuild`).
    Prepared {
        /// Statements that will run, in order.
        statements: Vec<String>,
    },
    /// Waiting for the table lock failed once; retrying.
    LockRetry {
        /// Attempt that failed.
        attempt: u32,
    },
    /// Triggers are live; writers were paused for `lock_ms`.
    Locked {
        /// Writers' pause, ms.
        lock_ms: f64,
        /// Time spent waiting for the lock, ms.
        wait_ms: f64,
    },
    /// Backfill progress after a chunk.
    Progress(Progress),
    /// A region of the backfill is committed: `resume` would continue after it.
    Checkpoint {
        /// Regions committed so far.
        regions_done: u32,
        /// Regions in all.
        regions: u32,
    },
    /// `resume` continues an interrupted backfill from its last checkpoint.
    Resumed {
        /// Regions already committed (skipped).
        regions_done: u32,
        /// Regions in all.
        regions: u32,
        /// Rows in the committed regions.
        rows_done: u64,
    },
    /// The backfill is complete and the triggers stopped tagging regions, under a second brief
    /// lock; writers were paused for `lock_ms`.
    Finalized {
        /// Writers' pause, ms.
        lock_ms: f64,
        /// Time spent waiting for the lock, ms.
        wait_ms: f64,
    },
    /// Backfill paused because the server is loaded.
    Throttled {
        /// Variable checked.
        variable: String,
        /// Its value.
        value: u64,
    },
    /// An object named like one of the summary's was not removed: nothing proves it is ours
    /// (see `ownership`), so it is someone else's.
    LeftAlone {
        /// `table NAME`, `view NAME` or `trigger NAME`.
        object: String,
        /// What is missing from the proof.
        reason: String,
    },
    /// Backfill finished.
    Done {
        /// Rows read.
        rows: u64,
        /// Seconds spent backfilling.
        seconds: f64,
    },
}

/// Shared switches to pause or cancel a running backfill from another thread.
#[derive(Debug, Clone, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    pause: Arc<AtomicBool>,
}

impl Control {
    /// A fresh control.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requests cancellation (the backfill stops after the current chunk).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
    /// Pauses or resumes the backfill.
    pub fn set_paused(&self, paused: bool) {
        self.pause.store(paused, Ordering::SeqCst);
    }
    /// Whether the backfill is paused.
    pub fn is_paused(&self) -> bool {
        self.pause.load(Ordering::SeqCst)
    }
}
