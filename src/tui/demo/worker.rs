//! The demo worker: background threads that run the demo's writers, time
//! the report query, create and validate the summaries and compare each
//! summary with its query again and again, reporting over a channel. It
//! reuses [`crate::demo`]'s workload, comparer and lifecycle calls, so the
//! dashboard shows exactly what the headless demo measures.

use super::protocol::{Built, DemoReply, DemoRequest};
use crate::demo::compare::{timed, Comparer};
use crate::demo::runner::{DemoEvent, SummaryValidation, DEBITS_QUERY};
use crate::demo::workload::{Tuning, Workload, WorkloadConfig};
use crate::engine::ident::quote;
use crate::lifecycle::{self, Control, CreateOptions, LifecycleError};
use crate::tui::errors;
use crate::tui::worker::Failure;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the writers' counters are reported.
const COUNTERS_EVERY: Duration = Duration::from_millis(500);
/// Pause between two comparison rounds.
const COMPARE_PAUSE: Duration = Duration::from_millis(300);
/// Most differing groups a validation lists.
const MAX_DIFFERENCES: usize = 10;

/// How the writers start.
#[derive(Debug, Clone)]
pub struct WriterSettings {
    /// Writer connections.
    pub writers: usize,
    /// Rate and mix at the start.
    pub tuning: Tuning,
    /// Seed of the writers.
    pub seed: u64,
    /// Users in the sample data.
    pub users: u64,
    /// Highest transaction id in the sample data.
    pub max_id: u64,
}

/// The dashboard's handle on the demo worker. Dropping it stops the
/// writers and waits for them.
#[derive(Debug)]
pub struct DemoWorker {
    requests: Option<Sender<DemoRequest>>,
    replies: Receiver<DemoReply>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DemoWorker {
    /// Starts the worker on the demo database `opts` names (its default
    /// database); `database` names it for the lifecycle calls.
    pub fn start(opts: Opts, database: String, writers: WriterSettings) -> DemoWorker {
        let (requests, rx) = mpsc::channel();
        let (tx, replies) = mpsc::channel();
        // Without a thread nothing answers; the dashboard shows the step as running.
        let thread = std::thread::Builder::new()
            .name("lightning-demo".into())
            .spawn(move || dispatch(opts, database, writers, rx, tx))
            .ok();
        DemoWorker {
            requests: Some(requests),
            replies,
            thread,
        }
    }

    /// Queues a request (dropped if the worker is gone).
    pub fn send(&self, request: DemoRequest) {
        if let Some(r) = &self.requests {
            let _ = r.send(request);
        }
    }

    /// The next reply, if one is ready.
    pub fn try_recv(&self) -> Option<DemoReply> {
        self.replies.try_recv().ok()
    }
}

impl Drop for DemoWorker {
    fn drop(&mut self) {
        // Closing the channel ends the dispatcher, which stops the writers.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the worker's threads share.
#[derive(Clone)]
struct Shared {
    opts: Opts,
    database: String,
    out: Sender<DemoReply>,
    /// Cancels creations and ends the comparison loop.
    control: Control,
    stop: Arc<AtomicBool>,
    watched: Arc<Mutex<Vec<(String, String)>>>,
}

impl Shared {
    fn reply(&self, reply: DemoReply) {
        let _ = self.out.send(reply);
    }

    fn event(&self, event: DemoEvent) {
        self.reply(DemoReply::Event(event));
    }

    /// Runs `task` on a thread of its own; a panic becomes a failure.
    fn spawn(
        &self,
        name: &str,
        task: impl FnOnce(&Shared) -> Result<(), Failure> + Send + 'static,
    ) {
        let shared = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("lightning-demo-{name}"))
            .spawn(move || {
                let result = errors::catch(|| task(&shared)).and_then(|r| r);
                if let Err(failure) = result {
                    shared.reply(DemoReply::Failed(failure));
                }
            });
        if let Err(e) = spawned {
            self.reply(DemoReply::Failed(Failure::Thread(e.to_string())));
        }
    }
}

fn dispatch(
    opts: Opts,
    database: String,
    settings: WriterSettings,
    requests: Receiver<DemoRequest>,
    out: Sender<DemoReply>,
) {
    let shared = Shared {
        opts,
        database,
        out,
        control: Control::new(),
        stop: Arc::new(AtomicBool::new(false)),
        watched: Arc::new(Mutex::new(Vec::new())),
    };
    let mut workload: Option<Workload> = None;
    let mut comparing = false;
    let mut last_counters = Instant::now();
    let mut last_error: Option<String> = None;
    loop {
        match requests.recv_timeout(COUNTERS_EVERY) {
            Ok(request) => match request {
                DemoRequest::StartWrites if workload.is_none() => {
                    match start_writes(&shared, &settings) {
                        Ok(w) => workload = Some(w),
                        Err(failure) => shared.reply(DemoReply::Failed(failure)),
                    }
                }
                DemoRequest::StartWrites => {}
                DemoRequest::Retune(tuning) => {
                    if let Some(w) = &workload {
                        w.handle().retune(tuning);
                    }
                }
                DemoRequest::StopWrites => {
                    if let Some(w) = workload.take() {
                        shared.event(DemoEvent::WritesStopped(w.stop()));
                    }
                }
                DemoRequest::Baseline { rounds } => {
                    shared.spawn("baseline", move |s| baseline(s, rounds));
                }
                DemoRequest::Create { name, query } => {
                    shared.spawn("create", move |s| create(s, &name, &query));
                }
                DemoRequest::Watch { name, query } => {
                    if let Ok(mut list) = shared.watched.lock() {
                        list.push((name, query));
                    }
                    if !comparing {
                        comparing = true;
                        shared.spawn("compare", compare_loop);
                    }
                }
                DemoRequest::Validate { names } => {
                    shared.spawn("validate", move |s| validate(s, &names));
                }
            },
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(w) = &workload {
            if last_counters.elapsed() >= COUNTERS_EVERY {
                last_counters = Instant::now();
                shared.event(DemoEvent::Writes(w.handle().counters()));
                let error = w.handle().last_error();
                if error.is_some() && error != last_error {
                    let text = errors::one_line(error.as_deref().unwrap_or_default());
                    shared.reply(DemoReply::WriterError(text));
                    last_error = error;
                }
            }
        }
    }
    // The dashboard is gone: stop everything (the writers are joined).
    shared.stop.store(true, Ordering::SeqCst);
    shared.control.cancel();
    drop(workload);
}

fn start_writes(shared: &Shared, s: &WriterSettings) -> Result<Workload, Failure> {
    let workload = Workload::start(
        &shared.opts,
        &WorkloadConfig {
            writers: s.writers,
            tuning: s.tuning,
            seed: s.seed,
            users: s.users,
            max_id: s.max_id,
        },
    )
    .map_err(|e| Failure::Demo(e.to_string()))?;
    shared.event(DemoEvent::WritesStarted {
        writers: workload.handle().writers(),
        tuning: s.tuning,
    });
    Ok(workload)
}

fn connect(shared: &Shared) -> Result<Conn, Failure> {
    errors::connect(&shared.opts).map_err(|e| errors::server_failure(&e))
}

fn baseline(shared: &Shared, rounds: usize) -> Result<(), Failure> {
    let mut conn = connect(shared)?;
    for _ in 0..rounds.max(1) {
        let (ms, rows) = timed(&mut conn, DEBITS_QUERY).map_err(|e| errors::server_failure(&e))?;
        shared.event(DemoEvent::Baseline {
            ms,
            rows: rows.len(),
        });
    }
    Ok(())
}

fn create(shared: &Shared, name: &str, query: &str) -> Result<(), Failure> {
    let report = lifecycle::create(
        &shared.opts,
        name,
        query,
        &CreateOptions::default(),
        &shared.control,
        &mut |detail| {
            shared.event(DemoEvent::Backfill {
                summary: name.to_string(),
                detail,
            });
        },
    );
    match report {
        Ok(report) => {
            shared.reply(DemoReply::Created {
                summary: name.to_string(),
                built: Built {
                    rows: report.rows,
                    backfill_secs: report.backfill_secs,
                    lock_ms: report.lock.lock_ms,
                },
            });
            Ok(())
        }
        // Quitting cancels it; nobody is left to tell.
        Err(LifecycleError::Cancelled(_)) => Ok(()),
        Err(e) => Err(errors::lifecycle_failure(&e)),
    }
}

/// Compares every watched summary with its query, round after round, until
/// the dashboard goes away; reports the running comparison and the
/// summary's totals after each round.
fn compare_loop(shared: &Shared) -> Result<(), Failure> {
    let mut conn = connect(shared)?;
    let mut comparers: HashMap<String, Comparer> = HashMap::new();
    while !shared.stop.load(Ordering::SeqCst) {
        let watched = shared.watched.lock().map(|l| l.clone()).unwrap_or_default();
        for (name, query) in watched {
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let comparer = comparers
                .entry(name.clone())
                .or_insert_with(|| Comparer::new(&query, &name));
            let round = comparer
                .round(&mut conn)
                .map_err(|e| Failure::Demo(e.to_string()))?;
            shared.event(DemoEvent::Compared {
                summary: name.clone(),
                round,
            });
            shared.event(DemoEvent::Comparison {
                summary: name.clone(),
                comparison: comparer.comparison(),
            });
            let sums: Option<(Option<String>, Option<String>)> = conn
                .query_first(format!(
                    "SELECT CAST(SUM(n) AS CHAR), CAST(SUM(total) AS CHAR) FROM {}",
                    quote(&name)
                ))
                .map_err(|e| errors::server_failure(&e))?;
            if let Some((n, total)) = sums {
                shared.reply(DemoReply::Totals {
                    summary: name.clone(),
                    n: n.unwrap_or_default(),
                    total: total.unwrap_or_default(),
                });
            }
            std::thread::sleep(COMPARE_PAUSE);
        }
        if comparers.is_empty() {
            std::thread::sleep(COMPARE_PAUSE);
        }
    }
    Ok(())
}

fn validate(shared: &Shared, names: &[String]) -> Result<(), Failure> {
    for name in names {
        let r = lifecycle::validate(&shared.opts, &shared.database, name, MAX_DIFFERENCES)
            .map_err(|e| errors::lifecycle_failure(&e))?;
        shared.event(DemoEvent::Validated(SummaryValidation {
            summary: name.clone(),
            exact: r.exact,
            groups: r.groups,
            differing_groups: r.differing_groups,
            problems: r.problems,
        }));
    }
    Ok(())
}
