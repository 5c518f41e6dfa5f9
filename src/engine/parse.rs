//! Parsing: from query text to the single `SELECT` the engine can work with, refusing every
//! statement-level construct it does not support.

use super::error::{EngineError, Pos};
use super::plan::TableRef;
use sqlparser::ast::{
    GroupByExpr, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, Spanned,
    Statement, TableFactor,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span, Token, Tokenizer};

/// A query that passed the statement-level checks.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    /// The text as given.
    pub sql: String,
    /// The base table as written.
    pub table: TableRef,
    /// The whole query (for ORDER BY / LIMIT).
    pub query: Query,
    /// Its single SELECT.
    pub select: Select,
}

/// Converts a sqlparser location (0 means unknown) to a position.
pub fn pos_of(loc: Location) -> Option<Pos> {
    if loc.line == 0 {
        None
    } else {
        Some(Pos {
            line: loc.line,
            column: loc.column,
        })
    }
}

/// The start position of a span.
pub fn span_pos(span: Span) -> Option<Pos> {
    pos_of(span.start)
}

/// Parses `sql` and checks it is one plain `SELECT ... FROM <one table>`.
pub fn parse(sql: &str) -> Result<ParsedQuery, EngineError> {
    let statements = Parser::parse_sql(&MySqlDialect {}, sql).map_err(syntax_error)?;
    let statement = match statements.as_slice() {
        [] => {
            return Err(EngineError::Syntax {
                message: "the query is empty".into(),
                pos: None,
            })
        }
        [one] => one,
        [_, second, ..] => {
            return Err(EngineError::unsupported_hint(
                "more than one statement",
                span_pos(second.span()),
                "give exactly one SELECT",
            ))
        }
    };
    let query = match statement {
        Statement::Query(q) => (**q).clone(),
        other => {
            let kind = other.to_string();
            let word = kind
                .split_whitespace()
                .next()
                .unwrap_or("this")
                .to_uppercase();
            return Err(EngineError::unsupported_hint(
                format!("{word} statement"),
                span_pos(other.span()).or(Some(Pos { line: 1, column: 1 })),
                "a summary is defined by a single SELECT",
            ));
        }
    };
    if let Some(with) = &query.with {
        return Err(EngineError::unsupported(
            "WITH (common table expression)",
            span_pos(with.span()),
        ));
    }
    if !query.locks.is_empty() {
        return Err(EngineError::unsupported(
            "locking clause (FOR UPDATE / LOCK IN SHARE MODE)",
            None,
        ));
    }
    if query.fetch.is_some() || query.for_clause.is_some() {
        return Err(EngineError::unsupported("FETCH / FOR clause", None));
    }
    let select = match &*query.body {
        SetExpr::Select(s) => (**s).clone(),
        SetExpr::SetOperation { op, .. } => {
            return Err(EngineError::unsupported_hint(
                format!("{op} of several SELECTs"),
                span_pos(query.body.span()),
                "create one summary per SELECT",
            ))
        }
        SetExpr::Query(_) => {
            return Err(EngineError::unsupported(
                "parenthesized query",
                span_pos(query.body.span()),
            ))
        }
        other => {
            return Err(EngineError::unsupported(
                format!(
                    "{} as a query",
                    other.to_string().split_whitespace().next().unwrap_or("?")
                ),
                span_pos(other.span()),
            ))
        }
    };
    check_select_clauses(&select)?;
    let table = base_table(&select)?;
    Ok(ParsedQuery {
        sql: sql.to_string(),
        table,
        query,
        select,
    })
}

fn syntax_error(e: sqlparser::parser::ParserError) -> EngineError {
    let message = e.to_string();
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(&message)
        .to_string();
    // sqlparser appends "at Line: L, Column: C"; lift it into a structured position.
    let pos = message.rfind("Line: ").and_then(|i| {
        let rest = &message[i + 6..];
        let (line, rest) = rest.split_once(", Column: ")?;
        let column: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        Some(Pos {
            line: line.trim().parse().ok()?,
            column: column.parse().ok()?,
        })
    });
    let message = match message.rfind(" at Line: ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    EngineError::Syntax { message, pos }
}

fn check_select_clauses(select: &Select) -> Result<(), EngineError> {
    let at = span_pos(select.select_token.0.span);
    if select.distinct.is_some() {
        return Err(EngineError::unsupported_hint(
            "SELECT DISTINCT",
            at,
            "GROUP BY the columns instead",
        ));
    }
    if select.into.is_some() {
        return Err(EngineError::unsupported("SELECT ... INTO", at));
    }
    if select.top.is_some() {
        return Err(EngineError::unsupported("TOP", at));
    }
    if select.prewhere.is_some()
        || !select.lateral_views.is_empty()
        || !select.cluster_by.is_empty()
        || !select.distribute_by.is_empty()
        || !select.sort_by.is_empty()
        || !select.connect_by.is_empty()
        || select.qualify.is_some()
    {
        return Err(EngineError::unsupported("non-MariaDB SELECT clause", at));
    }
    if !select.named_window.is_empty() {
        return Err(EngineError::unsupported(
            "WINDOW clause (window functions)",
            span_pos(select.named_window[0].span()),
        ));
    }
    match &select.group_by {
        GroupByExpr::All(_) => return Err(EngineError::unsupported("GROUP BY ALL", at)),
        GroupByExpr::Expressions(exprs, modifiers) => {
            if !modifiers.is_empty() {
                let pos = exprs.last().and_then(|e| span_pos(e.span()));
                return Err(EngineError::unsupported_hint(
                    "WITH ROLLUP",
                    pos,
                    "super-aggregate rows are not maintained; create one summary per level",
                ));
            }
        }
    }
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                return Err(EngineError::unsupported_hint(
                    "SELECT *",
                    span_pos(item.span()),
                    "list the group keys and aggregates",
                ))
            }
            SelectItem::ExprWithAliases { .. } => {
                return Err(EngineError::unsupported(
                    "multiple aliases",
                    span_pos(item.span()),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn base_table(select: &Select) -> Result<TableRef, EngineError> {
    let from = match select.from.as_slice() {
        [] => {
            return Err(EngineError::unsupported_hint(
                "a query without FROM",
                span_pos(select.select_token.0.span),
                "a summary aggregates one base table",
            ))
        }
        [one] => one,
        [_, second, ..] => {
            return Err(EngineError::unsupported_hint(
                "several tables in FROM (join)",
                span_pos(second.span()),
                "joins are planned for a later tier",
            ))
        }
    };
    if let Some(join) = from.joins.first() {
        return Err(EngineError::unsupported_hint(
            "JOIN",
            span_pos(join.span()),
            "joins are planned for a later tier",
        ));
    }
    match &from.relation {
        TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            partitions,
            ..
        } => {
            if args.is_some() || version.is_some() || !partitions.is_empty() {
                return Err(EngineError::unsupported(
                    "table function, PARTITION or versioned table",
                    span_pos(from.relation.span()),
                ));
            }
            if !with_hints.is_empty() {
                return Err(EngineError::unsupported(
                    "index hints",
                    span_pos(from.relation.span()),
                ));
            }
            let parts = object_parts(name);
            let (schema, table) = match parts.as_slice() {
                [t] => (None, t.clone()),
                [s, t] => (Some(s.clone()), t.clone()),
                _ => {
                    return Err(EngineError::unsupported(
                        format!("table name {name}"),
                        span_pos(name.span()),
                    ))
                }
            };
            if let Some(a) = alias {
                if !a.columns.is_empty() {
                    return Err(EngineError::unsupported(
                        "column aliases on the table",
                        span_pos(a.name.span),
                    ));
                }
            }
            Ok(TableRef {
                schema,
                name: table,
                alias: alias.as_ref().map(|a| a.name.value.clone()),
            })
        }
        TableFactor::Derived { .. } => Err(EngineError::unsupported_hint(
            "subquery in FROM",
            span_pos(from.relation.span()),
            "subqueries are planned for a later tier",
        )),
        other => Err(EngineError::unsupported(
            format!(
                "{} in FROM",
                other.to_string().split('(').next().unwrap_or("this")
            ),
            span_pos(other.span()),
        )),
    }
}

/// The parts of a dotted name, unquoted.
pub fn object_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The exact text MariaDB uses as the column name of an unaliased select item starting at
/// `start`: everything up to the next top-level comma or `FROM`, trimmed.
pub fn item_text(sql: &str, start: Location) -> Option<String> {
    let tokens = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let mut depth = 0i32;
    let mut first: Option<Location> = None;
    let mut last_end: Option<Location> = None;
    for t in &tokens {
        if t.span.start < start {
            continue;
        }
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => depth += 1,
            Token::RParen => {
                if depth == 0 {
                    break;
                }
                depth -= 1
            }
            Token::Comma if depth == 0 => break,
            Token::SemiColon if depth == 0 => break,
            Token::EOF => break,
            Token::Word(w) if depth == 0 && first.is_some() => {
                let kw = w.value.to_ascii_uppercase();
                if w.quote_style.is_none()
                    && matches!(
                        kw.as_str(),
                        "FROM" | "WHERE" | "GROUP" | "HAVING" | "ORDER" | "LIMIT"
                    )
                {
                    break;
                }
            }
            _ => {}
        }
        first.get_or_insert(t.span.start);
        last_end = Some(t.span.end);
    }
    let (a, b) = (first?, last_end?);
    slice(sql, a, b).map(|s| s.trim().to_string())
}

/// The text of each item of the outermost select list, as written (without its alias handling:
/// only used for unaliased items, whose text MariaDB uses as the column name). `None` if the
/// text cannot be tokenized.
pub fn select_item_texts(sql: &str) -> Option<Vec<String>> {
    let tokens = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut started = false;
    let mut span: Option<(Location, Location)> = None;
    let close = |span: &mut Option<(Location, Location)>, items: &mut Vec<String>| {
        if let Some((a, b)) = span.take() {
            items.push(
                slice(sql, a, b)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            );
        }
    };
    for t in &tokens {
        let keyword = |k: &str| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
        if !started {
            if depth == 0 && keyword("SELECT") {
                started = true;
            }
            continue;
        }
        // Modifiers between SELECT and the first item are not part of its name.
        let modifier = [
            "ALL",
            "SQL_NO_CACHE",
            "SQL_CACHE",
            "HIGH_PRIORITY",
            "STRAIGHT_JOIN",
            "SQL_SMALL_RESULT",
            "SQL_BIG_RESULT",
            "SQL_BUFFER_RESULT",
            "SQL_CALC_FOUND_ROWS",
        ]
        .iter()
        .any(|k| keyword(k));
        if items.is_empty() && span.is_none() && depth == 0 && modifier {
            continue;
        }
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                close(&mut span, &mut items);
                continue;
            }
            Token::SemiColon | Token::EOF if depth == 0 => break,
            _ if depth == 0 && (keyword("FROM") || keyword("WHERE") || keyword("GROUP")) => break,
            _ => {}
        }
        span = Some((span.map_or(t.span.start, |(a, _)| a), t.span.end));
    }
    close(&mut span, &mut items);
    Some(items)
}

fn offset_of(sql: &str, loc: Location) -> Option<usize> {
    let mut line = 1u64;
    let mut col = 1u64;
    for (i, ch) in sql.char_indices() {
        if line == loc.line && col == loc.column {
            return Some(i);
        }
        if ch == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    if line == loc.line && col == loc.column {
        return Some(sql.len());
    }
    None
}

fn slice(sql: &str, a: Location, b: Location) -> Option<&str> {
    let start = offset_of(sql, a)?;
    let end = offset_of(sql, b)?;
    sql.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_text_is_the_text_as_written() {
        let sql = "SELECT sum( cost ) , COUNT(*) FROM t";
        assert_eq!(
            item_text(sql, Location { line: 1, column: 8 }).as_deref(),
            Some("sum( cost )")
        );
        assert_eq!(
            item_text(
                sql,
                Location {
                    line: 1,
                    column: 22
                }
            )
            .as_deref(),
            Some("COUNT(*)")
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = parse("SELECT a\nFROM t WHERE (").unwrap_err();
        assert!(matches!(e, EngineError::Syntax { .. }), "{e}");
    }
}
