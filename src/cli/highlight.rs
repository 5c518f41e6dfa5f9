//! SQL syntax highlighting for the terminal, with syntect's bundled SQL
//! syntax and a bundled theme. Piped output stays plain so scripts and files
//! get exactly the SQL.

use syntect::easy::HighlightLines;
use syntect::highlighting::ThemeSet;
use syntect::parsing::SyntaxSet;
use syntect::util::{as_24_bit_terminal_escaped, LinesWithEndings};

/// The bundled theme used; chosen because it reads well on dark and light
/// terminal backgrounds alike.
const THEME: &str = "base16-ocean.dark";

/// Resets every attribute at the end of highlighted text, so a terminal is
/// never left coloured.
const RESET: &str = "\x1b[0m";

/// Highlights SQL for a terminal. Loading syntect's definitions takes a few
/// milliseconds, so one value is built per command and reused.
pub struct SqlHighlighter {
    /// `None` when highlighting is off (not a terminal, `NO_COLOR`) or the
    /// bundled definitions lack SQL or the theme.
    loaded: Option<(SyntaxSet, ThemeSet)>,
}

impl SqlHighlighter {
    /// A highlighter that colours only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        if !enabled {
            return SqlHighlighter { loaded: None };
        }
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let themes = ThemeSet::load_defaults();
        let usable =
            syntaxes.find_syntax_by_extension("sql").is_some() && themes.themes.contains_key(THEME);
        SqlHighlighter {
            loaded: usable.then_some((syntaxes, themes)),
        }
    }

    /// Whether output is coloured.
    pub fn enabled(&self) -> bool {
        self.loaded.is_some()
    }

    /// `sql` with ANSI colours, or unchanged when highlighting is off.
    pub fn sql(&self, sql: &str) -> String {
        let Some((syntaxes, themes)) = &self.loaded else {
            return sql.to_string();
        };
        let (Some(syntax), Some(theme)) = (
            syntaxes.find_syntax_by_extension("sql"),
            themes.themes.get(THEME),
        ) else {
            return sql.to_string();
        };
        let mut lines = HighlightLines::new(syntax, theme);
        let mut out = String::with_capacity(sql.len() * 2);
        for line in LinesWithEndings::from(sql) {
            match lines.highlight_line(line, syntaxes) {
                Ok(ranges) => out.push_str(&as_24_bit_terminal_escaped(&ranges, false)),
                // A highlighting failure must not hide the SQL: show the line plain.
                Err(_) => out.push_str(line),
            }
        }
        out.push_str(RESET);
        out
    }

    /// A `-- comment` line, dimmed on a terminal.
    pub fn comment(&self, text: &str) -> String {
        if self.enabled() {
            format!("\x1b[2m-- {text}{RESET}")
        } else {
            format!("-- {text}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_disabled() {
        let h = SqlHighlighter::new(false);
        assert_eq!(h.sql("SELECT 1"), "SELECT 1");
        assert_eq!(h.comment("view"), "-- view");
    }

    #[test]
    fn coloured_when_enabled_and_text_is_kept() {
        let h = SqlHighlighter::new(true);
        assert!(h.enabled(), "syntect bundles SQL and {THEME}");
        let out = h.sql("SELECT a, COUNT(*) FROM t GROUP BY a");
        assert!(out.contains("\x1b["), "{out:?}");
        assert!(out.ends_with(RESET));
        assert!(out.contains("COUNT"));
    }
}
