//! A rebuild of a ready summary that is stopped (Control cancel) or killed (SIGKILL of a
//! `lightning rebuild` process), then resumed, never takes an exact summary away from its
//! readers: at every moment the view reads a generation equal to the query, compared in one
//! consistent snapshot while writers run. Each phase is hit exactly, through the lifecycle's
//! events (in process) or by freezing the child process at an event before killing it:
//! before the lock, while backfilling, before the switch to the new generation, and while
//! folding after it.

mod support;

use lightning_tables::lifecycle::{
    rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions, Event, LifecycleError,
    StatusReport,
};
use mysql::prelude::Queryable;
use mysql::Conn;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::compare::{assert_same, snapshot_difference, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const QUERY: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, AVG(d) AS mean, MIN(d) AS lo, MAX(s) AS top FROM t WHERE d > -250 GROUP BY g";
const ROWS: u64 = 20_000;
/// The CLI's test-only switch that freezes the process at an event (see `cli::create`).
const FREEZE_AT: &str = "LIGHTNING_TEST_FREEZE_AT";

/// Where a rebuild is stopped or killed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The new generation's tables exist, the triggers are not swapped yet.
    BeforeTheLock,
    /// The combined triggers are live and a first region of the new generation is committed.
    Backfilling,
    /// Every region is backfilled; the view still reads the old generation.
    BeforeTheSwitch,
    /// The view reads the new generation and the triggers maintain it alone; the fold is next.
    Folding,
}

impl Phase {
    /// The lifecycle event that marks the phase (its name in `--json` output).
    fn event(self) -> &'static str {
        match self {
            Phase::BeforeTheLock => "prepared",
            Phase::Backfilling => "checkpoint",
            Phase::BeforeTheSwitch => "done",
            Phase::Folding => "finalized",
        }
    }

    fn reached(self, event: &Event) -> bool {
        match self {
            Phase::BeforeTheLock => matches!(event, Event::Prepared { .. }),
            Phase::Backfilling => matches!(event, Event::Checkpoint { .. }),
            Phase::BeforeTheSwitch => matches!(event, Event::Done { .. }),
            Phase::Folding => matches!(event, Event::Finalized { .. }),
        }
    }
}

fn options() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(200),
        checkpoints: 8,
        checkpoint_every: Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// Panics unless the summary equals its query in one snapshot now.
fn exact_now(conn: &mut Conn, context: &str) {
    if let Some(d) = snapshot_difference(conn, "s", QUERY, Strings::Collated) {
        panic!("{context}: {d}");
    }
}

/// A reader comparing the summary with its query in one snapshot, again and again, in the
/// background; a difference is recorded with the step the test was at.
struct Reader {
    stop: Arc<AtomicBool>,
    step: Arc<Mutex<String>>,
    handle: Option<JoinHandle<(u64, Vec<String>)>>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        // A test that failed elsewhere: stop reading before its database is dropped.
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Reader {
    fn start(db: &support::server::TestDb) -> Reader {
        let stop = Arc::new(AtomicBool::new(false));
        let step = Arc::new(Mutex::new("before the rebuild".to_string()));
        let mut conn = db.conn();
        let handle = {
            let (stop, step) = (stop.clone(), step.clone());
            std::thread::spawn(move || {
                let (mut reads, mut differences) = (0u64, Vec::new());
                while !stop.load(Ordering::SeqCst) {
                    if let Some(d) = snapshot_difference(&mut conn, "s", QUERY, Strings::Collated) {
                        let at = step.lock().map(|s| s.clone()).unwrap_or_default();
                        differences.push(format!("{at}: {d}"));
                    }
                    reads += 1;
                    // Short gaps: the lifecycle's locks wait for a reader's transaction.
                    std::thread::sleep(Duration::from_millis(40));
                }
                (reads, differences)
            })
        };
        Reader {
            stop,
            step,
            handle: Some(handle),
        }
    }

    fn at(&self, step: &str) {
        if let Ok(mut s) = self.step.lock() {
            *s = step.to_string();
        }
    }

    /// Stops the reader; panics with what it saw if any read differed.
    fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let handle = self.handle.take().expect("a running reader");
        let (reads, differences) = handle.join().expect("the reader panicked");
        assert!(reads > 0, "the reader never read");
        assert!(
            differences.is_empty(),
            "{} of {reads} reads differed:\n{}",
            differences.len(),
            differences.join("\n")
        );
    }
}

/// An event handler that records the lifecycle's events and compares the summary with its query
/// at every step (every tenth chunk); `on_phase` runs once when `phase` is reached.
fn checking<'a>(
    conn: &'a mut Conn,
    events: &'a mut Vec<Event>,
    context: &'a str,
    phase: Option<Phase>,
    mut on_phase: impl FnMut() + 'a,
) -> impl FnMut(Event) + 'a {
    let mut chunks = 0u64;
    let mut reached = false;
    move |event: Event| {
        let check = match &event {
            Event::Progress(_) => {
                chunks += 1;
                chunks.is_multiple_of(10)
            }
            Event::LockRetry { .. } | Event::Throttled { .. } => false,
            _ => true,
        };
        if !reached && phase.is_some_and(|p| p.reached(&event)) {
            reached = true;
            on_phase();
        }
        if check {
            exact_now(conn, &format!("{context}, at {event:?}"));
        }
        events.push(event);
    }
}

/// A ready summary `s` of [`QUERY`] over [`ROWS`] rows, with writers and a reader running.
fn ready_summary(hint: &str, seed: u64) -> (support::server::TestDb, Conn, Writers, Reader) {
    let db = support::server::fresh_db(hint);
    let mut conn = db.conn();
    make_table(&mut conn, ROWS);
    support::server::create_quietly(&db.opts(), "s", QUERY, &options()).unwrap();
    let writers = Writers::start(&db.opts(), 3, seed, Isolation::RepeatableRead, ROWS);
    let reader = Reader::start(&db);
    let_them_write(150);
    exact_now(&mut conn, "ready, before the rebuild");
    (db, conn, writers, reader)
}

/// The summary's state tables (every generation).
fn state_tables(conn: &mut Conn, db: &str) -> Vec<String> {
    let mut tables: Vec<String> = conn
        .exec(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_lt\\_s\\_g%'",
            (db,),
        )
        .unwrap();
    tables.sort();
    tables
}

/// Asserts that generation `generation` is all that is left: its state tables only, and the
/// three triggers writing it alone.
fn only_generation(conn: &mut Conn, db: &str, generation: u32, context: &str) {
    let state = format!("_lt_s_g{generation}");
    let tables = state_tables(conn, db);
    assert!(
        tables.contains(&state)
            && tables
                .iter()
                .all(|t| *t == state || t.starts_with(&format!("{state}_mm"))),
        "{context}: state tables {tables:?}, expected generation {generation} only"
    );
    let bodies: Vec<String> = conn
        .exec(
            "SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME LIKE '\\_lt\\_s\\_%'",
            (db,),
        )
        .unwrap();
    assert_eq!(bodies.len(), 3, "{context}: triggers {bodies:?}");
    for body in &bodies {
        assert_eq!(
            generations_in(body),
            vec![generation],
            "{context}: a trigger writes other generations: {body}"
        );
    }
}

/// The generations whose state tables `text` names.
fn generations_in(text: &str) -> Vec<u32> {
    let mut found: Vec<u32> = text
        .split("`_lt_s_g")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Waits until no process works on the summary any more (a killed client's connections are
/// closed by the server a moment after the kill).
fn settled_status(db: &support::server::TestDb) -> StatusReport {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = status(&db.opts(), &db.name, "s").unwrap();
        if !st.backfill_running {
            return st;
        }
        assert!(Instant::now() < deadline, "still running: {st:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The end of every test: writers stop, the reader saw no difference, and the summary equals its
/// query and validates as exact.
fn finish(
    db: &support::server::TestDb,
    conn: &mut Conn,
    writers: Writers,
    reader: Reader,
    generation: u32,
) {
    reader.at("after the end");
    let_them_write(150);
    writers.stop();
    reader.stop();
    assert_same(conn, "s", QUERY, Strings::Collated, "at the end");
    let report = validate(&db.opts(), &db.name, "s", 5).unwrap();
    assert!(report.exact, "{report:?}");
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.entry.status.as_str(), "ready", "{st:?}");
    assert_eq!(st.entry.generation, generation, "{st:?}");
    assert_eq!(st.entry.regions, None, "{st:?}");
    only_generation(conn, &db.name, generation, "at the end");
}

/// Stops a rebuild through its Control when `phase` is reached.
fn stop_at(phase: Phase, hint: &str, seed: u64) {
    let (db, mut conn, writers, reader) = ready_summary(hint, seed);
    reader.at("rebuilding");
    let control = Control::new();
    let mut events = Vec::new();
    let mut checker = db.conn();
    let result = {
        let stopper = control.clone();
        let mut on_event = checking(
            &mut checker,
            &mut events,
            "rebuild",
            Some(phase),
            move || stopper.cancel(),
        );
        rebuild(
            &db.opts(),
            &db.name,
            "s",
            &options(),
            &control,
            &mut on_event,
        )
    };
    reader.at("after the stop");
    exact_now(&mut conn, "right after the stop");
    assert!(
        events.iter().any(|e| phase.reached(e)),
        "{phase:?} never reached: {events:?}"
    );
    if phase == Phase::Folding {
        // After the switch there is nothing to go back to: the rebuild finishes.
        let report = result.unwrap_or_else(|e| panic!("stopped after the switch: {e}"));
        assert!(report.finalize.is_some());
        finish(&db, &mut conn, writers, reader, 2);
        return;
    }
    // Before the switch a stop gives the rebuild up: readers keep generation 1, which the
    // triggers maintain alone again, and nothing is left to resume.
    let st = settled_status(&db);
    assert_eq!(st.entry.status.as_str(), "ready", "{st:?}");
    assert_eq!(st.entry.generation, 1, "{st:?}");
    assert!(st.summary.starts_with("ready"), "{}", st.summary);
    only_generation(&mut conn, &db.name, 1, "after the stop");
    match result {
        Err(LifecycleError::RebuildStopped { generation, .. }) => assert_eq!(generation, 1),
        other => panic!("expected the rebuild to be given up, got {other:?}"),
    }
    let_them_write(200);
    exact_now(&mut conn, "after the stop, writers running");
    let again = resume(
        &db.opts(),
        &db.name,
        "s",
        &options(),
        &Control::new(),
        &mut |_| {},
    );
    assert!(
        matches!(&again, Err(LifecycleError::State(m)) if m.contains("nothing to resume")),
        "{again:?}"
    );
    // A new rebuild then runs to the end as if the stopped one had never been.
    reader.at("rebuilding again");
    let mut events = Vec::new();
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &options(),
        &Control::new(),
        &mut checking(&mut checker, &mut events, "rebuild again", None, || {}),
    )
    .unwrap();
    finish(&db, &mut conn, writers, reader, 2);
}

/// Kills the child on every way out of the test.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `lightning rebuild s` as a child process frozen at `phase`'s event, and waits until it
/// got there.
fn frozen_rebuild(db: &support::server::TestDb, phase: Phase) -> Child {
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_lightning"))
            .env(FREEZE_AT, phase.event())
            .args([
                "--url",
                &db.url(),
                "--json",
                "rebuild",
                "s",
                "--chunk-size",
                "200",
                "--checkpoints",
                "8",
                "--checkpoint-every",
                "0",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let wanted = format!("\"event\":\"{}\"", phase.event());
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(&wanted) => return child,
            Ok(line) => seen.push(line),
            Err(e) => panic!("the rebuild never reached {phase:?} ({e}); it printed {seen:?}"),
        }
    }
}

/// SIGKILLs a `lightning rebuild` process in `phase`, then resumes in process.
fn kill_at(phase: Phase, hint: &str, seed: u64) {
    let (db, mut conn, writers, reader) = ready_summary(hint, seed);
    reader.at("rebuilding (child process)");
    let child = frozen_rebuild(&db, phase);
    reader.at("rebuild frozen");
    for i in 0..3 {
        exact_now(&mut conn, &format!("rebuild frozen in {phase:?}, read {i}"));
        let_them_write(100);
    }
    drop(child); // SIGKILL
    reader.at("after the kill");
    let_them_write(200);
    exact_now(&mut conn, "after the kill");
    // `status` says what the readers read.
    let st = settled_status(&db);
    if phase == Phase::Folding {
        assert_eq!(st.entry.status.as_str(), "backfilling", "{st:?}");
        assert_eq!(st.entry.generation, 2, "{st:?}");
        assert!(
            st.summary.contains("exact") && st.summary.contains("resume"),
            "{}",
            st.summary
        );
    } else {
        assert_eq!(st.entry.status.as_str(), "rebuilding", "{st:?}");
        assert_eq!(st.entry.generation, 1, "{st:?}");
        assert!(
            st.summary
                .contains("readers still read generation 1, exact")
                && st.summary.contains("resume"),
            "{}",
            st.summary
        );
    }
    reader.at("resuming");
    let mut events = Vec::new();
    let mut checker = db.conn();
    resume(
        &db.opts(),
        &db.name,
        "s",
        &options(),
        &Control::new(),
        &mut checking(&mut checker, &mut events, "resume", None, || {}),
    )
    .unwrap_or_else(|e| panic!("resume after a kill in {phase:?}: {e}"));
    let resumed = events.iter().find_map(|e| match e {
        Event::Resumed {
            regions_done,
            regions,
            ..
        } => Some((*regions_done, *regions)),
        _ => None,
    });
    let generation = match phase {
        // Killed before its triggers went live: the rebuild starts again, into a generation
        // above the one it had created.
        Phase::BeforeTheLock => {
            assert_eq!(resumed, None, "{events:?}");
            3
        }
        Phase::Backfilling => {
            assert!(
                resumed.is_some_and(|(done, all)| done >= 1 && done < all),
                "did not continue from the checkpoint: {events:?}"
            );
            2
        }
        Phase::BeforeTheSwitch | Phase::Folding => {
            assert!(
                resumed.is_some_and(|(done, all)| done == all),
                "did not continue after the complete backfill: {events:?}"
            );
            2
        }
    };
    finish(&db, &mut conn, writers, reader, generation);
}

#[test]
fn stop_before_the_lock() {
    stop_at(Phase::BeforeTheLock, "stoplock", 31);
}

#[test]
fn stop_while_backfilling() {
    stop_at(Phase::Backfilling, "stopfill", 32);
}

#[test]
fn stop_before_the_switch() {
    stop_at(Phase::BeforeTheSwitch, "stopswitch", 33);
}

#[test]
fn stop_while_folding() {
    stop_at(Phase::Folding, "stopfold", 34);
}

#[test]
fn kill_before_the_lock() {
    kill_at(Phase::BeforeTheLock, "killlock", 41);
}

#[test]
fn kill_while_backfilling() {
    kill_at(Phase::Backfilling, "killfill", 42);
}

#[test]
fn kill_before_the_switch() {
    kill_at(Phase::BeforeTheSwitch, "killswitch", 43);
}

#[test]
fn kill_while_folding() {
    kill_at(Phase::Folding, "killfold", 44);
}
