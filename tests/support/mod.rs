//! Shared helpers for server-free tests.
pub mod fixtures;
