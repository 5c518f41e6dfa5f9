//! SQL syntax highlighting with syntect's bundled SQL grammar, reduced to a few kinds of token
//! and mapped onto a few terminal colours (so it reads on 16-colour terminals too). The one
//! highlighter of the project: the TUI draws [`highlight_sql`]'s pieces, the CLI writes
//! [`tokens`] with the same colours as escape codes.

use ratatui::style::{Color, Modifier, Style};
use std::sync::OnceLock;
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// A piece of a line with its style.
pub type Piece = (Style, String);

/// What a piece of SQL is, as far as its colour goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// Anything without a colour of its own (names, operators, punctuation).
    Plain,
    /// `SELECT`, `GROUP BY`, types.
    Keyword,
    /// `COUNT`, `SUM`, other functions.
    Function,
    /// `'text'`.
    String,
    /// `42`.
    Number,
    /// `NULL`, `TRUE`.
    Constant,
    /// `-- comment`.
    Comment,
}

/// The highlighter's colours (`assets/sql-colours.toml`).
pub const COLOURS_FILE: &str = include_str!("../../../assets/sql-colours.toml");

/// The colours file read once: token name → (colour, bold). A name it lacks (or a file that
/// does not parse, which a test rules out) is drawn plain.
fn colours() -> &'static std::collections::BTreeMap<String, (Color, bool)> {
    static MAP: OnceLock<std::collections::BTreeMap<String, (Color, bool)>> = OnceLock::new();
    MAP.get_or_init(|| {
        let table: std::collections::BTreeMap<String, String> =
            toml::from_str(COLOURS_FILE).unwrap_or_default();
        table
            .into_iter()
            .filter_map(|(name, value)| {
                let mut words = value.split_whitespace();
                let colour: Color = words.next()?.parse().ok()?;
                let bold = words.any(|w| w == "bold");
                Some((name, (colour, bold)))
            })
            .collect()
    })
}

impl Token {
    /// Its name in the colours file.
    fn name(self) -> &'static str {
        match self {
            Token::Plain => "plain",
            Token::Keyword => "keyword",
            Token::Function => "function",
            Token::String => "string",
            Token::Number => "number",
            Token::Constant => "constant",
            Token::Comment => "comment",
        }
    }

    /// The style the TUI draws it with.
    pub fn style(self) -> Style {
        match colours().get(self.name()) {
            Some((colour, true)) => Style::default().fg(*colour).add_modifier(Modifier::BOLD),
            Some((colour, false)) => Style::default().fg(*colour),
            None => Style::default(),
        }
    }

    /// The same colour as an ANSI escape sequence, for text written to a terminal (`None`:
    /// no colour, or one without a 16-colour code).
    pub fn ansi(self) -> Option<String> {
        let (colour, bold) = colours().get(self.name())?;
        let code = match colour {
            Color::Black => 30,
            Color::Red => 31,
            Color::Green => 32,
            Color::Yellow => 33,
            Color::Blue => 34,
            Color::Magenta => 35,
            Color::Cyan => 36,
            Color::Gray => 37,
            Color::DarkGray => 90,
            Color::LightRed => 91,
            Color::LightGreen => 92,
            Color::LightYellow => 93,
            Color::LightBlue => 94,
            Color::LightMagenta => 95,
            Color::LightCyan => 96,
            Color::White => 97,
            _ => return None,
        };
        Some(if *bold {
            format!("\x1b[1;{code}m")
        } else {
            format!("\x1b[{code}m")
        })
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The kind of the innermost scope we have a colour for.
fn token_of(stack: &ScopeStack) -> Token {
    for scope in stack.as_slice().iter().rev() {
        let name = scope.build_string();
        let token = if name.starts_with("comment") {
            Token::Comment
        } else if name.starts_with("string") {
            Token::String
        } else if name.starts_with("constant.numeric") {
            Token::Number
        } else if name.starts_with("keyword.operator") {
            Token::Plain
        } else if name.starts_with("keyword") || name.starts_with("storage") {
            Token::Keyword
        } else if name.starts_with("support.function") || name.starts_with("entity.name.function") {
            Token::Function
        } else if name.starts_with("constant.language") {
            Token::Constant
        } else {
            continue;
        };
        return token;
    }
    Token::Plain
}

/// Splits `lines` of SQL into tokens; the result has one vector per line whose texts
/// concatenate to the line. Never fails: text the grammar cannot parse is left plain.
pub fn tokens(lines: &[String]) -> Vec<Vec<(Token, String)>> {
    let set = syntaxes();
    let Some(syntax) = set.find_syntax_by_extension("sql") else {
        return lines
            .iter()
            .map(|l| vec![(Token::Plain, l.clone())])
            .collect();
    };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let with_newline = format!("{line}\n");
        let ops = match state.parse_line(&with_newline, set) {
            Ok(ops) => ops,
            Err(_) => {
                out.push(vec![(Token::Plain, line.clone())]);
                continue;
            }
        };
        let mut pieces: Vec<(Token, String)> = Vec::new();
        let mut at = 0usize;
        for (pos, op) in ops {
            let pos = pos.min(line.len());
            if pos > at {
                if let Some(text) = line.get(at..pos) {
                    push(&mut pieces, token_of(&stack), text);
                }
                at = pos;
            }
            // An inconsistent stack only costs colours.
            let _ = stack.apply(&op);
        }
        if at < line.len() {
            if let Some(text) = line.get(at..) {
                push(&mut pieces, token_of(&stack), text);
            }
        }
        out.push(pieces);
    }
    out
}

/// Highlights `lines` of SQL for the TUI; one vector of styled pieces per line (see
/// [`tokens`]).
pub fn highlight_sql(lines: &[String]) -> Vec<Vec<Piece>> {
    tokens(lines)
        .into_iter()
        .map(|line| {
            let mut pieces: Vec<Piece> = Vec::new();
            for (token, text) in line {
                match pieces.last_mut() {
                    Some((s, t)) if *s == token.style() => t.push_str(&text),
                    _ => pieces.push((token.style(), text)),
                }
            }
            pieces
        })
        .collect()
}

fn push(pieces: &mut Vec<(Token, String)>, token: Token, text: &str) {
    match pieces.last_mut() {
        Some((k, t)) if *k == token => t.push_str(text),
        _ => pieces.push((token, text.to_string())),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_has_a_colour_in_the_assets_file() {
        for token in [
            Token::Keyword,
            Token::Function,
            Token::String,
            Token::Number,
            Token::Constant,
            Token::Comment,
        ] {
            assert!(colours().contains_key(token.name()), "{token:?}");
            assert!(token.ansi().is_some(), "{token:?}");
        }
        assert_eq!(Token::Keyword.ansi().as_deref(), Some("\x1b[1;35m"));
        assert_eq!(Token::Plain.ansi(), None);
    }

    #[test]
    fn pieces_cover_the_text_and_keywords_are_coloured() {
        let lines = vec![
            "SELECT status, COUNT(*) AS n -- count".to_string(),
            "FROM orders WHERE note = 'x' GROUP BY status".to_string(),
        ];
        let out = highlight_sql(&lines);
        assert_eq!(out.len(), 2);
        for (pieces, line) in out.iter().zip(&lines) {
            let joined: String = pieces.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(&joined, line);
        }
        let select = &out[0][0];
        assert!(select.1.starts_with("SELECT"));
        assert_eq!(select.0.fg, Some(Color::Magenta));
        assert!(out[1]
            .iter()
            .any(|(s, t)| t.contains("'x'") && s.fg == Some(Color::Green)));
    }
}
