//! Re-rendering normalized expressions for a trigger row (`NEW`/`OLD`) or a table alias.

use sqlparser::ast::{Expr, Ident, VisitMut, VisitorMut};
use std::ops::ControlFlow;

/// Renders `expr` with every column reference qualified by `qualifier` (e.g. `NEW`), or unchanged
/// when `qualifier` is `None`.
pub fn render(expr: &Expr, qualifier: Option<&str>) -> String {
    let Some(q) = qualifier else {
        return expr.to_string();
    };
    let mut e = expr.clone();
    let mut v = Qualify(q);
    let _ = e.visit(&mut v);
    e.to_string()
}

struct Qualify<'a>(&'a str);

/// Renders a join summary's `expr` (columns qualified by their table, `` `o`.`amount` ``) with
/// the columns of the table qualified `table` read from row image `image` (`NEW.`amount``);
/// the other tables' columns stay as they are, read from the statement's FROM.
pub fn render_image(expr: &Expr, table: &str, image: &str) -> String {
    let mut e = expr.clone();
    let mut v = Image { table, image };
    let _ = e.visit(&mut v);
    e.to_string()
}

struct Image<'a> {
    table: &'a str,
    image: &'a str,
}

impl VisitorMut for Image<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::CompoundIdentifier(parts) = expr {
            if let [q, c] = parts.as_slice() {
                if q.value == self.table {
                    *expr = Expr::CompoundIdentifier(vec![Ident::new(self.image), c.clone()]);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

impl VisitorMut for Qualify<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Identifier(id) = expr {
            *expr = Expr::CompoundIdentifier(vec![Ident::new(self.0), id.clone()]);
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::{BinaryOperator, Value};

    #[test]
    fn columns_are_qualified_and_quoted() {
        let e = Expr::BinaryOp {
            left: Box::new(Expr::Identifier(Ident::with_quote('`', "a`b"))),
            op: BinaryOperator::Plus,
            right: Box::new(Expr::value(Value::Number("1".into(), false))),
        };
        assert_eq!(render(&e, Some("NEW")), "NEW.`a``b` + 1");
        assert_eq!(render(&e, None), "`a``b` + 1");
    }
}
