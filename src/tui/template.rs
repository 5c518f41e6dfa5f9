//! A starting query for a table: a likely grouping column and sums of its
//! numeric columns.

use super::worker::ColumnInfo;

/// A template query and a name for its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Suggested summary name.
    pub name: String,
    /// The query.
    pub sql: String,
}

fn base_type(column_type: &str) -> String {
    column_type
        .to_ascii_lowercase()
        .split(['(', ' '])
        .next()
        .unwrap_or("")
        .to_string()
}

fn length(column_type: &str) -> Option<u32> {
    let open = column_type.find('(')?;
    let close = column_type[open..].find(')')? + open;
    column_type
        .get(open + 1..close)?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn looks_like_id(c: &ColumnInfo) -> bool {
    let n = c.name.to_ascii_lowercase();
    c.key == "PRI" || n == "id" || n.ends_with("_id")
}

/// How good a grouping column `c` is (higher is better; `None`: not one).
fn group_rank(c: &ColumnInfo) -> Option<u8> {
    if c.key == "PRI" || c.key == "UNI" {
        return None;
    }
    let t = c.column_type.to_ascii_lowercase();
    match base_type(&t).as_str() {
        "enum" | "set" => Some(5),
        "tinyint" if t.starts_with("tinyint(1)") => Some(4),
        "bool" | "boolean" => Some(4),
        "char" | "varchar" if length(&t).is_some_and(|l| l <= 64) => Some(3),
        "date" | "year" => Some(2),
        "int" | "integer" | "smallint" | "tinyint" | "mediumint" | "bigint" if looks_like_id(c) => {
            Some(1)
        }
        _ => None,
    }
}

fn is_measure(c: &ColumnInfo) -> bool {
    let t = c.column_type.to_ascii_lowercase();
    let numeric = matches!(
        base_type(&t).as_str(),
        "int"
            | "integer"
            | "smallint"
            | "mediumint"
            | "bigint"
            | "decimal"
            | "numeric"
            | "double"
            | "float"
            | "real"
    ) || (base_type(&t) == "tinyint" && !t.starts_with("tinyint(1)"));
    numeric && !looks_like_id(c)
}

/// Quotes an identifier with backticks unless it is a plain word.
pub fn ident(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// The template for `table` with `columns`.
pub fn template(table: &str, columns: &[ColumnInfo]) -> Template {
    let group = columns
        .iter()
        .filter_map(|c| group_rank(c).map(|r| (r, c)))
        .max_by_key(|(r, _)| *r)
        .map(|(_, c)| c);
    let measures: Vec<&ColumnInfo> = columns
        .iter()
        .filter(|c| is_measure(c) && group.is_none_or(|g| g.name != c.name))
        .take(2)
        .collect();
    let mut select = Vec::new();
    if let Some(g) = group {
        select.push(ident(&g.name));
    }
    select.push("COUNT(*) AS n".to_string());
    for m in &measures {
        select.push(format!(
            "SUM({}) AS {}",
            ident(&m.name),
            ident(&format!("total_{}", m.name))
        ));
    }
    let mut sql = format!(
        "SELECT {}\nFROM {}",
        select.join(",\n       "),
        ident(table)
    );
    let name = match group {
        Some(g) => {
            sql.push_str(&format!("\nGROUP BY {}", ident(&g.name)));
            format!("{table}_by_{}", g.name)
        }
        None => format!("{table}_totals"),
    };
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    Template { name, sql }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, t: &str, key: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            column_type: t.into(),
            nullable: false,
            key: key.into(),
        }
    }

    #[test]
    fn picks_a_group_and_measures() {
        let cols = vec![
            col("id", "bigint(20)", "PRI"),
            col("customer_id", "int(11)", "MUL"),
            col("status", "enum('new','paid')", ""),
            col("amount", "decimal(10,2)", ""),
            col("qty", "int(11)", ""),
            col("note", "text", ""),
        ];
        let t = template("orders", &cols);
        assert_eq!(t.name, "orders_by_status");
        assert_eq!(
            t.sql,
            "SELECT status,\n       COUNT(*) AS n,\n       SUM(amount) AS total_amount,\n       SUM(qty) AS total_qty\nFROM orders\nGROUP BY status"
        );
    }

    #[test]
    fn no_group_candidate_gives_totals() {
        let t = template(
            "my table",
            &[col("id", "int", "PRI"), col("v", "double", "")],
        );
        assert_eq!(t.name, "my_table_totals");
        assert!(
            t.sql.contains("FROM `my table`") && !t.sql.contains("GROUP BY"),
            "{}",
            t.sql
        );
    }
}
