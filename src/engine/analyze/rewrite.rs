//! Rewriting: group keys and aggregate calls in the select list, HAVING and ORDER BY become
//! placeholders that the read view resolves against the per-group values.

use super::normalize::is_aggregate_call;
use super::Clause;
use crate::engine::error::EngineError;
use crate::engine::functions::{is_in, SUPPORTED_AGGREGATES};
use crate::engine::parse::{object_parts, span_pos};
use crate::engine::plan::{agg_placeholder, key_placeholder, AggKind, Aggregate};
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Spanned, Value,
    VisitMut, VisitorMut,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Replaces group keys and aggregate calls by placeholders; any other column reference is an error.
pub(super) struct Rewriter<'a> {
    pub(super) keys: Vec<String>,
    pub(super) aggregates: Vec<Aggregate>,
    pub(super) aliases: &'a [String],
    /// Result columns by name: a HAVING reference to an alias becomes its expression.
    pub(super) outputs: Vec<(String, Expr)>,
    pub(super) clause: Clause,
    pub(super) error: Option<EngineError>,
}

impl Rewriter<'_> {
    pub(super) fn rewrite(&mut self, mut e: Expr, clause: Clause) -> Result<Expr, EngineError> {
        self.clause = clause;
        let _ = e.visit(self);
        match self.error.take() {
            Some(err) => Err(err),
            None => Ok(e),
        }
    }

    fn aggregate(&mut self, f: &Function) -> Result<Aggregate, EngineError> {
        let upper = object_parts(&f.name)
            .first()
            .cloned()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if let FunctionArguments::List(list) = &f.args {
            if let Some(agg) = super::distinct::aggregate(&upper, list, span_pos(f.span()))? {
                return Ok(agg);
            }
        }
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
            ("BIT_AND", _) => AggKind::BitAnd,
            ("BIT_OR", _) => AggKind::BitOr,
            ("BIT_XOR", _) => AggKind::BitXor,
            (name, _) => AggKind::variance(name).unwrap_or(AggKind::Max),
        };
        // COUNT(<non-null literal>) counts rows exactly like COUNT(*).
        let (kind, arg) = match (&kind, &arg) {
            (AggKind::Count, Some(Expr::Value(v))) if !matches!(v.value, Value::Null) => {
                (AggKind::CountStar, None)
            }
            _ => (kind, arg),
        };
        Ok(Aggregate {
            kind,
            arg,
            pos: span_pos(f.span()),
            concat: None,
        })
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // An ORDER BY name that normalization resolved to a result alias stays one, even when
        // a group key is a column of the same name.
        if let Expr::Identifier(id) = expr {
            let alias = self.clause == Clause::OrderBy
                && self
                    .aliases
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&id.value));
            if alias {
                return ControlFlow::Continue(());
            }
        }
        let text = expr.to_string();
        if let Some(i) = self.keys.iter().position(|k| *k == text) {
            *expr = Expr::Identifier(Ident::with_quote('`', key_placeholder(i)));
            return ControlFlow::Continue(());
        }
        if let Expr::Function(f) = expr {
            let parts = object_parts(&f.name);
            if parts.len() == 1 && is_in(SUPPORTED_AGGREGATES, &parts[0]) {
                let agg = match self.aggregate(f) {
                    Ok(agg) => agg,
                    Err(e) => {
                        self.error = Some(e);
                        return ControlFlow::Break(());
                    }
                };
                let same = |a: &Aggregate| {
                    a.kind == agg.kind
                        && a.arg.as_ref().map(std::string::ToString::to_string)
                            == agg.arg.as_ref().map(std::string::ToString::to_string)
                        && a.concat == agg.concat
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

pub(super) fn contains_aggregate(e: &Expr) -> bool {
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

pub(super) fn collect_columns(e: &Expr, out: &mut BTreeSet<String>) {
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
