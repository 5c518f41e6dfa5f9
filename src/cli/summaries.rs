//! Commands on existing summaries: `list`, `status [--watch]`, `validate`,
//! `rebuild` and `drop`.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::Duration;

use mysql::prelude::Queryable;
use serde::Serialize;

use super::create::{connection_opts, failure, finish, with_progress, TuningArgs};
use super::output::{paint, print_json, stdout_colours, Colour};
use super::progress::{json_line, ms};
use super::{exit, Ctx};
use crate::db::introspect::prepare_in_mode;
use crate::engine::codegen::GenOptions;
use crate::engine::codegen::Regions;
use crate::engine::ident::quote;
use crate::lifecycle::catalog::{self, Status};
use crate::lifecycle::{self, LifecycleError, StatusReport, ValidationReport};

/// User-visible texts of this module.
mod msg {
    pub const NO_SUMMARIES: &str =
        "No summaries. Create one with `lightning create NAME --query SQL`.";
    pub const NEVER: &str = "never";
    pub const CLEAR_SCREEN: &str = "\x1b[H\x1b[2J";

    /// Why `status --watch` stops on a summary nothing works on.
    pub fn watch_stops(schema: &str, name: &str) -> String {
        format!(
            "Stopped watching: no backfill runs for {schema}.{name}, so nothing changes its status. Continue it with `lightning -D {schema} resume {name}`."
        )
    }
}

/// How often `status --watch` refreshes.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Arguments of `lightning list`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ListArgs {}

/// Arguments of `lightning status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The summary (NAME or DB.NAME)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Refresh every second until the summary is ready (or Ctrl-C)
    #[arg(long)]
    pub watch: bool,
}

/// Arguments of `lightning validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// The summary (NAME or DB.NAME)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Show at most N differing groups
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_diffs: usize,
}

/// Arguments of `lightning rebuild`.
#[derive(Debug, Clone, clap::Args)]
pub struct RebuildArgs {
    /// The summary (NAME or DB.NAME)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Lock and backfill tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Arguments of `lightning drop`.
#[derive(Debug, Clone, clap::Args)]
pub struct DropArgs {
    /// The summary (NAME or DB.NAME)
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// Runs `lightning list`.
pub fn run_list(ctx: &Ctx, _args: &ListArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let reports = lifecycle::list(&opts).map_err(failure)?;
    if ctx.json() {
        print_json(&reports)?;
    } else if reports.is_empty() {
        println!("{}", msg::NO_SUMMARIES);
    } else {
        print!("{}", render_list(&reports));
    }
    Ok(exit::OK)
}

/// The `list` table. Names are qualified only when several databases show.
pub fn render_list(reports: &[StatusReport]) -> String {
    let qualify = reports
        .iter()
        .any(|r| r.entry.schema != reports[0].entry.schema);
    let mut rows = vec![[
        "NAME",
        "TABLE",
        "STATUS",
        "PROGRESS",
        "ROWS",
        "LOCK",
        "LAST VALIDATED",
    ]
    .map(String::from)];
    for r in reports {
        let e = &r.entry;
        let name = if qualify {
            format!("{}.{}", e.schema, e.name)
        } else {
            e.name.clone()
        };
        rows.push([
            name,
            e.base_table.clone(),
            short_status(r),
            format!("{:.0}%", percent(r)),
            e.rows_total.to_string(),
            e.lock_ms.map_or_else(|| "-".to_string(), ms),
            validated(r),
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

/// Status word with what needs attention.
fn short_status(r: &StatusReport) -> String {
    if r.broken() {
        "BROKEN".into()
    } else if r.base_altered {
        "STALE".into()
    } else if (r.entry.status == Status::Backfilling || r.entry.status == Status::Rebuilding)
        && !r.backfill_running
    {
        "interrupted".into()
    } else {
        r.entry.status.to_string()
    }
}

fn percent(r: &StatusReport) -> f64 {
    let e = &r.entry;
    if e.status == Status::Ready {
        100.0
    } else if e.rows_total == 0 {
        0.0
    } else {
        (e.rows_done as f64 * 100.0 / e.rows_total as f64).min(100.0)
    }
}

/// The checkpoint line: regions committed, or, without regions, "complete" only when the
/// summary is ready (an interrupted or young backfill has no regions recorded either).
fn checkpoint(r: &StatusReport) -> String {
    let e = &r.entry;
    match e.regions.as_deref().and_then(Regions::from_json) {
        Some(regions) => format!(
            "{} of {} regions committed ({} rows); resume continues after it",
            e.checkpoint,
            regions.count(),
            e.checkpoint_rows
        ),
        None if e.status == Status::Ready => "none (backfill complete)".into(),
        None => "none recorded".into(),
    }
}

/// `2024-05-01 10:00:00 (exact)` or `never`.
fn validated(r: &StatusReport) -> String {
    match (&r.entry.last_validated_at, &r.entry.last_validation) {
        (Some(at), Some(v)) => format!("{} ({v})", seconds(at)),
        (Some(at), None) => seconds(at),
        _ => msg::NEVER.into(),
    }
}

/// Drops the microseconds of a DATETIME(6) rendering.
/// A catalog time to the second. The lifecycle writes them in UTC.
fn seconds(ts: &str) -> String {
    format!("{} UTC", ts.split('.').next().unwrap_or(ts))
}

/// Runs `lightning status`.
pub fn run_status(ctx: &Ctx, args: &StatusArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let (schema, name) = lifecycle::locate(&opts, &args.name).map_err(failure)?;
    let redraw = args.watch && !ctx.json() && std::io::stdout().is_terminal();
    loop {
        let report = lifecycle::status(&opts, &schema, &name).map_err(failure)?;
        if ctx.json() && args.watch {
            // One line per refresh so a reader can follow along.
            json_line(&report);
        } else if ctx.json() {
            print_json(&report)?;
        } else {
            if redraw {
                print!("{}", msg::CLEAR_SCREEN);
            }
            print!("{}", render_status(&report, stdout_colours()));
        }
        if !args.watch || settled(&report) {
            if args.watch && interrupted(&report) {
                // Watching ends without the summary being ready: say why, and what goes on.
                eprintln!("{}", msg::watch_stops(&schema, &name));
            }
            return Ok(exit::OK);
        }
        if !redraw && !ctx.json() {
            println!();
        }
        std::thread::sleep(WATCH_EVERY);
    }
}

/// Whether the summary waits for a resume: neither ready nor failed, and nothing runs.
fn interrupted(r: &StatusReport) -> bool {
    !matches!(r.entry.status, Status::Ready | Status::Failed) && !r.backfill_running
}

/// Whether watching can stop: nothing is running that would change the status.
fn settled(r: &StatusReport) -> bool {
    r.entry.status == Status::Ready || r.entry.status == Status::Failed || !r.backfill_running
}

/// Every field of a status report in plain words.
pub fn render_status(r: &StatusReport, colour: bool) -> String {
    let e = &r.entry;
    let tint = if r.summary.starts_with("ready") {
        Colour::Green
    } else if r.summary.starts_with("BROKEN") || r.summary.starts_with("STALE") {
        Colour::Red
    } else {
        Colour::Yellow
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut lines: Vec<(&str, String)> = vec![
        ("Summary", format!("{}.{}", e.schema, e.name)),
        ("Verdict", paint(&r.summary, tint, colour)),
        ("Base table", format!("{}.{}", e.schema, e.base_table)),
        ("Query", super::output::one_line(&e.query)),
        (
            "Status",
            format!(
                "{} (generation {}, {} writer slot{})",
                e.status,
                e.generation,
                e.slots,
                if e.slots == 1 { "" } else { "s" }
            ),
        ),
        (
            "Backfill",
            format!(
                "{} of {} rows ({:.1}%), {:.0} rows/s, last chunk size {}",
                e.rows_done,
                e.rows_total,
                percent(r),
                e.rate,
                e.chunk_size
            ),
        ),
        ("Checkpoint", checkpoint(r)),
        ("Backfill running now", yes_no(r.backfill_running).into()),
        ("Triggers", triggers(r)),
        ("Access", access(r)),
        ("Base table altered", yes_no(r.base_altered).into()),
        ("Groups", groups(r)),
        ("State size", bytes(r.size_bytes)),
        (
            "Writers' pause",
            match (e.lock_ms, e.lock_wait_ms) {
                (Some(l), Some(w)) => format!("{} (after waiting {} for the lock)", ms(l), ms(w)),
                (Some(l), None) => ms(l),
                _ => "not locked yet".into(),
            },
        ),
        ("Created", seconds(&e.created_at)),
        ("Updated", seconds(&e.updated_at)),
        (
            "Ready since",
            e.ready_at.as_deref().map_or_else(|| "-".into(), seconds),
        ),
        ("Last validated", validated(r)),
    ];
    // A summary over a join depends on every table its triggers are on.
    if r.tables.len() > 1 {
        lines.insert(3, ("Tables", r.tables.join(", ")));
    }
    // The connection recorded as the owner is only meaningful while its backfill runs.
    if let Some(owner) = e.owner.filter(|_| r.backfill_running) {
        lines.push(("Backfill connection", owner.to_string()));
    }
    if let Some(err) = &e.error {
        lines.push(("Last error", super::output::one_line(err)));
    }
    if let Some(how) = &r.maintained_by {
        lines.push(("Replication", how.clone()));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in lines {
        let _ = writeln!(out, "{k:<width$}  {v}");
    }
    out
}

/// The status report's triggers line.
fn triggers(r: &StatusReport) -> String {
    if let Some(d) = &r.missing_definer {
        format!("present, but their definer {d} no longer exists: writes to the base table fail")
    } else if r.triggers_present {
        "all three present".into()
    } else {
        "MISSING: changes to the base table are not applied".into()
    }
}

/// The status report's groups line: what a reader gets, or why reading failed.
fn groups(r: &StatusReport) -> String {
    match (r.groups, &r.read_error) {
        (Some(g), _) => g.to_string(),
        (None, Some(e)) => format!(
            "unknown: reading the summary failed ({})",
            super::output::one_line(e)
        ),
        (None, None) => "unknown".into(),
    }
}

/// How the summary is read: as whom, and what a reader needs.
fn access(r: &StatusReport) -> String {
    let name = format!("{}.{}", r.entry.schema, r.entry.name);
    let definer = r.view_definer.as_deref().unwrap_or("?");
    match r.view_security.as_deref() {
        None => "MISSING: the view does not exist".into(),
        Some("DEFINER") => match &r.missing_view_definer {
            Some(d) => format!(
                "reads as {d}, an account that no longer exists: every read fails"
            ),
            None => format!(
                "SQL SECURITY DEFINER, reads as {definer}: GRANT SELECT ON {name} is all a reader needs"
            ),
        },
        Some(other) => format!(
            "SQL SECURITY {other}: readers also need SELECT on the state tables; rebuild makes it DEFINER"
        ),
    }
}

/// `512 B`, `64.0 KiB`, `3.2 MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Runs `lightning validate`; exit 1 on any difference or problem.
pub fn run_validate(ctx: &Ctx, args: &ValidateArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let (schema, name) = lifecycle::locate(&opts, &args.name).map_err(failure)?;
    let report = lifecycle::validate(&opts, &schema, &name, args.max_diffs).map_err(failure)?;
    let good = report.exact && report.problems.is_empty();
    if ctx.json() {
        print_json(&report)?;
    } else {
        let labels = labels(ctx, &schema, &name);
        print!("{}", render_validation(&report, &labels, stdout_colours()));
    }
    Ok(if good { exit::OK } else { exit::FAILURE })
}

/// Names of the group keys and aggregates, to label differences.
#[derive(Debug, Default)]
pub struct Labels {
    /// Group key expressions.
    pub keys: Vec<String>,
    /// Aggregate calls, e.g. `SUM(amount)`.
    pub aggregates: Vec<String>,
}

/// Best effort: re-analyses the summary's query; on any failure differences
/// are labelled by position instead.
fn labels(ctx: &Ctx, schema: &str, name: &str) -> Labels {
    let Ok(mut conn) = ctx.connect() else {
        return Labels::default();
    };
    let Ok(Some(entry)) = catalog::get(&mut conn, schema, name) else {
        return Labels::default();
    };
    // The query may name its table unqualified: read it in the summary's database.
    if conn.query_drop(format!("USE {}", quote(schema))).is_err() {
        return Labels::default();
    }
    let Ok(prepared) = prepare_in_mode(
        &mut conn,
        &entry.query,
        entry.query_mode(),
        name,
        GenOptions::default(),
    ) else {
        return Labels::default();
    };
    let a = &prepared.analysis;
    Labels {
        keys: a.keys.iter().map(|k| k.expr.to_string()).collect(),
        aggregates: a.aggregates.iter().map(|g| g.call_sql()).collect(),
    }
}

/// The validation verdict, differing groups and problems.
pub fn render_validation(r: &ValidationReport, labels: &Labels, colour: bool) -> String {
    let mut out = String::new();
    let what = format!("{}.{}", r.schema, r.name);
    if r.differing_groups == 0 {
        let _ = writeln!(
            out,
            "{}",
            paint(
                &format!("{what} is exact: {} groups match the query.", r.groups),
                Colour::Green,
                colour
            )
        );
    } else {
        let _ = writeln!(
            out,
            "{}",
            paint(
                &format!(
                    "{what} differs from its query in {} group(s) ({} groups in the summary):",
                    r.differing_groups, r.groups
                ),
                Colour::Red,
                colour
            )
        );
    }
    for d in &r.differences {
        let key = if d.key.is_empty() {
            "the single group".to_string()
        } else {
            let parts: Vec<String> = d
                .key
                .iter()
                .enumerate()
                .map(|(i, v)| match labels.keys.get(i) {
                    Some(k) => format!("{k} = {v}"),
                    None => v.clone(),
                })
                .collect();
            format!("group {}", parts.join(", "))
        };
        let _ = writeln!(out, "  {key}: {}", presence(d));
        for (i, q, s) in &d.values {
            let agg = labels
                .aggregates
                .get(*i)
                .cloned()
                .unwrap_or_else(|| format!("aggregate #{}", i + 1));
            let _ = writeln!(out, "      {agg}: query {q}, summary {s}");
        }
    }
    let shown = r.differences.len() as u64;
    if r.differing_groups > shown {
        let _ = writeln!(
            out,
            "  … and {} more (raise --max-diffs to see them)",
            r.differing_groups - shown
        );
    }
    for p in &r.problems {
        let _ = writeln!(out, "{} {p}", paint("problem:", Colour::Red, colour));
    }
    if r.differing_groups > 0 {
        let _ = writeln!(
            out,
            "Run `lightning rebuild {}` to recompute it online.",
            r.name
        );
    }
    out
}

/// Words for where a differing group is present.
fn presence(d: &lifecycle::Difference) -> &'static str {
    match (d.in_query, d.in_summary) {
        (true, false) => "missing from the summary",
        (false, true) => "in the summary but not in the query's result",
        _ => "values differ",
    }
}

/// Runs `lightning rebuild`.
pub fn run_rebuild(ctx: &Ctx, args: &RebuildArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let (schema, name) = lifecycle::locate(&opts, &args.name).map_err(failure)?;
    let options = args.tuning.options(None);
    let report = with_progress(ctx, |control, on_event| {
        lifecycle::rebuild(&opts, &schema, &name, &options, control, on_event)
    })
    .map_err(failure)?;
    finish(ctx, &report, "rebuilt")
}

/// `drop --json` output.
#[derive(Debug, Serialize)]
struct Dropped {
    schema: Option<String>,
    name: String,
    /// Whether the catalog had the summary.
    existed: bool,
    dropped: Vec<String>,
    /// Objects named like the summary's that nothing proves ours: not dropped.
    left_alone: Vec<lifecycle::LeftAlone>,
}

/// Runs `lightning drop`; dropping a missing summary is not an error, and removes only
/// leftovers that carry proof they are LightningTables'.
pub fn run_drop(ctx: &Ctx, args: &DropArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let (schema, name) = match lifecycle::locate(&opts, &args.name) {
        Ok((s, n)) => (Some(s), n),
        Err(LifecycleError::NotFound(n)) => (None, n),
        Err(e) => return Err(failure(e)),
    };
    let report = match &schema {
        Some(s) => lifecycle::drop_summary(&opts, s, &name).map_err(failure)?,
        None => lifecycle::DropReport::default(),
    };
    let out = Dropped {
        existed: report.cataloged,
        schema,
        name,
        dropped: report.dropped,
        left_alone: report.left_alone,
    };
    if ctx.json() {
        print_json(&out)?;
    } else {
        print!("{}", render_drop(&out));
    }
    Ok(exit::OK)
}

/// What `drop` did, in words: the summary, or the lack of one, then what was left alone.
fn render_drop(out: &Dropped) -> String {
    let what = match &out.schema {
        Some(s) => format!("{s}.{}", out.name),
        None => out.name.clone(),
    };
    let mut text = String::new();
    if out.existed {
        let _ = writeln!(text, "Dropped {what}: {}.", out.dropped.join(", "));
    } else if out.dropped.is_empty() {
        let _ = writeln!(text, "No summary {what} in the catalog; nothing to drop.");
    } else {
        let _ = writeln!(
            text,
            "No summary {what} in the catalog; removed leftovers that carry LightningTables' marks: {}.",
            out.dropped.join(", ")
        );
    }
    for l in &out.left_alone {
        let _ = writeln!(
            text,
            "Left alone {}, not LightningTables': {}.",
            l.object, l.reason
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: Status, running: bool) -> StatusReport {
        StatusReport {
            entry: crate::lifecycle::catalog::Entry {
                schema: "shop".into(),
                name: "s".into(),
                base_table: "orders".into(),
                query: "SELECT a, COUNT(*) AS n FROM orders GROUP BY a".into(),
                status,
                generation: 2,
                slots: 1,
                rows_done: 228,
                rows_total: 1000,
                chunk_size: 50,
                rate: 10.0,
                lock_ms: Some(1.0),
                lock_wait_ms: Some(0.1),
                base_fingerprint: String::new(),
                owner: Some(4711),
                error: None,
                created_at: "2025-01-01 00:00:00".into(),
                updated_at: "2025-01-01 00:00:00".into(),
                ready_at: None,
                last_validated_at: None,
                last_validation: None,
                regions: None,
                checkpoint: 0,
                checkpoint_rows: 0,
                sql_mode: None,
            },
            triggers_present: true,
            tables: vec!["orders".into()],
            backfill_running: running,
            base_altered: false,
            base_missing: false,
            missing_columns: Vec::new(),
            base_engine: Some("InnoDB".into()),
            missing_definer: None,
            view_present: true,
            view_security: None,
            view_definer: None,
            missing_view_definer: None,
            groups: None,
            read_error: None,
            size_bytes: 0,
            summary: "backfilling".into(),
            maintained_by: None,
        }
    }

    #[test]
    fn status_claims_a_complete_backfill_and_its_connection_only_when_true() {
        // Interrupted at 22.8 %: no regions recorded, nothing runs.
        let text = render_status(&report(Status::Backfilling, false), false);
        assert!(!text.contains("backfill complete"), "{text}");
        assert!(text.contains("none recorded"), "{text}");
        assert!(!text.contains("4711"), "an ended job's connection: {text}");
        // Running: its connection is shown.
        let text = render_status(&report(Status::Backfilling, true), false);
        assert!(
            text.contains("Backfill connection") && text.contains("4711"),
            "{text}"
        );
        // Ready: the backfill is complete.
        let text = render_status(&report(Status::Ready, false), false);
        assert!(text.contains("none (backfill complete)"), "{text}");
    }

    #[test]
    fn watching_an_interrupted_summary_stops_and_says_why() {
        let idle = report(Status::Backfilling, false);
        assert!(settled(&idle) && interrupted(&idle));
        let running = report(Status::Backfilling, true);
        assert!(!settled(&running) && !interrupted(&running));
        let ready = report(Status::Ready, false);
        assert!(settled(&ready) && !interrupted(&ready));
        let why = msg::watch_stops("shop", "s");
        assert!(why.contains("no backfill runs") && why.contains("lightning -D shop resume s"));
    }

    #[test]
    fn sizes_and_times() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(65536), "64.0 KiB");
        assert_eq!(
            seconds("2024-05-01 10:00:00.123456"),
            "2024-05-01 10:00:00 UTC"
        );
    }
}
