//! The engine's typed errors.

use serde::Serialize;
use std::fmt;

/// A position in the user's query text (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    /// Line, starting at 1.
    pub line: u64,
    /// Column, starting at 1.
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Renders an optional position as a ` at L:C` suffix.
fn at(pos: &Option<Pos>) -> String {
    match pos {
        Some(p) => format!(" at {p}"),
        None => String::new(),
    }
}

/// Why a query cannot become a summary, or why generation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The text is not valid SQL.
    #[error("syntax error{}: {message}", at(.pos))]
    Syntax {
        /// Parser message.
        message: String,
        /// Where, when known.
        pos: Option<Pos>,
    },
    /// A construct the summary engine does not support.
    #[error("not supported yet: {construct}{}{}", at(.pos), hint_suffix(.hint))]
    Unsupported {
        /// The construct, named as a DBA would (e.g. "JOIN", "COUNT(DISTINCT ...)").
        construct: String,
        /// Where it appears.
        pos: Option<Pos>,
        /// What to do instead.
        hint: Option<String>,
    },
    /// A column that the base table does not have.
    #[error("unknown column {column}{} in table {table}", at(.pos))]
    UnknownColumn {
        /// The column as written.
        column: String,
        /// The base table.
        table: String,
        /// Where it appears.
        pos: Option<Pos>,
    },
    /// A select-list column that is neither grouped nor aggregated.
    #[error("column {column}{} is neither in GROUP BY nor inside an aggregate", at(.pos))]
    NotGrouped {
        /// The column as written.
        column: String,
        /// Where it appears.
        pos: Option<Pos>,
    },
    /// The base table cannot carry a summary (engine, missing key, ...).
    #[error("table {table}: {reason}")]
    Table {
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
    /// An invalid summary name.
    #[error("invalid summary name {name:?}: {reason}")]
    Name {
        /// The name given.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Type information needed for generation is missing or unusable.
    #[error("cannot derive a storage type for {what}: {reason}")]
    Type {
        /// The expression.
        what: String,
        /// Why.
        reason: String,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    }
}

impl EngineError {
    /// The position the error applies to, if any.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            EngineError::Syntax { pos, .. }
            | EngineError::Unsupported { pos, .. }
            | EngineError::UnknownColumn { pos, .. }
            | EngineError::NotGrouped { pos, .. } => *pos,
            _ => None,
        }
    }

    /// The message without its position, for callers that show the position themselves
    /// (a caret under the query, a line of its own), so that it is printed once.
    pub fn message(&self) -> String {
        let mut e = self.clone();
        match &mut e {
            EngineError::Syntax { pos, .. }
            | EngineError::Unsupported { pos, .. }
            | EngineError::UnknownColumn { pos, .. }
            | EngineError::NotGrouped { pos, .. } => *pos = None,
            _ => {}
        }
        e.to_string()
    }

    /// Shorthand for an unsupported construct.
    pub fn unsupported(construct: impl Into<String>, pos: Option<Pos>) -> Self {
        EngineError::Unsupported {
            construct: construct.into(),
            pos,
            hint: None,
        }
    }

    /// Shorthand for an unsupported construct with advice.
    pub fn unsupported_hint(
        construct: impl Into<String>,
        pos: Option<Pos>,
        hint: impl Into<String>,
    ) -> Self {
        EngineError::Unsupported {
            construct: construct.into(),
            pos,
            hint: Some(hint.into()),
        }
    }
}
