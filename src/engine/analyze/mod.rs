//! Analysis: from a parsed query and the base table's metadata to an [`Analysis`] — group keys,
//! aggregates and the read-time expression of every result column. Pure: no server involved.

pub mod distinct;
mod join;
mod normalize;
mod rewrite;
mod scope;
mod session;
mod time_date;
mod time_zone;

use super::error::EngineError;
use super::meta::TableMeta;
use super::parse::{select_item_texts, span_pos, ParsedQuery};
use super::plan::{AggKind, Aggregate, Analysis, GroupKey, OrderItem, OutputColumn};
pub use join::{analyze_join, check_maintained, JoinAnalysis};
use normalize::Ctx;
use rewrite::{collect_columns, contains_aggregate, Rewriter};
use scope::Scope;
use sqlparser::ast::{
    Expr, GroupByExpr, LimitClause, OrderByKind, OrderBySort, Select, SelectItem, Spanned, Value,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Where an expression sits; decides which names resolve and whether aggregates are allowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Clause {
    Where,
    GroupBy,
    Select,
    Having,
    OrderBy,
}

/// Analyses `parsed` against the base table `table`. A join is refused here: see
/// [`analyze_join`], which needs every joined table's metadata.
pub fn analyze(parsed: &ParsedQuery, table: &TableMeta) -> Result<Analysis, EngineError> {
    if let Some(first) = parsed.joins.first() {
        return Err(join::not_maintained(first));
    }
    check_table(table)?;
    let scope = Scope::single(&parsed.table, table);
    let mut analysis = analyze_in(parsed, &scope)?;
    analysis.columns_read = columns_read(
        table,
        analysis.filter.as_ref(),
        &analysis.keys,
        &analysis.aggregates,
    );
    // Cascading foreign keys are accounted for by triggers on the parent tables
    // (`crate::engine::cascade`); only the actions no trigger can see are refused here.
    crate::engine::cascade::check_supported(table, &analysis.columns_read)?;
    time_zone::check(
        &scope,
        analysis.filter.as_ref(),
        &analysis.keys,
        &analysis.aggregates,
    )?;
    Ok(analysis)
}

/// The analysis of `parsed` with names resolved in `scope`, without `columns_read` (the caller
/// knows which tables the columns belong to) and without the checks that depend on it.
fn analyze_in(parsed: &ParsedQuery, scope: &Scope<'_>) -> Result<Analysis, EngineError> {
    let select = &parsed.select;
    let aliases = select_aliases(select);
    let alias_names: Vec<String> = aliases.iter().map(|(a, _)| a.clone()).collect();
    let ctx = Ctx {
        parsed,
        scope,
        aliases: &alias_names,
    };
    let filter = select
        .selection
        .as_ref()
        .map(|e| ctx.normalize(e, Clause::Where))
        .transpose()?;
    let keys = group_keys(&ctx, &aliases)?;
    let mut rewriter = Rewriter {
        keys: keys.iter().map(|k| k.expr.to_string()).collect(),
        aggregates: Vec::new(),
        aliases: &alias_names,
        outputs: Vec::new(),
        clause: Clause::Select,
        error: None,
    };
    let outputs = output_columns(&ctx, &mut rewriter, keys.is_empty())?;
    rewriter.outputs = outputs
        .iter()
        .map(|o| (o.name.clone(), o.expr.clone()))
        .collect();
    let having = select
        .having
        .as_ref()
        .map(|e| rewriter.rewrite(ctx.normalize(e, Clause::Having)?, Clause::Having))
        .transpose()?;
    let order_by = order_items(&ctx, &mut rewriter, outputs.len())?;
    let (limit, offset) = limit_offset(parsed)?;
    let aggregates = rewriter.aggregates;
    check_aggregate_arguments(&aggregates)?;
    distinct::check_avg_placement(&aggregates, &outputs, having.as_ref(), &order_by)?;
    if aggregates.is_empty() && keys.is_empty() {
        return Err(no_aggregates(select));
    }
    Ok(Analysis {
        sql: parsed.sql.clone(),
        table: parsed.table.clone(),
        filter,
        keys,
        aggregates,
        outputs,
        having,
        order_by,
        limit,
        offset,
        columns_read: Vec::new(),
    })
}

/// Refuses a base table the online creation cannot work on: no primary key (the backfill reads in
/// key order) or a non-transactional engine.
fn check_table(table: &TableMeta) -> Result<(), EngineError> {
    if table.primary_key.is_empty() {
        return Err(EngineError::Table {
            table: table.name.clone(),
            reason: "has no PRIMARY KEY; the online backfill reads it in primary-key order".into(),
        });
    }
    if !table.transactional() {
        return Err(EngineError::Table {
            table: table.name.clone(),
            reason: format!(
                "uses the {} engine; summaries need InnoDB (transactional triggers and snapshots)",
                table.engine
            ),
        });
    }
    Ok(())
}

/// The aliased items of the select list, as (alias, expression).
fn select_aliases(select: &Select) -> Vec<(String, Expr)> {
    select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } => Some((alias.value.clone(), expr.clone())),
            _ => None,
        })
        .collect()
}

/// The refusal of a query that aggregates nothing.
fn no_aggregates(select: &Select) -> EngineError {
    EngineError::unsupported_hint(
        "a query without aggregates or GROUP BY",
        span_pos(select.select_token.0.span),
        "a summary needs COUNT/SUM/AVG/MIN/MAX or a GROUP BY",
    )
}

/// The distinct GROUP BY keys, normalized, in the order written.
fn group_keys(ctx: &Ctx<'_>, aliases: &[(String, Expr)]) -> Result<Vec<GroupKey>, EngineError> {
    let select = &ctx.parsed.select;
    let mut keys: Vec<GroupKey> = Vec::new();
    if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
        for e in exprs {
            let resolved = resolve_group_item(ctx, e, aliases, select)?;
            if !keys
                .iter()
                .any(|k| k.expr.to_string() == resolved.to_string())
            {
                keys.push(GroupKey {
                    expr: resolved,
                    pos: span_pos(e.span()),
                });
            }
        }
    }
    Ok(keys)
}

/// The result columns, rewritten over key and aggregate placeholders (`rewriter` collects the
/// aggregates). `no_keys`: the query has no GROUP BY, so it must aggregate something.
fn output_columns(
    ctx: &Ctx<'_>,
    rewriter: &mut Rewriter<'_>,
    no_keys: bool,
) -> Result<Vec<OutputColumn>, EngineError> {
    let parsed = ctx.parsed;
    let select = &parsed.select;
    // Normalize every item first, so an unsupported construct is reported before a column
    // that merely is not grouped.
    let mut normalized_items = Vec::new();
    let texts = select_item_texts(&parsed.sql, &parsed.mode).unwrap_or_default();
    for (index, item) in select.projection.iter().enumerate() {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(e) => (e, output_name(e, texts.get(index))?),
            SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
            _ => continue,
        };
        normalized_items.push((name, ctx.normalize(expr, Clause::Select)?));
    }
    let has_aggregate = normalized_items.iter().any(|(_, e)| contains_aggregate(e))
        || select.having.as_ref().is_some_and(contains_aggregate);
    if no_keys && !has_aggregate {
        return Err(no_aggregates(select));
    }
    let mut outputs: Vec<OutputColumn> = Vec::new();
    for ((name, normalized), item) in normalized_items.into_iter().zip(&select.projection) {
        // A view cannot have two columns of one name (names compare case-insensitively).
        if outputs.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            return Err(EngineError::unsupported_hint(
                format!("two result columns named {name}"),
                span_pos(item.span()),
                "a view needs distinct column names: give one of them an alias",
            ));
        }
        let rewritten = rewriter.rewrite(normalized, Clause::Select)?;
        outputs.push(OutputColumn {
            name,
            expr: rewritten,
        });
    }
    Ok(outputs)
}

/// The ORDER BY items, rewritten over placeholders and output names (`n_outputs` bounds a
/// positional item).
fn order_items(
    ctx: &Ctx<'_>,
    rewriter: &mut Rewriter<'_>,
    n_outputs: usize,
) -> Result<Vec<OrderItem>, EngineError> {
    let mut order_by = Vec::new();
    let Some(ob) = &ctx.parsed.query.order_by else {
        return Ok(order_by);
    };
    let items = match &ob.kind {
        OrderByKind::All(_) => {
            return Err(EngineError::unsupported(
                "ORDER BY ALL",
                span_pos(ob.span()),
            ))
        }
        OrderByKind::Expressions(items) => items,
    };
    for item in items {
        if item.with_fill.is_some() || item.options.nulls_first.is_some() {
            return Err(EngineError::unsupported(
                "NULLS FIRST/LAST or WITH FILL",
                span_pos(item.span()),
            ));
        }
        let expr = if let Expr::Value(v) = &item.expr {
            if matches!(v.value, Value::Number(..)) {
                check_ordinal(&item.expr, n_outputs)?;
            }
            item.expr.clone()
        } else {
            let normalized = ctx.normalize(&item.expr, Clause::OrderBy)?;
            rewriter.rewrite(normalized, Clause::OrderBy)?
        };
        order_by.push(OrderItem {
            expr,
            asc: item
                .options
                .sort
                .as_ref()
                .map(|s| matches!(s, OrderBySort::Asc)),
        });
    }
    Ok(order_by)
}

/// The base-table columns the filter, the keys and the aggregate arguments read, in table order
/// (so generated SQL is stable).
fn columns_read(
    table: &TableMeta,
    filter: Option<&Expr>,
    keys: &[GroupKey],
    aggregates: &[Aggregate],
) -> Vec<String> {
    let mut read = BTreeSet::new();
    let exprs = filter
        .into_iter()
        .chain(keys.iter().map(|k| &k.expr))
        .chain(aggregates.iter().filter_map(|a| a.arg.as_ref()));
    for e in exprs {
        collect_columns(e, &mut read);
    }
    table
        .columns
        .iter()
        .filter(|c| read.contains(&c.name))
        .map(|c| c.name.clone())
        .collect()
}

/// Refuses aggregate arguments the summary could not reproduce digit for digit: a division (MariaDB
/// carries more digits of each quotient than any stored value has) and MIN/MAX of NULL.
fn check_aggregate_arguments(aggregates: &[Aggregate]) -> Result<(), EngineError> {
    use sqlparser::ast::{BinaryOperator, Visit};
    struct Division(Option<Expr>);
    impl sqlparser::ast::Visitor for Division {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if matches!(
                e,
                Expr::BinaryOp {
                    op: BinaryOperator::Divide,
                    ..
                }
            ) {
                self.0 = Some(e.clone());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    for a in aggregates {
        let Some(arg) = &a.arg else { continue };
        // COUNT only asks whether its argument is NULL.
        if matches!(a.kind, AggKind::Count) {
            continue;
        }
        let mut found = Division(None);
        let _ = arg.visit(&mut found);
        if let Some(d) = found.0 {
            return Err(EngineError::unsupported_hint(
                format!("a division inside {}", a.call_sql()),
                span_pos(d.span()),
                "MariaDB keeps more digits of each quotient than a stored value has; divide the aggregate instead, e.g. SUM(x) / 3",
            ));
        }
        let multiset = matches!(a.kind, AggKind::Min | AggKind::Max) || a.kind.is_distinct();
        for value in distinct::values(arg) {
            let null = matches!(value, Expr::Value(v) if matches!(v.value, Value::Null));
            if null && multiset {
                return Err(EngineError::unsupported(
                    format!("NULL in {}", a.call_sql()),
                    span_pos(value.span()),
                ));
            }
        }
    }
    Ok(())
}

/// Refuses a table of a join whose rows a foreign-key action changes behind the triggers' back:
/// cascaded deletes always, cascaded updates when they touch a column the summary reads. (A
/// single-table summary is maintained across them by triggers on the parent tables,
/// `crate::engine::cascade`; a join's fact or dimension table is not yet.)
fn check_cascades(table: &TableMeta, columns_read: &[String]) -> Result<(), EngineError> {
    let rewrites = |rule: &str| rule != "RESTRICT" && rule != "NO ACTION";
    for c in &table.cascades {
        // A cascade into the primary key matters even when the summary does not read it: it
        // moves rows between the backfill's checkpoint regions without a trigger.
        let reads_key = c.columns.iter().any(|col| {
            columns_read.contains(col)
                || table
                    .primary_key
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(col))
        });
        let deletes = c.on_delete == "CASCADE";
        if deletes || ((rewrites(&c.on_update) || rewrites(&c.on_delete)) && reads_key) {
            return Err(EngineError::Table {
                table: table.name.clone(),
                reason: format!(
                    "foreign key {} has ON DELETE {} / ON UPDATE {}: changes made by a foreign-key action do not fire triggers, and a summary over a join is not maintained across them (a summary over this table alone is)",
                    c.constraint, c.on_delete, c.on_update
                ),
            });
        }
    }
    Ok(())
}

fn check_ordinal(e: &Expr, n: usize) -> Result<usize, EngineError> {
    let text = e.to_string();
    match text.parse::<usize>() {
        Ok(i) if i >= 1 && i <= n => Ok(i),
        _ => Err(EngineError::unsupported(
            format!("position {text} (the select list has {n} columns)"),
            span_pos(e.span()),
        )),
    }
}

fn limit_offset(parsed: &ParsedQuery) -> Result<(Option<String>, Option<String>), EngineError> {
    let literal = |e: &Expr| -> Result<String, EngineError> {
        match e {
            Expr::Value(v) if matches!(v.value, Value::Number(..)) => Ok(e.to_string()),
            _ => Err(EngineError::unsupported(
                "LIMIT/OFFSET that is not a number",
                span_pos(e.span()),
            )),
        }
    };
    match &parsed.query.limit_clause {
        None => Ok((None, None)),
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if !limit_by.is_empty() {
                return Err(EngineError::unsupported("LIMIT BY", None));
            }
            let l = limit.as_ref().map(literal).transpose()?;
            let o = offset.as_ref().map(|o| literal(&o.value)).transpose()?;
            Ok((l, o))
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            Ok((Some(literal(limit)?), Some(literal(offset)?)))
        }
    }
}

/// The column name MariaDB gives an unaliased select item: a column's name, a string literal's
/// value, otherwise the item's text as written (`text`).
fn output_name(e: &Expr, text: Option<&String>) -> Result<String, EngineError> {
    let name = match e {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|i| i.value.clone()).unwrap_or_default()
        }
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                if s.is_empty() || s.ends_with(' ') {
                    return Err(EngineError::unsupported_hint(
                        format!("an unaliased string literal '{s}'"),
                        span_pos(e.span()),
                        "a view column name cannot be empty or end in a space: give it an alias",
                    ));
                }
                s.clone()
            }
            _ => text.cloned().unwrap_or_else(|| e.to_string()),
        },
        _ => text.cloned().unwrap_or_else(|| e.to_string()),
    };
    // A view's column names are identifiers (64 characters at most); the query's are not.
    if name.chars().count() > 64 {
        return Err(EngineError::unsupported_hint(
            "an unaliased select item longer than 64 characters",
            span_pos(e.span()),
            "a view column name has at most 64 characters: give the item an alias (… AS name)",
        ));
    }
    Ok(name)
}

fn resolve_group_item(
    ctx: &Ctx<'_>,
    e: &Expr,
    aliases: &[(String, Expr)],
    select: &sqlparser::ast::Select,
) -> Result<Expr, EngineError> {
    // GROUP BY <n>: the n-th select item.
    if let Expr::Value(v) = e {
        if matches!(v.value, Value::Number(..)) {
            let n = check_ordinal(e, select.projection.len())?;
            let item_expr = match &select.projection[n - 1] {
                SelectItem::UnnamedExpr(x) | SelectItem::ExprWithAlias { expr: x, .. } => x,
                other => {
                    return Err(EngineError::unsupported(
                        "GROUP BY position of this item",
                        span_pos(other.span()),
                    ))
                }
            };
            return ctx.normalize(item_expr, Clause::GroupBy);
        }
    }
    // GROUP BY <alias> when no column of that name exists (columns win, as in MariaDB).
    if let Expr::Identifier(id) = e {
        if !ctx.scope.has_column(&id.value) {
            if let Some((_, aliased)) = aliases
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(&id.value))
            {
                return ctx.normalize(aliased, Clause::GroupBy);
            }
        }
    }
    ctx.normalize(e, Clause::GroupBy)
}
