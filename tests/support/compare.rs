//! Comparing a summary with its query on a live server, independently of `validate`.
#![allow(dead_code)]

use mysql::prelude::Queryable;
use mysql::{Conn, Value};

/// How strictly strings compare: a case-insensitive, PAD SPACE collation makes `'a'` and `'A '`
/// the same group, and the summary may show either spelling.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    /// Byte-exact.
    Exact,
    /// Case-insensitive, trailing spaces ignored.
    Collated,
}

fn cell(v: &Value, strings: Strings) -> String {
    let s = match v {
        Value::NULL => return "NULL".into(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => format!("{:.6e}", f),
        Value::Double(f) => format!("{:.6e}", f),
        other => other.as_sql(true),
    };
    // Fractional numbers are compared with 12 significant digits: enough to pin DECIMAL values
    // of these tests exactly, while DOUBLE sums accumulated in another order still match.
    if s.contains('.') || s.contains('e') {
        if let Ok(f) = s.parse::<f64>() {
            return format!("{:.11e}", f);
        }
    }
    match strings {
        Strings::Exact => s,
        Strings::Collated => s.trim_end_matches(' ').to_lowercase(),
    }
}

/// Rows of `sql` as normalized strings, sorted (a multiset).
pub fn rows(conn: &mut Conn, sql: &str, strings: Strings) -> Vec<Vec<String>> {
    let rows: Vec<mysql::Row> = conn.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.unwrap().iter().map(|v| cell(v, strings)).collect())
        .collect();
    out.sort();
    out
}

/// Column names of `sql`.
pub fn columns(conn: &mut Conn, sql: &str) -> Vec<String> {
    let result = conn
        .query_iter(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let names = result
        .columns()
        .as_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    drop(result);
    names
}

/// Asserts `SELECT * FROM view` equals `query` as multisets, with the same column names.
pub fn assert_same(conn: &mut Conn, view: &str, query: &str, strings: Strings, context: &str) {
    let view_sql = format!("SELECT * FROM `{}`", view.replace('`', "``"));
    let got = rows(conn, &view_sql, strings);
    let want = rows(conn, query, strings);
    if got != want {
        let mut diff = String::new();
        for r in want.iter().filter(|r| !got.contains(r)).take(5) {
            diff.push_str(&format!("\n  only in query:   {r:?}"));
        }
        for r in got.iter().filter(|r| !want.contains(r)).take(5) {
            diff.push_str(&format!("\n  only in summary: {r:?}"));
        }
        panic!(
            "{context}: summary {view} differs from its query ({} vs {} rows):{diff}\n  query: {query}",
            got.len(),
            want.len()
        );
    }
    assert_eq!(
        columns(conn, &view_sql),
        columns(conn, query),
        "{context}: column names"
    );
}
