//! The state layout: which inputs the state table and the MIN/MAX multisets keep for an analysis.

use crate::engine::error::EngineError;
use crate::engine::meta::{SqlType, TableMeta};
use crate::engine::plan::{AggKind, Analysis};
use serde::Serialize;
use sqlparser::ast::Expr;

/// A numeric input (argument of COUNT/SUM/AVG): the state keeps its non-NULL count and, for
/// SUM/AVG, its sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumInput {
    /// Normalized argument.
    #[serde(serialize_with = "ser")]
    pub arg: Expr,
    /// Whether a sum column is needed (SUM or AVG use it; COUNT alone does not).
    pub needs_sum: bool,
    /// Whether 64 per-bit counts are needed (BIT_AND, BIT_OR, BIT_XOR use them).
    pub needs_bits: bool,
    /// Whether the sum of squares is needed (STDDEV/VARIANCE use it, with the sum).
    pub needs_squares: bool,
}

/// Where each aggregate of the query reads its value from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AggSource {
    /// `COUNT(*)`: the row count.
    Rows,
    /// `COUNT(x)`: non-NULL count of numeric input i.
    NonNull(usize),
    /// `SUM(x)`: sum of input i (NULL when no non-NULL input).
    Sum(usize),
    /// `AVG(x)`: sum / non-NULL count of input i.
    Avg(usize),
    /// `MIN(x)` over multiset j.
    Min(usize),
    /// `MAX(x)` over multiset j.
    Max(usize),
    /// `COUNT(DISTINCT x[, y...])`: values of multiset j with a positive multiplicity.
    CountDistinct(usize),
    /// `SUM(DISTINCT x)` over multiset j.
    SumDistinct(usize),
    /// `AVG(DISTINCT x)` over multiset j.
    AvgDistinct(usize),
    /// `GROUP_CONCAT(DISTINCT x ...)` over multiset j; the second index is the aggregate's own
    /// (its [`crate::engine::plan::Concat`] says the order and separator).
    GroupConcat(usize, usize),
    /// `BIT_AND(x)` from the bit counts and non-NULL count of input i.
    BitAnd(usize),
    /// `BIT_OR(x)` from the bit counts of input i.
    BitOr(usize),
    /// `BIT_XOR(x)` from the parity of the bit counts of input i.
    BitXor(usize),
    /// `VAR_POP`/`VAR_SAMP`/`STDDEV_POP`/`STDDEV_SAMP(x)` (the kind) from the non-NULL count,
    /// sum and sum of squares of input i.
    Variance(usize, AggKind),
}

/// The inputs an analysis needs maintained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// Numeric inputs (state columns `nn<i>`, `s<i>`).
    pub nums: Vec<NumInput>,
    /// Multiset inputs of MIN/MAX and DISTINCT aggregates (multiset table `mm<j>` each,
    /// shared by every aggregate over the same argument); a `COUNT(DISTINCT a, b)` input is an
    /// `Expr::Tuple`, one value column per item.
    #[serde(serialize_with = "ser_vec")]
    pub minmax: Vec<Expr>,
    /// Source of aggregate `i` (`__a<i>`).
    pub sources: Vec<AggSource>,
}

/// Storage types of the key and input expressions, as the server infers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExprTypes {
    /// Type of each group key.
    pub keys: Vec<SqlType>,
    /// Type of `SUM(input)` for each numeric input that needs a sum (None otherwise).
    pub sums: Vec<Option<SqlType>>,
    /// Type of each value column of the multisets, in order (a tuple input has one per item).
    pub minmax: Vec<SqlType>,
    /// Type of each COUNT/SUM/AVG argument (its nullability decides whether a non-NULL counter
    /// is kept; an UNSIGNED one is cast before negation).
    pub args: Vec<SqlType>,
}

impl Layout {
    /// Derives the layout of `analysis`, sharing inputs between aggregates of the same argument.
    pub fn of(analysis: &Analysis) -> Layout {
        let mut nums: Vec<NumInput> = Vec::new();
        let mut minmax: Vec<Expr> = Vec::new();
        let mut sources = Vec::new();
        for agg in &analysis.aggregates {
            let arg = match (&agg.kind, &agg.arg) {
                (AggKind::CountStar, _) | (_, None) => {
                    sources.push(AggSource::Rows);
                    continue;
                }
                (_, Some(a)) => a,
            };
            let text = arg.to_string();
            match agg.kind {
                AggKind::Min
                | AggKind::Max
                | AggKind::CountDistinct
                | AggKind::SumDistinct
                | AggKind::AvgDistinct
                | AggKind::GroupConcatDistinct => {
                    let j = match minmax.iter().position(|m| m.to_string() == text) {
                        Some(j) => j,
                        None => {
                            minmax.push(arg.clone());
                            minmax.len() - 1
                        }
                    };
                    sources.push(match agg.kind {
                        AggKind::Min => AggSource::Min(j),
                        AggKind::Max => AggSource::Max(j),
                        AggKind::CountDistinct => AggSource::CountDistinct(j),
                        AggKind::SumDistinct => AggSource::SumDistinct(j),
                        AggKind::GroupConcatDistinct => AggSource::GroupConcat(j, sources.len()),
                        _ => AggSource::AvgDistinct(j),
                    });
                }
                _ => {
                    let needs_squares = agg.kind.is_variance();
                    let needs_sum =
                        matches!(agg.kind, AggKind::Sum | AggKind::Avg) || needs_squares;
                    let needs_bits =
                        matches!(agg.kind, AggKind::BitAnd | AggKind::BitOr | AggKind::BitXor);
                    let i = match nums.iter().position(|n| n.arg.to_string() == text) {
                        Some(i) => {
                            nums[i].needs_sum |= needs_sum;
                            nums[i].needs_bits |= needs_bits;
                            nums[i].needs_squares |= needs_squares;
                            i
                        }
                        None => {
                            nums.push(NumInput {
                                arg: arg.clone(),
                                needs_sum,
                                needs_bits,
                                needs_squares,
                            });
                            nums.len() - 1
                        }
                    };
                    sources.push(match agg.kind {
                        AggKind::Count => AggSource::NonNull(i),
                        AggKind::Sum => AggSource::Sum(i),
                        AggKind::BitAnd => AggSource::BitAnd(i),
                        AggKind::BitOr => AggSource::BitOr(i),
                        AggKind::BitXor => AggSource::BitXor(i),
                        AggKind::Avg => AggSource::Avg(i),
                        kind => AggSource::Variance(i, kind),
                    });
                }
            }
        }
        Layout {
            nums,
            minmax,
            sources,
        }
    }

    /// Refuses group keys that no stored key can group as MariaDB does: types a primary key
    /// cannot hold and no hash stands for, long keys under collations that do not compare
    /// bytes, and long keys beside a DISTINCT aggregate.
    fn check_key_types(&self, analysis: &Analysis, types: &ExprTypes) -> Result<(), EngineError> {
        for (k, t) in analysis.keys.iter().zip(&types.keys) {
            if t.is_blob_like() && !t.hashed_key() {
                return Err(EngineError::Unsupported {
                    construct: format!(
                        "GROUP BY {}: its type {} cannot be part of a key",
                        k.expr, t.column_type
                    ),
                    pos: k.pos,
                    hint: None,
                });
            }
            // With a DISTINCT aggregate MariaDB groups by sorting and tells groups apart by
            // their first `max_sort_length` bytes only (the reader's session variable, 1024 by
            // default; measured on 10.11.19: 4000-byte keys differing in their last byte are
            // one group with COUNT(DISTINCT), two without), which no stored group can follow.
            let distinct = self.sources.iter().any(|s| {
                matches!(
                    s,
                    AggSource::CountDistinct(_)
                        | AggSource::SumDistinct(_)
                        | AggSource::AvgDistinct(_)
                        | AggSource::GroupConcat(..)
                )
            });
            if distinct && t.max_bytes().is_some_and(|b| b > 1024) {
                return Err(EngineError::Unsupported {
                construct: format!(
                    "GROUP BY {} (type {}) with a DISTINCT aggregate: MariaDB then groups by sorting and compares only the first max_sort_length bytes of a key (the reader's session variable, 1024 by default), so keys longer than that which differ later are one group or two depending on who reads",
                    k.expr, t.column_type
                ),
                pos: k.pos,
                hint: Some("GROUP BY LEFT(..., n) or CAST(... AS CHAR(n)) with at most 1024 bytes (256 utf8mb4 characters)".into()),
            });
            }
            // A hashed key's groups are its hashes: only where the collation compares the
            // bytes is "same hash" the same as "equal" (state.rs, `key_hash`).
            if t.hashed_key() && !t.compares_by_bytes() {
                let coll = t.collation.as_deref().unwrap_or("");
                let charset = coll.split('_').next().unwrap_or("utf8mb4");
                return Err(EngineError::Unsupported {
                construct: format!(
                    "GROUP BY {}: a {} key under the collation {coll}, which does not compare by bytes (a key this long is stored under a hash of its bytes, which would split values the collation calls equal)",
                    k.expr, t.column_type
                ),
                pos: k.pos,
                hint: Some(format!(
                    "GROUP BY {} COLLATE {charset}_bin, or a CAST(... AS CHAR(n)) short enough for an index",
                    k.expr
                )),
            });
            }
        }
        Ok(())
    }

    /// Checks that `types` matches this layout and that every type can be stored.
    pub fn check_types(
        &self,
        analysis: &Analysis,
        table: &TableMeta,
        types: &ExprTypes,
    ) -> Result<(), EngineError> {
        let mismatch = |what: &str| EngineError::Type {
            what: what.to_string(),
            reason: "type information does not match the query".into(),
        };
        if types.keys.len() != analysis.keys.len() {
            return Err(mismatch("group keys"));
        }
        if types.minmax.len() != self.value_column_count() {
            return Err(mismatch("MIN/MAX inputs"));
        }
        if types.sums.len() != self.nums.len() || types.args.len() != self.nums.len() {
            return Err(mismatch("SUM/AVG inputs"));
        }
        self.check_key_types(analysis, types)?;
        self.check_variance_types(analysis, types)?;
        for ((n, t), _) in self
            .nums
            .iter()
            .zip(&types.args)
            .zip(&types.sums)
            .filter(|((n, _), _)| n.needs_sum)
        {
            // MariaDB sums temporal values as the numbers they print as (20210101); a running
            // sum of them could not be kept the same way.
            if matches!(
                t.base().as_str(),
                "date" | "datetime" | "time" | "timestamp" | "newdate"
            ) {
                return Err(EngineError::Type {
                    what: format!("SUM/AVG({})", n.arg),
                    reason: format!(
                        "its type {} is a date or time, which MariaDB adds up as digits; SUM/AVG a number such as TO_DAYS(...) or TIME_TO_SEC(...) instead",
                        t.column_type
                    ),
                });
            }
            // The running sum lives in DECIMAL(65, s): with 18 digits of room above the input's
            // (10^18 rows of the largest value) it cannot overflow where MariaDB's own SUM, which
            // computes with more digits, would not; the view's AVG quotient fits as well.
            let digits = t.precision().unwrap_or(0);
            if t.base() == "decimal" && t.scale() <= 30 && digits > MAX_SUMMED_DECIMAL_DIGITS {
                return Err(EngineError::Type {
                    what: format!("SUM/AVG({})", n.arg),
                    reason: format!(
                        "its type {} leaves a running sum less than 18 digits of room in DECIMAL(65,{}), so a sum MariaDB computes could not be stored; sum a DECIMAL of at most {MAX_SUMMED_DECIMAL_DIGITS} digits",
                        t.column_type,
                        t.scale()
                    ),
                });
            }
            // `ROUND(f, 1)` is a DOUBLE with 1 decimal: MariaDB prints its SUM/AVG (and what is
            // computed from them) with that many digits, a running DOUBLE sum with all of them.
            let floating = matches!(t.base().as_str(), "double" | "float" | "real");
            if floating && t.column_type.contains('(') {
                return Err(EngineError::Type {
                    what: format!("SUM/AVG({})", n.arg),
                    reason: format!(
                        "its type {} is floating point with fixed decimals, which MariaDB prints rounded; round the aggregate instead, e.g. ROUND(SUM(f), 1)",
                        t.column_type
                    ),
                });
            }
        }
        self.check_distinct_types(analysis, types)?;
        self.check_bit_types(analysis, types)?;
        for (j, m) in self.minmax.iter().enumerate() {
            if matches!(m, Expr::Tuple(_)) {
                // Only COUNT(DISTINCT a, b) has a tuple; check_distinct_types checked it.
                continue;
            }
            let t = &types.minmax[self.value_offset(j)];
            let column = match m {
                Expr::Identifier(i) => Some(i.value.as_str()),
                _ => None,
            };
            let typelib = matches!(t.base().as_str(), "enum" | "set");
            if let Some(c) = column.filter(|c| typelib && table.is_indexed(c)) {
                // MariaDB's own answer is unstable there: MIN/MAX compare ENUM/SET values as
                // strings, but read from an index (`Select tables optimized away`, loose index
                // scan) they come in member order. No summary can match both.
                return Err(EngineError::Type {
                    what: format!("MIN/MAX({m})"),
                    reason: format!(
                        "{c} is an ENUM/SET column in an index, where MariaDB answers MIN/MAX in member order when it reads the index and in string order otherwise; use MIN/MAX(CONCAT({c})) for the string order"
                    ),
                });
            }
            if t.is_blob_like() {
                return Err(EngineError::Type {
                    what: format!("MIN/MAX({m})"),
                    reason: format!("values of type {} cannot be indexed", t.column_type),
                });
            }
        }
        Ok(())
    }
}

/// The widest DECIMAL a SUM/AVG may read: 65 digits of state less 18 of headroom.
const MAX_SUMMED_DECIMAL_DIGITS: u32 = 47;

fn ser<S: serde::Serializer>(e: &Expr, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.to_string())
}

fn ser_vec<S: serde::Serializer>(v: &[Expr], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for e in v {
        seq.serialize_element(&e.to_string())?;
    }
    seq.end()
}
