//! State tables: one row per (group, slot) with counts and sums, and one multiset table per
//! MIN/MAX input holding (group, value, slot, multiplicity).

use super::Gen;
use crate::engine::ident::{quote, quote_qualified, string_literal};
use crate::engine::meta::SqlType;

/// The literal a NULL group key is stored as (next to its NULL flag, since InnoDB primary keys
/// cannot hold NULL). Any valid value of the type works: the flag keeps the groups apart.
pub fn zero_literal(t: &SqlType) -> String {
    match t.base().as_str() {
        "char" | "varchar" | "binary" | "varbinary" | "set" => "''".into(),
        _ if t.hashed_key() => "''".into(),
        "date" => "'1000-01-01'".into(),
        "datetime" => "'1000-01-01 00:00:00'".into(),
        "timestamp" => "'1970-01-01 00:00:01'".into(),
        "time" => "'00:00:00'".into(),
        "uuid" => "'00000000-0000-0000-0000-000000000000'".into(),
        "inet6" => "'::'".into(),
        "inet4" => "'0.0.0.0'".into(),
        "enum" => t
            .members()
            .first()
            .map(|v| string_literal(v))
            .unwrap_or_else(|| "''".into()),
        _ => "0".into(),
    }
}

/// Whether MariaDB materializes an expression of type `t` (anything but a column or a MIN/MAX
/// of one) through its decimal text: measured on 10.11, a view or derived table stores
/// `IF(c, NULL, bit_col)` or a scalar subquery returning a BIT as the digits' bytes (b'0' as
/// '0' = 0x30, clamped to b'1' in BIT(1)) and a YEAR 0000 as '0', i.e. 2000; and a value read
/// by the client as DECIMAL text ('0') and written back is a two-digit year too. Keys and
/// MIN/MAX values of these types are therefore only ever moved as columns, aggregates of
/// columns, or integers (`+ 0`).
pub fn materializes_by_text(t: &SqlType) -> bool {
    matches!(t.base().as_str(), "bit" | "year")
}

/// Column name of the NULL-aware copy of key `i` (a virtual column `IF(k<i>_null, NULL, k<i>)`
/// of the key's type), for keys of types that [`materializes_by_text`].
pub fn key_value_col(i: usize) -> String {
    format!("k{i}_v")
}

/// The column definition of a MIN/MAX multiset's value. MariaDB's MIN/MAX compare ENUM and
/// SET values as strings under their collation (not by member number, as ORDER BY does), so
/// those are kept as VARCHAR wide enough for any value; every other type as itself.
pub fn multiset_value_ddl(t: &SqlType) -> String {
    let members = t.members();
    let chars = match t.base().as_str() {
        "enum" => members.iter().map(|m| m.chars().count()).max(),
        "set" => Some(
            members.iter().map(|m| m.chars().count()).sum::<usize>()
                + members.len().saturating_sub(1),
        ),
        _ => None,
    };
    match (chars, &t.collation) {
        (Some(n), Some(c)) => format!("varchar({}) COLLATE {c}", n.max(1)),
        (Some(n), None) => format!("varchar({})", n.max(1)),
        (None, _) => t.ddl(),
    }
}

/// The storage type of a running sum: exact sums stay DECIMAL with the widest precision (so a
/// trigger can never overflow where the query would not), inexact ones DOUBLE.
pub fn sum_storage(t: &SqlType) -> String {
    if t.base() == "decimal" || t.is_exact_numeric() {
        format!("decimal(65,{})", t.scale().min(30))
    } else {
        "double".into()
    }
}

/// A DOUBLE running sum keeps its values divided by 2^32 (exactly: a power of two), so that
/// 2^32 rows of the largest DOUBLE still fit; dividing loses bits only of values below about
/// 2^-990 (1e-298), whose quotient is subnormal.
pub const DOUBLE_SUM_SCALE: &str = "4294967296e0";

/// The largest scaled DOUBLE sum that scales back into range: the largest DOUBLE / 2^32 (exact).
pub fn double_sum_limit() -> String {
    format!("{:e}", f64::MAX / 4294967296.0)
}

/// Column name of group key `i` in state and multiset tables.
pub fn key_col(i: usize) -> String {
    format!("k{i}")
}

/// The COMMENT of summary `summary`'s state tables: what a cleanup takes as proof that a table
/// named like a state table is ours (see `lifecycle::ownership`).
pub fn state_comment(summary: &str) -> String {
    format!("LightningTables state of summary {summary}")
}

/// The COMMENT of summary `summary`'s MIN/MAX multiset tables (the same proof as
/// [`state_comment`]).
pub fn multiset_comment(summary: &str) -> String {
    format!("LightningTables MIN/MAX multiset of summary {summary}")
}

/// The COMMENT of summary `summary`'s tables of distinct-value totals (the same proof as
/// [`state_comment`]).
pub fn totals_comment(summary: &str) -> String {
    format!("LightningTables distinct totals of summary {summary}")
}

/// Column name of the error-value flag of ENUM group key `i`: MariaDB groups the error value
/// '' (index 0, what a non-strict write of an invalid value stores) apart from a member ''
/// (measured on 10.11: two groups, both printed ''), while both are stored as the member ''.
pub fn key_zero_col(i: usize) -> String {
    format!("k{i}_e0")
}

/// Column of [`Gen::groups_sql`] and [`Gen::truth_groups_sql`] holding ENUM key `i`'s
/// error-value flag: `validate` matches groups by it as well as by the key.
pub fn zero_flag_placeholder(i: usize) -> String {
    format!("__k{i}_e0")
}

/// Column name of the hash of group key `i` when its type is [`SqlType::hashed_key`] (TEXT,
/// BLOB, JSON, long VARCHAR): `BINARY(32)`, the SHA-256 of the value's bytes, trailing spaces
/// removed under a PAD SPACE collation. It stands in the primary key for the value, which is
/// kept next to it in `k<i>` (the first spelling that arrived).
pub fn key_hash_col(i: usize) -> String {
    format!("k{i}_h")
}

/// The hash stored in [`key_hash_col`] for a key value `e` of type `t` (never NULL: `e` is
/// already coalesced for a nullable key). Only keys whose type [`SqlType::compares_by_bytes`]
/// are stored so, so two values get one hash exactly when MariaDB calls them equal (up to a
/// SHA-256 collision, which `validate` would report as differing groups).
pub fn key_hash(e: &str, t: &SqlType) -> String {
    if t.pads_spaces() {
        format!("UNHEX(SHA2(RTRIM({e}), 256))")
    } else {
        format!("UNHEX(SHA2({e}, 256))")
    }
}

/// Column name of the NULL flag of group key `i`.
pub fn key_null_col(i: usize) -> String {
    format!("k{i}_null")
}

impl Gen<'_> {
    /// Whether key `i` needs a NULL flag column.
    pub fn key_nullable(&self, i: usize) -> bool {
        self.types.keys[i].nullable
    }

    /// Whether key `i` is stored under its hash ([`key_hash_col`]).
    pub fn key_hashed(&self, i: usize) -> bool {
        self.types.keys[i].hashed_key()
    }

    /// Key column definitions (and their names, in primary-key order: a hashed key's hash
    /// stands in for its value).
    pub(super) fn key_columns(&self) -> (Vec<String>, Vec<String>) {
        let mut defs = Vec::new();
        let mut names = Vec::new();
        for (i, t) in self.types.keys.iter().enumerate() {
            defs.push(format!("{} {} NOT NULL", quote(&key_col(i)), t.ddl()));
            if self.key_hashed(i) {
                defs.push(format!("{} BINARY(32) NOT NULL", quote(&key_hash_col(i))));
                names.push(quote(&key_hash_col(i)));
            } else {
                names.push(quote(&key_col(i)));
            }
            if t.nullable {
                defs.push(format!("{} TINYINT NOT NULL", quote(&key_null_col(i))));
                names.push(quote(&key_null_col(i)));
            }
            if self.key_has_zero_flag(i) {
                defs.push(format!("{} TINYINT NOT NULL", quote(&key_zero_col(i))));
                names.push(quote(&key_zero_col(i)));
            }
        }
        (defs, names)
    }

    /// Whether key `i` is an ENUM, whose error value (index 0) is a group of its own.
    pub fn key_has_zero_flag(&self, i: usize) -> bool {
        self.types.keys[i].base() == "enum"
    }

    /// The error-value flag of ENUM key `i` for its value `e` (0 for NULL).
    pub fn key_zero_flag(e: &str) -> String {
        format!("COALESCE(({e}) + 0 = 0, 0)")
    }

    /// Whether key `i` is read through its virtual column [`key_value_col`].
    pub fn key_has_value_col(&self, i: usize) -> bool {
        let t = &self.types.keys[i];
        t.nullable && materializes_by_text(t)
    }

    /// Virtual columns of the state table: the NULL-aware copy of each key whose type
    /// [`materializes_by_text`] (the view reads it with MIN(), which keeps the type).
    fn key_value_columns(&self) -> Vec<String> {
        (0..self.types.keys.len())
            .filter(|i| self.key_has_value_col(*i))
            .map(|i| {
                format!(
                    "{} {} AS (IF({}, NULL, {})) VIRTUAL",
                    quote(&key_value_col(i)),
                    self.types.keys[i].ddl(),
                    quote(&key_null_col(i)),
                    quote(&key_col(i))
                )
            })
            .collect()
    }

    /// `CREATE TABLE` for the state table and every multiset table.
    pub fn state_ddl(&self) -> Vec<String> {
        let (key_defs, key_names) = self.key_columns();
        let mut cols = key_defs.clone();
        cols.extend(self.key_value_columns());
        cols.push("`slot` SMALLINT UNSIGNED NOT NULL".into());
        cols.push("`cnt` BIGINT NOT NULL DEFAULT 0".into());
        for (i, n) in self.layout.nums.iter().enumerate() {
            if self.tracks_nonnull(i) {
                cols.push(format!("`nn{i}` BIGINT NOT NULL DEFAULT 0"));
            }
            if n.needs_sum {
                let t = self.sum_type(i);
                cols.push(format!("`s{i}` {t} NOT NULL DEFAULT 0"));
            }
            for c in self.bit_columns(i) {
                cols.push(format!("{c} BIGINT NOT NULL DEFAULT 0"));
            }
            for (c, t) in self.square_columns(i) {
                cols.push(format!("{c} {t} NOT NULL DEFAULT 0"));
            }
        }
        cols.extend(self.distinct_state_column_defs());
        let mut pk = key_names.clone();
        pk.push("`slot`".into());
        let mut out = vec![format!(
            "CREATE TABLE {} (\n  {},\n  PRIMARY KEY ({})\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT={}",
            self.qualified(&self.names.state),
            cols.join(",\n  "),
            pk.join(", "),
            string_literal(&state_comment(&self.names.view)),
        )];
        for j in 0..self.layout.minmax.len() {
            let mut cols = key_defs.clone();
            let values = self.value_cols(j);
            for (col, t) in values.iter().zip(self.multiset_types(j)) {
                cols.push(format!("{col} {} NOT NULL", multiset_value_ddl(t)));
            }
            cols.push("`slot` SMALLINT UNSIGNED NOT NULL".into());
            cols.push("`mult` BIGINT NOT NULL".into());
            let mut pk = key_names.clone();
            pk.extend(values);
            pk.push("`slot`".into());
            out.push(format!(
                "CREATE TABLE {} (\n  {},\n  PRIMARY KEY ({})\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT={}",
                self.qualified(&self.names.minmax[j]),
                cols.join(",\n  "),
                pk.join(", "),
                string_literal(&multiset_comment(&self.names.view)),
            ));
        }
        out.extend(self.totals_ddl());
        out
    }

    /// Whether numeric input `i` can be NULL, so that its non-NULL count differs from the row
    /// count and needs a column of its own.
    pub fn tracks_nonnull(&self, i: usize) -> bool {
        self.types.args.get(i).map(|t| t.nullable).unwrap_or(true)
    }

    /// The state column counting the non-NULL values of input `i` (`cnt` when it cannot be NULL).
    pub fn nonnull_col(&self, i: usize) -> String {
        if self.tracks_nonnull(i) {
            format!("`nn{i}`")
        } else {
            "`cnt`".into()
        }
    }

    /// The value input `i` adds to its sum for one row (`arg` rendered for the row). NULL counts
    /// as 0 (its non-NULL count is kept apart); UNSIGNED and non-numeric values are cast, because
    /// negating an UNSIGNED value would make the user's write fail.
    pub fn sum_value(&self, i: usize, arg: &str) -> String {
        let value = if self.tracks_nonnull(i) {
            format!("COALESCE({arg}, 0)")
        } else {
            arg.to_string()
        };
        let storage = self.sum_type(i);
        // Negation and differences are safe without a cast only for signed types narrower than
        // BIGINT (MariaDB computes them in BIGINT), signed DECIMAL and floating point; BIGINT
        // can overflow (-(-2^63)), UNSIGNED cannot go negative, other types must be converted.
        let needs_cast = match self.types.args.get(i) {
            Some(t) => {
                let unsigned = t.column_type.to_ascii_lowercase().contains("unsigned");
                let safe = matches!(
                    t.base().as_str(),
                    "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "decimal"
                ) || (storage == "double"
                    && matches!(t.base().as_str(), "double" | "float" | "real"));
                unsigned || !safe
            }
            None => true,
        };
        let value = if needs_cast {
            let cast = if storage == "double" {
                "DOUBLE".to_string()
            } else {
                storage.to_uppercase()
            };
            format!("CAST({value} AS {cast})")
        } else {
            // Parenthesized: the caller may negate it.
            format!("({value})")
        };
        if storage == "double" {
            // Kept scaled down, so that no running sum (of a slot row, a backfill chunk or the
            // view's total) can leave DOUBLE's range: `1e308 + 1e308` is an error in any
            // sql_mode and would fail the user's write (docs/correctness.md).
            format!("({value} / {DOUBLE_SUM_SCALE})")
        } else {
            value
        }
    }

    /// The value of the sum of input `i` over the state rows of one group (alias `s`), as
    /// MariaDB's SUM gives it: a DOUBLE sum is scaled back, and one whose magnitude leaves
    /// DOUBLE's range reads as 0, as MariaDB's own SUM does (it is infinity, which MariaDB
    /// prints as 0); scaling back never fails then.
    pub fn sum_read(&self, i: usize) -> String {
        let sum = format!("SUM(`s`.`s{i}`)");
        if self.sum_type(i) == "double" {
            format!(
                "IF(ABS({sum}) > {}, 0e0, {sum} * {DOUBLE_SUM_SCALE})",
                double_sum_limit()
            )
        } else {
            sum
        }
    }

    /// Storage type of the sum of numeric input `i`.
    pub fn sum_type(&self, i: usize) -> String {
        match &self.types.sums[i] {
            Some(t) => sum_storage(t),
            None => "double".into(),
        }
    }

    /// Schema-qualified, quoted name of one of our objects.
    pub fn qualified(&self, name: &str) -> String {
        quote_qualified(&self.names.schema, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_keys_are_stored_as_a_valid_value_of_the_type() {
        assert_eq!(zero_literal(&SqlType::plain("int(11)")), "0");
        assert_eq!(zero_literal(&SqlType::plain("date")), "'1000-01-01'");
        assert_eq!(
            zero_literal(&SqlType::plain("enum('it''s','b')")),
            "'it''s'"
        );
        assert_eq!(
            zero_literal(&SqlType::text("varchar(5)", "utf8mb4_general_ci")),
            "''"
        );
    }

    #[test]
    fn exact_sums_are_wide_decimals() {
        assert_eq!(
            sum_storage(&SqlType::plain("decimal(42,2)")),
            "decimal(65,2)"
        );
        assert_eq!(sum_storage(&SqlType::plain("bigint(20)")), "decimal(65,0)");
        assert_eq!(sum_storage(&SqlType::plain("double")), "double");
    }
}
