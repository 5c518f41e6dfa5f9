//! A summary ready to be created: the analysed query, its base table, the types the server gives
//! its expressions, and the generated SQL — assembled without a server from what `db` read.

use crate::engine::codegen::{ExprTypes, Gen, GenOptions, Generated};
use crate::engine::meta::TableMeta;
use crate::engine::plan::Analysis;
use crate::engine::EngineError;

/// Everything known about a summary before it is created.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The analysed query.
    pub analysis: Analysis,
    /// The base table.
    pub table: TableMeta,
    /// Inferred types.
    pub types: ExprTypes,
    /// Generated SQL.
    pub generated: Generated,
}

impl Prepared {
    /// The generator for summary `name` with `options` (another generation or slot count than
    /// `generated` was made with).
    pub fn gen(&self, name: &str, options: GenOptions) -> Result<Gen<'_>, EngineError> {
        Gen::new(&self.analysis, &self.table, &self.types, name, options)
    }
}

/// Generates summary `name` of `analysis` over `table`, whose expressions have `types` (from
/// [`crate::engine::codegen::TypeProbes`] run by the server, or given by a test).
pub fn prepare(
    analysis: Analysis,
    table: TableMeta,
    types: ExprTypes,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, EngineError> {
    let generated = Gen::new(&analysis, &table, &types, name, options)?.generate(options);
    Ok(Prepared {
        analysis,
        table,
        types,
        generated,
    })
}
