//! The messages between the demo dashboard and the demo worker.

use crate::demo::runner::DemoEvent;
use crate::demo::workload::Tuning;
use crate::tui::worker::Failure;

/// What the dashboard asks the demo worker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum DemoRequest {
    /// Start the writers.
    StartWrites,
    /// Change their rate and mix (rate 0 pauses them).
    Retune(Tuning),
    /// Stop the writers (final counters follow).
    StopWrites,
    /// Time the report query `rounds` times on the base table.
    Baseline {
        /// Runs.
        rounds: usize,
    },
    /// Create a summary online (progress follows).
    Create {
        /// The summary.
        name: String,
        /// Its query.
        query: String,
    },
    /// Compare the summary with its query again and again from now on.
    Watch {
        /// The summary.
        name: String,
        /// Its query.
        query: String,
    },
    /// Validate these summaries, group by group.
    Validate {
        /// The summaries.
        names: Vec<String>,
    },
}

/// What the demo worker reports.
#[derive(Debug, Clone)]
pub enum DemoReply {
    /// Something of the story happened (the headless demo's events).
    Event(DemoEvent),
    /// A summary is ready.
    Created {
        /// The summary.
        summary: String,
        /// How it went.
        built: Built,
    },
    /// Totals read from a summary, to see it change under the writes.
    Totals {
        /// The summary.
        summary: String,
        /// `SUM(n)`.
        n: String,
        /// `SUM(total)`.
        total: String,
    },
    /// A task of the story failed.
    Failed(Failure),
    /// A writer hit an unexpected error (the writes go on).
    WriterError(String),
}

/// A summary's creation, as the dashboard shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Built {
    /// Rows backfilled.
    pub rows: u64,
    /// Seconds backfilling.
    pub backfill_secs: f64,
    /// The writers' pause, ms.
    pub lock_ms: f64,
}
