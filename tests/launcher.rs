//! The private MariaDB server launcher (`lightning_tables::db::server`).

mod support;

use std::time::Instant;

use lightning_tables::db::server::{PrivateServer, ServerOptions};
use mysql::prelude::Queryable;

fn count(srv: &PrivateServer, db: &str) -> i64 {
    let mut c = mysql::Conn::new(srv.opts_for_db(db)).expect("connect");
    c.query_first("SELECT COUNT(*) FROM t").unwrap().unwrap()
}

/// Whether a process exists and is not a zombie (a killed orphan may linger as a
/// zombie until its new parent reaps it).
fn pid_exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next()),
            Some(Some('Z' | 'X'))
        ),
        // No procfs (not Linux): fall back to signal 0.
        Err(_) if !std::path::Path::new("/proc/self").exists() => {
            // SAFETY: signal 0 only checks for existence.
            unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
        }
        Err(_) => false,
    }
}

#[test]
fn start_query_stop_restart_keeps_data() {
    let t0 = Instant::now();
    let mut srv = PrivateServer::start().expect("start");
    eprintln!("start took {:?}, version {}", t0.elapsed(), srv.version());
    assert!(srv.version().contains("MariaDB"), "{}", srv.version());
    assert!(srv.port() > 0);
    assert!(srv.socket().exists());
    assert!(srv.url().starts_with("mysql://root@127.0.0.1:"));

    let mut c = srv.conn().unwrap();
    c.query_drop("CREATE DATABASE d1").unwrap();
    c.query_drop("CREATE TABLE d1.t (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB")
        .unwrap();
    c.query_drop("INSERT INTO d1.t VALUES (1,'a'),(2,'b'),(3,'ü')")
        .unwrap();
    // TCP as root@127.0.0.1, and the socket as root@localhost, without password.
    let who: String = c.query_first("SELECT CURRENT_USER()").unwrap().unwrap();
    assert_eq!(who, "root@127.0.0.1");
    let cs: String = c
        .query_first("SELECT @@character_set_server")
        .unwrap()
        .unwrap();
    assert_eq!(cs, "utf8mb4");
    drop(c);
    let mut s = mysql::Conn::new(srv.socket_opts()).unwrap();
    let who: String = s.query_first("SELECT CURRENT_USER()").unwrap().unwrap();
    assert_eq!(who, "root@localhost");
    drop(s);
    // The URL works too.
    let mut u = mysql::Conn::new(mysql::Opts::from_url(&srv.url()).unwrap()).unwrap();
    u.query_drop("SELECT 1").unwrap();
    drop(u);

    let port = srv.port();
    let old_pid = srv.pid().unwrap();
    srv.stop().unwrap();
    assert!(srv.pid().is_none());
    assert!(!srv.is_running());
    assert!(!pid_exists(old_pid));
    srv.restart().unwrap();
    assert_eq!(srv.port(), port);
    assert_eq!(count(&srv, "d1"), 3);

    // restart() of a running server stops it first.
    srv.restart().unwrap();
    assert_eq!(count(&srv, "d1"), 3);
}

#[test]
fn kill_and_restart_recovers_committed_data() {
    let mut srv = PrivateServer::start().expect("start");
    let mut c = srv.conn().unwrap();
    c.query_drop("CREATE DATABASE d2").unwrap();
    c.query_drop("CREATE TABLE d2.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT) ENGINE=InnoDB")
        .unwrap();
    for i in 0..50 {
        c.exec_drop("INSERT INTO d2.t (v) VALUES (?)", (i,))
            .unwrap();
    }
    // An uncommitted transaction must be rolled back by recovery.
    c.query_drop("START TRANSACTION").unwrap();
    c.query_drop("INSERT INTO d2.t (v) VALUES (999)").unwrap();
    // flush_log_at_trx_commit=2 writes the redo log to the OS at commit, so a
    // process kill (not a machine crash) loses nothing committed.
    let pid = srv.pid().unwrap();
    srv.kill().unwrap();
    assert!(!pid_exists(pid));
    assert!(srv.kill().is_err(), "kill of a dead server is an error");
    drop(c);
    srv.restart().unwrap();
    assert_eq!(count(&srv, "d2"), 50);
}

#[test]
fn two_servers_at_once() {
    let a = PrivateServer::start().expect("start a");
    let b = PrivateServer::start().expect("start b");
    assert_ne!(a.port(), b.port());
    assert_ne!(a.socket(), b.socket());
    assert_ne!(a.data_dir(), b.data_dir());
    a.conn()
        .unwrap()
        .query_drop("CREATE DATABASE only_a")
        .unwrap();
    let dbs: Vec<String> = b.conn().unwrap().query("SHOW DATABASES").unwrap();
    assert!(!dbs.iter().any(|d| d == "only_a"), "{dbs:?}");
}

#[test]
fn drop_stops_process_and_removes_directory() {
    let srv = PrivateServer::start().expect("start");
    let pid = srv.pid().unwrap();
    let data = srv.data_dir().to_path_buf();
    let base = srv.base_dir().to_path_buf();
    assert!(pid_exists(pid));
    assert!(data.join("mysql").is_dir());
    drop(srv);
    assert!(!pid_exists(pid), "mariadbd {pid} still running");
    assert!(!data.exists(), "{} still exists", data.display());
    assert!(!base.exists(), "{} still exists", base.display());
}

#[test]
fn keep_data_keeps_directory_and_data_dir_can_be_reused() {
    let srv = PrivateServer::start_with(ServerOptions {
        keep_data: true,
        ..Default::default()
    })
    .expect("start");
    srv.conn()
        .unwrap()
        .query_drop("CREATE DATABASE kept")
        .unwrap();
    let data = srv.data_dir().to_path_buf();
    let base = srv.base_dir().to_path_buf();
    drop(srv);
    assert!(data.join("kept").is_dir());

    // Start a new server on the kept data directory.
    let srv = PrivateServer::start_with(ServerOptions {
        data_dir: Some(data.clone()),
        ..Default::default()
    })
    .expect("start on existing data dir");
    let dbs: Vec<String> = srv.conn().unwrap().query("SHOW DATABASES").unwrap();
    assert!(dbs.iter().any(|d| d == "kept"), "{dbs:?}");
    drop(srv);
    // A caller-provided data directory is never deleted.
    assert!(data.join("kept").is_dir());
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn extra_args_are_applied() {
    let srv = PrivateServer::start_with(ServerOptions {
        extra_args: vec!["--max-connections=77".into()],
        ..Default::default()
    })
    .expect("start");
    let n: u64 = srv
        .conn()
        .unwrap()
        .query_first("SELECT @@max_connections")
        .unwrap()
        .unwrap();
    assert_eq!(n, 77);
}

#[test]
fn sigstop_and_sigcont() {
    let srv = PrivateServer::start().expect("start");
    let mut c = srv.conn().unwrap();
    srv.sigstop().unwrap();
    // A frozen server does not answer: a connect with a short timeout fails.
    let opts: mysql::Opts = mysql::OptsBuilder::from_opts(srv.opts())
        .tcp_connect_timeout(Some(std::time::Duration::from_millis(300)))
        .read_timeout(Some(std::time::Duration::from_millis(300)))
        .into();
    assert!(mysql::Conn::new(opts).is_err());
    srv.sigcont().unwrap();
    c.query_drop("SELECT 1").unwrap();
}

/// In a child copy of this test binary (see `child_mode`): start a server, report
/// its pid and directory, then either hang (to be killed) or exit normally with
/// the server still alive in a static.
fn child_mode() -> bool {
    let Ok(mode) = std::env::var("LT_LAUNCHER_CHILD") else {
        return false;
    };
    static KEEP: std::sync::OnceLock<PrivateServer> = std::sync::OnceLock::new();
    // Start from a short-lived thread: the server must outlive that thread.
    std::thread::spawn(|| {
        KEEP.get_or_init(|| PrivateServer::start().expect("start"));
    })
    .join()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let srv = KEEP.get().unwrap();
    srv.conn()
        .expect("server survives the thread that started it");
    println!("CHILD {} {}", srv.pid().unwrap(), srv.base_dir().display());
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    if mode == "hang" {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
    std::process::exit(0);
}

fn run_child(mode: &str, test: &str) -> (std::process::Child, u32, std::path::PathBuf) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("LT_LAUNCHER_CHILD", mode)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    for line in out.lines() {
        let line = line.unwrap();
        // libtest may print "test name ... " on the same line.
        if let Some(rest) = line.find("CHILD ").map(|i| &line[i + 6..]) {
            let (pid, dir) = rest.split_once(' ').unwrap();
            return (child, pid.parse().unwrap(), dir.into());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("child did not report a server");
}

fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while Instant::now() < deadline {
        if !pid_exists(pid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[test]
fn server_dies_when_parent_is_killed() {
    if child_mode() {
        return;
    }
    let (mut child, pid, dir) = run_child("hang", "server_dies_when_parent_is_killed");
    assert!(pid_exists(pid));
    child.kill().unwrap(); // SIGKILL: no destructors, no atexit
    child.wait().unwrap();
    // mariadbd was reparented to init (or a subreaper), which reaps it.
    assert!(wait_gone(pid), "mariadbd {pid} survived its parent");
    // The directory is swept by a later start in another process; remove it here.
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn server_in_static_is_cleaned_up_at_exit() {
    if child_mode() {
        return;
    }
    let (mut child, pid, dir) = run_child("exit", "server_in_static_is_cleaned_up_at_exit");
    assert!(child.wait().unwrap().success());
    assert!(wait_gone(pid), "mariadbd {pid} survived process exit");
    assert!(!dir.exists(), "{} was not removed at exit", dir.display());
}

#[test]
fn harness_url_with_db_replaces_the_path() {
    use support::server::url_with_db;
    assert_eq!(
        url_with_db("mysql://root:pw@127.0.0.1:3306/", "d"),
        "mysql://root:pw@127.0.0.1:3306/d"
    );
    assert_eq!(url_with_db("mysql://root@h:1", "d"), "mysql://root@h:1/d");
    assert_eq!(
        url_with_db("mysql://root@h:1/old?prefer_socket=false", "d"),
        "mysql://root@h:1/d?prefer_socket=false"
    );
    assert_eq!(url_with_db("mysql://root@h:1/old", ""), "mysql://root@h:1/");
}

#[test]
fn harness_fresh_db_is_isolated_and_dropped() {
    let a = support::server::fresh_db(
        "Some hint-with/odd chars and a very long tail that must be cut off",
    );
    let b = support::server::fresh_db(
        "Some hint-with/odd chars and a very long tail that must be cut off",
    );
    assert_ne!(a.name, b.name);
    assert!(a.name.len() <= 64, "{}", a.name);
    assert!(
        a.name.starts_with("t_some_hint_with_odd_chars"),
        "{}",
        a.name
    );

    let mut c = a.conn();
    let cur: Option<String> = c.query_first("SELECT DATABASE()").unwrap();
    assert_eq!(cur.as_deref(), Some(a.name.as_str()));
    c.query_drop("CREATE TABLE t (id INT PRIMARY KEY)").unwrap();
    c.query_drop("INSERT INTO t VALUES (1)").unwrap();
    drop(c);

    // The URL names the database.
    assert!(a.url().ends_with(&format!("/{}", a.name)), "{}", a.url());
    let mut u = mysql::Conn::new(mysql::Opts::from_url(&a.url()).unwrap()).unwrap();
    let n: i64 = u.query_first("SELECT COUNT(*) FROM t").unwrap().unwrap();
    assert_eq!(n, 1);
    drop(u);

    let mut s = mysql::Conn::new(a.server_opts()).unwrap();
    let cur: Option<Option<String>> = s.query_first("SELECT DATABASE()").unwrap();
    assert_eq!(cur, Some(None));
    let in_b: i64 = s
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?",
            (b.name.as_str(),),
        )
        .unwrap()
        .unwrap();
    assert_eq!(in_b, 0);

    let name = a.name.clone();
    drop(a);
    let left: i64 = s
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
            (name.as_str(),),
        )
        .unwrap()
        .unwrap();
    assert_eq!(left, 0, "{name} was not dropped");
    if std::env::var_os(support::server::TEST_URL_ENV).is_none() {
        assert!(support::server::private_server().is_some());
    }
}
