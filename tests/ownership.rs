//! Cleanups remove only what is ours. A user's table named like a state table (`_lt_fake_g1`,
//! `_lt_x_g2_mm0`), a view named like a summary and a trigger named like one of ours survive
//! `drop` (with and without a catalog entry), a `create` that fails before going live, a
//! `rebuild` whose new generation's name is taken, and a `resume` that starts a fresh
//! generation; each is reported as left alone.

mod support;

use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions,
    Event, LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::Conn;
use std::process::{Command, Output, Stdio};
use support::compare::{assert_same, Strings};
use support::workload::make_table;

const BY_G: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, MAX(d) AS hi FROM t GROUP BY g";

fn quick() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(300),
        ..CreateOptions::default()
    }
}

/// Every table (with its comment), view (with its definition) and trigger (with its body) of
/// `db`, sorted: what must not change for an object that is left alone.
fn objects(conn: &mut Conn, db: &str) -> Vec<String> {
    let queries = [
        "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME, ' ', TABLE_COMMENT) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
        "SELECT CONCAT('VIEW ', TABLE_NAME, ' ', VIEW_DEFINITION) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?",
        "SELECT CONCAT('TRIGGER ', TRIGGER_NAME, ' ', ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
    ];
    let mut out = Vec::new();
    for q in queries {
        let found: Vec<String> = conn.exec(q, (db,)).unwrap_or_else(|e| panic!("{q}: {e}"));
        out.extend(found);
    }
    out.sort();
    out
}

/// Whether `db` has a table or view named `name`.
fn exists(conn: &mut Conn, db: &str, name: &str) -> bool {
    let n: Option<u64> = conn
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (db, name),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    n == Some(1)
}

/// A user's table named like a state table, with a row the user would miss.
fn user_table(conn: &mut Conn, name: &str) {
    conn.query_drop(format!(
        "CREATE TABLE `{name}` (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB"
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    conn.query_drop(format!("INSERT INTO `{name}` VALUES (1, 'mine')"))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// The `object`s of the left-alone events.
fn left_alone(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::LeftAlone { object, .. } => Some(object.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

fn lightning(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lightning"))
        .arg("--url")
        .arg(url)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run lightning: {e}"))
}

#[test]
fn dropping_a_name_without_a_summary_removes_nothing_that_is_not_ours() {
    // Issue 19: `lightning drop fake` with no summary `fake` dropped the user's `_lt_fake_g1`.
    let db = support::server::fresh_db("own_nocat");
    let mut conn = db.conn();
    make_table(&mut conn, 10);
    user_table(&mut conn, "_lt_fake_g1");
    user_table(&mut conn, "_lt_fake_g2_mm0");
    // A view over the user's table, named like a summary, and a trigger named like ours.
    conn.query_drop("CREATE VIEW fake AS SELECT note FROM `_lt_fake_g1`")
        .unwrap();
    conn.query_drop("CREATE TRIGGER `_lt_fake_ins` AFTER INSERT ON t FOR EACH ROW SET @n = 1")
        .unwrap();
    let before = objects(&mut conn, &db.name);

    let out = lightning(&db.url(), &["drop", "fake"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("No summary") && said.contains("nothing to drop"),
        "{said}"
    );
    for object in [
        "table _lt_fake_g1",
        "table _lt_fake_g2_mm0",
        "view fake",
        "trigger _lt_fake_ins",
    ] {
        assert!(said.contains(&format!("Left alone {object}")), "{said}");
    }
    assert!(said.contains("no comment"), "no reason given: {said}");
    assert_eq!(objects(&mut conn, &db.name), before, "{said}");

    let out = lightning(&db.url(), &["--json", "drop", "fake"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(v["existed"], false, "{v}");
    assert_eq!(v["dropped"].as_array().map(Vec::len), Some(0), "{v}");
    assert_eq!(v["left_alone"].as_array().map(Vec::len), Some(4), "{v}");
    assert_eq!(objects(&mut conn, &db.name), before);
}

#[test]
fn drop_removes_the_summary_and_leaves_look_alikes() {
    let db = support::server::fresh_db("own_drop");
    let mut conn = db.conn();
    make_table(&mut conn, 500);
    let before = objects(&mut conn, &db.name);
    support::server::create_quietly(&db.opts(), "x", BY_G, &quick()).unwrap();
    // Look-alikes next to the real summary: tables of other generations and multisets, and
    // the user's own view and trigger put in place of ours.
    user_table(&mut conn, "_lt_x_g7");
    user_table(&mut conn, "_lt_x_g2_mm0");
    conn.query_drop("CREATE OR REPLACE VIEW x AS SELECT 1 AS one")
        .unwrap();
    conn.query_drop(
        "CREATE OR REPLACE TRIGGER `_lt_x_upd` AFTER UPDATE ON t FOR EACH ROW SET @n = 1",
    )
    .unwrap();
    let mine = objects(&mut conn, &db.name)
        .into_iter()
        .filter(|o| {
            ["_lt_x_g7", "_lt_x_g2_mm0", "_lt_x_upd"]
                .iter()
                .any(|n| o.contains(n))
                || o.starts_with("VIEW x ")
        })
        .collect::<Vec<_>>();
    assert_eq!(mine.len(), 5, "{mine:?}");

    let report = drop_summary(&db.opts(), &db.name, "x").unwrap();
    assert!(report.cataloged);
    let mut left: Vec<String> = report.left_alone.iter().map(|l| l.object.clone()).collect();
    left.sort();
    assert_eq!(
        left,
        [
            "table _lt_x_g2_mm0",
            "table _lt_x_g7",
            "trigger _lt_x_upd",
            "view x"
        ],
        "{report:?}"
    );
    for ours in [
        "trigger _lt_x_ins",
        "trigger _lt_x_del",
        "table _lt_x_g1",
        "table _lt_x_g1_mm0",
    ] {
        assert!(report.dropped.iter().any(|d| d == ours), "{report:?}");
    }
    let mut after = objects(&mut conn, &db.name);
    after.retain(|o| !mine.contains(o));
    assert_eq!(after, before, "drop left something of ours, or took more");
    assert_eq!(
        objects(&mut conn, &db.name).len(),
        before.len() + mine.len()
    );

    // Without a catalog entry (edited away by hand), objects that carry our marks are still
    // leftovers of ours and go; the report says there was no summary.
    support::server::create_quietly(&db.opts(), "y", BY_G, &quick()).unwrap();
    conn.query_drop("DELETE FROM `_lightning_catalog` WHERE name = 'y'")
        .unwrap();
    let report = drop_summary(&db.opts(), &db.name, "y").unwrap();
    assert!(!report.cataloged, "{report:?}");
    assert!(report.left_alone.is_empty(), "{report:?}");
    assert_eq!(report.dropped.len(), 6, "{report:?}");
    assert!(!exists(&mut conn, &db.name, "y"));
    assert!(!exists(&mut conn, &db.name, "_lt_y_g1"));
}

#[test]
fn a_failed_create_removes_only_what_it_made() {
    let db = support::server::fresh_db("own_create");
    let mut conn = db.conn();
    make_table(&mut conn, 200);
    // Someone takes names of the summary between create's collision check and its first
    // statement (the Prepared event comes in between): the multiset table's name, making the
    // create fail, and the view's and a trigger's.
    let mut other = db.conn();
    let mut events = Vec::new();
    let err = create(&db.opts(), "c", BY_G, &quick(), &Control::new(), &mut |e| {
        if let Event::Prepared { .. } = e {
            user_table(&mut other, "_lt_c_g1_mm0");
            other
                .query_drop("CREATE VIEW c AS SELECT 1 AS one")
                .unwrap();
            other
                .query_drop("CREATE TRIGGER `_lt_c_ins` AFTER INSERT ON t FOR EACH ROW SET @n = 1")
                .unwrap();
        }
        events.push(e);
    })
    .unwrap_err();
    assert!(err.to_string().contains("_lt_c_g1_mm0"), "{err}");
    assert_eq!(
        left_alone(&events),
        ["table _lt_c_g1_mm0", "trigger _lt_c_ins", "view c"]
    );
    assert!(
        !exists(&mut conn, &db.name, "_lt_c_g1"),
        "its own state table was left"
    );
    assert!(!exists(&mut conn, &db.name, "_lightning_catalog"));
    let kept: Vec<String> = objects(&mut conn, &db.name)
        .into_iter()
        .filter(|o| o.contains("_lt_c") || o.starts_with("VIEW c "))
        .collect();
    assert_eq!(kept.len(), 4, "the user's objects: {kept:?}");
    let note: Option<String> = conn.query_first("SELECT note FROM `_lt_c_g1_mm0`").unwrap();
    assert_eq!(note.as_deref(), Some("mine"));
}

#[test]
fn create_never_replaces_a_view_made_after_its_collision_check() {
    let db = support::server::fresh_db("own_view");
    let mut conn = db.conn();
    make_table(&mut conn, 200);
    // Only the view's name is taken: create must fail rather than replace the user's view.
    let mut other = db.conn();
    let err = create(&db.opts(), "v", BY_G, &quick(), &Control::new(), &mut |e| {
        if let Event::Prepared { .. } = e {
            other
                .query_drop("CREATE VIEW v AS SELECT 2 AS two")
                .unwrap();
        }
    })
    .unwrap_err();
    assert!(err.to_string().contains("creating the view"), "{err}");
    let two: Option<i64> = conn.query_first("SELECT two FROM v").unwrap();
    assert_eq!(two, Some(2), "the user's view was replaced");
    assert!(!exists(&mut conn, &db.name, "_lt_v_g1"));
}

#[test]
fn rebuild_refuses_to_drop_a_table_in_the_new_generations_place() {
    let db = support::server::fresh_db("own_rebuild");
    let mut conn = db.conn();
    make_table(&mut conn, 500);
    support::server::create_quietly(&db.opts(), "r", BY_G, &quick()).unwrap();
    user_table(&mut conn, "_lt_r_g2_mm0");
    let err = rebuild(
        &db.opts(),
        &db.name,
        "r",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(&err, LifecycleError::InTheWay { object, .. } if object.contains("_lt_r_g2_mm0")),
        "{err}"
    );
    let note: Option<String> = conn.query_first("SELECT note FROM `_lt_r_g2_mm0`").unwrap();
    assert_eq!(note.as_deref(), Some("mine"));
    // Nothing else happened: the summary is still the ready first generation, and exact.
    let st = status(&db.opts(), &db.name, "r").unwrap();
    assert_eq!(
        (st.entry.status.as_str(), st.entry.generation),
        ("ready", 1)
    );
    assert!(!exists(&mut conn, &db.name, "_lt_r_g2"));
    conn.query_drop("UPDATE t SET g = g + 1 WHERE id % 7 = 0")
        .unwrap();
    assert_same(&mut conn, "r", BY_G, Strings::Exact, "after the refusal");
}

#[test]
fn resume_into_a_fresh_generation_drops_only_its_old_generations() {
    let db = support::server::fresh_db("own_resume");
    let mut conn = db.conn();
    make_table(&mut conn, 4000);
    // Interrupted after its first checkpoint region, then the table is altered: resume cannot
    // continue and starts a fresh generation, dropping the others.
    let control = Control::new();
    let cancel = control.clone();
    let options = CreateOptions {
        checkpoints: 4,
        checkpoint_every: std::time::Duration::ZERO,
        ..quick()
    };
    let interrupted = create(&db.opts(), "s", BY_G, &options, &control, &mut |e| {
        if let Event::Checkpoint { .. } = e {
            cancel.cancel();
        }
    });
    assert!(
        matches!(interrupted, Err(LifecycleError::Cancelled(_))),
        "{interrupted:?}"
    );
    // A column the summary reads changes type (an added column would let it continue).
    conn.query_drop("ALTER TABLE t MODIFY d DECIMAL(16,2) NULL")
        .unwrap();
    user_table(&mut conn, "_lt_s_g3");
    user_table(&mut conn, "_lt_s_g1_mm4");
    let mut events = Vec::new();
    resume(
        &db.opts(),
        &db.name,
        "s",
        &options,
        &Control::new(),
        &mut |e| events.push(e),
    )
    .unwrap();
    assert!(
        !events.iter().any(|e| matches!(e, Event::Resumed { .. })),
        "continued instead of starting a fresh generation"
    );
    assert_eq!(
        left_alone(&events),
        ["table _lt_s_g1_mm4", "table _lt_s_g3"]
    );
    for t in ["_lt_s_g3", "_lt_s_g1_mm4"] {
        let note: Option<String> = conn
            .query_first(format!("SELECT note FROM `{t}`"))
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(note.as_deref(), Some("mine"), "{t}");
    }
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.entry.generation, 4, "{st:?}");
    for gone in ["_lt_s_g1", "_lt_s_g1_mm0"] {
        assert!(!exists(&mut conn, &db.name, gone), "{gone} left");
    }
    assert_same(
        &mut conn,
        "s",
        BY_G,
        Strings::Exact,
        "after the fresh start",
    );
    assert!(validate(&db.opts(), &db.name, "s", 3).unwrap().exact);
}

#[test]
fn rebuild_and_resume_never_replace_a_trigger_that_took_one_of_the_names() {
    let db = support::server::fresh_db("own_trigger");
    let mut conn = db.conn();
    make_table(&mut conn, 300);
    support::server::create_quietly(&db.opts(), "s", BY_G, &quick()).unwrap();
    // Someone drops the summary's UPDATE trigger and makes one of their own under its name.
    conn.query_drop("CREATE TABLE audit (id INT)").unwrap();
    conn.query_drop("DROP TRIGGER `_lt_s_upd`").unwrap();
    conn.query_drop(
        "CREATE TRIGGER `_lt_s_upd` AFTER UPDATE ON t FOR EACH ROW INSERT INTO audit VALUES (NEW.id)",
    )
    .unwrap();
    let body = |conn: &mut Conn| -> Option<String> {
        conn.exec_first(
            "SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = '_lt_s_upd'",
            (&db.name,),
        )
        .unwrap()
    };
    let theirs = body(&mut conn);
    let err = rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .expect_err("the trigger is not ours")
    .to_string();
    assert!(
        err.contains("trigger")
            && err.contains("_lt_s_upd")
            && err.contains("not LightningTables'"),
        "{err}"
    );
    assert_eq!(body(&mut conn), theirs, "rebuild replaced it");
    assert!(
        !exists(&mut conn, &db.name, "_lt_s_g2"),
        "rebuild left a generation behind"
    );
    // The same for a resume that would start a fresh generation.
    conn.query_drop(format!(
        "UPDATE `{}`.`_lightning_catalog` SET status = 'backfilling' WHERE name = 's'",
        db.name
    ))
    .unwrap();
    let err = resume(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .expect_err("the trigger is not ours")
    .to_string();
    assert!(err.contains("_lt_s_upd"), "{err}");
    assert_eq!(body(&mut conn), theirs, "resume replaced it");
}
