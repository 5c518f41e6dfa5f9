//! Expressions whose value depends on the session that evaluates them. A trigger computes a group
//! key, a WHERE test or an aggregate's input in the *writer's* session, the backfill in ours, and
//! each writer may have set `lc_time_names`, `default_week_format` or `div_precision_increment`
//! differently (measured: a writer with `lc_time_names = 'de_DE'` split `January` into `Januar`
//! and `January`). Where such a value is stored, the construct is refused with its position and
//! the session-independent way to write it. (The time zone has its own check, `time_zone.rs`.)

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Value, ValueWithSpan,
};

/// Why `f` (its name already upper-cased) reads the session, and what to write instead; `None`
/// when its value is the same in every session.
pub(super) fn dependent_function(upper: &str, f: &Function) -> Option<(String, &'static str)> {
    let args = positional_args(f);
    match upper {
        "MONTHNAME" | "DAYNAME" => Some((
            format!("{upper}(), whose names follow each session's lc_time_names"),
            "name the locale: DATE_FORMAT(d, '%M', 'en_US') for the month, '%W' for the day",
        )),
        "WEEK" if args.len() < 2 => Some((
            "WEEK() without a mode, which follows each session's default_week_format".into(),
            "give the mode, e.g. WEEK(d, 0)",
        )),
        "DATE_FORMAT" if args.len() == 2 && !locale_free_format(args[1]) => Some((
            "DATE_FORMAT() with names (%M %W %a %b) or a computed format and no locale, which follow each session's lc_time_names".into(),
            "name the locale as a third argument, e.g. DATE_FORMAT(d, '%M %Y', 'en_US')",
        )),
        "REGEXP_REPLACE" | "REGEXP_INSTR" | "REGEXP_SUBSTR" => Some(regex(upper)),
        _ => None,
    }
}

/// Why a regular expression (`upper`: the operator or function) reads the session: MariaDB
/// compiles it with each session's `default_regex_flags` (measured: with `DOTALL`,
/// `'a\nb' REGEXP 'a.b'` is 1, without it 0).
pub(super) fn regex(upper: &str) -> (String, &'static str) {
    (
        format!("{upper}, whose matching follows each session's default_regex_flags"),
        "spell the flags inside the pattern, e.g. '(?s)a.b' — or use LIKE",
    )
}

/// Functions that read their argument as a date: given a TIME, MariaDB supplies today's date
/// (measured on 10.11.19: `YEAR(t)`, `DATE(t)`, `TO_DAYS(t)`, `DATEDIFF(t, …)` of a TIME column
/// follow the day the statement runs), so a trigger and a later read disagree.
pub(super) const TAKES_A_DATE: &[&str] = &[
    "YEAR",
    "MONTH",
    "DAY",
    "DAYOFMONTH",
    "DAYOFWEEK",
    "DAYOFYEAR",
    "WEEKDAY",
    "WEEK",
    "WEEKOFYEAR",
    "YEARWEEK",
    "QUARTER",
    "DATE",
    "TIMESTAMP",
    "TO_DAYS",
    "TO_SECONDS",
    "DATEDIFF",
    "LAST_DAY",
    // Measured alike: CONVERT_TZ(t, '+00:00', '+01:00') of a TIME is a DATETIME on today's date.
    "CONVERT_TZ",
];

/// Why `what` (a date function or a cast) of `time` (a TIME column or value, described) reads
/// the clock.
pub(super) fn time_as_date(what: &str, time: &str) -> (String, &'static str) {
    (
        format!("{what} of {time}, which MariaDB reads as a time on the current date"),
        "a TIME has no date: use HOUR(), MINUTE(), TIME_TO_SEC(), or keep the date in a DATETIME column",
    )
}

/// Why `what` (a comparison, CASE, COALESCE, ...) of `time` with a date value reads the clock
/// (see `time_date.rs`).
pub(super) fn time_meets_date(what: &str, time: &str) -> (String, &'static str) {
    (
        format!("{what} of {time} with a DATE/DATETIME value, where MariaDB reads the TIME as a time on the current date"),
        "compare a TIME with a TIME or a string ('09:00'), or keep the date in a DATETIME column",
    )
}

/// Why `time = constant` in WHERE reads the clock (see `time_date::equal_to_a_date_string`).
pub(super) fn time_equals_date_string(constant: &str, time: &str) -> (String, &'static str) {
    (
        format!("{time} = {constant}, a date and time: MariaDB's optimizer compares it as a time relative to the current date, a trigger without the date"),
        "compare with the time alone ('23:59:59'), or write <=> (the same without the optimizer's substitution)",
    )
}

/// Why `EXTRACT(WEEK FROM d)` reads the session: it follows `default_week_format` (measured:
/// `EXTRACT(WEEK FROM DATE '2024-12-30')` is 52, under mode 3 it is 1).
pub(super) fn extract_week() -> (String, &'static str) {
    (
        "EXTRACT(WEEK FROM …), which follows each session's default_week_format".into(),
        "give the mode: WEEK(d, 0)",
    )
}

/// Why a division in a stored expression reads the session.
pub(super) fn division() -> (String, &'static str) {
    (
        "a division (/), whose digits follow each session's div_precision_increment".into(),
        "use DIV for whole numbers, or compare a product instead (x > 3 * y rather than x / y > 3)",
    )
}

/// The positional (unnamed) arguments of `f`.
pub(super) fn positional_args(f: &Function) -> Vec<&Expr> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A literal format without the specifiers MariaDB spells in the session's locale.
fn locale_free_format(e: &Expr) -> bool {
    let Expr::Value(ValueWithSpan {
        value: Value::SingleQuotedString(s) | Value::DoubleQuotedString(s),
        ..
    }) = e
    else {
        return false;
    };
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' && matches!(chars.next(), Some('M' | 'W' | 'a' | 'b')) {
            return false;
        }
    }
    true
}
