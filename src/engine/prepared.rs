//! A summary ready to be created: the analysed query, its base table, the types the server gives
//! its expressions, and the generated SQL — assembled without a server from what `db` read.

use crate::engine::cascade::Cascades;
use crate::engine::codegen::{ExprTypes, Gen, GenOptions, Generated, Joined};
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
    /// For a summary over a join: its tables (`table` is the fact table).
    pub join: Option<Joined>,
    /// For a summary over a table changed by cascading foreign keys: the keys whose parents
    /// carry triggers too.
    pub cascades: Option<Cascades>,
}

impl Prepared {
    /// The generator for summary `name` with `options` (another generation or slot count than
    /// `generated` was made with).
    pub fn gen(&self, name: &str, options: GenOptions) -> Result<Gen<'_>, EngineError> {
        Ok(
            Gen::new(&self.analysis, &self.table, &self.types, name, options)?
                .with_join(self.join.as_ref(), name)
                .with_cascades(self.cascades.as_ref(), name),
        )
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
    prepare_joined(analysis, table, types, None, name, options)
}

/// [`prepare`] for a summary over the join `join` (`None`: over `table` alone).
pub fn prepare_joined(
    analysis: Analysis,
    table: TableMeta,
    types: ExprTypes,
    join: Option<Joined>,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, EngineError> {
    let generated = Gen::new(&analysis, &table, &types, name, options)?
        .with_join(join.as_ref(), name)
        .generate(options);
    Ok(Prepared {
        analysis,
        table,
        types,
        generated,
        join,
        cascades: None,
    })
}

/// [`prepare`] for a summary over a table some of whose foreign keys cascade: `cascades` are
/// the keys whose parents get triggers too (none: the same as [`prepare`]).
pub fn prepare_cascading(
    analysis: Analysis,
    table: TableMeta,
    types: ExprTypes,
    cascades: Cascades,
    name: &str,
    options: GenOptions,
) -> Result<Prepared, EngineError> {
    let cascades = (!cascades.edges.is_empty()).then_some(cascades);
    let generated = Gen::new(&analysis, &table, &types, name, options)?
        .with_cascades(cascades.as_ref(), name)
        .generate(options);
    Ok(Prepared {
        analysis,
        table,
        types,
        generated,
        join: None,
        cascades,
    })
}
