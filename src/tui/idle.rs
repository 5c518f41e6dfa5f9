//! Idle CPU of the terminal UI (issue 18 item 4): this very binary runs in a tmux terminal of
//! 160×48 against a private server with a table on screen, is left untouched, and the CPU time
//! it uses meanwhile is read from `/proc/<pid>/stat` (utime + stime). A measurement for
//! `lightning bench --only idle`, not a test: it takes the given seconds of wall time.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

use super::tmux::{self, shell_quote, Tmux, TmuxError};
use crate::db::server::{PrivateServer, ServerError};

/// Columns of the measured terminal.
const WIDTH: u16 = 160;
/// Rows of the measured terminal.
const HEIGHT: u16 = 48;
/// How long the UI may take to show the schema.
const SHOW_WITHIN: Duration = Duration::from_secs(30);
/// Quiet time before measuring: the start-up requests are answered by then.
const SETTLE: Duration = Duration::from_secs(2);
/// `/proc/<pid>/stat` counts CPU time in clock ticks of 1/100 s (USER_HZ on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// Why the idle measurement could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum IdleError {
    /// tmux, which provides the terminal, is not installed.
    #[error("tmux is not installed: the idle measurement needs it for a terminal")]
    NoTmux,
    /// The private server could not be started.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// Preparing the table failed.
    #[error("preparing the table: {0}")]
    Sql(#[from] mysql::Error),
    /// A file or process could not be used.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The OS's error.
        #[source]
        source: std::io::Error,
    },
    /// Driving the terminal failed.
    #[error(transparent)]
    Tmux(#[from] TmuxError),
    /// The UI did not show the schema in time (the screen as last seen).
    #[error("the UI did not show the schema within {SHOW_WITHIN:?}; its screen:\n{0}")]
    NotShown(String),
    /// The UI's process could not be found or read.
    #[error("the UI's process could not be read from /proc")]
    NoProcess,
}

/// The UI's CPU use while left alone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IdleReport {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// Wall time measured, s.
    pub seconds: f64,
    /// CPU clock ticks (1/100 s) used meanwhile, user plus system.
    pub cpu_ticks: u64,
    /// CPU over wall time, percent of one core.
    pub percent: f64,
    /// Times the UI's main thread (the event loop) went to sleep voluntarily meanwhile, per
    /// second: about its wake-ups (20 a second when it polled every 50 ms tick).
    pub wakeups_per_sec: f64,
}

impl IdleReport {
    /// One line for the report.
    pub fn render(&self) -> String {
        format!(
            "TUI idle at {}x{}: {:.2}% of a core over {:.0} s ({} clock ticks of 1/100 s; target: ≤ 1%), event loop woke {:.2} times/s\n",
            self.width, self.height, self.percent, self.seconds, self.cpu_ticks, self.wakeups_per_sec
        )
    }
}

/// Runs the UI for `seconds` untouched and measures its CPU time.
pub fn run(seconds: u64) -> Result<IdleReport, IdleError> {
    if !tmux::installed() {
        return Err(IdleError::NoTmux);
    }
    let server = PrivateServer::start()?;
    let mut conn = server.conn()?;
    for statement in [
        "CREATE DATABASE shop",
        "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, status ENUM('new','paid','shipped') NOT NULL, amount DECIMAL(10,2) NULL) ENGINE=InnoDB",
        "INSERT INTO shop.orders (status, amount) SELECT ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq % 50 FROM shop.seq_1_to_3000",
    ] {
        conn.query_drop(statement)?;
    }
    let home = tempfile::tempdir().map_err(|source| IdleError::Io {
        context: "creating a home directory for the UI",
        source,
    })?;
    let exe = std::env::current_exe().map_err(|source| IdleError::Io {
        context: "finding this program",
        source,
    })?;
    // `exec`: the pane's process is the UI itself, so its pid is the pane's.
    let command = format!(
        "exec env HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data TERM=xterm-256color {exe} --no-defaults --url {url}shop",
        home = shell_quote(home.path()),
        exe = shell_quote(&exe),
        url = server.url(),
    );
    let tmux = Tmux::start(
        &format!("lt-idle-{}", std::process::id()),
        WIDTH,
        HEIGHT,
        &command,
    )?;
    tmux.wait_for("the schema", SHOW_WITHIN, |screen| {
        screen.contains("LightningTables") && screen.contains("orders")
    })
    .map_err(|e| match e {
        TmuxError::Timeout { screen, .. } => IdleError::NotShown(screen),
        other => IdleError::Tmux(other),
    })?;
    std::thread::sleep(SETTLE);
    let pid = tmux.pane_pid()?.ok_or(IdleError::NoProcess)?;
    let before = cpu_ticks(pid).ok_or(IdleError::NoProcess)?;
    let switches_before = voluntary_switches(pid).ok_or(IdleError::NoProcess)?;
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let after = cpu_ticks(pid).ok_or(IdleError::NoProcess)?;
    let switches_after = voluntary_switches(pid).ok_or(IdleError::NoProcess)?;
    let wall = start.elapsed().as_secs_f64();
    let used = after.saturating_sub(before);
    Ok(IdleReport {
        width: WIDTH,
        height: HEIGHT,
        seconds: wall,
        cpu_ticks: used,
        percent: used as f64 / TICKS_PER_SEC / wall * 100.0,
        wakeups_per_sec: switches_after.saturating_sub(switches_before) as f64 / wall,
    })
}

/// utime + stime of process `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name (field 2) may hold spaces: the fields after it follow the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Voluntary context switches of the main thread of `pid` (the UI's event loop) so far.
fn voluntary_switches(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
        .trim()
        .parse()
        .ok()
}
