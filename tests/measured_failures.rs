//! The ways a summary was measured to disagree with its query (issue 12), each replayed
//! deterministically: a ready summary, the statements that broke it, and after each statement
//! the summary compared with MariaDB's own answer to the query.

mod support;

use lightning_tables::lifecycle::{create, Control, CreateOptions};
use mysql::prelude::Queryable;
use mysql::Conn;
use support::compare::{assert_same, Strings};

/// A database with `ddl` and `rows` in it and summary `name` of `query`, compared once.
fn ready(name: &str, ddl: &str, rows: &str, query: &str) -> (support::server::TestDb, Conn) {
    ready_compared(name, ddl, rows, query, query)
}

/// [`ready`], compared with `compared` (the query as read through a derived table).
fn ready_compared(
    name: &str,
    ddl: &str,
    rows: &str,
    query: &str,
    compared: &str,
) -> (support::server::TestDb, Conn) {
    let db = support::server::fresh_db(name);
    let mut conn = db.conn();
    conn.query_drop(ddl).unwrap();
    conn.query_drop(rows).unwrap();
    support::server::create_quietly(&db.opts(), name, query, &CreateOptions::default())
        .unwrap_or_else(|e| panic!("{name}: create failed: {e}"));
    assert_same(&mut conn, name, compared, Strings::Exact, "after create");
    (db, conn)
}

/// Runs each statement (which may warn, never fail) and compares after each.
fn replay(conn: &mut Conn, name: &str, query: &str, statements: &[&str]) {
    for stmt in statements {
        conn.query_drop(stmt)
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
        assert_same(conn, name, query, Strings::Exact, stmt);
    }
}

#[test]
fn min_max_of_enum_and_set_compare_as_strings() {
    // Member order is z < a < m < B; MIN/MAX compare the strings under the column's collation
    // ('a' < 'B' < 'z' in a _ci collation).
    let query = "SELECT g, MIN(grade) AS lo, MAX(grade) AS hi, MIN(tags) AS tlo, MAX(tags) AS thi, MIN(cs) AS clo, MAX(cs) AS chi FROM e GROUP BY g";
    let (_db, mut conn) = ready(
        "enum_minmax",
        "CREATE TABLE e (id INT PRIMARY KEY, g INT NOT NULL,
           grade ENUM('z','a','m','B'),
           tags SET('zeta','alpha','mid'),
           cs ENUM('b','A','a') COLLATE utf8mb4_bin)",
        "INSERT INTO e VALUES (1, 1, 'z', 'zeta', 'b'), (2, 1, 'a', 'alpha,mid', 'A'), (3, 2, 'B', 'mid', 'a')",
        query,
    );
    replay(
        &mut conn,
        "enum_minmax",
        query,
        &[
            "INSERT INTO e VALUES (4, 2, 'm', 'zeta,mid', 'b')",
            "UPDATE e SET grade = 'z' WHERE id = 2",
            "DELETE FROM e WHERE id = 1",
            "UPDATE e SET g = 1 WHERE id = 3",
        ],
    );
}

#[test]
fn min_max_of_an_indexed_enum_is_refused() {
    // With an index MariaDB answers in member order, without one in string order.
    let db = support::server::fresh_db("enum_indexed");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE e (id INT PRIMARY KEY, g INT, grade ENUM('z','a'), KEY (g, grade))",
    )
    .unwrap();
    let err = create(
        &db.opts(),
        "enum_indexed",
        "SELECT g, MIN(grade) FROM e GROUP BY g",
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("member order"), "{err}");
    create(
        &db.opts(),
        "enum_concat",
        "SELECT g, MIN(CONCAT(grade)) AS lo FROM e GROUP BY g",
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
}

/// A table whose rows can be refused by UPDATE IGNORE in every way MariaDB still fires
/// AFTER UPDATE for: a duplicate primary key, a duplicate UNIQUE value, a missing parent, a
/// referencing child.
const KEYED: &str = "CREATE TABLE u (
    id INT PRIMARY KEY,
    code VARCHAR(8) COLLATE utf8mb4_general_ci NOT NULL UNIQUE,
    g CHAR(1) NOT NULL,
    n INT NOT NULL,
    pid INT NULL,
    FOREIGN KEY (pid) REFERENCES p (id)
)";

#[test]
fn update_ignore_of_a_refused_row_changes_nothing() {
    let query =
        "SELECT g, COUNT(*) AS c, SUM(n) AS s, MIN(code) AS lo, MAX(id) AS hi FROM u GROUP BY g";
    let db = support::server::fresh_db("upd_ignore");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE p (id INT PRIMARY KEY)")
        .unwrap();
    conn.query_drop("INSERT INTO p VALUES (1), (2)").unwrap();
    conn.query_drop(KEYED).unwrap();
    conn.query_drop(
        "CREATE TABLE child (id INT PRIMARY KEY, uid INT, FOREIGN KEY (uid) REFERENCES u (id))",
    )
    .unwrap();
    conn.query_drop(
        "INSERT INTO u VALUES (1, 'k1', 'a', 10, 1), (2, 'k2', 'a', 20, NULL), (3, 'k3', 'b', 30, 2), (5, 'k5', 'b', 50, NULL)",
    )
    .unwrap();
    conn.query_drop("INSERT INTO child VALUES (1, 5)").unwrap();
    support::server::create_quietly(&db.opts(), "upd_ignore", query, &CreateOptions::default())
        .unwrap();
    replay(
        &mut conn,
        "upd_ignore",
        query,
        &[
            // The repro: k1 exists, so the row stays k3 / b.
            "UPDATE IGNORE u SET code = 'k1', g = 'z' WHERE code = 'k3'",
            // A duplicate primary key, with a group move.
            "UPDATE IGNORE u SET id = 1, g = 'z', n = 99 WHERE id = 3",
            // A duplicate under the column's collation ('K2' = 'k2'); a case-only change of
            // the row's own value is not a conflict and must count.
            "UPDATE IGNORE u SET code = 'K2', g = 'c' WHERE id = 1",
            "UPDATE IGNORE u SET code = 'K1', g = 'c' WHERE id = 1",
            // A parent that does not exist; a row that a child references.
            "UPDATE IGNORE u SET pid = 99, g = 'd' WHERE id = 2",
            "UPDATE IGNORE u SET id = 6, g = 'd' WHERE id = 5",
            // Key shifts: descending succeeds row by row, ascending refuses some rows.
            "UPDATE IGNORE u SET id = id + 1, g = 'e' WHERE id < 5 ORDER BY id DESC",
            "UPDATE IGNORE u SET id = id + 1, g = 'f' ORDER BY id ASC",
            "UPDATE IGNORE u SET code = CONCAT(code, 'x'), g = 'g' WHERE id > 2",
            // Multi-table UPDATE IGNORE refuses the same way.
            "UPDATE IGNORE u JOIN p ON p.id = 1 SET u.id = 2, u.g = 'h' WHERE u.id = 3",
        ],
    );
    // Inside a transaction, under each isolation level.
    for level in ["READ COMMITTED", "REPEATABLE READ"] {
        conn.query_drop(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"))
            .unwrap();
        conn.query_drop("START TRANSACTION").unwrap();
        conn.query_drop("UPDATE IGNORE u SET id = 2, g = 'i' WHERE id = 4")
            .unwrap();
        conn.query_drop("COMMIT").unwrap();
        assert_same(&mut conn, "upd_ignore", query, Strings::Exact, level);
    }
}

#[test]
fn a_row_committed_after_the_writers_snapshot_is_seen_as_refused() {
    // Under REPEATABLE READ a plain read inside the trigger would not see row 3 (committed
    // after the writer's snapshot), and would take the refused update for a real one.
    let query = "SELECT g, COUNT(*) AS c, SUM(n) AS s FROM u GROUP BY g";
    let db = support::server::fresh_db("upd_ignore_rr");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE p (id INT PRIMARY KEY)")
        .unwrap();
    conn.query_drop(KEYED).unwrap();
    conn.query_drop("INSERT INTO u VALUES (1, 'k1', 'a', 10, NULL)")
        .unwrap();
    support::server::create_quietly(
        &db.opts(),
        "upd_ignore_rr",
        query,
        &CreateOptions::default(),
    )
    .unwrap();
    let mut writer = db.conn();
    writer
        .query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .unwrap();
    writer.query_drop("START TRANSACTION").unwrap();
    writer.query_drop("SELECT COUNT(*) FROM u").unwrap();
    conn.query_drop("INSERT INTO u VALUES (3, 'k3', 'b', 30, NULL)")
        .unwrap();
    writer
        .query_drop("UPDATE IGNORE u SET id = 1, g = 'z' WHERE id = 3")
        .unwrap();
    writer.query_drop("COMMIT").unwrap();
    assert_same(&mut conn, "upd_ignore_rr", query, Strings::Exact, "RR");
}

#[test]
fn writers_session_settings_do_not_change_stored_values() {
    // The session-dependent spellings are refused (engine_rejections); these are what the
    // refusals suggest, written by sessions with other settings.
    let query = "SELECT DATE_FORMAT(d, '%M', 'en_US') AS m, WEEK(d, 0) AS w, n DIV 4 AS q, COUNT(*) AS c, MAX(DATE_FORMAT(d, '%W %b', 'en_US')) AS day FROM s GROUP BY m, w, q";
    let (db, mut conn) = ready(
        "sessions",
        "CREATE TABLE s (id INT PRIMARY KEY, d DATE NOT NULL, n INT NOT NULL)",
        "INSERT INTO s VALUES (1, '2026-01-04', 5), (2, '2026-01-05', 9)",
        query,
    );
    let mut writer = db.conn();
    writer
        .query_drop(
            "SET lc_time_names = 'de_DE', default_week_format = 3, div_precision_increment = 0",
        )
        .unwrap();
    for (i, stmt) in [
        "INSERT INTO s VALUES (3, '2026-01-04', 6)",
        "INSERT INTO s VALUES (4, '2026-03-01', 11)",
        "UPDATE s SET d = '2026-01-11' WHERE id = 1",
        "DELETE FROM s WHERE id = 2",
    ]
    .iter()
    .enumerate()
    {
        writer.query_drop(stmt).unwrap();
        assert_same(
            &mut conn,
            "sessions",
            query,
            Strings::Exact,
            &format!("{i}: {stmt}"),
        );
    }
}

#[test]
fn a_cascade_into_the_primary_key_is_followed_by_the_parents_trigger() {
    // ON UPDATE CASCADE rewrites `pid` without a trigger of `t`; a resumed backfill counted the
    // rows it moved between checkpoint regions twice, so such tables were refused. The parent's
    // AFTER UPDATE trigger now moves each child's delta from its old key's region to its new
    // one's (tests/cascades.rs covers the rest).
    let db = support::server::fresh_db("cascade_pk");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE p (id INT PRIMARY KEY)")
        .unwrap();
    conn.query_drop(
        "CREATE TABLE t (pid INT NOT NULL, n INT NOT NULL, g INT, PRIMARY KEY (pid, n),
           CONSTRAINT moves_pid FOREIGN KEY (pid) REFERENCES p (id) ON UPDATE CASCADE)",
    )
    .unwrap();
    conn.query_drop("INSERT INTO p SELECT seq FROM seq_1_to_40")
        .unwrap();
    conn.query_drop("INSERT INTO t SELECT 1 + seq % 40, seq, seq % 3 FROM seq_1_to_400")
        .unwrap();
    let query = "SELECT g, COUNT(*) AS n FROM t GROUP BY g";
    create(
        &db.opts(),
        "cascade_pk",
        query,
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    for stmt in [
        "UPDATE p SET id = id + 100 WHERE id <= 10",
        "UPDATE p SET id = 0 WHERE id = 40",
        "DELETE FROM t WHERE pid = 0 AND n < 100",
    ] {
        conn.query_drop(stmt).unwrap();
        assert_same(&mut conn, "cascade_pk", query, Strings::Exact, stmt);
    }
}

#[test]
fn sums_that_decimal_65_could_not_hold_are_refused() {
    // AVG of DECIMAL(65,0) holding 10^62 and 3 came out as 9999...9.9999; a DECIMAL(65,30) sum
    // past 10^35 was capped in the state.
    let db = support::server::fresh_db("wide_decimal");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE w (id INT PRIMARY KEY, z DECIMAL(65,0), d DECIMAL(65,30), ok DECIMAL(47,10))",
    )
    .unwrap();
    conn.query_drop("INSERT INTO w VALUES (1, 1e46, 1e34, 1e36), (2, 3, 5e34, 3)")
        .unwrap();
    for (i, q) in ["SELECT AVG(z) FROM w", "SELECT SUM(d) FROM w"]
        .iter()
        .enumerate()
    {
        let err = support::server::create_quietly(
            &db.opts(),
            &format!("wide{i}"),
            q,
            &CreateOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("18 digits of room"), "{q}: {err}");
    }
    let query = "SELECT SUM(ok) AS s, AVG(ok) AS a FROM w";
    support::server::create_quietly(&db.opts(), "fits", query, &CreateOptions::default()).unwrap();
    conn.query_drop(
        "INSERT INTO w VALUES (3, 0, 0, 99999999999999999999999999999999999.9999999999)",
    )
    .unwrap();
    assert_same(
        &mut conn,
        "fits",
        query,
        Strings::Exact,
        "widest accepted DECIMAL",
    );
}

#[test]
fn validate_reads_the_view_as_readers_do() {
    // validate compared aggregates rebuilt from the state, so a view that computes something
    // else (here: a sum one too large, by hand) was reported exact.
    use lightning_tables::lifecycle::validate;
    let query = "SELECT g, COUNT(*) AS c, SUM(n) AS s FROM v GROUP BY g";
    let (db, mut conn) = ready(
        "view_checked",
        "CREATE TABLE v (id INT PRIMARY KEY, g CHAR(1) COLLATE utf8mb4_general_ci, n INT)",
        "INSERT INTO v VALUES (1, 'a', 10), (2, 'A', 20), (3, 'b', 30)",
        query,
    );
    let report = validate(&db.opts(), &db.name, "view_checked", 10).unwrap();
    assert!(report.exact, "{report:?}");
    let definition: String = conn
        .query_first(
            "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'view_checked'",
        )
        .unwrap()
        .unwrap();
    let wrong = definition.replacen(" AS `s`", " + 1 AS `s`", 1);
    assert_ne!(wrong, definition, "{definition}");
    conn.query_drop(format!("CREATE OR REPLACE VIEW view_checked AS {wrong}"))
        .unwrap();
    let report = validate(&db.opts(), &db.name, "view_checked", 10).unwrap();
    assert!(!report.exact, "{report:?}");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("reading the summary does not give the query's answer")),
        "{report:?}"
    );
}

#[test]
fn double_sums_past_the_range_never_fail_a_write() {
    // Two rows of 1e308 made the trigger's `s + 1e308` fail the INSERT (ERROR 1690, in any
    // sql_mode); deleting one made the DELETE fail the same way. MariaDB's own SUM/AVG are
    // then infinity, which it prints as 0.
    use lightning_tables::lifecycle::validate;
    let query = "SELECT g, COUNT(*) AS c, SUM(f) AS s, AVG(f) AS a FROM d GROUP BY g";
    let (db, mut conn) = ready(
        "double_range",
        "CREATE TABLE d (id INT PRIMARY KEY, g INT NOT NULL, f DOUBLE)",
        "INSERT INTO d VALUES (1, 1, 1e308), (2, 2, -1e308), (3, 3, 2.2250738585072014e-308)",
        query,
    );
    for mode in ["''", "DEFAULT"] {
        conn.query_drop(format!("SET sql_mode = {mode}")).unwrap();
        replay(
            &mut conn,
            "double_range",
            query,
            &[
                "INSERT INTO d VALUES (4, 1, 1e308)",
                "INSERT INTO d VALUES (5, 2, -1.7976931348623157e308), (6, 2, -1e308)",
                "UPDATE d SET f = 1.7976931348623157e308 WHERE id = 1",
                "DELETE FROM d WHERE id = 4",
                "DELETE FROM d WHERE id IN (5, 6)",
                "UPDATE d SET g = 1 WHERE id = 2",
                // Not (1e308, 1e308, -1e308): MariaDB's own running sum overflows in the
                // middle and says 0 for a sum of 1e308 (docs/correctness.md).
                "INSERT INTO d VALUES (4, 3, -1e308), (5, 3, 1e308), (6, 3, 1e308)",
                "DELETE FROM d WHERE id >= 4",
            ],
        );
        let report = validate(&db.opts(), &db.name, "double_range", 10).unwrap();
        assert!(report.exact, "{mode}: {report:?}");
    }
}

#[test]
fn a_prepared_xa_whose_client_left_is_waited_for() {
    let query = "SELECT g, COUNT(*) AS c, SUM(n) AS s FROM x GROUP BY g";
    let db = support::server::fresh_db("xa_left");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE x (id INT PRIMARY KEY, g INT NOT NULL, n INT NOT NULL)")
        .unwrap();
    conn.query_drop("INSERT INTO x VALUES (1, 1, 100), (2, 1, 200), (3, 2, 300)")
        .unwrap();
    // The xid is unique per test database: XA RECOVER is server-wide.
    let xid = format!("lt_{}", db.name);
    {
        let mut xa = db.conn();
        for stmt in [
            format!("XA START '{xid}'"),
            "INSERT INTO x VALUES (4, 1, 1000)".into(),
            "UPDATE x SET n = n + 100 WHERE id = 1".into(),
            format!("XA END '{xid}'"),
            format!("XA PREPARE '{xid}'"),
        ] {
            xa.query_drop(stmt).unwrap();
        }
        // Dropped here: the client is gone, the prepared transaction stays.
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let quick = CreateOptions {
        max_lock_wait: std::time::Duration::from_millis(300),
        lock_attempts: 2,
        ..CreateOptions::default()
    };
    let err = support::server::create_quietly(&db.opts(), "xa_left", query, &quick)
        .expect_err("the prepared XA holds the table")
        .to_string();
    assert!(err.contains("prepared XA") && err.contains(&xid), "{err}");
    // A create that waits while the XA commits: the XA's rows are in its snapshot.
    let patient = CreateOptions {
        max_lock_wait: std::time::Duration::from_secs(1),
        lock_attempts: 30,
        ..CreateOptions::default()
    };
    let opts = db.opts();
    let waiting = std::thread::spawn(move || {
        support::server::create_quietly(&opts, "xa_left", query, &patient)
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    conn.query_drop(format!("XA COMMIT '{xid}'")).unwrap();
    waiting
        .join()
        .expect("create thread")
        .unwrap_or_else(|e| panic!("create after XA COMMIT: {e}"));
    assert_same(
        &mut conn,
        "xa_left",
        query,
        Strings::Exact,
        "after XA COMMIT",
    );
    replay(
        &mut conn,
        "xa_left",
        query,
        &[
            "INSERT INTO x VALUES (5, 2, 5)",
            "DELETE FROM x WHERE id = 4",
        ],
    );
}

/// `query` as the DML matrix and `validate` read it: through a derived table. MariaDB prints
/// a YEAR 0000 computed by MIN/MAX as `0` when it sends it directly and as `0000` once a
/// derived table (or a view) stores it; a summary is a view, so this is what it can equal.
fn derived(query: &str) -> String {
    format!("SELECT * FROM ({query}) AS `q`")
}

#[test]
fn bit_keys_and_min_max_keep_their_bits() {
    // Before: a view or derived table stores IF(k_null, NULL, bit) and a scalar subquery
    // returning a BIT through their decimal digits (b'0' became '0' = 0x30, clamped to b'1' in
    // BIT(1); 5 became 0x35 in BIT(64)), and the backfill wrote COALESCE(bit, 0)'s DECIMAL
    // text back as bytes (b'0' as 0x30 = b'1'): b'0' and b'1' were one group.
    let query =
        "SELECT g, h, COUNT(*) AS c, MIN(v) AS lo, MAX(v) AS hi, MIN(f) AS flo FROM b GROUP BY g, h";
    let compared = derived(query);
    let (_db, mut conn) = ready_compared(
        "bit_keys",
        "CREATE TABLE b (id INT PRIMARY KEY, g BIT(1) NULL, h BIT(64) NULL, v BIT(64) NULL, f BIT(1) NULL)",
        "INSERT INTO b VALUES (1, b'0', 0, 0, b'0'), (2, b'1', 0, 5, b'1'), (3, NULL, 48, 0xFFFFFFFFFFFFFFFF, b'0'),
           (4, b'0', 0xFFFFFFFFFFFFFFFF, 1, NULL), (5, b'1', NULL, NULL, b'1')",
        query,
        &compared,
    );
    replay(
        &mut conn,
        "bit_keys",
        &compared,
        &[
            "INSERT INTO b VALUES (6, b'0', 0, 0x8000000000000000, b'1'), (7, NULL, 48, 48, b'0')",
            "UPDATE b SET g = b'1' WHERE id = 1",
            "UPDATE b SET g = NULL, v = 0 WHERE id = 2",
            "DELETE FROM b WHERE id = 3",
            "UPDATE b SET h = 0, f = b'0' WHERE id = 5",
        ],
    );
}

#[test]
fn year_0000_stays_0000() {
    // Before: COALESCE(year, 0) reached the backfill as DECIMAL text '0' and was written back as
    // the two-digit year 2000 (the 0000 group merged into 2000, and the NULL group's
    // placeholder differed from the triggers' 0000, so a key set to NULL later made a second
    // NULL group); the view materialized IF(k_null, NULL, year) and the MIN/MAX subquery
    // through '0' as 2000 as well.
    let query =
        "SELECT g, COUNT(*) AS c, SUM(v) AS sv, MIN(v) AS lo, MAX(v) AS hi FROM y GROUP BY g";
    let compared = derived(query);
    let (_db, mut conn) = ready_compared(
        "year_zero",
        "CREATE TABLE y (id INT PRIMARY KEY, g YEAR NULL, v YEAR NULL)",
        "INSERT INTO y VALUES (1, 0, 2000), (2, 2000, 0), (3, NULL, 69), (4, 1901, 0), (5, 0, 2155)",
        query,
        &compared,
    );
    replay(
        &mut conn,
        "year_zero",
        &compared,
        &[
            "INSERT INTO y VALUES (6, 0, 0), (7, 2000, 2000), (8, NULL, 0)",
            "UPDATE y SET g = NULL WHERE id = 2",
            "UPDATE y SET g = 0, v = 1999 WHERE id = 7",
            "DELETE FROM y WHERE id = 1",
            "UPDATE y SET g = 2000 WHERE g IS NULL",
        ],
    );
}

#[test]
fn enum_error_value_and_member_empty_are_two_groups() {
    // MariaDB groups the error value '' (index 0, stored by a non-strict write of an invalid
    // value) apart from a member '' (index 4); both print ''. Before, the summary stored both
    // as the member '' (one group), and an UPDATE between them looked unchanged.
    let query = "SELECT g, COUNT(*) AS c, SUM(n) AS sn FROM e GROUP BY g";
    let (_db, mut conn) = ready(
        "enum_zero",
        "CREATE TABLE e (id INT PRIMARY KEY, g ENUM('b','a','c','') COLLATE utf8mb4_general_ci NULL, n INT)",
        "SET STATEMENT sql_mode = '' FOR INSERT INTO e VALUES (1, 'b', 1), (2, '', 2), (3, 'zz', 4), (4, NULL, 8)",
        query,
    );
    replay(
        &mut conn,
        "enum_zero",
        query,
        &[
            "SET STATEMENT sql_mode = '' FOR INSERT INTO e VALUES (5, 'nope', 16), (6, '', 32)",
            "SET STATEMENT sql_mode = '' FOR UPDATE e SET g = 'zz' WHERE id = 2",
            "UPDATE e SET g = '' WHERE id = 3",
            "DELETE FROM e WHERE id = 5",
        ],
    );
}

#[test]
fn group_by_long_text_under_a_ci_collation_is_refused_with_its_position() {
    // A JSON key is taken since issue 15 (a LONGTEXT under utf8mb4_bin, stored under a hash of
    // its bytes); a TEXT under a collation that does not compare by bytes is refused.
    let db = support::server::fresh_db("json_key");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE j (id INT PRIMARY KEY, g TEXT COLLATE utf8mb4_general_ci)")
        .unwrap();
    let err = create(
        &db.opts(),
        "json_key",
        "SELECT COUNT(*) AS c, g\nFROM j GROUP BY g",
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("GROUP BY `g`: a text key under the collation utf8mb4_general_ci, which does not compare by bytes")
            && err.contains("at 2:17")
            && err.contains("COLLATE utf8mb4_bin"),
        "{err}"
    );
}
