//! `lightning bench`: runs [`crate::bench`] on a private server and prints the table of ratios
//! (and, with `--json FILE`, writes every figure as JSON).

use std::path::PathBuf;
use std::time::Duration;

use super::output::{print_json, Failure};
use super::{exit, Ctx};
use crate::bench::{self, BenchConfig, Sections};

/// Details at the end of `lightning bench --help`.
pub const AFTER_HELP: &str = "\
Starts a private MariaDB server (durable commits: innodb_flush_log_at_trx_commit=1,
binary log off) and measures, variants interleaved, medians over rounds:
  1.  write throughput without triggers (A), with LightningTables triggers (B)
      and with original-style hand-made triggers (C), ratios B/A and C/A;
  1b. per-statement execution cost and handler counts inside one transaction;
  2.  writers' latency while `create` takes its brief lock on a large table;
  3.  backfill rate against the best single INSERT ... SELECT, with writers;
  4.  read latency of one group and of the whole summary against the query;
  5.  a COUNT(DISTINCT) summary: single-row write latency against no triggers
      and against a COUNT(*) summary, and its reads against the query.
The terminal UI is measured too: `frames`, one frame at 160x48 drawn into a
test backend; `idle`, this binary left alone in a tmux terminal for 30 s
(5 s with --quick) against a private server, its CPU time from /proc.

`--json FILE` also writes every figure to FILE; `--json` alone prints the JSON
instead of the table. A full run takes about 10 minutes, --quick about 3.";

/// Arguments of `lightning bench` (connection flags are not used: it starts its own server).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Shorter measurements and smaller tables (3 rounds of 1 s measurements, 200k rows)
    #[arg(long)]
    pub quick: bool,

    /// Rounds; every figure is the median over rounds (the large-table sections run at most 3) [default: 7, quick 3]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rounds: Option<u32>,

    /// Rows of the large table of the pause, backfill, read and distinct sections [default: 1000000, quick 200000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..))]
    pub rows: Option<u64>,

    /// Initial rows of each write-path table [default: 200000, quick 50000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..))]
    pub table_rows: Option<u64>,

    /// Seconds per write-path measurement (after a short warm-up) [default: 1]
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,

    /// Statements per variant and round in the per-statement cost section [default: 3000, quick 1000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub cost_statements: Option<u64>,

    /// Seconds the long transaction of the pause and backfill sections stays open
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub hold: f64,

    /// innodb_flush_log_at_trx_commit of the private server (1 = durable commits)
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(0..=2))]
    pub flush_log_at_trx_commit: u8,

    /// Also measure the experimental trigger variants in the write-path section
    #[arg(long)]
    pub experiments: bool,

    /// Run only these sections: writes,costs,pause,backfill,reads,distinct,frames,idle
    #[arg(long, value_name = "LIST", value_parser = Sections::parse)]
    pub only: Option<Sections>,

    /// With --json: write the JSON report to FILE (the table still goes to stdout)
    #[arg(value_name = "FILE")]
    pub json_file: Option<PathBuf>,
}

impl BenchArgs {
    /// The benchmark settings these flags describe.
    pub fn config(&self) -> anyhow::Result<BenchConfig> {
        let mut c = BenchConfig::new(self.quick);
        if let Some(r) = self.rounds {
            c.rounds = r as usize;
        }
        if let Some(r) = self.rows {
            c.rows = r;
        }
        if let Some(r) = self.table_rows {
            c.table_rows = r;
        }
        if let Some(d) = self.duration {
            if !(0.05..=600.0).contains(&d) {
                return Err(
                    Failure::new("--duration must be between 0.05 and 600 seconds")
                        .with_code(exit::USAGE)
                        .into(),
                );
            }
            c.duration = Duration::from_secs_f64(d);
            c.warmup = Duration::from_secs_f64((d / 5.0).clamp(0.05, 0.5));
        }
        if !(0.0..=600.0).contains(&self.hold) {
            return Err(Failure::new("--hold must be between 0 and 600 seconds")
                .with_code(exit::USAGE)
                .into());
        }
        c.hold = Duration::from_secs_f64(self.hold);
        if let Some(n) = self.cost_statements {
            c.cost_statements = usize::try_from(n).unwrap_or(usize::MAX);
        }
        c.flush_log_at_trx_commit = self.flush_log_at_trx_commit;
        c.experiments = self.experiments;
        if let Some(s) = self.only {
            c.sections = s;
        }
        Ok(c)
    }
}

/// Runs the benchmark; progress goes to stderr, the table to stdout.
pub fn run(ctx: &Ctx, args: &BenchArgs) -> anyhow::Result<i32> {
    if args.json_file.is_some() && !ctx.json() {
        return Err(
            Failure::new("a FILE argument is only accepted after --json")
                .with_hint("write `lightning bench --json FILE`")
                .with_code(exit::USAGE)
                .into(),
        );
    }
    let config = args.config()?;
    if config.sections.frames {
        // The UI's frame time needs no server: measured first, printed on its own.
        let frames = if config.quick { 500 } else { 3000 };
        for report in crate::tui::frames::run_screens(160, 48, frames)? {
            if ctx.json() {
                // stdout holds the JSON report alone.
                eprint!("  {}", report.render());
            } else {
                print!("{}", report.render());
            }
        }
    }
    if config.sections.idle {
        let seconds = if config.quick { 5 } else { 30 };
        // Measured before the other sections, so no benchmark load runs beside it; a machine
        // without tmux skips it with a line saying so.
        let line = match crate::tui::idle::run(seconds) {
            Ok(report) => report.render(),
            Err(e) => format!("TUI idle: not measured: {e}\n"),
        };
        if ctx.json() {
            eprint!("  {line}");
        } else {
            print!("{line}");
        }
    }
    if (config.sections.frames || config.sections.idle) && !config.sections.need_server() {
        return Ok(exit::OK);
    }
    let mut progress = |line: &str| eprintln!("  {line}");
    let mut report = bench::run(&config, &mut progress)?;
    report.check_targets();
    match (&args.json_file, ctx.json()) {
        (Some(path), _) => {
            let json = report.to_json()?;
            std::fs::write(path, json + "\n")
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            print!("{}", report.render());
            eprintln!("  JSON written to {}", path.display());
        }
        (None, true) => print_json(&report)?,
        (None, false) => print!("{}", report.render()),
    }
    Ok(if report.errors.is_empty() {
        exit::OK
    } else {
        exit::FAILURE
    })
}
