//! Drawing the demo dashboard: the story step, the writers, the summaries
//! and the live comparison; a pure function of the state.

use super::state::{DemoState, Phase, SummaryView};
use crate::demo::compare::Latency;
use crate::demo::schema::TRANSACTIONS;
use crate::demo::story::{StepId, STORY};
use crate::tui::app::App;
use crate::tui::app::StatusKind;
use crate::tui::keymap::{Action, Context};
use crate::tui::setup::draw::wrap;
use crate::tui::strings::{self, demo as text};
use crate::tui::theme::Theme;
use crate::tui::ui::draw_hints;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Width of a text gauge.
const GAUGE: usize = 20;

/// Draws the dashboard over the whole screen.
pub fn draw(frame: &mut Frame, app: &App, demo: &DemoState) {
    let area = frame.area();
    let (story_height, middle_height) = match area.height {
        40.. => (16, 8),
        30..=39 => (10, 7),
        _ => (8, 5),
    };
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(story_height),
        Constraint::Length(middle_height),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    draw_title(frame, app, demo, rows[0]);
    draw_story(frame, app, demo, rows[1]);
    let middle =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).split(rows[2]);
    draw_writes(frame, &app.theme, demo, middle[0]);
    draw_summaries(frame, &app.theme, demo, middle[1]);
    draw_compare(frame, &app.theme, demo, rows[3]);
    draw_status(frame, app, rows[4]);
    draw_hints(frame, app, rows[5], hints(app));
}

fn block(title: String, theme: &Theme, focused: bool) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.focused_border
        } else {
            theme.border
        })
        .title(format!(" {title} "))
}

fn draw_title(frame: &mut Frame, app: &App, demo: &DemoState, area: Rect) {
    let mut title = format!(
        " {}  {} · {} · {}",
        strings::APP_NAME,
        text::TITLE,
        app.label,
        demo.setup.database
    );
    if demo.autoplay {
        title.push_str(&format!("  [{}]", text::AUTOPLAY));
    }
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(format!("{title:<width$}")).style(app.theme.title_bar),
        area,
    );
}

/// The status line: messages only (the full UI's requests run quietly
/// behind the dashboard).
fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let Some((kind, message)) = &app.status else {
        return;
    };
    let style = match kind {
        StatusKind::Info => app.theme.text,
        StatusKind::Ok => app.theme.ok,
        StatusKind::Error => app.theme.error,
    };
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {message}"), style)),
        area,
    );
}

/// Step markers: ✓ done, ● current, ○ to come.
fn progress(demo: &DemoState, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for i in 0..STORY.len() {
        let (mark, style) = if i < demo.step || demo.finished {
            ("✓", theme.ok)
        } else if i == demo.step {
            ("●", theme.focused_border)
        } else {
            ("○", theme.dim)
        };
        spans.push(Span::styled(format!("{mark} "), style));
    }
    spans
}

fn draw_story(frame: &mut Frame, app: &App, demo: &DemoState, area: Rect) {
    let theme = &app.theme;
    let step = STORY[demo.step.min(STORY.len() - 1)];
    let width = usize::from(area.width.saturating_sub(2));
    let wrapped = |text: &str, style| {
        wrap(text, width)
            .into_iter()
            .map(move |l| Line::styled(l, style))
    };
    // Small: the title's "step n of m" replaces the markers.
    let roomy = area.height >= 10;
    let mut lines = Vec::new();
    if roomy {
        lines.push(Line::from(progress(demo, theme)));
    }
    lines.extend(wrapped(step.explanation, theme.text));
    if let Some(f) = &demo.failure {
        lines.extend(wrapped(&text::failed(f), theme.error));
    }
    lines.extend(details(demo, theme, roomy, width));
    let next = app
        .keymap
        .key_label(Context::Demo, Action::NextStep)
        .unwrap_or_default();
    let quit = app
        .keymap
        .key_label(Context::Global, Action::Quit)
        .unwrap_or_default();
    let hint = match demo.phase {
        Phase::Working(_) => text::WORKING.to_string(),
        Phase::Ready if step.id == StepId::Done => text::the_end(&quit),
        Phase::Ready => text::next_hint(&next),
        _ => String::new(),
    };
    let style = match demo.phase {
        Phase::Working(_) => theme.warn,
        _ => theme.accent,
    };
    let hint: Vec<Line> = if hint.is_empty() {
        Vec::new()
    } else {
        wrapped(&hint, style).collect()
    };
    let title = text::step_title(demo.step + 1, STORY.len(), step.title);
    // The hint always shows at the bottom; details give way.
    let inner_height = usize::from(area.height.saturating_sub(2));
    lines.truncate(inner_height.saturating_sub(hint.len()).max(1));
    lines.extend(hint);
    frame.render_widget(Paragraph::new(lines).block(block(title, theme, true)), area);
}

/// What the current step has shown so far.
fn details(demo: &DemoState, theme: &Theme, roomy: bool, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let query = |s: &SummaryView| -> Vec<Line<'static>> {
        if roomy {
            wrap(&s.query, width)
                .into_iter()
                .map(|l| Line::styled(l, theme.keyword))
                .collect()
        } else {
            vec![Line::styled(ellipsis(&s.query, width), theme.keyword)]
        }
    };
    match demo.step_id() {
        StepId::Server | StepId::Load => {
            let l = demo.setup.load;
            out.push(Line::styled(
                text::loaded(l.transactions, l.users, l.secs),
                theme.ok,
            ));
        }
        StepId::SlowQuery => {
            if let Some(s) = demo.summaries.first() {
                out.extend(query(s));
            }
            if !demo.baseline.is_empty() {
                out.push(Line::styled(text::baseline(&demo.baseline), theme.warn));
            }
        }
        StepId::Create | StepId::SecondSummary => {
            let i = usize::from(demo.step_id() == StepId::SecondSummary);
            if let Some(s) = demo.summaries.get(i) {
                out.extend(query(s));
                let events: Vec<&str> = s
                    .statements
                    .iter()
                    .filter_map(|st| trigger_event(st))
                    .collect();
                if !events.is_empty() {
                    let line = text::triggers(&events, TRANSACTIONS);
                    out.push(Line::styled(ellipsis(&line, width), theme.ok));
                }
                if roomy {
                    out.push(state_line(s, theme));
                    if let Some(t) = s.statements.iter().find(|st| trigger_event(st).is_some()) {
                        out.extend(
                            t.lines()
                                .map(|l| Line::styled(ellipsis(l, width), theme.keyword)),
                        );
                    }
                }
            }
        }
        StepId::Compare => {
            for s in &demo.summaries {
                if let Some(c) = &s.comparison {
                    out.push(Line::styled(
                        format!("{}: {}", s.name, text::speedup(c.speedup)),
                        theme.ok,
                    ));
                }
            }
        }
        StepId::Validate | StepId::Done => {
            for s in &demo.summaries {
                if let Some(v) = &s.validation {
                    let style = if v.exact { theme.ok } else { theme.error };
                    out.push(Line::styled(
                        format!(
                            "{}: {}",
                            s.name,
                            text::validated(v.exact, v.groups, v.differing_groups)
                        ),
                        style,
                    ));
                }
            }
        }
        StepId::Writes | StepId::KeepWriting => {}
    }
    out
}

/// `text` cut to `width` characters, with `…` when cut.
fn ellipsis(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The event (`INSERT`, ...) of a `CREATE TRIGGER` statement.
fn trigger_event(sql: &str) -> Option<&'static str> {
    let sql = sql.trim_start();
    let rest = sql
        .strip_prefix("CREATE TRIGGER ")
        .or_else(|| sql.strip_prefix("CREATE OR REPLACE TRIGGER "))?;
    let head = rest.lines().next().unwrap_or(rest);
    ["INSERT", "UPDATE", "DELETE"]
        .into_iter()
        .find(|e| head.contains(&format!("AFTER {e}")) || head.contains(&format!("BEFORE {e}")))
}

/// A text gauge, e.g. `██████░░░░ 60%`.
fn gauge(percent: f64) -> String {
    let filled = ((percent / 100.0) * GAUGE as f64)
        .round()
        .clamp(0.0, GAUGE as f64) as usize;
    format!(
        "{}{} {percent:.0}%",
        "█".repeat(filled),
        "░".repeat(GAUGE - filled)
    )
}

/// The creation state of one summary: the gauge or "ready", then the
/// writers' pause (`long`: rows and time of the backfill instead of "ready").
fn state_spans(s: &SummaryView, theme: &Theme, long: bool) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    match (&s.created, &s.progress, s.lock_ms) {
        (Some(r), _, _) if long => {
            spans.push(Span::styled(text::ready(r.rows, r.backfill_secs), theme.ok));
        }
        (Some(_), _, _) => {
            spans.push(Span::styled(text::READY, theme.ok));
            if let Some(ms) = s.lock_ms {
                spans.push(Span::styled(format!(" {}", text::pause(ms)), theme.dim));
            }
            return spans;
        }
        (None, Some(p), _) => spans.push(Span::styled(gauge(p.percent), theme.accent)),
        (None, None, Some(_)) => spans.push(Span::styled(gauge(0.0), theme.accent)),
        (None, None, None) if s.statements.is_empty() => {
            spans.push(Span::styled(text::NOT_CREATED, theme.dim));
        }
        (None, None, None) => spans.push(Span::styled(text::PREPARING, theme.warn)),
    }
    if let Some(ms) = s.lock_ms {
        spans.push(Span::styled(format!(" · {}", text::pause(ms)), theme.dim));
    }
    spans
}

/// [`state_spans`] as a line.
fn state_line(s: &SummaryView, theme: &Theme) -> Line<'static> {
    Line::from(state_spans(s, theme, true))
}

fn draw_writes(frame: &mut Frame, theme: &Theme, demo: &DemoState, area: Rect) {
    let c = &demo.counters;
    let (state, style) = if demo.writing && demo.tuning.ops_per_sec == 0 {
        (text::WRITES_PAUSED.to_string(), theme.warn)
    } else if demo.writing {
        (text::writes_running(demo.writers), theme.ok)
    } else if c.total() > 0 {
        (text::WRITES_STOPPED.to_string(), theme.dim)
    } else {
        (text::WRITES_IDLE.to_string(), theme.dim)
    };
    // Most important first: a short panel cuts the last lines.
    let mut lines = vec![
        Line::styled(format!("● {state}"), style),
        Line::raw(text::rate(demo.tuning.ops_per_sec, demo.rate_now)),
        Line::raw(text::counters(c.inserts, c.updates, c.moves, c.deletes)),
    ];
    if let Some(e) = &demo.writer_error {
        lines.push(Line::styled(e.clone(), theme.error));
    }
    lines.push(Line::raw(text::mix(
        text::MIX_NAMES[demo.mix % text::MIX_NAMES.len()],
    )));
    lines.push(Line::styled(
        text::conflicts(c.conflicts, c.errors, c.max_write_ms),
        theme.dim,
    ));
    frame.render_widget(
        Paragraph::new(lines).block(block(text::WRITES_TITLE.into(), theme, false)),
        area,
    );
}

fn draw_summaries(frame: &mut Frame, theme: &Theme, demo: &DemoState, area: Rect) {
    let roomy = usize::from(area.height.saturating_sub(2)) >= 2 * demo.summaries.len();
    let mut lines = Vec::new();
    for s in &demo.summaries {
        let mut head = vec![Span::styled(format!("⚡{} ", s.name), theme.accent)];
        match &s.validation {
            Some(v) => {
                let style = if v.exact { theme.ok } else { theme.error };
                head.push(Span::styled(
                    text::validated_short(v.exact, v.groups, v.differing_groups),
                    style,
                ));
            }
            None => head.extend(state_spans(s, theme, false)),
        }
        lines.push(Line::from(head));
        if roomy {
            if let Some(r) = &s.created {
                lines.push(Line::styled(
                    format!("  {}", text::ready(r.rows, r.backfill_secs)),
                    theme.dim,
                ));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(block(text::SUMMARIES_TITLE.into(), theme, false)),
        area,
    );
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

fn latency_row(label: &str, l: &Latency, rows: usize) -> String {
    format!(
        "  {label:<8}{:>10}{:>10}{:>10}{:>10}{:>8}",
        ms(l.current_ms),
        ms(l.min_ms),
        ms(l.median_ms),
        ms(l.max_ms),
        rows
    )
}

fn draw_compare(frame: &mut Frame, theme: &Theme, demo: &DemoState, area: Rect) {
    let h = text::COMPARE_HEADER;
    let needed: usize = 1 + demo
        .summaries
        .iter()
        .map(|s| if s.comparison.is_some() { 3 } else { 1 })
        .sum::<usize>();
    // Short of room, the column names go into the title.
    let short = needed > usize::from(area.height.saturating_sub(2));
    let mut lines = Vec::new();
    if !short {
        lines.push(Line::styled(
            format!(
                "  {:<8}{:>10}{:>10}{:>10}{:>10}{:>8}",
                h[0], h[1], h[2], h[3], h[4], h[5]
            ),
            theme.dim,
        ));
    }
    let title = if short {
        format!("{} ({})", text::COMPARE_TITLE, h[1..].join(" · "))
    } else {
        text::COMPARE_TITLE.to_string()
    };
    for s in &demo.summaries {
        let Some(c) = &s.comparison else {
            lines.push(Line::from(vec![
                Span::styled(s.name.clone(), theme.accent),
                Span::styled(format!("  {}", text::NO_COMPARISON), theme.dim),
            ]));
            continue;
        };
        let (verdict, style) = if c.matches {
            (text::MATCH, theme.ok)
        } else {
            (text::MISMATCH, theme.error)
        };
        let mut head = vec![
            Span::styled(s.name.clone(), theme.accent),
            Span::styled(format!("  {verdict}"), style),
            Span::styled(format!(" · {}", text::speedup(c.speedup)), theme.ok),
        ];
        if let Some((n, total)) = &s.totals {
            head.push(Span::styled(
                format!(" · {}", text::totals(n, total)),
                theme.dim,
            ));
        }
        lines.push(Line::from(head));
        lines.push(Line::raw(latency_row(
            text::ORIGINAL,
            &c.original,
            c.original_rows,
        )));
        lines.push(Line::raw(latency_row(
            text::SUMMARY,
            &c.summary,
            c.summary_rows,
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block(title, theme, false)),
        area,
    );
}

/// The footer: the dashboard's keys.
fn hints(app: &App) -> Vec<(String, &'static str)> {
    let key = |context, action| app.keymap.key_label(context, action).unwrap_or_default();
    vec![
        (key(Context::Demo, Action::NextStep), text::KEY_NEXT),
        (key(Context::Demo, Action::ToggleWrites), text::KEY_WRITES),
        (
            format!(
                "{}/{}",
                key(Context::Demo, Action::Faster),
                key(Context::Demo, Action::Slower)
            ),
            text::KEY_RATE,
        ),
        (key(Context::Demo, Action::NextMix), text::KEY_MIX),
        (key(Context::Demo, Action::Autoplay), text::KEY_AUTOPLAY),
        (key(Context::Global, Action::Dashboard), text::KEY_PANES),
        (
            key(Context::Global, Action::Quit),
            strings::action_label(Action::Quit),
        ),
    ]
}
