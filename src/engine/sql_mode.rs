//! The `sql_mode` a query is read under. MariaDB parses a query by the session's `sql_mode`:
//! `ANSI_QUOTES` makes `"x"` a column instead of a string, `NO_BACKSLASH_ESCAPES` makes `\` an
//! ordinary character in strings, `PIPES_AS_CONCAT` makes `||` a concatenation instead of `OR`,
//! `HIGH_NOT_PRECEDENCE` makes `NOT a BETWEEN b AND c` mean `(NOT a) BETWEEN b AND c`, and
//! without `IGNORE_SPACE` `COUNT (*)` (a space before the parenthesis) is not a call of `COUNT`.
//! The parser follows the mode it is given ([`ModeDialect`]); what it cannot read the way the
//! server does is refused with the mode and the position, never guessed. Modes that change what
//! an expression computes (rather than how it is written) are refused as a whole: the triggers
//! and the view run under LightningTables' own mode (`NO_ENGINE_SUBSTITUTION`), so they would
//! compute something else than the query.
//!
//! Generated SQL is rendered so that it reads the same under that fixed mode: identifiers in
//! backquotes, strings in single quotes with backslashes doubled, `||` as `OR` or `CONCAT()`.

use super::error::EngineError;
use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::{BindPlaceholderStyle, Dialect, MySqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;
use std::fmt;

/// The flags of a session's `sql_mode` that change how a query is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlMode {
    /// The mode as the server spells it (`@@SESSION.sql_mode`), upper-cased.
    pub text: String,
    /// `"x"` is an identifier.
    pub ansi_quotes: bool,
    /// `\` is an ordinary character in string literals.
    pub no_backslash_escapes: bool,
    /// `||` is string concatenation (otherwise `OR`).
    pub pipes_as_concat: bool,
    /// Prefix `NOT` binds like `!` (tighter than comparisons).
    pub high_not_precedence: bool,
    /// Built-in function names may be followed by spaces before `(`.
    pub ignore_space: bool,
    /// `REAL` means `FLOAT` (otherwise `DOUBLE`).
    pub real_as_float: bool,
}

/// Flags that change nothing a summary's query reads (storage, DDL, strictness of writes,
/// combination names whose parts are listed separately by the server).
const NEUTRAL: &[&str] = &[
    "ONLY_FULL_GROUP_BY",
    "IGNORE_BAD_TABLE_OPTIONS",
    "NO_DIR_IN_CREATE",
    "POSTGRESQL",
    "DB2",
    "MAXDB",
    "NO_KEY_OPTIONS",
    "NO_TABLE_OPTIONS",
    "NO_FIELD_OPTIONS",
    "MYSQL323",
    "MYSQL40",
    "ANSI",
    "NO_AUTO_VALUE_ON_ZERO",
    "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "TRADITIONAL",
    "NO_AUTO_CREATE_USER",
    "NO_ENGINE_SUBSTITUTION",
    "SIMULTANEOUS_ASSIGNMENT",
];

/// Flags that change what an expression computes, with why.
const REFUSED: &[(&str, &str)] = &[
    ("ORACLE", "switches MariaDB to its Oracle-compatible parser"),
    (
        "MSSQL",
        "switches MariaDB to its SQL Server-compatible syntax",
    ),
    ("EMPTY_STRING_IS_NULL", "makes the literal '' NULL"),
    (
        "NO_UNSIGNED_SUBTRACTION",
        "makes a subtraction of UNSIGNED values signed",
    ),
    (
        "PAD_CHAR_TO_FULL_LENGTH",
        "pads CHAR values read from the table",
    ),
    (
        "TIME_ROUND_FRACTIONAL",
        "rounds instead of truncating fractional seconds",
    ),
    ("ALLOW_INVALID_DATES", "accepts dates such as '2024-02-30'"),
];

impl SqlMode {
    /// MariaDB's default parsing: no flag that changes how a query is read.
    pub fn plain() -> SqlMode {
        SqlMode::default()
    }

    /// Reads a mode as `@@sql_mode` spells it (comma-separated flags), refusing flags that change
    /// what an expression computes and flags this version does not know.
    pub fn parse(text: &str) -> Result<SqlMode, EngineError> {
        let text = text.trim().to_ascii_uppercase();
        let mut mode = SqlMode {
            text: text.clone(),
            ..SqlMode::default()
        };
        for flag in text.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match flag {
                "ANSI_QUOTES" => mode.ansi_quotes = true,
                "NO_BACKSLASH_ESCAPES" => mode.no_backslash_escapes = true,
                "PIPES_AS_CONCAT" => mode.pipes_as_concat = true,
                "HIGH_NOT_PRECEDENCE" => mode.high_not_precedence = true,
                "IGNORE_SPACE" => mode.ignore_space = true,
                "REAL_AS_FLOAT" => mode.real_as_float = true,
                f if NEUTRAL.contains(&f) => {}
                f => {
                    let why = REFUSED
                        .iter()
                        .find(|(name, _)| *name == f)
                        .map(|(_, why)| why.to_string())
                        .unwrap_or_else(|| {
                            "is not known to this version of LightningTables".to_string()
                        });
                    return Err(EngineError::unsupported_hint(
                        format!("sql_mode {f}, which {why}"),
                        None,
                        "create the summary from a session without it (SET SESSION sql_mode = ...), or give the mode in the connection options",
                    ));
                }
            }
        }
        Ok(mode)
    }

    /// The flags that change how a query is read, as a short list for messages.
    pub fn reading_flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.ansi_quotes, "ANSI_QUOTES"),
            (self.no_backslash_escapes, "NO_BACKSLASH_ESCAPES"),
            (self.pipes_as_concat, "PIPES_AS_CONCAT"),
            (self.high_not_precedence, "HIGH_NOT_PRECEDENCE"),
            (self.ignore_space, "IGNORE_SPACE"),
            (self.real_as_float, "REAL_AS_FLOAT"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }

    /// The dialect that tokenizes and parses like MariaDB under this mode.
    pub fn dialect(&self) -> ModeDialect {
        ModeDialect {
            ansi_quotes: self.ansi_quotes,
            no_backslash_escapes: self.no_backslash_escapes,
            pipes_as_concat: self.pipes_as_concat,
        }
    }
}

impl fmt::Display for SqlMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            f.write_str("''")
        } else {
            f.write_str(&self.text)
        }
    }
}

/// sqlparser's MySQL dialect with the tokenizing and precedence of a `sql_mode`. It reports
/// itself as [`MySqlDialect`] (so every MySQL-specific rule of the parser applies) and delegates
/// everything else to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModeDialect {
    ansi_quotes: bool,
    no_backslash_escapes: bool,
    pipes_as_concat: bool,
}

/// The precedence `||` gets under `PIPES_AS_CONCAT`: tighter than every binary operator (MariaDB
/// ranks it just below the unary ones). Unary minus still swallows it in sqlparser; `parse`
/// refuses that shape.
pub const CONCAT_PRECEDENCE: u8 = 45;

impl Dialect for ModeDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<MySqlDialect>()
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`' || (self.ansi_quotes && ch == '"')
    }

    fn supports_string_literal_backslash_escape(&self) -> bool {
        !self.no_backslash_escapes
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        if parser.peek_token_ref().token == Token::StringConcat {
            return Some(Ok(if self.pipes_as_concat {
                CONCAT_PRECEDENCE
            } else {
                self.prec_value(Precedence::Or)
            }));
        }
        MySqlDialect {}.get_next_precedence(parser)
    }

    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        MySqlDialect {}.supports_string_literal_table_alias(explicit)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        MySqlDialect {}.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        MySqlDialect {}.is_identifier_part(ch)
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        MySqlDialect {}.identifier_quote_style(identifier)
    }

    fn ordered_bind_placeholder_style(&self) -> Option<BindPlaceholderStyle> {
        MySqlDialect {}.ordered_bind_placeholder_style()
    }

    fn supports_string_literal_concatenation(&self) -> bool {
        MySqlDialect {}.supports_string_literal_concatenation()
    }

    fn ignores_wildcard_escapes(&self) -> bool {
        MySqlDialect {}.ignores_wildcard_escapes()
    }

    fn supports_numeric_prefix(&self) -> bool {
        MySqlDialect {}.supports_numeric_prefix()
    }

    fn supports_literal_prefix_in_qualified_name(&self) -> bool {
        MySqlDialect {}.supports_literal_prefix_in_qualified_name()
    }

    fn supports_bitwise_shift_operators(&self) -> bool {
        MySqlDialect {}.supports_bitwise_shift_operators()
    }

    fn supports_singular_value_keyword(&self) -> bool {
        MySqlDialect {}.supports_singular_value_keyword()
    }

    fn supports_multiline_comment_hints(&self) -> bool {
        MySqlDialect {}.supports_multiline_comment_hints()
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        MySqlDialect {}.parse_infix(parser, expr, precedence)
    }

    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        MySqlDialect {}.parse_statement(parser)
    }

    fn require_interval_qualifier(&self) -> bool {
        MySqlDialect {}.require_interval_qualifier()
    }

    fn supports_limit_comma(&self) -> bool {
        MySqlDialect {}.supports_limit_comma()
    }

    fn supports_create_table_select(&self) -> bool {
        MySqlDialect {}.supports_create_table_select()
    }

    fn supports_insert_set(&self) -> bool {
        MySqlDialect {}.supports_insert_set()
    }

    fn supports_user_host_grantee(&self) -> bool {
        MySqlDialect {}.supports_user_host_grantee()
    }

    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        MySqlDialect {}.is_table_factor_alias(explicit, kw, parser)
    }

    fn supports_table_hints(&self) -> bool {
        MySqlDialect {}.supports_table_hints()
    }

    fn requires_single_line_comment_whitespace(&self) -> bool {
        MySqlDialect {}.requires_single_line_comment_whitespace()
    }

    fn supports_hash_comment(&self) -> bool {
        MySqlDialect {}.supports_hash_comment()
    }

    fn supports_match_against(&self) -> bool {
        MySqlDialect {}.supports_match_against()
    }

    fn supports_select_modifiers(&self) -> bool {
        MySqlDialect {}.supports_select_modifiers()
    }

    fn supports_set_names(&self) -> bool {
        MySqlDialect {}.supports_set_names()
    }

    fn supports_comma_separated_set_assignments(&self) -> bool {
        MySqlDialect {}.supports_comma_separated_set_assignments()
    }

    fn supports_alter_column_position(&self) -> bool {
        MySqlDialect {}.supports_alter_column_position()
    }

    fn supports_update_order_by(&self) -> bool {
        MySqlDialect {}.supports_update_order_by()
    }

    fn supports_data_type_signed_suffix(&self) -> bool {
        MySqlDialect {}.supports_data_type_signed_suffix()
    }

    fn supports_data_type_zerofill_suffix(&self) -> bool {
        MySqlDialect {}.supports_data_type_zerofill_suffix()
    }

    fn supports_cross_join_constraint(&self) -> bool {
        MySqlDialect {}.supports_cross_join_constraint()
    }

    fn supports_double_ampersand_operator(&self) -> bool {
        MySqlDialect {}.supports_double_ampersand_operator()
    }

    fn supports_binary_kw_as_cast(&self) -> bool {
        MySqlDialect {}.supports_binary_kw_as_cast()
    }

    fn supports_table_partitions(&self) -> bool {
        MySqlDialect {}.supports_table_partitions()
    }

    fn supports_comment_optimizer_hint(&self) -> bool {
        MySqlDialect {}.supports_comment_optimizer_hint()
    }

    fn supports_constraint_keyword_without_name(&self) -> bool {
        MySqlDialect {}.supports_constraint_keyword_without_name()
    }

    fn supports_key_column_option(&self) -> bool {
        MySqlDialect {}.supports_key_column_option()
    }

    fn supports_group_by_with_modifier(&self) -> bool {
        MySqlDialect {}.supports_group_by_with_modifier()
    }

    fn supports_left_associative_joins_without_parens(&self) -> bool {
        MySqlDialect {}.supports_left_associative_joins_without_parens()
    }
}
