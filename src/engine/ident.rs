//! Identifier quoting: every identifier we emit is backtick-quoted with backticks doubled.

/// Quotes one identifier for MariaDB: `` `a``b` `` for ``a`b``.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Quotes a schema-qualified name.
pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote(schema), quote(name))
}

/// Quotes a string literal for MariaDB (single quotes, backslashes and quotes escaped).
pub fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            _ => out.push(ch),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_are_doubled() {
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(quote("select"), "`select`");
        assert_eq!(quote_qualified("my db", "t"), "`my db`.`t`");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal("a\\b"), "'a\\\\b'");
    }
}
