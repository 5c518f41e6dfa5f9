//! `lightning demo`: a guided tour on a private server (or, with `--url`, in
//! a `lightning_demo` database on a given server).
//!
//! The demo itself lives in [`crate::demo`]; this file picks the server,
//! wires Ctrl-C to a clean stop, loads the data, hands over to the TUI's
//! demo mode in a terminal ([`open_tui_demo`]) or else plays the headless
//! story and renders its events (see [`render`]), and cleans up: the
//! private server and its data are removed at the end unless `--keep`, in
//! which case the server stays up until Ctrl-C and the command prints how
//! to connect to it.

mod render;

use std::io::IsTerminal;
use std::time::Duration;

use mysql::prelude::Queryable;

use super::output::{stdout_colours, Failure};
use super::progress::{cancel_on_interrupt, json_line, Mode};
use super::{exit, Ctx};
use crate::db::server::{PrivateServer, ServerOptions};
use crate::demo::runner::{DemoConfig, Loaded, Player, ServerInfo, Target};
use crate::demo::story::StepId;
use crate::demo::{DemoError, DEMO_DATABASE};
use crate::engine::ident::quote;
use crate::lifecycle::Control;

/// Exit status after Ctrl-C, by shell convention.
const CANCELLED_EXIT: i32 = 130;

/// Arguments of `lightning demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Print the story as text (or JSON) instead of the interactive UI, as fast as it goes
    #[arg(long)]
    pub no_tui: bool,

    /// Play the whole story by itself at a fixed, readable pace (about a minute), for recordings
    #[arg(long, conflicts_with = "no_tui")]
    pub autoplay: bool,

    /// Transactions in the sample table
    #[arg(long, value_name = "N", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1_000..=50_000_000))]
    pub rows: u64,

    /// Writer connections running during the demo
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub writers: u16,

    /// Writes per second, all writers together
    #[arg(long, value_name = "N", default_value_t = 400,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate: u32,

    /// Keep the server (running until Ctrl-C) and its data, and print how to connect
    #[arg(long)]
    pub keep: bool,
}

/// Details at the end of `lightning demo --help`.
pub const DEMO_AFTER_HELP: &str = "\
The demo starts a private MariaDB server of its own (own data directory,
socket and port; nothing else is touched) and removes it at the end. With
--url it uses that server instead: it drops and re-creates the database
lightning_demo there, and drops it at the end unless --keep.

It loads users and transactions, starts writers, times a report query,
creates two summaries online while the writers run, compares each with its
query, stops the writers and validates. In a terminal this plays in the
interactive UI's demo mode (by itself with --autoplay); with --no-tui, or
without a terminal, the story is printed as text (or JSON lines with
--json). Exit status 0 means every summary was exact.";

impl DemoArgs {
    /// The story is printed, not shown in the interactive UI: `--no-tui`,
    /// or `--json` (whose readers want the event lines).
    fn headless(&self, json: bool) -> bool {
        self.no_tui || json
    }

    /// The runner's settings for these flags.
    fn config(&self, json: bool) -> DemoConfig {
        // Dwell on each step when a person may be watching (autoplay, or a
        // plain `demo` whose output is not a terminal); scripts hurry.
        let fast = self.headless(json) && !self.autoplay;
        let defaults = DemoConfig::default();
        DemoConfig {
            rows: self.rows,
            writers: usize::from(self.writers),
            ops_per_sec: self.rate,
            dwell: !fast,
            keep_writing: defaults.keep_writing,
            compare_rounds: if fast { 5 } else { 3 },
            ..defaults
        }
    }
}

/// The server the demo plays on, and how to clean it up.
enum Server {
    /// Started here; dropping it stops it (and removes its data unless kept).
    Private(Box<PrivateServer>),
    /// Given with `--url`.
    External,
}

/// Runs `lightning demo`.
pub fn run(ctx: &Ctx, args: &DemoArgs) -> anyhow::Result<i32> {
    let mode = Mode::detect(ctx.json());
    let mut view = render::View::new(mode, mode != Mode::Json && stdout_colours());
    let control = Control::new();
    let guard = cancel_on_interrupt(&control, view.notifier());
    let mut on_event = |event| view.on_event(event);
    let mut player = Player::new(args.config(ctx.json()), &control, &mut on_event);

    let (server, target) = start(ctx, args, &mut player)?;
    let result = tour(args, args.headless(ctx.json()), &target, &mut player);
    drop(player);
    drop(guard);
    view.finish();
    let code = match result {
        Ok(Tour::Played(outcome)) => {
            if outcome.exact {
                exit::OK
            } else {
                exit::FAILURE
            }
        }
        Ok(Tour::HandedOver(code)) => code,
        Err(DemoError::Cancelled) => {
            eprintln!("Demo cancelled; cleaning up.");
            CANCELLED_EXIT
        }
        Err(e) => {
            cleanup(&server, &target, args.keep);
            return Err(Failure::new(e.to_string()).into());
        }
    };
    if args.keep && code != CANCELLED_EXIT {
        keep_running(ctx, &server, &target);
    }
    cleanup(&server, &target, args.keep);
    Ok(code)
}

/// How the tour ended.
enum Tour {
    /// The headless story ran to its end.
    Played(crate::demo::runner::DemoOutcome),
    /// The TUI's demo mode ran and returned this exit code.
    HandedOver(i32),
}

/// Loads the data, then hands over to the TUI or plays the headless story.
fn tour(
    args: &DemoArgs,
    headless: bool,
    target: &Target,
    player: &mut Player,
) -> Result<Tour, DemoError> {
    let loaded = player.load(target)?;
    let loaded = if headless {
        loaded
    } else {
        match open_tui_demo(args, target, loaded) {
            Ok(code) => return Ok(Tour::HandedOver(code)),
            Err(loaded) => loaded,
        }
    };
    let outcome = player.play(target, loaded)?;
    Ok(Tour::Played(outcome))
}

/// The hand-off point to the TUI's demo mode: the server runs and the sample
/// data is loaded; the demo mode starts the writers and guides the user
/// through the same [`crate::demo::story`] (by itself with `--autoplay`).
/// Without a terminal the data is given back and the headless story plays.
fn open_tui_demo(args: &DemoArgs, target: &Target, loaded: Loaded) -> Result<i32, Loaded> {
    if crate::tui::check_terminal().is_err() {
        return Err(loaded);
    }
    let setup = crate::tui::demo::state::DemoSetup {
        database: target.database.clone(),
        load: loaded.report,
        writers: usize::from(args.writers),
        ops_per_sec: args.rate,
        seed: DemoConfig::default().seed,
        autoplay: args.autoplay,
    };
    match crate::tui::demo::run(target.db_opts(), setup) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("error: {}", super::output::one_line(&format!("{e:#}")));
            Ok(exit::FAILURE)
        }
    }
}

/// Starts the private server (or checks the `--url` one) and reports it.
fn start(ctx: &Ctx, args: &DemoArgs, player: &mut Player) -> anyhow::Result<(Server, Target)> {
    let (server, opts, info) = if ctx.cli.conn.url.is_some() {
        // Connecting once first reports a wrong URL or password as a connection error (exit 2).
        let mut conn = ctx.connect()?;
        let version: Option<String> = conn.query_first("SELECT VERSION()")?;
        let info = ServerInfo {
            private: false,
            pid: None,
            socket: None,
            port: None,
            base_dir: None,
            version: version.unwrap_or_default(),
        };
        (Server::External, ctx.opts()?, info)
    } else {
        if let Err(e) = player.begin(StepId::Server) {
            return Err(cancelled_or(e));
        }
        let server = PrivateServer::start_with(ServerOptions {
            keep_data: args.keep,
            ..ServerOptions::default()
        })?;
        let info = ServerInfo {
            private: true,
            pid: server.pid(),
            socket: Some(server.socket().display().to_string()),
            port: Some(server.port()),
            base_dir: Some(server.base_dir().display().to_string()),
            version: server.version().to_string(),
        };
        let opts = server.opts();
        (Server::Private(Box::new(server)), opts, info)
    };
    player.emit(crate::demo::runner::DemoEvent::Server(info));
    if let Err(e) = player.end(StepId::Server) {
        return Err(cancelled_or(e));
    }
    let target = Target {
        opts,
        database: DEMO_DATABASE.to_string(),
    };
    Ok((server, target))
}

/// Ctrl-C before anything started: a plain failure with the usual exit code.
fn cancelled_or(e: DemoError) -> anyhow::Error {
    match e {
        DemoError::Cancelled => Failure::new("the demo was cancelled")
            .with_code(CANCELLED_EXIT)
            .into(),
        other => Failure::new(other.to_string()).into(),
    }
}

/// With `--keep`: prints how to connect and waits for Ctrl-C (a private
/// server lives only as long as this process).
fn keep_running(ctx: &Ctx, server: &Server, target: &Target) {
    let Server::Private(server) = server else {
        let text = format!(
            "The database {} stays on the server given with --url.",
            target.database
        );
        if ctx.json() {
            json_line(&serde_json::json!({"event": "kept", "database": target.database}));
        } else {
            println!("{text}");
        }
        return;
    };
    let url = format!("{}{}", server.url(), target.database);
    if ctx.json() {
        json_line(&serde_json::json!({
            "event": "kept",
            "database": target.database,
            "socket": server.socket().display().to_string(),
            "port": server.port(),
            "url": url,
            "data_dir": server.data_dir().display().to_string(),
        }));
    } else {
        println!();
        println!("The demo server keeps running until you press Ctrl-C. Connect with:");
        println!(
            "  mariadb -S {} -u root {}",
            server.socket().display(),
            target.database
        );
        println!(
            "  mariadb -h 127.0.0.1 -P {} -u root {}",
            server.port(),
            target.database
        );
        println!("  lightning --url {url} list");
        println!(
            "Its data stays in {} when it stops.",
            server.data_dir().display()
        );
    }
    let control = Control::new();
    let _guard = cancel_on_interrupt(&control, |_| {});
    while !control.is_cancelled() {
        std::thread::sleep(Duration::from_millis(100));
    }
    if !ctx.json() && std::io::stdout().is_terminal() {
        println!();
    }
}

/// Drops the demo database on a `--url` server (unless kept); a private
/// server cleans up when it is dropped.
fn cleanup(server: &Server, target: &Target, keep: bool) {
    if matches!(server, Server::External) && !keep {
        if let Ok(mut conn) = mysql::Conn::new(target.opts.clone()) {
            // Best effort: the demo's result is already reported.
            let _ = conn.query_drop(format!(
                "DROP DATABASE IF EXISTS {}",
                quote(&target.database)
            ));
        }
    }
}
