//! The schema browser: databases → tables → columns, loaded lazily, with a
//! filter. The selection is kept by path, so reloads do not move it.

use crate::tui::keymap::Action;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::worker::{ColumnInfo, Failure, TableInfo, TableKind};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Something loaded from the server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load<T> {
    /// Not asked for yet.
    #[default]
    NotLoaded,
    /// Asked for.
    Loading,
    /// Here.
    Loaded(T),
    /// The server said no.
    Failed(Failure),
}

/// A database node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbNode {
    /// Name.
    pub name: String,
    /// Open.
    pub expanded: bool,
    /// Its tables.
    pub tables: Load<Vec<TableNode>>,
}

/// A table node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNode {
    /// What the server said about it.
    pub info: TableInfo,
    /// Open.
    pub expanded: bool,
    /// Its columns.
    pub columns: Load<Vec<ColumnInfo>>,
}

/// Identifies a node: database, table, column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodePath {
    /// Database.
    pub database: String,
    /// Table, for table and column nodes.
    pub table: Option<String>,
    /// Column, for column nodes.
    pub column: Option<String>,
}

/// What the browser needs from the server after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// The tables of a database.
    Tables(String),
    /// The columns of a table.
    Columns(String, String),
}

/// One visible row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The node.
    pub path: NodePath,
    /// Indentation level.
    pub depth: u16,
}

/// State of the schema browser.
#[derive(Debug, Clone, Default)]
pub struct SchemaState {
    /// Databases, once loaded.
    pub databases: Load<Vec<DbNode>>,
    /// The selected node.
    pub selected: Option<NodePath>,
    /// Filter text (case-insensitive substring of database, table and loaded column names).
    pub filter: String,
    /// Typing goes to the filter.
    pub filtering: bool,
}

fn matches(filter: &str, name: &str) -> bool {
    filter.is_empty() || name.to_lowercase().contains(&filter.to_lowercase())
}

/// The loaded columns of `t` whose name the filter matches (none without a filter): a column
/// match shows its table, and the column under it, even when the table is closed.
fn column_hits<'a>(filter: &str, t: &'a TableNode) -> Vec<&'a ColumnInfo> {
    match &t.columns {
        Load::Loaded(cols) if !filter.is_empty() => {
            cols.iter().filter(|c| matches(filter, &c.name)).collect()
        }
        _ => Vec::new(),
    }
}

/// The tables of `db` the filter shows: by their name, their database's, or a column's.
fn shown_tables<'a>(filter: &str, db: &'a DbNode) -> Vec<&'a TableNode> {
    match &db.tables {
        Load::Loaded(ts) => ts
            .iter()
            .filter(|t| {
                matches(filter, &t.info.name)
                    || matches(filter, &db.name)
                    || !column_hits(filter, t).is_empty()
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the tables of `db` are drawn under it: opened, or a filter shows some of them.
fn db_open(filter: &str, db: &DbNode) -> bool {
    db.expanded || (!filter.is_empty() && !shown_tables(filter, db).is_empty())
}

impl SchemaState {
    /// Stores the database list (keeping what was open).
    pub fn set_databases(&mut self, names: Vec<String>) {
        let old = match std::mem::take(&mut self.databases) {
            Load::Loaded(v) => v,
            _ => Vec::new(),
        };
        let dbs = names
            .into_iter()
            .map(|name| match old.iter().find(|d| d.name == name) {
                Some(d) => d.clone(),
                None => DbNode {
                    name,
                    expanded: false,
                    tables: Load::NotLoaded,
                },
            })
            .collect();
        self.databases = Load::Loaded(dbs);
        if self.selected.is_none() {
            self.selected = self.rows().first().map(|r| r.path.clone());
        }
    }

    fn db_mut(&mut self, name: &str) -> Option<&mut DbNode> {
        match &mut self.databases {
            Load::Loaded(dbs) => dbs.iter_mut().find(|d| d.name == name),
            _ => None,
        }
    }

    /// The database node `name`.
    pub fn db(&self, name: &str) -> Option<&DbNode> {
        match &self.databases {
            Load::Loaded(dbs) => dbs.iter().find(|d| d.name == name),
            _ => None,
        }
    }

    /// The table node `database.table`.
    pub fn table(&self, database: &str, table: &str) -> Option<&TableNode> {
        match &self.db(database)?.tables {
            Load::Loaded(ts) => ts.iter().find(|t| t.info.name == table),
            _ => None,
        }
    }

    fn table_mut(&mut self, database: &str, table: &str) -> Option<&mut TableNode> {
        match &mut self.db_mut(database)?.tables {
            Load::Loaded(ts) => ts.iter_mut().find(|t| t.info.name == table),
            _ => None,
        }
    }

    /// Marks tables of `database` as loading.
    pub fn loading_tables(&mut self, database: &str) {
        if let Some(db) = self.db_mut(database) {
            if !matches!(db.tables, Load::Loaded(_)) {
                db.tables = Load::Loading;
            }
        }
    }

    /// Stores the tables of `database` (keeping open tables and their columns).
    pub fn set_tables(&mut self, database: &str, tables: Result<Vec<TableInfo>, Failure>) {
        if let Some(db) = self.db_mut(database) {
            db.tables = match tables {
                Ok(list) => {
                    let old = match std::mem::take(&mut db.tables) {
                        Load::Loaded(v) => v,
                        _ => Vec::new(),
                    };
                    Load::Loaded(
                        list.into_iter()
                            .map(|info| match old.iter().find(|t| t.info.name == info.name) {
                                Some(t) => TableNode {
                                    info,
                                    expanded: t.expanded,
                                    columns: t.columns.clone(),
                                },
                                None => TableNode {
                                    info,
                                    expanded: false,
                                    columns: Load::NotLoaded,
                                },
                            })
                            .collect(),
                    )
                }
                Err(e) => Load::Failed(e),
            };
        }
    }

    /// Marks columns as loading.
    pub fn loading_columns(&mut self, database: &str, table: &str) {
        if let Some(t) = self.table_mut(database, table) {
            t.columns = Load::Loading;
        }
    }

    /// Stores the columns of a table.
    pub fn set_columns(
        &mut self,
        database: &str,
        table: &str,
        columns: Result<Vec<ColumnInfo>, Failure>,
    ) {
        if let Some(t) = self.table_mut(database, table) {
            t.columns = match columns {
                Ok(c) => Load::Loaded(c),
                Err(e) => Load::Failed(e),
            };
        }
    }

    /// Opens a database (returns what must be loaded).
    pub fn expand_database(&mut self, database: &str) -> Option<Need> {
        let db = self.db_mut(database)?;
        db.expanded = true;
        matches!(db.tables, Load::NotLoaded | Load::Failed(_))
            .then(|| Need::Tables(database.to_string()))
    }

    /// The visible rows, filter applied.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let Load::Loaded(dbs) = &self.databases else {
            return rows;
        };
        let filter = self.filter.as_str();
        for db in dbs {
            let tables = shown_tables(filter, db);
            let db_visible = matches(filter, &db.name)
                || !tables.is_empty()
                || !matches!(db.tables, Load::Loaded(_));
            if !db_visible {
                continue;
            }
            rows.push(Row {
                path: NodePath {
                    database: db.name.clone(),
                    table: None,
                    column: None,
                },
                depth: 0,
            });
            if !db_open(filter, db) {
                continue;
            }
            for t in tables {
                rows.push(Row {
                    path: NodePath {
                        database: db.name.clone(),
                        table: Some(t.info.name.clone()),
                        column: None,
                    },
                    depth: 1,
                });
                let cols: Vec<&ColumnInfo> = match (t.expanded, &t.columns) {
                    (true, Load::Loaded(cols)) => cols.iter().collect(),
                    _ => column_hits(filter, t),
                };
                for c in cols {
                    rows.push(Row {
                        path: NodePath {
                            database: db.name.clone(),
                            table: Some(t.info.name.clone()),
                            column: Some(c.name.clone()),
                        },
                        depth: 2,
                    });
                }
            }
        }
        rows
    }

    /// Index of the selection among the visible rows.
    pub fn selected_index(&self, rows: &[Row]) -> usize {
        let Some(sel) = &self.selected else { return 0 };
        if let Some(i) = rows.iter().position(|r| &r.path == sel) {
            return i;
        }
        // Hidden (collapsed or filtered): fall back to the nearest ancestor.
        rows.iter()
            .position(|r| {
                r.path.database == sel.database
                    && r.path.table == sel.table
                    && r.path.column.is_none()
            })
            .or_else(|| rows.iter().position(|r| r.path.database == sel.database))
            .unwrap_or(0)
    }

    fn select_index(&mut self, rows: &[Row], index: usize) {
        if let Some(r) = rows.get(index.min(rows.len().saturating_sub(1))) {
            self.selected = Some(r.path.clone());
        }
    }

    /// Selects the visible row `index` (mouse clicks).
    pub fn select_row(&mut self, index: usize) {
        let rows = self.rows();
        if index < rows.len() {
            self.select_index(&rows, index);
        }
    }

    /// Applies a navigation or tree action; returns what must be loaded.
    pub fn handle(&mut self, action: Action, page: usize) -> Option<Need> {
        let rows = self.rows();
        let i = self.selected_index(&rows);
        match action {
            Action::Up => self.select_index(&rows, i.saturating_sub(1)),
            Action::Down => self.select_index(&rows, i + 1),
            Action::PageUp => self.select_index(&rows, i.saturating_sub(page.max(1))),
            Action::PageDown => self.select_index(&rows, i + page.max(1)),
            Action::Top => self.select_index(&rows, 0),
            Action::Bottom => self.select_index(&rows, usize::MAX),
            Action::Expand | Action::Toggle | Action::Collapse => {
                let path = rows.get(i)?.path.clone();
                return self.open_close(&path, action);
            }
            _ => {}
        }
        None
    }

    fn open_close(&mut self, path: &NodePath, action: Action) -> Option<Need> {
        match (&path.table, &path.column) {
            (None, _) => {
                let db = self.db_mut(&path.database)?;
                let open = match action {
                    Action::Expand => true,
                    Action::Collapse => false,
                    _ => !db.expanded,
                };
                db.expanded = open;
                if open && matches!(db.tables, Load::NotLoaded | Load::Failed(_)) {
                    return Some(Need::Tables(path.database.clone()));
                }
            }
            (Some(table), None) => {
                let t = self.table_mut(&path.database, table)?;
                if action == Action::Collapse && !t.expanded {
                    self.selected = Some(NodePath {
                        database: path.database.clone(),
                        ..NodePath::default()
                    });
                    return None;
                }
                let open = match action {
                    Action::Expand => true,
                    Action::Collapse => false,
                    _ => !t.expanded,
                };
                t.expanded = open;
                if open && matches!(t.columns, Load::NotLoaded | Load::Failed(_)) {
                    return Some(Need::Columns(path.database.clone(), table.clone()));
                }
            }
            (Some(table), Some(_)) => {
                if action != Action::Expand {
                    self.selected = Some(NodePath {
                        database: path.database.clone(),
                        table: Some(table.clone()),
                        column: None,
                    });
                }
            }
        }
        None
    }

    /// First visible row for a view `height` rows high.
    pub fn top(&self, rows: &[Row], height: usize) -> usize {
        self.selected_index(rows).saturating_sub(height.max(1) - 1)
    }

    /// Draws the browser.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
        let title = if self.filter.is_empty() && !self.filtering {
            format!(" {} ", strings::SCHEMA_TITLE)
        } else {
            format!(" {} /{} ", strings::SCHEMA_TITLE, self.filter)
        };
        let block = super::pane_block(title, theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let mut height = usize::from(inner.height);
        let mut body = inner;
        if self.filtering {
            let line = Line::from(vec![
                Span::styled(strings::FILTER_PROMPT, theme.key),
                Span::raw(self.filter.clone()),
                Span::styled(" ", theme.cursor),
            ]);
            frame.render_widget(Paragraph::new(line), Rect { height: 1, ..inner });
            body = Rect {
                y: inner.y + 1,
                height: inner.height.saturating_sub(1),
                ..inner
            };
            height = height.saturating_sub(1);
        }
        let message = match &self.databases {
            Load::NotLoaded | Load::Loading => {
                Some((strings::SCHEMA_LOADING.to_string(), theme.dim))
            }
            Load::Failed(e) => Some((e.to_string(), theme.error)),
            Load::Loaded(dbs) if dbs.is_empty() => {
                Some((strings::SCHEMA_EMPTY.to_string(), theme.dim))
            }
            Load::Loaded(_) => None,
        };
        if let Some((text, style)) = message {
            frame.render_widget(
                Paragraph::new(Span::styled(text, style))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                body,
            );
            return;
        }
        let rows = self.rows();
        if rows.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(strings::SCHEMA_NO_MATCH, theme.dim)),
                body,
            );
            return;
        }
        let selected = self.selected_index(&rows);
        let top = self.top(&rows, height);
        let width = usize::from(body.width);
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(i, row)| {
                let mut line = self.row_line(row, theme);
                if i == selected {
                    let style = if focused {
                        theme.selected
                    } else {
                        theme.selected_unfocused
                    };
                    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                    let padded = format!("{text:<width$}");
                    line = Line::from(Span::styled(padded, style));
                }
                line
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), body);
    }

    fn row_line(&self, row: &Row, theme: &Theme) -> Line<'static> {
        let indent = "  ".repeat(usize::from(row.depth));
        let p = &row.path;
        match (&p.table, &p.column) {
            (None, _) => {
                let db = self.db(&p.database);
                let open = db.is_some_and(|d| db_open(&self.filter, d));
                let marker = if open { "▾ " } else { "▸ " };
                let mut spans = vec![Span::raw(format!("{marker}{}", p.database))];
                match db.map(|d| &d.tables) {
                    Some(Load::Loading) => spans.push(Span::styled(" …", theme.dim)),
                    Some(Load::Failed(e)) => spans.push(Span::styled(format!(" {e}"), theme.error)),
                    _ => {}
                }
                Line::from(spans)
            }
            (Some(table), None) => {
                let Some(t) = self.table(&p.database, table) else {
                    return Line::raw(format!("{indent}{table}"));
                };
                let open = t.expanded || !column_hits(&self.filter, t).is_empty();
                let marker = match (t.info.kind, open) {
                    (TableKind::Table, true) => "▾ ",
                    (TableKind::Table, false) => "▸ ",
                    (TableKind::View, _) => "◇ ",
                    (TableKind::Summary, _) => "⚡",
                };
                let mut spans = vec![Span::raw(format!("{indent}{marker}{table}"))];
                if !t.info.summaries.is_empty() {
                    spans.push(Span::styled(
                        format!(" {}{}", strings::SUMMARY_MARK, t.info.summaries.len()),
                        theme.accent,
                    ));
                }
                if let Some(n) = t.info.rows_estimate {
                    spans.push(Span::styled(format!(" ~{}", human_count(n)), theme.dim));
                }
                match &t.columns {
                    Load::Loading => spans.push(Span::styled(" …", theme.dim)),
                    Load::Failed(e) => spans.push(Span::styled(format!(" {e}"), theme.error)),
                    _ => {}
                }
                Line::from(spans)
            }
            (Some(table), Some(column)) => {
                let col = self
                    .table(&p.database, table)
                    .and_then(|t| match &t.columns {
                        Load::Loaded(cs) => cs.iter().find(|c| &c.name == column),
                        _ => None,
                    });
                let mut spans = vec![Span::raw(format!("{indent}{column}"))];
                if let Some(c) = col {
                    spans.push(Span::styled(format!(" {}", c.column_type), theme.dim));
                    let key = match c.key.as_str() {
                        "PRI" => " PK",
                        "UNI" => " UQ",
                        "MUL" => " IX",
                        _ => "",
                    };
                    if !key.is_empty() {
                        spans.push(Span::styled(key, theme.key));
                    }
                    if c.nullable {
                        spans.push(Span::styled(" null", theme.dim));
                    }
                }
                Line::from(spans)
            }
        }
    }
}

/// 1234 → `1.2k`, 5_600_000 → `5.6M`.
pub fn human_count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}
