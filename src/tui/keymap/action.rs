//! The actions keys are bound to, and their names in the configuration file.

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave the program.
    Quit,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Show the key help.
    Help,
    /// Cancel the running request, close a popup or clear a filter.
    Cancel,
    /// Move up.
    Up,
    /// Move down.
    Down,
    /// Move a page up.
    PageUp,
    /// Move a page down.
    PageDown,
    /// Go to the top.
    Top,
    /// Go to the bottom.
    Bottom,
    /// Open the selected tree node.
    Expand,
    /// Close the selected tree node (or go to its parent).
    Collapse,
    /// Open or close the selected tree node.
    Toggle,
    /// Start filtering the schema tree.
    Filter,
    /// Insert the selected table or column name into the query.
    InsertName,
    /// Replace the query with a template for the selected table.
    Template,
    /// Reload from the server.
    Refresh,
    /// Preview now (editor) or run the comparison (compare pane).
    Run,
    /// Edit the query in `$EDITOR`.
    ExternalEditor,
    /// Undo an edit.
    Undo,
    /// Redo an edit.
    Redo,
    /// Older query from the history.
    HistoryPrev,
    /// Newer query from the history.
    HistoryNext,
    /// Set the summary's name.
    Rename,
    /// Create the summary (after confirmation).
    Create,
    /// Validate the selected summary.
    Validate,
    /// Rebuild the selected summary.
    Rebuild,
    /// Drop the selected summary (after confirmation).
    Drop,
    /// Pause or continue a running backfill.
    PauseResume,
    /// Resume an interrupted backfill.
    ResumeBackfill,
    /// Stop a running backfill (it can be resumed later).
    CancelJob,
    /// Compare the selected summary with its query.
    Compare,
    /// Answer yes.
    Confirm,
    /// Answer yes, also to a destructive question (drop): `Confirm` alone (Enter) does not
    /// drop, so that a stray Enter never removes a summary.
    ConfirmDestructive,
    /// Answer no.
    Deny,
    /// Open the connection setup wizard.
    Setup,
    /// Show or hide the step-by-step guide.
    Guide,
    /// Demo: go on to the next step of the story.
    NextStep,
    /// Demo: pause or resume the writers.
    ToggleWrites,
    /// Demo: more writes per second.
    Faster,
    /// Demo: fewer writes per second.
    Slower,
    /// Demo: the next mix of writes.
    NextMix,
    /// Demo: steps move on by themselves (or not).
    Autoplay,
    /// Demo: switch between the dashboard and the usual panes.
    Dashboard,
    /// Draw the whole screen again (after something else wrote on the terminal).
    Redraw,
    /// Compare grid: the column to the left.
    ColumnLeft,
    /// Compare grid: the column to the right.
    ColumnRight,
    /// Compare grid: the next differing cell.
    NextDifference,
    /// Compare grid: the previous differing cell.
    PrevDifference,
    /// Write the previewed summary's migration and drop script, and copy it to the clipboard.
    Export,
    /// Editor: complete the word before the cursor.
    Complete,
    /// Editor: search the query history as you type.
    HistorySearch,
    /// Create or rebuild confirmation: set chunk size or time, max load and lock wait.
    Tune,
    /// A form: the next field.
    NextField,
    /// A form: the previous field.
    PrevField,
}

/// Every action with its configuration name.
pub const ACTION_NAMES: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("next_pane", Action::NextPane),
    ("prev_pane", Action::PrevPane),
    ("help", Action::Help),
    ("cancel", Action::Cancel),
    ("up", Action::Up),
    ("down", Action::Down),
    ("page_up", Action::PageUp),
    ("page_down", Action::PageDown),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("expand", Action::Expand),
    ("collapse", Action::Collapse),
    ("toggle", Action::Toggle),
    ("filter", Action::Filter),
    ("insert_name", Action::InsertName),
    ("template", Action::Template),
    ("refresh", Action::Refresh),
    ("run", Action::Run),
    ("external_editor", Action::ExternalEditor),
    ("undo", Action::Undo),
    ("redo", Action::Redo),
    ("history_prev", Action::HistoryPrev),
    ("history_next", Action::HistoryNext),
    ("rename", Action::Rename),
    ("create", Action::Create),
    ("validate", Action::Validate),
    ("rebuild", Action::Rebuild),
    ("drop", Action::Drop),
    ("pause_resume", Action::PauseResume),
    ("resume_backfill", Action::ResumeBackfill),
    ("cancel_job", Action::CancelJob),
    ("compare", Action::Compare),
    ("confirm", Action::Confirm),
    ("confirm_destructive", Action::ConfirmDestructive),
    ("deny", Action::Deny),
    ("setup", Action::Setup),
    ("guide", Action::Guide),
    ("next_step", Action::NextStep),
    ("toggle_writes", Action::ToggleWrites),
    ("faster", Action::Faster),
    ("slower", Action::Slower),
    ("next_mix", Action::NextMix),
    ("autoplay", Action::Autoplay),
    ("dashboard", Action::Dashboard),
    ("redraw", Action::Redraw),
    ("column_left", Action::ColumnLeft),
    ("column_right", Action::ColumnRight),
    ("next_difference", Action::NextDifference),
    ("prev_difference", Action::PrevDifference),
    ("export", Action::Export),
    ("complete", Action::Complete),
    ("history_search", Action::HistorySearch),
    ("tune", Action::Tune),
    ("next_field", Action::NextField),
    ("prev_field", Action::PrevField),
];
