//! `lightning doctor`: prints the [`DoctorReport`] as text or JSON.

use std::fmt::Write as _;

use super::output::{paint, print_json, stdout_colours, Colour};
use super::{exit, Ctx};
use crate::db::doctor::grants::Scope;
use crate::db::doctor::{diagnose, Check, DoctorError, DoctorReport, Status};
use crate::lifecycle::list;

/// Details at the end of `lightning doctor --help`.
pub const AFTER_HELP: &str = "\
Reports the server version, the privileges `create` needs on the database given
with -D (SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, CREATE VIEW, TRIGGER,
LOCK TABLES, CREATE TEMPORARY TABLES), binary-log settings that affect creating
triggers, the default transaction isolation and the tables that are not InnoDB;
then the least privileges of each operation, and which the account lacks.

Exit status: 0 ready, 1 something blocks creating summaries, 2 cannot connect.";

/// Arguments of `lightning doctor` (connection flags are global).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DoctorArgs {}

/// Runs the checks; exit code 0 when ready, 1 when something blocks.
pub fn run(ctx: &Ctx, _args: &DoctorArgs) -> anyhow::Result<i32> {
    let config = ctx.config()?;
    let mut report = match diagnose(config) {
        Ok(report) => report,
        // Surface the ConnectError itself so the edge maps it to exit code 2.
        Err(DoctorError::Connect(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    };
    if report.database.is_some() {
        if let Some(check) = summaries_check(ctx) {
            report.checks.push(check);
        }
    }
    if ctx.json() {
        print_json(&report)?;
    } else {
        print!("{}", render(&report, stdout_colours()));
    }
    Ok(if report.ready {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// The summaries of the database that are broken or no longer exact (an ALTER that dropped a
/// column they read, another engine, a lost definer), as `status` words them; `None` when the
/// database has none or they cannot be listed. A warning: it does not stop creating summaries.
fn summaries_check(ctx: &Ctx) -> Option<Check> {
    let reports = list(&ctx.opts().ok()?).ok()?;
    if reports.is_empty() {
        return None;
    }
    let broken: Vec<String> = reports
        .iter()
        .filter(|r| r.broken())
        .map(|r| format!("{}: {}", r.entry.name, r.summary))
        .collect();
    Some(if broken.is_empty() {
        Check {
            name: "summaries",
            status: Status::Ok,
            message: format!("{} summaries, none broken", reports.len()),
        }
    } else {
        Check {
            name: "summaries",
            status: Status::Warning,
            message: broken.join("; "),
        }
    })
}

/// The human-readable report.
pub fn render(report: &DoctorReport, colour: bool) -> String {
    let mut out = String::new();
    let database = report
        .database
        .as_deref()
        .map_or_else(|| "no database".to_string(), |d| format!("database `{d}`"));
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Checking {}, {database}\n", report.target);
    let name_width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for check in &report.checks {
        let (label, tint) = match check.status {
            Status::Ok => ("ok", Colour::Green),
            Status::Warning => ("warning", Colour::Yellow),
            Status::Blocker => ("BLOCKER", Colour::Red),
            Status::Skipped => ("skipped", Colour::Dim),
        };
        let _ = writeln!(
            out,
            "  {}  {:name_width$}  {}",
            paint(&format!("{label:<7}"), tint, colour),
            check.name,
            check.message
        );
    }
    let _ = writeln!(out, "\nLeast privileges:");
    let op_width = report
        .operations
        .iter()
        .map(|o| o.operation.operation.len())
        .max()
        .unwrap_or(0);
    for op in &report.operations {
        let on = match op.operation.scope {
            Scope::Database => "ON db.*",
            Scope::Summary => "ON db.summary",
            Scope::BaseTable => "ON db.table",
        };
        let lacks = match op.missing.as_deref() {
            Some([]) => paint("  (has them)", Colour::Green, colour),
            Some(missing) => paint(
                &format!("  (lacks {})", missing.join(", ")),
                Colour::Yellow,
                colour,
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:op_width$}  {} {on}{lacks}",
            op.operation.operation,
            op.operation.privileges.join(", ")
        );
    }
    let blockers = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Blocker)
        .count();
    let verdict = if report.ready {
        let place = report
            .database
            .as_deref()
            .map_or_else(String::new, |d| format!(" in `{d}`"));
        paint(
            &format!("Ready: summary tables can be created{place}."),
            Colour::Green,
            colour,
        )
    } else {
        let text = match blockers {
            1 => "Not ready: fix the BLOCKER above first.".to_string(),
            n => format!("Not ready: fix the {n} BLOCKERs above first."),
        };
        paint(&text, Colour::Red, colour)
    };
    let _ = writeln!(out, "\n{verdict}");
    out
}
