//! The footer of the main screen: the focused pane's keys from the keymap, only those that
//! apply now (stop and pause only while a backfill of the selected summary runs, resume only
//! when it was interrupted), labelled for the current state.

use super::app::App;
use super::keymap::{Action, Context};
use super::panes::summaries::{running, JobPhase};
use super::strings;
use crate::lifecycle::catalog::Status;

/// What the selected summary allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryKeys {
    /// A summary is selected.
    pub selected: bool,
    /// A backfill started from this window runs for it (pause, continue, stop apply).
    pub local_job: bool,
    /// That backfill is paused.
    pub paused: bool,
    /// That backfill was asked to stop.
    pub stopping: bool,
    /// It was interrupted and nothing runs for it (resume applies).
    pub interrupted: bool,
}

impl App {
    /// What the keys of the Summaries pane can do to the selected summary.
    pub fn summary_keys(&self) -> SummaryKeys {
        let Some(item) = self.summaries.selected_item() else {
            return SummaryKeys::default();
        };
        let job = item.job.filter(|j| !j.done);
        let interrupted = job.is_none()
            && running(&item).is_none()
            && item.report.is_some_and(|r| {
                matches!(
                    r.entry.status,
                    Status::Backfilling | Status::Rebuilding | Status::Creating
                ) && !r.backfill_running
            });
        SummaryKeys {
            selected: item.report.is_some(),
            local_job: job.is_some(),
            paused: job.is_some_and(|j| j.paused),
            stopping: job.is_some_and(|j| j.phase == JobPhase::Stopping),
            interrupted,
        }
    }

    /// The footer's `(key, label)` entries for the context that has the keys.
    pub fn footer(&self) -> Vec<(String, &'static str)> {
        let context = self.context();
        let keys = self.summary_keys();
        self.keymap
            .footer_actions(context)
            .into_iter()
            .filter(|(_, action)| context != Context::Summaries || applies(*action, keys))
            .map(|(key, action)| (key, label(context, action, keys)))
            .collect()
    }
}

/// Whether `action` of the Summaries pane applies to the selection.
fn applies(action: Action, keys: SummaryKeys) -> bool {
    match action {
        Action::PauseResume => keys.local_job && !keys.stopping,
        Action::CancelJob => keys.local_job && !keys.stopping,
        Action::ResumeBackfill => keys.interrupted,
        Action::Validate | Action::Rebuild | Action::Drop | Action::Compare => keys.selected,
        _ => true,
    }
}

fn label(context: Context, action: Action, keys: SummaryKeys) -> &'static str {
    match (context, action) {
        (Context::Summaries, Action::PauseResume) if keys.paused => strings::FOOTER_CONTINUE,
        (Context::Summaries, Action::PauseResume) => strings::FOOTER_PAUSE,
        (Context::Summaries, Action::CancelJob) => strings::FOOTER_STOP,
        _ => strings::action_label_in(context, action),
    }
}
