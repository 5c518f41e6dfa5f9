//! The seven ways the original timestamp cut-off algorithm loses or double-counts changes, each
//! replayed deterministically against our online creation: the backfill is held (paused) right
//! after the lock, the dangerous writes happen, then the backfill runs and the summary must equal
//! the query.

mod support;

use lightning_tables::lifecycle::{create, validate, ChunkPolicy, Control, CreateOptions, Event};
use mysql::prelude::Queryable;
use std::sync::mpsc;
use std::time::Duration;
use support::compare::{assert_same, Strings};

const QUERY: &str = "SELECT g, SUM(d) AS total, COUNT(*) AS n, MIN(d) AS lo FROM t GROUP BY g";

/// Creates the summary in a thread with its backfill paused after the lock; runs `writes` while
/// paused, then lets the backfill finish and checks exactness.
fn with_paused_backfill(hint: &str, setup: &[&str], writes: impl FnOnce(&mut mysql::Conn)) {
    let db = support::server::fresh_db(hint);
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE t (id INT PRIMARY KEY, g INT NULL, d DECIMAL(10,2) NULL,
         updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
    )
    .unwrap();
    for s in setup {
        conn.query_drop(*s).unwrap();
    }
    let control = Control::new();
    control.set_paused(true);
    let (tx, rx) = mpsc::channel();
    let opts = db.opts();
    let c2 = control.clone();
    let creator = std::thread::spawn(move || {
        let options = CreateOptions {
            chunk: ChunkPolicy::Fixed(2),
            ..CreateOptions::default()
        };
        create(&opts, "s", QUERY, &options, &c2, &mut |e| {
            if let Event::Locked { .. } = e {
                let _ = tx.send(());
            }
        })
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("lock phase finished");
    writes(&mut conn);
    control.set_paused(false);
    creator.join().expect("creator thread").expect("create");
    assert_same(&mut conn, "s", QUERY, Strings::Exact, hint);
    let report = validate(&db.opts(), &db.name, "s", 5).unwrap();
    assert!(report.exact, "{hint}: {report:?}");
}

const ROWS: &str = "INSERT INTO t (id, g, d) VALUES (1, 1, 20), (2, 1, 15), (3, 2, 30), (4, 2, 5), (5, 3, 100), (6, 3, 30)";

#[test]
fn case_1_update_of_an_old_row_before_its_chunk() {
    with_paused_backfill("case1", &[ROWS], |c| {
        c.query_drop("UPDATE t SET d = d + 100 WHERE id = 6")
            .unwrap();
    });
}

#[test]
fn case_2_old_row_moved_to_another_group_or_deleted() {
    with_paused_backfill("case2", &[ROWS], |c| {
        c.query_drop("UPDATE t SET g = 9 WHERE id = 5").unwrap();
        c.query_drop("UPDATE t SET g = NULL WHERE id = 3").unwrap();
        c.query_drop("DELETE FROM t WHERE id = 4").unwrap();
    });
}

#[test]
fn case_3_rows_written_in_the_same_second_as_the_lock() {
    // Second-precision timestamps equal to the lock time: a cut-off would count them twice.
    with_paused_backfill("case3", &[ROWS], |c| {
        c.query_drop("INSERT INTO t (id, g, d) VALUES (7, 1, 1), (8, 3, 2)")
            .unwrap();
        c.query_drop("UPDATE t SET updated_at = updated_at WHERE id IN (7, 8)")
            .unwrap();
    });
}

#[test]
fn case_4_application_sets_updated_at_itself_or_leaves_it_unchanged() {
    with_paused_backfill("case4", &[ROWS], |c| {
        c.query_drop("UPDATE t SET d = 1, updated_at = '2000-01-01 00:00:00' WHERE id = 1")
            .unwrap();
        c.query_drop("UPDATE t SET d = 2, updated_at = updated_at WHERE id = 2")
            .unwrap();
        c.query_drop("INSERT INTO t (id, g, d, updated_at) VALUES (9, 2, 7, '1999-01-01')")
            .unwrap();
    });
}

#[test]
fn case_5_writes_that_queued_on_the_lock() {
    // A transaction holds the table, so the lock queues; writers queue behind the lock; they run
    // after the triggers exist and must be counted exactly once.
    let db = support::server::fresh_db("case5");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, g INT NULL, d DECIMAL(10,2) NULL, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)").unwrap();
    conn.query_drop(ROWS).unwrap();
    let mut holder = db.conn();
    holder.query_drop("START TRANSACTION").unwrap();
    holder
        .query_drop("UPDATE t SET d = d + 1 WHERE id = 1")
        .unwrap();
    let opts = db.opts();
    let creator = std::thread::spawn(move || {
        let options = CreateOptions {
            max_lock_wait: Duration::from_secs(20),
            chunk: ChunkPolicy::Fixed(2),
            ..CreateOptions::default()
        };
        support::server::create_quietly(&opts, "s", QUERY, &options)
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut queued = Vec::new();
    for i in 0..4 {
        let opts = db.opts();
        queued.push(std::thread::spawn(move || {
            let mut c = mysql::Conn::new(opts).unwrap();
            c.query_drop(format!(
                "INSERT INTO t (id, g, d) VALUES ({}, {}, 3)",
                100 + i,
                i % 2
            ))
            .unwrap();
            c.query_drop(format!("UPDATE t SET d = d * 2 WHERE id = {}", 1 + i))
                .unwrap();
        }));
    }
    std::thread::sleep(Duration::from_millis(300));
    holder.query_drop("COMMIT").unwrap();
    for q in queued {
        q.join().unwrap();
    }
    creator.join().unwrap().unwrap();
    assert_same(&mut conn, "s", QUERY, Strings::Exact, "case5");
    assert!(validate(&db.opts(), &db.name, "s", 5).unwrap().exact);
}

#[test]
fn case_6_backfill_chunks_and_triggers_on_the_same_group() {
    let db = support::server::fresh_db("case6");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, g INT NULL, d DECIMAL(10,2) NULL)")
        .unwrap();
    conn.query_drop("INSERT INTO t SELECT seq, 1, seq FROM seq_1_to_3000")
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut hammer = Vec::new();
    for w in 0..3 {
        let opts = db.opts();
        let stop = stop.clone();
        hammer.push(std::thread::spawn(move || {
            let mut c = mysql::Conn::new(opts).unwrap();
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let id = 1 + (i * 37 + w * 1000) % 3000;
                c.query_drop(format!("UPDATE t SET d = d + 1 WHERE id = {id}"))
                    .unwrap();
                c.query_drop(format!(
                    "INSERT INTO t VALUES ({}, 1, 5)",
                    10_000 + w * 100_000 + i
                ))
                .unwrap();
            }
        }));
    }
    let options = CreateOptions {
        chunk: ChunkPolicy::Fixed(50),
        ..CreateOptions::default()
    };
    support::server::create_quietly(&db.opts(), "s", QUERY, &options).unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for h in hammer {
        h.join().unwrap();
    }
    assert_same(&mut conn, "s", QUERY, Strings::Exact, "case6");
}

#[test]
fn case_7_a_group_whose_partial_count_passes_through_zero() {
    with_paused_backfill("case7", &[ROWS], |c| {
        // Group 3 loses all its rows before the backfill reaches it (its trigger count goes to
        // -2), then gains one back; group 2 loses its rows for good.
        c.query_drop("DELETE FROM t WHERE g = 3").unwrap();
        c.query_drop("INSERT INTO t (id, g, d) VALUES (10, 3, 1)")
            .unwrap();
        c.query_drop("DELETE FROM t WHERE g = 2").unwrap();
    });
}
