//! Every user-visible string of the terminal UI, in one place.
//!
//! Titles, labels, messages and the descriptions of key bindings live here
//! so wording stays consistent and can be reviewed (or translated) at once.

use super::keymap::{Action, Context};

pub mod compare;
pub mod complete;
pub mod demo;
pub mod export;
pub mod guide;
pub mod quit;
pub mod setup;
pub mod tune;

/// Name shown in the title bar.
pub const APP_NAME: &str = "⚡ LightningTables";
/// Title of the schema browser.
pub const SCHEMA_TITLE: &str = "Schema";
/// Title of the query editor.
pub const EDITOR_TITLE: &str = "Query";
/// Title of the preview pane.
pub const PREVIEW_TITLE: &str = "Preview";
/// Title of the summaries pane.
pub const SUMMARIES_TITLE: &str = "Summaries";
/// Title of the compare pane.
pub const COMPARE_TITLE: &str = "Compare";
/// Title of the help overlay.
pub const HELP_TITLE: &str = "Keys";
/// Placeholder in an empty editor.
pub fn editor_placeholder(template_key: &str) -> String {
    format!("Type an aggregate query, or pick a table and press {template_key} for a template")
}
/// Schema browser: nothing loaded yet.
pub const SCHEMA_LOADING: &str = "Loading databases…";
/// Schema browser: the server has no user databases.
pub const SCHEMA_EMPTY: &str = "No databases";
/// Schema browser: the filter hides everything.
pub const SCHEMA_NO_MATCH: &str = "Nothing matches the filter";
/// Schema browser: prompt of the filter line.
pub const FILTER_PROMPT: &str = "filter: ";
/// Schema browser: marker of a table that has summaries.
pub const SUMMARY_MARK: &str = "⚡";
/// Preview: the editor is empty.
pub const PREVIEW_EMPTY: &str = "The generated tables, view and triggers appear here as you type.";
/// Preview: waiting for the worker.
pub const PREVIEW_WAITING: &str = "Generating…";
/// Preview: header of the warnings section.
pub const PREVIEW_WARNINGS: &str = "-- Warnings";
/// Preview: heading of a rejected query.
pub const PREVIEW_REJECTED: &str = "This query cannot become a summary:";
/// Summaries pane: nothing exists yet.
pub fn summaries_empty(create_key: &str) -> String {
    format!("No summaries yet. Write a query and press {create_key} to create one.")
}
/// Compare pane: nothing run yet; `run_keys`: the keys that run it, e.g. `Enter (or F5)`.
pub fn compare_empty(run_keys: &str) -> String {
    format!("Select a summary and press {run_keys} to run its query and the summary side by side.")
}
/// Several keys for one thing: `Enter (or F5)`.
pub fn either_key(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
    }
}
/// Footer while typing the schema filter: keep it.
pub const FILTER_KEEP: &str = "keep filter";
/// Footer while typing the schema filter: clear it.
pub const FILTER_CLEAR: &str = "clear filter";
/// Compare pane: heading of the original query column.
pub const COMPARE_QUERY: &str = "Query";
/// Compare pane: heading of the summary column.
pub const COMPARE_SUMMARY: &str = "Summary";
/// Compare pane: the results are equal.
pub const COMPARE_MATCH: &str = "results match";
/// Compare pane: running.
pub const COMPARE_RUNNING: &str = "Running both queries…";
/// Status: connecting.
pub const CONNECTING: &str = "Connecting…";
/// Status: an operation was cancelled.
pub const CANCELLED: &str = "Cancelled.";
/// Status: nothing to cancel.
pub const NOTHING_TO_CANCEL: &str = "Nothing to cancel.";
/// Status: the editor is empty.
pub const NO_QUERY: &str = "Write a query first.";
/// Status: a summary must be selected.
pub const NO_SUMMARY_SELECTED: &str = "Select a summary first.";
/// Status: a table must be selected.
pub const NO_TABLE_SELECTED: &str = "Select a table (or one of its columns) first.";
/// Status: the query is rejected, creation impossible.
pub const FIX_QUERY_FIRST: &str = "Fix the query first: the preview shows why it is rejected.";
/// Status: the preview is not ready yet.
pub const PREVIEW_NOT_READY: &str = "Wait for the preview before creating.";
/// Status: no backfill of this session is running for the selection.
pub const NO_RUNNING_BACKFILL: &str = "No backfill started from this window is running for it.";
/// Status: history is empty / at its end.
pub const HISTORY_END: &str = "No more history.";
/// Popup: title of the create confirmation.
pub const CONFIRM_CREATE_TITLE: &str = "Create summary";
/// Popup: title of the drop confirmation.
pub const CONFIRM_DROP_TITLE: &str = "Drop summary";
/// Popup: title of the rebuild confirmation.
pub const CONFIRM_REBUILD_TITLE: &str = "Rebuild summary";
/// Popup: title of error popups.
pub const ERROR_TITLE: &str = "Error";
/// Popup: title of the validation result.
pub const VALIDATION_TITLE: &str = "Validation";
/// Popup: title of the rename popup.
pub const RENAME_TITLE: &str = "Summary name";
/// Popup hints (the keys come from the keymap): answer yes.
pub const HINT_YES: &str = "yes";
/// Popup hint: answer yes to a drop.
pub const HINT_DROP: &str = "drop";
/// Popup hint: answer yes to quitting during a backfill.
pub const HINT_QUIT: &str = "quit";
/// Popup hint: answer no.
pub const HINT_NO: &str = "no";
/// Popup hint: answer no to quitting.
pub const HINT_STAY: &str = "stay";
/// Popup hint: close a message.
pub const HINT_CLOSE: &str = "close";
/// Popup hint: scroll.
pub const HINT_SCROLL: &str = "scroll";
/// Popup hint: change the chunk, load and lock tuning of a create or rebuild.
pub const HINT_TUNE: &str = "tuning";
/// Popup: hint of the rename popup.
pub fn rename_hint(keep_key: &str, cancel_key: &str) -> String {
    format!(" {keep_key}: keep   {cancel_key}: cancel ")
}
/// Create confirmation: the text above the statements.
pub const CREATE_INTRO: &str = "These statements will run, in order (plus bookkeeping in _lightning_catalog).\nWriters to the base table pause only while the triggers are installed; the backfill then runs in batches.";
/// Drop confirmation text.
pub const DROP_INTRO: &str =
    "This removes the summary's triggers, view and state tables. The base table is not touched.";
/// Status when Enter answers the drop confirmation.
pub fn drop_needs_yes(confirm_key: &str, key: &str, no_key: &str) -> String {
    format!("{confirm_key} does not drop: press {key} to drop the summary, or {no_key} to keep it")
}
/// Rebuild confirmation text.
pub const REBUILD_INTRO: &str = "The summary is recomputed online into a new generation; readers keep reading the current one until the switch.";
/// Footer: pause the selected backfill.
pub const FOOTER_PAUSE: &str = "pause";
/// Footer: stop the selected backfill.
pub const FOOTER_STOP: &str = "stop";
/// Footer: continue the selected paused backfill.
pub const FOOTER_CONTINUE: &str = "continue";
/// Status: the cancel key on a running backfill says which key stops it.
pub fn esc_keeps_backfill(cancel_key: &str, stop_key: &str, resume_key: &str) -> String {
    format!("{cancel_key} does not stop a backfill: {stop_key} stops it after the current chunk ({resume_key} resumes it later).")
}
/// Footer separator between key hints.
pub const FOOTER_SEP: &str = "  ";
/// External editor: the program used when neither $VISUAL nor $EDITOR is set.
pub const DEFAULT_EDITOR: &str = "vi";

/// Human name of a pane or binding group.
pub fn context_name(context: Context) -> &'static str {
    match context {
        Context::Global => "Everywhere",
        Context::Navigation => "Lists and text views",
        Context::Schema => "Schema browser",
        Context::Editor => "Query editor",
        Context::Preview => "Preview",
        Context::Summaries => "Summaries",
        Context::Compare => "Compare",
        Context::Popup => "Confirmation and message popups",
        Context::Prompt => "Typing a filter or a name",
        Context::Wizard => "Connection setup",
        Context::Demo => "Demo dashboard",
    }
}

/// What an action does in `context`, as listed in the footer and the help overlay.
pub fn action_label_in(context: Context, action: Action) -> &'static str {
    match (context, action) {
        (Context::Compare, Action::Run) => "compare",
        (Context::Compare, Action::ColumnRight) => "columns",
        (Context::Editor | Context::Preview, Action::Run) => "preview",
        (Context::Wizard, Action::NextPane | Action::Down) => "next field",
        (Context::Wizard, Action::PrevPane | Action::Up) => "previous field",
        (Context::Wizard, Action::Confirm) => "test / continue",
        (Context::Wizard, Action::Deny) => "back",
        (Context::Prompt, Action::Confirm) => "keep",
        (Context::Prompt, Action::Deny) => "cancel",
        _ => action_label(action),
    }
}

/// What an action does, as listed in the footer (short) and the help overlay.
pub fn action_label(action: Action) -> &'static str {
    match action {
        Action::Quit => "quit",
        Action::NextPane => "next pane",
        Action::PrevPane => "previous pane",
        Action::Help => "help",
        Action::Cancel => "cancel request, clear filter",
        Action::Up => "up",
        Action::Down => "down",
        Action::PageUp => "page up",
        Action::PageDown => "page down",
        Action::Top => "top",
        Action::Bottom => "bottom",
        Action::Expand => "expand",
        Action::Collapse => "collapse",
        Action::Toggle => "open/close",
        Action::Filter => "filter",
        Action::InsertName => "insert name",
        Action::Template => "template query",
        Action::Refresh => "refresh",
        Action::Run => "preview (compare in Compare)",
        Action::ExternalEditor => "edit in $EDITOR",
        Action::Undo => "undo",
        Action::Redo => "redo",
        Action::HistoryPrev => "older query",
        Action::HistoryNext => "newer query",
        Action::Rename => "name",
        Action::Create => "create",
        Action::Validate => "validate",
        Action::Rebuild => "rebuild",
        Action::Drop => "drop",
        Action::PauseResume => "pause/continue",
        Action::ResumeBackfill => "resume",
        Action::CancelJob => "stop backfill",
        Action::Compare => "compare",
        Action::Confirm => "yes",
        Action::ConfirmDestructive => "yes, also to drop",
        Action::Deny => "no",
        Action::Setup => "connection setup",
        Action::Guide => "show/hide the guide",
        Action::NextStep => "next step",
        Action::ToggleWrites => "writes on/off",
        Action::Faster => "faster writes",
        Action::Slower => "slower writes",
        Action::NextMix => "next mix of writes",
        Action::Autoplay => "autoplay on/off",
        Action::Dashboard => "demo dashboard / full UI",
        Action::Redraw => "redraw the screen",
        Action::ColumnLeft => "column left",
        Action::ColumnRight => "column right",
        Action::NextDifference => "next difference",
        Action::PrevDifference => "previous difference",
        Action::Export => "export migration",
        Action::Complete => "complete",
        Action::HistorySearch => "search history",
        Action::Tune => "tuning: chunks, max load, lock wait",
        Action::NextField => "next field",
        Action::PrevField => "previous field",
    }
}

/// Status message after a summary was created (or resumed, or rebuilt).
pub fn job_finished(verb: &str, name: &str, rows: u64, secs: f64, lock_ms: f64) -> String {
    let how = crate::lifecycle::narrate::finished(rows, secs, lock_ms);
    format!("{name} {verb}: {how}.")
}

/// Status message after a summary was dropped; `left_alone` are objects named like its own that
/// nothing proves ours, as `kind name`.
pub fn dropped(name: &str, objects: usize, left_alone: &[String]) -> String {
    if left_alone.is_empty() {
        format!("{name} dropped ({objects} objects removed).")
    } else {
        format!(
            "{name} dropped ({objects} objects removed); left alone, not ours: {}.",
            left_alone.join(", ")
        )
    }
}

/// Status message while requests are pending for a long time.
pub fn slow_server(what: &str, secs: u64, cancel_key: &str) -> String {
    format!("The server has not answered for {secs} s ({what}). {cancel_key} cancels.")
}

/// Status message while a request is pending.
pub fn waiting(what: &str) -> String {
    format!("{what}…")
}

/// Summary of a validation.
pub fn validation_verdict(name: &str, exact: bool, groups: u64, differing: u64) -> String {
    if exact {
        format!("{name} is exact: {groups} groups match the query.")
    } else {
        format!("{name} differs from its query in {differing} group(s).")
    }
}

/// Title bar after the connection failed (the status line says why).
pub const TITLE_NOT_CONNECTED: &str = "not connected";

/// Title-bar text of the connection; `failed`: the attempt failed and none is under way.
pub fn connected_to(label: &str, version: Option<&str>, failed: bool) -> String {
    match version {
        Some(v) => format!("{label} · {v}"),
        None if failed => format!("{label} · {TITLE_NOT_CONNECTED}"),
        None => format!("{label} · {CONNECTING}"),
    }
}

/// Description of a rejected query's position.
pub fn at_position(line: u64, column: u64) -> String {
    format!("at line {line}, column {column}")
}

/// Compare pane: the results differ.
pub fn compare_differ(query_rows: usize, summary_rows: usize) -> String {
    format!("results DIFFER ({query_rows} vs {summary_rows} rows)")
}

/// Compare pane: timing of one side.
pub fn compare_timing(rows: usize, ms: f64) -> String {
    format!("{rows} rows · {ms:.1} ms")
}

/// Compare pane: how much faster the summary was.
pub fn speedup(query_ms: f64, summary_ms: f64) -> String {
    if summary_ms > 0.0 {
        format!("summary is {:.1}× faster", query_ms / summary_ms)
    } else {
        String::new()
    }
}

/// Preview: a name the summary would take is taken (`what`: "summary shop.s", "a table or view
/// shop.s", …), said before any confirmation.
pub fn name_clash(what: &str, rename_key: &str) -> String {
    format!("Name taken: {what} already exists, so creating this summary would fail. Choose another name ({rename_key}).")
}

/// Summaries pane: writers' pause.
pub fn writers_paused(ms: f64) -> String {
    format!("writers paused {}", crate::lifecycle::narrate::ms(ms))
}

/// Summaries pane: gauge label; the total is marked `~` while it is the statistics' estimate.
pub fn gauge_label(done: u64, total: u64, exact: bool, percent: f64) -> String {
    let approx = if exact { "" } else { "~" };
    format!("{done}/{approx}{total} rows · {percent:.0}%")
}

/// Summaries pane: a paused backfill.
pub const PAUSED: &str = "PAUSED";

/// A bug surfaced as a panic on a worker thread.
pub fn internal_error(what: &str) -> String {
    format!("internal error: {what} (this is a bug, please report it)")
}

/// The UI needs a terminal.
pub const NOT_A_TERMINAL: &str =
    "the interactive UI needs a terminal; run a command instead (see `lightning --help`)";

/// Status: a job was started.
pub fn job_started(verb: &str, name: &str) -> String {
    format!("{verb} {name}… (progress in Summaries)")
}

/// Validation popup: one differing group.
pub fn difference(key: &str, in_query: bool, in_summary: bool) -> String {
    let what = match (in_query, in_summary) {
        (true, false) => "missing from the summary",
        (false, true) => "not in the query's result",
        _ => "values differ",
    };
    format!("group ({key}): {what}")
}

/// Validation popup: one differing value.
pub fn differing_value(index: usize, query: &str, summary: &str) -> String {
    format!("  value {index}: query {query}, summary {summary}")
}

/// Status: a backfill was stopped.
pub fn backfill_stopped(name: &str, resume_key: &str) -> String {
    format!("{name}: backfill stopped; select it and press {resume_key} to resume.")
}

/// A lock timeout with the TUI's remedy: the key that tries again (the CLI names a flag instead).
pub fn lock_timeout(message: &str, retry_key: &str) -> String {
    format!("{message}; once the long transaction ends, press {retry_key} to try again.")
}

/// Status: a rebuild was stopped before its switch and given up.
pub fn rebuild_stopped(name: &str) -> String {
    format!("{name}: rebuild stopped; readers keep the previous generation, exact.")
}

/// Summaries pane: what a job is doing.
pub fn job_phase(phase: &crate::tui::panes::summaries::JobPhase) -> String {
    use crate::tui::panes::summaries::JobPhase as P;
    match phase {
        P::Starting => "starting".into(),
        P::WaitingForLock { retries: 0 } => "waiting for the table lock".into(),
        P::WaitingForLock { retries } => {
            format!("waiting for the table lock ({retries} attempts so far)")
        }
        P::Backfilling => "backfilling".into(),
        P::Throttled { variable, value } => {
            format!("waiting: the server is loaded ({variable} = {value})")
        }
        P::Finalizing => "finalizing: second brief lock".into(),
        P::Folding => "folding the regions into the summary".into(),
        P::Stopping => "stopping after the current chunk".into(),
    }
}

/// The external editor failed.
pub fn editor_failed(reason: &str) -> String {
    format!("The external editor failed: {reason}")
}

/// Status: the UI has no server yet.
pub const NOT_CONNECTED: &str = "Not connected yet: finish the connection setup first.";
/// The profile cannot be saved: no configuration directory.
pub const NO_CONFIG_DIR: &str = "no configuration directory (is $HOME set?)";
/// Title bar: no server yet.
pub const NO_CONNECTION_LABEL: &str = "not connected";

/// Request descriptions used by the spinner and slow-server message.
pub mod work {
    /// Trying a connection in the wizard.
    pub const DIAGNOSE: &str = "testing the connection";
    /// Connecting to the server.
    pub const CONNECT: &str = "connecting";
    /// Listing databases.
    pub const DATABASES: &str = "listing databases";
    /// Listing tables.
    pub const TABLES: &str = "listing tables";
    /// Reading columns.
    pub const COLUMNS: &str = "reading columns";
    /// Generating the preview.
    pub const PREVIEW: &str = "generating the preview";
    /// Listing summaries.
    pub const SUMMARIES: &str = "listing summaries";
    /// Validating.
    pub const VALIDATE: &str = "validating";
    /// Dropping.
    pub const DROP: &str = "dropping";
    /// Comparing.
    pub const COMPARE: &str = "running the comparison";
    /// Creating.
    pub const CREATE: &str = "creating";
    /// Rebuilding.
    pub const REBUILD: &str = "rebuilding";
    /// Resuming.
    pub const RESUME: &str = "resuming";
}
