//! The demo inside the application: keys and ticks drive the
//! [`DemoState`], its commands leave as effects for the demo worker, its
//! replies come back as messages.

use super::protocol::DemoReply;
use super::state::{Command, DemoSetup, DemoState};
use crate::tui::app::{App, Effect, StatusKind};
use crate::tui::keymap::{Action, Context, Key};
use crate::tui::popup::Popup;
use crate::tui::strings::demo as text;
use crossterm::event::KeyEvent;
use std::time::Instant;

impl App {
    /// Turns the application into the demo dashboard.
    pub fn start_demo(&mut self, setup: DemoSetup) {
        self.demo = Some(DemoState::new(setup, self.now));
    }

    /// Whether the demo dashboard has the screen.
    pub fn demo_shown(&self) -> bool {
        self.demo.as_ref().is_some_and(|d| d.dashboard)
    }

    fn demo_commands(&mut self, commands: Vec<Command>) {
        for c in commands {
            match c {
                Command::Send(r) => self.effect(Effect::Demo(r)),
                Command::Quit => self.quit = true,
            }
        }
    }

    /// A key while the dashboard is shown (and no popup).
    pub(crate) fn on_demo_key(&mut self, event: KeyEvent) {
        let Some(key) = Key::from_event(&event) else {
            return;
        };
        match self.keymap.resolve(Context::Demo, &key, false) {
            Some(Action::Quit) => self.quit = true,
            Some(Action::Help) => self.popup = Some(Popup::Help { scroll: 0 }),
            Some(Action::Redraw) => self.effect(Effect::Redraw),
            Some(action) => self.demo_action(action),
            None => {}
        }
    }

    /// Carries out a demo action.
    pub(crate) fn demo_action(&mut self, action: Action) {
        let now = self.now;
        let Some(demo) = &mut self.demo else {
            return;
        };
        let commands = match action {
            Action::NextStep => match demo.next(now) {
                Ok(c) => c,
                Err(_) => {
                    self.set_status(StatusKind::Info, text::STILL_WORKING);
                    return;
                }
            },
            Action::ToggleWrites => demo.toggle_writes(),
            Action::Faster => demo.change_rate(true),
            Action::Slower => demo.change_rate(false),
            Action::NextMix => demo.next_mix(),
            Action::Autoplay => {
                demo.toggle_autoplay(now);
                Vec::new()
            }
            Action::Dashboard => {
                demo.dashboard = !demo.dashboard;
                Vec::new()
            }
            _ => Vec::new(),
        };
        self.demo_commands(commands);
    }

    /// Time passed: autoplay moves on.
    pub(crate) fn demo_tick(&mut self, now: Instant) {
        let commands = match &mut self.demo {
            Some(demo) => demo.tick(now),
            None => return,
        };
        self.demo_commands(commands);
    }

    /// A reply of the demo worker.
    pub(crate) fn on_demo_reply(&mut self, reply: DemoReply) {
        let now = self.now;
        if let DemoReply::Failed(failure) = &reply {
            self.set_status(StatusKind::Error, text::failed(&failure.to_string()));
        }
        let created = matches!(reply, DemoReply::Created { .. });
        let commands = match &mut self.demo {
            Some(demo) => demo.on_reply(reply, now),
            None => return,
        };
        if created {
            // The summaries pane of the full UI shows the new summary.
            self.refresh_summaries();
        }
        self.demo_commands(commands);
    }
}
