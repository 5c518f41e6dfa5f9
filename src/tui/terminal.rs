//! The real terminal: raw mode and the alternate screen on entry, restored
//! on exit, on panic and around `$EDITOR`.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::ExecutableCommand;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::sync::{Once, OnceLock};
use std::thread::ThreadId;

/// The thread that draws; only its panics end the UI.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// The terminal type the UI draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal into UI mode.
pub fn enter() -> io::Result<Term> {
    let _ = UI_THREAD.set(std::thread::current().id());
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = io::stdout();
    let prepared = out
        .execute(EnterAlternateScreen)
        .and_then(|o| o.execute(EnableMouseCapture))
        .and_then(|o| o.execute(EnableBracketedPaste))
        .map(|_| ());
    if let Err(e) = prepared {
        restore();
        return Err(e);
    }
    match Terminal::new(CrosstermBackend::new(out)) {
        Ok(t) => Ok(t),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Gives the terminal back (idempotent, best effort: nothing else can be done).
pub fn restore() {
    let mut out = io::stdout();
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(DisableMouseCapture);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// A panic on the UI thread restores the terminal before the previous hook
/// prints, so the message is readable and the shell usable. A panic on a
/// worker thread is only recorded (the worker reports it as a failed
/// request): printing would scribble over the screen.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = UI_THREAD
                .get()
                .is_none_or(|id| *id == std::thread::current().id());
            if ui {
                restore();
                previous(info);
                return;
            }
            let what = info
                .payload()
                .downcast_ref::<&str>()
                .map(std::string::ToString::to_string)
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_string());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            super::errors::note_panic(format!("{what}{place}"));
        }));
    });
}

/// Why the external editor gave no text back (cloneable: it travels in a message; the OS's
/// reasons are kept in words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditorError {
    /// There is no terminal to lend the editor.
    #[error("{}", super::strings::NOT_A_TERMINAL)]
    NoTerminal,
    /// The temporary file could not be written or read back.
    #[error("{0}")]
    File(String),
    /// The terminal could not be taken back afterwards.
    #[error("{0}")]
    Terminal(String),
    /// The editor could not be started.
    #[error("{program}: {reason}")]
    Spawn {
        /// The editor's program.
        program: String,
        /// The OS's reason.
        reason: String,
    },
    /// The editor exited with a failure.
    #[error("{program} exited with {status}")]
    Exited {
        /// The editor's program.
        program: String,
        /// Its exit status.
        status: String,
    },
}

/// Runs `$VISUAL`/`$EDITOR` (default `vi`) on `text` with the terminal
/// given back, then re-enters UI mode; returns the edited text.
pub fn edit_externally(terminal: &mut Term, text: &str) -> Result<String, EditorError> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| super::strings::DEFAULT_EDITOR.to_string());
    let file = tempfile::Builder::new()
        .prefix("lightning-query-")
        .suffix(".sql")
        .tempfile()
        .map_err(|e| EditorError::File(e.to_string()))?;
    std::fs::write(file.path(), text).map_err(|e| EditorError::File(e.to_string()))?;
    restore();
    // The editor may be "code -w" or "vim -u NONE": split off its arguments.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or(super::strings::DEFAULT_EDITOR);
    let status = std::process::Command::new(program)
        .args(words)
        .arg(file.path())
        .status();
    let back = enter().map(|t| *terminal = t);
    let _ = terminal.clear();
    back.map_err(|e| EditorError::Terminal(e.to_string()))?;
    match status {
        Ok(s) if s.success() => {
            std::fs::read_to_string(file.path()).map_err(|e| EditorError::File(e.to_string()))
        }
        Ok(s) => Err(EditorError::Exited {
            program: program.to_string(),
            status: s.to_string(),
        }),
        Err(e) => Err(EditorError::Spawn {
            program: program.to_string(),
            reason: e.to_string(),
        }),
    }
}
