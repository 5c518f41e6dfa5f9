//! Server and engine errors in plain words, on one line, for the status
//! line and popups.

use super::worker::Failure;
use crate::db::introspect::IntrospectError;
use crate::lifecycle::LifecycleError;

use std::sync::Mutex;

/// The message of the last panic on a worker thread (see [`note_panic`]).
static WORKER_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Records the message of a panic on a worker thread, so the request it
/// served can fail with it instead of printing over the screen.
pub fn note_panic(message: String) {
    if let Ok(mut slot) = WORKER_PANIC.lock() {
        *slot = Some(message);
    }
}

/// Takes the message recorded by [`note_panic`].
pub fn take_panic() -> Option<String> {
    WORKER_PANIC.lock().ok().and_then(|mut slot| slot.take())
}

/// Runs `f`, turning a panic into a failure for the user.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = take_panic()
            .or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(std::string::ToString::to_string)
            })
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        Failure::Panicked(one_line(&what))
    })
}

/// Folds whitespace so a message fits on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Opens a connection as the CLI does: a server that accepts and then stays silent is given
/// up after the same connect timeout (5 s), rather than the driver's half a minute or more.
pub fn connect(opts: &mysql::Opts) -> Result<mysql::Conn, mysql::Error> {
    crate::db::connect::connect_within(
        opts.clone(),
        crate::db::options::DEFAULT_CONNECT_TIMEOUT + std::time::Duration::from_millis(250),
    )
}

/// A driver error without the driver's `MySqlError { ... }` wrapping,
/// with a hint for the common server error codes.
pub fn mysql_error(err: &mysql::Error) -> String {
    match err {
        mysql::Error::MySqlError(e) => {
            let hint = match e.code {
                // Access denied at login: the password (or user, or host) is wrong, not a
                // privilege; saying "privilege" sends the DBA to the wrong fix.
                1045 => {
                    " — wrong user name or password (or this account may not log in from this host)"
                }
                1044 | 1142 | 1143 | 1227 | 1370 => {
                    " — the account lacks a privilege; see `lightning doctor`"
                }
                1049 => " — no such database",
                1146 => " — no such table",
                1205 => " — another transaction holds a lock; try again later",
                1213 => " — a deadlock; try again",
                1317 => " — the statement was cancelled",
                1969 | 3024 => " — the statement ran too long",
                _ => "",
            };
            format!("{} (MariaDB error {}){hint}", one_line(&e.message), e.code)
        }
        mysql::Error::IoError(e) => format!("lost the connection to the server: {e}"),
        mysql::Error::CodecError(e) => format!("lost the connection to the server: {e}"),
        mysql::Error::DriverError(mysql::DriverError::ConnectTimeout) => format!(
            "the server did not answer within {} s",
            crate::db::options::DEFAULT_CONNECT_TIMEOUT.as_secs()
        ),
        mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((_, desc, _)))) => {
            format!("cannot connect to the server: {}", one_line(desc))
        }
        other => one_line(&other.to_string()),
    }
}

/// An introspection error in plain words.
pub fn introspect_error(err: &IntrospectError) -> String {
    match err {
        IntrospectError::Server { context, source } => {
            format!("{context}: {}", mysql_error(source))
        }
        other => one_line(&other.to_string()),
    }
}

/// A lifecycle error in plain words.
pub fn lifecycle_error(err: &LifecycleError) -> String {
    match err {
        LifecycleError::Server { context, source } => format!("{context}: {}", mysql_error(source)),
        LifecycleError::Prepare(e) => introspect_error(e),
        other => one_line(&other.to_string()),
    }
}

/// A lifecycle error as a [`Failure`], typed where the app adds a hint of its own.
pub fn lifecycle_failure(err: &LifecycleError) -> Failure {
    match err {
        LifecycleError::LockTimeout { .. } => Failure::LockTimeout(lifecycle_error(err)),
        _ => Failure::Lifecycle(lifecycle_error(err)),
    }
}

/// A driver error as a [`Failure`].
pub fn server_failure(err: &mysql::Error) -> Failure {
    Failure::Server(mysql_error(err))
}

/// Whether a driver error is the server's "query execution was interrupted" (KILL QUERY).
pub fn is_interrupted(err: &mysql::Error) -> bool {
    matches!(err, mysql::Error::MySqlError(e) if e.code == 1317)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_message() {
        let out: Result<u8, Failure> = catch(|| panic!("kaboom"));
        assert!(
            matches!(&out, Err(m) if m.to_string().contains("kaboom") && m.to_string().contains("bug")),
            "{out:?}"
        );
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn server_errors_read_plainly() {
        let err = mysql::Error::MySqlError(mysql::MySqlError {
            state: "42S02".into(),
            message: "Table 'shop.nope' doesn't\nexist".into(),
            code: 1146,
        });
        assert_eq!(
            mysql_error(&err),
            "Table 'shop.nope' doesn't exist (MariaDB error 1146) — no such table"
        );
        assert!(is_interrupted(&mysql::Error::MySqlError(
            mysql::MySqlError {
                state: "70100".into(),
                message: "Query execution was interrupted".into(),
                code: 1317,
            }
        )));
        let e = LifecycleError::Server {
            context: "creating the view".into(),
            source: err,
        };
        assert!(lifecycle_error(&e).starts_with("creating the view: Table"));
        let denied = mysql::Error::MySqlError(mysql::MySqlError {
            state: "28000".into(),
            message: "Access denied for user 'app'@'localhost' (using password: YES)".into(),
            code: 1045,
        });
        let text = mysql_error(&denied);
        assert!(text.contains("wrong user name or password"), "{text}");
        assert!(!text.contains("privilege"), "{text}");
    }
}
