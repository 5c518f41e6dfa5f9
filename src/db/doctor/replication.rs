//! The doctor's checks of a server's place in a replication topology (`db::topology`): a Galera
//! node, a replica and how its applier treats triggers, read-only, and the binary-log format.

use super::{Check, Status};
use crate::db::topology::{Operation, Topology};

/// The checks for `t`, in display order.
pub fn checks(t: &Topology) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(refusal) = t.refusal(Operation::Create).filter(|_| t.galera) {
        out.push(Check {
            name: "galera",
            status: Status::Blocker,
            message: refusal.to_string(),
        });
    }
    if let Some(check) = replica_check(t) {
        out.push(check);
    }
    if let Some(check) = format_check(t) {
        out.push(check);
    }
    out
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
    fn galera_blocks_and_a_replica_says_what_maintains_it() {
        let galera = Topology {
            galera: true,
            ..Topology::default()
        };
        let c = checks(&galera);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status, Status::Blocker);
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
