//! The analysed form of a summary query: what the generated objects must maintain and how it is read.

use serde::Serialize;
use sqlparser::ast::Expr;

/// The base table as the query names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRef {
    /// Schema when the query qualifies the table.
    pub schema: Option<String>,
    /// Table name as written.
    pub name: String,
    /// Alias, when given.
    pub alias: Option<String>,
}

/// The aggregate functions of tier 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AggKind {
    /// `COUNT(*)`
    CountStar,
    /// `COUNT(expr)`: non-NULL inputs.
    Count,
    /// `SUM(expr)`
    Sum,
    /// `AVG(expr)`
    Avg,
    /// `MIN(expr)`
    Min,
    /// `MAX(expr)`
    Max,
    /// `COUNT(DISTINCT expr[, expr...])`: several arguments are one `Expr::Tuple`.
    CountDistinct,
    /// `SUM(DISTINCT expr)`
    SumDistinct,
    /// `AVG(DISTINCT expr)`
    AvgDistinct,
    /// `BIT_AND(expr)`: the bits set in every non-NULL input (all 64 for none).
    BitAnd,
    /// `BIT_OR(expr)`: the bits set in some non-NULL input.
    BitOr,
    /// `BIT_XOR(expr)`: the bits set in an odd number of non-NULL inputs.
    BitXor,
    /// `VAR_POP(expr)` (also `VARIANCE`): population variance of the non-NULL inputs.
    VarPop,
    /// `VAR_SAMP(expr)`: sample variance (NULL for fewer than two inputs).
    VarSamp,
    /// `STDDEV_POP(expr)` (also `STD`, `STDDEV`): the square root of `VAR_POP`.
    StddevPop,
    /// `STDDEV_SAMP(expr)`: the square root of `VAR_SAMP`.
    StddevSamp,
    /// `GROUP_CONCAT(DISTINCT expr [ORDER BY expr [ASC|DESC]] [SEPARATOR s])`: the present
    /// values in order, joined (the order and separator are in [`Aggregate::concat`]).
    GroupConcatDistinct,
}

impl AggKind {
    /// The SQL function name.
    pub fn sql_name(self) -> &'static str {
        match self {
            AggKind::CountStar | AggKind::Count | AggKind::CountDistinct => "COUNT",
            AggKind::Sum | AggKind::SumDistinct => "SUM",
            AggKind::Avg | AggKind::AvgDistinct => "AVG",
            AggKind::Min => "MIN",
            AggKind::Max => "MAX",
            AggKind::BitAnd => "BIT_AND",
            AggKind::BitOr => "BIT_OR",
            AggKind::BitXor => "BIT_XOR",
            AggKind::VarPop => "VAR_POP",
            AggKind::VarSamp => "VAR_SAMP",
            AggKind::StddevPop => "STDDEV_POP",
            AggKind::StddevSamp => "STDDEV_SAMP",
            AggKind::GroupConcatDistinct => "GROUP_CONCAT",
        }
    }

    /// The variance aggregate MariaDB's function `upper` (upper case) is, if it is one: `STD`
    /// and `STDDEV` are `STDDEV_POP`, `VARIANCE` is `VAR_POP`.
    pub fn variance(upper: &str) -> Option<AggKind> {
        match upper {
            "VARIANCE" | "VAR_POP" => Some(AggKind::VarPop),
            "VAR_SAMP" => Some(AggKind::VarSamp),
            "STD" | "STDDEV" | "STDDEV_POP" => Some(AggKind::StddevPop),
            "STDDEV_SAMP" => Some(AggKind::StddevSamp),
            _ => None,
        }
    }

    /// Whether the aggregate is one of the variances or standard deviations.
    pub fn is_variance(self) -> bool {
        matches!(
            self,
            AggKind::VarPop | AggKind::VarSamp | AggKind::StddevPop | AggKind::StddevSamp
        )
    }

    /// Whether the aggregate reads each distinct value once (kept in a multiset).
    pub fn is_distinct(self) -> bool {
        matches!(
            self,
            AggKind::CountDistinct
                | AggKind::SumDistinct
                | AggKind::AvgDistinct
                | AggKind::GroupConcatDistinct
        )
    }
}

/// How a `GROUP_CONCAT(DISTINCT x ...)` orders and joins its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concat {
    /// `None` without `ORDER BY` (MariaDB then gives the values ascending, measured), else
    /// `Some(true)` for `ORDER BY x [ASC]`, `Some(false)` for `ORDER BY x DESC`.
    pub order: Option<bool>,
    /// The `SEPARATOR` literal as SQL, when given (MariaDB's default is `','`).
    pub separator: Option<String>,
}

impl Concat {
    /// Whether the values are joined in descending order.
    pub fn descending(&self) -> bool {
        self.order == Some(false)
    }

    /// The clauses after the argument, as written (` ORDER BY x DESC SEPARATOR '|'`).
    pub fn clauses_sql(&self, arg: &str) -> String {
        let mut out = String::new();
        match self.order {
            Some(true) => out.push_str(&format!(" ORDER BY {arg}")),
            Some(false) => out.push_str(&format!(" ORDER BY {arg} DESC")),
            None => {}
        }
        if let Some(s) = &self.separator {
            out.push_str(&format!(" SEPARATOR {s}"));
        }
        out
    }
}

/// A `GROUP BY` expression over base-table columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupKey {
    /// Normalized expression (columns as quoted bare identifiers).
    #[serde(serialize_with = "ser_expr")]
    pub expr: Expr,
    /// Where the GROUP BY item is written (for refusals of its type, known only after the
    /// type probe).
    #[serde(skip)]
    pub pos: Option<crate::engine::error::Pos>,
}

/// One distinct aggregate call of the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// Which function.
    pub kind: AggKind,
    /// Its normalized argument (`None` for `COUNT(*)`).
    #[serde(serialize_with = "ser_opt_expr")]
    pub arg: Option<Expr>,
    /// Where the call is written (for refusals of its argument's type, known only after the
    /// type probe).
    #[serde(skip)]
    pub pos: Option<crate::engine::error::Pos>,
    /// The order and separator of a `GROUP_CONCAT(DISTINCT ...)` (`None` for every other).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concat: Option<Concat>,
}

impl Aggregate {
    /// The call as MariaDB reads it over the base table (`COUNT(DISTINCT a, b)`).
    pub fn call_sql(&self) -> String {
        let Some(arg) = &self.arg else {
            return "COUNT(*)".into();
        };
        let name = self.kind.sql_name();
        if !self.kind.is_distinct() {
            return format!("{name}({arg})");
        }
        let args: Vec<String> = match arg {
            Expr::Tuple(items) => items.iter().map(|e| e.to_string()).collect(),
            e => vec![e.to_string()],
        };
        let clauses = match &self.concat {
            Some(c) => c.clauses_sql(&arg.to_string()),
            None => String::new(),
        };
        format!("{name}(DISTINCT {}{clauses})", args.join(", "))
    }
}

/// One column of the result, as the view will expose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputColumn {
    /// Column name exactly as MariaDB names it for the query (alias, or the expression's text).
    pub name: String,
    /// The expression over placeholders `__k<i>` (group keys) and `__a<i>` (aggregates).
    #[serde(serialize_with = "ser_expr")]
    pub expr: Expr,
}

/// One `ORDER BY` item, rewritten over placeholders and output names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    /// The sort expression.
    #[serde(serialize_with = "ser_expr")]
    pub expr: Expr,
    /// `Some(true)` ASC, `Some(false)` DESC, `None` unspecified.
    pub asc: Option<bool>,
}

/// The analysed query: everything codegen needs, independent of any server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The query as the user gave it.
    pub sql: String,
    /// The base table.
    pub table: TableRef,
    /// Normalized `WHERE`.
    #[serde(serialize_with = "ser_opt_expr")]
    pub filter: Option<Expr>,
    /// Group keys in `GROUP BY` order (empty: one global row).
    pub keys: Vec<GroupKey>,
    /// Distinct aggregates; placeholder `__a<i>` is `aggregates[i]`.
    pub aggregates: Vec<Aggregate>,
    /// Result columns.
    pub outputs: Vec<OutputColumn>,
    /// `HAVING`, rewritten.
    #[serde(serialize_with = "ser_opt_expr")]
    pub having: Option<Expr>,
    /// `ORDER BY`, rewritten.
    pub order_by: Vec<OrderItem>,
    /// `LIMIT` row count, rendered.
    pub limit: Option<String>,
    /// `OFFSET`, rendered.
    pub offset: Option<String>,
    /// Base-table columns the summary reads (an UPDATE touching none of them does no work).
    pub columns_read: Vec<String>,
}

/// Placeholder name for group key `i`.
pub fn key_placeholder(i: usize) -> String {
    format!("__k{i}")
}

/// Placeholder name for aggregate `i`.
pub fn agg_placeholder(i: usize) -> String {
    format!("__a{i}")
}

/// Which group key an identifier made by [`key_placeholder`] stands for.
pub fn key_placeholder_index(name: &str) -> Option<usize> {
    name.strip_prefix("__k")?.parse().ok()
}

/// Which aggregate an identifier made by [`agg_placeholder`] stands for.
pub fn agg_placeholder_index(name: &str) -> Option<usize> {
    name.strip_prefix("__a")?.parse().ok()
}

fn ser_expr<S: serde::Serializer>(e: &Expr, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.to_string())
}

fn ser_opt_expr<S: serde::Serializer>(e: &Option<Expr>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// How the tables of a join summary are connected: a fact table and dimension tables, each
/// dimension reached from one table before it (its *referencing* table) by equality of the
/// referencing table's columns with a PRIMARY KEY or UNIQUE NOT NULL key of the dimension, so
/// each row of the referencing table matches at most one dimension row (many-to-one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinPlan {
    /// The tables in FROM order; the first is the fact table.
    pub tables: Vec<JoinTable>,
}

/// One table of a join summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinTable {
    /// Schema.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// The qualifier its columns carry in the analysed expressions (alias, or name).
    pub qualifier: String,
    /// For a dimension: how it is reached. `None` for the fact table.
    pub reached: Option<JoinEdge>,
    /// Its columns the summary reads (WHERE, GROUP BY, aggregate arguments and join columns), in
    /// table order: a write that changes none of them changes nothing in the summary.
    pub columns_read: Vec<String>,
}

/// How a dimension is reached from its referencing table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinEdge {
    /// Index (in [`JoinPlan::tables`]) of the referencing table.
    pub from: usize,
    /// Referencing columns, paired with `key`.
    pub columns: Vec<String>,
    /// The dimension's key columns, in the key's order.
    pub key: Vec<String>,
    /// The dimension's unique key: `PRIMARY` or the UNIQUE index's name.
    pub key_name: String,
    /// The referencing table's index whose leading columns are `columns`: a dimension write
    /// finds the rows that reference it through it.
    pub index: String,
    /// `LEFT JOIN`: a referencing row without a match counts, with NULL for the columns of this
    /// table and of every table reached from it (all LEFT-joined too).
    #[serde(skip_serializing_if = "is_false")]
    pub left: bool,
    /// A LEFT JOIN's ON conditions besides the key equalities (over this table and its
    /// referencing table): a row matches only where they hold, and is NULL-extended otherwise.
    #[serde(
        serialize_with = "ser_opt_expr",
        skip_serializing_if = "Option::is_none"
    )]
    pub on: Option<Expr>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
