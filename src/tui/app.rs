//! The application state and its message loop: every change of state comes
//! from a [`Msg`] through [`App::update`]; side effects (requests to the
//! worker, running `$EDITOR`) leave as [`Effect`]s for the caller to carry
//! out. Drawing (`ui::draw`) only reads the state, so all of this is
//! testable without a terminal or a server.

use super::demo::protocol::{DemoReply, DemoRequest};
use super::demo::state::DemoState;
use super::guide::Guide;
use super::history::History;
use super::keymap::{Context, Keymap};
use super::layout::{self, Areas};
use super::panes::compare::CompareState;
use super::panes::editor::EditorState;
use super::panes::preview::PreviewState;
use super::panes::schema::{Need, SchemaState};
use super::panes::summaries::SummariesState;
use super::panes::PaneId;
use super::popup::Popup;
use super::setup::{SetupContext, Wizard};
use super::strings;
use super::theme::Theme;
use super::worker::{Request, RequestId, RequestKind, Response};
use crate::db::options::profile::Profile;
use crate::db::options::ConnectionConfig;
use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};
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
/// How often the loop wakes up without input while something is in flight (the spinner, the
/// debounce, answers from the workers, the demo).
pub const TICK: Duration = Duration::from_millis(50);

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
    ExternalEdited(Result<String, super::terminal::EditorError>),
    /// The demo worker reported something.
    Demo(Box<DemoReply>),
    /// The export was written (the status text) or not (why).
    Exported(Result<String, String>),
    /// The connection profile was saved (the path) or not (why).
    ProfileSaved {
        /// Path or reason.
        result: Result<String, super::profile::NotSaved>,
        /// The password was saved with it.
        password: bool,
    },
}

/// Side effects the caller carries out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a request to the worker.
    Send(Request),
    /// Suspend the UI and edit this text in `$EDITOR`.
    EditExternally(String),
    /// Save the connection profile (answer with [`Msg::ProfileSaved`]).
    SaveProfile(Option<String>, Profile),
    /// Send this to the demo worker.
    Demo(DemoRequest),
    /// Clear the terminal and draw every cell again (Ctrl-L).
    Redraw,
    /// Write the migration files and copy it to the clipboard (answer with [`Msg::Exported`]).
    Export(super::export::Export),
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
    /// A connection test of the setup wizard.
    Diagnose,
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
    /// The editor's open completion list.
    pub completion: Option<super::panes::complete::Completion>,
    /// The open history search (Ctrl-R).
    pub history_search: Option<super::panes::complete::HistorySearch>,
    /// The newest history entry was recorded from the query being edited now (a later preview
    /// of it replaces that entry rather than adding one per keystroke).
    pub history_session: bool,
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
    /// Lines printed on the terminal after the UI is gone (what quitting left running jobs in).
    pub farewell: Vec<String>,
    /// Quitting, waiting for the jobs it stopped.
    pub leaving: Option<super::quit::Leaving>,
    /// The connection setup wizard, when open.
    pub wizard: Option<Wizard>,
    /// What the wizard offers (known connections, defaults).
    pub setup: SetupContext,
    /// The settings of the current connection, when known.
    pub connection: Option<ConnectionConfig>,
    /// No server yet (the first run's wizard).
    pub offline: bool,
    /// The walk-through after the wizard.
    pub guide: Option<Guide>,
    /// The demo mode, when running `lightning demo`.
    pub demo: Option<DemoState>,
    pub(crate) preview_due: Option<Instant>,
    pub(crate) preview_request: Option<(RequestId, u64)>,
    pub(crate) create_after_preview: bool,
    pub(crate) template_after_columns: Option<(String, String)>,
    pub(crate) expand_on_load: Option<String>,
    pub(crate) last_refresh: Option<Instant>,
    /// The screen may differ from the last frame drawn (see [`App::take_dirty`]).
    dirty: bool,
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
            completion: None,
            history_search: None,
            history_session: false,
            popup: None,
            status: None,
            pending: BTreeMap::new(),
            history,
            now,
            ticks: 0,
            quit: false,
            farewell: Vec::new(),
            leaving: None,
            wizard: None,
            setup: SetupContext::default(),
            connection: None,
            offline: false,
            guide: None,
            demo: None,
            preview_due: None,
            preview_request: None,
            create_after_preview: false,
            template_after_columns: None,
            expand_on_load: None,
            last_refresh: None,
            dirty: true,
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

    /// An application with no server yet: the setup wizard is open and
    /// nothing is sent until it connects.
    pub fn first_run(keymap: Keymap, history: History, now: Instant, setup: SetupContext) -> App {
        let mut app = App::new(strings::NO_CONNECTION_LABEL, keymap, history, now);
        app.effects.clear();
        app.pending.clear();
        app.last_refresh = None;
        app.offline = true;
        app.setup = setup;
        app.open_setup();
        app
    }

    /// Takes the effects produced since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Queues a side effect.
    pub(crate) fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Sends a request and records it as pending; returns its id.
    pub(crate) fn send(
        &mut self,
        kind: RequestKind,
        pending: PendingKind,
        what: &'static str,
    ) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        // What is waited on shows (spinner, "Generating…").
        self.dirty = true;
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
    pub(crate) fn notify(&mut self, kind: RequestKind) {
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
        layout::areas(self.size, self.tab, self.guide_visible())
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
        } else if self.wizard.is_some() {
            Context::Wizard
        } else if self.demo_shown() {
            Context::Demo
        } else {
            self.focus.context()
        }
    }

    /// Whether a frame is due, and clears the flag: the loop draws only when something changed
    /// or moves on its own, so an idle UI sleeps (issue 18).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Asks for a frame.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Whether the screen changes with time alone: the spinner of a request waited on (and its
    /// "slow server" seconds), or the demo's dashboard. A running backfill redraws when its
    /// progress arrives, as every worker answer does.
    pub fn animating(&self) -> bool {
        self.oldest_foreground().is_some() || self.demo.is_some()
    }

    /// How long the loop may wait for input before its next turn. A [`TICK`] while anything is
    /// in flight: a request waited on (a job's progress included), a debounced preview, the
    /// demo, effects not yet carried out, a backfill the list shows running. Otherwise nothing
    /// can change but by input or the next refresh of the summary list, so the loop sleeps
    /// until that refresh is due (issue 18: an idle UI sleeps rather than waking 20 times a
    /// second). The workers answer only requests, so no answer can come while nothing is
    /// pending.
    pub fn wait(&self) -> Duration {
        let in_flight = !self.pending.is_empty()
            || self.leaving.is_some()
            || !self.effects.is_empty()
            || self.preview_due.is_some()
            || self.demo.is_some()
            || self.summaries.busy();
        if in_flight {
            return TICK;
        }
        let refresh_due = match self.last_refresh {
            Some(t) if !self.offline => (t + REFRESH_IDLE).saturating_duration_since(self.now),
            _ => REFRESH_IDLE,
        };
        refresh_due.clamp(TICK, REFRESH_IDLE)
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) {
        if !matches!(msg, Msg::Tick(_)) {
            self.dirty = true;
        }
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => {}
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => self.size = Rect::new(0, 0, w, h),
            Msg::Paste(text) => self.on_paste(&text),
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
                self.set_status(StatusKind::Error, strings::editor_failed(&e.to_string()));
            }
            Msg::ProfileSaved { result, password } => self.on_profile_saved(result, password),
            Msg::Exported(Ok(text)) => self.set_status(StatusKind::Info, text),
            Msg::Exported(Err(e)) => self.set_status(StatusKind::Error, e),
            Msg::Demo(reply) => self.on_demo_reply(*reply),
        }
    }

    /// Pasted text (bracketed paste): a name, a tuning field, a filter or the history search
    /// takes its first line; anywhere else on the main screen it goes into the query, which gets
    /// the focus.
    fn on_paste(&mut self, text: &str) {
        let first_line = || {
            super::panes::editor::plain_text(text)
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .unwrap_or_default()
        };
        let demo = self.demo_shown();
        match &mut self.popup {
            Some(Popup::Rename { text: name }) => name.extend(
                first_line()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '$'),
            ),
            Some(Popup::Tune { form, .. }) => form.paste(&first_line()),
            Some(_) => {}
            None if self.wizard.is_some() => {
                if let Some(w) = &mut self.wizard {
                    w.paste(text);
                }
            }
            None if demo => {}
            None if self.focus == PaneId::Schema && self.schema.filtering => {
                self.schema.filter.push_str(&first_line());
            }
            None if self.focus == PaneId::Editor && self.history_search.is_some() => {
                if let Some(search) = &mut self.history_search {
                    search.needle.push_str(&first_line());
                    search.skip = 0;
                }
            }
            None => {
                // The completion list was for the word before the paste.
                self.completion = None;
                self.focus_pane(PaneId::Editor);
                self.editor.insert(text);
                self.schedule_preview();
            }
        }
    }

    fn on_tick(&mut self, now: Instant) {
        self.now = now;
        self.ticks = self.ticks.wrapping_add(1);
        self.leaving_check(now, false);
        if self.animating() {
            self.dirty = true;
        }
        self.demo_tick(now);
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
            && !self.offline
            && self
                .last_refresh
                .is_none_or(|t| now.duration_since(t) >= period)
        {
            self.refresh_summaries();
        }
    }

    /// Schedules a preview after the debounce delay.
    pub(crate) fn schedule_preview(&mut self) {
        self.preview_due = Some(self.now + DEBOUNCE);
    }

    /// Asks for the summary list again.
    pub(crate) fn refresh_summaries(&mut self) {
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
