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

/// One normalized value. Floating-point results are sums in some order: the query's and the
/// summary's may differ in the last bits, so they compare within 1e-9 relative (as `validate`
/// does); everything else (DECIMAL sums included) compares exactly.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// DOUBLE or FLOAT.
    Float(f64),
    /// Anything else, as text.
    Text(String),
}

impl Cell {
    fn sort_key(&self) -> String {
        match self {
            Cell::Float(f) => format!("{f:+.5e}"),
            Cell::Text(s) => s.clone(),
        }
    }

    fn matches(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Float(a), Cell::Float(b)) => {
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
            }
            (a, b) => a == b,
        }
    }
}

fn cell(v: &Value, float: bool, strings: Strings) -> Cell {
    let s = match v {
        Value::NULL => return Cell::Text("NULL".into()),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.as_sql(true),
    };
    if float {
        if let Ok(f) = s.parse::<f64>() {
            return Cell::Float(f);
        }
    }
    Cell::Text(match strings {
        Strings::Exact => s,
        Strings::Collated => s.trim_end_matches(' ').to_lowercase(),
    })
}

/// Rows of `sql` as normalized cells, sorted (a multiset).
pub fn rows(conn: &mut Conn, sql: &str, strings: Strings) -> Vec<Vec<Cell>> {
    use mysql::consts::ColumnType;
    let mut result = conn
        .query_iter(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let floats: Vec<bool> = result
        .columns()
        .as_ref()
        .iter()
        .map(|c| {
            matches!(
                c.column_type(),
                ColumnType::MYSQL_TYPE_DOUBLE | ColumnType::MYSQL_TYPE_FLOAT
            )
        })
        .collect();
    let mut out: Vec<Vec<Cell>> = Vec::new();
    for row in result.by_ref() {
        let row = row.unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.push(
            row.unwrap()
                .iter()
                .zip(&floats)
                .map(|(v, f)| cell(v, *f, strings))
                .collect(),
        );
    }
    drop(result);
    out.sort_by_key(|r| r.iter().map(Cell::sort_key).collect::<Vec<_>>());
    out
}

fn same_rows(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(c, d)| c.matches(d)))
}

fn contains(rows: &[Vec<Cell>], row: &[Cell]) -> bool {
    rows.iter()
        .any(|r| r.len() == row.len() && r.iter().zip(row).all(|(c, d)| c.matches(d)))
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
    if !same_rows(&got, &want) {
        let mut diff = String::new();
        for r in want.iter().filter(|r| !contains(&got, r)).take(5) {
            diff.push_str(&format!("\n  only in query:   {r:?}"));
        }
        for r in got.iter().filter(|r| !contains(&want, r)).take(5) {
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

/// Reads `SELECT * FROM view` and `query` in one consistent snapshot and describes how they
/// differ (`None` when they are the same multiset). The transaction starts without `WITH
/// CONSISTENT SNAPSHOT`: InnoDB takes a REPEATABLE READ transaction's read view at its first
/// read, after that statement has resolved the view and locked the tables it reads, so both
/// reads see one moment of whichever state tables the view named then.
pub fn snapshot_difference(
    conn: &mut Conn,
    view: &str,
    query: &str,
    strings: Strings,
) -> Option<String> {
    let view_sql = format!("SELECT * FROM `{}`", view.replace('`', "``"));
    for s in [
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION READ ONLY",
    ] {
        conn.query_drop(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    let got = rows(conn, &view_sql, strings);
    let want = rows(conn, query, strings);
    conn.query_drop("COMMIT")
        .unwrap_or_else(|e| panic!("COMMIT: {e}"));
    if same_rows(&got, &want) {
        return None;
    }
    let mut diff = format!(
        "summary {view} differs from its query in one snapshot ({} vs {} rows):",
        got.len(),
        want.len()
    );
    for r in want.iter().filter(|r| !contains(&got, r)).take(5) {
        diff.push_str(&format!("\n  only in query:   {r:?}"));
    }
    for r in got.iter().filter(|r| !contains(&want, r)).take(5) {
        diff.push_str(&format!("\n  only in summary: {r:?}"));
    }
    Some(diff)
}
