//! Section 2: what writers feel while `create` takes its brief lock on a large table. Eight
//! writers insert single rows; `create` runs; the statements that overlapped the lock window are
//! compared with those before. The backfill is cancelled a moment after the lock (it is measured
//! in the backfill section) and the summary dropped. A last run does the same while another
//! transaction has touched the table and stays open (`--hold`, 3 s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use serde::Serialize;

use super::data::{amount, user, BIG};
use super::driver::{Clients, Op};
use super::research::lockprobe::{self, LockAnatomy};
use super::stats::{median, Latency};
use super::{lifecycle, query_for, sql, BenchConfig, BenchError, Log, DATABASE, GROUPED_QUERY};
use crate::lifecycle::{self as lc, Control, CreateOptions, Event, LifecycleError};

/// Concurrent writers during `create`.
pub const WRITERS: usize = 8;

/// One `create` under load.
#[derive(Debug, Clone, Serialize)]
pub struct PauseRound {
    /// Writers' pause reported by `create` (lock held), ms.
    pub lock_ms: f64,
    /// Time `create` waited for the lock, ms.
    pub wait_ms: f64,
    /// Lock attempts that timed out before the one that succeeded.
    pub lock_retries: u32,
    /// When each timed-out attempt was reported, ms after `create` started.
    pub retry_at_ms: Vec<f64>,
    /// Writers' failed statements during the round.
    pub writer_errors: u64,
    /// Writers' statements that ended in the second before `create` started.
    pub before: Latency,
    /// Writers' statements running at some moment between the lock request and its release.
    pub during_lock: Latency,
    /// Writers' statements that ended in the second after the lock.
    pub after_lock: Latency,
    /// Writers' statements running at some moment of the whole `create` call.
    pub during_create: Latency,
}

/// Section 2's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PauseReport {
    /// Rows of the table when the first `create` started.
    pub rows: u64,
    /// Concurrent writers.
    pub writers: usize,
    /// Every round.
    pub rounds: Vec<PauseRound>,
    /// Median `lock_ms`.
    pub lock_ms: f64,
    /// Median `wait_ms`.
    pub wait_ms: f64,
    /// Median over rounds of the before-figures.
    pub before: Latency,
    /// Median over rounds of the during-lock figures.
    pub during_lock: Latency,
    /// Worst over rounds of the during-lock figures.
    pub during_lock_worst: Latency,
    /// The run with a transaction open on the table when `create` starts.
    pub with_open_transaction: Option<PauseRound>,
    /// The same with `max_lock_wait` = [`SHORT_WAIT`] (and more attempts).
    pub with_open_transaction_short_wait: Option<PauseRound>,
    /// One `CREATE TRIGGER` on the written table, without `LOCK TABLES`, with the writers running.
    pub standalone_trigger: StandaloneTrigger,
    /// The statements under the lock, timed one by one on a scratch table.
    pub lock_anatomy: LockAnatomy,
}

/// The lock wait per attempt of the experiment with a short wait.
pub const SHORT_WAIT: Duration = Duration::from_millis(50);

/// What one `CREATE TRIGGER` costs writers by itself.
#[derive(Debug, Clone, Serialize)]
pub struct StandaloneTrigger {
    /// How long the statement took, ms.
    pub ddl_ms: f64,
    /// Writers' statements running at some moment of it.
    pub writers: Latency,
}

/// Creates (and drops) a trivial trigger on the large table while the writers run.
fn standalone_trigger(opts: &Opts, config: &BenchConfig) -> Result<StandaloneTrigger, BenchError> {
    let mut conn = sql(Conn::new(opts.clone()), "connecting")?;
    let writers = Clients::start(opts, WRITERS, 4000, insert_op(config.users))?;
    std::thread::sleep(config.window());
    let t0 = Instant::now();
    let created = conn.query_drop(format!(
        "CREATE TRIGGER `{BIG}_probe` AFTER INSERT ON `{BIG}` FOR EACH ROW SET @lt_probe = NEW.id"
    ));
    let t1 = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let log = writers.stop()?;
    sql(created, "creating a probe trigger")?;
    sql(
        conn.query_drop(format!("DROP TRIGGER `{BIG}_probe`")),
        "dropping the probe trigger",
    )?;
    log.check("writers")?;
    Ok(StandaloneTrigger {
        ddl_ms: (t1 - t0).as_secs_f64() * 1000.0,
        writers: log.overlapping(t0, t1),
    })
}

fn insert_op(users: u32) -> Op {
    let stmt = format!("INSERT INTO `{BIG}` (user_id, amount) VALUES (?, ?)");
    Arc::new(move |c: &mut Conn, rng: &mut StdRng, _| {
        c.exec_drop(&stmt, (user(rng, users), amount(rng)))?;
        Ok(1)
    })
}

/// Opens a transaction that locks one row of the table, for `hold`, on its own thread.
pub fn hold_row(
    opts: &Opts,
    id: u64,
    hold: Duration,
) -> Result<std::thread::JoinHandle<Result<(), mysql::Error>>, BenchError> {
    let mut conn = sql(Conn::new(opts.clone()), "connecting the long transaction")?;
    sql(
        conn.query_drop("START TRANSACTION"),
        "starting the long transaction",
    )?;
    let _: Option<u64> = sql(
        conn.exec_first(
            format!("SELECT id FROM `{BIG}` WHERE id = ? FOR UPDATE"),
            (id,),
        ),
        "locking a row",
    )?;
    Ok(std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.query_drop("COMMIT")
    }))
}

/// One `create` with writers running; `open_txn` first opens a long transaction on the table.
fn one_round(
    opts: &Opts,
    config: &BenchConfig,
    seed: u64,
    open_txn: bool,
    options: &CreateOptions,
) -> Result<PauseRound, BenchError> {
    let name = "pause_sum";
    let query = query_for(GROUPED_QUERY, BIG);
    let before = config.window().mul_f64(1.5);
    let keep_after = config.window();
    let writers = Clients::start(opts, WRITERS, seed, insert_op(config.users))?;
    std::thread::sleep(before);
    let holder = if open_txn {
        Some(hold_row(opts, 1, config.hold)?)
    } else {
        None
    };
    let control = Control::new();
    let mut locked: Option<(Instant, f64, f64)> = None;
    let mut retries = 0u32;
    let mut retry_at_ms = Vec::new();
    let t_create = Instant::now();
    let result = {
        let mut on_event = |ev: Event| match ev {
            Event::Locked { lock_ms, wait_ms } => locked = Some((Instant::now(), lock_ms, wait_ms)),
            Event::LockRetry { .. } => {
                retries += 1;
                retry_at_ms.push(t_create.elapsed().as_secs_f64() * 1000.0);
            }
            Event::Progress(_) if locked.is_some_and(|(t, _, _)| t.elapsed() >= keep_after) => {
                control.cancel();
            }
            _ => {}
        };
        lc::create(opts, name, &query, options, &control, &mut on_event)
    };
    let t_done = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let log = writers.stop()?;
    if let Some(h) = holder {
        let joined = h
            .join()
            .map_err(|_| BenchError::Workload("the long transaction's thread panicked".into()))?;
        sql(joined, "ending the long transaction")?;
    }
    match result {
        Ok(_) | Err(LifecycleError::Cancelled(_)) => {}
        Err(e) => return lifecycle(Err(e), "creating the summary under load"),
    }
    lifecycle(
        lc::drop_summary(opts, DATABASE, name),
        "dropping the summary",
    )?;
    log.check("writers")?;
    let Some((t_locked, lock_ms, wait_ms)) = locked else {
        return Err(BenchError::Workload(
            "create finished without reporting its lock".into(),
        ));
    };
    let lock_start = t_locked
        .checked_sub(Duration::from_secs_f64((lock_ms + wait_ms) / 1000.0))
        .unwrap_or(t_create);
    let second = config.window();
    Ok(PauseRound {
        lock_ms,
        wait_ms,
        lock_retries: retries,
        retry_at_ms,
        writer_errors: log.errors,
        before: log
            .window(t_create.checked_sub(second).unwrap_or(t_create), t_create)
            .latency,
        during_lock: log.overlapping(lock_start, t_locked),
        after_lock: log.window(t_locked, t_locked + second).latency,
        during_create: log.overlapping(t_create, t_done),
    })
}

/// Runs section 2 on the large table.
pub fn run(opts: &Opts, config: &BenchConfig, log: Log<'_>) -> Result<PauseReport, BenchError> {
    let mut conn = sql(Conn::new(opts.clone()), "connecting")?;
    let rows = super::data::count(&mut conn, BIG)?;
    let lock_anatomy = lockprobe::run(&mut conn, opts, config.big_rounds().max(3))?;
    log(&format!(
        "lock anatomy: {}",
        lock_anatomy
            .steps
            .iter()
            .map(|s| format!("{:.1} ms", s.ms))
            .collect::<Vec<_>>()
            .join(" + ")
    ));
    let mut rounds = Vec::new();
    for r in 0..config.big_rounds() {
        let round = one_round(
            opts,
            config,
            1000 + r as u64,
            false,
            &CreateOptions::default(),
        )?;
        log(&format!(
            "pause round {}/{}: lock {:.1} ms (waited {:.1} ms); writers during lock p99 {:.1} ms max {:.1} ms; before p99 {:.1} ms",
            r + 1,
            config.big_rounds(),
            round.lock_ms,
            round.wait_ms,
            round.during_lock.p99_ms,
            round.during_lock.max_ms,
            round.before.p99_ms
        ));
        rounds.push(round);
    }
    let with_open_transaction = {
        let round = one_round(opts, config, 2000, true, &CreateOptions::default())?;
        log(&format!(
            "pause with a transaction open for {:.1} s: lock waited {:.0} ms ({} retries); writers' max {:.0} ms",
            config.hold.as_secs_f64(),
            round.wait_ms,
            round.lock_retries,
            round.during_create.max_ms
        ));
        Some(round)
    };
    let short = CreateOptions {
        max_lock_wait: SHORT_WAIT,
        lock_attempts: 200,
        ..CreateOptions::default()
    };
    let with_open_transaction_short_wait = {
        let round = one_round(opts, config, 3000, true, &short)?;
        log(&format!(
            "pause with a transaction open, max_lock_wait {} ms: lock waited {:.0} ms ({} retries); writers' max {:.0} ms",
            SHORT_WAIT.as_millis(),
            round.wait_ms,
            round.lock_retries,
            round.during_create.max_ms
        ));
        Some(round)
    };
    let standalone_trigger = standalone_trigger(opts, config)?;
    log(&format!(
        "a lone CREATE TRIGGER on the written table took {:.1} ms; writers' max {:.1} ms",
        standalone_trigger.ddl_ms, standalone_trigger.writers.max_ms
    ));
    let pick = |f: fn(&PauseRound) -> f64| {
        median(&rounds.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
    };
    let during: Vec<Latency> = rounds.iter().map(|r| r.during_lock).collect();
    let before: Vec<Latency> = rounds.iter().map(|r| r.before).collect();
    Ok(PauseReport {
        rows,
        writers: WRITERS,
        lock_ms: pick(|r| r.lock_ms),
        wait_ms: pick(|r| r.wait_ms),
        before: Latency::median_of(&before),
        during_lock: Latency::median_of(&during),
        during_lock_worst: Latency::worst_of(&during),
        rounds,
        with_open_transaction,
        with_open_transaction_short_wait,
        standalone_trigger,
        lock_anatomy,
    })
}
