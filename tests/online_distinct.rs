//! DISTINCT aggregates (issue 15) through the whole lifecycle while writers run a random mix:
//! online create, a rebuild, a create cancelled after a checkpoint and resumed, validate after
//! each, status, and a drop that leaves nothing behind. The summaries share one multiset between
//! `COUNT(DISTINCT d)`, `SUM(DISTINCT d)`, `AVG(DISTINCT d)` and `MIN(d)`; `s` is a `_ci`
//! column ('a' and 'A' are one value), and a tuple with a NULL in it is not counted. `BY_G` and
//! `GLOBAL` carry BIT_AND/BIT_OR/BIT_XOR too (negative values among them), through the same
//! create, rebuild and resume, and STDDEV/VARIANCE of DECIMALs without decimals and an INT (a sample variance of
//! one value is NULL). `TEXT_KEY` groups by a string of 3600+ characters under `utf8mb4_bin`,
//! which the state keeps under its SHA-256 (a primary key cannot hold it), with MIN/MAX
//! multisets beside it, through create and rebuild. `CONCAT` carries GROUP_CONCAT(DISTINCT)
//! (ascending, descending with a separator, a NO PAD binary string) and `HASHED` a TINYTEXT key
//! (stored under its hash, short enough beside DISTINCT aggregates) with COUNT/SUM(DISTINCT) and
//! GROUP_CONCAT(DISTINCT), through the same create, rebuild and a cancelled then resumed create.
//! `group_concat_follows_the_readers_settings` checks GROUP_CONCAT's cut, warning and column type
//! under the reader's `group_concat_max_len` against MariaDB's own answer.

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

const CONCAT: &str = "SELECT g, GROUP_CONCAT(DISTINCT CAST(d * 100 AS SIGNED) ORDER BY CAST(d * 100 AS SIGNED) DESC SEPARATOR ';') AS gd, GROUP_CONCAT(DISTINCT s COLLATE utf8mb4_nopad_bin) AS gs, COUNT(DISTINCT s COLLATE utf8mb4_nopad_bin) AS ds, COUNT(*) AS n FROM t GROUP BY g";

const HASHED: &str = "SELECT tt, COUNT(DISTINCT g) AS dg, SUM(DISTINCT g) AS sg, GROUP_CONCAT(DISTINCT g ORDER BY g DESC) AS gg, COUNT(*) AS n FROM t GROUP BY tt";

/// Adds the TINYTEXT key column of `HASHED` (writers leave it alone: rows move between its
/// groups by REPLACE and by inserts, which leave it NULL). `'k'` and `'k '` are one group under
/// PAD SPACE `utf8mb4_bin`, `'K'` another.
fn add_tinytext(conn: &mut mysql::Conn) {
    conn.query_drop("ALTER TABLE `t` ADD COLUMN `tt` TINYTEXT COLLATE utf8mb4_bin NULL")
        .unwrap();
    conn.query_drop(
        "UPDATE `t` SET `tt` = ELT(1 + `id` % 6, 'k', 'k ', 'K', REPEAT('x', 250), NULL, '')",
    )
    .unwrap();
}

/// Rows of the base table at the start.
const ROWS: u64 = 12_000;

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
    let rows = ROWS;
    make_table(&mut conn, rows);
    add_tinytext(&mut conn);

    // Online create of all three while writers run.
    let writers = Writers::start(&db.opts(), 4, seed, isolation, rows);
    let_them_write(150);
    for (name, query) in [
        ("by_g", BY_G),
        ("by_s", BY_S),
        ("global", GLOBAL),
        ("text_key", TEXT_KEY),
        ("concat", CONCAT),
        ("hashed", HASHED),
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
        ("concat", CONCAT),
        ("hashed", HASHED),
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
    for name in ["concat", "hashed"] {
        rebuild(
            &db.opts(),
            &db.name,
            name,
            &options(8),
            &Control::new(),
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("rebuild {name}: {e}"));
    }
    let_them_write(150);
    writers.stop();
    check(&db, &mut conn, "by_g", BY_G, "after rebuild");
    check(&db, &mut conn, "text_key", TEXT_KEY, "after rebuild");
    check(&db, &mut conn, "concat", CONCAT, "after rebuild");
    check(&db, &mut conn, "hashed", HASHED, "after rebuild");

    // Creates cancelled after their second checkpoint, then resumed, all under writers.
    for (name, query, groups) in [
        ("resumed", BY_G, 41),
        ("resumed_concat", CONCAT, 41),
        ("resumed_hashed", HASHED, 5),
    ] {
        cancel_and_resume(&db, &mut conn, name, query, isolation, seed + 2, groups);
    }

    // Drop leaves nothing of ours behind: no table, trigger or view.
    for name in [
        "by_g",
        "by_s",
        "global",
        "text_key",
        "concat",
        "hashed",
        "resumed",
        "resumed_concat",
        "resumed_hashed",
    ] {
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

/// A create of `query` cancelled after its second checkpoint and resumed, under four writers;
/// exact after, with `groups` groups.
fn cancel_and_resume(
    db: &support::server::TestDb,
    conn: &mut mysql::Conn,
    name: &str,
    query: &str,
    isolation: Isolation,
    seed: u64,
    groups: u64,
) {
    let writers = Writers::start(&db.opts(), 4, seed, isolation, ROWS);
    let control = Control::new();
    let cancel = control.clone();
    let result = create(
        &db.opts(),
        name,
        query,
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
    let st = status(&db.opts(), &db.name, name).unwrap();
    assert!(st.triggers_present, "{st:?}");
    let_them_write(150);
    let mut resumed_from = None;
    resume(
        &db.opts(),
        &db.name,
        name,
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
    check(db, conn, name, query, "after cancel and resume");
    let st = status(&db.opts(), &db.name, name).unwrap();
    assert!(st.triggers_present && st.read_error.is_none(), "{st:?}");
    assert_eq!(st.groups, Some(groups), "{st:?}");
}

#[test]
fn distinct_lifecycle_repeatable_read() {
    lifecycle("drr", Isolation::RepeatableRead, 31);
}

#[test]
fn distinct_lifecycle_read_committed() {
    lifecycle("drc", Isolation::ReadCommitted, 32);
}

/// The warnings of the last statement on `conn`: (level, code).
fn warnings(conn: &mut mysql::Conn) -> Vec<(String, u32)> {
    let rows: Vec<(String, u32, String)> = conn.query("SHOW WARNINGS").unwrap();
    rows.into_iter().map(|(l, c, _)| (l, c)).collect()
}

/// GROUP_CONCAT(DISTINCT) is concatenated when the view is read, so the reader's
/// `group_concat_max_len` cuts it (inside a value or a separator, with warning 1260) and gives
/// it its type (VARCHAR up to 512, TEXT, MEDIUMTEXT) exactly as it does MariaDB's own answer.
/// Also a global summary over an empty table (one row, NULL).
#[test]
fn group_concat_follows_the_readers_settings() {
    let db = support::server::fresh_db("gcs");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE `c` (`id` INT NOT NULL PRIMARY KEY, `g` INT NULL, `s` VARCHAR(20) COLLATE utf8mb4_nopad_bin NULL, `n` INT NULL) ENGINE=InnoDB",
    )
    .unwrap();
    conn.query_drop(
        "INSERT INTO `c` VALUES (1, 1, 'b', 3), (2, 1, 'a', 3), (3, 1, 'ccc', -1), (4, 1, 'a ', NULL), (5, 2, 'zz', 10), (6, 2, NULL, 2), (7, NULL, NULL, NULL), (8, 3, 'é', 1)",
    )
    .unwrap();
    let by_g = "SELECT g, GROUP_CONCAT(DISTINCT s ORDER BY s DESC SEPARATOR '|') AS gs, GROUP_CONCAT(DISTINCT n) AS gn FROM c GROUP BY g";
    let global = "SELECT GROUP_CONCAT(DISTINCT s) AS gs, GROUP_CONCAT(DISTINCT n ORDER BY n DESC SEPARATOR '') AS gn FROM c";
    for (name, query) in [("gc_by_g", by_g), ("gc_global", global)] {
        create(
            &db.opts(),
            name,
            query,
            &options(2),
            &Control::new(),
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("create {name}: {e}"));
    }
    for len in [4u32, 5, 7, 600, 100_000] {
        conn.query_drop(format!("SET SESSION group_concat_max_len = {len}"))
            .unwrap();
        for (name, query) in [("gc_by_g", by_g), ("gc_global", global)] {
            let when = format!("group_concat_max_len = {len}");
            assert_same(&mut conn, name, query, Strings::Exact, &when);
            // The same warnings (1260 per cut row) from the view as from the query.
            let _: Vec<mysql::Row> = conn.query(format!("SELECT * FROM `{name}`")).unwrap();
            let got = warnings(&mut conn);
            let _: Vec<mysql::Row> = conn.query(query).unwrap();
            let want = warnings(&mut conn);
            assert_eq!(got, want, "{name} {when}: warnings");
            // The same column types: a table made from each (outside strict mode, where the
            // cut is an error in a CREATE TABLE ... AS SELECT).
            conn.query_drop("SET SESSION sql_mode = ''").unwrap();
            conn.query_drop("DROP TABLE IF EXISTS `tv`, `tq`").unwrap();
            conn.query_drop(format!(
                "CREATE TABLE `tv` AS SELECT * FROM `{name}` LIMIT 0"
            ))
            .unwrap();
            conn.query_drop(format!("CREATE TABLE `tq` AS {query} LIMIT 0"))
                .unwrap();
            let types = |conn: &mut mysql::Conn,
                         table: &str|
             -> Vec<(String, String, Option<String>)> {
                conn.exec(
                    "SELECT COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME <> 'g' ORDER BY ORDINAL_POSITION",
                    (&db.name, table),
                )
                .unwrap()
            };
            conn.query_drop("SET SESSION sql_mode = DEFAULT").unwrap();
            let (tv, tq) = (types(&mut conn, "tv"), types(&mut conn, "tq"));
            assert_eq!(tv, tq, "{name} {when}: column types");
            if len == 4 {
                assert!(
                    tq.iter().all(|(_, t, _)| t.starts_with("varchar")),
                    "{tq:?}"
                );
            }
            if len == 600 {
                assert!(tq.iter().all(|(_, t, _)| t == "text"), "{tq:?}");
            }
        }
        if len == 4 {
            // The cut is real: 'zz|b' would be 4 bytes, 'ccc|b|a |a' is cut to 'ccc|'.
            let cut: Vec<(Option<i32>, Option<String>)> =
                conn.query("SELECT g, gs FROM gc_by_g ORDER BY g").unwrap();
            assert!(
                cut.contains(&(Some(1), Some("ccc|".to_string()))),
                "{cut:?}"
            );
        }
    }
    conn.query_drop("SET SESSION group_concat_max_len = DEFAULT")
        .unwrap();
    validate(&db.opts(), &db.name, "gc_by_g", 5)
        .map(|r| assert!(r.exact, "{r:?}"))
        .unwrap();
    // Every row gone: the global summary is one row of NULLs, like the query.
    conn.query_drop("DELETE FROM `c`").unwrap();
    assert_same(
        &mut conn,
        "gc_global",
        global,
        Strings::Exact,
        "empty table",
    );
    let empty: Vec<(Option<String>, Option<String>)> =
        conn.query("SELECT * FROM gc_global").unwrap();
    assert_eq!(empty, vec![(None, None)]);
    assert_same(&mut conn, "gc_by_g", by_g, Strings::Exact, "empty table");
}
