//! The connection setup wizard: pick a known connection (the saved profile,
//! `~/.my.cnf`) or fill in a form, try it and run the doctor checks, explain
//! in plain words what is missing, then save the profile and connect.
//!
//! [`Wizard`] is pure state: actions and keys go in, an [`Outcome`] comes
//! out for the application to carry out (send the test to the worker,
//! connect, close). [`flow`] is that glue; [`draw`] renders it.

pub mod draw;
pub mod flow;
pub mod form;
pub mod input;
pub mod sources;

use crate::db::connect::ConnectFailure;
use crate::db::doctor::DoctorReport;
use crate::db::options::profile::Profile;
use crate::db::options::ConnectionConfig;
use crate::tui::keymap::Action;
use crate::tui::strings::setup as text;
use crate::tui::worker::{DiagnoseFailure, RequestId};
use crossterm::event::KeyEvent;
use form::{Candidate, Defaults, Field, Form};
use input::LineInput;

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Choosing among known connections.
    Source,
    /// Filling in the form.
    Form,
    /// Waiting for the connection test and the checks.
    Testing,
    /// Showing the checks.
    Report,
}

/// Where a known connection comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// The saved profile.
    Profile,
    /// A named profile (`--profile NAME` on the command line).
    Named(String),
    /// The client settings of `~/.my.cnf`.
    OptionFile,
}

/// A known connection offered on the first page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Where it comes from.
    pub kind: SourceKind,
    /// `user@host`.
    pub label: String,
    /// Ready to try; `None` when a password must be typed first.
    pub config: Option<ConnectionConfig>,
    /// What to save when it works.
    pub save_as: Profile,
    /// What the form shows when it needs editing.
    pub prefill: Profile,
}

/// What the wizard knows from outside (gathered before the UI starts).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetupContext {
    /// Known connections.
    pub sources: Vec<Source>,
    /// Form defaults.
    pub defaults: Defaults,
}

/// A failure explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What it means, in plain words.
    pub explanation: String,
    /// What the server or system said.
    pub detail: String,
}

/// What the application should do after a wizard step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing more.
    Nothing,
    /// Try this connection (send a diagnose request; see [`Wizard::testing`]).
    Test(ConnectionConfig),
    /// Stop waiting for the test.
    CancelTest(RequestId),
    /// Connect with this, saving the profile if asked.
    Finish(Candidate),
    /// Close the wizard, keep the current connection.
    Close,
    /// Leave the program (the first run without any connection).
    Quit,
}

/// The wizard's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    /// Where it is.
    pub step: Step,
    /// Known connections.
    pub sources: Vec<Source>,
    /// The highlighted entry of the first page (`sources.len()` is "new").
    pub selected: usize,
    /// The form.
    pub form: Form,
    /// The connection being tried or just tried.
    pub candidate: Option<Candidate>,
    /// The outstanding test request.
    pub testing: Option<RequestId>,
    /// The checks of the last successful test.
    pub report: Option<DoctorReport>,
    /// The last failure, explained.
    pub problem: Option<Problem>,
    /// No connection exists yet (Esc on the first page quits).
    pub first_run: bool,
    /// Form defaults.
    pub defaults: Defaults,
    /// First line shown of a long page (the report).
    pub scroll: u16,
}

impl Wizard {
    /// A wizard offering `ctx`'s connections, its form showing `current`
    /// (the connection in use) or the defaults.
    pub fn new(ctx: &SetupContext, current: Option<&ConnectionConfig>, first_run: bool) -> Wizard {
        let form = match current {
            Some(c) => Form::from_config(c, &ctx.defaults),
            None => Form::new(&ctx.defaults),
        };
        Wizard {
            step: if ctx.sources.is_empty() {
                Step::Form
            } else {
                Step::Source
            },
            sources: ctx.sources.clone(),
            selected: 0,
            form,
            candidate: None,
            testing: None,
            report: None,
            problem: None,
            first_run,
            defaults: ctx.defaults.clone(),
            scroll: 0,
        }
    }

    /// Whether keys are text for a field now.
    pub fn typing(&self) -> bool {
        self.step == Step::Form && self.form.focus.is_text()
    }

    /// The 0-based position in the overall walk-through (connect, check, ...).
    pub fn stage(&self) -> usize {
        match self.step {
            Step::Source | Step::Form => 0,
            Step::Testing | Step::Report => 1,
        }
    }

    fn leave(&self) -> Outcome {
        if self.first_run {
            Outcome::Quit
        } else {
            Outcome::Close
        }
    }

    /// Applies a bound action.
    pub fn action(&mut self, action: Action) -> Outcome {
        match (self.step, action) {
            (Step::Source, Action::Up | Action::PrevPane) => {
                self.selected = self.selected.saturating_sub(1);
            }
            (Step::Source, Action::Down | Action::NextPane) => {
                self.selected = (self.selected + 1).min(self.sources.len());
            }
            (Step::Source, Action::Top) => self.selected = 0,
            (Step::Source, Action::Bottom) => self.selected = self.sources.len(),
            (Step::Source, Action::Confirm) => return self.pick(),
            (Step::Source, Action::Deny) => return self.leave(),
            (Step::Form, Action::Down | Action::NextPane) => self.form.next(),
            (Step::Form, Action::Up | Action::PrevPane) => self.form.prev(),
            (Step::Form, Action::Confirm) => return self.submit(),
            (Step::Form, Action::Deny) if !self.sources.is_empty() => {
                self.step = Step::Source;
                self.problem = None;
            }
            (Step::Form, Action::Deny) => return self.leave(),
            (Step::Testing, Action::Deny) => {
                self.step = Step::Form;
                if let Some(id) = self.testing.take() {
                    return Outcome::CancelTest(id);
                }
            }
            (Step::Report, Action::Confirm) => {
                if let Some(c) = self.candidate.clone() {
                    return Outcome::Finish(c);
                }
            }
            (Step::Report, Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            (Step::Report, Action::Down) => self.scroll = self.scroll.saturating_add(1),
            (Step::Report, Action::Deny) => {
                self.step = Step::Form;
                self.report = None;
                self.scroll = 0;
            }
            _ => {}
        }
        Outcome::Nothing
    }

    /// A key no binding took (typing into the form).
    pub fn key(&mut self, key: &KeyEvent) -> Outcome {
        if self.step == Step::Form && self.form.key(key) {
            self.problem = None;
        }
        Outcome::Nothing
    }

    /// Pasted text.
    pub fn paste(&mut self, text: &str) {
        if self.step == Step::Form {
            self.form.paste(text);
        }
    }

    fn pick(&mut self) -> Outcome {
        let Some(source) = self.sources.get(self.selected).cloned() else {
            self.step = Step::Form;
            self.form.option_file = false;
            return Outcome::Nothing;
        };
        let remember = self.form.remember;
        self.form = Form::from_profile(&source.prefill, &self.defaults);
        self.form.option_file = source.kind == SourceKind::OptionFile;
        self.form.remember = remember;
        // A named profile is saved back under its name, not over the default one.
        let name = match &source.kind {
            SourceKind::Named(n) => Some(n.clone()),
            _ => None,
        };
        self.form.save_as = LineInput::new(name.clone().unwrap_or_default());
        match source.config {
            Some(config) => self.test(Candidate {
                config,
                profile: source.save_as,
                remember,
                name,
            }),
            None => {
                self.step = Step::Form;
                self.form.focus = Field::Password;
                self.problem = Some(Problem {
                    explanation: text::TYPE_PASSWORD.into(),
                    detail: source.label,
                });
                Outcome::Nothing
            }
        }
    }

    fn submit(&mut self) -> Outcome {
        match self.form.candidate() {
            Ok(c) => self.test(c),
            Err(invalid) => {
                self.form.focus = invalid.field;
                self.problem = Some(Problem {
                    explanation: invalid.message.into(),
                    detail: String::new(),
                });
                Outcome::Nothing
            }
        }
    }

    fn test(&mut self, candidate: Candidate) -> Outcome {
        let config = candidate.config.clone();
        self.candidate = Some(candidate);
        self.step = Step::Testing;
        self.problem = None;
        self.report = None;
        Outcome::Test(config)
    }

    /// The test of request `id` finished.
    pub fn tested(&mut self, id: RequestId, result: Result<Box<DoctorReport>, DiagnoseFailure>) {
        if self.testing != Some(id) {
            return;
        }
        self.testing = None;
        match result {
            Ok(report) => {
                self.report = Some(*report);
                self.step = Step::Report;
                self.scroll = 0;
            }
            Err(failure) => self.failed(failure.kind, failure.reason),
        }
    }

    /// The test of request `id` could not run at all.
    pub fn test_failed(&mut self, id: RequestId, message: String) {
        if self.testing == Some(id) {
            self.testing = None;
            self.failed(None, message);
        }
    }

    fn failed(&mut self, kind: Option<ConnectFailure>, reason: String) {
        self.step = Step::Form;
        if let Some(field) = kind.and_then(|k| field_to_fix(k, &self.form)) {
            self.form.focus = field;
        }
        self.problem = Some(Problem {
            explanation: text::explain(kind).into(),
            detail: reason,
        });
    }
}

/// The field most likely wrong after a failure of `kind`.
fn field_to_fix(kind: ConnectFailure, form: &Form) -> Option<Field> {
    let tcp = form.transport == form::Transport::Tcp;
    Some(match kind {
        ConnectFailure::Refused | ConnectFailure::Timeout if tcp => Field::Port,
        ConnectFailure::UnknownHost => Field::Host,
        ConnectFailure::SocketMissing
        | ConnectFailure::SocketPermission
        | ConnectFailure::Refused => Field::Socket,
        ConnectFailure::AccessDenied => Field::Password,
        ConnectFailure::DatabaseAccessDenied | ConnectFailure::UnknownDatabase => Field::Database,
        _ => return None,
    })
}
