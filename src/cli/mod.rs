//! Command-line front end.

/// Entry point of the `lightning` binary; returns the process exit code.
pub fn main() -> i32 {
    0
}
