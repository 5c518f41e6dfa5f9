//! The editor's completion list and history search, as steps of the application state (the
//! candidates themselves are computed in [`super::panes::complete`]).

use super::app::{App, StatusKind};
use super::keymap::{Key, KeyCodeRepr};
use super::panes::complete::{
    after_table_keyword, candidates, word_before, Candidate, Completion, HistorySearch,
};
use super::strings;
use crossterm::event::KeyEvent;

impl App {
    /// Ctrl-Space: completes the word before the cursor; one proposal is taken at once, several
    /// open the list.
    pub(super) fn complete(&mut self) {
        match self.proposals() {
            (prefix, items) if items.is_empty() => {
                self.completion = None;
                self.set_status(StatusKind::Info, strings::complete::nothing_for(&prefix));
            }
            (prefix, items) if items.len() == 1 => {
                self.completion = None;
                self.take_candidate(&prefix, &items[0]);
            }
            (prefix, items) => {
                self.completion = Some(Completion {
                    prefix,
                    items,
                    selected: 0,
                });
            }
        }
    }

    /// The word before the cursor and what completes it.
    fn proposals(&self) -> (String, Vec<Candidate>) {
        let (_, col) = self.editor.cursor();
        let line = self.editor.current_line();
        let (qualifier, prefix) = word_before(line, col);
        let tables_only = qualifier.is_none() && after_table_keyword(line, col);
        let items = candidates(
            &self.schema,
            self.database.as_deref(),
            &self.editor.text(),
            (qualifier.as_deref(), &prefix),
            tables_only,
        );
        (prefix, items)
    }

    fn take_candidate(&mut self, prefix: &str, c: &Candidate) {
        self.editor
            .replace_before_cursor(prefix.chars().count(), &c.text);
        self.schedule_preview();
    }

    /// A key while the list is open; false: the list closed and the key goes on as usual.
    pub(super) fn on_completion_key(&mut self, key: &Key, event: KeyEvent) -> bool {
        let Some(c) = self.completion.as_mut() else {
            return false;
        };
        match key.code {
            KeyCodeRepr::Up => c.step(-1),
            KeyCodeRepr::Char('p') if key.ctrl => c.step(-1),
            KeyCodeRepr::Down => c.step(1),
            KeyCodeRepr::Char('n') if key.ctrl => c.step(1),
            KeyCodeRepr::Enter | KeyCodeRepr::Tab => {
                if let Some(c) = self.completion.take() {
                    if let Some(item) = c.items.get(c.selected) {
                        self.take_candidate(&c.prefix, item);
                    }
                }
            }
            KeyCodeRepr::Esc => self.completion = None,
            // Typing goes on filtering the list.
            KeyCodeRepr::Char(_) | KeyCodeRepr::Backspace if key.is_text() || !key.ctrl => {
                if self.editor.input(event) {
                    self.schedule_preview();
                }
                let (prefix, items) = self.proposals();
                self.completion = (!items.is_empty() && !prefix.is_empty()).then_some(Completion {
                    prefix,
                    items,
                    selected: 0,
                });
            }
            _ => {
                self.completion = None;
                return false;
            }
        }
        true
    }

    /// Ctrl-R: starts searching the history.
    pub(super) fn start_history_search(&mut self) {
        self.completion = None;
        self.history_search = Some(HistorySearch::default());
    }

    /// A key while searching the history (every key is the search's).
    pub(super) fn on_search_key(&mut self, key: &Key) {
        let Some(s) = self.history_search.as_mut() else {
            return;
        };
        match key.code {
            KeyCodeRepr::Char('r') if key.ctrl => {
                s.skip += 1;
                if s.found(self.history.entries()).is_none() {
                    s.skip -= 1;
                }
            }
            KeyCodeRepr::Char(c) if key.is_text() => {
                s.needle.push(c);
                s.skip = 0;
            }
            KeyCodeRepr::Backspace => {
                s.needle.pop();
                s.skip = 0;
            }
            KeyCodeRepr::Enter => {
                let found = s.found(self.history.entries()).map(str::to_string);
                self.history_search = None;
                if let Some(sql) = found {
                    self.replace_query(&sql);
                }
            }
            KeyCodeRepr::Esc => self.history_search = None,
            _ => {}
        }
    }

    /// Records a previewed query in the history: the first preview of a query being edited adds
    /// an entry, later ones replace it (one entry per query, not one per keystroke); a query
    /// recalled from the history and not changed is not recorded again.
    pub(super) fn record_previewed(&mut self, sql: &str) {
        if self.history.shown() == Some(sql.trim()) {
            return;
        }
        let saved = if self.history_session {
            self.history.replace_newest(sql)
        } else {
            self.history.push(sql)
        };
        self.history_session = true;
        if let Err(e) = saved {
            self.set_status(StatusKind::Error, e.to_string());
        }
    }
}
