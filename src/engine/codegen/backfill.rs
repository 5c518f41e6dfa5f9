//! SQL for filling the state from the base table: per-chunk aggregation (read inside a consistent
//! snapshot) and the upsert that adds a chunk's partial aggregates into backfill slot 0.

use super::state::{
    key_col, key_hash, key_hash_col, key_null_col, key_zero_col, materializes_by_text, zero_literal,
};
use super::Gen;
use crate::engine::ident::quote;
use crate::engine::meta::SqlType;

/// `e` as the backfill reads a value of type `t` to write it back through the client: BIT and
/// YEAR as their integer value, which a parameter stores back exactly. As DECIMAL text (what
/// `COALESCE(year, 0)` and even `COALESCE(bit + 0, 0)` return) a YEAR 0000 came back as '0',
/// i.e. 2000, and a BIT as the bytes of its digits (state.rs, `materializes_by_text`).
fn as_stored(e: &str, t: &SqlType) -> String {
    if materializes_by_text(t) {
        format!("CAST({e} AS UNSIGNED)")
    } else {
        e.to_string()
    }
}

/// The slot reserved for backfilled rows; triggers use slots 1..=N.
pub const BACKFILL_SLOT: u16 = 0;

impl Gen<'_> {
    /// Group-key select items for a state row: stored key value and NULL flag.
    fn key_items(&self) -> Vec<String> {
        let mut items = Vec::new();
        for (i, k) in self.analysis.keys.iter().enumerate() {
            let t = &self.types.keys[i];
            let value = as_stored(&k.expr.to_string(), t);
            if self.key_nullable(i) {
                let value = as_stored(&format!("COALESCE({}, {})", k.expr, zero_literal(t)), t);
                items.push(format!("{value} AS {}", quote(&key_col(i))));
                if self.key_hashed(i) {
                    let h = key_hash(&value, t);
                    items.push(format!("{h} AS {}", quote(&key_hash_col(i))));
                }
                items.push(format!(
                    "({}) IS NULL AS {}",
                    k.expr,
                    quote(&key_null_col(i))
                ));
            } else {
                items.push(format!("{value} AS {}", quote(&key_col(i))));
                if self.key_hashed(i) {
                    let h = key_hash(&value, t);
                    items.push(format!("{h} AS {}", quote(&key_hash_col(i))));
                }
            }
            if self.key_has_zero_flag(i) {
                items.push(format!(
                    "{} AS {}",
                    Self::key_zero_flag(&k.expr.to_string()),
                    quote(&key_zero_col(i))
                ));
            }
        }
        items
    }

    /// The state's key columns, quoted: each key's value and, for a nullable key, its NULL flag.
    pub(super) fn stored_key_columns(&self) -> Vec<String> {
        let mut cols = Vec::new();
        for i in 0..self.types.keys.len() {
            cols.push(quote(&key_col(i)));
            if self.key_hashed(i) {
                cols.push(quote(&key_hash_col(i)));
            }
            if self.key_nullable(i) {
                cols.push(quote(&key_null_col(i)));
            }
            if self.key_has_zero_flag(i) {
                cols.push(quote(&key_zero_col(i)));
            }
        }
        cols
    }

    /// The key columns that identify a group, quoted: [`Gen::stored_key_columns`] without the
    /// value of a hashed key, whose hash (in the primary key) stands for it. Grouping by them
    /// uses the primary key's order, and never compares a TEXT value (which MariaDB's GROUP BY
    /// would sort by its first `max_sort_length` bytes).
    pub(super) fn group_key_columns(&self) -> Vec<String> {
        let hashed: Vec<String> = (0..self.types.keys.len())
            .filter(|i| self.key_hashed(*i))
            .map(|i| quote(&key_col(i)))
            .collect();
        self.stored_key_columns()
            .into_iter()
            .filter(|c| !hashed.contains(c))
            .collect()
    }

    /// Stored key columns: the value and, for a nullable key, its NULL flag.
    pub fn stored_key_count(&self) -> usize {
        self.stored_key_columns().len()
    }

    /// ` FROM … WHERE …` of the rows matching `range` and the query's WHERE (over the join, for
    /// a join summary).
    fn filtered(&self, range: Option<&str>, extra: Option<String>) -> String {
        let (from, mut conds) = self.rows_source(range);
        if let Some(f) = &self.analysis.filter {
            conds.push(format!("({f})"));
        }
        conds.extend(extra);
        if conds.is_empty() {
            format!(" FROM {from}")
        } else {
            format!(" FROM {from} WHERE {}", conds.join(" AND "))
        }
    }

    pub(super) fn group_by_positions(&self, n: usize) -> String {
        if n == 0 {
            String::new()
        } else {
            let pos: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
            // The groups go into a hash map anyway: sorting them (GROUP BY's implicit order)
            // cost a filesort per chunk.
            format!(" GROUP BY {} ORDER BY NULL", pos.join(", "))
        }
    }

    /// Columns of the state table a chunk fills, in the order [`Gen::chunk_state_sql`] returns them.
    pub fn state_columns(&self) -> Vec<String> {
        let mut cols = self.stored_key_columns();
        cols.push("`cnt`".into());
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                cols.push(format!("`nn{i}`"));
            }
            if n.needs_sum {
                cols.push(format!("`s{i}`"));
            }
            cols.extend(self.bit_columns(i));
            cols.extend(self.square_columns(i).into_iter().map(|(c, _)| c));
        }
        cols
    }

    /// Per-group partial aggregates of the base rows matching `range` (a predicate over the
    /// primary key with `?` parameters, or `None` for the whole table).
    pub fn chunk_state_sql(&self, range: Option<&str>) -> String {
        let mut items = self.key_items();
        items.push("COUNT(*) AS `cnt`".into());
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                items.push(format!("SUM(({}) IS NOT NULL) AS `nn{i}`", n.arg));
            }
            if n.needs_sum {
                items.push(format!(
                    "SUM({}) AS `s{i}`",
                    self.sum_value(i, &n.arg.to_string())
                ));
            }
            for (c, bit) in self
                .bit_columns(i)
                .into_iter()
                .zip(self.bit_values(i, &n.arg.to_string()))
            {
                items.push(format!("SUM({bit}) AS {c}"));
            }
            for ((c, _), square) in self
                .square_columns(i)
                .into_iter()
                .zip(self.square_values(i, &n.arg.to_string()))
            {
                items.push(format!("SUM({square}) AS {c}"));
            }
        }
        format!(
            "SELECT {}{}{}",
            items.join(", "),
            self.filtered(range, None),
            self.group_by_positions(self.stored_key_count())
        )
    }

    /// `(value, multiplicity)` per group of MIN/MAX input `j` over the rows matching `range`.
    pub fn chunk_minmax_sql(&self, j: usize, range: Option<&str>) -> String {
        let mut items = self.key_items();
        let values = self.layout.multiset_values(j);
        for ((v, t), col) in values
            .iter()
            .zip(self.multiset_types(j))
            .zip(self.value_cols(j))
        {
            items.push(format!("{} AS {col}", as_stored(&v.to_string(), t)));
        }
        items.push("COUNT(*) AS `mult`".into());
        let not_null = self.values_not_null(j, |v| v.to_string());
        // Chunks are primary-key ranges: the optimizer sometimes prefers a group-key index and
        // walks it with a lookup per row (measured 6x slower on an unbounded chunk).
        let mut sql = format!(
            "SELECT {}{}",
            items.join(", "),
            self.filtered(range, Some(not_null))
        );
        sql.push_str(&self.group_by_positions(self.stored_key_count() + values.len()));
        sql
    }

    /// Multi-row upsert of `rows` chunk results into the state's backfill slot.
    pub fn state_upsert_sql(&self, rows: usize) -> String {
        let cols = self.state_columns();
        let mut insert_cols = cols.clone();
        insert_cols.push("`slot`".into());
        let one = format!("({}, {BACKFILL_SLOT})", vec!["?"; cols.len()].join(", "));
        let updates: Vec<String> = cols
            .iter()
            .skip(self.stored_key_count())
            .map(|c| format!("{c} = {c} + VALUES({c})"))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {} ON DUPLICATE KEY UPDATE {}",
            self.qualified(&self.names.state),
            insert_cols.join(", "),
            vec![one; rows.max(1)].join(", "),
            updates.join(", ")
        )
    }

    /// Multi-row upsert of `rows` multiset results of input `j` into the backfill slot.
    pub fn minmax_upsert_sql(&self, j: usize, rows: usize) -> String {
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        cols.push("`mult`".into());
        let n = cols.len();
        cols.push("`slot`".into());
        let one = format!("({}, {BACKFILL_SLOT})", vec!["?"; n].join(", "));
        format!(
            "INSERT INTO {} ({}) VALUES {} ON DUPLICATE KEY UPDATE `mult` = `mult` + VALUES(`mult`)",
            self.qualified(&self.names.minmax[j]),
            cols.join(", "),
            vec![one; rows.max(1)].join(", ")
        )
    }

    /// Fills the state from the whole table in single statements (offline initialisation, used
    /// when the table cannot change meanwhile, e.g. under a table lock or in tests).
    pub fn initial_fill_sql(&self) -> Vec<String> {
        let mut cols = self.state_columns();
        cols.push("`slot`".into());
        let mut out = vec![format!(
            "INSERT INTO {} ({}) SELECT *, {BACKFILL_SLOT} FROM ({}) AS `_lt_chunk`",
            self.qualified(&self.names.state),
            cols.join(", "),
            self.chunk_state_sql(None)
        )];
        for j in 0..self.layout.minmax.len() {
            let mut cols = self.stored_key_columns();
            cols.extend(self.value_cols(j));
            cols.push("`mult`".into());
            cols.push("`slot`".into());
            out.push(format!(
                "INSERT INTO {} ({}) SELECT *, {BACKFILL_SLOT} FROM ({}) AS `_lt_chunk`",
                self.qualified(&self.names.minmax[j]),
                cols.join(", "),
                self.chunk_minmax_sql(j, None)
            ));
            out.extend(self.initial_totals_sql(j));
        }
        out
    }
}
