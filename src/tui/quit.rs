//! Quitting while a create, resume or rebuild started from this window runs: the UI asks
//! first and says, for each of them, what the summary is left in and how to continue. Leaving
//! the process ends the job as a kill would (the server rolls back the open chunk); `resume`
//! goes on from the last checkpoint, which is what the question and the farewell say.

use super::app::App;
use super::keymap::{Action, Context};
use super::panes::summaries::{JobPhase, JobView};
use super::popup::{Confirm, Popup};
use super::strings;

/// How far a job got, for what quitting leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStage {
    /// Before its triggers went live (waiting for the table lock).
    BeforeTriggers,
    /// Backfilling, at this percentage.
    Backfilling(u8),
    /// Backfill done: the second lock and the fold are left.
    Finishing,
}

impl JobStage {
    /// The stage of `job` from the events it reported.
    pub fn of(job: &JobView) -> JobStage {
        if matches!(job.phase, JobPhase::Finalizing | JobPhase::Folding) {
            JobStage::Finishing
        } else if job.lock_ms.is_none() && job.progress.is_none() {
            JobStage::BeforeTriggers
        } else {
            let percent = job.progress.as_ref().map_or(0.0, |p| p.percent);
            JobStage::Backfilling(percent.clamp(0.0, 100.0) as u8)
        }
    }
}

impl App {
    /// `q` / Ctrl-C: quits at once unless a job of this window runs; then asks. Asked again
    /// while the question is open (a second Ctrl-C), it quits.
    pub(crate) fn request_quit(&mut self) {
        if self.quit_popup() {
            self.leave();
            return;
        }
        let running = self.running_jobs();
        if running.is_empty() {
            self.quit = true;
            return;
        }
        let resume_key = self.key_hint(Context::Summaries, Action::ResumeBackfill);
        let mut body = vec![strings::quit::INTRO.to_string(), String::new()];
        for job in &running {
            body.extend(strings::quit::left_in(
                job.kind,
                JobStage::of(job),
                job.schema.as_deref(),
                &job.name,
                &resume_key,
            ));
            body.push(String::new());
        }
        body.push(strings::quit::question(
            &self.key_hint(Context::Popup, Action::ConfirmDestructive),
            &self.key_hint(Context::Popup, Action::Deny),
        ));
        self.popup = Some(Popup::Confirm {
            title: strings::quit::TITLE.to_string(),
            body,
            what: Confirm::Quit,
            scroll: 0,
        });
    }

    /// Quits for good, leaving on the terminal what each running job was left in.
    pub(crate) fn leave(&mut self) {
        self.popup = None;
        self.farewell = self
            .running_jobs()
            .iter()
            .map(|j| strings::quit::farewell(j.kind, JobStage::of(j), j.schema.as_deref(), &j.name))
            .collect();
        self.quit = true;
    }

    /// Whether the open popup is the quit question.
    pub(crate) fn quit_popup(&self) -> bool {
        matches!(
            self.popup,
            Some(Popup::Confirm {
                what: Confirm::Quit,
                ..
            })
        )
    }

    fn running_jobs(&self) -> Vec<JobView> {
        self.summaries
            .jobs
            .iter()
            .filter(|j| !j.done)
            .cloned()
            .collect()
    }

    /// The label of the first key of `action` in `context` (hints never name a key the user
    /// rebound); the action's name when nothing is bound to it.
    pub(crate) fn key_hint(&self, context: Context, action: Action) -> String {
        self.keymap
            .key_label(context, action)
            .unwrap_or_else(|| strings::action_label(action).to_string())
    }
}
