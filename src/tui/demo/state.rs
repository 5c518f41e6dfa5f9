//! The demo dashboard's state: where the story is, what each step's work
//! has produced, and the writers' tuning. Pure: time, keys and the demo
//! worker's replies go in, [`Command`]s come out.
//!
//! Each step of [`STORY`] has work (start the writers, time the query,
//! create a summary, ...). Interactively, entering a step starts its work
//! and the user moves on when it is done. With autoplay every step reads
//! (`read_ms`), works, lingers (`linger_ms`) and moves on by itself, and the
//! last step ends the program, so a recording always plays the same way.

use super::protocol::{Built, DemoReply, DemoRequest};
use crate::demo::compare::Comparison;
use crate::demo::mix::Mix;
use crate::demo::runner::{DemoEvent, SummaryValidation, SUMMARIES};
use crate::demo::schema::LoadReport;
use crate::demo::story::{StepId, STORY};
use crate::demo::workload::{Tuning, WorkloadCounters};
use crate::lifecycle::{Event, Progress};
use std::time::{Duration, Instant};

/// Writes per second the rate keys step through.
pub const RATES: [u32; 9] = [25, 50, 100, 200, 400, 800, 1600, 3200, 6400];
/// How long the "writes go on" step lets them run.
pub const KEEP_WRITING: Duration = Duration::from_secs(3);
/// Comparison rounds per summary the compare step waits for.
pub const COMPARE_ROUNDS: usize = 3;
/// Timed runs of the report query.
pub const BASELINE_ROUNDS: usize = 3;
/// How long autoplay shows a failure before it ends.
pub const FAILURE_LINGER: Duration = Duration::from_secs(4);

/// The mixes `m` cycles through (names in `strings::demo::MIX_NAMES`).
pub fn mixes() -> [Mix; 4] {
    [
        Mix::default(),
        Mix {
            insert: 80,
            update: 10,
            moves: 5,
            delete: 5,
        },
        Mix {
            insert: 20,
            update: 60,
            moves: 15,
            delete: 5,
        },
        Mix {
            insert: 30,
            update: 15,
            moves: 10,
            delete: 45,
        },
    ]
}

/// What the command line hands to the demo mode.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSetup {
    /// The demo database.
    pub database: String,
    /// The loaded sample data.
    pub load: LoadReport,
    /// Writer connections.
    pub writers: usize,
    /// Writes per second at the start.
    pub ops_per_sec: u32,
    /// Seed of the writers.
    pub seed: u64,
    /// Play by itself and exit at the end.
    pub autoplay: bool,
}

/// Where the current step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Autoplay: the viewer reads the step until then.
    Reading(Instant),
    /// The step's work runs (since then).
    Working(Instant),
    /// Autoplay: the result stays on screen until then.
    Lingering(Instant),
    /// Interactive: done, waiting for the user.
    Ready,
}

/// The current step's work is not finished yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the current step is still running")]
pub struct StillWorking;

/// What the application should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Send this to the demo worker.
    Send(DemoRequest),
    /// Leave the program (autoplay's end).
    Quit,
}

/// One summary of the demo, as far as it got.
#[derive(Debug, Clone, Default)]
pub struct SummaryView {
    /// Its name.
    pub name: String,
    /// Its query.
    pub query: String,
    /// The statements its creation runs (triggers among them).
    pub statements: Vec<String>,
    /// Writers' pause while the triggers went in, ms.
    pub lock_ms: Option<f64>,
    /// Backfill progress.
    pub progress: Option<Progress>,
    /// Its creation, once ready.
    pub created: Option<Built>,
    /// The live comparison with its query.
    pub comparison: Option<Comparison>,
    /// `SUM(n)` and `SUM(total)` read from it.
    pub totals: Option<(String, String)>,
    /// Its validation.
    pub validation: Option<SummaryValidation>,
}

/// The dashboard's state.
#[derive(Debug, Clone)]
pub struct DemoState {
    /// What the command line gave.
    pub setup: DemoSetup,
    /// Index into [`STORY`].
    pub step: usize,
    /// Where that step is.
    pub phase: Phase,
    /// Steps move on by themselves.
    pub autoplay: bool,
    /// The writers' rate and mix.
    pub tuning: Tuning,
    /// The rate to go back to when writes are switched on again.
    pub resume_rate: Option<u32>,
    /// Index into [`mixes`].
    pub mix: usize,
    /// Writers connected (0 before they start).
    pub writers: usize,
    /// The writers run (stopped for validation at the end).
    pub writing: bool,
    /// Their counters.
    pub counters: WorkloadCounters,
    /// Writes per second, measured between the last two counter reports.
    pub rate_now: f64,
    /// Timed runs of the report query: ms and rows.
    pub baseline: Vec<(f64, usize)>,
    /// The summaries, in story order.
    pub summaries: Vec<SummaryView>,
    /// A failed task, if any.
    pub failure: Option<String>,
    /// The last unexpected writer error, if any.
    pub writer_error: Option<String>,
    /// The dashboard is shown (otherwise the usual panes).
    pub dashboard: bool,
    /// Autoplay reached the end.
    pub finished: bool,
}

impl DemoState {
    /// The state right after loading (the story continues from there).
    pub fn new(setup: DemoSetup, now: Instant) -> DemoState {
        let step = STORY.iter().position(|s| s.id == StepId::Load).unwrap_or(0);
        let phase = if setup.autoplay {
            Phase::Lingering(now + Duration::from_millis(STORY[step].linger_ms))
        } else {
            Phase::Ready
        };
        DemoState {
            tuning: Tuning {
                ops_per_sec: setup.ops_per_sec,
                mix: Mix::default(),
            },
            autoplay: setup.autoplay,
            setup,
            step,
            phase,
            resume_rate: None,
            mix: 0,
            writers: 0,
            writing: false,
            counters: WorkloadCounters::default(),
            rate_now: 0.0,
            baseline: Vec::new(),
            summaries: SUMMARIES
                .iter()
                .map(|(name, query, _)| SummaryView {
                    name: name.to_string(),
                    query: query.to_string(),
                    ..SummaryView::default()
                })
                .collect(),
            failure: None,
            writer_error: None,
            dashboard: true,
            finished: false,
        }
    }

    /// The current step's id.
    pub fn step_id(&self) -> StepId {
        STORY.get(self.step).map_or(StepId::Done, |s| s.id)
    }

    fn last(&self) -> bool {
        self.step + 1 >= STORY.len()
    }

    /// The summary of `name`.
    pub fn summary_mut(&mut self, name: &str) -> Option<&mut SummaryView> {
        self.summaries.iter_mut().find(|s| s.name == name)
    }

    fn enter(&mut self, step: usize, now: Instant) -> Vec<Command> {
        self.step = step.min(STORY.len().saturating_sub(1));
        if self.autoplay {
            self.phase = Phase::Reading(now + Duration::from_millis(STORY[self.step].read_ms));
            Vec::new()
        } else {
            self.start_work(now)
        }
    }

    fn start_work(&mut self, now: Instant) -> Vec<Command> {
        self.phase = Phase::Working(now);
        let send = |r| vec![Command::Send(r)];
        let create = |i: usize| {
            let (name, query, _) = SUMMARIES[i];
            send(DemoRequest::Create {
                name: name.to_string(),
                query: query.to_string(),
            })
        };
        let out = match self.step_id() {
            StepId::Writes => send(DemoRequest::StartWrites),
            StepId::SlowQuery => send(DemoRequest::Baseline {
                rounds: BASELINE_ROUNDS,
            }),
            StepId::Create => create(0),
            StepId::SecondSummary => create(1),
            StepId::Validate => vec![
                Command::Send(DemoRequest::StopWrites),
                Command::Send(DemoRequest::Validate {
                    names: self.summaries.iter().map(|s| s.name.clone()).collect(),
                }),
            ],
            _ => Vec::new(),
        };
        self.check_done(now);
        out
    }

    /// Whether the current step's work is done.
    pub fn work_done(&self, now: Instant) -> bool {
        let since = match self.phase {
            Phase::Working(since) => since,
            _ => return true,
        };
        let summary = |i: usize| self.summaries.get(i);
        match self.step_id() {
            StepId::Server | StepId::Load | StepId::Done => true,
            StepId::Writes => self.writing,
            StepId::SlowQuery => self.baseline.len() >= BASELINE_ROUNDS,
            StepId::Create => summary(0).is_some_and(|s| s.created.is_some()),
            StepId::SecondSummary => summary(1).is_some_and(|s| s.created.is_some()),
            StepId::KeepWriting => now.saturating_duration_since(since) >= KEEP_WRITING,
            StepId::Compare => self.summaries.iter().all(|s| {
                s.comparison
                    .as_ref()
                    .is_some_and(|c| c.original.samples >= COMPARE_ROUNDS)
            }),
            StepId::Validate => self.summaries.iter().all(|s| s.validation.is_some()),
        }
    }

    fn check_done(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Working(_)) && self.work_done(now) {
            self.phase = if self.autoplay {
                Phase::Lingering(now + Duration::from_millis(STORY[self.step].linger_ms))
            } else {
                Phase::Ready
            };
        }
    }

    /// Time passed.
    pub fn tick(&mut self, now: Instant) -> Vec<Command> {
        match self.phase {
            Phase::Reading(until) if now >= until => self.start_work(now),
            Phase::Working(_) => {
                self.check_done(now);
                Vec::new()
            }
            Phase::Lingering(until) if now >= until => {
                if self.last() || self.failure.is_some() && self.autoplay {
                    self.finished = true;
                    vec![Command::Quit]
                } else {
                    self.enter(self.step + 1, now)
                }
            }
            _ => Vec::new(),
        }
    }

    /// The user asks for the next step; refused while the current one works.
    pub fn next(&mut self, now: Instant) -> Result<Vec<Command>, StillWorking> {
        match self.phase {
            Phase::Reading(_) => Ok(self.start_work(now)),
            Phase::Working(_) => Err(StillWorking),
            Phase::Ready | Phase::Lingering(_) if !self.last() => {
                Ok(self.enter(self.step + 1, now))
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Switches autoplay on or off.
    pub fn toggle_autoplay(&mut self, now: Instant) {
        self.autoplay = !self.autoplay;
        match (self.autoplay, self.phase) {
            (true, Phase::Ready) => self.phase = Phase::Lingering(now),
            (false, Phase::Lingering(_)) => self.phase = Phase::Ready,
            _ => {}
        }
    }

    fn retune(&self) -> Vec<Command> {
        if self.writing {
            vec![Command::Send(DemoRequest::Retune(self.tuning))]
        } else {
            Vec::new()
        }
    }

    /// Pauses or resumes the writers.
    pub fn toggle_writes(&mut self) -> Vec<Command> {
        match self.resume_rate.take() {
            Some(rate) => self.tuning.ops_per_sec = rate,
            None => {
                self.resume_rate = Some(self.tuning.ops_per_sec.max(RATES[0]));
                self.tuning.ops_per_sec = 0;
            }
        }
        self.retune()
    }

    /// Faster (`up`) or slower writes.
    pub fn change_rate(&mut self, up: bool) -> Vec<Command> {
        let current = self.resume_rate.take().unwrap_or(self.tuning.ops_per_sec);
        let next = if up {
            RATES.iter().copied().find(|r| *r > current)
        } else {
            RATES.iter().rev().copied().find(|r| *r < current)
        };
        self.tuning.ops_per_sec = next.unwrap_or(current);
        self.retune()
    }

    /// The next mix of writes.
    pub fn next_mix(&mut self) -> Vec<Command> {
        self.mix = (self.mix + 1) % mixes().len();
        self.tuning.mix = mixes()[self.mix];
        self.retune()
    }

    /// A reply of the demo worker.
    pub fn on_reply(&mut self, reply: DemoReply, now: Instant) -> Vec<Command> {
        let mut out = Vec::new();
        match reply {
            DemoReply::Event(event) => out = self.on_event(event),
            DemoReply::Created { summary, built } => {
                if let Some(s) = self.summary_mut(&summary) {
                    s.lock_ms = Some(built.lock_ms);
                    s.created = Some(built);
                    let (name, query) = (s.name.clone(), s.query.clone());
                    out.push(Command::Send(DemoRequest::Watch { name, query }));
                }
            }
            DemoReply::Totals { summary, n, total } => {
                if let Some(s) = self.summary_mut(&summary) {
                    s.totals = Some((n, total));
                }
            }
            DemoReply::Failed(failure) => {
                self.failure = Some(failure.to_string());
                if self.autoplay {
                    self.step = STORY.len().saturating_sub(1);
                    self.phase = Phase::Lingering(now + FAILURE_LINGER);
                } else {
                    self.phase = Phase::Ready;
                }
            }
            DemoReply::WriterError(message) => self.writer_error = Some(message),
        }
        self.check_done(now);
        out
    }

    fn on_event(&mut self, event: DemoEvent) -> Vec<Command> {
        match event {
            DemoEvent::WritesStarted { writers, tuning } => {
                self.writers = writers;
                self.writing = true;
                // Tuning changed before the writers started applies now.
                if tuning != self.tuning {
                    return self.retune();
                }
            }
            DemoEvent::Writes(c) => {
                let dt = c.elapsed_secs - self.counters.elapsed_secs;
                if dt > 0.0 {
                    self.rate_now = c.total().saturating_sub(self.counters.total()) as f64 / dt;
                }
                self.counters = c;
            }
            DemoEvent::WritesStopped(c) => {
                self.counters = c;
                self.writing = false;
                self.rate_now = 0.0;
            }
            DemoEvent::Baseline { ms, rows } => self.baseline.push((ms, rows)),
            DemoEvent::Backfill { summary, detail } => {
                if let Some(s) = self.summary_mut(&summary) {
                    match detail {
                        Event::Prepared { statements } => s.statements = statements,
                        Event::Locked { lock_ms, .. } => s.lock_ms = Some(lock_ms),
                        Event::Progress(p) => s.progress = Some(p),
                        _ => {}
                    }
                }
            }
            DemoEvent::Comparison {
                summary,
                comparison,
            } => {
                if let Some(s) = self.summary_mut(&summary) {
                    s.comparison = Some(comparison);
                }
            }
            DemoEvent::Validated(v) => {
                if let Some(s) = self.summary_mut(&v.summary.clone()) {
                    s.validation = Some(v);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// What the demo showed, one line per summary, for the terminal after
    /// the dashboard closes.
    pub fn outcome_lines(&self) -> Vec<String> {
        self.summaries
            .iter()
            .filter(|s| s.created.is_some())
            .map(|s| {
                crate::tui::strings::demo::outcome(
                    &s.name,
                    s.lock_ms,
                    s.comparison.as_ref().map(|c| c.speedup),
                    s.validation.as_ref().map(|v| v.exact),
                )
            })
            .chain(
                self.failure
                    .iter()
                    .map(|f| crate::tui::strings::demo::failed(f)),
            )
            .collect()
    }

    /// The exit status: 1 after a failure or a summary found inexact,
    /// 0 otherwise (also when the user leaves early).
    pub fn exit_code(&self) -> i32 {
        let inexact = self.summaries.iter().any(|s| {
            s.validation.as_ref().is_some_and(|v| !v.exact)
                || s.comparison.as_ref().is_some_and(|c| !c.matches)
        });
        i32::from(self.failure.is_some() || inexact)
    }
}
