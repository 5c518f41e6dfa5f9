//! Issue 16: summaries on a Galera cluster. On a Galera node the lifecycle installs its triggers
//! without `LOCK TABLES`, each trigger DDL replicated in total order, and opens the backfill's
//! snapshot after the last one (docs/correctness.md, "Galera"). Checked here on a real 3-node
//! cluster on loopback while writers run on every node: online create, rebuild, a create
//! cancelled after a checkpoint and resumed, each compared with the query's own answer on
//! every node, `validate`, and a drop that leaves nothing on any node. A node whose schema
//! changes are not replicated in total order (`wsrep_OSU_method=RSU`) refuses every operation.

mod common;
mod support;

use lightning_tables::db::doctor::Status;
use lightning_tables::db::server::{GaleraCluster, PrivateServer};
use lightning_tables::db::topology::{Topology, TopologyRefusal};
use lightning_tables::lifecycle::{
    create, drop_summary, rebuild, resume, validate, ChunkPolicy, Control, CreateOptions, Event,
    LifecycleError,
};
use mysql::prelude::Queryable;
use mysql::Conn;
use std::sync::atomic::Ordering;
use support::compare::{assert_same, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const QUERY: &str = "SELECT g, COUNT(*) AS n, SUM(d) AS total, MIN(d) AS lo FROM t GROUP BY g";
const ROWS: u64 = 6000;

fn options(checkpoints: u16) -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(300),
        checkpoints,
        checkpoint_every: std::time::Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// A connection to `db` on `node` whose reads wait until the node applied every write set the
/// cluster certified before them (`wsrep_sync_wait`).
fn synced(node: &PrivateServer, db: &str) -> Conn {
    let mut c = Conn::new(node.opts_for_db(db)).unwrap();
    c.query_drop("SET SESSION wsrep_sync_wait = 1").unwrap();
    c
}

/// Two writers on every node (one node's at READ COMMITTED).
fn writers_on(nodes: &[PrivateServer], db: &str, seed: u64) -> Vec<Writers> {
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let isolation = if i == 1 {
                Isolation::ReadCommitted
            } else {
                Isolation::RepeatableRead
            };
            Writers::start(&n.opts_for_db(db), 2, seed * 10 + i as u64, isolation, ROWS)
        })
        .collect()
}

fn stop(writers: Vec<Writers>) {
    for w in writers {
        let stats = w.stop();
        assert!(stats.ok.load(Ordering::Relaxed) > 0, "a writer never wrote");
    }
}

/// The summary equals the query's answer on every node, and `validate` on the first says exact.
fn exact_everywhere(nodes: &[PrivateServer], db: &str, name: &str, when: &str) {
    for (i, node) in nodes.iter().enumerate() {
        let mut c = synced(node, db);
        assert_same(
            &mut c,
            name,
            QUERY,
            Strings::Collated,
            &format!("{when}, node {}", i + 1),
        );
    }
    let report = validate(&nodes[0].opts_for_db(db), db, name, 5).unwrap();
    assert!(report.exact, "{name} {when}: {report:?}");
}

/// Our tables, views and triggers in `db` on `node` (the base table and the catalog aside).
fn leftovers(node: &PrivateServer, db: &str) -> Vec<String> {
    synced(node, db)
        .exec(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name <> 't' AND table_name <> '_lightning_catalog'
             UNION ALL SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ?",
            (db, db),
        )
        .unwrap()
}

fn create_cancelled_then_resumed(nodes: &[PrivateServer], db: &str) {
    let opts = nodes[0].opts_for_db(db);
    let writers = writers_on(nodes, db, 3);
    let control = Control::new();
    let cancel = control.clone();
    let result = create(
        &opts,
        "resumed",
        QUERY,
        &options(6),
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
    let_them_write(200);
    let mut resumed_from = None;
    resume(
        &opts,
        db,
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
    let_them_write(200);
    stop(writers);
    exact_everywhere(nodes, db, "resumed", "after cancel and resume");
}

/// Rounds of [`one_round`] on one cluster: `LIGHTNING_GALERA_ROUNDS` (default 1; the long run
/// that backs the claim in docs/correctness.md, "Galera", uses 10 or more).
fn rounds() -> u32 {
    std::env::var("LIGHTNING_GALERA_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

#[test]
fn a_three_node_cluster_keeps_summaries_exact_on_every_node_while_every_node_writes() {
    let cluster = GaleraCluster::start(3).unwrap_or_else(|e| panic!("{e}"));
    let nodes = &cluster.nodes;
    let topology = Topology::probe(&mut nodes[0].conn().unwrap()).unwrap();
    assert!(
        topology.galera && topology.cluster_size == Some(3),
        "{topology:?}"
    );
    let rounds = rounds();
    for round in 1..=rounds {
        let started = std::time::Instant::now();
        one_round(nodes, &format!("galera_online_{round}"));
        eprintln!(
            "galera round {round}/{rounds} exact on every node ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
}

/// Create, rebuild, cancel + resume and drop in database `db`, writers on every node, exact on
/// every node after each.
fn one_round(nodes: &[PrivateServer], db: &str) {
    nodes[0]
        .conn()
        .unwrap()
        .query_drop(format!("CREATE DATABASE {db}"))
        .unwrap();
    make_table(&mut synced(&nodes[0], db), ROWS);
    let opts = nodes[0].opts_for_db(db);

    // Online create under writers on all three nodes.
    let writers = writers_on(nodes, db, 1);
    let_them_write(300);
    let mut lock_ms = None;
    create(
        &opts,
        "by_g",
        QUERY,
        &options(6),
        &Control::new(),
        &mut |e| {
            if let Event::Locked { lock_ms: ms, .. } = e {
                lock_ms = Some(ms);
            }
        },
    )
    .unwrap_or_else(|e| panic!("create on a Galera node: {e}"));
    let_them_write(300);
    stop(writers);
    assert!(lock_ms.is_some(), "no writers' pause was reported");
    exact_everywhere(nodes, db, "by_g", "after create");

    // Rebuild under writers on all three nodes.
    let writers = writers_on(nodes, db, 2);
    let_them_write(200);
    rebuild(&opts, db, "by_g", &options(6), &Control::new(), &mut |_| {}).unwrap();
    let_them_write(200);
    stop(writers);
    exact_everywhere(nodes, db, "by_g", "after rebuild");

    create_cancelled_then_resumed(nodes, db);

    // A last burst of writes after every operation, then drop: nothing left on any node.
    let writers = writers_on(nodes, db, 4);
    let_them_write(300);
    stop(writers);
    exact_everywhere(nodes, db, "by_g", "later");
    for name in ["by_g", "resumed"] {
        drop_summary(&opts, db, name).unwrap();
    }
    for node in nodes {
        assert_eq!(leftovers(node, db), Vec::<String>::new(), "left behind");
    }
}

#[test]
fn a_node_outside_total_order_isolation_refuses_and_changes_nothing() {
    let cluster = GaleraCluster::start(1).unwrap_or_else(|e| panic!("{e}"));
    let node = &cluster.nodes[0];
    let db = "galera_rsu";
    let mut root = node.conn().unwrap();
    root.query_drop(format!("CREATE DATABASE {db}")).unwrap();
    make_table(&mut Conn::new(node.opts_for_db(db)).unwrap(), 500);
    root.query_drop("SET GLOBAL wsrep_OSU_method = 'RSU'")
        .unwrap();
    let opts = node.opts_for_db(db);
    let result = create(
        &opts,
        "by_g",
        QUERY,
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    );
    root.query_drop("SET GLOBAL wsrep_OSU_method = 'TOI'")
        .unwrap();
    match result {
        Err(LifecycleError::Topology(e @ TopologyRefusal::GaleraNotToi { .. })) => {
            let msg = e.to_string();
            assert!(
                msg.contains("wsrep_OSU_method=RSU") && msg.contains("Nothing was locked"),
                "{msg}"
            );
        }
        other => panic!("create under RSU: expected the refusal, got {other:?}"),
    }
    assert_eq!(
        leftovers(node, db),
        Vec::<String>::new(),
        "a refusal left objects"
    );
}

#[test]
fn doctor_says_how_summaries_work_on_a_galera_node() {
    let cluster = GaleraCluster::start(1).unwrap_or_else(|e| panic!("{e}"));
    let node = &cluster.nodes[0];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args([
            "-h",
            "127.0.0.1",
            "-P",
            &node.port().to_string(),
            "-u",
            "root",
        ])
        .args(["doctor", "--json"])
        .env_remove("MYSQL_PWD")
        .stdin(std::process::Stdio::null())
        .env("HOME", common::temp_dir().path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let galera = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "galera")
        .unwrap_or_else(|| panic!("no galera check: {json}"));
    assert_eq!(
        galera["status"],
        serde_json::json!(Status::Warning),
        "{json}"
    );
    let message = galera["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("total order") && message.contains("one node"),
        "{message}"
    );
}

#[test]
fn a_server_without_galera_is_not_refused() {
    // wsrep_on exists and is OFF on Debian's server; the probe reads it as "not Galera".
    let server = common::private_server();
    let Some(server) = server else { return };
    let topology = Topology::probe(&mut server.conn().unwrap()).unwrap();
    assert!(!topology.galera && !topology.is_replica(), "{topology:?}");
}
