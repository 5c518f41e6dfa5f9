//! Understanding `SHOW GRANTS` output well enough to tell which database
//! privileges an account has.
//!
//! Only global (`*.*`) and database-level (`db`.*) grants count: table- and
//! column-level grants cannot cover tables that do not exist yet, such as
//! the summary tables this tool creates. Grant lines are never echoed
//! anywhere because they can carry password hashes.

use std::collections::BTreeSet;

/// Where an operation's privileges are granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A database-level grant, `ON db.*` (the tool makes tables that do not exist yet).
    Database,
    /// A grant on the summary alone, `ON db.summary`.
    Summary,
    /// A grant on the base table alone, `ON db.table`.
    BaseTable,
}

/// The least privileges one operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Operation {
    /// The commands (`create, rebuild, resume`).
    pub operation: &'static str,
    /// Where they are granted.
    pub scope: Scope,
    /// The privileges, none of which can be left out.
    pub privileges: &'static [&'static str],
    /// What needs the less obvious ones.
    pub note: &'static str,
}

/// What `create`, `rebuild` and `resume` need on the target database (one list: a resume may
/// start a fresh generation, which is a rebuild).
pub const REQUIRED_PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "CREATE VIEW",
    "TRIGGER",
    "LOCK TABLES",
    "CREATE TEMPORARY TABLES",
];

/// The least privileges of each operation, measured by tests/least_privilege.rs: each one works
/// with exactly its list, and fails with any one privilege of it taken away.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        operation: "create, rebuild, resume",
        scope: Scope::Database,
        privileges: REQUIRED_PRIVILEGES,
        note: "the triggers write the state tables as this account (INSERT, UPDATE, DELETE); \
               CREATE TEMPORARY TABLES for type inference; DROP for the old generation; \
               LOCK TABLES to install the triggers",
    },
    Operation {
        operation: "drop",
        scope: Scope::Database,
        privileges: &["SELECT", "DELETE", "DROP", "SHOW VIEW", "TRIGGER"],
        note:
            "SHOW VIEW and TRIGGER show the view's and the triggers' text, the proof they are ours",
    },
    Operation {
        operation: "validate",
        scope: Scope::Database,
        privileges: &["SELECT", "CREATE TEMPORARY TABLES", "TRIGGER"],
        note: "without TRIGGER the server hides the triggers",
    },
    Operation {
        operation: "status, list",
        scope: Scope::Database,
        privileges: &["SELECT", "TRIGGER"],
        note: "without TRIGGER the server hides the triggers",
    },
    Operation {
        operation: "read a summary",
        scope: Scope::Summary,
        privileges: &["SELECT"],
        note: "GRANT SELECT ON db.summary: the view reads the state tables as its definer",
    },
    Operation {
        operation: "write the base table",
        scope: Scope::BaseTable,
        privileges: &["INSERT", "UPDATE", "DELETE", "SELECT"],
        note:
            "the application's own privileges; the triggers write the state tables as their definer",
    },
];

/// Every privilege MariaDB grants at database level (what `ALL` on a database gives).
pub const DATABASE_PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EVENT",
    "TRIGGER",
    "DELETE HISTORY",
];

/// What a grant applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantScope {
    /// `ON *.*`
    Global,
    /// `ON db.*`; the name is a pattern where unescaped `_` and `%` are wildcards.
    Database(String),
    /// `ON db.table` (also column-level grants).
    Table {
        /// Database name.
        database: String,
        /// Table name.
        table: String,
    },
}

/// One parsed `GRANT ... ON ... TO ...` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Where it applies.
    pub scope: GrantScope,
    /// Upper-case privilege names (`CREATE VIEW`), without `ALL`.
    pub privileges: BTreeSet<String>,
    /// `ALL` / `ALL PRIVILEGES` was granted.
    pub all: bool,
}

/// Parses one line of `SHOW GRANTS`. Returns `None` for lines that grant no
/// table privileges (role grants, `PROXY`, routine grants).
pub fn parse_grant(line: &str) -> Option<Grant> {
    let rest = strip_prefix_ci(line.trim(), "GRANT ")?;
    let on = find_ci(rest, " ON ")?;
    let privilege_text = &rest[..on];
    // Role grants look like GRANT `role` TO ...; a backtick before " ON "
    // means we are inside a role name, not a privilege list.
    if privilege_text.contains('`') || privilege_text.contains('\'') {
        return None;
    }
    let object = rest[on + 4..].trim_start();
    if ["FUNCTION ", "PROCEDURE ", "PACKAGE "]
        .iter()
        .any(|kw| strip_prefix_ci(object, kw).is_some())
    {
        return None;
    }
    let scope = parse_object(object)?;
    let mut privileges = BTreeSet::new();
    let mut all = false;
    for name in strip_parenthesized(privilege_text).split(',') {
        let name = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        match name.as_str() {
            "" => {}
            "ALL" | "ALL PRIVILEGES" => all = true,
            "PROXY" => return None,
            _ => {
                privileges.insert(name);
            }
        }
    }
    Some(Grant {
        scope,
        privileges,
        all,
    })
}

/// Privileges the grants give on database `db` (global plus matching
/// database-level grants). `ALL` adds every privilege in `DATABASE_PRIVILEGES`
/// (plus `SUPER` when global).
pub fn effective_privileges(
    grants: &[Grant],
    db: &str,
    case_insensitive: bool,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for grant in grants {
        let global = match &grant.scope {
            GrantScope::Global => true,
            GrantScope::Database(pattern) if db_pattern_matches(pattern, db, case_insensitive) => {
                false
            }
            _ => continue,
        };
        out.extend(grant.privileges.iter().cloned());
        if grant.all {
            out.extend(
                DATABASE_PRIVILEGES
                    .iter()
                    .map(std::string::ToString::to_string),
            );
            if global {
                out.insert("SUPER".to_string());
            }
        }
    }
    out
}

/// Global privileges only (for checks such as `SUPER`).
pub fn global_privileges(grants: &[Grant]) -> BTreeSet<String> {
    let globals: Vec<Grant> = grants
        .iter()
        .filter(|g| g.scope == GrantScope::Global)
        .cloned()
        .collect();
    // Any name works for the database: only global grants are left.
    effective_privileges(&globals, "", false)
}

/// Whether a database-level grant pattern covers `db`: `%` matches any run,
/// `_` one character, and a backslash makes the next character literal
/// (`shop\_db` is exactly `shop_db`).
pub fn db_pattern_matches(pattern: &str, db: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| {
        if case_insensitive {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let pattern: Vec<char> = fold(pattern).chars().collect();
    let name: Vec<char> = fold(db).chars().collect();
    like(&pattern, &name)
}

fn like(pattern: &[char], name: &[char]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some(('%', rest)) => (0..=name.len()).any(|skip| like(rest, &name[skip..])),
        Some(('_', rest)) => !name.is_empty() && like(rest, &name[1..]),
        Some(('\\', rest)) if !rest.is_empty() => {
            name.first() == rest.first() && like(&rest[1..], &name[1..])
        }
        Some((c, rest)) => name.first() == Some(c) && like(rest, &name[1..]),
    }
}

/// Parses `*.*`, `db.*`, `` `db`.* ``, `` `db`.`t` ``.
fn parse_object(text: &str) -> Option<GrantScope> {
    let (first, rest) = identifier(text)?;
    let rest = rest.strip_prefix('.')?;
    let (second, _) = identifier(rest)?;
    match (first.as_str(), second.as_str()) {
        ("*", "*") => Some(GrantScope::Global),
        (_, "*") => Some(GrantScope::Database(first)),
        _ => Some(GrantScope::Table {
            database: first,
            table: second,
        }),
    }
}

/// Reads a backtick-quoted or bare identifier (or `*`); returns it and the rest.
fn identifier(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('`') {
        let mut out = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '`' {
                if chars.peek().map(|(_, n)| *n) == Some('`') {
                    out.push('`');
                    chars.next();
                    continue;
                }
                return Some((out, &quoted[i + 1..]));
            }
            out.push(c);
        }
        return None;
    }
    if let Some(rest) = text.strip_prefix('*') {
        return Some(("*".to_string(), rest));
    }
    let end = text
        .find(|c: char| c == '.' || c.is_whitespace())
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_string(), &text[end..]))
}

/// Drops column lists: `SELECT (a, b), INSERT` becomes `SELECT , INSERT`.
fn strip_parenthesized(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    return false;
                }
                _ => {}
            }
            depth == 0
        })
        .collect()
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn find_ci(text: &str, needle: &str) -> Option<usize> {
    text.to_ascii_uppercase().find(&needle.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(line: &str) -> Grant {
        match parse_grant(line) {
            Some(g) => g,
            None => panic!("not parsed: {line}"),
        }
    }

    #[test]
    fn parses_global_all() {
        let g = grant("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA unix_socket WITH GRANT OPTION");
        assert_eq!(g.scope, GrantScope::Global);
        assert!(g.all);
        let p = effective_privileges(std::slice::from_ref(&g), "shop", false);
        assert!(REQUIRED_PRIVILEGES.iter().all(|r| p.contains(*r)));
        assert!(global_privileges(&[g]).contains("SUPER"));
    }

    #[test]
    fn parses_db_level_list_and_usage() {
        let usage = grant("GRANT USAGE ON *.* TO `bob`@`%` IDENTIFIED BY PASSWORD '*ABCDEF'");
        let db = grant("GRANT SELECT, INSERT, CREATE VIEW, LOCK TABLES ON `shop`.* TO `bob`@`%`");
        assert_eq!(db.scope, GrantScope::Database("shop".into()));
        let p = effective_privileges(&[usage, db], "shop", false);
        assert!(p.contains("CREATE VIEW") && p.contains("LOCK TABLES") && p.contains("SELECT"));
        assert!(!p.contains("TRIGGER"));
    }

    #[test]
    fn db_all_does_not_give_super() {
        let g = grant("GRANT ALL PRIVILEGES ON `shop`.* TO `bob`@`%`");
        assert!(effective_privileges(std::slice::from_ref(&g), "shop", false).contains("TRIGGER"));
        assert!(!global_privileges(&[g]).contains("SUPER"));
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(db_pattern_matches("shop\\_db", "shop_db", false));
        assert!(!db_pattern_matches("shop\\_db", "shopXdb", false));
        assert!(db_pattern_matches("shop_db", "shopXdb", false));
        assert!(db_pattern_matches("test%", "test_1", false));
        assert!(!db_pattern_matches("test%", "other", false));
        assert!(!db_pattern_matches("Shop", "shop", false));
        assert!(db_pattern_matches("Shop", "shop", true));
        let g = grant("GRANT TRIGGER ON `shop\\_%`.* TO `bob`@`%`");
        assert!(
            effective_privileges(std::slice::from_ref(&g), "shop_eu", false).contains("TRIGGER")
        );
        assert!(effective_privileges(&[g], "shopx", false).is_empty());
    }

    #[test]
    fn ignores_table_role_proxy_and_routine_grants() {
        let t = grant("GRANT SELECT (a, b), INSERT (c) ON `shop`.`orders` TO `bob`@`%`");
        assert_eq!(
            t.scope,
            GrantScope::Table {
                database: "shop".into(),
                table: "orders".into()
            }
        );
        assert_eq!(
            t.privileges,
            BTreeSet::from(["SELECT".to_string(), "INSERT".to_string()])
        );
        assert!(effective_privileges(&[t], "shop", false).is_empty());
        assert_eq!(parse_grant("GRANT `analyst` TO `bob`@`%`"), None);
        assert_eq!(
            parse_grant("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION"),
            None
        );
        assert_eq!(
            parse_grant("GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `bob`@`%`"),
            None
        );
        assert_eq!(parse_grant("SET DEFAULT ROLE x FOR y"), None);
    }

    #[test]
    fn quoted_names_with_backticks_and_dots() {
        let g = grant("GRANT SELECT ON `we``ird.db`.* TO `u`@`%`");
        assert_eq!(g.scope, GrantScope::Database("we`ird.db".into()));
        let g = grant("grant select on shop.* to u@'%'");
        assert_eq!(g.scope, GrantScope::Database("shop".into()));
    }
}
