//! Issue 16: summaries and asynchronous replication. Each test starts its own primary (binary
//! log on) and replica on loopback (`ReplicationPair`), runs writers on the primary and compares
//! the summary with MariaDB's answer to its query on the replica, after the replica has caught
//! up (MASTER_GTID_WAIT).
//!
//! `LIGHTNING_REPLICATION_LONG=1` adds the measurements that take longer (binlog_format
//! STATEMENT, slave_run_triggers_for_rbr=ENFORCE); see the README.

mod support;

use lightning_tables::db::server::{BinlogFormat, ReplicationPair};
use lightning_tables::db::topology::{Topology, TopologyRefusal};
use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, status, validate, ChunkPolicy, Control, CreateOptions,
    Event, LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::time::Duration;
use support::compare::{assert_same, snapshot_difference, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const QUERY: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total FROM t GROUP BY g";
const DB: &str = "shop";
const ROWS: u64 = 20_000;
const LONG_ENV: &str = "LIGHTNING_REPLICATION_LONG";

fn options() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(1000),
        checkpoints: 8,
        checkpoint_every: Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// The pair with database `shop` holding table `t` on both servers.
fn start_pair(format: BinlogFormat, replica_args: &[&str]) -> (ReplicationPair, Opts, Opts) {
    let pair = ReplicationPair::start(format, replica_args).unwrap_or_else(|e| panic!("{e}"));
    let mut p = pair.primary.conn().unwrap();
    p.query_drop(format!("CREATE DATABASE {DB}")).unwrap();
    let primary = pair.primary.opts_for_db(DB);
    make_table(&mut Conn::new(primary.clone()).unwrap(), ROWS);
    sync(&pair);
    let replica = pair.replica.opts_for_db(DB);
    (pair, primary, replica)
}

fn sync(pair: &ReplicationPair) {
    pair.sync(Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}"));
}

fn writers(primary: &Opts, seed: u64) -> Writers {
    Writers::start(primary, 4, seed, Isolation::RepeatableRead, ROWS)
}

/// Asserts the summary `name` equals its query on the replica and `validate` there agrees.
fn exact_on_replica(replica: &Opts, name: &str, context: &str) {
    let mut r = Conn::new(replica.clone()).unwrap();
    assert_same(&mut r, name, QUERY, Strings::Exact, context);
    let report = validate(replica, DB, name, 5).unwrap_or_else(|e| panic!("{context}: {e}"));
    assert!(
        report.exact,
        "{context}: validate on the replica: {report:?}"
    );
}

/// The summary's objects and catalog rows on a server, to prove a refusal left nothing.
fn objects(conn: &mut Conn) -> Vec<String> {
    let mut out: Vec<String> = conn
        .exec(
            "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
            (DB,),
        )
        .unwrap();
    let triggers: Vec<String> = conn
        .exec(
            "SELECT CONCAT('TRIGGER ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (DB,),
        )
        .unwrap();
    out.extend(triggers);
    out.sort();
    out
}

/// Create (interrupted after its first checkpoint), resume and rebuild on the primary while
/// four writers run there; after each, the summary is exact on a read-only replica, `validate`
/// there agrees and writes nothing, and `status` there says what maintains it.
fn lifecycle_on_the_primary_is_exact_on_the_replica(format: BinlogFormat) {
    let (pair, primary, replica) = start_pair(format, &["--read-only=ON"]);
    let w = writers(&primary, 16);
    let_them_write(200);
    let control = Control::new();
    let stop = control.clone();
    let created = create(&primary, "by_g", QUERY, &options(), &control, &mut |e| {
        if matches!(e, Event::Checkpoint { .. }) {
            stop.cancel();
        }
    });
    assert!(
        matches!(created, Err(LifecycleError::Cancelled(_))),
        "{created:?}"
    );
    let_them_write(200);
    resume(
        &primary,
        DB,
        "by_g",
        &options(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("resume: {e}"));
    let_them_write(300);
    let stats = w.stop();
    sync(&pair);
    exact_on_replica(&replica, "by_g", "after create and resume on the primary");
    assert!(stats.ok.load(std::sync::atomic::Ordering::Relaxed) > 0);

    let w = writers(&primary, 17);
    let_them_write(200);
    rebuild(
        &primary,
        DB,
        "by_g",
        &options(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("rebuild: {e}"));
    let_them_write(300);
    w.stop();
    sync(&pair);
    exact_on_replica(&replica, "by_g", "after rebuild on the primary");

    // validate on the replica recorded nothing there: the catalog row is the primary's.
    let mut r = Conn::new(replica.clone()).unwrap();
    let validated: Option<Option<String>> = r
        .query_first("SELECT last_validation FROM _lightning_catalog WHERE name = 'by_g'")
        .unwrap();
    assert_eq!(validated, Some(None), "validate wrote on the replica");
    let report = status(&replica, DB, "by_g").unwrap();
    let how = report.maintained_by.unwrap_or_default();
    assert!(
        how.contains("replica of 127.0.0.1:") && how.contains("maintained on the primary"),
        "{how}"
    );
    assert!(report.summary.starts_with("ready"), "{}", report.summary);

    // Drop on the primary replicates; the replica keeps replicating.
    drop_summary(&primary, DB, "by_g").unwrap();
    sync(&pair);
    assert_eq!(objects(&mut r), vec!["BASE TABLE t"], "the drop replicated");
}

#[test]
fn row_format_create_resume_rebuild_on_the_primary_are_exact_on_the_replica() {
    lifecycle_on_the_primary_is_exact_on_the_replica(BinlogFormat::Row);
}

#[test]
fn mixed_format_create_resume_rebuild_on_the_primary_are_exact_on_the_replica() {
    lifecycle_on_the_primary_is_exact_on_the_replica(BinlogFormat::Mixed);
}

fn refused_as_replica<T: std::fmt::Debug>(r: Result<T, LifecycleError>, what: &str) -> String {
    match r {
        Err(LifecycleError::Topology(e @ TopologyRefusal::Replica { .. })) => e.to_string(),
        other => panic!("{what} on a replica: expected the replica refusal, got {other:?}"),
    }
}

#[test]
fn create_on_a_replica_without_its_triggers_is_refused_and_leaves_nothing() {
    let (pair, primary, replica) = start_pair(BinlogFormat::Row, &[]);
    let w = writers(&primary, 18);
    let mut r = Conn::new(replica.clone()).unwrap();
    let before = objects(&mut r);
    let control = Control::new();
    let msg = refused_as_replica(
        create(&replica, "by_g", QUERY, &options(), &control, &mut |_| {}),
        "create",
    );
    assert!(
        msg.contains(&format!("127.0.0.1:{}", pair.primary.port())),
        "{msg}"
    );
    assert!(
        msg.contains("on the primary") && msg.contains("slave_run_triggers_for_rbr=YES"),
        "the two ways out: {msg}"
    );
    refused_as_replica(
        resume(&replica, DB, "by_g", &options(), &control, &mut |_| {}),
        "resume",
    );
    refused_as_replica(
        rebuild(&replica, DB, "by_g", &options(), &control, &mut |_| {}),
        "rebuild",
    );
    refused_as_replica(drop_summary(&replica, DB, "by_g"), "drop");
    let_them_write(200);
    w.stop();
    sync(&pair);
    assert_eq!(
        objects(&mut r),
        before,
        "a refusal left objects on the replica"
    );

    // doctor on the replica says what is refused there and why.
    let mut conn = pair.replica.conn().unwrap();
    let topology = Topology::probe(&mut conn).unwrap();
    let checks = lightning_tables::db::doctor::replication::checks(&topology);
    let replica_check = checks.iter().find(|c| c.name == "replica").unwrap();
    assert!(
        replica_check.message.contains("refused here"),
        "{replica_check:?}"
    );
}

/// With `slave_run_triggers_for_rbr=YES` the replica's own triggers apply the replicated
/// rows: a summary created there is exact. A summary created on the primary is not applied a
/// second time there: MariaDB skips the replica's triggers for a table that had triggers on the
/// primary (`master_had_triggers`) — which also means that once the primary has a summary on a
/// table, the replica's own summaries of that table stop being maintained.
#[test]
fn a_replica_running_its_triggers_keeps_a_summary_of_its_own_exact() {
    let (pair, primary, replica) =
        start_pair(BinlogFormat::Row, &["--slave-run-triggers-for-rbr=YES"]);
    let w = writers(&primary, 19);
    let_them_write(200);
    support::server::create_quietly(&replica, "own", QUERY, &options())
        .unwrap_or_else(|e| panic!("create on the replica: {e}"));
    let_them_write(400);
    w.stop();
    sync(&pair);
    exact_on_replica(&replica, "own", "a replica's own summary");
    let report = status(&replica, DB, "own").unwrap();
    assert!(report
        .maintained_by
        .is_some_and(|m| m.contains("slave_run_triggers_for_rbr=YES")),);

    // A summary created on the primary on the same table: not applied twice on the replica.
    support::server::create_quietly(&primary, "by_g", QUERY, &options())
        .unwrap_or_else(|e| panic!("create on the primary: {e}"));
    let w = writers(&primary, 20);
    let_them_write(400);
    w.stop();
    sync(&pair);
    exact_on_replica(
        &replica,
        "by_g",
        "the primary's summary on a replica running triggers",
    );
    let mut r = Conn::new(replica.clone()).unwrap();
    let drift = snapshot_difference(&mut r, "own", QUERY, Strings::Exact);
    eprintln!("replica's own summary after the primary got triggers on t: {drift:?}");
    assert!(
        drift.is_some(),
        "expected the replica's own summary to drift once the primary's table has triggers (master_had_triggers)"
    );
}

/// Measurement behind `LIGHTNING_REPLICATION_LONG`: what ENFORCE does.
#[test]
fn enforce_stops_replication_at_the_first_write() {
    if std::env::var_os(LONG_ENV).is_none() {
        eprintln!("skipped: set {LONG_ENV}=1");
        return;
    }
    // ENFORCE runs the replica's copy of the triggers for the row events of the base table,
    // whose statement also carries the state tables' row events: MariaDB refuses (1442) and
    // replication stops at the first write.
    let (pair, primary, _replica) =
        start_pair(BinlogFormat::Row, &["--slave-run-triggers-for-rbr=ENFORCE"]);
    support::server::create_quietly(&primary, "by_g", QUERY, &options()).unwrap();
    let w = writers(&primary, 21);
    let_them_write(400);
    w.stop();
    let stopped = pair.sync(Duration::from_secs(10));
    eprintln!("ENFORCE: {stopped:?}");
    assert!(
        stopped
            .as_ref()
            .is_err_and(|e| e.to_string().contains("1442")),
        "ENFORCE: expected replication to stop with error 1442, got {stopped:?}"
    );
    drop(pair);
}

/// `binlog_format=STATEMENT`: measured, `create` failed at its last step (error 1665: the fold
/// reads under READ COMMITTED, which InnoDB cannot log as statements) and left the summary
/// unfinished; now it is refused before anything is locked or changed, and `doctor` blocks.
#[test]
fn statement_format_is_refused_before_anything_changes() {
    let server = lightning_tables::db::server::PrivateServer::start_with(
        lightning_tables::db::server::ServerOptions {
            binlog: Some(BinlogFormat::Statement),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    server
        .conn()
        .unwrap()
        .query_drop("CREATE DATABASE shop")
        .unwrap();
    let opts = server.opts_for_db(DB);
    let mut c = Conn::new(opts.clone()).unwrap();
    make_table(&mut c, 1000);
    let before = objects(&mut c);
    let created = support::server::create_quietly(&opts, "by_g", QUERY, &options());
    assert!(
        matches!(
            &created,
            Err(LifecycleError::Topology(
                TopologyRefusal::StatementFormat { .. }
            ))
        ),
        "{created:?}"
    );
    assert_eq!(objects(&mut c), before, "the refusal left objects");
    let topology = Topology::probe(&mut c).unwrap();
    let checks = lightning_tables::db::doctor::replication::checks(&topology);
    assert!(
        checks.iter().any(|c| c.name == "binlog_format"
            && c.status == lightning_tables::db::doctor::Status::Blocker),
        "{checks:?}"
    );
}
