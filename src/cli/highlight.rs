//! SQL syntax highlighting for the terminal: the TUI's highlighter (syntect's SQL grammar,
//! a few colours) written as escape codes. Piped output stays plain so scripts and files get
//! exactly the SQL.

use crate::tui::panes::highlight::tokens;

/// Resets every attribute at the end of highlighted text, so a terminal is
/// never left coloured.
const RESET: &str = "\x1b[0m";

/// Highlights SQL for a terminal with the TUI's highlighter and colours (one highlighter for
/// both front ends), as escape codes.
pub struct SqlHighlighter {
    /// Off when output is not a terminal or `NO_COLOR` is set.
    enabled: bool,
}

impl SqlHighlighter {
    /// A highlighter that colours only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        SqlHighlighter { enabled }
    }

    /// Whether output is coloured.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `sql` with ANSI colours, or unchanged when highlighting is off.
    pub fn sql(&self, sql: &str) -> String {
        if !self.enabled {
            return sql.to_string();
        }
        let lines: Vec<String> = sql.split('\n').map(str::to_string).collect();
        let mut out = String::with_capacity(sql.len() * 2);
        for (i, line) in tokens(&lines).into_iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for (token, text) in line {
                match token.ansi() {
                    Some(code) => {
                        out.push_str(&code);
                        out.push_str(&text);
                        out.push_str(RESET);
                    }
                    None => out.push_str(&text),
                }
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
        assert!(h.enabled());
        let out = h.sql("SELECT a, COUNT(*) FROM t GROUP BY a");
        assert!(out.contains("\x1b["), "{out:?}");
        assert!(out.ends_with(RESET));
        assert!(out.contains("COUNT"));
    }
}
