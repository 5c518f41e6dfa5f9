//! `lightning bench`: what summaries cost writers and what they save readers, measured on a
//! private server in one run.
//!
//! Sections (each a file):
//! * [`workloads`] — write throughput with no triggers (A), our triggers (B) and hand-written
//!   original-style triggers ([`original`], C), variants interleaved, medians over rounds;
//! * [`costs`] — per-statement execution cost and handler counts inside one transaction (no
//!   commit cost), the evidence for where trigger time goes, including alternative trigger SQL
//!   ([`alt`]);
//! * [`pause`] — writers' latency while `create` holds its brief lock on a large table;
//! * [`backfill`] — backfill rate against the best single `INSERT … SELECT`, with writers and with
//!   a long transaction holding a row lock;
//! * [`reads`] — reading one group and the whole summary against the original `GROUP BY`;
//! * `frames` — one frame of the terminal UI at 160×48 (no server), measured in the UI layer
//!   (`lightning bench` runs it; the UI sits above this layer), only its flag lives here.
//!
//! [`report`] renders the figures as a table of ratios and as JSON.

pub mod backfill;
pub mod costs;
pub mod data;
pub mod distinct;
pub mod driver;
pub mod machine;
pub mod pause;
pub mod reads;
pub mod report;
pub mod research;
pub mod setup;
pub mod stats;
pub mod workloads;

use std::io::Write;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};

use crate::db::server::{PrivateServer, ServerError, ServerOptions};
use crate::lifecycle::LifecycleError;

/// The database the benchmark works in, on its private server.
pub const DATABASE: &str = "bench";

/// The summarized query of the write-path and read workloads (`{table}` is replaced).
pub const GROUPED_QUERY: &str =
    "SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM {table} GROUP BY user_id";

/// The summarized query without GROUP BY (`{table}` is replaced).
pub const NO_GROUP_QUERY: &str = "SELECT COUNT(*) AS n, SUM(amount) AS total FROM {table}";

/// `query` with its `{table}` placeholder replaced.
pub fn query_for(query: &str, table: &str) -> String {
    query.replace("{table}", table)
}

/// Failures of the benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The private server could not be started or stopped.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// A statement failed.
    #[error("{context}: {source}")]
    Sql {
        /// What the benchmark was doing.
        context: String,
        /// The server's error.
        #[source]
        source: mysql::Error,
    },
    /// Creating or dropping a summary failed.
    #[error("{context}: {source}")]
    Lifecycle {
        /// What the benchmark was doing.
        context: String,
        /// The lifecycle error.
        #[source]
        source: LifecycleError,
    },
    /// Writing the report failed.
    #[error("{context}: {source}")]
    Io {
        /// What the benchmark was doing.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A workload could not run (every statement failed, or a client thread died).
    #[error("{0}")]
    Workload(String),
}

/// Adds context to a server error.
pub fn sql<T>(r: Result<T, mysql::Error>, context: &str) -> Result<T, BenchError> {
    r.map_err(|source| BenchError::Sql {
        context: context.to_string(),
        source,
    })
}

/// Runs one statement, adding the statement's first line as context on failure.
pub fn exec(conn: &mut Conn, statement: &str) -> Result<(), BenchError> {
    let first = statement.lines().next().unwrap_or("");
    let shown: String = first.chars().take(120).collect();
    sql(conn.query_drop(statement), &format!("running `{shown}`"))
}

/// Adds context to a lifecycle error.
pub fn lifecycle<T>(r: Result<T, LifecycleError>, context: &str) -> Result<T, BenchError> {
    r.map_err(|source| BenchError::Lifecycle {
        context: context.to_string(),
        source,
    })
}

/// A `--sections` name that names no section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown section {0:?}; expected writes, costs, pause, backfill, reads, distinct or frames"
)]
pub struct UnknownSection(pub String);

/// Which sections to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sections {
    /// Write-path throughput (section 1).
    pub writes: bool,
    /// Per-statement costs and handler counts (section 1b).
    pub costs: bool,
    /// Writers' pause during `create` (section 2).
    pub pause: bool,
    /// Backfill rate (section 3).
    pub backfill: bool,
    /// Read latency (section 4).
    pub reads: bool,
    /// The terminal UI's frame time (no server).
    pub frames: bool,
    /// A COUNT(DISTINCT) summary's write cost and reads (section 5).
    pub distinct: bool,
}

impl Sections {
    /// Every section.
    pub const ALL: Sections = Sections {
        writes: true,
        costs: true,
        pause: true,
        backfill: true,
        reads: true,
        frames: true,
        distinct: true,
    };

    /// Parses a comma-separated list of section names
    /// (`writes,costs,pause,backfill,reads,distinct,frames`).
    pub fn parse(list: &str) -> Result<Sections, UnknownSection> {
        let mut s = Sections {
            writes: false,
            costs: false,
            pause: false,
            backfill: false,
            reads: false,
            frames: false,
            distinct: false,
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "writes" => s.writes = true,
                "costs" => s.costs = true,
                "pause" => s.pause = true,
                "backfill" => s.backfill = true,
                "reads" => s.reads = true,
                "frames" => s.frames = true,
                "distinct" => s.distinct = true,
                other => return Err(UnknownSection(other.to_string())),
            }
        }
        Ok(s)
    }

    /// Whether a section needs the private server (every one but `frames`).
    pub fn need_server(&self) -> bool {
        self.writes || self.costs || self.pause || self.backfill || self.reads || self.distinct
    }

    /// Whether a section needs the large table.
    pub fn need_big_table(&self) -> bool {
        self.pause || self.backfill || self.reads
    }
}

/// What to measure and how long.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchConfig {
    /// `--quick` was given (shorter measurements, smaller tables).
    pub quick: bool,
    /// Rounds; every figure is the median over rounds.
    pub rounds: usize,
    /// Measured time per write-path measurement.
    pub duration: Duration,
    /// Warm-up before each write-path measurement.
    pub warmup: Duration,
    /// Rows of the large table (pause, backfill, reads, distinct).
    pub rows: u64,
    /// Initial rows of each write-path table.
    pub table_rows: u64,
    /// Distinct `user_id` values.
    pub users: u32,
    /// `innodb_flush_log_at_trx_commit` of the private server (1 = durable commits).
    pub flush_log_at_trx_commit: u8,
    /// Also run the experimental trigger variants in the write-path section.
    pub experiments: bool,
    /// The sections to run.
    pub sections: Sections,
    /// Statements per variant in the per-statement cost section.
    pub cost_statements: usize,
    /// How long the long transaction of the pause and backfill sections stays open.
    pub hold: Duration,
}

impl BenchConfig {
    /// Defaults of a full run (`quick = false`) or of `--quick`.
    pub fn new(quick: bool) -> Self {
        BenchConfig {
            quick,
            rounds: if quick { 3 } else { 7 },
            duration: Duration::from_millis(1000),
            warmup: Duration::from_millis(if quick { 250 } else { 300 }),
            rows: if quick { 200_000 } else { 1_000_000 },
            table_rows: if quick { 50_000 } else { 200_000 },
            users: 10_000,
            flush_log_at_trx_commit: 1,
            experiments: false,
            sections: Sections::ALL,
            cost_statements: if quick { 1000 } else { 3000 },
            hold: Duration::from_secs(3),
        }
    }

    /// The window writers' latency is compared over before and after an event in the pause and
    /// backfill sections: the measurement duration, at least 0.2 s.
    pub fn window(&self) -> Duration {
        self.duration.max(Duration::from_millis(200))
    }

    /// Rounds of the large-table sections (pause, backfill, reads): at most 3, they are slow.
    pub fn big_rounds(&self) -> usize {
        self.rounds.clamp(1, 3)
    }

    /// Server arguments of the benchmark's private server.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            format!(
                "--innodb-flush-log-at-trx-commit={}",
                self.flush_log_at_trx_commit
            ),
            "--innodb-buffer-pool-size=1G".into(),
            // The launcher's default is --skip-log-bin: no binary log, so sync_binlog is moot.
            "--sync-binlog=0".into(),
        ]
    }
}

/// Progress lines (to stderr in the CLI).
pub type Log<'a> = &'a mut dyn FnMut(&str);

/// Starts the private server, prepares the data and runs the selected sections.
pub fn run(config: &BenchConfig, log: Log<'_>) -> Result<report::BenchReport, BenchError> {
    log("starting a private MariaDB server");
    let server = PrivateServer::start_with(ServerOptions {
        extra_args: config.server_args(),
        ..Default::default()
    })?;
    let mut admin = server.conn()?;
    exec(&mut admin, &format!("CREATE DATABASE `{DATABASE}`"))?;
    let opts: Opts = server.opts_for_db(DATABASE);
    let mut conn = sql(
        Conn::new(opts.clone()),
        "connecting to the benchmark database",
    )?;
    let machine = machine::describe(&mut conn, config)?;
    let mut report = report::BenchReport::new(config.clone(), machine);

    let data_dir = server.data_dir().to_path_buf();
    let probe =
        |report: &mut report::BenchReport, before: &str, log: Log<'_>| match machine::fsync_probe(
            &data_dir, before, 30,
        ) {
            Ok(p) => {
                log(&format!(
                    "disk flush latency before {before}: p50 {:.2} ms, p90 {:.2} ms",
                    p.p50_ms, p.p90_ms
                ));
                report.fsync_probes.push(p);
            }
            Err(e) => log(&format!("disk flush probe failed: {e}")),
        };
    // A failing section is reported and the others still run: a long run is not lost to one error.
    let failed = |report: &mut report::BenchReport, section: &str, e: BenchError, log: Log<'_>| {
        log(&format!("{section} failed: {e}"));
        report.errors.push(format!("{section}: {e}"));
    };
    let tables = if config.sections.writes || config.sections.costs {
        setup::prepare(&mut conn, &opts, config, log)
    } else {
        Ok(())
    };
    match tables {
        Err(e) => failed(&mut report, "write-path tables", e, log),
        Ok(()) => {
            if config.sections.writes {
                probe(&mut report, "writes", log);
                match workloads::run(&mut conn, &opts, config, log) {
                    Ok(r) => report.writes = Some(r),
                    Err(e) => failed(&mut report, "writes", e, log),
                }
            }
            if config.sections.costs {
                match costs::run(&mut conn, config, log) {
                    Ok(r) => report.costs = Some(r),
                    Err(e) => failed(&mut report, "costs", e, log),
                }
            }
        }
    }
    if config.sections.need_big_table() {
        log(&format!("loading {} rows into tx_big", config.rows));
        data::create_tx(&mut conn, data::BIG)?;
        data::fill(&mut conn, data::BIG, config.rows, config.users, 7)?;
        exec(&mut conn, &format!("ANALYZE TABLE {}", data::BIG))?;
    }
    if config.sections.pause {
        probe(&mut report, "pause", log);
        match pause::run(&opts, config, log) {
            Ok(r) => report.pause = Some(r),
            Err(e) => failed(&mut report, "pause", e, log),
        }
    }
    if config.sections.backfill {
        probe(&mut report, "backfill", log);
        match backfill::run(&mut conn, &opts, config, log) {
            Ok(r) => report.backfill = Some(r),
            Err(e) => failed(&mut report, "backfill", e, log),
        }
    }
    if config.sections.reads {
        probe(&mut report, "reads", log);
        match reads::run(&mut conn, &opts, config, log) {
            Ok(r) => report.reads = Some(r),
            Err(e) => failed(&mut report, "reads", e, log),
        }
    }
    if config.sections.distinct {
        probe(&mut report, "distinct", log);
        match distinct::run(&mut conn, &opts, config, log) {
            Ok(r) => report.distinct = Some(r),
            Err(e) => failed(&mut report, "distinct", e, log),
        }
    }
    drop(conn);
    drop(admin);
    drop(server);
    Ok(report)
}

/// Writes `text` to `out`, mapping the error.
pub fn write_out(out: &mut dyn Write, text: &str) -> Result<(), BenchError> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| BenchError::Io {
            context: "writing the report".into(),
            source,
        })
}
