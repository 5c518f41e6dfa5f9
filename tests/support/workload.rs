//! Concurrent writers for online-creation tests: each thread runs a seeded random mix of
//! statements and small transactions on its own connection until told to stop.
#![allow(dead_code)]

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The base table the online tests use, filled with `rows` rows by the SEQUENCE engine.
pub fn make_table(conn: &mut Conn, rows: u64) {
    conn.query_drop(
        "CREATE TABLE `t` (
           `id` BIGINT NOT NULL PRIMARY KEY,
           `g` INT NULL,
           `s` VARCHAR(6) COLLATE utf8mb4_general_ci NULL,
           `d` DECIMAL(14,2) NULL,
           `f` DOUBLE NULL,
           `updated_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
         ) ENGINE=InnoDB",
    )
    .unwrap();
    if rows > 0 {
        conn.query_drop(format!(
            "INSERT INTO `t` (`id`, `g`, `s`, `d`, `f`) SELECT seq, IF(seq % 97 = 0, NULL, seq % 40), ELT(1 + seq % 5, 'a', 'A', 'b', 'c', NULL), (seq % 1000) - 300.25, seq / 7, FROM seq_1_to_{rows}"
        ).replace(", FROM", " FROM"))
        .unwrap();
    }
}

/// Isolation level of the writers.
#[derive(Clone, Copy, Debug)]
pub enum Isolation {
    /// REPEATABLE READ (InnoDB's default).
    RepeatableRead,
    /// READ COMMITTED.
    ReadCommitted,
}

/// Counters the writers keep.
#[derive(Default, Debug)]
pub struct Stats {
    /// Statements that succeeded.
    pub ok: AtomicU64,
    /// Transactions rolled back by a deadlock or lock wait timeout (retried by nobody: they
    /// simply did not happen, which keeps the summary and the table consistent).
    pub deadlocks: AtomicU64,
}

/// Running writers.
pub struct Writers {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<Result<(), String>>>,
    /// Shared counters.
    pub stats: Arc<Stats>,
}

fn statement(rng: &mut StdRng, max_id: u64, next_id: &AtomicU64) -> String {
    let id = rng.gen_range(1..=max_id.max(1));
    let g = rng.gen_range(0..40);
    match rng.gen_range(0..100) {
        0..=19 => {
            let n = if rng.gen_bool(0.3) { rng.gen_range(2..8) } else { 1 };
            let rows: Vec<String> = (0..n)
                .map(|_| {
                    let id = next_id.fetch_add(1, Ordering::SeqCst);
                    let g = if rng.gen_bool(0.05) { "NULL".to_string() } else { rng.gen_range(0..40).to_string() };
                    format!("({id}, {g}, 'a', {}.5, {})", rng.gen_range(-500..900), rng.gen_range(0..100))
                })
                .collect();
            format!("INSERT INTO `t` (`id`, `g`, `s`, `d`, `f`) VALUES {}", rows.join(", "))
        }
        20..=39 => format!("UPDATE `t` SET `d` = `d` + {} WHERE `id` = {id}", rng.gen_range(-50..50)),
        40..=54 => format!("UPDATE `t` SET `g` = {g} WHERE `id` = {id}"),
        55..=59 => format!("UPDATE `t` SET `g` = NULL WHERE `id` = {id}"),
        60..=64 => format!("UPDATE `t` SET `s` = ELT(1 + {g} % 4, 'a', 'B', 'b ', NULL), `updated_at` = '2001-01-01' WHERE `id` = {id}"),
        65..=79 => format!("DELETE FROM `t` WHERE `id` = {id}"),
        80..=89 => format!(
            "REPLACE INTO `t` (`id`, `g`, `s`, `d`, `f`) VALUES ({id}, {g}, 'c', {}.25, 1.5)",
            rng.gen_range(-100..100)
        ),
        90..=93 => {
            // Primary-key moves: across the backfill's chunks and checkpoint regions (a taken
            // key fails with a duplicate-key error, which the writer ignores).
            let to = rng.gen_range(1..=max_id.max(1));
            format!("UPDATE `t` SET `id` = {to} WHERE `id` = {id}")
        }
        _ => format!(
            "INSERT INTO `t` (`id`, `g`, `s`, `d`, `f`) VALUES ({id}, {g}, 'x', 1, 2) ON DUPLICATE KEY UPDATE `d` = `d` - 1, `g` = {g}"
        ),
    }
}

fn is_retryable(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(me) if me.code == 1213 || me.code == 1205)
}

impl Writers {
    /// Starts `n` writers against `opts`; ids up to `max_id` exist, new rows get ids from
    /// `max_id + 1` on.
    pub fn start(opts: &Opts, n: usize, seed: u64, isolation: Isolation, max_id: u64) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let next_id = Arc::new(AtomicU64::new(max_id + 1_000_000));
        let mut handles = Vec::new();
        for w in 0..n {
            let opts = opts.clone();
            let stop = stop.clone();
            let stats = stats.clone();
            let next_id = next_id.clone();
            handles.push(std::thread::spawn(move || -> Result<(), String> {
                let mut conn = Conn::new(opts).map_err(|e| e.to_string())?;
                let level = match isolation {
                    Isolation::RepeatableRead => "REPEATABLE READ",
                    Isolation::ReadCommitted => "READ COMMITTED",
                };
                conn.query_drop(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"))
                    .map_err(|e| e.to_string())?;
                conn.query_drop("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO', innodb_lock_wait_timeout = 10")
                    .map_err(|e| e.to_string())?;
                let mut rng = StdRng::seed_from_u64(seed * 1000 + w as u64);
                while !stop.load(Ordering::SeqCst) {
                    let in_tx = rng.gen_bool(0.3);
                    let count = if in_tx { rng.gen_range(2..5) } else { 1 };
                    let stmts: Vec<String> =
                        (0..count).map(|_| statement(&mut rng, max_id, &next_id)).collect();
                    let run = |conn: &mut Conn| -> Result<(), mysql::Error> {
                        if in_tx {
                            conn.query_drop("START TRANSACTION")?;
                        }
                        for s in &stmts {
                            conn.query_drop(s)?;
                        }
                        if in_tx {
                            conn.query_drop("COMMIT")?;
                        }
                        Ok(())
                    };
                    match run(&mut conn) {
                        Ok(()) => {
                            stats.ok.fetch_add(count as u64, Ordering::Relaxed);
                        }
                        Err(e) if is_retryable(&e) => {
                            let _ = conn.query_drop("ROLLBACK");
                            stats.deadlocks.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mysql::Error::MySqlError(me)) if me.code == 1062 => {
                            let _ = conn.query_drop("ROLLBACK");
                        }
                        Err(e) => {
                            let _ = conn.query_drop("ROLLBACK");
                            return Err(format!("writer {w} at {:?}: {stmts:?}: {e}", std::time::SystemTime::now()));
                        }
                    }
                }
                Ok(())
            }));
        }
        Writers {
            stop,
            handles,
            stats,
        }
    }

    /// Stops the writers and reports any unexpected error.
    pub fn stop(self) -> Arc<Stats> {
        self.stop.store(true, Ordering::SeqCst);
        for h in self.handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("a writer failed: {e}"),
                Err(_) => panic!("a writer panicked"),
            }
        }
        self.stats
    }
}

/// Sleeps while writers keep writing.
pub fn let_them_write(ms: u64) {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}
