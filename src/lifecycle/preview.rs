//! The preview document: every statement `create` would run for a query, with the slots it
//! would use, built once here for both front ends (the CLI prints it as SQL or JSON, the TUI
//! shows it in its preview pane) so neither recomputes any of it.

use mysql::Conn;
use serde::Serialize;

use super::catalog::catalog_ddl;
use super::create::slots_for;
use crate::db::introspect::{prepare, IntrospectError};
use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::codegen::{GenOptions, Layout};
use crate::engine::plan::Analysis;
use crate::engine::{EngineError, Prepared};

/// What each object is for, as the preview's comments say it.
mod msg {
    pub const CATALOG: &str =
        "catalog of the summaries in this database (created if missing; one row per summary)";
    pub const STATE: &str =
        "state table: partial aggregates per group and writer slot; the view adds the slots up";
    pub const MINMAX: &str = "multiset table for MIN/MAX input";
    pub const TOTALS: &str = "distinct totals: per group and value, its count summed over slots, so a trigger sees a value appear or disappear and keeps the distinct count";
    pub const VIEW: &str = "the summary itself: a view over the state, read it like the query";
}

/// A statement of the plan, with what it creates.
#[derive(Debug, Clone, Serialize)]
pub struct PlanStatement {
    /// `catalog`, `state_table`, `minmax_table`, `totals_table`, `view` or `trigger`.
    pub kind: &'static str,
    /// The object it creates.
    pub object: String,
    /// A short heading (`state table`, `MIN/MAX multiset 1`, `trigger x (INSERT)`).
    #[serde(skip)]
    pub title: String,
    /// What the object is for.
    pub comment: String,
    /// The statement.
    pub sql: String,
}

/// Names of the objects a summary consists of.
#[derive(Debug, Clone, Serialize)]
pub struct PlanObjects {
    /// The catalog table (shared by all summaries of the database).
    pub catalog: String,
    /// State tables: the main one, then MIN/MAX multisets.
    pub state_tables: Vec<String>,
    /// The view users read.
    pub view: String,
    /// The three triggers on the base table.
    pub triggers: Vec<String>,
}

/// The preview document (also the CLI's `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Plan<'a> {
    /// Database holding the base table and every object.
    pub schema: &'a str,
    /// Summary name.
    pub name: &'a str,
    /// The base table.
    pub base_table: &'a str,
    /// Objects, by kind.
    pub objects: PlanObjects,
    /// Statements in the order `create` runs them.
    pub statements: Vec<PlanStatement>,
    /// The analysed query: group keys, aggregates, outputs.
    pub analysis: &'a Analysis,
    /// How the aggregates are kept in the state.
    pub layout: &'a Layout,
    /// Generation options (generation, slots).
    pub options: GenOptions,
    /// Things the user should know.
    pub warnings: &'a [String],
}

/// Prepares `query` as summary `name` the way `create` would: generation 1, with the slots
/// `create` uses ([`slots_for`]: as requested, else 16 without GROUP BY, else 1).
pub fn prepare_like_create(
    conn: &mut Conn,
    query: &str,
    name: &str,
    slots: Option<u16>,
) -> Result<Prepared, IntrospectError> {
    let options = GenOptions {
        generation: 1,
        slots: slots.unwrap_or(1),
    };
    let prepared = prepare(conn, query, name, options)?;
    Ok(with_create_slots(prepared, name, slots)?)
}

/// `prepared` regenerated with the slots `create` would use, without asking the server again.
pub fn with_create_slots(
    mut prepared: Prepared,
    name: &str,
    requested: Option<u16>,
) -> Result<Prepared, EngineError> {
    let slots = slots_for(prepared.analysis.keys.len(), requested);
    if slots != prepared.generated.options.slots {
        let options = GenOptions {
            generation: prepared.generated.options.generation,
            slots,
        };
        prepared.generated = prepared.gen(name, options)?.generate(options);
    }
    Ok(prepared)
}

/// Builds the plan of `prepared`.
pub fn plan(prepared: &Prepared) -> Plan<'_> {
    let g = &prepared.generated;
    let schema = g.names.schema.as_str();
    let mut statements = vec![PlanStatement {
        kind: "catalog",
        object: CATALOG_TABLE.to_string(),
        title: "catalog".to_string(),
        comment: msg::CATALOG.to_string(),
        sql: catalog_ddl(schema),
    }];
    let totals = (0..g.layout.minmax.len())
        .filter(|j| g.layout.keeps_totals(*j))
        .filter_map(|j| g.names.totals.get(j));
    let tables: Vec<&String> = std::iter::once(&g.names.state)
        .chain(g.names.minmax.iter())
        .chain(totals)
        .collect();
    let multisets = g.layout.minmax.len();
    for (i, (table, ddl)) in tables.iter().zip(&g.tables).enumerate() {
        let (kind, title, comment) = match i {
            0 => ("state_table", "state table".to_string(), msg::STATE.to_string()),
            _ if i > multisets => (
                "totals_table",
                format!("distinct totals {}", i - multisets),
                msg::TOTALS.to_string(),
            ),
            _ => (
                "minmax_table",
                format!("MIN/MAX multiset {i}"),
                match g.layout.minmax.get(i - 1) {
                    Some(expr) => format!("{} {expr}: how many rows hold each value, so a delete finds the next extreme", msg::MINMAX),
                    None => msg::MINMAX.to_string(),
                },
            ),
        };
        statements.push(PlanStatement {
            kind,
            object: (*table).clone(),
            title,
            comment,
            sql: ddl.clone(),
        });
    }
    statements.push(PlanStatement {
        kind: "view",
        object: g.names.view.clone(),
        title: "view".to_string(),
        comment: msg::VIEW.to_string(),
        sql: g.view.clone(),
    });
    for t in &g.triggers {
        statements.push(PlanStatement {
            kind: "trigger",
            object: t.name.clone(),
            title: format!("trigger {} ({})", t.name, t.event),
            comment: format!(
                "AFTER {} trigger on {}: applies each change to its group's state",
                t.event, prepared.table.name
            ),
            sql: t.sql.clone(),
        });
    }
    Plan {
        schema,
        name: &g.names.view,
        base_table: &prepared.table.name,
        objects: PlanObjects {
            catalog: CATALOG_TABLE.to_string(),
            state_tables: tables.into_iter().cloned().collect(),
            view: g.names.view.clone(),
            triggers: g.triggers.iter().map(|t| t.name.clone()).collect(),
        },
        statements,
        analysis: &prepared.analysis,
        layout: &g.layout,
        options: g.options,
        warnings: &g.warnings,
    }
}
