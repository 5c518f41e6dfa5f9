//! Texts of the question asked when quitting during a backfill, and of the lines left on the
//! terminal afterwards.

use crate::tui::panes::summaries::JobKind;
use crate::tui::quit::JobStage;

/// Title of the question.
pub const TITLE: &str = "Quit while a backfill runs?";
/// First line of the question.
pub const INTRO: &str =
    "Quitting stops what this window started, as a killed process would; nothing is lost:";

/// `schema.name`, or the name alone when the database is not known.
fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    }
}

/// The command that continues the job.
pub fn resume_command(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("lightning -D {s} resume {name}"),
        None => format!("lightning resume {name}"),
    }
}

/// What quitting leaves `schema.name` in and how to continue (`resume_key` resumes in the UI).
pub fn left_in(
    kind: JobKind,
    stage: JobStage,
    schema: Option<&str>,
    name: &str,
    resume_key: &str,
) -> Vec<String> {
    let what = qualified(schema, name);
    let command = resume_command(schema, name);
    let continue_with =
        format!("Continue with {resume_key} on it in Summaries next time, or run `{command}`.");
    let state = match (kind, stage) {
        (_, JobStage::Finishing) => format!(
            "{what}: the backfill is complete; only the finishing steps (a brief lock, folding the regions) are left, and resume does them."
        ),
        (JobKind::Rebuild, JobStage::Backfilling(p)) => format!(
            "{what}: the rebuild stops at {p}%. Readers keep the current generation, exact and maintained; the new one stays part-built until resumed (from its last checkpoint)."
        ),
        (JobKind::Rebuild, JobStage::BeforeTriggers) => format!(
            "{what}: the rebuild has not taken its table lock yet. Readers keep the current generation, exact and maintained; resume starts the rebuild again."
        ),
        (JobKind::Create, JobStage::BeforeTriggers) => format!(
            "{what}: its triggers are not live yet (waiting for the table lock). It is left unfinished and holds nothing; resume starts it over, drop removes it."
        ),
        (JobKind::Resume, JobStage::BeforeTriggers) => format!(
            "{what}: the resume has not taken its table lock yet; the summary stays interrupted as it was, its triggers live."
        ),
        (_, JobStage::Backfilling(p)) => format!(
            "{what}: the backfill stops at {p}%. Its triggers stay live and keep every write, but the summary is incomplete (not ready) until the backfill is resumed, from its last checkpoint."
        ),
    };
    vec![state, continue_with]
}

/// The question's last line.
pub fn question(yes_key: &str, no_key: &str) -> String {
    format!("Press {yes_key} to quit anyway, {no_key} to stay.")
}

/// Status when the confirm key answers the quit question.
pub fn needs_yes(confirm_key: &str, yes_key: &str, no_key: &str) -> String {
    format!(
        "{confirm_key} does not quit during a backfill: press {yes_key} to quit, {no_key} to stay"
    )
}

/// The line printed on the terminal after quitting for a job that was still running.
pub fn farewell(kind: JobKind, stage: JobStage, schema: Option<&str>, name: &str) -> String {
    let what = qualified(schema, name);
    let verb = match kind {
        JobKind::Create => "create",
        JobKind::Resume => "resume",
        JobKind::Rebuild => "rebuild",
    };
    let at = match stage {
        JobStage::BeforeTriggers => "before its table lock".to_string(),
        JobStage::Backfilling(p) => format!("at {p}%"),
        JobStage::Finishing => "with only the finishing steps left".to_string(),
    };
    let readers = if kind == JobKind::Rebuild {
        " (readers keep the current generation, exact)"
    } else {
        ""
    };
    format!(
        "lightning: the {verb} of {what} was interrupted {at}{readers}; continue with: {}",
        resume_command(schema, name)
    )
}
