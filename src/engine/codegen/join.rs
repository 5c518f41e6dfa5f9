//! Summaries over a join of a fact table to dimension tables (docs/correctness.md,
//! "Summaries over joins"). The summary is a sum over fact rows of the contribution of each
//! fact row's joined row, so every delta is the change of some fact rows' contributions:
//! * a fact-table trigger reads the dimension rows of NEW (OLD) with a locking read and applies
//!   the joined row's contribution, as one `INSERT … SELECT` (no row: an inner join drops it);
//! * a dimension-table trigger finds the fact rows referencing NEW (OLD) through the edge's
//!   index, with a locking read, and applies their joined rows' contributions with NEW's (OLD's)
//!   values, each tagged with the region of its fact row's primary key.
//!
//! A LEFT-joined dimension is read with `LEFT JOIN … ON` (a fact row without a match counts
//! with NULLs); its own triggers move the fact rows they reach between the NULL-extended
//! contribution and the row's (`Image::null`).
//!
//! Each trigger first writes (its row is in the table) and then reads the other side with a
//! locking read, which waits for an uncommitted change it meets: of a fact row and a change of
//! a dimension row it references, at least one trigger sees the other's committed values.

use super::row::render_image;
use super::state::multiset_value_ddl;
use super::triggers::column_unchanged;
use super::Gen;
use crate::engine::ident::{quote, quote_qualified};
use crate::engine::meta::TableMeta;
use crate::engine::plan::JoinPlan;
use serde::Serialize;
use sqlparser::ast::Expr;

/// The tables of a summary over a join, as codegen needs them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joined {
    /// How the tables are joined; `plan.tables[0]` is the fact table.
    pub plan: JoinPlan,
    /// Metadata of each table, in the plan's order.
    #[serde(skip)]
    pub tables: Vec<TableMeta>,
}

impl Joined {
    /// The dimension tables' names, in the join's order.
    pub fn dimension_names(&self) -> Vec<String> {
        self.plan
            .tables
            .iter()
            .skip(1)
            .map(|t| t.name.clone())
            .collect()
    }

    /// Every table under its qualifier, without conditions: enough to infer the types of
    /// expressions over the joined row (an inner join keeps every column's type). A LEFT-joined
    /// table is joined `LEFT JOIN … ON FALSE`, so that its columns are typed nullable, as in the
    /// query.
    pub fn probe_from(&self) -> String {
        let as_named = |t: &crate::engine::plan::JoinTable| {
            format!(
                "{} AS {}",
                quote_qualified(&t.schema, &t.name),
                quote(&t.qualifier)
            )
        };
        let left = |t: &crate::engine::plan::JoinTable| t.reached.as_ref().is_some_and(|e| e.left);
        let inner: Vec<String> = self
            .plan
            .tables
            .iter()
            .filter(|t| !left(t))
            .map(as_named)
            .collect();
        let lefts: Vec<String> = self
            .plan
            .tables
            .iter()
            .filter(|t| left(t))
            .map(|t| format!(" LEFT JOIN {} ON FALSE", as_named(t)))
            .collect();
        with_lefts(inner, &lefts)
    }

    /// Whether every dimension is joined to the fact table itself (a star, no chain).
    pub fn is_star(&self) -> bool {
        self.plan
            .tables
            .iter()
            .skip(1)
            .all(|t| t.reached.as_ref().is_some_and(|e| e.from == 0))
    }
}

/// The join of a generation that has none (never read: see `Gen::joined`).
static NO_JOIN: Joined = Joined {
    plan: JoinPlan { tables: Vec::new() },
    tables: Vec::new(),
};

/// `inner` (tables that must match, comma-joined) followed by `lefts` (` LEFT JOIN … ON …`
/// clauses): the comma list is parenthesized when a LEFT JOIN follows it, since a comma binds
/// less tightly than JOIN (the ON could not name the list's first tables otherwise); a
/// one-row derived table stands in for an empty list.
fn with_lefts(inner: Vec<String>, lefts: &[String]) -> String {
    let first = match inner.len() {
        0 => "(SELECT 1) AS `lt_one`".to_string(),
        1 => inner.join(""),
        _ if lefts.is_empty() => inner.join(", "),
        _ => format!("({})", inner.join(", ")),
    };
    format!("{first}{}", lefts.concat())
}

/// A row image (`NEW`/`OLD`) of one table of the join, and the sign its contribution takes.
/// `null`: the NULL-extended version of a LEFT-joined dimension's image, i.e. the joined rows
/// of the fact rows that reference the image's row, with NULL for the columns of its table and
/// of the tables reached from it (what they count as when the row does not exist).
#[derive(Clone, Copy)]
struct Image {
    table: usize,
    q: &'static str,
    sign: i8,
    null: bool,
}

impl Gen<'_> {
    fn joined(&self) -> &Joined {
        // Only called on a generation made with `with_join`; a join of no tables otherwise.
        self.join.unwrap_or(&NO_JOIN)
    }

    /// The quoted qualifier of table `t` (alias, or name).
    fn qualifier(&self, t: usize) -> String {
        quote(&self.joined().plan.tables[t].qualifier)
    }

    /// Table `t` as FROM names it: `` `s`.`t` AS `q` ``.
    fn table_as(&self, t: usize) -> String {
        let jt = &self.joined().plan.tables[t];
        format!(
            "{} AS {}",
            quote_qualified(&jt.schema, &jt.name),
            quote(&jt.qualifier)
        )
    }

    /// Column `c` of table `t`, read from `image` when it is that table's row image (and not
    /// its NULL-extended version).
    fn column_of(&self, t: usize, c: &str, image: Option<Image>) -> String {
        match image {
            Some(i) if i.table == t && !i.null => format!("{}.{}", i.q, quote(c)),
            _ => format!("{}.{}", self.qualifier(t), quote(c)),
        }
    }

    /// The join conditions (`dimension.key = referencing.column`), with `image`'s table read
    /// from its row image.
    fn edge_conditions(&self, image: Option<Image>) -> Vec<String> {
        let mut out = Vec::new();
        for (d, t) in self.joined().plan.tables.iter().enumerate() {
            let Some(e) = &t.reached else { continue };
            for (c, k) in e.columns.iter().zip(&e.key) {
                out.push(format!(
                    "{} = {}",
                    self.column_of(d, k, image),
                    self.column_of(e.from, c, image)
                ));
            }
        }
        out
    }

    /// `e` with `image`'s table read from its row image (from the FROM, where its table is
    /// NULL-extended, for the NULL-extended version).
    fn render_for(&self, e: &Expr, image: Image) -> String {
        if image.null {
            return e.to_string();
        }
        let q = &self.joined().plan.tables[image.table].qualifier;
        render_image(e, q, image.q)
    }

    /// Whether table `t` is LEFT-joined.
    fn is_left(&self, t: usize) -> bool {
        self.joined().plan.tables[t]
            .reached
            .as_ref()
            .is_some_and(|e| e.left)
    }

    /// Whether some table of the join is LEFT-joined.
    fn has_left(&self) -> bool {
        (1..self.joined().plan.tables.len()).any(|t| self.is_left(t))
    }

    /// The conditions of table `d`'s edge: its key equalities, then a LEFT JOIN's further ON
    /// conditions, with `image`'s table read from its row image.
    fn edge_on(&self, d: usize, image: Option<Image>) -> Vec<String> {
        let Some(e) = &self.joined().plan.tables[d].reached else {
            return Vec::new();
        };
        let mut out: Vec<String> = e
            .columns
            .iter()
            .zip(&e.key)
            .map(|(c, k)| {
                format!(
                    "{} = {}",
                    self.column_of(d, k, image),
                    self.column_of(e.from, c, image)
                )
            })
            .collect();
        if let Some(on) = &e.on {
            out.push(match image {
                Some(i) => format!("({})", self.render_for(on, i)),
                None => format!("({on})"),
            });
        }
        out
    }

    /// The tables between table `t` and the fact table, nearest first, each with the index on
    /// its columns that reference the one before.
    fn path_to_fact(&self, t: usize) -> Vec<(usize, String)> {
        let plan = &self.joined().plan;
        let mut order = Vec::new();
        let mut child = t;
        while let Some(e) = plan.tables.get(child).and_then(|t| t.reached.as_ref()) {
            order.push((e.from, e.index.clone()));
            child = e.from;
        }
        order
    }

    /// The index table `t` is read through by its key: PRIMARY for the fact table, else the
    /// unique key its edge matches.
    fn key_index(&self, t: usize) -> String {
        self.joined().plan.tables[t]
            .reached
            .as_ref()
            .map_or_else(|| "PRIMARY".to_string(), |e| e.key_name.clone())
    }

    /// `` `s`.`t` AS `q` FORCE INDEX (i) ``.
    fn table_forced(&self, t: usize, index: &str) -> String {
        let index = if index == "PRIMARY" {
            index.to_string()
        } else {
            quote(index)
        };
        format!("{} FORCE INDEX ({index})", self.table_as(t))
    }

    /// [`Gen::image_source`] for a join with LEFT-joined tables: the tables that must match
    /// (the path from the image's table to the fact table, and every inner-joined table) first,
    /// as for inner joins, their edges in WHERE; then each other LEFT-joined table as `LEFT
    /// JOIN … ON <its edge>`, in the join's order (after the table it is joined to). The
    /// image's own edge selects the fact rows its row reaches (in WHERE, read from the image
    /// even for the NULL-extended version, which joins the image's table `ON FALSE` instead:
    /// its columns and those of the tables reached from it then read NULL, with their types).
    fn left_image_source(&self, image: Image) -> (String, Vec<String>) {
        let n = self.joined().plan.tables.len();
        let path = self.path_to_fact(image.table);
        let on_path = |t: usize| path.iter().any(|(p, _)| *p == t);
        let mut inner = path.clone();
        for t in 0..n {
            if t != image.table && !on_path(t) && !self.is_left(t) {
                inner.push((t, self.key_index(t)));
            }
        }
        let selecting = Image {
            null: false,
            ..image
        };
        let mut conds = self.edge_on(image.table, Some(selecting));
        for (t, _) in &inner {
            conds.extend(self.edge_on(*t, Some(image)));
        }
        let mut lefts = Vec::new();
        for t in (1..n).filter(|&t| self.is_left(t) && !on_path(t)) {
            if t != image.table {
                lefts.push(format!(
                    " LEFT JOIN {} ON {}",
                    self.table_forced(t, &self.key_index(t)),
                    self.edge_on(t, Some(image)).join(" AND ")
                ));
            } else if image.null {
                lefts.push(format!(" LEFT JOIN {} ON FALSE", self.table_as(t)));
            }
        }
        let inner: Vec<String> = inner
            .iter()
            .map(|(t, index)| self.table_forced(*t, index))
            .collect();
        if let Some(f) = &self.analysis.filter {
            conds.push(format!("({})", self.render_for(f, image)));
        }
        if conds.is_empty() {
            // A fact row's read over LEFT joins alone: every row counts.
            conds.push("TRUE".into());
        }
        (with_lefts(inner, &lefts), conds)
    }

    /// FROM and WHERE of the locking read of the joined rows of a row image: the other tables,
    /// those between a dimension row and the fact table first, each through the index that
    /// finds the rows referencing the one before, then the others through their unique keys.
    fn image_source(&self, image: Image) -> (String, Vec<String>) {
        if self.has_left() {
            return self.left_image_source(image);
        }
        let plan = &self.joined().plan;
        // First the path from the trigger's table back to the fact table, each table read
        // through its index on the columns that reference the one before (in a star: the fact
        // table alone; in a chain, e.g. a trigger on regions: customers, then orders), so the
        // locking read touches only the rows that reference the changed row; then every other
        // table, in the plan's order (each reached from one before it), by its unique key.
        let mut order: Vec<(usize, String)> = Vec::new();
        let mut child = image.table;
        while let Some(e) = plan.tables.get(child).and_then(|t| t.reached.as_ref()) {
            order.push((e.from, e.index.clone()));
            child = e.from;
        }
        for (t, jt) in plan.tables.iter().enumerate() {
            if t != image.table && !order.iter().any(|(o, _)| *o == t) {
                let key = jt
                    .reached
                    .as_ref()
                    .map_or_else(|| "PRIMARY".to_string(), |e| e.key_name.clone());
                order.push((t, key));
            }
        }
        let from: Vec<String> = order
            .into_iter()
            .map(|(t, index)| {
                let index = if index == "PRIMARY" {
                    index
                } else {
                    quote(&index)
                };
                format!("{} FORCE INDEX ({index})", self.table_as(t))
            })
            .collect();
        let mut conds = self.edge_conditions(Some(image));
        if let Some(f) = &self.analysis.filter {
            conds.push(format!("({})", self.render_for(f, image)));
        }
        (from.join(", "), conds)
    }

    /// The slot a delta of `image` goes to: the region of the fact row's primary key.
    fn image_slot(&self, image: Image) -> String {
        if image.table == 0 {
            self.slot_for(image.q)
        } else {
            self.slot_for(&self.qualifier(0))
        }
    }

    /// `INSERT INTO <table> (cols) SELECT vals FROM … LOCK IN SHARE MODE ON DUPLICATE KEY
    /// UPDATE c = c + VALUES(c)`: target columns qualified, since the tables read may have
    /// columns of the same names.
    fn upsert_select(
        &self,
        table: &str,
        (cols, vals): (&[String], &[String]),
        image: Image,
        extra: Option<String>,
        summed: &[String],
        indent: &str,
    ) -> String {
        let (from, mut conds) = self.image_source(image);
        conds.extend(extra);
        let t = self.qualified(table);
        let updates: Vec<String> = summed
            .iter()
            .map(|c| format!("{t}.{c} = {t}.{c} + VALUES({c})"))
            .collect();
        format!(
            "{indent}INSERT INTO {t} ({})\n{indent}  SELECT STRAIGHT_JOIN {}\n{indent}  FROM {from}\n{indent}  WHERE {}\n{indent}  LOCK IN SHARE MODE\n{indent}  ON DUPLICATE KEY UPDATE {};\n",
            cols.join(", "),
            vals.join(", "),
            conds.join(" AND "),
            updates.join(", ")
        )
    }

    /// The contribution of `image`'s joined rows to the state.
    fn join_state_delta(&self, image: Image, indent: &str) -> String {
        let r = |e: &Expr| self.render_for(e, image);
        let (mut cols, mut vals) = self.key_values_by(&r);
        let neg = if image.sign < 0 { "-" } else { "" };
        cols.push("`slot`".into());
        vals.push(self.image_slot(image));
        cols.push("`cnt`".into());
        vals.push(format!("{}", image.sign));
        let mut summed = vec!["`cnt`".to_string()];
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                cols.push(format!("`nn{i}`"));
                vals.push(format!("{neg}(({}) IS NOT NULL)", r(&n.arg)));
                summed.push(format!("`nn{i}`"));
            }
            if n.needs_sum {
                cols.push(format!("`s{i}`"));
                vals.push(format!("{neg}{}", self.sum_value(i, &r(&n.arg))));
                summed.push(format!("`s{i}`"));
            }
        }
        self.upsert_select(
            &self.names.state,
            (&cols, &vals),
            image,
            None,
            &summed,
            indent,
        )
    }

    /// The multiplicities of multiset `j`'s values in `image`'s joined rows. A slot row whose
    /// multiplicity reaches 0 stays (readers skip it): with several fact rows per statement
    /// there is no single value to delete by.
    fn join_minmax_delta(&self, j: usize, image: Image, indent: &str) -> String {
        let r = |e: &Expr| self.render_for(e, image);
        let values: Vec<String> = self.layout.multiset_values(j).into_iter().map(&r).collect();
        let not_null = self.values_not_null(j, |v| r(v));
        let (mut cols, mut vals) = self.key_values_by(&r);
        cols.extend(self.value_cols(j));
        vals.extend(values);
        cols.push("`slot`".into());
        vals.push(self.image_slot(image));
        cols.push("`mult`".into());
        vals.push(format!("{}", image.sign));
        self.upsert_select(
            &self.names.minmax[j],
            (&cols, &vals),
            image,
            Some(not_null),
            &["`mult`".to_string()],
            indent,
        )
    }

    /// The types of the stored key columns, in [`Gen::key_values`]' order (a key's value, its
    /// hash, its NULL flag, its ENUM error flag), for variables that hold one joined row's key.
    fn stored_key_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, t) in self.types.keys.iter().enumerate() {
            out.push(t.ddl());
            if self.key_hashed(i) {
                out.push("BINARY(32)".into());
            }
            if self.key_nullable(i) {
                out.push("TINYINT".into());
            }
            if self.key_has_zero_flag(i) {
                out.push("TINYINT".into());
            }
        }
        out
    }

    /// Multiset `j`'s totals and distinct counts for `image`'s joined rows: a cursor over the
    /// joined rows' (stored key, values), read with the same locking read as the deltas above
    /// (the rows it meets are already locked by this transaction, so it reads the same rows),
    /// and for each the single-table trigger's block ([`Gen::totals_block_for`]) with the
    /// fetched variables: one (group, value) at a time, ±1 per fact row, exactly as a
    /// single-table trigger does per row.
    fn join_totals_block(&self, j: usize, image: Image, indent: &str) -> String {
        if !self.layout.keeps_totals(j) {
            return String::new();
        }
        let r = |e: &Expr| self.render_for(e, image);
        let (_, mut items) = self.key_values_by(&r);
        let keys: Vec<String> = (0..items.len()).map(|n| format!("`lt_k{n}`")).collect();
        let values: Vec<String> = (0..self.layout.multiset_values(j).len())
            .map(|n| format!("`lt_v{n}`"))
            .collect();
        items.extend(self.layout.multiset_values(j).into_iter().map(&r));
        let types = self
            .stored_key_types()
            .into_iter()
            .chain(self.multiset_types(j).iter().map(multiset_value_ddl));
        let vars: Vec<&String> = keys.iter().chain(&values).collect();
        let (from, mut conds) = self.image_source(image);
        conds.push(self.values_not_null(j, |v| r(v)));
        let i = format!("{indent}  ");
        let mut out = format!("{indent}BEGIN\n{i}DECLARE `lt_done` INT DEFAULT 0;\n");
        for (v, t) in vars.iter().zip(types) {
            out.push_str(&format!("{i}DECLARE {v} {t};\n"));
        }
        let vars: Vec<String> = vars.into_iter().cloned().collect();
        out.push_str(&format!(
            "{i}DECLARE `lt_rows` CURSOR FOR\n\
             {i}  SELECT STRAIGHT_JOIN {}\n\
             {i}  FROM {from}\n\
             {i}  WHERE {}\n\
             {i}  LOCK IN SHARE MODE;\n\
             {i}DECLARE CONTINUE HANDLER FOR NOT FOUND SET `lt_done` = 1;\n\
             {i}OPEN `lt_rows`;\n\
             {i}`lt_each`: LOOP\n\
             {i}  FETCH `lt_rows` INTO {};\n\
             {i}  IF `lt_done` THEN\n\
             {i}    LEAVE `lt_each`;\n\
             {i}  END IF;\n\
             {}\
             {i}END LOOP;\n\
             {i}CLOSE `lt_rows`;\n\
             {indent}END;\n",
            items.join(", "),
            conds.join(" AND "),
            vars.join(", "),
            self.totals_block_for(j, &keys, &values, image.sign, &format!("{i}  ")),
        ));
        out
    }

    /// Every delta of one row image; for a LEFT-joined dimension's, also the opposite delta of
    /// its NULL-extended version: the fact rows it reaches move between counting with NULL for
    /// its columns (no matching row) and counting with the row's.
    fn join_block(&self, image: Image, indent: &str) -> String {
        let mut out = self.join_image_block(image, indent);
        if image.table != 0 && self.is_left(image.table) {
            let null = Image {
                null: true,
                sign: -image.sign,
                ..image
            };
            out.push_str(&self.join_image_block(null, indent));
        }
        out
    }

    /// Every delta of one row image (or of its NULL-extended version).
    fn join_image_block(&self, image: Image, indent: &str) -> String {
        let mut out = self.join_state_delta(image, indent);
        for j in 0..self.layout.minmax.len() {
            out.push_str(&self.join_minmax_delta(j, image, indent));
            out.push_str(&self.join_totals_block(j, image, indent));
        }
        out
    }

    /// Whether an UPDATE of table `t` left every column the summary reads of it byte-for-byte
    /// unchanged (for the fact table while regions are tagged, its primary key as well: a key
    /// change moves the row's deltas between regions).
    fn join_unchanged(&self, t: usize) -> String {
        let meta = &self.joined().tables[t];
        let mut columns = self.joined().plan.tables[t].columns_read.clone();
        if t == 0 && self.tags_regions() {
            for c in &meta.primary_key {
                if !columns.iter().any(|r| r.eq_ignore_ascii_case(c)) {
                    columns.push(c.clone());
                }
            }
        }
        let conds: Vec<String> = columns.iter().map(|c| column_unchanged(meta, c)).collect();
        if conds.is_empty() {
            "TRUE".into()
        } else {
            conds.join(" AND ")
        }
    }

    /// Trigger bodies for INSERT, UPDATE and DELETE on table `t` of the join (0: the fact
    /// table). An UPDATE that changes a column the summary reads moves the contributions of
    /// the joined rows: minus with OLD's values, plus with NEW's.
    pub fn join_trigger_bodies(&self, t: usize) -> [String; 3] {
        let new = Image {
            table: t,
            q: "NEW",
            sign: 1,
            null: false,
        };
        let old = Image {
            table: t,
            q: "OLD",
            sign: -1,
            null: false,
        };
        let insert = self.join_block(new, "  ");
        let delete = self.join_block(old, "  ");
        let update = format!(
            "  IF NOT ({}) THEN\n{}{}  END IF;\n",
            self.join_unchanged(t),
            self.join_block(old, "    "),
            self.join_block(new, "    ")
        );
        [insert, update, delete]
    }

    /// What `LOCK TABLES` names: the base table, and every dimension of a join, each `WRITE`.
    pub fn lock_tables_sql(&self) -> String {
        match self.join {
            Some(j) => j
                .plan
                .tables
                .iter()
                .map(|t| format!("{} WRITE", quote_qualified(&t.schema, &t.name)))
                .collect::<Vec<_>>()
                .join(", "),
            None => self.single_lock_tables().0,
        }
    }

    /// The tables a lock names, for messages: `schema.table`, `, `-separated.
    pub fn lock_label(&self) -> String {
        match self.join {
            Some(j) => j
                .plan
                .tables
                .iter()
                .map(|t| format!("{}.{}", t.schema, t.name))
                .collect::<Vec<_>>()
                .join(", "),
            None => self.single_lock_tables().1,
        }
    }

    /// FROM and WHERE of a read of the joined rows (backfill, validation): the fact table,
    /// restricted to `range` (a predicate over its unqualified primary key, read in a derived
    /// table so that it names no dimension's column), then the dimensions.
    /// LEFT-joined tables are joined `LEFT JOIN … ON <edge>` after the others.
    pub fn join_from(&self, range: Option<&str>) -> (String, Vec<String>) {
        let fact = &self.joined().plan.tables[0];
        let first = match range {
            Some(r) => format!(
                "(SELECT * FROM {} FORCE INDEX (PRIMARY) WHERE {r}) AS {}",
                quote_qualified(&fact.schema, &fact.name),
                quote(&fact.qualifier)
            ),
            None => self.table_as(0),
        };
        let mut from = vec![first];
        if !self.has_left() {
            for t in 1..self.joined().plan.tables.len() {
                from.push(self.table_as(t));
            }
            return (from.join(", "), self.edge_conditions(None));
        }
        let (mut conds, mut lefts) = (Vec::new(), Vec::new());
        for t in 1..self.joined().plan.tables.len() {
            if self.is_left(t) {
                lefts.push(format!(
                    " LEFT JOIN {} ON {}",
                    self.table_as(t),
                    self.edge_on(t, None).join(" AND ")
                ));
            } else {
                from.push(self.table_as(t));
                conds.extend(self.edge_on(t, None));
            }
        }
        (with_lefts(from, &lefts), conds)
    }

    /// The FROM clause and conditions a read of the query's rows uses: the base table alone, or
    /// the join with its conditions.
    pub fn rows_source(&self, range: Option<&str>) -> (String, Vec<String>) {
        match self.join {
            Some(_) => self.join_from(range),
            None => (
                format!("{} FORCE INDEX (PRIMARY)", self.base),
                range.map(|r| format!("({r})")).into_iter().collect(),
            ),
        }
    }
}
