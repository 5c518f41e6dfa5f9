//! Private servers wired together: a primary with an asynchronous replica, and Galera clusters,
//! all on loopback with their own directories and ports, for the tests of issue 16.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mysql::prelude::Queryable;

use super::error::{io_err, ServerError};
use super::process::PrivateServer;
use super::{ServerOptions, StateTransfer};

/// Environment variable naming the Galera provider library (`libgalera_smm.so`); searched first.
pub const GALERA_PROVIDER_ENV: &str = "LIGHTNING_GALERA_PROVIDER";

/// Where distributions install the Galera 4 provider (Debian's `galera-4` uses the first).
const GALERA_PROVIDER_PATHS: &[&str] = &[
    "/usr/lib/galera/libgalera_smm.so",
    "/usr/lib/libgalera_smm.so",
    "/usr/lib64/galera-4/libgalera_smm.so",
    "/usr/lib64/galera/libgalera_smm.so",
    "/usr/lib/galera-4/libgalera_smm.so",
];

/// `binlog_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinlogFormat {
    /// Every change as row images (what Galera requires).
    Row,
    /// Statements, switching to rows for statements unsafe to replay.
    Mixed,
    /// Statements only.
    Statement,
}

impl BinlogFormat {
    /// The server's spelling.
    pub fn name(self) -> &'static str {
        match self {
            BinlogFormat::Row => "ROW",
            BinlogFormat::Mixed => "MIXED",
            BinlogFormat::Statement => "STATEMENT",
        }
    }
}

/// The Galera provider library: `$LIGHTNING_GALERA_PROVIDER`, then the usual paths.
pub fn find_galera_provider() -> Result<PathBuf, ServerError> {
    let mut tried: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os(GALERA_PROVIDER_ENV).filter(|p| !p.is_empty()) {
        tried.push(PathBuf::from(p));
    }
    tried.extend(GALERA_PROVIDER_PATHS.iter().map(PathBuf::from));
    tried
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| ServerError::GaleraNotFound {
            searched: tried
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(":"),
        })
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, ServerError> {
    let l = TcpListener::bind(("127.0.0.1", 0))
        .map_err(io_err("binding 127.0.0.1:0 to pick a port"))?;
    Ok(l.local_addr()
        .map_err(io_err("reading the picked port"))?
        .port())
}

fn topology_err(what: &'static str, message: impl std::fmt::Display) -> ServerError {
    ServerError::Topology {
        what,
        message: message.to_string(),
    }
}

/// A primary with binary logging and one asynchronous replica applying it (GTID, `slave_pos`).
#[derive(Debug)]
pub struct ReplicationPair {
    /// Binary log on, `server_id` 1.
    pub primary: PrivateServer,
    /// `server_id` 2, replicating from [`primary`](Self::primary).
    pub replica: PrivateServer,
}

impl ReplicationPair {
    /// Starts a primary logging in `format` and a replica started with `replica_args` (e.g.
    /// `--read-only`, `--slave-run-triggers-for-rbr=YES`), and starts replication.
    pub fn start(format: BinlogFormat, replica_args: &[&str]) -> Result<Self, ServerError> {
        let primary = PrivateServer::start_with(ServerOptions {
            binlog: Some(format),
            server_id: Some(1),
            ..ServerOptions::default()
        })?;
        let replica = PrivateServer::start_with(ServerOptions {
            server_id: Some(2),
            extra_args: replica_args
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            ..ServerOptions::default()
        })?;
        let mut r = replica.conn()?;
        // Both data directories are copies of one template and the primary's binary log starts
        // empty, so the replica starts at the empty GTID position and applies everything.
        r.query_drop(format!(
            "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {}, MASTER_USER = 'root', \
             MASTER_PASSWORD = '', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
            primary.port()
        ))?;
        r.query_drop("START SLAVE")?;
        let pair = ReplicationPair { primary, replica };
        pair.sync(Duration::from_secs(30))?;
        Ok(pair)
    }

    /// Waits until the replica has applied everything the primary has logged so far.
    pub fn sync(&self, timeout: Duration) -> Result<(), ServerError> {
        let pos: Option<String> = self
            .primary
            .conn()?
            .query_first("SELECT @@GLOBAL.gtid_binlog_pos")?;
        let pos = pos.unwrap_or_default();
        let mut r = self.replica.conn()?;
        let waited: Option<Option<i64>> = r.exec_first(
            "SELECT MASTER_GTID_WAIT(?, ?)",
            (&pos, timeout.as_secs_f64()),
        )?;
        if waited.flatten() == Some(0) {
            return Ok(());
        }
        let status: Vec<mysql::Row> = r.query("SHOW SLAVE STATUS")?;
        let field = |name: &str| -> String {
            status
                .first()
                .and_then(|row| row.get_opt::<Option<String>, _>(name))
                .and_then(Result::ok)
                .flatten()
                .unwrap_or_default()
        };
        Err(topology_err(
            "replication",
            format!(
                "the replica did not reach the primary's GTID position {pos} within {timeout:?}: \
                 IO thread {}, SQL thread {}, last error: {} {}",
                field("Slave_IO_Running"),
                field("Slave_SQL_Running"),
                field("Last_IO_Error"),
                field("Last_SQL_Error"),
            ),
        ))
    }
}

/// Galera nodes on loopback; node 0 bootstrapped the cluster.
#[derive(Debug)]
pub struct GaleraCluster {
    /// The nodes, in start order.
    pub nodes: Vec<PrivateServer>,
}

/// One node's Galera ports.
struct GaleraPorts {
    gcomm: u16,
    ist: u16,
    sst: u16,
}

impl GaleraCluster {
    /// Starts an `n`-node cluster: the first node bootstraps it (`gcomm://`), the others join
    /// it by state transfer (rsync). Each node listens on loopback only.
    pub fn start(n: usize) -> Result<Self, ServerError> {
        let provider = find_galera_provider()?;
        let mut nodes: Vec<PrivateServer> = Vec::with_capacity(n);
        let mut first_gcomm = None;
        for i in 0..n.max(1) {
            let ports = GaleraPorts {
                gcomm: free_port()?,
                ist: free_port()?,
                sst: free_port()?,
            };
            let address = match first_gcomm {
                None => "gcomm://".to_string(),
                Some(port) => format!("gcomm://127.0.0.1:{port}"),
            };
            first_gcomm.get_or_insert(ports.gcomm);
            let node = PrivateServer::start_with(ServerOptions {
                extra_args: galera_args(&provider, &address, &ports, i + 1),
                server_id: Some(1),
                state_transfer: if i == 0 {
                    StateTransfer::Donor
                } else {
                    StateTransfer::Joiner
                },
                // A joiner copies the donor's data before it accepts connections.
                start_timeout: Some(Duration::from_secs(if i == 0 { 60 } else { 180 })),
                ..ServerOptions::default()
            })?;
            wait_synced(&node, Duration::from_secs(60))?;
            nodes.push(node);
        }
        Ok(GaleraCluster { nodes })
    }
}

/// `mariadbd` arguments of Galera node `index` (1-based) joining `address`.
fn galera_args(provider: &Path, address: &str, ports: &GaleraPorts, index: usize) -> Vec<String> {
    vec![
        "--wsrep-on=ON".into(),
        format!("--wsrep-provider={}", provider.display()),
        format!("--wsrep-cluster-address={address}"),
        "--wsrep-cluster-name=lightning-test".into(),
        format!("--wsrep-node-name=node{index}"),
        "--wsrep-node-address=127.0.0.1".into(),
        format!(
            "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{};ist.recv_addr=127.0.0.1:{};gcache.size=32M",
            ports.gcomm, ports.ist
        ),
        format!("--wsrep-sst-receive-address=127.0.0.1:{}", ports.sst),
        "--wsrep-sst-method=rsync".into(),
        // What Galera requires of every node.
        "--binlog-format=ROW".into(),
        "--innodb-autoinc-lock-mode=2".into(),
        "--default-storage-engine=InnoDB".into(),
        // A transaction aborted for another node's write set says which in the error log.
        "--wsrep-log-conflicts=ON".into(),
    ]
}

/// Waits until `node` reports `wsrep_ready` = ON (joined and synced).
fn wait_synced(node: &PrivateServer, timeout: Duration) -> Result<(), ServerError> {
    let deadline = std::time::Instant::now() + timeout;
    let mut conn = node.conn()?;
    loop {
        let ready: Option<(String, String)> =
            conn.query_first("SHOW GLOBAL STATUS LIKE 'wsrep_ready'")?;
        if ready.is_some_and(|(_, v)| v.eq_ignore_ascii_case("ON")) {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(topology_err(
                "a Galera cluster",
                format!(
                    "node on port {} not ready after {timeout:?}; error log:\n{}",
                    node.port(),
                    node.error_log_tail(20)
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
