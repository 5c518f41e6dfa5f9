//! Texts of the tuning of a create or rebuild: the lines in its confirmation and the form that
//! changes them.

use crate::lifecycle::tuning::Tuning;
use crate::lifecycle::{ChunkPolicy, CreateOptions};

/// The default time per chunk and lock wait, ms (from the lifecycle's defaults).
fn default_ms() -> (u128, u128) {
    let d = CreateOptions::default();
    let chunk = match d.chunk {
        ChunkPolicy::Adaptive { target, .. } => target.as_millis(),
        ChunkPolicy::Fixed(_) => 0,
    };
    (chunk, d.max_lock_wait.as_millis())
}

/// Title of the tuning form.
pub const TITLE: &str = "Tuning";

/// The form's fields, in order, as labels (the CLI's flags in brackets).
pub const FIELDS: [&str; 4] = [
    "Rows per chunk (--chunk-size)",
    "Time per chunk, ms (--chunk-time)",
    "Max load, VAR=N (--max-load)",
    "Lock wait per attempt, ms (--max-lock-wait)",
];

/// What an empty field `field` means.
pub fn default_of(field: usize) -> String {
    let (chunk_ms, lock_ms) = default_ms();
    match field {
        0 => "empty: adaptive".into(),
        1 => format!("empty: {chunk_ms}"),
        2 => "empty: none".into(),
        _ => format!("empty: {lock_ms}"),
    }
}

/// Both chunk fields set.
pub const ROWS_OR_TIME: &str =
    "set rows per chunk or time per chunk, not both (rows make every chunk the same size)";

/// The hint under the form.
pub fn hint(next: &str, apply: &str, back: &str) -> String {
    format!(" {next}: next field   {apply}: apply   {back}: back, unchanged ")
}

/// The tuning lines at the top of a create or rebuild confirmation; `key` opens the form.
pub fn lines(t: &Tuning, key: &str) -> Vec<String> {
    let (chunk_ms, lock_ms) = default_ms();
    let chunks = match (t.chunk_rows, t.chunk_time_ms) {
        (Some(n), _) => format!("{n} rows each"),
        (None, Some(ms)) => format!("adaptive, about {ms} ms each"),
        (None, None) => format!("adaptive, about {chunk_ms} ms each (default)"),
    };
    let load = match &t.max_load {
        Some((var, n)) => format!("waits while {var} > {n}"),
        None => "no limit (default)".to_string(),
    };
    let lock = match t.lock_wait_ms {
        Some(ms) => format!("{ms} ms per attempt"),
        None => format!("{lock_ms} ms per attempt (default)"),
    };
    vec![
        format!("Tuning ({key} to change):"),
        format!("  chunks     {chunks}"),
        format!("  max load   {load}"),
        format!("  lock wait  {lock}"),
        String::new(),
    ]
}
