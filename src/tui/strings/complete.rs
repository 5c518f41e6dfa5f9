//! Texts of completion and history search.

/// Status: nothing completes the word before the cursor.
pub fn nothing_for(prefix: &str) -> String {
    if prefix.is_empty() {
        "Nothing to complete here (open tables in the schema browser to complete their columns)."
            .into()
    } else {
        format!("Nothing completes {prefix:?}.")
    }
}

/// History search: nothing matches.
pub const NO_MATCH: &str = "no query in the history matches";

/// History search: the label before the match (^R older, Enter takes it, Esc leaves; the help
/// and README say so, the line keeps its width for the query).
pub fn search_label(needle: &str) -> String {
    format!("history {needle:?}: ")
}
