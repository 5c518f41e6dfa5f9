//! Opening a connection, with a bounded wait and errors a person can act on.

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use super::options::{ConnectionConfig, Endpoint};

/// What kind of failure stopped the connection; decides the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens at the host/port (or a stale socket file).
    Refused,
    /// The socket file does not exist.
    SocketMissing,
    /// Not allowed to open the socket file.
    SocketPermission,
    /// The host name does not resolve.
    UnknownHost,
    /// No answer within the connect timeout.
    Timeout,
    /// Wrong user name or password, or the account may not log in from here.
    AccessDenied,
    /// The account may not use the requested database.
    DatabaseAccessDenied,
    /// The requested database does not exist.
    UnknownDatabase,
    /// TLS could not be established or the certificate was rejected.
    Tls,
    /// Anything else the server or driver reported.
    Other,
}

impl ConnectFailure {
    /// What the user should check next.
    pub fn hint(self, endpoint: &Endpoint) -> &'static str {
        let socket = matches!(endpoint, Endpoint::Socket(_));
        match self {
            ConnectFailure::Refused if socket => "is the server running? check --socket",
            ConnectFailure::Refused => {
                "is the server running? check --host/--port or try --socket"
            }
            ConnectFailure::SocketMissing => "is the server running? check --socket",
            ConnectFailure::SocketPermission => {
                "you may not open that socket file; check its permissions or use --host/--port"
            }
            ConnectFailure::UnknownHost => "check the host name (--host)",
            ConnectFailure::Timeout => {
                "is the host reachable and the port right? check --host/--port or raise --connect-timeout"
            }
            ConnectFailure::AccessDenied => "check the user name and password (-u, -p)",
            ConnectFailure::DatabaseAccessDenied => {
                "check the database name (-D) and the account's grants"
            }
            ConnectFailure::UnknownDatabase => "check the database name (-D)",
            ConnectFailure::Tls => {
                "check --ssl-ca and the server's TLS setup, or drop --ssl-verify-server-cert"
            }
            ConnectFailure::Other => "check the connection options (see lightning --help)",
        }
    }
}

/// A failed connection attempt.
///
/// Displays as one line naming the target (never the password), the
/// server's or operating system's reason, and a hint, e.g.
/// `cannot connect to root@127.0.0.1:3399: Connection refused (os error 111) — is the server running? check --host/--port or try --socket`.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {target}: {reason} — {hint}")]
pub struct ConnectError {
    /// [`ConnectionConfig::describe`] of the target.
    pub target: String,
    /// Classification of the failure.
    pub kind: ConnectFailure,
    /// The underlying reason, on one line, with the password redacted.
    pub reason: String,
    /// Suggested next step.
    pub hint: &'static str,
}

impl ConnectError {
    /// Builds the error for `config`, redacting the password from `reason`
    /// and folding it onto one line.
    pub fn new(config: &ConnectionConfig, kind: ConnectFailure, reason: &str) -> Self {
        let mut reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(password) = &config.password {
            reason = password.redact_in(&reason);
        }
        ConnectError {
            target: config.describe(),
            kind,
            reason,
            hint: kind.hint(&config.endpoint),
        }
    }
}

/// Opens a connection, waiting at most `config.connect_timeout` for the
/// server to complete the handshake.
///
/// The driver only bounds the TCP connect itself; a server (or proxy) that
/// accepts and then stays silent would hang the handshake forever, so the
/// attempt runs on a helper thread. On timeout that thread is abandoned: it
/// ends on its own when the socket finally fails or the process exits.
pub fn connect(config: &ConnectionConfig) -> Result<mysql::Conn, ConnectError> {
    // A little slack so the driver's own TCP timeout reports first when it fires.
    let wait = config.connect_timeout + Duration::from_millis(250);
    connect_within(config.to_opts(), wait).map_err(|e| classify(config, &e))
}

/// Opens a connection with driver options `opts`, waiting at most `wait` for the handshake
/// (see [`connect`] for why on a helper thread); a timeout is the driver's `ConnectTimeout`.
/// For callers that hold driver options rather than a [`ConnectionConfig`] (the TUI's workers).
pub fn connect_within(opts: mysql::Opts, wait: Duration) -> Result<mysql::Conn, mysql::Error> {
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("lightning-connect".into())
        .spawn(move || {
            // The receiver may have given up already; nothing to do then.
            let _ = sender.send(mysql::Conn::new(opts));
        });
    if let Err(e) = spawned {
        return Err(mysql::Error::IoError(e));
    }
    match receiver.recv_timeout(wait) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(mysql::Error::DriverError(
            mysql::DriverError::ConnectTimeout,
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(mysql::Error::IoError(io::Error::other(
            "the connection attempt stopped unexpectedly",
        ))),
    }
}

fn timeout_error(config: &ConnectionConfig) -> ConnectError {
    let reason = format!(
        "no answer within {} s",
        config.connect_timeout.as_secs_f64()
    );
    ConnectError::new(config, ConnectFailure::Timeout, &reason)
}

/// Maps a driver error to a [`ConnectError`].
pub fn classify(config: &ConnectionConfig, err: &mysql::Error) -> ConnectError {
    use mysql::DriverError;
    let socket = matches!(config.endpoint, Endpoint::Socket(_));
    let (kind, reason) = match err {
        mysql::Error::MySqlError(e) => (server_failure(e.code), e.message.clone()),
        mysql::Error::DriverError(DriverError::ConnectTimeout) => return timeout_error(config),
        mysql::Error::DriverError(DriverError::CouldNotConnect(Some((_, desc, kind)))) => {
            (io_failure(*kind, desc, socket), desc.clone())
        }
        mysql::Error::IoError(e) => (io_failure(e.kind(), &e.to_string(), socket), e.to_string()),
        mysql::Error::TlsError(e) => (ConnectFailure::Tls, format!("TLS: {e}")),
        mysql::Error::DriverError(DriverError::TlsNotSupported) => (
            ConnectFailure::Tls,
            "the server does not support TLS".to_string(),
        ),
        other => (ConnectFailure::Other, other.to_string()),
    };
    ConnectError::new(config, kind, &reason)
}

/// Server error codes seen while logging in.
fn server_failure(code: u16) -> ConnectFailure {
    match code {
        // ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
        1045 | 1698 => ConnectFailure::AccessDenied,
        // ER_DBACCESS_DENIED_ERROR
        1044 => ConnectFailure::DatabaseAccessDenied,
        // ER_BAD_DB_ERROR
        1049 => ConnectFailure::UnknownDatabase,
        _ => ConnectFailure::Other,
    }
}

fn io_failure(kind: io::ErrorKind, text: &str, socket: bool) -> ConnectFailure {
    match kind {
        io::ErrorKind::NotFound if socket => ConnectFailure::SocketMissing,
        io::ErrorKind::PermissionDenied if socket => ConnectFailure::SocketPermission,
        io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectFailure::Timeout,
        // Name resolution failures have no ErrorKind of their own.
        _ if text.contains("lookup address") => ConnectFailure::UnknownHost,
        _ => ConnectFailure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::options::Password;

    fn config_with_password() -> ConnectionConfig {
        let mut c = ConnectionConfig::tcp("127.0.0.1", 3399, "root");
        c.password = Some(Password::new("SuperSecret9"));
        c
    }

    #[test]
    fn display_is_one_line_with_target_reason_and_hint() {
        let c = config_with_password();
        let e = ConnectError::new(
            &c,
            ConnectFailure::Refused,
            "Connection refused\n(os error 111)",
        );
        assert_eq!(
            e.to_string(),
            "cannot connect to root@127.0.0.1:3399: Connection refused (os error 111) — is the server running? check --host/--port or try --socket"
        );
    }

    #[test]
    fn password_is_redacted_from_reasons() {
        let c = config_with_password();
        let e = ConnectError::new(&c, ConnectFailure::Other, "weird SuperSecret9 echo");
        assert!(!e.to_string().contains("SuperSecret9"));
    }

    #[test]
    fn classification() {
        let c = ConnectionConfig::socket("/nope.sock", "bob");
        let err = mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((
            "/nope.sock".into(),
            "No such file or directory (os error 2)".into(),
            io::ErrorKind::NotFound,
        ))));
        let e = classify(&c, &err);
        assert_eq!(e.kind, ConnectFailure::SocketMissing);
        assert!(
            e.to_string()
                .ends_with("— is the server running? check --socket"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("cannot connect to bob@socket:/nope.sock: "),
            "{e}"
        );
        assert_eq!(server_failure(1045), ConnectFailure::AccessDenied);
        assert_eq!(server_failure(1049), ConnectFailure::UnknownDatabase);
        assert_eq!(
            io_failure(
                io::ErrorKind::Other,
                "failed to lookup address information: x",
                false
            ),
            ConnectFailure::UnknownHost
        );
    }

    #[test]
    fn refused_port_is_reported_quickly() {
        // Bind then drop a listener to get a port that is almost surely closed.
        let port = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(addr) => addr.port(),
            Err(e) => panic!("{e}"),
        };
        let c = ConnectionConfig::tcp("127.0.0.1", port, "root");
        match connect(&c) {
            Err(e) => assert_eq!(e.kind, ConnectFailure::Refused, "{e}"),
            Ok(_) => panic!("connected to a closed port"),
        }
    }

    #[test]
    fn silent_server_times_out() {
        let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let port = match listener.local_addr() {
            Ok(a) => a.port(),
            Err(e) => panic!("{e}"),
        };
        let mut c = ConnectionConfig::tcp("127.0.0.1", port, "root");
        c.connect_timeout = Duration::from_secs(1);
        let started = std::time::Instant::now();
        match connect(&c) {
            Err(e) => {
                assert_eq!(e.kind, ConnectFailure::Timeout, "{e}");
                assert!(e.to_string().contains("no answer within 1 s"), "{e}");
            }
            Ok(_) => panic!("a silent listener cannot complete a handshake"),
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(listener);
    }
}
