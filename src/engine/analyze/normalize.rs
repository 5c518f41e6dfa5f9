//! Normalization: column references resolved against the base table and quoted, function names
//! upper-cased, and every construct a summary cannot maintain refused with its position.

use super::scope::{Resolved, Scope};
use super::{session, time_date, Clause};
use crate::engine::error::{EngineError, Pos};
use crate::engine::functions::{
    is_in, NON_DETERMINISTIC, SUPPORTED_AGGREGATES, UNSUPPORTED_AGGREGATES,
};
use crate::engine::parse::{object_parts, span_pos, ParsedQuery};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArguments, Ident, InTarget, ObjectNamePart, SelectItem,
    Spanned, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// What names resolve against.
pub(super) struct Ctx<'a> {
    pub(super) parsed: &'a ParsedQuery,
    pub(super) scope: &'a Scope<'a>,
    pub(super) aliases: &'a [String],
}

impl Ctx<'_> {
    /// Resolves column references to quoted bare identifiers, uppercases function names and refuses
    /// constructs the engine cannot maintain.
    pub(super) fn normalize(&self, e: &Expr, clause: Clause) -> Result<Expr, EngineError> {
        let mut out = e.clone();
        let mut n = Normalizer {
            ctx: self,
            clause,
            agg_depth: 0,
            in_count: false,
            error: None,
        };
        let _ = out.visit(&mut n);
        match n.error {
            Some(err) => Err(err),
            None => {
                let _ = out.visit(&mut Canonical);
                Ok(out)
            }
        }
    }

    fn table_label(&self) -> String {
        let t = self.scope.base().reference;
        match &t.schema {
            Some(s) => format!("{s}.{}", t.name),
            None => t.name.clone(),
        }
    }
}

struct Normalizer<'a, 'b> {
    ctx: &'a Ctx<'b>,
    clause: Clause,
    agg_depth: usize,
    /// Inside COUNT(...), which only asks whether its argument is NULL.
    in_count: bool,
    error: Option<EngineError>,
}

impl Normalizer<'_, '_> {
    fn fail(&mut self, e: EngineError) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }

    /// Whether an expression here is evaluated by the triggers and stored (a WHERE test, a group
    /// key, an aggregate's input), so that its value must not depend on the writer's session.
    fn stored(&self) -> bool {
        matches!(self.clause, Clause::Where | Clause::GroupBy)
            || (self.agg_depth > 0 && !self.in_count)
    }

    /// The first positional argument of `f` that is a TIME value (a TIME column, literal, cast
    /// or function result; not a TIMESTAMP), described.
    fn time_argument(&self, f: &Function) -> Option<String> {
        let FunctionArguments::List(list) = &f.args else {
            return None;
        };
        list.args.iter().find_map(|a| match a {
            sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                time_date::time_value(self.ctx.scope, e)
            }
            _ => None,
        })
    }

    fn session_dependent(&mut self, why: (String, &str), pos: Option<Pos>) -> ControlFlow<()> {
        self.fail(EngineError::unsupported_hint(why.0, pos, why.1))
    }

    /// Whether the select list has column `name` itself under a different alias.
    fn column_behind_another_alias(&self, name: &str) -> bool {
        self.ctx
            .parsed
            .select
            .projection
            .iter()
            .any(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } => {
                    let column = match expr {
                        Expr::Identifier(i) => Some(&i.value),
                        Expr::CompoundIdentifier(parts) => parts.last().map(|i| &i.value),
                        _ => None,
                    };
                    column.is_some_and(|c| c.eq_ignore_ascii_case(name))
                        && !alias.value.eq_ignore_ascii_case(name)
                }
                _ => false,
            })
    }

    fn column(
        &mut self,
        expr: &mut Expr,
        qualifier: &[Ident],
        ident: &Ident,
        pos: Option<Pos>,
    ) -> ControlFlow<()> {
        if ident.value.starts_with('@') {
            return self.fail(EngineError::unsupported(
                format!("variable {}", ident.value),
                pos,
            ));
        }
        // In ORDER BY MariaDB looks a name up in the select list first: `SUM(revenue) AS revenue
        // ... ORDER BY revenue` sorts by the sum. (Inside an aggregate's argument a name is
        // always the table's column.)
        let names_alias = matches!(self.clause, Clause::OrderBy)
            && self.agg_depth == 0
            && qualifier.is_empty()
            && self
                .ctx
                .aliases
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&ident.value));
        if names_alias {
            if self.column_behind_another_alias(&ident.value) {
                // `SUM(u) AS dt, dt AS c ... ORDER BY dt`: the select list has two candidates,
                // and MariaDB's choice between them is subtle; the summary could order
                // differently.
                return self.fail(EngineError::unsupported_hint(
                    format!(
                        "ORDER BY {}, which names a result alias and also a column selected under another alias",
                        ident.value
                    ),
                    pos,
                    "order by the result column's position (ORDER BY 2) or rename the alias",
                ));
            }
            *expr = Expr::Identifier(Ident::with_quote('`', ident.value.clone()));
            return ControlFlow::Continue(());
        }
        match self.ctx.scope.resolve(qualifier, &ident.value) {
            Resolved::Column(table, col) => {
                *expr = self.ctx.scope.column_expr(table, col, (qualifier, ident));
                ControlFlow::Continue(())
            }
            Resolved::NoSuchTable => {
                let q: Vec<String> = qualifier.iter().map(|i| i.value.clone()).collect();
                let hint = if self.ctx.scope.joined() {
                    "only the tables of FROM can be referenced"
                } else {
                    "only the base table of the query can be referenced"
                };
                self.fail(EngineError::unsupported_hint(
                    format!("reference to table {}", q.join(".")),
                    pos,
                    hint,
                ))
            }
            Resolved::Ambiguous => self.fail(EngineError::unsupported_hint(
                format!("column {} is in several joined tables", ident.value),
                pos,
                "qualify it with its table or alias",
            )),
            Resolved::Unknown => {
                let alias_ok = qualifier.is_empty()
                    && matches!(self.clause, Clause::Having | Clause::OrderBy)
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
        if self.stored() {
            if let Some(why) = session::dependent_function(&upper, f) {
                return self.session_dependent(why, pos);
            }
            if is_in(session::TAKES_A_DATE, &upper) {
                if let Some(column) = self.time_argument(f) {
                    return self.session_dependent(
                        session::time_as_date(&format!("{upper}()"), &column),
                        pos,
                    );
                }
            }
        }
        if is_in(UNSUPPORTED_AGGREGATES, &upper) {
            return self.fail(EngineError::unsupported_hint(
                format!("aggregate {upper}()"),
                pos,
                "it cannot be maintained from row changes; use COUNT, SUM, AVG, MIN, MAX, BIT_AND/BIT_OR/BIT_XOR or STDDEV/VARIANCE",
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
            let distinct = match &f.args {
                FunctionArguments::List(list) => super::distinct::is_distinct(list),
                _ => false,
            };
            if let Some(e) = super::distinct::refused_distinct(&upper, distinct, pos) {
                return self.fail(e);
            }
            if let FunctionArguments::List(list) = &f.args {
                // GROUP_CONCAT's ORDER BY and SEPARATOR are checked once normalized
                // (analyze/distinct.rs).
                if !list.clauses.is_empty() && upper != "GROUP_CONCAT" {
                    return self.fail(EngineError::unsupported(
                        format!("{upper}() with ORDER BY/SEPARATOR/LIMIT"),
                        pos,
                    ));
                }
                // COUNT(DISTINCT a, b) counts tuples; no other aggregate takes several.
                let several = distinct && upper == "COUNT" && !list.args.is_empty();
                if list.args.len() != 1 && !several {
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
            // COUNT(x) only asks whether x is NULL; COUNT(DISTINCT x) compares the values.
            self.in_count = upper == "COUNT" && !distinct;
        }
        ControlFlow::Continue(())
    }
}

pub(super) fn is_aggregate_call(e: &Expr) -> bool {
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
        if self.stored() {
            if let Some((what, time)) = time_date::meets_a_date(self.ctx.scope, expr) {
                return self.session_dependent(session::time_meets_date(&what, &time), pos);
            }
            if let Expr::Extract {
                field: sqlparser::ast::DateTimeField::Week(_),
                ..
            } = expr
            {
                return self.session_dependent(session::extract_week(), pos);
            }
        }
        if self.clause == Clause::Where {
            if let Some((constant, time)) = time_date::equal_to_a_date_string(self.ctx.scope, expr)
            {
                return self
                    .session_dependent(session::time_equals_date_string(&constant, &time), pos);
            }
        }
        match expr {
            Expr::Identifier(ident) => {
                let ident = ident.clone();
                self.column(expr, &[], &ident, pos)
            }
            Expr::CompoundIdentifier(parts) => {
                let parts = parts.clone();
                let Some((col, qualifier)) = parts.split_last() else {
                    return ControlFlow::Continue(());
                };
                self.column(expr, qualifier, col, pos)
            }
            Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::In {
                target: InTarget::Subquery(_),
                ..
            } => self.fail(EngineError::unsupported("subquery", pos)),
            Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => {
                self.fail(EngineError::unsupported("parameter placeholder", pos))
            }
            Expr::Function(f) => self.function(f, pos),
            Expr::Cast {
                expr: inner,
                data_type:
                    sqlparser::ast::DataType::Date
                    | sqlparser::ast::DataType::Datetime(_)
                    | sqlparser::ast::DataType::Timestamp(..),
                ..
            } if self.stored() => match time_date::time_value(self.ctx.scope, inner) {
                Some(time) => {
                    let at = pos.or_else(|| span_pos(inner.span()));
                    self.session_dependent(session::time_as_date("a cast to a date", &time), at)
                }
                None => ControlFlow::Continue(()),
            },
            Expr::BinaryOp {
                op: BinaryOperator::Divide,
                ..
            } if matches!(self.clause, Clause::Where | Clause::GroupBy) => {
                // (Inside SUM/AVG/MIN/MAX a division is refused later, for its digits.)
                self.session_dependent(session::division(), pos)
            }
            // sqlparser gives REGEXP no span of its own: point at its left operand.
            Expr::RLike { expr: left, .. }
            | Expr::BinaryOp {
                op: BinaryOperator::Regexp,
                left,
                ..
            } if self.stored() => {
                let at = pos.or_else(|| span_pos(left.span()));
                self.session_dependent(session::regex("REGEXP"), at)
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => {
                self.fail(EngineError::unsupported("* outside COUNT(*)", pos))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if is_aggregate_call(expr) && self.agg_depth > 0 {
            self.agg_depth -= 1;
            self.in_count = false;
        }
        ControlFlow::Continue(())
    }
}

/// Spells literals and identifiers so that they read the same under LightningTables' own
/// `sql_mode` (`NO_ENGINE_SUBSTITUTION`), whatever mode the query was written under: strings in
/// single quotes with every backslash doubled (the value holds the characters MariaDB read, and
/// sqlparser prints them without escaping backslashes), identifiers in backquotes (`"x"` is a
/// string there).
struct Canonical;

impl VisitorMut for Canonical {
    type Break = ();

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        match &mut value.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                value.value = Value::SingleQuotedString(s.replace('\\', "\\\\"));
            }
            Value::NationalStringLiteral(s) => {
                *s = s.replace('\\', "\\\\");
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let requote = |i: &mut Ident| {
            if i.quote_style.is_some() {
                i.quote_style = Some('`');
            }
        };
        match expr {
            Expr::Identifier(i) => requote(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(requote),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
