//! A TIME that meets a date. Wherever a TIME value meets a DATE, DATETIME or TIMESTAMP value,
//! MariaDB reads the TIME as a time on the current date: compared with one (`t > d`,
//! `t = TIMESTAMP '…'`, BETWEEN, IN), where one result type must hold both (`COALESCE(t, d)`,
//! `IFNULL`, `IF`, `CASE`, `GREATEST`/`LEAST`, `NULLIF`), and in `TIMESTAMPDIFF` (measured on
//! 10.11.19 by evaluating each under `SET timestamp` on three different days: each followed the
//! day). A trigger stores such a value on the day of the write and a later read computes it on
//! another, so where it is stored it is refused.
//!
//! Measured alike and accepted: a TIME against a string or a number is read as a TIME
//! (`t > '2026-01-01 09:00'` compares the time 10:00 with 09:00 on every day; `'… ' + INTERVAL`
//! is still a string), and `EXTRACT(unit FROM t)` reads it as an interval (`YEAR` 0, `DAY` the
//! whole days of `30:00:00`), the same on every day. (Functions that take a TIME as a date,
//! `YEAR(t)`, `DATE(t)`, …, are the list `session::TAKES_A_DATE`.)

use super::scope::Scope;
use super::session::positional_args;
use crate::engine::parse::object_parts;
use sqlparser::ast::{BinaryOperator, DataType, Expr, Function, InTarget, Value, ValueWithSpan};

/// Functions whose result is a DATE or DATETIME whatever their arguments.
const DATE_RESULT: &[&str] = &[
    "DATE",
    "TIMESTAMP",
    "FROM_DAYS",
    "LAST_DAY",
    "MAKEDATE",
    "FROM_UNIXTIME",
    "CONVERT_TZ",
    "NOW",
    "CURDATE",
    "CURRENT_DATE",
    "CURRENT_TIMESTAMP",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "SYSDATE",
    "UTC_DATE",
    "UTC_TIMESTAMP",
];

/// Functions whose result is a TIME whatever their arguments.
const TIME_RESULT: &[&str] = &["TIME", "SEC_TO_TIME", "MAKETIME", "TIMEDIFF"];

/// Functions whose result type holds all of their value arguments (a TIME among dates becomes
/// a DATETIME on the current date), and which compare them.
const UNIFYING: &[&str] = &["COALESCE", "IFNULL", "NULLIF", "GREATEST", "LEAST", "IF"];

/// Where a TIME meets a date in `e` itself (not in its operands): what the construct is and
/// which TIME it reads. Operands are looked at through parentheses and the functions that pass
/// a type on (`DATE_ADD(d, …)` is a date, `ADDTIME(t, …)` a TIME).
pub(super) fn meets_a_date(table: &Scope<'_>, e: &Expr) -> Option<(String, String)> {
    let mixed = |operands: &[&Expr]| -> Option<String> {
        let time = operands.iter().find_map(|o| time_value(table, o))?;
        operands
            .iter()
            .any(|o| date_value(table, o))
            .then_some(time)
    };
    match e {
        Expr::BinaryOp { left, op, right } if is_comparison(op) => {
            mixed(&[left.as_ref(), right.as_ref()]).map(|t| (format!("a comparison ({op})"), t))
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            mixed(&[expr.as_ref(), low.as_ref(), high.as_ref()]).map(|t| ("BETWEEN".to_string(), t))
        }
        Expr::In {
            expr,
            target: InTarget::List(list),
            ..
        } => {
            let mut operands = vec![expr.as_ref()];
            operands.extend(list.iter());
            mixed(&operands).map(|t| ("IN".to_string(), t))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            // A simple CASE compares its operand with every WHEN value; every CASE returns one
            // type for all of its results.
            if let Some(op) = operand {
                let mut compared = vec![op.as_ref()];
                compared.extend(conditions.iter().map(|c| &c.condition));
                if let Some(t) = mixed(&compared) {
                    return Some(("CASE … WHEN".to_string(), t));
                }
            }
            let mut results: Vec<&Expr> = conditions.iter().map(|c| &c.result).collect();
            results.extend(else_result.as_deref());
            mixed(&results).map(|t| ("CASE".to_string(), t))
        }
        Expr::Function(f) => {
            let name = function_name(f)?;
            let args = positional_args(f);
            let values: &[&Expr] = match name.as_str() {
                "IF" => args.get(1..).unwrap_or_default(),
                "TIMESTAMPDIFF" => args.get(1..).unwrap_or_default(),
                n if UNIFYING.contains(&n) => &args,
                _ => return None,
            };
            mixed(values).map(|t| (format!("{name}()"), t))
        }
        _ => None,
    }
}

/// In WHERE, `time = <constant with a date part>`: MariaDB's optimizer replaces the constant by
/// a TIME taken relative to the current date before it compares (equality propagation, for
/// `=` only), while the same comparison as an expression — in a trigger — drops the date part.
/// Measured: `w = '1999-12-31 23:59:59.999999'` selects a row of `w = -00:00:00.000001` on
/// 2000-01-01, none on another day, and `IF(w = …, 1, 0)` the row of `23:59:59.999999` on every
/// day. The constant's TIME, the part after the date, is what a trigger compares with.
pub(super) fn equal_to_a_date_string(table: &Scope<'_>, e: &Expr) -> Option<(String, String)> {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = e
    else {
        return None;
    };
    let (time, other) = match (time_value(table, left), time_value(table, right)) {
        (Some(t), _) if is_column(left) => (t, right.as_ref()),
        (_, Some(t)) if is_column(right) => (t, left.as_ref()),
        _ => return None,
    };
    let constant = match other {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s) | Value::DoubleQuotedString(s),
            ..
        }) => (!reads_as_a_time(s)).then(|| format!("'{s}'")),
        // Numbers, TIME literals and casts are read as a TIME either way; a computed string
        // may hold a date.
        Expr::Value(_) | Expr::TypedString(_) | Expr::Cast { .. } | Expr::UnaryOp { .. } => None,
        e if !mentions_a_column(e) => Some("a computed string".to_string()),
        _ => None,
    }?;
    Some((constant, time))
}

/// A string MariaDB reads as a TIME with no date part: `[-][D ]hh[:mm[:ss[.frac]]]`, or digits
/// (`hhmmss[.frac]`, at most seven before the point: more are a date).
fn reads_as_a_time(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_prefix('-').unwrap_or(t);
    let t = match t.split_once(' ') {
        Some((days, rest)) if !days.is_empty() && days.chars().all(|c| c.is_ascii_digit()) => {
            rest.trim_start()
        }
        _ => t,
    };
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
    {
        return false;
    }
    t.contains(':') || t.split('.').next().is_some_and(|whole| whole.len() <= 7)
}

fn is_column(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_column(inner),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
        _ => false,
    }
}

fn mentions_a_column(e: &Expr) -> bool {
    use sqlparser::ast::Visit;
    use std::ops::ControlFlow;
    struct Find;
    impl sqlparser::ast::Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
    }
    e.visit(&mut Find).is_break()
}

/// What TIME value `e` is ("TIME column t", "a TIME literal", "SEC_TO_TIME()"), if it is one.
pub(super) fn time_value(table: &Scope<'_>, e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            let (name, ty) = column_type(table, e)?;
            (ty.starts_with("time") && !ty.starts_with("timestamp"))
                .then(|| format!("TIME column {name}"))
        }
        Expr::Nested(inner) => time_value(table, inner),
        Expr::TypedString(t) if matches!(t.data_type, DataType::Time(..)) => {
            Some("a TIME literal".into())
        }
        Expr::Cast {
            data_type: DataType::Time(..),
            ..
        }
        | Expr::Convert {
            data_type: Some(DataType::Time(..)),
            ..
        } => Some("a cast to TIME".into()),
        Expr::Function(f) => {
            let name = function_name(f)?;
            if TIME_RESULT.contains(&name.as_str()) {
                return Some(format!("{name}()"));
            }
            let args = positional_args(f);
            match name.as_str() {
                "ADDTIME" | "SUBTIME" => time_value(table, args.first()?),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `e` is a DATE, DATETIME or TIMESTAMP value (as far as its spelling shows: a column
/// of such a type, a typed literal, a cast, a function with a date result).
pub(super) fn date_value(table: &Scope<'_>, e: &Expr) -> bool {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            column_type(table, e).is_some_and(|(_, ty)| {
                ty.starts_with("date") || ty.starts_with("datetime") || ty.starts_with("timestamp")
            })
        }
        Expr::Nested(inner) => date_value(table, inner),
        Expr::TypedString(t) => is_date_type(&t.data_type),
        Expr::Cast { data_type, .. } => is_date_type(data_type),
        Expr::Convert {
            data_type: Some(data_type),
            ..
        } => is_date_type(data_type),
        // d + INTERVAL n DAY is a date when d is (a string plus an interval stays a string).
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } => {
            (matches!(right.as_ref(), Expr::Interval(_)) && date_value(table, left))
                || (matches!(left.as_ref(), Expr::Interval(_)) && date_value(table, right))
        }
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            conditions.iter().any(|c| date_value(table, &c.result))
                || else_result.as_deref().is_some_and(|r| date_value(table, r))
        }
        Expr::Function(f) => function_is_date(table, f),
        _ => false,
    }
}

fn function_is_date(table: &Scope<'_>, f: &Function) -> bool {
    let Some(name) = function_name(f) else {
        return false;
    };
    if DATE_RESULT.contains(&name.as_str()) {
        return true;
    }
    let args = positional_args(f);
    let arg_is_date = |i: usize| args.get(i).is_some_and(|a| date_value(table, a));
    match name.as_str() {
        "DATE_ADD" | "DATE_SUB" | "ADDDATE" | "SUBDATE" | "ADDTIME" | "SUBTIME" => arg_is_date(0),
        "TIMESTAMPADD" => arg_is_date(2),
        "IF" => arg_is_date(1) || arg_is_date(2),
        "STR_TO_DATE" => !args.get(1).is_some_and(|f| time_only_format(f)),
        n if UNIFYING.contains(&n) => (0..args.len()).any(arg_is_date),
        _ => false,
    }
}

/// A literal STR_TO_DATE format with no date part (its result is then a TIME).
fn time_only_format(e: &Expr) -> bool {
    let Expr::Value(ValueWithSpan {
        value: Value::SingleQuotedString(s) | Value::DoubleQuotedString(s),
        ..
    }) = e
    else {
        return false;
    };
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let spec = chars.next();
            if !matches!(
                spec,
                Some('H' | 'h' | 'I' | 'i' | 'k' | 'l' | 's' | 'S' | 'f' | 'p' | 'r' | 'T' | '%')
            ) {
                return false;
            }
        }
    }
    true
}

fn is_date_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date | DataType::Datetime(_) | DataType::Timestamp(..)
    )
}

fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::Spaceship
    )
}

/// The column `e` names (its name as the table spells it, its lower-cased type).
fn column_type(table: &Scope<'_>, e: &Expr) -> Option<(String, String)> {
    let c = table.lookup(e)?;
    Some((c.name.clone(), c.column_type.to_ascii_lowercase()))
}

fn function_name(f: &Function) -> Option<String> {
    match object_parts(&f.name).as_slice() {
        [name] => Some(name.to_ascii_uppercase()),
        _ => None,
    }
}
