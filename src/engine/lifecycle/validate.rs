//! `validate`: recompute the query's groups from the base table and compare them with the
//! summary's, in one statement (one consistent read of both), group by group under the key's
//! collation.

use super::session::{fingerprint, open_summary};
use super::{sql, LifecycleError};
use crate::db::introspect::{prepare_in_mode, table_meta, with_sql_mode};
use crate::engine::catalog::status;
use crate::engine::codegen::{AggSource, GenOptions};
use crate::engine::ident::{quote, quote_qualified};
use crate::engine::plan::{agg_placeholder, key_placeholder};
use mysql::prelude::Queryable;
use mysql::{Opts, Value};
use serde::Serialize;

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

/// A result set: per row, each value rendered, and whether its column is floating point.
struct ResultRows {
    float: Vec<bool>,
    rows: Vec<Vec<String>>,
}

fn result_rows(conn: &mut mysql::Conn, query: &str) -> Result<ResultRows, mysql::Error> {
    use mysql::consts::ColumnType;
    let mut result = conn.query_iter(query)?;
    let float: Vec<bool> = result
        .columns()
        .as_ref()
        .iter()
        .map(|c| {
            matches!(
                c.column_type(),
                ColumnType::MYSQL_TYPE_DOUBLE | ColumnType::MYSQL_TYPE_FLOAT
            )
        })
        .collect();
    let mut rows = Vec::new();
    for row in result.by_ref() {
        let row = row?;
        rows.push(row.unwrap().iter().map(render).collect());
    }
    Ok(ResultRows { float, rows })
}

/// Compares the query's own rows with the summary's as multisets (floating-point columns within
/// a relative 1e-9); with LIMIT only the number of rows, since rows tied on ORDER BY may be
/// picked differently. The problem found, if any.
fn compare_results(
    query: &ResultRows,
    summary: &ResultRows,
    limited: bool,
    mode: &str,
) -> Option<String> {
    let what = format!("the query as written, run under sql_mode '{mode}'");
    if query.rows.len() != summary.rows.len() {
        return Some(format!(
            "{what} returns {} rows, the summary {}",
            query.rows.len(),
            summary.rows.len()
        ));
    }
    if limited || query.float.len() != summary.float.len() {
        return None;
    }
    let float = &query.float;
    let sorted = |rows: &[Vec<String>]| {
        let mut rows = rows.to_vec();
        rows.sort_by_key(|r| {
            r.iter()
                .enumerate()
                .map(|(i, v)| if float[i] { String::new() } else { v.clone() })
                .collect::<Vec<_>>()
        });
        rows
    };
    let (q, s) = (sorted(&query.rows), sorted(&summary.rows));
    for (a, b) in q.iter().zip(&s) {
        let same = a.iter().zip(b).enumerate().all(|(i, (x, y))| {
            x == y
                || (float[i]
                    && match (x.parse::<f64>(), y.parse::<f64>()) {
                        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                        _ => false,
                    })
        });
        if !same {
            return Some(format!(
                "{what} has the row ({}) where the summary has ({})",
                a.join(", "),
                b.join(", ")
            ));
        }
    }
    None
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
    on_connection(conn.connection_id() as u64);
    let mut problems = Vec::new();
    let table = table_meta(&mut conn, schema, &entry.base_table)?;
    if fingerprint(&table) != entry.base_fingerprint {
        problems.push(format!(
            "the base table {} was altered since the summary was built; run `lightning rebuild {name}`",
            entry.base_table
        ));
    }
    if entry.status != status::READY {
        problems.push(format!(
            "the summary is {} (backfill not complete)",
            entry.status
        ));
    }
    let gen_options = GenOptions {
        generation: entry.generation,
        slots: entry.slots,
    };
    let prepared = prepare_in_mode(
        &mut conn,
        &entry.query,
        entry.query_mode(),
        name,
        gen_options,
    )?;
    let gen = prepared.gen(name, gen_options)?;
    for t in [
        &gen.names.trigger_insert,
        &gen.names.trigger_update,
        &gen.names.trigger_delete,
    ] {
        if !super::session::trigger_exists(&mut conn, schema, t)? {
            problems.push(format!(
                "trigger {t} is missing: the summary is no longer maintained"
            ));
        }
    }
    let nkeys = prepared.analysis.keys.len();
    let naggs = prepared.analysis.aggregates.len();
    let keys: Vec<String> = (0..nkeys).map(|i| quote(&key_placeholder(i))).collect();
    let inexact: Vec<bool> = gen
        .layout
        .sources
        .iter()
        .map(|s| match s {
            AggSource::Sum(i) | AggSource::Avg(i) => gen.sum_type(*i) == "double",
            _ => false,
        })
        .collect();
    let mut checks = vec![
        "SUM(`_side` = 1) <> 1".to_string(),
        "SUM(`_side` = 2) <> 1".to_string(),
    ];
    let mut picks = Vec::new();
    for (i, inexact) in inexact.iter().enumerate() {
        let a = quote(&agg_placeholder(i));
        let q = format!("MAX(IF(`_side` = 1, {a}, NULL))");
        let s = format!("MAX(IF(`_side` = 2, {a}, NULL))");
        checks.push(format!("(COUNT({a}) NOT IN (0, 2))"));
        if *inexact {
            checks.push(format!(
                "(ABS(MAX({a}) - MIN({a})) > 1e-9 * GREATEST(1, ABS(MAX({a}))))"
            ));
        } else {
            checks.push(format!("NOT (MAX({a}) <=> MIN({a}))"));
        }
        picks.push(format!("CAST({q} AS CHAR)"));
        picks.push(format!("CAST({s} AS CHAR)"));
    }
    let mut select = vec![
        "CAST(SUM(`_side` = 1) AS SIGNED)".to_string(),
        "CAST(SUM(`_side` = 2) AS SIGNED)".to_string(),
    ];
    select.extend(keys.iter().map(|k| format!("CAST(MIN({k}) AS CHAR)")));
    select.extend(picks);
    let group_by = if keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", keys.join(", "))
    };
    let diff_sql = format!(
        "SELECT {} FROM (SELECT 1 AS `_side`, `t`.* FROM ({}) AS `t` UNION ALL SELECT 2 AS `_side`, `s`.* FROM ({}) AS `s`) AS `u`{group_by} HAVING {}",
        select.join(", "),
        gen.truth_groups_sql(),
        gen.groups_sql(),
        checks.join(" OR ")
    );
    let count_sql = format!("SELECT COUNT(*) FROM ({}) AS `g`", gen.groups_sql());
    sql(
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"),
        "opening a snapshot",
    )?;
    let rows: Vec<mysql::Row> = sql(
        conn.query(&diff_sql),
        "comparing the summary with the query",
    )?;
    let groups: u64 = sql(conn.query_first(&count_sql), "counting groups")?.unwrap_or(0);
    // The query text as written, run under the sql_mode it was written under, in the same
    // snapshot: the comparison above uses our reading of the query, this one the server's, so a
    // disagreement between the two readings cannot pass.
    let as_written = with_sql_mode(&mut conn, entry.query_mode(), |c| {
        result_rows(c, &entry.query)
    })?;
    let as_written = sql(as_written, "running the query as written")?;
    let summary_rows = sql(
        result_rows(
            &mut conn,
            &format!("SELECT * FROM {}", quote_qualified(schema, name)),
        ),
        "reading the summary",
    )?;
    sql(conn.query_drop("COMMIT"), "closing the snapshot")?;
    if let Some(problem) = compare_results(
        &as_written,
        &summary_rows,
        prepared.analysis.limit.is_some(),
        entry.query_mode(),
    ) {
        problems.push(problem);
    }
    let mut differences = Vec::new();
    for row in rows.iter().take(max_diffs) {
        let vals: Vec<Value> = row.clone().unwrap();
        let in_query = render(&vals[0]) != "0";
        let in_summary = render(&vals[1]) != "0";
        let key = vals[2..2 + nkeys].iter().map(render).collect();
        let mut values = Vec::new();
        for i in 0..naggs {
            let q = render(&vals[2 + nkeys + 2 * i]);
            let s = render(&vals[2 + nkeys + 2 * i + 1]);
            if q != s {
                values.push((i, q, s));
            }
        }
        differences.push(Difference {
            key,
            in_query,
            in_summary,
            values,
        });
    }
    let exact = rows.is_empty();
    let verdict = if exact {
        "exact".to_string()
    } else {
        format!("{} differing groups", rows.len())
    };
    let _ = sql(
        conn.exec_drop(
            format!(
                "UPDATE {} SET `last_validated_at` = CURRENT_TIMESTAMP(6), `last_validation` = ? WHERE `name` = ?",
                crate::engine::ident::quote_qualified(schema, crate::engine::codegen::names::CATALOG_TABLE)
            ),
            (verdict, name),
        ),
        "recording the validation",
    );
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
