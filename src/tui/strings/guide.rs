//! Texts of the step indicator and the walk-through after connecting.

/// Names of the stages, in order.
pub const STAGES: [&str; 6] = ["Connect", "Check", "Table", "Query", "Preview", "Create"];
/// Separator between stages.
pub const SEPARATOR: &str = " › ";
/// Marker of a finished stage.
pub const DONE: &str = "✓";
/// Marker of the current stage.
pub const CURRENT: &str = "●";
/// Marker of a later stage.
pub const LATER: &str = "○";

/// Hint: pick a table.
pub fn pick_table(move_keys: &str, open_key: &str, filter_key: &str) -> String {
    format!("Pick a table in Schema: {move_keys} move, {open_key} opens a database, {filter_key} filters.")
}

/// Hint: write a query.
pub fn write_query(template_key: &str, table: &str) -> String {
    format!(
        "Press {template_key} for a query template on {table}, or type a query in the Query pane."
    )
}

/// Hint: wait for or read the preview.
pub const PREVIEW: &str = "The preview shows the tables, view and triggers a summary would create.";
/// Hint: the query is rejected.
pub const REJECTED: &str =
    "This query cannot become a summary: the preview says why. Edit it and try again.";

/// Hint: create.
pub fn create(key: &str, editor_key: &str) -> String {
    format!("Press {key} ({editor_key} in the editor) to create it online, then confirm.")
}

/// Hint: being created.
pub fn creating(name: &str) -> String {
    format!("Creating {name}: a brief lock, then the backfill (see Summaries).")
}

/// Hint: done.
pub fn done(name: &str, hide_key: &str) -> String {
    format!("{name} is ready and kept exact by triggers. Compare it with its query in Summaries ({hide_key} hides this guide).")
}
