//! A tunable write workload on the demo's `transactions` table: several
//! connections running a seeded [`Mix`] of writes (see [`super::mix`]) at a
//! target rate, with counters.
//!
//! [`Workload::start`] opens the connections (so connection problems show up
//! at once) and returns; a [`WorkloadHandle`] retunes, pauses, reads the
//! counters or asks for a stop from any thread; [`Workload::stop`] joins the
//! writers.

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::mix::{pick, Mix, Op, OpClass};
use super::{sql, DemoError};

/// What the writers do and how fast; changeable while they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tuning {
    /// Target writes per second over all writers together; 0 pauses them.
    pub ops_per_sec: u32,
    /// The mix of writes.
    pub mix: Mix,
}

/// How to start a workload.
#[derive(Debug, Clone)]
pub struct WorkloadConfig {
    /// Number of writer connections.
    pub writers: usize,
    /// Rate and mix at the start.
    pub tuning: Tuning,
    /// Seed of the writers' random choices (writer `i` uses `seed + i`).
    pub seed: u64,
    /// Users to pick from (ids `1..=users`).
    pub users: u64,
    /// Highest transaction id at the start.
    pub max_id: u64,
}

/// A snapshot of the writers' counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WorkloadCounters {
    /// Insert statements committed.
    pub inserts: u64,
    /// Amount updates committed.
    pub updates: u64,
    /// User or kind moves committed.
    pub moves: u64,
    /// Deletes committed.
    pub deletes: u64,
    /// Transactions rolled back by a deadlock or lock wait timeout (normal under contention).
    pub conflicts: u64,
    /// Statements that failed otherwise (should stay 0: triggers must never make writes fail).
    pub errors: u64,
    /// Slowest single transaction seen, ms (shows the writers' pause while triggers go in).
    pub max_write_ms: f64,
    /// Seconds since the workload started.
    pub elapsed_secs: f64,
}

impl WorkloadCounters {
    /// All committed writes.
    pub fn total(&self) -> u64 {
        self.inserts + self.updates + self.moves + self.deletes
    }
}

/// State shared by the writers and the handles.
#[derive(Debug)]
struct Shared {
    tuning: Mutex<Tuning>,
    stop: AtomicBool,
    max_id: AtomicU64,
    clock: AtomicU64,
    counts: [AtomicU64; 6],
    max_write_us: AtomicU64,
    last_error: Mutex<Option<String>>,
    started: Instant,
    writers: usize,
}

const INSERTS: usize = 0;
const UPDATES: usize = 1;
const MOVES: usize = 2;
const DELETES: usize = 3;
const CONFLICTS: usize = 4;
const ERRORS: usize = 5;

/// Controls a running workload from any thread (cheap to clone).
#[derive(Debug, Clone)]
pub struct WorkloadHandle {
    shared: Arc<Shared>,
}

impl WorkloadHandle {
    /// Changes the rate and mix; the writers pick it up with their next write.
    pub fn retune(&self, tuning: Tuning) {
        if let Ok(mut t) = self.shared.tuning.lock() {
            *t = tuning;
        }
    }

    /// The current rate and mix.
    pub fn tuning(&self) -> Tuning {
        match self.shared.tuning.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Asks the writers to stop after their current write (join with [`Workload::stop`]).
    pub fn request_stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }

    /// The counters now.
    pub fn counters(&self) -> WorkloadCounters {
        let c = |i: usize| self.shared.counts[i].load(Ordering::Relaxed);
        WorkloadCounters {
            inserts: c(INSERTS),
            updates: c(UPDATES),
            moves: c(MOVES),
            deletes: c(DELETES),
            conflicts: c(CONFLICTS),
            errors: c(ERRORS),
            max_write_ms: self.shared.max_write_us.load(Ordering::Relaxed) as f64 / 1000.0,
            elapsed_secs: self.shared.started.elapsed().as_secs_f64(),
        }
    }

    /// The last unexpected error a writer hit, if any.
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Number of writer connections.
    pub fn writers(&self) -> usize {
        self.shared.writers
    }
}

/// Running writers; dropping it stops and joins them.
#[derive(Debug)]
pub struct Workload {
    handle: WorkloadHandle,
    threads: Vec<JoinHandle<()>>,
}

impl Workload {
    /// Opens `config.writers` connections to `opts` (the demo database) and starts writing.
    pub fn start(opts: &Opts, config: &WorkloadConfig) -> Result<Workload, DemoError> {
        let shared = Arc::new(Shared {
            tuning: Mutex::new(config.tuning),
            stop: AtomicBool::new(false),
            max_id: AtomicU64::new(config.max_id),
            clock: AtomicU64::new(0),
            counts: Default::default(),
            max_write_us: AtomicU64::new(0),
            last_error: Mutex::new(None),
            started: Instant::now(),
            writers: config.writers.max(1),
        });
        let mut conns = Vec::new();
        for _ in 0..shared.writers {
            let mut conn = sql(Conn::new(opts.clone()), "connecting a writer")?;
            // Short lock waits: a writer that waits long is counted as a
            // conflict and moves on, as an application with a timeout would.
            sql(
                conn.query_drop("SET SESSION innodb_lock_wait_timeout = 5"),
                "setting up a writer",
            )?;
            conns.push(conn);
        }
        let mut workload = Workload {
            handle: WorkloadHandle { shared },
            threads: Vec::new(),
        };
        for (i, conn) in conns.into_iter().enumerate() {
            let shared = workload.handle.shared.clone();
            let users = config.users;
            let seed = config.seed.wrapping_add(i as u64);
            let thread = std::thread::Builder::new()
                .name(format!("lightning-demo-writer-{i}"))
                .spawn(move || write_loop(conn, &shared, seed, users))
                .map_err(DemoError::Thread)?;
            workload.threads.push(thread);
        }
        Ok(workload)
    }

    /// A handle to retune, read or stop the workload from another thread.
    pub fn handle(&self) -> WorkloadHandle {
        self.handle.clone()
    }

    /// Stops the writers, waits for them and returns the final counters.
    pub fn stop(mut self) -> WorkloadCounters {
        self.join();
        self.handle.counters()
    }

    fn join(&mut self) {
        self.handle.request_stop();
        for thread in self.threads.drain(..) {
            // A writer that panicked has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

impl Drop for Workload {
    fn drop(&mut self) {
        self.join();
    }
}

/// Longest sleep between checks of the stop flag.
const TICK: Duration = Duration::from_millis(50);

/// One writer: pick, run, count, pace; until stopped.
fn write_loop(mut conn: Conn, shared: &Shared, seed: u64, users: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next_due = Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        let tuning = match shared.tuning.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        };
        if tuning.ops_per_sec == 0 {
            std::thread::sleep(TICK);
            next_due = Instant::now();
            continue;
        }
        let now = Instant::now();
        if next_due > now {
            std::thread::sleep((next_due - now).min(TICK));
            continue;
        }
        let interval =
            Duration::from_secs_f64(shared.writers as f64 / f64::from(tuning.ops_per_sec));
        // After a stall (the summary's lock), resume the pace instead of bursting to catch up.
        next_due = (next_due + interval).max(now);
        // A fifth of the writes are small transactions of two to four statements.
        let count = if rng.gen_bool(0.2) {
            rng.gen_range(2..=4)
        } else {
            1
        };
        let max_id = shared.max_id.load(Ordering::Relaxed);
        let ops: Vec<Op> = (0..count)
            .map(|_| pick(&mut rng, &tuning.mix, max_id, users))
            .collect();
        let started = Instant::now();
        match run_ops(&mut conn, shared, &ops) {
            Ok(()) => {
                let us = started.elapsed().as_micros() as u64;
                shared.max_write_us.fetch_max(us, Ordering::Relaxed);
                for op in &ops {
                    let i = match op.class() {
                        OpClass::Insert => INSERTS,
                        OpClass::Update => UPDATES,
                        OpClass::Move => MOVES,
                        OpClass::Delete => DELETES,
                    };
                    shared.counts[i].fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => {
                let _ = conn.query_drop("ROLLBACK");
                if is_conflict(&e) {
                    shared.counts[CONFLICTS].fetch_add(1, Ordering::Relaxed);
                } else {
                    shared.counts[ERRORS].fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut last) = shared.last_error.lock() {
                        *last = Some(e.to_string());
                    }
                    // Do not spin on a broken connection.
                    std::thread::sleep(TICK);
                }
            }
        }
    }
}

/// Runs `ops` (in a transaction when there are several).
fn run_ops(conn: &mut Conn, shared: &Shared, ops: &[Op]) -> Result<(), mysql::Error> {
    let in_tx = ops.len() > 1;
    if in_tx {
        conn.query_drop("START TRANSACTION")?;
    }
    for op in ops {
        let rows = op.inserted();
        let clock = shared.clock.fetch_add(rows, Ordering::Relaxed);
        conn.query_drop(op.sql(clock))?;
        if rows > 0 {
            // LAST_INSERT_ID is the first id of a multi-row insert.
            let last = conn.last_insert_id() + rows - 1;
            shared.max_id.fetch_max(last, Ordering::Relaxed);
        }
    }
    if in_tx {
        conn.query_drop("COMMIT")?;
    }
    Ok(())
}

/// Deadlocks (1213) and lock wait timeouts (1205): the transaction did not happen.
fn is_conflict(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(me) if me.code == 1213 || me.code == 1205)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lock_conflicts_count_as_conflicts() {
        let err = |code| {
            mysql::Error::MySqlError(mysql::MySqlError {
                state: "HY000".into(),
                message: "x".into(),
                code,
            })
        };
        assert!(is_conflict(&err(1213)));
        assert!(is_conflict(&err(1205)));
        assert!(!is_conflict(&err(1062)));
    }

    #[test]
    fn counters_add_up() {
        let c = WorkloadCounters {
            inserts: 1,
            updates: 2,
            moves: 3,
            deletes: 4,
            ..WorkloadCounters::default()
        };
        assert_eq!(c.total(), 10);
    }
}
