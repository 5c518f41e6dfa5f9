//! `drop`: remove a summary's triggers, view, state tables and catalog row. Idempotent, and it
//! removes only objects that carry proof they are ours (`ownership`): a user's table that is
//! merely named like a state table, or a trigger or view named like ours, is left alone and
//! reported.

use super::ownership::{drop_all, LeftAlone};
use super::session::{claim, open};
use super::{sql, CreateOptions, LifecycleError};
use crate::db::topology::Operation;
use crate::engine::ident::string_literal;
use crate::lifecycle::catalog;
use mysql::Opts;
use serde::Serialize;

/// What `drop` removed, and what it found but left alone.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DropReport {
    /// Whether the catalog had the summary. Without an entry, only leftovers that carry proof
    /// they are ours (a killed process's, or after the catalog was edited by hand) are removed.
    pub cataloged: bool,
    /// Objects dropped, as `kind name`.
    pub dropped: Vec<String>,
    /// Objects named like the summary's that nothing proves ours, with why; not dropped.
    pub left_alone: Vec<LeftAlone>,
}

/// Drops summary `name` in `schema`.
pub fn drop_summary(opts: &Opts, schema: &str, name: &str) -> Result<DropReport, LifecycleError> {
    let mut conn = open(opts)?;
    claim(&mut conn, schema, name, Operation::Drop)?;
    let entry = sql(catalog::get(&mut conn, schema, name), "reading the catalog")?;
    // Catalog names compare case-insensitively: `drop SALES` finds `sales`, whose objects and
    // comments are spelled as the catalog has it.
    let summary = entry.as_ref().map_or(name, |e| e.name.as_str());
    // Dropping a trigger waits for the table's metadata lock like creating one, and writers
    // queue behind that wait: bounded and retried the same way.
    let done = drop_all(opts, &mut conn, schema, summary, &CreateOptions::default())?;
    let mut report = DropReport {
        cataloged: entry.is_some(),
        dropped: done.dropped,
        left_alone: done.left_alone,
    };
    if entry.is_some() {
        sql(
            catalog::remove(&mut conn, schema, summary),
            "removing the catalog entry",
        )?;
        report
            .dropped
            .push(format!("catalog entry {}", string_literal(summary)));
    }
    Ok(report)
}
