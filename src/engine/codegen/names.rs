//! Deterministic, namespaced object names within MariaDB's 64-character limit.

use crate::engine::error::EngineError;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// MariaDB's identifier length limit.
pub const MAX_IDENT: usize = 64;

/// The catalog table every database with summaries carries.
pub const CATALOG_TABLE: &str = "_lightning_catalog";

/// The names of every object one summary generation owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    /// Schema of the base table; all objects live there (triggers must).
    pub schema: String,
    /// The view, named as the user chose.
    pub view: String,
    /// State table of this generation.
    pub state: String,
    /// Multiset tables for MIN/MAX inputs, by input index.
    pub minmax: Vec<String>,
    /// Per multiset, the name of its table of totals (a value's multiplicity summed over the
    /// slots, kept only for multisets a DISTINCT aggregate reads; see `codegen::distinct`).
    pub totals: Vec<String>,
    /// AFTER INSERT trigger.
    pub trigger_insert: String,
    /// AFTER UPDATE trigger.
    pub trigger_update: String,
    /// AFTER DELETE trigger.
    pub trigger_delete: String,
    /// For a join summary, the triggers on each dimension table (in the join's order).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub dimension_triggers: Vec<DimensionTriggers>,
}

/// The AFTER INSERT / UPDATE / DELETE triggers a join summary puts on one dimension table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionTriggers {
    /// The dimension table (in the summary's schema).
    pub table: String,
    /// AFTER INSERT trigger.
    pub insert: String,
    /// AFTER UPDATE trigger.
    pub update: String,
    /// AFTER DELETE trigger.
    pub delete: String,
}

/// Checks a summary name chosen by the user.
pub fn validate_name(name: &str) -> Result<(), EngineError> {
    let bad = |reason: &str| {
        Err(EngineError::Name {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().count() > MAX_IDENT {
        return bad("MariaDB names are at most 64 characters");
    }
    if name.ends_with(' ') {
        return bad("MariaDB names cannot end with a space");
    }
    if name.contains('\0') || name.contains('/') || name.contains('\\') || name.contains('.') {
        return bad("it contains '.', '/', '\\' or NUL");
    }
    // The generated SQL is laid out line by line; a line break inside a name would be too
    // (measured: `new<LF>line` became `new<LF>  line` in a trigger body).
    if name.chars().any(char::is_control) {
        return bad("it contains a control character (line break, tab, ...)");
    }
    // MariaDB stores identifiers in utf8mb3 (measured: comparing one with an emoji fails with
    // "Illegal mix of collations").
    if name.chars().any(|c| u32::from(c) > 0xFFFF) {
        return bad("MariaDB names cannot hold characters beyond U+FFFF (such as emoji)");
    }
    if name.starts_with("_lt_") || name == CATALOG_TABLE {
        return bad("names starting with _lt_ are reserved for LightningTables' own objects");
    }
    Ok(())
}

/// The common prefix of a summary's internal objects: `_lt_<name>`, shortened with a hash when
/// the longest derived name would pass 64 characters.
pub fn prefix(name: &str) -> String {
    // Longest suffix we append: "_g9999_mm99" plus a trigger suffix fits in 16.
    let budget = MAX_IDENT - 16;
    let full = format!("_lt_{name}");
    if full.chars().count() <= budget {
        return full;
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep: String = name.chars().take(budget - 4 - 1 - hash.len()).collect();
    format!("_lt_{keep}_{hash}")
}

impl Names {
    /// Names for summary `name` on `schema`, generation `generation` (a rebuild uses the next one),
    /// with `minmax_inputs` MIN/MAX multiset tables.
    pub fn new(schema: &str, name: &str, generation: u32, minmax_inputs: usize) -> Names {
        let p = prefix(name);
        let state = format!("{p}_g{generation}");
        Names {
            schema: schema.to_string(),
            view: name.to_string(),
            minmax: (0..minmax_inputs)
                .map(|i| format!("{state}_mm{i}"))
                .collect(),
            totals: (0..minmax_inputs)
                .map(|i| format!("{state}_dv{i}"))
                .collect(),
            state,
            trigger_insert: format!("{p}_ins"),
            trigger_update: format!("{p}_upd"),
            trigger_delete: format!("{p}_del"),
            dimension_triggers: Vec::new(),
        }
    }

    /// The same names with triggers on each of `dimensions` (tables of a join summary, in the
    /// join's order): `<prefix>_d<k>_ins` etc., within the suffix budget of [`prefix`].
    pub fn with_dimensions(mut self, name: &str, dimensions: &[String]) -> Names {
        let p = prefix(name);
        self.dimension_triggers = dimensions
            .iter()
            .enumerate()
            .map(|(k, table)| DimensionTriggers {
                table: table.clone(),
                insert: format!("{p}_d{}_ins", k + 1),
                update: format!("{p}_d{}_upd", k + 1),
                delete: format!("{p}_d{}_del", k + 1),
            })
            .collect();
        self
    }

    /// Every trigger name with the table it is on (`None`: the base table), fact table first.
    pub fn all_triggers(&self) -> Vec<(Option<&str>, &str)> {
        let mut out: Vec<(Option<&str>, &str)> = vec![
            (None, self.trigger_insert.as_str()),
            (None, self.trigger_update.as_str()),
            (None, self.trigger_delete.as_str()),
        ];
        for d in &self.dimension_triggers {
            for t in [&d.insert, &d.update, &d.delete] {
                out.push((Some(d.table.as_str()), t.as_str()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_hashed_within_the_limit() {
        let long = "x".repeat(64);
        let n = Names::new("db", &long, 12, 3);
        for obj in [&n.state, &n.minmax[2], &n.totals[2], &n.trigger_update] {
            assert!(obj.chars().count() <= MAX_IDENT, "{obj}");
        }
        assert_ne!(prefix(&long), prefix(&"x".repeat(63)));
    }

    #[test]
    fn reserved_and_invalid_names_are_refused() {
        assert!(validate_name("_lt_x").is_err());
        assert!(validate_name("").is_err());
        assert!(validate_name("a.b").is_err());
        assert!(validate_name("daily totals").is_ok());
    }
}
