//! Online creation and rebuild stay exact while writers run a random mix during the whole
//! lock, backfill and completion, under REPEATABLE READ and READ COMMITTED.

mod support;

use lightning_tables::lifecycle::{
    drop_summary, rebuild, validate, ChunkPolicy, Control, CreateOptions,
};
use support::compare::{assert_same, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const QUERY: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, AVG(d) AS mean, MIN(d) AS lo, MAX(s) AS top, COUNT(s) AS named FROM t WHERE d > -250 GROUP BY g";
const GLOBAL: &str = "SELECT COUNT(*) AS n, SUM(d) AS total, MAX(d) AS hi FROM t";

fn small_chunks() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(150),
        ..CreateOptions::default()
    }
}

fn online_create_and_rebuild(hint: &str, isolation: Isolation, seed: u64) {
    let db = support::server::fresh_db(hint);
    let mut conn = db.conn();
    let rows = 15_000;
    make_table(&mut conn, rows);
    let writers = Writers::start(&db.opts(), 4, seed, isolation, rows);
    let_them_write(150);
    support::server::create_quietly(&db.opts(), "s", QUERY, &small_chunks()).unwrap();
    support::server::create_quietly(&db.opts(), "g", GLOBAL, &small_chunks()).unwrap();
    let_them_write(200);
    let stats = writers.stop();
    assert!(
        stats.ok.load(std::sync::atomic::Ordering::Relaxed) > 100,
        "writers made progress"
    );
    assert_same(&mut conn, "s", QUERY, Strings::Collated, "after create");
    assert_same(
        &mut conn,
        "g",
        GLOBAL,
        Strings::Exact,
        "after create (global)",
    );
    for name in ["s", "g"] {
        let report = validate(&db.opts(), &db.name, name, 5).unwrap();
        assert!(report.exact, "{name}: {report:?}");
    }

    let writers = Writers::start(&db.opts(), 4, seed + 7, isolation, rows);
    let_them_write(100);
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &small_chunks(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let_them_write(150);
    writers.stop();
    assert_same(&mut conn, "s", QUERY, Strings::Collated, "after rebuild");
    assert!(validate(&db.opts(), &db.name, "s", 5).unwrap().exact);
    drop_summary(&db.opts(), &db.name, "s").unwrap();
    drop_summary(&db.opts(), &db.name, "g").unwrap();
}

#[test]
fn exact_under_concurrent_writers_repeatable_read() {
    online_create_and_rebuild("rr1", Isolation::RepeatableRead, 11);
}

#[test]
fn exact_under_concurrent_writers_read_committed() {
    online_create_and_rebuild("rc1", Isolation::ReadCommitted, 12);
}

#[test]
fn exact_under_concurrent_writers_more_seeds() {
    let seeds: u64 = std::env::var("LIGHTNING_SOAK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for seed in 0..seeds {
        let isolation = if seed % 2 == 0 {
            Isolation::RepeatableRead
        } else {
            Isolation::ReadCommitted
        };
        online_create_and_rebuild(&format!("seed{seed}"), isolation, 100 + seed);
    }
}
