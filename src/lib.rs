//! LightningTables: exact, trigger-maintained summary tables for MariaDB.
//!
//! * [`engine`] turns one aggregate query into the objects that keep its answer
//!   precomputed: pure parsing, analysis and SQL generation, no server.
//! * [`db`] holds connection options, introspection and the private server launcher.
//! * [`lifecycle`] creates, resumes, rebuilds, validates and drops summaries on a server, and
//!   keeps their catalog.
//! * [`cli`] and [`tui`] are the two front ends of the `lightning` binary.

pub mod bench;
pub mod cli;
pub mod db;
pub mod demo;
pub mod engine;
pub mod lifecycle;
pub mod tui;
