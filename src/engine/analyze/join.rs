//! Joins: a fact table joined to dimension tables by equality with a unique key of each
//! dimension (star and snowflake schemas). The analysis resolves names over every joined table,
//! separates the join conditions from the filter and checks the shape: every dimension is reached
//! many-to-one from exactly one table before it, through an index a dimension's triggers can use.
//! A LEFT-joined dimension is matched on its own key by its ON's equalities; the rest of its ON
//! only decides whether a row matches, and every table reached from it is LEFT-joined too.

use super::normalize::Ctx;
use super::scope::{Scope, ScopeTable};
use super::{analyze_in, check_cascades, check_table, time_zone, Clause};
use crate::engine::error::{EngineError, Pos};
use crate::engine::meta::{ColumnMeta, TableMeta};
use crate::engine::parse::{span_pos, JoinCondition, JoinedTable, ParsedQuery};
use crate::engine::plan::{Analysis, JoinEdge, JoinPlan, JoinTable};
use sqlparser::ast::{BinaryOperator, Expr, Spanned};
use std::collections::BTreeSet;

/// A join summary's analysis: the query over the joined row, and how the tables are joined.
#[derive(Debug, Clone)]
pub struct JoinAnalysis {
    /// The query, with columns qualified by their table (`` `o`.`amount` ``); `filter` holds
    /// the conditions that are not join conditions; `columns_read` is the fact table's.
    pub analysis: Analysis,
    /// The tables and their join edges.
    pub plan: JoinPlan,
}

/// The refusal of a join where only single-table summaries are maintained.
pub(crate) fn not_maintained(first: &JoinedTable) -> EngineError {
    let construct = match first.condition {
        _ if first.left => "LEFT JOIN",
        JoinCondition::InWhere => "several tables in FROM (join)",
        _ => "JOIN",
    };
    EngineError::unsupported_hint(
        construct,
        first.keyword,
        "summaries over joins are analysed but not maintained yet: triggers on the dimension tables are planned",
    )
}

/// Whether star joins are maintained end to end (codegen, lifecycle and the tests on real
/// servers); until then every join is refused with [`not_maintained`].
const STAR_JOINS_MAINTAINED: bool = true;

/// Refuses the joins `analyze_join` accepted whose maintenance does not exist: dimension
/// tables in another schema than the fact table (triggers live in their table's schema, the summary's objects in the fact
/// table's).
pub fn check_maintained(parsed: &ParsedQuery, joined: &JoinAnalysis) -> Result<(), EngineError> {
    let Some(first) = parsed.joins.first() else {
        return Ok(());
    };
    if !STAR_JOINS_MAINTAINED {
        return Err(not_maintained(first));
    }
    let fact = &joined.plan.tables[0];
    for (k, t) in joined.plan.tables.iter().enumerate().skip(1) {
        let pos = parsed.joins.get(k - 1).and_then(|j| j.pos);
        if !t.schema.eq_ignore_ascii_case(&fact.schema) {
            return Err(EngineError::unsupported_hint(
                format!("table {}.{} in another schema than {}", t.schema, t.name, fact.name),
                pos,
                "the summary's triggers on a dimension live in its schema: join tables of the fact table's schema",
            ));
        }
    }
    Ok(())
}

/// One equality `a.x = b.y` between columns of two tables.
struct Equality {
    left: (usize, String),
    right: (usize, String),
    pos: Option<Pos>,
}

/// Analyses a join query. `tables` holds the metadata of the base table, then of each joined
/// table, in FROM order (as [`ParsedQuery::joins`] lists them).
pub fn analyze_join(
    parsed: &ParsedQuery,
    tables: &[TableMeta],
) -> Result<JoinAnalysis, EngineError> {
    if tables.len() != parsed.joins.len() + 1 {
        return Err(EngineError::Table {
            table: parsed.table.name.clone(),
            reason: format!(
                "metadata for {} tables given, the query names {}",
                tables.len(),
                parsed.joins.len() + 1
            ),
        });
    }
    tables.iter().try_for_each(check_table)?;
    let references: Vec<_> = std::iter::once(&parsed.table)
        .chain(parsed.joins.iter().map(|j| &j.table))
        .collect();
    let mut scope = Scope {
        tables: references
            .iter()
            .zip(tables)
            .map(|(reference, meta)| ScopeTable { reference, meta })
            .collect(),
        using: Vec::new(),
    };
    check_distinct_tables(parsed, &scope)?;
    let mut equalities = using_equalities(parsed, &mut scope)?;
    let mut analysis = analyze_in(parsed, &scope)?;
    let ctx = Ctx {
        parsed,
        scope: &scope,
        aliases: &[],
    };
    let left: Vec<bool> = std::iter::once(false)
        .chain(parsed.joins.iter().map(|j| j.left))
        .collect();
    let mut conjuncts = Vec::new();
    // A LEFT JOIN's ON is not a filter: its equalities with a table before it are the edge,
    // anything else decides only whether a row matches (`on[t]`).
    let mut on: Vec<Vec<Expr>> = vec![Vec::new(); scope.tables.len()];
    for (k, j) in parsed.joins.iter().enumerate() {
        if let JoinCondition::On(e) = &j.condition {
            let mut these = Vec::new();
            split_and(ctx.normalize(e, Clause::Where)?, &mut these);
            if !j.left {
                conjuncts.extend(these);
                continue;
            }
            for c in these {
                match equality(&scope, &c) {
                    Some(eq) if eq.left.0.max(eq.right.0) == k + 1 => equalities.push(eq),
                    _ => on[k + 1].push(c),
                }
            }
        }
    }
    if let Some(f) = analysis.filter.take() {
        split_and(f, &mut conjuncts);
    }
    let mut filter = Vec::new();
    for c in conjuncts {
        // An equality with a LEFT-joined table outside its ON filters the joined rows (it is
        // false for a NULL-extended row): a filter, not an edge.
        // One with a later inner-joined table is an edge from the LEFT-joined table, which
        // `edges` refuses.
        match equality(&scope, &c) {
            Some(eq) if !left[eq.left.0] && !left[eq.right.0] => equalities.push(eq),
            Some(eq) if !left[eq.left.0.max(eq.right.0)] => equalities.push(eq),
            _ => filter.push(c),
        }
    }
    // The conditions `edges` looks at to explain a table no equality connects.
    let hints: Vec<Expr> = filter.iter().chain(on.iter().flatten()).cloned().collect();
    let mut edges = edges(&scope, parsed, &equalities, &hints, &left)?;
    attach_on(&scope, parsed, &mut edges, on)?;
    analysis.filter = join_and(filter);
    let plan = plan(&scope, &analysis, edges);
    for (t, meta) in plan.tables.iter().zip(tables) {
        check_cascades(meta, &t.columns_read)?;
    }
    time_zone::check(
        &scope,
        analysis.filter.as_ref(),
        &analysis.keys,
        &analysis.aggregates,
    )?;
    for e in plan.tables.iter().filter_map(|t| t.reached.as_ref()) {
        time_zone::check(&scope, e.on.as_ref(), &[], &[])?;
    }
    analysis.columns_read = plan.tables[0].columns_read.clone();
    Ok(JoinAnalysis { analysis, plan })
}

/// Refuses a table joined to itself, and two tables under one qualifier.
fn check_distinct_tables(parsed: &ParsedQuery, scope: &Scope<'_>) -> Result<(), EngineError> {
    for (k, j) in parsed.joins.iter().enumerate() {
        let this = scope.tables[k + 1];
        for earlier in &scope.tables[..=k] {
            if earlier.meta.schema == this.meta.schema && earlier.meta.name == this.meta.name {
                return Err(EngineError::unsupported_hint(
                    format!("self-join of table {}", this.meta.name),
                    j.pos,
                    "a table can appear once in a summary's FROM",
                ));
            }
            if earlier.qualifier().eq_ignore_ascii_case(this.qualifier()) {
                return Err(EngineError::unsupported_hint(
                    format!("two tables named {} in FROM", this.qualifier()),
                    j.pos,
                    "give each table its own alias",
                ));
            }
        }
    }
    Ok(())
}

/// The equalities `JOIN … USING (c)` stands for, and the USING columns' resolution (an
/// unqualified `c` is the left table's).
fn using_equalities(
    parsed: &ParsedQuery,
    scope: &mut Scope<'_>,
) -> Result<Vec<Equality>, EngineError> {
    let mut out = Vec::new();
    for (k, j) in parsed.joins.iter().enumerate() {
        let JoinCondition::Using(columns) = &j.condition else {
            continue;
        };
        for c in columns {
            let left: Vec<usize> = (0..=k)
                .filter(|&i| scope.tables[i].meta.column(&c.value).is_some())
                .collect();
            let right = scope.tables[k + 1].meta.column(&c.value);
            let (&[l], Some(right)) = (left.as_slice(), right) else {
                return Err(EngineError::unsupported_hint(
                    format!("USING ({})", c.value),
                    span_pos(c.span).or(j.pos),
                    "the column must be in the joined table and in exactly one table before it",
                ));
            };
            let left_name = scope.tables[l]
                .meta
                .column(&c.value)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            out.push(Equality {
                left: (l, left_name),
                right: (k + 1, right.name.clone()),
                pos: span_pos(c.span).or(j.pos),
            });
            scope.using.push((c.value.clone(), l));
        }
    }
    Ok(out)
}

/// Marks the LEFT JOIN edges and gives each its further ON conditions, refusing one that reads
/// a table other than the joined one and its referencing table (a write to a third table would
/// have to move rows between matched and NULL-extended, which no trigger does).
fn attach_on(
    scope: &Scope<'_>,
    parsed: &ParsedQuery,
    edges: &mut [Option<JoinEdge>],
    on: Vec<Vec<Expr>>,
) -> Result<(), EngineError> {
    for (t, conds) in on.into_iter().enumerate().skip(1) {
        if !parsed.joins[t - 1].left {
            continue;
        }
        let Some(edge) = edges[t].as_mut() else {
            continue;
        };
        for c in &conds {
            let read = tables_read(scope, c);
            if let Some(&other) = read.iter().find(|&&x| x != t && x != edge.from) {
                return Err(EngineError::unsupported_hint(
                    format!(
                        "a LEFT JOIN condition on {} that reads {} ({c})",
                        scope.tables[t].meta.name, scope.tables[other].meta.name
                    ),
                    span_pos(c.span()).or(parsed.joins[t - 1].keyword),
                    "a LEFT JOIN's ON may read the joined table and the table it is joined to; move other conditions to WHERE",
                ));
            }
        }
        edge.left = true;
        edge.on = join_and(conds);
    }
    Ok(())
}

fn split_and(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        // `(a AND b)` and `(a.x = b.y)` are conjuncts of their own; any other parenthesized
        // conjunct keeps its parentheses (it is rejoined with AND).
        Expr::Nested(inner)
            if matches!(
                *inner,
                Expr::BinaryOp {
                    op: BinaryOperator::And | BinaryOperator::Eq,
                    ..
                }
            ) =>
        {
            split_and(*inner, out);
        }
        other => out.push(other),
    }
}

fn join_and(conjuncts: Vec<Expr>) -> Option<Expr> {
    conjuncts.into_iter().reduce(|a, b| Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::And,
        right: Box::new(b),
    })
}

/// The tables (indexes into the scope) whose columns `e` reads.
fn tables_read(scope: &Scope<'_>, e: &Expr) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for (table, _) in qualified_columns(scope, e) {
        out.insert(table);
    }
    out
}

/// Every column `e` reads, as (table index, column name).
fn qualified_columns(scope: &Scope<'_>, e: &Expr) -> Vec<(usize, String)> {
    use sqlparser::ast::Visit;
    use std::ops::ControlFlow;
    struct C<'a, 'b>(&'a Scope<'b>, Vec<(usize, String)>);
    impl sqlparser::ast::Visitor for C<'_, '_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::CompoundIdentifier(parts) = e {
                if let [q, c] = parts.as_slice() {
                    let t = self.0.tables.iter().position(|t| t.qualifier() == q.value);
                    if let Some(t) = t {
                        self.1.push((t, c.value.clone()));
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = C(scope, Vec::new());
    let _ = e.visit(&mut c);
    c.1
}

/// A conjunct that is an equality of two columns of different tables: a join condition.
/// Anything else is part of the filter over the joined row.
fn equality(scope: &Scope<'_>, c: &Expr) -> Option<Equality> {
    let column = |e: &Expr| match qualified_columns(scope, e).as_slice() {
        [one] if matches!(e, Expr::CompoundIdentifier(_)) => Some(one.clone()),
        _ => None,
    };
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = c
    else {
        return None;
    };
    let (l, r) = (column(left)?, column(right)?);
    (l.0 != r.0).then(|| Equality {
        left: l,
        right: r,
        pos: span_pos(c.span()),
    })
}

/// The join edge reaching each table (`None` for the fact table), from the column equalities.
fn edges(
    scope: &Scope<'_>,
    parsed: &ParsedQuery,
    equalities: &[Equality],
    filter: &[Expr],
    left: &[bool],
) -> Result<Vec<Option<JoinEdge>>, EngineError> {
    let n = scope.tables.len();
    let mut reached: Vec<Option<JoinEdge>> = vec![None; n];
    let mut pairs: Vec<((usize, usize), Vec<&Equality>)> = Vec::new();
    for eq in equalities {
        let key = (eq.left.0.min(eq.right.0), eq.left.0.max(eq.right.0));
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(eq),
            None => pairs.push((key, vec![eq])),
        }
    }
    for ((a, b), list) in &pairs {
        let side = |t: usize| -> Vec<String> {
            list.iter()
                .map(|e| {
                    if e.left.0 == t {
                        e.left.1.clone()
                    } else {
                        e.right.1.clone()
                    }
                })
                .collect()
        };
        let pos = list.first().and_then(|e| e.pos);
        let (from, dim) = if unique_key(scope.tables[*b].meta, &side(*b)).is_some() {
            (*a, *b)
        } else if left[*b] {
            // A LEFT-joined table is matched on its own key: each row before it then has at
            // most one match (its ON's equalities are only with a table before it: b is it).
            return Err(many_to_many(scope, *a, *b, &side(*b), pos));
        } else if unique_key(scope.tables[*a].meta, &side(*a)).is_some() {
            (*b, *a)
        } else {
            return Err(many_to_many(scope, *a, *b, &side(*b), pos));
        };
        let edge = edge(scope, from, dim, &side(from), &side(dim), pos)?;
        let name = |t: usize| scope.tables[t].meta.name.clone();
        if dim == 0 {
            return Err(EngineError::unsupported_hint(
                format!("{} joined as a dimension of {}", name(0), name(from)),
                pos,
                "name the fact table (the one whose rows are counted) first in FROM",
            ));
        }
        if let Some(other) = &reached[dim] {
            return Err(EngineError::unsupported_hint(
                format!(
                    "table {} joined to both {} and {}",
                    name(dim),
                    name(other.from),
                    name(from)
                ),
                pos,
                "each dimension is reached from one table (a star or a chain)",
            ));
        }
        if left[from] && !left[dim] {
            return Err(EngineError::unsupported_hint(
                format!(
                    "an inner join of {} to {}, which is LEFT-joined",
                    name(dim),
                    name(from)
                ),
                parsed.joins.get(dim - 1).and_then(|j| j.keyword).or(pos),
                "a table joined to a LEFT-joined table must be LEFT-joined too (an inner join would drop the rows LEFT JOIN keeps)",
            ));
        }
        reached[dim] = Some(edge);
    }
    for k in 1..n {
        let mut at = k;
        for _ in 0..n {
            match &reached[at] {
                Some(e) => at = e.from,
                None => break,
            }
        }
        if at != 0 {
            return Err(unconnected(scope, parsed, k, filter));
        }
    }
    Ok(reached)
}

/// The refusal of table `k`, which no column equality connects to the fact table: at the
/// condition that mentions it with another table, when there is one (a join on an expression).
fn unconnected(scope: &Scope<'_>, parsed: &ParsedQuery, k: usize, filter: &[Expr]) -> EngineError {
    let hint = "tables are joined by equality of columns (a.x = b.y), each joined table on a PRIMARY KEY or UNIQUE NOT NULL key";
    let joining = filter.iter().find(|c| {
        let read = tables_read(scope, c);
        read.len() > 1 && read.contains(&k)
    });
    match joining {
        Some(c) => EngineError::unsupported_hint(
            format!("a join on an expression ({c})"),
            span_pos(c.span()),
            hint,
        ),
        None => EngineError::unsupported_hint(
            format!(
                "no join condition connects {} to the fact table",
                scope.tables[k].meta.name
            ),
            parsed.joins[k - 1].pos,
            "join it by equality on its key (a cross join is not supported)",
        ),
    }
}

fn many_to_many(
    scope: &Scope<'_>,
    a: usize,
    b: usize,
    b_cols: &[String],
    pos: Option<Pos>,
) -> EngineError {
    let (ta, tb) = (scope.tables[a].meta, scope.tables[b].meta);
    EngineError::unsupported_hint(
        format!(
            "a many-to-many join of {} and {}: ({}) is not a PRIMARY KEY or UNIQUE NOT NULL key of {}, nor are the other side's columns one of {}",
            ta.name,
            tb.name,
            b_cols.join(", "),
            tb.name,
            ta.name
        ),
        pos,
        "join each dimension on its whole PRIMARY KEY or a UNIQUE key of NOT NULL columns",
    )
}

/// The edge from referencing table `from` (columns `columns`) to dimension `dim` (its key columns
/// `key`, paired): checks the join columns' types and finds the index on `from`.
fn edge(
    scope: &Scope<'_>,
    from: usize,
    dim: usize,
    columns: &[String],
    key: &[String],
    pos: Option<Pos>,
) -> Result<JoinEdge, EngineError> {
    let (f, d) = (scope.tables[from].meta, scope.tables[dim].meta);
    for (c, k) in columns.iter().zip(key) {
        let (Some(cm), Some(km)) = (f.column(c), d.column(k)) else {
            continue;
        };
        if !comparable(cm, km) {
            return Err(EngineError::unsupported_hint(
                format!(
                    "a join of {}.{} ({}) with {}.{} ({})",
                    f.name,
                    cm.name,
                    cm.column_type,
                    d.name,
                    km.name,
                    km.column_type
                ),
                pos,
                "join columns must have the same type and collation (a converting comparison could match rows the key does not)",
            ));
        }
    }
    let (key_name, key_order) = unique_key(d, key).unwrap_or_default();
    // Pair the referencing columns with the key in the key's order.
    let columns_in_key_order: Vec<String> = key_order
        .iter()
        .filter_map(|k| {
            key.iter()
                .position(|x| x.eq_ignore_ascii_case(k))
                .map(|i| columns[i].clone())
        })
        .collect();
    let Some(index) = index_for(f, columns) else {
        let list: Vec<String> = columns
            .iter()
            .map(|c| crate::engine::ident::quote(c))
            .collect();
        return Err(EngineError::unsupported_hint(
            format!(
                "no index on {}({}), the columns that reference {}",
                f.name,
                columns.join(", "),
                d.name
            ),
            pos,
            format!(
                "a change of a {} row finds the {} rows that reference it through that index; add one: CREATE INDEX {} ON {} ({})",
                d.name,
                f.name,
                crate::engine::ident::quote(&format!("{}_{}", f.name, columns.join("_"))),
                crate::engine::ident::quote_qualified(&f.schema, &f.name),
                list.join(", ")
            ),
        ));
    };
    Ok(JoinEdge {
        from,
        columns: columns_in_key_order,
        key: key_order,
        key_name,
        index,
        left: false,
        on: None,
    })
}

/// Whether `=` between the two columns compares them as the dimension's key does: both integers,
/// or the same type and collation.
fn comparable(a: &ColumnMeta, b: &ColumnMeta) -> bool {
    let ty = |c: &ColumnMeta| crate::engine::meta::SqlType::plain(&c.column_type);
    let integer = |c: &ColumnMeta| {
        matches!(
            ty(c).base().as_str(),
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
        )
    };
    (integer(a) && integer(b))
        || (a.column_type.eq_ignore_ascii_case(&b.column_type) && a.collation == b.collation)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| b.iter().any(|y| y.eq_ignore_ascii_case(x)))
}

/// The PRIMARY KEY or a UNIQUE index of NOT NULL columns that `columns` is exactly, as (name,
/// columns in key order).
fn unique_key(table: &TableMeta, columns: &[String]) -> Option<(String, Vec<String>)> {
    if same_set(&table.primary_key, columns) {
        return Some(("PRIMARY".into(), table.primary_key.clone()));
    }
    table
        .indexes
        .iter()
        .filter(|i| i.unique)
        .filter(|i| {
            i.columns
                .iter()
                .all(|c| table.column(c).is_some_and(|m| !m.nullable))
        })
        .find(|i| same_set(&i.columns, columns))
        .map(|i| (i.name.clone(), i.columns.clone()))
}

/// An index of `table` whose leading columns are `columns` (in any order): `PRIMARY` or its name.
fn index_for(table: &TableMeta, columns: &[String]) -> Option<String> {
    let leads =
        |key: &[String]| key.len() >= columns.len() && same_set(&key[..columns.len()], columns);
    if leads(&table.primary_key) {
        return Some("PRIMARY".into());
    }
    table
        .indexes
        .iter()
        .find(|i| leads(&i.columns))
        .map(|i| i.name.clone())
}

/// The plan: each table with its edge and the columns the summary reads of it.
fn plan(scope: &Scope<'_>, analysis: &Analysis, edges: Vec<Option<JoinEdge>>) -> JoinPlan {
    let mut read: Vec<BTreeSet<String>> = vec![BTreeSet::new(); scope.tables.len()];
    let exprs = analysis
        .filter
        .iter()
        .chain(analysis.keys.iter().map(|k| &k.expr))
        .chain(analysis.aggregates.iter().filter_map(|a| a.arg.as_ref()));
    for e in exprs {
        for (t, c) in qualified_columns(scope, e) {
            read[t].insert(c);
        }
    }
    for (dim, edge) in edges.iter().enumerate() {
        if let Some(e) = edge {
            read[e.from].extend(e.columns.iter().cloned());
            read[dim].extend(e.key.iter().cloned());
            for (t, c) in e.on.iter().flat_map(|on| qualified_columns(scope, on)) {
                read[t].insert(c);
            }
        }
    }
    let tables = scope
        .tables
        .iter()
        .zip(edges)
        .zip(read)
        .map(|((t, reached), read)| JoinTable {
            schema: t.meta.schema.clone(),
            name: t.meta.name.clone(),
            qualifier: t.qualifier().to_string(),
            reached,
            columns_read: t
                .meta
                .columns
                .iter()
                .filter(|c| read.contains(&c.name))
                .map(|c| c.name.clone())
                .collect(),
        })
        .collect();
    JoinPlan { tables }
}
