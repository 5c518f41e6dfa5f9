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

/// The named colours a configuration file may set (see [`super::config`]).
pub const COLOUR_NAMES: &[&str] = &[
    "accent",
    "focus",
    "title",
    "key",
    "error",
    "ok",
    "warn",
    "dim",
    "selection",
];

/// Colours chosen in the configuration file; `None` keeps the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Colours {
    /// Gauges and summary markers.
    pub accent: Option<Color>,
    /// The focused border and headings.
    pub focus: Option<Color>,
    /// The title bar background.
    pub title: Option<Color>,
    /// Key names.
    pub key: Option<Color>,
    /// Errors.
    pub error: Option<Color>,
    /// Success.
    pub ok: Option<Color>,
    /// Warnings.
    pub warn: Option<Color>,
    /// Secondary text.
    pub dim: Option<Color>,
    /// Background of the selected row.
    pub selection: Option<Color>,
}

impl Colours {
    /// Reads `name = "colour"` pairs; the error is the offending pair.
    /// Colours are ratatui's names (`cyan`, `lightblue`, ...), `#rrggbb`
    /// or a 0-255 palette index.
    pub fn parse(
        pairs: &std::collections::BTreeMap<String, String>,
    ) -> Result<Colours, (String, String)> {
        let mut out = Colours::default();
        for (name, value) in pairs {
            let bad = || (name.clone(), value.clone());
            let colour: Color = value.trim().parse().map_err(|_| bad())?;
            let slot = match name.as_str() {
                "accent" => &mut out.accent,
                "focus" => &mut out.focus,
                "title" => &mut out.title,
                "key" => &mut out.key,
                "error" => &mut out.error,
                "ok" => &mut out.ok,
                "warn" => &mut out.warn,
                "dim" => &mut out.dim,
                "selection" => &mut out.selection,
                _ => return Err(bad()),
            };
            *slot = Some(colour);
        }
        Ok(out)
    }
}

impl Theme {
    /// This theme with the configured colours applied.
    pub fn with_colours(mut self, c: &Colours) -> Theme {
        if let Some(x) = c.accent {
            self.accent = self.accent.fg(x);
        }
        if let Some(x) = c.focus {
            self.focused_border = self.focused_border.fg(x);
        }
        if let Some(x) = c.title {
            self.title_bar = self.title_bar.bg(x);
        }
        if let Some(x) = c.key {
            self.key = self.key.fg(x);
        }
        if let Some(x) = c.error {
            self.error = self.error.fg(x);
            self.error_mark = self.error_mark.bg(x);
        }
        if let Some(x) = c.ok {
            self.ok = self.ok.fg(x);
        }
        if let Some(x) = c.warn {
            self.warn = self.warn.fg(x);
        }
        if let Some(x) = c.dim {
            self.dim = self.dim.fg(x);
        }
        if let Some(x) = c.selection {
            self.selected = self.selected.bg(x);
        }
        self
    }
}
