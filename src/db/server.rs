//! Private, throw-away MariaDB servers for tests, the `demo` and benchmarks.
//!
//! [`PrivateServer::start`] launches a `mariadbd` of its own: its own data
//! directory (copied from a cached, initialised template), its own unix socket
//! and a free loopback TCP port. Nothing of a system installation is used but
//! the binaries, and no system server needs to run.
//!
//! Lifetime rules:
//!
//! * Dropping a [`PrivateServer`] shuts it down gracefully and removes its
//!   temporary directory (unless [`ServerOptions::keep_data`]).
//! * A server kept in a `static` is never dropped. It is still cleaned up: an
//!   `atexit` hook kills the servers that are alive when the process exits, and
//!   on Linux the child gets `PR_SET_PDEATHSIG = SIGKILL`, so it dies with its
//!   parent even when the parent is killed. The children are spawned from one
//!   long-lived helper thread because the death signal fires when the *thread*
//!   that forked exits, not the process (a test thread would otherwise take the
//!   server down with it).
//! * Directories left over by a killed process are swept at the next start.
//!
//! The template data directory is `std::env::temp_dir()/lightning-mariadb-template-<hash>`,
//! keyed by the server binary, its version and the user; it is created in a
//! temporary directory and renamed into place, so concurrent first starts race
//! safely. A start then costs a directory copy (~26 MB) plus the server boot.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};

/// Environment variable naming a directory that holds `mariadbd` (or `mysqld`)
/// and `mariadb-install-db` (or `mysql_install_db`); searched first.
pub const BIN_DIR_ENV: &str = "LIGHTNING_MARIADB_BIN";

/// Bump when the template's content or preparation changes.
const TEMPLATE_FORMAT: &str = "lightning-template-v1";
const TEMPLATE_MARKER: &str = "lightning-template.ok";
const INSTANCE_PREFIX: &str = "lt-srv-";
const OWNER_FILE: &str = "owner.pid";
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);
const GRACEFUL_STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Unix socket paths are limited to 108 bytes (104 on macOS) including the NUL.
const MAX_SOCKET_PATH: usize = 100;

/// Errors of the private server launcher.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No MariaDB server binaries were found.
    #[error(
        "MariaDB server binaries not found: need `mariadbd` (or `mysqld`) and `mariadb-install-db` \
         (or `mysql_install_db`); missing: {missing}. Searched: {searched}. \
         Install the MariaDB server package (no running server is needed): \
         `apt-get install mariadb-server` (Debian/Ubuntu) or `brew install mariadb` (macOS), \
         or set {BIN_DIR_ENV} to the directory that contains them."
    )]
    BinariesNotFound {
        /// Which of the two programs is missing.
        missing: String,
        /// The directories searched, `:`-separated.
        searched: String,
    },
    /// The server binary found is not MariaDB (e.g. Oracle MySQL).
    #[error("{path} is not a MariaDB server (`--version` says: {version}); install MariaDB or set {BIN_DIR_ENV}")]
    NotMariaDb {
        /// The binary.
        path: PathBuf,
        /// What it reported.
        version: String,
    },
    /// A file system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Initialising the template data directory failed.
    #[error(
        "initialising the MariaDB data directory failed: {message}\n--- log tail ---\n{log_tail}"
    )]
    InitFailed {
        /// What went wrong.
        message: String,
        /// The last lines of the install log.
        log_tail: String,
    },
    /// The server did not come up.
    #[error("starting the private MariaDB server failed: {message}\n--- error log tail ({log}) ---\n{log_tail}")]
    StartFailed {
        /// What went wrong.
        message: String,
        /// The error log file.
        log: String,
        /// The last lines of the error log.
        log_tail: String,
    },
    /// The operation needs a running server.
    #[error("the private MariaDB server is not running")]
    NotRunning,
    /// A query against the server failed.
    #[error("MariaDB error: {0}")]
    Mysql(#[from] mysql::Error),
}

fn io_err(context: impl fmt::Display) -> impl FnOnce(io::Error) -> ServerError {
    let context = context.to_string();
    move |source| ServerError::Io { context, source }
}

/// How to start a [`PrivateServer`]. `ServerOptions::default()` is what tests want.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Extra `mariadbd` arguments, appended after the defaults (so they override them).
    pub extra_args: Vec<String>,
    /// Keep the temporary directory (data, error log) when the server is dropped.
    pub keep_data: bool,
    /// Use this data directory instead of a temporary one. If it does not exist or
    /// is empty it is initialised from the template; otherwise it is used as is.
    /// It is never deleted by the launcher.
    pub data_dir: Option<PathBuf>,
    /// TCP port to listen on; default: a free loopback port.
    pub port: Option<u16>,
    /// How long to wait for the server to accept connections; default 30 s.
    pub start_timeout: Option<Duration>,
}

/// The MariaDB programs used by the launcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    /// `mariadbd` or `mysqld`.
    pub mariadbd: PathBuf,
    /// `mariadb-install-db` or `mysql_install_db`.
    pub install_db: PathBuf,
    /// Output of `mariadbd --version`.
    pub version: String,
}

fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        // A tarball layout keeps the install script in ../scripts.
        if let Some(parent) = d.parent() {
            dirs.push(d.clone());
            dirs.push(parent.join("scripts"));
        } else {
            dirs.push(d);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/mysql/bin",
        "/usr/local/mysql/scripts",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
        "/opt/homebrew/sbin",
    ] {
        dirs.push(PathBuf::from(d));
    }
    let mut seen = Vec::new();
    dirs.retain(|d| {
        if seen.contains(d) {
            false
        } else {
            seen.push(d.clone());
            true
        }
    });
    dirs
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn find_program(dirs: &[PathBuf], names: &[&str]) -> Option<PathBuf> {
    // Prefer the first name (the MariaDB spelling) in any directory.
    names
        .iter()
        .find_map(|n| dirs.iter().map(|d| d.join(n)).find(|p| is_executable(p)))
}

/// Finds the MariaDB server and install programs (see the module docs for where).
pub fn find_binaries() -> Result<Binaries, ServerError> {
    let dirs = search_dirs();
    let mariadbd = find_program(&dirs, &["mariadbd", "mysqld"]);
    let install_db = find_program(&dirs, &["mariadb-install-db", "mysql_install_db"]);
    let (mariadbd, install_db) = match (mariadbd, install_db) {
        (Some(s), Some(i)) => (s, i),
        (s, i) => {
            let mut missing = Vec::new();
            if s.is_none() {
                missing.push("mariadbd/mysqld");
            }
            if i.is_none() {
                missing.push("mariadb-install-db/mysql_install_db");
            }
            let searched = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":");
            return Err(ServerError::BinariesNotFound {
                missing: missing.join(" and "),
                searched,
            });
        }
    };
    let out = Command::new(&mariadbd)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!("running {} --version", mariadbd.display())))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !version.contains("MariaDB") {
        return Err(ServerError::NotMariaDb {
            path: mariadbd,
            version,
        });
    }
    Ok(Binaries {
        mariadbd,
        install_db,
        version,
    })
}

fn binaries() -> Result<&'static Binaries, ServerError> {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    if let Some(b) = BINS.get() {
        return Ok(b);
    }
    let b = find_binaries()?;
    Ok(BINS.get_or_init(|| b))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn signal(pid: u32, sig: libc::c_int) -> Result<(), ServerError> {
    // SAFETY: plain kill(2) on our own child.
    if unsafe { libc::kill(pid as libc::pid_t, sig) } != 0 {
        return Err(io_err(format!("sending signal {sig} to {pid}"))(
            io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// Base directory for instance directories: short, because the socket lives there.
fn short_temp_base() -> PathBuf {
    let t = std::env::temp_dir();
    if t.as_os_str().len() <= 60 {
        t
    } else {
        PathBuf::from("/tmp")
    }
}

fn tail_of_file(path: &Path, lines: usize) -> String {
    let Ok(mut f) = fs::File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The lines of an install log that explain a failure: mariadb-install-db ends
/// with a long generic advice text, so its `[ERROR]`/`[Warning]` lines and the
/// lines just before the advice are what matter.
fn install_log_summary(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let advice = lines
        .iter()
        .position(|l| l.contains("Installation of system tables failed"))
        .unwrap_or(lines.len());
    let mut out: Vec<&str> = lines[..advice]
        .iter()
        .filter(|l| l.contains("[ERROR]") || l.contains("ERROR") || l.contains("[Warning]"))
        .copied()
        .collect();
    let before = &lines[advice.saturating_sub(15)..advice];
    for l in before {
        if !out.contains(l) {
            out.push(l);
        }
    }
    if out.is_empty() {
        return tail_of_file(path, 30);
    }
    out.join("\n")
}

fn copy_dir_all(src: &Path, dst: &Path) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let to = dst.join(entry.file_name());
        if ty.is_dir() {
            copy_dir_all(&entry.path(), &to)?;
        } else if ty.is_file() {
            fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Spawning with a parent-death signal, and cleanup at exit.

struct SpawnRequest {
    cmd: Command,
    reply: mpsc::Sender<io::Result<Child>>,
}

/// Spawns `cmd` from a helper thread that lives as long as the process, so that
/// `PR_SET_PDEATHSIG` (which fires when the forking *thread* exits) means
/// "when this process dies".
fn spawn_tied_to_process(mut cmd: Command) -> io::Result<Child> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                ) != 0
                {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    // Own process group: a Ctrl-C in the terminal goes to us, not to the server.
    cmd.process_group(0);

    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("lightning-mariadb-spawner".into())
            .spawn(move || {
                for mut req in rx {
                    let _ = req.reply.send(req.cmd.spawn());
                }
            })
            .expect("spawning the server spawner thread");
        Mutex::new(tx)
    });
    let (reply, result) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(SpawnRequest { cmd, reply })
        .map_err(|_| io::Error::other("server spawner thread is gone"))?;
    result
        .recv()
        .map_err(|_| io::Error::other("server spawner thread is gone"))?
}

struct LiveEntry {
    id: u64,
    pid: u32,
    graceful: bool,
    remove_dir: Option<PathBuf>,
}

static LIVE: Mutex<Vec<LiveEntry>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

extern "C" fn cleanup_at_exit() {
    let entries = match LIVE.try_lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(std::sync::TryLockError::Poisoned(p)) => std::mem::take(&mut *p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    for e in &entries {
        let pid = e.pid as libc::pid_t;
        // SAFETY: signals to our own children; waitpid reaps them.
        unsafe {
            libc::kill(pid, libc::SIGCONT);
            libc::kill(
                pid,
                if e.graceful {
                    libc::SIGTERM
                } else {
                    libc::SIGKILL
                },
            );
        }
    }
    for e in &entries {
        let pid = e.pid as libc::pid_t;
        let deadline = Instant::now() + GRACEFUL_STOP_TIMEOUT;
        loop {
            let mut status = 0;
            // SAFETY: non-blocking wait on our own child.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r != 0 {
                break;
            }
            if Instant::now() > deadline {
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(dir) = &e.remove_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

fn register_live(entry: LiveEntry) {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        // SAFETY: registering a plain extern "C" function.
        unsafe {
            libc::atexit(cleanup_at_exit);
        }
    });
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|e| e.id != entry.id);
    live.push(entry);
}

fn unregister_live(id: u64) {
    LIVE.lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|e| e.id != id);
}

/// Removes instance directories whose owning process is gone (left behind by a
/// killed test binary). Runs once per process.
fn sweep_stale_instances() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let base = short_temp_base();
        let Ok(entries) = fs::read_dir(&base) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if name.starts_with(INSTANCE_PREFIX) {
                let Ok(owner) = fs::read_to_string(path.join(OWNER_FILE)) else {
                    continue; // keep_data instances have no owner file
                };
                let owner_alive = owner.trim().parse::<i32>().map(pid_alive).unwrap_or(true);
                let server_alive = fs::read_to_string(path.join("mysqld.pid"))
                    .ok()
                    .and_then(|p| p.trim().parse::<i32>().ok())
                    .map(pid_alive)
                    .unwrap_or(false);
                if !owner_alive && !server_alive {
                    let _ = fs::remove_dir_all(&path);
                }
            } else if name.starts_with("lightning-mariadb-template-") && name.contains(".tmp-") {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if old {
                    let _ = fs::remove_dir_all(&path);
                }
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Template data directory.

fn template_dir(bins: &Binaries) -> Result<PathBuf, ServerError> {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let mut h = Sha256::new();
    h.update(TEMPLATE_FORMAT.as_bytes());
    h.update(bins.mariadbd.as_os_str().as_encoded_bytes());
    h.update(bins.install_db.as_os_str().as_encoded_bytes());
    h.update(bins.version.as_bytes());
    h.update(uid.to_string().as_bytes());
    let hash: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let tmp_root = std::env::temp_dir();
    let name = format!("lightning-mariadb-template-{hash}");
    let final_dir = tmp_root.join(&name);
    if final_dir.join(TEMPLATE_MARKER).is_file() {
        return Ok(final_dir);
    }
    let work = tempfile::Builder::new()
        .prefix(&format!("{name}.tmp-"))
        .tempdir_in(&tmp_root)
        .map_err(io_err(format!(
            "creating a temporary directory in {}",
            tmp_root.display()
        )))?;
    build_template(bins, work.path())?;
    let work = work.keep();
    for attempt in 0..2 {
        match fs::rename(&work, &final_dir) {
            Ok(()) => return Ok(final_dir),
            Err(_) if final_dir.join(TEMPLATE_MARKER).is_file() => {
                // Another process won the race; use its template.
                let _ = fs::remove_dir_all(&work);
                return Ok(final_dir);
            }
            Err(e) if attempt == 0 && final_dir.exists() => {
                // A broken template (no marker): move it aside and retry.
                let trash = tmp_root.join(format!("{name}.tmp-broken-{}", std::process::id()));
                let _ = fs::rename(&final_dir, &trash);
                let _ = fs::remove_dir_all(&trash);
                let _ = e;
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&work);
                return Err(io_err(format!(
                    "installing template {}",
                    final_dir.display()
                ))(e));
            }
        }
    }
    let _ = fs::remove_dir_all(&work);
    Err(ServerError::InitFailed {
        message: format!("could not install template {}", final_dir.display()),
        log_tail: String::new(),
    })
}

fn build_template(bins: &Binaries, work: &Path) -> Result<(), ServerError> {
    let data = work.join("data");
    let log = work.join("install.log");
    let log_file = fs::File::create(&log).map_err(io_err("creating install.log"))?;
    let log_file2 = log_file
        .try_clone()
        .map_err(io_err("cloning install.log"))?;
    // Own tmpdir for the bootstrap server: see the `--tmpdir` note in `args`.
    let tmp = work.join("tmp");
    fs::create_dir_all(&tmp).map_err(io_err("creating the bootstrap tmpdir"))?;
    let mut cmd = Command::new(&bins.install_db);
    cmd.env("TMPDIR", &tmp);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db")
        .arg("--skip-name-resolve")
        .arg("--innodb-log-file-size=8M");
    if is_root() {
        cmd.arg("--user=root");
    }
    if let Some(dir) = bins.install_db.parent() {
        // Tarball layout: <basedir>/scripts/mariadb-install-db.
        if dir.file_name().is_some_and(|n| n == "scripts") {
            if let Some(base) = dir.parent() {
                cmd.arg(format!("--basedir={}", base.display()));
            }
        }
    }
    let status = cmd
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_file2)
        .status()
        .map_err(io_err(format!("running {}", bins.install_db.display())))?;
    if !status.success() {
        return Err(ServerError::InitFailed {
            message: format!("{} exited with {status}", bins.install_db.display()),
            log_tail: install_log_summary(&log),
        });
    }

    // Boot it once to make root usable without a password over socket and TCP,
    // and to leave a cleanly shut down data directory with a small redo log
    // (resized to the configured size at each start, which is cheap).
    let mut srv = PrivateServer::launch_from(
        bins,
        ServerOptions {
            data_dir: Some(data.clone()),
            extra_args: vec!["--innodb-log-file-size=8M".into()],
            ..Default::default()
        },
        None,
    )?;
    let prepare = |srv: &PrivateServer| -> Result<(), ServerError> {
        let mut c = mysql::Conn::new(srv.socket_opts())?;
        let stray: Vec<(String, String)> = c.query(
            "SELECT User, Host FROM mysql.user \
             WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1')",
        )?;
        for (user, host) in stray {
            let q = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
            c.query_drop(format!("DROP USER {}@{}", q(&user), q(&host)))?;
        }
        for host in ["localhost", "127.0.0.1", "::1"] {
            c.query_drop(format!("CREATE USER IF NOT EXISTS 'root'@'{host}'"))?;
            c.query_drop(format!(
                "ALTER USER 'root'@'{host}' IDENTIFIED VIA mysql_native_password USING PASSWORD('')"
            ))?;
            c.query_drop(format!(
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@'{host}' WITH GRANT OPTION"
            ))?;
        }
        c.query_drop("FLUSH PRIVILEGES")?;
        drop(c);
        // Verify TCP login as root without a password.
        let mut t = mysql::Conn::new(srv.opts())?;
        let who: Option<String> = t.query_first("SELECT CURRENT_USER()")?;
        if who.as_deref() != Some("root@127.0.0.1") && who.as_deref() != Some("root@localhost") {
            return Err(ServerError::InitFailed {
                message: format!("unexpected TCP login identity {who:?}"),
                log_tail: String::new(),
            });
        }
        Ok(())
    };
    let prepared = prepare(&srv);
    srv.stop()?;
    drop(srv);
    prepared?;
    fs::write(work.join(TEMPLATE_MARKER), TEMPLATE_FORMAT)
        .map_err(io_err("writing template marker"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The server.

/// A private `mariadbd` process with its own data directory, socket and port.
///
/// Connect with [`opts`](Self::opts) (TCP) or [`socket_opts`](Self::socket_opts)
/// as `root` without a password.
#[derive(Debug)]
pub struct PrivateServer {
    id: u64,
    mariadbd: PathBuf,
    base_dir: PathBuf,
    data_dir: PathBuf,
    socket: PathBuf,
    pid_file: PathBuf,
    log_file: PathBuf,
    port: u16,
    child: Option<Child>,
    version: String,
    opts: ServerOptions,
    /// Remove `base_dir` on drop.
    remove_base: bool,
}

impl PrivateServer {
    /// Starts a private server with default options.
    pub fn start() -> Result<PrivateServer, ServerError> {
        Self::start_with(ServerOptions::default())
    }

    /// Starts a private server.
    pub fn start_with(opts: ServerOptions) -> Result<PrivateServer, ServerError> {
        let bins = binaries()?;
        sweep_stale_instances();
        let template = template_dir(bins)?;
        let copy_from = template.join("data");
        Self::launch_from(bins, opts, Some(&copy_from))
    }

    fn launch_from(
        bins: &Binaries,
        opts: ServerOptions,
        template: Option<&Path>,
    ) -> Result<PrivateServer, ServerError> {
        let base = short_temp_base();
        let base_dir = tempfile::Builder::new()
            .prefix(INSTANCE_PREFIX)
            .tempdir_in(&base)
            .map_err(io_err(format!(
                "creating a temporary directory in {}",
                base.display()
            )))?
            .keep();
        let mut server = PrivateServer {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            mariadbd: bins.mariadbd.clone(),
            data_dir: opts
                .data_dir
                .clone()
                .unwrap_or_else(|| base_dir.join("data")),
            socket: base_dir.join("mysqld.sock"),
            pid_file: base_dir.join("mysqld.pid"),
            log_file: base_dir.join("error.log"),
            base_dir,
            port: 0,
            child: None,
            version: String::new(),
            remove_base: !opts.keep_data,
            opts,
        };
        // From here on, Drop cleans up whatever was created.
        if server.remove_base {
            fs::write(
                server.base_dir.join(OWNER_FILE),
                std::process::id().to_string(),
            )
            .map_err(io_err("writing owner file"))?;
        }
        if server.socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(ServerError::StartFailed {
                message: format!(
                    "socket path {} is too long for a unix socket; set TMPDIR to a short directory",
                    server.socket.display()
                ),
                log: server.log_file.display().to_string(),
                log_tail: String::new(),
            });
        }
        fs::create_dir_all(server.base_dir.join("tmp"))
            .map_err(io_err("creating the server tmpdir"))?;
        if let Some(template) = template {
            let empty = fs::read_dir(&server.data_dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(true);
            if empty {
                copy_dir_all(template, &server.data_dir).map_err(io_err(format!(
                    "copying template {} to {}",
                    template.display(),
                    server.data_dir.display()
                )))?;
            }
        }
        let timeout = server.opts.start_timeout.unwrap_or(DEFAULT_START_TIMEOUT);
        match server.opts.port {
            Some(port) => {
                server.port = port;
                server.spawn_and_wait(timeout, false)?;
            }
            None => {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    server.port = free_port()?;
                    match server.spawn_and_wait(timeout, false) {
                        Err(ServerError::StartFailed { log_tail, .. })
                            if attempt < 6 && is_bind_error(&log_tail) =>
                        {
                            continue
                        }
                        other => break other?,
                    }
                }
            }
        }
        Ok(server)
    }

    fn args(&self, restart: bool) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec!["--no-defaults".into()];
        let mut push = |s: String| a.push(s.into());
        push(format!("--datadir={}", self.data_dir.display()));
        push(format!("--socket={}", self.socket.display()));
        push(format!("--port={}", self.port));
        push("--bind-address=127.0.0.1".into());
        push(format!("--pid-file={}", self.pid_file.display()));
        push(format!("--log-error={}", self.log_file.display()));
        // A private tmpdir: at startup mariadbd deletes every `#sql*` file in its
        // tmpdir, which would destroy the temporary tables of other servers
        // sharing it (seen as "Unknown table" errors under parallel tests).
        push(format!("--tmpdir={}", self.base_dir.join("tmp").display()));
        if is_root() {
            push("--user=root".into());
        }
        for s in [
            "--innodb-buffer-pool-size=256M",
            "--innodb-log-file-size=256M",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-lock-wait-timeout=50",
            "--innodb-buffer-pool-load-at-startup=OFF",
            "--innodb-buffer-pool-dump-at-shutdown=OFF",
            "--skip-log-bin",
            "--max-connections=500",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--loose-feedback=OFF",
        ] {
            push(s.into());
        }
        if restart {
            // After a kill the port may take a moment to be released.
            push("--port-open-timeout=10".into());
        }
        for s in &self.opts.extra_args {
            push(s.clone());
        }
        a
    }

    fn spawn_and_wait(&mut self, timeout: Duration, restart: bool) -> Result<(), ServerError> {
        let _ = fs::remove_file(&self.log_file);
        let mut cmd = Command::new(&self.mariadbd);
        cmd.args(self.args(restart))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = spawn_tied_to_process(cmd)
            .map_err(io_err(format!("starting {}", self.mariadbd.display())))?;
        register_live(LiveEntry {
            id: self.id,
            pid: child.id(),
            graceful: !self.remove_base,
            remove_dir: self.remove_base.then(|| self.base_dir.clone()),
        });
        self.child = Some(child);
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait_child() {
                self.child = None;
                unregister_live(self.id);
                return Err(
                    self.start_failed(format!("mariadbd exited during startup with {status}"))
                );
            }
            let last_err = match mysql::Conn::new(self.poll_opts()) {
                Ok(mut c) => {
                    let v: Option<String> = c.query_first("SELECT VERSION()")?;
                    self.version = v.unwrap_or_default();
                    return Ok(());
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                self.kill_child();
                return Err(self.start_failed(format!(
                    "not accepting connections after {timeout:?} (last error: {last_err})"
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn start_failed(&self, message: String) -> ServerError {
        ServerError::StartFailed {
            message,
            log: self.log_file.display().to_string(),
            log_tail: tail_of_file(&self.log_file, 25),
        }
    }

    fn poll_opts(&self) -> mysql::Opts {
        mysql::OptsBuilder::from_opts(self.socket_opts())
            .read_timeout(Some(Duration::from_secs(10)))
            .write_timeout(Some(Duration::from_secs(10)))
            .into()
    }

    fn try_wait_child(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    fn kill_child(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        unregister_live(self.id);
    }

    /// Connection options: user `root`, no password, TCP to `127.0.0.1:port`
    /// (`prefer_socket` off, so it really is TCP), no default database.
    pub fn opts(&self) -> mysql::Opts {
        self.builder().into()
    }

    /// Like [`opts`](Self::opts) with `db` as the default database.
    pub fn opts_for_db(&self, db: &str) -> mysql::Opts {
        self.builder().db_name(Some(db)).into()
    }

    /// Connection options over the unix socket (user `root`, no password).
    pub fn socket_opts(&self) -> mysql::Opts {
        mysql::OptsBuilder::new()
            .socket(Some(self.socket.to_string_lossy()))
            .user(Some("root"))
            .pass(None::<String>)
            .into()
    }

    fn builder(&self) -> mysql::OptsBuilder {
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(self.port)
            .user(Some("root"))
            .pass(None::<String>)
            .prefer_socket(false)
    }

    /// A connection URL, `mysql://root@127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/", self.port)
    }

    /// Opens a new connection ([`opts`](Self::opts)).
    pub fn conn(&self) -> Result<mysql::Conn, ServerError> {
        Ok(mysql::Conn::new(self.opts())?)
    }

    /// The unix socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The temporary directory holding socket, pid file, error log and (by default) the data.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The server's error log file.
    pub fn error_log(&self) -> &Path {
        &self.log_file
    }

    /// The last `lines` lines of the error log.
    pub fn error_log_tail(&self, lines: usize) -> String {
        tail_of_file(&self.log_file, lines)
    }

    /// `SELECT VERSION()` as reported at the last start, e.g. `10.11.6-MariaDB-0+deb12u1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Process id of the running `mariadbd`, `None` when stopped or killed.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Whether the process is (still) running.
    pub fn is_running(&mut self) -> bool {
        if self.child.is_none() {
            return false;
        }
        if self.try_wait_child().is_some() {
            self.child = None;
            unregister_live(self.id);
            return false;
        }
        true
    }

    /// Kills the server with SIGKILL (no shutdown, like a crash) and waits for it to exit.
    pub fn kill(&mut self) -> Result<(), ServerError> {
        if self.child.is_none() {
            return Err(ServerError::NotRunning);
        }
        self.kill_child();
        Ok(())
    }

    /// Shuts the server down gracefully (SIGTERM, SIGKILL after 10 s). The data is kept;
    /// [`restart`](Self::restart) starts it again. A no-op when not running.
    pub fn stop(&mut self) -> Result<(), ServerError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child.id();
        let _ = signal(pid, libc::SIGCONT);
        let _ = signal(pid, libc::SIGTERM);
        let deadline = Instant::now() + GRACEFUL_STOP_TIMEOUT;
        let result = loop {
            match child.try_wait() {
                Ok(Some(_)) => break Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Ok(());
                }
                Err(e) => break Err(io_err(format!("waiting for mariadbd {pid}"))(e)),
            }
        };
        unregister_live(self.id);
        result
    }

    /// Starts the server again on the same data directory, port and socket and waits
    /// until it accepts connections (after [`kill`](Self::kill) this includes crash
    /// recovery). A running server is stopped gracefully first.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop()?;
        let timeout = self.opts.start_timeout.unwrap_or(DEFAULT_START_TIMEOUT);
        self.spawn_and_wait(timeout, true)
    }

    /// Freezes the server process (SIGSTOP): connections hang until [`sigcont`](Self::sigcont).
    pub fn sigstop(&self) -> Result<(), ServerError> {
        signal(self.pid().ok_or(ServerError::NotRunning)?, libc::SIGSTOP)
    }

    /// Resumes a server frozen by [`sigstop`](Self::sigstop).
    pub fn sigcont(&self) -> Result<(), ServerError> {
        signal(self.pid().ok_or(ServerError::NotRunning)?, libc::SIGCONT)
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.stop();
        unregister_live(self.id);
        if self.remove_base {
            let _ = fs::remove_dir_all(&self.base_dir);
        }
    }
}

fn free_port() -> Result<u16, ServerError> {
    let l = TcpListener::bind(("127.0.0.1", 0))
        .map_err(io_err("binding 127.0.0.1:0 to pick a port"))?;
    let port = l
        .local_addr()
        .map_err(io_err("reading the picked port"))?
        .port();
    Ok(port)
}

fn is_bind_error(log: &str) -> bool {
    log.contains("Address already in use")
        || log.contains("Can't start server: Bind on TCP/IP port")
        || log.contains("Do you already have another server running on port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_message_says_how_to_install() {
        let e = ServerError::BinariesNotFound {
            missing: "mariadbd/mysqld".into(),
            searched: "/usr/sbin".into(),
        };
        let m = e.to_string();
        assert!(m.contains("apt-get install mariadb-server"), "{m}");
        assert!(m.contains("brew install mariadb"), "{m}");
        assert!(m.contains(BIN_DIR_ENV), "{m}");
    }

    #[test]
    fn bind_errors_are_recognised() {
        assert!(is_bind_error(
            "[ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use"
        ));
        assert!(!is_bind_error("[ERROR] Aborting"));
    }
}
