//! The `lightning` binary: the CLI and the TUI of [`lightning_tables`].

#![warn(missing_docs, clippy::unwrap_used, clippy::expect_used)]

fn main() {
    std::process::exit(lightning_tables::cli::main());
}
