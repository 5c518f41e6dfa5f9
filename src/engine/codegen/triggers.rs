//! AFTER INSERT / UPDATE / DELETE triggers. Each applies only what changed: one upsert into the
//! state row of the affected group (and one per MIN/MAX multiset), never a scan of the base table.
//! Values are added into a slot row (`slot` >= 1); slot 0 belongs to the backfill, so a backfill
//! chunk and a trigger never lock the same state row.

use super::row::render;
use super::state::{key_col, key_hash, key_hash_col, key_null_col, key_zero_col, zero_literal};
use super::Gen;
use crate::engine::ident::quote;
use crate::engine::meta::TableMeta;
use serde::Serialize;
use sqlparser::ast::Expr;

/// One generated trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerSql {
    /// Trigger name.
    pub name: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub event: String,
    /// The full `CREATE TRIGGER` statement.
    pub sql: String,
}

/// Which row image a delta reads, and with which sign it is applied.
#[derive(Clone, Copy)]
pub(super) struct RowImage {
    /// `NEW`, `OLD`, or a row variable (`codegen::cascade`).
    pub(super) qualifier: &'static str,
    /// +1 or -1.
    pub(super) sign: i8,
}

const NEW_PLUS: RowImage = RowImage {
    qualifier: "NEW",
    sign: 1,
};
const OLD_MINUS: RowImage = RowImage {
    qualifier: "OLD",
    sign: -1,
};

impl Gen<'_> {
    /// Key column values for a row image: (column names, value expressions).
    pub(super) fn key_values(&self, q: &str) -> (Vec<String>, Vec<String>) {
        self.key_values_by(&|e| render(e, Some(q)))
    }

    /// Key column values with expressions rendered by `r`: (column names, value expressions).
    pub(super) fn key_values_by(&self, r: &dyn Fn(&Expr) -> String) -> (Vec<String>, Vec<String>) {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        for (i, k) in self.analysis.keys.iter().enumerate() {
            let e = r(&k.expr);
            let t = &self.types.keys[i];
            cols.push(quote(&key_col(i)));
            let value = if self.key_nullable(i) {
                format!("COALESCE({e}, {})", zero_literal(t))
            } else {
                e.clone()
            };
            vals.push(value.clone());
            if self.key_hashed(i) {
                cols.push(quote(&key_hash_col(i)));
                vals.push(key_hash(&value, t));
            }
            if self.key_nullable(i) {
                cols.push(quote(&key_null_col(i)));
                vals.push(format!("(({e}) IS NULL)"));
            }
            if self.key_has_zero_flag(i) {
                cols.push(quote(&key_zero_col(i)));
                vals.push(Self::key_zero_flag(&e));
            }
        }
        (cols, vals)
    }

    /// `WHERE`-clause predicate over a row image, if the query filters.
    fn filter_on(&self, q: &str) -> Option<String> {
        // Parenthesized: the filter is combined with AND below (`a OR b AND c` would bind wrong).
        self.analysis
            .filter
            .as_ref()
            .map(|f| format!("({})", render(f, Some(q))))
    }

    /// The exact value added to sum `i` for one row image.
    fn sum_input(&self, i: usize, q: &str) -> String {
        self.sum_value(i, &render(&self.layout.nums[i].arg, Some(q)))
    }

    fn nonnull_input(&self, i: usize, q: &str) -> String {
        format!(
            "(({}) IS NOT NULL)",
            render(&self.layout.nums[i].arg, Some(q))
        )
    }

    /// One row's contribution (sign +1 or -1) to the state: the state columns, their values
    /// and the `ON DUPLICATE KEY UPDATE` assignments (which do not depend on the row).
    fn state_row(&self, row: RowImage) -> (Vec<String>, Vec<String>, Vec<String>) {
        let (mut cols, mut vals) = self.key_values(row.qualifier);
        let neg = if row.sign < 0 { "-" } else { "" };
        cols.push("`slot`".into());
        vals.push(self.slot_for(row.qualifier));
        cols.push("`cnt`".into());
        vals.push(format!("{}", row.sign));
        let mut updates = vec!["`cnt` = `cnt` + VALUES(`cnt`)".to_string()];
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                cols.push(format!("`nn{i}`"));
                vals.push(format!("{neg}{}", self.nonnull_input(i, row.qualifier)));
                updates.push(format!("`nn{i}` = `nn{i}` + VALUES(`nn{i}`)"));
            }
            if n.needs_sum {
                cols.push(format!("`s{i}`"));
                vals.push(format!("{neg}{}", self.sum_input(i, row.qualifier)));
                updates.push(format!("`s{i}` = `s{i}` + VALUES(`s{i}`)"));
            }
            let arg = render(&n.arg, Some(row.qualifier));
            for (c, bit) in self
                .bit_columns(i)
                .into_iter()
                .zip(self.bit_values(i, &arg))
            {
                vals.push(format!("{neg}{bit}"));
                updates.push(format!("{c} = {c} + VALUES({c})"));
                cols.push(c);
            }
            for ((c, _), square) in self
                .square_columns(i)
                .into_iter()
                .zip(self.square_values(i, &arg))
            {
                vals.push(format!("{neg}{square}"));
                updates.push(format!("{c} = {c} + VALUES({c})"));
                cols.push(c);
            }
        }
        (cols, vals, updates)
    }

    /// Upsert of one row's contribution (sign +1 or -1) into the state.
    fn state_delta(&self, row: RowImage, indent: &str) -> String {
        let (cols, vals, updates) = self.state_row(row);
        format!(
            "{indent}INSERT INTO {} ({}) VALUES ({})\n{indent}  ON DUPLICATE KEY UPDATE {};",
            self.qualified(&self.names.state),
            cols.join(", "),
            vals.join(", "),
            updates.join(", ")
        )
    }

    /// An UPDATE that moves a row to another group as one two-row upsert (OLD's row taken out,
    /// NEW's added): one statement instead of two saves a statement's fixed cost in the
    /// trigger (issue 18). The rows apply in order, as the two statements did, so even two
    /// rows with the same state key would add up right. Only when every delta goes to the
    /// state table unconditionally: with a WHERE each row image has its own condition, and
    /// MIN/MAX or DISTINCT multisets are other tables.
    fn moved_delta(&self, indent: &str) -> Option<String> {
        if self.analysis.filter.is_some() || !self.layout.minmax.is_empty() {
            return None;
        }
        let (cols, old, updates) = self.state_row(OLD_MINUS);
        let (_, new, _) = self.state_row(NEW_PLUS);
        Some(format!(
            "{indent}INSERT INTO {} ({}) VALUES ({}), ({})\n{indent}  ON DUPLICATE KEY UPDATE {};\n",
            self.qualified(&self.names.state),
            cols.join(", "),
            old.join(", "),
            new.join(", "),
            updates.join(", ")
        ))
    }

    /// Upsert of the difference NEW - OLD into the state, for an update that stays in its group.
    fn state_same_group_delta(&self, indent: &str) -> String {
        let (mut cols, mut vals) = self.key_values("NEW");
        cols.push("`slot`".into());
        vals.push(self.slot_for("NEW"));
        cols.push("`cnt`".into());
        vals.push("0".into());
        let mut updates = Vec::new();
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                cols.push(format!("`nn{i}`"));
                vals.push(format!(
                    "{} - {}",
                    self.nonnull_input(i, "NEW"),
                    self.nonnull_input(i, "OLD")
                ));
                updates.push(format!("`nn{i}` = `nn{i}` + VALUES(`nn{i}`)"));
            }
            if n.needs_sum {
                cols.push(format!("`s{i}`"));
                vals.push(format!(
                    "{} - {}",
                    self.sum_input(i, "NEW"),
                    self.sum_input(i, "OLD")
                ));
                updates.push(format!("`s{i}` = `s{i}` + VALUES(`s{i}`)"));
            }
            let (new, old) = (
                self.bit_values(i, &render(&n.arg, Some("NEW"))),
                self.bit_values(i, &render(&n.arg, Some("OLD"))),
            );
            for ((c, nb), ob) in self.bit_columns(i).into_iter().zip(new).zip(old) {
                vals.push(format!("{nb} - {ob}"));
                updates.push(format!("{c} = {c} + VALUES({c})"));
                cols.push(c);
            }
            let (new, old) = (
                self.square_values(i, &render(&n.arg, Some("NEW"))),
                self.square_values(i, &render(&n.arg, Some("OLD"))),
            );
            for (((c, _), nq), oq) in self.square_columns(i).into_iter().zip(new).zip(old) {
                vals.push(format!("{nq} - {oq}"));
                updates.push(format!("{c} = {c} + VALUES({c})"));
                cols.push(c);
            }
        }
        if updates.is_empty() {
            return String::new();
        }
        format!(
            "{indent}INSERT INTO {} ({}) VALUES ({})\n{indent}  ON DUPLICATE KEY UPDATE {};\n",
            self.qualified(&self.names.state),
            cols.join(", "),
            vals.join(", "),
            updates.join(", ")
        )
    }

    /// Multiset maintenance of MIN/MAX input `j` for one row image.
    fn minmax_delta(&self, j: usize, row: RowImage, indent: &str) -> String {
        let values: Vec<String> = self
            .layout
            .multiset_values(j)
            .into_iter()
            .map(|v| render(v, Some(row.qualifier)))
            .collect();
        let not_null = self.values_not_null(j, |v| render(v, Some(row.qualifier)));
        let (mut cols, mut vals) = self.key_values(row.qualifier);
        let mut cond = Vec::new();
        // Parenthesized: a key or value such as `s IS NULL` or `g > 2` would otherwise bind
        // as `(k = s) IS NULL`.
        for (c, val) in cols.iter().zip(&vals) {
            cond.push(format!("{c} = ({val})"));
        }
        let value_cols = self.value_cols(j);
        cols.extend(value_cols.iter().cloned());
        vals.extend(values.iter().cloned());
        let slot = self.slot_for(row.qualifier);
        cols.push("`slot`".into());
        vals.push(slot.clone());
        cols.push("`mult`".into());
        vals.push(format!("{}", row.sign));
        let table = self.qualified(&self.names.minmax[j]);
        let mut out = format!(
            "{indent}IF {not_null} THEN\n{indent}  INSERT INTO {table} ({}) VALUES ({})\n{indent}    ON DUPLICATE KEY UPDATE `mult` = `mult` + VALUES(`mult`);\n",
            cols.join(", "),
            vals.join(", ")
        );
        if row.sign < 0 {
            // A slot row that nets to zero contributes nothing: removing it keeps probes short.
            for (c, v) in value_cols.iter().zip(&values) {
                cond.push(format!("{c} = ({v})"));
            }
            cond.push(format!("`slot` = {slot}"));
            cond.push("`mult` = 0".into());
            out.push_str(&format!(
                "{indent}  DELETE FROM {table} WHERE {};\n",
                cond.join(" AND ")
            ));
        }
        out.push_str(&self.totals_trigger_block(
            j,
            row.qualifier,
            row.sign,
            &format!("{indent}  "),
        ));
        out.push_str(&format!("{indent}END IF;\n"));
        out
    }

    /// All deltas of one row image, guarded by the query's WHERE.
    pub(super) fn row_block(&self, row: RowImage, indent: &str) -> String {
        let inner_indent = if self.filter_on(row.qualifier).is_some() {
            format!("{indent}  ")
        } else {
            indent.to_string()
        };
        let mut body = self.state_delta(row, &inner_indent);
        body.push('\n');
        for j in 0..self.layout.minmax.len() {
            body.push_str(&self.minmax_delta(j, row, &inner_indent));
        }
        match self.filter_on(row.qualifier) {
            Some(f) => format!("{indent}IF {f} THEN\n{body}{indent}END IF;\n"),
            None => body,
        }
    }

    /// Whether an UPDATE left every column the summary reads byte-for-byte unchanged.
    fn unchanged(&self) -> String {
        let mut conds = Vec::new();
        let mut columns = self.analysis.columns_read.clone();
        if self.tags_regions() {
            // A key change can move a row between regions: its deltas must follow it.
            for c in &self.table.primary_key {
                if !columns.iter().any(|r| r.eq_ignore_ascii_case(c)) {
                    columns.push(c.clone());
                }
            }
        }
        conds.extend(columns.iter().map(|c| column_unchanged(self.table, c)));
        if conds.is_empty() {
            "TRUE".into()
        } else {
            conds.join(" AND ")
        }
    }

    /// Trigger bodies for INSERT, UPDATE and DELETE (statements between BEGIN and END).
    pub fn trigger_bodies(&self) -> [String; 3] {
        if self.join.is_some() {
            return self.join_trigger_bodies(0);
        }
        let insert = self.row_block(NEW_PLUS, "  ");
        let delete = self.row_block(OLD_MINUS, "  ");

        let mut same = Vec::new();
        if let Some(f) = self.filter_on("OLD") {
            same.push(f);
        }
        if let Some(f) = self.filter_on("NEW") {
            same.push(f);
        }
        for (i, k) in self.analysis.keys.iter().enumerate() {
            let (o, nw) = (render(&k.expr, Some("OLD")), render(&k.expr, Some("NEW")));
            same.push(format!("({o}) <=> ({nw})"));
            if self.key_has_zero_flag(i) {
                // The error value '' equals the member '' as a string, yet is another group.
                same.push(format!(
                    "{} = {}",
                    Self::key_zero_flag(&o),
                    Self::key_zero_flag(&nw)
                ));
            }
        }
        if self.tags_regions() {
            // One upsert into NEW's slot is right only if OLD's deltas belong to the same slot.
            same.push(format!(
                "({}) = ({})",
                self.slot_for("OLD"),
                self.slot_for("NEW")
            ));
        }
        let mut same_body = self.state_same_group_delta("      ");
        for j in 0..self.layout.minmax.len() {
            let (o, nw) = (
                render(&self.layout.minmax[j], Some("OLD")),
                render(&self.layout.minmax[j], Some("NEW")),
            );
            same_body.push_str(&format!("      IF NOT (({o}) <=> ({nw})) THEN\n"));
            same_body.push_str(&self.minmax_delta(j, OLD_MINUS, "        "));
            same_body.push_str(&self.minmax_delta(j, NEW_PLUS, "        "));
            same_body.push_str("      END IF;\n");
        }
        let moved = self.moved_delta("      ").unwrap_or_else(|| {
            format!(
                "{}{}",
                self.row_block(OLD_MINUS, "      "),
                self.row_block(NEW_PLUS, "      ")
            )
        });
        let same_cond = if same.is_empty() {
            "TRUE".to_string()
        } else {
            same.join(" AND ")
        };
        let update_body = if same_body.is_empty() {
            // Nothing to adjust within a group: only moves between groups (or in/out of the
            // WHERE) matter. IS NOT TRUE treats a NULL condition as "not the same group".
            format!(
                "  IF NOT ({}) AND ({same_cond}) IS NOT TRUE THEN\n{moved}  END IF;\n",
                self.unchanged()
            )
        } else {
            format!(
                "  IF NOT ({}) THEN\n    IF {same_cond} THEN\n{same_body}    ELSE\n{moved}    END IF;\n  END IF;\n",
                self.unchanged()
            )
        };
        [insert, update_body, delete]
    }

    /// The three triggers.
    pub fn triggers(&self) -> Vec<TriggerSql> {
        combined_triggers(&[self])
    }
}

/// Byte-for-byte equality of two values of column `c`, NULL-safe: collation equality would hide
/// `'a'` -> `'A'` or a trailing-space change.
pub(super) fn identical(table: &TableMeta, c: &str, a: &str, b: &str) -> String {
    let textual = table
        .column(c)
        .map(|m| m.collation.is_some())
        .unwrap_or(true);
    let is_enum = table
        .column(c)
        .is_some_and(|m| m.column_type.to_ascii_lowercase().starts_with("enum"));
    if is_enum {
        // The error value '' (index 0) and a member '' are the same bytes.
        format!("(BINARY {a} <=> BINARY {b} AND {a} + 0 <=> {b} + 0)")
    } else if textual {
        format!("BINARY {a} <=> BINARY {b}")
    } else {
        format!("{a} <=> {b}")
    }
}

/// [`identical`] of column `c`'s OLD and NEW values: the UPDATE left `c` as it was.
pub(super) fn column_unchanged(table: &TableMeta, c: &str) -> String {
    identical(
        table,
        c,
        &format!("OLD.{}", quote(c)),
        &format!("NEW.{}", quote(c)),
    )
}

/// An AFTER UPDATE `body` wrapped so that it skips a refused row change. `UPDATE IGNORE` fires
/// AFTER UPDATE for a row it leaves unchanged because the change would duplicate a
/// PRIMARY/UNIQUE key, lose a parent or orphan a child (`sql_update.cc`: only errors
/// `is_fatal_error` skip the trigger). Only a change of such a column can be refused that way,
/// so only then the trigger looks: if the row is still there with OLD's values of those
/// columns, nothing changed. The read locks (a consistent read may miss a row committed after
/// the writer's snapshot), but only the row the statement itself already holds.
///
/// The common case, no such column changed, runs `body` after one comparison; the variable
/// and the look-up live in the other branch's own block (issue 18: a `DECLARE` and a second
/// `IF` on every row were part of what the UPDATE trigger cost beyond the floor). The body is
/// written twice; the condition is a conjunction of `<=>`, never NULL, so exactly one branch runs.
pub(super) fn refused_update_guard(table: &TableMeta, base: &str, body: &str) -> String {
    let columns = table.conflict_columns();
    if columns.is_empty() {
        // No column whose change the server could refuse: every firing is a real change.
        return body.to_string();
    }
    let unchanged: Vec<String> = columns.iter().map(|c| column_unchanged(table, c)).collect();
    let mut still_old: Vec<String> = table
        .primary_key
        .iter()
        .map(|c| format!("{} = OLD.{}", quote(c), quote(c)))
        .collect();
    still_old.extend(
        columns
            .iter()
            .map(|c| identical(table, c, &quote(c), &format!("OLD.{}", quote(c)))),
    );
    let indented = |by: &str| -> String { body.lines().map(|l| format!("{by}{l}\n")).collect() };
    format!(
        "  IF {} THEN\n{}  ELSE\n    BEGIN\n      DECLARE `lt_refused` INT DEFAULT 0;\n      SELECT COUNT(*) INTO `lt_refused` FROM {base} WHERE {} LOCK IN SHARE MODE;\n      IF `lt_refused` = 0 THEN\n{}      END IF;\n    END;\n  END IF;\n",
        unchanged.join(" AND "),
        indented("  "),
        still_old.join(" AND "),
        indented("      ")
    )
}

/// Triggers that maintain every generation in `gens` (the first names the triggers): during a
/// rebuild the old and the new state are both kept current, so readers never see a stale summary.
/// A join summary has these three on the fact table and three on each dimension table.
pub fn combined_triggers(gens: &[&Gen<'_>]) -> Vec<TriggerSql> {
    let Some(first) = gens.first() else {
        return Vec::new();
    };
    let n = &first.names;
    let mut out = table_triggers(
        gens,
        first.table,
        &first.base,
        [&n.trigger_insert, &n.trigger_update, &n.trigger_delete],
        &|g| g.trigger_bodies(),
    );
    if let Some(joined) = first.join {
        for (k, names) in n.dimension_triggers.iter().enumerate() {
            let Some(meta) = joined.tables.get(k + 1) else {
                continue;
            };
            let base = crate::engine::ident::quote_qualified(&meta.schema, &meta.name);
            out.extend(table_triggers(
                gens,
                meta,
                &base,
                [&names.insert, &names.update, &names.delete],
                &|g| g.join_trigger_bodies(k + 1),
            ));
        }
    }
    out.extend(super::cascade::cascade_triggers(gens));
    out
}

/// The INSERT, UPDATE and DELETE triggers on `table` (quoted as `base`) named `names`, whose
/// bodies `bodies` gives for each generation.
fn table_triggers(
    gens: &[&Gen<'_>],
    table: &TableMeta,
    base: &str,
    names: [&String; 3],
    bodies: &dyn Fn(&Gen<'_>) -> [String; 3],
) -> Vec<TriggerSql> {
    let Some(first) = gens.first() else {
        return Vec::new();
    };
    let bodies: Vec<[String; 3]> = gens.iter().map(|g| bodies(g)).collect();
    let events = [
        (names[0], "INSERT"),
        (names[1], "UPDATE"),
        (names[2], "DELETE"),
    ];
    events
        .iter()
        .enumerate()
        .map(|(i, (name, event))| {
            let mut body: String = bodies.iter().map(|b| b[i].clone()).collect();
            if *event == "UPDATE" && !table.primary_key.is_empty() {
                body = refused_update_guard(table, base, &body);
            }
            TriggerSql {
                name: (*name).clone(),
                event: event.to_string(),
                sql: format!(
                    "CREATE OR REPLACE TRIGGER {} AFTER {event} ON {base} FOR EACH ROW\nBEGIN\n{body}END",
                    first.qualified(name),
                ),
            }
        })
        .collect()
}
