//! Where in a replication topology a server stands, and which summary operations that forbids.
//!
//! Every operation that takes locks or creates or drops triggers (`create`, `resume`, `rebuild`,
//! `drop`) asks [`Topology::probe`] first and stops with a [`TopologyRefusal`] before it locks or
//! changes anything:
//!
//! * **Galera** (`wsrep_on` = ON). `CREATE TRIGGER` under `LOCK TABLES` waits to run in total
//!   order isolation while the table lock holds the node's writers, and flow control then stops
//!   the other nodes: measured on a 3-node cluster (issue 16), no writer statement finished on any
//!   node for 60 s and the cluster only recovered after SIGKILL of the node. Refused until a
//!   Galera path without `LOCK TABLES` exists.
//! * **A replica whose applier fires no triggers for row events** (`slave_run_triggers_for_rbr`
//!   = NO, the default). Triggers created here never see the rows replicated from the primary,
//!   so a summary created here drifts silently (measured: 542 wrong rows of 301 groups). A
//!   summary created on the primary is exact here: its triggers' effects on the state tables are
//!   replicated as rows. Dropping one here would stop replication at the primary's next row
//!   event for a state table. With the replica's triggers running for row events, a summary
//!   created here is maintained by them, so the operations are allowed.
//!
//! * **Binary logging in `STATEMENT` format**: `create`, `resume` and `rebuild` are refused,
//!   because their last step cannot be logged as statements (measured: error 1665 at the end of
//!   `create`, the summary left unfinished). `drop` works.
//!
//! `doctor` reports the same facts (see `db::doctor`), `status` says what maintains a summary on
//! a replica, and `validate` does not record its verdict on a replica or read-only server.

use mysql::prelude::Queryable;
use mysql::Conn;
use serde::Serialize;

/// What a server says about its place in a replication topology.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Topology {
    /// `@@global.wsrep_on` is ON: a Galera cluster node. Servers built without wsrep have no
    /// such variable, which reads as `false`.
    pub galera: bool,
    /// `wsrep_cluster_size` status, when a Galera node.
    pub cluster_size: Option<u64>,
    /// Replication connections this server applies (empty: not a replica). Named `''` for the
    /// default connection.
    pub replica_of: Vec<ReplicaSource>,
    /// `slave_run_triggers_for_rbr` (`NO`, `YES`, `LOGGING`, `ENFORCE`); `None` when absent.
    pub run_triggers_for_rbr: Option<String>,
    /// `read_only` is ON.
    pub read_only: bool,
    /// `log_bin` is ON.
    pub log_bin: bool,
    /// `binlog_format`.
    pub binlog_format: Option<String>,
}

/// One replication connection of a replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaSource {
    /// `Connection_name` (empty for the default connection).
    pub connection: String,
    /// `Master_Host:Master_Port`, or `unknown` when only the status counters were readable.
    pub source: String,
    /// Both replication threads run.
    pub running: bool,
}

/// An operation the topology forbids, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyRefusal {
    /// A Galera cluster node.
    #[error("refusing to {operation} on a Galera cluster node (wsrep_on=ON{size}): {operation} takes LOCK TABLES on the base table and creates or drops triggers under it, and on Galera that trigger DDL waits to run in total-order isolation while the lock holds this node's writers, and flow control then stops the other nodes' writes too — measured, the whole cluster's writes stopped and did not resume until this node was killed. Nothing was locked or changed. LightningTables does not support Galera nodes yet: keep summaries on an asynchronous replica of the cluster that runs its triggers for row events (slave_run_triggers_for_rbr=YES; see the README, \"Replicas and clusters\")")]
    Galera {
        /// `create`, `resume`, `rebuild` or `drop`.
        operation: &'static str,
        /// `, cluster of N nodes` or empty.
        size: String,
    },
    /// Binary logging in `STATEMENT` format.
    #[error("refusing to {operation}: this server writes its binary log with binlog_format=STATEMENT, and the backfill's last step (which reads under READ COMMITTED) cannot be logged as a statement — measured, `create` failed at the end with MariaDB error 1665 and left the summary unfinished; replicas would also re-run the triggers instead of applying the rows they wrote. Nothing was locked or changed. Use ROW (or MIXED): SET GLOBAL binlog_format = 'ROW' and set it in my.cnf")]
    StatementFormat {
        /// `create`, `resume` or `rebuild`.
        operation: &'static str,
    },
    /// A replica whose applier fires no triggers for row events.
    #[error("refusing to {operation} on a replica (it replicates from {sources}, and slave_run_triggers_for_rbr={run_triggers}): the replication applier fires no triggers for row events, so {consequence}. Nothing was locked or changed. Either {operation} it on the primary — the triggers, state tables and view replicate, and so do the rows the primary's triggers write, which keeps the summary exact here too — or, to keep a summary of this replica's own, set slave_run_triggers_for_rbr=YES on it (SET GLOBAL and my.cnf) so its triggers apply the replicated writes")]
    Replica {
        /// `create`, `resume`, `rebuild` or `drop`.
        operation: &'static str,
        /// The replication sources, comma-separated.
        sources: String,
        /// The variable's value.
        run_triggers: String,
        /// What would go wrong.
        consequence: &'static str,
    },
}

/// The lifecycle operations that lock the base table or create or drop triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `create`.
    Create,
    /// `resume`.
    Resume,
    /// `rebuild`.
    Rebuild,
    /// `drop`.
    Drop,
}

impl Operation {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Resume => "resume",
            Operation::Rebuild => "rebuild",
            Operation::Drop => "drop",
        }
    }
}

impl Topology {
    /// Reads the variables and status counters above. `SHOW ALL SLAVES STATUS` needs the
    /// `SLAVE MONITOR` (or `SUPER`) privilege; without it the `Slaves_running` counter, which
    /// every account may read, tells whether replication threads run.
    pub fn probe(conn: &mut Conn) -> Result<Topology, mysql::Error> {
        // SHOW ... WHERE returns no row for a variable the server does not have (wsrep_on on a
        // build without wsrep), where `SELECT @@wsrep_on` would fail.
        let vars: Vec<(String, String)> = conn.query(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN \
             ('wsrep_on', 'slave_run_triggers_for_rbr', 'read_only', 'log_bin', 'binlog_format')",
        )?;
        let var = |name: &str| {
            vars.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let on = |name: &str| var(name).is_some_and(|v| is_on(&v));
        let status: Vec<(String, String)> = conn.query(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'Slaves_running')",
        )?;
        let counter = |name: &str| {
            status
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let galera = on("wsrep_on");
        let replica_of = match replica_sources(conn) {
            Some(sources) => sources,
            None if counter("Slaves_running").unwrap_or(0) > 0 => vec![ReplicaSource {
                connection: String::new(),
                source: "unknown".into(),
                running: true,
            }],
            None => Vec::new(),
        };
        Ok(Topology {
            galera,
            cluster_size: if galera {
                counter("wsrep_cluster_size")
            } else {
                None
            },
            replica_of,
            run_triggers_for_rbr: var("slave_run_triggers_for_rbr"),
            read_only: on("read_only"),
            log_bin: on("log_bin"),
            binlog_format: var("binlog_format"),
        })
    }

    /// Whether this server applies replication from a primary.
    pub fn is_replica(&self) -> bool {
        !self.replica_of.is_empty()
    }

    /// Whether the replication applier fires this server's triggers for row events.
    pub fn replica_runs_triggers(&self) -> bool {
        self.run_triggers_for_rbr
            .as_deref()
            .is_some_and(|v| !v.eq_ignore_ascii_case("NO"))
    }

    /// The replication sources as text, e.g. `127.0.0.1:3306`.
    pub fn sources(&self) -> String {
        self.replica_of
            .iter()
            .map(|s| {
                if s.connection.is_empty() {
                    s.source.clone()
                } else {
                    format!("{} (connection '{}')", s.source, s.connection)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Why `operation` must not run on this server, if it must not.
    pub fn refusal(&self, operation: Operation) -> Option<TopologyRefusal> {
        if self.galera {
            return Some(TopologyRefusal::Galera {
                operation: operation.name(),
                size: self
                    .cluster_size
                    .map(|n| format!(", cluster of {n} node{}", if n == 1 { "" } else { "s" }))
                    .unwrap_or_default(),
            });
        }
        let statement = self.log_bin
            && self
                .binlog_format
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("STATEMENT"));
        if statement && operation != Operation::Drop {
            return Some(TopologyRefusal::StatementFormat {
                operation: operation.name(),
            });
        }
        if self.is_replica() && !self.replica_runs_triggers() {
            let consequence = match operation {
                Operation::Drop => {
                    "a summary here is the primary's (maintained by rows the primary's triggers write), and dropping it here alone would stop replication at the primary's next row event for one of its state tables"
                }
                _ => {
                    "a summary whose triggers are created here would miss every write replicated from the primary and drift silently (measured: 542 wrong rows of 301 groups)"
                }
            };
            return Some(TopologyRefusal::Replica {
                operation: operation.name(),
                sources: self.sources(),
                run_triggers: self
                    .run_triggers_for_rbr
                    .clone()
                    .unwrap_or_else(|| "NO".into()),
                consequence,
            });
        }
        None
    }

    /// What keeps summaries exact on this server, in words; `None` on a server that is not a
    /// replica (its own triggers do).
    pub fn maintenance(&self) -> Option<String> {
        if !self.is_replica() {
            return None;
        }
        let value = self.run_triggers_for_rbr.as_deref().unwrap_or("NO");
        Some(if value.eq_ignore_ascii_case("ENFORCE") {
            format!(
                "this server is a replica of {} with slave_run_triggers_for_rbr=ENFORCE: its copy of a primary's summary's triggers runs for the replicated row events too, and replication stops at the primary's first write to that table (measured: error 1442, the trigger cannot update a state table the replicated statement already updates); set it to YES or NO",
                self.sources()
            )
        } else if self.replica_runs_triggers() {
            format!(
                "this server is a replica of {} with slave_run_triggers_for_rbr={value}: a summary created on the primary is maintained by the rows its triggers write there; one created here, by this replica's triggers — but only while the primary has no triggers on its table: MariaDB skips a replica's triggers for a table that had triggers on the primary, and the replica's own summary then drifts (measured)",
                self.sources()
            )
        } else {
            format!(
                "this server is a replica of {}: a summary is maintained on the primary and its state rows arrive by replication (the applier fires no triggers here, slave_run_triggers_for_rbr={value})",
                self.sources()
            )
        })
    }
}

/// `ON`, `1`, `YES` (as `SHOW VARIABLES` prints booleans).
fn is_on(v: &str) -> bool {
    ["ON", "1", "YES", "TRUE"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

/// The configured replication connections (`SHOW ALL SLAVES STATUS`); `None` when the account
/// may not list them.
fn replica_sources(conn: &mut Conn) -> Option<Vec<ReplicaSource>> {
    let rows: Vec<mysql::Row> = conn.query("SHOW ALL SLAVES STATUS").ok()?;
    Some(
        rows.into_iter()
            .map(|r| {
                let text = |col: &str| -> String {
                    r.get_opt::<Option<String>, _>(col)
                        .and_then(Result::ok)
                        .flatten()
                        .unwrap_or_default()
                };
                let port = text("Master_Port");
                ReplicaSource {
                    connection: text("Connection_name"),
                    source: format!("{}:{port}", text("Master_Host")),
                    running: is_on(&text("Slave_IO_Running")) && is_on(&text("Slave_SQL_Running")),
                }
            })
            .collect(),
    )
}

/// Probes the server on `conn` and refuses `operation` if the topology forbids it.
pub fn check(conn: &mut Conn, operation: Operation) -> Result<Topology, TopologyCheckError> {
    let topology = Topology::probe(conn).map_err(TopologyCheckError::Probe)?;
    match topology.refusal(operation) {
        Some(refusal) => Err(TopologyCheckError::Refused(refusal)),
        None => Ok(topology),
    }
}

/// [`check`]'s failures.
#[derive(Debug, thiserror::Error)]
pub enum TopologyCheckError {
    /// The topology forbids the operation.
    #[error(transparent)]
    Refused(#[from] TopologyRefusal),
    /// The server could not be asked.
    #[error("checking whether this server is a Galera node or a replica: {0}")]
    Probe(mysql::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(run: &str) -> Topology {
        Topology {
            replica_of: vec![ReplicaSource {
                connection: String::new(),
                source: "10.0.0.1:3306".into(),
                running: true,
            }],
            run_triggers_for_rbr: Some(run.into()),
            ..Topology::default()
        }
    }

    #[test]
    fn a_galera_node_refuses_every_operation() {
        let t = Topology {
            galera: true,
            cluster_size: Some(3),
            ..Topology::default()
        };
        for op in [
            Operation::Create,
            Operation::Resume,
            Operation::Rebuild,
            Operation::Drop,
        ] {
            let msg = t.refusal(op).map(|r| r.to_string()).unwrap_or_default();
            assert!(
                msg.contains(op.name()) && msg.contains("cluster of 3 nodes"),
                "{msg}"
            );
            assert!(msg.contains("Nothing was locked or changed"), "{msg}");
        }
    }

    #[test]
    fn a_replica_refuses_unless_its_triggers_run() {
        let msg = replica("NO")
            .refusal(Operation::Create)
            .map(|r| r.to_string())
            .unwrap_or_default();
        assert!(msg.contains("10.0.0.1:3306"), "{msg}");
        assert!(msg.contains("on the primary") && msg.contains("slave_run_triggers_for_rbr=YES"));
        assert!(replica("YES").refusal(Operation::Create).is_none());
        assert!(replica("NO").refusal(Operation::Drop).is_some());
        assert!(Topology::default().refusal(Operation::Create).is_none());
        assert!(Topology::default().maintenance().is_none());
        let statement = Topology {
            log_bin: true,
            binlog_format: Some("STATEMENT".into()),
            ..Topology::default()
        };
        assert!(matches!(
            statement.refusal(Operation::Create),
            Some(TopologyRefusal::StatementFormat { .. })
        ));
        assert!(statement.refusal(Operation::Drop).is_none());
        assert!(replica("ENFORCE")
            .maintenance()
            .is_some_and(|m| m.contains("1442")));
    }
}
