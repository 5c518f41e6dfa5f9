//! Least privilege, measured: each operation runs as an account holding exactly the
//! database-level privileges `lightning doctor` lists for it (`grants::OPERATIONS`), and fails
//! once any one of them is taken away; and a whole lifecycle runs as an account holding exactly
//! the `create` list while an application account with only INSERT, UPDATE, DELETE and SELECT
//! on the base table writes, and a reader with SELECT on the summary alone reads.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};

use lightning_tables::db::doctor::grants::{Scope, OPERATIONS, REQUIRED_PRIVILEGES};
use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions,
    Event, LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use support::compare::{assert_same, rows, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const BY_G: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, MAX(d) AS hi FROM t GROUP BY g";
const PASSWORD: &str = "pw-Least-1";

/// Every privilege MariaDB grants at database level.
const ALL_DB: &[&str] = lightning_tables::db::doctor::grants::DATABASE_PRIVILEGES;

fn quick() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(300),
        checkpoints: 4,
        checkpoint_every: std::time::Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// An account holding exactly `privileges` on the test database (none when empty), and options
/// to connect as it with that database selected.
fn account(
    root: &mut Conn,
    db: &support::server::TestDb,
    privileges: &[&str],
) -> (support::server::Account, Opts) {
    static N: AtomicU32 = AtomicU32::new(0);
    let user = support::server::account_name(
        &format!("lp{}", N.fetch_add(1, Ordering::Relaxed)),
        &db.name,
    );
    let account = support::server::Account(user.clone());
    root.query_drop(format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"
    ))
    .unwrap_or_else(|e| panic!("create user {user}: {e}"));
    if !privileges.is_empty() {
        let grant = format!(
            "GRANT {} ON `{}`.* TO '{user}'@'%'",
            privileges.join(", "),
            db.name
        );
        root.query_drop(&grant)
            .unwrap_or_else(|e| panic!("{grant}: {e}"));
    }
    let opts = OptsBuilder::from_opts(db.server_opts())
        .user(Some(user))
        .pass(Some(PASSWORD))
        .db_name(Some(db.name.clone()))
        .into();
    (account, opts)
}

/// The operations measured.
#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Rebuild,
    Resume,
    Validate,
    Drop,
    Status,
}

/// Sets up what `op` starts from (as root), runs `op` as an account holding `privileges`, and
/// says whether it did its job (`Err` with why not).
fn attempt(op: Op, privileges: &[&str]) -> Result<(), String> {
    let db = support::server::fresh_db("least_priv");
    let mut root = db.conn();
    make_table(&mut root, 2000);
    let as_root = db.opts();
    match op {
        Op::Create => {}
        Op::Resume => {
            let control = Control::new();
            let cancel = control.clone();
            let r = create(&as_root, "s", BY_G, &quick(), &control, &mut |e| {
                if let Event::Checkpoint { .. } = e {
                    cancel.cancel();
                }
            });
            assert!(matches!(r, Err(LifecycleError::Cancelled(_))), "{r:?}");
        }
        _ => {
            support::server::create_quietly(&as_root, "s", BY_G, &quick())
                .unwrap_or_else(|e| panic!("setup: {e}"));
        }
    }
    let (_account, opts) = account(&mut root, &db, privileges);
    let schema = db.name.as_str();
    let res: Result<(), String> = match op {
        Op::Create => support::server::create_quietly(&opts, "s", BY_G, &quick())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Op::Rebuild => rebuild(&opts, schema, "s", &quick(), &Control::new(), &mut |_| {})
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Op::Resume => resume(&opts, schema, "s", &quick(), &Control::new(), &mut |_| {})
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Op::Validate => match validate(&opts, schema, "s", 5) {
            Ok(r) if r.exact => Ok(()),
            Ok(r) => Err(format!("not exact: {r:?}")),
            Err(e) => Err(e.to_string()),
        },
        Op::Drop => match drop_summary(&opts, schema, "s") {
            Ok(r) if r.left_alone.is_empty() => Ok(()),
            Ok(r) => Err(format!("left alone: {:?}", r.left_alone)),
            Err(e) => Err(e.to_string()),
        },
        Op::Status => match status(&opts, schema, "s") {
            Ok(r) if !r.broken() && r.summary.starts_with("ready") => Ok(()),
            Ok(r) => Err(format!("status: {}", r.summary)),
            Err(e) => Err(e.to_string()),
        },
    };
    res?;
    // What the operation left must be whole: checked as root.
    match op {
        Op::Create | Op::Rebuild | Op::Resume => {
            root.query_drop("UPDATE t SET d = d + 1 WHERE id % 7 = 0")
                .map_err(|e| format!("writing after {op:?}: {e}"))?;
            let v = validate(&as_root, schema, "s", 5).map_err(|e| e.to_string())?;
            if !v.exact {
                return Err(format!("after {op:?} not exact: {v:?}"));
            }
        }
        Op::Drop => {
            let left: Option<u64> = root
                .exec_first(
                    "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '%s%') + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?)",
                    (schema, schema),
                )
                .map_err(|e| e.to_string())?;
            if left != Some(0) {
                return Err(format!("{left:?} objects left after drop"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Greedy: starting from every database privilege, removes each one the operation does not
/// need. Prints the result; run with `--ignored --nocapture` to measure again.
#[test]
#[ignore]
fn measure() {
    for op in [
        Op::Create,
        Op::Rebuild,
        Op::Resume,
        Op::Validate,
        Op::Drop,
        Op::Status,
    ] {
        let mut list: Vec<&str> = ALL_DB.to_vec();
        if let Err(e) = attempt(op, &list) {
            panic!("{op:?} fails with every privilege: {e}");
        }
        for p in ALL_DB {
            let without: Vec<&str> = list.iter().copied().filter(|q| q != p).collect();
            match attempt(op, &without) {
                Ok(()) => list = without,
                Err(e) => println!("{op:?} needs {p}: {e}"),
            }
        }
        println!("MEASURED {op:?}: {}", list.join(", "));
    }
}

/// The privileges `grants::OPERATIONS` lists for `operation`.
fn listed(operation: &str) -> Vec<&'static str> {
    let op = OPERATIONS
        .iter()
        .find(|o| o.operation == operation)
        .unwrap_or_else(|| panic!("no operation {operation}"));
    assert_eq!(op.scope, Scope::Database);
    op.privileges.to_vec()
}

/// `ops` work with exactly `list`; without any one privilege of it, the last of `ops` fails.
fn exact(list: &[&str], ops: &[Op]) {
    for op in ops {
        if let Err(e) = attempt(*op, list) {
            panic!("{op:?} with exactly {list:?}: {e}");
        }
    }
    let last = ops[ops.len() - 1];
    for p in list {
        let without: Vec<&str> = list.iter().copied().filter(|q| q != p).collect();
        match attempt(last, &without) {
            Ok(()) => panic!("{last:?} works without {p}: it is not needed"),
            Err(e) => println!("{last:?} without {p}: {e}"),
        }
    }
}

#[test]
fn create_rebuild_resume_need_exactly_their_list() {
    assert_eq!(listed("create, rebuild, resume"), REQUIRED_PRIVILEGES);
    // A rebuild does all a create does and drops the old generation.
    exact(REQUIRED_PRIVILEGES, &[Op::Create, Op::Resume, Op::Rebuild]);
}

#[test]
fn drop_needs_exactly_its_list() {
    exact(&listed("drop"), &[Op::Drop]);
}

#[test]
fn validate_needs_exactly_its_list() {
    exact(&listed("validate"), &[Op::Validate]);
}

#[test]
fn status_needs_exactly_its_list() {
    exact(&listed("status, list"), &[Op::Status]);
}

/// The failures name the privilege (the server's own message does not for these two).
#[test]
fn refusals_name_the_privilege() {
    for p in ["CREATE TEMPORARY TABLES", "LOCK TABLES"] {
        let without: Vec<&str> = REQUIRED_PRIVILEGES
            .iter()
            .copied()
            .filter(|q| *q != p)
            .collect();
        let e = attempt(Op::Create, &without).expect_err("refused");
        assert!(e.contains(&format!("needs the {p} privilege")), "{e}");
    }
    let e = attempt(Op::Drop, &["SELECT", "DELETE", "DROP", "SHOW VIEW"]).expect_err("refused");
    assert!(e.contains("without the TRIGGER privilege"), "{e}");
}

#[test]
fn a_lifecycle_as_least_privileged_accounts() {
    let db = support::server::fresh_db("least_priv_life");
    let mut root = db.conn();
    make_table(&mut root, 3000);
    let (_admin, admin) = account(&mut root, &db, REQUIRED_PRIVILEGES);
    let (_app_account, app) = account(&mut root, &db, &[]);
    let (_reader_account, reader) = account(&mut root, &db, &[]);
    let app_user = app.get_user().unwrap_or_default().to_string();
    root.query_drop(format!(
        "GRANT INSERT, UPDATE, DELETE, SELECT ON `{}`.`t` TO '{app_user}'@'%'",
        db.name
    ))
    .unwrap();
    let writers = Writers::start(&app, 2, 19, Isolation::RepeatableRead, 3000);
    let schema = db.name.as_str();

    // Create, interrupted after the first checkpoint, then resumed.
    let control = Control::new();
    let cancel = control.clone();
    let r = create(&admin, "s", BY_G, &quick(), &control, &mut |e| {
        if let Event::Checkpoint { .. } = e {
            cancel.cancel();
        }
    });
    assert!(matches!(r, Err(LifecycleError::Cancelled(_))), "{r:?}");
    resume(&admin, schema, "s", &quick(), &Control::new(), &mut |_| {}).unwrap();
    let_them_write(200);
    let st = status(&admin, schema, "s").unwrap();
    assert!(
        st.summary.starts_with("ready") && !st.broken(),
        "{}",
        st.summary
    );
    let v = validate(&admin, schema, "s", 5).unwrap();
    assert!(v.exact, "{v:?}");
    rebuild(&admin, schema, "s", &quick(), &Control::new(), &mut |_| {}).unwrap();
    let_them_write(200);

    let reader_user = reader.get_user().unwrap_or_default().to_string();
    root.query_drop(format!(
        "GRANT SELECT ON `{}`.`s` TO '{reader_user}'@'%'",
        db.name
    ))
    .unwrap();
    let stats = writers.stop();
    assert!(
        stats.ok.load(Ordering::Relaxed) > 0,
        "the application wrote nothing"
    );
    assert_same(&mut root, "s", BY_G, Strings::Exact, "after the writes");
    let v = validate(&admin, schema, "s", 5).unwrap();
    assert!(v.exact, "{v:?}");
    let mut reading = Conn::new(reader.clone()).unwrap();
    assert_eq!(
        rows(&mut reading, "SELECT * FROM s", Strings::Exact),
        rows(&mut root, BY_G, Strings::Exact),
        "the reader reads the query's rows"
    );
    assert!(reading.query_drop("SELECT * FROM t").is_err());

    let dropped = drop_summary(&admin, schema, "s").unwrap();
    assert!(dropped.left_alone.is_empty(), "{dropped:?}");
    let left: Option<u64> = root
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> 't' AND TABLE_NAME <> '_lightning_catalog'",
            (schema,),
        )
        .unwrap();
    assert_eq!(left, Some(0));
}
