//! Drawing the main screen: a pure function of the application state.

use super::app::{App, StatusKind, SLOW_AFTER};
use super::keymap::{Action, Context};
use super::layout::Areas;
use super::panes::PaneId;
use super::strings;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Spinner frames.
const SPINNER: [&str; 8] = ["⠋", "⠙", "⠸", "⠴", "⠦", "⠇", "⠏", "⠛"];

/// Tabs of the shared area, in order.
const TABS: [PaneId; 3] = [PaneId::Preview, PaneId::Summaries, PaneId::Compare];

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App) {
    if let Some(demo) = app
        .demo
        .as_ref()
        .filter(|d| d.dashboard && app.wizard.is_none())
    {
        super::demo::draw::draw(frame, app, demo);
        if let Some(popup) = &app.popup {
            popup.draw(
                frame,
                frame.area(),
                &app.theme,
                &app.keymap,
                app.demo.is_some(),
            );
        }
        return;
    }
    if let Some(wizard) = &app.wizard {
        super::setup::draw::draw(frame, app, wizard);
        if let Some(popup) = &app.popup {
            popup.draw(
                frame,
                frame.area(),
                &app.theme,
                &app.keymap,
                app.demo.is_some(),
            );
        }
        return;
    }
    let areas = super::layout::areas(frame.area(), app.tab, app.guide_visible());
    draw_title(frame, app, areas.title);
    app.schema
        .draw(frame, areas.schema, &app.theme, app.focus == PaneId::Schema);
    app.editor.draw(
        frame,
        areas.editor,
        &app.theme,
        app.focus == PaneId::Editor && app.popup.is_none(),
        app.database.as_deref(),
        &strings::editor_placeholder(&app.key_hint(Context::Schema, Action::Template)),
    );
    if let Some(r) = areas.preview {
        let title = pane_title(app, &areas, PaneId::Preview);
        app.preview
            .draw(frame, r, &app.theme, app.focus == PaneId::Preview, title);
    }
    if let Some(r) = areas.summaries {
        let title = pane_title(app, &areas, PaneId::Summaries);
        let empty = strings::summaries_empty(&app.key_hint(Context::Summaries, Action::Create));
        let focused = app.focus == PaneId::Summaries;
        app.summaries
            .draw(frame, r, &app.theme, focused, title, &empty);
    }
    if let Some(r) = areas.compare {
        let title = pane_title(app, &areas, PaneId::Compare);
        let empty = strings::compare_empty(&strings::either_key(
            &app.keymap.key_labels(Context::Compare, Action::Run),
        ));
        let focused = app.focus == PaneId::Compare;
        app.compare
            .draw(frame, r, &app.theme, focused, title, &empty);
    }
    if app.focus == PaneId::Editor && app.popup.is_none() {
        use super::panes::complete::{draw_completion, draw_search};
        if let Some(c) = &app.completion {
            let at = app.editor.cursor_on_screen(areas.editor);
            draw_completion(frame, c, at, frame.area(), &app.theme);
        }
        if let Some(s) = &app.history_search {
            let found = s.found(app.history.entries());
            let inner = super::panes::pane_block("", &app.theme, true).inner(areas.editor);
            draw_search(frame, s, found, inner, &app.theme);
        }
    }
    if let Some(r) = areas.guide {
        super::guide::draw(frame, r, app);
    }
    draw_status(frame, app, areas.status);
    draw_footer(frame, app, areas.footer);
    if let Some(popup) = &app.popup {
        popup.draw(
            frame,
            frame.area(),
            &app.theme,
            &app.keymap,
            app.demo.is_some(),
        );
    }
}

/// The title of a pane: its name, or the tab strip in the narrow layout.
fn pane_title(app: &App, areas: &Areas, pane: PaneId) -> Line<'static> {
    if !areas.tabbed {
        return Line::from(format!(" {} ", pane.title()));
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in TABS.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", app.theme.dim));
        }
        let style = if *tab == pane {
            app.theme.focused_border
        } else {
            app.theme.dim
        };
        spans.push(Span::styled(tab.title(), style));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// The tab under column `x` of the shared area's title row (mouse clicks).
pub fn tab_at(area: Rect, x: u16) -> Option<PaneId> {
    // Layout of `pane_title`: border corner, a space, titles joined by " │ ".
    let mut start = area.x + 2;
    for tab in TABS {
        let width = u16::try_from(tab.title().chars().count()).unwrap_or(0);
        if x >= start && x < start + width {
            return Some(tab);
        }
        start += width + 3;
    }
    None
}

/// Draws the title bar: the program, the connection and the database.
pub fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let mut text = format!(
        " {}  {}",
        strings::APP_NAME,
        strings::connected_to(
            &app.label,
            app.version.as_deref(),
            // A failed connection leaves no database list: the title stops saying "Connecting…".
            matches!(app.schema.databases, super::panes::schema::Load::Failed(_)),
        )
    );
    if let Some(db) = &app.database {
        text.push_str(&format!(" · db {db}"));
    }
    if app.demo.is_some() {
        text.push_str(&format!("  [{}]", strings::demo::BACK_TO_DEMO));
    }
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(format!("{text:<width$}")).style(app.theme.title_bar),
        area,
    );
}

/// The status line text and style (also used by tests).
pub fn status_line(app: &App) -> (String, Style) {
    if let Some((_, p)) = app.oldest_foreground() {
        let waited = app.now.saturating_duration_since(p.since);
        let spin = SPINNER[(app.ticks % SPINNER.len() as u64) as usize];
        if waited >= SLOW_AFTER {
            return (
                format!(
                    "{spin} {}",
                    strings::slow_server(
                        p.what,
                        waited.as_secs(),
                        &app.key_hint(Context::Global, Action::Cancel)
                    )
                ),
                app.theme.warn,
            );
        }
        if app.status.is_none() {
            return (
                format!("{spin} {}", strings::waiting(p.what)),
                app.theme.dim,
            );
        }
    }
    match &app.status {
        Some((kind, text)) => {
            let style = match kind {
                StatusKind::Info => app.theme.text,
                StatusKind::Ok => app.theme.ok,
                StatusKind::Error => app.theme.error,
            };
            (text.clone(), style)
        }
        None => (String::new(), app.theme.text),
    }
}

/// Draws the status line.
pub fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let (text, style) = status_line(app);
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {text}"), style)),
        area,
    );
}

/// Draws a footer of `(key, label)` hints: as many as fit whole (a hint cut in the middle,
/// `Tab next p`, reads as a typo; help, the first, lists every key).
pub fn draw_hints(frame: &mut Frame, app: &App, area: Rect, entries: Vec<(String, &str)>) {
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, (key, label)) in entries.into_iter().enumerate() {
        let sep = if i == 0 { " " } else { strings::FOOTER_SEP };
        let label = format!(" {label}");
        let width = sep.chars().count() + key.chars().count() + label.chars().count();
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::raw(sep));
        spans.push(Span::styled(key, app.theme.key));
        spans.push(Span::raw(label));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let entries: Vec<(String, &str)> =
        if app.focus == PaneId::Schema && app.schema.filtering && app.popup.is_none() {
            vec![
                (
                    app.key_hint(Context::Prompt, Action::Confirm),
                    strings::FILTER_KEEP,
                ),
                (
                    app.key_hint(Context::Prompt, Action::Deny),
                    strings::FILTER_CLEAR,
                ),
            ]
        } else if app.popup.is_some() {
            Vec::new()
        } else {
            app.footer()
        };
    draw_hints(frame, app, area, entries);
}
