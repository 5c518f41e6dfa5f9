//! Issue 19 item 5: summary names and string literals that try to break out of their quoting.
//! Every name is either refused with the reason, leaving nothing behind, or becomes a summary
//! whose view has exactly that name, reads exactly its query's rows, shows in `status`, and is
//! dropped completely — without touching the other summaries, whose names are chosen to collide
//! with its derived names (`a` and `a_g1`, `Sales` and `sales`, long names sharing a prefix).

mod support;

use lightning_tables::lifecycle::{drop_summary, status, validate, CreateOptions};
use mysql::prelude::Queryable;
use mysql::Conn;
use support::compare::{assert_same, Strings};

const QUERY: &str = "SELECT g, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY g";

/// Names that must work (each created next to all the others).
const ACCEPTED: &[&str] = &[
    "a",
    "a_g1",
    "a_ins",
    "it's",
    "back`tick",
    "semi;colon DROP TABLE t",
    "dash--comment",
    "star*comment",
    "quote\"d",
    "ünïcødé_名前",
    " leading space",
    "Sales",
    // 64 characters (the limit), two sharing their first 60: the derived names are shortened
    // with a hash and must not collide.
    "long_name_0123456789012345678901234567890123456789012345678_aaaa",
    "long_name_0123456789012345678901234567890123456789012345678_aaab",
];

/// Names refused, with a word of the reason.
const REFUSED: &[(&str, &str)] = &[
    ("", "empty"),
    ("trailing ", "space"),
    ("dot.ted", "'.'"),
    ("slash/ed", "'/'"),
    ("back\\slash", "'\\'"),
    ("nul\0byte", "NUL"),
    ("emoji_😀", "U+FFFF"),
    ("new\nline", "control character"),
    ("tab\there", "control character"),
    ("_lt_mine", "reserved"),
    ("_lightning_catalog", "reserved"),
    (
        "far_too_long_0123456789012345678901234567890123456789012345678901234",
        "64 characters",
    ),
    // A summary of this name exists already (catalog names compare case-insensitively).
    ("sales", "exists"),
    ("SALES", "exists"),
    // A user's table holds the name.
    ("t", "exists"),
];

/// Every table, view and trigger of `db`, sorted.
fn objects(conn: &mut Conn, db: &str) -> Vec<String> {
    let mut out: Vec<String> = conn
        .exec(
            "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
             UNION ALL SELECT CONCAT('TRIGGER ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (db, db),
        )
        .unwrap();
    out.sort();
    out
}

fn make(db: &support::server::TestDb, name: &str) -> Result<(), String> {
    support::server::create_quietly(&db.opts(), name, QUERY, &CreateOptions::default())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn names_never_break_out_of_their_quoting_nor_collide() {
    let db = support::server::fresh_db("names");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, g VARCHAR(10), v INT)")
        .unwrap();
    conn.query_drop("INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2), (3, 'x', 3)")
        .unwrap();
    for name in ACCEPTED {
        make(&db, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    conn.query_drop("INSERT INTO t VALUES (4, 'z', 4)").unwrap();
    conn.query_drop("UPDATE t SET g = 'y' WHERE id = 1")
        .unwrap();
    for name in ACCEPTED {
        let views: Vec<String> = conn
            .exec(
                "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                (&db.name, name),
            )
            .unwrap();
        assert_eq!(views, [name.to_string()], "{name:?}: the view's name");
        assert_same(&mut conn, name, QUERY, Strings::Exact, &format!("{name:?}"));
        let st = status(&db.opts(), &db.name, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(st.entry.name, *name);
        assert!(st.summary.starts_with("ready"), "{name:?}: {}", st.summary);
        let v = validate(&db.opts(), &db.name, name, 3).unwrap();
        assert!(v.exact, "{name:?}: {v:?}");
    }
    let before = objects(&mut conn, &db.name);
    for (name, why) in REFUSED {
        let err = make(&db, name).expect_err(name);
        assert!(err.contains(why), "{name:?}: {err}");
        assert_eq!(
            objects(&mut conn, &db.name),
            before,
            "{name:?} left something behind"
        );
    }
    // Dropping each leaves the others whole.
    for (i, name) in ACCEPTED.iter().enumerate() {
        drop_summary(&db.opts(), &db.name, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        conn.query_drop(format!("UPDATE t SET v = v + 1 WHERE id = {}", 1 + i % 4))
            .unwrap();
        for other in &ACCEPTED[i + 1..] {
            assert_same(
                &mut conn,
                other,
                QUERY,
                Strings::Exact,
                &format!("{other:?} after dropping {name:?}"),
            );
        }
    }
    let left: Vec<String> = objects(&mut conn, &db.name)
        .into_iter()
        .filter(|o| !o.ends_with(" t") && !o.ends_with("_lightning_catalog"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn string_literals_keep_their_meaning() {
    // Each literal must select exactly the rows whose value equals it.
    let literals = [
        r"'it''s'",
        r"'a\\b'",
        r"'a\'b'",
        r"'*/ --'",
        r"'; DROP TABLE t; --'",
        r"'%_'",
        r"CONCAT('x', CHAR(0), 'y')",
        "'new\nline'",
        r"'名前'",
    ];
    let db = support::server::fresh_db("literals");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20) COLLATE utf8mb4_bin, v INT)",
    )
    .unwrap();
    for (i, lit) in literals.iter().enumerate() {
        // The value itself, and a near miss.
        conn.query_drop(format!(
            "INSERT INTO t VALUES ({}, {lit}, 1), ({}, CONCAT({lit}, '!'), 2)",
            2 * i,
            2 * i + 1
        ))
        .unwrap_or_else(|e| panic!("{lit}: {e}"));
    }
    for (i, lit) in literals.iter().enumerate() {
        let name = format!("lit{i}");
        let query = format!(
            "SELECT s, COUNT(*) AS n, SUM(v) AS total, {lit} AS tag FROM t WHERE s = {lit} OR s LIKE CONCAT({lit}, '_') GROUP BY s"
        );
        support::server::create_quietly(&db.opts(), &name, &query, &CreateOptions::default())
            .unwrap_or_else(|e| panic!("{lit}: {e}"));
        conn.query_drop(format!("INSERT INTO t VALUES ({}, {lit}, 5)", 100 + i))
            .unwrap();
        assert_same(&mut conn, &name, &query, Strings::Exact, lit);
        let n: Option<u64> = conn
            .query_first(format!("SELECT COUNT(*) FROM `{name}`"))
            .unwrap();
        // The literal's own rows always match it (whether the near miss matches the LIKE
        // depends on the literal's backslashes: the query's answer, compared above, decides).
        assert!(n.is_some_and(|n| n >= 1), "{lit}: its own group is missing");
    }
}
