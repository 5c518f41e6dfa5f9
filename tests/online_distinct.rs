//! DISTINCT aggregates (issue 15) through the whole lifecycle while writers run a random mix:
//! online create, a rebuild, a create cancelled after a checkpoint and resumed, validate after
//! each, status, and a drop that leaves nothing behind. The summaries share one multiset between
//! `COUNT(DISTINCT d)`, `SUM(DISTINCT d)`, `AVG(DISTINCT d)` and `MIN(d)`; `s` is a `_ci`
//! column ('a' and 'A' are one value), and a tuple with a NULL in it is not counted. `BY_G` and
//! `GLOBAL` carry BIT_AND/BIT_OR/BIT_XOR too (negative values among them), through the same
//! create, rebuild and resume, and STDDEV/VARIANCE of DECIMALs without decimals and an INT (a sample variance of
//! one value is NULL). `TEXT_KEY` groups by a string of 3600+ characters under `utf8mb4_bin`,
//! which the state keeps under its SHA-256 (a primary key cannot hold it), with MIN/MAX
//! multisets beside it, through create and rebuild.

mod support;

use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions,
    Event, LifecycleError,
};
use mysql::prelude::Queryable;
use support::compare::{assert_same, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const BY_G: &str = "SELECT g, COUNT(DISTINCT d) AS dd, SUM(DISTINCT d) AS sd, AVG(DISTINCT d) AS ad, MIN(d) AS lo, COUNT(DISTINCT s) AS ds, COUNT(DISTINCT s, g) AS dsg, COUNT(*) AS n, BIT_AND(CAST(d * 100 AS SIGNED)) AS bad, BIT_OR(CAST(d * 100 AS SIGNED)) AS bod, BIT_XOR(id) AS bxi, VAR_SAMP(CAST(d AS DECIMAL(12,0))) AS vd, STDDEV(g) AS sdg FROM t WHERE d > -250 GROUP BY g";
const BY_S: &str = "SELECT s, COUNT(DISTINCT g) AS dg, COUNT(DISTINCT g, d) AS dgd, AVG(DISTINCT g) AS ag, SUM(DISTINCT g) / COUNT(DISTINCT g) * 3 AS ag3, STDDEV_SAMP(CAST(d * 100 AS DECIMAL(14,0))) * 2 AS ssd FROM t GROUP BY s HAVING COUNT(DISTINCT g) > 1 ORDER BY dg DESC, s";
const GLOBAL: &str =
    "SELECT COUNT(DISTINCT s) AS ds, COUNT(DISTINCT g) AS dg, SUM(DISTINCT g) AS sg, BIT_XOR(g) AS xg, BIT_AND(g) AS ag, VARIANCE(g) AS vg FROM t";

const TEXT_KEY: &str = "SELECT CONCAT(REPEAT(s, 600), g) COLLATE utf8mb4_bin AS sg, COUNT(*) AS n, COUNT(g) AS cg, SUM(d) AS sd, MIN(d) AS lo, MAX(g) AS hg FROM t GROUP BY CONCAT(REPEAT(s, 600), g) COLLATE utf8mb4_bin";

fn options(checkpoints: u16) -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(200),
        checkpoints,
        checkpoint_every: std::time::Duration::ZERO,
        ..CreateOptions::default()
    }
}

fn check(
    db: &support::server::TestDb,
    conn: &mut mysql::Conn,
    name: &str,
    query: &str,
    when: &str,
) {
    assert_same(conn, name, query, Strings::Collated, when);
    let report = validate(&db.opts(), &db.name, name, 5).unwrap();
    assert!(report.exact, "{name} {when}: {report:?}");
}

fn lifecycle(hint: &str, isolation: Isolation, seed: u64) {
    let db = support::server::fresh_db(hint);
    let mut conn = db.conn();
    let rows = 12_000;
    make_table(&mut conn, rows);

    // Online create of all three while writers run.
    let writers = Writers::start(&db.opts(), 4, seed, isolation, rows);
    let_them_write(150);
    for (name, query) in [
        ("by_g", BY_G),
        ("by_s", BY_S),
        ("global", GLOBAL),
        ("text_key", TEXT_KEY),
    ] {
        support::server::create_quietly(&db.opts(), name, query, &options(8))
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
    }
    let_them_write(200);
    writers.stop();
    for (name, query) in [
        ("by_g", BY_G),
        ("by_s", BY_S),
        ("global", GLOBAL),
        ("text_key", TEXT_KEY),
    ] {
        check(&db, &mut conn, name, query, "after create");
    }

    // Rebuild under writers.
    let writers = Writers::start(&db.opts(), 4, seed + 1, isolation, rows);
    let_them_write(100);
    rebuild(
        &db.opts(),
        &db.name,
        "by_g",
        &options(8),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    rebuild(
        &db.opts(),
        &db.name,
        "text_key",
        &options(8),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let_them_write(150);
    writers.stop();
    check(&db, &mut conn, "by_g", BY_G, "after rebuild");
    check(&db, &mut conn, "text_key", TEXT_KEY, "after rebuild");

    // A create cancelled after its second checkpoint, then resumed, all under writers.
    let writers = Writers::start(&db.opts(), 4, seed + 2, isolation, rows);
    let control = Control::new();
    let cancel = control.clone();
    let result = create(
        &db.opts(),
        "resumed",
        BY_G,
        &options(8),
        &control,
        &mut move |e| {
            if let Event::Checkpoint { regions_done, .. } = e {
                if regions_done >= 2 {
                    cancel.cancel();
                }
            }
        },
    );
    assert!(
        matches!(result, Err(LifecycleError::Cancelled(_))),
        "{result:?}"
    );
    // Interrupted: the triggers keep the multisets current for the resume.
    let st = status(&db.opts(), &db.name, "resumed").unwrap();
    assert!(st.triggers_present, "{st:?}");
    let_them_write(150);
    let mut resumed_from = None;
    resume(
        &db.opts(),
        &db.name,
        "resumed",
        &options(0),
        &Control::new(),
        &mut |e| {
            if let Event::Resumed { regions_done, .. } = e {
                resumed_from = Some(regions_done);
            }
        },
    )
    .unwrap();
    assert!(resumed_from.is_some_and(|r| r >= 2), "{resumed_from:?}");
    let_them_write(150);
    writers.stop();
    check(&db, &mut conn, "resumed", BY_G, "after cancel and resume");
    let st = status(&db.opts(), &db.name, "resumed").unwrap();
    assert!(st.triggers_present && st.read_error.is_none(), "{st:?}");
    assert_eq!(st.groups, Some(41), "{st:?}");

    // Drop leaves nothing of ours behind: no table, trigger or view.
    for name in ["by_g", "by_s", "global", "text_key", "resumed"] {
        drop_summary(&db.opts(), &db.name, name).unwrap();
    }
    let left: Vec<String> = conn
        .exec(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name <> 't' AND table_name <> '_lightning_catalog'
             UNION ALL SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ?",
            (&db.name, &db.name),
        )
        .unwrap();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn distinct_lifecycle_repeatable_read() {
    lifecycle("drr", Isolation::RepeatableRead, 31);
}

#[test]
fn distinct_lifecycle_read_committed() {
    lifecycle("drc", Isolation::ReadCommitted, 32);
}
