//! Connection options through the public API and through the real binary.
//! No server: where the binary is used, the target named in the
//! connection error shows what the options resolved to.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use lightning_tables::cli::Cli;
use lightning_tables::db::options::{ConnectionConfig, Endpoint, Password, ResolveEnv};

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free port: {e}"),
    }
}

fn temp_dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn write(path: &Path, text: &str) {
    let mut f = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    if let Err(e) = f.write_all(text.as_bytes()) {
        panic!("{e}");
    }
}

/// Runs `lightning` with `home` as HOME and no MYSQL_PWD from the caller.
fn lightning(home: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args(args)
        .env("HOME", home)
        .env_remove("MYSQL_PWD")
        .env("USER", "loginname")
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run lightning: {e}"),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn env_without_anything() -> ResolveEnv {
    ResolveEnv {
        home: None,
        mysql_pwd: None,
        login_user: Some("me".into()),
        standard_sockets: vec![],
        prompt: Box::new(|_| Ok(Password::new("typed-at-prompt"))),
    }
}

fn resolve(argv: &[&str], env: &ResolveEnv) -> ConnectionConfig {
    let full = std::iter::once("lightning").chain(argv.iter().copied());
    let cli = match Cli::parse_args(full) {
        Ok(c) => c,
        Err(e) => panic!("{argv:?}: {e}"),
    };
    match cli.conn.resolve_with(env) {
        Ok(c) => c,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

#[test]
fn precedence_flags_over_url_over_file() {
    let dir = temp_dir();
    let cnf = dir.path().join("my.cnf");
    write(
        &cnf,
        "[client]\nuser = \"file user\"\npassword = 'file#pw'\nhost = filehost\nport = 3401\ndatabase = filedb\n",
    );
    let cnf = cnf.to_string_lossy().into_owned();
    let env = env_without_anything();

    let c = resolve(&["--defaults-file", &cnf], &env);
    assert_eq!(c.user, "file user");
    assert_eq!(
        c.password
            .as_ref()
            .map(lightning_tables::db::options::Password::expose),
        Some("file#pw")
    );
    assert_eq!(c.database.as_deref(), Some("filedb"));
    assert_eq!(
        c.endpoint,
        Endpoint::Tcp {
            host: "filehost".into(),
            port: 3401
        }
    );

    let c = resolve(
        &[
            "--defaults-file",
            &cnf,
            "--url",
            "mysql://urluser:urlpw@urlhost/urldb",
        ],
        &env,
    );
    assert_eq!(c.describe(), "urluser@urlhost:3401");
    assert_eq!(
        c.password
            .as_ref()
            .map(lightning_tables::db::options::Password::expose),
        Some("urlpw")
    );
    assert_eq!(c.database.as_deref(), Some("urldb"));

    let c = resolve(
        &[
            "--defaults-file",
            &cnf,
            "--url",
            "mysql://urluser:urlpw@urlhost/urldb",
            "doctor",
            "-u",
            "flaguser",
            "--password=flagpw",
            "-h",
            "flaghost",
            "-P",
            "3500",
            "-D",
            "flagdb",
        ],
        &env,
    );
    assert_eq!(c.describe(), "flaguser@flaghost:3500");
    assert_eq!(
        c.password
            .as_ref()
            .map(lightning_tables::db::options::Password::expose),
        Some("flagpw")
    );
    assert_eq!(c.database.as_deref(), Some("flagdb"));
}

#[test]
fn password_flag_forms() {
    let env = env_without_anything();
    let pw = |argv: &[&str]| resolve(argv, &env).password.map(|p| p.expose().to_string());
    assert_eq!(pw(&["-pabc"]), Some("abc".into()));
    assert_eq!(pw(&["--password=abc"]), Some("abc".into()));
    assert_eq!(pw(&["doctor", "-pabc"]), Some("abc".into()));
    assert_eq!(pw(&["-p"]), Some("typed-at-prompt".into()));
    assert_eq!(
        pw(&["--password", "doctor"]),
        Some("typed-at-prompt".into())
    );
    assert_eq!(pw(&[]), None);
}

#[test]
fn home_my_cnf_is_read_with_quotes() {
    let home = temp_dir();
    let port = closed_port();
    write(
        &home.path().join(".my.cnf"),
        &format!(
            "# my settings\n[mysqld]\nuser=mysql\n[client]\nuser = 'quoted user' # comment\nhost=127.0.0.1\nport={port}\n!includedir /etc/mysql/conf.d/\n"
        ),
    );
    let out = lightning(home.path(), &["doctor"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "error: cannot connect to quoted user@127.0.0.1:{port}:"
        )),
        "{err}"
    );

    // --no-defaults ignores it: the login name and the default port are used.
    let out = lightning(
        home.path(),
        &[
            "--no-defaults",
            "-h",
            "127.0.0.1",
            "-P",
            &port.to_string(),
            "doctor",
        ],
    );
    assert!(
        stderr(&out).starts_with(&format!(
            "error: cannot connect to loginname@127.0.0.1:{port}:"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn defaults_file_replaces_home_file_and_flags_win() {
    let home = temp_dir();
    let port = closed_port();
    write(&home.path().join(".my.cnf"), "[client]\nuser=fromhome\n");
    let other = home.path().join("other.cnf");
    write(
        &other,
        &format!("[mariadb-client]\nuser=\"from other\"\nhost=127.0.0.1\nport={port}\n"),
    );
    let other = other.to_string_lossy().into_owned();
    let out = lightning(home.path(), &["--defaults-file", &other, "doctor"]);
    assert!(
        stderr(&out).starts_with(&format!(
            "error: cannot connect to from other@127.0.0.1:{port}:"
        )),
        "{}",
        stderr(&out)
    );
    // Global options after the subcommand override the file.
    let out = lightning(
        home.path(),
        &["--defaults-file", &other, "doctor", "-u", "zed"],
    );
    assert!(
        stderr(&out).starts_with(&format!("error: cannot connect to zed@127.0.0.1:{port}:")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_option_file_is_a_one_line_error() {
    let home = temp_dir();
    write(
        &home.path().join(".my.cnf"),
        "[client]\nport = not-a-number\n",
    );
    let out = lightning(home.path(), &["doctor"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(".my.cnf:2:"), "{err}");

    let out = lightning(
        home.path(),
        &["--defaults-file", "/nonexistent/lt.cnf", "doctor"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot read option file /nonexistent/lt.cnf"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_basics() {
    let home = temp_dir();
    let out = lightning(home.path(), &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains("-h, --host <HOST>") && text.contains("Examples:"),
        "{text}"
    );

    // No subcommand opens the interactive UI, which needs a terminal: without one (as here)
    // it says so in one line and points at the commands.
    let out = lightning(home.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );

    let out = lightning(home.path(), &["--port", "notaport", "doctor"]);
    assert_eq!(out.status.code(), Some(2));
}
