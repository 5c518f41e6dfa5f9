//! The application state and its message loop: every change of state comes
//! from a [`Msg`] through [`App::update`]; side effects (requests to the
//! worker, running `$EDITOR`) leave as [`Effect`]s for the caller to carry
//! out. Drawing (`ui::draw`) only reads the state, so all of this is
//! testable without a terminal or a server.

use super::history::History;
use super::keymap::{Context, Key, KeyCodeRepr, Keymap};
use super::layout::{self, Areas};
use super::panes::compare::CompareState;
use super::panes::editor::EditorState;
use super::panes::preview::PreviewState;
use super::panes::schema::{Need, SchemaState};
use super::panes::summaries::SummariesState;
use super::panes::PaneId;
use super::popup::Popup;
use super::theme::Theme;
use super::worker::{Request, RequestId, RequestKind, Response};
use super::{strings, ui};
use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Quiet time after the last keystroke before the preview is regenerated.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// A request unanswered this long makes the status line say the server is slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(3);
/// Summary list refresh period while backfills run.
pub const REFRESH_BUSY: Duration = Duration::from_secs(1);
/// Summary list refresh period otherwise.
pub const REFRESH_IDLE: Duration = Duration::from_secs(15);

/// Everything that can happen to the application.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was used.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Text was pasted.
    Paste(String),
    /// Time passed (drives the debounce, refreshes and the spinner).
    Tick(Instant),
    /// The worker answered.
    Worker(Response),
    /// The external editor returned the query (or failed).
    ExternalEdited(Result<String, String>),
}

/// Side effects the caller carries out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a request to the worker.
    Send(Request),
    /// Suspend the UI and edit this text in `$EDITOR`.
    EditExternally(String),
}

/// What an outstanding request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingKind {
    /// Connecting.
    Connect,
    /// Database list.
    Databases,
    /// Tables of a database.
    Tables(String),
    /// Columns of a table.
    Columns(String, String),
    /// A preview.
    Preview,
    /// The summary list.
    Summaries,
    /// A create/resume/rebuild (runs in the background).
    Job,
    /// A validation.
    Validate,
    /// A drop of a summary in a database.
    Drop(String),
    /// A comparison.
    Compare,
}

/// An outstanding request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// What it is.
    pub kind: PendingKind,
    /// Description for the spinner.
    pub what: &'static str,
    /// When it was sent.
    pub since: Instant,
}

impl Pending {
    /// Whether the spinner and the slow-server message ignore it.
    pub fn background(&self) -> bool {
        matches!(self.kind, PendingKind::Job | PendingKind::Summaries)
    }
}

/// How a status message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// Neutral.
    Info,
    /// Something succeeded.
    Ok,
    /// Something failed.
    Error,
}

/// The application state.
#[derive(Debug)]
pub struct App {
    /// The connection, as `user@host` (never the password).
    pub label: String,
    /// Server version, once connected.
    pub version: Option<String>,
    /// Database unqualified tables of the query are looked up in.
    pub database: Option<String>,
    /// The focused pane.
    pub focus: PaneId,
    /// The pane shown in the shared area of the narrow layout.
    pub tab: PaneId,
    /// Terminal size.
    pub size: Rect,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Schema browser.
    pub schema: SchemaState,
    /// Query editor.
    pub editor: EditorState,
    /// Preview.
    pub preview: PreviewState,
    /// Summaries.
    pub summaries: SummariesState,
    /// Compare.
    pub compare: CompareState,
    /// The open popup.
    pub popup: Option<Popup>,
    /// The status line message.
    pub status: Option<(StatusKind, String)>,
    /// Outstanding requests.
    pub pending: BTreeMap<RequestId, Pending>,
    /// Query history.
    pub history: History,
    /// The time of the last tick.
    pub now: Instant,
    /// Ticks so far (spinner frame).
    pub ticks: u64,
    /// Set when the user quits.
    pub quit: bool,
    pub(super) preview_due: Option<Instant>,
    pub(super) preview_request: Option<(RequestId, u64)>,
    pub(super) create_after_preview: bool,
    pub(super) template_after_columns: Option<(String, String)>,
    pub(super) expand_on_load: Option<String>,
    pub(super) last_refresh: Option<Instant>,
    next_id: RequestId,
    effects: Vec<Effect>,
}

impl App {
    /// A new application for the connection `label`; queues the first
    /// requests (connect, databases, summaries).
    pub fn new(label: impl Into<String>, keymap: Keymap, history: History, now: Instant) -> App {
        let mut app = App {
            label: label.into(),
            version: None,
            database: None,
            focus: PaneId::Schema,
            tab: PaneId::Preview,
            size: Rect::new(0, 0, 80, 24),
            keymap,
            theme: Theme::default(),
            schema: SchemaState::default(),
            editor: EditorState::default(),
            preview: PreviewState::default(),
            summaries: SummariesState::default(),
            compare: CompareState::default(),
            popup: None,
            status: None,
            pending: BTreeMap::new(),
            history,
            now,
            ticks: 0,
            quit: false,
            preview_due: None,
            preview_request: None,
            create_after_preview: false,
            template_after_columns: None,
            expand_on_load: None,
            last_refresh: None,
            next_id: 1,
            effects: Vec::new(),
        };
        app.send(
            RequestKind::Connect,
            PendingKind::Connect,
            strings::work::CONNECT,
        );
        app.send(
            RequestKind::Databases,
            PendingKind::Databases,
            strings::work::DATABASES,
        );
        app.refresh_summaries();
        app
    }

    /// Takes the effects produced since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Sends a request and records it as pending; returns its id.
    pub(super) fn send(
        &mut self,
        kind: RequestKind,
        pending: PendingKind,
        what: &'static str,
    ) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(
            id,
            Pending {
                kind: pending,
                what,
                since: self.now,
            },
        );
        self.effects.push(Effect::Send(Request { id, kind }));
        id
    }

    /// Sends a request that nothing waits for (pause, cancel).
    pub(super) fn notify(&mut self, kind: RequestKind) {
        let id = self.next_id;
        self.next_id += 1;
        self.effects.push(Effect::Send(Request { id, kind }));
    }

    /// Requests an external edit of the query.
    pub(super) fn edit_externally(&mut self) {
        self.effects
            .push(Effect::EditExternally(self.editor.text()));
    }

    /// Shows a status message.
    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some((kind, text.into()));
    }

    /// The current screen areas.
    pub fn areas(&self) -> Areas {
        layout::areas(self.size, self.tab)
    }

    /// Rows in a page of the focused pane.
    pub(super) fn page(&self) -> usize {
        let h = self.areas().of(self.focus).map_or(10, |r| r.height);
        usize::from(h.saturating_sub(3)).max(1)
    }

    /// Focuses `pane`.
    pub fn focus_pane(&mut self, pane: PaneId) {
        self.focus = pane;
        if pane.is_tabbed() {
            self.tab = pane;
        }
    }

    /// The binding context that has the keys now.
    pub fn context(&self) -> Context {
        if self.popup.is_some() {
            Context::Popup
        } else {
            self.focus.context()
        }
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => {}
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => self.size = Rect::new(0, 0, w, h),
            Msg::Paste(text) => match &mut self.popup {
                Some(Popup::Rename { text: name }) => name.push_str(text.trim()),
                Some(_) => {}
                None if self.focus == PaneId::Editor => {
                    self.editor.insert(&text.replace("\r\n", "\n"));
                    self.schedule_preview();
                }
                None => {}
            },
            Msg::Tick(now) => self.on_tick(now),
            Msg::Worker(response) => self.on_response(response),
            Msg::ExternalEdited(Ok(text)) => {
                let text = text.trim_end_matches('\n');
                if text != self.editor.text() {
                    self.editor.set_text(text);
                    self.preview_now();
                }
            }
            Msg::ExternalEdited(Err(e)) => {
                self.set_status(StatusKind::Error, strings::editor_failed(&e))
            }
        }
    }

    fn on_key(&mut self, event: KeyEvent) {
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
        if self.focus == PaneId::Schema && self.schema.filtering && self.on_filter_key(&key) {
            return;
        }
        let typing =
            self.focus == PaneId::Editor || self.schema.filtering && self.focus == PaneId::Schema;
        match self.keymap.resolve(self.focus.context(), &key, typing) {
            Some(action) => self.apply(action),
            None if self.focus == PaneId::Editor && self.editor.input(event) => {
                self.schedule_preview()
            }
            None => {}
        }
    }

    /// Keys while typing a filter; returns whether the key was used.
    fn on_filter_key(&mut self, key: &Key) -> bool {
        match key.code {
            KeyCodeRepr::Char(c) if key.is_text() => self.schema.filter.push(c),
            KeyCodeRepr::Backspace => {
                self.schema.filter.pop();
            }
            KeyCodeRepr::Enter => self.schema.filtering = false,
            KeyCodeRepr::Esc => {
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
        if let Some(Popup::Rename { text }) = &mut self.popup {
            match key.code {
                KeyCodeRepr::Char('c') if key.ctrl => self.quit = true,
                KeyCodeRepr::Char(c)
                    if key.is_text() && (c.is_alphanumeric() || c == '_' || c == '$') =>
                {
                    text.push(c)
                }
                KeyCodeRepr::Backspace => {
                    text.pop();
                }
                KeyCodeRepr::Enter => {
                    let name = text.trim().to_string();
                    self.popup = None;
                    if !name.is_empty() && name != self.editor.name {
                        self.editor.name = name;
                        self.editor.name_chosen = true;
                        self.preview_now();
                    }
                }
                KeyCodeRepr::Esc => self.popup = None,
                _ => {}
            }
            return;
        }
        let action = self.keymap.resolve(Context::Popup, key, false);
        let page = usize::from(self.size.height.saturating_sub(6)).max(1);
        use super::keymap::Action;
        match action {
            Some(Action::Quit) => self.quit = true,
            Some(Action::Confirm) => self.confirm(),
            Some(Action::Deny) => self.popup = None,
            Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
                if let Some(p) = &mut self.popup {
                    p.scroll(a, page);
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

    fn on_mouse(&mut self, m: MouseEvent) {
        if self.popup.is_some() {
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

    fn on_tick(&mut self, now: Instant) {
        self.now = now;
        self.ticks = self.ticks.wrapping_add(1);
        if self.preview_due.is_some_and(|due| now >= due) {
            self.preview_now();
        }
        let period = if self.summaries.busy() {
            REFRESH_BUSY
        } else {
            REFRESH_IDLE
        };
        let waiting = self
            .pending
            .values()
            .any(|p| p.kind == PendingKind::Summaries);
        if !waiting
            && self
                .last_refresh
                .is_none_or(|t| now.duration_since(t) >= period)
        {
            self.refresh_summaries();
        }
    }

    /// Schedules a preview after the debounce delay.
    pub(super) fn schedule_preview(&mut self) {
        self.preview_due = Some(self.now + DEBOUNCE);
    }

    /// Asks for the summary list again.
    pub(super) fn refresh_summaries(&mut self) {
        self.last_refresh = Some(self.now);
        if !self
            .pending
            .values()
            .any(|p| p.kind == PendingKind::Summaries)
        {
            self.send(
                RequestKind::Summaries,
                PendingKind::Summaries,
                strings::work::SUMMARIES,
            );
        }
    }

    /// Loads what the schema browser needs.
    pub(super) fn load(&mut self, need: Option<Need>) {
        match need {
            Some(Need::Tables(db)) => {
                self.schema.loading_tables(&db);
                self.send(
                    RequestKind::Tables {
                        database: db.clone(),
                    },
                    PendingKind::Tables(db),
                    strings::work::TABLES,
                );
            }
            Some(Need::Columns(db, table)) => {
                self.schema.loading_columns(&db, &table);
                self.send(
                    RequestKind::Columns {
                        database: db.clone(),
                        table: table.clone(),
                    },
                    PendingKind::Columns(db, table),
                    strings::work::COLUMNS,
                );
            }
            None => {}
        }
    }

    /// The foreground request that has waited longest, if any.
    pub fn oldest_foreground(&self) -> Option<(&RequestId, &Pending)> {
        self.pending
            .iter()
            .filter(|(_, p)| !p.background())
            .min_by_key(|(_, p)| p.since)
    }
}
