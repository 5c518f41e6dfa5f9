//! Unit tests for flag parsing and precedence; no server, no real home.

use super::*;
use clap::Parser;
use std::cell::Cell;
use std::rc::Rc;

#[derive(Parser, Debug)]
#[command(disable_help_flag = true)]
struct TestCli {
    #[command(flatten)]
    conn: ConnectionArgs,
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(clap::Subcommand, Debug, PartialEq)]
enum Sub {
    Doctor,
}

fn args(argv: &[&str]) -> ConnectionArgs {
    let full = std::iter::once("lightning").chain(argv.iter().copied());
    match TestCli::try_parse_from(normalize_password_args(full)) {
        Ok(cli) => cli.conn,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

/// An environment with no home, no sockets, no MYSQL_PWD.
fn env() -> ResolveEnv {
    ResolveEnv {
        home: None,
        mysql_pwd: None,
        login_user: Some("me".into()),
        standard_sockets: vec![],
        prompt: Box::new(|_| Err(io::Error::other("no terminal in tests"))),
    }
}

fn resolve(argv: &[&str], env: &ResolveEnv) -> ConnectionConfig {
    match args(argv).resolve_with(env) {
        Ok(c) => c,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

fn tcp(host: &str, port: u16) -> Endpoint {
    Endpoint::Tcp {
        host: host.into(),
        port,
    }
}

fn pw(c: &ConnectionConfig) -> Option<&str> {
    c.password.as_ref().map(|p| p.expose())
}

fn cnf(text: &str) -> tempfile::NamedTempFile {
    let mut f = match tempfile::NamedTempFile::new() {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    if let Err(e) = std::io::Write::write_all(&mut f, text.as_bytes()) {
        panic!("{e}");
    }
    f
}

#[test]
fn defaults_without_anything() {
    let c = resolve(&[], &env());
    assert_eq!(c.endpoint, tcp("127.0.0.1", 3306));
    assert_eq!(c.user, "me");
    assert_eq!(c.password, None);
    assert_eq!(c.connect_timeout, Duration::from_secs(5));
    assert_eq!(c.describe(), "me@127.0.0.1:3306");
}

#[test]
fn short_flags_with_attached_and_separate_values() {
    let c = resolve(&["-h", "db1", "-P3307", "-uroot", "-Dshop"], &env());
    assert_eq!(c.endpoint, tcp("db1", 3307));
    assert_eq!(
        (c.user.as_str(), c.database.as_deref()),
        ("root", Some("shop"))
    );
}

#[test]
fn global_flags_after_the_subcommand() {
    let cli = match TestCli::try_parse_from(normalize_password_args([
        "l",
        "doctor",
        "-S",
        "/tmp/s.sock",
        "-u",
        "bob",
        "-pX1",
    ])) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(cli.command, Some(Sub::Doctor));
    let c = match cli.conn.resolve_with(&env()) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.endpoint, Endpoint::Socket("/tmp/s.sock".into()));
    assert_eq!(c.describe(), "bob@socket:/tmp/s.sock");
    assert_eq!(pw(&c), Some("X1"));
}

#[test]
fn password_forms() {
    assert_eq!(
        args(&["-psecret"]).password,
        Some(Some(Password::new("secret")))
    );
    assert_eq!(
        args(&["--password=secret"]).password,
        Some(Some(Password::new("secret")))
    );
    assert_eq!(
        args(&["--password="]).password,
        Some(Some(Password::new("")))
    );
    assert_eq!(args(&["-p"]).password, Some(None));
    assert_eq!(args(&["--password"]).password, Some(None));
    assert_eq!(args(&[]).password, None);
    // Like the mariadb client, a separate word after -p is not the password.
    let cli = TestCli::try_parse_from(normalize_password_args(["l", "-p", "doctor"]));
    match cli {
        Ok(cli) => {
            assert_eq!(cli.conn.password, Some(None));
            assert_eq!(cli.command, Some(Sub::Doctor));
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn normalization_only_touches_attached_p_values() {
    let out = normalize_password_args(["l", "-pS3", "-p", "-P3306", "--", "-pkeep"]);
    assert_eq!(out, ["l", "--password=S3", "-p", "-P3306", "--", "-pkeep"]);
}

#[test]
fn bare_p_prompts_with_the_target_in_the_prompt() {
    let asked = Rc::new(Cell::new(false));
    let seen = asked.clone();
    let mut e = env();
    e.prompt = Box::new(move |text| {
        assert_eq!(text, "Enter password for root@db1:3306: ");
        seen.set(true);
        Ok(Password::new("typed"))
    });
    let c = resolve(&["-p", "-h", "db1", "-u", "root"], &e);
    assert!(asked.get());
    assert_eq!(pw(&c), Some("typed"));
}

#[test]
fn prompt_failure_is_a_typed_error() {
    let err = args(&["-p"]).resolve_with(&env());
    assert!(matches!(err, Err(OptionsError::Prompt(_))));
}

#[test]
fn url_parts_and_flag_overrides() {
    let c = resolve(&["--url", "mysql://bob:pw1@db2:3310/sales"], &env());
    assert_eq!(c.endpoint, tcp("db2", 3310));
    assert_eq!(
        (c.user.as_str(), pw(&c), c.database.as_deref()),
        ("bob", Some("pw1"), Some("sales"))
    );

    let c = resolve(
        &[
            "--url=mysql://bob:pw1@db2:3310/sales",
            "-u",
            "alice",
            "-pFLAG",
            "-D",
            "hr",
        ],
        &env(),
    );
    assert_eq!(
        (c.user.as_str(), pw(&c), c.database.as_deref()),
        ("alice", Some("FLAG"), Some("hr"))
    );
    assert_eq!(c.endpoint, tcp("db2", 3310));
}

#[test]
fn bad_url_is_an_error_without_the_password() {
    let err = match args(&["--url", "mysql://bob:hunter22@db:x/d"]).resolve_with(&env()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("should fail"),
    };
    assert!(!err.contains("hunter22"), "{err}");
    assert!(err.contains("mysql://bob:****@db:x/d"), "{err}");
}

#[test]
fn option_file_via_defaults_file() {
    let f = cnf(
        "[client]\nuser = 'file user'\npassword = \"p #1\"\nhost=fhost\nport=3400\ndatabase=fdb\n",
    );
    let path = f.path().to_string_lossy().into_owned();
    let c = resolve(&["--defaults-file", &path], &env());
    assert_eq!(c.endpoint, tcp("fhost", 3400));
    assert_eq!(
        (c.user.as_str(), pw(&c), c.database.as_deref()),
        ("file user", Some("p #1"), Some("fdb"))
    );

    // Flags and URL beat the file, field by field.
    let c = resolve(
        &[
            "--defaults-file",
            &path,
            "--url",
            "mysql://u2@uhost/udb",
            "-P",
            "3500",
        ],
        &env(),
    );
    assert_eq!(c.endpoint, tcp("uhost", 3500));
    assert_eq!(
        (c.user.as_str(), pw(&c), c.database.as_deref()),
        ("u2", Some("p #1"), Some("udb"))
    );
}

#[test]
fn option_file_via_home_and_no_defaults() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    if let Err(e) = std::fs::write(
        dir.path().join(".my.cnf"),
        "[client]\nuser=homeuser\nsocket=/h.sock\n",
    ) {
        panic!("{e}");
    }
    let mut e = env();
    e.home = Some(dir.path().to_path_buf());
    let c = resolve(&[], &e);
    assert_eq!(c.user, "homeuser");
    assert_eq!(c.endpoint, Endpoint::Socket("/h.sock".into()));
    let c = resolve(&["--no-defaults"], &e);
    assert_eq!(c.user, "me");
}

#[test]
fn missing_defaults_file_is_an_error_but_missing_home_file_is_not() {
    assert!(args(&["--defaults-file", "/nonexistent/x.cnf"])
        .resolve_with(&env())
        .is_err());
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let mut e = env();
    e.home = Some(dir.path().to_path_buf());
    assert!(args(&[]).resolve_with(&e).is_ok());
}

#[test]
fn mysql_pwd_sits_between_url_and_file() {
    let f = cnf("[client]\npassword=filepw\n");
    let path = f.path().to_string_lossy().into_owned();
    let mut e = env();
    e.mysql_pwd = Some(Password::new("envpw"));
    assert_eq!(pw(&resolve(&["--defaults-file", &path], &e)), Some("envpw"));
    assert_eq!(
        pw(&resolve(
            &["--defaults-file", &path, "--url", "mysql://u:urlpw@h"],
            &e
        )),
        Some("urlpw")
    );
    assert_eq!(
        pw(&resolve(&["--defaults-file", &path, "-pflagpw"], &e)),
        Some("flagpw")
    );
    e.mysql_pwd = None;
    assert_eq!(
        pw(&resolve(&["--defaults-file", &path], &e)),
        Some("filepw")
    );
}

#[test]
fn transport_rules() {
    let f = cnf("[client]\nsocket=/file.sock\nport=3306\n");
    let file = f.path().to_string_lossy().into_owned();
    let df = ["--defaults-file", file.as_str()];
    let with = |extra: &[&str]| resolve(&[&df[..], extra].concat(), &env()).endpoint;
    // File socket + file port: socket, like the mariadb client.
    assert_eq!(with(&[]), Endpoint::Socket("/file.sock".into()));
    // A command-line port means TCP to 127.0.0.1.
    assert_eq!(with(&["-P", "3399"]), tcp("127.0.0.1", 3399));
    // A command-line remote host beats the file socket.
    assert_eq!(with(&["-h", "db9"]), tcp("db9", 3306));
    // localhost keeps the socket.
    assert_eq!(
        with(&["-h", "localhost"]),
        Endpoint::Socket("/file.sock".into())
    );
    // Command-line socket with port: socket.
    assert_eq!(
        with(&["-S", "/cli.sock", "-P", "3399"]),
        Endpoint::Socket("/cli.sock".into())
    );
    // Command-line socket with host at the same level: TCP (socket ignored for remote hosts).
    assert_eq!(with(&["-S", "/cli.sock", "-h", "db9"]), tcp("db9", 3306));
    // URL host beats the file socket.
    assert_eq!(
        with(&["--url", "mysql://u@127.0.0.1:3401"]),
        tcp("127.0.0.1", 3401)
    );
    // URL socket parameter.
    assert_eq!(
        with(&["--url", "mysql://u@/d?socket=/u.sock"]),
        Endpoint::Socket("/u.sock".into())
    );
}

#[cfg(unix)]
#[test]
fn standard_socket_is_used_when_nothing_is_said() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let sock = dir.path().join("mysqld.sock");
    let _listener = match std::os::unix::net::UnixListener::bind(&sock) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let plain_file = dir.path().join("not-a-socket");
    if let Err(e) = std::fs::write(&plain_file, "") {
        panic!("{e}");
    }
    let mut e = env();
    e.standard_sockets = vec![plain_file, sock.clone()];
    assert_eq!(resolve(&[], &e).endpoint, Endpoint::Socket(sock.clone()));
    assert_eq!(
        resolve(&["-h", "localhost"], &e).endpoint,
        Endpoint::Socket(sock)
    );
    assert_eq!(
        resolve(&["-P", "3307"], &e).endpoint,
        tcp("127.0.0.1", 3307)
    );
}

#[test]
fn tls_settings() {
    assert_eq!(resolve(&[], &env()).tls, None);
    let c = resolve(&["--ssl"], &env());
    assert_eq!(c.tls, Some(TlsConfig::default()));
    let c = resolve(&["--ssl-ca", "/ca.pem", "--ssl-verify-server-cert"], &env());
    assert_eq!(
        c.tls,
        Some(TlsConfig {
            ca: Some("/ca.pem".into()),
            verify_server_cert: true
        })
    );
    let f = cnf("[client]\nssl-ca=/f.pem\n");
    let path = f.path().to_string_lossy().into_owned();
    let c = resolve(&["--defaults-file", &path], &env());
    assert_eq!(c.tls.and_then(|t| t.ca), Some(PathBuf::from("/f.pem")));
}

#[test]
fn debug_of_everything_hides_passwords() {
    let a = args(&["-pTopSecret1", "--url", "mysql://u:TopSecret2@h/d"]);
    let c = match a.resolve_with(&env()) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    for text in [
        format!("{a:?}"),
        format!("{c:?}"),
        format!("{:?}", env()),
        c.describe(),
    ] {
        assert!(!text.contains("TopSecret"), "{text}");
    }
}

#[test]
fn argv_secrets_cover_every_form() {
    let a = args(&["-pAbc123", "--url", "mysql://u:Xyz789@h/d"]);
    let shapes: Vec<String> = a
        .argv_secrets()
        .iter()
        .map(|s| String::from_utf8_lossy(&s.arg[s.secret.clone()]).into_owned())
        .collect();
    assert_eq!(shapes, ["Abc123", "Abc123", "Xyz789", "Xyz789"]);
    assert!(args(&["-p"]).argv_secrets().is_empty());
}

#[test]
fn opts_carry_the_resolved_values() {
    let mut c = ConnectionConfig::tcp("db1", 3307, "bob");
    c.password = Some(Password::new("pw"));
    c.database = Some("shop".into());
    let o = c.to_opts();
    assert_eq!(o.get_ip_or_hostname(), "db1");
    assert_eq!(o.get_tcp_port(), 3307);
    assert_eq!(o.get_user(), Some("bob"));
    assert_eq!(o.get_pass(), Some("pw"));
    assert_eq!(o.get_db_name(), Some("shop"));
    assert!(!o.get_prefer_socket());
    let o = ConnectionConfig::socket("/s.sock", "root").to_opts();
    assert_eq!(o.get_socket(), Some("/s.sock"));
    assert_eq!(ConnectionConfig::tcp("::1", 1, "u").describe(), "u@[::1]:1");
}
