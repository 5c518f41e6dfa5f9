//! The launcher's error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{BIN_DIR_ENV, GALERA_PROVIDER_ENV};

/// Errors of the private server launcher.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No MariaDB server binaries were found.
    #[error(
        "MariaDB server binaries not found: need `mariadbd` (or `mysqld`) and `mariadb-install-db` \
         (or `mysql_install_db`); missing: {missing}. Searched: {searched}. \
         Install the MariaDB server package (no running server is needed): \
         `apt-get install mariadb-server` (Debian/Ubuntu) or `brew install mariadb` (macOS), \
         or set {BIN_DIR_ENV} to the directory that contains them."
    )]
    BinariesNotFound {
        /// Which of the two programs is missing.
        missing: String,
        /// The directories searched, `:`-separated.
        searched: String,
    },
    /// The server binary found is not MariaDB (e.g. Oracle MySQL).
    #[error("{path} is not a MariaDB server (`--version` says: {version}); install MariaDB or set {BIN_DIR_ENV}")]
    NotMariaDb {
        /// The binary.
        path: PathBuf,
        /// What it reported.
        version: String,
    },
    /// A file system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Initialising the template data directory failed.
    #[error(
        "initialising the MariaDB data directory failed: {message}\n--- log tail ---\n{log_tail}"
    )]
    InitFailed {
        /// What went wrong.
        message: String,
        /// The last lines of the install log.
        log_tail: String,
    },
    /// The server did not come up.
    #[error("starting the private MariaDB server failed: {message}\n--- error log tail ({log}) ---\n{log_tail}")]
    StartFailed {
        /// What went wrong.
        message: String,
        /// The error log file.
        log: String,
        /// The last lines of the error log.
        log_tail: String,
    },
    /// The Galera provider library was not found.
    #[error("the Galera provider libgalera_smm.so was not found (searched {searched}); install it (`apt-get install galera-4`) or set {GALERA_PROVIDER_ENV} to its path")]
    GaleraNotFound {
        /// The paths tried, `:`-separated.
        searched: String,
    },
    /// Setting up replication or a cluster between private servers failed.
    #[error("setting up {what}: {message}")]
    Topology {
        /// `replication`, `a Galera cluster`.
        what: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The operation needs a running server.
    #[error("the private MariaDB server is not running")]
    NotRunning,
    /// A query against the server failed.
    #[error("MariaDB error: {0}")]
    Mysql(#[from] mysql::Error),
}

/// Maps an `io::Error` to [`ServerError::Io`] with `context`, for `map_err`.
pub(super) fn io_err(context: impl fmt::Display) -> impl FnOnce(io::Error) -> ServerError {
    let context = context.to_string();
    move |source| ServerError::Io { context, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_message_says_how_to_install() {
        let e = ServerError::BinariesNotFound {
            missing: "mariadbd/mysqld".into(),
            searched: "/usr/sbin".into(),
        };
        let m = e.to_string();
        assert!(m.contains("apt-get install mariadb-server"), "{m}");
        assert!(m.contains("brew install mariadb"), "{m}");
        assert!(m.contains(BIN_DIR_ENV), "{m}");
    }
}
