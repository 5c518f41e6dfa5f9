//! End to end: the real `lightning` binary in a tmux pane against the
//! harness server — pick a table, template, create, edit in $EDITOR,
//! resize, quit — reading the screen with `tmux capture-pane`.
//!
//! Needs `tmux`; without it the test says so and passes (CI installs it).

mod support;

use lightning_tables::tui::tmux::{self, Tmux};
use mysql::prelude::Queryable;
use std::process::Command;
use std::time::Duration;

/// The shared tmux driver (`lightning_tables::tui::tmux`), failing the test on an error.
struct Term(Tmux);

impl Term {
    fn start(socket: String, width: u16, height: u16, command: &str) -> Term {
        Term(Tmux::start(&socket, width, height, command).unwrap_or_else(|e| panic!("{e}")))
    }

    fn socket(&self) -> &str {
        self.0.socket()
    }

    fn run(&self, args: &[&str]) -> String {
        self.0.run(args).unwrap_or_else(|e| panic!("{e}"))
    }

    fn screen(&self) -> String {
        self.0.screen().unwrap_or_else(|e| panic!("{e}"))
    }

    fn keys(&self, keys: &[&str]) {
        self.0.keys(keys).unwrap_or_else(|e| panic!("{e}"));
    }

    fn text(&self, text: &str) {
        self.0.text(text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn paste(&self, text: &str) {
        self.0.paste(text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn wait_for(&self, what: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
        self.0
            .wait_for(what, Duration::from_secs(secs), done)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

#[test]
fn the_binary_in_a_terminal() {
    if !tmux::installed() {
        eprintln!("tmux is not installed: end-to-end TUI test not run");
        return;
    }
    let db = support::server::orders_db("tui_e2e", 3000);
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let editor = home.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'SELECT status, MAX(amount) AS top FROM orders GROUP BY status\\n' > \"$1\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));

    let command = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data EDITOR={editor} TERM=xterm-256color {bin} --no-defaults --url {url}; echo EXITED $?; sleep 60",
        home = home.path().display(),
        editor = editor.display(),
        bin = env!("CARGO_BIN_EXE_lightning"),
        url = db.url(),
    );
    let tmux = Term::start(format!("lt-e2e-{}", std::process::id()), 80, 24, &command);

    // Connected, the default database open.
    // The UI must come up: a placeholder or an early exit fails here.
    tmux.wait_for("the UI", 30, |s| s.contains("LightningTables"));
    tmux.wait_for("the schema", 30, |s| {
        s.contains("LightningTables") && s.contains("MariaDB") && s.contains("orders")
    });
    // Filter to the table, template, preview.
    tmux.keys(&["/"]);
    tmux.text("orders");
    tmux.keys(&["Enter", "t"]);
    let screen = tmux.wait_for("the template preview", 30, |s| {
        s.contains("orders_by_status") && s.contains("CREATE TABLE")
    });
    assert!(screen.contains("GROUP BY status"), "{screen}");
    // Create, confirmed; the summary becomes ready.
    tmux.keys(&["C-s"]);
    tmux.wait_for("the confirmation", 10, |s| {
        s.contains("Create summary") && s.contains("y/Enter")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the summary to be ready", 60, |s| {
        s.contains("orders_by_status created") && s.contains(" ready")
    });
    // Bigger terminal: every pane at once, each with its own title.
    tmux.0.resize(160, 48).unwrap_or_else(|e| panic!("{e}"));
    tmux.wait_for("the wide layout", 10, |s| {
        s.contains("┌ Summaries") && s.contains("┌ Compare")
    });
    // Help opens over it and closes again.
    tmux.keys(&["F1"]);
    tmux.wait_for("the help", 10, |s| s.contains("Everywhere"));
    tmux.keys(&["?"]);
    tmux.wait_for("the help to close", 10, |s| !s.contains("Everywhere"));
    // Edit the query in $EDITOR (the terminal is handed over and taken back).
    tmux.keys(&["BTab", "BTab", "C-e"]);
    let screen = tmux.wait_for("the edited query", 20, |s| s.contains("MAX(amount) AS top"));
    assert!(
        screen.contains("LightningTables"),
        "UI is back after the editor:\n{screen}"
    );
    tmux.wait_for("its preview", 20, |s| s.contains("MIN/MAX multiset"));
    // Quit from a pane where q is not text.
    tmux.keys(&["BTab", "q"]);
    let screen = tmux.wait_for("the exit", 10, |s| s.contains("EXITED"));
    assert!(screen.contains("EXITED 0"), "{screen}");
    // The title bar and the footer are gone with the alternate screen. (After
    // `resize-window` tmux may keep a few reflowed rows of the old screen in
    // the main grid, so only the UI's own first and last lines are checked.)
    assert!(
        !screen.contains("⚡ LightningTables") && !screen.contains("F1 help"),
        "the alternate screen is left:\n{screen}"
    );
}

/// The first run: no options, no ~/.my.cnf, no profile. The wizard asks for
/// the connection, tests it, shows the checks, saves the profile (without a
/// password), and the guide walks to a created summary; the second start
/// uses the saved profile.
#[test]
fn the_wizard_in_a_terminal() {
    if !tmux::installed() {
        eprintln!("tmux is not installed: end-to-end wizard test not run");
        return;
    }
    let db = support::server::orders_db("tui_wizard", 2000);
    let server = mysql::Opts::from_url(&db.url()).unwrap_or_else(|e| panic!("{e}"));
    let port = server.get_tcp_port().to_string();
    let user = server.get_user().unwrap_or("root").to_string();
    let password = server.get_pass().map(str::to_string);
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = home.path().join("config");
    let command = format!(
        "env HOME={home} XDG_CONFIG_HOME={config} XDG_DATA_HOME={home}/data USER=nobody MYSQL_PWD= TERM=xterm-256color {bin}; echo EXITED $?; sleep 60",
        home = home.path().display(),
        config = config.display(),
        bin = env!("CARGO_BIN_EXE_lightning"),
    );
    let tmux = Term::start(
        format!("lt-e2e-wizard-{}", std::process::id()),
        80,
        24,
        &command,
    );
    tmux.wait_for("the wizard", 30, |s| {
        s.contains("Connection setup") && s.contains("Host") || s.contains("EXITED")
    });
    // Host stays 127.0.0.1; port, user, password, database.
    tmux.keys(&["Tab", "C-u"]);
    tmux.text(&port);
    tmux.keys(&["Tab", "C-u"]);
    tmux.text(&user);
    tmux.keys(&["Tab"]);
    if let Some(pw) = &password {
        tmux.text(pw);
    }
    tmux.keys(&["Tab"]);
    tmux.text(&db.name);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the checks", 30, |s| {
        s.contains("What the server said") || s.contains("refused") || s.contains("Nothing answers")
    });
    assert!(
        screen.contains("answered") && screen.contains("Ready"),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    // Connected: the guide asks for a table.
    let screen = tmux.wait_for("the guide", 30, |s| {
        s.contains("● Table") && s.contains("orders") && s.contains("MariaDB")
    });
    assert!(
        screen.contains(&format!("{user}@127.0.0.1:{port}")),
        "{screen}"
    );
    let profile = config.join("lightning-tables").join("profile.toml");
    let text = std::fs::read_to_string(&profile).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(&format!("port = {port}")), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("password")), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&profile).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }
    // Table, template, preview, create: the guide follows.
    tmux.keys(&["/"]);
    tmux.text("orders");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the query step", 10, |s| s.contains("● Query"));
    tmux.keys(&["t"]);
    tmux.wait_for("the create step", 30, |s| {
        s.contains("● Create") && s.contains("CREATE TABLE")
    });
    tmux.keys(&["C-s"]);
    tmux.wait_for("the confirmation", 10, |s| s.contains("y/Enter"));
    tmux.keys(&["y"]);
    tmux.wait_for("the end of the walk-through", 60, |s| {
        s.contains("is ready and kept exact")
    });
    tmux.keys(&["BTab", "q"]);
    let screen = tmux.wait_for("the exit", 10, |s| s.contains("EXITED"));
    assert!(screen.contains("EXITED 0"), "{screen}");

    // The second start connects with the saved profile: no wizard. (A
    // password that was typed is asked for before the UI starts.)
    tmux.run(&["kill-server"]);
    // A fresh tmux server for the second start: reusing the socket right after kill-server can
    // race with the old server's exit and leave no session (seen under load).
    let again = format!(
        "env HOME={home} XDG_CONFIG_HOME={config} XDG_DATA_HOME={home}/data MYSQL_PWD={pw} TERM=xterm-256color {bin}; echo EXITED $?; sleep 60",
        home = home.path().display(),
        config = config.display(),
        pw = password.unwrap_or_default(),
        bin = env!("CARGO_BIN_EXE_lightning"),
    );
    let tmux = Term::start(format!("{}-again", tmux.socket()), 80, 24, &again);
    let screen = tmux.wait_for("the UI from the profile", 30, |s| {
        s.contains("MariaDB") && s.contains(&db.name) || s.contains("EXITED")
    });
    assert!(!screen.contains("Connection setup"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", 10, |s| s.contains("EXITED 0"));
}

/// `lightning demo --autoplay` in a terminal: the dashboard plays the whole
/// story by itself on the demo's own private server and exits 0 with every
/// summary exact.
#[test]
fn the_demo_autoplays_in_a_terminal() {
    if !tmux::installed() {
        eprintln!("tmux is not installed: end-to-end demo test not run");
        return;
    }
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let command = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data TERM=xterm-256color {bin} demo --autoplay --rows 20000 --rate 200; echo EXITED $?; sleep 60",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_lightning"),
    );
    let tmux = Term::start(
        format!("lt-e2e-demo-{}", std::process::id()),
        100,
        34,
        &command,
    );
    tmux.wait_for("the dashboard", 90, |s| {
        s.contains("AUTOPLAY") && s.contains("Writes") || s.contains("EXITED")
    });
    let screen = tmux.wait_for("both summaries compared", 120, |s| {
        s.contains("daily_kinds  ✓ same rows") || s.contains("EXITED")
    });
    assert!(screen.contains("debits_by_user  ✓ same rows"), "{screen}");
    let screen = tmux.wait_for("the end", 120, |s| s.contains("EXITED"));
    assert!(screen.contains("EXITED 0"), "{screen}");
    assert!(
        screen.contains("debits_by_user") && screen.contains("exact"),
        "the outcome is printed after the dashboard:\n{screen}"
    );
}

/// A multi-line query pasted with CR and CRLF line breaks (bracketed paste) keeps its lines;
/// Ctrl-L redraws; quitting while a backfill runs asks, says what is left and how to continue,
/// and what it says works. (The UI's idle CPU is measured by `lightning bench --only idle`.)
#[test]
fn paste_and_quit_during_a_backfill_in_a_terminal() {
    if !tmux::installed() {
        eprintln!("tmux is not installed: end-to-end TUI test not run");
        return;
    }
    let db = support::server::orders_db("tui_e2e_quit", 3000);
    let mut conn = db.conn();
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bin = env!("CARGO_BIN_EXE_lightning");
    let command = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data TERM=xterm-256color {bin} --no-defaults --url {url}; echo EXITED $?; sleep 60",
        home = home.path().display(),
        url = db.url(),
    );
    let tmux = Term::start(
        format!("lt-e2e-quit-{}", std::process::id()),
        160,
        48,
        &command,
    );
    tmux.wait_for("the schema", 30, |s| {
        s.contains("LightningTables") && s.contains("MariaDB") && s.contains("orders")
    });

    // Pasted byte for byte, in bracketed paste.
    tmux.paste("SELECT status,\r\n  COUNT(*) AS n\rFROM orders\r\nGROUP BY status");
    let screen = tmux.wait_for("the pasted query's preview", 30, |s| {
        s.contains("CREATE TABLE") && s.contains("orders_summary")
    });
    for line in [
        "SELECT status,",
        "COUNT(*) AS n",
        "FROM orders",
        "GROUP BY status",
    ] {
        assert!(
            screen.lines().any(|l| l.contains(line)),
            "{line:?} is not a line of its own:\n{screen}"
        );
    }
    assert!(
        !screen.contains("SELECT status,  COUNT"),
        "the paste ran into one line:\n{screen}"
    );

    // A backfill that stays running: the test holds the table's metadata lock, so the create
    // waits for its lock; paused meanwhile, it stops before its first chunk once it has it.
    conn.query_drop("START TRANSACTION")
        .unwrap_or_else(|e| panic!("{e}"));
    conn.query_drop("SELECT COUNT(*) FROM orders")
        .unwrap_or_else(|e| panic!("{e}"));
    tmux.keys(&["C-s"]);
    tmux.wait_for("the confirmation", 10, |s| s.contains("Create summary"));
    tmux.keys(&["y"]);
    tmux.wait_for("the lock wait", 30, |s| {
        s.contains("waiting for the table lock")
    });
    let screen = tmux.screen();
    assert!(
        screen.contains("x stop") && screen.contains("p pause"),
        "{screen}"
    );
    tmux.keys(&["p"]);
    tmux.wait_for("the pause", 10, |s| {
        s.contains("PAUSED") && s.contains("p continue")
    });
    conn.query_drop("COMMIT").unwrap_or_else(|e| panic!("{e}"));
    tmux.wait_for("the triggers live", 30, |s| s.contains("writers paused"));

    // q asks; Enter is no answer; n stays.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the quit question", 10, |s| {
        s.contains("Quit while a backfill runs?")
    });
    let resume = format!("lightning -D {} resume orders_summary", db.name);
    assert!(
        screen.contains("the backfill stops at 0%") && screen.contains("triggers stay live"),
        "{screen}"
    );
    // The command may wrap inside the popup.
    assert!(
        screen.contains(&format!("lightning -D {}", db.name))
            && screen.contains("orders_summary`."),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("Enter refused", 10, |s| s.contains("Enter does not quit"));
    tmux.keys(&["n"]);
    tmux.wait_for("the question closed", 10, |s| {
        !s.contains("Quit while a backfill runs?")
    });
    // Ctrl-L draws everything again.
    tmux.keys(&["C-l"]);
    tmux.wait_for("the redraw", 10, |s| {
        s.contains("LightningTables") && s.contains("PAUSED")
    });
    // Ctrl-C asks; y stops the backfill and quits once it has stopped, and the terminal keeps
    // what to do next.
    tmux.keys(&["C-c"]);
    tmux.wait_for("the quit question again", 10, |s| {
        s.contains("Quit while a backfill runs?")
    });
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the exit", 20, |s| s.contains("EXITED"));
    assert!(screen.contains("EXITED 0"), "{screen}");
    // The farewell may wrap at the terminal's edge.
    let joined: String = screen.lines().collect();
    assert!(
        joined.contains("was stopped at 0%") && joined.contains(&resume),
        "{screen}"
    );

    // What it said holds at once, without waiting for the server to notice the closed
    // connections: the summary is not ready, no connection owns its backfill (issue 17 item 6),
    // `status` shows none, and resume makes it ready, exact.
    let (status, owner): (String, Option<u64>) = conn
        .query_first("SELECT status, owner FROM _lightning_catalog WHERE name = 'orders_summary'")
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("orders_summary is not in the catalog"));
    assert_eq!(status, "backfilling");
    assert_eq!(owner, None, "the quit UI's backfill still owns the summary");
    let out = Command::new(bin)
        .args([
            "--no-defaults",
            "--url",
            &db.url(),
            "-D",
            &db.name,
            "status",
            "orders_summary",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !report.contains("Backfill connection"),
        "{report}"
    );
    let out = Command::new(bin)
        .args([
            "--no-defaults",
            "--url",
            &db.url(),
            "-D",
            &db.name,
            "resume",
            "orders_summary",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "resume failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Vec<(String, i64)> = conn
        .query("SELECT status, n FROM orders_summary ORDER BY status")
        .unwrap_or_else(|e| panic!("{e}"));
    let query: Vec<(String, i64)> = conn
        .query("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary, query);
}
