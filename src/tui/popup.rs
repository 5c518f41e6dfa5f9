//! Popups over the main screen: confirmations (showing exactly what will
//! run), messages and errors, the rename prompt and the `?` help overlay.

use super::keymap::{Action, Context, Keymap};
use super::strings;
use super::theme::Theme;
use super::tune::TuneForm;
use crate::lifecycle::tuning::Tuning;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// What a confirmation confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Create a summary.
    Create {
        /// Database of the query's unqualified table.
        database: Option<String>,
        /// Database the summary will live in.
        schema: String,
        /// Summary name.
        name: String,
        /// The query.
        sql: String,
        /// Chunk, load and lock tuning.
        tuning: Tuning,
    },
    /// Drop a summary.
    Drop {
        /// Database.
        schema: String,
        /// Summary.
        name: String,
    },
    /// Quit while jobs of this window run.
    Quit,
    /// Rebuild a summary.
    Rebuild {
        /// Database.
        schema: String,
        /// Summary.
        name: String,
        /// Chunk, load and lock tuning.
        tuning: Tuning,
    },
}

impl Confirm {
    /// The tuning of a create or rebuild (`None`: nothing to tune).
    pub fn tuning(&self) -> Option<&Tuning> {
        match self {
            Confirm::Create { tuning, .. } | Confirm::Rebuild { tuning, .. } => Some(tuning),
            Confirm::Drop { .. } | Confirm::Quit => None,
        }
    }

    /// Sets the tuning of a create or rebuild.
    pub fn set_tuning(&mut self, new: Tuning) {
        if let Confirm::Create { tuning, .. } | Confirm::Rebuild { tuning, .. } = self {
            *tuning = new;
        }
    }
}

/// The open popup.
#[derive(Debug, Clone)]
pub enum Popup {
    /// The key help.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// A yes/no question.
    Confirm {
        /// What yes does.
        what: Confirm,
        /// Title.
        title: String,
        /// Body lines.
        body: Vec<String>,
        /// First line shown.
        scroll: usize,
    },
    /// A message (an error when `error`).
    Message {
        /// Title.
        title: String,
        /// Text.
        body: Vec<String>,
        /// Shown as an error.
        error: bool,
        /// First line shown.
        scroll: usize,
    },
    /// Typing the summary's name.
    Rename {
        /// The name being typed.
        text: String,
    },
    /// Tuning a create or rebuild; `back` is its confirmation, shown again afterwards.
    Tune {
        /// The form.
        form: TuneForm,
        /// The confirmation the tuning belongs to.
        back: Box<Popup>,
    },
}

impl Popup {
    /// An error popup.
    pub fn error(text: impl Into<String>) -> Popup {
        Popup::Message {
            title: strings::ERROR_TITLE.into(),
            body: text.into().lines().map(str::to_string).collect(),
            error: true,
            scroll: 0,
        }
    }

    /// Scrolls the popup, never past `max` (the last row of text at the bottom).
    pub fn scroll(&mut self, action: Action, page: usize, max: usize) {
        let s = match self {
            Popup::Help { scroll }
            | Popup::Confirm { scroll, .. }
            | Popup::Message { scroll, .. } => scroll,
            Popup::Rename { .. } | Popup::Tune { .. } => return,
        };
        *s = match action {
            Action::Up => s.saturating_sub(1),
            Action::Down => *s + 1,
            Action::PageUp => s.saturating_sub(page),
            Action::PageDown => *s + page,
            Action::Top => 0,
            Action::Bottom => max,
            _ => *s,
        }
        .min(max);
    }

    /// Title, text, hint, border style and scroll offset.
    fn content(&self, theme: &Theme, keymap: &Keymap, demo: bool) -> Content {
        match self {
            Popup::Help { scroll } => (
                strings::HELP_TITLE.to_string(),
                help_lines(keymap, theme, demo),
                close_hint(keymap),
                theme.focused_border,
                *scroll,
            ),
            Popup::Confirm {
                title,
                body,
                scroll,
                what,
            } => {
                // A create or rebuild shows its tuning first, as it now stands.
                let tuning = what.tuning().map(|t| {
                    strings::tune::lines(
                        t,
                        &keymap
                            .key_label(Context::Popup, Action::Tune)
                            .unwrap_or_default(),
                    )
                });
                (
                    title.clone(),
                    tuning
                        .into_iter()
                        .flatten()
                        .chain(body.iter().cloned())
                        .map(Line::raw)
                        .collect(),
                    confirm_hint(keymap, what),
                    theme.warn,
                    *scroll,
                )
            }
            Popup::Message {
                title,
                body,
                error,
                scroll,
            } => (
                title.clone(),
                body.iter().map(|l| Line::raw(l.clone())).collect(),
                close_hint(keymap),
                if *error {
                    theme.error
                } else {
                    theme.focused_border
                },
                *scroll,
            ),
            Popup::Rename { text } => (
                strings::RENAME_TITLE.to_string(),
                vec![Line::from(vec![
                    Span::raw(text.clone()),
                    Span::styled(" ", theme.cursor),
                ])],
                strings::rename_hint(
                    &keymap
                        .key_label(Context::Prompt, Action::Confirm)
                        .unwrap_or_default(),
                    &keymap
                        .key_label(Context::Prompt, Action::Deny)
                        .unwrap_or_default(),
                ),
                theme.focused_border,
                0,
            ),
            Popup::Tune { form, .. } => (
                strings::tune::TITLE.to_string(),
                tune_lines(form, theme),
                strings::tune::hint(
                    &keymap
                        .key_label(Context::Prompt, Action::NextField)
                        .unwrap_or_default(),
                    &keymap
                        .key_label(Context::Prompt, Action::Confirm)
                        .unwrap_or_default(),
                    &keymap
                        .key_label(Context::Prompt, Action::Deny)
                        .unwrap_or_default(),
                ),
                theme.focused_border,
                0,
            ),
        }
    }

    /// Where the popup goes in `area`, and how many rows its text takes once wrapped.
    fn layout(&self, area: Rect, lines: &[Line]) -> (Rect, usize) {
        let width = area
            .width
            .saturating_sub(4)
            .min(100)
            .max(20.min(area.width));
        // The height the text takes once wrapped (a long line is several rows), plus borders.
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
        let wanted = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        let height = if matches!(self, Popup::Rename { .. }) {
            3
        } else {
            wanted
                .min(area.height.saturating_sub(2))
                .max(5.min(area.height))
        };
        let rect = Rect {
            x: area.x + (area.width.saturating_sub(width)) / 2,
            y: area.y + (area.height.saturating_sub(height)) / 2,
            width,
            height: height.min(area.height),
        };
        (rect, rows)
    }

    /// The largest scroll offset in `area`: the last row of text at the bottom of the popup.
    pub fn max_scroll(&self, area: Rect, theme: &Theme, keymap: &Keymap, demo: bool) -> usize {
        let (_, lines, _, _, _) = self.content(theme, keymap, demo);
        let (rect, rows) = self.layout(area, &lines);
        rows.saturating_sub(usize::from(rect.height.saturating_sub(2)))
    }

    /// Draws the popup centred in `area` (`demo`: the help lists the demo's keys).
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, keymap: &Keymap, demo: bool) {
        let (title, lines, hint, style, scroll) = self.content(theme, keymap, demo);
        let (rect, _) = self.layout(area, &lines);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(format!(" {title} "))
            .title_bottom(Line::styled(hint, theme.dim));
        frame.render_widget(Clear, rect);
        let paragraph = Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
        frame.render_widget(paragraph, rect);
    }
}

/// What a popup shows: title, text, hint, border style, scroll offset.
type Content = (
    String,
    Vec<Line<'static>>,
    String,
    ratatui::style::Style,
    usize,
);

/// The keys of `action` in popups, joined with `/` (all of them: the hint is short).
fn keys(keymap: &Keymap, action: Action) -> String {
    keymap.key_labels(Context::Popup, action).join("/")
}

/// The hint under a confirmation: only an explicit yes answers a drop or a quit.
fn confirm_hint(keymap: &Keymap, what: &Confirm) -> String {
    let yes = match what {
        Confirm::Drop { .. } | Confirm::Quit => keys(keymap, Action::ConfirmDestructive),
        _ => [
            keys(keymap, Action::ConfirmDestructive),
            keys(keymap, Action::Confirm),
        ]
        .join("/"),
    };
    let label = match what {
        Confirm::Drop { .. } => strings::HINT_DROP,
        Confirm::Quit => strings::HINT_QUIT,
        _ => strings::HINT_YES,
    };
    let no = if matches!(what, Confirm::Quit) {
        strings::HINT_STAY
    } else {
        strings::HINT_NO
    };
    let tune = if what.tuning().is_some() {
        format!("{}: {}   ", keys(keymap, Action::Tune), strings::HINT_TUNE)
    } else {
        String::new()
    };
    format!(
        " {yes}: {label}   {}: {no}   {tune}{}: {} ",
        keys(keymap, Action::Deny),
        scroll_keys(keymap),
        strings::HINT_SCROLL
    )
}

/// The hint under messages and the help.
fn close_hint(keymap: &Keymap) -> String {
    format!(
        " {}: {}   {}: {} ",
        keys(keymap, Action::Deny),
        strings::HINT_CLOSE,
        scroll_keys(keymap),
        strings::HINT_SCROLL
    )
}

fn scroll_keys(keymap: &Keymap) -> String {
    [Action::Up, Action::Down]
        .iter()
        .filter_map(|a| keymap.key_label(Context::Popup, *a))
        .collect::<Vec<_>>()
        .join("")
}

/// The form's lines: each field's label, its text (the cursor in the current one) and what
/// empty means; the refusal under its field.
fn tune_lines(form: &TuneForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, label) in strings::tune::FIELDS.iter().enumerate() {
        let current = i == form.field;
        let marker = if current { "▶ " } else { "  " };
        out.push(Line::styled(
            format!("{marker}{label}"),
            if current { theme.key } else { theme.dim },
        ));
        let mut value = vec![Span::raw(format!("    {}", form.texts[i]))];
        if current {
            value.push(Span::styled(" ", theme.cursor));
        }
        if form.texts[i].is_empty() {
            value.push(Span::styled(
                format!("  ({})", strings::tune::default_of(i)),
                theme.dim,
            ));
        }
        out.push(Line::from(value));
        if let Some((_, why)) = form.error.as_ref().filter(|(f, _)| *f == i) {
            out.push(Line::styled(format!("    {why}"), theme.error));
        }
    }
    out
}

fn help_lines(keymap: &Keymap, theme: &Theme, demo: bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (context, rows) in keymap.help(demo) {
        out.push(Line::styled(
            strings::context_name(context),
            theme.focused_border,
        ));
        for (keys, label) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.key),
                Span::raw(label),
            ]));
        }
        out.push(Line::raw(""));
    }
    out
}
