//! Primary-key ranges: the predicates that cut a table into regions and chunks, and the integer
//! arithmetic of chunking a dense integer key by value.

use crate::engine::codegen::Gen;
use crate::engine::ident::quote;
use mysql::Value;

/// Primary-key range predicates. For a composite key `(a, b) > (x, y)` is expanded into
/// `a > x OR (a = x AND b > y)`, which the range optimizer uses.
pub(crate) fn after(pk: &[String], strict: bool) -> String {
    expand(pk, ">", if strict { ">" } else { ">=" })
}

/// The inclusive upper bound `pk <= (v...)`, expanded like [`after`].
pub(crate) fn upto(pk: &[String]) -> String {
    expand(pk, "<", "<=")
}

/// `(a, b, c) <op> (x, y, z)` as `a <earlier> x OR (a = x AND b <earlier> y) OR (a = x AND
/// b = y AND c <last> z)`.
fn expand(pk: &[String], earlier: &str, last: &str) -> String {
    let mut ors = Vec::new();
    for i in 0..pk.len() {
        let mut ands: Vec<String> = pk[..i]
            .iter()
            .map(|c| format!("{} = ?", quote(c)))
            .collect();
        let op = if i + 1 == pk.len() { last } else { earlier };
        ands.push(format!("{} {op} ?", quote(&pk[i])));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    ors.join(" OR ")
}

/// Parameters for `after`/`upto` with key values `v`.
pub(crate) fn range_params(v: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..v.len() {
        out.extend(v[..=i].iter().cloned());
    }
    out
}

/// Where the next chunk of a region starts.
pub(crate) enum Cursor {
    /// No rows in the region.
    Empty,
    /// Integer key: the next chunk is `[next, next + size - 1]`, up to the region's `max`.
    ByValue { next: i128, max: i128 },
    /// Any key: the next chunk starts after `lo` and ends at the `size`-th next key.
    ByOffset { lo: Option<Vec<Value>> },
}

/// Whether column `name` of the base table is an integer type (chunkable by value).
pub(crate) fn is_integer_column(gen: &Gen<'_>, name: &str) -> bool {
    gen.table.column(name).is_some_and(|c| {
        let t = c.column_type.to_ascii_lowercase();
        let base = t.split(['(', ' ']).next().unwrap_or("");
        matches!(
            base,
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
        )
    })
}

/// An integer key value as read from the server, in either protocol.
pub(crate) fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(i128::from(*i)),
        Value::UInt(u) => Some(i128::from(*u)),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

/// A key value for a parameter (within the column's range, so it fits i64 or u64).
pub(crate) fn int_value(v: i128) -> Value {
    match i64::try_from(v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::UInt(u64::try_from(v).unwrap_or(u64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_ranges_expand_for_the_range_optimizer() {
        let pk = vec!["a".to_string(), "b".to_string()];
        assert_eq!(after(&pk, true), "(`a` > ?) OR (`a` = ? AND `b` > ?)");
        assert_eq!(upto(&pk), "(`a` < ?) OR (`a` = ? AND `b` <= ?)");
        let v: Vec<Value> = vec![1.into(), 2.into()];
        assert_eq!(range_params(&v), vec![Value::from(1), 1.into(), 2.into()]);
    }
}
