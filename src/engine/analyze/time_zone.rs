//! TIMESTAMP columns read through the session's `time_zone`: `DATE(ts)`, `ts >= '2026-01-01'` or
//! `SUM(ts)` mean different things in a writer that set `time_zone = '+00:00'` and in the
//! backfill running in the server's default, so a summary of them could not stay exact. A bare
//! TIMESTAMP inside MIN/MAX/COUNT, or as a NOT NULL GROUP BY key, is stored as the instant it is,
//! and is fine.

use super::super::error::EngineError;
use super::super::parse::span_pos;
use super::super::plan::{AggKind, Aggregate, GroupKey};
use super::scope::Scope;
use sqlparser::ast::{Expr, Ident, Spanned};
use std::ops::ControlFlow;

/// Refuses every use of a TIMESTAMP column whose value depends on the session's time zone.
pub(super) fn check(
    table: &Scope<'_>,
    filter: Option<&Expr>,
    keys: &[GroupKey],
    aggregates: &[Aggregate],
) -> Result<(), EngineError> {
    let bare = |e: &Expr| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
    if let Some(f) = filter {
        refuse_timestamps(table, f, "in WHERE")?;
    }
    for k in keys {
        if !bare(&k.expr) {
            refuse_timestamps(table, &k.expr, "in a GROUP BY expression")?;
        } else if let Some(c) = table.lookup(&k.expr) {
            // A NULL key is stored as a placeholder instant, and any literal for it is read
            // in the writer's time zone.
            if c.nullable && is_timestamp(&c.column_type) {
                return Err(EngineError::unsupported_hint(
                    format!("nullable TIMESTAMP column {} as a GROUP BY key", c.name),
                    span_pos(k.expr.span()),
                    "its NULL group could not be stored independently of each session's time_zone; declare the column NOT NULL, or group by a DATETIME column",
                ));
            }
        }
    }
    for a in aggregates {
        let Some(arg) = &a.arg else { continue };
        let as_is = matches!(
            a.kind,
            AggKind::Min | AggKind::Max | AggKind::Count | AggKind::CountDistinct
        ) && bare(arg);
        if !as_is {
            refuse_timestamps(table, arg, "in SUM/AVG or an aggregate's expression")?;
        }
    }
    Ok(())
}

fn is_timestamp(column_type: &str) -> bool {
    column_type.to_ascii_lowercase().starts_with("timestamp")
}

fn refuse_timestamps(table: &Scope<'_>, e: &Expr, place: &str) -> Result<(), EngineError> {
    use sqlparser::ast::Visit;
    struct Find<'a, 'b>(&'a Scope<'b>, Option<Ident>);
    impl sqlparser::ast::Visitor for Find<'_, '_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            let ident = match e {
                Expr::Identifier(i) => Some(i),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            if let Some(i) = ident {
                let timestamp = self
                    .0
                    .lookup(e)
                    .is_some_and(|c| is_timestamp(&c.column_type));
                if timestamp {
                    self.1 = Some(i.clone());
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find(table, None);
    let _ = e.visit(&mut find);
    match find.1 {
        None => Ok(()),
        Some(i) => Err(EngineError::unsupported_hint(
            format!("TIMESTAMP column {} {place}", i.value),
            span_pos(i.span),
            "its value there depends on each session's time_zone, so writers and the backfill could disagree; use a DATETIME column, or the bare column as a GROUP BY key or in MIN/MAX/COUNT",
        )),
    }
}
