//! Drawing the wizard: a pure function of its state, full screen, with the
//! step indicator on top and the keys of the current page in the footer.

use super::form::{Field, Form, Transport};
use super::{SourceKind, Step, Wizard};
use crate::db::doctor::Status;
use crate::tui::app::App;
use crate::tui::guide::indicator;
use crate::tui::keymap::{Action, Context};
use crate::tui::strings::{self, setup as text};
use crate::tui::theme::Theme;
use crate::tui::ui::{draw_hints, draw_status};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// Width of the form's labels.
const LABEL_WIDTH: usize = 14;
/// Width of the report's check names.
const CHECK_WIDTH: usize = 15;

/// Widest the wizard's page gets (long lines are hard to read).
const MAX_WIDTH: u16 = 110;

/// Draws the wizard over the whole screen.
pub fn draw(frame: &mut Frame, app: &App, w: &Wizard) {
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(frame.area());
    let body = Rect {
        x: rows[1].x + rows[1].width.saturating_sub(MAX_WIDTH) / 2,
        width: rows[1].width.min(MAX_WIDTH),
        ..rows[1]
    };
    let title = format!(" {}  {}", strings::APP_NAME, text::TITLE);
    let width = usize::from(rows[0].width);
    frame.render_widget(
        Paragraph::new(format!("{title:<width$}")).style(app.theme.title_bar),
        rows[0],
    );
    let heading = match w.step {
        Step::Source => text::SOURCE_TITLE,
        Step::Form => text::FORM_TITLE,
        Step::Testing => text::TESTING_TITLE,
        Step::Report => text::REPORT_TITLE,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border)
        .title(format!(" {heading} "));
    let mut lines = vec![
        Line::from(indicator(w.stage(), false, &app.theme)),
        Line::raw(""),
    ];
    match w.step {
        Step::Source => source_lines(w, &app.theme, &mut lines),
        Step::Form => form_lines(w, &app.theme, &mut lines),
        Step::Testing => {
            let target = w
                .candidate
                .as_ref()
                .map(|c| crate::tui::profile::label(&c.config))
                .unwrap_or_default();
            lines.push(Line::raw(text::TESTING));
            lines.push(Line::styled(target, app.theme.dim));
        }
        Step::Report => report_lines(app, w, body.width.saturating_sub(2), &mut lines),
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((w.scroll, 0)),
        body,
    );
    draw_status(frame, app, rows[2]);
    draw_hints(frame, app, rows[3], hints(app, w));
}

fn source_lines(w: &Wizard, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::raw(text::SOURCE_INTRO));
    lines.push(Line::raw(""));
    for (i, s) in w.sources.iter().enumerate() {
        let kind = match s.kind {
            SourceKind::Profile => text::SOURCE_PROFILE,
            SourceKind::OptionFile => text::SOURCE_OPTION_FILE,
        };
        let style = if i == w.selected {
            theme.selected
        } else {
            theme.text
        };
        lines.push(Line::styled(format!("  {kind:<20} {}  ", s.label), style));
    }
    let style = if w.selected >= w.sources.len() {
        theme.selected
    } else {
        theme.text
    };
    lines.push(Line::styled(format!("  {}  ", text::SOURCE_NEW), style));
}

fn label(name: &str, focused: bool, theme: &Theme) -> Span<'static> {
    let style = if focused { theme.key } else { theme.text };
    let mark = if focused { "▸ " } else { "  " };
    Span::styled(format!("{mark}{name:<LABEL_WIDTH$}"), style)
}

/// The value of a text field, with the cursor when focused.
fn value(form: &Form, field: Field, focused: bool, theme: &Theme) -> Vec<Span<'static>> {
    let Some(input) = form.input(field) else {
        return Vec::new();
    };
    let shown: String = if field == Field::Password {
        "•".repeat(input.text().chars().count())
    } else {
        input.text().to_string()
    };
    if !focused {
        if shown.is_empty() {
            let placeholder = match field {
                Field::Database => text::DATABASE_PLACEHOLDER,
                Field::Password => text::PASSWORD_PLACEHOLDER,
                _ => "",
            };
            return vec![Span::styled(placeholder.to_string(), theme.dim)];
        }
        return vec![Span::raw(shown)];
    }
    let cursor = input.cursor();
    let before: String = shown.chars().take(cursor).collect();
    let at: String = shown.chars().nth(cursor).map_or(" ".into(), String::from);
    let after: String = shown.chars().skip(cursor + 1).collect();
    vec![
        Span::raw(before),
        Span::styled(at, theme.cursor),
        Span::raw(after),
    ]
}

fn form_lines(w: &Wizard, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    let form = &w.form;
    lines.push(Line::raw(text::FORM_INTRO));
    lines.push(Line::raw(""));
    for field in form.fields() {
        let focused = form.focus == field;
        let line = match field {
            Field::Transport => {
                let choice = |t: Transport, name: &str| {
                    let on = form.transport == t;
                    Span::styled(
                        format!("({}) {name}  ", if on { "•" } else { " " }),
                        if on && focused {
                            theme.focused_border
                        } else {
                            theme.text
                        },
                    )
                };
                Line::from(vec![
                    label(text::LABEL_TRANSPORT, focused, theme),
                    choice(Transport::Tcp, text::TCP),
                    choice(Transport::Socket, text::SOCKET),
                ])
            }
            Field::SavePassword | Field::Remember => {
                let (on, name) = if field == Field::SavePassword {
                    (form.save_password, text::SAVE_PASSWORD)
                } else {
                    (form.remember, text::REMEMBER)
                };
                let style = if focused { theme.key } else { theme.text };
                Line::from(vec![Span::styled(
                    format!(
                        "{}[{}] {name}",
                        if focused { "▸ " } else { "  " },
                        if on { "x" } else { " " }
                    ),
                    style,
                )])
            }
            _ => {
                let name = match field {
                    Field::Host => text::LABEL_HOST,
                    Field::Port => text::LABEL_PORT,
                    Field::Socket => text::LABEL_SOCKET,
                    Field::User => text::LABEL_USER,
                    Field::Password => text::LABEL_PASSWORD,
                    _ => text::LABEL_DATABASE,
                };
                let mut spans = vec![label(name, focused, theme)];
                spans.extend(value(form, field, focused, theme));
                Line::from(spans)
            }
        };
        lines.push(line);
    }
    if form.save_password {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::SAVE_PASSWORD_WARNING, theme.warn));
    }
    if let Some(p) = &w.problem {
        lines.push(Line::raw(""));
        lines.push(Line::styled(p.explanation.clone(), theme.error));
        if !p.detail.is_empty() {
            lines.push(Line::styled(p.detail.clone(), theme.dim));
        }
    }
}

fn report_lines(app: &App, w: &Wizard, width: u16, lines: &mut Vec<Line<'static>>) {
    let theme = &app.theme;
    let Some(report) = &w.report else {
        return;
    };
    let target = w
        .candidate
        .as_ref()
        .map(|c| crate::tui::profile::label(&c.config))
        .unwrap_or_default();
    lines.push(Line::raw(text::answered(&target, &report.server.version)));
    let confirm = wizard_key(app, Action::Confirm);
    let (verdict, style) = if report.ready {
        (text::ready(&confirm), theme.ok)
    } else {
        (
            text::not_ready(&confirm, &wizard_key(app, Action::Deny)),
            theme.error,
        )
    };
    lines.push(Line::styled(verdict, style));
    lines.push(Line::raw(""));
    for check in &report.checks {
        let style = match check.status {
            Status::Ok => theme.ok,
            Status::Warning => theme.warn,
            Status::Blocker => theme.error,
            Status::Skipped => theme.dim,
        };
        let message = if check.name == "database" && check.status == Status::Skipped {
            text::NO_DATABASE.to_string()
        } else {
            check.message.clone()
        };
        let indent = CHECK_WIDTH + 2;
        let mut parts = wrap(&message, usize::from(width).saturating_sub(indent)).into_iter();
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", text::status_mark(check.status)), style),
            Span::styled(
                format!("{:<CHECK_WIDTH$}", text::check_heading(check.name)),
                Style::default(),
            ),
            Span::styled(parts.next().unwrap_or_default(), theme.dim),
        ]));
        for rest in parts {
            lines.push(Line::styled(format!("{:indent$}{rest}", ""), theme.dim));
        }
    }
}

/// Greedy word wrap of `text` into lines of at most `width` characters
/// (a longer word gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The label of the wizard's first key for `action`.
fn wizard_key(app: &App, action: Action) -> String {
    app.keymap
        .key_label(Context::Wizard, action)
        .unwrap_or_default()
}

/// The footer of the current page: the keys that do something here.
fn hints(app: &App, w: &Wizard) -> Vec<(String, &'static str)> {
    let key = |action| {
        app.keymap
            .key_label(Context::Wizard, action)
            .unwrap_or_default()
    };
    let leave = if w.first_run {
        text::KEY_QUIT
    } else {
        text::KEY_CLOSE
    };
    let help = app
        .keymap
        .key_label(Context::Global, Action::Help)
        .map(|k| (k, strings::action_label(Action::Help)));
    let mut out: Vec<(String, &'static str)> = match w.step {
        Step::Source => vec![
            (key(Action::Confirm), text::KEY_PICK),
            (key(Action::Deny), leave),
        ],
        Step::Form => {
            let mut v = vec![
                (key(Action::Confirm), text::KEY_TEST),
                (key(Action::NextPane), text::KEY_NEXT),
            ];
            if !w.form.focus.is_text() {
                v.push(("Space".into(), text::KEY_TOGGLE));
            }
            let back = if w.sources.is_empty() {
                leave
            } else {
                text::KEY_BACK
            };
            v.push((key(Action::Deny), back));
            v
        }
        Step::Testing => vec![(key(Action::Deny), text::KEY_CANCEL)],
        Step::Report => vec![
            (key(Action::Confirm), text::KEY_CONTINUE),
            (key(Action::Deny), text::KEY_BACK),
        ],
    };
    out.extend(help);
    out
}
