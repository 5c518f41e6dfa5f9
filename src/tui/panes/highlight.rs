//! SQL syntax highlighting with syntect's bundled SQL grammar, mapped onto
//! a few terminal colours (so it reads on 16-colour terminals too).

use ratatui::style::{Color, Modifier, Style};
use std::sync::OnceLock;
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// A piece of a line with its style.
pub type Piece = (Style, String);

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The style of the innermost scope we have a colour for.
fn style_of(stack: &ScopeStack) -> Style {
    for scope in stack.as_slice().iter().rev() {
        let name = scope.build_string();
        let style = if name.starts_with("comment") {
            Style::default().fg(Color::DarkGray)
        } else if name.starts_with("string") {
            Style::default().fg(Color::Green)
        } else if name.starts_with("constant.numeric") {
            Style::default().fg(Color::Cyan)
        } else if name.starts_with("keyword.operator") {
            Style::default()
        } else if name.starts_with("keyword") || name.starts_with("storage") {
            Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD)
        } else if name.starts_with("support.function") || name.starts_with("entity.name.function") {
            Style::default().fg(Color::Blue)
        } else if name.starts_with("constant.language") {
            Style::default().fg(Color::Cyan)
        } else {
            continue;
        };
        return style;
    }
    Style::default()
}

/// Highlights `lines` of SQL; the result has one vector of pieces per line
/// whose texts concatenate to the line. Never fails: text the grammar cannot
/// parse is left unstyled.
pub fn highlight_sql(lines: &[String]) -> Vec<Vec<Piece>> {
    let set = syntaxes();
    let Some(syntax) = set.find_syntax_by_extension("sql") else {
        return lines
            .iter()
            .map(|l| vec![(Style::default(), l.clone())])
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
                out.push(vec![(Style::default(), line.clone())]);
                continue;
            }
        };
        let mut pieces: Vec<Piece> = Vec::new();
        let mut at = 0usize;
        for (pos, op) in ops {
            let pos = pos.min(line.len());
            if pos > at {
                if let Some(text) = line.get(at..pos) {
                    push(&mut pieces, style_of(&stack), text);
                }
                at = pos;
            }
            // An inconsistent stack only costs colours.
            let _ = stack.apply(&op);
        }
        if at < line.len() {
            if let Some(text) = line.get(at..) {
                push(&mut pieces, style_of(&stack), text);
            }
        }
        out.push(pieces);
    }
    out
}

fn push(pieces: &mut Vec<Piece>, style: Style, text: &str) {
    match pieces.last_mut() {
        Some((s, t)) if *s == style => t.push_str(text),
        _ => pieces.push((style, text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
