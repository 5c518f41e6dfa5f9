//! Shared helpers of the TUI tests: drive an `App` with keys, ticks and
//! worker responses, without a terminal or a server.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use lightning_tables::db::doctor::{DoctorReport, ServerFacts};
use lightning_tables::db::options::profile::Profile;
use lightning_tables::engine::codegen::migration::Migration;
use lightning_tables::lifecycle::catalog::{Entry, Status};
use lightning_tables::lifecycle::StatusReport;
use lightning_tables::tui::app::{App, Effect, Msg};
use lightning_tables::tui::demo::protocol::DemoRequest;
use lightning_tables::tui::export::Export;
use lightning_tables::tui::history::History;
use lightning_tables::tui::keymap::Keymap;
use lightning_tables::tui::setup::form::Defaults;
use lightning_tables::tui::setup::SetupContext;
use lightning_tables::tui::worker::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

/// An app under test and everything it sent.
pub struct Harness {
    /// The app.
    pub app: App,
    /// Requests sent so far.
    pub sent: Vec<Request>,
    /// External edits asked for.
    pub edits: Vec<String>,
    /// Profiles the app asked to save.
    pub saved: Vec<Profile>,
    /// The name each was saved under (`None`: the default profile).
    pub saved_names: Vec<Option<String>>,
    /// Requests to the demo worker.
    pub demo: Vec<DemoRequest>,
    /// The test clock.
    pub now: Instant,
    /// Full redraws asked for (Ctrl-L).
    pub redraws: usize,
    /// Exports asked for.
    pub exports: Vec<Export>,
}

impl Harness {
    /// A fresh app at 80x24.
    pub fn new() -> Harness {
        Harness::with_keymap(Keymap::default())
    }

    /// A fresh app at 80x24 with the user's key bindings `keymap`.
    pub fn with_keymap(keymap: Keymap) -> Harness {
        let now = Instant::now();
        let app = App::new("root@127.0.0.1:3306", keymap, History::load(None), now);
        let mut h = Harness {
            app,
            sent: Vec::new(),
            edits: Vec::new(),
            saved: Vec::new(),
            saved_names: Vec::new(),
            demo: Vec::new(),
            now,
            redraws: 0,
            exports: Vec::new(),
        };
        h.drain();
        h
    }

    /// The first run without a connection: the wizard is open.
    pub fn first_run(setup: SetupContext) -> Harness {
        let now = Instant::now();
        let app = App::first_run(Keymap::default(), History::load(None), now, setup);
        let mut h = Harness {
            app,
            sent: Vec::new(),
            edits: Vec::new(),
            saved: Vec::new(),
            saved_names: Vec::new(),
            demo: Vec::new(),
            now,
            redraws: 0,
            exports: Vec::new(),
        };
        h.drain();
        h
    }

    /// Moves the effects into `sent`/`edits`.
    pub fn drain(&mut self) {
        for e in self.app.take_effects() {
            match e {
                Effect::Send(r) => self.sent.push(r),
                Effect::EditExternally(t) => self.edits.push(t),
                Effect::SaveProfile(name, p) => {
                    self.saved_names.push(name);
                    self.saved.push(p);
                }
                Effect::Demo(r) => self.demo.push(r),
                Effect::Redraw => self.redraws += 1,
                Effect::Export(e) => self.exports.push(e),
            }
        }
    }

    /// Applies a message.
    pub fn msg(&mut self, msg: Msg) {
        self.app.update(msg);
        self.drain();
    }

    /// Presses a key given in the keymap syntax (`q`, `ctrl-c`, `f5`, `enter`...).
    pub fn key(&mut self, spec: &str) {
        let (code, mods) = parse(spec);
        self.msg(Msg::Key(KeyEvent::new(code, mods)));
    }

    /// Presses several keys.
    pub fn keys(&mut self, specs: &[&str]) {
        for s in specs {
            self.key(s);
        }
    }

    /// Types text (newlines as Enter).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            self.msg(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
    }

    /// Advances the clock.
    pub fn tick(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
        self.msg(Msg::Tick(self.now));
    }

    /// Left click at a screen position.
    pub fn click(&mut self, x: u16, y: u16) {
        self.msg(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }));
    }

    /// The last sent request matching `pred`.
    pub fn last(&self, pred: impl Fn(&RequestKind) -> bool) -> Option<Request> {
        self.sent.iter().rev().find(|r| pred(&r.kind)).cloned()
    }

    /// Answers the last request matching `pred` with `kind`; panics if none.
    pub fn reply(&mut self, pred: impl Fn(&RequestKind) -> bool, kind: ResponseKind) -> RequestId {
        let Some(r) = self.last(pred) else {
            panic!("no such request among {:#?}", self.sent)
        };
        self.msg(Msg::Worker(Response { id: r.id, kind }));
        r.id
    }

    /// Renders at `w`x`h` and returns the screen as text.
    pub fn render(&mut self, w: u16, h: u16) -> String {
        self.msg(Msg::Resize(w, h));
        let mut terminal = match Terminal::new(TestBackend::new(w, h)) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        if let Err(e) = terminal.draw(|f| lightning_tables::tui::ui::draw(f, &self.app)) {
            panic!("{e}");
        }
        terminal.backend().to_string()
    }

    /// The shop schema with `orders` opened in the browser and its columns loaded.
    pub fn with_orders_open(&mut self) {
        self.with_shop();
        self.keys(&["j", "j", "l"]);
        self.reply(
            |k| matches!(k, RequestKind::Columns { .. }),
            ResponseKind::Columns {
                database: "shop".into(),
                table: "orders".into(),
                columns: order_columns(),
            },
        );
    }

    /// Loads the demo schema: databases, tables of `shop`, columns of `orders`.
    pub fn with_shop(&mut self) {
        self.reply(
            |k| matches!(k, RequestKind::Connect),
            ResponseKind::Connected {
                version: "11.4.2-MariaDB".into(),
                database: Some("shop".into()),
            },
        );
        self.reply(
            |k| matches!(k, RequestKind::Databases),
            ResponseKind::Databases(vec!["analytics".into(), "shop".into()]),
        );
        self.reply(
            |k| matches!(k, RequestKind::Tables { database } if database == "shop"),
            ResponseKind::Tables {
                database: "shop".into(),
                tables: shop_tables(),
            },
        );
        self.reply(
            |k| matches!(k, RequestKind::Summaries),
            ResponseKind::Summaries(vec![report("orders_by_status", "ready")]),
        );
    }
}

fn parse(spec: &str) -> (KeyCode, KeyModifiers) {
    let (mods, rest) = match spec.strip_prefix("ctrl-") {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "space" => KeyCode::Char(' '),
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().unwrap_or(1)),
        c => KeyCode::Char(c.chars().next().unwrap_or(' ')),
    };
    (code, mods)
}

/// Tables of the demo database.
pub fn shop_tables() -> Vec<TableInfo> {
    vec![
        TableInfo {
            name: "customers".into(),
            kind: TableKind::Table,
            rows_estimate: Some(1200),
            summaries: vec![],
        },
        TableInfo {
            name: "orders".into(),
            kind: TableKind::Table,
            rows_estimate: Some(1_500_000),
            summaries: vec!["orders_by_status".into()],
        },
        TableInfo {
            name: "orders_by_status".into(),
            kind: TableKind::Summary,
            rows_estimate: None,
            summaries: vec![],
        },
    ]
}

/// Columns of `shop.orders`.
pub fn order_columns() -> Vec<ColumnInfo> {
    let col = |name: &str, t: &str, nullable: bool, key: &str| ColumnInfo {
        name: name.into(),
        column_type: t.into(),
        nullable,
        key: key.into(),
    };
    vec![
        col("id", "bigint(20)", false, "PRI"),
        col("customer_id", "int(11)", false, "MUL"),
        col("status", "enum('new','paid','shipped')", false, ""),
        col("amount", "decimal(10,2)", true, ""),
        col("created_at", "datetime", false, ""),
    ]
}

/// A catalog report for summary `name` in `shop` with `status`.
pub fn report(name: &str, status: &str) -> StatusReport {
    StatusReport {
        entry: Entry {
            schema: "shop".into(),
            name: name.into(),
            base_table: "orders".into(),
            query: "SELECT status, COUNT(*) AS n FROM orders GROUP BY status".into(),
            status: Status::parse(status),
            generation: 1,
            slots: 1,
            rows_done: 1_500_000,
            rows_total: 1_500_000,
            chunk_size: 5000,
            rate: 250_000.0,
            lock_ms: Some(3.2),
            lock_wait_ms: Some(0.4),
            base_fingerprint: String::new(),
            owner: None,
            error: None,
            created_at: "2025-01-01 00:00:00".into(),
            updated_at: "2025-01-01 00:00:00".into(),
            ready_at: Some("2025-01-01 00:00:06".into()),
            last_validated_at: None,
            last_validation: Some("exact".into()),
            regions: None,
            checkpoint: 0,
            checkpoint_rows: 0,
            sql_mode: None,
        },
        triggers_present: true,
        tables: vec!["t".into()],
        backfill_running: false,
        base_altered: false,
        base_missing: false,
        missing_columns: Vec::new(),
        base_engine: Some("InnoDB".into()),
        missing_definer: None,
        view_present: true,
        view_security: Some("DEFINER".into()),
        view_definer: Some("app@%".into()),
        missing_view_definer: None,
        groups: None,
        read_error: None,
        size_bytes: 16384,
        summary: "ready: exact and maintained".into(),
        maintained_by: None,
    }
}

/// A preview document like the worker makes.
pub fn preview_doc() -> PreviewDoc {
    PreviewDoc {
        schema: "shop".into(),
        name: "orders_by_status".into(),
        base_table: "orders".into(),
        statements: vec![
            Statement {
                title: "state table".into(),
                sql: "CREATE TABLE `shop`.`_lt_orders_by_status_g1` (\n  `k0` enum('new','paid','shipped') NOT NULL,\n  `slot` SMALLINT NOT NULL,\n  `n` BIGINT NOT NULL,\n  PRIMARY KEY (`k0`, `slot`)\n) ENGINE=InnoDB".into(),
            },
            Statement {
                title: "view".into(),
                sql: "CREATE OR REPLACE VIEW `shop`.`orders_by_status` AS SELECT `k0` AS `status`, SUM(`n`) AS `n` FROM `shop`.`_lt_orders_by_status_g1` GROUP BY `k0` HAVING SUM(`n`) > 0".into(),
            },
            Statement {
                title: "trigger _lt_orders_by_status_ins (INSERT)".into(),
                sql: "CREATE TRIGGER `shop`.`_lt_orders_by_status_ins` AFTER INSERT ON `shop`.`orders` FOR EACH ROW\nINSERT INTO `shop`.`_lt_orders_by_status_g1` (`k0`, `slot`, `n`) VALUES (NEW.`status`, 0, 1)\nON DUPLICATE KEY UPDATE `n` = `n` + 1".into(),
            },
        ],
        warnings: vec![],
        clash: None,
        migration: Some(Migration {
            apply: "-- LightningTables migration\nCREATE TABLE x (a INT);\n".into(),
            drop: "DROP TABLE IF EXISTS x;\n".into(),
        }),
    }
}

/// Form defaults of the tests: user `alice`, no socket found.
pub fn defaults() -> Defaults {
    Defaults {
        user: "alice".into(),
        socket: None,
    }
}

/// A wizard context with nothing known.
pub fn nothing_known() -> SetupContext {
    SetupContext {
        sources: Vec::new(),
        defaults: defaults(),
    }
}

/// A doctor report for `root` on `shop` (ready, or missing TRIGGER).
pub fn doctor_report(ready: bool) -> DoctorReport {
    let grants = if ready {
        "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`"
    } else {
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, CREATE VIEW, SHOW VIEW, LOCK TABLES, CREATE TEMPORARY TABLES ON `shop`.* TO `root`@`localhost`"
    };
    let facts = ServerFacts {
        version: "11.4.2-MariaDB".into(),
        version_comment: "MariaDB Server".into(),
        current_user: "root@localhost".into(),
        grants: vec![grants.into()],
        log_bin: false,
        binlog_format: Some("MIXED".into()),
        trust_function_creators: false,
        case_insensitive_names: false,
        isolation: Some("REPEATABLE-READ".into()),
        database_exists: Some(true),
        tables: vec![("orders".into(), Some("InnoDB".into()))],
    };
    DoctorReport::assemble("root@127.0.0.1:3399", Some("shop"), &facts)
}

/// Demo-mode helpers: the setup and the worker's replies.
pub mod demo {
    use lightning_tables::demo::compare::{Comparison, Latency};
    use lightning_tables::demo::mix::Mix;
    use lightning_tables::demo::runner::{DemoEvent, SummaryValidation};
    use lightning_tables::demo::schema::LoadReport;
    use lightning_tables::demo::workload::{Tuning, WorkloadCounters};
    use lightning_tables::lifecycle::{Event, Progress};
    use lightning_tables::tui::demo::protocol::{Built, DemoReply};
    use lightning_tables::tui::demo::state::DemoSetup;

    /// 100 000 transactions of 5 000 users, 4 writers at 400/s.
    pub fn setup(autoplay: bool) -> DemoSetup {
        DemoSetup {
            database: "lightning_demo".into(),
            load: LoadReport {
                transactions: 100_000,
                users: 5_000,
                secs: 1.2,
            },
            writers: 4,
            ops_per_sec: 400,
            seed: 42,
            autoplay,
        }
    }

    /// The writers started.
    pub fn writes_started() -> DemoReply {
        DemoReply::Event(DemoEvent::WritesStarted {
            writers: 4,
            tuning: Tuning {
                ops_per_sec: 400,
                mix: Mix::default(),
            },
        })
    }

    /// Counters with `total` writes after `secs`.
    pub fn counters(total: u64, secs: f64) -> DemoReply {
        DemoReply::Event(DemoEvent::Writes(WorkloadCounters {
            inserts: total / 2,
            updates: total / 4,
            moves: total / 8,
            deletes: total - total / 2 - total / 4 - total / 8,
            conflicts: 1,
            errors: 0,
            max_write_ms: 12.0,
            elapsed_secs: secs,
        }))
    }

    /// The writers stopped after `total` writes.
    pub fn writes_stopped(total: u64) -> DemoReply {
        match counters(total, 30.0) {
            DemoReply::Event(DemoEvent::Writes(c)) => DemoReply::Event(DemoEvent::WritesStopped(c)),
            other => other,
        }
    }

    /// One timed run of the report query.
    pub fn baseline(ms: f64) -> DemoReply {
        DemoReply::Event(DemoEvent::Baseline { ms, rows: 5000 })
    }

    /// A backfill event of `summary`.
    pub fn backfill(summary: &str, detail: Event) -> DemoReply {
        DemoReply::Event(DemoEvent::Backfill {
            summary: summary.into(),
            detail,
        })
    }

    /// The statements of the debits summary, triggers included.
    pub fn prepared() -> Event {
        Event::Prepared {
            statements: vec![
                "CREATE TABLE `lightning_demo`.`_lt_debits_by_user_g1` (...)".into(),
                "CREATE OR REPLACE VIEW `lightning_demo`.`debits_by_user` AS ...".into(),
                "CREATE OR REPLACE TRIGGER `lightning_demo`.`_lt_debits_by_user_ins` AFTER INSERT ON `lightning_demo`.`transactions` FOR EACH ROW\nBEGIN\n  IF (NEW.`kind` = 'debit') THEN\n    INSERT INTO `lightning_demo`.`_lt_debits_by_user_g1` ...;\n  END IF;\nEND".into(),
                "CREATE OR REPLACE TRIGGER `lightning_demo`.`_lt_debits_by_user_upd` AFTER UPDATE ON `lightning_demo`.`transactions` FOR EACH ROW\nBEGIN\nEND".into(),
                "CREATE OR REPLACE TRIGGER `lightning_demo`.`_lt_debits_by_user_del` AFTER DELETE ON `lightning_demo`.`transactions` FOR EACH ROW\nBEGIN\nEND".into(),
            ],
        }
    }

    /// Backfill progress at `percent`.
    pub fn progress(percent: f64) -> Event {
        Event::Progress(Progress {
            rows_done: (percent * 1000.0) as u64,
            rows_total: 100_000,
            percent,
            rate: 200_000.0,
            eta_secs: 0.3,
            chunk_size: 5000,
            chunks: 4,
        })
    }

    /// `summary` is ready.
    pub fn created(summary: &str) -> DemoReply {
        DemoReply::Created {
            summary: summary.into(),
            built: Built {
                rows: 100_000,
                backfill_secs: 0.5,
                lock_ms: 3.2,
            },
        }
    }

    fn latency(base: f64, samples: usize) -> Latency {
        Latency {
            current_ms: base * 1.1,
            min_ms: base * 0.9,
            median_ms: base,
            max_ms: base * 1.5,
            samples,
        }
    }

    /// The running comparison of `summary` after `samples` rounds.
    pub fn comparison(summary: &str, samples: usize, matches: bool) -> DemoReply {
        DemoReply::Event(DemoEvent::Comparison {
            summary: summary.into(),
            comparison: Comparison {
                original: latency(480.0, samples),
                summary: latency(1.2, samples),
                original_rows: 5000,
                summary_rows: 5000,
                matches,
                speedup: 400.0,
            },
        })
    }

    /// Totals read from `summary`.
    pub fn totals(summary: &str, n: &str) -> DemoReply {
        DemoReply::Totals {
            summary: summary.into(),
            n: n.into(),
            total: "9231915.73".into(),
        }
    }

    /// The validation of `summary`.
    pub fn validated(summary: &str, exact: bool) -> DemoReply {
        DemoReply::Event(DemoEvent::Validated(SummaryValidation {
            summary: summary.into(),
            exact,
            groups: 5000,
            differing_groups: u64::from(!exact),
            problems: vec![],
        }))
    }
}
