//! The terminal UI: a schema browser, a query editor with a live preview of
//! the generated SQL, the summaries with their backfills, and a comparison
//! of a summary with its query.
//!
//! Structure (after gitui): [`app::App`] is the state, changed only by
//! [`app::Msg`]s; [`ui::draw`] renders it without changing it; the
//! [`worker`] owns every database connection on background threads;
//! [`keymap`] is the one table of key bindings; [`strings`] holds all text.
//! [`run`] wires them to the real terminal.

pub mod app;
pub mod commands;
pub mod errors;
pub mod history;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod popup;
pub mod responses;
pub mod strings;
pub mod template;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod worker;

use app::{App, Effect, Msg};
use std::time::{Duration, Instant};

/// How often the loop wakes up without input (spinner, debounce, responses).
const TICK: Duration = Duration::from_millis(50);

/// Opens the interactive UI on the server `opts` points at; `label`
/// names the connection in the title bar (`user@host`, never a password).
/// Returns when the user quits; the terminal is restored on every path,
/// panics included.
pub fn run(opts: mysql::Opts, label: String) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(strings::NOT_A_TERMINAL);
    }
    let keymap = match keymap::config_path() {
        Some(path) => keymap::Keymap::load(&path)?,
        None => keymap::Keymap::default(),
    };
    let history = history::History::load(history::default_path().as_deref());
    let worker = worker::Worker::start(opts);
    let mut app = App::new(label, keymap, history, Instant::now());
    let mut terminal = terminal::enter()?;
    let result = event_loop(&mut terminal, &mut app, &worker);
    terminal::restore();
    result
}

fn event_loop(
    terminal: &mut terminal::Term,
    app: &mut App,
    worker: &worker::Worker,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    while !app.quit {
        for effect in app.take_effects() {
            match effect {
                Effect::Send(request) => worker.send(request),
                Effect::EditExternally(text) => {
                    let result = terminal::edit_externally(terminal, &text);
                    app.update(Msg::ExternalEdited(result));
                }
            }
        }
        terminal.draw(|frame| ui::draw(frame, app))?;
        if crossterm::event::poll(TICK)? {
            match crossterm::event::read()? {
                crossterm::event::Event::Key(k) => app.update(Msg::Key(k)),
                crossterm::event::Event::Mouse(m) => app.update(Msg::Mouse(m)),
                crossterm::event::Event::Resize(w, h) => app.update(Msg::Resize(w, h)),
                crossterm::event::Event::Paste(text) => app.update(Msg::Paste(text)),
                _ => {}
            }
        }
        while let Some(response) = worker.try_recv() {
            app.update(Msg::Worker(response));
        }
        app.update(Msg::Tick(Instant::now()));
    }
    Ok(())
}
