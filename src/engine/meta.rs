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
}

impl TableMeta {
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

    /// The column definition (type and collation) without NULL-ness.
    pub fn ddl(&self) -> String {
        match &self.collation {
            Some(c) => format!("{} COLLATE {}", self.column_type, c),
            None => self.column_type.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_scale_are_read_from_the_type() {
        let t = SqlType::plain("decimal(42,2) unsigned");
        assert_eq!(t.base(), "decimal");
        assert_eq!(t.scale(), 2);
        assert!(t.is_exact_numeric());
        assert_eq!(SqlType::plain("bigint(21)").scale(), 0);
        assert!(SqlType::plain("text").is_blob_like());
    }
}
