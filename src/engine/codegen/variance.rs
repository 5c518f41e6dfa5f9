//! `VAR_POP`, `VAR_SAMP`, `STDDEV_POP`, `STDDEV_SAMP` (and `VARIANCE`, `STD`, `STDDEV`) from
//! exact per-group sums: the non-NULL count `n`, the sum `S` (state column `s<i>`) and the sum of
//! squares `Q` (state column `q<i>`, `DECIMAL(65, 2s)`), all sums over rows like every state
//! column. The view computes `M = n·Q − S²` exactly in DECIMAL (it is `Σ_{i<j} (x_i − x_j)²`, never
//! negative) and divides in DOUBLE: `VAR_POP = M / n²`, `VAR_SAMP = M / (n·(n − 1))`, the standard
//! deviations their square roots.
//!
//! MariaDB (`Item_sum_variance`) runs Welford's recurrence over each value's `val_real()`: its
//! DOUBLE differs from the exact quotient in the last bits, so the two agree within the relative
//! tolerance `validate` uses, not bit for bit. It prints the result with the argument's decimals
//! plus the session's `div_precision_increment` (`fix_length_and_dec_decimal`). The view gets the
//! same decimals from the one operator whose decimals follow the reader's
//! `div_precision_increment` too: a DOUBLE division, whose decimals are the larger of its
//! operands' plus the increment. Its operands are `ROUND(r · 2^205) + 0.<s zeros>` (a DOUBLE
//! with `s` decimals and, for any `r` the view can produce, the value `r · 2^205` itself: the
//! product is an integer-valued DOUBLE once it passes 2^52, and `ROUND` then changes nothing) and
//! the DECIMAL literal 2^205 (no decimals); dividing by a power of two is exact, so the view
//! shows `r` with MariaDB's decimals.

use super::layout::{AggSource, ExprTypes, Layout};
use super::Gen;
use crate::engine::error::EngineError;
use crate::engine::ident::quote;
use crate::engine::meta::SqlType;
use crate::engine::plan::{AggKind, Analysis};

/// State column holding the sum of squares of input `i`.
pub fn square_col(i: usize) -> String {
    quote(&format!("q{i}"))
}

/// The widest argument (in decimal digits) whose `n·Q` and `S²` fit in 65 digits for any group
/// of up to 10^18 rows (the bound the running sums of SUM are sized for): both are below
/// `n² · 10^(2p)`, 36 + 2p digits.
pub const MAX_VARIANCE_DIGITS: u32 = 14;

/// 2^205, exactly, as a DECIMAL literal (62 digits): see the module's comment.
const SCALE: &str = "51422017416287688817342786954917203280710495801049370729644032";

/// The decimal digits an argument of type `t` can have, if the view can keep its variance:
/// integers by their type, DECIMAL by its precision; anything else none.
fn digits(t: &SqlType) -> Option<u32> {
    let unsigned = t.column_type.to_ascii_lowercase().contains("unsigned");
    match t.base().as_str() {
        "tinyint" | "bool" | "boolean" => Some(3),
        "smallint" => Some(5),
        "mediumint" => Some(if unsigned { 8 } else { 7 }),
        "int" | "integer" => Some(10),
        "bigint" => Some(if unsigned { 20 } else { 19 }),
        "decimal" => t.precision(),
        _ => None,
    }
}

impl Layout {
    /// Refuses STDDEV/VARIANCE of anything but an integer or a DECIMAL without decimals of at
    /// most [`MAX_VARIANCE_DIGITS`] digits, with the call's position.
    pub(super) fn check_variance_types(
        &self,
        analysis: &Analysis,
        types: &ExprTypes,
    ) -> Result<(), EngineError> {
        for (agg, source) in analysis.aggregates.iter().zip(&self.sources) {
            let AggSource::Variance(i, _) = source else {
                continue;
            };
            let Some(t) = types.args.get(*i) else {
                continue;
            };
            let refuse = |why: String, hint: &str| {
                Err(EngineError::unsupported_hint(
                    format!("{}: {why}", agg.call_sql()),
                    agg.pos,
                    hint,
                ))
            };
            match digits(t) {
                None => {
                    return refuse(
                        format!("its argument is of type {}, not an integer or DECIMAL", t.column_type),
                        "MariaDB adds the values up in floating point in the order it reads them, which no running sum reproduces; the variance of an integer or DECIMAL is kept exactly",
                    )
                }
                Some(d) if d > MAX_VARIANCE_DIGITS => {
                    return refuse(
                        format!(
                            "its argument is of type {}, with {d} digits",
                            t.column_type
                        ),
                        &format!("the exact sums of squares of values of more than {MAX_VARIANCE_DIGITS} digits could overflow DECIMAL(65) in a large group; cast the argument to a narrower DECIMAL, e.g. CAST(x AS DECIMAL({MAX_VARIANCE_DIGITS},0))"),
                    )
                }
                Some(_) if t.scale() > 0 => {
                    return refuse(
                        format!("its argument is of type {}, with decimals", t.column_type),
                        "MariaDB prints a variance with the argument's decimals + 4 (exactly halfway values are common then: two values one unit apart give ...25 in one more digit), rounding its own DOUBLE, while a view's DOUBLE column is rounded half to even when MariaDB materializes it; scale the values to integers, e.g. VARIANCE(CAST(x * 100 AS DECIMAL(14,0)))",
                    )
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

impl Gen<'_> {
    /// The decimal scale of numeric input `i` (0 for an integer).
    fn input_scale(&self, i: usize) -> u32 {
        self.types.args.get(i).map_or(0, SqlType::scale)
    }

    /// The state's sum-of-squares column of input `i` (none unless a variance reads it), with
    /// its type.
    pub fn square_columns(&self, i: usize) -> Vec<(String, String)> {
        if !self.layout.nums.get(i).is_some_and(|n| n.needs_squares) {
            return Vec::new();
        }
        let s = self.input_scale(i);
        vec![(square_col(i), format!("decimal(65,{})", 2 * s))]
    }

    /// The square of input `i`'s value `arg` (rendered for one row; 0 for NULL), exact in
    /// DECIMAL so that it can be negated and subtracted.
    pub fn square_values(&self, i: usize, arg: &str) -> Vec<String> {
        if !self.layout.nums.get(i).is_some_and(|n| n.needs_squares) {
            return Vec::new();
        }
        let v = format!(
            "CAST(COALESCE({arg}, 0) AS DECIMAL(65,{}))",
            self.input_scale(i)
        );
        vec![format!("({v} * {v})")]
    }

    /// The exact parts of variance `kind` of input `i` over the state rows of one group (alias
    /// `s`): `(M, d)` with the variance `M / d`; `M` is NULL where MariaDB answers NULL (no
    /// value, or one for a sample).
    pub(super) fn variance_parts(&self, i: usize, kind: AggKind) -> (String, String) {
        let n = format!("COALESCE(SUM(`s`.{}), 0)", self.nonnull_col(i));
        let sum = format!("SUM(`s`.`s{i}`)");
        let squares = format!("SUM(`s`.{})", square_col(i));
        let sample = matches!(kind, AggKind::VarSamp | AggKind::StddevSamp);
        let (least, d) = if sample {
            (1, format!("{n} * ({n} - 1)"))
        } else {
            (0, format!("{n} * {n}"))
        };
        (
            format!("IF({n} > {least}, {n} * {squares} - {sum} * {sum}, NULL)"),
            d,
        )
    }

    /// Variance `kind` of input `i` as a DOUBLE with MariaDB's decimals, from the parts `m`
    /// and `d` of [`Gen::variance_parts`].
    pub(super) fn variance_of(&self, i: usize, kind: AggKind, m: &str, d: &str) -> String {
        let quotient = format!("CAST({m} AS DOUBLE) / CAST({d} AS DOUBLE)");
        let r = if matches!(kind, AggKind::StddevPop | AggKind::StddevSamp) {
            format!("SQRT({quotient})")
        } else {
            quotient
        };
        let s = self.input_scale(i) as usize;
        let zero = if s == 0 {
            "0".to_string()
        } else {
            format!("0.{}", "0".repeat(s))
        };
        // The view is materialized (it groups): its column is a DOUBLE as wide as the
        // expression's display length, and a value past it is clipped (measured: a variance of
        // 1.15e18 read as 1e17). A division's length stops at 17 integer digits; COALESCE takes
        // the widest of its arguments', here a never-used DECIMAL(65,0), without decimals.
        format!(
            "COALESCE((ROUND(({r}) * {SCALE}) + {zero}) / {SCALE}, CAST(NULL AS DECIMAL(65,0)))"
        )
    }

    /// The value of a variance over the state rows of one group (alias `s`), if `source` is
    /// one.
    pub(super) fn variance_value(&self, source: AggSource) -> Option<String> {
        let AggSource::Variance(i, kind) = source else {
            return None;
        };
        let (m, d) = self.variance_parts(i, kind);
        Some(self.variance_of(i, kind, &m, &d))
    }
}

/// `sql`, an expression this module generated, as an AST (for the view's outer query, which
/// rewrites the user's expressions as ASTs). `None` would be a bug here; the caller then leaves
/// the placeholder, which the server refuses as an unknown column rather than answering wrong.
pub(super) fn as_expr(sql: &str) -> Option<sqlparser::ast::Expr> {
    let dialect = sqlparser::dialect::MySqlDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_two_to_the_205() {
        // 2^205 = 2^5 · (2^50)^4, computed in u128 pieces: the literal must be exact.
        let digits: Vec<u32> = SCALE.chars().filter_map(|c| c.to_digit(10)).collect();
        let mut n = vec![1u32];
        for _ in 0..205 {
            let mut carry = 0;
            for d in &mut n {
                let v = *d * 2 + carry;
                *d = v % 10;
                carry = v / 10;
            }
            if carry > 0 {
                n.push(carry);
            }
        }
        n.reverse();
        assert_eq!(digits, n);
    }

    #[test]
    fn argument_digits() {
        assert_eq!(digits(&SqlType::plain("int(11)")), Some(10));
        assert_eq!(digits(&SqlType::plain("bigint(20) unsigned")), Some(20));
        assert_eq!(digits(&SqlType::plain("decimal(12,2)")), Some(12));
        assert_eq!(digits(&SqlType::plain("double")), None);
    }
}
