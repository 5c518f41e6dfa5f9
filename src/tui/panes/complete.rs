//! Completion in the query editor: names from the schema the browser has loaded (columns of the
//! tables the query names first, then tables, databases), then SQL keywords and functions; and
//! the incremental search of the query history (Ctrl-R).

use super::schema::{Load, SchemaState};
use crate::tui::template::ident;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Keywords offered (inserted upper case unless the prefix is lower case).
pub const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "JOIN",
    "INNER JOIN",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS NULL",
    "IS NOT NULL",
    "BETWEEN",
    "LIKE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "ASC",
    "DESC",
    "NULL",
    "INTERVAL",
];

/// Functions offered, inserted with their opening parenthesis.
pub const FUNCTIONS: &[&str] = &[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "COALESCE",
    "IFNULL",
    "IF",
    "NULLIF",
    "DATE",
    "YEAR",
    "MONTH",
    "DAY",
    "HOUR",
    "WEEK",
    "QUARTER",
    "DATE_FORMAT",
    "LOWER",
    "UPPER",
    "ROUND",
    "FLOOR",
    "CEIL",
    "ABS",
    "CONCAT",
    "SUBSTRING",
    "LEFT",
    "CAST",
    "TRUNCATE",
];

/// What a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A column of a loaded table.
    Column,
    /// A table.
    Table,
    /// A database.
    Database,
    /// A keyword.
    Keyword,
    /// A function.
    Function,
}

/// One proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What replaces the word before the cursor.
    pub text: String,
    /// What it is.
    pub kind: Kind,
    /// Where it comes from (the table of a column, the type...), shown beside it.
    pub detail: String,
}

/// The open completion list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The word being completed (what the candidate replaces).
    pub prefix: String,
    /// The proposals, best first.
    pub items: Vec<Candidate>,
    /// The highlighted one.
    pub selected: usize,
}

impl Completion {
    /// Moves the highlight by `delta`, wrapping around.
    pub fn step(&mut self, delta: isize) {
        let n = self.items.len().max(1) as isize;
        self.selected = (self.selected as isize + delta).rem_euclid(n) as usize;
    }
}

/// The word before column `col` (in characters) of `line`: its optional qualifier (`t.` of
/// `t.co`) and the prefix itself.
pub fn word_before(line: &str, col: usize) -> (Option<String>, String) {
    let chars: Vec<char> = line.chars().take(col).collect();
    let word = |c: &char| c.is_alphanumeric() || *c == '_' || *c == '$';
    let start = chars.iter().rposition(|c| !word(c)).map_or(0, |i| i + 1);
    let prefix: String = chars[start..].iter().collect();
    if start > 0 && chars[start - 1] == '.' {
        let before = &chars[..start - 1];
        let q_start = before.iter().rposition(|c| !word(c)).map_or(0, |i| i + 1);
        let qualifier: String = before[q_start..].iter().collect();
        if !qualifier.is_empty() {
            return (Some(qualifier), prefix);
        }
    }
    (None, prefix)
}

/// Whether the word before `prefix` on `line` (up to column `col`) is `FROM` or `JOIN`, where
/// only a table can follow.
pub fn after_table_keyword(line: &str, col: usize) -> bool {
    let before: String = line.chars().take(col).collect();
    let mut words = before
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .rev();
    let (_, prefix) = word_before(line, col);
    if !prefix.is_empty() {
        words.next();
    }
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN"))
}

/// The loaded tables of `database`, with their loaded columns.
fn tables<'a>(
    schema: &'a SchemaState,
    database: &str,
) -> Vec<(&'a str, Option<&'a [crate::tui::worker::ColumnInfo]>)> {
    let Some(db) = schema.db(database) else {
        return Vec::new();
    };
    let Load::Loaded(tables) = &db.tables else {
        return Vec::new();
    };
    tables
        .iter()
        .map(|t| {
            let columns = match &t.columns {
                Load::Loaded(c) => Some(c.as_slice()),
                _ => None,
            };
            (t.info.name.as_str(), columns)
        })
        .collect()
}

/// The table a qualifier stands for in `query`: a table of that name, or the table an alias
/// (`FROM orders o`, `JOIN orders AS o`) gives that name.
fn qualified_table<'a>(known: &[&'a str], query: &str, qualifier: &str) -> Option<&'a str> {
    if let Some(t) = known.iter().find(|t| t.eq_ignore_ascii_case(qualifier)) {
        return Some(t);
    }
    let words: Vec<&str> = query
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(3).find_map(|w| {
        let table = known.iter().find(|t| t.eq_ignore_ascii_case(w[0]))?;
        let alias = if w[1].eq_ignore_ascii_case("AS") {
            w[2]
        } else {
            w[1]
        };
        alias.eq_ignore_ascii_case(qualifier).then_some(*table)
    })
}

/// The proposals for the word before the cursor, best first, without repeats; `tables_only`
/// after `FROM` and `JOIN`.
pub fn candidates(
    schema: &SchemaState,
    database: Option<&str>,
    query: &str,
    (qualifier, prefix): (Option<&str>, &str),
    tables_only: bool,
) -> Vec<Candidate> {
    let lower = prefix.to_lowercase();
    let matches = |s: &str| s.to_lowercase().starts_with(&lower);
    let loaded = database.map(|d| tables(schema, d)).unwrap_or_default();
    let names: Vec<&str> = loaded.iter().map(|(t, _)| *t).collect();
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |text: String, kind: Kind, detail: String| {
        if !out.iter().any(|c| c.text == text) {
            out.push(Candidate { text, kind, detail });
        }
    };
    let columns_of = |table: &str| {
        loaded
            .iter()
            .find(|(t, _)| *t == table)
            .and_then(|(_, c)| *c)
            .unwrap_or_default()
    };
    if let Some(q) = qualifier {
        if let Some(table) = qualified_table(&names, query, q) {
            for c in columns_of(table).iter().filter(|c| matches(&c.name)) {
                push(ident(&c.name), Kind::Column, c.column_type.clone());
            }
        } else {
            for (t, _) in tables(schema, q).iter().filter(|(t, _)| matches(t)) {
                push(ident(t), Kind::Table, q.to_string());
            }
        }
        return out;
    }
    // The columns of the tables the query names; of every loaded table before it names one.
    let mut mentioned: Vec<&str> = names
        .iter()
        .copied()
        .filter(|t| contains_word(query, t))
        .collect();
    if mentioned.is_empty() {
        mentioned.clone_from(&names);
    }
    if tables_only {
        mentioned.clear();
    }
    for t in &mentioned {
        for c in columns_of(t).iter().filter(|c| matches(&c.name)) {
            push(ident(&c.name), Kind::Column, (*t).to_string());
        }
    }
    for t in names.iter().filter(|t| matches(t)) {
        push(ident(t), Kind::Table, String::new());
    }
    if let Load::Loaded(dbs) = &schema.databases {
        for d in dbs.iter().filter(|d| matches(&d.name)) {
            push(ident(&d.name), Kind::Database, String::new());
        }
    }
    if prefix.is_empty() || tables_only {
        return out;
    }
    let case = |k: &str| {
        if prefix.chars().all(|c| !c.is_uppercase()) {
            k.to_lowercase()
        } else {
            k.to_string()
        }
    };
    for k in KEYWORDS.iter().filter(|k| matches(k)) {
        push(case(k), Kind::Keyword, String::new());
    }
    for f in FUNCTIONS.iter().filter(|f| matches(f)) {
        push(format!("{}(", case(f)), Kind::Function, String::new());
    }
    out
}

/// Whether `word` appears in `text` as a whole word (any case).
fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// The open history search (Ctrl-R).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistorySearch {
    /// What was typed.
    pub needle: String,
    /// How many older matches to pass (each Ctrl-R passes one more).
    pub skip: usize,
}

impl HistorySearch {
    /// The match in `entries` (oldest first): the `skip`-th newest containing the needle.
    pub fn found<'a>(&self, entries: &'a [String]) -> Option<&'a str> {
        let needle = self.needle.to_lowercase();
        entries
            .iter()
            .rev()
            .filter(|e| e.to_lowercase().contains(&needle))
            .nth(self.skip)
            .map(String::as_str)
    }
}

/// Draws the completion list under the cursor at (`x`, `y`), inside `bounds`.
pub fn draw_completion(
    frame: &mut Frame,
    c: &Completion,
    (x, y): (u16, u16),
    bounds: Rect,
    theme: &Theme,
) {
    let shown = c.items.len().min(8);
    let width = c
        .items
        .iter()
        .map(|i| i.text.chars().count() + i.detail.chars().count() + 3)
        .max()
        .unwrap_or(10)
        .clamp(10, 48) as u16;
    let height = shown as u16 + 2;
    let top = if y + 1 + height <= bounds.y + bounds.height {
        y + 1
    } else {
        y.saturating_sub(height).max(bounds.y)
    };
    let area = Rect {
        x: x.min((bounds.x + bounds.width).saturating_sub(width)),
        y: top,
        width: width.min(bounds.width),
        height: height.min(bounds.height),
    };
    let first = c.selected.saturating_sub(shown.saturating_sub(1));
    let lines: Vec<Line> = c
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, item)| {
            let style = if i == c.selected {
                theme.selected
            } else {
                theme.text
            };
            Line::from(vec![
                Span::styled(item.text.clone(), style),
                Span::styled(format!(" {}", item.detail), theme.dim),
            ])
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.focused_border),
        ),
        area,
    );
}

/// Draws the history search line at the bottom of `area`.
pub fn draw_search(
    frame: &mut Frame,
    s: &HistorySearch,
    found: Option<&str>,
    area: Rect,
    theme: &Theme,
) {
    if area.height == 0 {
        return;
    }
    let line_area = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    let shown = found.map_or_else(
        || crate::tui::strings::complete::NO_MATCH.to_string(),
        |f| f.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    frame.render_widget(Clear, line_area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                crate::tui::strings::complete::search_label(&s.needle),
                theme.key,
            ),
            Span::styled(
                shown,
                if found.is_some() {
                    theme.text
                } else {
                    theme.error
                },
            ),
        ])),
        line_area,
    );
}
