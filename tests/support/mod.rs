//! The test harness, one module for every test binary (`mod support;`):
//! * [`server`]: private MariaDB servers, a fresh database per test, a short `create`;
//! * [`compare`], [`fixtures`], [`workload`]: helpers that need no server;
//! * [`matrix`]: the DML matrix runner;
//! * [`summaries`]: a set of summaries created, compared and validated together;
//! * [`race`]: two sessions forced into one order of an interleaving;
//! * [`tui`]: drive the TUI's `App` with keys, ticks and worker responses, without a terminal.
// Each test binary uses a part of the harness.
#![allow(dead_code)]
pub mod compare;
pub mod fixtures;
pub mod matrix;
pub mod race;
pub mod server;
pub mod summaries;
pub mod tui;
pub mod workload;
