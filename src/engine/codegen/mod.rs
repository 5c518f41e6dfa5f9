//! SQL generation: pure functions from an [`Analysis`], the base table's metadata and the inferred
//! expression types to every statement a summary needs.

pub mod backfill;
pub mod bits;
pub mod cascade;
pub mod distinct;
pub mod join;
pub mod layout;
pub mod migration;
pub mod names;
pub mod probe;
pub mod regions;
pub mod row;
pub mod state;
pub mod triggers;
pub mod variance;
pub mod view;

use crate::engine::error::EngineError;
use crate::engine::ident::quote_qualified;
use crate::engine::meta::TableMeta;
use crate::engine::plan::Analysis;
pub use join::Joined;
pub use layout::{AggSource, ExprTypes, Layout};
pub use names::Names;
pub use probe::TypeProbes;
pub use regions::Regions;
use serde::Serialize;
pub use triggers::TriggerSql;

/// Options that shape the generated objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GenOptions {
    /// State generation (a rebuild creates the next one).
    pub generation: u32,
    /// Slot rows per group that writers spread over (1 = none).
    pub slots: u16,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            generation: 1,
            slots: 1,
        }
    }
}

/// Everything generated for one summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generated {
    /// Object names.
    pub names: Names,
    /// The layout of inputs.
    pub layout: Layout,
    /// The options used.
    pub options: GenOptions,
    /// `CREATE TABLE` statements: state, then MIN/MAX multisets.
    pub tables: Vec<String>,
    /// `CREATE OR REPLACE VIEW` of the user's view.
    pub view: String,
    /// Triggers.
    pub triggers: Vec<TriggerSql>,
    /// Per-group values read from the state (validation compares this with `truth_groups`).
    pub summary_groups: String,
    /// Per-group values computed from the base table.
    pub truth_groups: String,
    /// The user's query re-rendered against the base table.
    pub original: String,
    /// Warnings for the user.
    pub warnings: Vec<String>,
}

/// Generation context shared by the codegen submodules.
pub struct Gen<'a> {
    /// The analysed query.
    pub analysis: &'a Analysis,
    /// Base table metadata.
    pub table: &'a TableMeta,
    /// Input layout.
    pub layout: Layout,
    /// Inferred types.
    pub types: &'a ExprTypes,
    /// Object names.
    pub names: Names,
    /// Quoted, schema-qualified base table.
    pub base: String,
    /// Writer slots.
    pub slots: u16,
    /// Checkpoint regions the triggers tag deltas with while a backfill runs.
    pub regions: Option<Regions>,
    /// For a summary over a join: its tables (`table` is the fact table).
    pub join: Option<&'a Joined>,
    /// For a summary over a table changed by cascading foreign keys: the keys and their
    /// parents, whose triggers account for the changes (`codegen::cascade`).
    pub cascades: Option<&'a crate::engine::cascade::Cascades>,
}

impl<'a> Gen<'a> {
    /// Prepares generation for summary `name`.
    pub fn new(
        analysis: &'a Analysis,
        table: &'a TableMeta,
        types: &'a ExprTypes,
        name: &str,
        options: GenOptions,
    ) -> Result<Gen<'a>, EngineError> {
        names::validate_name(name)?;
        let layout = Layout::of(analysis);
        layout.check_types(analysis, table, types)?;
        let names = Names::new(&table.schema, name, options.generation, layout.minmax.len());
        Ok(Gen {
            analysis,
            table,
            layout,
            types,
            names,
            base: quote_qualified(&table.schema, &table.name),
            slots: options.slots.max(1),
            regions: None,
            join: None,
            cascades: None,
        })
    }

    /// The same generation for a summary over `join` (its triggers on every table of it).
    pub fn with_join(mut self, join: Option<&'a Joined>, name: &str) -> Self {
        if let Some(j) = join {
            self.names = self.names.with_dimensions(name, &j.dimension_names());
        }
        self.join = join;
        self
    }

    /// A copy whose triggers do not tag regions (after the backfill).
    pub fn without_regions(&self) -> Gen<'a> {
        Gen {
            analysis: self.analysis,
            table: self.table,
            layout: self.layout.clone(),
            types: self.types,
            names: self.names.clone(),
            base: self.base.clone(),
            slots: self.slots,
            regions: None,
            join: self.join,
            cascades: self.cascades,
        }
    }

    /// The same generation with triggers that tag deltas with `regions` (during a backfill).
    pub fn with_regions(mut self, regions: Option<Regions>) -> Self {
        self.regions = regions;
        self
    }

    /// Generates every statement.
    pub fn generate(&self, options: GenOptions) -> Generated {
        let mut warnings = Vec::new();
        if self.analysis.limit.is_some() && self.analysis.order_by.is_empty() {
            warnings.push(
                "LIMIT without ORDER BY returns an arbitrary subset, in the summary as in the query"
                    .to_string(),
            );
        }
        for (t, agg) in self.types.sums.iter().zip(&self.layout.nums) {
            if let Some(t) = t {
                if !t.is_exact_numeric() && t.base() != "decimal" {
                    warnings.push(format!(
                        "SUM/AVG of {} is floating point: results may differ from the query in the last digits",
                        agg.arg
                    ));
                }
            }
        }
        Generated {
            names: self.names.clone(),
            layout: self.layout.clone(),
            options,
            tables: self.state_ddl(),
            view: self.view_ddl(),
            triggers: self.triggers(),
            summary_groups: self.groups_sql(),
            truth_groups: self.truth_groups_sql(),
            original: self.original_sql(),
            warnings,
        }
    }
}

/// Statements that remove one generation's state tables.
pub fn drop_state_sql(names: &Names) -> Vec<String> {
    let mut out = Vec::new();
    for t in names
        .totals
        .iter()
        .chain(&names.minmax)
        .chain(std::iter::once(&names.state))
    {
        out.push(format!(
            "DROP TABLE IF EXISTS {}",
            quote_qualified(&names.schema, t)
        ));
    }
    out
}

/// Statements that remove a summary's triggers (on every table of a join).
pub fn drop_triggers_sql(names: &Names) -> Vec<String> {
    names
        .all_triggers()
        .into_iter()
        .map(|(_, t)| {
            format!(
                "DROP TRIGGER IF EXISTS {}",
                quote_qualified(&names.schema, t)
            )
        })
        .collect()
}

/// Statement that removes the user's view.
pub fn drop_view_sql(names: &Names) -> String {
    format!(
        "DROP VIEW IF EXISTS {}",
        quote_qualified(&names.schema, &names.view)
    )
}
