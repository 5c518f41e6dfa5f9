//! The multisets of DISTINCT aggregates: which value columns a multiset has (one per item of a
//! `COUNT(DISTINCT a, b)` tuple), which types they may be, and how the view reads the distinct
//! values of a group (those whose multiplicity, summed over slots, is positive).
//!
//! The value columns are part of the multiset's primary key and carry the argument's own
//! collation, so two values are one row exactly when MariaDB's `COUNT(DISTINCT)` takes them for
//! one value (measured on 10.11: `'a'`/`'A'` one under `_ci`, `'a'`/`'a '` one under PAD SPACE
//! and two under NO PAD, `0e0`/`-0e0` one).

use super::layout::{AggSource, ExprTypes, Layout};
use super::Gen;
use crate::engine::analyze::distinct;
use crate::engine::error::EngineError;
use crate::engine::ident::quote;
use crate::engine::meta::SqlType;
use crate::engine::parse::span_pos;
use crate::engine::plan::{AggKind, Analysis};
use sqlparser::ast::{Expr, Spanned};

/// Column name of value `c` of a multiset: `v` for the first (as MIN/MAX always had), then
/// `v1`, `v2`, ...
pub fn value_col(c: usize) -> String {
    if c == 0 {
        "v".into()
    } else {
        format!("v{c}")
    }
}

impl Layout {
    /// The value expressions of multiset `j` (one, or a tuple's items).
    pub fn multiset_values(&self, j: usize) -> Vec<&Expr> {
        self.minmax.get(j).map(distinct::values).unwrap_or_default()
    }

    /// Where multiset `j`'s value types start in [`ExprTypes::minmax`].
    pub fn value_offset(&self, j: usize) -> usize {
        (0..j).map(|i| self.multiset_values(i).len()).sum()
    }

    /// How many value columns the multisets have together.
    pub fn value_column_count(&self) -> usize {
        self.value_offset(self.minmax.len())
    }

    /// Refuses DISTINCT aggregates over values no multiset can hold the way MariaDB compares
    /// them.
    pub(super) fn check_distinct_types(
        &self,
        analysis: &Analysis,
        types: &ExprTypes,
    ) -> Result<(), EngineError> {
        for (agg, source) in analysis.aggregates.iter().zip(&self.sources) {
            let j = match source {
                AggSource::CountDistinct(j)
                | AggSource::SumDistinct(j)
                | AggSource::AvgDistinct(j) => *j,
                _ => continue,
            };
            let offset = self.value_offset(j);
            for (c, value) in self.multiset_values(j).into_iter().enumerate() {
                let Some(t) = types.minmax.get(offset + c) else {
                    continue;
                };
                if let Some((reason, hint)) = refused_value_type(agg.kind, t) {
                    return Err(EngineError::Unsupported {
                        construct: format!("{}: {value} {reason}", agg.call_sql()),
                        // The value itself when its position survived normalization.
                        pos: span_pos(value.span()).or(agg.pos),
                        hint: Some(hint.into()),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why a DISTINCT aggregate cannot keep values of type `t` (completing "<value> ..."), and
/// what to write instead, if it cannot.
fn refused_value_type(kind: AggKind, t: &SqlType) -> Option<(String, &'static str)> {
    if t.is_blob_like() {
        return Some((
            format!(
                "is of type {}, which cannot be part of a key",
                t.column_type
            ),
            "take the distinct values of CAST(... AS CHAR(n)) or LEFT(..., n) instead",
        ));
    }
    if matches!(t.base().as_str(), "enum" | "set") {
        // MariaDB tells the error value '' (index 0) from a member '', which a value column
        // holding the member text cannot.
        return Some((
            format!(
                "is an {}, which DISTINCT aggregates do not keep yet",
                t.base().to_uppercase()
            ),
            "take the distinct values of CONCAT(...) of it",
        ));
    }
    let numeric = t.is_exact_numeric() || t.base() == "decimal";
    if matches!(kind, AggKind::SumDistinct | AggKind::AvgDistinct) && !numeric {
        return Some((
            format!("is of type {}, not an integer or DECIMAL", t.column_type),
            // A floating-point sum depends on the order of addition, which is MariaDB's own.
            "SUM/AVG(DISTINCT) are kept for integers and DECIMAL only",
        ));
    }
    None
}

impl Gen<'_> {
    /// The types of multiset `j`'s value columns.
    pub fn multiset_types(&self, j: usize) -> &[SqlType] {
        let start = self.layout.value_offset(j);
        let n = self.layout.multiset_values(j).len();
        self.types.minmax.get(start..start + n).unwrap_or(&[])
    }

    /// The quoted value columns of multiset `j`.
    pub fn value_cols(&self, j: usize) -> Vec<String> {
        (0..self.layout.multiset_values(j).len())
            .map(|c| quote(&value_col(c)))
            .collect()
    }

    /// `a IS NOT NULL AND b IS NOT NULL` over multiset `j`'s values rendered by `render`: a
    /// tuple with any NULL is not kept (MariaDB's COUNT(DISTINCT a, b) skips it).
    pub fn values_not_null(&self, j: usize, render: impl Fn(&Expr) -> String) -> String {
        self.layout
            .multiset_values(j)
            .into_iter()
            .map(|v| format!("({}) IS NOT NULL", render(v)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Alias of the derived table holding multiset `j`'s distinct aggregates per group.
    pub(super) fn distinct_alias(j: usize) -> String {
        format!("_lt_d{j}")
    }

    /// `LEFT JOIN`s of one derived table per multiset a DISTINCT aggregate reads: per group, the
    /// number (`n`) and, for a single numeric value, the sum (`s`) of the values whose
    /// multiplicity is positive. The join is on the group's stored key columns, which MariaDB's
    /// split materialization turns into a lookup per group (a read of one group does not count
    /// every group).
    pub(super) fn distinct_joins(&self) -> String {
        let keys = self.stored_key_columns();
        let mut seen = Vec::new();
        let mut out = String::new();
        for source in &self.layout.sources {
            let j = match source {
                AggSource::CountDistinct(j)
                | AggSource::SumDistinct(j)
                | AggSource::AvgDistinct(j) => *j,
                _ => continue,
            };
            if seen.contains(&j) {
                continue;
            }
            seen.push(j);
            let summed = self.layout.sources.iter().any(
                |s| matches!(s, AggSource::SumDistinct(i) | AggSource::AvgDistinct(i) if *i == j),
            );
            let alias = Self::distinct_alias(j);
            let x_keys: Vec<String> = keys.iter().map(|k| format!("`x`.{k}")).collect();
            let mut outer = x_keys.clone();
            outer.push("COUNT(*) AS `n`".into());
            if summed {
                outer.push("SUM(`x`.`v`) AS `s`".into());
            }
            let mut inner = keys.clone();
            inner.extend(self.value_cols(j));
            let group = if keys.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {}", x_keys.join(", "))
            };
            let on = self.same_group(&alias, "s");
            out.push_str(&format!(
                " LEFT JOIN (SELECT {} FROM (SELECT {} FROM {} GROUP BY {} HAVING SUM(`mult`) > 0) AS `x`{group}) AS `{alias}` ON {}",
                outer.join(", "),
                inner.join(", "),
                self.qualified(&self.names.minmax[j]),
                inner.join(", "),
                if on.is_empty() { "TRUE".to_string() } else { on.join(" AND ") }
            ));
        }
        out
    }

    /// The value of a DISTINCT aggregate over the joined derived table of its multiset (one row
    /// per group, so MIN() only carries it through the state's GROUP BY), if `source` is one.
    pub(super) fn distinct_value(&self, source: AggSource) -> Option<String> {
        Some(match source {
            AggSource::CountDistinct(j) => {
                format!(
                    "CAST(COALESCE(MIN(`{}`.`n`), 0) AS SIGNED)",
                    Self::distinct_alias(j)
                )
            }
            AggSource::SumDistinct(j) => format!("MIN(`{}`.`s`)", Self::distinct_alias(j)),
            AggSource::AvgDistinct(j) => {
                let a = Self::distinct_alias(j);
                format!("MIN(`{a}`.`s`) / MIN(`{a}`.`n`)")
            }
            _ => return None,
        })
    }

    /// The sum and count of an AVG(DISTINCT) for the outer query to divide (see
    /// `Gen::groups_select`), if `source` is one.
    pub(super) fn distinct_avg_parts(&self, source: AggSource) -> Option<(String, String)> {
        match source {
            AggSource::AvgDistinct(j) => {
                let a = Self::distinct_alias(j);
                Some((format!("MIN(`{a}`.`s`)"), format!("MIN(`{a}`.`n`)")))
            }
            _ => None,
        }
    }
}
