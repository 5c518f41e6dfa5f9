//! Real databases have more than one of everything: several summaries per table, the user's own
//! triggers, name collisions, failures that must leave nothing behind, TRUNCATE and ALTER, and
//! crashes of the tool and of the server in the middle of a backfill.

mod support;

use lightning_tables::db::server::PrivateServer;
use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions,
    Event, LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::Conn;
use std::time::{Duration, Instant};
use support::compare::{assert_same, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const BY_G: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total FROM t GROUP BY g";
const BY_S: &str = "SELECT s, MIN(d) AS lo, MAX(d) AS hi FROM t WHERE g IS NOT NULL GROUP BY s";

/// Everything information_schema knows about the objects of `db`.
fn objects(conn: &mut Conn, db: &str) -> Vec<String> {
    let mut out: Vec<String> = conn
        .exec(
            "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
            (db,),
        )
        .unwrap();
    let triggers: Vec<String> = conn
        .exec(
            "SELECT CONCAT('TRIGGER ', TRIGGER_NAME, ' ', ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (db,),
        )
        .unwrap();
    out.extend(triggers);
    out.sort();
    out
}

fn quick() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(500),
        ..CreateOptions::default()
    }
}

#[test]
fn several_summaries_and_the_users_own_trigger_coexist() {
    let db = support::server::fresh_db("several");
    let mut conn = db.conn();
    make_table(&mut conn, 2000);
    conn.query_drop("CREATE TABLE audit (n INT NOT NULL)")
        .unwrap();
    conn.query_drop("INSERT INTO audit VALUES (0)").unwrap();
    conn.query_drop(
        "CREATE TRIGGER users_own AFTER INSERT ON t FOR EACH ROW UPDATE audit SET n = n + 1",
    )
    .unwrap();
    let before = objects(&mut conn, &db.name);
    support::server::create_quietly(&db.opts(), "by_g", BY_G, &quick()).unwrap();
    support::server::create_quietly(&db.opts(), "by_s", BY_S, &quick()).unwrap();
    conn.query_drop(
        "INSERT INTO t (id, g, s, d) VALUES (100001, 1, 'zz', 5), (100002, NULL, 'a', 7)",
    )
    .unwrap();
    conn.query_drop("UPDATE t SET g = 2 WHERE id < 50").unwrap();
    let audit: Option<i64> = conn.query_first("SELECT n FROM audit").unwrap();
    assert_eq!(audit, Some(2), "the user's trigger still fires");
    assert_same(&mut conn, "by_g", BY_G, Strings::Collated, "by_g");
    assert_same(&mut conn, "by_s", BY_S, Strings::Collated, "by_s");
    rebuild(
        &db.opts(),
        &db.name,
        "by_g",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    drop_summary(&db.opts(), &db.name, "by_s").unwrap();
    conn.query_drop("DELETE FROM t WHERE id % 3 = 0").unwrap();
    assert_same(
        &mut conn,
        "by_g",
        BY_G,
        Strings::Collated,
        "by_g after dropping by_s",
    );
    drop_summary(&db.opts(), &db.name, "by_g").unwrap();
    assert_eq!(
        objects(&mut conn, &db.name),
        before,
        "drop restores information_schema"
    );
    // Idempotent.
    let again = drop_summary(&db.opts(), &db.name, "by_g").unwrap();
    assert!(again.dropped.is_empty());
    conn.query_drop("INSERT INTO t (id, g) VALUES (100003, 1)")
        .unwrap();
    let audit: Option<i64> = conn.query_first("SELECT n FROM audit").unwrap();
    assert_eq!(audit, Some(3));
}

#[test]
fn a_name_that_collides_is_refused_before_anything_is_created() {
    let db = support::server::fresh_db("collide");
    let mut conn = db.conn();
    make_table(&mut conn, 10);
    conn.query_drop("CREATE TABLE taken (x INT)").unwrap();
    let before = objects(&mut conn, &db.name);
    let err = support::server::create_quietly(&db.opts(), "taken", BY_G, &quick()).unwrap_err();
    assert!(matches!(err, LifecycleError::Exists(_)), "{err}");
    assert!(err.to_string().contains("taken"));
    let err = support::server::create_quietly(&db.opts(), "t", BY_G, &quick()).unwrap_err();
    assert!(matches!(err, LifecycleError::Exists(_)), "{err}");
    assert_eq!(objects(&mut conn, &db.name), before);
}

#[test]
fn rejected_queries_and_lock_timeouts_leave_nothing_behind() {
    let db = support::server::fresh_db("leftovers");
    let mut conn = db.conn();
    make_table(&mut conn, 100);
    let before = objects(&mut conn, &db.name);
    let err = create(
        &db.opts(),
        "bad",
        "SELECT g, NOW() FROM t GROUP BY g",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("NOW()"), "{err}");
    assert_eq!(objects(&mut conn, &db.name), before);

    // A transaction keeps the table busy: the lock cannot be had, create gives up cleanly.
    let mut holder = db.conn();
    holder.query_drop("START TRANSACTION").unwrap();
    holder
        .query_drop("UPDATE t SET d = d WHERE id = 1")
        .unwrap();
    let options = CreateOptions {
        max_lock_wait: Duration::from_millis(300),
        lock_attempts: 2,
        ..quick()
    };
    let started = Instant::now();
    let err = support::server::create_quietly(&db.opts(), "busy", BY_G, &options).unwrap_err();
    assert!(matches!(err, LifecycleError::LockTimeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    holder.query_drop("ROLLBACK").unwrap();
    assert_eq!(
        objects(&mut conn, &db.name),
        before,
        "nothing left after a lock timeout"
    );
    // And the table is writable again at once.
    conn.query_drop("UPDATE t SET d = 1 WHERE id = 2").unwrap();
}

#[test]
fn truncate_and_alter_are_detected_and_rebuild_recovers() {
    let db = support::server::fresh_db("ddl");
    let mut conn = db.conn();
    make_table(&mut conn, 500);
    support::server::create_quietly(&db.opts(), "s", BY_G, &quick()).unwrap();
    conn.query_drop("TRUNCATE TABLE t").unwrap();
    conn.query_drop("INSERT INTO t (id, g, d) VALUES (1, 1, 1)")
        .unwrap();
    let v = validate(&db.opts(), &db.name, "s", 3).unwrap();
    assert!(
        !v.exact && v.differing_groups > 0,
        "TRUNCATE fires no trigger: {v:?}"
    );
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    assert!(validate(&db.opts(), &db.name, "s", 3).unwrap().exact);

    // A column the summary reads changes type (a column added elsewhere would not matter:
    // tests/base_ddl.rs).
    conn.query_drop("ALTER TABLE t MODIFY d DECIMAL(16,2) NULL")
        .unwrap();
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert!(st.base_altered, "{st:?}");
    let v = validate(&db.opts(), &db.name, "s", 3).unwrap();
    assert!(
        !v.exact && v.problems.iter().any(|p| p.contains("altered")),
        "{v:?}"
    );
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    assert!(!status(&db.opts(), &db.name, "s").unwrap().base_altered);
    assert!(validate(&db.opts(), &db.name, "s", 3).unwrap().exact);
}

#[test]
fn a_dropped_trigger_definer_is_reported_and_rebuild_recovers() {
    // Triggers run as the account that created them: once it is dropped, every write to the
    // base table fails. `status` must say so, and a rebuild by another account must fix it.
    let db = support::server::fresh_db("definer");
    let mut conn = db.conn();
    make_table(&mut conn, 300);
    let user = support::server::account_name("def", &db.name);
    let _account = support::server::Account(user.clone());
    for s in [
        format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'pw-Definer-1'"),
        format!("GRANT ALL PRIVILEGES ON `{}`.* TO '{user}'@'%'", db.name),
        // The shared server logs binary: creating a trigger then takes SUPER (or the global
        // log_bin_trust_function_creators, which other tests read).
        format!("GRANT SUPER ON *.* TO '{user}'@'%'"),
    ] {
        conn.query_drop(s).unwrap();
    }
    let as_user: mysql::Opts = mysql::OptsBuilder::from_opts(db.opts())
        .user(Some(user.clone()))
        .pass(Some("pw-Definer-1"))
        .into();
    support::server::create_quietly(&as_user, "s", BY_G, &quick()).unwrap();
    assert!(status(&db.opts(), &db.name, "s")
        .unwrap()
        .missing_definer
        .is_none());
    conn.query_drop(format!("DROP USER '{user}'@'%'")).unwrap();
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(
        st.missing_definer.as_deref(),
        Some(&*format!("{user}@%")),
        "{st:?}"
    );
    assert!(st.summary.starts_with("BROKEN"), "{}", st.summary);
    assert!(
        conn.query_drop("INSERT INTO t (id, g, d) VALUES (9001, 1, 1)")
            .is_err(),
        "a write went through triggers whose definer is gone"
    );
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert!(st.missing_definer.is_none(), "{st:?}");
    conn.query_drop("INSERT INTO t (id, g, d) VALUES (9001, 1, 1)")
        .unwrap();
    assert_same(&mut conn, "s", BY_G, Strings::Exact, "after the rebuild");
}

/// Waits until the catalog shows a committed checkpoint region and more progress after it (so
/// a kill lands mid-region).
fn wait_for_checkpoint(conn: &mut Conn, db: &str, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done: Option<(u64, u64, u64)> = conn
            .exec_first(
                format!("SELECT checkpoint, checkpoint_rows, rows_done FROM `{db}`.`_lightning_catalog` WHERE name = ?"),
                (name,),
            )
            .unwrap_or(None);
        if matches!(done, Some((c, at, now)) if c > 0 && now > at) {
            return;
        }
        assert!(Instant::now() < deadline, "no checkpoint");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn killing_the_create_process_mid_backfill_then_resume_is_exact() {
    let db = support::server::fresh_db("killcli");
    let mut conn = db.conn();
    make_table(&mut conn, 40_000);
    let writers = Writers::start(&db.opts(), 3, 21, Isolation::RepeatableRead, 40_000);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args([
            "--url",
            &db.url(),
            "create",
            "s",
            "--chunk-size",
            "20",
            "--checkpoint-every",
            "0",
            "--query",
            BY_G,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_checkpoint(&mut conn, &db.name, "s");
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let_them_write(200);
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.entry.status.as_str(), "backfilling", "{st:?}");
    assert!(st.triggers_present);
    let mut from = None;
    resume(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |e| {
            if let Event::Resumed { regions_done, .. } = e {
                from = Some(regions_done);
            }
        },
    )
    .unwrap();
    assert!(
        from.is_some_and(|r| r >= 1),
        "resume did not continue from a checkpoint: {from:?}"
    );
    let_them_write(200);
    writers.stop();
    assert_same(
        &mut conn,
        "s",
        BY_G,
        Strings::Collated,
        "after kill + resume",
    );
    assert!(validate(&db.opts(), &db.name, "s", 3).unwrap().exact);
}

#[test]
fn killing_the_server_mid_backfill_loses_no_committed_write_and_resume_is_exact() {
    let mut server = PrivateServer::start().unwrap();
    let mut admin = server.conn().unwrap();
    admin.query_drop("CREATE DATABASE crash").unwrap();
    let opts = server.opts_for_db("crash");
    let mut conn = Conn::new(opts.clone()).unwrap();
    make_table(&mut conn, 30_000);
    // A writer that records every insert the server acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
    let writer = {
        let (opts, stop, acked) = (opts.clone(), stop.clone(), acked.clone());
        std::thread::spawn(move || {
            let Ok(mut c) = Conn::new(opts) else { return };
            let mut id = 10_000_000u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                id += 1;
                let sql = format!(
                    "INSERT INTO t (id, g, s, d) VALUES ({id}, {}, 'w', 1.5)",
                    id % 40
                );
                match c.query_drop(sql) {
                    Ok(()) => acked.lock().unwrap().push(id),
                    Err(_) => return, // the server went away
                }
            }
        })
    };
    let creator = {
        let opts = opts.clone();
        std::thread::spawn(move || {
            let options = CreateOptions {
                chunk: ChunkPolicy::Fixed(20),
                checkpoint_every: Duration::ZERO,
                ..CreateOptions::default()
            };
            support::server::create_quietly(&opts, "s", BY_G, &options)
        })
    };
    wait_for_checkpoint(&mut conn, "crash", "s");
    server.kill().unwrap();
    assert!(
        creator.join().unwrap().is_err(),
        "create saw the server die"
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.join().unwrap();
    server.restart().unwrap();
    let mut conn = Conn::new(opts.clone()).unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty());
    for chunk in acked.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(std::string::ToString::to_string).collect();
        let n: Option<u64> = conn
            .query_first(format!(
                "SELECT COUNT(*) FROM t WHERE id IN ({})",
                ids.join(",")
            ))
            .unwrap();
        assert_eq!(
            n,
            Some(chunk.len() as u64),
            "an acknowledged insert was lost"
        );
    }
    let mut from = None;
    resume(&opts, "crash", "s", &quick(), &Control::new(), &mut |e| {
        if let Event::Resumed { regions_done, .. } = e {
            from = Some(regions_done);
        }
    })
    .unwrap();
    assert!(
        from.is_some_and(|r| r >= 1),
        "resume after the crash did not continue from a checkpoint: {from:?}"
    );
    conn.query_drop("INSERT INTO t (id, g, d) VALUES (99999999, 3, 3)")
        .unwrap();
    assert_same(
        &mut conn,
        "s",
        BY_G,
        Strings::Collated,
        "after server crash + resume",
    );
    assert!(validate(&opts, "crash", "s", 3).unwrap().exact);
}

#[test]
fn a_table_changed_by_cascading_foreign_keys_no_trigger_accounts_for_is_refused() {
    // ON UPDATE SET NULL of a column the summary reads: no parent trigger accounts for it
    // (ON DELETE CASCADE / SET NULL and ON UPDATE CASCADE are, tests/cascades.rs).
    let db = support::server::fresh_db("fk");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE parent (id INT PRIMARY KEY)")
        .unwrap();
    conn.query_drop(
        "CREATE TABLE child (id INT PRIMARY KEY, pid INT, amount INT,
         FOREIGN KEY (pid) REFERENCES parent (id) ON UPDATE SET NULL)",
    )
    .unwrap();
    let before = objects(&mut conn, &db.name);
    let err = create(
        &db.opts(),
        "s",
        "SELECT pid, SUM(amount) FROM child GROUP BY pid",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("ON UPDATE SET NULL"), "{err}");
    assert_eq!(objects(&mut conn, &db.name), before);
}

#[test]
fn writers_wait_at_most_about_the_lock_bound_behind_a_long_transaction() {
    // A transaction holds the table for seconds; create asks for the lock with a 200 ms bound.
    // Writers that queue behind the pending lock request are released when it gives up, instead
    // of waiting for the long transaction (the lock convoy a plain LOCK TABLES would cause).
    let db = support::server::fresh_db("convoy");
    let mut conn = db.conn();
    make_table(&mut conn, 100);
    let mut holder = db.conn();
    holder.query_drop("START TRANSACTION").unwrap();
    holder
        .query_drop("UPDATE t SET d = d WHERE id = 1")
        .unwrap();
    let opts = db.opts();
    let creator = std::thread::spawn(move || {
        let options = CreateOptions {
            max_lock_wait: Duration::from_millis(200),
            lock_attempts: 3,
            ..quick()
        };
        support::server::create_quietly(&opts, "s", BY_G, &options)
    });
    // A writer keeps inserting; count how many statements complete while the holder is open.
    let started = Instant::now();
    let mut done = 0;
    let mut id = 500_000;
    while started.elapsed() < Duration::from_millis(1500) {
        id += 1;
        conn.query_drop(format!("INSERT INTO t (id, g, d) VALUES ({id}, 1, 1)"))
            .unwrap();
        done += 1;
    }
    let result = creator.join().unwrap();
    assert!(
        matches!(result, Err(LifecycleError::LockTimeout { .. })),
        "{result:?}"
    );
    holder.query_drop("COMMIT").unwrap();
    // Without the bound the writer would have been stuck behind the lock request for the
    // whole 1.5 s and completed at most a handful of statements.
    assert!(
        done > 20,
        "the writer was stalled: only {done} statements in 1.5 s"
    );
}

#[test]
fn an_overloaded_server_pauses_the_backfill_and_cancel_leaves_it_resumable() {
    let db = support::server::fresh_db("load");
    let mut conn = db.conn();
    make_table(&mut conn, 1000);
    let control = Control::new();
    let throttled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let creator = {
        let (opts, control, throttled) = (db.opts(), control.clone(), throttled.clone());
        std::thread::spawn(move || {
            // Threads_running is at least 1 (our own query): a limit of 0 always throttles.
            let options = CreateOptions {
                max_load: Some(("Threads_running".into(), 0)),
                ..quick()
            };
            create(&opts, "s", BY_G, &options, &control, &mut |e| {
                if let lightning_tables::lifecycle::Event::Throttled { .. } = e {
                    throttled.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !throttled.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "never throttled");
        std::thread::sleep(Duration::from_millis(20));
    }
    control.cancel();
    let result = creator.join().unwrap();
    assert!(
        matches!(result, Err(LifecycleError::Cancelled(_))),
        "{result:?}"
    );
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.entry.rows_done, 0, "no chunk ran while throttled");
    assert_eq!(st.entry.status.as_str(), "backfilling");
    conn.query_drop("UPDATE t SET g = 7 WHERE id < 100")
        .unwrap();
    resume(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_same(
        &mut conn,
        "s",
        BY_G,
        Strings::Collated,
        "after cancel + resume",
    );
}
