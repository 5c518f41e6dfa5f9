//! The one moment writers wait, bounded: `LOCK TABLES base WRITE`, install or swap the triggers,
//! open the backfill's consistent snapshot, `UNLOCK TABLES`. Because no write to the base table
//! can be in flight while the lock is held, every write either committed before the snapshot (and
//! is in it) or runs after the lock with all triggers in place (and is applied by them) — never
//! both, never neither. See docs/correctness.md.

use super::{sql, Control, CreateOptions, Event, LifecycleError};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// MariaDB's "Lock wait timeout exceeded".
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;

/// What to do under the lock.
pub struct LockPlan {
    /// What `LOCK TABLES` names: the quoted base table (and every dimension table of a join),
    /// each followed by `WRITE`.
    pub base: String,
    /// Display name of the locked tables for errors.
    pub base_label: String,
    /// Statements run while writers are held (trigger installs and swaps).
    pub statements: Vec<String>,
}

/// How long writers were held.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LockOutcome {
    /// Writers' pause: from lock granted to lock released, ms.
    pub lock_ms: f64,
    /// Time spent waiting for the lock (writers queue behind us meanwhile), ms.
    pub wait_ms: f64,
    /// Lock attempts needed.
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

/// The states in which a session is waiting for a lock and has not opened the table yet (or has
/// opened it completely): a `KILL QUERY` there ends the wait and nothing else. Anywhere else a
/// kill can land while the statement opens the table and parses its stored triggers: MariaDB's
/// lexer stops at the first token after `thd->killed` is set (`Lex_input_stream::lex_one_token`
/// begins with that check), `Table_triggers_list::check_n_load` keeps the half-parsed trigger
/// list as "has an error in its body" instead of failing the open, and that TABLE instance goes
/// back to the table cache: every later statement that gets it — the application's writers
/// included — fails with error 1064 until the table is flushed (docs/correctness.md, "Killing a
/// statement that opens the table").
const KILLABLE_STATES: &str =
    "'Waiting for table metadata lock', 'Waiting for table level lock', 'System lock'";

/// One statement that kills `id`'s query only while it waits for a lock, and says whether it did
/// (the state is read and the kill sent inside the server, microseconds apart).
fn kill_if_waiting_sql(id: u64) -> String {
    format!(
        "BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = {id} \
         AND STATE IN ({KILLABLE_STATES})) THEN KILL QUERY {id}; SELECT 1; ELSE SELECT 0; END IF; END"
    )
}

/// How often the watchdog looks again at a statement that is past its deadline but not waiting
/// for a lock (opening the table, parsing triggers, writing the trigger file).
const RECHECK: Duration = Duration::from_millis(2);

/// Runs `statement` (which waits for a metadata lock: `LOCK TABLES`, `CREATE TRIGGER`) and gives
/// up after `wait`. MariaDB's lock wait timeout has a
/// granularity of whole seconds, and while we wait every new writer queues behind us, so a
/// watchdog on a second connection interrupts the request (`KILL QUERY`, never `KILL`) at the
/// deadline — but only while it is still waiting for the lock ([`KILLABLE_STATES`]); once granted,
/// the statement is left to finish (it is opening the table, which a kill would poison). The
/// mutex makes the kill and the grant exclusive: once the grant is recorded no kill is sent, and
/// a kill sent before it can only have hit the lock request itself — or, if it arrived just after
/// the grant, the sacrificial `DO 0` that follows.
fn with_deadline(
    admin: &mut Conn,
    killer: &mut Conn,
    statement: &str,
    wait: Duration,
) -> Result<bool, mysql::Error> {
    let id: u64 = admin.query_first("SELECT CONNECTION_ID()")?.unwrap_or(0);
    let granted = Arc::new(Mutex::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let killed = std::thread::scope(|scope| {
        let granted_w = granted.clone();
        let watchdog = scope.spawn(move || {
            let mut timeout = wait;
            loop {
                if done_rx.recv_timeout(timeout).is_ok() {
                    return false;
                }
                timeout = RECHECK;
                let Ok(guard) = granted_w.lock() else {
                    return false;
                };
                if *guard {
                    return false;
                }
                match killer.query_first::<i64, _>(kill_if_waiting_sql(id)) {
                    Ok(Some(1)) => return true,
                    Ok(_) => {}
                    // The watchdog cannot look: the server-side timeout is the backstop.
                    Err(_) => return false,
                }
                drop(guard);
            }
        });
        let result = admin.query_drop(statement);
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

fn set_backstop(admin: &mut Conn, wait: Duration) -> Result<(), LifecycleError> {
    // The server-side timeouts are only a backstop in case the watchdog cannot kill.
    let backstop = wait.as_secs() + 2;
    sql(
        admin.query_drop(format!(
            "SET SESSION lock_wait_timeout = {backstop}, innodb_lock_wait_timeout = {backstop}"
        )),
        "setting the lock wait timeout",
    )
}

/// The xids of the server's prepared XA transactions, quoted, comma-separated (`None` when there
/// are none or they cannot be listed).
fn prepared_xids(conn: &mut Conn) -> Option<String> {
    let rows: Vec<mysql::Row> = conn.query("XA RECOVER").ok()?;
    let xids: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.get::<Vec<u8>, _>("data"))
        .map(|d| format!("'{}'", String::from_utf8_lossy(&d)))
        .collect();
    (!xids.is_empty()).then(|| xids.join(", "))
}

/// Runs a metadata-locking statement with the deadline, retrying; returns how long the
/// successful attempt took (writers wait behind it that long at most) and the attempts made.
fn run_bounded(
    admin: &mut Conn,
    killer: &mut Conn,
    statement: &str,
    label: &str,
    options: &CreateOptions,
    control: Option<&Control>,
    on_event: &mut dyn FnMut(Event),
) -> Result<(f64, u32), LifecycleError> {
    let wait = options.max_lock_wait.max(Duration::from_millis(10));
    let attempts = options.lock_attempts.max(1);
    for attempt in 1..=attempts {
        if control.is_some_and(Control::is_cancelled) {
            return Err(LifecycleError::Cancelled(label.to_string()));
        }
        let t0 = Instant::now();
        let result = with_deadline(admin, killer, statement, wait);
        // The server's refusal of LOCK TABLES names the database, not the privilege.
        let context = if statement.starts_with("LOCK TABLES")
            && crate::db::introspect::is_database_access_denied(&result)
        {
            format!("locking {label}, which needs the LOCK TABLES privilege")
        } else {
            format!("waiting for the metadata lock of {label}")
        };
        let done = sql(result, &context)?;
        if done {
            return Ok((t0.elapsed().as_secs_f64() * 1000.0, attempt));
        }
        if attempt < attempts {
            on_event(Event::LockRetry { attempt });
            // Let the writers that queued behind our request through before asking again.
            std::thread::sleep(Duration::from_millis(100 * u64::from(attempt.min(10))));
        }
    }
    Err(LifecycleError::LockTimeout {
        table: label.to_string(),
        attempts,
        wait_ms: wait.as_millis() as u64,
    })
}

/// Bounds `admin`'s lock waits by `options.max_lock_wait` and opens the watchdog connection
/// that kills a statement still waiting past it.
fn watchdog(
    opts: &Opts,
    admin: &mut Conn,
    options: &CreateOptions,
) -> Result<Conn, LifecycleError> {
    set_backstop(admin, options.max_lock_wait.max(Duration::from_millis(10)))?;
    sql(
        Conn::new(opts.clone()),
        "opening the lock watchdog connection",
    )
}

/// Installs (or replaces) triggers one at a time, each with a bounded metadata-lock wait.
/// Returns the longest installation, ms.
pub fn install_triggers(
    opts: &Opts,
    admin: &mut Conn,
    triggers: &[String],
    label: &str,
    options: &CreateOptions,
    control: Option<&Control>,
    on_event: &mut dyn FnMut(Event),
) -> Result<f64, LifecycleError> {
    let mut killer = watchdog(opts, admin, options)?;
    let mut longest: f64 = 0.0;
    for t in triggers {
        let (ms, _) = run_bounded(admin, &mut killer, t, label, options, control, on_event)?;
        longest = longest.max(ms);
    }
    Ok(longest)
}

/// Takes the write lock, runs `plan.statements`, starts `snapshot`'s consistent snapshot (when
/// given) and releases the lock. `opts` opens the watchdog connection.
pub fn run_locked(
    opts: &Opts,
    admin: &mut Conn,
    mut snapshot: Option<&mut Conn>,
    plan: &LockPlan,
    options: &CreateOptions,
    control: Option<&Control>,
    on_event: &mut dyn FnMut(Event),
) -> Result<LockOutcome, LifecycleError> {
    let mut killer = watchdog(opts, admin, options)?;
    // Only the base table: locking our state tables too made writers that queued on the lock fail
    // with "table doesn't exist" for a state table the new triggers use (seen on 10.11). Nothing
    // under the lock touches the state tables.
    let lock_sql = format!("LOCK TABLES {}", plan.base);
    // With autocommit off, LOCK TABLES also takes InnoDB's table lock, which waits for every
    // transaction holding a lock on the table. A prepared XA transaction whose client is gone
    // no longer holds the metadata lock but keeps its InnoDB locks: this is what makes the lock
    // wait for it, so that its rows are either in the snapshot or were never written
    // (docs/correctness.md, "Prepared XA transactions").
    sql(
        admin.query_drop("SET SESSION autocommit = 0, innodb_table_locks = 1"),
        "setting up the lock",
    )?;
    let started = Instant::now();
    let bounded = run_bounded(
        admin,
        &mut killer,
        &lock_sql,
        &plan.base_label,
        options,
        control,
        on_event,
    );
    let attempts = match bounded {
        Ok((_, attempts)) => attempts,
        Err(e) => {
            let _ = admin.query_drop("SET SESSION autocommit = 1");
            return Err(match (e, prepared_xids(admin)) {
                (
                    LifecycleError::LockTimeout {
                        table,
                        attempts,
                        wait_ms,
                    },
                    Some(xids),
                ) => LifecycleError::PreparedXa {
                    table,
                    attempts,
                    wait_ms,
                    xids,
                },
                (e, _) => e,
            });
        }
    };
    let granted = Instant::now();
    let result = (|| -> Result<(), LifecycleError> {
        for stmt in &plan.statements {
            let what = stmt.lines().next().unwrap_or("").to_string();
            sql(admin.query_drop(stmt), &format!("under the lock ({what})"))?;
        }
        if let Some(s) = snapshot.as_deref_mut() {
            sql(
                s.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
                "opening the backfill snapshot",
            )?;
        }
        Ok(())
    })();
    let unlocked = admin.query_drop("UNLOCK TABLES");
    let released = Instant::now();
    let _ = admin.query_drop("SET SESSION autocommit = 1");
    if let Err(e) = result {
        if let Some(s) = snapshot {
            let _ = s.query_drop("ROLLBACK");
        }
        return Err(e);
    }
    sql(unlocked, "unlocking the base table")?;
    Ok(LockOutcome {
        lock_ms: (released - granted).as_secs_f64() * 1000.0,
        wait_ms: (granted - started).as_secs_f64() * 1000.0,
        attempts,
    })
}
