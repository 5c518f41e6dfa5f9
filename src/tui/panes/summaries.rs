//! The summaries pane: every summary with its state, and running backfills
//! as gauges (rows done/total, %, rate, ETA, chunk size, writers' pause).

use crate::lifecycle::catalog::Status;
use crate::lifecycle::{Event, Progress, StatusReport};
use crate::tui::keymap::Action;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::worker::RequestId;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Creating.
    Create,
    /// Resuming an interrupted backfill.
    Resume,
    /// Rebuilding.
    Rebuild,
}

/// What a job is doing, from the events it reported: the label a DBA reads next to its gauge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPhase {
    /// Sent; nothing reported yet.
    Starting,
    /// Taking the brief table lock that makes the triggers live; `retries` attempts failed.
    WaitingForLock {
        /// Failed attempts so far.
        retries: u32,
    },
    /// Reading the existing rows into the summary.
    Backfilling,
    /// The backfill waits: the server is loaded.
    Throttled {
        /// Status variable checked.
        variable: String,
        /// Its value.
        value: u64,
    },
    /// Every row is read: the second brief lock (triggers stop tagging regions).
    Finalizing,
    /// Folding the regions into the summary (the last step before `ready`).
    Folding,
    /// Stop requested: it stops after the current chunk.
    Stopping,
}

/// A create/resume/rebuild started from this window.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// The request.
    pub id: RequestId,
    /// What it does.
    pub kind: JobKind,
    /// Database, when known.
    pub schema: Option<String>,
    /// Summary name.
    pub name: String,
    /// Last progress.
    pub progress: Option<Progress>,
    /// Whether `progress.rows_total` is the real count (known once every row is read; the
    /// total is the table statistics' estimate until then).
    pub total_exact: bool,
    /// Writers' pause, once the triggers are live.
    pub lock_ms: Option<f64>,
    /// Paused by the user.
    pub paused: bool,
    /// Finished (successfully or not).
    pub done: bool,
    /// What it is doing now.
    pub phase: JobPhase,
    /// Something worth saying beside the phase (a resumed checkpoint, an object left alone).
    pub note: Option<String>,
}

impl JobView {
    /// A job just sent.
    pub fn new(id: RequestId, kind: JobKind, schema: Option<String>, name: String) -> JobView {
        JobView {
            id,
            kind,
            schema,
            name,
            progress: None,
            total_exact: false,
            lock_ms: None,
            paused: false,
            done: false,
            phase: JobPhase::Starting,
            note: None,
        }
    }

    /// Applies a progress event.
    pub fn apply(&mut self, event: &Event) {
        let stopping = self.phase == JobPhase::Stopping;
        let phase = match event {
            Event::Prepared { .. } => Some(JobPhase::WaitingForLock { retries: 0 }),
            Event::LockRetry { attempt } => Some(JobPhase::WaitingForLock { retries: *attempt }),
            Event::Locked { lock_ms, .. } => {
                self.lock_ms = Some(*lock_ms);
                Some(JobPhase::Backfilling)
            }
            Event::Progress(p) => {
                self.progress = Some(p.clone());
                Some(JobPhase::Backfilling)
            }
            Event::Checkpoint { .. } => None,
            // Notes read as the CLI's and the demo's do.
            Event::Resumed { .. } | Event::LeftAlone { .. } => {
                self.note = crate::lifecycle::narrate::event(event);
                None
            }
            Event::Finalized { .. } => Some(JobPhase::Folding),
            Event::Throttled { variable, value } => Some(JobPhase::Throttled {
                variable: variable.clone(),
                value: *value,
            }),
            Event::Done { rows, .. } => {
                self.total_exact = true;
                if let Some(p) = &mut self.progress {
                    p.rows_done = *rows;
                    p.rows_total = *rows;
                    p.percent = 100.0;
                    p.eta_secs = 0.0;
                }
                Some(JobPhase::Finalizing)
            }
        };
        if let Some(phase) = phase {
            // A stop asked for stays shown until the job ends (it is honoured between chunks).
            if !stopping || matches!(phase, JobPhase::Finalizing | JobPhase::Folding) {
                self.phase = phase;
            }
        }
    }
}

/// One row of the pane: a catalog entry, a job, or both.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// Database.
    pub schema: Option<&'a str>,
    /// Summary name.
    pub name: &'a str,
    /// Catalog report, once listed.
    pub report: Option<&'a StatusReport>,
    /// Local job, if one runs (or ran) for it.
    pub job: Option<&'a JobView>,
}

/// State of the summaries pane.
#[derive(Debug, Clone, Default)]
pub struct SummariesState {
    /// The catalog, once listed.
    pub list: Option<Vec<StatusReport>>,
    /// Jobs started from this window.
    pub jobs: Vec<JobView>,
    /// Selected item index.
    pub selected: usize,
    /// Last listing error.
    pub error: Option<String>,
}

impl SummariesState {
    /// Items: catalog entries (with their job) then jobs not yet listed.
    pub fn items(&self) -> Vec<Item<'_>> {
        let mut out: Vec<Item> = Vec::new();
        for r in self.list.iter().flatten() {
            let job = self.jobs.iter().rev().find(|j| {
                j.name == r.entry.name && j.schema.as_deref().is_none_or(|s| s == r.entry.schema)
            });
            out.push(Item {
                schema: Some(&r.entry.schema),
                name: &r.entry.name,
                report: Some(r),
                job,
            });
        }
        for j in &self.jobs {
            let listed = out
                .iter()
                .any(|i| i.name == j.name && i.job.is_some_and(|x| x.id == j.id));
            // A finished job the catalog does not list yet keeps its row until the refresh it
            // asked for comes (the selection on it would fall to another summary meanwhile);
            // an older job of a listed summary has none.
            let shown = out.iter().any(|i| {
                i.name == j.name && (j.schema.is_none() || i.schema == j.schema.as_deref())
            });
            if !listed && (!j.done || !shown) {
                out.insert(
                    0,
                    Item {
                        schema: j.schema.as_deref(),
                        name: &j.name,
                        report: None,
                        job: Some(j),
                    },
                );
            }
        }
        out
    }

    /// The selected item.
    pub fn selected_item(&self) -> Option<Item<'_>> {
        let items = self.items();
        let i = self.selected.min(items.len().saturating_sub(1));
        items.into_iter().nth(i)
    }

    /// The selected summary's identity, `(schema, name)`: what the selection follows across
    /// refreshes and jobs (an index would move to another summary when the list changes).
    pub fn selected_key(&self) -> Option<(Option<String>, String)> {
        self.selected_item()
            .map(|i| (i.schema.map(str::to_string), i.name.to_string()))
    }

    /// Selects summary `name` (in `schema` when given); the selection stays where it is (kept
    /// in range) when the list has no such summary.
    pub fn select_key(&mut self, schema: Option<&str>, name: &str) {
        let items = self.items();
        let found = items.iter().position(|i| {
            i.name == name && (schema.is_none() || i.schema.is_none() || i.schema == schema)
        });
        let n = items.len();
        self.selected = found.unwrap_or(self.selected).min(n.saturating_sub(1));
    }

    /// The job with request `id`.
    pub fn job_mut(&mut self, id: RequestId) -> Option<&mut JobView> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }

    /// Whether a backfill is running (here or, per the catalog, elsewhere).
    pub fn busy(&self) -> bool {
        self.jobs.iter().any(|j| !j.done)
            || self.list.iter().flatten().any(|r| {
                r.backfill_running
                    || r.entry.status == Status::Creating
                    || r.entry.status == Status::Rebuilding
            })
    }

    /// Moves the selection.
    pub fn handle(&mut self, action: Action, page: usize) {
        let n = self.items().len();
        self.selected = super::moved(self.selected, action, page, n).min(n.saturating_sub(1));
    }

    /// The item drawn at screen row `row` of a pane whose inner area
    /// starts at `top` and is `height` rows high (mouse clicks).
    pub fn item_at(&self, top: u16, height: u16, row: u16) -> Option<usize> {
        let items = self.items();
        if items.is_empty() || row < top {
            return None;
        }
        let selected = self.selected.min(items.len() - 1);
        let mut y = top;
        for (i, item) in items
            .iter()
            .enumerate()
            .skip(first_visible(&items, selected, height))
        {
            let h = Self::item_height(item);
            if row < y + h {
                return Some(i);
            }
            y += h;
        }
        None
    }

    /// Rows an item takes on screen.
    pub fn item_height(item: &Item) -> u16 {
        if running(item).is_some() {
            3
        } else {
            2
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
        let items = self.items();
        if items.is_empty() {
            let text = match (&self.error, &self.list) {
                (Some(e), _) => Span::styled(e.clone(), theme.error),
                (None, None) => Span::styled(strings::waiting(strings::work::SUMMARIES), theme.dim),
                (None, Some(_)) => Span::styled(empty.to_string(), theme.dim),
            };
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
            return;
        }
        let selected = self.selected.min(items.len() - 1);
        let first = first_visible(&items, selected, inner.height);
        let mut y = inner.y;
        for (i, item) in items.iter().enumerate().skip(first) {
            let h = Self::item_height(item);
            if y + h > inner.y + inner.height {
                break;
            }
            let rect = Rect {
                x: inner.x,
                y,
                width: inner.width,
                height: h,
            };
            draw_item(frame, rect, item, theme, i == selected, focused);
            y += h;
        }
    }
}

/// The first item shown: the latest start that still shows the selection.
fn first_visible(items: &[Item], selected: usize, height: u16) -> usize {
    let mut first = selected;
    let mut used = SummariesState::item_height(&items[selected]);
    while first > 0 {
        let h = SummariesState::item_height(&items[first - 1]);
        if used + h > height {
            break;
        }
        used += h;
        first -= 1;
    }
    first
}

/// A running backfill as drawn: from the local job or, for one another session runs, the
/// catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    /// Last progress, once there is any.
    pub progress: Option<Progress>,
    /// Whether the total is the real count rather than the statistics' estimate.
    pub exact: bool,
    /// Paused by the user.
    pub paused: bool,
    /// What it is doing.
    pub phase: JobPhase,
}

/// The running backfill of `item`, if any.
pub fn running(item: &Item) -> Option<Running> {
    if let Some(j) = item.job.filter(|j| !j.done) {
        return Some(Running {
            progress: j.progress.clone(),
            exact: j.total_exact,
            paused: j.paused,
            phase: j.phase.clone(),
        });
    }
    let r = item.report?;
    if r.backfill_running && r.entry.status != Status::Ready {
        let e = &r.entry;
        let percent = if e.rows_total == 0 {
            0.0
        } else {
            (e.rows_done as f64 * 100.0 / e.rows_total as f64).min(100.0)
        };
        let eta = if e.rate > 0.0 {
            e.rows_total.saturating_sub(e.rows_done) as f64 / e.rate
        } else {
            0.0
        };
        return Some(Running {
            progress: Some(Progress {
                rows_done: e.rows_done,
                rows_total: e.rows_total,
                percent,
                rate: e.rate,
                eta_secs: eta,
                chunk_size: e.chunk_size,
                chunks: 0,
            }),
            exact: false,
            paused: e.status == Status::Paused,
            phase: JobPhase::Backfilling,
        });
    }
    None
}

impl Running {
    /// The gauge's fill, 0..1: never full before the backfill is (the estimate may be low).
    pub fn ratio(&self) -> f64 {
        let p = self.progress.as_ref().map_or(0.0, |p| p.percent) / 100.0;
        if self.exact {
            p.clamp(0.0, 1.0)
        } else {
            p.clamp(0.0, 0.99)
        }
    }

    /// The gauge's label.
    pub fn gauge_label(&self) -> String {
        match &self.progress {
            None => strings::job_phase(&self.phase),
            Some(p) => {
                strings::gauge_label(p.rows_done, p.rows_total, self.exact, self.ratio() * 100.0)
            }
        }
    }

    /// The line under the gauge: the phase, then rate, ETA and chunk while rows are read.
    pub fn details(&self, lock_ms: Option<f64>) -> String {
        let mut parts = vec![strings::job_phase(&self.phase)];
        if self.paused {
            parts[0] = strings::PAUSED.to_string();
        }
        if let (Some(p), JobPhase::Backfilling | JobPhase::Throttled { .. } | JobPhase::Stopping) =
            (&self.progress, &self.phase)
        {
            parts.push(crate::lifecycle::narrate::progress_detail(p, self.paused));
        }
        if let Some(ms) = lock_ms {
            parts.push(strings::writers_paused(ms));
        }
        parts.join(" · ")
    }
}

fn state_style(theme: &Theme, state: &str) -> ratatui::style::Style {
    match Status::parse(state) {
        Status::Ready => theme.ok,
        Status::Failed => theme.error,
        _ => theme.warn,
    }
}

fn draw_item(
    frame: &mut Frame,
    rect: Rect,
    item: &Item,
    theme: &Theme,
    selected: bool,
    focused: bool,
) {
    let state: String = match (item.report, item.job) {
        (_, Some(j)) if !j.done => match j.kind {
            JobKind::Create => "creating".into(),
            JobKind::Resume => "resuming".into(),
            JobKind::Rebuild => "rebuilding".into(),
        },
        (Some(r), _) if r.broken() => "BROKEN".into(),
        (Some(r), _) if r.base_altered => "STALE".into(),
        (Some(r), _)
            if (r.entry.status == Status::Backfilling || r.entry.status == Status::Rebuilding)
                && !r.backfill_running =>
        {
            "interrupted".into()
        }
        (Some(r), _) => r.entry.status.to_string(),
        (None, _) => String::new(),
    };
    let marker = if selected { "▶ " } else { "  " };
    let name_style = if selected && focused {
        theme.selected
    } else if selected {
        theme.selected_unfocused
    } else {
        theme.text
    };
    let mut head = vec![
        Span::styled(format!("{marker}{}", item.name), name_style),
        Span::raw(" "),
        Span::styled(state.clone(), state_style(theme, &state)),
    ];
    if let Some(r) = item.report {
        head.push(Span::styled(
            format!(" {}.{}", r.entry.schema, r.entry.base_table),
            theme.dim,
        ));
    } else if let Some(s) = item.schema {
        head.push(Span::styled(format!(" {s}"), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(head)), Rect { height: 1, ..rect });
    let lock_ms = item
        .job
        .and_then(|j| j.lock_ms)
        .or(item.report.and_then(|r| r.entry.lock_ms));
    let detail_rect = Rect {
        x: rect.x + 2,
        y: rect.y + 1,
        width: rect.width.saturating_sub(2),
        height: 1,
    };
    if let Some(run) = running(item) {
        let gauge = Gauge::default()
            .gauge_style(theme.accent)
            .ratio(run.ratio())
            .label(run.gauge_label());
        frame.render_widget(gauge, detail_rect);
        let mut details = run.details(lock_ms);
        if let Some(note) = item.job.and_then(|j| j.note.as_ref()) {
            details = format!("{details} · {note}");
        }
        frame.render_widget(
            Paragraph::new(Span::styled(details, theme.dim)),
            Rect {
                y: rect.y + 2,
                ..detail_rect
            },
        );
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(ms) = lock_ms {
        parts.push(strings::writers_paused(ms));
    }
    if let Some(r) = item.report {
        if let Some(v) = &r.entry.last_validation {
            parts.push(format!("validated: {v}"));
        }
        if let Some(e) = &r.entry.error {
            parts.push(e.clone());
        }
    }
    frame.render_widget(
        Paragraph::new(Span::styled(parts.join(" · "), theme.dim)),
        detail_rect,
    );
}
