//! The query editor: `tui-textarea` keeps the text, cursor and undo history;
//! drawing is ours so the SQL can be highlighted and a rejected query's
//! position marked.

use super::highlight::{highlight_sql, Piece};
use crate::engine::Pos;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_textarea::{CursorMove, TextArea};

/// Width of the line-number gutter.
const GUTTER: u16 = 4;

/// Most undo steps kept.
const MAX_UNDO: usize = 200;

/// The text and cursor at one point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    lines: Vec<String>,
    cursor: (usize, usize),
}

/// State of the query editor.
#[derive(Debug, Clone)]
pub struct EditorState {
    textarea: TextArea<'static>,
    highlighted: Vec<Vec<Piece>>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    /// The last edit was plain typing (consecutive typing is one undo step).
    typing: bool,
    /// Bumped on every change of the text.
    pub revision: u64,
    /// The summary's name.
    pub name: String,
    /// Whether the name was set by the user (templates then keep it).
    pub name_chosen: bool,
    /// The table the automatic name was made for: a query on another table gets a new one.
    pub name_table: Option<String>,
    /// Position of the error of a rejected query, marked in the text.
    pub error_pos: Option<Pos>,
}

impl Default for EditorState {
    fn default() -> Self {
        let mut textarea = TextArea::default();
        // Undo is ours (whole-text replacements must be one step).
        textarea.set_max_histories(0);
        EditorState {
            textarea,
            highlighted: vec![Vec::new()],
            undo: Vec::new(),
            redo: Vec::new(),
            typing: false,
            revision: 0,
            name: String::new(),
            name_chosen: false,
            name_table: None,
            error_pos: None,
        }
    }
}

impl EditorState {
    /// The query text.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Whether there is no query.
    pub fn is_blank(&self) -> bool {
        self.textarea.lines().iter().all(|l| l.trim().is_empty())
    }

    /// Cursor as (row, column), 0-based.
    pub fn cursor(&self) -> (usize, usize) {
        self.textarea.cursor()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            lines: self.textarea.lines().to_vec(),
            cursor: self.textarea.cursor(),
        }
    }

    fn restore(&mut self, snap: Snapshot) {
        let mut textarea = TextArea::new(snap.lines);
        textarea.set_max_histories(0);
        let (row, col) = snap.cursor;
        textarea.move_cursor(CursorMove::Jump(
            u16::try_from(row).unwrap_or(u16::MAX),
            u16::try_from(col).unwrap_or(u16::MAX),
        ));
        self.textarea = textarea;
        self.changed();
    }

    /// Records `before` as an undo step (merging runs of typing).
    fn record(&mut self, before: Snapshot, typing: bool) {
        if !(typing && self.typing) {
            self.undo.push(before);
            if self.undo.len() > MAX_UNDO {
                self.undo.remove(0);
            }
        }
        self.typing = typing;
        self.redo.clear();
        self.changed();
    }

    /// Feeds a key to the text area; returns whether the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let before = self.snapshot();
        let typing = matches!(key.code, crossterm::event::KeyCode::Char(c) if !c.is_whitespace())
            && key
                .modifiers
                .difference(crossterm::event::KeyModifiers::SHIFT)
                .is_empty();
        let changed = self.textarea.input(key) && self.textarea.lines() != before.lines.as_slice();
        if changed {
            self.record(before, typing);
        } else if self.textarea.cursor() != before.cursor {
            self.typing = false;
        }
        changed
    }

    /// Replaces the whole text as one undoable edit.
    pub fn set_text(&mut self, text: &str) {
        let before = self.snapshot();
        let lines: Vec<String> = plain_text(text).split('\n').map(str::to_string).collect();
        if lines == before.lines {
            return;
        }
        let mut textarea = TextArea::new(lines);
        textarea.set_max_histories(0);
        textarea.move_cursor(CursorMove::Bottom);
        textarea.move_cursor(CursorMove::End);
        self.textarea = textarea;
        self.record(before, false);
    }

    /// Inserts text at the cursor as one undoable edit.
    pub fn insert(&mut self, text: &str) {
        let before = self.snapshot();
        if self.textarea.insert_str(plain_text(text)) {
            self.record(before, false);
        }
    }

    /// Inserts a name at the cursor as one undoable edit, with a space before it when it would
    /// run into the word before the cursor, and after it when it would run into the next one
    /// (`FROM|` + `orders` gives `FROM orders`; `(|)` + `n` gives `(n)`).
    pub fn insert_word(&mut self, word: &str) {
        let (_, col) = self.cursor();
        let line: Vec<char> = self.current_line().chars().collect();
        let joins = |c: Option<&char>| {
            c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '`' | '$' | ')' | '\''))
        };
        let before = if joins(col.checked_sub(1).and_then(|i| line.get(i))) {
            " "
        } else {
            ""
        };
        let after = if joins(line.get(col)) { " " } else { "" };
        self.insert(&format!("{before}{word}{after}"));
        // The cursor stays right after the name, before the space that separates it.
        if !after.is_empty() {
            self.textarea.move_cursor(CursorMove::Back);
        }
    }

    /// Replaces the `chars` characters before the cursor (on its line) with `text`, as one
    /// undoable edit.
    pub fn replace_before_cursor(&mut self, chars: usize, text: &str) {
        let before = self.snapshot();
        for _ in 0..chars {
            self.textarea.delete_char();
        }
        self.textarea.insert_str(plain_text(text));
        if self.textarea.lines() != before.lines.as_slice() {
            self.record(before, false);
        }
    }

    /// The cursor's line.
    pub fn current_line(&self) -> &str {
        let (row, _) = self.cursor();
        self.textarea.lines().get(row).map_or("", String::as_str)
    }

    /// Undoes the last edit.
    pub fn undo(&mut self) -> bool {
        let Some(snap) = self.undo.pop() else {
            return false;
        };
        self.redo.push(self.snapshot());
        self.typing = false;
        self.restore(snap);
        true
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) -> bool {
        let Some(snap) = self.redo.pop() else {
            return false;
        };
        self.undo.push(self.snapshot());
        self.typing = false;
        self.restore(snap);
        true
    }

    /// Moves the cursor to the top.
    pub fn to_top(&mut self) {
        self.textarea.move_cursor(CursorMove::Top);
        self.textarea.move_cursor(CursorMove::Head);
    }

    fn changed(&mut self) {
        self.revision += 1;
        self.error_pos = None;
        self.highlighted = highlight_sql(self.textarea.lines());
    }

    /// First visible line for a view `height` lines high (keeps the cursor visible).
    pub fn top(&self, height: u16) -> usize {
        let (row, _) = self.cursor();
        row.saturating_sub(usize::from(height.max(1)) - 1)
    }

    /// Where the cursor is drawn on the screen when the editor's pane is `area`.
    pub fn cursor_on_screen(&self, area: Rect) -> (u16, u16) {
        let inner = super::pane_block("", &Theme::default(), false).inner(area);
        let (row, col) = self.cursor();
        let text_width = usize::from(inner.width.saturating_sub(GUTTER));
        let left = col.saturating_sub(text_width.saturating_sub(1));
        let x = inner.x + GUTTER + u16::try_from(col - left).unwrap_or(0);
        let y = inner.y + u16::try_from(row - self.top(inner.height)).unwrap_or(0);
        (x, y)
    }

    /// Draws the editor into `area`; `placeholder` fills it while empty (its key hint comes
    /// from the keymap).
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        focused: bool,
        database: Option<&str>,
        placeholder: &str,
    ) {
        let name = if self.name.is_empty() {
            "?"
        } else {
            &self.name
        };
        let title = match database {
            Some(db) => format!(" {} · {db}.{name} ", strings::EDITOR_TITLE),
            None => format!(" {} · {name} ", strings::EDITOR_TITLE),
        };
        let block = super::pane_block(title, theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.is_blank() && self.textarea.lines().len() <= 1 {
            let mut spans = Vec::new();
            if focused {
                spans.push(Span::styled(" ", theme.cursor));
            }
            spans.push(Span::styled(placeholder.to_string(), theme.dim));
            frame.render_widget(Paragraph::new(Line::from(spans)), inner);
            return;
        }
        let top = self.top(inner.height);
        let (cur_row, cur_col) = self.cursor();
        let text_width = usize::from(inner.width.saturating_sub(GUTTER));
        let left = cur_col.saturating_sub(text_width.saturating_sub(1));
        let mut lines = Vec::new();
        for (row, pieces) in self
            .highlighted
            .iter()
            .enumerate()
            .skip(top)
            .take(usize::from(inner.height))
        {
            let mut spans = vec![Span::styled(format!("{:>3} ", row + 1), theme.dim)];
            let mut chars: Vec<(ratatui::style::Style, char)> = pieces
                .iter()
                .flat_map(|(s, t)| t.chars().map(move |c| (*s, c)))
                .collect();
            if let Some(pos) = self.error_pos {
                if pos.line as usize == row + 1 {
                    let start = (pos.column as usize).saturating_sub(1);
                    if start >= chars.len() {
                        chars.push((theme.error_mark, ' '));
                    }
                    let mut i = start;
                    while i < chars.len() {
                        let c = chars[i].1;
                        if i > start && (c.is_whitespace() || c == ',' || c == ')') {
                            break;
                        }
                        chars[i].0 = theme.error_mark;
                        i += 1;
                    }
                }
            }
            if focused && row == cur_row {
                if cur_col >= chars.len() {
                    chars.resize(cur_col, (ratatui::style::Style::default(), ' '));
                    chars.push((theme.cursor, ' '));
                } else {
                    chars[cur_col].0 = chars[cur_col].0.patch(theme.cursor);
                }
            }
            let visible = chars.into_iter().skip(left).take(text_width);
            let mut run: Option<(ratatui::style::Style, String)> = None;
            for (style, c) in visible {
                match &mut run {
                    Some((s, t)) if *s == style => t.push(c),
                    _ => {
                        if let Some((s, t)) = run.take() {
                            spans.push(Span::styled(t, s));
                        }
                        run = Some((style, c.to_string()));
                    }
                }
            }
            if let Some((s, t)) = run {
                spans.push(Span::styled(t, s));
            }
            lines.push(Line::from(spans));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// Text as the editor keeps it: CRLF and a lone CR (what terminals and Windows clipboards
/// send for a line break) become newlines, a tab becomes spaces, and other control characters
/// are dropped (drawn raw they move the terminal's cursor and scribble over other panes).
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn pasted_line_breaks_become_lines() {
        assert_eq!(plain_text("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(plain_text("a\tb\x1b[2Jc\x07"), "a    b[2Jc");
        let mut e = EditorState::default();
        e.insert("SELECT a,\r\n  COUNT(*)\rFROM t\r\nGROUP BY a");
        assert_eq!(e.text(), "SELECT a,\n  COUNT(*)\nFROM t\nGROUP BY a");
        assert_eq!(e.cursor(), (3, 10));
        e.set_text("x\ry");
        assert_eq!(e.text(), "x\ny");
    }

    #[test]
    fn typing_undo_redo_and_set_text() {
        let mut e = EditorState::default();
        for c in "SELECT 1".chars() {
            e.input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert_eq!(e.text(), "SELECT 1");
        e.set_text("SELECT 2\nFROM t");
        assert_eq!(e.text(), "SELECT 2\nFROM t");
        assert!(e.undo());
        assert_eq!(e.text(), "SELECT 1");
        assert!(e.undo());
        assert_eq!(e.text(), "SELECT ");
        assert!(e.redo());
        assert_eq!(e.text(), "SELECT 1");
        assert!(e.redo());
        assert_eq!(e.text(), "SELECT 2\nFROM t");
        let r = e.revision;
        e.insert("x");
        assert!(e.revision > r);
    }
}
