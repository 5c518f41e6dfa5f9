//! Cutting one region of the snapshot into primary-key chunks: by value for a dense integer key,
//! by the chunk-th next key (LIMIT/OFFSET boundaries) for any other key.

use super::super::keyrange::{after, as_i128, int_value, range_params, upto, Cursor};
use super::super::{sql, LifecycleError};
use crate::engine::codegen::Gen;
use crate::engine::ident::quote;
use mysql::prelude::Queryable;
use mysql::{Conn, Row, Value};

/// How the backfill walks the primary key.
pub(super) enum KeyWalk {
    /// A single integer key whose values are dense: chunks are value ranges of this (quoted)
    /// column; `density` is rows per key value, for progress.
    ByValue { column: String, density: f64 },
    /// Any other key (composite, non-integer, or sparse like snowflake ids, which by value would
    /// give nearly empty chunks).
    ByOffset,
}

impl KeyWalk {
    /// Chooses the walk for `gen`'s table from the key's range in the snapshot.
    pub(super) fn choose(
        gen: &Gen<'_>,
        snapshot: &mut Conn,
        total: u64,
    ) -> Result<KeyWalk, LifecycleError> {
        let [only] = gen.table.primary_key.as_slice() else {
            return Ok(KeyWalk::ByOffset);
        };
        if !super::super::keyrange::is_integer_column(gen, only) {
            return Ok(KeyWalk::ByOffset);
        }
        let column = quote(only);
        let query = format!("SELECT MIN({column}), MAX({column}) FROM {}", gen.base);
        let Some((lo, hi)) = int_range(snapshot, &query, "reading the key range")? else {
            return Ok(KeyWalk::ByOffset);
        };
        let span = (hi - lo + 1) as f64;
        if span > 4.0 * (total.max(1) as f64) {
            return Ok(KeyWalk::ByOffset);
        }
        let density = (total as f64 / span).min(1.0);
        Ok(KeyWalk::ByValue { column, density })
    }
}

/// Reads `SELECT MIN(..), MAX(..)` as an integer pair; `None` when the range is empty.
fn int_range(
    snapshot: &mut Conn,
    query: &str,
    what: &str,
) -> Result<Option<(i128, i128)>, LifecycleError> {
    let ends: Option<Row> = sql(snapshot.exec_first(query, ()), what)?;
    let ends = ends.map(Row::unwrap).unwrap_or_default();
    Ok(ends
        .first()
        .and_then(as_i128)
        .zip(ends.get(1).and_then(as_i128)))
}

/// One region of the backfill: its predicate and the boundary queries of its chunks.
pub(super) struct Region<'r, 'g> {
    gen: &'r Gen<'g>,
    predicate: Option<String>,
    boundary_first: String,
    boundary_next: String,
}

/// One chunk of a region: its key-range predicates and their parameters.
pub(super) struct Chunk {
    preds: Vec<String>,
    /// Parameters of the predicates, in order.
    pub(super) params: Vec<Value>,
    /// Rows in the chunk when known without counting.
    pub(super) known_rows: Option<u64>,
    /// Whether the chunk ends the region.
    pub(super) last: bool,
}

impl<'r, 'g> Region<'r, 'g> {
    /// Region `i` of `gen`'s table.
    pub(super) fn new(gen: &'r Gen<'g>, i: usize) -> Region<'r, 'g> {
        let pk = &gen.table.primary_key;
        let pk_cols = pk.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let mut region = Region {
            gen,
            predicate: gen.region_predicate(i),
            boundary_first: String::new(),
            boundary_next: String::new(),
        };
        region.boundary_first = format!(
            "SELECT {pk_cols} FROM {}{} ORDER BY {pk_cols} LIMIT 1 OFFSET ?",
            gen.base,
            where_clause(region.within(None).as_deref()),
        );
        region.boundary_next = format!(
            "SELECT {pk_cols} FROM {} WHERE {} ORDER BY {pk_cols} LIMIT 1 OFFSET ?",
            gen.base,
            region
                .within(Some(format!("({})", after(pk, true))))
                .unwrap_or_default(),
        );
        region
    }

    /// The region's predicate and `extra`, joined; `None` when both are absent.
    pub(super) fn within(&self, extra: Option<String>) -> Option<String> {
        let mut conds: Vec<String> = self.predicate.iter().map(|p| format!("({p})")).collect();
        conds.extend(extra);
        (!conds.is_empty()).then(|| conds.join(" AND "))
    }

    /// The predicate selecting `chunk`'s rows.
    pub(super) fn range(&self, chunk: &Chunk) -> Option<String> {
        self.within((!chunk.preds.is_empty()).then(|| chunk.preds.join(" AND ")))
    }

    /// Where the region's first chunk starts.
    pub(super) fn cursor(
        &self,
        walk: &KeyWalk,
        snapshot: &mut Conn,
    ) -> Result<Cursor, LifecycleError> {
        let KeyWalk::ByValue { column, .. } = walk else {
            return Ok(Cursor::ByOffset { lo: None });
        };
        // An integer key is cut by value: no boundary query re-reading each chunk.
        let query = format!(
            "SELECT MIN({column}), MAX({column}) FROM {}{}",
            self.gen.base,
            where_clause(self.within(None).as_deref())
        );
        Ok(
            match int_range(snapshot, &query, "finding the region's key range")? {
                Some((next, max)) => Cursor::ByValue { next, max },
                None => Cursor::Empty,
            },
        )
    }

    /// The next chunk of `size` keys at `cursor`, advancing it; `None` when the region is done.
    pub(super) fn next_chunk(
        &self,
        walk: &KeyWalk,
        snapshot: &mut Conn,
        cursor: &mut Cursor,
        size: u64,
    ) -> Result<Option<Chunk>, LifecycleError> {
        match (cursor, walk) {
            (Cursor::Empty, _) => Ok(None),
            (Cursor::ByValue { next, max }, KeyWalk::ByValue { column, density }) => {
                let walk = ValueWalk {
                    column,
                    density: *density,
                };
                self.next_by_value(&walk, snapshot, next, *max, size)
            }
            (Cursor::ByValue { .. }, KeyWalk::ByOffset) => Ok(None),
            (Cursor::ByOffset { lo }, _) => self.next_by_offset(snapshot, lo, size).map(Some),
        }
    }

    fn next_by_value(
        &self,
        walk: &ValueWalk<'_>,
        snapshot: &mut Conn,
        next: &mut i128,
        max: i128,
        size: u64,
    ) -> Result<Option<Chunk>, LifecycleError> {
        let col = walk.column;
        // Start at the next existing key: a gap in the keys costs one index probe, not one
        // empty chunk per chunk-size of missing values.
        let found: Option<Row> = sql(
            snapshot.exec_first(
                format!("SELECT MIN({col}) FROM {} WHERE {col} >= ?", self.gen.base),
                (int_value(*next),),
            ),
            "finding the next key",
        )?;
        let from = found
            .map(Row::unwrap)
            .and_then(|v| v.first().and_then(as_i128));
        let Some(from) = from.filter(|f| *f <= max) else {
            return Ok(None);
        };
        let to = from.saturating_add(i128::from(size) - 1).min(max);
        *next = to + 1;
        // With a WHERE the chunk's rows are not counted by its groups: estimate them from the
        // key density rather than scan the range again.
        let known_rows = self
            .gen
            .analysis
            .filter
            .is_some()
            .then(|| ((to - from + 1) as f64 * walk.density).round() as u64);
        Ok(Some(Chunk {
            preds: vec![format!("{col} >= ? AND {col} <= ?")],
            params: vec![int_value(from), int_value(to)],
            known_rows,
            last: to >= max,
        }))
    }

    fn next_by_offset(
        &self,
        snapshot: &mut Conn,
        lo: &mut Option<Vec<Value>>,
        size: u64,
    ) -> Result<Chunk, LifecycleError> {
        let pk = &self.gen.table.primary_key;
        // Upper boundary: the size-th next key, or none for the region's tail.
        let hi: Option<Row> = match lo.as_ref() {
            None => sql(
                snapshot.exec_first(&self.boundary_first, (size - 1,)),
                "finding the chunk boundary",
            )?,
            Some(v) => {
                let mut p = range_params(v);
                p.push((size - 1).into());
                sql(
                    snapshot.exec_first(&self.boundary_next, p),
                    "finding the chunk boundary",
                )?
            }
        };
        let hi: Option<Vec<Value>> = hi.map(Row::unwrap);
        let mut chunk = Chunk {
            preds: Vec::new(),
            params: Vec::new(),
            known_rows: hi.is_some().then_some(size),
            last: hi.is_none(),
        };
        if let Some(v) = lo.as_ref() {
            chunk.preds.push(format!("({})", after(pk, true)));
            chunk.params.extend(range_params(v));
        }
        if let Some(v) = hi {
            chunk.preds.push(format!("({})", upto(pk)));
            chunk.params.extend(range_params(&v));
            *lo = Some(v);
        }
        Ok(chunk)
    }
}

/// The by-value walk's column and density, borrowed for one chunk.
struct ValueWalk<'a> {
    column: &'a str,
    density: f64,
}

/// ` WHERE <cond>`, or nothing.
pub(super) fn where_clause(cond: Option<&str>) -> String {
    cond.map_or(String::new(), |w| format!(" WHERE {w}"))
}
