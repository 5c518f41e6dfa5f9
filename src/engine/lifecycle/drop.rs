//! `drop`: remove a summary's triggers, view, state tables and catalog row. Idempotent, and it
//! never touches the base table's data or triggers that are not ours.

use super::lock::install_triggers;
use super::session::{claim, open};
use super::{sql, CreateOptions, LifecycleError};
use crate::engine::catalog;
use crate::engine::codegen::names::prefix;
use crate::engine::ident::{quote_qualified, string_literal};
use mysql::prelude::Queryable;
use mysql::Opts;
use serde::Serialize;

/// What `drop` removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DropReport {
    /// Objects dropped, as `kind name`.
    pub dropped: Vec<String>,
}

/// Whether `table` is one of the state tables of the summary with prefix `p`
/// (`<p>_g<generation>` or `<p>_g<generation>_mm<i>`).
fn is_state_table(p: &str, table: &str) -> bool {
    let Some(rest) = table.strip_prefix(p).and_then(|r| r.strip_prefix("_g")) else {
        return false;
    };
    let (generation, tail) = match rest.find('_') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(generation) && (tail.is_empty() || tail.strip_prefix("_mm").is_some_and(digits))
}

/// Drops summary `name` in `schema`.
pub fn drop_summary(opts: &Opts, schema: &str, name: &str) -> Result<DropReport, LifecycleError> {
    let mut conn = open(opts)?;
    claim(&mut conn, schema, name)?;
    let entry = sql(catalog::get(&mut conn, schema, name), "reading the catalog")?;
    let p = prefix(name);
    let mut report = DropReport::default();
    // Dropping a trigger waits for the table's metadata lock like creating one, and writers
    // queue behind that wait: bounded and retried the same way.
    let patient = CreateOptions::default();
    for suffix in ["_ins", "_upd", "_del"] {
        let trigger = format!("{p}{suffix}");
        let table: Option<String> = sql(
            conn.exec_first(
                "SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
                (schema, &trigger),
            ),
            "looking for triggers",
        )?;
        if let Some(table) = table {
            install_triggers(
                opts,
                &mut conn,
                &[format!(
                    "DROP TRIGGER IF EXISTS {}",
                    quote_qualified(schema, &trigger)
                )],
                &format!("{schema}.{table}"),
                &patient,
                None,
                &mut |_| {},
            )?;
            report.dropped.push(format!("trigger {trigger}"));
        }
    }
    // The bounded trigger drops left a short lock wait timeout behind; the tables and the view
    // may wait for readers as long as any statement would.
    sql(
        conn.query_drop("SET SESSION lock_wait_timeout = DEFAULT"),
        "resetting the lock wait timeout",
    )?;
    // The view is ours if the catalog says so, or if it reads one of our state tables.
    let view: Option<String> = sql(
        conn.exec_first(
            "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, name),
        ),
        "looking for the view",
    )?;
    if let Some(def) = view {
        if entry.is_some() || def.contains(&format!("`{p}_g")) {
            sql(
                conn.query_drop(format!(
                    "DROP VIEW IF EXISTS {}",
                    quote_qualified(schema, name)
                )),
                "dropping the view",
            )?;
            report.dropped.push(format!("view {name}"));
        }
    }
    let tables: Vec<String> = sql(
        conn.exec(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
            (schema,),
        ),
        "looking for state tables",
    )?;
    for t in tables.iter().filter(|t| is_state_table(&p, t)) {
        sql(
            conn.query_drop(format!(
                "DROP TABLE IF EXISTS {}",
                quote_qualified(schema, t)
            )),
            "dropping a state table",
        )?;
        report.dropped.push(format!("table {t}"));
    }
    if entry.is_some() {
        sql(
            catalog::remove(&mut conn, schema, name),
            "removing the catalog entry",
        )?;
        report
            .dropped
            .push(format!("catalog entry {}", string_literal(name)));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_generations_match() {
        assert!(is_state_table("_lt_s", "_lt_s_g1"));
        assert!(is_state_table("_lt_s", "_lt_s_g12_mm0"));
        assert!(!is_state_table("_lt_s", "_lt_s_g1_x"));
        assert!(!is_state_table("_lt_s", "_lt_s2_g1"));
        assert!(!is_state_table("_lt_s", "_lt_s_gx"));
    }
}
