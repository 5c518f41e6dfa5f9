//! Triggers on the parent tables of a summary's table whose foreign keys cascade
//! (docs/correctness.md, "Cascading foreign keys"). A change a foreign-key action makes fires
//! no trigger of the child, so the parent's own triggers account for it, one child row at a
//! time, with the single-table trigger's row block over a `ROW TYPE OF` variable holding it:
//! * ON DELETE CASCADE: BEFORE DELETE, each child of OLD's key minus;
//! * ON DELETE SET NULL: BEFORE DELETE, each child of OLD's key minus, and plus with the key's
//!   columns NULL;
//! * ON UPDATE CASCADE: AFTER UPDATE of the referenced columns, each child of NEW's key plus as
//!   it is now (moved), and minus with OLD's key in place of its own.
//!
//! The children are read through the child's foreign-key index with `FOR UPDATE`, as the
//! action itself will lock them; the parent row is already X-locked by the statement, so no
//! child can join or leave that key until the transaction ends (InnoDB's foreign-key check of
//! a child write S-locks the parent row).

use super::triggers::{column_unchanged, refused_update_guard, RowImage, TriggerSql};
use super::Gen;
use crate::engine::cascade::{CascadeEdge, Cascades};
use crate::engine::ident::{quote, quote_qualified};
use crate::engine::meta::TableMeta;

/// The row variable that holds one child row.
const CHILD: &str = "lt_c";

impl<'a> Gen<'a> {
    /// The same generation for a summary whose table's foreign keys `cascades` (with triggers on
    /// each parent, named like a join's dimension triggers `<prefix>_d<k>_…`).
    pub fn with_cascades(mut self, cascades: Option<&'a Cascades>, name: &str) -> Self {
        if let Some(c) = cascades {
            self.names = self.names.with_dimensions(name, &c.parent_names());
        }
        self.cascades = cascades;
        self
    }

    /// `LOCK TABLES` list and label of a single-table summary: the base table, and each parent
    /// table with triggers of the summary, each `WRITE`.
    pub(super) fn single_lock_tables(&self) -> (String, String) {
        let mut tables = vec![(self.table.schema.clone(), self.table.name.clone())];
        for e in self.cascades.iter().flat_map(|c| &c.edges) {
            tables.push((e.parent.meta.schema.clone(), e.parent.meta.name.clone()));
        }
        let sql = tables
            .iter()
            .map(|(s, t)| format!("{} WRITE", quote_qualified(s, t)))
            .collect::<Vec<_>>()
            .join(", ");
        let label = tables
            .iter()
            .map(|(s, t)| format!("{s}.{t}"))
            .collect::<Vec<_>>()
            .join(", ");
        (sql, label)
    }

    /// Whether the summary has triggers on more than one table (a join's dimensions, or
    /// parents of cascading foreign keys): they are then installed one at a time before the
    /// lock that opens the snapshot (`lifecycle::create::go_live`).
    pub fn spans_tables(&self) -> bool {
        self.join.is_some() || self.cascades.is_some_and(|c| !c.edges.is_empty())
    }

    /// A cursor loop over the children of edge `e` whose key columns equal `key` (each
    /// `OLD.`/`NEW.` followed by the parent's column), with `each` run for every child held in
    /// the row variable [`CHILD`].
    fn children_loop(&self, e: &CascadeEdge, key: &str, each: &str, indent: &str) -> String {
        let child = &self.table;
        let conds: Vec<String> = e
            .key
            .columns
            .iter()
            .zip(&e.key.parent_columns)
            .map(|(c, p)| format!("{} = {key}.{}", quote(c), quote(p)))
            .collect();
        let index = match child_index(child, &e.key.columns) {
            Some(i) if i == "PRIMARY" => " FORCE INDEX (PRIMARY)".to_string(),
            Some(i) => format!(" FORCE INDEX ({})", quote(&i)),
            None => String::new(),
        };
        let i = format!("{indent}  ");
        format!(
            "{indent}BEGIN\n\
             {i}DECLARE `lt_cdone` INT DEFAULT 0;\n\
             {i}DECLARE `{CHILD}` ROW TYPE OF {base};\n\
             {i}DECLARE `lt_crows` CURSOR FOR\n\
             {i}  SELECT * FROM {base}{index} WHERE {conds} FOR UPDATE;\n\
             {i}DECLARE CONTINUE HANDLER FOR NOT FOUND SET `lt_cdone` = 1;\n\
             {i}OPEN `lt_crows`;\n\
             {i}`lt_ceach`: LOOP\n\
             {i}  SET `lt_cdone` = 0;\n\
             {i}  FETCH `lt_crows` INTO `{CHILD}`;\n\
             {i}  IF `lt_cdone` THEN\n\
             {i}    LEAVE `lt_ceach`;\n\
             {i}  END IF;\n\
             {each}\
             {i}END LOOP;\n\
             {i}CLOSE `lt_crows`;\n\
             {indent}END;\n",
            base = self.base,
            conds = conds.join(" AND "),
        )
    }

    /// The BEFORE DELETE body on edge `k`'s parent: every child of OLD's key leaves (CASCADE),
    /// or moves to the NULL key (SET NULL). Skipped when the delete cannot happen: foreign-key
    /// checks off (no action runs either, measured), or a RESTRICT key of another table
    /// references the row (the delete fails; under `DELETE IGNORE` the row is skipped and the
    /// children stay).
    pub fn cascade_delete_body(&self, k: usize) -> String {
        let Some(e) = self.cascades.and_then(|c| c.edges.get(k)) else {
            return String::new();
        };
        if !e.on_delete {
            return String::new();
        }
        let minus = RowImage {
            qualifier: CHILD,
            sign: -1,
        };
        let plus = RowImage {
            qualifier: CHILD,
            sign: 1,
        };
        let inner = "        ";
        let mut each = self.row_block(minus, inner);
        if e.key.on_delete == "SET NULL" {
            for c in &e.key.columns {
                each.push_str(&format!("{inner}SET `{CHILD}`.{} = NULL;\n", quote(c)));
            }
            each.push_str(&self.row_block(plus, inner));
        }
        let mut out = String::from("  BEGIN\n    DECLARE `lt_blocked` BIGINT DEFAULT 0;\n");
        for r in &e.parent.restricting {
            let conds: Vec<String> = r
                .columns
                .iter()
                .zip(&r.parent_columns)
                .map(|(c, p)| format!("{} = OLD.{}", quote(c), quote(p)))
                .collect();
            out.push_str(&format!(
                "    IF `lt_blocked` = 0 THEN\n      SELECT COUNT(*) INTO `lt_blocked` FROM {} WHERE {} LOCK IN SHARE MODE;\n    END IF;\n",
                quote_qualified(&r.schema, &r.table),
                conds.join(" AND ")
            ));
        }
        out.push_str("    IF @@SESSION.foreign_key_checks AND `lt_blocked` = 0 THEN\n");
        out.push_str(&self.children_loop(e, "OLD", &each, "      "));
        out.push_str("    END IF;\n  END;\n");
        out
    }

    /// The AFTER UPDATE body on edge `k`'s parent: when the referenced columns changed byte for
    /// byte (InnoDB's own test for cascading), every child now under NEW's key is added as it
    /// is and taken out with OLD's key in place of its own.
    pub fn cascade_update_body(&self, k: usize) -> String {
        let Some(e) = self.cascades.and_then(|c| c.edges.get(k)) else {
            return String::new();
        };
        if !e.on_update {
            return String::new();
        }
        let inner = "      ";
        let mut each = self.row_block(
            RowImage {
                qualifier: CHILD,
                sign: 1,
            },
            inner,
        );
        for (c, p) in e.key.columns.iter().zip(&e.key.parent_columns) {
            each.push_str(&format!(
                "{inner}SET `{CHILD}`.{} = OLD.{};\n",
                quote(c),
                quote(p)
            ));
        }
        each.push_str(&self.row_block(
            RowImage {
                qualifier: CHILD,
                sign: -1,
            },
            inner,
        ));
        let unchanged: Vec<String> = e
            .key
            .parent_columns
            .iter()
            .map(|p| column_unchanged(&e.parent.meta, p))
            .collect();
        format!(
            "  IF @@SESSION.foreign_key_checks AND NOT ({}) THEN\n{}  END IF;\n",
            unchanged.join(" AND "),
            self.children_loop(e, "NEW", &each, "    ")
        )
    }
}

/// The parents' triggers of every generation in `gens` (the first names them): BEFORE DELETE
/// and AFTER UPDATE where an edge needs them.
pub fn cascade_triggers(gens: &[&Gen<'_>]) -> Vec<TriggerSql> {
    let Some(first) = gens.first() else {
        return Vec::new();
    };
    let Some(cascades) = first.cascades else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, (e, names)) in cascades
        .edges
        .iter()
        .zip(&first.names.dimension_triggers)
        .enumerate()
    {
        let parent = &e.parent.meta;
        let base = quote_qualified(&parent.schema, &parent.name);
        if e.on_delete {
            let body: String = gens.iter().map(|g| g.cascade_delete_body(k)).collect();
            out.push(TriggerSql {
                name: names.delete.clone(),
                event: "DELETE".into(),
                sql: format!(
                    "CREATE OR REPLACE TRIGGER {} BEFORE DELETE ON {base} FOR EACH ROW\nBEGIN\n{body}END",
                    first.qualified(&names.delete)
                ),
            });
        }
        if e.on_update {
            let body: String = gens.iter().map(|g| g.cascade_update_body(k)).collect();
            // `UPDATE IGNORE` fires AFTER UPDATE for a row whose key change it refused (and
            // then nothing cascaded): the same guard as the table's own UPDATE trigger.
            let body = refused_update_guard(parent, &base, &body);
            out.push(TriggerSql {
                name: names.update.clone(),
                event: "UPDATE".into(),
                sql: format!(
                    "CREATE OR REPLACE TRIGGER {} AFTER UPDATE ON {base} FOR EACH ROW\nBEGIN\n{body}END",
                    first.qualified(&names.update)
                ),
            });
        }
    }
    out
}

/// An index of `table` whose leading columns are `columns` (InnoDB keeps one for every foreign
/// key): `PRIMARY` or its name.
fn child_index(table: &TableMeta, columns: &[String]) -> Option<String> {
    let leads = |key: &[String]| {
        key.len() >= columns.len()
            && key[..columns.len()]
                .iter()
                .all(|k| columns.iter().any(|c| c.eq_ignore_ascii_case(k)))
    };
    if leads(&table.primary_key) {
        return Some("PRIMARY".into());
    }
    table
        .indexes
        .iter()
        .find(|i| leads(&i.columns))
        .map(|i| i.name.clone())
}
