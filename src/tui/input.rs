//! How keys and the mouse reach the application state: popups first,
//! then the wizard, the schema filter, the key bindings of the focused
//! pane, and finally the editor's own text input.

use super::app::{App, StatusKind};
use super::keymap::{Action, Context, Key, KeyCodeRepr};
use super::panes::PaneId;
use super::popup::Popup;
use super::strings;
use super::tune::TuneForm;
use super::ui;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

impl App {
    pub(crate) fn on_key(&mut self, event: KeyEvent) {
        if self.leaving.is_some() {
            // Quitting waits for the stopped jobs: only quitting again (at once) is left to do.
            let key = Key::from_event(&event);
            let quit = key.as_ref().is_some_and(|k| {
                k.ctrl && k.code == KeyCodeRepr::Char('c')
                    || self.keymap.lookup(Context::Global, k) == Some(Action::Quit)
            });
            if quit {
                self.request_quit();
            }
            return;
        }
        if self.wizard.is_some() && self.popup.is_none() {
            self.on_wizard_key(event);
            return;
        }
        if self.demo_shown() && self.popup.is_none() {
            self.on_demo_key(event);
            return;
        }
        let Some(key) = Key::from_event(&event) else {
            if self.popup.is_none() && self.focus == PaneId::Editor && self.editor.input(event) {
                self.schedule_preview();
            }
            return;
        };
        if self.popup.is_some() {
            self.on_popup_key(&key);
            return;
        }
        if self.focus == PaneId::Editor && self.history_search.is_some() {
            self.on_search_key(&key);
            return;
        }
        if self.focus == PaneId::Editor
            && self.completion.is_some()
            && self.on_completion_key(&key, event)
        {
            return;
        }
        if self.focus == PaneId::Schema && self.schema.filtering && self.on_filter_key(&key) {
            return;
        }
        let typing =
            self.focus == PaneId::Editor || self.schema.filtering && self.focus == PaneId::Schema;
        match self.keymap.resolve(self.focus.context(), &key, typing) {
            Some(action) => self.apply(action),
            None if self.focus == PaneId::Editor && self.editor.input(event) => {
                self.schedule_preview();
            }
            None => {}
        }
    }

    /// Keys while typing a filter; returns whether the key was used.
    fn on_filter_key(&mut self, key: &Key) -> bool {
        // Text first: the prompt's keys may be letters only if the user wants them to be.
        match (key.code, self.keymap.lookup(Context::Prompt, key)) {
            (KeyCodeRepr::Char(c), _) if key.is_text() => self.schema.filter.push(c),
            (KeyCodeRepr::Backspace, _) => {
                self.schema.filter.pop();
            }
            (_, Some(Action::Confirm)) => self.schema.filtering = false,
            (_, Some(Action::Deny)) => {
                self.schema.filtering = false;
                self.schema.filter.clear();
            }
            _ => return false,
        }
        // Select the first matching table, or keep a visible selection.
        let rows = self.schema.rows();
        let filter = self.schema.filter.to_lowercase();
        let first_match = rows.iter().find(|r| {
            !filter.is_empty()
                && r.path.column.is_none()
                && r.path
                    .table
                    .as_ref()
                    .is_some_and(|t| t.to_lowercase().contains(&filter))
        });
        let visible = rows
            .iter()
            .any(|r| Some(&r.path) == self.schema.selected.as_ref());
        if let Some(r) = first_match.or(if visible { None } else { rows.first() }) {
            self.schema.selected = Some(r.path.clone());
        }
        true
    }

    fn on_popup_key(&mut self, key: &Key) {
        let prompt = self.keymap.lookup(Context::Prompt, key);
        if matches!(self.popup, Some(Popup::Tune { .. })) {
            self.on_tune_key(key, prompt);
            return;
        }
        if let Some(Popup::Rename { text }) = &mut self.popup {
            match (key.code, prompt) {
                (KeyCodeRepr::Char('c'), _) if key.ctrl => self.request_quit(),
                (KeyCodeRepr::Char(c), _)
                    if key.is_text() && (c.is_alphanumeric() || c == '_' || c == '$') =>
                {
                    text.push(c);
                }
                (KeyCodeRepr::Backspace, _) => {
                    text.pop();
                }
                (_, Some(Action::Confirm)) => {
                    let name = text.trim().to_string();
                    self.popup = None;
                    if !name.is_empty() && name != self.editor.name {
                        self.editor.name = name;
                        self.editor.name_chosen = true;
                        self.preview_now();
                    }
                }
                (_, Some(Action::Deny)) => self.popup = None,
                _ => {}
            }
            return;
        }
        let action = self.keymap.resolve(Context::Popup, key, false);
        let page = usize::from(self.size.height.saturating_sub(6)).max(1);
        match action {
            Some(Action::Quit) => self.request_quit(),
            Some(Action::Tune) => self.open_tuning(),
            Some(Action::ConfirmDestructive) => self.confirm(),
            Some(Action::Confirm) if self.destructive_popup() => {
                let confirm = self.key_hint(Context::Popup, Action::Confirm);
                let yes = self.key_hint(Context::Popup, Action::ConfirmDestructive);
                let no = self.key_hint(Context::Popup, Action::Deny);
                let text = if self.quit_popup() {
                    strings::quit::needs_yes(&confirm, &yes, &no)
                } else {
                    strings::drop_needs_yes(&confirm, &yes, &no)
                };
                self.set_status(StatusKind::Info, text);
            }
            Some(Action::Confirm) => self.confirm(),
            Some(Action::Deny) => self.popup = None,
            Some(
                a @ (Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom),
            ) => {
                if let Some(p) = &mut self.popup {
                    let max =
                        p.max_scroll(self.size, &self.theme, &self.keymap, self.demo.is_some());
                    p.scroll(a, page, max);
                }
            }
            _ => {
                // `?` or F1 close the help again.
                if matches!(self.popup, Some(Popup::Help { .. }))
                    && self.keymap.lookup(Context::Global, key) == Some(Action::Help)
                {
                    self.popup = None;
                }
            }
        }
    }

    pub(crate) fn on_mouse(&mut self, m: MouseEvent) {
        if self.popup.is_some() || self.wizard.is_some() || self.demo_shown() {
            return;
        }
        let areas = self.areas();
        let Some(pane) = areas.pane_at(m.column, m.row) else {
            return;
        };
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let rect = areas.of(pane).unwrap_or_default();
                if areas.tabbed && pane.is_tabbed() && m.row == rect.y {
                    if let Some(tab) = ui::tab_at(rect, m.column) {
                        self.focus_pane(tab);
                        return;
                    }
                }
                self.focus_pane(pane);
                if pane == PaneId::Summaries {
                    let inner_top = rect.y + 1;
                    if let Some(i) =
                        self.summaries
                            .item_at(inner_top, rect.height.saturating_sub(2), m.row)
                    {
                        self.summaries.selected = i;
                    }
                }
                if pane == PaneId::Schema {
                    let filter_line = u16::from(self.schema.filtering);
                    let first = rect.y + 1 + filter_line;
                    if m.row >= first {
                        let height = usize::from(rect.height.saturating_sub(2 + filter_line));
                        let rows = self.schema.rows();
                        let top = self.schema.top(&rows, height);
                        self.schema.select_row(top + usize::from(m.row - first));
                    }
                }
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                let action = if m.kind == MouseEventKind::ScrollUp {
                    super::keymap::Action::Up
                } else {
                    super::keymap::Action::Down
                };
                let previous = self.focus;
                if pane != PaneId::Editor {
                    self.focus = pane;
                    self.navigate(action);
                    self.focus = previous;
                }
            }
            _ => {}
        }
    }
}

impl App {
    /// The tuning form over a create or rebuild confirmation (other popups have none).
    fn open_tuning(&mut self) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        let tuning = match &popup {
            Popup::Confirm { what, .. } => what.tuning().cloned(),
            _ => None,
        };
        self.popup = Some(match tuning {
            Some(t) => Popup::Tune {
                form: TuneForm::new(&t),
                back: Box::new(popup),
            },
            None => popup,
        });
    }

    /// A key in the tuning form: typing, moving between fields, apply (checked), or back.
    fn on_tune_key(&mut self, key: &Key, prompt: Option<Action>) {
        let Some(Popup::Tune { mut form, back }) = self.popup.take() else {
            return;
        };
        let mut back = *back;
        match (key.code, prompt) {
            (KeyCodeRepr::Char('c'), _) if key.ctrl => {
                self.popup = Some(Popup::Tune {
                    form,
                    back: Box::new(back),
                });
                self.request_quit();
                return;
            }
            (KeyCodeRepr::Char(c), _) if key.is_text() => form.push(c),
            (KeyCodeRepr::Backspace, _) => form.pop(),
            (_, Some(Action::NextField)) => form.move_field(true),
            (_, Some(Action::PrevField)) => form.move_field(false),
            (_, Some(Action::Confirm)) => {
                if let Some(tuning) = form.apply() {
                    if let Popup::Confirm { what, .. } = &mut back {
                        what.set_tuning(tuning);
                    }
                    self.popup = Some(back);
                    return;
                }
            }
            (_, Some(Action::Deny)) => {
                self.popup = Some(back);
                return;
            }
            _ => {}
        }
        self.popup = Some(Popup::Tune {
            form,
            back: Box::new(back),
        });
    }
}
