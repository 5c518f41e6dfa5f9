//! Texts of the compare pane's grid.

/// Head line: how many cells differ (after the row counts).
pub fn differing_cells(n: usize) -> String {
    match n {
        1 => "1 cell differs".into(),
        n => format!("{n} cells differ"),
    }
}

/// A cell with no row on its side (the row exists on the other side only).
pub const ABSENT: &str = "—";

/// The line under the grid when both sides hold the same value.
pub fn cell_same(column: &str, value: &str) -> String {
    format!("{column} = {value}")
}

/// The line under the grid when the sides differ (`—` for a missing row).
pub fn cell_differs(column: &str, query: &str, summary: &str) -> String {
    format!("{column}: query {query} │ summary {summary}")
}

/// Where the cursor is, before the full value.
pub fn position(row: usize, rows: usize, col: usize, cols: usize) -> String {
    format!("row {row}/{rows} · col {col}/{cols} · ")
}

/// Status: "next difference" found none.
pub const NO_DIFFERENCES: &str = "No differing cell: the results match.";
/// Status: "next difference" before any comparison.
pub const NOTHING_COMPARED: &str = "Nothing compared yet: press Enter on a summary.";
