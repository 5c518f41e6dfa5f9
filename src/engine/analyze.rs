//! Analysis: from a parsed query and the base table's metadata to an [`Analysis`] — group keys,
//! aggregates and the read-time expression of every result column. Pure: no server involved.

use super::error::{EngineError, Pos};
use super::functions::{is_in, NON_DETERMINISTIC, SUPPORTED_AGGREGATES, UNSUPPORTED_AGGREGATES};
use super::meta::TableMeta;
use super::parse::{item_text, object_parts, span_pos, ParsedQuery};
use super::plan::{
    agg_placeholder, key_placeholder, AggKind, Aggregate, Analysis, GroupKey, OrderItem,
    OutputColumn,
};
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget,
    LimitClause, ObjectNamePart, OrderByKind, OrderBySort, SelectItem, Spanned, Value, VisitMut,
    VisitorMut,
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

/// Analyses `parsed` against the base table `table`.
pub fn analyze(parsed: &ParsedQuery, table: &TableMeta) -> Result<Analysis, EngineError> {
    if table.primary_key.is_empty() {
        return Err(EngineError::Table {
            table: table.name.clone(),
            reason: "has no PRIMARY KEY; the online backfill reads it in primary-key order".into(),
        });
    }
    if !table.engine.eq_ignore_ascii_case("InnoDB") {
        return Err(EngineError::Table {
            table: table.name.clone(),
            reason: format!(
                "uses the {} engine; summaries need InnoDB (transactional triggers and snapshots)",
                table.engine
            ),
        });
    }
    let select = &parsed.select;
    let aliases: Vec<(String, Expr)> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } => Some((alias.value.clone(), expr.clone())),
            _ => None,
        })
        .collect();
    let alias_names: Vec<String> = aliases.iter().map(|(a, _)| a.clone()).collect();
    let ctx = Ctx {
        parsed,
        table,
        aliases: &alias_names,
    };

    let filter = match &select.selection {
        Some(e) => Some(ctx.normalize(e, Clause::Where)?),
        None => None,
    };

    let mut keys: Vec<GroupKey> = Vec::new();
    if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
        for e in exprs {
            let resolved = resolve_group_item(&ctx, e, &aliases, select)?;
            if !keys
                .iter()
                .any(|k| k.expr.to_string() == resolved.to_string())
            {
                keys.push(GroupKey { expr: resolved });
            }
        }
    }

    let mut rewriter = Rewriter {
        keys: keys.iter().map(|k| k.expr.to_string()).collect(),
        aggregates: Vec::new(),
        aliases: &alias_names,
        outputs: Vec::new(),
        clause: Clause::Select,
        error: None,
    };
    // Normalize every item first, so an unsupported construct is reported before a column
    // that merely is not grouped.
    let mut normalized_items = Vec::new();
    for item in &select.projection {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(e) => (e, output_name(parsed, e)),
            SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
            _ => continue,
        };
        normalized_items.push((name, ctx.normalize(expr, Clause::Select)?));
    }
    let has_aggregate = normalized_items.iter().any(|(_, e)| contains_aggregate(e))
        || select.having.as_ref().is_some_and(contains_aggregate);
    if keys.is_empty() && !has_aggregate {
        return Err(EngineError::unsupported_hint(
            "a query without aggregates or GROUP BY",
            span_pos(select.select_token.0.span),
            "a summary needs COUNT/SUM/AVG/MIN/MAX or a GROUP BY",
        ));
    }
    let mut outputs = Vec::new();
    for (name, normalized) in normalized_items {
        let rewritten = rewriter.rewrite(normalized, Clause::Select)?;
        outputs.push(OutputColumn {
            name,
            expr: rewritten,
        });
    }
    rewriter.outputs = outputs
        .iter()
        .map(|o| (o.name.clone(), o.expr.clone()))
        .collect();
    let having = match &select.having {
        Some(e) => {
            let normalized = ctx.normalize(e, Clause::Having)?;
            Some(rewriter.rewrite(normalized, Clause::Having)?)
        }
        None => None,
    };
    let mut order_by = Vec::new();
    if let Some(ob) = &parsed.query.order_by {
        match &ob.kind {
            OrderByKind::All(_) => {
                return Err(EngineError::unsupported(
                    "ORDER BY ALL",
                    span_pos(ob.span()),
                ))
            }
            OrderByKind::Expressions(items) => {
                for item in items {
                    if item.with_fill.is_some() || item.options.nulls_first.is_some() {
                        return Err(EngineError::unsupported(
                            "NULLS FIRST/LAST or WITH FILL",
                            span_pos(item.span()),
                        ));
                    }
                    let expr = if let Expr::Value(v) = &item.expr {
                        if matches!(v.value, Value::Number(..)) {
                            check_ordinal(&item.expr, outputs.len())?;
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
            }
        }
    }
    let (limit, offset) = limit_offset(parsed)?;
    let aggregates = rewriter.aggregates;
    if aggregates.is_empty() && keys.is_empty() {
        return Err(EngineError::unsupported_hint(
            "a query without aggregates or GROUP BY",
            span_pos(select.select_token.0.span),
            "a summary needs COUNT/SUM/AVG/MIN/MAX or a GROUP BY",
        ));
    }

    let mut columns_read = BTreeSet::new();
    let mut collect = |e: &Expr| collect_columns(e, &mut columns_read);
    if let Some(f) = &filter {
        collect(f);
    }
    for k in &keys {
        collect(&k.expr);
    }
    for a in &aggregates {
        if let Some(arg) = &a.arg {
            collect(arg);
        }
    }
    // Report columns in table order, so generated SQL is stable.
    let columns_read: Vec<String> = table
        .columns
        .iter()
        .filter(|c| columns_read.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();

    check_cascades(table, &columns_read)?;
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
        columns_read,
    })
}

/// Refuses a table whose rows a foreign-key action changes behind the triggers' back: cascaded
/// deletes always, cascaded updates when they touch a column the summary reads.
fn check_cascades(table: &TableMeta, columns_read: &[String]) -> Result<(), EngineError> {
    let rewrites = |rule: &str| rule != "RESTRICT" && rule != "NO ACTION";
    for c in &table.cascades {
        let reads_key = c.columns.iter().any(|col| columns_read.contains(col));
        let deletes = c.on_delete == "CASCADE";
        if deletes || ((rewrites(&c.on_update) || rewrites(&c.on_delete)) && reads_key) {
            return Err(EngineError::Table {
                table: table.name.clone(),
                reason: format!(
                    "foreign key {} has ON DELETE {} / ON UPDATE {}: changes made by a foreign-key action do not fire triggers, so the summary would drift",
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

/// The column name MariaDB gives an unaliased select item.
fn output_name(parsed: &ParsedQuery, e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|i| i.value.clone()).unwrap_or_default()
        }
        _ => {
            let start = e.span().start;
            item_text(&parsed.sql, start).unwrap_or_else(|| e.to_string())
        }
    }
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
        if ctx.table.column(&id.value).is_none() {
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

struct Ctx<'a> {
    parsed: &'a ParsedQuery,
    table: &'a TableMeta,
    aliases: &'a [String],
}

impl Ctx<'_> {
    /// Resolves column references to quoted bare identifiers, uppercases function names and refuses
    /// constructs the engine cannot maintain.
    fn normalize(&self, e: &Expr, clause: Clause) -> Result<Expr, EngineError> {
        let mut out = e.clone();
        let mut n = Normalizer {
            ctx: self,
            clause,
            agg_depth: 0,
            error: None,
        };
        let _ = out.visit(&mut n);
        match n.error {
            Some(err) => Err(err),
            None => Ok(out),
        }
    }

    fn table_label(&self) -> String {
        match &self.parsed.table.schema {
            Some(s) => format!("{s}.{}", self.parsed.table.name),
            None => self.parsed.table.name.clone(),
        }
    }

    fn qualifier_matches(&self, qualifier: &[Ident]) -> bool {
        let t = &self.parsed.table;
        match qualifier {
            [q] => match &t.alias {
                Some(a) => q.value.eq_ignore_ascii_case(a),
                None => q.value.eq_ignore_ascii_case(&t.name),
            },
            [s, q] => {
                t.alias.is_none()
                    && q.value.eq_ignore_ascii_case(&t.name)
                    && s.value
                        .eq_ignore_ascii_case(t.schema.as_deref().unwrap_or(&self.table.schema))
            }
            _ => false,
        }
    }
}

struct Normalizer<'a, 'b> {
    ctx: &'a Ctx<'b>,
    clause: Clause,
    agg_depth: usize,
    error: Option<EngineError>,
}

impl Normalizer<'_, '_> {
    fn fail(&mut self, e: EngineError) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }

    fn column(&mut self, expr: &mut Expr, ident: &Ident, pos: Option<Pos>) -> ControlFlow<()> {
        if ident.value.starts_with('@') {
            return self.fail(EngineError::unsupported(
                format!("variable {}", ident.value),
                pos,
            ));
        }
        match self.ctx.table.column(&ident.value) {
            Some(col) => {
                *expr = Expr::Identifier(Ident {
                    value: col.name.clone(),
                    quote_style: Some('`'),
                    span: ident.span,
                });
                ControlFlow::Continue(())
            }
            None => {
                let alias_ok = matches!(self.clause, Clause::Having | Clause::OrderBy)
                    && self
                        .ctx
                        .aliases
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&ident.value));
                if alias_ok {
                    // A reference to a result column; kept as an unquoted name for the outer query.
                    *expr = Expr::Identifier(Ident::with_quote('`', ident.value.clone()));
                    ControlFlow::Continue(())
                } else {
                    self.fail(EngineError::UnknownColumn {
                        column: ident.value.clone(),
                        table: self.ctx.table_label(),
                        pos,
                    })
                }
            }
        }
    }

    fn function(&mut self, f: &mut Function, pos: Option<Pos>) -> ControlFlow<()> {
        let parts = object_parts(&f.name);
        if parts.len() != 1 {
            return self.fail(EngineError::unsupported_hint(
                format!("stored function {}", f.name),
                pos,
                "stored functions may be non-deterministic",
            ));
        }
        let upper = parts[0].to_ascii_uppercase();
        f.name.0 = vec![ObjectNamePart::Identifier(Ident::new(upper.clone()))];
        if f.over.is_some() {
            return self.fail(EngineError::unsupported(
                format!("window function {upper}(...) OVER"),
                pos,
            ));
        }
        if is_in(NON_DETERMINISTIC, &upper) {
            return self.fail(EngineError::unsupported_hint(
                format!("non-deterministic function {upper}()"),
                pos,
                "a trigger and a later read would see different values",
            ));
        }
        if is_in(UNSUPPORTED_AGGREGATES, &upper) {
            return self.fail(EngineError::unsupported_hint(
                format!("aggregate {upper}()"),
                pos,
                "it cannot be maintained from row changes; use COUNT, SUM, AVG, MIN or MAX",
            ));
        }
        if is_in(SUPPORTED_AGGREGATES, &upper) {
            if matches!(self.clause, Clause::Where | Clause::GroupBy) {
                let clause = if self.clause == Clause::Where {
                    "WHERE"
                } else {
                    "GROUP BY"
                };
                return self.fail(EngineError::unsupported(
                    format!("aggregate {upper}() in {clause}"),
                    pos,
                ));
            }
            if self.agg_depth > 0 {
                return self.fail(EngineError::unsupported(
                    format!("nested aggregate {upper}()"),
                    pos,
                ));
            }
            if f.filter.is_some() || !f.within_group.is_empty() || f.null_treatment.is_some() {
                return self.fail(EngineError::unsupported(
                    format!("{upper}() with FILTER/WITHIN GROUP"),
                    pos,
                ));
            }
            if let FunctionArguments::List(list) = &f.args {
                if list.duplicate_treatment.is_some()
                    && list.duplicate_treatment.map(|d| d.to_string()) == Some("DISTINCT".into())
                {
                    return self.fail(EngineError::unsupported_hint(
                        format!("{upper}(DISTINCT ...)"),
                        pos,
                        "DISTINCT aggregates are planned for a later tier",
                    ));
                }
                if !list.clauses.is_empty() {
                    return self.fail(EngineError::unsupported(
                        format!("{upper}() with ORDER BY/SEPARATOR/LIMIT"),
                        pos,
                    ));
                }
                if list.args.len() != 1 {
                    return self.fail(EngineError::unsupported(
                        format!("{upper}() with {} arguments", list.args.len()),
                        pos,
                    ));
                }
            } else {
                return self.fail(EngineError::unsupported(
                    format!("{upper} without arguments"),
                    pos,
                ));
            }
            self.agg_depth += 1;
        }
        ControlFlow::Continue(())
    }
}

fn is_aggregate_call(e: &Expr) -> bool {
    if let Expr::Function(f) = e {
        let parts = object_parts(&f.name);
        parts.len() == 1 && is_in(SUPPORTED_AGGREGATES, &parts[0])
    } else {
        false
    }
}

impl VisitorMut for Normalizer<'_, '_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let pos = span_pos(expr.span());
        match expr {
            Expr::Identifier(ident) => {
                let ident = ident.clone();
                self.column(expr, &ident, pos)
            }
            Expr::CompoundIdentifier(parts) => {
                let parts = parts.clone();
                let (col, qualifier) = match parts.split_last() {
                    Some(x) => x,
                    None => return ControlFlow::Continue(()),
                };
                if !self.ctx.qualifier_matches(qualifier) {
                    let q: Vec<String> = qualifier.iter().map(|i| i.value.clone()).collect();
                    return self.fail(EngineError::unsupported_hint(
                        format!("reference to table {}", q.join(".")),
                        pos,
                        "only the base table of the query can be referenced",
                    ));
                }
                self.column(expr, col, pos)
            }
            Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::In {
                target: InTarget::Subquery(_),
                ..
            } => self.fail(EngineError::unsupported_hint(
                "subquery",
                pos,
                "subqueries are planned for a later tier",
            )),
            Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => {
                self.fail(EngineError::unsupported("parameter placeholder", pos))
            }
            Expr::Function(f) => self.function(f, pos),
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => {
                self.fail(EngineError::unsupported("* outside COUNT(*)", pos))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if is_aggregate_call(expr) && self.agg_depth > 0 {
            self.agg_depth -= 1;
        }
        ControlFlow::Continue(())
    }
}

/// Replaces group keys and aggregate calls by placeholders; any other column reference is an error.
struct Rewriter<'a> {
    keys: Vec<String>,
    aggregates: Vec<Aggregate>,
    aliases: &'a [String],
    /// Result columns by name: a HAVING reference to an alias becomes its expression.
    outputs: Vec<(String, Expr)>,
    clause: Clause,
    error: Option<EngineError>,
}

impl Rewriter<'_> {
    fn rewrite(&mut self, mut e: Expr, clause: Clause) -> Result<Expr, EngineError> {
        self.clause = clause;
        let _ = e.visit(self);
        match self.error.take() {
            Some(err) => Err(err),
            None => Ok(e),
        }
    }

    fn aggregate(&mut self, f: &Function) -> Aggregate {
        let upper = object_parts(&f.name)
            .first()
            .cloned()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let arg = match &f.args {
            FunctionArguments::List(list) => match list.args.first() {
                Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e.clone()),
                _ => None,
            },
            _ => None,
        };
        let kind = match (upper.as_str(), &arg) {
            ("COUNT", None) => AggKind::CountStar,
            ("COUNT", Some(_)) => AggKind::Count,
            ("SUM", _) => AggKind::Sum,
            ("AVG", _) => AggKind::Avg,
            ("MIN", _) => AggKind::Min,
            _ => AggKind::Max,
        };
        // COUNT(<non-null literal>) counts rows exactly like COUNT(*).
        let (kind, arg) = match (&kind, &arg) {
            (AggKind::Count, Some(Expr::Value(v))) if !matches!(v.value, Value::Null) => {
                (AggKind::CountStar, None)
            }
            _ => (kind, arg),
        };
        Aggregate { kind, arg }
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let text = expr.to_string();
        if let Some(i) = self.keys.iter().position(|k| *k == text) {
            *expr = Expr::Identifier(Ident::with_quote('`', key_placeholder(i)));
            return ControlFlow::Continue(());
        }
        if let Expr::Function(f) = expr {
            let parts = object_parts(&f.name);
            if parts.len() == 1 && is_in(SUPPORTED_AGGREGATES, &parts[0]) {
                let agg = self.aggregate(f);
                let same = |a: &Aggregate| {
                    a.kind == agg.kind
                        && a.arg.as_ref().map(|x| x.to_string())
                            == agg.arg.as_ref().map(|x| x.to_string())
                };
                let i = match self.aggregates.iter().position(same) {
                    Some(i) => i,
                    None => {
                        self.aggregates.push(agg);
                        self.aggregates.len() - 1
                    }
                };
                *expr = Expr::Identifier(Ident::with_quote('`', agg_placeholder(i)));
                return ControlFlow::Continue(());
            }
        }
        if let Expr::Identifier(id) = expr {
            if self.clause == Clause::Having {
                let found = self
                    .outputs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&id.value))
                    .map(|(_, e)| e.clone());
                if let Some(e) = found {
                    *expr = Expr::Nested(Box::new(e));
                    return ControlFlow::Continue(());
                }
            }
            let is_placeholder = id.value.starts_with("__k") || id.value.starts_with("__a");
            let is_alias = matches!(self.clause, Clause::Having | Clause::OrderBy)
                && self
                    .aliases
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&id.value));
            if !is_placeholder && !is_alias {
                self.error = Some(EngineError::NotGrouped {
                    column: id.value.clone(),
                    pos: span_pos(id.span),
                });
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

fn contains_aggregate(e: &Expr) -> bool {
    use sqlparser::ast::Visit;
    struct A;
    impl sqlparser::ast::Visitor for A {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if is_aggregate_call(e) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    e.visit(&mut A).is_break()
}

fn collect_columns(e: &Expr, out: &mut BTreeSet<String>) {
    use sqlparser::ast::Visit;
    struct C<'a>(&'a mut BTreeSet<String>);
    impl sqlparser::ast::Visitor for C<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::Identifier(i) = e {
                self.0.insert(i.value.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let _ = e.visit(&mut C(out));
}
