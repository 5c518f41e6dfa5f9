//! Private, throw-away MariaDB servers for tests, the `demo` and benchmarks.
//!
//! [`PrivateServer::start`] launches a `mariadbd` of its own: its own data
//! directory (copied from a cached, initialised template), its own unix socket
//! and a free loopback TCP port. Nothing of a system installation is used but
//! the binaries, and no system server needs to run.
//!
//! Lifetime rules:
//!
//! * Dropping a [`PrivateServer`] shuts it down gracefully and removes its
//!   temporary directory (unless [`ServerOptions::keep_data`]).
//! * A server kept in a `static` is never dropped. It is still cleaned up: an
//!   `atexit` hook kills the servers that are alive when the process exits, and
//!   on Linux the child gets `PR_SET_PDEATHSIG = SIGKILL`, so it dies with its
//!   parent even when the parent is killed. The children are spawned from one
//!   long-lived helper thread because the death signal fires when the *thread*
//!   that forked exits, not the process (a test thread would otherwise take the
//!   server down with it).
//! * Directories left over by a killed process are swept at the next start.
//!
//! The template data directory is `std::env::temp_dir()/lightning-mariadb-template-<hash>`,
//! keyed by the server binary, its version and the user; it is created in a
//! temporary directory and renamed into place, so concurrent first starts race
//! safely. A start then costs a directory copy (~26 MB) plus the server boot.
//!
//! The parts: `binaries` finds the programs, `template` keeps the cached data
//! directory, `process` starts and stops a server, `connect` builds connection
//! options, `spawn` and `registry` make sure no server outlives this process,
//! `error` is the error type.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod binaries;
mod connect;
mod error;
mod process;
mod registry;
mod spawn;
mod template;
mod topology;

pub use binaries::{find_binaries, Binaries, BIN_DIR_ENV};
pub use error::ServerError;
pub use process::PrivateServer;
pub use topology::{
    find_galera_provider, BinlogFormat, GaleraCluster, ReplicationPair, GALERA_PROVIDER_ENV,
};

/// Prefix of instance directory names under [`short_temp_base`].
const INSTANCE_PREFIX: &str = "lt-srv-";
/// The file in an instance directory naming the owning process, for the stale sweep.
const OWNER_FILE: &str = "owner.pid";
/// How long a graceful stop may take before the server is killed.
const GRACEFUL_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How to start a [`PrivateServer`]. `ServerOptions::default()` is what tests want.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Extra `mariadbd` arguments, appended after the defaults (so they override them).
    pub extra_args: Vec<String>,
    /// Keep the temporary directory (data, error log) when the server is dropped.
    pub keep_data: bool,
    /// Use this data directory instead of a temporary one. If it does not exist or
    /// is empty it is initialised from the template; otherwise it is used as is.
    /// It is never deleted by the launcher.
    pub data_dir: Option<PathBuf>,
    /// TCP port to listen on; default: a free loopback port.
    pub port: Option<u16>,
    /// How long to wait for the server to accept connections; default 30 s.
    pub start_timeout: Option<Duration>,
    /// Binary logging in this format, as production servers run (with a `server_id` of
    /// [`server_id`](Self::server_id)); default off (`--skip-log-bin`).
    pub binlog: Option<BinlogFormat>,
    /// `server_id`; default 1. Servers replicating from each other need different ones.
    pub server_id: Option<u32>,
    /// The node's part in a Galera rsync state transfer, which decides how its data directory
    /// is prepared.
    pub state_transfer: StateTransfer,
}

/// A Galera node's part in an rsync state transfer (SST). The joiner's rsync daemon drops to
/// `nobody` when started as root: it can only write into a directory open to everyone, and it
/// cannot change the permissions of what it does not own, so donor and joiner directories are
/// opened alike (rsync then has nothing to change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StateTransfer {
    /// Not a Galera node: a private data directory.
    #[default]
    None,
    /// The node that bootstraps the cluster and donates its data: the template, opened.
    Donor,
    /// A node that joins: an empty directory, opened, which the transfer fills.
    Joiner,
}

/// Whether we run as root: `mariadbd` then needs `--user=root`.
fn is_root() -> bool {
    crate::sys::is_root()
}

/// Base directory for instance directories: short, because the socket lives there.
fn short_temp_base() -> PathBuf {
    let t = std::env::temp_dir();
    if t.as_os_str().len() <= 60 {
        t
    } else {
        PathBuf::from("/tmp")
    }
}

/// The last `lines` lines of a log file (read from its last 16 KiB), for error messages.
fn tail_of_file(path: &Path, lines: usize) -> String {
    let Ok(mut f) = fs::File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
