//! Parsing: from query text to the single `SELECT` the engine can work with, refusing every
//! statement-level construct it does not support.

use super::error::{EngineError, Pos};
use super::plan::TableRef;
use super::sql_mode::SqlMode;
use sqlparser::ast::{
    BinaryOperator, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, ObjectName, ObjectNamePart, Query, Select, SelectItem,
    SetExpr, Spanned, Statement, TableFactor, UnaryOperator, VisitMut, VisitorMut,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span, Token, Tokenizer};
use std::ops::ControlFlow;

/// A query that passed the statement-level checks.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    /// The text as given.
    pub sql: String,
    /// The `sql_mode` it was read under.
    pub mode: SqlMode,
    /// The base table as written (the first table of FROM: the fact table of a join).
    pub table: TableRef,
    /// The tables joined to it, in FROM order (empty for a single-table query).
    pub joins: Vec<JoinedTable>,
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

/// Parses `sql` under MariaDB's default reading (no `sql_mode` flag that changes it) and checks
/// it is one plain `SELECT ... FROM <one table>`.
pub fn parse(sql: &str) -> Result<ParsedQuery, EngineError> {
    parse_in_mode(sql, &SqlMode::plain())
}

/// Parses `sql` as MariaDB reads it under `mode` and checks it is one plain
/// `SELECT ... FROM <one table>`. What the parser cannot read the way the server does under that
/// mode is refused, naming the mode and the position.
pub fn parse_in_mode(sql: &str, mode: &SqlMode) -> Result<ParsedQuery, EngineError> {
    check_function_spacing(sql, mode)?;
    let statements = Parser::parse_sql(&mode.dialect(), sql).map_err(syntax_error)?;
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
        Statement::Query(q) => {
            let mut q = (**q).clone();
            apply_mode(&mut q, mode)?;
            q
        }
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
    let (table, joins) = from_tables(&select, &join_keyword_starts(sql, mode))?;
    Ok(ParsedQuery {
        sql: sql.to_string(),
        mode: mode.clone(),
        table,
        joins,
        query,
        select,
    })
}

/// Built-in functions whose name MariaDB takes for a function only when `(` follows it at once,
/// unless `IGNORE_SPACE` is set (`sql_functions[]` of MariaDB's `lex.h`): `COUNT (*)` is a syntax
/// error and `SUBSTR (s, 1)` a call of a stored function `SUBSTR` of the database.
const SPACE_SENSITIVE_FUNCTIONS: &[&str] = &[
    "ADDDATE",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "CAST",
    "COUNT",
    "CUME_DIST",
    "CURDATE",
    "CURTIME",
    "DATE_ADD",
    "DATE_SUB",
    "DENSE_RANK",
    "EXTRACT",
    "FIRST_VALUE",
    "GROUP_CONCAT",
    "JSON_ARRAYAGG",
    "JSON_OBJECTAGG",
    "LAG",
    "LAST_VALUE",
    "LEAD",
    "MAX",
    "MEDIAN",
    "MID",
    "MIN",
    "NOW",
    "NTH_VALUE",
    "NTILE",
    "POSITION",
    "PERCENT_RANK",
    "PERCENTILE_CONT",
    "PERCENTILE_DISC",
    "RANK",
    "ROW_NUMBER",
    "SESSION_USER",
    "STD",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "SUBDATE",
    "SUBSTR",
    "SUBSTRING",
    "SUM",
    "SYSDATE",
    "SYSTEM_USER",
    "TRIM",
    "VARIANCE",
    "VAR_POP",
    "VAR_SAMP",
];

/// Without `IGNORE_SPACE`, refuses a space-sensitive built-in name followed by spaces and `(`:
/// the parser would call the built-in, MariaDB does not.
fn check_function_spacing(sql: &str, mode: &SqlMode) -> Result<(), EngineError> {
    if mode.ignore_space {
        return Ok(());
    }
    let Ok(tokens) = Tokenizer::new(&mode.dialect(), sql).tokenize_with_location() else {
        // The parser reports the error with its position.
        return Ok(());
    };
    let mut i = 0;
    while i < tokens.len() {
        if let Token::Word(w) = &tokens[i].token {
            let upper = w.value.to_ascii_uppercase();
            if w.quote_style.is_none() && SPACE_SENSITIVE_FUNCTIONS.contains(&upper.as_str()) {
                let mut j = i + 1;
                while j < tokens.len() && matches!(tokens[j].token, Token::Whitespace(_)) {
                    j += 1;
                }
                if j > i + 1 && j < tokens.len() && tokens[j].token == Token::LParen {
                    return Err(EngineError::unsupported_hint(
                        format!(
                            "a space between {upper} and its parenthesis, which MariaDB does not read as a call of {upper} under sql_mode {mode} (only with IGNORE_SPACE)"
                        ),
                        pos_of(tokens[i].span.start),
                        format!("write {upper}( without the space"),
                    ));
                }
            }
        }
        i += 1;
    }
    Ok(())
}

/// Rewrites the parsed query to what MariaDB reads under `mode`, refusing what the parser
/// cannot read the same way: `||` becomes `OR` or `CONCAT(..)`; under `HIGH_NOT_PRECEDENCE` a
/// prefix `NOT` over anything but a single operand is refused; `REAL` as a type is refused.
fn apply_mode(query: &mut Query, mode: &SqlMode) -> Result<(), EngineError> {
    let mut v = ModePass { mode, error: None };
    let _ = query.visit(&mut v);
    match v.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct ModePass<'a> {
    mode: &'a SqlMode,
    error: Option<EngineError>,
}

/// An operand that reads the same whatever the precedence of the operator around it.
fn single_operand(e: &Expr) -> bool {
    match e {
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Value(_)
        | Expr::TypedString { .. }
        | Expr::Function(_)
        | Expr::Nested(_)
        | Expr::Cast { .. }
        | Expr::Case { .. }
        | Expr::Exists { .. }
        | Expr::Subquery(_)
        | Expr::Prefixed { .. } => true,
        Expr::BinaryOp {
            op: BinaryOperator::StringConcat,
            ..
        } => false,
        _ => false,
    }
}

fn is_concat(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp {
            op: BinaryOperator::StringConcat,
            ..
        }
    )
}

impl ModePass<'_> {
    fn fail(&mut self, e: EngineError) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }
}

impl VisitorMut for ModePass<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let mode = self.mode;
        let at = span_pos(expr.span());
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::StringConcat,
                right,
            } if mode.pipes_as_concat => {
                // `a || b || c` chains to the left; anything else around or inside `||` may
                // group differently in sqlparser than in MariaDB.
                let left_ok = single_operand(left) || is_concat(left);
                if !left_ok || !single_operand(right) {
                    return self.fail(EngineError::unsupported_hint(
                        format!("|| next to another operator under sql_mode {mode} (PIPES_AS_CONCAT), where it binds tighter than every other binary operator"),
                        at,
                        "write CONCAT(a, b), or put the operands of || in parentheses",
                    ));
                }
            }
            Expr::UnaryOp { op, expr: inner }
                if mode.pipes_as_concat
                    && matches!(op, UnaryOperator::Minus | UnaryOperator::Plus)
                    && is_concat(inner) =>
            {
                return self.fail(EngineError::unsupported_hint(
                    format!("a sign before || under sql_mode {mode} (PIPES_AS_CONCAT)"),
                    at,
                    "write CONCAT(-a, b) or -(CONCAT(a, b)), whichever is meant",
                ));
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: inner,
            } if mode.high_not_precedence && !single_operand(inner) => {
                return self.fail(EngineError::unsupported_hint(
                    format!("NOT before an expression under sql_mode {mode} (HIGH_NOT_PRECEDENCE), where NOT applies to the first operand only (NOT a = b is (NOT a) = b)"),
                    at,
                    "put what NOT applies to in parentheses: NOT (a = b) or (NOT a) = b",
                ));
            }
            Expr::Cast {
                data_type: DataType::Real,
                ..
            } => {
                return self.fail(EngineError::unsupported_hint(
                    format!("CAST to REAL (FLOAT under REAL_AS_FLOAT, DOUBLE otherwise; sql_mode {mode})"),
                    at,
                    "write CAST(x AS DOUBLE) or CAST(x AS FLOAT)",
                ));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::BinaryOp {
            left,
            op: op @ BinaryOperator::StringConcat,
            right,
        } = expr
        {
            if !self.mode.pipes_as_concat {
                // MariaDB's `||` without PIPES_AS_CONCAT is `OR`, at OR's precedence (the
                // dialect parses it there).
                *op = BinaryOperator::Or;
                return ControlFlow::Continue(());
            }
            let args = vec![
                FunctionArg::Unnamed(FunctionArgExpr::Expr((**left).clone())),
                FunctionArg::Unnamed(FunctionArgExpr::Expr((**right).clone())),
            ];
            *expr = Expr::Function(Function {
                name: ObjectName::from(vec![Ident::new("CONCAT")]),
                uses_odbc_syntax: false,
                parameters: FunctionArguments::None,
                args: FunctionArguments::List(FunctionArgumentList {
                    duplicate_treatment: None,
                    args,
                    clauses: Vec::new(),
                }),
                filter: None,
                null_treatment: None,
                over: None,
                within_group: Vec::new(),
            });
        }
        ControlFlow::Continue(())
    }
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
        let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
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

/// How a joined table is matched with the tables before it.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition {
    /// `JOIN t ON <expr>`.
    On(Box<Expr>),
    /// `JOIN t USING (c, ...)`: the column names as written.
    Using(Vec<Ident>),
    /// A comma join, or `JOIN`/`CROSS JOIN` without a condition: the condition, if any, is in
    /// WHERE.
    InWhere,
}

/// A table of FROM after the first, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedTable {
    /// The table.
    pub table: TableRef,
    /// Its join condition.
    pub condition: JoinCondition,
    /// Where the table is named.
    pub pos: Option<Pos>,
    /// Where its join operator starts (`JOIN`, `LEFT JOIN`...); the table's position in a
    /// comma list. Refusals of the join itself point here.
    pub keyword: Option<Pos>,
    /// `LEFT [OUTER] JOIN`: a row of the tables before it without a match still counts, with
    /// NULL for this table's columns.
    pub left: bool,
}

/// The first table of FROM and every table joined to it (comma lists, inner and LEFT joins,
/// flattened in the order written). RIGHT, FULL, natural and other joins are refused here with
/// their position.
/// `keywords`: where each join operator starts (see [`join_keyword_starts`]), so that a refused
/// join is shown at its keyword rather than at the joined table.
fn from_tables(
    select: &Select,
    keywords: &[Pos],
) -> Result<(TableRef, Vec<JoinedTable>), EngineError> {
    let Some(first) = select.from.first() else {
        return Err(EngineError::unsupported_hint(
            "a query without FROM",
            span_pos(select.select_token.0.span),
            "a summary aggregates one base table",
        ));
    };
    let base = table_factor(&first.relation)?;
    let mut joins = Vec::new();
    for (i, item) in select.from.iter().enumerate() {
        if i > 0 {
            let pos = span_pos(item.relation.span());
            joins.push(JoinedTable {
                table: table_factor(&item.relation)?,
                condition: JoinCondition::InWhere,
                pos,
                keyword: pos,
                left: false,
            });
        }
        for join in &item.joins {
            let pos = span_pos(join.relation.span());
            let (condition, left) = join_condition(join, keywords)?;
            joins.push(JoinedTable {
                table: table_factor(&join.relation)?,
                condition,
                pos,
                keyword: keyword_before(keywords, pos),
                left,
            });
        }
    }
    Ok((base, joins))
}

/// Where each join operator of `sql` starts: `JOIN`, `STRAIGHT_JOIN`, or the first of the words
/// before `JOIN` that say which kind (`LEFT OUTER JOIN` starts at `LEFT`).
fn join_keyword_starts(sql: &str, mode: &SqlMode) -> Vec<Pos> {
    use sqlparser::keywords::Keyword;
    let Ok(tokens) = Tokenizer::new(&mode.dialect(), sql).tokenize_with_location() else {
        return Vec::new();
    };
    let words: Vec<(Keyword, Location)> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => Some((w.keyword, t.span.start)),
            Token::Whitespace(_) => None,
            // Anything else breaks a run of join words.
            _ => Some((Keyword::NoKeyword, t.span.start)),
        })
        .collect();
    let kind = |k: Keyword| {
        matches!(
            k,
            Keyword::LEFT
                | Keyword::RIGHT
                | Keyword::FULL
                | Keyword::OUTER
                | Keyword::INNER
                | Keyword::CROSS
                | Keyword::NATURAL
        )
    };
    let mut out = Vec::new();
    for (i, (k, at)) in words.iter().enumerate() {
        if !matches!(k, Keyword::JOIN | Keyword::STRAIGHT_JOIN) {
            continue;
        }
        let mut start = i;
        while start > 0 && kind(words[start - 1].0) {
            start -= 1;
        }
        out.extend(pos_of(if start == i { *at } else { words[start].1 }));
    }
    out
}

/// The last of `keywords` before `table`: the join operator that joins the table named there.
fn keyword_before(keywords: &[Pos], table: Option<Pos>) -> Option<Pos> {
    let table = table?;
    keywords
        .iter()
        .rev()
        .find(|k| (k.line, k.column) < (table.line, table.column))
        .copied()
        .or(Some(table))
}

/// The condition of an inner or LEFT join, and whether it is a LEFT join; every other kind of
/// join is refused, at its keyword.
fn join_condition(
    join: &sqlparser::ast::Join,
    keywords: &[Pos],
) -> Result<(JoinCondition, bool), EngineError> {
    use sqlparser::ast::{JoinConstraint, JoinOperator};
    let at = keyword_before(keywords, span_pos(join.relation.span()));
    let (constraint, left) = match &join.join_operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::StraightJoin(c) => (c, false),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (c, true),
        JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_) => {
            return Err(EngineError::unsupported_hint(
                "RIGHT or FULL JOIN",
                at,
                "a summary joins one fact table to its dimensions with inner or LEFT joins: name the fact table first",
            ))
        }
        other => {
            let text = format!("{other:?}");
            let name = text.split('(').next().unwrap_or("this");
            return Err(EngineError::unsupported(format!("{name} join"), at));
        }
    };
    let condition = match constraint {
        JoinConstraint::On(e) => JoinCondition::On(Box::new(e.clone())),
        JoinConstraint::Using(names) => {
            let mut columns = Vec::new();
            for n in names {
                match n.0.as_slice() {
                    [ObjectNamePart::Identifier(i)] => columns.push(i.clone()),
                    _ => {
                        return Err(EngineError::unsupported(
                            format!("USING column {n}"),
                            span_pos(n.span()),
                        ))
                    }
                }
            }
            JoinCondition::Using(columns)
        }
        JoinConstraint::None if left => {
            return Err(EngineError::unsupported_hint(
                "LEFT JOIN without ON or USING",
                at,
                "join the table on its key: LEFT JOIN d ON d.id = f.d_id",
            ))
        }
        JoinConstraint::None => JoinCondition::InWhere,
        JoinConstraint::Natural => {
            return Err(EngineError::unsupported_hint(
                "NATURAL JOIN",
                at,
                "name the join columns: JOIN ... USING (c) or JOIN ... ON",
            ))
        }
        JoinConstraint::UsingAlias(..) => {
            return Err(EngineError::unsupported("USING (...) AS alias", at))
        }
    };
    Ok((condition, left))
}

/// A table named in FROM; derived tables, table functions and the like are refused.
fn table_factor(relation: &TableFactor) -> Result<TableRef, EngineError> {
    match relation {
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
                    span_pos(relation.span()),
                ));
            }
            if !with_hints.is_empty() {
                return Err(EngineError::unsupported(
                    "index hints",
                    span_pos(relation.span()),
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
            span_pos(relation.span()),
            "name the table itself in FROM",
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
pub fn item_text(sql: &str, mode: &SqlMode, start: Location) -> Option<String> {
    let tokens = Tokenizer::new(&mode.dialect(), sql)
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
                depth -= 1;
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
pub fn select_item_texts(sql: &str, mode: &SqlMode) -> Option<Vec<String>> {
    let tokens = Tokenizer::new(&mode.dialect(), sql)
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
            item_text(sql, &SqlMode::plain(), Location { line: 1, column: 8 }).as_deref(),
            Some("sum( cost )")
        );
        assert_eq!(
            item_text(
                sql,
                &SqlMode::plain(),
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
