//! The only moment writers wait: `LOCK TABLES base WRITE`, install or swap triggers, open the
//! backfill's consistent snapshot, `UNLOCK TABLES`. Because no write to the base table can be in
//! flight while the lock is held, every write either committed before the snapshot (and is in it)
//! or runs after the triggers exist (and is applied by them) — never both, never neither.

use super::{sql, Control, CreateOptions, Event, LifecycleError};
use mysql::prelude::Queryable;
use mysql::Conn;
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

/// Runs `plan` under a short write lock and, when `snapshot` is given, starts its consistent
/// snapshot before releasing the lock.
pub fn run_locked(
    admin: &mut Conn,
    mut snapshot: Option<&mut Conn>,
    plan: &LockPlan,
    opts: &CreateOptions,
    control: Option<&Control>,
    on_event: &mut dyn FnMut(Event),
) -> Result<LockOutcome, LifecycleError> {
    let wait = opts.max_lock_wait_secs.max(1);
    sql(
        admin.query_drop(format!("SET SESSION lock_wait_timeout = {wait}")),
        "setting the lock wait timeout",
    )?;
    // Only the base table: locking our state tables too made writers that queued on the lock fail
    // with "table doesn't exist" for a state table the new triggers use (seen on 10.11). Nothing
    // under the lock touches the state tables, so they need no lock.
    let lock_sql = format!("LOCK TABLES {} WRITE", plan.base);
    let attempts = opts.lock_attempts.max(1);
    let started = Instant::now();
    for attempt in 1..=attempts {
        let asked = Instant::now();
        match admin.query_drop(&lock_sql) {
            Ok(()) => {}
            Err(e) if is_lock_timeout(&e) && attempt < attempts => {
                if control.is_some_and(Control::is_cancelled) {
                    return Err(LifecycleError::Cancelled(plan.base_label.clone()));
                }
                on_event(Event::LockRetry { attempt });
                // Let queued writers through before asking again.
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                continue;
            }
            Err(e) if is_lock_timeout(&e) => {
                return Err(LifecycleError::LockTimeout {
                    table: plan.base_label.clone(),
                    attempts,
                    wait_secs: wait,
                })
            }
            Err(e) => return sql(Err(e), "locking the base table"),
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
        let _ = asked;
        return Ok(LockOutcome {
            lock_ms: (released - granted).as_secs_f64() * 1000.0,
            wait_ms: (granted - started).as_secs_f64() * 1000.0,
            attempts: attempt,
        });
    }
    Err(LifecycleError::LockTimeout {
        table: plan.base_label.clone(),
        attempts,
        wait_secs: wait,
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
