//! LightningTables: exact, trigger-maintained summary tables for MariaDB.
//!
//! * [`engine`] turns one aggregate query into the objects that keep its answer
//!   precomputed: pure parsing, analysis and SQL generation, no server.
//! * [`db`] holds connection options, introspection and the private server launcher.
//! * [`lifecycle`] creates, resumes, rebuilds, validates and drops summaries on a server, and
//!   keeps their catalog.
//! * [`cli`] and [`tui`] are the two front ends of the `lightning` binary.

// The lint gate for the library (Cargo's [lints] table cannot vary by target, and tests may
// unwrap and run long): no unwrap or expect on what a user or the database can influence, no
// function over 100 lines, a doc line on every public item.
#![warn(
    missing_docs,
    clippy::too_many_lines,
    clippy::unwrap_used,
    clippy::expect_used
)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod bench;
pub mod cli;
pub mod db;
pub mod demo;
pub mod engine;
pub mod lifecycle;
pub mod sys;
pub mod tui;
