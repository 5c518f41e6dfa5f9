//! Command-line front end.
//!
//! Adding a subcommand `foo`:
//! 1. write `src/cli/foo.rs` with `#[derive(clap::Args)] pub struct FooArgs`
//!    and `pub fn run(ctx: &Ctx, args: &FooArgs) -> anyhow::Result<i32>`;
//! 2. add `pub mod foo;` below;
//! 3. add a documented variant `Foo(foo::FooArgs)` to [`Command`];
//! 4. add the arm `Command::Foo(args) => foo::run(ctx, args),` to [`dispatch`].
//!
//! Commands get the connection from [`Ctx::connect`] / [`Ctx::config`],
//! check [`Ctx::json`] for `--json`, return an exit code from [`exit`], and
//! return errors (a [`output::Failure`] when they want a hint or a specific
//! exit code); the edge prints them as `error: ...` lines.

pub mod args;
pub mod bench;
pub mod create;
pub mod demo;
pub mod doctor;
pub mod highlight;
pub mod output;
pub mod preview;
pub mod progress;
pub mod summaries;

use std::cell::OnceCell;

use clap::Subcommand;

pub use args::Cli;

use crate::db::connect::connect;
use crate::db::options::{ConnectionConfig, DbUrl, OptionsError, Password, REDACTED};

/// Process exit codes, the one place they are defined.
pub mod exit {
    /// Success; for `doctor`, "ready".
    pub const OK: i32 = 0;
    /// The command failed (or, for `doctor`, something blocks summaries).
    pub const FAILURE: i32 = 1;
    /// Could not connect to the server, or the connection options are wrong.
    pub const CONNECTION: i32 = 2;
    /// The command line could not be parsed (clap's convention).
    pub const USAGE: i32 = 2;
}

/// The subcommands of `lightning`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that the server and this account are ready for summary tables
    #[command(after_help = doctor::AFTER_HELP)]
    Doctor(doctor::DoctorArgs),
    /// Show everything a summary of a query would create, without changing anything
    Preview(preview::PreviewArgs),
    /// Create a summary online: brief lock, then a chunked backfill
    #[command(after_help = create::CREATE_AFTER_HELP)]
    Create(create::CreateArgs),
    /// Finish the backfill of an interrupted summary or rebuild
    Resume(create::ResumeArgs),
    /// List the summaries of the database (or of all databases without -D)
    List(summaries::ListArgs),
    /// Show a summary's state and backfill progress
    Status(summaries::StatusArgs),
    /// Compare a summary with its query, group by group (exit 1 on any difference)
    Validate(summaries::ValidateArgs),
    /// Recompute a summary online into a new generation
    Rebuild(summaries::RebuildArgs),
    /// Remove a summary's view, triggers and state tables (a missing one is fine)
    Drop(summaries::DropArgs),
    /// A guided demo on a private server: load data, write, create summaries online, compare
    #[command(after_help = demo::DEMO_AFTER_HELP)]
    Demo(demo::DemoArgs),
    /// Measure write overhead, writers' pause, backfill rate and read speed-up on a private server
    #[command(after_help = bench::AFTER_HELP)]
    Bench(bench::BenchArgs),
}

/// Runs one subcommand; one arm per [`Command`] variant.
pub fn dispatch(ctx: &Ctx, command: &Command) -> anyhow::Result<i32> {
    match command {
        Command::Doctor(args) => doctor::run(ctx, args),
        Command::Preview(args) => preview::run(ctx, args),
        Command::Create(args) => create::run_create(ctx, args),
        Command::Resume(args) => create::run_resume(ctx, args),
        Command::List(args) => summaries::run_list(ctx, args),
        Command::Status(args) => summaries::run_status(ctx, args),
        Command::Validate(args) => summaries::run_validate(ctx, args),
        Command::Rebuild(args) => summaries::run_rebuild(ctx, args),
        Command::Drop(args) => summaries::run_drop(ctx, args),
        Command::Bench(args) => bench::run(ctx, args),
        Command::Demo(args) => demo::run(ctx, args),
    }
}

/// What every command gets: the parsed command line and, on demand, the
/// resolved connection settings (resolved once, so `-p` prompts only once).
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The parsed command line.
    pub cli: &'a Cli,
    config: OnceCell<ConnectionConfig>,
}

impl<'a> Ctx<'a> {
    /// A context for `cli`; nothing is resolved yet.
    pub fn new(cli: &'a Cli) -> Self {
        Ctx {
            cli,
            config: OnceCell::new(),
        }
    }

    /// `--json` was given.
    pub fn json(&self) -> bool {
        self.cli.json
    }

    /// The resolved connection settings (may prompt for a password once).
    pub fn config(&self) -> Result<&ConnectionConfig, OptionsError> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let resolved = self.cli.conn.resolve()?;
        Ok(self.config.get_or_init(|| resolved))
    }

    /// Opens a new connection with the resolved settings. Errors are
    /// [`OptionsError`] or [`crate::db::connect::ConnectError`], which the
    /// edge reports with exit code 2.
    pub fn connect(&self) -> anyhow::Result<mysql::Conn> {
        let config = self.config()?;
        Ok(connect(config)?)
    }

    /// Driver options for code that opens its own connections (e.g. the
    /// engine's lifecycle functions). Prefer [`Ctx::connect`] where possible:
    /// it bounds the wait and explains failures.
    pub fn opts(&self) -> anyhow::Result<mysql::Opts> {
        Ok(self.config()?.to_opts())
    }

    /// The `-D` database, or a usage error (exit code 2) saying to give one.
    pub fn require_database(&self) -> anyhow::Result<&str> {
        match self.config()?.database.as_deref() {
            Some(db) => Ok(db),
            None => Err(output::Failure::new("this command needs a database")
                .with_hint(
                    "give one with -D NAME (or --url mysql://.../NAME, or database= in ~/.my.cnf)",
                )
                .with_code(exit::USAGE)
                .into()),
        }
    }

    /// Replaces every password this run knows about with `****`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        let mut secrets: Vec<&Password> = Vec::new();
        if let Some(Some(p)) = &self.cli.conn.password {
            secrets.push(p);
        }
        if let Some(p) = self.config.get().and_then(|c| c.password.as_ref()) {
            secrets.push(p);
        }
        for p in secrets {
            out = p.redact_in(&out);
        }
        out
    }
}

/// Entry point of the `lightning` binary; returns the process exit code.
pub fn main() -> i32 {
    restore_default_sigpipe();
    install_panic_hook();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::parse_args(argv.iter().cloned()) {
        Ok(cli) => cli,
        Err(err) => return report_clap_error(&err, &argv),
    };
    // Best effort, see `db::options::argv`: nothing to report if it fails.
    let _ = cli.conn.scrub_process_args();
    match std::panic::catch_unwind(|| run(&cli)) {
        Ok(code) => code,
        // The hook already printed the one-line message.
        Err(_) => exit::FAILURE,
    }
}

/// Runs a parsed command line; returns the exit code. Errors are printed.
pub fn run(cli: &Cli) -> i32 {
    let ctx = Ctx::new(cli);
    let result = match &cli.command {
        Some(command) => dispatch(&ctx, command),
        None => run_ui(&ctx),
    };
    match result {
        Ok(code) => code,
        Err(err) => output::report_error(&err, &|line| ctx.redact(line), cli.json),
    }
}

/// `lightning` without a subcommand.
fn run_ui(ctx: &Ctx) -> anyhow::Result<i32> {
    // Without connection options: the saved profile, ~/.my.cnf or the setup wizard.
    let start = match crate::tui::profile::startup(&ctx.cli.conn)? {
        Some(start) => start,
        None => crate::tui::Start::Connect(ctx.config()?.clone()),
    };
    crate::tui::open(start)?;
    Ok(exit::OK)
}

/// `lightning ... | head` must end quietly like any Unix tool. Rust ignores
/// SIGPIPE, which turns a closed pipe into a panic in `println!`; restoring
/// the default disposition makes the process end silently instead.
fn restore_default_sigpipe() {
    crate::sys::default_sigpipe();
}

/// Replaces the default panic output (multi-line, with a backtrace note)
/// by one `error:` line; the exit code is then [`exit::FAILURE`].
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error{place}: {} (this is a bug, please report it)",
            output::one_line(&what)
        );
    }));
}

/// Prints a clap parse error (or help/version) and returns the exit code.
/// Passwords the user typed are blanked: clap quotes offending values, and a
/// `-p SECRET` typo would otherwise print SECRET as an unknown command.
fn report_clap_error(err: &clap::Error, argv: &[std::ffi::OsString]) -> i32 {
    use clap::error::ErrorKind;
    use std::io::IsTerminal;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        print!("{}", err.render());
        return exit::OK;
    }
    let rendered = if std::io::stderr().is_terminal() {
        err.render().ansi().to_string()
    } else {
        err.render().to_string()
    };
    eprint!("{}", redact_typed_secrets(&rendered, argv));
    exit::USAGE
}

/// Blanks in `text` the password-looking values found on the raw command line.
pub fn redact_typed_secrets(text: &str, argv: &[std::ffi::OsString]) -> String {
    use clap::CommandFactory;
    let subcommands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let args: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut secrets: Vec<String> = Vec::new();
    let mut urls: Vec<DbUrl> = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let next = args.get(i + 1);
        if let Some(v) = arg.strip_prefix("--password=") {
            secrets.push(v.to_string());
        } else if let Some(v) = arg
            .strip_prefix("-p")
            .filter(|v| !v.is_empty() && !arg.starts_with("--"))
        {
            secrets.push(v.to_string());
        } else if arg == "-p" || arg == "--password" {
            // `-p SECRET`: the next word is probably the password typed with a space.
            if let Some(n) = next.filter(|n| !n.starts_with('-') && !subcommands.contains(n)) {
                secrets.push(n.clone());
            }
        }
        let url = match arg.strip_prefix("--url=") {
            Some(u) => Some(DbUrl::new(u)),
            None if arg == "--url" => next.map(|u| DbUrl::new(u.clone())),
            None => None,
        };
        if let Some(url) = url {
            if let Some(secret) = url.password_span().and_then(|span| url.raw().get(span)) {
                secrets.push(secret.to_string());
                urls.push(url);
            }
        }
    }
    let mut out = text.to_string();
    for url in &urls {
        out = out.replace(url.raw(), &url.redacted());
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        // clap quotes values as 'VALUE'; redact that form for any length and
        // bare occurrences only when long enough not to mangle other words.
        out = out.replace(&format!("'{secret}'"), &format!("'{REDACTED}'"));
        out = Password::new(secret.clone()).redact_in(&out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
        args.iter().map(Into::into).collect()
    }

    #[test]
    fn typed_secrets_are_blanked_in_clap_errors() {
        let argv = os(&["lightning", "-p", "hunter2", "doctor"]);
        let err = match Cli::parse_args(argv.iter().cloned()) {
            Err(e) => e.render().to_string(),
            Ok(_) => panic!("`-p hunter2` must not parse"),
        };
        assert!(
            err.contains("hunter2"),
            "precondition: clap echoes it: {err}"
        );
        let shown = redact_typed_secrets(&err, &argv);
        assert!(!shown.contains("hunter2"), "{shown}");

        let argv = os(&["lightning", "--url", "mysql://u:pw9@h/d", "--port", "nope"]);
        let shown = redact_typed_secrets("bad 'pw9' mysql://u:pw9@h/d", &argv);
        assert!(!shown.contains("pw9"), "{shown}");
    }

    #[test]
    fn subcommand_after_bare_p_is_not_treated_as_secret() {
        let argv = os(&["lightning", "-p", "doctor"]);
        assert_eq!(redact_typed_secrets("'doctor'", &argv), "'doctor'");
    }
}
