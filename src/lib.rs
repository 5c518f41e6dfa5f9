//! LightningTables: exact, trigger-maintained summary tables for MariaDB.
//!
//! * [`engine`] turns one aggregate query into the objects that keep its answer
//!   precomputed (pure analysis and SQL generation) and runs their lifecycle.
//! * [`db`] holds connection options, introspection and the private server launcher.
//! * [`cli`] and [`tui`] are the two front ends of the `lightning` binary.

pub mod bench;
pub mod cli;
pub mod db;
pub mod demo;
pub mod engine;
pub mod tui;
