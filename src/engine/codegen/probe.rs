//! The type probe: the `SELECT … LIMIT 0` statements whose result columns reveal the type MariaDB
//! gives each group key, MIN/MAX input, aggregate argument and sum, and the decoding of those
//! columns back into [`ExprTypes`]. Naming and decoding live together so they cannot drift apart.

use crate::engine::codegen::layout::{ExprTypes, Layout};
use crate::engine::error::EngineError;
use crate::engine::ident::quote_qualified;
use crate::engine::meta::{SqlType, TableMeta};
use crate::engine::plan::Analysis;

/// What one probe column stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeColumn {
    /// Group key `i`.
    Key(usize),
    /// Value column `v` of the multisets, counted over all of them in order (a MIN/MAX or
    /// single-argument DISTINCT input has one, a `COUNT(DISTINCT a, b)` tuple one per item).
    MinMax(usize),
    /// Argument of numeric input `i`.
    Arg(usize),
    /// `SUM` of numeric input `i`.
    Sum(usize),
}

impl ProbeColumn {
    fn name(self) -> String {
        match self {
            ProbeColumn::Key(i) => format!("k{i}"),
            ProbeColumn::MinMax(j) => format!("m{j}"),
            ProbeColumn::Arg(i) => format!("a{i}"),
            ProbeColumn::Sum(i) => format!("s{i}"),
        }
    }

    fn parse(name: &str) -> Option<ProbeColumn> {
        let tag = name.chars().next()?;
        let index: usize = name.get(1..)?.parse().ok()?;
        match tag {
            'k' => Some(ProbeColumn::Key(index)),
            'm' => Some(ProbeColumn::MinMax(index)),
            'a' => Some(ProbeColumn::Arg(index)),
            's' => Some(ProbeColumn::Sum(index)),
            _ => None,
        }
    }
}

/// The probe statements of one analysis over one base table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeProbes {
    statements: Vec<String>,
    keys: usize,
    minmax: usize,
    nums: usize,
}

impl TypeProbes {
    /// The probes for `analysis` over `table`. Row-level expressions and `SUM`s are probed in two
    /// statements, since one `SELECT` cannot mix ungrouped columns with an aggregate.
    pub fn of(analysis: &Analysis, table: &TableMeta) -> TypeProbes {
        Self::over(analysis, &quote_qualified(&table.schema, &table.name))
    }

    /// The probes for `analysis` over the rows of `from` (a FROM clause: the base table, or
    /// every table of a join under its qualifier; types do not depend on the join conditions).
    pub fn over(analysis: &Analysis, base: &str) -> TypeProbes {
        let layout = Layout::of(analysis);
        let column = |expr: &dyn std::fmt::Display, c: ProbeColumn| {
            format!("{expr} AS {}", crate::engine::ident::quote(&c.name()))
        };
        let mut rows = Vec::new();
        for (i, k) in analysis.keys.iter().enumerate() {
            rows.push(column(&k.expr, ProbeColumn::Key(i)));
        }
        let values = (0..layout.minmax.len()).flat_map(|j| layout.multiset_values(j));
        for (v, value) in values.enumerate() {
            rows.push(column(value, ProbeColumn::MinMax(v)));
        }
        for (i, n) in layout.nums.iter().enumerate() {
            rows.push(column(&n.arg, ProbeColumn::Arg(i)));
        }
        let sums: Vec<String> = layout
            .nums
            .iter()
            .enumerate()
            .filter(|(_, n)| n.needs_sum)
            .map(|(i, n)| column(&format!("SUM({})", n.arg), ProbeColumn::Sum(i)))
            .collect();
        let statements = [rows, sums]
            .into_iter()
            .filter(|cols| !cols.is_empty())
            .map(|cols| format!("SELECT {} FROM {base} LIMIT 0", cols.join(", ")))
            .collect();
        TypeProbes {
            statements,
            keys: analysis.keys.len(),
            minmax: layout.value_column_count(),
            nums: layout.nums.len(),
        }
    }

    /// The statements to probe (none when the query has nothing to type).
    pub fn statements(&self) -> &[String] {
        &self.statements
    }

    /// The types of the probed columns, `(column name, type)` as the server reports them for all
    /// statements; a column missing or unknown means the probe and this analysis disagree.
    pub fn decode(
        &self,
        columns: impl IntoIterator<Item = (String, SqlType)>,
    ) -> Result<ExprTypes, EngineError> {
        let mut keys = vec![None; self.keys];
        let mut minmax = vec![None; self.minmax];
        let mut args = vec![None; self.nums];
        let mut sums = vec![None; self.nums];
        for (name, t) in columns {
            let slot = match ProbeColumn::parse(&name) {
                Some(ProbeColumn::Key(i)) => keys.get_mut(i),
                Some(ProbeColumn::MinMax(j)) => minmax.get_mut(j),
                Some(ProbeColumn::Arg(i)) => args.get_mut(i),
                Some(ProbeColumn::Sum(i)) => sums.get_mut(i),
                None => None,
            };
            *slot.ok_or_else(|| mismatch(&format!("probe column {name}")))? = Some(t);
        }
        Ok(ExprTypes {
            keys: all(keys, "group keys")?,
            sums,
            minmax: all(minmax, "MIN/MAX inputs")?,
            args: all(args, "SUM/AVG inputs")?,
        })
    }
}

fn all(types: Vec<Option<SqlType>>, what: &str) -> Result<Vec<SqlType>, EngineError> {
    types
        .into_iter()
        .map(|t| t.ok_or_else(|| mismatch(what)))
        .collect()
}

fn mismatch(what: &str) -> EngineError {
    EngineError::Type {
        what: what.to_string(),
        reason: "the type probe does not match the query".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_round_trip() {
        for c in [
            ProbeColumn::Key(0),
            ProbeColumn::MinMax(3),
            ProbeColumn::Arg(12),
            ProbeColumn::Sum(7),
        ] {
            assert_eq!(ProbeColumn::parse(&c.name()), Some(c));
        }
        assert_eq!(ProbeColumn::parse("x1"), None);
        assert_eq!(ProbeColumn::parse("k"), None);
    }
}
