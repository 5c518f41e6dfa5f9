//! Who can read a summary, with real accounts on a real server: `GRANT SELECT` on the summary
//! alone lets an account read it (the view runs as its definer), and gives no access to its
//! state tables or its base table; an account without the grant reads none of them. The view's
//! definer can differ from the triggers' (a resume by another account replaces the triggers
//! only): when it is dropped, reads fail, `status` says BROKEN, and a rebuild by another
//! account restores reading, the grant included.

mod support;

use lightning_tables::lifecycle::{
    create, rebuild, resume, status, ChunkPolicy, Control, CreateOptions, Event, LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use support::compare::{rows, Strings};
use support::workload::make_table;

const BY_G: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, MAX(d) AS hi FROM t GROUP BY g";

/// MariaDB's "SELECT command denied to user ... for table ...".
const ER_TABLEACCESS_DENIED: u16 = 1142;

/// A test account `prefix_<db>`@`%` with `grants` (statements where `{user}` is its name), and
/// options to connect as it without a default database (an account without privileges in the
/// database may not select it).
fn account(
    root: &mut Conn,
    db: &support::server::TestDb,
    prefix: &str,
    grants: &[&str],
) -> (support::server::Account, Opts) {
    let user = support::server::account_name(prefix, &db.name);
    let account = support::server::Account(user.clone());
    root.query_drop(format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'pw-Access-1'"
    ))
    .unwrap_or_else(|e| panic!("create user {user}: {e}"));
    for g in grants {
        let g = g.replace("{user}", &user).replace("{db}", &db.name);
        root.query_drop(&g).unwrap_or_else(|e| panic!("{g}: {e}"));
    }
    let opts = OptsBuilder::from_opts(db.server_opts())
        .user(Some(user))
        .pass(Some("pw-Access-1"))
        .into();
    (account, opts)
}

/// The error code `sql` fails with; panics when it succeeds.
fn refused(conn: &mut Conn, sql: &str) -> u16 {
    match conn.query_drop(sql) {
        Err(mysql::Error::MySqlError(e)) => e.code,
        other => panic!("{sql} was not refused: {other:?}"),
    }
}

fn connect(opts: &Opts) -> Conn {
    Conn::new(opts.clone()).unwrap_or_else(|e| panic!("connecting: {e}"))
}

fn quick() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(300),
        checkpoints: 4,
        checkpoint_every: std::time::Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// Grants `SELECT` on summary `name` to account `user`.
fn grant_summary(root: &mut Conn, db: &support::server::TestDb, name: &str, user: &str) {
    root.query_drop(format!(
        "GRANT SELECT ON `{}`.`{name}` TO '{user}'@'%'",
        db.name
    ))
    .unwrap_or_else(|e| panic!("grant: {e}"));
}

#[test]
fn select_on_the_summary_is_enough_and_gives_nothing_else() {
    let db = support::server::fresh_db("access");
    let mut root = db.conn();
    make_table(&mut root, 3000);
    let (_analyst, analyst_opts) = account(&mut root, &db, "ana", &[]);
    let (_outsider, outsider_opts) = account(&mut root, &db, "out", &[]);
    support::server::create_quietly(&db.opts(), "s", BY_G, &quick()).unwrap();
    grant_summary(
        &mut root,
        &db,
        "s",
        &support::server::account_name("ana", &db.name),
    );
    let summary = format!("SELECT * FROM `{}`.`s`", db.name);
    let truth = rows(&mut root, BY_G, Strings::Exact);
    assert!(truth.len() > 10);
    let mut analyst = connect(&analyst_opts);
    assert_eq!(
        rows(&mut analyst, &summary, Strings::Exact),
        truth,
        "the granted account reads exactly the query's rows"
    );
    let mut outsider = connect(&outsider_opts);
    for table in ["s", "_lt_s_g1", "_lt_s_g1_mm0", "t", "_lightning_catalog"] {
        let read = format!("SELECT * FROM `{}`.`{table}`", db.name);
        if table != "s" {
            assert_eq!(
                refused(&mut analyst, &read),
                ER_TABLEACCESS_DENIED,
                "the grant on the summary opened {table}"
            );
        }
        assert_eq!(
            refused(&mut outsider, &read),
            ER_TABLEACCESS_DENIED,
            "an account without the grant read {table}"
        );
    }
    // Writes go on as before, and the grant keeps reading the current rows.
    root.query_drop("UPDATE t SET g = g + 1 WHERE id % 5 = 0")
        .unwrap();
    assert_eq!(
        rows(&mut analyst, &summary, Strings::Exact),
        rows(&mut root, BY_G, Strings::Exact),
        "after writes"
    );
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.view_security.as_deref(), Some("DEFINER"), "{st:?}");
    assert!(st.view_definer.is_some(), "{st:?}");

    // Without its view the summary cannot be read: status says so, and a rebuild makes it
    // again (the grant is kept by name).
    root.query_drop("DROP VIEW s").unwrap();
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert!(!st.view_present && st.broken(), "{st:?}");
    assert!(st.summary.contains("missing"), "{}", st.summary);
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        rows(&mut analyst, &summary, Strings::Exact),
        rows(&mut root, BY_G, Strings::Exact),
        "after the view was made again"
    );
}

#[test]
fn a_dropped_view_definer_is_broken_in_status_and_rebuild_restores_reading() {
    let db = support::server::fresh_db("access_definer");
    let mut root = db.conn();
    make_table(&mut root, 3000);
    let (_creator, creator_opts) = account(
        &mut root,
        &db,
        "cre",
        &["GRANT ALL PRIVILEGES ON `{db}`.* TO '{user}'@'%'"],
    );
    let (_analyst, analyst_opts) = account(&mut root, &db, "ana", &[]);

    // The creator makes the summary (the view is theirs) and is interrupted after the first
    // checkpoint; root resumes it, which replaces the triggers (now root's) but not the view.
    let control = Control::new();
    let cancel = control.clone();
    let as_creator: Opts = OptsBuilder::from_opts(creator_opts)
        .db_name(Some(db.name.clone()))
        .into();
    let interrupted = create(&as_creator, "s", BY_G, &quick(), &control, &mut |e| {
        if let Event::Checkpoint { .. } = e {
            cancel.cancel();
        }
    });
    assert!(
        matches!(interrupted, Err(LifecycleError::Cancelled(_))),
        "{interrupted:?}"
    );
    resume(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let creator = support::server::account_name("cre", &db.name);
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(
        st.view_definer.as_deref(),
        Some(&*format!("{creator}@%")),
        "{st:?}"
    );
    assert!(st.summary.starts_with("ready"), "{}", st.summary);
    grant_summary(
        &mut root,
        &db,
        "s",
        &support::server::account_name("ana", &db.name),
    );
    let summary = format!("SELECT * FROM `{}`.`s`", db.name);
    let mut analyst = connect(&analyst_opts);
    analyst.query_drop(&summary).unwrap();

    // The view's definer is dropped: the triggers (root's) keep the table writable, but no one
    // can read the summary, and status says so.
    root.query_drop(format!("DROP USER '{creator}'@'%'"))
        .unwrap();
    root.query_drop("INSERT INTO t (id, g, d) VALUES (900001, 1, 1)")
        .unwrap();
    assert!(analyst.query_drop(&summary).is_err());
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.missing_definer, None, "{st:?}");
    assert_eq!(
        st.missing_view_definer.as_deref(),
        Some(&*format!("{creator}@%")),
        "{st:?}"
    );
    assert!(st.broken(), "{st:?}");
    assert!(
        st.summary.starts_with("BROKEN") && st.summary.contains("read"),
        "{}",
        st.summary
    );

    // A rebuild by another account makes the view theirs; the grant still applies.
    rebuild(
        &db.opts(),
        &db.name,
        "s",
        &quick(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let st = status(&db.opts(), &db.name, "s").unwrap();
    assert_eq!(st.missing_view_definer, None, "{st:?}");
    assert!(st.summary.starts_with("ready"), "{}", st.summary);
    assert_eq!(
        rows(&mut analyst, &summary, Strings::Exact),
        rows(&mut root, BY_G, Strings::Exact),
        "after the rebuild"
    );
    assert_eq!(
        refused(
            &mut analyst,
            &format!("SELECT * FROM `{}`.`_lt_s_g2`", db.name)
        ),
        ER_TABLEACCESS_DENIED
    );
}
