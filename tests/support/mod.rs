//! Shared helpers for server-free tests.
pub mod compare;
pub mod fixtures;
pub mod workload;
