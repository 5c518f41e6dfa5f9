//! The terminal UI: a schema browser, a query editor with a live preview of
//! the generated SQL, the summaries with their backfills, and a comparison
//! of a summary with its query.
//!
//! Structure (after gitui): [`app::App`] is the state, changed only by
//! [`app::Msg`]s; [`ui::draw`] renders it without changing it; the
//! [`worker`] owns every database connection on background threads;
//! [`keymap`] is the one table of key bindings; [`strings`] holds all text.
//! [`open`] (and [`run`]) wire them to the real terminal.
//!
//! Without a configured connection the UI opens on the [`setup`] wizard,
//! which saves a [`profile`]; [`config`] holds the theme and key overrides;
//! [`guide`] walks a new user from a table to a created summary.

pub mod app;
pub mod commands;
pub mod completion;
pub mod config;
pub mod demo;
pub mod errors;
pub mod export;
pub mod footer;
pub mod frames;
pub mod guide;
pub mod history;
pub mod idle;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod popup;
pub mod profile;
pub mod quit;
pub mod responses;
pub mod setup;
pub mod strings;
pub mod template;
pub mod terminal;
pub mod theme;
pub mod tmux;
pub mod tune;
pub mod ui;
pub mod worker;

use crate::db::options::ConnectionConfig;
use app::{App, Effect, Msg};
use crossterm::event::Event;
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

/// How the UI starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Connect with these settings.
    Connect(ConnectionConfig),
    /// No connection is configured: open the setup wizard first.
    Setup,
}

/// Opens the interactive UI on the server `opts` points at; `label`
/// names the connection in the title bar (`user@host`, never a password).
/// Returns when the user quits; the terminal is restored on every path,
/// panics included.
pub fn run(opts: mysql::Opts, label: String) -> anyhow::Result<()> {
    check_terminal()?;
    let (worker, mut app) = connected(opts, label)?;
    in_terminal(&mut app, &worker, None)
}

/// The worker and the state [`run`] starts with: the configuration and
/// history from their files, the known connections for the wizard.
/// Public (hidden) so tests can start the UI exactly as `run` does.
#[doc(hidden)]
pub fn connected(opts: mysql::Opts, label: String) -> anyhow::Result<(worker::Worker, App)> {
    let config = config::Config::load_default()?;
    let history = history::History::load(history::default_path().as_deref());
    let worker = worker::Worker::start(opts);
    let mut app = App::new(label, config.keymap, history, Instant::now());
    app.theme = config.theme;
    app.setup = setup::sources::gather();
    Ok((worker, app))
}

/// Opens the interactive UI as `start` says: connected, or on the setup
/// wizard. `lightning` without a subcommand comes here.
pub fn open(start: Start) -> anyhow::Result<()> {
    check_terminal()?;
    let config = config::Config::load_default()?;
    let history = history::History::load(history::default_path().as_deref());
    let now = Instant::now();
    let setup = setup::sources::gather();
    let (worker, mut app) = match start {
        Start::Connect(connection) => {
            let worker = worker::Worker::start(connection.to_opts());
            let mut app = App::new(
                crate::db::options::profile::label(&connection),
                config.keymap,
                history,
                now,
            );
            app.connection = Some(connection);
            app.setup = setup;
            (worker, app)
        }
        Start::Setup => (
            worker::Worker::idle(),
            App::first_run(config.keymap, history, now, setup),
        ),
    };
    app.theme = config.theme;
    in_terminal(&mut app, &worker, None)
}

/// Fails with a plain message unless stdin and stdout are a terminal.
pub fn check_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(strings::NOT_A_TERMINAL);
    }
    Ok(())
}

/// Runs `app` on the real terminal until it quits, restoring the terminal;
/// `demo` is the demo worker in demo mode.
fn in_terminal(
    app: &mut App,
    worker: &worker::Worker,
    demo: Option<&demo::worker::DemoWorker>,
) -> anyhow::Result<()> {
    let mut terminal = terminal::enter()?;
    let result = event_loop(&mut terminal, app, worker, demo);
    terminal::restore();
    for line in &app.farewell {
        eprintln!("{line}");
    }
    result
}

/// Saves `profile` where it belongs; the message says how it went.
fn save_profile(name: Option<&str>, profile: &crate::db::options::profile::Profile) -> Msg {
    let result = match crate::db::options::store::ProfileStore::of_user() {
        Some(store) => store
            .save(name, profile)
            .map(|path| path.display().to_string())
            .map_err(|e| profile::NotSaved::Write(e.to_string())),
        None => Err(profile::NotSaved::NoConfigDir),
    };
    Msg::ProfileSaved {
        result,
        password: profile.password.is_some(),
    }
}

fn event_loop(
    terminal: &mut terminal::Term,
    app: &mut App,
    worker: &worker::Worker,
    demo: Option<&demo::worker::DemoWorker>,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    while !app.quit {
        turn(
            terminal,
            app,
            worker,
            demo,
            terminal::edit_externally,
            poll_event,
        )?;
    }
    Ok(())
}

/// The next terminal event, waiting up to `wait` for one.
fn poll_event(wait: Duration) -> std::io::Result<Option<Event>> {
    if crossterm::event::poll(wait)? {
        crossterm::event::read().map(Some)
    } else {
        Ok(None)
    }
}

/// One turn of the event loop on `terminal`, for tests (with ratatui's
/// `TestBackend`): the real turn, with `event` in place of the terminal's
/// input (so no waiting for it) and no `$EDITOR` to lend the terminal to.
#[doc(hidden)]
pub fn test_turn<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    worker: &worker::Worker,
    event: Option<Event>,
) -> anyhow::Result<()> {
    turn(
        terminal,
        app,
        worker,
        None,
        |_, _| Err(terminal::EditorError::NoTerminal),
        |_| Ok(event),
    )
}

/// One turn of the event loop: carries out the effects, draws a frame,
/// applies the input `next_event` gives (the real loop waits for it as
/// long as [`App::wait`] allows), takes the workers' answers and ticks. `edit` runs
/// `$EDITOR` on the terminal.
fn turn<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    worker: &worker::Worker,
    demo: Option<&demo::worker::DemoWorker>,
    mut edit: impl FnMut(&mut Terminal<B>, &str) -> Result<String, terminal::EditorError>,
    next_event: impl FnOnce(Duration) -> std::io::Result<Option<Event>>,
) -> anyhow::Result<()> {
    for effect in app.take_effects() {
        match effect {
            Effect::Send(request) => worker.send(request),
            Effect::EditExternally(text) => {
                let result = edit(terminal, &text);
                app.update(Msg::ExternalEdited(result));
                app.mark_dirty();
            }
            Effect::SaveProfile(name, profile) => {
                app.update(save_profile(name.as_deref(), &profile));
            }
            Effect::Demo(request) => {
                if let Some(d) = demo {
                    d.send(request);
                }
            }
            Effect::Redraw => {
                terminal.clear()?;
                app.mark_dirty();
            }
            Effect::Export(e) => {
                let answer =
                    export::carry_out(&e, std::path::Path::new("."), &mut std::io::stdout());
                app.update(answer);
            }
        }
    }
    if app.take_dirty() {
        terminal.draw(|frame| ui::draw(frame, app))?;
    }
    match next_event(app.wait())? {
        Some(Event::Key(k)) => app.update(Msg::Key(k)),
        Some(Event::Mouse(m)) => app.update(Msg::Mouse(m)),
        Some(Event::Resize(w, h)) => app.update(Msg::Resize(w, h)),
        Some(Event::Paste(text)) => app.update(Msg::Paste(text)),
        _ => {}
    }
    while let Some(response) = worker.try_recv() {
        app.update(Msg::Worker(response));
    }
    while let Some(reply) = demo.and_then(demo::worker::DemoWorker::try_recv) {
        app.update(Msg::Demo(Box::new(reply)));
    }
    app.update(Msg::Tick(Instant::now()));
    Ok(())
}
