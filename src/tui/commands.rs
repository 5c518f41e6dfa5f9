//! What each [`Action`] does to the application state.

use super::app::{App, Effect, PendingKind, StatusKind};
use super::keymap::{Action, Context};
use super::panes::preview::PreviewContent;
use super::panes::schema::{Load, NodePath};
use super::panes::summaries::{JobKind, JobPhase, JobView};
use super::panes::PaneId;
use super::popup::{Confirm, Popup};
use super::strings;
use super::template::{ident, template};
use super::worker::{Failure, PreviewDoc, RequestId, RequestKind};
use crate::lifecycle::tuning::Tuning;

/// The selected summary, cloned out of the pane state.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    /// Database.
    pub schema: String,
    /// Summary.
    pub name: String,
    /// Its query, when listed.
    pub query: Option<String>,
    /// The running local job, with its paused flag.
    pub job: Option<(RequestId, bool)>,
}

impl App {
    /// Carries out `action`: dispatches to the step for the part of the UI it belongs to.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.navigate(action),
            Action::Expand
            | Action::Collapse
            | Action::Toggle
            | Action::Filter
            | Action::InsertName
            | Action::Template
            | Action::Refresh => self.apply_schema(action),
            Action::Run
            | Action::ExternalEditor
            | Action::Undo
            | Action::Redo
            | Action::HistoryPrev
            | Action::HistoryNext
            | Action::Rename
            | Action::Create => self.apply_query(action),
            Action::Validate
            | Action::Rebuild
            | Action::Drop
            | Action::PauseResume
            | Action::ResumeBackfill
            | Action::CancelJob
            | Action::Compare => self.apply_summary(action),
            Action::NextStep
            | Action::ToggleWrites
            | Action::Faster
            | Action::Slower
            | Action::NextMix
            | Action::Autoplay
            | Action::Dashboard => self.demo_action(action),
            Action::ColumnLeft
            | Action::ColumnRight
            | Action::NextDifference
            | Action::PrevDifference => self.apply_compare(action),
            Action::Export => self.export(),
            Action::Complete => self.complete(),
            Action::HistorySearch => self.start_history_search(),
            // Keys of the tuning form and its confirmation: the popup handles them.
            Action::Tune | Action::NextField | Action::PrevField => {}
            Action::Quit
            | Action::Redraw
            | Action::NextPane
            | Action::PrevPane
            | Action::Help
            | Action::Cancel
            | Action::Confirm
            | Action::ConfirmDestructive
            | Action::Deny
            | Action::Setup
            | Action::Guide => self.apply_global(action),
        }
    }

    /// Actions that act on the window as a whole: quitting, focus, popups, help, the guide.
    fn apply_global(&mut self, action: Action) {
        match action {
            Action::Quit => self.request_quit(),
            Action::Redraw => self.effect(Effect::Redraw),
            Action::NextPane => self.focus_pane(self.focus.next()),
            Action::PrevPane => self.focus_pane(self.focus.prev()),
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Cancel => self.cancel(),
            Action::Confirm | Action::ConfirmDestructive => self.confirm(),
            Action::Deny => self.popup = None,
            Action::Setup => self.open_setup(),
            Action::Guide => match &mut self.guide {
                Some(g) => g.visible = !g.visible,
                None => self.guide = Some(super::guide::Guide::default()),
            },
            _ => {}
        }
    }

    /// Actions of the schema browser.
    fn apply_schema(&mut self, action: Action) {
        match action {
            Action::Expand | Action::Collapse | Action::Toggle => {
                let page = self.page();
                let need = self.schema.handle(action, page);
                if let Some(sel) = &self.schema.selected {
                    if sel.table.is_none() && action != Action::Collapse {
                        self.use_database(&sel.database.clone());
                    }
                }
                self.load(need);
            }
            Action::Filter => self.schema.filtering = true,
            Action::InsertName => self.insert_name(),
            Action::Template => self.template(),
            Action::Refresh => self.refresh(),
            _ => {}
        }
    }

    /// Actions on the query: run, edit, history, name, create.
    fn apply_query(&mut self, action: Action) {
        match action {
            Action::Run => match self.focus {
                PaneId::Compare | PaneId::Summaries => self.run_compare(),
                _ => self.preview_now(),
            },
            Action::ExternalEditor => self.edit_externally(),
            Action::Undo if self.editor.undo() => self.schedule_preview(),
            Action::Redo if self.editor.redo() => self.schedule_preview(),
            Action::HistoryPrev => match self.history.older(&self.editor.text()) {
                Some(sql) => self.replace_query(&sql),
                None => self.set_status(StatusKind::Info, strings::HISTORY_END),
            },
            Action::HistoryNext => match self.history.newer() {
                Some(sql) => self.replace_query(&sql),
                None => self.set_status(StatusKind::Info, strings::HISTORY_END),
            },
            Action::Rename => {
                self.popup = Some(Popup::Rename {
                    text: self.editor.name.clone(),
                });
            }
            Action::Create => self.create(),
            _ => {}
        }
    }

    /// Actions on the selected summary.
    fn apply_summary(&mut self, action: Action) {
        match action {
            Action::Validate => self.with_selected(|app, s| {
                app.send(
                    RequestKind::Validate {
                        schema: s.schema,
                        name: s.name,
                    },
                    PendingKind::Validate,
                    strings::work::VALIDATE,
                );
            }),
            Action::Rebuild => self.with_selected(|app, s| {
                app.popup = Some(Popup::Confirm {
                    title: format!("{} {}.{}", strings::CONFIRM_REBUILD_TITLE, s.schema, s.name),
                    body: strings::REBUILD_INTRO.lines().map(str::to_string).collect(),
                    what: Confirm::Rebuild {
                        schema: s.schema,
                        name: s.name,
                        tuning: Tuning::default(),
                    },
                    scroll: 0,
                });
            }),
            Action::Drop => self.with_selected(|app, s| {
                app.popup = Some(Popup::Confirm {
                    title: format!("{} {}.{}", strings::CONFIRM_DROP_TITLE, s.schema, s.name),
                    body: strings::DROP_INTRO.lines().map(str::to_string).collect(),
                    what: Confirm::Drop {
                        schema: s.schema,
                        name: s.name,
                    },
                    scroll: 0,
                });
            }),
            Action::PauseResume | Action::ResumeBackfill | Action::CancelJob => {
                self.apply_job(action);
            }
            Action::Compare => {
                self.focus_pane(PaneId::Compare);
                self.run_compare();
            }
            _ => {}
        }
    }

    /// Pause, continue, stop or resume the backfill of the selected summary.
    fn apply_job(&mut self, action: Action) {
        match action {
            Action::PauseResume => self.with_selected(|app, s| match s.job {
                Some((id, paused)) => {
                    if let Some(job) = app.summaries.job_mut(id) {
                        job.paused = !paused;
                    }
                    app.notify(RequestKind::Pause {
                        target: id,
                        paused: !paused,
                    });
                }
                None => app.set_status(StatusKind::Info, strings::NO_RUNNING_BACKFILL),
            }),
            Action::ResumeBackfill => self.with_selected(|app, s| {
                let id = app.send(
                    RequestKind::Resume {
                        schema: s.schema.clone(),
                        name: s.name.clone(),
                    },
                    PendingKind::Job,
                    strings::work::RESUME,
                );
                app.start_job(id, JobKind::Resume, s.schema, s.name);
            }),
            Action::CancelJob => self.with_selected(|app, s| match s.job {
                Some((id, _)) => {
                    app.notify(RequestKind::Cancel { target: id });
                    if let Some(job) = app.summaries.job_mut(id) {
                        job.phase = JobPhase::Stopping;
                    }
                }
                None => app.set_status(StatusKind::Info, strings::NO_RUNNING_BACKFILL),
            }),
            _ => {}
        }
    }

    /// Writes the previewed summary's migration (see [`super::export`]).
    fn export(&mut self) {
        let export = match &self.preview.content {
            PreviewContent::Ready(doc) => super::export::export_of(doc),
            _ => None,
        };
        match export {
            Some(e) => self.effect(Effect::Export(e)),
            None => self.set_status(StatusKind::Info, strings::export::NOTHING),
        }
    }

    /// Actions of the compare grid: columns and differences.
    fn apply_compare(&mut self, action: Action) {
        match action {
            Action::NextDifference | Action::PrevDifference => {
                if self.compare.result().is_none() {
                    self.set_status(StatusKind::Info, strings::compare::NOTHING_COMPARED);
                } else if !self
                    .compare
                    .jump_to_difference(action == Action::NextDifference)
                {
                    self.set_status(StatusKind::Info, strings::compare::NO_DIFFERENCES);
                }
            }
            _ => {
                let page = self.page();
                self.compare.handle(action, page);
            }
        }
    }

    /// Moves in the focused pane.
    pub(super) fn navigate(&mut self, action: Action) {
        let page = self.page();
        match self.focus {
            PaneId::Schema => {
                let need = self.schema.handle(action, page);
                self.load(need);
            }
            PaneId::Preview => {
                let width = self
                    .areas()
                    .preview
                    .map_or(40, |r| r.width.saturating_sub(2));
                let total = self.preview.wrapped_len(&self.theme, width);
                self.preview.handle(action, page, total);
            }
            PaneId::Summaries => self.summaries.handle(action, page),
            PaneId::Compare => self.compare.handle(action, page),
            PaneId::Editor => {}
        }
    }

    fn use_database(&mut self, db: &str) {
        if self.database.as_deref() != Some(db) {
            self.database = Some(db.to_string());
            if !self.editor.is_blank() {
                self.schedule_preview();
            }
        }
    }

    /// The table path of the schema selection.
    fn selected_table(&self) -> Option<(String, String)> {
        let NodePath {
            database, table, ..
        } = self.schema.selected.clone()?;
        Some((database, table?))
    }

    fn insert_name(&mut self) {
        let Some(sel) = self.schema.selected.clone() else {
            return;
        };
        let text = match (&sel.table, &sel.column) {
            (Some(_), Some(c)) => ident(c),
            (Some(t), None) => ident(t),
            (None, _) => ident(&sel.database),
        };
        if sel.table.is_some() {
            self.use_database(&sel.database);
        }
        self.editor.insert_word(&text);
        self.schedule_preview();
        self.set_status(
            StatusKind::Info,
            format!("{text} → {}", strings::EDITOR_TITLE),
        );
    }

    fn template(&mut self) {
        let Some((db, selected)) = self.selected_table() else {
            self.set_status(StatusKind::Info, strings::NO_TABLE_SELECTED);
            return;
        };
        // On a summary, the template queries its base table (a summary of the summary's view
        // is not what a DBA asks for).
        let table = self.base_of_summary(&db, &selected).unwrap_or(selected);
        match self.schema.table(&db, &table).map(|t| t.columns.clone()) {
            Some(Load::Loaded(columns)) => {
                let t = template(&table, &columns);
                self.use_database(&db);
                if !self.editor.name_chosen {
                    self.editor.name = self.unused_name(&db, &t.name);
                    self.editor.name_table = Some(table.clone());
                }
                self.replace_query(&t.sql);
                self.focus_pane(PaneId::Editor);
            }
            Some(Load::Loading) => self.template_after_columns = Some((db, table)),
            _ => {
                self.template_after_columns = Some((db.clone(), table.clone()));
                self.load(Some(super::panes::schema::Need::Columns(db, table)));
            }
        }
    }

    /// The base table of `name` when it is a summary the browser lists in `db`.
    fn base_of_summary(&self, db: &str, name: &str) -> Option<String> {
        let Load::Loaded(tables) = &self.schema.db(db)?.tables else {
            return None;
        };
        tables
            .iter()
            .find(|t| t.info.summaries.iter().any(|s| s == name))
            .map(|t| t.info.name.clone())
    }

    /// `name`, or `name_2`, `name_3`, … : the first that no table, view or summary of `db`
    /// the window knows of has, so a proposed name never clashes.
    fn unused_name(&self, db: &str, name: &str) -> String {
        let mut taken: Vec<&str> = Vec::new();
        if let Some(Load::Loaded(tables)) = self.schema.db(db).map(|d| &d.tables) {
            taken.extend(tables.iter().map(|t| t.info.name.as_str()));
        }
        taken.extend(
            self.summaries
                .list
                .iter()
                .flatten()
                .filter(|r| r.entry.schema == db)
                .map(|r| r.entry.name.as_str()),
        );
        let mut candidate = name.to_string();
        let mut n = 2;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        candidate
    }

    /// Replaces the query (one undoable edit) and previews it at once.
    pub(super) fn replace_query(&mut self, sql: &str) {
        // A new query: its previews make a new history entry.
        self.history_session = false;
        self.editor.set_text(sql);
        self.editor.to_top();
        self.preview_now();
    }

    fn refresh(&mut self) {
        match self.focus {
            PaneId::Summaries => self.refresh_summaries(),
            _ => {
                self.send(
                    RequestKind::Databases,
                    PendingKind::Databases,
                    strings::work::DATABASES,
                );
                let open: Vec<String> = match &self.schema.databases {
                    Load::Loaded(dbs) => dbs
                        .iter()
                        .filter(|d| d.expanded)
                        .map(|d| d.name.clone())
                        .collect(),
                    _ => Vec::new(),
                };
                for db in open {
                    self.load(Some(super::panes::schema::Need::Tables(db)));
                }
            }
        }
    }

    /// Names the summary when the user has not: `<table>_summary` (not taken yet) for the
    /// query's table, again whenever the query moves to another table; a query that does not
    /// parse (yet: the preview runs while typing) keeps the name it has.
    fn auto_name(&mut self) {
        match crate::engine::parse::parse(&self.editor.text()) {
            Ok(p) if self.editor.name_table.as_deref() != Some(p.table.name.as_str()) => {
                let db = p
                    .table
                    .schema
                    .clone()
                    .or_else(|| self.database.clone())
                    .unwrap_or_default();
                let name: String = format!("{}_summary", p.table.name)
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .take(48)
                    .collect();
                self.editor.name = self.unused_name(&db, &name);
                self.editor.name_table = Some(p.table.name);
            }
            Ok(_) => {}
            Err(_) if self.editor.name.is_empty() => self.editor.name = "summary".into(),
            Err(_) => {}
        }
    }

    /// Requests a preview of the current query now.
    pub(super) fn preview_now(&mut self) {
        self.preview_due = None;
        if let Some((old, _)) = self.preview_request.take() {
            self.pending.remove(&old);
        }
        if self.editor.is_blank() {
            self.preview.content = PreviewContent::Empty;
            self.preview.waiting = false;
            self.preview.revision = self.editor.revision;
            return;
        }
        if !self.editor.name_chosen {
            self.auto_name();
        }
        let id = self.send(
            RequestKind::Preview {
                database: self.database.clone(),
                sql: self.editor.text(),
                name: self.editor.name.clone(),
            },
            PendingKind::Preview,
            strings::work::PREVIEW,
        );
        self.preview_request = Some((id, self.editor.revision));
        self.preview.waiting = true;
    }

    fn create(&mut self) {
        if self.editor.is_blank() {
            self.set_status(StatusKind::Info, strings::NO_QUERY);
            return;
        }
        let current = self.preview.revision == self.editor.revision
            && !self.preview.waiting
            && self.preview_due.is_none();
        match (&self.preview.content, current) {
            (PreviewContent::Ready(doc), true) => {
                let doc = doc.clone();
                self.confirm_create(&doc);
            }
            (PreviewContent::Rejected(_), true) => {
                self.set_status(StatusKind::Error, strings::FIX_QUERY_FIRST);
            }
            _ => {
                self.create_after_preview = true;
                self.set_status(StatusKind::Info, strings::PREVIEW_NOT_READY);
                if !self.preview.waiting || self.preview_due.is_some() {
                    self.preview_now();
                }
            }
        }
    }

    /// Opens the create confirmation for a ready preview.
    pub(super) fn confirm_create(&mut self, doc: &PreviewDoc) {
        // A create that would fail on a taken name is not offered: the preview says why.
        if let Some(clash) = self.preview.clash.clone().filter(|_| doc.clash.is_some()) {
            self.set_status(StatusKind::Error, clash);
            return;
        }
        let mut body: Vec<String> = strings::CREATE_INTRO.lines().map(str::to_string).collect();
        body.push(String::new());
        for st in &doc.statements {
            body.push(format!("-- {}", st.title));
            body.extend(format!("{};", st.sql).lines().map(str::to_string));
            body.push(String::new());
        }
        self.popup = Some(Popup::Confirm {
            title: format!(
                "{} {}.{}",
                strings::CONFIRM_CREATE_TITLE,
                doc.schema,
                doc.name
            ),
            body,
            what: Confirm::Create {
                database: self.database.clone(),
                schema: doc.schema.clone(),
                name: doc.name.clone(),
                sql: self.editor.text(),
                tuning: Tuning::default(),
            },
            scroll: 0,
        });
    }

    pub(super) fn confirm(&mut self) {
        let Some(Popup::Confirm { what, .. }) = self.popup.take() else {
            self.popup = None;
            return;
        };
        match what {
            Confirm::Create {
                database,
                schema,
                name,
                sql,
                tuning,
            } => {
                if let Err(e) = self.history.push(&sql) {
                    self.set_status(StatusKind::Error, e.to_string());
                }
                self.history_session = false;
                let id = self.send(
                    RequestKind::Create {
                        database,
                        name: name.clone(),
                        sql,
                        tuning,
                    },
                    PendingKind::Job,
                    strings::work::CREATE,
                );
                self.start_job(id, JobKind::Create, schema, name);
            }
            Confirm::Quit => self.leave(),
            Confirm::Drop { schema, name } => {
                self.send(
                    RequestKind::Drop {
                        schema: schema.clone(),
                        name,
                    },
                    PendingKind::Drop(schema),
                    strings::work::DROP,
                );
            }
            Confirm::Rebuild {
                schema,
                name,
                tuning,
            } => {
                let id = self.send(
                    RequestKind::Rebuild {
                        schema: schema.clone(),
                        name: name.clone(),
                        tuning,
                    },
                    PendingKind::Job,
                    strings::work::REBUILD,
                );
                self.start_job(id, JobKind::Rebuild, schema, name);
            }
        }
    }

    fn start_job(&mut self, id: RequestId, kind: JobKind, schema: String, name: String) {
        self.summaries.jobs.retain(|j| !(j.done && j.name == name));
        self.summaries
            .jobs
            .push(JobView::new(id, kind, Some(schema.clone()), name.clone()));
        // The summary the job works on, wherever its row is now.
        self.summaries.select_key(Some(&schema), &name);
        self.focus_pane(PaneId::Summaries);
        let verb = match kind {
            JobKind::Create => "Creating",
            JobKind::Resume => "Resuming",
            JobKind::Rebuild => "Rebuilding",
        };
        let name = self
            .summaries
            .jobs
            .last()
            .map(|j| j.name.clone())
            .unwrap_or_default();
        self.set_status(StatusKind::Info, strings::job_started(verb, &name));
    }

    /// Whether the open popup asks a destructive question (only an explicit yes answers it).
    pub(super) fn destructive_popup(&self) -> bool {
        matches!(
            self.popup,
            Some(Popup::Confirm {
                what: Confirm::Drop { .. } | Confirm::Quit,
                ..
            })
        )
    }

    /// The selected summary.
    pub fn selected_summary(&self) -> Option<Selected> {
        let item = self.summaries.selected_item()?;
        let schema = item.schema?.to_string();
        Some(Selected {
            schema,
            name: item.name.to_string(),
            query: item.report.map(|r| r.entry.query.clone()),
            job: item.job.filter(|j| !j.done).map(|j| (j.id, j.paused)),
        })
    }

    fn with_selected(&mut self, f: impl FnOnce(&mut App, Selected)) {
        match self.selected_summary() {
            Some(s) => f(self, s),
            None => self.set_status(StatusKind::Info, strings::NO_SUMMARY_SELECTED),
        }
    }

    fn run_compare(&mut self) {
        let Some(s) = self.selected_summary() else {
            self.set_status(StatusKind::Info, strings::NO_SUMMARY_SELECTED);
            return;
        };
        let Some(query) = s.query else {
            self.set_status(StatusKind::Info, strings::NO_SUMMARY_SELECTED);
            return;
        };
        if let Some(old) = self.compare.running.take() {
            self.pending.remove(&old);
            self.notify(RequestKind::Cancel { target: old });
        }
        self.compare.target = Some((s.schema.clone(), s.name.clone()));
        self.compare.set_result(None);
        self.compare.error = None;
        let id = self.send(
            RequestKind::Compare {
                schema: s.schema,
                name: s.name,
                query,
            },
            PendingKind::Compare,
            strings::work::COMPARE,
        );
        self.compare.running = Some(id);
    }

    /// Esc: stops the request waited on longest, or clears the message.
    fn cancel(&mut self) {
        if let Some((&id, _)) = self.oldest_foreground() {
            if let Some(p) = self.pending.remove(&id) {
                match p.kind {
                    PendingKind::Preview => {
                        self.preview.waiting = false;
                        self.preview_request = None;
                        self.create_after_preview = false;
                    }
                    PendingKind::Compare => self.compare.running = None,
                    PendingKind::Tables(db) => {
                        self.schema.set_tables(&db, Err(Failure::Cancelled));
                    }
                    PendingKind::Columns(db, t) => {
                        self.schema.set_columns(&db, &t, Err(Failure::Cancelled));
                    }
                    _ => {}
                }
            }
            self.notify(RequestKind::Cancel { target: id });
            self.set_status(StatusKind::Info, strings::CANCELLED);
        } else if self.schema.filtering || !self.schema.filter.is_empty() {
            self.schema.filtering = false;
            self.schema.filter.clear();
        } else if self.focus == PaneId::Summaries && self.summary_keys().local_job {
            // Esc cancels requests waited on; a backfill is stopped only on purpose.
            let stop = self.key_hint(Context::Summaries, Action::CancelJob);
            let resume = self.key_hint(Context::Summaries, Action::ResumeBackfill);
            let cancel = self.key_hint(Context::Global, Action::Cancel);
            self.set_status(
                StatusKind::Info,
                strings::esc_keeps_backfill(&cancel, &stop, &resume),
            );
        } else {
            self.status = None;
        }
    }
}
