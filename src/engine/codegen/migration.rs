//! A summary's generated DDL as a migration a team can review and apply: the apply script and
//! the matching drop script, as plain SQL the mariadb client runs (triggers between
//! `DELIMITER $$` lines, since their bodies hold `;`).

use super::names::CATALOG_TABLE;
use super::Generated;
use crate::engine::ident::{quote, quote_qualified, string_literal};

/// The two scripts of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Creates every object of the summary.
    pub apply: String,
    /// Removes what `apply` created (the shared catalog table stays).
    pub drop: String,
}

/// Builds the migration of `generated`, the summary of `query` over `base_table`;
/// `catalog_ddl` creates the shared catalog table if it is missing (it comes from the
/// lifecycle, which owns its layout).
pub fn migration(
    generated: &Generated,
    base_table: &str,
    query: &str,
    catalog_ddl: &str,
) -> Migration {
    Migration {
        apply: apply_script(generated, base_table, query, catalog_ddl),
        drop: drop_script(generated),
    }
}

/// `-- ` before every line of `text`.
fn comment(text: &str) -> String {
    text.lines()
        .map(|l| format!("-- {l}").trim_end().to_string() + "\n")
        .collect()
}

fn apply_script(g: &Generated, base_table: &str, query: &str, catalog_ddl: &str) -> String {
    let n = &g.names;
    let mut out = comment(&format!(
        "LightningTables migration: summary {} of table {}, generation {}.\n\
         Query:\n{}\n\n\
         Review it, then let `lightning create` apply it: it creates these objects online (a brief\n\
         lock, then a consistent backfill). Applied by hand this script creates them with an EMPTY\n\
         state, which counts only the rows written afterwards. The drop script undoes it.",
        quote_qualified(&n.schema, &n.view),
        quote(base_table),
        g.options.generation,
        query
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let mut statement = |title: &str, sql: &str, end: &str| {
        out.push('\n');
        out.push_str(&comment(title));
        out.push_str(sql.trim_end().trim_end_matches(';'));
        out.push_str(end);
        out.push('\n');
    };
    statement(
        "catalog of the summaries of this database",
        catalog_ddl,
        ";",
    );
    for (i, (table, ddl)) in std::iter::once(&n.state)
        .chain(&n.minmax)
        .zip(&g.tables)
        .enumerate()
    {
        let what = if i == 0 {
            "state table"
        } else {
            "MIN/MAX multiset"
        };
        statement(&format!("{what} {table}"), ddl, ";");
    }
    statement(&format!("view {}", n.view), &g.view, ";");
    out.push_str("\nDELIMITER $$\n");
    for t in &g.triggers {
        out.push('\n');
        out.push_str(&comment(&format!("AFTER {} trigger {}", t.event, t.name)));
        out.push_str(t.sql.trim_end().trim_end_matches(';'));
        out.push_str("$$\n");
    }
    out.push_str("\nDELIMITER ;\n");
    out
}

fn drop_script(g: &Generated) -> String {
    let n = &g.names;
    let q = |name: &str| quote_qualified(&n.schema, name);
    let mut out = comment(&format!(
        "LightningTables drop script: summary {}, generation {}.\n\
         Triggers first, so that writes stop changing the state, then the view, then the state.",
        q(&n.view),
        g.options.generation
    ));
    out.push('\n');
    for t in [&n.trigger_insert, &n.trigger_update, &n.trigger_delete] {
        out.push_str(&format!("DROP TRIGGER IF EXISTS {};\n", q(t)));
    }
    out.push_str(&format!("DROP VIEW IF EXISTS {};\n", q(&n.view)));
    for t in std::iter::once(&n.state).chain(&n.minmax) {
        out.push_str(&format!("DROP TABLE IF EXISTS {};\n", q(t)));
    }
    out.push_str(&comment(
        "Its row in the catalog (`lightning create` adds one; a hand-applied script none).",
    ));
    out.push_str(&format!(
        "DELETE FROM {} WHERE `name` = {};\n",
        q(CATALOG_TABLE),
        string_literal(&n.view)
    ));
    out
}
