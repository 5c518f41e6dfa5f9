//! Which DDL on a base table is safe with a summary in place (issue 12 item 5, item 11), as the
//! README lists it: each statement run on a ready summary, then `status` read, and then what
//! its verdict promises checked against the server:
//!
//! * **safe**: `ready`, and writes of every kind keep the summary equal to its query
//!   (compared after each) and `validate` exact;
//! * **stale**: `STALE … run rebuild` (the change touches what the summary reads or the keys a
//!   write can conflict on); after `rebuild`, ready and exact under the same writes;
//! * **broken**: `BROKEN`, naming the column, and writes to the table really fail; `drop` is the
//!   way out and writes work again;
//! * **not exact**: the table no longer rolls back (another engine): `status` and `validate`
//!   say so instead of "exact".

mod support;

use lightning_tables::lifecycle::{
    drop_summary, rebuild, status, validate, Control, CreateOptions,
};
use mysql::prelude::Queryable;
use mysql::Conn;
use support::compare::{assert_same, Strings};

const TABLE: &str = "CREATE TABLE t (
    id INT PRIMARY KEY,
    g VARCHAR(10) NOT NULL,
    v INT NOT NULL,
    s ENUM('b', 'a') NOT NULL,
    note VARCHAR(20),
    extra INT
)";
const ROWS: &str = "INSERT INTO t VALUES (1, 'x', 5, 'a', 'n', 1), (2, 'x', 7, 'b', 'n', 2), (3, 'y', 1, 'b', NULL, 3), (4, 'y', 0, 'a', NULL, 4)";
const QUERY: &str =
    "SELECT g, COUNT(*) AS c, SUM(v) AS sv, MIN(s) AS lo FROM t WHERE v > 0 GROUP BY g";

/// Writes of every kind, each compared: UPDATE IGNORE onto a duplicate of `extra` shows an
/// unguarded UNIQUE key (MariaDB fires AFTER UPDATE for a row it skips).
const WRITES: &[&str] = &[
    "INSERT INTO t (id, g, v, s, extra) VALUES (10, 'x', 3, 'b', 10), (11, 'z', 4, 'a', 11)",
    "UPDATE t SET g = 'y', v = v + 1 WHERE id = 1",
    "UPDATE IGNORE t SET extra = 2, g = 'z' WHERE id = 3",
    "REPLACE INTO t (id, g, v, s, extra) VALUES (2, 'z', 9, 'a', 20)",
    "DELETE FROM t WHERE id = 11",
];

/// What `status` must say after the statement.
#[derive(Clone, Copy, Debug)]
enum After {
    /// Ready, exact, maintained.
    Safe,
    /// `STALE`; a rebuild makes it ready again.
    Stale,
    /// `STALE`, and the rebuild refuses the query with this text (the change made it
    /// unsupported).
    StaleRefused(&'static str),
    /// `BROKEN`, naming this; this write fails (MariaDB resolves `NEW.x` only when the trigger
    /// reaches it: a row the WHERE skips early may still go in).
    Broken(&'static str, &'static str),
    /// `NOT EXACT`: the table does not roll back.
    NotExact,
}

const CASES: &[(&str, &[&str], After)] = &[
    (
        "add_column",
        &["ALTER TABLE t ADD COLUMN z INT"],
        After::Safe,
    ),
    (
        "add_column_first",
        &["ALTER TABLE t ADD COLUMN z INT FIRST"],
        After::Safe,
    ),
    (
        "drop_unread_column",
        &["ALTER TABLE t DROP COLUMN note"],
        After::Safe,
    ),
    (
        "rename_unread_column",
        &["ALTER TABLE t RENAME COLUMN note TO memo"],
        After::Safe,
    ),
    (
        "modify_unread_column",
        &["ALTER TABLE t MODIFY note VARCHAR(40)"],
        After::Safe,
    ),
    (
        "index_on_read_columns",
        &["ALTER TABLE t ADD INDEX (g, v)"],
        After::Safe,
    ),
    (
        "index_on_unread_column",
        &["CREATE INDEX ix ON t (note)", "DROP INDEX ix ON t"],
        After::Safe,
    ),
    (
        "table_rebuilt_in_place",
        &[
            "ALTER TABLE t ENGINE=InnoDB",
            "OPTIMIZE TABLE t",
            "ANALYZE TABLE t",
        ],
        After::Safe,
    ),
    (
        "table_comment",
        &["ALTER TABLE t COMMENT 'orders'"],
        After::Safe,
    ),
    (
        "read_column_widened",
        &["ALTER TABLE t MODIFY v BIGINT NOT NULL"],
        After::Stale,
    ),
    (
        "read_column_collation",
        &["ALTER TABLE t MODIFY g VARCHAR(10) COLLATE utf8mb4_bin NOT NULL"],
        After::Stale,
    ),
    (
        "unique_key_added",
        &["ALTER TABLE t ADD UNIQUE (extra)"],
        After::Stale,
    ),
    (
        "primary_key_changed",
        &["ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, g)"],
        After::Stale,
    ),
    (
        "index_on_enum_read_by_min",
        &["ALTER TABLE t ADD INDEX (s)"],
        After::StaleRefused("member order"),
    ),
    (
        "read_column_dropped",
        &["ALTER TABLE t DROP COLUMN v"],
        After::Broken("column v", "INSERT INTO t (id, g) VALUES (100, 'x')"),
    ),
    (
        "read_column_renamed",
        &["ALTER TABLE t RENAME COLUMN g TO grp"],
        After::Broken("column g", "INSERT INTO t (id, v) VALUES (100, 1)"),
    ),
    (
        "table_renamed",
        &["RENAME TABLE t TO t_old"],
        After::Broken("is gone", ""),
    ),
    (
        "engine_changed",
        &["ALTER TABLE t ENGINE=MyISAM"],
        After::NotExact,
    ),
];

fn writes_compared(conn: &mut Conn, name: &str) {
    for w in WRITES {
        conn.query_drop(w)
            .unwrap_or_else(|e| panic!("{name}: {w}: {e}"));
        assert_same(conn, name, QUERY, Strings::Exact, &format!("{name}: {w}"));
    }
}

fn exact(db: &support::server::TestDb, name: &str) {
    let report = validate(&db.opts(), &db.name, name, 5).unwrap();
    assert!(report.exact, "{name}: validate: {report:?}");
}

fn run_case(id: &str, ddl: &[&str], after: After) {
    let db = support::server::fresh_db(&format!("ddl_{id}"));
    let mut conn = db.conn();
    conn.query_drop(TABLE).unwrap();
    conn.query_drop(ROWS).unwrap();
    let name = "s";
    support::server::create_quietly(&db.opts(), name, QUERY, &CreateOptions::default())
        .unwrap_or_else(|e| panic!("{id}: create: {e}"));
    for stmt in ddl {
        conn.query_drop(stmt)
            .unwrap_or_else(|e| panic!("{id}: {stmt}: {e}"));
    }
    let st = status(&db.opts(), &db.name, name).unwrap();
    let verdict = st.summary.clone();
    match after {
        After::Safe => {
            assert!(verdict.starts_with("ready"), "{id}: {verdict}");
            assert!(!st.broken() && !st.base_altered, "{id}: {st:?}");
            writes_compared(&mut conn, name);
            exact(&db, name);
        }
        After::Stale | After::StaleRefused(_) => {
            assert!(verdict.starts_with("STALE"), "{id}: {verdict}");
            let rebuilt = rebuild(
                &db.opts(),
                &db.name,
                name,
                &CreateOptions::default(),
                &Control::new(),
                &mut |_| {},
            );
            if let After::StaleRefused(why) = after {
                let err = rebuilt.expect_err(id).to_string();
                assert!(err.contains(why), "{id}: {err}");
                return;
            }
            rebuilt.unwrap_or_else(|e| panic!("{id}: rebuild: {e}"));
            let st = status(&db.opts(), &db.name, name).unwrap();
            assert!(st.summary.starts_with("ready"), "{id}: {}", st.summary);
            writes_compared(&mut conn, name);
            exact(&db, name);
        }
        After::Broken(what, write) => {
            assert!(
                verdict.starts_with("BROKEN") && verdict.contains(what),
                "{id}: {verdict}"
            );
            assert!(st.broken(), "{id}");
            // Not strict: only the trigger can fail this insert of defaults.
            conn.query_drop("SET SESSION sql_mode = ''").unwrap();
            if id != "table_renamed" {
                let err = conn
                    .query_drop(write)
                    .expect_err(&format!("{id}: the verdict ({verdict}) says writes fail"));
                assert!(err.to_string().contains("Unknown column"), "{id}: {err}");
            }
            drop_summary(&db.opts(), &db.name, name).unwrap();
            let table = if id == "table_renamed" { "t_old" } else { "t" };
            conn.query_drop(format!("INSERT INTO {table} (id) VALUES (100)"))
                .unwrap_or_else(|e| panic!("{id}: after drop: {e}"));
        }
        After::NotExact => {
            assert!(verdict.starts_with("NOT EXACT"), "{id}: {verdict}");
            assert!(st.broken(), "{id}");
            // What the verdict warns of: the rolled-back row stays, its delta does not.
            conn.query_drop("START TRANSACTION").unwrap();
            conn.query_drop("INSERT INTO t (id, g, v, s) VALUES (100, 'x', 1, 'a')")
                .unwrap();
            conn.query_drop("ROLLBACK").unwrap();
            let report = validate(&db.opts(), &db.name, name, 5).unwrap();
            assert!(
                !report.exact && report.differing_groups == 1,
                "{id}: {report:?}"
            );
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.contains("does not roll back")),
                "{id}: {report:?}"
            );
        }
    }
}

#[test]
fn each_base_table_ddl_gets_the_verdict_the_readme_gives_it() {
    for (id, ddl, after) in CASES {
        run_case(id, ddl, *after);
    }
}
