//! Where everything goes: a pure function of the terminal size, used both
//! to draw and to find the pane under a mouse click.

use super::panes::PaneId;
use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which the three-column layout shows every pane at once.
pub const WIDE_WIDTH: u16 = 140;
/// Height needed for the three-column layout.
pub const WIDE_HEIGHT: u16 = 30;

/// The areas of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// Title bar (one line).
    pub title: Rect,
    /// Schema browser.
    pub schema: Rect,
    /// Query editor.
    pub editor: Rect,
    /// Preview, when shown.
    pub preview: Option<Rect>,
    /// Summaries, when shown.
    pub summaries: Option<Rect>,
    /// Compare, when shown.
    pub compare: Option<Rect>,
    /// The walk-through's lines, when shown.
    pub guide: Option<Rect>,
    /// Status line.
    pub status: Rect,
    /// Key footer.
    pub footer: Rect,
    /// Whether Preview/Summaries/Compare share one area as tabs.
    pub tabbed: bool,
}

impl Areas {
    /// The area of `pane`, if shown.
    pub fn of(&self, pane: PaneId) -> Option<Rect> {
        match pane {
            PaneId::Schema => Some(self.schema),
            PaneId::Editor => Some(self.editor),
            PaneId::Preview => self.preview,
            PaneId::Summaries => self.summaries,
            PaneId::Compare => self.compare,
        }
    }

    /// The pane at a screen position.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<PaneId> {
        let hit = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        PaneId::ORDER
            .into_iter()
            .find(|p| self.of(*p).is_some_and(hit))
    }
}

/// Lays out a screen of `size`; `tab` is the pane shown in the shared
/// lower-right area of the narrow layout; `guide` reserves the
/// walk-through's lines above the status line.
pub fn areas(size: Rect, tab: PaneId, guide: bool) -> Areas {
    let guide_height = if guide { super::guide::HEIGHT } else { 0 };
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(guide_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(size);
    let (title, body, status, footer) = (rows[0], rows[1], rows[3], rows[4]);
    let guide = guide.then_some(rows[2]);
    if size.width >= WIDE_WIDTH && size.height >= WIDE_HEIGHT {
        let cols = Layout::horizontal([
            Constraint::Percentage(22),
            Constraint::Percentage(39),
            Constraint::Percentage(39),
        ])
        .split(body);
        let middle = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)])
            .split(cols[1]);
        let right = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
            .split(cols[2]);
        return Areas {
            title,
            schema: cols[0],
            editor: middle[0],
            preview: Some(middle[1]),
            summaries: Some(right[0]),
            compare: Some(right[1]),
            guide,
            status,
            footer,
            tabbed: false,
        };
    }
    let left = (size.width / 3).clamp(16, 30);
    let cols = Layout::horizontal([Constraint::Length(left), Constraint::Min(10)]).split(body);
    let editor_height = (body.height * 2 / 5).max(5);
    let right =
        Layout::vertical([Constraint::Length(editor_height), Constraint::Min(3)]).split(cols[1]);
    let shared = right[1];
    let tab = if tab.is_tabbed() {
        tab
    } else {
        PaneId::Preview
    };
    Areas {
        title,
        schema: cols[0],
        editor: right[0],
        preview: (tab == PaneId::Preview).then_some(shared),
        summaries: (tab == PaneId::Summaries).then_some(shared),
        compare: (tab == PaneId::Compare).then_some(shared),
        guide,
        status,
        footer,
        tabbed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_shares_one_area_wide_shows_all() {
        let a = areas(Rect::new(0, 0, 80, 24), PaneId::Summaries, false);
        assert!(a.tabbed && a.preview.is_none() && a.summaries.is_some());
        assert_eq!(a.pane_at(1, 5), Some(PaneId::Schema));
        let w = areas(Rect::new(0, 0, 160, 48), PaneId::Preview, false);
        assert!(!w.tabbed && w.preview.is_some() && w.summaries.is_some() && w.compare.is_some());
        let tiny = areas(Rect::new(0, 0, 20, 5), PaneId::Compare, true);
        assert!(tiny.compare.is_some());
        let g = areas(Rect::new(0, 0, 80, 24), PaneId::Preview, true);
        assert_eq!(g.guide.map(|r| (r.y, r.height)), Some((20, 2)));
        assert_eq!(g.status.y, 22);
    }
}
