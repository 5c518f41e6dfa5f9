//! The UI stays responsive while a large backfill runs and while the server
//! is frozen (SIGSTOP): the real event loop (`tui::test_turn`, the same turn
//! `tui::run` takes) keeps drawing frames on a `TestBackend`, and keys still
//! act, because only the worker threads ever wait on the server.
//!
//! The assertions are about facts a blocked UI could not produce (frames
//! drawn and keys applied while the server was stopped, the spinner and
//! the "has not answered" message on screen), never about timings. The
//! frame times are printed (`-- --nocapture`) for docs/benchmarks.md.
//!
//! Rows: `LIGHTNING_TUI_ROWS` (default 1,000,000; the whole test takes
//! about 10 s, debug build included, since the rows are made and
//! summarised by the server).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use lightning_tables::db::server::PrivateServer;
use lightning_tables::tui::app::App;
use lightning_tables::tui::panes::preview::PreviewContent;
use lightning_tables::tui::panes::schema::Load;
use lightning_tables::tui::panes::PaneId;
use lightning_tables::tui::popup::Popup;
use lightning_tables::tui::worker::Worker;
use lightning_tables::tui::{self, ui};
use mysql::prelude::Queryable;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The real loop waits up to this long for input each turn (`tui::app::TICK`);
/// the test sleeps out the rest of it so frames come at the real pace.
const TICK: Duration = Duration::from_millis(50);
/// How long the server is frozen.
const STOP: Duration = Duration::from_secs(4);
/// Screen size.
const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
const DB: &str = "tui_resp";
const SUMMARY: &str = "t_by_customer_id";

fn rows() -> u64 {
    std::env::var("LIGHTNING_TUI_ROWS")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

/// Resumes a frozen server even when the test fails.
struct Thaw<'a>(&'a PrivateServer);

impl Drop for Thaw<'_> {
    fn drop(&mut self) {
        let _ = self.0.sigcont();
    }
}

/// The UI on a test terminal, turned like the real event loop.
struct Ui {
    terminal: Terminal<TestBackend>,
    app: App,
    worker: Worker,
    /// Every frame: (phase, duration of the turn).
    frames: Vec<(&'static str, Duration)>,
}

impl Ui {
    /// One turn of the real loop (effects, draw, `event`, worker answers,
    /// tick), timed; then the rest of the tick is slept out.
    fn turn(&mut self, phase: &'static str, event: Option<Event>) {
        let started = Instant::now();
        tui::test_turn(&mut self.terminal, &mut self.app, &self.worker, event)
            .unwrap_or_else(|e| panic!("turn failed: {e}"));
        let took = started.elapsed();
        self.frames.push((phase, took));
        if let Some(rest) = TICK.checked_sub(took) {
            std::thread::sleep(rest);
        }
    }

    fn key(&mut self, phase: &'static str, code: KeyCode, mods: KeyModifiers) {
        self.turn(phase, Some(Event::Key(KeyEvent::new(code, mods))));
    }

    /// Turns until `done` holds; panics with the screen after `secs`.
    fn until(&mut self, what: &str, secs: u64, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(&self.app) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; status {:?}\n{}",
                self.app.status,
                self.screen().join("\n")
            );
            self.turn("setup", None);
        }
    }

    /// The last frame drawn, one string a row.
    fn screen(&self) -> Vec<String> {
        let buf = self.terminal.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .filter_map(|x| buf.cell((x, y)).map(|c| c.symbol().to_string()))
                    .collect()
            })
            .collect()
    }

    /// The status line of the last frame.
    fn status_row(&self) -> String {
        let y = usize::from(self.app.areas().status.y);
        self.screen().get(y).cloned().unwrap_or_default()
    }

    fn job_done(&self) -> bool {
        self.app
            .summaries
            .jobs
            .iter()
            .any(|j| j.name == SUMMARY && j.done)
    }

    fn job_percent(&self) -> Option<f64> {
        self.app
            .summaries
            .jobs
            .iter()
            .find(|j| j.name == SUMMARY)
            .and_then(|j| j.progress.as_ref())
            .map(|p| p.percent)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn stats_line(label: &str, frames: &[Duration]) -> String {
    let mut sorted = frames.to_vec();
    sorted.sort();
    format!(
        "{label:<26} frames {:>5}   p50 {:>9}   p99 {:>9}   max {:>9}",
        sorted.len(),
        ms(percentile(&sorted, 0.50)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or_default()),
    )
}

#[test]
fn frames_keep_coming_during_a_large_backfill_and_a_frozen_server() {
    // `tui::connected` reads the configuration, history and known
    // connections from the user's directories: give it empty ones.
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("HOME", home.path());
    std::env::set_var("XDG_CONFIG_HOME", home.path().join("config"));
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));

    let rows = rows();
    let server = PrivateServer::start().unwrap_or_else(|e| panic!("{e}"));
    let _thaw = Thaw(&server);
    let mut conn = server.conn().unwrap_or_else(|e| panic!("{e}"));
    let setup = Instant::now();
    conn.query_drop(format!("CREATE DATABASE {DB}"))
        .unwrap_or_else(|e| panic!("{e}"));
    conn.query_drop(format!(
        "CREATE TABLE {DB}.t (id INT PRIMARY KEY, customer_id INT NOT NULL, amount INT NOT NULL) ENGINE=InnoDB"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    conn.query_drop(format!("USE {DB}"))
        .unwrap_or_else(|e| panic!("{e}"));
    conn.query_drop(format!(
        "INSERT INTO {DB}.t SELECT seq, seq % 1000, seq % 97 FROM seq_1_to_{rows}"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let setup_secs = setup.elapsed().as_secs_f64();

    // The UI exactly as `tui::run` builds it, on a test terminal.
    let label = format!("root@127.0.0.1:{}", server.port());
    let (worker, app) =
        tui::connected(server.opts_for_db(DB), label).unwrap_or_else(|e| panic!("{e}"));
    let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap_or_else(|e| panic!("{e}"));
    let mut ui = Ui {
        terminal,
        app,
        worker,
        frames: Vec::new(),
    };
    ui.turn("setup", Some(Event::Resize(WIDTH, HEIGHT)));

    // What a user does: select `t`, `t` for the template, Ctrl-S, `y`.
    ui.until("the tables of the database", 30, |app| {
        matches!(app.schema.db(DB).map(|d| &d.tables), Some(Load::Loaded(t)) if !t.is_empty())
    });
    for _ in 0..10 {
        if ui
            .app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.table.as_deref())
            == Some("t")
        {
            break;
        }
        ui.key("setup", KeyCode::Char('j'), KeyModifiers::NONE);
    }
    ui.key("setup", KeyCode::Char('t'), KeyModifiers::NONE);
    ui.until("the template preview", 30, |app| {
        matches!(app.preview.content, PreviewContent::Ready(_)) && !app.preview.waiting
    });
    assert_eq!(ui.app.focus, PaneId::Editor);
    assert_eq!(ui.app.editor.name, SUMMARY);
    ui.key("setup", KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(
        matches!(ui.app.popup, Some(Popup::Confirm { .. })),
        "{:?}",
        ui.app.popup
    );
    ui.key("setup", KeyCode::Char('y'), KeyModifiers::NONE);
    let backfill_started = Instant::now();

    // The backfill runs: keep drawing until it is well under way.
    let mut percents = BTreeSet::new();
    while !ui.job_done()
        && ui.job_percent().is_none_or(|p| p < 40.0)
        && backfill_started.elapsed() < Duration::from_secs(20)
    {
        ui.turn("backfill", None);
        if let Some(p) = ui.job_percent() {
            percents.insert((p * 10.0) as u64);
        }
    }
    assert!(
        !ui.job_done(),
        "the backfill ended before the server was stopped; raise LIGHTNING_TUI_ROWS"
    );
    let percent_at_stop = ui.job_percent().unwrap_or(0.0);

    // Freeze the server mid-backfill. The user moves to the schema and
    // refreshes it: a request that now waits on the server.
    server.sigstop().unwrap_or_else(|e| panic!("{e}"));
    let stopped = Instant::now();
    for _ in 0..6 {
        if ui.app.focus == PaneId::Schema {
            break;
        }
        ui.key("sigstop", KeyCode::Tab, KeyModifiers::NONE);
    }
    let focus_while_stopped = ui.app.focus;
    ui.key("sigstop", KeyCode::Char('r'), KeyModifiers::NONE);
    let mut spinner = BTreeSet::new();
    let mut slow_shown = false;
    let mut slow_row = String::new();
    while stopped.elapsed() < STOP {
        ui.turn("sigstop", None);
        let row = ui.status_row();
        if let Some(c) = row.trim_start().chars().next() {
            if ('\u{2800}'..='\u{28ff}').contains(&c) {
                spinner.insert(c);
            }
        }
        if row.contains("has not answered") {
            slow_shown = true;
            slow_row = row.trim().to_string();
        }
    }
    server.sigcont().unwrap_or_else(|e| panic!("{e}"));
    let stop_secs = stopped.elapsed().as_secs_f64();

    // Thawed: the refresh is answered and the backfill finishes.
    let resumed = Instant::now();
    while !ui.job_done() {
        assert!(
            resumed.elapsed() < Duration::from_secs(60),
            "the backfill did not finish after SIGCONT; status {:?}",
            ui.app.status
        );
        ui.turn("after", None);
        if let Some(p) = ui.job_percent() {
            percents.insert((p * 10.0) as u64);
        }
    }
    let backfill_secs = backfill_started.elapsed().as_secs_f64();
    ui.until("the refresh after SIGCONT", 30, |app| {
        app.oldest_foreground().is_none()
    });
    let (status, _) = ui::status_line(&ui.app);
    assert!(!status.contains("has not answered"), "{status}");
    let final_status = ui.app.status.clone().map(|(_, t)| t).unwrap_or_default();
    assert!(
        final_status.contains(&format!("{SUMMARY} created: {rows} rows")),
        "{final_status}"
    );
    let (groups, total): (u64, u64) = conn
        .query_first(format!("SELECT COUNT(*), SUM(n) FROM {DB}.{SUMMARY}"))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_default();

    // Statistics.
    let phase = |name: &str| -> Vec<Duration> {
        ui.frames
            .iter()
            .filter(|(p, _)| *p == name)
            .map(|(_, d)| *d)
            .collect()
    };
    let (backfill, frozen, after) = (phase("backfill"), phase("sigstop"), phase("after"));
    let setup_frames = phase("setup");
    let all: Vec<Duration> = ui.frames.iter().map(|(_, d)| *d).collect();
    let slowest: Vec<String> = {
        let mut indexed: Vec<(usize, &(&str, Duration))> = ui.frames.iter().enumerate().collect();
        indexed.sort_by_key(|(_, (_, d))| std::cmp::Reverse(*d));
        indexed
            .iter()
            .take(3)
            .map(|(i, (p, d))| format!("#{i} {p} {}", ms(*d)))
            .collect()
    };
    println!();
    println!(
        "TUI responsiveness ({} build, {WIDTH}x{HEIGHT} TestBackend, one frame = one loop turn: effects + draw + worker answers + tick, paced at {} ms like the real loop)",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        TICK.as_millis()
    );
    println!(
        "rows {rows}: setup {setup_secs:.1} s; backfill {backfill_secs:.1} s in the UI incl. a {stop_secs:.1} s SIGSTOP at {percent_at_stop:.0} %; summary {groups} groups, {total} rows"
    );
    println!("{}", stats_line("backfill (server up)", &backfill));
    println!("{}", stats_line("server stopped (SIGSTOP)", &frozen));
    println!("{}", stats_line("backfill after SIGCONT", &after));
    println!("{}", stats_line("setup (start..confirm)", &setup_frames));
    println!("{}", stats_line("all frames", &all));
    println!("slowest frames: {}", slowest.join(", "));
    println!(
        "during the stop: focus moved to {focus_while_stopped:?}, {} spinner glyphs, status: {slow_row:?}",
        spinner.len()
    );
    println!("distinct progress values drawn (0.1 %): {}", percents.len());

    // What a UI blocked on the server could not have done.
    assert!(
        frozen.len() >= 20,
        "only {} frames while the server was stopped",
        frozen.len()
    );
    assert!(
        backfill.len() + after.len() >= 5,
        "only {} frames during the backfill",
        backfill.len() + after.len()
    );
    assert_eq!(
        focus_while_stopped,
        PaneId::Schema,
        "keys act while the server is stopped"
    );
    assert!(
        slow_shown,
        "the status line never said the server has not answered"
    );
    assert!(spinner.len() >= 3, "the spinner did not turn: {spinner:?}");
    assert!(percents.len() >= 3, "progress drawn: {percents:?}");
    assert_eq!((groups, total), (1000.min(rows), rows));
}
