//! The original query against `SELECT * FROM` its summary: how long each
//! takes (current, min, median, max over the rounds so far), how many rows
//! each returns, and whether the results are the same — decided from the
//! real rows, not assumed.
//!
//! Both reads of a round run in one `START TRANSACTION WITH CONSISTENT
//! SNAPSHOT`, so they see the same moment even while writers are busy; a
//! mismatch therefore means a wrong summary, never a race between the reads.

use mysql::prelude::Queryable;
use mysql::{Conn, Row, Value};
use serde::Serialize;
use std::time::Instant;

use super::{sql, DemoError};
use crate::engine::ident::quote;

/// Latencies of one kind of read, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyStats {
    samples: Vec<f64>,
}

/// A summary of [`LatencyStats`] for display and JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// The latest round, ms.
    pub current_ms: f64,
    /// Fastest, ms.
    pub min_ms: f64,
    /// Median, ms (the mean of the two middle samples for an even count).
    pub median_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// Rounds measured.
    pub samples: usize,
}

impl LatencyStats {
    /// Adds one measurement.
    pub fn push(&mut self, ms: f64) {
        self.samples.push(ms);
    }

    /// Current, min, median and max; all zero before the first sample.
    pub fn latency(&self) -> Latency {
        let Some(&current_ms) = self.samples.last() else {
            return Latency::default();
        };
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median_ms = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Latency {
            current_ms,
            min_ms: sorted[0],
            median_ms,
            max_ms: sorted[n - 1],
            samples: n,
        }
    }
}

/// One round: both reads, their rows, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// The original query's time, ms.
    pub query_ms: f64,
    /// The summary's time, ms.
    pub summary_ms: f64,
    /// Rows the query returned.
    pub query_rows: usize,
    /// Rows the summary returned.
    pub summary_rows: usize,
    /// Whether both returned the same rows (in any order).
    pub matches: bool,
}

/// The state of a comparison over all rounds so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The original query's latencies.
    pub original: Latency,
    /// The summary's latencies.
    pub summary: Latency,
    /// Rows of the latest round: original.
    pub original_rows: usize,
    /// Rows of the latest round: summary.
    pub summary_rows: usize,
    /// Every round matched (false before the first round).
    pub matches: bool,
    /// Median original time over median summary time.
    pub speedup: f64,
}

/// Compares a query with its summary, round after round.
#[derive(Debug, Clone)]
pub struct Comparer {
    query: String,
    summary_sql: String,
    original: LatencyStats,
    summary: LatencyStats,
    last: Option<Round>,
    all_matched: bool,
}

impl Comparer {
    /// Compares `query` with the summary view `summary` (in the connection's database).
    pub fn new(query: &str, summary: &str) -> Comparer {
        Comparer {
            query: query.to_string(),
            summary_sql: format!("SELECT * FROM {}", quote(summary)),
            original: LatencyStats::default(),
            summary: LatencyStats::default(),
            last: None,
            all_matched: true,
        }
    }

    /// Runs both reads once, in one consistent snapshot, and records the round.
    pub fn round(&mut self, conn: &mut Conn) -> Result<Round, DemoError> {
        sql(
            conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
            "opening a snapshot for the comparison",
        )?;
        let reads = (|| {
            let (query_ms, original) = timed(conn, &self.query)?;
            let (summary_ms, summary) = timed(conn, &self.summary_sql)?;
            Ok((query_ms, original, summary_ms, summary))
        })();
        let _ = conn.query_drop("COMMIT");
        let (query_ms, original, summary_ms, summary) =
            sql(reads, "running the comparison queries")?;
        let round = Round {
            query_ms,
            summary_ms,
            query_rows: original.len(),
            summary_rows: summary.len(),
            matches: same_rows(original, summary),
        };
        self.original.push(query_ms);
        self.summary.push(summary_ms);
        self.all_matched &= round.matches;
        self.last = Some(round.clone());
        Ok(round)
    }

    /// Everything measured so far.
    pub fn comparison(&self) -> Comparison {
        let original = self.original.latency();
        let summary = self.summary.latency();
        let speedup = if summary.median_ms > 0.0 {
            original.median_ms / summary.median_ms
        } else {
            0.0
        };
        Comparison {
            original,
            summary,
            original_rows: self.last.as_ref().map_or(0, |r| r.query_rows),
            summary_rows: self.last.as_ref().map_or(0, |r| r.summary_rows),
            matches: self.last.is_some() && self.all_matched,
            speedup,
        }
    }
}

/// Runs `query` and reads every row; returns the time in ms and the rows rendered.
pub fn timed(conn: &mut Conn, query: &str) -> Result<(f64, Vec<Vec<String>>), mysql::Error> {
    let started = Instant::now();
    let rows: Vec<Row> = conn.query(query)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok((ms, rows.into_iter().map(render_row).collect()))
}

fn render_row(row: Row) -> Vec<String> {
    row.unwrap().iter().map(render).collect()
}

/// A value as text, with numbers in a canonical form so that `12.50` (the
/// query's DECIMAL scale) equals `12.5000` (a wider stored scale).
fn render(value: &Value) -> String {
    match value {
        Value::NULL => "NULL".to_string(),
        Value::Bytes(b) => canonical_number(&String::from_utf8_lossy(b)),
        other => canonical_number(other.as_sql(true).trim_matches('\'')),
    }
}

/// Strips trailing fractional zeros from a plain decimal number; other text is unchanged.
pub fn canonical_number(text: &str) -> String {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let numeric = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && !digits.starts_with('.');
    if !numeric || !digits.contains('.') {
        return text.to_string();
    }
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Whether two results hold the same rows, ignoring order.
pub fn same_rows(mut a: Vec<Vec<String>>, mut b: Vec<Vec<String>>) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.sort();
    b.sort();
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_statistics() {
        let mut s = LatencyStats::default();
        assert_eq!(s.latency(), Latency::default());
        for ms in [5.0, 1.0, 3.0] {
            s.push(ms);
        }
        let l = s.latency();
        assert_eq!(
            (l.current_ms, l.min_ms, l.median_ms, l.max_ms, l.samples),
            (3.0, 1.0, 3.0, 5.0, 3)
        );
        s.push(10.0);
        assert_eq!(s.latency().median_ms, 4.0);
    }

    #[test]
    fn numbers_compare_by_value_not_scale() {
        assert_eq!(canonical_number("12.5000"), "12.5");
        assert_eq!(canonical_number("12.00"), "12");
        assert_eq!(canonical_number("-0.00"), "0");
        assert_eq!(canonical_number("100"), "100");
        assert_eq!(canonical_number("debit"), "debit");
        assert_eq!(canonical_number("2024-06-30"), "2024-06-30");
        assert_eq!(canonical_number("1.2.3"), "1.2.3");
    }

    #[test]
    fn rows_match_in_any_order_and_only_when_equal() {
        let row = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        assert!(same_rows(
            vec![row("1", "x"), row("2", "y")],
            vec![row("2", "y"), row("1", "x")]
        ));
        assert!(!same_rows(vec![row("1", "x")], vec![row("1", "z")]));
        assert!(!same_rows(vec![row("1", "x")], vec![]));
        assert!(!same_rows(
            vec![row("1", "x"), row("1", "x")],
            vec![row("1", "x"), row("2", "x")]
        ));
    }

    #[test]
    fn a_comparer_without_rounds_claims_nothing() {
        let c = Comparer::new("SELECT 1", "s");
        let cmp = c.comparison();
        assert!(!cmp.matches);
        assert_eq!(cmp.speedup, 0.0);
    }
}
