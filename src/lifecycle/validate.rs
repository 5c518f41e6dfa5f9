//! `validate`: recompute the query's groups from the base table and compare them with the
//! summary's, in one statement (one consistent read of both), group by group under the key's
//! collation.

use super::session::{gen_unaltered, open_summary};
use super::{sql, LifecycleError};
use crate::db::introspect::{prepare_existing, table_meta, with_sql_mode};
use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::codegen::state::zero_flag_placeholder;
use crate::engine::codegen::{AggSource, Gen, GenOptions};
use crate::engine::ident::{quote, quote_qualified};
use crate::engine::plan::{agg_placeholder, key_placeholder};
use crate::lifecycle::catalog::{Entry, Status};
use mysql::prelude::Queryable;
use mysql::{Opts, Value};
use serde::Serialize;
use std::collections::HashMap;

/// One group that differs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    /// Group key values, rendered.
    pub key: Vec<String>,
    /// Whether the query has this group.
    pub in_query: bool,
    /// Whether the summary has this group.
    pub in_summary: bool,
    /// `(aggregate index, query value, summary value)` for aggregates that differ.
    pub values: Vec<(usize, String, String)>,
}

/// The result of a validation.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// Schema.
    pub schema: String,
    /// Summary.
    pub name: String,
    /// True when every group matches and no problem was found.
    pub exact: bool,
    /// Number of differing groups.
    pub differing_groups: u64,
    /// The first differing groups (bounded).
    pub differences: Vec<Difference>,
    /// Groups compared.
    pub groups: u64,
    /// Problems found besides data (base table altered, triggers missing, incomplete backfill).
    pub problems: Vec<String>,
}

fn render(v: &Value) -> String {
    match v {
        Value::NULL => "NULL".into(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.as_sql(true).trim_matches('\'').to_string(),
    }
}

/// Validates summary `name` in `schema`, listing at most `max_diffs` differing groups.
pub fn validate(
    opts: &Opts,
    schema: &str,
    name: &str,
    max_diffs: usize,
) -> Result<ValidationReport, LifecycleError> {
    validate_with(opts, schema, name, max_diffs, &mut |_| {})
}

/// [`validate`], first telling `on_connection` the id of the connection that will run the
/// comparison: on a large table it reads everything, and a UI stops it with `KILL QUERY <id>`
/// (the error is then "Query execution was interrupted").
pub fn validate_with(
    opts: &Opts,
    schema: &str,
    name: &str,
    max_diffs: usize,
    on_connection: &mut dyn FnMut(u64),
) -> Result<ValidationReport, LifecycleError> {
    let (mut conn, entry) = open_summary(opts, schema, name)?;
    on_connection(u64::from(conn.connection_id()));
    let gen_options = GenOptions {
        generation: entry.generation,
        slots: entry.slots,
    };
    let prepared = prepare_existing(
        &mut conn,
        &entry.query,
        entry.query_mode(),
        name,
        gen_options,
    )?;
    let gen = prepared.gen(name, gen_options)?;
    let mut problems = structural_problems(&mut conn, schema, &entry, &gen)?;
    let nkeys = prepared.analysis.keys.len();
    let naggs = prepared.analysis.aggregates.len();
    sql(
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
        "opening a snapshot",
    )?;
    let rows: Vec<mysql::Row> = sql(
        conn.query(diff_sql(&gen, nkeys)),
        "comparing the summary with the query",
    )?;
    let count_sql = format!("SELECT COUNT(*) FROM ({}) AS `g`", gen.groups_sql());
    let groups: u64 = sql(conn.query_first(&count_sql), "counting groups")?.unwrap_or(0);
    let limited = prepared.analysis.limit.is_some();
    problems.extend(readers_problem(&mut conn, schema, name, &entry, limited)?);
    let differences = rows
        .iter()
        .take(max_diffs)
        .map(|row| difference(row, nkeys, naggs))
        .collect();
    let exact = rows.is_empty();
    record_verdict(&mut conn, schema, name, rows.len());
    Ok(ValidationReport {
        schema: schema.to_string(),
        name: name.to_string(),
        exact: exact && problems.is_empty(),
        differing_groups: rows.len() as u64,
        differences,
        groups,
        problems,
    })
}

/// What is wrong besides the data: a base table that no longer rolls back or was altered, an
/// incomplete backfill, a missing trigger.
fn structural_problems(
    conn: &mut mysql::Conn,
    schema: &str,
    entry: &Entry,
    gen: &Gen<'_>,
) -> Result<Vec<String>, LifecycleError> {
    let mut problems = Vec::new();
    let table = table_meta(conn, schema, &entry.base_table)?;
    if !table.transactional() {
        problems.push(format!(
            "the base table {} is now {}, which does not roll back: a rolled-back write keeps its rows while the summary's changes are undone",
            entry.base_table, table.engine
        ));
    }
    if entry.status != Status::Ready {
        problems.push(format!(
            "the summary is {} (backfill not complete)",
            entry.status
        ));
    }
    // What the summary's own triggers read, not the live ones: a trigger someone replaced is
    // reported below as such, not as an ALTER.
    if !gen_unaltered(gen, &entry.base_fingerprint) {
        // A join's fingerprint covers every table's columns the summary reads.
        let what = if gen.join.is_some() {
            format!("a table of the join ({})", gen.lock_label())
        } else {
            format!("the base table {}", entry.base_table)
        };
        problems.push(format!(
            "{what} was altered since the summary was built; a rebuild recomputes it"
        ));
    }
    for t in [
        &gen.names.trigger_insert,
        &gen.names.trigger_update,
        &gen.names.trigger_delete,
    ] {
        if !super::session::trigger_on(conn, schema, t, &entry.base_table)? {
            problems.push(format!(
                "trigger {t} is missing on {}: the summary is no longer maintained",
                entry.base_table
            ));
        }
    }
    Ok(problems)
}

/// One statement comparing the query's groups (recomputed from the base table) with the
/// summary's state, group by group; it returns the groups that differ: per group, whether each
/// side has it, the key rendered, then each aggregate's (query, summary) values.
fn diff_sql(gen: &Gen<'_>, nkeys: usize) -> String {
    let keys: Vec<String> = (0..nkeys).map(|i| quote(&key_placeholder(i))).collect();
    let mut checks = vec![
        "SUM(`_side` = 1) <> 1".to_string(),
        "SUM(`_side` = 2) <> 1".to_string(),
    ];
    let mut select = vec![
        "CAST(SUM(`_side` = 1) AS SIGNED)".to_string(),
        "CAST(SUM(`_side` = 2) AS SIGNED)".to_string(),
    ];
    select.extend(keys.iter().map(|k| format!("CAST(MIN({k}) AS CHAR)")));
    for (i, source) in gen.layout.sources.iter().enumerate() {
        let inexact = match source {
            AggSource::Sum(i) | AggSource::Avg(i) => gen.sum_type(*i) == "double",
            _ => false,
        };
        let a = quote(&agg_placeholder(i));
        checks.push(format!("(COUNT({a}) NOT IN (0, 2))"));
        if inexact {
            checks.push(format!(
                "(ABS(MAX({a}) / 2 - MIN({a}) / 2) > 0.5e-9 * GREATEST(1, ABS(MAX({a}))))"
            ));
        } else {
            checks.push(format!("NOT (MAX({a}) <=> MIN({a}))"));
        }
        select.push(format!("CAST(MAX(IF(`_side` = 1, {a}, NULL)) AS CHAR)"));
        select.push(format!("CAST(MAX(IF(`_side` = 2, {a}, NULL)) AS CHAR)"));
    }
    // An ENUM's error value '' and its member '' are two groups with one spelling.
    let mut group_keys = keys;
    group_keys.extend(
        (0..nkeys)
            .filter(|i| gen.key_has_zero_flag(*i))
            .map(|i| quote(&zero_flag_placeholder(i))),
    );
    let group_by = if group_keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", group_keys.join(", "))
    };
    format!(
        "SELECT {} FROM (SELECT 1 AS `_side`, `t`.* FROM ({}) AS `t` UNION ALL SELECT 2 AS `_side`, `s`.* FROM ({}) AS `s`) AS `u`{group_by} HAVING {}",
        select.join(", "),
        gen.truth_groups_sql(),
        gen.groups_sql(),
        checks.join(" OR ")
    )
}

/// What readers get: the view's rows against MariaDB's own answer to the query text, in the
/// snapshot the group comparison read (closed here). The group comparison reads the state and
/// would not see a view that loses digits or computes the wrong expression; and it uses our
/// reading of the query, this one the server's (under the sql_mode the query was written
/// under), so a disagreement between the two readings cannot pass either.
fn readers_problem(
    conn: &mut mysql::Conn,
    schema: &str,
    name: &str,
    entry: &Entry,
    limited: bool,
) -> Result<Option<String>, LifecycleError> {
    let view_rows = read_rows(
        conn,
        &format!("SELECT * FROM {}", quote(name)),
        "reading the summary",
    )?;
    let mode = entry.query_mode();
    let query_rows = with_sql_mode(conn, mode, |c| {
        read_rows(c, &entry.query, "running the query as written")
    })??;
    sql(conn.query_drop("COMMIT"), "closing the snapshot")?;
    let columns = view_columns(conn, schema, name)?;
    // With LIMIT, rows tied on ORDER BY may be picked differently by the view and the query:
    // only the number of rows must agree.
    if limited {
        return Ok((view_rows.len() != query_rows.len()).then(|| {
            format!(
                "the query as written (sql_mode '{mode}') returns {} rows, the summary {}",
                query_rows.len(),
                view_rows.len()
            )
        }));
    }
    compare_rows(conn, &columns, view_rows, query_rows)
}

/// One row of [`diff_sql`]'s result as a [`Difference`].
fn difference(row: &mysql::Row, nkeys: usize, naggs: usize) -> Difference {
    let vals: Vec<Value> = row.clone().unwrap();
    let at = |i: usize| vals.get(i).map_or_else(|| "NULL".to_string(), render);
    let values = (0..naggs)
        .map(|i| (i, at(2 + nkeys + 2 * i), at(2 + nkeys + 2 * i + 1)))
        .filter(|(_, q, s)| q != s)
        .collect();
    Difference {
        key: (2..2 + nkeys).map(at).collect(),
        in_query: at(0) != "0",
        in_summary: at(1) != "0",
        values,
    }
}

/// Records the verdict in the catalog. A replica (or any read-only server) is not written: the
/// catalog row is the primary's, and a write here would make the replica differ from it (and
/// fail under read_only). A failure to record does not change the verdict.
fn record_verdict(conn: &mut mysql::Conn, schema: &str, name: &str, differing: usize) {
    let verdict = if differing == 0 {
        "exact".to_string()
    } else {
        format!("{differing} differing groups")
    };
    let writable =
        crate::db::topology::Topology::probe(conn).is_ok_and(|t| !t.is_replica() && !t.read_only);
    if writable {
        let _ = conn.exec_drop(
            format!(
                "UPDATE {} SET `last_validated_at` = CURRENT_TIMESTAMP(6), `last_validation` = ? WHERE `name` = ?",
                quote_qualified(schema, CATALOG_TABLE)
            ),
            (verdict, name),
        );
    }
}

/// One result row: each value as the text protocol gives it (`None` for NULL).
type RawRow = Vec<Option<Vec<u8>>>;

fn read_rows(
    conn: &mut mysql::Conn,
    query: &str,
    what: &str,
) -> Result<Vec<RawRow>, LifecycleError> {
    let rows: Vec<mysql::Row> = sql(conn.query(query), what)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            r.unwrap()
                .into_iter()
                .map(|v| match v {
                    Value::NULL => None,
                    Value::Bytes(b) => Some(b),
                    other => Some(other.as_sql(true).trim_matches('\'').as_bytes().to_vec()),
                })
                .collect()
        })
        .collect())
}

/// How a column of the view compares.
struct ViewColumn {
    name: String,
    /// DOUBLE or FLOAT: within validate's relative tolerance.
    float: bool,
    /// A character string under this collation: equal when the collation says so (a
    /// case-insensitive group may be spelled as any of its rows).
    collation: Option<String>,
    charset: Option<String>,
}

fn view_columns(
    conn: &mut mysql::Conn,
    schema: &str,
    name: &str,
) -> Result<Vec<ViewColumn>, LifecycleError> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sql(
        conn.exec(
            "SELECT COLUMN_NAME, DATA_TYPE, COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (schema, name),
        ),
        "reading the summary's columns",
    )?;
    Ok(rows
        .into_iter()
        .map(|(name, data_type, collation, charset)| {
            let text = matches!(
                data_type.as_str(),
                "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext"
            );
            ViewColumn {
                name,
                float: matches!(data_type.as_str(), "double" | "float"),
                collation: collation.filter(|_| text),
                charset,
            }
        })
        .collect())
}

/// Whether two values of `column` are the same answer (strings byte for byte here; their
/// collation is applied afterwards to what is left).
fn same_value(column: &ViewColumn, a: &Option<Vec<u8>>, b: &Option<Vec<u8>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) if x == y => true,
        (Some(x), Some(y)) if column.float => {
            let parse = |v: &[u8]| String::from_utf8_lossy(v).trim().parse::<f64>().ok();
            match (parse(x), parse(y)) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Removes the rows of `view` and `query` that match one for one: rows are bucketed by their
/// exactly compared values, and matched within a bucket by their DOUBLE values.
fn match_rows(
    columns: &[ViewColumn],
    view: Vec<RawRow>,
    query: Vec<RawRow>,
) -> (Vec<RawRow>, Vec<RawRow>) {
    let exact_part = |r: &RawRow| -> RawRow {
        r.iter()
            .enumerate()
            .map(|(i, v)| match columns.get(i) {
                Some(c) if c.float => None,
                _ => v.clone(),
            })
            .collect()
    };
    let mut buckets: HashMap<RawRow, Vec<RawRow>> = HashMap::new();
    for row in query {
        buckets.entry(exact_part(&row)).or_default().push(row);
    }
    let mut only_view = Vec::new();
    for row in view {
        let bucket = buckets.get_mut(&exact_part(&row));
        let found = bucket.and_then(|b| {
            b.iter()
                .position(|q| {
                    q.len() == row.len()
                        && row
                            .iter()
                            .zip(q)
                            .zip(columns)
                            .all(|((a, b), c)| same_value(c, a, b))
                })
                .map(|i| b.swap_remove(i))
        });
        if found.is_none() {
            only_view.push(row);
        }
    }
    (only_view, buckets.into_values().flatten().collect())
}

/// Compares the view's rows with the query's as multisets; a problem describing the difference
/// when they are not the same answer.
fn compare_rows(
    conn: &mut mysql::Conn,
    columns: &[ViewColumn],
    view: Vec<RawRow>,
    query: Vec<RawRow>,
) -> Result<Option<String>, LifecycleError> {
    let (mut only_view, mut only_query) = match_rows(columns, view, query);
    if !only_view.is_empty()
        && !only_query.is_empty()
        && columns.iter().any(|c| c.collation.is_some())
    {
        // Spellings of one string under its collation ('a' and 'A ' in a _ci, PAD SPACE
        // collation): compare what is left by the collation's weights.
        only_view = weigh(conn, columns, only_view)?;
        only_query = weigh(conn, columns, only_query)?;
        let (v, q) = match_rows(columns, only_view, only_query);
        only_view = v;
        only_query = q;
    }
    if only_view.is_empty() && only_query.is_empty() {
        return Ok(None);
    }
    let show = |r: &RawRow| {
        let cells: Vec<String> = r
            .iter()
            .zip(columns)
            .map(|(v, c)| {
                let v = match v {
                    None => "NULL".to_string(),
                    Some(b) => String::from_utf8_lossy(b).into_owned(),
                };
                format!("{} = {v}", c.name)
            })
            .collect();
        format!("({})", cells.join(", "))
    };
    let mut parts = Vec::new();
    if !only_query.is_empty() {
        parts.push(format!(
            "{} row(s) of the query are not in the summary (first: {})",
            only_query.len(),
            show(&only_query[0])
        ));
    }
    if !only_view.is_empty() {
        parts.push(format!(
            "{} row(s) of the summary are not in the query's result (first: {})",
            only_view.len(),
            show(&only_view[0])
        ));
    }
    Ok(Some(format!(
        "reading the summary does not give the query's answer: {}",
        parts.join("; ")
    )))
}

/// `rows` with each string value replaced by its weight under its column's collation (trailing
/// spaces removed first under PAD SPACE), computed by the server.
fn weigh(
    conn: &mut mysql::Conn,
    columns: &[ViewColumn],
    rows: Vec<RawRow>,
) -> Result<Vec<RawRow>, LifecycleError> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(200) {
        let mut exprs = Vec::new();
        let mut params = Vec::new();
        for row in chunk {
            for (v, c) in row.iter().zip(columns) {
                if let (Some(v), Some(coll), Some(cs)) = (v, &c.collation, &c.charset) {
                    let arg = format!("CONVERT(? USING {cs}) COLLATE {coll}");
                    exprs.push(if coll.contains("nopad") {
                        format!("HEX(WEIGHT_STRING({arg}))")
                    } else {
                        format!("HEX(WEIGHT_STRING(RTRIM({arg})))")
                    });
                    params.push(Value::Bytes(v.clone()));
                }
            }
        }
        let weights: Vec<Value> = if exprs.is_empty() {
            Vec::new()
        } else {
            let row: Option<mysql::Row> = sql(
                conn.exec_first(format!("SELECT {}", exprs.join(", ")), params),
                "weighing strings under their collation",
            )?;
            row.map(mysql::Row::unwrap).unwrap_or_default()
        };
        let mut next = weights.into_iter();
        for row in chunk {
            out.push(
                row.iter()
                    .zip(columns)
                    .map(|(v, c)| match (v, &c.collation) {
                        (Some(_), Some(_)) if c.charset.is_some() => match next.next() {
                            Some(Value::Bytes(b)) => Some(b),
                            _ => None,
                        },
                        _ => v.clone(),
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}
