//! The only moment writers wait: `LOCK TABLES base WRITE`, install or swap triggers, open the
//! backfill's consistent snapshot, `UNLOCK TABLES`. Because no write to the base table can be in
//! flight while the lock is held, every write either committed before the snapshot (and is in it)
//! or runs after the triggers exist (and is applied by them) — never both, never neither.

use super::{sql, Control, CreateOptions, Event, LifecycleError};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// MariaDB's "Lock wait timeout exceeded".
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;

/// What to do under the lock.
pub struct LockPlan {
    /// Quoted base table.
    pub base: String,
    /// Display name of the base table for errors.
    pub base_label: String,
    /// Statements to run while writers are held.
    pub statements: Vec<String>,
    /// Statements that restore the previous state if one of `statements` fails.
    pub undo: Vec<String>,
}

/// How long the lock was held and waited for.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LockOutcome {
    /// Writers' pause: from lock granted to lock released, ms.
    pub lock_ms: f64,
    /// Time spent waiting for the lock (writers queue behind us meanwhile), ms.
    pub wait_ms: f64,
    /// Attempts needed.
    pub attempts: u32,
}

fn is_lock_timeout(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(me) if me.code == ER_LOCK_WAIT_TIMEOUT)
}

/// MariaDB's "Query execution was interrupted" (our watchdog's KILL QUERY).
const ER_QUERY_INTERRUPTED: u16 = 1317;

fn is_interrupted(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(me) if me.code == ER_QUERY_INTERRUPTED)
}

/// Asks for `LOCK TABLES` and gives up after `wait`. MariaDB's lock wait timeout has a
/// granularity of whole seconds, and while we wait every new writer queues behind us, so a
/// watchdog on a second connection interrupts the request (`KILL QUERY`, never `KILL`) at the
/// deadline. The mutex makes the kill and the grant exclusive: once the grant is recorded no kill
/// is sent, and a kill sent before it can only have hit the lock request itself — or, if it
/// arrived just after the grant, the sacrificial `DO 0` that follows.
fn lock_with_deadline(
    admin: &mut Conn,
    killer: &mut Conn,
    lock_sql: &str,
    wait: Duration,
) -> Result<bool, mysql::Error> {
    let id: u64 = admin.query_first("SELECT CONNECTION_ID()")?.unwrap_or(0);
    let granted = Arc::new(Mutex::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let killed = std::thread::scope(|scope| {
        let granted_w = granted.clone();
        let watchdog = scope.spawn(move || {
            if done_rx.recv_timeout(wait).is_ok() {
                return false;
            }
            let Ok(guard) = granted_w.lock() else {
                return false;
            };
            if *guard {
                return false;
            }
            let _ = killer.query_drop(format!("KILL QUERY {id}"));
            drop(guard);
            true
        });
        let result = admin.query_drop(lock_sql);
        if result.is_ok() {
            if let Ok(mut g) = granted.lock() {
                *g = true;
            }
        }
        let _ = done_tx.send(());
        let killed = watchdog.join().unwrap_or(false);
        (result, killed)
    });
    match killed {
        (Ok(()), killed) => {
            if killed {
                // A kill that raced the grant is pending on the idle connection: absorb it.
                let _ = admin.query_drop("DO 0");
            }
            Ok(true)
        }
        (Err(e), _) if is_lock_timeout(&e) || is_interrupted(&e) => Ok(false),
        (Err(e), _) => Err(e),
    }
}

/// Runs `plan` under a short write lock and, when `snapshot` is given, starts its consistent
/// snapshot before releasing the lock. `opts` opens the watchdog connection.
#[allow(clippy::too_many_arguments)]
pub fn run_locked(
    opts: &Opts,
    admin: &mut Conn,
    mut snapshot: Option<&mut Conn>,
    plan: &LockPlan,
    options: &CreateOptions,
    control: Option<&Control>,
    on_event: &mut dyn FnMut(Event),
) -> Result<LockOutcome, LifecycleError> {
    let wait = options.max_lock_wait.max(Duration::from_millis(10));
    // The server-side timeout is only a backstop in case the watchdog cannot kill.
    let backstop = wait.as_secs() + 2;
    sql(
        admin.query_drop(format!("SET SESSION lock_wait_timeout = {backstop}")),
        "setting the lock wait timeout",
    )?;
    let mut killer = sql(
        Conn::new(opts.clone()),
        "opening the lock watchdog connection",
    )?;
    // Only the base table: locking our state tables too made writers that queued on the lock fail
    // with "table doesn't exist" for a state table the new triggers use (seen on 10.11). Nothing
    // under the lock touches the state tables, so they need no lock.
    let lock_sql = format!("LOCK TABLES {} WRITE", plan.base);
    let attempts = options.lock_attempts.max(1);
    let started = Instant::now();
    for attempt in 1..=attempts {
        if control.is_some_and(Control::is_cancelled) {
            return Err(LifecycleError::Cancelled(plan.base_label.clone()));
        }
        let got = sql(
            lock_with_deadline(admin, &mut killer, &lock_sql, wait),
            "locking the base table",
        )?;
        if !got {
            if attempt < attempts {
                on_event(Event::LockRetry { attempt });
                // Let the writers that queued behind our request through before asking again.
                std::thread::sleep(Duration::from_millis(100 * u64::from(attempt.min(10))));
            }
            continue;
        }
        let granted = Instant::now();
        let result = run_under_lock(admin, snapshot.as_deref_mut(), plan);
        let unlocked = admin.query_drop("UNLOCK TABLES");
        let released = Instant::now();
        if let Err(e) = result {
            if let Some(s) = snapshot.as_deref_mut() {
                let _ = s.query_drop("ROLLBACK");
            }
            return Err(e);
        }
        sql(unlocked, "unlocking the base table")?;
        return Ok(LockOutcome {
            lock_ms: (released - granted).as_secs_f64() * 1000.0,
            wait_ms: (granted - started).as_secs_f64() * 1000.0,
            attempts: attempt,
        });
    }
    Err(LifecycleError::LockTimeout {
        table: plan.base_label.clone(),
        attempts,
        wait_ms: wait.as_millis() as u64,
    })
}

fn run_under_lock(
    admin: &mut Conn,
    snapshot: Option<&mut Conn>,
    plan: &LockPlan,
) -> Result<(), LifecycleError> {
    for (i, stmt) in plan.statements.iter().enumerate() {
        if let Err(e) = admin.query_drop(stmt) {
            for undo in &plan.undo {
                let _ = admin.query_drop(undo);
            }
            let what = stmt.lines().next().unwrap_or("").to_string();
            return sql(
                Err(e),
                &format!("statement {} under the lock ({what})", i + 1),
            );
        }
    }
    if let Some(s) = snapshot {
        if let Err(e) = s.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY") {
            for undo in &plan.undo {
                let _ = admin.query_drop(undo);
            }
            return sql(Err(e), "opening the backfill snapshot");
        }
    }
    Ok(())
}
