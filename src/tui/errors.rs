//! Server and engine errors in plain words, on one line, for the status
//! line and popups.

use crate::db::introspect::IntrospectError;
use crate::engine::lifecycle::LifecycleError;

/// Folds whitespace so a message fits on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A driver error without the driver's `MySqlError { ... }` wrapping,
/// with a hint for the common server error codes.
pub fn mysql_error(err: &mysql::Error) -> String {
    match err {
        mysql::Error::MySqlError(e) => {
            let hint = match e.code {
                1044 | 1045 | 1142 | 1143 | 1227 | 1370 => {
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

/// Whether a driver error is the server's "query execution was interrupted" (KILL QUERY).
pub fn is_interrupted(err: &mysql::Error) -> bool {
    matches!(err, mysql::Error::MySqlError(e) if e.code == 1317)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
