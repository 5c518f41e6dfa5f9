//! Frame time of the terminal UI (issue 18 item 4): the main screens at 160×48 with every pane
//! filled (schema, a query, its highlighted preview, a running backfill, a comparison) drawn
//! into ratatui's `TestBackend`, many times; the median and the 99th percentile per frame.
//! Needs no server: the state is fed to the app as the worker's answers. What it measures is
//! the UI's own work per frame (layout, widgets, highlighting, the diff against the last
//! frame), not the terminal's.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::lifecycle::{Event, Progress};
use crate::tui::app::{App, Msg};
use crate::tui::history::History;
use crate::tui::keymap::Keymap;
use crate::tui::panes::PaneId;
use crate::tui::worker::{
    ColumnInfo, CompareResult, PreviewDoc, Request, RequestKind, Response, ResponseKind, ResultSet,
    Statement, TableInfo, TableKind,
};

/// Frame times of one screen at one size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FrameReport {
    /// Which screen: the tab shown, or the help.
    pub screen: &'static str,
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// Frames drawn (after a warm-up).
    pub frames: usize,
    /// Median time of one frame, µs.
    pub median_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
}

impl FrameReport {
    /// One line for the report.
    pub fn render(&self) -> String {
        format!(
            "TUI frame at {}x{}, {:<9}: median {:.0} µs, p99 {:.0} µs over {} frames (target: ≤ 2 ms)\n",
            self.width, self.height, self.screen, self.median_us, self.p99_us, self.frames
        )
    }
}

/// The screens measured: the main screen with each tab in front (the schema and the query are
/// always on it), and the help over it.
const SCREENS: [&str; 4] = ["preview", "summaries", "compare", "help"];

/// Draws `frames` frames of each filled screen at `width`×`height`.
pub fn run_screens(width: u16, height: u16, frames: usize) -> std::io::Result<Vec<FrameReport>> {
    SCREENS
        .iter()
        .map(|screen| run(screen, width, height, frames))
        .collect()
}

/// Draws `frames` frames of the filled `screen` (one of [`SCREENS`]) at `width`×`height`; every
/// frame follows a tick (the spinner moves, so the diff is never empty).
pub fn run(
    screen: &'static str,
    width: u16,
    height: u16,
    frames: usize,
) -> std::io::Result<FrameReport> {
    let mut app = filled_app(width, height);
    match screen {
        "summaries" => app.focus_pane(PaneId::Summaries),
        "compare" => app.focus_pane(PaneId::Compare),
        "help" => app.popup = Some(crate::tui::popup::Popup::Help { scroll: 0 }),
        _ => {}
    }
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    let mut times: Vec<Duration> = Vec::with_capacity(frames);
    let mut now = Instant::now();
    for i in 0..frames + frames / 10 {
        now += Duration::from_millis(50);
        app.update(Msg::Tick(now));
        let t0 = Instant::now();
        terminal.draw(|f| crate::tui::ui::draw(f, &app))?;
        if i >= frames / 10 {
            times.push(t0.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    Ok(FrameReport {
        screen,
        width,
        height,
        frames: times.len(),
        median_us: at(0.5),
        p99_us: at(0.99),
    })
}

/// The answer to the last request of `kind` the app sent.
fn answer(
    app: &mut App,
    sent: &[Request],
    pick: impl Fn(&RequestKind) -> bool,
    kind: ResponseKind,
) {
    if let Some(r) = sent.iter().rev().find(|r| pick(&r.kind)) {
        app.update(Msg::Worker(Response { id: r.id, kind }));
    }
}

fn requests(app: &mut App, sent: &mut Vec<Request>) {
    for e in app.take_effects() {
        if let crate::tui::app::Effect::Send(r) = e {
            sent.push(r);
        }
    }
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.update(Msg::Key(KeyEvent::new(code, mods)));
}

/// The main screen with every pane filled, as a DBA sees it during a backfill.
fn filled_app(width: u16, height: u16) -> App {
    let mut app = App::new(
        "root@127.0.0.1:3306",
        Keymap::default(),
        History::load(None),
        Instant::now(),
    );
    app.update(Msg::Resize(width, height));
    let mut sent = Vec::new();
    load_schema(&mut app, &mut sent);
    start_a_backfill(&mut app, &mut sent);
    fill_compare(&mut app);
    app.focus_pane(PaneId::Preview);
    app
}

/// The schema browser: connected, 13 databases, 30 tables of `shop`, the columns of `orders`.
fn load_schema(app: &mut App, sent: &mut Vec<Request>) {
    requests(app, sent);
    answer(
        app,
        sent,
        |k| matches!(k, RequestKind::Connect),
        ResponseKind::Connected {
            version: "10.11.6-MariaDB".into(),
            database: Some("shop".into()),
        },
    );
    answer(
        app,
        sent,
        |k| matches!(k, RequestKind::Databases),
        ResponseKind::Databases(
            (0..12)
                .map(|i| format!("db{i:02}"))
                .chain(["shop".into()])
                .collect(),
        ),
    );
    requests(app, sent);
    let tables = (0..30)
        .map(|i| TableInfo {
            name: if i == 0 {
                "orders".into()
            } else {
                format!("table_{i:02}")
            },
            kind: TableKind::Table,
            rows_estimate: Some(1_000 * i + 3_000_000),
            summaries: Vec::new(),
        })
        .collect();
    answer(
        app,
        sent,
        |k| matches!(k, RequestKind::Tables { .. }),
        ResponseKind::Tables {
            database: "shop".into(),
            tables,
        },
    );
    answer(
        app,
        sent,
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(Vec::new()),
    );
    let columns = ["id", "customer_id", "status", "amount", "created_at", "day"]
        .iter()
        .map(|c| ColumnInfo {
            name: (*c).into(),
            column_type: "int(11)".into(),
            nullable: false,
            key: if *c == "id" {
                "PRI".into()
            } else {
                String::new()
            },
        })
        .collect();
    answer(
        app,
        sent,
        |_| true,
        ResponseKind::Columns {
            database: "shop".into(),
            table: "orders".into(),
            columns,
        },
    );
}

/// The query typed, previewed and created; the backfill at 42 %.
fn start_a_backfill(app: &mut App, sent: &mut Vec<Request>) {
    app.focus_pane(PaneId::Editor);
    let query = "SELECT status, day, COUNT(*) AS n, SUM(amount) AS total,\n  MIN(amount) AS low, MAX(amount) AS high\nFROM orders\nWHERE amount > 0\nGROUP BY status, day";
    for c in query.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        key(app, code, KeyModifiers::NONE);
    }
    key(app, KeyCode::F(5), KeyModifiers::NONE);
    requests(app, sent);
    answer(
        app,
        sent,
        |k| matches!(k, RequestKind::Preview { .. }),
        ResponseKind::Preview(Ok(preview())),
    );
    key(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    key(app, KeyCode::Char('y'), KeyModifiers::NONE);
    requests(app, sent);
    for event in [
        Event::Locked {
            lock_ms: 4.5,
            wait_ms: 0.2,
        },
        Event::Progress(Progress {
            rows_done: 1_260_000,
            rows_total: 3_000_000,
            percent: 42.0,
            rate: 210_000.0,
            eta_secs: 8.3,
            chunk_size: 8000,
            chunks: 160,
        }),
    ] {
        answer(
            app,
            sent,
            |k| matches!(k, RequestKind::Create { .. }),
            ResponseKind::Progress(event),
        );
    }
}

/// The compare pane with 40 rows on each side.
fn fill_compare(app: &mut App) {
    let set = |micros| ResultSet {
        columns: ["status", "day", "n", "total", "low", "high"]
            .iter()
            .map(|c| c.to_string())
            .collect(),
        rows: (0..40)
            .map(|i| {
                vec![
                    ["new", "paid", "shipped"][i % 3].to_string(),
                    format!("2026-01-{:02}", i % 28 + 1),
                    format!("{}", 1000 + i * 37),
                    format!("{}.{:02}", 148_965 + i * 101, i % 100),
                    "0.01".to_string(),
                    "999.99".to_string(),
                ]
            })
            .collect(),
        micros,
    };
    app.compare.set_result(Some(CompareResult {
        schema: "shop".into(),
        name: "orders_by_status".into(),
        query: set(812_000),
        summary: set(900),
        matches: true,
    }));
}

/// A preview as long as a real one of the query above.
fn preview() -> PreviewDoc {
    let trigger = |event: &str| {
        Statement {
        title: format!("trigger _lt_orders_by_status_{event}"),
        sql: format!(
            "CREATE TRIGGER `shop`.`_lt_orders_by_status_{event}` AFTER {event} ON `shop`.`orders` FOR EACH ROW\nBEGIN\n  INSERT INTO `shop`.`_lt_orders_by_status_g1` (`k0`, `k1`, `slot`, `n`, `s_total`, `c_total`)\n  VALUES (NEW.`status`, NEW.`day`, 0, 1, NEW.`amount`, NEW.`amount` IS NOT NULL)\n  ON DUPLICATE KEY UPDATE `n` = `n` + 1, `s_total` = `s_total` + VALUES(`s_total`);\nEND"
        ),
    }
    };
    PreviewDoc {
        schema: "shop".into(),
        name: "orders_by_status".into(),
        base_table: "orders".into(),
        statements: vec![
            Statement {
                title: "state table".into(),
                sql: "CREATE TABLE `shop`.`_lt_orders_by_status_g1` (\n  `k0` enum('new','paid','shipped') NOT NULL,\n  `k1` date NOT NULL,\n  `slot` SMALLINT NOT NULL,\n  `n` BIGINT NOT NULL,\n  `s_total` DECIMAL(65,2) NULL,\n  `c_total` BIGINT NOT NULL,\n  PRIMARY KEY (`k0`, `k1`, `slot`)\n) ENGINE=InnoDB".into(),
            },
            Statement {
                title: "view".into(),
                sql: "CREATE OR REPLACE SQL SECURITY DEFINER VIEW `shop`.`orders_by_status` AS SELECT `k0` AS `status`, `k1` AS `day`, SUM(`n`) AS `n`, IF(SUM(`c_total`) = 0, NULL, SUM(`s_total`)) AS `total` FROM `shop`.`_lt_orders_by_status_g1` GROUP BY `k0`, `k1` HAVING SUM(`n`) > 0".into(),
            },
            trigger("INSERT"),
            trigger("UPDATE"),
            trigger("DELETE"),
        ],
        warnings: Vec::new(),
        clash: None,
        migration: None,
    }
}
