//! Choosing checkpoint regions before the lock, and checking on resume that the live triggers
//! are the ones whose regions the catalog records.

use super::keyrange::{after, range_params};
use super::partials::{encode_key, Partials};
use super::{sql, LifecycleError};
use crate::engine::codegen::regions::literal;
use crate::engine::codegen::{Gen, Regions, TriggerSql};
use crate::engine::ident::quote;
use crate::engine::meta::TableMeta;
use mysql::prelude::Queryable;
use mysql::{Conn, Row, Value};

/// Tables this small are counted exactly; larger ones use the storage engine's estimate (the
/// regions only need to be roughly even).
const EXACT_COUNT_BELOW: u64 = 200_000;

/// Cuts `table`'s primary key into about `count` regions of similar row counts, with plain
/// (non-locking) reads. `Regions::default()` (one region: the whole table) when `count` is 0,
/// the table is empty, or a key column's type has no session-independent literal.
pub fn plan(
    conn: &mut Conn,
    table: &TableMeta,
    base: &str,
    count: u16,
) -> Result<Regions, LifecycleError> {
    let pk = &table.primary_key;
    if count <= 1 || pk.is_empty() {
        return Ok(Regions::default());
    }
    let rows = estimate_rows(conn, table, base)?;
    if rows == 0 {
        return Ok(Regions::default());
    }
    let step = rows.div_ceil(u64::from(count)).max(1);
    let cols: Vec<String> = pk.iter().map(|c| quote(c)).collect();
    let order = cols.join(", ");
    let first = format!("SELECT {order} FROM {base} ORDER BY {order} LIMIT 1 OFFSET ?");
    let next = format!(
        "SELECT {order} FROM {base} WHERE {} ORDER BY {order} LIMIT 1 OFFSET ?",
        after(pk, true)
    );
    let mut bounds: Vec<Vec<Value>> = Vec::new();
    for _ in 1..count {
        let row: Option<Row> = match bounds.last() {
            None => sql(conn.exec_first(&first, (step - 1,)), "choosing regions")?,
            Some(prev) => {
                let mut p = range_params(prev);
                p.push((step - 1).into());
                sql(conn.exec_first(&next, p), "choosing regions")?
            }
        };
        match row {
            Some(r) => bounds.push(r.unwrap()),
            None => break,
        }
    }
    // The last bound is the largest key, read after the others and anchored above them (the
    // table is live: an unanchored read could return a key below the last step bound after a
    // delete, and the bounds must strictly increase). Binary protocol throughout, so values
    // arrive typed the same way (a DATETIME as a date, not text).
    let desc: Vec<String> = cols.iter().map(|c| format!("{c} DESC")).collect();
    let last: Option<Row> = match bounds.last() {
        None => sql(
            conn.exec_first(
                format!(
                    "SELECT {order} FROM {base} ORDER BY {} LIMIT 1",
                    desc.join(", ")
                ),
                (),
            ),
            "choosing regions",
        )?,
        Some(prev) => sql(
            conn.exec_first(
                format!(
                    "SELECT {order} FROM {base} WHERE {} ORDER BY {} LIMIT 1",
                    after(pk, true),
                    desc.join(", ")
                ),
                range_params(prev),
            ),
            "choosing regions",
        )?,
    };
    if let Some(last) = last {
        bounds.push(last.unwrap());
    }
    let mut literals = Vec::new();
    for b in &bounds {
        let mut tuple = Vec::new();
        for (value, column) in b.iter().zip(pk) {
            let Some(meta) = table.column(column) else {
                return Ok(Regions::default());
            };
            match literal(value, meta) {
                Some(l) => tuple.push(l),
                None => return Ok(Regions::default()),
            }
        }
        literals.push(tuple);
    }
    Ok(Regions { bounds: literals })
}

/// The table's row count: exact for small tables, the storage engine's estimate for large
/// ones (an exact `COUNT(*)` in a snapshot of a busy table took longer than the rest of the
/// backfill's reading in the benchmark).
pub fn estimate_rows(
    conn: &mut Conn,
    table: &TableMeta,
    base: &str,
) -> Result<u64, LifecycleError> {
    let estimate: Option<u64> = sql(
        conn.exec_first(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (&table.schema, &table.name),
        ),
        "estimating the table's size",
    )?
    .flatten();
    Ok(match estimate {
        Some(n) if n >= EXACT_COUNT_BELOW => n,
        _ => sql(
            conn.query_first(format!("SELECT COUNT(*) FROM {base}")),
            "counting the table's rows",
        )?
        .unwrap_or(0),
    })
}

/// Whether the base table's triggers are exactly the ones `gen` generates (so their deltas are
/// tagged the way the catalog's regions say).
pub fn triggers_match(conn: &mut Conn, gen: &Gen<'_>) -> Result<bool, LifecycleError> {
    triggers_are(conn, &gen.names.schema, &gen.triggers())
}

/// Whether the live triggers are exactly `triggers` (e.g. a rebuild's combined ones).
pub fn triggers_are(
    conn: &mut Conn,
    schema: &str,
    triggers: &[TriggerSql],
) -> Result<bool, LifecycleError> {
    each_trigger_among(conn, schema, std::slice::from_ref(&triggers.to_vec()))
}

/// Whether each live trigger is the same-named trigger of one of the `candidates` sets (not
/// necessarily all of the same set: a process killed while it swapped the triggers under the
/// lock leaves some of the old ones and some of the new).
pub fn each_trigger_among(
    conn: &mut Conn,
    schema: &str,
    candidates: &[Vec<TriggerSql>],
) -> Result<bool, LifecycleError> {
    let Some(first) = candidates.first() else {
        return Ok(false);
    };
    for t in first {
        let body = super::session::trigger_body(conn, schema, &t.name)?;
        let Some(body) = body else {
            return Ok(false);
        };
        let known = candidates.iter().flatten().any(|c| {
            c.name == t.name && c.sql.split_once("FOR EACH ROW\n").map(|(_, b)| b) == Some(&body)
        });
        if !known {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Groups moved per fold transaction.
const FOLD_BATCH: usize = 200;

/// Moves the region slots' values into the backfill slot and deletes the region rows. Only
/// valid once no trigger writes region slots: the rows are then immutable, so one plain read
/// sees them all. Each transaction moves whole groups (readers' sums stay exact) under READ
/// COMMITTED and deletes rows by exact primary key, so it takes point locks on rows no writer
/// touches and no gap lock a writer's new slot row could wait on; a crash in between leaves
/// some groups folded, which a later fold simply continues.
pub fn fold(conn: &mut Conn, gen: &Gen<'_>) -> Result<(), mysql::Error> {
    if !gen.tags_regions() {
        return Ok(());
    }
    let keys = gen.stored_key_count();
    // Binary protocol: values come back in their column types (a FLOAT read as text would not
    // match its own row in the DELETE below).
    let rows: Vec<Row> = conn.exec(gen.region_rows_sql(), ())?;
    fold_table(
        conn,
        rows,
        keys,
        |n| gen.state_upsert_sql(n),
        |n| gen.delete_region_rows_sql(n),
    )?;
    for j in 0..gen.layout.minmax.len() {
        let rows: Vec<Row> = conn.exec(gen.minmax_region_rows_sql(j), ())?;
        fold_table(
            conn,
            rows,
            keys + gen.value_cols(j).len(),
            |n| gen.minmax_upsert_sql(j, n),
            |n| gen.delete_minmax_region_rows_sql(j, n),
        )?;
    }
    Ok(())
}

fn fold_table(
    conn: &mut Conn,
    rows: Vec<Row>,
    keys: usize,
    upsert: impl Fn(usize) -> String,
    delete: impl Fn(usize) -> String,
) -> Result<(), mysql::Error> {
    // Rows are `keys, slot, values`: group them by key, keeping each row's primary key.
    struct Group {
        pks: Vec<Vec<Value>>,
        rows: Vec<Vec<Value>>,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
    for row in rows {
        let mut key = row.unwrap();
        let values = key.split_off((keys + 1).min(key.len()));
        let slot = key.pop().unwrap_or(Value::NULL);
        let i = *index.entry(encode_key(&key)).or_insert_with(|| {
            groups.push(Group {
                pks: Vec::new(),
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        let mut merged_row = key.clone();
        merged_row.extend(values);
        key.push(slot);
        groups[i].pks.push(key);
        groups[i].rows.push(merged_row);
    }
    for batch in groups.chunks(FOLD_BATCH) {
        let mut merged = Partials::new(keys);
        let mut pks: Vec<Value> = Vec::new();
        let mut count = 0;
        for group in batch {
            for (pk, row) in group.pks.iter().zip(&group.rows) {
                pks.extend(pk.iter().cloned());
                count += 1;
                merged
                    .add(row.clone())
                    .map_err(|e| mysql::Error::from(std::io::Error::other(e.to_string())))?;
            }
        }
        let merged = merged.into_rows();
        let params: Vec<Value> = merged.iter().flatten().cloned().collect();
        let (up, del) = (upsert(merged.len()), delete(count));
        transaction(conn, |c| {
            c.exec_drop(&up, params.clone())?;
            c.exec_drop(&del, pks.clone())?;
            // Every row just added must be the one removed: anything else means another
            // process folded them meanwhile, and committing would count them twice.
            if c.affected_rows() != count as u64 {
                return Err(mysql::Error::from(std::io::Error::other(format!(
                    "folding the region slots: removed {} of the {count} rows just added (another process folded them, or a value did not read back exactly); nothing was committed",
                    c.affected_rows()
                ))));
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Runs `body` in one READ COMMITTED transaction, retried when InnoDB picks it as a deadlock
/// victim.
fn transaction(
    conn: &mut Conn,
    mut body: impl FnMut(&mut Conn) -> Result<(), mysql::Error>,
) -> Result<(), mysql::Error> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let result = conn
            .query_drop("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            .and_then(|()| conn.query_drop("START TRANSACTION"))
            .and_then(|()| body(conn))
            .and_then(|()| conn.query_drop("COMMIT"));
        match result {
            Ok(()) => return Ok(()),
            Err(e) => {
                let _ = conn.query_drop("ROLLBACK");
                if attempt >= 5 || !super::staging::is_transient(&e) {
                    return Err(e);
                }
                std::thread::sleep(std::time::Duration::from_millis(20 * u64::from(attempt)));
            }
        }
    }
}
