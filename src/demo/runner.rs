//! Plays the demo's [`story`](super::story) without a UI: load the sample
//! data, start the writers, time the report query, create two summaries
//! online while the writes go on, compare, stop the writers and validate.
//!
//! Everything that happens is reported as a [`DemoEvent`] through one
//! callback, so the same run can be printed as text, as JSON lines, or
//! (later) drawn by the TUI. Starting the server is the caller's job; it
//! announces that step with [`Player::begin`] itself, because the server
//! must run before there is a [`Target`] to play on.

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use serde::Serialize;
use std::time::{Duration, Instant};

use super::compare::{timed, Comparer, Comparison, Round};
use super::mix::Mix;
use super::schema::{self, LoadProgress, LoadReport, SampleSize};
use super::story::{self, Step, StepId};
use super::workload::{Tuning, Workload, WorkloadConfig, WorkloadCounters};
use super::{sql, DemoError};
use crate::engine::ident::quote;
use crate::lifecycle::{self, Control, CreateOptions, CreateReport, Event, LifecycleError};

/// The first summary: debits per user.
pub const DEBITS_BY_USER: &str = "debits_by_user";
/// Its query, as an application's report would run it.
pub const DEBITS_QUERY: &str = "SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM transactions WHERE kind = 'debit' GROUP BY user_id";
/// The second summary: per day and kind, with MIN and MAX.
pub const DAILY_KINDS: &str = "daily_kinds";
/// Its query.
pub const DAILY_QUERY: &str = "SELECT DATE(created_at) AS day, kind, COUNT(*) AS n, SUM(amount) AS total, MIN(amount) AS smallest, MAX(amount) AS largest FROM transactions GROUP BY DATE(created_at), kind";

/// The summaries the demo creates, with the step that creates each.
pub const SUMMARIES: [(&str, &str, StepId); 2] = [
    (DEBITS_BY_USER, DEBITS_QUERY, StepId::Create),
    (DAILY_KINDS, DAILY_QUERY, StepId::SecondSummary),
];

/// Where the demo plays: a server and the database to (re)create on it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Connection options for the server (their default database is ignored).
    pub opts: Opts,
    /// The database the demo drops, creates and fills.
    pub database: String,
}

impl Target {
    /// Connection options with the demo database selected.
    pub fn db_opts(&self) -> Opts {
        OptsBuilder::from_opts(self.opts.clone())
            .db_name(Some(self.database.clone()))
            .into()
    }
}

/// How a run goes.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Transactions to load.
    pub rows: u64,
    /// Writer connections.
    pub writers: usize,
    /// Writes per second, all writers together.
    pub ops_per_sec: u32,
    /// Seed of the writers.
    pub seed: u64,
    /// Dwell on each step as long as the story says (autoplay) instead of moving straight on.
    pub dwell: bool,
    /// How long the writers go on once both summaries are ready.
    pub keep_writing: Duration,
    /// Timed runs of the report query before the summary exists.
    pub baseline_rounds: usize,
    /// Comparison rounds per summary.
    pub compare_rounds: usize,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            rows: 1_000_000,
            writers: 4,
            ops_per_sec: 400,
            seed: 42,
            dwell: false,
            keep_writing: Duration::from_secs(3),
            baseline_rounds: 3,
            compare_rounds: 5,
        }
    }
}

/// Facts about the server the demo runs on.
#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    /// Started by the demo (and removed at the end unless kept).
    pub private: bool,
    /// `mariadbd` process id (private servers only).
    pub pid: Option<u32>,
    /// Unix socket (private servers only).
    pub socket: Option<String>,
    /// TCP port on 127.0.0.1 (private servers only).
    pub port: Option<u16>,
    /// The directory holding its data, socket and log (private servers only).
    pub base_dir: Option<String>,
    /// `SELECT VERSION()`.
    pub version: String,
}

/// Something that happened; see the variants.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DemoEvent {
    /// A step of the story begins.
    Step {
        /// 1-based position.
        number: usize,
        /// Steps in all.
        total: usize,
        /// The step.
        step: Step,
    },
    /// The server is up.
    Server(ServerInfo),
    /// Loading progress.
    Loading(LoadProgress),
    /// The sample data is in.
    Loaded(LoadReport),
    /// The writers started.
    WritesStarted {
        /// Connections.
        writers: usize,
        /// Rate and mix.
        tuning: Tuning,
    },
    /// One timed run of the report query, before any summary.
    Baseline {
        /// Time, ms.
        ms: f64,
        /// Rows returned.
        rows: usize,
    },
    /// Progress of a summary's creation.
    Backfill {
        /// The summary.
        summary: String,
        /// The lifecycle's event.
        detail: Event,
    },
    /// A summary is ready.
    Created {
        /// The summary.
        summary: String,
        /// Writers' pause, backfill rows and time.
        report: CreateReport,
    },
    /// The writers' counters, now and then while they run.
    Writes(WorkloadCounters),
    /// One comparison round.
    Compared {
        /// The summary.
        summary: String,
        /// The round.
        round: Round,
    },
    /// All rounds of one summary's comparison.
    Comparison {
        /// The summary.
        summary: String,
        /// Latencies over the rounds, rows, verdict.
        comparison: Comparison,
    },
    /// The writers stopped; final counters.
    WritesStopped(WorkloadCounters),
    /// A summary was validated.
    Validated(SummaryValidation),
    /// The outcome of the whole run (the last event).
    Result(DemoOutcome),
}

/// The validation of one summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryValidation {
    /// The summary.
    pub summary: String,
    /// Every group matches and no problem was found.
    pub exact: bool,
    /// Groups compared.
    pub groups: u64,
    /// Groups that differ.
    pub differing_groups: u64,
    /// Problems besides data.
    pub problems: Vec<String>,
}

/// What one summary did in the demo.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryOutcome {
    /// The summary.
    pub name: String,
    /// Its query.
    pub query: String,
    /// How it was created.
    pub created: CreateReport,
    /// Original query versus summary.
    pub comparison: Comparison,
    /// The final check.
    pub validation: SummaryValidation,
}

/// The result of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct DemoOutcome {
    /// Every summary validated exact and every comparison matched.
    pub exact: bool,
    /// The sample data.
    pub load: LoadReport,
    /// The report query before the summary existed, ms (median).
    pub baseline_ms: f64,
    /// Per summary.
    pub summaries: Vec<SummaryOutcome>,
    /// The writers' final counters.
    pub writes: WorkloadCounters,
}

/// The sample data, loaded: what [`Player::load`] hands to [`Player::play`].
#[derive(Debug)]
pub struct Loaded {
    /// A connection to the demo database (used for the timed reads).
    conn: Conn,
    /// What was loaded.
    pub report: LoadReport,
}

/// Plays the story, one step after the other, reporting every event.
pub struct Player<'a> {
    config: DemoConfig,
    control: Control,
    on_event: &'a mut dyn FnMut(DemoEvent),
}

impl<'a> Player<'a> {
    /// A player; `control` cancels it (Ctrl-C), `on_event` sees everything.
    pub fn new(
        config: DemoConfig,
        control: &Control,
        on_event: &'a mut dyn FnMut(DemoEvent),
    ) -> Player<'a> {
        Player {
            config,
            control: control.clone(),
            on_event,
        }
    }

    /// Reports `event`.
    pub fn emit(&mut self, event: DemoEvent) {
        (self.on_event)(event);
    }

    /// Announces step `id` and, when dwelling, gives the viewer time to read it.
    pub fn begin(&mut self, id: StepId) -> Result<(), DemoError> {
        let step = *story::step(id);
        self.emit(DemoEvent::Step {
            number: story::position(id),
            total: story::STORY.len(),
            step,
        });
        self.dwell(step.read_ms)
    }

    /// Ends step `id`: when dwelling, lingers on its result.
    pub fn end(&mut self, id: StepId) -> Result<(), DemoError> {
        self.dwell(story::step(id).linger_ms)
    }

    fn dwell(&self, ms: u64) -> Result<(), DemoError> {
        if self.config.dwell {
            self.sleep(Duration::from_millis(ms))
        } else {
            self.check()
        }
    }

    /// Sleeps `time`, waking early (with [`DemoError::Cancelled`]) on cancellation.
    fn sleep(&self, time: Duration) -> Result<(), DemoError> {
        let until = Instant::now() + time;
        loop {
            self.check()?;
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(50)));
        }
    }

    fn check(&self) -> Result<(), DemoError> {
        if self.control.is_cancelled() {
            Err(DemoError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Plays the loading step: (re)creates the demo database on `target` and
    /// fills it. The TUI's demo mode takes over after this point.
    pub fn load(&mut self, target: &Target) -> Result<Loaded, DemoError> {
        self.begin(StepId::Load)?;
        let loaded = self.load_data(target)?;
        self.end(StepId::Load)?;
        Ok(loaded)
    }

    /// Plays every step after loading, on the data `loaded` made on `target`,
    /// up to the closing one, which reports the outcome as [`DemoEvent::Result`].
    pub fn play(&mut self, target: &Target, loaded: Loaded) -> Result<DemoOutcome, DemoError> {
        let db_opts = target.db_opts();
        let Loaded {
            mut conn,
            report: load,
        } = loaded;

        self.begin(StepId::Writes)?;
        let size = SampleSize::for_rows(self.config.rows);
        let tuning = Tuning {
            ops_per_sec: self.config.ops_per_sec,
            mix: Mix::default(),
        };
        let workload = Workload::start(
            &db_opts,
            &WorkloadConfig {
                writers: self.config.writers,
                tuning,
                seed: self.config.seed,
                users: size.users,
                max_id: size.transactions,
            },
        )?;
        let writes = workload.handle();
        self.emit(DemoEvent::WritesStarted {
            writers: writes.writers(),
            tuning,
        });
        self.end(StepId::Writes)?;

        self.begin(StepId::SlowQuery)?;
        let mut baseline = super::compare::LatencyStats::default();
        for _ in 0..self.config.baseline_rounds.max(1) {
            let (ms, rows) = sql(timed(&mut conn, DEBITS_QUERY), "timing the report query")?;
            baseline.push(ms);
            self.emit(DemoEvent::Baseline {
                ms,
                rows: rows.len(),
            });
            self.check()?;
        }
        self.end(StepId::SlowQuery)?;

        let mut created = Vec::new();
        for (name, query, step) in SUMMARIES {
            self.begin(step)?;
            let report = self.create(&db_opts, name, query)?;
            self.emit(DemoEvent::Created {
                summary: name.to_string(),
                report: report.clone(),
            });
            created.push(report);
            self.end(step)?;
        }

        self.begin(StepId::KeepWriting)?;
        let until = Instant::now() + self.config.keep_writing;
        while Instant::now() < until {
            self.sleep((until - Instant::now()).min(Duration::from_secs(1)))?;
            self.emit(DemoEvent::Writes(writes.counters()));
        }
        self.end(StepId::KeepWriting)?;

        self.begin(StepId::Compare)?;
        let mut comparisons = Vec::new();
        for (name, query, _) in SUMMARIES {
            let mut comparer = Comparer::new(query, name);
            for _ in 0..self.config.compare_rounds.max(1) {
                let round = comparer.round(&mut conn)?;
                self.emit(DemoEvent::Compared {
                    summary: name.to_string(),
                    round,
                });
                self.check()?;
            }
            let comparison = comparer.comparison();
            self.emit(DemoEvent::Comparison {
                summary: name.to_string(),
                comparison: comparison.clone(),
            });
            comparisons.push(comparison);
        }
        self.end(StepId::Compare)?;

        self.begin(StepId::Validate)?;
        let counters = workload.stop();
        self.emit(DemoEvent::WritesStopped(counters));
        let mut summaries = Vec::new();
        for (((name, query, _), created), comparison) in
            SUMMARIES.into_iter().zip(created).zip(comparisons)
        {
            let report = lifecycle::validate(&db_opts, &target.database, name, 10)?;
            let validation = SummaryValidation {
                summary: name.to_string(),
                exact: report.exact,
                groups: report.groups,
                differing_groups: report.differing_groups,
                problems: report.problems,
            };
            self.emit(DemoEvent::Validated(validation.clone()));
            summaries.push(SummaryOutcome {
                name: name.to_string(),
                query: query.to_string(),
                created,
                comparison,
                validation,
            });
        }
        self.end(StepId::Validate)?;

        let exact = summaries
            .iter()
            .all(|s| s.validation.exact && s.comparison.matches);
        let outcome = DemoOutcome {
            exact,
            load,
            baseline_ms: baseline.latency().median_ms,
            summaries,
            writes: counters,
        };
        // The closing step shows the outcome and lingers on it.
        self.begin(StepId::Done)?;
        self.emit(DemoEvent::Result(outcome.clone()));
        self.end(StepId::Done)?;
        Ok(outcome)
    }

    /// (Re)creates the demo database and loads the sample data; returns a
    /// connection to it for the timings.
    fn load_data(&mut self, target: &Target) -> Result<Loaded, DemoError> {
        let mut admin = sql(Conn::new(target.opts.clone()), "connecting to the server")?;
        let db = quote(&target.database);
        sql(
            admin.query_drop(format!("DROP DATABASE IF EXISTS {db}")),
            "dropping the old demo database",
        )?;
        sql(
            admin.query_drop(format!(
                "CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            )),
            "creating the demo database",
        )?;
        let mut conn = sql(
            Conn::new(target.db_opts()),
            "connecting to the demo database",
        )?;
        let size = SampleSize::for_rows(self.config.rows);
        let on_event = &mut *self.on_event;
        let load = schema::load(&mut conn, size, &mut |p| on_event(DemoEvent::Loading(p)))?;
        self.emit(DemoEvent::Loaded(load));
        Ok(Loaded { conn, report: load })
    }

    /// Creates one summary online, forwarding the lifecycle's progress.
    fn create(&mut self, opts: &Opts, name: &str, query: &str) -> Result<CreateReport, DemoError> {
        let on_event = &mut *self.on_event;
        let result = lifecycle::create(
            opts,
            name,
            query,
            &CreateOptions::default(),
            &self.control,
            &mut |detail| {
                on_event(DemoEvent::Backfill {
                    summary: name.to_string(),
                    detail,
                })
            },
        );
        match result {
            Ok(report) => Ok(report),
            Err(LifecycleError::Cancelled(_)) => Err(DemoError::Cancelled),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse::parse;

    #[test]
    fn the_demo_queries_are_summarisable_shapes() {
        for (_, query, _) in SUMMARIES {
            assert!(parse(query).is_ok(), "{query}");
        }
    }

    #[test]
    fn events_serialise_with_a_tag() {
        let event = DemoEvent::Baseline { ms: 1.5, rows: 3 };
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["event"], "baseline");
        let step = DemoEvent::Step {
            number: 1,
            total: 10,
            step: *story::step(StepId::Server),
        };
        let json = serde_json::to_value(&step).unwrap_or_default();
        assert_eq!(json["step"]["id"], "server");
    }

    #[test]
    fn dwelling_is_cancellable() {
        let control = Control::new();
        control.cancel();
        let mut sink = |_e: DemoEvent| {};
        let config = DemoConfig {
            dwell: true,
            ..DemoConfig::default()
        };
        let mut player = Player::new(config, &control, &mut sink);
        let started = Instant::now();
        assert!(matches!(
            player.begin(StepId::Load),
            Err(DemoError::Cancelled)
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
