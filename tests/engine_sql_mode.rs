//! How each `sql_mode` flag changes the reading of a query, without a server: the same text
//! under MariaDB's default reading and under the flag, rendered as the triggers will see it (under
//! LightningTables' own mode, where `"x"` is a string, `\` escapes and `||` is `OR`), or refused
//! with the mode and the position.

mod support;
use lightning_tables::engine::analyze::analyze;
use lightning_tables::engine::parse::parse_in_mode;
use lightning_tables::engine::sql_mode::SqlMode;
use lightning_tables::engine::EngineError;
use support::fixtures::transactions;

/// The WHERE of `sql` read under `mode`, rendered; or the error.
fn filter(mode: &str, sql: &str) -> Result<String, String> {
    let mode = SqlMode::parse(mode).map_err(|e| e.to_string())?;
    let parsed = parse_in_mode(sql, &mode).map_err(|e| e.to_string())?;
    let a = analyze(&parsed, &transactions()).map_err(|e| e.to_string())?;
    Ok(a.filter.map(|f| f.to_string()).unwrap_or_default())
}

const Q: &str = "SELECT kind, COUNT(*) FROM transactions WHERE ";
const ANSI: &str = "REAL_AS_FLOAT,PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,ONLY_FULL_GROUP_BY,ANSI";

/// (sql_mode, WHERE condition, expected rendering, or `Err` with text the refusal contains).
#[allow(clippy::type_complexity)]
const TABLE: &[(&str, &str, Result<&str, &str>)] = &[
    // ANSI_QUOTES: "x" is a column, not a string.
    ("", r#"kind = "note""#, Ok("`kind` = 'note'")),
    ("ANSI_QUOTES", r#"kind = "note""#, Ok("`kind` = `note`")),
    (
        "ANSI_QUOTES",
        r#"kind = "nope""#,
        Err("unknown column nope"),
    ),
    // NO_BACKSLASH_ESCAPES: a backslash is an ordinary character; rendered doubled either way.
    (
        "",
        r"kind IN ('a\\b', 'it\'s')",
        Ok(r"`kind` IN ('a\\b', 'it''s')"),
    ),
    (
        "NO_BACKSLASH_ESCAPES",
        r"kind IN ('a\\b', 'c:\dir')",
        Ok(r"`kind` IN ('a\\\\b', 'c:\\dir')"),
    ),
    (
        "NO_BACKSLASH_ESCAPES",
        r"kind LIKE 'a\_%'",
        Ok(r"`kind` LIKE 'a\\_%'"),
    ),
    ("", r"kind LIKE 'a\_%'", Ok(r"`kind` LIKE 'a\\_%'")),
    // The issue's example: both flags together.
    (
        "ANSI_QUOTES,NO_BACKSLASH_ESCAPES",
        r#"kind IN ('a\\b', "note")"#,
        Ok(r"`kind` IN ('a\\\\b', `note`)"),
    ),
    // PIPES_AS_CONCAT: || concatenates; otherwise it is OR, at OR's precedence.
    (
        "",
        "kind = 'a' || kind = 'b'",
        Ok("`kind` = 'a' OR `kind` = 'b'"),
    ),
    (
        "PIPES_AS_CONCAT",
        "kind || 'x' = 'ax'",
        Ok("CONCAT(`kind`, 'x') = 'ax'"),
    ),
    (
        "PIPES_AS_CONCAT",
        "kind || note || 'x' = 'ax'",
        Ok("CONCAT(CONCAT(`kind`, `note`), 'x') = 'ax'"),
    ),
    (
        "PIPES_AS_CONCAT",
        "-qty || 'x' = 'ax'",
        Err("a sign before ||"),
    ),
    (
        "PIPES_AS_CONCAT",
        "kind || NOT qty",
        Err("|| next to another operator"),
    ),
    // HIGH_NOT_PRECEDENCE: NOT applies to the first operand only.
    (
        "",
        "NOT qty BETWEEN 1 AND 2",
        Ok("NOT `qty` BETWEEN 1 AND 2"),
    ),
    (
        "HIGH_NOT_PRECEDENCE",
        "NOT qty BETWEEN 1 AND 2",
        Err("HIGH_NOT_PRECEDENCE"),
    ),
    (
        "HIGH_NOT_PRECEDENCE",
        "NOT qty = 2",
        Err("HIGH_NOT_PRECEDENCE"),
    ),
    (
        "HIGH_NOT_PRECEDENCE",
        "NOT (qty = 2) AND NOT qty",
        Ok("NOT (`qty` = 2) AND NOT `qty`"),
    ),
    // IGNORE_SPACE: without it, COUNT (…) is not a call of COUNT.
    ("", "SUBSTR (kind, 1) = 'a'", Err("space between SUBSTR")),
    (
        "IGNORE_SPACE",
        "SUBSTR (kind, 1) = 'a'",
        Ok("SUBSTR(`kind`, 1) = 'a'"),
    ),
    (
        "",
        "CONCAT (kind, 'x') = 'ax'",
        Ok("CONCAT(`kind`, 'x') = 'ax'"),
    ),
    // REAL_AS_FLOAT: REAL is not a CAST target in MariaDB; refused in every mode.
    (
        "REAL_AS_FLOAT",
        "CAST(qty AS REAL) > 1",
        Err("CAST to REAL"),
    ),
    ("", "CAST(qty AS REAL) > 1", Err("CAST to REAL")),
    (
        "REAL_AS_FLOAT",
        "CAST(qty AS DOUBLE) > 1",
        Ok("CAST(`qty` AS DOUBLE) > 1"),
    ),
    // ANSI: all of them at once.
    (
        ANSI,
        r#""kind" || 'x' = 'ax' AND COUNT (*) IS NOT NULL"#,
        Err("aggregate"),
    ),
    // (ANSI has no NO_BACKSLASH_ESCAPES: '\b' is a backspace.)
    (
        ANSI,
        r#""kind" || 'x' = 'a\b'"#,
        Ok("CONCAT(`kind`, 'x') = 'a\x08'"),
    ),
    // Modes that change what expressions compute are refused as a whole.
    (
        "EMPTY_STRING_IS_NULL",
        "kind = ''",
        Err("sql_mode EMPTY_STRING_IS_NULL"),
    ),
    ("ORACLE", "kind = ''", Err("sql_mode ORACLE")),
    (
        "NO_UNSIGNED_SUBTRACTION",
        "qty - 1 > 0",
        Err("NO_UNSIGNED_SUBTRACTION"),
    ),
    (
        "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
        "kind = 'a'",
        Ok("`kind` = 'a'"),
    ),
];

#[test]
fn each_mode_changes_the_reading_as_mariadb_does() {
    let mut failures = Vec::new();
    for (mode, cond, expected) in TABLE {
        let sql = format!("{Q}{cond} GROUP BY kind");
        let got = filter(mode, &sql);
        let ok = match (&got, expected) {
            (Ok(g), Ok(e)) => g == e,
            (Err(g), Err(e)) => g.contains(e),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "mode {mode:?}, {cond}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn refusals_name_the_mode_and_the_position() {
    let mode = SqlMode::parse("HIGH_NOT_PRECEDENCE").unwrap();
    let e = parse_in_mode(&format!("{Q}NOT qty = 2 GROUP BY kind"), &mode).unwrap_err();
    let EngineError::Unsupported { construct, pos, .. } = &e else {
        panic!("{e}")
    };
    assert!(construct.contains("HIGH_NOT_PRECEDENCE"), "{e}");
    // The position of what NOT applies to (sqlparser's span of the NOT expression).
    assert_eq!(pos.map(|p| (p.line, p.column)), Some((1, 51)), "{e}");
    let e = parse_in_mode("SELECT COUNT (*) FROM transactions", &SqlMode::plain()).unwrap_err();
    assert!(e.to_string().contains("at 1:8"), "{e}");
}

#[test]
fn unaliased_columns_are_named_from_the_text_read_under_the_mode() {
    // Under NO_BACKSLASH_ESCAPES 'a\' is a whole string; a tokenizer with escapes would run on.
    let mode = SqlMode::parse("NO_BACKSLASH_ESCAPES").unwrap();
    let parsed = parse_in_mode(
        r"SELECT CONCAT(kind, 'a\'), COUNT(*) FROM transactions GROUP BY 1",
        &mode,
    )
    .unwrap();
    let a = analyze(&parsed, &transactions()).unwrap();
    assert_eq!(a.outputs[0].name, r"CONCAT(kind, 'a\')");
}
