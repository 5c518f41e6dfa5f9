//! `BIT_AND`, `BIT_OR`, `BIT_XOR` from per-bit counts: for each of the 64 bits of an input, the
//! number of non-NULL rows of the group whose value has it set (state columns `b<i>_<k>`, sums
//! over the slots like every state column). A bit is in BIT_OR while its count is positive, in
//! BIT_AND while its count equals the non-NULL count (so a group without a non-NULL value has
//! all 64, 18446744073709551615, as MariaDB answers), in BIT_XOR while its count is odd.
//!
//! MariaDB takes the argument's `val_int()` as an unsigned 64-bit word: a negative integer is its
//! two's complement (`BIT_OR(-1)` is 18446744073709551615), which is what `x >> k & 1` reads too.
//! Only integer arguments are kept: a DECIMAL, floating-point, string or temporal argument is
//! first converted to an integer by rules (rounding, truncation with warnings) a trigger would
//! have to copy exactly.

use super::layout::{AggSource, ExprTypes, Layout};
use super::Gen;
use crate::engine::error::EngineError;
use crate::engine::ident::quote;
use crate::engine::plan::Analysis;

/// Bits of a BIT_* input.
pub const BITS: u32 = 64;

/// State column counting the rows of input `i` with bit `k` set.
pub fn bit_col(i: usize, k: u32) -> String {
    quote(&format!("b{i}_{k}"))
}

impl Layout {
    /// Refuses BIT_AND/BIT_OR/BIT_XOR of anything but an integer, with the call's position.
    pub(super) fn check_bit_types(
        &self,
        analysis: &Analysis,
        types: &ExprTypes,
    ) -> Result<(), EngineError> {
        for (agg, source) in analysis.aggregates.iter().zip(&self.sources) {
            let i = match source {
                AggSource::BitAnd(i) | AggSource::BitOr(i) | AggSource::BitXor(i) => *i,
                _ => continue,
            };
            let Some(t) = types.args.get(i) else {
                continue;
            };
            if !t.is_integer() {
                return Err(EngineError::unsupported_hint(
                    format!(
                        "{}: its argument is of type {}, not an integer",
                        agg.call_sql(),
                        t.column_type
                    ),
                    agg.pos,
                    "MariaDB converts other types to an integer first (rounding or truncating); write the conversion, e.g. BIT_OR(CAST(x AS SIGNED))",
                ));
            }
        }
        Ok(())
    }
}

impl Gen<'_> {
    /// The state's bit-count columns of input `i` (none unless a BIT_* aggregate reads it).
    pub fn bit_columns(&self, i: usize) -> Vec<String> {
        if !self.layout.nums.get(i).is_some_and(|n| n.needs_bits) {
            return Vec::new();
        }
        (0..BITS).map(|k| bit_col(i, k)).collect()
    }

    /// Per bit of input `i`, 0 or 1 for the value `arg` (rendered for one row; 0 for NULL), as
    /// a signed number that can be negated and subtracted.
    pub fn bit_values(&self, i: usize, arg: &str) -> Vec<String> {
        if !self.layout.nums.get(i).is_some_and(|n| n.needs_bits) {
            return Vec::new();
        }
        (0..BITS)
            .map(|k| format!("CAST(COALESCE((({arg}) >> {k}) & 1, 0) AS SIGNED)"))
            .collect()
    }

    /// The value of a BIT_* aggregate over the state rows of one group (alias `s`), if
    /// `source` is one: the OR of the bits whose count says so, a BIGINT UNSIGNED like
    /// MariaDB's. Counts are read through COALESCE: a global summary over no state row still
    /// answers one row, BIT_AND all ones.
    pub(super) fn bit_value(&self, source: AggSource) -> Option<String> {
        // The test on bit k's count, with `{}` standing for the count.
        let (i, test) = match source {
            AggSource::BitOr(i) => (i, "{} > 0".to_string()),
            AggSource::BitXor(i) => (i, "MOD({}, 2) = 1".to_string()),
            AggSource::BitAnd(i) => (
                i,
                format!("{{}} = COALESCE(SUM(`s`.{}), 0)", self.nonnull_col(i)),
            ),
            _ => return None,
        };
        let test = |count: &str| test.replace("{}", count);
        let terms: Vec<String> = (0..BITS)
            .map(|k| {
                let count = format!("COALESCE(SUM(`s`.{}), 0)", bit_col(i, k));
                // `(0 or 1) << k`: unsigned throughout, where IF(c, 2^63, 0) would mix an
                // unsigned and a signed branch into a DECIMAL.
                format!("(({}) << {k})", test(&count))
            })
            .collect();
        Some(format!("CAST({} AS UNSIGNED)", terms.join(" | ")))
    }
}
