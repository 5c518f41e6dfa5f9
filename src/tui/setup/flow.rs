//! The wizard inside the application: keys in, tests out to the worker,
//! and switching the whole UI to the new connection at the end.

use super::{Outcome, Source, SourceKind, Wizard};
use crate::db::options::ConnectionConfig;
use crate::tui::app::{App, Effect, PendingKind, StatusKind};
use crate::tui::guide::Guide;
use crate::tui::keymap::{Action, Context, Key};
use crate::tui::panes::compare::CompareState;
use crate::tui::panes::schema::SchemaState;
use crate::tui::panes::summaries::SummariesState;
use crate::tui::popup::Popup;
use crate::tui::profile::{label, Profile};
use crate::tui::strings;
use crate::tui::worker::{RequestId, RequestKind};
use crossterm::event::KeyEvent;

impl App {
    /// Opens the wizard over the current connection (Ctrl-O).
    pub fn open_setup(&mut self) {
        self.wizard = Some(Wizard::new(
            &self.setup,
            self.connection.as_ref(),
            self.offline,
        ));
    }

    /// A key while the wizard is open (and no popup).
    pub(crate) fn on_wizard_key(&mut self, event: KeyEvent) {
        let Some(wizard) = &mut self.wizard else {
            return;
        };
        let outcome = match Key::from_event(&event) {
            Some(key) => match self.keymap.resolve(Context::Wizard, &key, wizard.typing()) {
                Some(Action::Quit) => {
                    self.quit = true;
                    return;
                }
                Some(Action::Help) => {
                    self.popup = Some(Popup::Help { scroll: 0 });
                    return;
                }
                Some(action) => wizard.action(action),
                None => wizard.key(&event),
            },
            None => wizard.key(&event),
        };
        self.wizard_outcome(outcome);
    }

    fn wizard_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Nothing => {}
            Outcome::Test(config) => {
                let id = self.send(
                    RequestKind::Diagnose { config },
                    PendingKind::Diagnose,
                    strings::work::DIAGNOSE,
                );
                if let Some(w) = &mut self.wizard {
                    w.testing = Some(id);
                }
            }
            Outcome::CancelTest(id) => {
                self.pending.remove(&id);
            }
            Outcome::Finish(candidate) => {
                self.wizard = None;
                if candidate.remember {
                    self.remember(&candidate.profile, &candidate.config);
                    self.effect(Effect::SaveProfile(candidate.profile.clone()));
                }
                self.connect_to(candidate.config);
                self.guide = Some(Guide::default());
            }
            Outcome::Close => self.wizard = None,
            Outcome::Quit => self.quit = true,
        }
    }

    /// The answer to a connection test.
    pub(crate) fn on_tested(
        &mut self,
        id: RequestId,
        result: Result<Box<crate::db::doctor::DoctorReport>, crate::tui::worker::DiagnoseFailure>,
    ) {
        if let Some(w) = &mut self.wizard {
            w.tested(id, result);
        }
    }

    /// A connection test that could not run.
    pub(crate) fn on_test_failed(&mut self, id: RequestId, message: String) {
        if let Some(w) = &mut self.wizard {
            w.test_failed(id, message);
        }
    }

    /// The profile was saved (or not).
    pub(crate) fn on_profile_saved(
        &mut self,
        result: Result<String, crate::tui::profile::NotSaved>,
        password: bool,
    ) {
        match result {
            Ok(path) => self.set_status(StatusKind::Ok, strings::setup::saved(&path, password)),
            Err(e) => self.set_status(StatusKind::Error, strings::setup::not_saved(&e.to_string())),
        }
    }

    /// Offers `profile` as the saved connection from now on.
    fn remember(&mut self, profile: &Profile, config: &ConnectionConfig) {
        self.setup.sources.retain(|s| s.kind != SourceKind::Profile);
        self.setup.sources.insert(
            0,
            Source {
                kind: SourceKind::Profile,
                label: label(config),
                config: Some(config.clone()),
                save_as: profile.clone(),
                prefill: Profile {
                    password: config.password.clone(),
                    ..Profile::from_config(config)
                },
            },
        );
    }

    /// Switches every pane to the server `config` names.
    pub fn connect_to(&mut self, config: ConnectionConfig) {
        self.notify(RequestKind::Switch {
            config: config.clone(),
        });
        self.label = label(&config);
        self.version = None;
        self.database = config.database.clone();
        self.schema = SchemaState::default();
        self.summaries = SummariesState::default();
        self.compare = CompareState::default();
        self.pending.clear();
        self.preview_request = None;
        self.template_after_columns = None;
        self.expand_on_load = None;
        self.create_after_preview = false;
        self.connection = Some(config);
        self.offline = false;
        self.status = None;
        self.send(
            RequestKind::Connect,
            PendingKind::Connect,
            strings::work::CONNECT,
        );
        self.send(
            RequestKind::Databases,
            PendingKind::Databases,
            strings::work::DATABASES,
        );
        self.refresh_summaries();
        if !self.editor.is_blank() {
            self.schedule_preview();
        }
    }
}
