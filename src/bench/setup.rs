//! The write-path tables: one copy of the base table per variant, so variants can be measured
//! back to back without installing or removing anything between measurements.

use mysql::{Conn, Opts};
use serde::Serialize;

use super::research::{alt, original};
use super::{data, lifecycle, query_for, BenchConfig, BenchError, Log};
use super::{GROUPED_QUERY, NO_GROUP_QUERY};
use crate::lifecycle::{self as lc, Control, CreateOptions};

/// The summarized query's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `... GROUP BY user_id`, 10k groups.
    Grouped,
    /// `SELECT COUNT(*), SUM(amount) FROM tx`: one group.
    NoGroup,
}

/// What maintains the summary during a write-path measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// A: no triggers (the baseline).
    Plain,
    /// B: our generated triggers, created with `lifecycle::create` (default options).
    Ours,
    /// C: original-style hand-made triggers.
    Original,
    /// Experiment: ours created with 16 writer slots per group.
    OursSlots16,
    /// Experiment: alternative trigger SQL, `UPDATE` first and `INSERT` only for a new group.
    AltUpdateFirst,
    /// Experiment: alternative trigger SQL, our upsert without the NOT NULL column's counter
    /// and casts.
    AltLean,
    /// Experiment: triggers that touch no table, the floor of any row trigger.
    AltNoop,
}

/// The variants every workload runs.
pub const MAIN: [Variant; 3] = [Variant::Plain, Variant::Ours, Variant::Original];

/// The experimental variants (grouped workloads only).
pub const EXPERIMENTS: [Variant; 4] = [
    Variant::OursSlots16,
    Variant::AltUpdateFirst,
    Variant::AltLean,
    Variant::AltNoop,
];

impl Variant {
    /// Short column label.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Plain => "A",
            Variant::Ours => "B",
            Variant::Original => "C",
            Variant::OursSlots16 => "B16",
            Variant::AltUpdateFirst => "Xupd",
            Variant::AltLean => "Xlean",
            Variant::AltNoop => "Xnoop",
        }
    }

    /// What the variant is.
    pub fn description(self) -> &'static str {
        match self {
            Variant::Plain => "no triggers",
            Variant::Ours => "LightningTables triggers (lifecycle::create, default options)",
            Variant::Original => "original-style hand-made triggers (upsert; UPDATE + DELETE ... NOT EXISTS)",
            Variant::OursSlots16 => "LightningTables triggers created with slots = 16",
            Variant::AltUpdateFirst => "experiment: our state, UPDATE first, INSERT ... ON DUPLICATE KEY UPDATE only if no row",
            Variant::AltLean => "experiment: our state, upsert without nn0 (amount is NOT NULL) and without CAST/COALESCE",
            Variant::AltNoop => "experiment: triggers that touch no table (SET @v = NEW.amount), the floor of any row trigger",
        }
    }

    /// The base table of this variant for `shape`; `None` when the variant does not apply.
    pub fn table(self, shape: Shape) -> Option<&'static str> {
        match (self, shape) {
            (Variant::Plain, _) => Some("tx_a"),
            (Variant::Ours, Shape::Grouped) => Some("tx_b"),
            (Variant::Ours, Shape::NoGroup) => Some("tx_bn"),
            (Variant::Original, Shape::Grouped) => Some("tx_c"),
            (Variant::Original, Shape::NoGroup) => Some("tx_cn"),
            (Variant::OursSlots16, Shape::Grouped) => Some("tx_b16"),
            (Variant::AltUpdateFirst, Shape::Grouped) => Some("tx_xupd"),
            (Variant::AltLean, Shape::Grouped) => Some("tx_xlean"),
            (Variant::AltNoop, Shape::Grouped) => Some("tx_xnoop"),
            _ => None,
        }
    }
}

/// Creates a summary with `lifecycle::create` and waits for its backfill.
pub fn create_summary(
    opts: &Opts,
    name: &str,
    query: &str,
    slots: Option<u16>,
) -> Result<(), BenchError> {
    let options = CreateOptions {
        slots,
        ..CreateOptions::default()
    };
    lifecycle(
        lc::create(opts, name, query, &options, &Control::new(), &mut |_| {}),
        &format!("creating summary {name}"),
    )?;
    Ok(())
}

/// Loads `tx_a`, copies it for every variant and installs each variant's summary.
pub fn prepare(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    log: Log<'_>,
) -> Result<(), BenchError> {
    log(&format!(
        "loading the write-path tables ({} rows each, {} users)",
        config.table_rows, config.users
    ));
    data::create_tx(conn, "tx_a")?;
    data::fill(conn, "tx_a", config.table_rows, config.users, 1)?;
    for v in MAIN.iter().chain(EXPERIMENTS.iter()) {
        for shape in [Shape::Grouped, Shape::NoGroup] {
            let Some(table) = v.table(shape) else {
                continue;
            };
            if table == "tx_a" {
                continue;
            }
            data::clone_table(conn, "tx_a", table)?;
            install(conn, opts, *v, shape, table)?;
        }
    }
    Ok(())
}

/// The summary name of variant `table`'s summary.
pub fn summary_name(table: &str) -> String {
    format!("sum_{table}")
}

fn install(
    conn: &mut Conn,
    opts: &Opts,
    variant: Variant,
    shape: Shape,
    table: &str,
) -> Result<(), BenchError> {
    let query = match shape {
        Shape::Grouped => query_for(GROUPED_QUERY, table),
        Shape::NoGroup => query_for(NO_GROUP_QUERY, table),
    };
    match (variant, shape) {
        (Variant::Plain, _) => Ok(()),
        (Variant::Ours, _) => create_summary(opts, &summary_name(table), &query, None),
        (Variant::OursSlots16, _) => create_summary(opts, &summary_name(table), &query, Some(16)),
        (Variant::Original, Shape::Grouped) => original::install_grouped(conn, table),
        (Variant::Original, Shape::NoGroup) => original::install_single(conn, table),
        (Variant::AltUpdateFirst, _) => alt::install(conn, table, alt::Style::UpdateFirst),
        (Variant::AltLean, _) => alt::install(conn, table, alt::Style::Lean),
        (Variant::AltNoop, _) => alt::install(conn, table, alt::Style::Noop),
    }
}
