//! DISTINCT aggregates: `COUNT(DISTINCT a[, b...])`, `SUM(DISTINCT x)`, `AVG(DISTINCT x)`.
//! They read a per-(group, value) multiplicity that the triggers keep (the MIN/MAX multiset,
//! shared with every aggregate over the same argument); a value counts while its multiplicity
//! is positive.

use crate::engine::error::Pos;
use crate::engine::plan::{AggKind, Aggregate};
use sqlparser::ast::{
    DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArgumentList,
};

/// Whether an aggregate's argument list says DISTINCT.
pub(super) fn is_distinct(list: &FunctionArgumentList) -> bool {
    matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct))
}

/// The DISTINCT aggregate `upper(list)` stands for, if it is one. `MIN(DISTINCT x)` and
/// `MAX(DISTINCT x)` are their plain forms (the extreme does not depend on duplicates). Several
/// arguments of `COUNT(DISTINCT a, b)` become one tuple: the multiset keeps one value column
/// each, and a tuple with a NULL anywhere is not counted (as MariaDB does).
pub(super) fn aggregate(
    upper: &str,
    list: &FunctionArgumentList,
    pos: Option<Pos>,
) -> Option<Aggregate> {
    if !is_distinct(list) {
        return None;
    }
    let kind = match upper {
        "COUNT" => AggKind::CountDistinct,
        "SUM" => AggKind::SumDistinct,
        "AVG" => AggKind::AvgDistinct,
        _ => return None,
    };
    let mut args: Vec<Expr> = list
        .args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect();
    let arg = if args.len() == 1 {
        args.pop()
    } else {
        Some(Expr::Tuple(args))
    };
    Some(Aggregate { kind, arg, pos })
}

/// The values one argument of a DISTINCT aggregate compares: a tuple's items, or itself.
pub fn values(arg: &Expr) -> Vec<&Expr> {
    match arg {
        Expr::Tuple(items) => items.iter().collect(),
        e => vec![e],
    }
}
