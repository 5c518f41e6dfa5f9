//! Issue 19 item 3: a summary means what its query means under the `sql_mode` of the session that
//! created it. Each case creates a summary from a session with one mode (set by the connection's
//! init command, as a user's connection options or the server's global mode would), writes rows,
//! and compares `SELECT * FROM summary` with the query's own answer under that mode, plus
//! `validate`; or checks that a query the parser cannot read as MariaDB does is refused, naming
//! the mode.

mod support;

use lightning_tables::db::server::PrivateServer;
use lightning_tables::lifecycle::catalog;
use lightning_tables::lifecycle::{create, validate, Control, CreateOptions, LifecycleError};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use support::server::{fresh_db, TestDb};

/// Options whose sessions start with `sql_mode = mode`.
fn with_mode(opts: Opts, mode: &str) -> Opts {
    OptsBuilder::from_opts(opts)
        .init(vec![format!("SET SESSION sql_mode = '{mode}'")])
        .into()
}

const TABLE: &str = "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20) NOT NULL, x VARCHAR(20) NOT NULL, a INT NOT NULL, b INT NOT NULL)";

/// Rows with backslashes, a column `x` equal to `s` in some rows, and small numbers.
fn load(conn: &mut Conn) {
    conn.query_drop(TABLE).unwrap();
    conn.exec_drop(
        "INSERT INTO t VALUES (1, ?, 'x', 1, 0), (2, 'x', 'x', 0, 1), (3, 'ab', 'q', 2, 2), (4, ?, 'y', 1, 5), (5, 'y', 'y', 3, 1), (6, 'x', 'z', 2, 0), (7, ?, 'q', 5, 5)",
        ("a\\b", "a\u{8}", "c:\\dir"),
    )
    .unwrap();
}

/// Writes through the triggers from a session in MariaDB's default mode.
fn write(conn: &mut Conn) {
    conn.exec_drop(
        "INSERT INTO t VALUES (10, ?, 'x', 4, 4), (11, 'q', 'q', 1, 1), (12, ?, 'y', 2, 3)",
        ("a\\b", "a\\_z"),
    )
    .unwrap();
    conn.query_drop("UPDATE t SET s = x WHERE id IN (3, 4)")
        .unwrap();
    conn.query_drop("UPDATE t SET a = a + 1, b = 1 - b WHERE id % 2 = 1")
        .unwrap();
    conn.query_drop("DELETE FROM t WHERE id = 5").unwrap();
}

/// The rows of `sql`, rendered and sorted.
fn rows(conn: &mut Conn, sql: &str) -> Vec<Vec<String>> {
    let rows: Vec<mysql::Row> = conn.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.unwrap().iter().map(|v| v.as_sql(false)).collect())
        .collect();
    out.sort();
    out
}

fn create_in(db: &TestDb, mode: &str, name: &str, query: &str) -> Result<(), LifecycleError> {
    create(
        &with_mode(db.opts(), mode),
        name,
        query,
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .map(|_| ())
}

/// Creates the summary under `mode`, writes, and checks it against the query run under `mode`.
fn exact_under(mode: &str, query: &str) {
    let db = fresh_db("mode");
    let mut plain = db.conn();
    load(&mut plain);
    create_in(&db, mode, "summary", query).unwrap_or_else(|e| panic!("create under {mode}: {e}"));
    let mut moded = Conn::new(with_mode(db.opts(), mode)).unwrap();
    let check = |moded: &mut Conn, when: &str| {
        let want = rows(moded, query);
        assert!(!want.is_empty(), "{when}: the query returns no rows");
        let got = rows(moded, "SELECT * FROM summary");
        assert_eq!(got, want, "{when}, mode {mode}: summary vs query\n{query}");
    };
    check(&mut moded, "after create");
    write(&mut plain);
    check(&mut moded, "after writes");
    let report = validate(&db.opts(), &db.name, "summary", 10).unwrap();
    assert!(report.exact, "validate under {mode}: {report:?}");
    let entry = catalog::get(&mut plain, &db.name, "summary")
        .unwrap()
        .unwrap();
    let session: String = moded
        .query_first("SELECT @@SESSION.sql_mode")
        .unwrap()
        .unwrap();
    assert_eq!(entry.sql_mode.as_deref(), Some(session.as_str()));
}

/// Create under `mode` must fail, with an error containing `what`.
fn refused_under(mode: &str, query: &str, what: &str) {
    let db = fresh_db("mode_refused");
    load(&mut db.conn());
    let e = create_in(&db, mode, "summary", query)
        .err()
        .unwrap_or_else(|| panic!("{query} was accepted under {mode}"));
    assert!(e.to_string().contains(what), "under {mode}: {e}");
}

#[test]
fn ansi_quotes_and_no_backslash_escapes_read_the_issues_example() {
    // "x" is the column x; 'a\b' is a, backslash, b.
    exact_under(
        "ANSI_QUOTES,NO_BACKSLASH_ESCAPES",
        r#"SELECT s, COUNT(*) AS n, SUM(a) AS sa FROM t WHERE s IN ('a\b', "x") GROUP BY s"#,
    );
}

#[test]
fn ansi_quotes_makes_double_quotes_identifiers() {
    exact_under(
        "ANSI_QUOTES",
        r#"SELECT "s", COUNT(*) AS "n", SUM("b") AS sb FROM t WHERE "s" <> "x" GROUP BY "s""#,
    );
}

#[test]
fn no_backslash_escapes_keeps_backslashes() {
    exact_under(
        "NO_BACKSLASH_ESCAPES",
        r"SELECT s, COUNT(*) AS n FROM t WHERE s = 'c:\dir' OR s LIKE 'a\_%' OR s = 'a\b' GROUP BY s",
    );
}

#[test]
fn backslash_escapes_in_the_default_mode_are_rendered_escaped() {
    // 'a\\b' is a, backslash, b; the triggers' copy must not turn it into a backspace.
    exact_under(
        "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
        r"SELECT s, COUNT(*) AS n FROM t WHERE s IN ('a\\b', 'a\b', 'c:\\dir') GROUP BY s",
    );
}

#[test]
fn pipes_as_concat_concatenates() {
    exact_under(
        "PIPES_AS_CONCAT",
        "SELECT s || x AS sx, COUNT(*) AS n, SUM(a) AS sa FROM t GROUP BY s || x",
    );
}

#[test]
fn pipes_without_the_mode_are_or() {
    exact_under(
        "",
        "SELECT s, COUNT(*) AS n FROM t WHERE a = 1 || b = 1 GROUP BY s",
    );
}

#[test]
fn high_not_precedence_refuses_what_it_regroups_and_keeps_the_rest() {
    refused_under(
        "HIGH_NOT_PRECEDENCE",
        "SELECT s, COUNT(*) AS n FROM t WHERE NOT a BETWEEN 1 AND 2 GROUP BY s",
        "HIGH_NOT_PRECEDENCE",
    );
    exact_under(
        "HIGH_NOT_PRECEDENCE",
        "SELECT s, COUNT(*) AS n FROM t WHERE NOT (a BETWEEN 1 AND 2) OR NOT b GROUP BY s",
    );
}

#[test]
fn ignore_space_allows_a_space_before_the_parenthesis() {
    exact_under(
        "IGNORE_SPACE",
        "SELECT s, COUNT (*) AS n, SUM (a) AS sa, MAX (b) AS mb FROM t GROUP BY s",
    );
    refused_under(
        "",
        "SELECT s, COUNT (*) AS n FROM t GROUP BY s",
        "space between COUNT",
    );
}

#[test]
fn real_as_float_and_real_casts() {
    refused_under(
        "REAL_AS_FLOAT",
        "SELECT s, SUM(CAST(a AS REAL)) AS sa FROM t GROUP BY s",
        "CAST to REAL",
    );
    exact_under(
        "REAL_AS_FLOAT",
        "SELECT s, COUNT(*) AS n, MAX(CAST(a AS DOUBLE)) AS ma FROM t GROUP BY s",
    );
}

#[test]
fn ansi_mode_combines_them() {
    exact_under(
        "ANSI",
        r#"SELECT "s" || '-' || "x" AS k, COUNT (*) AS n, SUM("a") AS sa FROM t WHERE "x" <> 'q' GROUP BY "s" || '-' || "x""#,
    );
}

#[test]
fn modes_that_change_values_are_refused() {
    refused_under(
        "EMPTY_STRING_IS_NULL",
        "SELECT s, COUNT(*) AS n FROM t GROUP BY s",
        "EMPTY_STRING_IS_NULL",
    );
}

#[test]
fn validate_runs_the_query_text_under_the_recorded_mode() {
    let db = fresh_db("mode_validate");
    let mut plain = db.conn();
    load(&mut plain);
    let query = r#"SELECT s, COUNT(*) AS n FROM t WHERE s = "x" GROUP BY s"#;
    create_in(&db, "ANSI_QUOTES", "summary", query).unwrap();
    assert!(validate(&db.opts(), &db.name, "summary", 10).unwrap().exact);
    // Read under another mode, the text means s = 'x': validate must see the disagreement.
    plain
        .query_drop("UPDATE _lightning_catalog SET sql_mode = 'NO_ENGINE_SUBSTITUTION'")
        .unwrap();
    let report = validate(&db.opts(), &db.name, "summary", 10).unwrap();
    assert!(!report.exact, "{report:?}");
}

#[test]
fn an_older_catalog_without_the_mode_column_still_reads() {
    let db = fresh_db("mode_old_catalog");
    let mut plain = db.conn();
    load(&mut plain);
    create_in(
        &db,
        "",
        "first",
        "SELECT s, COUNT(*) AS n FROM t GROUP BY s",
    )
    .unwrap();
    plain
        .query_drop("ALTER TABLE _lightning_catalog DROP COLUMN sql_mode")
        .unwrap();
    let entry = catalog::get(&mut plain, &db.name, "first")
        .unwrap()
        .unwrap();
    assert_eq!(entry.sql_mode, None);
    assert!(validate(&db.opts(), &db.name, "first", 10).unwrap().exact);
    // The next create adds the column back.
    create_in(
        &db,
        "ANSI_QUOTES",
        "second",
        r#"SELECT "x", COUNT(*) AS n FROM t GROUP BY "x""#,
    )
    .unwrap();
    let entry = catalog::get(&mut plain, &db.name, "second")
        .unwrap()
        .unwrap();
    assert_eq!(entry.sql_mode.as_deref(), Some("ANSI_QUOTES"));
}

#[test]
fn the_servers_global_mode_is_the_default() {
    // Changes a GLOBAL variable: a server of its own.
    let server = PrivateServer::start().unwrap();
    let mut root = server.conn().unwrap();
    root.query_drop("CREATE DATABASE m").unwrap();
    root.query_drop("SET GLOBAL sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'")
        .unwrap();
    let opts: Opts = OptsBuilder::from_opts(server.opts())
        .db_name(Some("m"))
        .into();
    let mut conn = Conn::new(opts.clone()).unwrap();
    load(&mut conn);
    let query = r#"SELECT s, COUNT(*) AS n FROM t WHERE s IN ('a\b', "x") GROUP BY s"#;
    support::server::create_quietly(&opts, "summary", query, &CreateOptions::default()).unwrap();
    write(&mut conn);
    assert_eq!(
        rows(&mut conn, "SELECT * FROM summary"),
        rows(&mut conn, query)
    );
    assert!(validate(&opts, "m", "summary", 10).unwrap().exact);
}
