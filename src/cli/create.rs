//! `lightning create` and `lightning resume`, plus what every long-running
//! summary operation shares (also used by `rebuild`): the tuning flags, the
//! progress display with Ctrl-C cancellation, and the final report.

use serde::Serialize;

use super::output::Failure;
use super::preview::{engine_error, report_rejection, QuerySource};
use super::progress::{cancel_on_interrupt, json_line, ms, Mode, ProgressView};
use super::{exit, Ctx};
use crate::lifecycle::tuning::{self, Tuning};
use crate::lifecycle::{self, Control, CreateOptions, CreateReport, Event, LifecycleError};

/// User-visible texts of this module.
mod msg {
    pub const NOT_FOUND_HINT: &str = "`lightning list` shows the summaries; write db.name when the database is not selected with -D";
    pub const LOCK_TIMEOUT_HINT: &str = "retry later or raise --max-lock-wait";

    /// How to finish a cancelled backfill.
    pub fn resume_hint(name: &str) -> String {
        format!("run `lightning resume {name}` to finish the backfill")
    }
}

/// Lock and backfill tuning shared by `create`, `resume` and `rebuild`.
#[derive(Debug, Clone, clap::Args)]
pub struct TuningArgs {
    /// Longest wait for the brief table lock, per attempt, in milliseconds (writers queue
    /// behind the request meanwhile, so keep it short)
    #[arg(long, value_name = "MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(tuning::LOCK_WAIT_MS))]
    pub max_lock_wait: u64,

    /// Lock attempts before giving up (nothing is left behind then)
    #[arg(long, value_name = "N", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub lock_attempts: u32,

    /// Backfill this many rows per chunk [default: adaptive, about 200 ms per chunk]
    #[arg(long, value_name = "N", conflicts_with = "chunk_time",
          value_parser = clap::value_parser!(u64).range(tuning::CHUNK_ROWS))]
    pub chunk_size: Option<u64>,

    /// Size chunks adaptively so that each takes about MS milliseconds
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(tuning::CHUNK_TIME_MS))]
    pub chunk_time: Option<u64>,

    /// Pause the backfill while a global status variable is above N, e.g. Threads_running=50
    #[arg(long, value_name = "VAR=N", value_parser = tuning::parse_max_load)]
    pub max_load: Option<(String, u64)>,

    /// Checkpoint regions: an interrupted backfill resumes after the last committed one
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub checkpoints: u16,

    /// Least seconds between checkpoints (the regions read meanwhile are written together)
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub checkpoint_every: u64,
}

impl TuningArgs {
    /// The lifecycle options these flags describe (`slots` as given).
    pub fn options(&self, slots: Option<u16>) -> CreateOptions {
        // The same tuning, and the same bounds, as the TUI's confirmation.
        let tuning = Tuning {
            chunk_rows: self.chunk_size,
            chunk_time_ms: self.chunk_time,
            max_load: self.max_load.clone(),
            lock_wait_ms: Some(self.max_lock_wait),
        };
        tuning.apply(CreateOptions {
            lock_attempts: self.lock_attempts,
            slots,
            checkpoints: self.checkpoints,
            checkpoint_every: std::time::Duration::from_secs(self.checkpoint_every),
            ..CreateOptions::default()
        })
    }
}

/// Arguments of `lightning create`.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// Name of the summary (a view in the base table's database)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The query.
    #[command(flatten)]
    pub source: QuerySource,

    /// Lock and backfill tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,

    /// State rows per group that concurrent writers spread over [default: 1, or 16 without GROUP BY]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub slots: Option<u16>,
}

/// Arguments of `lightning resume`.
#[derive(Debug, Clone, clap::Args)]
pub struct ResumeArgs {
    /// The interrupted summary (NAME or DB.NAME)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Lock and backfill tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Details at the end of `lightning create --help`.
pub const CREATE_AFTER_HELP: &str = "\
Writers to the base table wait only for a brief lock while the triggers are
installed (reported as \"writes were paused for N ms\"); the existing rows are
then added in chunks from a consistent snapshot. Ctrl-C stops after the current
chunk and keeps the summary resumable: `lightning resume NAME` finishes it.";

/// Runs `lightning create`.
pub fn run_create(ctx: &Ctx, args: &CreateArgs) -> anyhow::Result<i32> {
    let query = args.source.read()?;
    let opts = connection_opts(ctx)?;
    let options = args.tuning.options(args.slots);
    let result = with_progress(ctx, |control, on_event| {
        lifecycle::create(&opts, &args.name, &query, &options, control, on_event)
    });
    match result {
        Ok(report) => finish(ctx, &report, "created"),
        Err(e) => match engine_error(&e) {
            Some(engine) => Ok(report_rejection(&query, engine, ctx.json())),
            None => Err(failure(e)),
        },
    }
}

/// Runs `lightning resume`.
pub fn run_resume(ctx: &Ctx, args: &ResumeArgs) -> anyhow::Result<i32> {
    let opts = connection_opts(ctx)?;
    let (schema, name) = lifecycle::locate(&opts, &args.name).map_err(failure)?;
    let options = args.tuning.options(None);
    let report = with_progress(ctx, |control, on_event| {
        lifecycle::resume(&opts, &schema, &name, &options, control, on_event)
    })
    .map_err(failure)?;
    finish(ctx, &report, "resumed")
}

/// Connects once with the resolved settings, so that connection problems are
/// reported (exit code 2) before any work starts, and returns the driver
/// options the lifecycle opens its own connections with.
pub fn connection_opts(ctx: &Ctx) -> anyhow::Result<mysql::Opts> {
    drop(ctx.connect()?);
    ctx.opts()
}

/// Test-only: set to an event name (`prepared`, `locked`, `checkpoint`, `done`, `finalized`, ...
/// as in `--json` output), the process stops for good at the first such event, after showing it,
/// and waits to be killed. Tests use it to SIGKILL a `lightning` process at an exact step of the
/// lifecycle (a timed kill could land anywhere).
pub const FREEZE_AT_ENV: &str = "LIGHTNING_TEST_FREEZE_AT";

/// The `event` tag of `event` in JSON output.
fn event_name(event: &Event) -> Option<String> {
    let value = serde_json::to_value(event).ok()?;
    value.get("event")?.as_str().map(str::to_string)
}

/// Runs a long operation with the progress display and Ctrl-C cancellation.
pub fn with_progress<F>(ctx: &Ctx, operation: F) -> Result<CreateReport, LifecycleError>
where
    F: FnOnce(&Control, &mut dyn FnMut(Event)) -> Result<CreateReport, LifecycleError>,
{
    let control = Control::new();
    let mut view = ProgressView::new(Mode::detect(ctx.json()));
    let guard = cancel_on_interrupt(&control, view.notifier());
    let freeze_at = std::env::var(FREEZE_AT_ENV).ok().filter(|v| !v.is_empty());
    let result = operation(&control, &mut |event| {
        let freeze = freeze_at.is_some() && event_name(&event) == freeze_at;
        view.on_event(event);
        if freeze {
            // Holds whatever the lifecycle holds at this step until the test kills us.
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    });
    drop(guard);
    view.finish();
    result
}

/// The final line of `--json` output.
#[derive(Serialize)]
struct Outcome<'a> {
    /// Always `"result"`, after the event lines.
    event: &'static str,
    /// What happened: `created`, `resumed`, `rebuilt`.
    outcome: &'a str,
    #[serde(flatten)]
    report: &'a CreateReport,
}

/// Prints the outcome of a finished operation (`what`: created / resumed /
/// rebuilt) and returns exit code 0.
pub fn finish(ctx: &Ctx, report: &CreateReport, what: &str) -> anyhow::Result<i32> {
    if ctx.json() {
        json_line(&Outcome {
            event: "result",
            outcome: what,
            report,
        });
    } else {
        // Both pauses writers saw: the lock that installed the triggers and, with checkpoints,
        // the one that swapped them for the plain ones at the end.
        let paused = match &report.finalize {
            Some(end) => format!(
                "{} at the start and {} at the end",
                ms(report.lock.lock_ms),
                ms(end.lock_ms)
            ),
            None => ms(report.lock.lock_ms),
        };
        println!(
            "Summary {}.{} {what} and ready: {} rows backfilled in {:.1} s; writes were paused for {paused}.",
            report.schema,
            report.name,
            report.rows,
            report.backfill_secs,
        );
    }
    Ok(exit::OK)
}

/// A lifecycle error as the user sees it, with the CLI's own hint where one helps (the
/// lifecycle names no flag or command: the TUI gives its keys instead).
pub fn failure(err: LifecycleError) -> anyhow::Error {
    let failure = Failure::new(err.to_string());
    match hint(&err) {
        Some(h) => failure.with_hint(h).into(),
        None => failure.into(),
    }
}

/// The CLI's hint for a lifecycle error, in terms of its commands and flags.
pub fn hint(err: &LifecycleError) -> Option<String> {
    match err {
        LifecycleError::NotFound(_) => Some(msg::NOT_FOUND_HINT.to_string()),
        LifecycleError::LockTimeout { .. } => Some(msg::LOCK_TIMEOUT_HINT.to_string()),
        LifecycleError::Cancelled(name) => Some(msg::resume_hint(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::tuning::parse_max_load;
    use crate::lifecycle::ChunkPolicy;

    #[test]
    fn lifecycle_errors_get_the_cli_hints() {
        let lock = LifecycleError::LockTimeout {
            table: "t".into(),
            attempts: 3,
            wait_ms: 100,
        };
        assert!(!lock.to_string().contains("--"), "{lock}");
        assert_eq!(hint(&lock).as_deref(), Some(msg::LOCK_TIMEOUT_HINT));
        let cancelled = LifecycleError::Cancelled("ev".into());
        assert!(!cancelled.to_string().contains("lightning"), "{cancelled}");
        assert!(hint(&cancelled).is_some_and(|h| h.contains("lightning resume ev")));
    }

    #[test]
    fn max_load_parses() {
        assert_eq!(
            parse_max_load("Threads_running=50"),
            Ok(("Threads_running".to_string(), 50))
        );
        assert!(parse_max_load("Threads_running").is_err());
        assert!(parse_max_load("x y=1").is_err());
        assert!(parse_max_load("T=-1").is_err());
    }

    #[test]
    fn chunk_flags_choose_the_policy() {
        let t = TuningArgs {
            max_lock_wait: 3,
            lock_attempts: 2,
            chunk_size: Some(50),
            chunk_time: None,
            max_load: None,
            checkpoints: 8,
            checkpoint_every: 0,
        };
        let o = t.options(Some(4));
        assert_eq!(o.chunk, ChunkPolicy::Fixed(50));
        assert_eq!(
            (o.max_lock_wait, o.lock_attempts, o.slots),
            (std::time::Duration::from_millis(3), 2, Some(4))
        );
        let t = TuningArgs {
            chunk_size: None,
            chunk_time: Some(500),
            ..t
        };
        assert!(matches!(
            t.options(None).chunk,
            ChunkPolicy::Adaptive { target, .. } if target.as_millis() == 500
        ));
    }
}
