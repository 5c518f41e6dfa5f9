//! A `KILL QUERY` that lands while a statement opens a table and parses its stored triggers makes
//! MariaDB keep that TABLE instance, in the table cache, as "Trigger … has an error in its body"
//! (error 1064) for every later statement that gets it. The lock watchdog kills a trigger DDL that
//! waits too long; it must never do so once the DDL has its lock and is parsing the table's
//! triggers (docs/correctness.md, "Killing a statement that opens the table").

mod support;

use lightning_tables::lifecycle::lock::install_triggers;
use lightning_tables::lifecycle::CreateOptions;
use mysql::prelude::Queryable;
use std::time::{Duration, Instant};

/// A BEFORE DELETE trigger of the user's own (the writers below never fire it), long enough that
/// parsing it takes far longer than
/// the lock wait below.
fn big_trigger(statements: usize) -> String {
    let body: Vec<String> = (0..statements)
        .map(|i| {
            format!(
                "SET @lt_x{} = IFNULL(@lt_x{}, 0) + OLD.v * {i};",
                i % 50,
                i % 50
            )
        })
        .collect();
    format!(
        "CREATE TRIGGER users_big BEFORE DELETE ON t FOR EACH ROW BEGIN {} END",
        body.join(" ")
    )
}

#[test]
fn a_trigger_ddl_past_its_deadline_is_not_killed_while_it_parses_the_tables_triggers() {
    let db = support::server::fresh_db("parsekill");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)")
        .unwrap();
    conn.query_drop("INSERT INTO t SELECT seq, seq FROM seq_1_to_200")
        .unwrap();
    conn.query_drop(big_trigger(16000)).unwrap();
    // The premise: a trigger DDL on t (which loads and parses t's triggers) takes several lock
    // waits, so a watchdog that kills at the deadline kills it while it parses. The wait is a
    // fifth of what the DDL takes on this machine, so the premise holds on a fast one too.
    let t0 = Instant::now();
    conn.query_drop("CREATE OR REPLACE TRIGGER probe AFTER INSERT ON t FOR EACH ROW SET @lt_y = 1")
        .unwrap();
    let ddl = t0.elapsed();
    conn.query_drop("DROP TRIGGER probe").unwrap();
    let wait = (ddl / 5).max(Duration::from_millis(2));
    eprintln!("a trigger DDL on t took {ddl:?}; the lock wait is {wait:?}");
    assert!(
        ddl >= Duration::from_millis(10),
        "the trigger DDL took only {ddl:?}: no test"
    );

    // Nothing holds the table: each install gets its lock at once and then spends most of its
    // time parsing `users_big`. One attempt each: a watchdog that kills it at the deadline makes it
    // fail (1317 "interrupted", or 1064 "has an error in its body" when the kill lands in the parse).
    let options = CreateOptions {
        max_lock_wait: wait,
        lock_attempts: 1,
        ..CreateOptions::default()
    };
    let mut admin = db.conn();
    for round in 0..5 {
        let ddl = format!(
            "CREATE OR REPLACE TRIGGER ours AFTER INSERT ON t FOR EACH ROW SET @lt_y = {round}"
        );
        let t0 = Instant::now();
        let installed = install_triggers(
            &db.opts(),
            &mut admin,
            &[ddl],
            "t",
            &options,
            None,
            &mut |_| {},
        );
        eprintln!("round {round}: {:?} in {:?}", installed, t0.elapsed());
        assert!(installed.is_ok(), "round {round}: {installed:?}");
    }
    // Fresh sessions draw whatever TABLE instances the cache holds.
    for i in 0..40 {
        let mut c = db.conn();
        c.query_drop(format!("UPDATE t SET v = v + 1 WHERE id = {}", i + 1))
            .unwrap_or_else(|e| panic!("a fresh writer failed: {e}"));
    }
}
