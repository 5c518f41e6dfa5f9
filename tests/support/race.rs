//! Two sessions racing on a private server: one holds its writes uncommitted while the other
//! must wait for it, so a test can force each order of a dangerous interleaving.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};

/// Runs `stmts` on `conn` in another thread (it will block), returning the connection and the
/// outcome when joined.
pub type Background = std::thread::JoinHandle<(Conn, Result<(), mysql::Error>)>;

/// A new connection at isolation `level` that waits up to 20 s for a row lock.
pub fn session(opts: &Opts, level: &str) -> Conn {
    let mut c = Conn::new(opts.clone()).unwrap();
    c.query_drop(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"))
        .unwrap();
    c.query_drop("SET SESSION innodb_lock_wait_timeout = 20")
        .unwrap();
    c
}

/// The server's id of connection `c` (what PROCESSLIST and INNODB_TRX name it by).
pub fn connection_id(c: &mut Conn) -> u64 {
    c.query_first("SELECT CONNECTION_ID()").unwrap().unwrap()
}

/// Waits until connection `id`, running `handle`, waits for a row lock (the interleaving the
/// test wants is then certain), failing after 10 s or when `handle` ended without waiting.
pub fn wait_until_blocked(observer: &mut Conn, id: u64, handle: &mut Option<Background>) {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if handle
            .as_ref()
            .is_some_and(std::thread::JoinHandle::is_finished)
        {
            let (_, r) = handle.take().unwrap().join().unwrap();
            panic!("connection {id} ended without waiting for a lock: {r:?}");
        }
        // A row-lock wait inside a trigger's statement shows in INNODB_TRX as `LOCK WAIT`, or
        // (seen on the test server) only as the trigger's statement still running: these
        // statements take milliseconds, so one running for half a second waits.
        let waiting: Option<u64> = observer
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'",
                (id,),
            )
            .unwrap();
        let running: Option<u64> = observer
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND = 'Query' AND TIME_MS > 500",
                (id,),
            )
            .unwrap();
        if waiting == Some(1) || running == Some(1) {
            return;
        }
        if Instant::now() > until {
            let seen: Vec<(u64, String, String)> = observer
                .query("SELECT trx_mysql_thread_id, trx_state, COALESCE(trx_query, '') FROM information_schema.INNODB_TRX")
                .unwrap();
            let state: Vec<(String, String)> = observer
                .exec(
                    "SELECT COALESCE(STATE, ''), COALESCE(INFO, '') FROM information_schema.PROCESSLIST WHERE ID = ?",
                    (id,),
                )
                .unwrap();
            panic!("connection {id} never waited for a row lock: {state:?}; transactions {seen:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn in_background(mut conn: Conn, stmts: Vec<String>) -> Background {
    std::thread::spawn(move || {
        let r = stmts.iter().try_for_each(|s| conn.query_drop(s));
        (conn, r)
    })
}
