//! Table metadata and expression types for server-free engine tests.
#![allow(dead_code)]

use lightning_tables::engine::analyze::analyze;
use lightning_tables::engine::codegen::{ExprTypes, GenOptions, Generated, Layout};
use lightning_tables::engine::meta::{ColumnMeta, SqlType, TableMeta};
use lightning_tables::engine::parse::parse;
use lightning_tables::engine::plan::Analysis;
use lightning_tables::engine::{prepare, EngineError};
use sqlparser::ast::Expr;

fn col(name: &str, ty: &str, collation: Option<&str>, nullable: bool) -> ColumnMeta {
    ColumnMeta {
        name: name.into(),
        column_type: ty.into(),
        collation: collation.map(str::to_string),
        nullable,
    }
}

/// `shop.transactions`, the running example of the docs.
pub fn transactions() -> TableMeta {
    let ci = Some("utf8mb4_general_ci");
    TableMeta {
        schema: "shop".into(),
        name: "transactions".into(),
        engine: "InnoDB".into(),
        columns: vec![
            col("id", "bigint(20) unsigned", None, false),
            col("user_id", "int(11)", None, true),
            col("kind", "varchar(16)", ci, false),
            col("cost", "decimal(12,2)", None, true),
            col("qty", "int(11)", None, true),
            col("score", "double", None, true),
            col("country", "varchar(2)", ci, true),
            col("created_at", "datetime", None, false),
            col("note", "text", ci, true),
            col("select", "int(11)", None, true),
            col("we`ird col", "varchar(10)", ci, true),
            col("paid_at", "timestamp", None, true),
            col("settled_at", "timestamp", None, false),
            col("opened", "time", None, true),
        ],
        primary_key: vec!["id".into()],
        cascades: Vec::new(),
        indexes: Vec::new(),
        foreign_key_columns: Vec::new(),
        referenced_columns: Vec::new(),
    }
}

fn type_of(expr: &Expr, table: &TableMeta) -> SqlType {
    if let Expr::Identifier(id) = expr {
        if let Some(c) = table.column(&id.value) {
            return SqlType {
                column_type: c.column_type.clone(),
                collation: c.collation.clone(),
                nullable: c.nullable,
            };
        }
    }
    let text = expr.to_string().to_ascii_uppercase();
    if text.starts_with("DATE(") {
        SqlType::plain("date")
    } else if text.starts_with("YEAR(") || text.contains(" DIV ") {
        SqlType::plain("bigint(21)")
    } else {
        SqlType::text("varchar(64)", "utf8mb4_general_ci")
    }
}

/// Types as the server would roughly infer them (plain columns keep theirs).
pub fn types_for(analysis: &Analysis, table: &TableMeta) -> ExprTypes {
    let layout = Layout::of(analysis);
    ExprTypes {
        keys: analysis
            .keys
            .iter()
            .map(|k| type_of(&k.expr, table))
            .collect(),
        sums: layout
            .nums
            .iter()
            .map(|n| {
                n.needs_sum.then(|| {
                    let t = type_of(&n.arg, table);
                    if t.base() == "double" {
                        SqlType::plain("double")
                    } else {
                        SqlType::plain(&format!("decimal(42,{})", t.scale()))
                    }
                })
            })
            .collect(),
        minmax: (0..layout.minmax.len())
            .flat_map(|j| layout.multiset_values(j))
            .map(|m| type_of(m, table))
            .collect(),
        args: layout.nums.iter().map(|n| type_of(&n.arg, table)).collect(),
    }
}

/// Analyses `sql` against `transactions`.
pub fn analyse(sql: &str) -> Result<Analysis, EngineError> {
    analyze(&parse(sql)?, &transactions())
}

/// Generates everything for `sql` on `transactions`.
pub fn generate(sql: &str, options: GenOptions) -> Result<Generated, EngineError> {
    let table = transactions();
    let analysis = analyze(&parse(sql)?, &table)?;
    let types = types_for(&analysis, &table);
    Ok(prepare(analysis, table, types, "summary", options)?.generated)
}
