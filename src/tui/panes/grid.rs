//! The compare pane's grid, as pure functions: which row of the summary
//! stands beside which row of the query, which cells differ, how wide each
//! column is and how a value is cut to fit.

use crate::tui::worker::ResultSet;
use std::collections::HashMap;

/// The widest a column grows before its values are cut (with an ellipsis);
/// the cell under the cursor is shown in full below the grid.
pub const MAX_COLUMN_WIDTH: usize = 24;

/// Beyond this many comparisons between unmatched rows, they are not paired
/// by likeness (each is shown against an empty row instead).
const PAIRING_BUDGET: usize = 1_000_000;

/// The ellipsis that ends a cut value.
pub const ELLIPSIS: char = '…';

/// The two result sets laid out row beside row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aligned {
    /// Each shown row: the index of the query's row and of the summary's row beside it
    /// (`None`: no row on that side).
    pub rows: Vec<(Option<usize>, Option<usize>)>,
    /// The differing cells, as (shown row, column), in reading order.
    pub diffs: Vec<(usize, usize)>,
    /// Width of each column (both sides share them so the columns line up).
    pub widths: Vec<usize>,
    /// Whether each column holds numbers only (drawn right-aligned).
    pub numeric: Vec<bool>,
}

impl Aligned {
    /// Lays out `query` and `summary`: rows equal on both sides stand together, in the
    /// query's order; rows found on one side only are paired with the unmatched row of the
    /// other side that shares the most leading values (the group key, usually), so that a
    /// wrong aggregate shows as one differing cell; what is left stands alone at the end.
    pub fn new(query: &ResultSet, summary: &ResultSet) -> Aligned {
        let rows = pair_rows(&query.rows, &summary.rows);
        let columns = query.columns.len().max(summary.columns.len());
        let cell = |side: &ResultSet, row: Option<usize>, col: usize| {
            row.and_then(|r| side.rows.get(r))
                .and_then(|r| r.get(col))
                .cloned()
        };
        let mut diffs = Vec::new();
        for (at, (q, s)) in rows.iter().enumerate() {
            for col in 0..columns {
                if cell(query, *q, col) != cell(summary, *s, col) {
                    diffs.push((at, col));
                }
            }
        }
        let values = |col: usize| {
            [query, summary]
                .into_iter()
                .flat_map(move |set| set.rows.iter().filter_map(move |r| r.get(col)))
        };
        let widths = (0..columns)
            .map(|col| {
                let header = [query, summary]
                    .into_iter()
                    .filter_map(move |set| set.columns.get(col))
                    .map(|c| c.chars().count());
                values(col)
                    .map(|v| v.chars().count())
                    .chain(header)
                    .max()
                    .unwrap_or(1)
                    .clamp(1, MAX_COLUMN_WIDTH)
            })
            .collect();
        let numeric = (0..columns)
            .map(|col| {
                let mut seen = false;
                let all = values(col).filter(|v| *v != "NULL").all(|v| {
                    seen = true;
                    is_number(v)
                });
                all && seen
            })
            .collect();
        Aligned {
            rows,
            diffs,
            widths,
            numeric,
        }
    }

    /// The first differing cell after (`row`, `col`) in reading order, wrapping around;
    /// `forward: false` searches backwards.
    pub fn next_diff(&self, row: usize, col: usize, forward: bool) -> Option<(usize, usize)> {
        let here = (row, col);
        if forward {
            self.diffs
                .iter()
                .find(|d| **d > here)
                .or_else(|| self.diffs.first())
                .copied()
        } else {
            self.diffs
                .iter()
                .rev()
                .find(|d| **d < here)
                .or_else(|| self.diffs.last())
                .copied()
        }
    }

    /// The first column to draw so that columns up to `col` fit in `width` (each column is
    /// followed by a one-character separator): as far left as possible.
    pub fn first_visible(&self, col: usize, width: usize) -> usize {
        let col = col.min(self.widths.len().saturating_sub(1));
        let mut first = col;
        let mut used = self.widths.get(col).copied().unwrap_or(0);
        while first > 0 && used + 1 + self.widths[first - 1] <= width {
            first -= 1;
            used += 1 + self.widths[first];
        }
        first
    }
}

/// Pairs the rows of both sides (see [`Aligned::new`]).
fn pair_rows(
    query: &[Vec<String>],
    summary: &[Vec<String>],
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut by_value: HashMap<&[String], Vec<usize>> = HashMap::new();
    for (j, row) in summary.iter().enumerate().rev() {
        by_value.entry(row.as_slice()).or_default().push(j);
    }
    let mut out: Vec<(Option<usize>, Option<usize>)> = query
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let twin = by_value.get_mut(row.as_slice()).and_then(Vec::pop);
            (Some(i), twin)
        })
        .collect();
    let mut unmatched: Vec<usize> = {
        let mut left: Vec<usize> = by_value.into_values().flatten().collect();
        left.sort_unstable();
        left
    };
    let lonely = out.iter().filter(|(_, s)| s.is_none()).count();
    // One row on each side left over (a global aggregate, say): they are the same group.
    let single = lonely == 1 && unmatched.len() == 1;
    if lonely.saturating_mul(unmatched.len()) <= PAIRING_BUDGET {
        for (q, s) in out.iter_mut().filter(|(_, s)| s.is_none()) {
            let Some(qi) = *q else { continue };
            let best = unmatched
                .iter()
                .enumerate()
                .map(|(k, &j)| (likeness(&query[qi], &summary[j]), k))
                .filter(|((prefix, _), _)| *prefix > 0 || single)
                .max_by(|(a, ka), (b, kb)| a.cmp(b).then(kb.cmp(ka)));
            if let Some((_, k)) = best {
                *s = Some(unmatched.remove(k));
            }
        }
    }
    out.extend(unmatched.into_iter().map(|j| (None, Some(j))));
    out
}

/// How alike two rows are: equal leading values first (the group key), then equal values.
fn likeness(a: &[String], b: &[String]) -> (usize, usize) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    (prefix, equal)
}

/// Whether a value as the server renders it is a number.
pub fn is_number(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    let (mantissa, exponent) = match v.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (v, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(|e| !e.is_empty() && digits(e))
}

/// `value` fitted to exactly `width` characters: padded (on the left when `right`), or cut
/// with an ellipsis as its last character.
pub fn fit(value: &str, width: usize, right: bool) -> String {
    let len = value.chars().count();
    if len > width {
        if width == 0 {
            return String::new();
        }
        let mut cut: String = value.chars().take(width - 1).collect();
        cut.push(ELLIPSIS);
        cut
    } else if right {
        format!("{value:>width$}")
    } else {
        format!("{value:<width$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(rows: &[&[&str]]) -> ResultSet {
        ResultSet {
            columns: vec!["k".into(), "n".into()],
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.to_string()).collect())
                .collect(),
            micros: 1,
        }
    }

    #[test]
    fn equal_rows_pair_in_query_order_and_differences_pair_by_key() {
        let q = set(&[&["a", "1"], &["b", "2"], &["c", "3"]]);
        let s = set(&[&["c", "3"], &["b", "20"], &["a", "1"], &["z", "9"]]);
        let g = Aligned::new(&q, &s);
        assert_eq!(
            g.rows,
            vec![
                (Some(0), Some(2)),
                (Some(1), Some(1)),
                (Some(2), Some(0)),
                (None, Some(3))
            ]
        );
        assert_eq!(g.diffs, vec![(1, 1), (3, 0), (3, 1)]);
        assert_eq!(g.numeric, vec![false, true]);
        assert_eq!(g.next_diff(0, 0, true), Some((1, 1)));
        assert_eq!(g.next_diff(1, 1, true), Some((3, 0)));
        assert_eq!(g.next_diff(3, 1, true), Some((1, 1)));
        assert_eq!(g.next_diff(1, 1, false), Some((3, 1)));
    }

    #[test]
    fn rows_with_no_common_key_stand_alone() {
        let q = set(&[&["a", "1"], &["b", "2"]]);
        let s = set(&[&["x", "1"], &["y", "2"]]);
        let g = Aligned::new(&q, &s);
        assert_eq!(
            g.rows,
            vec![
                (Some(0), None),
                (Some(1), None),
                (None, Some(0)),
                (None, Some(1))
            ]
        );
        // One row left on each side (a global aggregate): the same group, side by side.
        let g = Aligned::new(&set(&[&["a", "1"]]), &set(&[&["b", "1"]]));
        assert_eq!(g.rows, vec![(Some(0), Some(0))]);
        assert_eq!(g.diffs, vec![(0, 0)]);
    }

    #[test]
    fn numbers_fit_and_scroll() {
        assert!(is_number("148965.30"));
        assert!(is_number("-1.5e-3"));
        assert!(is_number("42"));
        assert!(!is_number("2026-01-01"));
        assert!(!is_number("."));
        assert!(!is_number("1e"));
        assert_eq!(fit("148965.30", 5, true), "1489…");
        assert_eq!(fit("12", 5, true), "   12");
        assert_eq!(fit("ab", 4, false), "ab  ");
        let g = Aligned {
            widths: vec![5, 5, 5, 5],
            ..Aligned::default()
        };
        assert_eq!(g.first_visible(0, 11), 0);
        assert_eq!(g.first_visible(1, 11), 0);
        assert_eq!(g.first_visible(2, 11), 1);
        assert_eq!(g.first_visible(3, 3), 3);
    }
}
