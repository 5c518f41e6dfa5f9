//! The compare pane: the original query and `SELECT * FROM` the summary
//! side by side, with timings and whether the results match.

use crate::tui::keymap::Action;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::worker::{CompareResult, RequestId, ResultSet};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// State of the compare pane.
#[derive(Debug, Clone, Default)]
pub struct CompareState {
    /// The summary being compared (schema, name).
    pub target: Option<(String, String)>,
    /// The running comparison.
    pub running: Option<RequestId>,
    /// The last result.
    pub result: Option<CompareResult>,
    /// The last error.
    pub error: Option<String>,
    /// First row shown.
    pub scroll: usize,
}

impl CompareState {
    /// Scrolls both result sets together.
    pub fn handle(&mut self, action: Action, page: usize) {
        let total = self
            .result
            .as_ref()
            .map_or(0, |r| r.query.rows.len().max(r.summary.rows.len()));
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
        empty: &str,
    ) {
        let block = super::pane_block(title, theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let message = if self.running.is_some() {
            Some(Span::styled(strings::COMPARE_RUNNING, theme.dim))
        } else if let Some(e) = &self.error {
            Some(Span::styled(e.clone(), theme.error))
        } else if self.result.is_none() {
            Some(Span::styled(empty.to_string(), theme.dim))
        } else {
            None
        };
        let Some(result) = self.result.as_ref().filter(|_| message.is_none()) else {
            let mut lines = Vec::new();
            if let Some((s, n)) = &self.target {
                lines.push(Line::styled(format!("{s}.{n}"), theme.text));
            }
            lines.extend(message.map(Line::from));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
            return;
        };
        let q_ms = result.query.micros as f64 / 1000.0;
        let s_ms = result.summary.micros as f64 / 1000.0;
        let verdict = if result.matches {
            Span::styled(format!("✔ {}", strings::COMPARE_MATCH), theme.ok)
        } else {
            Span::styled(
                format!(
                    "✘ {}",
                    strings::compare_differ(result.query.rows.len(), result.summary.rows.len())
                ),
                theme.error,
            )
        };
        let head = Line::from(vec![
            Span::styled(format!("{}.{} ", result.schema, result.name), theme.text),
            verdict,
            Span::styled(format!("  {}", strings::speedup(q_ms, s_ms)), theme.dim),
        ]);
        frame.render_widget(Paragraph::new(head), Rect { height: 1, ..inner });
        let body = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        let halves = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .split(body);
        self.draw_side(
            frame,
            halves[0],
            theme,
            strings::COMPARE_QUERY,
            &result.query,
            q_ms,
        );
        self.draw_side(
            frame,
            halves[1],
            theme,
            strings::COMPARE_SUMMARY,
            &result.summary,
            s_ms,
        );
    }

    fn draw_side(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        label: &str,
        set: &ResultSet,
        ms: f64,
    ) {
        let block = Block::default()
            .borders(Borders::TOP)
            .title(format!(
                " {label}: {} ",
                strings::compare_timing(set.rows.len(), ms)
            ))
            .border_style(theme.border);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        // Each column as wide as its widest value (the last ones are cut if need be).
        let widths: Vec<Constraint> = (0..set.columns.len())
            .map(|i| {
                let w = set
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .chain(std::iter::once(&set.columns[i]))
                    .map(|v| v.chars().count())
                    .max()
                    .unwrap_or(1);
                Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX))
            })
            .collect();
        let header = Row::new(set.columns.clone()).style(theme.key);
        let rows = set
            .rows
            .iter()
            .skip(self.scroll)
            .take(usize::from(inner.height))
            .map(|r| Row::new(r.clone()));
        let table = Table::new(rows, widths).header(header).column_spacing(1);
        frame.render_widget(table, inner);
    }
}
