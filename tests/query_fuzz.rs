//! Query fuzzing: random aggregate queries from a small grammar (keys, aggregates, expressions
//! over aggregates, WHERE, HAVING, ORDER BY/LIMIT, aliases or MariaDB's generated names), each
//! made a summary of on a real server and then compared with its query while a seeded random
//! workload writes to the table. Everything is deterministic: a failure names the seed, the
//! query and the write after which the summary first differs; a query the analyzer refuses is
//! only counted.
//!
//! Constructs that exposed engine bugs are switched off by the `FEATURE_*` constants below (each
//! names the bug), so the committed test passes; switch one on to reproduce its bug.

mod support;

use lightning_tables::db::introspect::IntrospectError;
use lightning_tables::lifecycle::{ChunkPolicy, CreateOptions, LifecycleError};
use mysql::prelude::Queryable;
use mysql::Conn;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::panic::{catch_unwind, AssertUnwindSafe};
use support::compare::{assert_same, Strings};

// ---------------------------------------------------------------------------------------------
// Generator features. `true`: generated; `false`: excluded because of the engine bug named.
// Each doc line names the bug as the fuzz first found it; all but FEATURE_ROUND_OF_FLOAT_AGGREGATE
// (a floating-point limitation) were then fixed, or the construct is now refused with its
// position, and are generated again.
// ---------------------------------------------------------------------------------------------

/// ORDER BY naming an alias that is also a column (`SELECT -g AS g ... GROUP BY g ORDER BY g`):
/// MariaDB orders by the alias, the summary by the column. (Aliases shadowing columns are still
/// generated and named in HAVING; only ORDER BY refers to them by position instead.)
const FEATURE_ORDER_BY_ALIAS_SHADOWING_COLUMN: bool = true;
/// SUM/AVG of a DECIMAL division (`SUM(g / 3)`), and MIN/MAX of one inside arithmetic
/// (`MAX(d / 7) * 7`): the summary keeps each value rounded to its display scale, MariaDB
/// computes with more digits.
const FEATURE_DECIMAL_DIVISION_IN_AGGREGATES: bool = true;
/// AVG of an exact (DECIMAL/INT) argument inside arithmetic (`AVG(g) * 3`): the summary rounds
/// AVG to its display scale in the derived table before the outer expression.
const FEATURE_AVG_OF_EXACT_IN_ARITHMETIC: bool = true;
/// AVG of a DOUBLE expression with fixed decimals (`AVG(ROUND(f, 1))`): MariaDB returns it with
/// decimals + 4 digits, the summary with all of them.
const FEATURE_AVG_OF_FIXED_DECIMALS_DOUBLE: bool = true;
/// Unaliased items the engine names wrongly: literals (`'x'` is named `x`), leading unary
/// operators or parentheses (`-SUM(d)`, `(COUNT(*) + 1) * 2`) and special-syntax functions
/// (`TRIM(s)`, `FLOOR(x)`, `CAST(x AS CHAR)`, `SUBSTRING(s, 1, 2)`, `EXTRACT(YEAR FROM dt)`).
const FEATURE_UNALIASED_SPECIAL_SYNTAX: bool = true;
/// Unaliased items longer than 64 characters: MariaDB names the query's column by the text, a
/// view cannot; `create` fails with a server error instead of refusing the query.
const FEATURE_LONG_UNALIASED_NAMES: bool = true;
/// SUM/AVG of a DATE (`SUM(dt)`; TIME likewise): MariaDB sums the dates as numbers (20210101),
/// the trigger adds `CAST(COALESCE(NEW.dt, 0) AS DECIMAL(65,0))`, which goes through the string
/// '2021-01-01' and yields the year only (2021).
const FEATURE_SUM_OF_DATE: bool = true;
/// GROUP BY a nullable TIMESTAMP column while writers' sessions are not in UTC: the trigger
/// stored the NULL group's placeholder key through the writer's time zone, so the backfilled and
/// the trigger-written NULL rows became two NULL groups (and deltas went to the wrong one). Since
/// commit 4a5ea81 the analyzer refuses such keys, so the generator keeps them: they are counted
/// as refused, and a regression would show up as a difference again.
const FEATURE_NULLABLE_TIMESTAMP_KEY: bool = true;
/// ROUND() of a DOUBLE aggregate (`ROUND(AVG(f), 2)`). Not an engine bug but the documented
/// floating-point limitation: DOUBLE sums are kept incrementally, and a group whose rows were all
/// deleted keeps a residue (-1.1e-13), so a refilled group's AVG(f) is 294.1349999999999 instead
/// of 294.135 and ROUND(..., 2) gives 294.13 instead of 294.14.
const FEATURE_ROUND_OF_FLOAT_AGGREGATE: bool = false;
/// A query without GROUP BY whose only aggregates are MIN/MAX (`SELECT MAX(d) FROM t`): the
/// summary returns one row per state slot row instead of one row.
const FEATURE_GLOBAL_MIN_MAX_ONLY: bool = true;

// ---------------------------------------------------------------------------------------------
// Budget.
// ---------------------------------------------------------------------------------------------

/// Queries per #[test] function (four functions run in parallel).
const QUERIES_PER_TEST: u64 = 20;
/// Random writes per query.
const WRITES: usize = 300;
/// Compare the summary with its query after this many writes (and after the last one).
const COMPARE_EVERY: usize = 20;
/// Separates the workload's random stream from the query generator's.
const WORKLOAD_SALT: u64 = 0x5eed_0000_0000_0001;
/// The summary's name.
const VIEW: &str = "fuzz_summary";

const TABLE: &str = "CREATE TABLE `t` (
  `id` INT NOT NULL PRIMARY KEY,
  `g` INT NULL,
  `s` VARCHAR(8) COLLATE utf8mb4_general_ci NULL,
  `d` DECIMAL(20,4) NULL,
  `f` DOUBLE NULL,
  `b` BIGINT NULL,
  `u` BIGINT UNSIGNED NULL,
  `dt` DATE NULL,
  `ts` TIMESTAMP NULL DEFAULT NULL
) ENGINE=InnoDB";

const COLUMNS: &[&str] = &["id", "g", "s", "d", "f", "b", "u", "dt", "ts"];

/// Writers' (and the comparison's) session time zones: the engine's own sessions use UTC.
const TIME_ZONES: &[&str] = &["+00:00", "+05:00", "-08:00", "+13:00"];

// ---------------------------------------------------------------------------------------------
// Data and writes (after tests/exactness.rs, with more statement kinds and a NULL rate).
// ---------------------------------------------------------------------------------------------

fn value<T: ToString>(rng: &mut StdRng, null_pct: u32, v: T) -> String {
    if rng.gen_range(0..100) < null_pct {
        "NULL".into()
    } else {
        v.to_string()
    }
}

fn row_values(rng: &mut StdRng, id: i64, null_pct: u32) -> String {
    let strings = [
        "'a'", "'A'", "'a '", "'b'", "'B  '", "'c'", "''", "'ab'", "'Ab'",
    ];
    let g = rng.gen_range(-1..6);
    let g = value(rng, null_pct, g);
    let s = strings[rng.gen_range(0..strings.len())];
    let s = value(rng, null_pct, s);
    let d = format!(
        "{}{}.{:04}",
        if rng.gen_bool(0.4) { "-" } else { "" },
        rng.gen_range(0..500),
        rng.gen_range(0..10000)
    );
    let d = value(rng, null_pct, d);
    let f = format!("{:.3}", rng.gen_range(-1000.0..1000.0));
    let f = value(rng, null_pct, f);
    let big = [
        i64::MAX - rng.gen_range(0..10),
        i64::MIN + rng.gen_range(0..10),
        rng.gen_range(-5..5),
    ];
    let b = big[rng.gen_range(0..3)];
    let b = value(rng, null_pct, b);
    let u = [u64::MAX - rng.gen_range(0..10), rng.gen_range(0..5)];
    let u = u[rng.gen_range(0..2)];
    let u = value(rng, null_pct, u);
    let dt = format!(
        "'{}-0{}-1{}'",
        rng.gen_range(2019..2024),
        rng.gen_range(1..9),
        rng.gen_range(0..9)
    );
    let dt = value(rng, null_pct, dt);
    let ts = format!(
        "'{}-0{}-1{} {:02}:{:02}:00'",
        rng.gen_range(2019..2024),
        rng.gen_range(1..9),
        rng.gen_range(0..9),
        rng.gen_range(0..24),
        rng.gen_range(0..4) * 15
    );
    let ts = value(rng, null_pct, ts);
    format!("({id}, {g}, {s}, {d}, {f}, {b}, {u}, {dt}, {ts})")
}

/// One random write: usually one statement, sometimes a transaction.
fn statement(rng: &mut StdRng, next_id: &mut i64, null_pct: u32) -> Vec<String> {
    let id = |rng: &mut StdRng| rng.gen_range(1..=(*next_id).max(1));
    let one = match rng.gen_range(0..120) {
        0..=17 => {
            *next_id += 1;
            format!(
                "INSERT INTO `t` VALUES {}",
                row_values(rng, *next_id, null_pct)
            )
        }
        18..=25 => {
            let n = rng.gen_range(2..6);
            let rows: Vec<String> = (0..n)
                .map(|_| {
                    *next_id += 1;
                    row_values(rng, *next_id, null_pct)
                })
                .collect();
            format!("INSERT INTO `t` VALUES {}", rows.join(", "))
        }
        26..=32 => {
            let i = id(rng);
            let g = rng.gen_range(0..6);
            format!(
                "INSERT INTO `t` VALUES {} ON DUPLICATE KEY UPDATE `g` = {g}, `d` = `d` + 1",
                row_values(rng, i, null_pct)
            )
        }
        33..=39 => {
            let i = id(rng);
            format!("REPLACE INTO `t` VALUES {}", row_values(rng, i, null_pct))
        }
        40..=48 => {
            let g = rng.gen_range(-1..6);
            let g = value(rng, 30, g);
            format!("UPDATE `t` SET `g` = {g} WHERE `id` = {}", id(rng))
        }
        49..=54 => format!(
            "UPDATE `t` SET `d` = `d` * -1, `f` = `f` + 0.5, `s` = UPPER(`s`) WHERE `id` % 7 = {}",
            rng.gen_range(0..7)
        ),
        55..=60 => {
            let fresh = row_values(rng, 0, null_pct);
            let cols = fresh
                .trim_start_matches("(0, ")
                .trim_end_matches(')')
                .to_string();
            let parts: Vec<&str> = cols.split(", ").collect();
            format!(
                "UPDATE `t` SET `s` = {}, `b` = {}, `u` = {}, `dt` = {}, `ts` = {} WHERE `id` = {}",
                parts[1],
                parts[4],
                parts[5],
                parts[6],
                parts[7],
                id(rng)
            )
        }
        61..=64 => format!(
            "UPDATE `t` SET `g` = NULL WHERE `g` = {}",
            rng.gen_range(0..6)
        ),
        65..=67 => "UPDATE `t` SET `id` = `id` WHERE `id` < 3".into(),
        68..=71 => {
            let s = ["'a'", "'A '", "'B'", "'b  '", "'ab'", "NULL"][rng.gen_range(0..6)];
            format!(
                "UPDATE `t` SET `s` = {s} WHERE `id` % 5 = {}",
                rng.gen_range(0..5)
            )
        }
        72..=74 => format!(
            "UPDATE `t` SET `d` = `d` / 3, `f` = `f` / 3, `dt` = `dt` + INTERVAL 1 YEAR WHERE `g` <=> {}",
            rng.gen_range(0..6)
        ),
        75..=77 => {
            // Copies a few rows under new ids: one statement, several trigger calls.
            let a = id(rng);
            let first = *next_id + 1;
            *next_id += 5;
            format!(
                "INSERT INTO `t` SELECT `id` - {a} + {first}, `g`, `s`, `d`, `f`, `b`, `u`, `dt`, `ts` FROM `t` WHERE `id` BETWEEN {a} AND {a} + 4"
            )
        }
        78..=79 => {
            let i = id(rng);
            *next_id += 1;
            format!(
                "INSERT IGNORE INTO `t` VALUES {}, {}",
                row_values(rng, i, null_pct),
                row_values(rng, *next_id, null_pct)
            )
        }
        80..=81 => {
            // Moves a row to a new primary key.
            let i = id(rng);
            *next_id += 1;
            format!("UPDATE `t` SET `id` = {} WHERE `id` = {i}", *next_id)
        }
        82..=84 => format!(
            "UPDATE `t` SET `u` = `u` + 1, `g` = `g` + 1 WHERE `u` < 100 AND `id` % 3 = {}",
            rng.gen_range(0..3)
        ),
        85..=86 => format!(
            "UPDATE `t` SET `f` = -`f`, `b` = IF(`b` > 0, `b` - 1, `b` + 1), `ts` = IF(`ts` IS NULL, '2021-06-01 12:00:00', NULL) WHERE `id` % 4 = {}",
            rng.gen_range(0..4)
        ),
        87..=90 => {
            // A transaction, rolled back or committed: the summary must follow either way.
            let mut out = vec!["START TRANSACTION".to_string()];
            for _ in 0..rng.gen_range(1..4) {
                let inner = statement(rng, next_id, null_pct);
                out.extend(inner.into_iter().filter(|s| {
                    !matches!(s.as_str(), "START TRANSACTION" | "COMMIT" | "ROLLBACK")
                }));
            }
            out.push(if rng.gen_bool(0.5) { "ROLLBACK" } else { "COMMIT" }.to_string());
            return out;
        }
        91..=102 => format!("DELETE FROM `t` WHERE `id` = {}", id(rng)),
        103..=108 => {
            let g = rng.gen_range(0..6);
            format!("DELETE FROM `t` WHERE `g` <=> {}", value(rng, 30, g))
        }
        109..=113 => format!(
            "DELETE FROM `t` ORDER BY `id` DESC LIMIT {}",
            rng.gen_range(1..4)
        ),
        114..=117 => format!(
            "DELETE FROM `t` WHERE `s` = 'a' AND `id` % 3 = {}",
            rng.gen_range(0..3)
        ),
        _ => "DELETE FROM `t`".into(),
    };
    vec![one]
}

// ---------------------------------------------------------------------------------------------
// The query grammar.
// ---------------------------------------------------------------------------------------------

/// A group key: expression, whether it is a bare column, numeric, a case-insensitive string.
struct KeyDef {
    expr: &'static str,
    column: bool,
    numeric: bool,
    ci: bool,
}

const fn key(expr: &'static str, column: bool, numeric: bool, ci: bool) -> KeyDef {
    KeyDef {
        expr,
        column,
        numeric,
        ci,
    }
}

const KEYS: &[KeyDef] = &[
    key("g", true, true, false),
    key("s", true, false, true),
    key("dt", true, false, false),
    key("d", true, true, false),
    key("g % 3", false, true, false),
    key("LEFT(s, 1)", false, false, true),
    key("YEAR(dt)", false, true, false),
    key("MONTH(dt)", false, true, false),
    key("IFNULL(g, -1)", false, true, false),
    key("d > 0", false, true, false),
    key("g DIV 2", false, true, false),
    key("s IS NULL", false, true, false),
    key("UPPER(s)", false, false, true),
    key("TRIM(s)", false, false, true),
    key("s COLLATE utf8mb4_nopad_bin", false, false, false),
    key("COALESCE(s, 'none')", false, false, true),
    key("ROUND(d)", false, true, false),
    key("SIGN(b)", false, true, false),
    key("u > 100", false, true, false),
    key(
        "CASE WHEN g < 2 THEN 'low' WHEN g < 4 THEN 'mid' ELSE 'high' END",
        false,
        false,
        false,
    ),
    key("FLOOR(f / 250)", false, true, false),
    key("DATE_FORMAT(dt, '%Y-%m')", false, false, false),
    key("b > 0", false, true, false),
    key("id % 4", false, true, false),
    key("LENGTH(s)", false, true, false),
    key("CONCAT(LEFT(s, 1), '-', g % 2)", false, false, true),
    key("dt + INTERVAL 1 MONTH", false, false, false),
    key("CAST(g AS CHAR)", false, false, false),
    key("SUBSTRING(s, 1, 2)", false, false, true),
    key("EXTRACT(YEAR FROM dt)", false, true, false),
    key("g * 1.5", false, true, false),
    key("f", true, true, false),
    key("NULLIF(g, 0)", false, true, false),
    key("DAYOFWEEK(dt)", false, true, false),
    key("s = 'a'", false, true, false),
    key("ts", true, false, false),
    key("IF(g > 2, 'big', s)", false, false, true),
    key("COALESCE(g, d)", false, true, false),
    key("GREATEST(g, 2)", false, true, false),
    key("ABS(d) DIV 100", false, true, false),
    key("CHAR_LENGTH(s)", false, true, false),
    key("REVERSE(s)", false, false, true),
    key("s LIKE 'a%'", false, true, false),
    key("QUARTER(dt)", false, true, false),
    key("LAST_DAY(dt)", false, false, false),
    key("g IN (1, 2)", false, true, false),
    key("MOD(id, 3)", false, true, false),
    key("g > 2 AND d > 0", false, true, false),
    // Keys stored under a SHA-256 of their bytes (issue 15): TEXT and MEDIUMTEXT under a PAD
    // SPACE `_bin` collation ('a' and 'a ' one group, shown in either spelling) and a
    // MEDIUMBLOB. Their values are short (g never exceeds 100), their types are not.
    key(
        "IF(g > 100, REPEAT(s, 1000), s) COLLATE utf8mb4_bin",
        false,
        false,
        true,
    ),
    key(
        "IF(g > 100, REPEAT(s, 3000), s) COLLATE utf8mb4_bin",
        false,
        false,
        true,
    ),
    key(
        "IF(g > 100, REPEAT(CAST(s AS BINARY), 30000), CAST(s AS BINARY))",
        false,
        false,
        false,
    ),
];

/// Arguments of SUM/AVG/COUNT: expression, DOUBLE-valued, a DECIMAL division, BIGINT-sized
/// (kept out of arithmetic over aggregates, where the query itself could overflow).
const SUM_ARGS: &[(&str, bool, bool, bool)] = &[
    ("d", false, false, false),
    ("f", true, false, false),
    ("g", false, false, false),
    ("b", false, false, true),
    ("u", false, false, true),
    ("id", false, false, false),
    ("d * 2", false, false, false),
    ("IF(g > 2, d, NULL)", false, false, false),
    ("CASE WHEN s = 'a' THEN 1 ELSE 0 END", false, false, false),
    ("g + 0.5", false, false, false),
    ("LENGTH(s)", false, false, false),
    ("IFNULL(d, 0)", false, false, false),
    ("COALESCE(f, -1)", true, false, false),
    ("d > 0", false, false, false),
    ("YEAR(dt)", false, false, false),
    ("g * d", false, false, false),
    ("ROUND(f, 1)", true, false, false),
    ("f / 3", true, false, false),
    ("d / 7", false, true, false),
    ("g / 3", false, true, false),
    ("d / g", false, true, false),
    ("dt", false, false, true),
    ("IF(s LIKE 'a%', d, 0)", false, false, false),
    ("CASE WHEN d > 0 THEN 1 END", false, false, false),
    ("-d", false, false, false),
    ("b DIV 1000", false, false, true),
    ("ABS(g)", false, false, false),
    ("GREATEST(d, f)", true, false, false),
    ("u DIV 1000", false, false, true),
];

/// Arguments of MIN/MAX: expression, DOUBLE, case-insensitive string, usable in arithmetic.
const MINMAX_ARGS: &[(&str, bool, bool, bool)] = &[
    ("d", false, false, true),
    ("f", true, false, true),
    ("g", false, false, true),
    ("b", false, false, false),
    ("u", false, false, false),
    ("s", false, true, false),
    ("dt", false, false, false),
    ("LEFT(s, 2)", false, true, false),
    ("YEAR(dt)", false, false, true),
    ("d * -1", false, false, true),
    ("s COLLATE utf8mb4_nopad_bin", false, false, false),
    ("IFNULL(s, '~')", false, true, false),
    ("g % 3", false, false, true),
    ("CONCAT(s, g)", false, true, false),
    ("d / 7", false, false, true),
    ("f * 2", true, false, true),
    ("id", false, false, true),
    ("ts", false, false, false),
    ("IF(g > 2, s, NULL)", false, true, false),
    ("GREATEST(d, f)", true, false, true),
    ("-d", false, false, true),
    ("DATE_FORMAT(dt, '%Y-%m')", false, false, false),
    ("ABS(g - 2)", false, false, true),
];

/// Arguments of SUM/AVG(DISTINCT): exact numbers (floating point is refused), usable in
/// arithmetic.
const DISTINCT_SUM_ARGS: &[&str] = &[
    "d",
    "g",
    "b",
    "id",
    "d * 2",
    "-d",
    "ABS(g)",
    "IFNULL(d, 0)",
    "LENGTH(s)",
    "g % 3",
];

/// Arguments of BIT_AND/BIT_OR/BIT_XOR: integers, negative ones among them (two's complement).
const BIT_ARGS: &[&str] = &[
    "g",
    "b",
    "u",
    "id",
    "-g",
    "g % 3",
    "CAST(d AS SIGNED)",
    "b DIV 7",
];

/// Arguments of STDDEV/VARIANCE: integers and DECIMALs without decimals of at most 14 digits.
const VARIANCE_ARGS: &[&str] = &["g", "id", "g % 3", "CAST(d AS DECIMAL(12,0))"];

/// Arguments of GROUP_CONCAT(DISTINCT): types whose equal values have one spelling.
const CONCAT_ARGS: &[&str] = &[
    "g",
    "d",
    "id",
    "dt",
    "b",
    "u",
    "g % 3",
    "CAST(d AS SIGNED)",
    "s COLLATE utf8mb4_nopad_bin",
    "CAST(s AS BINARY)",
];

/// Second items of a `COUNT(DISTINCT a, b)` tuple.
const DISTINCT_TUPLE_ARGS: &[&str] = &["g", "s", "dt", "d", "LEFT(s, 1)", "g % 2", "f"];

/// Constructs the analyzer refuses (a few queries get one, to exercise the refusal path).
const REFUSED_ITEMS: &[&str] = &[
    "GROUP_CONCAT(s)",
    "GROUP_CONCAT(DISTINCT s)",
    "GROUP_CONCAT(DISTINCT g ORDER BY id)",
    "SUM(DISTINCT f)",
    "STDDEV(f)",
    "VAR_SAMP(b)",
    "STDDEV(d)",
    "BIT_OR(f)",
    "SUM(ts)",
];

/// Expressions over aggregates: text, DOUBLE, case-insensitive string, numeric (usable in
/// comparisons and ordering).
const TEMPLATES: &[(&str, bool, bool, bool)] = &[
    ("SUM(d) / COUNT(*)", false, false, true),
    ("ROUND(AVG(f), 2)", true, false, true),
    ("MAX(d) - MIN(d)", false, false, true),
    ("COUNT(*) * 2", false, false, true),
    ("IF(SUM(b) > 0, 'pos', 'neg')", false, false, false),
    ("COALESCE(SUM(d), 0)", false, false, true),
    ("COUNT(d) / COUNT(*)", false, false, true),
    ("ROUND(AVG(d), 2)", false, false, true),
    ("MAX(g) * 10 + MIN(g)", false, false, true),
    ("(COUNT(*) + 1) * 2", false, false, true),
    ("CONCAT(COUNT(*), ' rows')", false, false, false),
    ("IFNULL(MIN(s), '-')", false, true, false),
    (
        "CASE WHEN COUNT(*) > 3 THEN 'many' ELSE 'few' END",
        false,
        false,
        false,
    ),
    ("DATEDIFF(MAX(dt), MIN(dt))", false, false, true),
    ("AVG(g) > 2", false, false, true),
    ("SUM(u) / 2", false, false, true),
    ("SUM(b) / 2", false, false, true),
    ("MAX(dt) + INTERVAL 1 DAY", false, false, false),
    ("COUNT(*) - COUNT(d)", false, false, true),
    ("SUM(f) / NULLIF(COUNT(f), 0)", true, false, true),
    ("LEAST(MIN(d), 0)", false, false, true),
    ("ROUND(SUM(d), -1)", false, false, true),
    ("TRUNCATE(AVG(d), 1)", false, false, true),
    ("SUM(d) / SUM(g)", false, false, true),
    ("100 * COUNT(d) / COUNT(*)", false, false, true),
    ("MAX(LENGTH(s))", false, false, true),
    ("UPPER(MAX(s))", false, true, false),
    ("MIN(dt) IS NULL", false, false, true),
    ("AVG(b)", false, false, true),
    ("SUM(u) + SUM(b)", false, false, true),
];

const WHERE_ATOMS: &[&str] = &[
    "d > 0",
    "g IS NULL",
    "g IS NOT NULL",
    "s LIKE 'a%'",
    "s IN ('a', 'b')",
    "g BETWEEN 1 AND 3",
    "dt >= '2021-01-01'",
    "f < 100",
    "b > 0",
    "u < 100",
    "NOT (g = 2)",
    "s = 'A'",
    "d BETWEEN -100 AND 100",
    "IFNULL(g, 0) <> 1",
    "LEFT(s, 1) = 'b'",
    "YEAR(dt) IN (2020, 2022)",
    "s IS NOT NULL",
    "id % 3 <> 0",
    "s COLLATE utf8mb4_nopad_bin = 'a'",
    "g NOT IN (1, 4)",
    "dt BETWEEN '2020-01-01' AND '2022-06-30'",
    "d * g > 10",
    "s > 'a'",
    "TRIM(s) = 'b'",
    "u BETWEEN 0 AND 3",
    "f IS NULL OR f > -500",
    "s = 'a '",
    "CONCAT(s, 'x') = 'ax'",
    "dt IS NULL",
    "f BETWEEN -200 AND 200",
];

const HAVING_ATOMS: &[&str] = &[
    "NOT (COUNT(*) = 2)",
    "COUNT(*) > 1 OR MAX(d) > 100",
    "MAX(s) > 'a'",
    "SUM(d) IS NULL",
    "COUNT(*) > 1",
    "COUNT(*) > 3",
    "SUM(d) > 0",
    "MAX(f) < 500",
    "MIN(g) IS NOT NULL",
    "AVG(d) BETWEEN -50 AND 50",
    "COUNT(d) >= 1",
    "MAX(dt) >= '2021-01-01'",
    "SUM(g) <> 3",
    "MIN(s) <> 'b'",
];

const ALIASES: &[&str] = &[
    "n",
    "total",
    "avg_v",
    "lo",
    "hi",
    "metric",
    "Cnt",
    "`my col`",
    "`Total value`",
    "x_1",
    "bucket",
    "grp",
];

/// One select item.
#[derive(Clone, Debug)]
struct Item {
    /// The expression as written.
    text: String,
    /// The alias as written (maybe back-quoted), if any.
    alias: Option<String>,
    float: bool,
    ci: bool,
    numeric: bool,
    /// Index of the group key this item is (exactly).
    key: Option<usize>,
}

/// A value the generator built: text and what it is.
#[derive(Clone, Debug)]
struct Val {
    text: String,
    float: bool,
    ci: bool,
    numeric: bool,
}

struct QueryGen<'r> {
    rng: &'r mut StdRng,
    /// Result column names so far (lowercase: MariaDB's are case-insensitive).
    names: Vec<String>,
    features: Vec<String>,
    /// Aggregate with MIN/MAX only.
    minmax_only: bool,
    /// The query's group keys that are bare columns (favoured as shadowing aliases).
    key_columns: Vec<&'static str>,
}

fn bare(name: &str) -> String {
    name.trim_matches('`').to_string()
}

/// A constant select item.
fn is_literal(text: &str) -> bool {
    text.starts_with('\'') || text == "NULL" || text.parse::<f64>().is_ok()
}

/// A DOUBLE expression with a fixed number of decimals.
fn fixed_decimals_double(arg: &str) -> bool {
    arg.starts_with("ROUND(f") || arg.starts_with("TRUNCATE(f")
}

/// Whether the engine derives a wrong name for this unaliased item (see
/// `FEATURE_UNALIASED_SPECIAL_SYNTAX`).
fn special_syntax(text: &str) -> bool {
    let upper = text.trim_start().to_uppercase();
    ["(", "-", "'", "NOT ", "INTERVAL "]
        .iter()
        .chain(&[
            "TRIM(",
            "FLOOR(",
            "CEIL(",
            "CEILING(",
            "SUBSTRING(",
            "POSITION(",
            "CAST(",
            "EXTRACT(",
            "CONVERT(",
        ])
        .any(|p| upper.starts_with(p))
}

impl QueryGen<'_> {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    /// `NAME(arg)` in a random spelling (case, spaces, back-quoted column).
    fn call(&mut self, f: &str, arg: &str) -> String {
        let name = match self.rng.gen_range(0..5) {
            0 => f.to_lowercase(),
            1 => {
                let lower = f.to_lowercase();
                format!("{}{}", &f[..1], &lower[1..])
            }
            _ => f.to_string(),
        };
        let arg = if COLUMNS.contains(&arg) && self.rng.gen_bool(0.2) {
            format!("`{arg}`")
        } else {
            arg.to_string()
        };
        if self.rng.gen_bool(0.2) {
            format!("{name}( {arg} )")
        } else {
            format!("{name}({arg})")
        }
    }

    /// One aggregate call; `arith`: only numeric, overflow-safe ones.
    fn leaf(&mut self, arith: bool) -> Val {
        let sum_args: Vec<(&str, bool, bool, bool)> = SUM_ARGS
            .iter()
            .copied()
            .filter(|a| FEATURE_DECIMAL_DIVISION_IN_AGGREGATES || !a.2)
            .filter(|a| FEATURE_SUM_OF_DATE || a.0 != "dt")
            .filter(|a| !arith || !a.3)
            .collect();
        match self.rng.gen_range(0..12) {
            _ if self.minmax_only => {
                let (arg, float, ci, numeric) = *self.pick(MINMAX_ARGS);
                let f = if self.rng.gen_bool(0.5) { "MIN" } else { "MAX" };
                Val {
                    text: self.call(f, arg),
                    float,
                    ci,
                    numeric,
                }
            }
            0 | 1 => {
                let text = if self.rng.gen_bool(0.8) {
                    self.call("COUNT", "*")
                } else {
                    self.call("COUNT", "1")
                };
                Val {
                    text,
                    float: false,
                    ci: false,
                    numeric: true,
                }
            }
            2 => {
                let arg = if self.rng.gen_bool(0.5) {
                    self.pick(&sum_args).0
                } else {
                    self.pick(MINMAX_ARGS).0
                };
                Val {
                    text: self.call("COUNT", arg),
                    float: false,
                    ci: false,
                    numeric: true,
                }
            }
            3..=7 => {
                let (arg, float, _, _) = *self.pick(&sum_args);
                let mut f = if self.rng.gen_bool(0.6) { "SUM" } else { "AVG" };
                if f == "AVG"
                    && ((arith && !float && !FEATURE_AVG_OF_EXACT_IN_ARITHMETIC)
                        || (fixed_decimals_double(arg) && !FEATURE_AVG_OF_FIXED_DECIMALS_DOUBLE))
                {
                    f = "SUM";
                }
                if f == "AVG" && arith && !float {
                    self.features
                        .push("AVG of an exact argument in arithmetic".into());
                }
                if f == "AVG" && fixed_decimals_double(arg) {
                    self.features.push("AVG of a fixed-decimals DOUBLE".into());
                }
                if arg.contains(" / ") && !float {
                    self.features.push(format!("{f} of a DECIMAL division"));
                }
                if arg == "dt" {
                    self.features.push(format!("{f} of a DATE"));
                }
                Val {
                    text: self.call(f, arg),
                    float,
                    ci: false,
                    numeric: true,
                }
            }
            10 | 11 => self.distinct_leaf(arith),
            _ => {
                let args: Vec<_> = MINMAX_ARGS
                    .iter()
                    .filter(|a| !arith || a.3)
                    .filter(|a| {
                        !arith || FEATURE_DECIMAL_DIVISION_IN_AGGREGATES || !a.0.contains(" / ")
                    })
                    .collect();
                let (arg, float, ci, numeric) = **self.pick(&args);
                let f = if self.rng.gen_bool(0.5) { "MIN" } else { "MAX" };
                if arith && arg.contains(" / ") && !float {
                    self.features
                        .push("MIN/MAX of a DECIMAL division in arithmetic".into());
                }
                Val {
                    text: self.call(f, arg),
                    float,
                    ci,
                    numeric: numeric || arg == "b" || arg == "u",
                }
            }
        }
    }

    /// A DISTINCT aggregate (issue 15): COUNT of one value or a tuple, SUM/AVG of an exact one;
    /// outside arithmetic (a BIGINT UNSIGNED result) also BIT_AND/BIT_OR/BIT_XOR and
    /// GROUP_CONCAT(DISTINCT) (a string); and a STDDEV/VARIANCE of an exact value (a DOUBLE).
    fn distinct_leaf(&mut self, arith: bool) -> Val {
        let numeric = |text: String| Val {
            text,
            float: false,
            ci: false,
            numeric: true,
        };
        match self.rng.gen_range(0..7) {
            6 if !arith => {
                // A string: ascending without ORDER BY, or as ordered, any separator.
                let a = *self.pick(CONCAT_ARGS);
                let order = *self.pick(&[
                    "",
                    " ORDER BY {a}",
                    " ORDER BY {a} ASC",
                    " ORDER BY {a} DESC",
                ]);
                let sep =
                    *self.pick(&["", "", " SEPARATOR '|'", " SEPARATOR ''", " SEPARATOR ', '"]);
                let order = order.replace("{a}", a);
                let text = self.call("GROUP_CONCAT", &format!("DISTINCT {a}{order}{sep}"));
                Val {
                    text,
                    float: false,
                    ci: false,
                    numeric: false,
                }
            }
            5 | 6 => {
                let a = *self.pick(VARIANCE_ARGS);
                let f = *self.pick(&[
                    "VARIANCE",
                    "VAR_POP",
                    "VAR_SAMP",
                    "STD",
                    "STDDEV",
                    "STDDEV_POP",
                    "STDDEV_SAMP",
                ]);
                Val {
                    text: self.call(f, a),
                    float: true,
                    ci: false,
                    numeric: true,
                }
            }
            4 if !arith => {
                let a = *self.pick(BIT_ARGS);
                let f = *self.pick(&["BIT_AND", "BIT_OR", "BIT_XOR"]);
                let text = self.call(f, a);
                numeric(text)
            }
            0 => {
                let a = self.pick(MINMAX_ARGS).0;
                let text = self.call("COUNT", &format!("DISTINCT {a}"));
                numeric(text)
            }
            1 => {
                let a = self.pick(MINMAX_ARGS).0;
                let b = *self.pick(DISTINCT_TUPLE_ARGS);
                let text = self.call("COUNT", &format!("DISTINCT {a}, {b}"));
                numeric(text)
            }
            _ => {
                // BIGINT sums stay out of arithmetic (as for SUM_ARGS).
                let args: Vec<&str> = DISTINCT_SUM_ARGS
                    .iter()
                    .copied()
                    .filter(|a| !arith || *a != "b")
                    .collect();
                let a = *self.pick(&args);
                // AVG(DISTINCT) inside arithmetic is refused (MariaDB rounds it or not
                // depending on the plan); a few are generated to exercise the refusal.
                let avg = self.rng.gen_bool(if arith { 0.1 } else { 0.5 });
                let f = if avg { "AVG" } else { "SUM" };
                let text = self.call(f, &format!("DISTINCT {a}"));
                numeric(text)
            }
        }
    }

    /// Arithmetic over aggregates (numeric, no BIGINT overflow, no float divisors/comparisons).
    fn arith(&mut self, depth: u32) -> Val {
        if depth == 0 || self.rng.gen_bool(0.4) {
            return self.leaf(true);
        }
        let a = self.arith(depth - 1);
        let num = |text: String, float: bool| Val {
            text,
            float,
            ci: false,
            numeric: true,
        };
        match self.rng.gen_range(0..9) {
            0 | 1 => {
                let b = self.arith(depth - 1);
                let op = *self.pick(&["+", "-", "*"]);
                num(format!("{} {op} {}", a.text, b.text), a.float || b.float)
            }
            2 => {
                let b = self.arith(depth - 1);
                let op = *self.pick(&["+", "-", "*"]);
                num(format!("({} {op} {})", a.text, b.text), a.float || b.float)
            }
            3 => {
                let mut b = self.arith(depth - 1);
                if b.float {
                    b = self.leaf(true);
                    if b.float {
                        return a;
                    }
                }
                num(format!("{} / {}", a.text, b.text), a.float)
            }
            4 if !a.float => {
                let n = self.rng.gen_range(0..3);
                num(format!("ROUND({}, {n})", a.text), false)
            }
            5 => num(format!("IFNULL({}, 0)", a.text), a.float),
            6 => {
                self.features.push("unary minus".into());
                num(format!("-{}", a.text), a.float)
            }
            7 if !a.float => {
                let b = self.arith(depth - 1);
                if b.float {
                    return a;
                }
                let f = *self.pick(&["GREATEST", "LEAST"]);
                num(format!("{f}({}, {})", a.text, b.text), false)
            }
            8 if !a.float => {
                let b = self.arith(depth - 1);
                if b.float {
                    return a;
                }
                num(format!("IF({} > {}, 1, 0)", a.text, b.text), false)
            }
            _ => num(format!("ABS({})", a.text), a.float),
        }
    }

    fn template(&mut self, keys: &[usize]) -> Val {
        // Now and then an expression over a numeric key and an aggregate.
        let numeric_keys: Vec<usize> = keys.iter().copied().filter(|&k| KEYS[k].numeric).collect();
        if !numeric_keys.is_empty() && self.rng.gen_bool(0.2) {
            let k = &KEYS[*self.pick(&numeric_keys)];
            let kt = if k.column {
                k.expr.to_string()
            } else {
                format!("({})", k.expr)
            };
            let (text, numeric) = match self.rng.gen_range(0..3) {
                0 => (format!("{kt} * COUNT(*)"), true),
                1 => (format!("CONCAT({kt}, ':', COUNT(*))"), false),
                _ => (format!("IFNULL({kt}, -1) + SUM(g)"), true),
            };
            return Val {
                text,
                float: false,
                ci: false,
                numeric,
            };
        }
        let templates: Vec<&(&str, bool, bool, bool)> = TEMPLATES
            .iter()
            .filter(|t| FEATURE_ROUND_OF_FLOAT_AGGREGATE || !(t.1 && t.0.starts_with("ROUND(")))
            .collect();
        let (text, float, ci, numeric) = **self.pick(&templates);
        if float && text.starts_with("ROUND(") {
            self.features.push("ROUND of a DOUBLE aggregate".into());
        }
        let text = if self.rng.gen_bool(0.25) {
            text.to_lowercase()
        } else {
            text.to_string()
        };
        Val {
            text,
            float,
            ci,
            numeric,
        }
    }

    fn literal(&mut self) -> Val {
        let (text, numeric) =
            *self.pick(&[("'x'", false), ("1", true), ("NULL", false), ("2.5", true)]);
        Val {
            text: text.into(),
            float: false,
            ci: false,
            numeric,
        }
    }

    fn name_taken(&self, name: &str) -> bool {
        self.names.contains(&name.to_lowercase())
    }

    /// Names the item: an alias (maybe shadowing a column) or MariaDB's generated name.
    fn name_item(&mut self, v: Val, key: Option<usize>, force_alias: bool) -> Item {
        let generated = if let Some(k) = key {
            if KEYS[k].column {
                bare(&v.text)
            } else {
                v.text.clone()
            }
        } else {
            v.text.clone()
        };
        let mut alias = None;
        let special = key.is_none_or(|k| !KEYS[k].column) && special_syntax(&v.text);
        let must_alias = force_alias
            || self.name_taken(&generated)
            || (!FEATURE_LONG_UNALIASED_NAMES && generated.chars().count() > 64)
            || (!FEATURE_UNALIASED_SPECIAL_SYNTAX && special);
        let alias_pct = if key.is_some_and(|k| KEYS[k].column) {
            0.6
        } else {
            0.45
        };
        if must_alias || self.rng.gen_bool(alias_pct) {
            for _ in 0..20 {
                let candidate =
                    if key.is_none() && !self.key_columns.is_empty() && self.rng.gen_bool(0.35) {
                        let cols = self.key_columns.clone();
                        (*self.pick(&cols)).to_string()
                    } else if self.rng.gen_bool(0.2) {
                        (*self.pick(COLUMNS)).to_string()
                    } else if self.rng.gen_bool(0.7) {
                        (*self.pick(ALIASES)).to_string()
                    } else {
                        format!("c{}", self.names.len())
                    };
                // A key's alias never names a column: GROUP BY <alias> would group by the column.
                let is_column = COLUMNS.contains(&bare(&candidate).as_str());
                let free = !self.name_taken(&bare(&candidate));
                if free && (key.is_none() || !is_column) {
                    if is_column {
                        self.features
                            .push(format!("alias {candidate} shadows a column"));
                    }
                    alias = Some(candidate);
                    break;
                }
            }
        }
        if alias.is_none() && must_alias {
            alias = Some(format!(
                "c{}_{}",
                self.names.len(),
                self.rng.gen_range(0..1000)
            ));
        }
        let name = match &alias {
            Some(a) => bare(a),
            None => {
                if special {
                    self.features
                        .push(format!("unaliased special syntax {}", v.text));
                }
                if generated.chars().count() > 64 {
                    self.features
                        .push("unaliased name over 64 characters".into());
                }
                generated
            }
        };
        self.names.push(name.to_lowercase());
        Item {
            text: v.text,
            alias,
            float: v.float,
            ci: v.ci,
            numeric: v.numeric,
            key,
        }
    }

    fn where_clause(&mut self) -> String {
        let n = self.rng.gen_range(1..4);
        let mut out = String::new();
        for i in 0..n {
            let atom = *self.pick(WHERE_ATOMS);
            let atom = if atom.contains(" OR ") || self.rng.gen_bool(0.2) {
                format!("({atom})")
            } else {
                atom.to_string()
            };
            let atom = if self.rng.gen_bool(0.1) {
                format!("NOT {atom}")
            } else {
                atom
            };
            if i > 0 {
                out.push_str(if self.rng.gen_bool(0.6) {
                    " AND "
                } else {
                    " OR "
                });
            }
            out.push_str(&atom);
        }
        out
    }

    fn having_clause(&mut self, items: &[Item], keys: &[usize]) -> String {
        let n = self.rng.gen_range(1..3);
        let mut atoms = Vec::new();
        for _ in 0..n {
            let by_alias: Vec<&Item> = items
                .iter()
                .filter(|i| i.alias.is_some() && i.numeric && !i.float)
                .collect();
            let by_key: Vec<usize> = keys
                .iter()
                .copied()
                .filter(|&k| KEYS[k].column && KEYS[k].numeric)
                .collect();
            let atom = match self.rng.gen_range(0..6) {
                0 | 1 if !by_alias.is_empty() => {
                    let it = *self.pick(&by_alias);
                    let a = it.alias.clone().unwrap_or_default();
                    if COLUMNS.contains(&bare(&a).as_str()) {
                        self.features.push(format!("HAVING names alias {a}"));
                    }
                    if self.rng.gen_bool(0.5) {
                        format!("{a} > 0")
                    } else {
                        format!("{a} IS NOT NULL")
                    }
                }
                2 if !by_key.is_empty() => {
                    let k = KEYS[*self.pick(&by_key)].expr;
                    format!("{k} > 1")
                }
                _ => (*self.pick(HAVING_ATOMS)).to_string(),
            };
            atoms.push(atom);
        }
        let joiner = if self.rng.gen_bool(0.6) {
            " AND "
        } else {
            " OR "
        };
        atoms.join(joiner)
    }

    /// ORDER BY that orders the groups totally (every key is in it), then LIMIT.
    fn order_limit(&mut self, items: &[Item], keys: &[usize]) -> Option<String> {
        let key_items: Vec<(usize, &Item)> = keys
            .iter()
            .map(|&k| items.iter().enumerate().find(|(_, it)| it.key == Some(k)))
            .collect::<Option<Vec<_>>>()?;
        // Aliases that are also column names: ORDER BY <name> means the alias to MariaDB.
        let shadowing: Vec<String> = items
            .iter()
            .filter_map(|it| it.alias.as_deref().map(bare))
            .filter(|a| COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(a)))
            .map(|a| a.to_lowercase())
            .collect();
        let refer = |g: &mut Self, pos: usize, it: &Item| -> String {
            let shadows = it
                .alias
                .as_deref()
                .is_some_and(|a| shadowing.contains(&bare(a).to_lowercase()));
            let by_name = match g.rng.gen_range(0..3) {
                _ if shadows && g.rng.gen_bool(0.7) => it.alias.clone().unwrap_or_default(),
                0 => return (pos + 1).to_string(),
                1 if it.alias.is_some() => it.alias.clone().unwrap_or_default(),
                _ => it.text.clone(),
            };
            if shadowing.contains(&bare(&by_name).to_lowercase()) {
                if !FEATURE_ORDER_BY_ALIAS_SHADOWING_COLUMN {
                    return (pos + 1).to_string();
                }
                g.features
                    .push(format!("ORDER BY names {by_name}, an alias and a column"));
            }
            by_name
        };
        let mut parts = Vec::new();
        let leads: Vec<(usize, &Item)> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.key.is_none() && !it.float && !is_literal(&it.text))
            .collect();
        if !leads.is_empty() && self.rng.gen_bool(0.7) {
            // Favour an item whose alias is also a column name.
            let shadow_leads: Vec<(usize, &Item)> = leads
                .iter()
                .copied()
                .filter(|(_, it)| {
                    it.alias
                        .as_deref()
                        .is_some_and(|a| shadowing.contains(&bare(a).to_lowercase()))
                })
                .collect();
            let (pos, it) = if !shadow_leads.is_empty() && self.rng.gen_bool(0.7) {
                *self.pick(&shadow_leads)
            } else {
                *self.pick(&leads)
            };
            parts.push(format!(
                "{}{}",
                refer(self, pos, it),
                if self.rng.gen_bool(0.5) { " DESC" } else { "" }
            ));
        }
        for (pos, it) in key_items {
            let dir = *self.pick(&["", " ASC", " DESC"]);
            parts.push(format!("{}{dir}", refer(self, pos, it)));
        }
        let mut sql = if parts.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", parts.join(", "))
        };
        if self.rng.gen_bool(0.8) {
            let limit = self.rng.gen_range(0..6);
            match self.rng.gen_range(0..4) {
                0 => sql.push_str(&format!(
                    " LIMIT {limit} OFFSET {}",
                    self.rng.gen_range(0..3)
                )),
                1 => sql.push_str(&format!(" LIMIT {}, {limit}", self.rng.gen_range(0..3))),
                _ => sql.push_str(&format!(" LIMIT {limit}")),
            }
        }
        Some(sql)
    }

    fn query(&mut self) -> (String, Strings) {
        let n_keys = *self.pick(&[0, 1, 1, 1, 2, 2, 2, 3]);
        let refused = self.rng.gen_bool(0.06);
        let mut keys: Vec<usize> = (0..KEYS.len())
            .filter(|&k| FEATURE_NULLABLE_TIMESTAMP_KEY || KEYS[k].expr != "ts")
            .collect();
        keys.shuffle(self.rng);
        keys.truncate(n_keys);
        if keys.iter().any(|&k| KEYS[k].expr == "ts") {
            self.features.push("GROUP BY a nullable TIMESTAMP".into());
        }
        self.key_columns = keys
            .iter()
            .filter(|&&k| KEYS[k].column)
            .map(|&k| KEYS[k].expr)
            .collect();

        let mut items: Vec<Item> = Vec::new();
        for &k in &keys {
            if self.rng.gen_bool(0.85) {
                let text = if KEYS[k].column && self.rng.gen_bool(0.2) {
                    format!("`{}`", KEYS[k].expr)
                } else {
                    KEYS[k].expr.to_string()
                };
                let v = Val {
                    text,
                    float: false,
                    ci: KEYS[k].ci,
                    numeric: KEYS[k].numeric,
                };
                let it = self.name_item(v, Some(k), false);
                items.push(it);
            }
        }
        let n_aggs = if keys.is_empty() {
            self.rng.gen_range(1..5)
        } else {
            self.rng.gen_range(0..5)
        };
        // Some queries aggregate with MIN/MAX only.
        self.minmax_only = self.rng.gen_bool(0.15);
        let mut agg_items = Vec::new();
        for _ in 0..n_aggs {
            let v = match self.rng.gen_range(0..20) {
                _ if self.minmax_only => self.leaf(false),
                0..=8 => self.leaf(false),
                9..=13 => self.template(&keys),
                14 if !keys.is_empty() => self.literal(),
                _ => self.arith(2),
            };
            let it = self.name_item(v, None, false);
            agg_items.push(it);
        }
        if self.rng.gen_bool(0.7) {
            items.extend(agg_items);
        } else {
            items.extend(agg_items);
            items.shuffle(self.rng);
        }
        if items.is_empty() {
            let v = self.leaf(false);
            let it = self.name_item(v, None, false);
            items.push(it);
        }
        // Now and then an aggregate takes the name of an (aliased) key column.
        let mut force_order = false;
        if self.rng.gen_bool(0.15) {
            let key_col = items
                .iter()
                .find(|it| it.alias.is_some() && it.key.is_some_and(|k| KEYS[k].column))
                .and_then(|it| it.key)
                .map(|k| KEYS[k].expr);
            if let Some(col) = key_col.filter(|c| !self.name_taken(c)) {
                if let Some(it) = items.iter_mut().find(|it| it.key.is_none()) {
                    it.alias = Some(col.to_string());
                    self.names.push(col.to_string());
                    self.features
                        .push(format!("alias {col} shadows a key column"));
                    force_order = true;
                }
            }
        }
        if refused {
            let text = (*self.pick(REFUSED_ITEMS)).to_string();
            self.features.push(format!("refused construct {text}"));
            let v = Val {
                text,
                float: false,
                ci: false,
                numeric: false,
            };
            let it = self.name_item(v, None, true);
            items.push(it);
        }
        let having = if self.rng.gen_bool(if keys.is_empty() { 0.1 } else { 0.35 }) {
            Some(self.having_clause(&items, &keys))
        } else {
            None
        };
        let mut all = items.iter().map(|i| i.text.clone()).collect::<Vec<_>>();
        all.extend(having.clone());
        let all = all.join(" ").to_uppercase().replace(' ', "");
        if keys.is_empty() && !["COUNT(", "SUM(", "AVG("].iter().any(|f| all.contains(f)) {
            if FEATURE_GLOBAL_MIN_MAX_ONLY {
                self.features.push("no GROUP BY, MIN/MAX only".into());
            } else {
                let v = Val {
                    text: "COUNT(*)".into(),
                    float: false,
                    ci: false,
                    numeric: true,
                };
                let it = self.name_item(v, None, true);
                items.push(it);
            }
        }

        let select: Vec<String> = items
            .iter()
            .map(|it| match &it.alias {
                Some(a) if self.rng.gen_bool(0.85) => format!("{} AS {a}", it.text),
                Some(a) => format!("{} {a}", it.text),
                None => it.text.clone(),
            })
            .collect();
        let table = if self.rng.gen_bool(0.2) { "`t`" } else { "t" };
        let mut sql = format!("SELECT {} FROM {table}", select.join(", "));
        if self.rng.gen_bool(0.45) {
            sql.push_str(&format!(" WHERE {}", self.where_clause()));
        }
        if !keys.is_empty() {
            let mut group = Vec::new();
            for &k in &keys {
                let item = items.iter().enumerate().find(|(_, it)| it.key == Some(k));
                let text = match (item, self.rng.gen_range(0..4)) {
                    (Some((pos, _)), 0) => (pos + 1).to_string(),
                    (Some((_, it)), 1) if it.alias.is_some() => {
                        it.alias.clone().unwrap_or_default()
                    }
                    _ => KEYS[k].expr.to_string(),
                };
                group.push(text);
            }
            if self.rng.gen_bool(0.05) {
                let again = group[0].clone();
                group.push(again);
            }
            sql.push_str(&format!(" GROUP BY {}", group.join(", ")));
        }
        if let Some(having) = having {
            sql.push_str(&format!(" HAVING {having}"));
        }
        if !keys.is_empty() && (force_order || self.rng.gen_bool(0.4)) {
            if let Some(ol) = self.order_limit(&items, &keys) {
                sql.push_str(&ol);
            }
        } else if keys.is_empty() && self.rng.gen_bool(0.05) {
            sql.push_str(" LIMIT 1");
        }
        let strings = if items.iter().any(|i| i.ci) {
            Strings::Collated
        } else {
            Strings::Exact
        };
        (sql, strings)
    }
}

// ---------------------------------------------------------------------------------------------
// Running one generated case.
// ---------------------------------------------------------------------------------------------

struct Case {
    label: String,
    seed: u64,
    query: String,
    strings: Strings,
    features: Vec<String>,
    null_pct: u32,
    prefill: usize,
    chunk: u64,
    slots: Option<u16>,
    time_zone: &'static str,
}

fn generate_case(test: &str, seed: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut g = QueryGen {
        rng: &mut rng,
        names: Vec::new(),
        features: Vec::new(),
        minmax_only: false,
        key_columns: Vec::new(),
    };
    let (query, strings) = g.query();
    let mut features = g.features;
    features.sort();
    features.dedup();
    let null_pct = *[5u32, 15, 15, 40, 70].choose(&mut rng).unwrap_or(&15);
    let prefill = *[0usize, 10, 60, 60, 90].choose(&mut rng).unwrap_or(&60);
    let chunk = rng.gen_range(3..25);
    let slots = if rng.gen_bool(0.3) {
        Some(rng.gen_range(1..5))
    } else {
        None
    };
    let time_zone = *TIME_ZONES.choose(&mut rng).unwrap_or(&"+00:00");
    Case {
        label: format!("qf_{test}_{seed}"),
        seed,
        query,
        strings,
        features,
        null_pct,
        prefill,
        chunk,
        slots,
        time_zone,
    }
}

enum Outcome {
    /// The analyzer refused the query.
    Refused(String),
    /// Summary and query agreed at every comparison.
    Passed,
    /// They differed (or a write or the creation failed).
    Failed {
        /// Write number after which the difference was seen (0: at creation).
        step: usize,
        /// The writes since the last comparison that passed.
        window: Vec<String>,
        message: String,
    },
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "panic".into()
    }
}

fn check(conn: &mut Conn, case: &Case, context: &str) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        assert_same(conn, VIEW, &case.query, case.strings, context);
    }))
    .map_err(panic_text)
}

/// Our objects left in the database after a failed `create`.
fn leftovers(conn: &mut Conn) -> String {
    let triggers: Vec<String> = conn
        .query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
        .unwrap_or_default();
    let tables: Vec<String> = conn
        .query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 't'")
        .unwrap_or_default();
    format!("triggers {triggers:?}, tables/views {tables:?}")
}

fn run_case(case: &Case, every: usize) -> Outcome {
    let db = support::server::fresh_db(&case.label);
    let mut conn: Conn = db.conn();
    conn.query_drop(TABLE).unwrap();
    let mut rng = StdRng::seed_from_u64(case.seed ^ WORKLOAD_SALT);
    let mut next_id = 0i64;
    if case.prefill > 0 {
        let rows: Vec<String> = (0..case.prefill)
            .map(|_| {
                next_id += 1;
                row_values(&mut rng, next_id, case.null_pct)
            })
            .collect();
        conn.query_drop(format!("INSERT INTO `t` VALUES {}", rows.join(", ")))
            .unwrap();
    }
    // The query must be valid MariaDB on its own, else the generator is wrong.
    if let Err(e) = conn.query_drop(&case.query) {
        panic!(
            "generator bug: seed {}: invalid query: {e}\n  query: {}",
            case.seed, case.query
        );
    }
    let options = CreateOptions {
        chunk: ChunkPolicy::Fixed(case.chunk),
        slots: case.slots,
        ..CreateOptions::default()
    };
    match support::server::create_quietly(&db.opts(), VIEW, &case.query, &options) {
        Ok(_) => {}
        Err(LifecycleError::Engine(e) | LifecycleError::Prepare(IntrospectError::Engine(e))) => {
            return Outcome::Refused(e.to_string())
        }
        Err(e) => {
            return Outcome::Failed {
                step: 0,
                window: Vec::new(),
                message: format!(
                    "create failed on a valid query: {e}\n  left behind: {}",
                    leftovers(&mut conn)
                ),
            }
        }
    }
    if let Err(message) = check(&mut conn, case, "after create") {
        return Outcome::Failed {
            step: 0,
            window: Vec::new(),
            message,
        };
    }
    // Writers run in strict mode (a trigger must never make their statements fail) and in a
    // time zone of their own.
    conn.query_drop(format!(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE', time_zone = '{}'",
        case.time_zone
    ))
    .unwrap();
    let mut window: Vec<String> = Vec::new();
    for step in 1..=WRITES {
        let stmts = statement(&mut rng, &mut next_id, case.null_pct);
        for stmt in &stmts {
            if let Err(e) = conn.query_drop(stmt) {
                // The same statement fails without the summary too (a duplicate key).
                let msg = e.to_string();
                if !msg.contains("Duplicate entry") {
                    window.push(stmt.clone());
                    return Outcome::Failed {
                        step,
                        window,
                        message: format!("write failed: {msg}"),
                    };
                }
            }
        }
        window.push(stmts.join("; "));
        if step % every == 0 || step == WRITES {
            if let Err(message) = check(&mut conn, case, &format!("after write {step}")) {
                return Outcome::Failed {
                    step,
                    window,
                    message,
                };
            }
            window.clear();
        }
    }
    Outcome::Passed
}

/// Generates and runs `QUERIES_PER_TEST` cases from `base_seed` on; fails with every difference.
fn fuzz(test: &str, base_seed: u64) {
    let (mut accepted, mut refused) = (0, 0);
    let mut failures = Vec::new();
    // QUERY_FUZZ_SEED=<seed> runs that one case only (to reproduce a failure).
    let only: Option<u64> = std::env::var("QUERY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok());
    // QUERY_FUZZ_QUERIES=<n> runs n queries per test function instead (a deeper search).
    let count: u64 = std::env::var("QUERY_FUZZ_QUERIES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(QUERIES_PER_TEST);
    for seed in base_seed..base_seed + count {
        if only.is_some_and(|o| o != seed) {
            continue;
        }
        let case = generate_case(test, seed);
        if std::env::var_os("QUERY_FUZZ_LIST").is_some() {
            println!("[{test}] seed {seed}: {}  {:?}", case.query, case.features);
        }
        match run_case(&case, COMPARE_EVERY) {
            Outcome::Refused(reason) => {
                refused += 1;
                println!(
                    "[{test}] seed {seed}: refused: {reason}\n  query: {}",
                    case.query
                );
            }
            Outcome::Passed => accepted += 1,
            Outcome::Failed {
                step,
                window,
                message,
            } => {
                accepted += 1;
                // Replay the same seed comparing after every write to name the exposing write.
                let exact = if step > 0 && window.len() > 1 {
                    match run_case(&case, 1) {
                        Outcome::Failed { step, window, .. } => format!(
                            "\n  first difference right after write {step}: {}",
                            window.join(" | ")
                        ),
                        _ => "\n  (not reproduced when comparing after every write)".into(),
                    }
                } else {
                    String::new()
                };
                failures.push(format!(
                    "[{test}] seed {seed}: summary differs from its query\n  query: {}\n  generator features: {:?}\n  data: {} rows prefilled, {}% NULLs, chunk {}, slots {:?}, writers' time_zone {}\n  exposed after write {step}; writes since the last passing check:\n    {}{exact}\n  {message}",
                    case.query,
                    case.features,
                    case.prefill,
                    case.null_pct,
                    case.chunk,
                    case.slots,
                    case.time_zone,
                    window.join("\n    "),
                ));
            }
        }
    }
    println!(
        "[{test}] {count} queries generated, {accepted} accepted, {refused} refused, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} generated queries failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fuzz_queries_seed_block_1() {
    fuzz("a", 1_000);
}

#[test]
fn fuzz_queries_seed_block_2() {
    fuzz("b", 2_000);
}

#[test]
fn fuzz_queries_seed_block_3() {
    fuzz("c", 3_000);
}

#[test]
fn fuzz_queries_seed_block_4() {
    fuzz("d", 4_000);
}
