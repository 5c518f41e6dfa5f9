//! The compare pane: the original query and `SELECT * FROM` the summary as
//! two grids side by side (one above the other when narrow), rows paired,
//! differing cells highlighted, and the full value under the cursor.

use super::grid::{fit, Aligned};
use crate::tui::keymap::Action;
use crate::tui::strings::{self, compare as text};
use crate::tui::theme::Theme;
use crate::tui::worker::{CompareResult, RequestId, ResultSet};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// From this inner width the two grids stand side by side.
const SIDE_BY_SIDE_WIDTH: u16 = 60;

/// State of the compare pane.
#[derive(Debug, Clone, Default)]
pub struct CompareState {
    /// The summary being compared (schema, name).
    pub target: Option<(String, String)>,
    /// The running comparison.
    pub running: Option<RequestId>,
    /// The last error.
    pub error: Option<String>,
    /// The last result (set with [`CompareState::set_result`], which lays out the grid).
    result: Option<CompareResult>,
    /// The grid of `result`.
    grid: Aligned,
    /// The cursor: shown row.
    pub row: usize,
    /// The cursor: column.
    pub col: usize,
}

impl CompareState {
    /// The last result.
    pub fn result(&self) -> Option<&CompareResult> {
        self.result.as_ref()
    }

    /// The grid of the last result.
    pub fn grid(&self) -> &Aligned {
        &self.grid
    }

    /// Takes a new result (or clears it), lays out its grid and puts the cursor on the
    /// first differing cell, or the top left when all match.
    pub fn set_result(&mut self, result: Option<CompareResult>) {
        self.grid = result
            .as_ref()
            .map(|r| Aligned::new(&r.query, &r.summary))
            .unwrap_or_default();
        (self.row, self.col) = self.grid.diffs.first().copied().unwrap_or((0, 0));
        self.result = result;
    }

    /// Moves the cursor: rows with the navigation keys, columns left and right.
    pub fn handle(&mut self, action: Action, page: usize) {
        match action {
            Action::ColumnLeft => self.col = self.col.saturating_sub(1),
            Action::ColumnRight => {
                self.col = (self.col + 1).min(self.grid.widths.len().saturating_sub(1));
            }
            _ => self.row = super::moved(self.row, action, page, self.grid.rows.len()),
        }
    }

    /// Moves the cursor to the next (or previous) differing cell; false when none differs.
    pub fn jump_to_difference(&mut self, forward: bool) -> bool {
        match self.grid.next_diff(self.row, self.col, forward) {
            Some((row, col)) => {
                (self.row, self.col) = (row, col);
                true
            }
            None => false,
        }
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
        let [head, body, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(2),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(self.head(result, theme)), head);
        let (first, second) = if body.width >= SIDE_BY_SIDE_WIDTH {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(body);
            // The right border of the left half keeps the two grids apart.
            ((l, Borders::TOP | Borders::RIGHT), (r, Borders::TOP))
        } else {
            let [t, b] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
            ((t, Borders::TOP), (b, Borders::TOP))
        };
        let q_ms = result.query.micros as f64 / 1000.0;
        let s_ms = result.summary.micros as f64 / 1000.0;
        let sides = [
            (first, strings::COMPARE_QUERY, &result.query, q_ms, true),
            (
                second,
                strings::COMPARE_SUMMARY,
                &result.summary,
                s_ms,
                false,
            ),
        ];
        for ((area, borders), label, set, ms, is_query) in sides {
            let block = Block::default()
                .borders(borders)
                .title(Span::styled(
                    format!(" {label}: {} ", strings::compare_timing(set.rows.len(), ms)),
                    theme.key,
                ))
                .border_style(theme.border);
            let grid_area = block.inner(area);
            frame.render_widget(block, area);
            self.draw_grid(frame, grid_area, theme, focused, set, is_query);
        }
        frame.render_widget(
            Paragraph::new(self.detail(result, theme)).wrap(Wrap { trim: false }),
            detail,
        );
    }

    /// The verdict line: names, match or not, how much faster.
    fn head(&self, result: &CompareResult, theme: &Theme) -> Line<'static> {
        let q_ms = result.query.micros as f64 / 1000.0;
        let s_ms = result.summary.micros as f64 / 1000.0;
        let verdict = if result.matches {
            Span::styled(format!("✔ {}", strings::COMPARE_MATCH), theme.ok)
        } else {
            Span::styled(
                format!(
                    "✘ {} · {}",
                    strings::compare_differ(result.query.rows.len(), result.summary.rows.len()),
                    text::differing_cells(self.grid.diffs.len())
                ),
                theme.error,
            )
        };
        Line::from(vec![
            Span::styled(format!("{}.{} ", result.schema, result.name), theme.text),
            verdict,
            Span::styled(format!("  {}", strings::speedup(q_ms, s_ms)), theme.dim),
        ])
    }

    /// One side's grid: the header, then the rows around the cursor, the columns from the
    /// first that keeps the cursor's column in view.
    fn draw_grid(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        focused: bool,
        set: &ResultSet,
        is_query: bool,
    ) {
        let width = usize::from(area.width);
        let first = self.grid.first_visible(self.col, width);
        let columns = self.visible_columns(first, width);
        let height = usize::from(area.height.saturating_sub(1));
        let top = (self.row + 1).saturating_sub(height);
        let cursor = if focused {
            theme.selected
        } else {
            theme.selected_unfocused
        };
        let line = |cells: Vec<(String, Style)>| {
            let mut spans = Vec::new();
            for (i, (value, style)) in cells.into_iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled("│", theme.border));
                }
                spans.push(Span::styled(value, style));
            }
            Line::from(spans)
        };
        let mut lines = vec![line(
            columns
                .iter()
                .map(|&(c, w)| {
                    let name = set.columns.get(c).map_or("", String::as_str);
                    (fit(name, w, self.grid.numeric[c]), theme.key)
                })
                .collect(),
        )];
        for (at, &(q, s)) in self.grid.rows.iter().enumerate().skip(top).take(height) {
            let row = if is_query { q } else { s }.and_then(|r| set.rows.get(r));
            lines.push(line(
                columns
                    .iter()
                    .map(|&(c, w)| {
                        let value = match row {
                            Some(r) => r.get(c).map_or("", String::as_str),
                            None => text::ABSENT,
                        };
                        let mut style = theme.text;
                        if self.grid.diffs.binary_search(&(at, c)).is_ok() {
                            style = theme.error;
                        }
                        if (at, c) == (self.row, self.col) {
                            style = style.patch(cursor);
                        }
                        (fit(value, w, self.grid.numeric[c] && row.is_some()), style)
                    })
                    .collect(),
            ));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// The columns drawn from `first` in `width` characters, with the width each gets: the
    /// last one is cut (with an ellipsis) when at least two characters are left for it.
    fn visible_columns(&self, first: usize, width: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut used = 0;
        for (c, &w) in self.grid.widths.iter().enumerate().skip(first) {
            let sep = usize::from(!out.is_empty());
            let left = width.saturating_sub(used + sep);
            if w <= left {
                out.push((c, w));
                used += sep + w;
            } else {
                if left >= 2 {
                    out.push((c, left));
                }
                break;
            }
        }
        out
    }

    /// The lines under the grids: where the cursor is and the full value(s) of its cell.
    fn detail(&self, result: &CompareResult, theme: &Theme) -> Line<'static> {
        let Some(&(q, s)) = self.grid.rows.get(self.row) else {
            return Line::default();
        };
        let value = |set: &ResultSet, row: Option<usize>| match row {
            Some(r) => set
                .rows
                .get(r)
                .and_then(|r| r.get(self.col))
                .cloned()
                .unwrap_or_default(),
            None => text::ABSENT.to_string(),
        };
        let column = result
            .query
            .columns
            .get(self.col)
            .or_else(|| result.summary.columns.get(self.col))
            .cloned()
            .unwrap_or_default();
        let (qv, sv) = (value(&result.query, q), value(&result.summary, s));
        let position = Span::styled(
            text::position(
                self.row + 1,
                self.grid.rows.len(),
                self.col + 1,
                self.grid.widths.len(),
            ),
            theme.dim,
        );
        let full = if qv == sv {
            Span::styled(text::cell_same(&column, &qv), theme.text)
        } else {
            Span::styled(text::cell_differs(&column, &qv, &sv), theme.error)
        };
        Line::from(vec![position, full])
    }
}
