//! The server process: launch from the template, start/stop/kill/restart, signals.

use std::ffi::OsString;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

use super::binaries::{binaries, Binaries};
use super::error::{io_err, ServerError};
use super::registry::{next_id, register_live, sweep_stale_instances, unregister_live, LiveEntry};
use super::spawn::spawn_tied_to_process;
use super::template::{copy_dir_all, template_dir};
use super::StateTransfer;
use super::{
    is_root, short_temp_base, tail_of_file, ServerOptions, GRACEFUL_STOP_TIMEOUT, INSTANCE_PREFIX,
    OWNER_FILE,
};
use crate::sys::{self, Signal};

/// Used when [`ServerOptions::start_timeout`] is not set. A start is mostly InnoDB's file I/O:
/// on a 2-core machine that also runs builds it was measured past 30 s.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(120);
/// Unix socket paths are limited to 108 bytes (104 on macOS) including the NUL.
const MAX_SOCKET_PATH: usize = 100;

/// A private `mariadbd` process with its own data directory, socket and port.
///
/// Connect with [`opts`](Self::opts) (TCP) or [`socket_opts`](Self::socket_opts)
/// as `root` without a password.
#[derive(Debug)]
pub struct PrivateServer {
    /// Key in the live-server registry.
    id: u64,
    mariadbd: PathBuf,
    base_dir: PathBuf,
    data_dir: PathBuf,
    pub(super) socket: PathBuf,
    pid_file: PathBuf,
    log_file: PathBuf,
    pub(super) port: u16,
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

    /// Creates the instance directory, fills an empty data directory from `template`
    /// (none: `mariadb-install-db` already did) and starts the server.
    pub(super) fn launch_from(
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
            id: next_id(),
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
        if let Some(template) =
            template.filter(|_| server.opts.state_transfer != StateTransfer::Joiner)
        {
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
        if server.opts.state_transfer != StateTransfer::None {
            fs::create_dir_all(&server.data_dir)
                .and_then(|()| open_to_all(&server.base_dir, false))
                .and_then(|()| open_to_all(&server.data_dir, true))
                .map_err(io_err("opening the data directory to the state transfer"))?;
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
                            if attempt < 6 && is_bind_error(&log_tail) => {}
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
            "--max-connections=500",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--loose-feedback=OFF",
        ] {
            push(s.into());
        }
        match self.opts.binlog {
            None => push("--skip-log-bin".into()),
            Some(format) => {
                // In the data directory, so a restart keeps the log and its GTID position.
                push("--log-bin=binlog".into());
                push(format!("--binlog-format={}", format.name()));
            }
        }
        push(format!("--server-id={}", self.opts.server_id.unwrap_or(1)));
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
        self.child.as_ref().map(std::process::Child::id)
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
        let _ = signal(pid, Signal::Cont);
        let _ = signal(pid, Signal::Term);
        let deadline = Instant::now() + GRACEFUL_STOP_TIMEOUT;
        let result = loop {
            match child.try_wait() {
                Ok(Some(_)) => break Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
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
        signal(self.pid().ok_or(ServerError::NotRunning)?, Signal::Stop)
    }

    /// Resumes a server frozen by [`sigstop`](Self::sigstop).
    pub fn sigcont(&self) -> Result<(), ServerError> {
        signal(self.pid().ok_or(ServerError::NotRunning)?, Signal::Cont)
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

/// A loopback port that was free a moment ago (a race is retried on bind errors).
fn free_port() -> Result<u16, ServerError> {
    let l = TcpListener::bind(("127.0.0.1", 0))
        .map_err(io_err("binding 127.0.0.1:0 to pick a port"))?;
    let port = l
        .local_addr()
        .map_err(io_err("reading the picked port"))?
        .port();
    Ok(port)
}

/// Whether a failed start was caused by the port being taken.
fn is_bind_error(log: &str) -> bool {
    log.contains("Address already in use")
        || log.contains("Can't start server: Bind on TCP/IP port")
        || log.contains("Do you already have another server running on port")
}

/// Sends `sig` to `pid`.
fn signal(pid: u32, sig: Signal) -> Result<(), ServerError> {
    sys::kill(pid, sig).map_err(io_err(format!("sending signal {sig:?} to {pid}")))
}

/// Adds read and write (and search, for directories) for everyone to `path`, and to everything
/// under it when `recursive`.
fn open_to_all(path: &Path, recursive: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path)?;
    let extra = if meta.is_dir() { 0o777 } else { 0o666 };
    let mut perms = meta.permissions();
    perms.set_mode(perms.mode() | extra);
    fs::set_permissions(path, perms)?;
    if recursive && meta.is_dir() {
        for entry in fs::read_dir(path)? {
            open_to_all(&entry?.path(), true)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_errors_are_recognised() {
        assert!(is_bind_error(
            "[ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use"
        ));
        assert!(!is_bind_error("[ERROR] Aborting"));
    }
}
