//! `validate`: recompute the query's groups from the base table and compare them with the
//! summary's, in one statement (one consistent read of both), group by group under the key's
//! collation.

use super::session::{open_summary, row_columns, trigger_bodies, unaltered};
use super::{sql, LifecycleError};
use crate::db::introspect::{prepare_existing, table_meta};
use crate::engine::catalog::status;
use crate::engine::codegen::{AggSource, GenOptions};
use crate::engine::ident::quote;
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
    let p = crate::engine::codegen::names::prefix(name);
    let read = row_columns(
        trigger_bodies(&mut conn, schema, &p)?
            .iter()
            .map(String::as_str),
    );
    if !table.engine.eq_ignore_ascii_case("InnoDB") {
        problems.push(format!(
            "the base table {} is now {}, which does not roll back: a rolled-back write keeps its rows while the summary's changes are undone",
            entry.base_table, table.engine
        ));
    }
    if !unaltered(&table, &read, &entry.base_fingerprint) {
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
    let prepared = prepare_existing(&mut conn, &entry.query, name, gen_options)?;
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
    sql(conn.query_drop("COMMIT"), "closing the snapshot")?;
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
