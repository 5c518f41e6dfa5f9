//! The read side: the per-group values over the state (inner query) and the view named as the
//! user chose, which applies the select list, HAVING, ORDER BY and LIMIT on top.

use super::layout::AggSource;
use super::state::{
    key_col, key_null_col, key_value_col, key_zero_col, materializes_by_text, zero_flag_placeholder,
};
use super::Gen;
use crate::engine::ident::quote;
use crate::engine::plan::{
    agg_placeholder, agg_placeholder_index, key_placeholder, key_placeholder_index,
};
use sqlparser::ast::{visit_expressions_mut, BinaryOperator, Expr, Ident};
use std::ops::ControlFlow;

/// Derived-table column of AVG `i`'s sum when the outer query divides.
fn avg_sum_placeholder(i: usize) -> String {
    format!("__a{i}_sum")
}

/// Derived-table column of AVG `i`'s count of non-NULL inputs when the outer query divides.
fn avg_count_placeholder(i: usize) -> String {
    format!("__a{i}_n")
}

impl Gen<'_> {
    /// The group-key expression of key `i` as stored in table alias `t`.
    fn stored_key(&self, t: &str, i: usize) -> String {
        if self.key_hashed(i) {
            // Grouped by the hash (`group_key_columns`): the value is one of the group's
            // spellings, all equal under the key's collation.
            let value = format!("MIN(`{t}`.{})", quote(&key_col(i)));
            if self.key_nullable(i) {
                format!("IF(`{t}`.{}, NULL, {value})", quote(&key_null_col(i)))
            } else {
                value
            }
        } else if self.key_has_value_col(i) {
            // IF() would be materialized through its text (state.rs); MIN() of a column is
            // kept in the column's type, and the group has one value.
            format!("MIN(`{t}`.{})", quote(&key_value_col(i)))
        } else if self.key_nullable(i) {
            format!(
                "IF(`{t}`.{}, NULL, `{t}`.{})",
                quote(&key_null_col(i)),
                quote(&key_col(i))
            )
        } else {
            format!("`{t}`.{}", quote(&key_col(i)))
        }
    }

    /// Equality of the group of multiset alias `m` with state alias `s`.
    pub(super) fn same_group(&self, m: &str, s: &str) -> Vec<String> {
        self.group_key_columns()
            .iter()
            .map(|c| format!("`{m}`.{c} = `{s}`.{c}"))
            .collect()
    }

    fn minmax_probe(&self, j: usize, order: &str) -> String {
        let conds = self.same_group("m", "s");
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        format!(
            "(SELECT `m`.`v` FROM {} AS `m`{where_} GROUP BY `m`.`v` HAVING SUM(`m`.`mult`) > 0 ORDER BY `m`.`v` {order} LIMIT 1)",
            self.qualified(&self.names.minmax[j])
        )
    }

    /// Whether MIN/MAX input `j` is read through a joined derived table rather than a probe:
    /// a scalar subquery returning a BIT or YEAR is materialized through its text (state.rs).
    fn joined_minmax(&self, j: usize) -> bool {
        self.multiset_types(j)
            .first()
            .is_some_and(materializes_by_text)
    }

    /// Alias of the derived table holding the MIN (`lo`) or MAX (`hi`) of input `j` per group.
    fn joined_alias(j: usize, order: &str) -> String {
        format!("_lt_{}{j}", if order == "ASC" { "lo" } else { "hi" })
    }

    /// `LEFT JOIN`s of the derived tables of every MIN/MAX read through one (see
    /// [`Gen::joined_minmax`]): one row per group holding its smallest/largest value whose
    /// multiplicity is positive, as a MIN/MAX of a column (which keeps the column's type).
    fn minmax_joins(&self) -> String {
        let mut out = String::new();
        let keys = self.group_key_columns();
        let mut seen = Vec::new();
        for source in &self.layout.sources {
            let (j, order) = match source {
                AggSource::Min(j) => (*j, "ASC"),
                AggSource::Max(j) => (*j, "DESC"),
                _ => continue,
            };
            if !self.joined_minmax(j) || seen.contains(&(j, order)) {
                continue;
            }
            seen.push((j, order));
            let alias = Self::joined_alias(j, order);
            let agg = if order == "ASC" { "MIN" } else { "MAX" };
            let x_keys: Vec<String> = keys.iter().map(|k| format!("`x`.{k}")).collect();
            let mut outer_cols = x_keys.clone();
            outer_cols.push(format!("{agg}(`x`.`v`) AS `v`"));
            let mut inner_cols = keys.clone();
            inner_cols.push("`v`".into());
            let outer_group = if keys.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {}", x_keys.join(", "))
            };
            let on = self.same_group(&alias, "s");
            out.push_str(&format!(
                " LEFT JOIN (SELECT {} FROM (SELECT {} FROM {} GROUP BY {} HAVING SUM(`mult`) > 0) AS `x`{outer_group}) AS `{alias}` ON {}",
                outer_cols.join(", "),
                inner_cols.join(", "),
                self.qualified(&self.names.minmax[j]),
                inner_cols.join(", "),
                if on.is_empty() { "TRUE".to_string() } else { on.join(" AND ") }
            ));
        }
        out
    }

    /// The value of aggregate `i` over the state rows of one group (alias `s`).
    fn aggregate_value(&self, source: AggSource) -> String {
        match source {
            AggSource::Rows => "CAST(COALESCE(SUM(`s`.`cnt`), 0) AS SIGNED)".into(),
            AggSource::NonNull(i) => format!(
                "CAST(COALESCE(SUM(`s`.{}), 0) AS SIGNED)",
                self.nonnull_col(i)
            ),
            AggSource::Sum(i) => {
                format!(
                    "IF(COALESCE(SUM(`s`.{}), 0) = 0, NULL, {})",
                    self.nonnull_col(i),
                    self.sum_read(i)
                )
            }
            AggSource::Avg(i) => format!(
                "{} / NULLIF(SUM(`s`.{}), 0)",
                self.sum_read(i),
                self.nonnull_col(i)
            ),
            AggSource::Min(j) if self.joined_minmax(j) => {
                format!("MIN(`{}`.`v`)", Self::joined_alias(j, "ASC"))
            }
            AggSource::Max(j) if self.joined_minmax(j) => {
                format!("MAX(`{}`.`v`)", Self::joined_alias(j, "DESC"))
            }
            AggSource::Min(j) => self.minmax_probe(j, "ASC"),
            AggSource::Max(j) => self.minmax_probe(j, "DESC"),
            AggSource::CountDistinct(_) | AggSource::SumDistinct(_) | AggSource::AvgDistinct(_) => {
                self.distinct_value(source).unwrap_or_default()
            }
            AggSource::BitAnd(_) | AggSource::BitOr(_) | AggSource::BitXor(_) => {
                self.bit_value(source).unwrap_or_default()
            }
            AggSource::Variance(..) => self.variance_value(source).unwrap_or_default(),
            AggSource::GroupConcat(j, i) => self.group_concat_value(j, i),
        }
    }

    /// `GROUP_CONCAT(DISTINCT x ...)` of the group of state alias `s`: the values of multiset
    /// `j`'s totals whose multiplicity is positive, concatenated when the view is read. So the
    /// reader's `group_concat_max_len` cuts it and decides its type (VARCHAR up to 512, TEXT,
    /// MEDIUMTEXT ...), with warning 1260, as it does MariaDB's own answer (measured on
    /// 10.11.19: the same type in a `CREATE TABLE ... AS SELECT` from both, the same cut).
    fn group_concat_value(&self, j: usize, i: usize) -> String {
        let concat = self
            .analysis
            .aggregates
            .get(i)
            .and_then(|a| a.concat.clone())
            .unwrap_or(crate::engine::plan::Concat {
                order: None,
                separator: None,
            });
        let mut conds = self.same_group("t", "s");
        conds.push("`t`.`mult` > 0".into());
        let order = if concat.descending() { " DESC" } else { "" };
        let separator = concat.separator.as_deref().unwrap_or("','");
        format!(
            "(SELECT GROUP_CONCAT(`t`.`v` ORDER BY `t`.`v`{order} SEPARATOR {separator}) FROM {} AS `t` WHERE {})",
            self.qualified(&self.names.totals[j]),
            conds.join(" AND ")
        )
    }

    /// One row per live group: `__k<i>` keys and `__a<i>` aggregate values.
    pub fn groups_sql(&self) -> String {
        self.groups_select(false)
    }

    /// [`Gen::groups_sql`]; with `split_avg`, an AVG is left as `__a<i>_sum` and `__a<i>_n` for
    /// the outer query to divide: a derived table would round the quotient to AVG's display
    /// scale, while the query computes `AVG(x) * 3` with all the digits MariaDB keeps.
    fn groups_select(&self, split_avg: bool) -> String {
        let mut cols = Vec::new();
        for i in 0..self.types.keys.len() {
            cols.push(format!(
                "{} AS {}",
                self.stored_key("s", i),
                quote(&key_placeholder(i))
            ));
        }
        for i in (0..self.types.keys.len()).filter(|i| self.key_has_zero_flag(*i)) {
            cols.push(format!(
                "`s`.{} AS {}",
                quote(&key_zero_col(i)),
                quote(&zero_flag_placeholder(i))
            ));
        }
        for (i, src) in self.layout.sources.iter().enumerate() {
            match src {
                AggSource::Avg(j) if split_avg => {
                    cols.push(format!(
                        "{} AS {}, NULLIF(SUM(`s`.{}), 0) AS {}",
                        self.sum_read(*j),
                        quote(&avg_sum_placeholder(i)),
                        self.nonnull_col(*j),
                        quote(&avg_count_placeholder(i))
                    ));
                }
                AggSource::Variance(j, kind) if split_avg => {
                    // The DOUBLE is computed by the outer query: a derived table would store it
                    // in a column whose width the division's decimals limit (clipping a large
                    // variance).
                    let (m, d) = self.variance_parts(*j, *kind);
                    cols.push(format!(
                        "{m} AS {}, {d} AS {}",
                        quote(&avg_sum_placeholder(i)),
                        quote(&avg_count_placeholder(i))
                    ));
                }
                AggSource::AvgDistinct(_) if split_avg => {
                    if let Some((sum, n)) = self.distinct_avg_parts(*src) {
                        cols.push(format!(
                            "{sum} AS {}, {n} AS {}",
                            quote(&avg_sum_placeholder(i)),
                            quote(&avg_count_placeholder(i))
                        ));
                    }
                }
                _ => cols.push(format!(
                    "{} AS {}",
                    self.aggregate_value(*src),
                    quote(&agg_placeholder(i))
                )),
            }
        }
        format!("SELECT {}{}", cols.join(", "), self.groups_from())
    }

    /// `FROM` the state, one row per live group (`GROUP BY`/`HAVING`; none without keys).
    fn groups_from(&self) -> String {
        let only_probes = self.layout.sources.iter().all(|s| {
            matches!(
                s,
                AggSource::Min(_) | AggSource::Max(_) | AggSource::GroupConcat(..)
            )
        });
        let joins = self.minmax_joins();
        if self.types.keys.is_empty() && only_probes && joins.is_empty() {
            // `SELECT MAX(x) FROM t` is one row, whatever the state holds: its probes (and a
            // GROUP_CONCAT's subquery) read the multiset or totals alone, and a FROM over the
            // state, with no aggregate to fold its rows, would repeat them per state row.
            return String::new();
        }
        let mut sql = format!(" FROM {} AS `s`{joins}", self.qualified(&self.names.state));
        if !self.types.keys.is_empty() {
            let group: Vec<String> = self
                .group_key_columns()
                .iter()
                .map(|c| format!("`s`.{c}"))
                .collect();
            // Rows of slots that net to zero rows are not a group (a group exists while it has rows).
            sql.push_str(&format!(
                " GROUP BY {} HAVING SUM(`s`.`cnt`) > 0",
                group.join(", ")
            ));
        }
        sql
    }

    /// The per-group expression an output column that is just a group key or an aggregate reads.
    fn direct_value(&self, e: &Expr) -> Option<String> {
        let Expr::Identifier(id) = e else {
            return None;
        };
        if let Some(i) = key_placeholder_index(&id.value) {
            return (i < self.types.keys.len()).then(|| self.stored_key("s", i));
        }
        let i = agg_placeholder_index(&id.value)?;
        self.layout
            .sources
            .get(i)
            .map(|source| self.aggregate_value(*source))
    }

    /// The view in one level when the select list only names keys and aggregates and nothing
    /// filters, orders or limits the groups: no derived table to materialize, and a read of
    /// one group is an index lookup on the state.
    fn one_level_view(&self) -> Option<String> {
        let a = self.analysis;
        if a.having.is_some() || !a.order_by.is_empty() || a.limit.is_some() {
            return None;
        }
        let cols = a
            .outputs
            .iter()
            .map(|o| {
                Some(format!(
                    "{} AS {}",
                    self.direct_value(&o.expr)?,
                    quote(&o.name)
                ))
            })
            .collect::<Option<Vec<String>>>()?;
        Some(format!("SELECT {}{}", cols.join(", "), self.groups_from()))
    }

    /// The body of the user's view: the select list over [`Gen::groups_sql`].
    pub fn view_select(&self) -> String {
        if let Some(sql) = self.one_level_view() {
            return sql;
        }
        let a = self.analysis;
        let cols: Vec<String> = a
            .outputs
            .iter()
            .map(|o| format!("{} AS {}", self.split_avgs(&o.expr), quote(&o.name)))
            .collect();
        let mut sql = format!(
            "SELECT {} FROM ({}) AS `_lt`",
            cols.join(", "),
            self.groups_select(true)
        );
        // HAVING was rewritten over the per-group columns, so it filters the derived rows.
        if let Some(h) = &a.having {
            sql.push_str(&format!(" WHERE {}", self.split_avgs(h)));
        }
        if !a.order_by.is_empty() {
            let items: Vec<String> = a
                .order_by
                .iter()
                .map(|o| {
                    let e = self.split_avgs(&o.expr);
                    match o.asc {
                        Some(true) => format!("{e} ASC"),
                        Some(false) => format!("{e} DESC"),
                        None => e.to_string(),
                    }
                })
                .collect();
            sql.push_str(&format!(" ORDER BY {}", items.join(", ")));
        }
        if let Some(l) = &a.limit {
            sql.push_str(&format!(" LIMIT {l}"));
            if let Some(o) = &a.offset {
                sql.push_str(&format!(" OFFSET {o}"));
            }
        }
        sql
    }

    /// `e` over the derived table of [`Gen::groups_select`] with split AVGs: each AVG
    /// placeholder becomes the quotient of its sum and count, each variance its DOUBLE from
    /// its parts.
    fn split_avgs(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        let _ = visit_expressions_mut(&mut e, |x| {
            if let Expr::Identifier(id) = x {
                let variance = agg_placeholder_index(&id.value).and_then(|i| {
                    match self.layout.sources.get(i) {
                        Some(AggSource::Variance(j, kind)) => Some((i, *j, *kind)),
                        _ => None,
                    }
                });
                if let Some((i, j, kind)) = variance {
                    let value = self.variance_of(
                        j,
                        kind,
                        &quote(&avg_sum_placeholder(i)),
                        &quote(&avg_count_placeholder(i)),
                    );
                    if let Some(parsed) = super::variance::as_expr(&value) {
                        *x = Expr::Nested(Box::new(parsed));
                    }
                    return ControlFlow::Continue(());
                }
                let avg = agg_placeholder_index(&id.value).filter(|i| {
                    matches!(
                        self.layout.sources.get(*i),
                        Some(AggSource::Avg(_) | AggSource::AvgDistinct(_))
                    )
                });
                if let Some(i) = avg {
                    *x = Expr::Nested(Box::new(Expr::BinaryOp {
                        left: Box::new(Expr::Identifier(Ident::with_quote(
                            '`',
                            avg_sum_placeholder(i),
                        ))),
                        op: BinaryOperator::Divide,
                        right: Box::new(Expr::Identifier(Ident::with_quote(
                            '`',
                            avg_count_placeholder(i),
                        ))),
                    }));
                }
            }
            ControlFlow::<()>::Continue(())
        });
        e
    }

    /// `CREATE OR REPLACE VIEW` for the user's view (a rebuild or resume switching it to another
    /// generation).
    pub fn view_ddl(&self) -> String {
        self.view_statement("CREATE OR REPLACE")
    }

    /// `CREATE VIEW` for the user's view, for `create`: should someone take the name after the
    /// collision check, creating fails instead of replacing their view.
    pub fn new_view_ddl(&self) -> String {
        self.view_statement("CREATE")
    }

    /// `SQL SECURITY DEFINER`: the view reads the state tables as the account that made it (as
    /// the triggers write them), so `GRANT SELECT` on the summary alone lets an account read it,
    /// without access to the state tables or the base table (docs/security.md).
    fn view_statement(&self, create: &str) -> String {
        format!(
            "{create} SQL SECURITY DEFINER VIEW {} AS {}",
            self.qualified(&self.names.view),
            self.view_select()
        )
    }

    /// The query's groups computed from the base table, with the same columns as
    /// [`Gen::groups_sql`]: validation compares the two.
    pub fn truth_groups_sql(&self) -> String {
        let a = self.analysis;
        let mut cols = Vec::new();
        for (i, k) in a.keys.iter().enumerate() {
            cols.push(format!("{} AS {}", k.expr, quote(&key_placeholder(i))));
        }
        for (i, k) in a.keys.iter().enumerate() {
            if self.key_has_zero_flag(i) {
                cols.push(format!(
                    "{} AS {}",
                    Self::key_zero_flag(&k.expr.to_string()),
                    quote(&zero_flag_placeholder(i))
                ));
            }
        }
        for (i, agg) in a.aggregates.iter().enumerate() {
            let call = agg.call_sql();
            // A DOUBLE SUM/AVG past DOUBLE's range is infinity, which MariaDB prints as 0 but
            // a derived table stores as the largest DOUBLE: compare what the query prints.
            let call = match self.layout.sources.get(i) {
                Some(AggSource::Sum(j) | AggSource::Avg(j)) if self.sum_type(*j) == "double" => {
                    format!("IF(ABS({call}) > 1.7976931348623157e308, 0e0, {call})")
                }
                _ => call,
            };
            cols.push(format!("{call} AS {}", quote(&agg_placeholder(i))));
        }
        let (from, mut conds) = match self.join {
            Some(_) => self.join_from(None),
            None => (self.base.clone(), Vec::new()),
        };
        if let Some(f) = &a.filter {
            conds.push(if self.join.is_some() {
                format!("({f})")
            } else {
                f.to_string()
            });
        }
        let mut sql = format!("SELECT {} FROM {from}", cols.join(", "));
        if !conds.is_empty() {
            sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
        }
        if !a.keys.is_empty() {
            let keys: Vec<String> = a.keys.iter().map(|k| k.expr.to_string()).collect();
            sql.push_str(&format!(" GROUP BY {}", keys.join(", ")));
        }
        sql
    }

    /// The user's query, re-rendered from the AST against the base table (what the view must equal).
    pub fn original_sql(&self) -> String {
        let a = self.analysis;
        let truth = self.truth_groups_sql();
        let cols: Vec<String> = a
            .outputs
            .iter()
            .map(|o| format!("{} AS {}", o.expr, quote(&o.name)))
            .collect();
        let mut sql = format!("SELECT {} FROM ({truth}) AS `_lt`", cols.join(", "));
        if let Some(h) = &a.having {
            sql.push_str(&format!(" WHERE {h}"));
        }
        sql
    }
}
