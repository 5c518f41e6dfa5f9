//! Texts of the question asked when quitting during a backfill, and of the lines left on the
//! terminal afterwards.

use crate::tui::panes::summaries::JobKind;
use crate::tui::quit::JobStage;

/// Title of the question.
pub const TITLE: &str = "Quit while a backfill runs?";
/// First line of the question (`stop_key` stops a backfill in Summaries).
pub fn intro(stop_key: &str) -> String {
    format!("Quitting stops what this window started after its current chunk, as {stop_key} does; nothing is lost:")
}

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

/// The command that rebuilds `schema.name` again.
fn rebuild_command(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("lightning -D {s} rebuild {name}"),
        None => format!("lightning rebuild {name}"),
    }
}

/// What quitting leaves `schema.name` in and how to continue (`resume_key` resumes in the UI,
/// `rebuild_key` rebuilds).
pub fn left_in(
    kind: JobKind,
    stage: JobStage,
    schema: Option<&str>,
    name: &str,
    (resume_key, rebuild_key): (&str, &str),
) -> Vec<String> {
    let what = qualified(schema, name);
    let resume = format!(
        "Continue with {resume_key} on it in Summaries next time, or run `{}`.",
        resume_command(schema, name)
    );
    match (kind, stage) {
        (_, JobStage::Finishing) => vec![
            format!("{what}: the backfill is complete; only the finishing steps (a brief lock, folding the regions) are left, and resume does them."),
            resume,
        ],
        (JobKind::Rebuild, _) => vec![
            format!("{what}: the rebuild stops and is given up. Readers keep the current generation, exact and maintained."),
            format!(
                "Rebuild again with {rebuild_key} on it in Summaries, or run `{}`.",
                rebuild_command(schema, name)
            ),
        ],
        (JobKind::Create, JobStage::BeforeTriggers) => vec![format!(
            "{what}: its triggers are not live yet (waiting for the table lock): the create stops and removes what it made; nothing is left to resume."
        )],
        (JobKind::Resume, JobStage::BeforeTriggers) => vec![
            format!("{what}: the resume has not taken its table lock yet; the summary stays interrupted as it was, its triggers live."),
            resume,
        ],
        (_, JobStage::Backfilling(p)) => vec![
            format!("{what}: the backfill stops at {p}%. Its triggers stay live and keep every write, but the summary is incomplete (not ready) until the backfill is resumed, from its last checkpoint."),
            resume,
        ],
    }
}

/// Status line while quitting waits for the stopped jobs (`quit_key` quits at once).
pub fn stopping(quit_key: &str) -> String {
    format!("Stopping the backfill after its current chunk, then quitting ({quit_key} again quits at once)…")
}

/// The line printed on the terminal after quitting for a job that stopped when asked.
pub fn stopped(kind: JobKind, stage: JobStage, schema: Option<&str>, name: &str) -> String {
    let what = qualified(schema, name);
    match (kind, stage) {
        (_, JobStage::Finishing) => format!(
            "lightning: the {} of {what} stopped with only the finishing steps left; continue with: {}",
            verb(kind),
            resume_command(schema, name)
        ),
        (JobKind::Rebuild, _) => format!(
            "lightning: the rebuild of {what} was stopped and given up; readers keep the current generation, exact; rebuild again with: {}",
            rebuild_command(schema, name)
        ),
        (JobKind::Create, JobStage::BeforeTriggers) => format!(
            "lightning: the create of {what} was stopped before its triggers went live; nothing of it is left"
        ),
        (JobKind::Resume, JobStage::BeforeTriggers) => format!(
            "lightning: the resume of {what} was stopped before its table lock; continue with: {}",
            resume_command(schema, name)
        ),
        (_, JobStage::Backfilling(p)) => format!(
            "lightning: the {} of {what} was stopped at {p}%, its triggers live; continue with: {}",
            verb(kind),
            resume_command(schema, name)
        ),
    }
}

fn verb(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Create => "create",
        JobKind::Resume => "resume",
        JobKind::Rebuild => "rebuild",
    }
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

/// The line printed on the terminal after quitting for a job that had not stopped when the
/// process ended (it ends as a killed one would).
pub fn farewell(kind: JobKind, stage: JobStage, schema: Option<&str>, name: &str) -> String {
    let what = qualified(schema, name);
    let verb = verb(kind);
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
