//! A checkpoint: the merged aggregates of the regions read since the last one and the new
//! checkpoint, committed in one transaction.

use super::super::staging::{is_transient, Merged, WRITE_ATTEMPTS};
use super::super::{sql, LifecycleError};
use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::codegen::Gen;
use crate::engine::ident::quote_qualified;
use mysql::prelude::Queryable;
use mysql::Conn;
use std::time::Duration;

/// What one checkpoint records.
pub(super) struct Advance<'a> {
    /// The summary.
    pub(super) name: &'a str,
    /// The checkpoint this run continued from (the catalog must still hold it).
    pub(super) from: u32,
    /// Regions done once this commits.
    pub(super) reached: u32,
    /// Rows read once this commits.
    pub(super) rows_done: u64,
}

/// Writes `merged` and advances the catalog's checkpoint in one transaction. Our rows are the
/// backfill slot's, which no writer locks; inserting a new one can still meet a writer's gap
/// lock, so a deadlock victim retries. The checkpoint only advances from the value this run
/// continued from: a second process resuming the same summary fails here instead of adding a
/// region twice.
pub(super) fn commit(
    gen: &Gen<'_>,
    writer: &mut Conn,
    merged: &Merged,
    advance: &Advance<'_>,
) -> Result<(), LifecycleError> {
    let update = format!(
        "UPDATE {} SET `checkpoint` = ?, `checkpoint_rows` = ?, `rows_done` = ?, `updated_at` = CURRENT_TIMESTAMP(6) WHERE `name` = ? AND `checkpoint` = ?",
        quote_qualified(&gen.names.schema, CATALOG_TABLE)
    );
    let params = (
        advance.reached,
        advance.rows_done,
        advance.rows_done,
        advance.name,
        advance.from,
    );
    let mut attempt = 0;
    loop {
        attempt += 1;
        sql(
            writer.query_drop("START TRANSACTION"),
            "starting a checkpoint",
        )?;
        let write = merged.write(gen, writer).and_then(|()| {
            writer.exec_drop(&update, params)?;
            Ok(writer.affected_rows())
        });
        match write {
            Ok(1) => return sql(writer.query_drop("COMMIT"), "committing a checkpoint"),
            Ok(_) => {
                let _ = writer.query_drop("ROLLBACK");
                return Err(LifecycleError::State(format!(
                    "another process continued the backfill of {} meanwhile; nothing was added twice",
                    advance.name
                )));
            }
            Err(e) => {
                let _ = writer.query_drop("ROLLBACK");
                if attempt < WRITE_ATTEMPTS && is_transient(&e) {
                    std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                    continue;
                }
                return sql(Err(e), "adding a checkpoint into the summary");
            }
        }
    }
}
