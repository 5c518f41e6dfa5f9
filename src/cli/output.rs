//! Shared output helpers for CLI commands: JSON, colour, and the one-line
//! error report at the edge of the program.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::exit;
use crate::db::connect::ConnectError;
use crate::db::options::OptionsError;

/// A failure a command wants to report with its own exit code and hint.
///
/// Return it (wrapped in `anyhow::Error`) from a command's `run`; the edge
/// prints `error: <message>` and, if present, `hint: <hint>` on a second line.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// One-line description of what went wrong.
    pub message: String,
    /// What to try next.
    pub hint: Option<String>,
    /// Process exit code (see [`exit`]).
    pub code: i32,
}

impl Failure {
    /// A general failure (exit code 1) without hint.
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: None,
            code: exit::FAILURE,
        }
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Changes the exit code.
    pub fn with_code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }
}

/// Prints `value` as pretty JSON on stdout, followed by a newline.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// What `--json` prints on stdout when a command fails: `{"error": {...}}`, so that a script
/// reading stdout gets an object it can parse rather than nothing.
#[derive(Debug, Clone, Serialize)]
pub struct JsonError {
    /// The failure.
    pub error: JsonErrorBody,
}

/// The body of [`JsonError`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonErrorBody {
    /// `rejected` (the query cannot become a summary), `connection` or `failed`.
    pub kind: &'static str,
    /// What went wrong, on one line, without the position.
    pub message: String,
    /// What to try next, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The query line the error is at (1-based), for a rejected query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column (1-based, in characters), for a rejected query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The process's exit code.
    pub exit_code: i32,
}

/// Prints a [`JsonError`] on stdout; a closed stdout is not reported (the exit code says it).
pub fn print_json_error(body: JsonErrorBody) {
    let _ = print_json(&JsonError { error: body });
}

/// Colours for terminal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Success.
    Green,
    /// Attention.
    Yellow,
    /// Failure.
    Red,
    /// De-emphasised.
    Dim,
    /// Emphasised.
    Bold,
}

/// Whether stdout gets ANSI colours: a terminal, and `NO_COLOR` not set.
pub fn stdout_colours() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Wraps `text` in ANSI colour codes when `enabled`.
pub fn paint(text: &str, colour: Colour, enabled: bool) -> String {
    if !enabled {
        return text.to_string();
    }
    let code = match colour {
        Colour::Green => "32",
        Colour::Yellow => "33",
        Colour::Red => "31",
        Colour::Dim => "2",
        Colour::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Folds any text onto one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The exit code an error maps to: connection and connection-option
/// problems are [`exit::CONNECTION`], a [`Failure`] says its own, anything
/// else is [`exit::FAILURE`].
pub fn exit_code_for(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.is::<ConnectError>() || cause.is::<OptionsError>() {
            return exit::CONNECTION;
        }
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return failure.code;
        }
    }
    exit::FAILURE
}

/// Prints `error: ...` (and `hint: ...`) to stderr, passing every line
/// through `redact`, and returns the exit code; with `json` also the error as a JSON object on
/// stdout.
pub fn report_error(err: &anyhow::Error, redact: &dyn Fn(&str) -> String, json: bool) -> i32 {
    // `{:#}` joins anyhow's context chain with ": " on one line.
    let message = redact(&one_line(&format!("{err:#}")));
    let hint = err
        .chain()
        .find_map(|c| c.downcast_ref::<Failure>())
        .and_then(|f| f.hint.as_deref())
        .map(|h| redact(&one_line(h)));
    let mut stderr = std::io::stderr().lock();
    // If stderr is gone there is nobody left to tell; the exit code still says it.
    let _ = writeln!(stderr, "error: {message}");
    if let Some(hint) = &hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    let code = exit_code_for(err);
    if json {
        print_json_error(JsonErrorBody {
            kind: if code == exit::CONNECTION {
                "connection"
            } else {
                "failed"
            },
            message,
            hint,
            line: None,
            column: None,
            exit_code: code,
        });
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let e = anyhow::Error::new(Failure::new("x").with_code(7));
        assert_eq!(exit_code_for(&e), 7);
        let e = anyhow::anyhow!("plain");
        assert_eq!(exit_code_for(&e), exit::FAILURE);
        let cfg = crate::db::options::ConnectionConfig::tcp("h", 1, "u");
        let ce = ConnectError::new(&cfg, crate::db::connect::ConnectFailure::Refused, "no");
        let e = anyhow::Error::new(ce).context("while doing things");
        assert_eq!(exit_code_for(&e), exit::CONNECTION);
    }

    #[test]
    fn paint_is_plain_when_disabled() {
        assert_eq!(paint("ok", Colour::Green, false), "ok");
        assert_eq!(paint("ok", Colour::Green, true), "\x1b[32mok\x1b[0m");
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
