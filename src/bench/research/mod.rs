//! Research probes of the benchmark, kept apart from the product's code paths: hand-written
//! alternative trigger variants and original-style triggers to compare ours against, and probes
//! that time the backfill's and the lock window's statements one by one. The bench reports
//! them; nothing in `engine`, `db` or `lifecycle` uses them.

pub mod alt;
pub mod bfprobe;
pub mod lockprobe;
pub mod original;
