//! The engine: query analysis, SQL generation (pure) and the summary lifecycle (touches the database).

pub mod analyze;
pub mod catalog;
pub mod codegen;
pub mod error;
pub mod functions;
pub mod ident;
pub mod lifecycle;
pub mod meta;
pub mod parse;
pub mod plan;
pub mod sql_mode;

pub use error::{EngineError, Pos};
