//! A region's partial aggregates on their way to the state table: merged per group in memory,
//! then written in batched upserts inside the checkpoint's transaction.

use super::partials::Partials;
use crate::engine::codegen::Gen;
use mysql::prelude::Queryable;
use mysql::{Conn, Value};

/// Rows per upsert statement (keeps placeholders far below the protocol's 65535).
const UPSERT_BATCH: usize = 500;

/// A region's partial aggregates, merged per group before they are written.
pub(crate) struct Staged {
    /// Per-group partial sums and counts.
    pub(crate) state: Partials,
    /// Per-(group, value) multiplicities of each MIN/MAX input.
    pub(crate) minmax: Vec<Partials>,
}

/// A region's merged rows, ready to write (possibly more than once, after a deadlock).
pub(crate) struct Merged {
    /// State rows: keys then values, as the state upsert takes them.
    pub(crate) state: Vec<Vec<Value>>,
    /// Multiset rows of each MIN/MAX input.
    pub(crate) minmax: Vec<Vec<Vec<Value>>>,
}

/// Tries of a region's write before giving up (the backfill stays resumable). A checkpoint
/// writes many rows (state, multisets, DISTINCT totals) that writers' triggers lock too: with
/// LEFT JOIN summaries under four writers (`tests/left_joins.rs`), five tries 20-80 ms apart
/// were all deadlock victims in 2 of 3 runs, failing the `create`. A rolled-back try changed
/// nothing, so trying longer is safe.
pub(crate) const WRITE_ATTEMPTS: u32 = 12;

/// Deadlock or lock wait timeout: the transaction was rolled back and can be retried.
pub(crate) fn is_transient(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(me) if me.code == 1213 || me.code == 1205)
}

impl Staged {
    /// Empty partials shaped for `gen`'s state and multisets.
    pub(crate) fn new(gen: &Gen<'_>) -> Staged {
        let keys = gen.stored_key_count();
        Staged {
            state: Partials::new(keys),
            minmax: (0..gen.layout.minmax.len())
                .map(|j| Partials::new(keys + gen.value_cols(j).len()))
                .collect(),
        }
    }

    /// The merged rows, ready to write.
    pub(crate) fn into_rows(self) -> Merged {
        Merged {
            state: self.state.into_rows(),
            minmax: self.minmax.into_iter().map(Partials::into_rows).collect(),
        }
    }
}

impl Merged {
    /// Adds the rows into the backfill slot (inside the caller's transaction).
    pub(crate) fn write(&self, gen: &Gen<'_>, writer: &mut Conn) -> Result<(), mysql::Error> {
        for batch in self.state.chunks(UPSERT_BATCH) {
            let params: Vec<Value> = batch.iter().flatten().cloned().collect();
            writer.exec_drop(gen.state_upsert_sql(batch.len()), params)?;
        }
        for (j, rows) in self.minmax.iter().enumerate() {
            for batch in rows.chunks(UPSERT_BATCH) {
                let params: Vec<Value> = batch.iter().flatten().cloned().collect();
                writer.exec_drop(gen.minmax_upsert_sql(j, batch.len()), params)?;
                if gen.layout.keeps_totals(j) {
                    write_totals(gen, writer, j, batch)?;
                }
            }
        }
        Ok(())
    }
}

/// Adds one batch of multiset `j`'s rows (keys, values, multiplicity) to its totals and counts
/// the values that appeared or disappeared into the backfill slot's distinct count
/// ([`Gen::totals_settle_sql`]), all inside the caller's transaction.
fn write_totals(
    gen: &Gen<'_>,
    writer: &mut Conn,
    j: usize,
    batch: &[Vec<Value>],
) -> Result<(), mysql::Error> {
    // The multiplicity a second time: the share this write marks in `bf`.
    let upsert: Vec<Value> = batch
        .iter()
        .flat_map(|row| row.iter().chain(row.last()).cloned())
        .collect();
    writer.exec_drop(gen.totals_upsert_sql(j, batch.len()), upsert)?;
    let at: Vec<Value> = batch
        .iter()
        .flat_map(|row| row[..row.len().saturating_sub(1)].iter().cloned())
        .collect();
    for statement in gen.totals_settle_sql(j, batch.len()) {
        writer.exec_drop(statement, at.clone())?;
    }
    Ok(())
}
