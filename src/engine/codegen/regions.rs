//! Checkpoint regions: the base table's primary-key space cut at fixed boundaries while a backfill
//! runs. Triggers add the deltas of a row version whose key falls in region `i` into its own slot
//! row (`slots + 1 + i`); keys past the last boundary use the writers' slots. Because each
//! region's deltas are kept apart, an interrupted backfill can continue region by region: on
//! resume a new snapshot `Tb` is taken, and an unfinished region contributes
//! `rows(Tb) - deltas(T0..Tb)`, both read in that snapshot (see docs/correctness.md).

use super::Gen;
use crate::engine::ident::{quote, string_literal};
use crate::engine::meta::ColumnMeta;
use mysql::Value;
use serde::{Deserialize, Serialize};

/// Inclusive upper bounds of the regions, as SQL literals per primary-key column, increasing.
/// Region `i` holds keys in `(bounds[i-1], bounds[i]]`; the region after the last bound (the
/// "tail", index `bounds.len()`) holds every larger key, including keys inserted later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Regions {
    /// Upper bounds (one literal per primary-key column).
    pub bounds: Vec<Vec<String>>,
}

impl Regions {
    /// Parses the catalog's JSON form.
    pub fn from_json(text: &str) -> Option<Regions> {
        serde_json::from_str(text).ok()
    }

    /// The catalog's JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"bounds\":[]}".into())
    }

    /// Regions including the tail.
    pub fn count(&self) -> usize {
        self.bounds.len() + 1
    }
}

/// Renders `value` of primary-key column `column` as a literal that compares exactly as the
/// column's own values do, or `None` for types whose comparison with a literal depends on the
/// session (TIMESTAMP: time zone) or differs from the index order (ENUM, SET, floats, BIT).
pub fn literal(value: &Value, column: &ColumnMeta) -> Option<String> {
    let ty = column.column_type.to_ascii_lowercase();
    let base = ty.split(['(', ' ']).next().unwrap_or("");
    match (base, value) {
        ("tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year", v) => {
            match v {
                Value::Int(i) => Some(i.to_string()),
                Value::UInt(u) => Some(u.to_string()),
                Value::Bytes(b) => integer_text(b),
                _ => None,
            }
        }
        ("decimal", Value::Bytes(b)) => {
            let text = std::str::from_utf8(b).ok()?;
            let numeric = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
            numeric.then(|| text.to_string())
        }
        ("char" | "varchar", Value::Bytes(b)) if column.collation.is_some() => {
            // Text arrives in the connection's utf8mb4 and goes back as a plain literal: the
            // column's collation decides the comparison (a literal is more coercible than a
            // column). Not `_utf8mb4 X'..'`: a stored trigger body loses the introducer, which
            // would turn the literal binary inside the trigger only.
            Some(string_literal(std::str::from_utf8(b).ok()?))
        }
        ("binary" | "varbinary", Value::Bytes(b)) => Some(format!("X'{}'", hex(b))),
        ("date" | "datetime", Value::Date(y, mo, d, h, mi, s, us)) => Some(format!(
            "'{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}'"
        )),
        _ => None,
    }
}

fn integer_text(b: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(b).ok()?;
    text.parse::<i128>().ok().map(|i| i.to_string())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// `key <= bound` over primary-key columns `pk` (qualified by `q`, e.g. `NEW`), expanded as
/// `a < x OR (a = x AND b <= y)` so the range optimizer can use it.
pub fn upto_literal(pk: &[String], q: Option<&str>, bound: &[String]) -> String {
    compare(pk, q, bound, "<", "<=")
}

/// `key > bound`: the complement of [`upto_literal`] for a total order.
pub fn after_literal(pk: &[String], q: Option<&str>, bound: &[String]) -> String {
    compare(pk, q, bound, ">", ">")
}

fn compare(pk: &[String], q: Option<&str>, bound: &[String], strict: &str, last: &str) -> String {
    let col = |c: &String| match q {
        Some(q) => format!("{q}.{}", quote(c)),
        None => quote(c),
    };
    let mut ors = Vec::new();
    for i in 0..pk.len() {
        let mut ands: Vec<String> = pk[..i]
            .iter()
            .zip(bound)
            .map(|(c, v)| format!("{} = {v}", col(c)))
            .collect();
        let op = if i + 1 == pk.len() { last } else { strict };
        ands.push(format!("{} {op} {}", col(&pk[i]), bound[i]));
        ors.push(if ands.len() == 1 {
            ands.remove(0)
        } else {
            format!("({})", ands.join(" AND "))
        });
    }
    if ors.len() == 1 {
        ors.remove(0)
    } else {
        format!("({})", ors.join(" OR "))
    }
}

impl Gen<'_> {
    /// The slot the writers' deltas go to outside the regions: spreading one hot group over
    /// several rows lets concurrent writers avoid waiting on one row lock.
    pub fn writer_slot_expr(&self) -> String {
        if self.slots <= 1 {
            "1".into()
        } else {
            format!("1 + CONNECTION_ID() % {}", self.slots)
        }
    }

    /// Whether the triggers tag deltas with regions.
    pub fn tags_regions(&self) -> bool {
        self.regions.as_ref().is_some_and(|r| !r.bounds.is_empty())
    }

    /// The slot of region `i` (not the tail).
    pub fn region_slot(&self, i: usize) -> u16 {
        self.slots + 1 + i as u16
    }

    /// The slot a delta of row image `q` (`NEW`/`OLD`) goes to.
    pub fn slot_for(&self, q: &str) -> String {
        let Some(regions) = self.regions.as_ref().filter(|r| !r.bounds.is_empty()) else {
            return self.writer_slot_expr();
        };
        let pk = &self.table.primary_key;
        let mut out = String::from("CASE");
        for (i, b) in regions.bounds.iter().enumerate() {
            out.push_str(&format!(
                " WHEN {} THEN {}",
                upto_literal(pk, Some(q), b),
                self.region_slot(i)
            ));
        }
        out.push_str(&format!(" ELSE {} END", self.writer_slot_expr()));
        out
    }

    /// Predicate over the base table's columns selecting region `i` (`None`: every row).
    pub fn region_predicate(&self, i: usize) -> Option<String> {
        let regions = self.regions.as_ref()?;
        let pk = &self.table.primary_key;
        let mut conds = Vec::new();
        if i > 0 {
            conds.push(after_literal(pk, None, regions.bounds.get(i - 1)?));
        }
        if let Some(b) = regions.bounds.get(i) {
            conds.push(upto_literal(pk, None, b));
        }
        if conds.is_empty() {
            None
        } else {
            Some(conds.join(" AND "))
        }
    }

    /// The state slots holding region `i`'s trigger deltas.
    pub fn region_slots(&self, i: usize) -> Vec<u16> {
        let tagged = self.regions.as_ref().map_or(0, |r| r.bounds.len());
        if i < tagged {
            vec![self.region_slot(i)]
        } else {
            (1..=self.slots).collect()
        }
    }

    /// Per group, minus the trigger deltas stored in `slots`, in the column order of
    /// [`Gen::chunk_state_sql`]. Read in a resume's snapshot, it cancels the deltas that are
    /// already part of that snapshot's rows.
    pub fn negated_deltas_sql(&self, slots: &[u16]) -> String {
        let keys = self.stored_key_columns();
        let mut items = keys.clone();
        for c in self.state_columns().iter().skip(keys.len()) {
            items.push(format!("-SUM({c})"));
        }
        format!(
            "SELECT {} FROM {} WHERE `slot` IN ({}){}",
            items.join(", "),
            self.qualified(&self.names.state),
            slot_list(slots),
            self.group_by_positions(keys.len())
        )
    }

    /// The same for MIN/MAX multiset `j`, in the column order of [`Gen::chunk_minmax_sql`].
    pub fn negated_minmax_sql(&self, j: usize, slots: &[u16]) -> String {
        let keys = self.stored_key_columns();
        let mut items = keys.clone();
        items.extend(self.value_cols(j));
        items.push("-SUM(`mult`)".into());
        format!(
            "SELECT {} FROM {} WHERE `slot` IN ({}){}",
            items.join(", "),
            self.qualified(&self.names.minmax[j]),
            slot_list(slots),
            self.group_by_positions(keys.len() + self.value_cols(j).len())
        )
    }

    /// The region slots' rows of the state: stored keys, `slot`, then the value columns of
    /// [`Gen::state_columns`] (read without locks once no trigger writes them, to fold them into
    /// the backfill slot).
    pub fn region_rows_sql(&self) -> String {
        let keys = self.stored_key_columns();
        let mut cols = keys.clone();
        cols.push("`slot`".into());
        cols.extend(self.state_columns().into_iter().skip(keys.len()));
        format!(
            "SELECT {} FROM {} WHERE `slot` >= {}",
            cols.join(", "),
            self.qualified(&self.names.state),
            self.slots + 1
        )
    }

    /// The same for MIN/MAX multiset `j`: keys, its value columns, `slot`, `mult`.
    pub fn minmax_region_rows_sql(&self, j: usize) -> String {
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        cols.push("`slot`".into());
        cols.push("`mult`".into());
        format!(
            "SELECT {} FROM {} WHERE `slot` >= {}",
            cols.join(", "),
            self.qualified(&self.names.minmax[j]),
            self.slots + 1
        )
    }

    /// Deletes `rows` state rows by their exact primary key (stored keys, then `slot`, as `?`):
    /// point locks only, never a range a writer's new slot row could fall into.
    pub fn delete_region_rows_sql(&self, rows: usize) -> String {
        delete_rows(
            &self.qualified(&self.names.state),
            self.stored_key_columns(),
            rows,
        )
    }

    /// The same for MIN/MAX multiset `j` (keys, its value columns, `slot`).
    pub fn delete_minmax_region_rows_sql(&self, j: usize, rows: usize) -> String {
        let mut cols = self.stored_key_columns();
        cols.extend(self.value_cols(j));
        delete_rows(&self.qualified(&self.names.minmax[j]), cols, rows)
    }
}

fn delete_rows(table: &str, mut cols: Vec<String>, rows: usize) -> String {
    cols.push("`slot`".into());
    let one: Vec<String> = cols.iter().map(|c| format!("{c} = ?")).collect();
    let one = format!("({})", one.join(" AND "));
    format!(
        "DELETE FROM {table} WHERE {}",
        vec![one; rows.max(1)].join(" OR ")
    )
}

fn slot_list(slots: &[u16]) -> String {
    let s: Vec<String> = slots.iter().map(std::string::ToString::to_string).collect();
    if s.is_empty() {
        "NULL".into()
    } else {
        s.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(t: &str, collation: Option<&str>) -> ColumnMeta {
        ColumnMeta {
            name: "c".into(),
            column_type: t.into(),
            collation: collation.map(str::to_string),
            nullable: false,
        }
    }

    #[test]
    fn literals_compare_like_the_column() {
        assert_eq!(
            literal(&Value::Int(-5), &col("int(11)", None)).as_deref(),
            Some("-5")
        );
        assert_eq!(
            literal(
                &Value::Bytes(b"12.50".to_vec()),
                &col("decimal(10,2)", None)
            )
            .as_deref(),
            Some("12.50")
        );
        assert_eq!(
            literal(
                &Value::Bytes(b"a'b".to_vec()),
                &col("varchar(10)", Some("utf8mb4_general_ci"))
            )
            .as_deref(),
            Some("'a''b'")
        );
        assert_eq!(
            literal(
                &Value::Date(2026, 1, 2, 3, 4, 5, 6),
                &col("datetime(6)", None)
            )
            .as_deref(),
            Some("'2026-01-02 03:04:05.000006'")
        );
    }

    #[test]
    fn session_dependent_or_unordered_types_have_no_regions() {
        let v = Value::Date(2026, 1, 2, 3, 4, 5, 0);
        assert_eq!(literal(&v, &col("timestamp", None)), None);
        let e = Value::Bytes(b"x".to_vec());
        assert_eq!(
            literal(&e, &col("enum('x','y')", Some("utf8mb4_general_ci"))),
            None
        );
        assert_eq!(literal(&Value::Double(1.5), &col("double", None)), None);
    }

    #[test]
    fn composite_bounds_expand_for_the_range_optimizer() {
        let pk = vec!["a".to_string(), "b".to_string()];
        let b = vec!["1".to_string(), "2".to_string()];
        assert_eq!(
            upto_literal(&pk, Some("NEW"), &b),
            "(NEW.`a` < 1 OR (NEW.`a` = 1 AND NEW.`b` <= 2))"
        );
        assert_eq!(
            after_literal(&pk, None, &b),
            "(`a` > 1 OR (`a` = 1 AND `b` > 2))"
        );
        assert_eq!(upto_literal(&pk[..1], None, &b[..1]), "`a` <= 1");
    }
}
