//! Connection options and helpers for a [`PrivateServer`]: always `root` without a password.

use std::time::Duration;

use super::error::ServerError;
use super::process::PrivateServer;

impl PrivateServer {
    /// Connection options: user `root`, no password, TCP to `127.0.0.1:port`
    /// (`prefer_socket` off, so it really is TCP), no default database.
    pub fn opts(&self) -> mysql::Opts {
        self.builder().into()
    }

    /// Like [`opts`](Self::opts) with `db` as the default database.
    pub fn opts_for_db(&self, db: &str) -> mysql::Opts {
        self.builder().db_name(Some(db)).into()
    }

    /// Connection options over the unix socket (user `root`, no password).
    pub fn socket_opts(&self) -> mysql::Opts {
        mysql::OptsBuilder::new()
            .socket(Some(self.socket.to_string_lossy()))
            .user(Some("root"))
            .pass(None::<String>)
            .into()
    }

    fn builder(&self) -> mysql::OptsBuilder {
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(self.port)
            .user(Some("root"))
            .pass(None::<String>)
            .prefer_socket(false)
    }

    /// A connection URL, `mysql://root@127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/", self.port)
    }

    /// Opens a new connection ([`opts`](Self::opts)).
    pub fn conn(&self) -> Result<mysql::Conn, ServerError> {
        Ok(mysql::Conn::new(self.opts())?)
    }

    /// Socket options with short timeouts, for polling a starting server.
    pub(super) fn poll_opts(&self) -> mysql::Opts {
        mysql::OptsBuilder::from_opts(self.socket_opts())
            .read_timeout(Some(Duration::from_secs(10)))
            .write_timeout(Some(Duration::from_secs(10)))
            .into()
    }
}
