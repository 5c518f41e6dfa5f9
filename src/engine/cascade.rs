//! Summaries over a table changed by cascading foreign keys (issue 14): which foreign-key
//! actions change rows the summary counts, and the checks that let the *parent* table's own
//! triggers account for them (docs/correctness.md, "Cascading foreign keys").
//!
//! MariaDB fires no trigger of the child table for a change a foreign-key action makes. Measured
//! on 10.11.19: a parent's BEFORE DELETE trigger still sees the children the cascade is about to
//! change, and a parent's AFTER UPDATE trigger sees them already moved to the new key. So the
//! parent gets a BEFORE DELETE trigger (ON DELETE CASCADE: minus each child; ON DELETE SET NULL:
//! minus each child, plus it with the key NULL) and an AFTER UPDATE trigger (ON UPDATE CASCADE:
//! plus each child as it is now, minus it with the parent's old key), both reading the children
//! through the child's foreign-key index with a locking read (`codegen::cascade`).

use super::error::EngineError;
use super::meta::{Cascade, TableMeta};
use serde::Serialize;

/// A foreign key of another table that refuses the delete of a parent row it references
/// (`ON DELETE RESTRICT` / `NO ACTION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restricting {
    /// Schema of the referencing table.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// Its referencing columns.
    pub columns: Vec<String>,
    /// The parent's columns they reference, paired with `columns`.
    pub parent_columns: Vec<String>,
}

/// A parent table as its triggers need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parent {
    /// The parent's metadata (its own cascades included: a nested cascade is refused).
    pub meta: TableMeta,
    /// Foreign keys that can refuse the delete of one of its rows.
    pub restricting: Vec<Restricting>,
}

/// One cascading foreign key of the summary's table whose action changes what the summary
/// counts, with its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CascadeEdge {
    /// The foreign key (child columns, parent columns, rules).
    pub key: Cascade,
    /// The parent table.
    pub parent: Parent,
    /// The parent's BEFORE DELETE trigger is needed: `ON DELETE CASCADE`, or `SET NULL` of a
    /// column the summary reads.
    pub on_delete: bool,
    /// The parent's AFTER UPDATE trigger is needed: `ON UPDATE CASCADE` of a column the
    /// summary reads or of the primary key (regions).
    pub on_update: bool,
}

/// The cascading foreign keys a single-table summary is maintained across.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Cascades {
    /// In constraint-name order (the order of the parents' trigger numbers).
    pub edges: Vec<CascadeEdge>,
}

impl Cascades {
    /// The parent tables' names, in the edges' order (one per edge).
    pub fn parent_names(&self) -> Vec<String> {
        self.edges
            .iter()
            .map(|e| e.parent.meta.name.clone())
            .collect()
    }
}

fn rewrites(rule: &str) -> bool {
    rule != "RESTRICT" && rule != "NO ACTION"
}

fn reads_any(columns: &[String], read: &[String]) -> bool {
    columns
        .iter()
        .any(|c| read.iter().any(|r| r.eq_ignore_ascii_case(c)))
}

/// The edge's needs: (BEFORE DELETE trigger, AFTER UPDATE trigger) on the parent.
fn needs(table: &TableMeta, c: &Cascade, columns_read: &[String]) -> (bool, bool) {
    let reads = reads_any(&c.columns, columns_read);
    // A key change moves rows between the backfill's regions: it matters even unread.
    let in_key = reads_any(&c.columns, &table.primary_key);
    let delete = c.on_delete == "CASCADE" || (c.on_delete == "SET NULL" && reads);
    let update = c.on_update == "CASCADE" && (reads || in_key);
    (delete, update)
}

fn refuse(table: &TableMeta, c: &Cascade, why: &str) -> EngineError {
    EngineError::Table {
        table: table.name.clone(),
        reason: format!(
            "foreign key {} (ON DELETE {} / ON UPDATE {}) to {}: {why}",
            c.constraint, c.on_delete, c.on_update, c.parent
        ),
    }
}

/// Refuses the foreign-key actions no parent trigger accounts for: `SET NULL` / `SET DEFAULT`
/// on update, and `SET DEFAULT` on delete, of a column the summary reads or of the primary key.
/// Pure: the parents' checks are in [`plan`], which needs their metadata.
pub fn check_supported(table: &TableMeta, columns_read: &[String]) -> Result<(), EngineError> {
    for c in &table.cascades {
        let touches =
            reads_any(&c.columns, columns_read) || reads_any(&c.columns, &table.primary_key);
        let unsupported_update = rewrites(&c.on_update) && c.on_update != "CASCADE";
        let unsupported_delete = c.on_delete == "SET DEFAULT";
        if touches && (unsupported_update || unsupported_delete) {
            return Err(refuse(
                table,
                c,
                "only ON DELETE CASCADE, ON DELETE SET NULL and ON UPDATE CASCADE are accounted for by triggers on the parent table",
            ));
        }
    }
    Ok(())
}

/// The foreign keys of `table` whose action changes what a summary reading `columns_read`
/// counts: those whose parents [`plan`] needs.
pub fn needing_triggers<'a>(table: &'a TableMeta, columns_read: &[String]) -> Vec<&'a Cascade> {
    table
        .cascades
        .iter()
        .filter(|c| {
            let (d, u) = needs(table, c, columns_read);
            d || u
        })
        .collect()
}

/// The edges of a summary over `table` reading `columns_read`, with `parents` (the metadata of
/// each of [`needing_triggers`]' parents, in that order). Refuses, naming the foreign key:
/// a parent in another schema, a self-referencing key, two keys to one parent, a parent whose
/// own foreign-key actions delete its rows or change the referenced columns (a nested cascade:
/// the parent's triggers would not fire either), a key that does not reference a unique key
/// of the parent, and child rows a cascade deletes or re-keys that other foreign keys reference
/// (the action could then fail part-way or cascade further).
pub fn plan(
    table: &TableMeta,
    columns_read: &[String],
    parents: Vec<Parent>,
) -> Result<Cascades, EngineError> {
    let keys = needing_triggers(table, columns_read);
    if keys.len() != parents.len() {
        return Err(EngineError::Table {
            table: table.name.clone(),
            reason: format!(
                "metadata for {} parent tables given, {} needed",
                parents.len(),
                keys.len()
            ),
        });
    }
    let mut edges: Vec<CascadeEdge> = Vec::new();
    for (c, parent) in keys.into_iter().zip(parents) {
        check_edge(table, c, &parent.meta)?;
        if edges
            .iter()
            .any(|e| e.parent.meta.name.eq_ignore_ascii_case(&parent.meta.name))
        {
            return Err(refuse(
                table,
                c,
                "a second cascading foreign key to the same parent table (one parent row could both delete and re-key a child)",
            ));
        }
        let (on_delete, on_update) = needs(table, c, columns_read);
        edges.push(CascadeEdge {
            key: c.clone(),
            parent,
            on_delete,
            on_update,
        });
    }
    Ok(Cascades { edges })
}

/// The checks of one edge against its parent's metadata.
fn check_edge(table: &TableMeta, c: &Cascade, parent: &TableMeta) -> Result<(), EngineError> {
    if !c.parent_schema.eq_ignore_ascii_case(&table.schema) {
        return Err(refuse(
            table,
            c,
            "the parent is in another schema (the summary's triggers on it would live there)",
        ));
    }
    if c.parent.eq_ignore_ascii_case(&table.name) {
        return Err(refuse(
            table,
            c,
            "a self-referencing cascade (the table's own rows change its rows)",
        ));
    }
    if !parent.transactional() {
        return Err(refuse(table, c, "the parent table is not InnoDB"));
    }
    let unique = same_set(&parent.primary_key, &c.parent_columns)
        || parent
            .indexes
            .iter()
            .any(|i| i.unique && same_set(&i.columns, &c.parent_columns));
    if !unique {
        return Err(refuse(
            table,
            c,
            "it references columns that are not a PRIMARY KEY or UNIQUE key of the parent",
        ));
    }
    for n in &parent.cascades {
        let deletes = n.on_delete == "CASCADE";
        let rekeys = (rewrites(&n.on_update) || rewrites(&n.on_delete))
            && reads_any(&n.columns, &c.parent_columns);
        if deletes || rekeys {
            return Err(refuse(
                table,
                c,
                &format!(
                    "a nested cascade: the parent's own foreign key {} (ON DELETE {} / ON UPDATE {}) to {} changes its rows without firing its triggers; summarize {} over a parent without cascades",
                    n.constraint, n.on_delete, n.on_update, n.parent, table.name
                ),
            ));
        }
    }
    let deleted_rows_referenced = c.on_delete == "CASCADE" && !table.referenced_columns.is_empty();
    let rekeyed_referenced = reads_any(&c.columns, &table.referenced_columns);
    if deleted_rows_referenced || rekeyed_referenced {
        return Err(refuse(
            table,
            c,
            &format!(
                "rows of {} that the action changes are referenced by other foreign keys (columns {}): their actions or refusals are not accounted for",
                table.name,
                table.referenced_columns.join(", ")
            ),
        ));
    }
    if c.on_update == "CASCADE" {
        for (ch, pc) in c.columns.iter().zip(&c.parent_columns) {
            let (a, b) = (table.column(ch), parent.column(pc));
            let same = matches!((a, b), (Some(a), Some(b)) if a.column_type.eq_ignore_ascii_case(&b.column_type) && a.collation == b.collation);
            if !same {
                return Err(refuse(
                    table,
                    c,
                    &format!("{}.{ch} and {}.{pc} differ in type or collation (the parent's old value stands for the child's)", table.name, parent.name),
                ));
            }
        }
    }
    Ok(())
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| b.iter().any(|y| y.eq_ignore_ascii_case(x)))
}
