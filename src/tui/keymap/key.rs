//! Keys: how terminal key events and configuration strings become [`Key`]s.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers (only Ctrl and Alt matter; Shift is in the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The key.
    pub code: KeyCodeRepr,
    /// Ctrl held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
}

/// The subset of key codes bindings use (ordered, so keys sort stably).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeRepr {
    /// A character.
    Char(char),
    /// A function key.
    F(u8),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
}

impl Key {
    /// The key of a terminal event, or `None` for keys no binding can use.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeRepr::Char(c),
            KeyCode::F(n) => KeyCodeRepr::F(n),
            KeyCode::Enter => KeyCodeRepr::Enter,
            KeyCode::Esc => KeyCodeRepr::Esc,
            KeyCode::Tab => KeyCodeRepr::Tab,
            KeyCode::BackTab => KeyCodeRepr::BackTab,
            KeyCode::Backspace => KeyCodeRepr::Backspace,
            KeyCode::Delete => KeyCodeRepr::Delete,
            KeyCode::Up => KeyCodeRepr::Up,
            KeyCode::Down => KeyCodeRepr::Down,
            KeyCode::Left => KeyCodeRepr::Left,
            KeyCode::Right => KeyCodeRepr::Right,
            KeyCode::Home => KeyCodeRepr::Home,
            KeyCode::End => KeyCodeRepr::End,
            KeyCode::PageUp => KeyCodeRepr::PageUp,
            KeyCode::PageDown => KeyCodeRepr::PageDown,
            _ => return None,
        };
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        // Ctrl-J arrives as Ctrl-J from crossterm, but some terminals send it as a bare '\n'.
        let (code, ctrl) = match code {
            KeyCodeRepr::Char('\n') => (KeyCodeRepr::Char('j'), true),
            KeyCodeRepr::Char(c) if ctrl => (KeyCodeRepr::Char(c.to_ascii_lowercase()), true),
            other => (other, ctrl),
        };
        Some(Key {
            code,
            ctrl,
            alt: event.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// Whether typing this key inserts text (a character without Ctrl/Alt).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCodeRepr::Char(_)) && !self.ctrl && !self.alt
    }

    /// Short label for the footer and help, e.g. `^C`, `F5`, `S-Tab`, `↑`.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeRepr::Char(' ') => "Space".to_string(),
            KeyCodeRepr::Char(c) => c.to_string(),
            KeyCodeRepr::F(n) => format!("F{n}"),
            KeyCodeRepr::Enter => "Enter".into(),
            KeyCodeRepr::Esc => "Esc".into(),
            KeyCodeRepr::Tab => "Tab".into(),
            KeyCodeRepr::BackTab => "S-Tab".into(),
            KeyCodeRepr::Backspace => "Bksp".into(),
            KeyCodeRepr::Delete => "Del".into(),
            KeyCodeRepr::Up => "↑".into(),
            KeyCodeRepr::Down => "↓".into(),
            KeyCodeRepr::Left => "←".into(),
            KeyCodeRepr::Right => "→".into(),
            KeyCodeRepr::Home => "Home".into(),
            KeyCodeRepr::End => "End".into(),
            KeyCodeRepr::PageUp => "PgUp".into(),
            KeyCodeRepr::PageDown => "PgDn".into(),
        };
        let mut out = String::new();
        if self.alt {
            out.push_str("M-");
        }
        if self.ctrl {
            out.push('^');
            return out + &base.to_uppercase();
        }
        out + &base
    }
}

/// Errors of the key configuration file.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A key name is not understood.
    #[error(
        "unknown key {0:?} (examples: \"q\", \"ctrl-c\", \"f5\", \"shift-tab\", \"pagedown\")"
    )]
    BadKey(String),
    /// A section name is not a context.
    #[error("unknown section [{0}]")]
    BadContext(String),
    /// An action name is not known.
    #[error("unknown action {0:?} in [{1}]")]
    BadAction(String, String),
}

impl KeymapError {
    /// The error as found in the file at `path` (errors of the text alone
    /// do not name the file).
    pub fn in_file(self, path: &std::path::Path) -> KeymapError {
        match self {
            KeymapError::Read { .. } => self,
            KeymapError::Syntax { message, .. } => KeymapError::Syntax {
                path: path.display().to_string(),
                message,
            },
            other => KeymapError::Syntax {
                path: path.display().to_string(),
                message: other.to_string(),
            },
        }
    }
}

/// Parses a key in the configuration syntax: `q`, `G`, `?`, `ctrl-c`,
/// `alt-x`, `f5`, `enter`, `esc`, `tab`, `shift-tab`/`backtab`, `up`,
/// `pageup`/`pgup`, `space`, ...
pub fn parse_key(spec: &str) -> Result<Key, KeymapError> {
    let bad = || KeymapError::BadKey(spec.to_string());
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = spec;
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(r) = lower
            .strip_prefix("ctrl-")
            .or_else(|| lower.strip_prefix("c-"))
        {
            ctrl = true;
            rest = &rest[rest.len() - r.len()..];
        } else if let Some(r) = lower
            .strip_prefix("alt-")
            .or_else(|| lower.strip_prefix("m-"))
        {
            alt = true;
            rest = &rest[rest.len() - r.len()..];
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCodeRepr::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCodeRepr::Enter,
            "esc" | "escape" => KeyCodeRepr::Esc,
            "tab" => KeyCodeRepr::Tab,
            "backtab" | "shift-tab" | "s-tab" => KeyCodeRepr::BackTab,
            "backspace" => KeyCodeRepr::Backspace,
            "delete" | "del" => KeyCodeRepr::Delete,
            "up" => KeyCodeRepr::Up,
            "down" => KeyCodeRepr::Down,
            "left" => KeyCodeRepr::Left,
            "right" => KeyCodeRepr::Right,
            "home" => KeyCodeRepr::Home,
            "end" => KeyCodeRepr::End,
            "pageup" | "pgup" => KeyCodeRepr::PageUp,
            "pagedown" | "pgdn" => KeyCodeRepr::PageDown,
            "space" => KeyCodeRepr::Char(' '),
            f if f.starts_with('f') => {
                let n: u8 = f[1..].parse().map_err(|_| bad())?;
                if !(1..=24).contains(&n) {
                    return Err(bad());
                }
                KeyCodeRepr::F(n)
            }
            _ => return Err(bad()),
        },
    };
    Ok(Key { code, ctrl, alt })
}
