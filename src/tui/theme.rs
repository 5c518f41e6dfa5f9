//! Colours and styles of the terminal UI, in one place.

use ratatui::style::{Color, Modifier, Style};

/// The styles every widget draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Ordinary text.
    pub text: Style,
    /// Secondary text (types, hints, timings).
    pub dim: Style,
    /// Border of an unfocused pane.
    pub border: Style,
    /// Border and title of the focused pane.
    pub focused_border: Style,
    /// The selected row of a list.
    pub selected: Style,
    /// The selected row of a list in an unfocused pane.
    pub selected_unfocused: Style,
    /// Title bar.
    pub title_bar: Style,
    /// Key names in the footer and help.
    pub key: Style,
    /// Errors.
    pub error: Style,
    /// Success.
    pub ok: Style,
    /// Warnings.
    pub warn: Style,
    /// Summary markers and gauges.
    pub accent: Style,
    /// The editor cursor.
    pub cursor: Style,
    /// The position of an error in the editor.
    pub error_mark: Style,
    /// SQL keywords when syntax highlighting is unavailable.
    pub keyword: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            text: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            border: Style::default().fg(Color::Gray),
            focused_border: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            selected: Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            selected_unfocused: Style::default().add_modifier(Modifier::REVERSED),
            title_bar: Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            key: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::default().fg(Color::Green),
            warn: Style::default().fg(Color::Yellow),
            accent: Style::default().fg(Color::Yellow),
            cursor: Style::default().add_modifier(Modifier::REVERSED),
            error_mark: Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            keyword: Style::default().fg(Color::Magenta),
        }
    }
}
