//! The doctor's checks of a server's place in a replication topology (`db::topology`): a Galera
//! node, a replica and how its applier treats triggers, read-only, and the binary-log format.

use super::{Check, Status};
use crate::db::topology::{Operation, Topology};

/// The checks for `t`, in display order.
pub fn checks(t: &Topology) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(check) = galera_check(t) {
        out.push(check);
    }
    if let Some(check) = replica_check(t) {
        out.push(check);
    }
    if let Some(check) = format_check(t) {
        out.push(check);
    }
    out
}

/// On a Galera node: whether summaries can be created here, and how.
fn galera_check(t: &Topology) -> Option<Check> {
    if !t.galera {
        return None;
    }
    if let Some(refusal) = t.refusal(Operation::Create) {
        return Some(Check {
            name: "galera",
            status: Status::Blocker,
            message: refusal.to_string(),
        });
    }
    let size = t
        .cluster_size
        .map(|n| format!(" of {n} node{}", if n == 1 { "" } else { "s" }))
        .unwrap_or_default();
    Some(Check {
        name: "galera",
        status: Status::Warning,
        message: format!(
            "a node of a Galera cluster{size} (wsrep_OSU_method=TOI): summaries are created without LOCK TABLES, each trigger DDL replicated in total order, and are exact on every node; the summary's state rows are written on the node where a write happens. Run every operation on one summary from one node: the guard against two operations on one summary at once (GET_LOCK) is per node"
        ),
    })
}

/// On a replica: what maintains summaries here, and whether `create` works here.
fn replica_check(t: &Topology) -> Option<Check> {
    let maintenance = t.maintenance()?;
    let value = t.run_triggers_for_rbr.as_deref().unwrap_or("NO");
    let read_only = if t.read_only {
        " It is read-only: `validate` and `status` work here and write nothing."
    } else {
        ""
    };
    let (status, tail) = if value.eq_ignore_ascii_case("ENFORCE") {
        (Status::Blocker, "")
    } else if t.replica_runs_triggers() {
        (
            Status::Warning,
            " `create` here makes a summary of this replica's own, maintained by its triggers.",
        )
    } else {
        (
            Status::Warning,
            " `create`, `resume`, `rebuild` and `drop` are refused here: run them on the primary.",
        )
    };
    Some(Check {
        name: "replica",
        status,
        message: format!("{maintenance}.{tail}{read_only}"),
    })
}

/// `binlog_format` = STATEMENT on a server that logs: `create` is refused (its last step cannot
/// be logged as a statement).
fn format_check(t: &Topology) -> Option<Check> {
    let format = t.binlog_format.as_deref()?;
    if !t.log_bin || !format.eq_ignore_ascii_case("STATEMENT") {
        return None;
    }
    Some(Check {
        name: "binlog_format",
        status: Status::Blocker,
        message: t
            .refusal(Operation::Create)
            .map(|r| r.to_string())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::topology::ReplicaSource;

    #[test]
    fn galera_warns_or_blocks_and_a_replica_says_what_maintains_it() {
        let mut galera = Topology {
            galera: true,
            cluster_size: Some(3),
            osu_method: Some("TOI".into()),
            ..Topology::default()
        };
        let c = checks(&galera);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status, Status::Warning);
        assert!(c[0].message.contains("of 3 nodes") && c[0].message.contains("one node"));
        galera.osu_method = Some("RSU".into());
        assert_eq!(checks(&galera)[0].status, Status::Blocker);
        let mut replica = Topology {
            replica_of: vec![ReplicaSource {
                connection: String::new(),
                source: "10.0.0.1:3306".into(),
                running: true,
            }],
            read_only: true,
            run_triggers_for_rbr: Some("NO".into()),
            ..Topology::default()
        };
        let c = checks(&replica);
        assert_eq!(c[0].status, Status::Warning);
        assert!(c[0].message.contains("on the primary") && c[0].message.contains("read-only"));
        replica.run_triggers_for_rbr = Some("ENFORCE".into());
        assert!(checks(&replica)[0].message.contains("1442"));
        assert_eq!(checks(&replica)[0].status, Status::Blocker);
        replica.run_triggers_for_rbr = Some("YES".into());
        assert_eq!(checks(&replica)[0].status, Status::Warning);
        assert!(checks(&replica)[0].message.contains("drifts"));
        assert!(checks(&Topology::default()).is_empty());
        let statement = Topology {
            log_bin: true,
            binlog_format: Some("STATEMENT".into()),
            ..Topology::default()
        };
        assert_eq!(checks(&statement)[0].name, "binlog_format");
        assert_eq!(checks(&statement)[0].status, Status::Blocker);
    }
}
