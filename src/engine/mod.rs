//! The engine: query parsing, analysis and SQL generation. Pure: no server, no I/O.

pub mod analyze;
pub mod cascade;
pub mod codegen;
pub mod error;
pub mod functions;
pub mod ident;
pub mod meta;
pub mod parse;
pub mod plan;
pub mod prepared;
pub mod sql_mode;

pub use error::{EngineError, Pos};
pub use prepared::{prepare, Prepared};
