//! Table and type metadata the pure engine works from (filled by `db::introspect`).

use serde::Serialize;

/// One column of the base table, as `information_schema.COLUMNS` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMeta {
    /// Column name, exact case.
    pub name: String,
    /// Full type, e.g. `varchar(20)` or `decimal(10,2) unsigned`.
    pub column_type: String,
    /// Collation for character columns.
    pub collation: Option<String>,
    /// Whether NULL is allowed.
    pub nullable: bool,
}

/// The base table of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableMeta {
    /// Database (schema) name.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Storage engine, e.g. `InnoDB`.
    pub engine: String,
    /// Columns in ordinal order.
    pub columns: Vec<ColumnMeta>,
    /// Primary key columns in key order (empty when the table has none).
    pub primary_key: Vec<String>,
    /// Foreign keys of this table whose parent changes propagate by cascade (triggers do not
    /// fire for cascaded changes, so a summary reading them would drift).
    pub cascades: Vec<Cascade>,
    /// Every index but the primary key, in name order.
    pub indexes: Vec<Index>,
    /// Columns of this table in any foreign key, as the child (whatever its actions).
    pub foreign_key_columns: Vec<String>,
    /// Columns of this table that another table's foreign key references.
    pub referenced_columns: Vec<String>,
}

/// A secondary index of the base table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Whether it is UNIQUE.
    pub unique: bool,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// A foreign key whose referential action changes this table's rows without firing triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cascade {
    /// Constraint name.
    pub constraint: String,
    /// Child columns of the key.
    pub columns: Vec<String>,
    /// `DELETE_RULE` (CASCADE, SET NULL, ...).
    pub on_delete: String,
    /// `UPDATE_RULE`.
    pub on_update: String,
    /// Schema of the referenced (parent) table.
    pub parent_schema: String,
    /// The referenced (parent) table.
    pub parent: String,
    /// The parent's columns, paired with `columns`.
    pub parent_columns: Vec<String>,
}

impl TableMeta {
    /// The columns whose change an `UPDATE IGNORE` may refuse while MariaDB still fires the
    /// AFTER UPDATE trigger for the unchanged row: a duplicate on the primary key or a UNIQUE
    /// key, a missing parent, or a child still referencing the row. In table order.
    pub fn conflict_columns(&self) -> Vec<String> {
        let named = |c: &str| {
            self.primary_key.iter().any(|k| k.eq_ignore_ascii_case(c))
                || self
                    .indexes
                    .iter()
                    .filter(|i| i.unique)
                    .any(|i| i.columns.iter().any(|k| k.eq_ignore_ascii_case(c)))
                || self
                    .foreign_key_columns
                    .iter()
                    .chain(&self.referenced_columns)
                    .any(|k| k.eq_ignore_ascii_case(c))
        };
        self.columns
            .iter()
            .filter(|c| named(&c.name))
            .map(|c| c.name.clone())
            .collect()
    }

    /// Whether some secondary index holds column `name`.
    pub fn is_indexed(&self, name: &str) -> bool {
        self.primary_key
            .iter()
            .chain(self.indexes.iter().flat_map(|i| &i.columns))
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// Whether the table's engine rolls back with the writer's transaction (InnoDB), as the
    /// triggers' deltas do.
    pub fn transactional(&self) -> bool {
        transactional_engine(&self.engine)
    }

    /// Finds a column case-insensitively, as MariaDB resolves column names.
    pub fn column(&self, name: &str) -> Option<&ColumnMeta> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// The storage type MariaDB infers for an expression (from a `CREATE TEMPORARY TABLE ... AS SELECT` probe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SqlType {
    /// Full type as `SHOW COLUMNS` prints it, e.g. `varchar(20)`, `decimal(42,2)`, `double`.
    pub column_type: String,
    /// Collation for character types.
    pub collation: Option<String>,
    /// Whether the expression can be NULL (a NOT NULL group key needs no NULL flag).
    pub nullable: bool,
}

impl SqlType {
    /// A type without collation.
    pub fn plain(column_type: &str) -> Self {
        SqlType {
            column_type: column_type.to_string(),
            collation: None,
            nullable: true,
        }
    }

    /// A character type with a collation.
    pub fn text(column_type: &str, collation: &str) -> Self {
        SqlType {
            column_type: column_type.to_string(),
            collation: Some(collation.to_string()),
            nullable: true,
        }
    }

    /// The same type, declared NOT NULL.
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// The base type name in lower case, e.g. `varchar` for `varchar(20)`.
    pub fn base(&self) -> String {
        let lower = self.column_type.to_ascii_lowercase();
        lower.split(['(', ' ']).next().unwrap_or("").to_string()
    }

    /// The precision of `decimal(p,s)` (its first number), if the type has one.
    pub fn precision(&self) -> Option<u32> {
        let open = self.column_type.find('(')?;
        let inner = &self.column_type[open + 1..];
        let end = inner.find([',', ')'])?;
        inner[..end].trim().parse().ok()
    }

    /// The decimal scale for `decimal(p,s)`; 0 for integers.
    pub fn scale(&self) -> u32 {
        let lower = self.column_type.to_ascii_lowercase();
        if let Some(open) = lower.find('(') {
            let inner = &lower[open + 1..];
            if let Some(close) = inner.find(')') {
                let args = &inner[..close];
                if let Some((_, s)) = args.split_once(',') {
                    return s.trim().parse().unwrap_or(0);
                }
            }
        }
        0
    }

    /// True for MariaDB's integer types (`BOOL` is `TINYINT(1)`).
    pub fn is_integer(&self) -> bool {
        matches!(
            self.base().as_str(),
            "tinyint"
                | "smallint"
                | "mediumint"
                | "int"
                | "integer"
                | "bigint"
                | "bool"
                | "boolean"
        )
    }

    /// True for exact numeric types whose sums stay exact in DECIMAL.
    pub fn is_exact_numeric(&self) -> bool {
        matches!(
            self.base().as_str(),
            "tinyint"
                | "smallint"
                | "mediumint"
                | "int"
                | "integer"
                | "bigint"
                | "decimal"
                | "bit"
                | "year"
                | "bool"
                | "boolean"
        )
    }

    /// True for types a primary key cannot hold without a prefix length.
    pub fn is_blob_like(&self) -> bool {
        matches!(
            self.base().as_str(),
            "tinytext"
                | "text"
                | "mediumtext"
                | "longtext"
                | "tinyblob"
                | "blob"
                | "mediumblob"
                | "longblob"
                | "json"
                | "geometry"
        )
    }

    /// The most bytes a value of a character or binary type can take: its length times the
    /// charset's widest character (`varchar(2000)` in utf8mb4: 8000); `None` for other types.
    pub fn max_bytes(&self) -> Option<u64> {
        let base = self.base();
        let chars: u64 = match base.as_str() {
            "tinytext" | "tinyblob" => return Some(255),
            "text" | "blob" => return Some(65_535),
            "mediumtext" | "mediumblob" => return Some(16_777_215),
            "longtext" | "longblob" | "json" => return Some(4_294_967_295),
            "char" | "varchar" | "binary" | "varbinary" => self.precision().map(u64::from)?,
            _ => return None,
        };
        let width = match self.collation.as_deref().and_then(|c| c.split('_').next()) {
            Some("latin1" | "ascii" | "binary" | "latin2" | "cp1250" | "cp1251" | "cp1252") => 1,
            Some("ucs2") => 2,
            Some("utf8mb3" | "utf8" | "ujis" | "eucjpms") => 3,
            None if matches!(base.as_str(), "binary" | "varbinary") => 1,
            _ => 4,
        };
        Some(chars * width)
    }

    /// Whether a group key of this type is stored under a hash of its value
    /// (`codegen::state::key_hash_col`) instead of the value itself: types a primary key
    /// cannot hold (TEXT, BLOB, JSON) and strings longer than InnoDB's key limit of 3072 bytes.
    pub fn hashed_key(&self) -> bool {
        let base = self.base();
        if base == "geometry" {
            return false;
        }
        self.is_blob_like()
            || (matches!(base.as_str(), "varchar" | "varbinary")
                && self.max_bytes().is_some_and(|b| b > 3072))
    }

    /// Whether values of this type compare as their bytes, so that a hash of the bytes (after
    /// removing trailing spaces under a PAD SPACE collation, [`SqlType::pads_spaces`]) is the
    /// same exactly for the values the type calls equal: binary strings and `_bin` collations
    /// (a `_bin` collation orders by code point, and the charset's encoding is one to one).
    pub fn compares_by_bytes(&self) -> bool {
        match self.collation.as_deref() {
            None => true,
            Some(c) => c == "binary" || c.ends_with("_bin"),
        }
    }

    /// Whether the collation ignores trailing spaces (PAD SPACE): every collation but binary
    /// strings and `_nopad_` ones (measured on 10.11: `'a' = 'a '` under `utf8mb4_bin`).
    pub fn pads_spaces(&self) -> bool {
        match self.collation.as_deref() {
            None => false,
            Some(c) => c != "binary" && !c.contains("nopad"),
        }
    }

    /// The members of an `enum(...)` or `set(...)` type, unquoted, in definition order; empty for
    /// any other type.
    pub fn members(&self) -> Vec<String> {
        if !matches!(self.base().as_str(), "enum" | "set") {
            return Vec::new();
        }
        let Some(open) = self.column_type.find('(') else {
            return Vec::new();
        };
        let mut members = Vec::new();
        let mut chars = self.column_type[open + 1..].chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    let mut member = String::new();
                    while let Some(c) = chars.next() {
                        if c != '\'' {
                            member.push(c);
                        } else if chars.peek() == Some(&'\'') {
                            chars.next();
                            member.push('\'');
                        } else {
                            break;
                        }
                    }
                    members.push(member);
                }
                ')' => break,
                _ => {}
            }
        }
        members
    }

    /// The column definition (type and collation) without NULL-ness.
    pub fn ddl(&self) -> String {
        match &self.collation {
            Some(c) => format!("{} COLLATE {}", self.column_type, c),
            None => self.column_type.clone(),
        }
    }
}

/// Whether storage engine `engine` rolls back with the writer's transaction (InnoDB).
pub fn transactional_engine(engine: &str) -> bool {
    engine.eq_ignore_ascii_case("InnoDB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_text_blob_and_json_are_hashed_keys() {
        let t = |ty: &str, c: &str| SqlType::text(ty, c);
        assert!(t("text", "utf8mb4_bin").hashed_key());
        assert!(SqlType::plain("blob").hashed_key());
        assert!(t("longtext", "utf8mb4_bin").hashed_key());
        // 769 utf8mb4 characters can take 3076 bytes, past InnoDB's 3072.
        assert!(t("varchar(769)", "utf8mb4_bin").hashed_key());
        assert!(!t("varchar(768)", "utf8mb4_bin").hashed_key());
        assert!(!t("varchar(3000)", "latin1_bin").hashed_key());
        assert!(SqlType::plain("varbinary(3073)").hashed_key());
        assert!(!SqlType::plain("geometry").hashed_key());
        assert_eq!(t("varchar(300)", "utf8mb4_bin").max_bytes(), Some(1200));
        assert!(t("text", "utf8mb4_nopad_bin").compares_by_bytes());
        assert!(!t("text", "utf8mb4_nopad_bin").pads_spaces());
        assert!(t("text", "utf8mb4_bin").pads_spaces());
        assert!(!t("text", "utf8mb4_general_ci").compares_by_bytes());
        assert!(!SqlType::plain("blob").pads_spaces());
    }

    #[test]
    fn base_and_scale_are_read_from_the_type() {
        let t = SqlType::plain("decimal(42,2) unsigned");
        assert_eq!(t.base(), "decimal");
        assert_eq!(t.scale(), 2);
        assert!(t.is_exact_numeric());
        assert_eq!(SqlType::plain("bigint(21)").scale(), 0);
        assert!(SqlType::plain("text").is_blob_like());
    }

    #[test]
    fn enum_and_set_members_are_unquoted_in_order() {
        let e = SqlType::text("enum('z','a''b','m,n')", "utf8mb4_bin");
        assert_eq!(e.members(), ["z", "a'b", "m,n"]);
        assert_eq!(SqlType::plain("set('x')").members(), ["x"]);
        assert!(SqlType::plain("varchar(3)").members().is_empty());
    }
}
