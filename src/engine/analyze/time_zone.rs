//! TIMESTAMP columns read through the session's `time_zone`: `DATE(ts)`, `ts >= '2026-01-01'` or
//! `SUM(ts)` mean different things in a writer that set `time_zone = '+00:00'` and in the
//! backfill running in the server's default, so a summary of them could not stay exact. A bare
//! TIMESTAMP inside MIN/MAX/COUNT, or as a NOT NULL GROUP BY key, is stored as the instant it is,
//! and is fine.

use super::super::error::EngineError;
use super::super::meta::TableMeta;
use super::super::parse::span_pos;
use super::super::plan::{AggKind, Aggregate, GroupKey};
use sqlparser::ast::{Expr, Ident};
use std::ops::ControlFlow;

/// Refuses every use of a TIMESTAMP column whose value depends on the session's time zone.
pub(super) fn check(
    table: &TableMeta,
    filter: Option<&Expr>,
    keys: &[GroupKey],
    aggregates: &[Aggregate],
) -> Result<(), EngineError> {
    let bare = |e: &Expr| matches!(e, Expr::Identifier(_));
    if let Some(f) = filter {
        refuse_timestamps(table, f, "in WHERE")?;
    }
    for k in keys {
        if !bare(&k.expr) {
            refuse_timestamps(table, &k.expr, "in a GROUP BY expression")?;
        } else if let Expr::Identifier(i) = &k.expr {
            // A NULL key is stored as a placeholder instant, and any literal for it is read
            // in the writer's time zone.
            let nullable_timestamp = table
                .column(&i.value)
                .is_some_and(|c| c.nullable && is_timestamp(&c.column_type));
            if nullable_timestamp {
                return Err(EngineError::unsupported_hint(
                    format!("nullable TIMESTAMP column {} as a GROUP BY key", i.value),
                    span_pos(i.span),
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

fn refuse_timestamps(table: &TableMeta, e: &Expr, place: &str) -> Result<(), EngineError> {
    use sqlparser::ast::Visit;
    struct Find<'a>(&'a TableMeta, Option<Ident>);
    impl sqlparser::ast::Visitor for Find<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::Identifier(i) = e {
                let timestamp = self
                    .0
                    .column(&i.value)
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
