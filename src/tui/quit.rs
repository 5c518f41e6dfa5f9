//! Quitting while a create, resume or rebuild started from this window runs: the UI asks
//! first and says, for each of them, what the summary is left in and how to continue. A yes
//! stops every job as `x` (and the CLI's Ctrl-C) does, after its current chunk, and waits for
//! them, up to [`STOP_WAIT`]: a stopped job records that no connection owns it any more, so
//! `status` shows no backfill connection and `resume` need not wait for the server to notice
//! the closed one. A job still running then ends with the process, as a kill would (the server
//! rolls back the open chunk); the farewell says which of the two happened.

use super::app::{App, StatusKind};
use super::keymap::{Action, Context};
use super::panes::summaries::{JobKind, JobPhase, JobView};
use super::popup::{Confirm, Popup};
use super::strings;
use super::worker::{RequestId, RequestKind};
use std::time::{Duration, Instant};

/// How long quitting waits for the stopped jobs (a chunk, a lock attempt) before it leaves
/// anyway.
pub const STOP_WAIT: Duration = Duration::from_secs(10);

/// How a job quitting stopped ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Not yet.
    Running,
    /// Stopped after its chunk (or gave up its rebuild).
    Stopped,
    /// Finished before the stop took effect.
    Finished,
    /// Failed.
    Failed,
}

/// A job being stopped by quitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopping {
    /// Its request.
    pub id: RequestId,
    /// What it did.
    pub kind: JobKind,
    /// How far it got when quitting asked it to stop.
    pub stage: JobStage,
    /// Database, when known.
    pub schema: Option<String>,
    /// Summary name.
    pub name: String,
    /// How it ended.
    pub ended: Ended,
}

/// Quitting, waiting for the jobs it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    /// When it leaves anyway.
    pub deadline: Instant,
    /// The jobs.
    pub jobs: Vec<Stopping>,
}

/// How far a job got, for what quitting leaves behind (ordered: a later stage is greater).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
        if self.leaving.is_some() {
            self.leaving_check(self.now, true);
            return;
        }
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
        let rebuild_key = self.key_hint(Context::Summaries, Action::Rebuild);
        let stop_key = self.key_hint(Context::Summaries, Action::CancelJob);
        let mut body = vec![strings::quit::intro(&stop_key), String::new()];
        for job in &running {
            body.extend(strings::quit::left_in(
                job.kind,
                JobStage::of(job),
                job.schema.as_deref(),
                &job.name,
                (&resume_key, &rebuild_key),
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

    /// The quit was confirmed: stops every running job after its current chunk and waits for
    /// them (see [`App::leaving_check`]); quits at once when none runs.
    pub(crate) fn leave(&mut self) {
        self.popup = None;
        let running = self.running_jobs();
        if running.is_empty() {
            self.quit = true;
            return;
        }
        let mut jobs = Vec::new();
        for job in running {
            self.notify(RequestKind::Cancel { target: job.id });
            jobs.push(Stopping {
                id: job.id,
                kind: job.kind,
                stage: JobStage::of(&job),
                schema: job.schema.clone(),
                name: job.name.clone(),
                ended: Ended::Running,
            });
            if let Some(j) = self.summaries.job_mut(job.id) {
                j.phase = JobPhase::Stopping;
            }
        }
        let again = self.key_hint(Context::Global, Action::Quit);
        self.set_status(StatusKind::Info, strings::quit::stopping(&again));
        self.leaving = Some(Leaving {
            deadline: self.now + STOP_WAIT,
            jobs,
        });
    }

    /// Records how job `id` ended while quitting waits for it, and how far it got (its last
    /// progress came before its end, on the same channel).
    pub(crate) fn leaving_job_ended(&mut self, id: RequestId, ended: Ended) {
        let stage = self
            .summaries
            .jobs
            .iter()
            .find(|j| j.id == id)
            .map(JobStage::of);
        if let Some(l) = &mut self.leaving {
            for job in l.jobs.iter_mut().filter(|j| j.id == id) {
                job.ended = ended;
                // The stop shows as the job's phase, which hides a finishing one: the later
                // of the two stages is where it got.
                if let Some(stage) = stage {
                    job.stage = job.stage.max(stage);
                }
            }
        }
    }

    /// Quits once every stopped job has ended, or at the deadline (`now`), or at once when
    /// `now_anyway` (q or Ctrl-C asked again); the farewell says what each job was left in.
    pub(crate) fn leaving_check(&mut self, now: Instant, now_anyway: bool) {
        let Some(l) = &self.leaving else { return };
        let all_ended = l.jobs.iter().all(|j| j.ended != Ended::Running);
        if !(all_ended || now_anyway || now >= l.deadline) {
            return;
        }
        self.farewell = l
            .jobs
            .iter()
            .filter_map(|j| {
                let (schema, name) = (j.schema.as_deref(), j.name.as_str());
                match j.ended {
                    Ended::Finished => None,
                    Ended::Stopped | Ended::Failed => {
                        Some(strings::quit::stopped(j.kind, j.stage, schema, name))
                    }
                    Ended::Running => Some(strings::quit::farewell(j.kind, j.stage, schema, name)),
                }
            })
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
