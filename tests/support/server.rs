//! Shared integration-test harness: one MariaDB server per test binary and a
//! fresh database per test.
//!
//! Included as `support::server`. By default a private server is started lazily
//! (see `lightning_tables::db::server`) and kept in a static for the whole test
//! binary; it is killed when the binary exits. Set `LIGHTNING_TEST_URL` (e.g.
//! `mysql://root:pw@127.0.0.1:3306/`) to run against an existing server instead;
//! its user needs to create and drop databases.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use lightning_tables::db::server::{BinlogFormat, PrivateServer, ServerOptions};
use mysql::prelude::Queryable;

/// Environment variable naming an existing server to test against.
pub const TEST_URL_ENV: &str = "LIGHTNING_TEST_URL";

/// Environment variable choosing the shared test server's binary log: `ROW` (the default, as
/// production servers run), `MIXED`, `STATEMENT` or `OFF`.
pub const TEST_BINLOG_ENV: &str = "LIGHTNING_TEST_BINLOG";

/// The shared server's options: binary logging in ROW format unless `LIGHTNING_TEST_BINLOG` says
/// otherwise, so that a statement unsafe for the binary log shows up in the suite. With a binary
/// log, creating a trigger takes SUPER or `log_bin_trust_function_creators`; the server trusts
/// creators, as a DBA who delegates summaries to a non-SUPER account sets it (doctor's unit tests
/// check that it reports the missing privilege).
pub fn test_server_options() -> ServerOptions {
    let binlog = match std::env::var(TEST_BINLOG_ENV)
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "OFF" => None,
        "MIXED" => Some(BinlogFormat::Mixed),
        "STATEMENT" => Some(BinlogFormat::Statement),
        _ => Some(BinlogFormat::Row),
    };
    let extra_args = if binlog.is_some() {
        vec!["--log-bin-trust-function-creators=1".to_string()]
    } else {
        Vec::new()
    };
    ServerOptions {
        binlog,
        extra_args,
        ..ServerOptions::default()
    }
}

enum Target {
    Private(Box<PrivateServer>),
    External { url: String, opts: mysql::Opts },
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| match std::env::var(TEST_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => {
            let url = url.trim().to_string();
            let opts = mysql::Opts::from_url(&url)
                .unwrap_or_else(|e| panic!("{TEST_URL_ENV}={url:?} is not a valid URL: {e}"));
            Target::External { url, opts }
        }
        _ => {
            let server = PrivateServer::start_with(test_server_options()).unwrap_or_else(|e| {
                panic!("cannot start a private MariaDB server for the tests: {e}")
            });
            Target::Private(Box::new(server))
        }
    })
}

/// The private server of this test binary, or `None` when `LIGHTNING_TEST_URL`
/// is set. Tests that kill, restart or freeze a server should start their own
/// `PrivateServer::start()` instead of using this shared one.
pub fn private_server() -> Option<&'static PrivateServer> {
    match target() {
        Target::Private(s) => Some(s),
        Target::External { .. } => None,
    }
}

/// Connection options for the test server, without a default database.
pub fn server_opts() -> mysql::Opts {
    match target() {
        Target::Private(s) => s.opts(),
        Target::External { opts, .. } => opts.clone(),
    }
}

/// The test server's URL without a database, e.g. `mysql://root@127.0.0.1:PORT/`.
pub fn server_url() -> String {
    match target() {
        Target::Private(s) => s.url(),
        Target::External { url, .. } => url_with_db(url, ""),
    }
}

/// Replaces the path of a `mysql://` URL by `/db`, keeping credentials and query.
pub fn url_with_db(url: &str, db: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let after_scheme = main.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = main[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(main.len());
    let mut out = format!("{}/{}", &main[..authority_end], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database created for one test; dropped (errors ignored) when this is dropped.
pub struct TestDb {
    /// The database name (`t_<hint>_<n>_<pid>`, at most 64 characters).
    pub name: String,
}

impl TestDb {
    /// Connection options with this database as the default database.
    pub fn opts(&self) -> mysql::Opts {
        mysql::OptsBuilder::from_opts(server_opts())
            .db_name(Some(self.name.clone()))
            .into()
    }

    /// Connection options without a default database.
    pub fn server_opts(&self) -> mysql::Opts {
        server_opts()
    }

    /// A new connection using this database.
    pub fn conn(&self) -> mysql::Conn {
        mysql::Conn::new(self.opts())
            .unwrap_or_else(|e| panic!("connecting to test database {}: {e}", self.name))
    }

    /// A connection pool using this database.
    pub fn pool(&self) -> mysql::Pool {
        mysql::Pool::new(self.opts())
            .unwrap_or_else(|e| panic!("creating a pool for test database {}: {e}", self.name))
    }

    /// `mysql://user[:pw]@host:port/<name>`.
    pub fn url(&self) -> String {
        url_with_db(&server_url(), &self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = mysql::Conn::new(server_opts()) {
            let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// Creates a new, empty database (utf8mb4) with a unique name derived from `hint`,
/// so tests can run in parallel, also across test binaries.
pub fn fresh_db(hint: &str) -> TestDb {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let suffix = format!("_{n}_{}", std::process::id());
    let mut clean: String = hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    clean.truncate(64 - 2 - suffix.len());
    let name = format!("t_{clean}{suffix}");
    let mut c = mysql::Conn::new(server_opts())
        .unwrap_or_else(|e| panic!("connecting to the test server: {e}"));
    c.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
        .and_then(|()| {
            c.query_drop(format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            ))
        })
        .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
    TestDb { name }
}

/// `prefix_<db>`, keeping the (unique) end of long database names within
/// MariaDB's 80-character user-name limit.
pub fn account_name(prefix: &str, db: &str) -> String {
    let tail: Vec<char> = db.chars().collect();
    let keep = tail.len().min(60);
    let tail: String = tail[tail.len() - keep..].iter().collect();
    format!("{prefix}_{tail}")
}

/// A test account, dropped again when the test ends (matters when the tests
/// run against a shared server through `LIGHTNING_TEST_URL`).
pub struct Account(pub String);

impl Drop for Account {
    fn drop(&mut self) {
        if let Ok(mut c) = mysql::Conn::new(server_opts()) {
            let _ = mysql::prelude::Queryable::query_drop(
                &mut c,
                format!("DROP USER IF EXISTS '{}'@'%'", self.0),
            );
        }
    }
}

/// A temporary directory (e.g. a HOME without the user's option files).
pub fn temp_dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// A fresh database holding the `orders` table the TUI and CLI tests start from: an id, a
/// status (`new`/`paid`/`shipped` in turn) and an amount (`seq % 50`), with `rows` rows.
pub fn orders_db(hint: &str, rows: u64) -> TestDb {
    let db = fresh_db(hint);
    let mut conn = db.conn();
    for sql in [
        "CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, status ENUM('new','paid','shipped') NOT NULL, amount DECIMAL(10,2) NULL) ENGINE=InnoDB".to_string(),
        format!("INSERT INTO orders (status, amount) SELECT ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq % 50 FROM seq_1_to_{rows}"),
    ] {
        conn.query_drop(&sql)
            .unwrap_or_else(|e| panic!("preparing orders in {}: {e}", db.name));
    }
    db
}

/// Creates summary `name` of `query` with `options`, never interrupted and with no progress
/// events: the `create` call most tests make.
pub fn create_quietly(
    opts: &mysql::Opts,
    name: &str,
    query: &str,
    options: &lightning_tables::lifecycle::CreateOptions,
) -> Result<lightning_tables::lifecycle::CreateReport, lightning_tables::lifecycle::LifecycleError>
{
    lightning_tables::lifecycle::create(
        opts,
        name,
        query,
        options,
        &lightning_tables::lifecycle::Control::new(),
        &mut |_| {},
    )
}
