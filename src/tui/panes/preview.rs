//! The preview: the generated tables, view and triggers for the query, or
//! why the query is rejected.

use super::highlight::{highlight_sql, Piece};
use crate::tui::keymap::Action;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::worker::{PreviewDoc, Rejection};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Statements highlighted so far, by their SQL: the grammar's regexes cost milliseconds per
/// statement, far more than a frame may take, and a preview is drawn many times unchanged.
const HIGHLIGHT_CACHE: usize = 64;

/// `sql` followed by `;`, highlighted, from the cache when it was seen before.
fn highlighted(sql: &str) -> Rc<Vec<Vec<Piece>>> {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Rc<Vec<Vec<Piece>>>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        if let Some(hit) = cache.borrow().get(sql) {
            return Rc::clone(hit);
        }
        let lines: Vec<String> = format!("{sql};").lines().map(str::to_string).collect();
        let pieces = Rc::new(highlight_sql(&lines));
        let mut cache = cache.borrow_mut();
        if cache.len() >= HIGHLIGHT_CACHE {
            // Older previews are rarely shown again: start over rather than track ages.
            cache.clear();
        }
        cache.insert(sql.to_string(), Rc::clone(&pieces));
        pieces
    })
}

/// What the preview shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PreviewContent {
    /// No query.
    #[default]
    Empty,
    /// Generated SQL.
    Ready(PreviewDoc),
    /// The query cannot become a summary.
    Rejected(Rejection),
}

/// State of the preview pane.
#[derive(Debug, Clone, Default)]
pub struct PreviewState {
    /// The last answer.
    pub content: PreviewContent,
    /// Editor revision the content belongs to.
    pub revision: u64,
    /// A newer preview was requested.
    pub waiting: bool,
    /// First line shown.
    pub scroll: usize,
    /// A name of the summary is taken (what the create would fail on), said above the SQL.
    pub clash: Option<String>,
}

impl PreviewState {
    /// The text lines of the content (used for drawing and scrolling).
    pub fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        match &self.content {
            PreviewContent::Empty => vec![Line::styled(strings::PREVIEW_EMPTY, theme.dim)],
            PreviewContent::Rejected(r) => {
                let mut out = vec![
                    Line::styled(strings::PREVIEW_REJECTED, theme.error),
                    Line::raw(""),
                ];
                out.push(Line::raw(r.message.clone()));
                if let Some(pos) = r.pos {
                    out.push(Line::raw(""));
                    out.push(Line::styled(
                        strings::at_position(pos.line, pos.column),
                        theme.warn,
                    ));
                }
                out
            }
            PreviewContent::Ready(doc) => {
                let mut out = Vec::new();
                if let Some(clash) = &self.clash {
                    out.push(Line::styled(format!("-- {clash}"), theme.error));
                    out.push(Line::raw(""));
                }
                if !doc.warnings.is_empty() {
                    out.push(Line::styled(strings::PREVIEW_WARNINGS, theme.warn));
                    for w in &doc.warnings {
                        out.push(Line::styled(format!("-- {w}"), theme.warn));
                    }
                    out.push(Line::raw(""));
                }
                for st in &doc.statements {
                    out.push(Line::styled(format!("-- {}", st.title), theme.dim));
                    for pieces in highlighted(&st.sql).iter() {
                        out.push(Line::from(
                            pieces
                                .iter()
                                .map(|(s, t)| Span::styled(t.clone(), *s))
                                .collect::<Vec<_>>(),
                        ));
                    }
                    out.push(Line::raw(""));
                }
                out
            }
        }
    }

    /// Screen lines of the content wrapped at `width` (for scrolling).
    pub fn wrapped_len(&self, theme: &Theme, width: u16) -> usize {
        let width = usize::from(width.max(1));
        self.lines(theme)
            .iter()
            .map(|l| l.width().div_ceil(width).max(1))
            .sum()
    }

    /// Scrolls.
    pub fn handle(&mut self, action: Action, page: usize, total: usize) {
        self.scroll = super::moved(self.scroll, action, page, total);
    }

    /// Draws the pane; `title` may carry tab labels in the narrow layout.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        focused: bool,
        title: Line<'static>,
    ) {
        let block = super::pane_block(title, theme, focused);
        let mut lines = self.lines(theme);
        if self.waiting {
            lines.insert(0, Line::styled(strings::PREVIEW_WAITING, theme.dim));
        }
        let scroll = u16::try_from(self.scroll).unwrap_or(u16::MAX);
        let paragraph = Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0));
        frame.render_widget(paragraph, area);
    }
}
