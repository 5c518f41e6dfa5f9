//! How the application state takes the worker's answers.

use super::app::{App, PendingKind, StatusKind};
use super::keymap::{Action, Context};
use super::panes::preview::PreviewContent;
use super::panes::schema::Load;
use super::panes::summaries::JobKind;
use super::popup::Popup;
use super::quit::Ended;
use super::strings;
use super::worker::{
    Failure, JobOutcome, PreviewDoc, Rejection, RequestId, Response, ResponseKind,
};
use crate::lifecycle::StatusReport;

impl App {
    /// Applies a worker response.
    pub(super) fn on_response(&mut self, response: Response) {
        let Response { id, kind } = response;
        if let ResponseKind::Progress(event) = &kind {
            if let Some(job) = self.summaries.job_mut(id) {
                job.apply(event);
            }
            return;
        }
        // Answers to requests nobody waits for any more (cancelled, superseded) are dropped.
        let Some(pending) = self.pending.remove(&id) else {
            return;
        };
        if self.leaving.is_some() && pending.kind == PendingKind::Job {
            let ended = match &kind {
                ResponseKind::Finished(_) => Ended::Finished,
                ResponseKind::Cancelled => Ended::Stopped,
                _ => Ended::Failed,
            };
            self.leaving_job_ended(id, ended);
            self.leaving_check(self.now, false);
        }
        match kind {
            ResponseKind::Connected { version, database } => self.on_connected(version, database),
            ResponseKind::Databases(list) => {
                self.schema.set_databases(list);
                self.expand_default();
            }
            ResponseKind::Tables { database, tables } => {
                self.schema.set_tables(&database, Ok(tables));
            }
            ResponseKind::Columns {
                database,
                table,
                columns,
            } => {
                self.schema.set_columns(&database, &table, Ok(columns));
                if self.template_after_columns.as_ref() == Some(&(database, table)) {
                    self.template_after_columns = None;
                    self.apply(Action::Template);
                }
            }
            ResponseKind::Preview(result) => self.on_preview(id, result),
            ResponseKind::Summaries(list) => self.on_summaries(list),
            ResponseKind::Progress(_) => {}
            ResponseKind::Finished(outcome) => self.finished(outcome, &pending.kind),
            ResponseKind::Compared(result) => {
                self.compare.running = None;
                self.compare.set_result(Some(result));
            }
            ResponseKind::Failed(failure) => self.failed(id, &pending.kind, failure),
            ResponseKind::Diagnosed(result) => self.on_tested(id, result),
            ResponseKind::Cancelled => self.on_cancelled(id, &pending.kind),
        }
    }

    /// Connected: the server's version and the default database, opened in the browser.
    fn on_connected(&mut self, version: String, database: Option<String>) {
        self.version = Some(version);
        if self.database.is_none() {
            self.database = database.clone();
        }
        if let Some(db) = database {
            self.expand_on_load = Some(db);
            self.expand_default();
        }
    }

    /// The preview of the query (or why it is rejected); a create waiting for it goes on.
    fn on_preview(&mut self, id: RequestId, result: Result<PreviewDoc, Rejection>) {
        let Some((_, revision)) = self.preview_request.filter(|(p, _)| *p == id) else {
            return;
        };
        self.preview_request = None;
        self.preview.waiting = false;
        self.preview.revision = revision;
        let current = revision == self.editor.revision;
        match result {
            Ok(doc) => {
                if current {
                    self.record_previewed(&self.editor.text());
                }
                let clash = doc.clash.as_deref().map(|what| {
                    strings::name_clash(what, &self.key_hint(Context::Editor, Action::Rename))
                });
                // A refused create said the old clash on the status line: it is gone now.
                if self.preview.clash != clash
                    && matches!((&self.status, &self.preview.clash), (Some((_, said)), Some(old)) if said == old)
                {
                    self.status = None;
                }
                self.preview.clash = clash;
                self.preview.content = PreviewContent::Ready(doc.clone());
                if self.create_after_preview && current {
                    self.create_after_preview = false;
                    self.status = None;
                    self.confirm_create(&doc);
                }
            }
            Err(rejection) => {
                if current {
                    self.editor.error_pos = rejection.pos;
                }
                self.preview.content = PreviewContent::Rejected(rejection);
                if self.create_after_preview {
                    self.create_after_preview = false;
                    self.set_status(StatusKind::Error, strings::FIX_QUERY_FIRST);
                }
            }
        }
        let width = self
            .areas()
            .preview
            .map_or(40, |r| r.width.saturating_sub(2));
        let total = self.preview.wrapped_len(&self.theme, width);
        self.preview.scroll = self.preview.scroll.min(total.saturating_sub(1));
    }

    /// The catalog's list of summaries; the selection stays on the same summary.
    fn on_summaries(&mut self, list: Vec<StatusReport>) {
        let kept = self.summaries.selected_key();
        self.summaries.list = Some(list);
        self.summaries.error = None;
        // Finished jobs the catalog now shows need no row of their own.
        let listed: Vec<String> = self
            .summaries
            .list
            .iter()
            .flatten()
            .map(|r| r.entry.name.clone())
            .collect();
        self.summaries
            .jobs
            .retain(|j| !j.done || listed.contains(&j.name));
        // The selection follows the summary, not its row number.
        match kept {
            Some((schema, name)) => self.summaries.select_key(schema.as_deref(), &name),
            None => self.summaries.selected = 0,
        }
    }

    /// A request was cancelled: a stopped job says what it left and how to continue.
    fn on_cancelled(&mut self, id: RequestId, kind: &PendingKind) {
        match kind {
            PendingKind::Job => {
                let resume_key = self.key_hint(Context::Summaries, Action::ResumeBackfill);
                if let Some(job) = self.summaries.job_mut(id) {
                    job.done = true;
                    // A stopped rebuild is given up (nothing to resume); a stopped create
                    // or resume waits for `u`.
                    let text = match job.kind {
                        JobKind::Rebuild => strings::rebuild_stopped(&job.name),
                        _ => strings::backfill_stopped(&job.name, &resume_key),
                    };
                    self.set_status(StatusKind::Info, text);
                }
                self.refresh_summaries();
            }
            PendingKind::Compare => self.compare.running = None,
            _ => {}
        }
    }

    fn expand_default(&mut self) {
        let Some(db) = self.expand_on_load.clone() else {
            return;
        };
        if let Load::Loaded(_) = self.schema.databases {
            self.expand_on_load = None;
            let need = self.schema.expand_database(&db);
            if self.schema.db(&db).is_some() {
                self.schema.selected = Some(super::panes::schema::NodePath {
                    database: db,
                    table: None,
                    column: None,
                });
            }
            self.load(need);
        }
    }

    fn finished(&mut self, outcome: JobOutcome, kind: &PendingKind) {
        match outcome {
            JobOutcome::Built(report) => {
                let verb = match self
                    .summaries
                    .jobs
                    .iter()
                    .find(|j| j.name == report.name && !j.done)
                {
                    Some(j) => match j.kind {
                        JobKind::Create => "created",
                        JobKind::Resume => "resumed",
                        JobKind::Rebuild => "rebuilt",
                    },
                    None => "built",
                };
                if verb == "created" {
                    if let Some(g) = &mut self.guide {
                        g.created = Some(report.name.clone());
                    }
                }
                for job in self
                    .summaries
                    .jobs
                    .iter_mut()
                    .filter(|j| j.name == report.name && !j.done)
                {
                    job.done = true;
                }
                self.set_status(
                    StatusKind::Ok,
                    strings::job_finished(
                        verb,
                        &report.name,
                        report.rows,
                        report.backfill_secs,
                        report.lock_ms,
                    ),
                );
                self.refresh_summaries();
                self.load(Some(super::panes::schema::Need::Tables(report.schema)));
            }
            JobOutcome::Validated(r) => {
                let mut body = vec![strings::validation_verdict(
                    &r.name,
                    r.exact,
                    r.groups,
                    r.differing_groups,
                )];
                body.extend(r.problems.iter().map(|p| format!("• {p}")));
                for d in &r.differences {
                    body.push(strings::difference(
                        &d.key.join(", "),
                        d.in_query,
                        d.in_summary,
                    ));
                    for (i, q, s) in &d.values {
                        body.push(strings::differing_value(*i, q, s));
                    }
                }
                self.set_status(
                    if r.exact {
                        StatusKind::Ok
                    } else {
                        StatusKind::Error
                    },
                    strings::validation_verdict(&r.name, r.exact, r.groups, r.differing_groups),
                );
                self.popup = Some(Popup::Message {
                    title: format!("{} {}.{}", strings::VALIDATION_TITLE, r.schema, r.name),
                    body,
                    error: !r.exact,
                    scroll: 0,
                });
                self.refresh_summaries();
            }
            JobOutcome::Dropped { name, report } => {
                self.set_status(
                    StatusKind::Ok,
                    strings::dropped(
                        &name,
                        report.dropped.len(),
                        &report
                            .left_alone
                            .iter()
                            .map(|l| l.object.clone())
                            .collect::<Vec<_>>(),
                    ),
                );
                self.summaries.jobs.retain(|j| j.name != name);
                self.refresh_summaries();
                if let PendingKind::Drop(schema) = kind {
                    self.load(Some(super::panes::schema::Need::Tables(schema.clone())));
                }
            }
        }
    }

    /// The failure in words, with the TUI's own hint (a key, never a CLI flag) where one helps.
    pub(crate) fn failure_text(&self, id: RequestId, failure: &Failure) -> String {
        match failure {
            Failure::LockTimeout(message) => {
                let (context, action) = match self
                    .summaries
                    .jobs
                    .iter()
                    .find(|j| j.id == id)
                    .map(|j| j.kind)
                {
                    Some(JobKind::Resume) => (Context::Summaries, Action::ResumeBackfill),
                    Some(JobKind::Rebuild) => (Context::Summaries, Action::Rebuild),
                    Some(JobKind::Create) | None => (Context::Editor, Action::Create),
                };
                strings::lock_timeout(message, &self.key_hint(context, action))
            }
            other => other.to_string(),
        }
    }

    fn failed(&mut self, id: RequestId, kind: &PendingKind, failure: Failure) {
        let message = self.failure_text(id, &failure);
        match kind {
            PendingKind::Connect | PendingKind::Databases => {
                if !matches!(self.schema.databases, Load::Loaded(_)) {
                    self.schema.databases = Load::Failed(failure);
                }
                self.set_status(StatusKind::Error, message);
            }
            PendingKind::Tables(db) => self.schema.set_tables(db, Err(failure)),
            PendingKind::Columns(db, t) => {
                self.schema.set_columns(db, t, Err(failure));
                self.set_status(StatusKind::Error, message);
            }
            PendingKind::Preview => {
                if self.preview_request.is_some_and(|(p, _)| p == id) {
                    self.preview_request = None;
                    self.preview.waiting = false;
                    self.preview.content =
                        PreviewContent::Rejected(super::worker::Rejection { message, pos: None });
                    self.create_after_preview = false;
                }
            }
            PendingKind::Summaries => self.summaries.error = Some(message),
            PendingKind::Job => {
                if let Some(job) = self.summaries.job_mut(id) {
                    job.done = true;
                }
                self.popup = Some(Popup::error(message.clone()));
                self.set_status(StatusKind::Error, message);
                self.refresh_summaries();
            }
            PendingKind::Validate | PendingKind::Drop(_) => {
                self.popup = Some(Popup::error(message.clone()));
                self.set_status(StatusKind::Error, message);
            }
            PendingKind::Compare => {
                self.compare.running = None;
                self.compare.error = Some(message);
            }
            PendingKind::Diagnose => self.on_test_failed(id, message),
        }
    }
}
