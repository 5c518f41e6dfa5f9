//! Connection errors and password redaction, through the real binary.
//!
//! Every connection failure must be one `error:` line (plus at most one
//! `hint:` line) naming the target, with exit code 2; a password given in
//! any way must never show up in anything the binary prints.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use lightning_tables::cli::Cli;
use lightning_tables::db::options::profile::Profile;
use lightning_tables::db::options::store::ProfileStore;
use lightning_tables::db::options::{DbUrl, Password, ResolveEnv};
use mysql::prelude::Queryable;

/// A password that must never be printed.
const SECRET: &str = "Zq7-never-print-93";

use support::server::{account_name, temp_dir, Account};

/// `lightning` with an empty HOME (no ~/.my.cnf of the machine) and no MYSQL_PWD.
fn command(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lightning"));
    cmd.args(args)
        .env("HOME", home)
        // Profiles live under HOME too, whatever the machine's XDG settings are.
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("MYSQL_PWD")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

fn run(home: &Path, args: &[&str]) -> Output {
    match command(home, args).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run lightning: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code 2, nothing on stdout, and stderr is exactly one
/// `error: cannot connect to {target}: ...` line plus an optional `hint:` line.
fn assert_connection_error(out: &Output, target: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(text(&out.stdout), "", "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("hint: ")),
        "expected one error line: {err:?}"
    );
    let prefix = format!("error: cannot connect to {target}: ");
    assert!(
        lines[0].starts_with(&prefix),
        "expected {prefix:?} in {err:?}"
    );
    err
}

fn closed_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("{e}"),
    }
}

/// Host and port of a test database, from its URL.
fn host_port(db: &support::server::TestDb) -> (String, u16) {
    match DbUrl::new(db.url()).parse() {
        Ok(p) => (
            p.host.unwrap_or_else(|| "127.0.0.1".into()),
            p.port.unwrap_or(3306),
        ),
        Err(e) => panic!("{e}"),
    }
}

/// Creates an account with SECRET as password and all privileges on the test database.
fn create_user(db: &support::server::TestDb, prefix: &str) -> Account {
    let user: String = account_name(prefix, &db.name);
    let account = Account(user.clone());
    let mut conn = db.conn();
    let statements = [
        format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{SECRET}'"),
        format!("GRANT ALL PRIVILEGES ON `{}`.* TO '{user}'@'%'", db.name),
    ];
    for sql in statements {
        if let Err(e) = conn.query_drop(&sql) {
            panic!("{e}");
        }
    }
    account
}

#[test]
fn wrong_port_is_one_line_with_exit_code_2() {
    let home = temp_dir();
    let port = closed_port().to_string();
    let out = run(
        home.path(),
        &["-h", "127.0.0.1", "-P", &port, "-u", "root", "doctor"],
    );
    let err = assert_connection_error(&out, &format!("root@127.0.0.1:{port}"));
    assert!(err.contains("Connection refused"), "{err}");
    assert!(
        err.contains("is the server running? check --host/--port"),
        "{err}"
    );
}

#[test]
fn missing_socket_is_one_line_with_exit_code_2() {
    let home = temp_dir();
    let socket = home.path().join("no-such.sock");
    let socket = socket.to_string_lossy().into_owned();
    let out = run(home.path(), &["doctor", "-S", &socket, "-u", "bob"]);
    let err = assert_connection_error(&out, &format!("bob@socket:{socket}"));
    assert!(err.contains("check --socket"), "{err}");
}

#[test]
fn unknown_host_is_one_line_with_exit_code_2() {
    let home = temp_dir();
    let out = run(
        home.path(),
        &["-h", "no-such-host.invalid", "-u", "root", "doctor"],
    );
    let err = assert_connection_error(&out, "root@no-such-host.invalid:3306");
    assert!(err.contains("--host"), "{err}");
}

#[test]
fn silent_server_times_out_and_argv_passwords_are_blanked() {
    // A listener that accepts but never speaks: the handshake would hang
    // without our own timeout, which leaves time to read the child's argv.
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let port = match listener.local_addr() {
        Ok(a) => a.port(),
        Err(e) => panic!("{e}"),
    };
    let home = temp_dir();
    let url = format!("--url=mysql://u:{SECRET}x@127.0.0.1:{port}/d");
    let pw = format!("-p{SECRET}");
    let port_arg = port.to_string();
    let args = [
        "-P",
        &port_arg,
        "-h",
        "127.0.0.1",
        &url,
        &pw,
        "--connect-timeout",
        "2",
        "doctor",
    ];
    let mut child = match command(home.path(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    // Once the connection arrives, parsing and scrubbing are done.
    let accepted = listener.accept();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    let started = Instant::now();
    let status = match child.wait() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    drop(accepted);
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("no answer within 2 s"), "{err}");
    assert!(
        err.starts_with(&format!("error: cannot connect to u@127.0.0.1:{port}: ")),
        "{err}"
    );
    if cfg!(target_os = "linux") {
        let cmdline = text(&cmdline);
        assert!(!cmdline.is_empty(), "could not read the child's cmdline");
        assert!(
            !cmdline.contains(SECRET),
            "password visible in ps: {cmdline:?}"
        );
        assert!(cmdline.contains("-pxxxx"), "{cmdline:?}");
    }
    assert!(!out.contains(SECRET) && !err.contains(SECRET));
}

#[test]
fn password_typed_with_a_space_is_not_echoed_by_usage_errors() {
    let home = temp_dir();
    let out = run(home.path(), &["-p", SECRET, "doctor"]);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(!all.contains(SECRET), "{all}");
    let out = run(
        home.path(),
        &["--url", &format!("mysql://u:{SECRET}@h:nope/d"), "doctor"],
    );
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(!all.contains(SECRET), "{all}");
    assert!(all.contains("mysql://u:****@h:nope/d"), "{all}");
}

#[test]
fn debug_prints_of_parsed_and_resolved_options_hide_the_password() {
    let url = format!("mysql://u:{SECRET}@h/d");
    let argv = [
        "lightning",
        "-u",
        "x",
        &format!("-p{SECRET}"),
        "--url",
        &url,
        "doctor",
    ];
    let cli = match Cli::parse_args(argv) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let env = ResolveEnv {
        home: None,
        mysql_pwd: None,
        login_user: None,
        standard_sockets: vec![],
        prompt: Box::new(|_| Err(std::io::Error::other("no prompt in tests"))),
    };
    let config = match cli.conn.resolve_with(&env) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    for shown in [
        format!("{cli:?}"),
        format!("{config:?}"),
        format!("{config:#?}"),
        config.describe(),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[test]
fn wrong_password_is_one_line_with_exit_code_2() {
    let db = support::server::fresh_db("cli_wrong_pw");
    let account = create_user(&db, "wp");
    let user = account.0.clone();
    let (host, port) = host_port(&db);
    let home = temp_dir();
    let wrong = format!("{SECRET}-wrong");
    let port_arg = port.to_string();
    let out = run(
        home.path(),
        &[
            "-h",
            &host,
            "-P",
            &port_arg,
            "-u",
            &user,
            &format!("-p{wrong}"),
            "doctor",
        ],
    );
    let err = assert_connection_error(&out, &format!("{user}@{host}:{port}"));
    assert!(err.contains("Access denied for user"), "{err}");
    assert!(
        err.contains("check the user name and password (-u, -p)"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn password_never_appears_in_any_output() {
    let db = support::server::fresh_db("cli_redaction");
    let account = create_user(&db, "rd");
    let user = account.0.clone();
    let (host, port) = host_port(&db);
    let home = temp_dir();
    let port_arg = port.to_string();
    let base = [
        "-h",
        host.as_str(),
        "-P",
        port_arg.as_str(),
        "-u",
        user.as_str(),
        "-D",
        db.name.as_str(),
    ];
    let cnf = home.path().join("pw.cnf");
    if let Err(e) = std::fs::write(&cnf, format!("[client]\npassword=\"{SECRET}\"\n")) {
        panic!("{e}");
    }
    let cnf = cnf.to_string_lossy().into_owned();
    let url = format!("--url=mysql://{user}:{SECRET}@{host}:{port}/{}", db.name);
    let short = format!("-p{SECRET}");
    let long = format!("--password={SECRET}");

    // (arguments, MYSQL_PWD, expected exit code)
    let mut runs: Vec<(Vec<String>, Option<&str>, i32)> = Vec::new();
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter()
            .chain(extra.iter())
            .map(std::string::ToString::to_string)
            .collect()
    };
    // Right password, every way of giving it: doctor text and JSON succeed.
    runs.push((with(&[&short, "doctor"]), None, 0));
    runs.push((with(&[&long, "doctor", "--json"]), None, 0));
    runs.push((vec![url.clone(), "doctor".into(), "--json".into()], None, 0));
    runs.push((with(&["--defaults-file", &cnf, "doctor"]), None, 0));
    runs.push((with(&["doctor"]), Some(SECRET), 0));
    // The right password for the wrong account: the error path.
    let nobody = [
        "-h", &host, "-P", &port_arg, "-u", "nobody", &short, "doctor",
    ];
    runs.push((
        nobody
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        None,
        2,
    ));
    for (args, mysql_pwd, expected) in runs {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = command(home.path(), &argv);
        if let Some(pw) = mysql_pwd {
            cmd.env("MYSQL_PWD", pw);
        }
        let out = match cmd.output() {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let shown = argv.join(" ").replace(SECRET, "<secret>");
        assert!(!stdout.contains(SECRET), "{shown}: stdout {stdout}");
        assert!(!stderr.contains(SECRET), "{shown}: stderr {stderr}");
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{shown}: {stdout} {stderr}"
        );
    }
}

/// Saves `profile` as `name` (or the default one) in the profile store under `home`.
fn save_profile(home: &Path, name: Option<&str>, profile: &Profile) {
    let store = ProfileStore::at(home.join(".config").join("lightning-tables"));
    if let Err(e) = store.save(name, profile) {
        panic!("{e}");
    }
}

#[test]
fn every_command_connects_with_the_saved_or_the_named_profile() {
    let db = support::server::fresh_db("cli_profiles");
    let account = create_user(&db, "pf");
    let (host, port) = host_port(&db);
    let home = temp_dir();
    let saved = Profile {
        user: Some(account.0.clone()),
        host: Some(host.clone()),
        port: Some(port),
        database: Some(db.name.clone()),
        password: Some(Password::new(SECRET)),
        ..Profile::default()
    };
    // Nothing saved: the command uses the defaults (and here reaches no server).
    let out = run(home.path(), &["doctor", "--connect-timeout", "2"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The wizard's default profile: a command without connection options uses it.
    save_profile(home.path(), None, &saved);
    let out = run(home.path(), &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A named profile, chosen with --profile; a flag given with it wins over its field.
    let wrong_default = Profile {
        port: Some(closed_port()),
        ..saved.clone()
    };
    save_profile(home.path(), None, &wrong_default);
    save_profile(home.path(), Some("prod"), &saved);
    let out = run(home.path(), &["--profile", "prod", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let closed = closed_port().to_string();
    let out = run(home.path(), &["--profile", "prod", "-P", &closed, "doctor"]);
    assert_connection_error(&out, &format!("{}@{host}:{closed}", account.0));

    // An unknown name is a usage problem naming the saved ones; no password is ever printed.
    let out = run(home.path(), &["--profile", "dev", "list"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("there is no connection profile named \"dev\" (saved: prod)"),
        "{err}"
    );
    let out = run(home.path(), &["--profile", "../x", "list"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has '.' at position 1"), "{err}");
    assert!(!err.contains(SECRET) && !text(&out.stdout).contains(SECRET));
}
