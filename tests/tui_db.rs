//! The TUI against a real (private) MariaDB: the App and its worker, driven
//! by keys, from picking a table to a ready summary, compared, validated and
//! dropped.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lightning_tables::tui::app::{App, Effect, Msg};
use lightning_tables::tui::history::History;
use lightning_tables::tui::keymap::Keymap;
use lightning_tables::tui::panes::preview::PreviewContent;
use lightning_tables::tui::panes::schema::Load;
use lightning_tables::tui::panes::PaneId;
use lightning_tables::tui::popup::Popup;
use lightning_tables::tui::worker::Worker;
use mysql::prelude::Queryable;
use std::time::{Duration, Instant};

/// An App wired to a real worker, pumped like the real event loop.
struct Driver {
    app: App,
    worker: Worker,
    max_percent: f64,
}

impl Driver {
    fn pump_once(&mut self) {
        for effect in self.app.take_effects() {
            match effect {
                Effect::Send(r) => self.worker.send(r),
                Effect::EditExternally(_) => panic!("no external editor in this test"),
                Effect::SaveProfile(..) => panic!("no profile is saved in this test"),
                Effect::Demo(_) => panic!("no demo in this test"),
                Effect::Redraw => {}
                Effect::Export(_) => panic!("no export in this test"),
            }
        }
        if let Some(r) = self.worker.recv_timeout(Duration::from_millis(20)) {
            self.app.update(Msg::Worker(r));
        }
        while let Some(r) = self.worker.try_recv() {
            self.app.update(Msg::Worker(r));
        }
        for job in &self.app.summaries.jobs {
            if let Some(p) = &job.progress {
                self.max_percent = self.max_percent.max(p.percent);
            }
        }
        self.app.update(Msg::Tick(Instant::now()));
    }

    /// Pumps until `done` holds; panics with the screen state after `secs`.
    fn until(&mut self, what: &str, secs: u64, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(&self.app) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; status {:?}, popup {:?}, preview {:?}",
                self.app.status,
                self.app.popup,
                self.app.preview.content
            );
            self.pump_once();
        }
    }

    fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.app.update(Msg::Key(KeyEvent::new(code, mods)));
        self.pump_once();
    }

    fn char(&mut self, c: char) {
        self.key(KeyCode::Char(c), KeyModifiers::NONE);
    }

    fn ctrl(&mut self, c: char) {
        self.key(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.update(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self.pump_once();
    }
}

fn listed_status(app: &App, name: &str) -> Option<String> {
    app.summaries
        .list
        .iter()
        .flatten()
        .find(|r| r.entry.name == name)
        .map(|r| r.entry.status.to_string())
}

#[test]
fn pick_table_type_query_preview_create_compare_validate_drop() {
    let db = support::server::fresh_db("tui");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, status ENUM('new','paid','shipped') NOT NULL, amount DECIMAL(10,2) NULL) ENGINE=InnoDB",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    conn.query_drop(
        "INSERT INTO orders (status, amount) SELECT ELT(1 + seq % 3, 'new', 'paid', 'shipped'), (seq % 100) / 4 FROM seq_1_to_6000",
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let app = App::new(
        "root@test",
        Keymap::default(),
        History::load(None),
        Instant::now(),
    );
    let mut d = Driver {
        app,
        worker: Worker::start(db.opts()),
        max_percent: 0.0,
    };

    // The default database opens by itself; select `orders`.
    let name = db.name.clone();
    d.until("the tables of the test database", 30, |app| {
        matches!(app.schema.db(&name).map(|x| &x.tables), Some(Load::Loaded(t)) if !t.is_empty())
    });
    assert!(d
        .app
        .version
        .as_deref()
        .is_some_and(|v| v.contains("MariaDB")));
    for _ in 0..10 {
        if d.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.table.as_deref())
            == Some("orders")
        {
            break;
        }
        d.char('j');
    }
    assert_eq!(
        d.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.table.as_deref()),
        Some("orders")
    );

    // The template for the table previews cleanly.
    d.char('t');
    d.until("the template preview", 30, |app| {
        matches!(app.preview.content, PreviewContent::Ready(_)) && !app.preview.waiting
    });
    assert_eq!(d.app.focus, PaneId::Editor);
    assert_eq!(d.app.editor.name, "orders_by_status");
    assert!(d.app.editor.text().contains("SUM(amount)"));

    // A query the engine rejects: the position is marked in the editor.
    d.ctrl('z');
    assert_eq!(d.app.editor.text(), "");
    d.type_text("SELECT status, GROUP_CONCAT(amount) FROM orders GROUP BY status");
    d.until("the rejection", 30, |app| {
        matches!(app.preview.content, PreviewContent::Rejected(_)) && !app.preview.waiting
    });
    let pos = d
        .app
        .editor
        .error_pos
        .unwrap_or_else(|| panic!("no position: {:?}", d.app.preview.content));
    assert_eq!(pos.line, 1);

    // Type the real query; the debounced preview comes back with DDL and triggers.
    d.key(KeyCode::F(2), KeyModifiers::NONE);
    for _ in 0..40 {
        d.key(KeyCode::Backspace, KeyModifiers::NONE);
    }
    d.type_text("status_totals");
    d.key(KeyCode::Enter, KeyModifiers::NONE);
    for _ in 0..100 {
        if d.app.editor.text().is_empty() {
            break;
        }
        d.ctrl('z');
    }
    assert_eq!(d.app.editor.text(), "");
    d.type_text("SELECT status, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY status");
    d.until("the preview", 30, |app| {
        matches!(app.preview.content, PreviewContent::Ready(_)) && !app.preview.waiting
    });
    let PreviewContent::Ready(doc) = d.app.preview.content.clone() else {
        unreachable!()
    };
    assert_eq!(doc.name, "status_totals");
    assert!(doc
        .statements
        .iter()
        .any(|s| s.sql.contains("TRIGGER") && s.sql.starts_with("CREATE")));
    assert!(doc.statements.iter().any(|s| s.sql.contains("VIEW")));
    // The export key's migration: the same statements, and a drop script for each object.
    let migration = doc
        .migration
        .clone()
        .unwrap_or_else(|| panic!("no migration"));
    for s in &doc.statements {
        assert!(
            migration.apply.contains(s.sql.trim_end_matches(';')),
            "{}",
            s.title
        );
    }
    assert!(migration.drop.contains("DROP VIEW IF EXISTS"));
    assert_eq!(migration.drop.matches("DROP TRIGGER IF EXISTS").count(), 3);

    // Create: the confirmation shows the statements; yes starts the backfill.
    d.ctrl('s');
    let Some(Popup::Confirm { body, .. }) = &d.app.popup else {
        panic!("no confirmation: {:?}", d.app.popup)
    };
    assert!(body
        .iter()
        .any(|l| l.starts_with("CREATE") && l.contains("TRIGGER")));
    d.char('y');
    assert_eq!(d.app.focus, PaneId::Summaries);
    d.until("the summary to be ready", 120, |app| {
        listed_status(app, "status_totals").as_deref() == Some("ready")
    });
    assert_eq!(d.max_percent, 100.0, "the gauge reached 100 %");
    assert!(d.app.summaries.jobs.iter().all(|j| j.done));
    let lock_ms = d.app.summaries.jobs.iter().find_map(|j| j.lock_ms);
    assert!(lock_ms.is_some(), "writers' pause recorded");
    let status = d.app.status.clone().map(|(_, t)| t).unwrap_or_default();
    assert!(
        status.contains("status_totals created: 6000 rows"),
        "{status}"
    );

    // Compare: same rows, timed.
    let index = d
        .app
        .summaries
        .items()
        .iter()
        .position(|i| i.name == "status_totals");
    d.app.summaries.selected = index.unwrap_or(0);
    d.key(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(d.app.focus, PaneId::Compare);
    d.until("the comparison", 60, |app| {
        app.compare.result().is_some() || app.compare.error.is_some()
    });
    let result = d
        .app
        .compare
        .result()
        .cloned()
        .unwrap_or_else(|| panic!("{:?}", d.app.compare.error));
    assert!(result.matches, "{result:?}");
    assert_eq!(result.query.rows.len(), 3);

    // Validate.
    d.app.focus_pane(PaneId::Summaries);
    d.char('v');
    d.until("the validation", 60, |app| {
        matches!(app.popup, Some(Popup::Message { .. }))
    });
    assert!(
        matches!(&d.app.popup, Some(Popup::Message { error: false, body, .. }) if body[0].contains("is exact")),
        "{:?}",
        d.app.popup
    );
    d.key(KeyCode::Esc, KeyModifiers::NONE);

    // Drop, confirmed.
    d.char('d');
    d.char('y');
    d.until("the drop", 60, |app| {
        app.summaries.list.is_some()
            && listed_status(app, "status_totals").is_none()
            && app.pending.is_empty()
    });
    let views: Option<u64> = conn
        .query_first(format!(
            "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{}'",
            db.name
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(views, Some(0));
}

#[test]
fn a_long_statement_is_cancelled_with_kill_query() {
    let db = support::server::fresh_db("tui_kill");
    let worker = Worker::start(db.opts());
    use lightning_tables::tui::worker::{Request, RequestKind, ResponseKind};
    // Connect first so the session connection exists.
    worker.send(Request {
        id: 1,
        kind: RequestKind::Connect,
    });
    let r = worker
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("no answer"));
    assert!(matches!(r.kind, ResponseKind::Connected { .. }), "{r:?}");
    // A comparison whose query sleeps; cancel it.
    worker.send(Request {
        id: 2,
        kind: RequestKind::Compare {
            schema: db.name.clone(),
            name: "nothing".into(),
            query: "SELECT SLEEP(30)".into(),
        },
    });
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    worker.send(Request {
        id: 3,
        kind: RequestKind::Cancel { target: 2 },
    });
    let r = worker
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no answer after cancel"));
    assert_eq!(r.id, 2);
    // SLEEP() returns 1 when killed rather than failing; either way it ends at once.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(r.kind, ResponseKind::Cancelled | ResponseKind::Failed(_)),
        "{r:?}"
    );
}

#[test]
fn a_long_validation_is_cancelled_with_kill_query() {
    use lightning_tables::lifecycle::{create, Control, CreateOptions};
    use lightning_tables::tui::worker::{Request, RequestKind, ResponseKind};
    let db = support::server::fresh_db("tui_kill_validate");
    let mut conn = db.conn();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, g INT NOT NULL)")
        .unwrap();
    conn.query_drop("INSERT INTO t SELECT seq, seq % 5 FROM seq_1_to_100")
        .unwrap();
    create(
        &db.opts(),
        "s",
        "SELECT g, COUNT(*) AS n FROM t GROUP BY g",
        &CreateOptions::default(),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    // Another session holds the table: the validation's read waits for it (as a read of a huge
    // table would take long), until the cancel kills the statement.
    conn.query_drop("SET SESSION lock_wait_timeout = 60")
        .unwrap();
    conn.query_drop("LOCK TABLES t WRITE").unwrap();
    let worker = Worker::start(db.opts());
    worker.send(Request {
        id: 1,
        kind: RequestKind::Connect,
    });
    let r = worker
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("no answer"));
    assert!(matches!(r.kind, ResponseKind::Connected { .. }), "{r:?}");
    worker.send(Request {
        id: 2,
        kind: RequestKind::Validate {
            schema: db.name.clone(),
            name: "s".into(),
        },
    });
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    worker.send(Request {
        id: 3,
        kind: RequestKind::Cancel { target: 2 },
    });
    let r = worker
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no answer after cancel"));
    conn.query_drop("UNLOCK TABLES").unwrap();
    assert_eq!(r.id, 2, "{r:?}");
    assert!(matches!(r.kind, ResponseKind::Cancelled), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
