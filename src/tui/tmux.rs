//! A tmux terminal of its own for driving this binary from outside: the idle measurement
//! (`lightning bench --only idle`) and the end-to-end tests start the UI in one, send keys and
//! read the screen with `capture-pane`. Each [`Tmux`] runs its own tmux server (`-L socket`),
//! killed on drop, so nothing touches the user's tmux sessions.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The session (and target) name inside the private tmux server.
const SESSION: &str = "ui";
/// How often [`Tmux::wait_for`] reads the screen.
const POLL: Duration = Duration::from_millis(100);
/// The gap after each key: an Escape followed at once by another escape sequence would read as
/// Alt-something, as in any terminal. (Not a wait for the UI: callers wait on the screen.)
const KEY_GAP: Duration = Duration::from_millis(150);

/// Why driving tmux failed.
#[derive(Debug, thiserror::Error)]
pub enum TmuxError {
    /// tmux could not be run (not installed, or no process could be started).
    #[error("running tmux: {0}")]
    Io(#[from] std::io::Error),
    /// The screen did not show what was waited for in time (the screen as last seen).
    #[error("timed out after {waited:?} waiting for {what}; screen:\n{screen}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long.
        waited: Duration,
        /// The last screen read.
        screen: String,
    },
}

/// Whether tmux is installed.
pub fn installed() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

/// `path` quoted for the shell tmux runs a command with.
pub fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// A private tmux server with one session of `width`×`height` running a shell command.
#[derive(Debug)]
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts a tmux server on socket `socket` (unique per caller, e.g. with the process id)
    /// with one detached session running `command` in a terminal of `width`×`height`.
    pub fn start(socket: &str, width: u16, height: u16, command: &str) -> Result<Tmux, TmuxError> {
        let tmux = Tmux {
            socket: socket.to_string(),
        };
        let (w, h) = (width.to_string(), height.to_string());
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            &w,
            "-y",
            &h,
            command,
        ])?;
        Ok(tmux)
    }

    /// The socket name (a second server for the same test takes another one).
    pub fn socket(&self) -> &str {
        &self.socket
    }

    /// Runs a tmux command against this server; returns its standard output.
    pub fn run(&self, args: &[&str]) -> Result<String, TmuxError> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The session's screen as text.
    pub fn screen(&self) -> Result<String, TmuxError> {
        self.run(&["capture-pane", "-p", "-t", SESSION])
    }

    /// The process id of the pane's command.
    pub fn pane_pid(&self) -> Result<Option<u32>, TmuxError> {
        let out = self.run(&["display-message", "-p", "-t", SESSION, "#{pane_pid}"])?;
        Ok(out.trim().parse().ok())
    }

    /// Sends keys (tmux key names: `Enter`, `C-s`, `BTab`, `F1`…) one at a time.
    pub fn keys(&self, keys: &[&str]) -> Result<(), TmuxError> {
        for key in keys {
            self.run(&["send-keys", "-t", SESSION, key])?;
            std::thread::sleep(KEY_GAP);
        }
        Ok(())
    }

    /// Types `text` literally.
    pub fn text(&self, text: &str) -> Result<(), TmuxError> {
        self.run(&["send-keys", "-t", SESSION, "-l", text])?;
        std::thread::sleep(KEY_GAP);
        Ok(())
    }

    /// Pastes `text` byte for byte (no LF turned into CR) as a bracketed paste when the
    /// application asked for one.
    pub fn paste(&self, text: &str) -> Result<(), TmuxError> {
        self.run(&["set-buffer", "-b", "paste", text])?;
        self.run(&["paste-buffer", "-p", "-r", "-b", "paste", "-t", SESSION])?;
        Ok(())
    }

    /// Resizes the session's window.
    pub fn resize(&self, width: u16, height: u16) -> Result<(), TmuxError> {
        let (w, h) = (width.to_string(), height.to_string());
        self.run(&["resize-window", "-t", SESSION, "-x", &w, "-y", &h])?;
        Ok(())
    }

    /// Reads the screen until `done` holds for it (returned) or `within` passed.
    pub fn wait_for(
        &self,
        what: &str,
        within: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<String, TmuxError> {
        let start = Instant::now();
        loop {
            let screen = self.screen()?;
            if done(&screen) {
                return Ok(screen);
            }
            if start.elapsed() > within {
                return Err(TmuxError::Timeout {
                    what: what.to_string(),
                    waited: within,
                    screen,
                });
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
