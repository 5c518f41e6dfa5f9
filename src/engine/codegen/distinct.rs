//! The multisets of DISTINCT aggregates: which value columns a multiset has (one per item of a
//! `COUNT(DISTINCT a, b)` tuple), which types they may be, and how the view reads the distinct
//! values of a group (those whose multiplicity, summed over slots, is positive).
//!
//! The value columns are part of the multiset's primary key and carry the argument's own
//! collation, so two values are one row exactly when MariaDB's `COUNT(DISTINCT)` takes them for
//! one value (measured on 10.11: `'a'`/`'A'` one under `_ci`, `'a'`/`'a '` one under PAD SPACE
//! and two under NO PAD, `0e0`/`-0e0` one).

use super::backfill::BACKFILL_SLOT;
use super::layout::{AggSource, ExprTypes, Layout};
use super::row::render;
use super::state::{multiset_value_ddl, sum_storage, totals_comment};
use super::Gen;
use crate::engine::analyze::distinct;
use crate::engine::error::EngineError;
use crate::engine::ident::{quote, string_literal};
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

    /// Whether multiset `j` keeps totals and a per-group count of present values: a DISTINCT
    /// aggregate reads it (MIN/MAX alone do not need them).
    pub fn keeps_totals(&self, j: usize) -> bool {
        self.sources.iter().any(|s| {
            matches!(s, AggSource::CountDistinct(i) | AggSource::SumDistinct(i) | AggSource::AvgDistinct(i) | AggSource::GroupConcat(i, _) if *i == j)
        })
    }

    /// Whether multiset `j` also keeps the per-group sum of its present values.
    pub fn keeps_distinct_sum(&self, j: usize) -> bool {
        self.sources
            .iter()
            .any(|s| matches!(s, AggSource::SumDistinct(i) | AggSource::AvgDistinct(i) if *i == j))
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
                | AggSource::AvgDistinct(j)
                | AggSource::GroupConcat(j, _) => *j,
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
    if kind == AggKind::GroupConcatDistinct {
        if let Some(refused) = refused_concat_type(t) {
            return Some(refused);
        }
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

/// Why `GROUP_CONCAT(DISTINCT x)` cannot show values of type `t` as MariaDB does, if it
/// cannot. MariaDB prints, of values its comparison calls equal, the one it read first (measured
/// on 10.11.19: `'a '` before `'a'` under PAD SPACE `utf8mb4_bin`, `'A'` before `'a'` under
/// `_ci`, `0` before `-0` for DOUBLE), which depends on its plan; the summary keeps one
/// spelling per value, the first that arrived. Only types where equal values have one
/// spelling are taken: integers, DECIMAL, dates and times, binary strings, `_nopad_bin`
/// strings and CHAR under `_bin` (MariaDB removes a CHAR's trailing spaces when reading it).
fn refused_concat_type(t: &SqlType) -> Option<(String, &'static str)> {
    let base = t.base();
    let one_spelling = match base.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal"
        | "date" | "datetime" | "time" | "binary" | "varbinary" => true,
        "char" | "varchar" => match t.collation.as_deref() {
            None | Some("binary") => true,
            Some(c) => c.ends_with("_nopad_bin") || (base == "char" && c.ends_with("_bin")),
        },
        _ => false,
    };
    if one_spelling {
        return None;
    }
    let text = matches!(base.as_str(), "char" | "varchar");
    Some(if text {
        (
            format!(
                "is of type {} under the collation {}, where values that differ in case, accents or trailing spaces are one value, and MariaDB shows the spelling it happens to read first",
                t.column_type,
                t.collation.as_deref().unwrap_or("")
            ),
            "concatenate the values under a NO PAD binary collation: GROUP_CONCAT(DISTINCT x COLLATE utf8mb4_nopad_bin)",
        )
    } else {
        (
            format!(
                "is of type {}, which GROUP_CONCAT(DISTINCT) keeps only for integers, DECIMAL, dates, times and binary or NO PAD binary strings (0 and -0 are one DOUBLE that MariaDB prints as it read it first)",
                t.column_type
            ),
            "concatenate a CAST(... AS DECIMAL(p,s)) of it, or of a string CAST(... AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_nopad_bin",
        )
    })
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

    /// Column of the state counting multiset `j`'s present values (summed over the slots).
    pub fn distinct_count_col(j: usize) -> String {
        quote(&format!("dn{j}"))
    }

    /// Column of the state summing multiset `j`'s present values (summed over the slots).
    pub fn distinct_sum_col(j: usize) -> String {
        quote(&format!("ds{j}"))
    }

    /// Storage type of multiset `j`'s sum of present values: exact, wide enough for any count
    /// of values (SUM/AVG(DISTINCT) take integers and DECIMAL only).
    fn distinct_sum_type(&self, j: usize) -> String {
        self.multiset_types(j)
            .first()
            .map_or_else(|| "decimal(65,0)".into(), sum_storage)
    }

    /// `v` as the exact value multiset `j`'s sum adds, safe to negate (an UNSIGNED BIGINT
    /// times -1 is an error, a DECIMAL(65) is not).
    fn distinct_sum_input(&self, j: usize, v: &str) -> String {
        format!("CAST({v} AS {})", self.distinct_sum_type(j).to_uppercase())
    }

    /// The state's columns of the per-group distinct counts and sums (see [`Gen::totals_ddl`]).
    pub(super) fn distinct_state_column_defs(&self) -> Vec<String> {
        let mut cols = Vec::new();
        for j in 0..self.layout.minmax.len() {
            if self.layout.keeps_totals(j) {
                cols.push(format!(
                    "{} BIGINT NOT NULL DEFAULT 0",
                    Self::distinct_count_col(j)
                ));
            }
            if self.layout.keeps_distinct_sum(j) {
                cols.push(format!(
                    "{} {} NOT NULL DEFAULT 0",
                    Self::distinct_sum_col(j),
                    self.distinct_sum_type(j)
                ));
            }
        }
        cols
    }

    /// `CREATE TABLE` of the totals of every multiset a DISTINCT aggregate reads: one row per
    /// (group, value) holding the multiplicity summed over all slots (`mult`), so that whoever
    /// changes it, under the row's lock, sees it move between 0 and positive and adds ±1 (and
    /// ± the value) to the group's `dn<j>` (`ds<j>`). `bf` is a backfill write's own share of
    /// `mult` until the same transaction has counted its moves (0 otherwise).
    pub(super) fn totals_ddl(&self) -> Vec<String> {
        let (key_defs, key_names) = self.key_columns();
        let mut out = Vec::new();
        for j in (0..self.layout.minmax.len()).filter(|j| self.layout.keeps_totals(*j)) {
            let mut cols = key_defs.clone();
            let values = self.value_cols(j);
            for (col, t) in values.iter().zip(self.multiset_types(j)) {
                cols.push(format!("{col} {} NOT NULL", multiset_value_ddl(t)));
            }
            cols.push("`mult` BIGINT NOT NULL".into());
            cols.push("`bf` BIGINT NOT NULL DEFAULT 0".into());
            let mut pk = key_names.clone();
            pk.extend(values);
            out.push(format!(
                "CREATE TABLE {} (\n  {},\n  PRIMARY KEY ({})\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT={}",
                self.qualified(&self.names.totals[j]),
                cols.join(",\n  "),
                pk.join(", "),
                string_literal(&totals_comment(&self.names.view)),
            ));
        }
        out
    }

    /// The trigger statements that keep multiset `j`'s totals and the group's distinct count
    /// for one row image's value (`sign` +1 or -1): add to the total, read it back under the
    /// lock the upsert took, and move `dn<j>`/`ds<j>` when the value appeared or disappeared.
    /// The move goes to a writer slot, never a region slot: it is not a delta of one base row
    /// (a resume does not subtract it, the fold of region slots does not carry it).
    pub(super) fn totals_trigger_block(&self, j: usize, q: &str, sign: i8, indent: &str) -> String {
        if !self.layout.keeps_totals(j) {
            return String::new();
        }
        let (_, key_vals) = self.key_values(q);
        let values: Vec<String> = self
            .layout
            .multiset_values(j)
            .into_iter()
            .map(|v| render(v, Some(q)))
            .collect();
        self.totals_block_for(j, &key_vals, &values, sign, indent)
    }

    /// [`Gen::totals_trigger_block`] for one (group, value) given as SQL expressions: the
    /// stored key values (as [`Gen::key_values`] gives them) and the multiset's values. A join
    /// trigger calls it once per joined row, with the variables a cursor fetched them into.
    pub(super) fn totals_block_for(
        &self,
        j: usize,
        key_vals: &[String],
        values: &[String],
        sign: i8,
        indent: &str,
    ) -> String {
        if !self.layout.keeps_totals(j) {
            return String::new();
        }
        let key_cols = self.stored_key_columns();
        let value_cols = self.value_cols(j);
        let mut cols = key_cols.clone();
        cols.extend(value_cols.iter().cloned());
        let mut vals = key_vals.to_vec();
        vals.extend(values.iter().cloned());
        let at: Vec<String> = cols
            .iter()
            .zip(&vals)
            // Parenthesized: a key or value such as `s IS NULL` or `g > 2` would otherwise
            // bind as `(k = s) IS NULL` (the query fuzz found it: no total was ever found, so
            // no distinct count or sum moved).
            .map(|(c, v)| format!("{c} = ({v})"))
            .collect();
        let at = at.join(" AND ");
        let table = self.qualified(&self.names.totals[j]);
        let mut state_cols = key_cols;
        state_cols.push("`slot`".into());
        state_cols.push(Self::distinct_count_col(j));
        let mut state_vals = key_vals.to_vec();
        state_vals.push(self.writer_slot_expr());
        state_vals.push("`lt_d`".into());
        let dn = Self::distinct_count_col(j);
        let mut updates = vec![format!("{dn} = {dn} + VALUES({dn})")];
        if self.layout.keeps_distinct_sum(j) {
            let ds = Self::distinct_sum_col(j);
            state_cols.push(ds.clone());
            let v = values.first().map_or("NULL", String::as_str);
            state_vals.push(format!("`lt_d` * {}", self.distinct_sum_input(j, v)));
            updates.push(format!("{ds} = {ds} + VALUES({ds})"));
        }
        let i = format!("{indent}  ");
        format!(
            "{indent}BEGIN\n\
             {i}DECLARE `lt_m` BIGINT DEFAULT 0;\n\
             {i}DECLARE `lt_d` BIGINT DEFAULT 0;\n\
             {i}INSERT INTO {table} ({}, `mult`) VALUES ({}, {sign})\n\
             {i}  ON DUPLICATE KEY UPDATE `mult` = `mult` + VALUES(`mult`);\n\
             {i}SELECT `mult` INTO `lt_m` FROM {table} WHERE {at} FOR UPDATE;\n\
             {i}SET `lt_d` = (`lt_m` > 0) - (`lt_m` - ({sign}) > 0);\n\
             {i}IF `lt_d` <> 0 THEN\n\
             {i}  INSERT INTO {} ({}) VALUES ({})\n\
             {i}    ON DUPLICATE KEY UPDATE {};\n\
             {i}END IF;\n\
             {i}IF `lt_m` = 0 THEN\n\
             {i}  DELETE FROM {table} WHERE {at};\n\
             {i}END IF;\n\
             {indent}END;\n",
            cols.join(", "),
            vals.join(", "),
            self.qualified(&self.names.state),
            state_cols.join(", "),
            state_vals.join(", "),
            updates.join(", ")
        )
    }

    /// Multi-row upsert of `rows` backfill rows (keys, values, multiplicity, the multiplicity
    /// again) into multiset `j`'s totals, marking each share in `bf`.
    pub fn totals_upsert_sql(&self, j: usize, rows: usize) -> String {
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        cols.push("`mult`".into());
        cols.push("`bf`".into());
        let one = format!("({})", vec!["?"; cols.len()].join(", "));
        format!(
            "INSERT INTO {} ({}) VALUES {} ON DUPLICATE KEY UPDATE `mult` = `mult` + VALUES(`mult`), `bf` = `bf` + VALUES(`bf`)",
            self.qualified(&self.names.totals[j]),
            cols.join(", "),
            vec![one; rows.max(1)].join(", ")
        )
    }

    /// `(k = ? AND v = ?) OR ...` over `rows` totals rows of multiset `j` (point ranges).
    fn totals_rows_predicate(&self, j: usize, rows: usize) -> String {
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        let one: Vec<String> = cols.iter().map(|c| format!("{c} = ?")).collect();
        let one = format!("({})", one.join(" AND "));
        format!("({})", vec![one; rows.max(1)].join(" OR "))
    }

    /// After [`Gen::totals_upsert_sql`] in the same transaction, over the same `rows` (their keys
    /// and values as parameters): adds to the backfill slot's `dn<j>`/`ds<j>` the moves between
    /// 0 and positive of the rows just changed (`mult - bf` is their total before), then clears
    /// `bf` and deletes the totals that reached 0. The rows are locked by the upsert, so no
    /// trigger moves them in between.
    pub fn totals_settle_sql(&self, j: usize, rows: usize) -> [String; 3] {
        let at = self.totals_rows_predicate(j, rows);
        let keys = self.stored_key_columns();
        let table = self.qualified(&self.names.totals[j]);
        let d = "((`mult` > 0) - (`mult` - `bf` > 0))";
        let dn = Self::distinct_count_col(j);
        let mut cols = keys.clone();
        cols.push("`slot`".into());
        cols.push(dn.clone());
        let mut items = keys.clone();
        items.push(BACKFILL_SLOT.to_string());
        items.push(format!("SUM({d})"));
        let mut updates = vec![format!("{dn} = {dn} + VALUES({dn})")];
        if self.layout.keeps_distinct_sum(j) {
            let ds = Self::distinct_sum_col(j);
            cols.push(ds.clone());
            items.push(format!("SUM({d} * {})", self.distinct_sum_input(j, "`v`")));
            updates.push(format!("{ds} = {ds} + VALUES({ds})"));
        }
        let group = if keys.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {}", keys.join(", "))
        };
        [
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM {table} WHERE {at} AND {d} <> 0{group} ON DUPLICATE KEY UPDATE {}",
                self.qualified(&self.names.state),
                cols.join(", "),
                items.join(", "),
                updates.join(", ")
            ),
            format!("DELETE FROM {table} WHERE {at} AND `mult` = 0"),
            format!("UPDATE {table} SET `bf` = 0 WHERE {at} AND `bf` <> 0"),
        ]
    }

    /// Statements that fill multiset `j`'s totals and the state's distinct counts from the
    /// multiset's rows (offline initialisation, after the multiset is filled).
    pub(super) fn initial_totals_sql(&self, j: usize) -> Vec<String> {
        if !self.layout.keeps_totals(j) {
            return Vec::new();
        }
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        let keys = self.stored_key_columns();
        let dn = Self::distinct_count_col(j);
        let mut state_cols = keys.clone();
        state_cols.push("`slot`".into());
        state_cols.push(dn.clone());
        let mut items = keys.clone();
        items.push(BACKFILL_SLOT.to_string());
        items.push("COUNT(*)".into());
        let mut updates = vec![format!("{dn} = {dn} + VALUES({dn})")];
        if self.layout.keeps_distinct_sum(j) {
            let ds = Self::distinct_sum_col(j);
            state_cols.push(ds.clone());
            items.push(format!("SUM({})", self.distinct_sum_input(j, "`v`")));
            updates.push(format!("{ds} = {ds} + VALUES({ds})"));
        }
        let table = self.qualified(&self.names.totals[j]);
        vec![
            format!(
                "INSERT INTO {table} ({}, `mult`) SELECT {}, SUM(`mult`) FROM {}{} HAVING SUM(`mult`) <> 0",
                cols.join(", "),
                cols.join(", "),
                self.qualified(&self.names.minmax[j]),
                format_args!(" GROUP BY {}", cols.join(", "))
            ),
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM {table} WHERE `mult` > 0{} ON DUPLICATE KEY UPDATE {}",
                self.qualified(&self.names.state),
                state_cols.join(", "),
                items.join(", "),
                if keys.is_empty() { String::new() } else { format!(" GROUP BY {}", keys.join(", ")) },
                updates.join(", ")
            ),
        ]
    }

    /// The value of a DISTINCT aggregate over the state rows of one group (alias `s`): the
    /// maintained count and sum of its present values, if `source` is one.
    pub(super) fn distinct_value(&self, source: AggSource) -> Option<String> {
        Some(match source {
            AggSource::CountDistinct(j) => {
                format!(
                    "CAST(COALESCE(SUM(`s`.{}), 0) AS SIGNED)",
                    Self::distinct_count_col(j)
                )
            }
            AggSource::SumDistinct(j) => format!(
                "IF(COALESCE(SUM(`s`.{}), 0) = 0, NULL, SUM(`s`.{}))",
                Self::distinct_count_col(j),
                Self::distinct_sum_col(j)
            ),
            AggSource::AvgDistinct(_) => {
                let (sum, n) = self.distinct_avg_parts(source)?;
                format!("{sum} / {n}")
            }
            _ => return None,
        })
    }

    /// The sum and count of an AVG(DISTINCT) for the outer query to divide (see
    /// `Gen::groups_select`), if `source` is one.
    pub(super) fn distinct_avg_parts(&self, source: AggSource) -> Option<(String, String)> {
        match source {
            AggSource::AvgDistinct(j) => Some((
                format!("SUM(`s`.{})", Self::distinct_sum_col(j)),
                format!("NULLIF(SUM(`s`.{}), 0)", Self::distinct_count_col(j)),
            )),
            _ => None,
        }
    }
}
