//! The tables a query's column names resolve against: the base table alone, or every table of a
//! join, each under its qualifier (alias, or name when it has none).

use crate::engine::meta::{ColumnMeta, TableMeta};
use crate::engine::plan::TableRef;
use sqlparser::ast::{Expr, Ident};

/// One table of FROM with its metadata.
#[derive(Clone, Copy)]
pub(super) struct ScopeTable<'a> {
    /// The table as the query names it.
    pub(super) reference: &'a TableRef,
    /// Its metadata.
    pub(super) meta: &'a TableMeta,
}

impl ScopeTable<'_> {
    /// The name a column of this table is qualified with: its alias, or its name.
    pub(super) fn qualifier(&self) -> &str {
        self.reference
            .alias
            .as_deref()
            .unwrap_or(&self.reference.name)
    }

    /// Whether `qualifier` (`t` or `schema.t`) names this table, as MariaDB compares them.
    fn named_by(&self, qualifier: &[Ident]) -> bool {
        let t = self.reference;
        match qualifier {
            [q] => match &t.alias {
                Some(a) => q.value.eq_ignore_ascii_case(a),
                None => q.value.eq_ignore_ascii_case(&t.name),
            },
            [s, q] => {
                t.alias.is_none()
                    && q.value.eq_ignore_ascii_case(&t.name)
                    && s.value
                        .eq_ignore_ascii_case(t.schema.as_deref().unwrap_or(&self.meta.schema))
            }
            _ => false,
        }
    }
}

/// What a column name resolves to.
pub(super) enum Resolved<'a> {
    /// A column of table `table` (index into the scope).
    Column(usize, &'a ColumnMeta),
    /// No table has it (or the qualifier names no table).
    Unknown,
    /// Several tables have it and the name is not qualified.
    Ambiguous,
    /// The qualifier names no table of the query.
    NoSuchTable,
}

/// The tables names resolve against. With one table, columns are written bare (`` `c` ``); in a
/// join, qualified (`` `alias`.`c` ``).
pub(super) struct Scope<'a> {
    /// The tables in FROM order; the first is the base (fact) table.
    pub(super) tables: Vec<ScopeTable<'a>>,
    /// Columns of `JOIN … USING (c)`: an unqualified `c` means the left table's.
    pub(super) using: Vec<(String, usize)>,
}

impl<'a> Scope<'a> {
    /// The scope of a single-table query.
    pub(super) fn single(reference: &'a TableRef, meta: &'a TableMeta) -> Self {
        Scope {
            tables: vec![ScopeTable { reference, meta }],
            using: Vec::new(),
        }
    }

    /// Whether the query joins several tables.
    pub(super) fn joined(&self) -> bool {
        self.tables.len() > 1
    }

    /// The base table.
    pub(super) fn base(&self) -> ScopeTable<'a> {
        self.tables[0]
    }

    /// Resolves column `name`, qualified by `qualifier` (empty when not qualified).
    pub(super) fn resolve(&self, qualifier: &[Ident], name: &str) -> Resolved<'a> {
        if !self.joined() {
            // A single table: a qualifier that does not name it is reported by the caller.
            if !qualifier.is_empty() && !self.tables[0].named_by(qualifier) {
                return Resolved::NoSuchTable;
            }
            return match self.tables[0].meta.column(name) {
                Some(c) => Resolved::Column(0, c),
                None => Resolved::Unknown,
            };
        }
        if !qualifier.is_empty() {
            let Some(i) = self.tables.iter().position(|t| t.named_by(qualifier)) else {
                return Resolved::NoSuchTable;
            };
            return match self.tables[i].meta.column(name) {
                Some(c) => Resolved::Column(i, c),
                None => Resolved::Unknown,
            };
        }
        if let Some((_, i)) = self
            .using
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
        {
            if let Some(c) = self.tables[*i].meta.column(name) {
                return Resolved::Column(*i, c);
            }
        }
        let mut found = self
            .tables
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.meta.column(name).map(|c| (i, c)));
        match (found.next(), found.next()) {
            (Some((i, c)), None) => Resolved::Column(i, c),
            (Some(_), Some(_)) => Resolved::Ambiguous,
            (None, _) => Resolved::Unknown,
        }
    }

    /// Whether an unqualified `name` is a column of some table.
    pub(super) fn has_column(&self, name: &str) -> bool {
        self.tables.iter().any(|t| t.meta.column(name).is_some())
    }

    /// The column `e` names (as written or normalized), if it names exactly one. With one table
    /// the qualifier is not consulted (normalization reports a wrong one).
    pub(super) fn lookup(&self, e: &Expr) -> Option<&'a ColumnMeta> {
        let (qualifier, name): (&[Ident], &Ident) = match e {
            Expr::Identifier(i) => (&[], i),
            Expr::CompoundIdentifier(parts) => {
                let (last, rest) = parts.split_last()?;
                (if self.joined() { rest } else { &[] }, last)
            }
            _ => return None,
        };
        match self.resolve(qualifier, &name.value) {
            Resolved::Column(_, c) => Some(c),
            _ => None,
        }
    }

    /// The expression a resolved column is written as: bare for one table, qualified in a join.
    /// `written` is the name as the query spells it (its spans are kept, so positions still
    /// point at what the user wrote).
    pub(super) fn column_expr(
        &self,
        table: usize,
        column: &ColumnMeta,
        written: (&[Ident], &Ident),
    ) -> Expr {
        let (qualifier, like) = written;
        let ident = Ident {
            value: column.name.clone(),
            quote_style: Some('`'),
            span: like.span,
        };
        if !self.joined() {
            return Expr::Identifier(ident);
        }
        Expr::CompoundIdentifier(vec![
            Ident {
                value: self.tables[table].qualifier().to_string(),
                quote_style: Some('`'),
                span: qualifier.first().map_or(like.span, |q| q.span),
            },
            ident,
        ])
    }
}
