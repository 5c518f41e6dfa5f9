//! The demo: a sample application schema, a tunable write workload, a
//! side-by-side comparison of a query with its summary, and the story that
//! ties them together.
//!
//! * [`schema`] creates `users` and `transactions` and fills them fast.
//! * [`mix`] draws the writes (inserts, updates, deletes, group moves) and
//!   [`workload`] runs them on several connections, retunable and stoppable
//!   from another thread.
//! * [`compare`] times the original query against `SELECT * FROM summary`
//!   and checks from the real results that they match.
//! * [`story`] is the list of steps with their explanations (shared with the
//!   TUI's guided tour); [`runner`] plays it without a UI, reporting through
//!   [`runner::DemoEvent`]s that `lightning demo` renders as text or JSON.
//!
//! Nothing here starts a server: the caller hands a [`runner::Target`]
//! (usually a [`crate::db::server::PrivateServer`]).

pub mod compare;
pub mod mix;
pub mod runner;
pub mod schema;
pub mod story;
pub mod workload;

use crate::lifecycle::LifecycleError;

/// The database the demo works in, on a private server and with `--url` alike.
pub const DEMO_DATABASE: &str = "lightning_demo";

/// Failures of the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A statement failed.
    #[error("{context}: {source}")]
    Sql {
        /// What the demo was doing.
        context: String,
        /// The server's error.
        #[source]
        source: mysql::Error,
    },
    /// Creating or validating a summary failed.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A writer thread could not be started.
    #[error("starting a writer thread: {0}")]
    Thread(#[source] std::io::Error),
    /// Stopped by the user (Ctrl-C).
    #[error("the demo was cancelled")]
    Cancelled,
}

/// Adds `context` to a server error.
pub(crate) fn sql<T>(result: Result<T, mysql::Error>, context: &str) -> Result<T, DemoError> {
    result.map_err(|source| DemoError::Sql {
        context: context.to_string(),
        source,
    })
}
