//! The panes of the main screen, each a state struct with `draw(&self)`
//! apart from the methods that change it.

pub mod compare;
pub mod complete;
pub mod editor;
pub mod grid;
pub mod highlight;
pub mod preview;
pub mod schema;
pub mod summaries;

use super::keymap::{Action, Context};
use super::strings;
use super::theme::Theme;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

/// The bordered block every pane draws in, highlighted when focused.
pub fn pane_block<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused {
            theme.focused_border
        } else {
            theme.border
        })
}

/// Where a cursor or scroll offset `at` moves on a navigation `action`, over `total` lines
/// shown `page` at a time; other actions leave it where it is.
pub fn moved(at: usize, action: Action, page: usize, total: usize) -> usize {
    let max = total.saturating_sub(1);
    match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => (at + 1).min(max),
        Action::PageUp => at.saturating_sub(page.max(1)),
        Action::PageDown => (at + page.max(1)).min(max),
        Action::Top => 0,
        Action::Bottom => max,
        _ => at,
    }
}

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    /// Schema browser.
    Schema,
    /// Query editor.
    Editor,
    /// Generated SQL.
    Preview,
    /// Summaries and backfills.
    Summaries,
    /// Query vs summary.
    Compare,
}

impl PaneId {
    /// Focus order of Tab.
    pub const ORDER: [PaneId; 5] = [
        PaneId::Schema,
        PaneId::Editor,
        PaneId::Preview,
        PaneId::Summaries,
        PaneId::Compare,
    ];

    /// The next pane (Tab).
    pub fn next(self) -> PaneId {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    /// The previous pane (Shift-Tab).
    pub fn prev(self) -> PaneId {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + Self::ORDER.len() - 1) % Self::ORDER.len()]
    }

    /// The key-binding context of the pane.
    pub fn context(self) -> Context {
        match self {
            PaneId::Schema => Context::Schema,
            PaneId::Editor => Context::Editor,
            PaneId::Preview => Context::Preview,
            PaneId::Summaries => Context::Summaries,
            PaneId::Compare => Context::Compare,
        }
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Schema => strings::SCHEMA_TITLE,
            PaneId::Editor => strings::EDITOR_TITLE,
            PaneId::Preview => strings::PREVIEW_TITLE,
            PaneId::Summaries => strings::SUMMARIES_TITLE,
            PaneId::Compare => strings::COMPARE_TITLE,
        }
    }

    /// Whether it shares the lower right area in the narrow layout.
    pub fn is_tabbed(self) -> bool {
        matches!(self, PaneId::Preview | PaneId::Summaries | PaneId::Compare)
    }
}
