//! The walk-through after the setup wizard: a one-line step indicator
//! (connect › check › table › query › preview › create) with a hint for
//! the next thing to do. Which step is current is derived from the state
//! (a table selected, a query written, a preview ready, a summary created),
//! so the guide never gets out of step with what the user actually did.

use super::app::App;
use super::keymap::{Action, Context};
use super::panes::preview::PreviewContent;
use super::panes::summaries::JobKind;
use super::strings::guide as text;
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The guide's own state: whether it is shown and what it saw created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    /// Shown (Ctrl-G toggles).
    pub visible: bool,
    /// The summary created while the guide was on.
    pub created: Option<String>,
}

impl Default for Guide {
    fn default() -> Self {
        Guide {
            visible: true,
            created: None,
        }
    }
}

/// Stages of the walk-through (indices into [`text::STAGES`]).
pub mod stage {
    /// Connection details.
    pub const CONNECT: usize = 0;
    /// Doctor checks.
    pub const CHECK: usize = 1;
    /// Pick a table.
    pub const TABLE: usize = 2;
    /// Write a query.
    pub const QUERY: usize = 3;
    /// Preview it.
    pub const PREVIEW: usize = 4;
    /// Create the summary.
    pub const CREATE: usize = 5;
}

/// The step indicator with stage `current` highlighted (`finished`: all done).
pub fn indicator(current: usize, finished: bool, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, name) in text::STAGES.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(text::SEPARATOR, theme.dim));
        }
        let (mark, style) = if i < current || finished {
            (text::DONE, theme.ok)
        } else if i == current {
            (text::CURRENT, theme.focused_border)
        } else {
            (text::LATER, theme.dim)
        };
        spans.push(Span::styled(format!("{mark} {name}"), style));
    }
    spans
}

impl App {
    /// The current stage of the walk-through, whether it is finished, and
    /// the hint for the next thing to do.
    pub fn guide_stage(&self) -> (usize, bool, String) {
        let key = |context, action| {
            self.keymap
                .key_label(context, action)
                .unwrap_or_else(|| "?".into())
        };
        if let Some(name) = self.guide.as_ref().and_then(|g| g.created.clone()) {
            return (
                stage::CREATE,
                true,
                text::done(&name, &key(Context::Global, Action::Guide)),
            );
        }
        if let Some(job) = self
            .summaries
            .jobs
            .iter()
            .find(|j| j.kind == JobKind::Create && !j.done)
        {
            return (stage::CREATE, false, text::creating(&job.name));
        }
        let current = self.preview.revision == self.editor.revision && !self.preview.waiting;
        match &self.preview.content {
            PreviewContent::Ready(_) if current && !self.editor.is_blank() => {
                return (
                    stage::CREATE,
                    false,
                    text::create(
                        &key(Context::Preview, Action::Create),
                        &key(Context::Editor, Action::Create),
                    ),
                )
            }
            PreviewContent::Rejected(_) if current && !self.editor.is_blank() => {
                return (stage::PREVIEW, false, text::REJECTED.into())
            }
            _ => {}
        }
        if !self.editor.is_blank() {
            return (stage::PREVIEW, false, text::PREVIEW.into());
        }
        match self.schema.selected.as_ref().and_then(|s| s.table.clone()) {
            Some(table) => (
                stage::QUERY,
                false,
                text::write_query(&key(Context::Schema, Action::Template), &table),
            ),
            None => (
                stage::TABLE,
                false,
                text::pick_table(
                    &format!(
                        "{}{}",
                        key(Context::Navigation, Action::Up),
                        key(Context::Navigation, Action::Down)
                    ),
                    &key(Context::Schema, Action::Toggle),
                    &key(Context::Schema, Action::Filter),
                ),
            ),
        }
    }

    /// Whether the guide line is shown.
    pub fn guide_visible(&self) -> bool {
        self.guide.as_ref().is_some_and(|g| g.visible)
    }
}

/// Lines the guide takes on screen.
pub const HEIGHT: u16 = 2;

/// Draws the guide: the indicator, and the hint below it.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let (current, finished, hint) = app.guide_stage();
    let mut spans = vec![Span::raw(" ")];
    spans.extend(indicator(current, finished, &app.theme));
    let lines = vec![
        Line::from(spans),
        Line::from(vec![Span::raw(" "), Span::styled(hint, app.theme.accent)]),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}
