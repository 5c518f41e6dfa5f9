//! The runner of `tests/dml_matrix.rs`: a differential test of the triggers.
//!
//! Every fixture gets two databases on the test server: the *real* one, whose table `t` carries
//! the summary `summary`, and a *shadow* copy without it. Each statement of a script runs on the
//! shadow first and then on the real table, from two writer connections with the same session
//! settings. The runner checks, after every statement:
//!
//! * the statement had the same outcome on both (same error code, or the same affected rows,
//!   warnings and info; rows returned by RETURNING alike): a trigger must never make a write fail
//!   or behave differently;
//! * `SELECT * FROM summary` equals the query (MariaDB's own answer), both read in one
//!   consistent snapshot (or inside the writer's open transaction, where both see its changes);
//!   strings compare under the column's collation (a case-insensitive key may legitimately be
//!   spelled as either row spelled it), DOUBLE/FLOAT within 1e-9 relative, everything else
//!   exactly;
//! * `validate` reports the summary exact, without problems — after every statement when
//!   `validate_every_statement` is set; otherwise after the last statement of the scripts named
//!   in `validate_after`, at the end of each fixture, and whenever a comparison fails (its
//!   verdict then goes into the failure: it must see the difference too). `validate` costs
//!   50–200 ms (it introspects the table and probes types), the comparison a few ms.
//!
//! The summary is first backfilled from the starting rows (`fixture/create`); when that is
//! wrong, it is created on the empty table and filled by the triggers (`fixture/triggers`), and
//! the scripts run on that. The first difference ends a script; it is recorded as a failure of
//! the case `fixture/script@session`, and the summary is made again before the next script.
//! Every script starts from the same rows, put back through the triggers and compared: a
//! difference that shows only then is charged to the case before.
#![allow(dead_code)]

use lightning_tables::lifecycle::{
    create, drop_summary, validate, ChunkPolicy, Control, CreateOptions,
};
use mysql::prelude::Queryable;
use mysql::{Conn, LocalInfileHandler, Opts, OptsBuilder, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Name of the summary in every fixture database.
pub const SUMMARY: &str = "summary";

/// What creating the summary must do.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Created, and then exact after every statement under every session.
    Exact,
    /// Refused at create; the error message contains this text (the construct).
    Refused(&'static str),
    /// The same, and the message gives the construct's position (`at L:C`): for refusals of a
    /// part of the query.
    RefusedAt(&'static str),
}

/// One (query, table) pair. `{T}` in the table DDL is the column type of `g`, `v` and `w`;
/// `{0}`..`{5}` in the query are sample values.
#[derive(Clone, Copy, Debug)]
pub struct Fixture {
    /// Case id prefix.
    pub id: &'static str,
    /// Column type of `g`, `v`, `w` (and `o.val`).
    pub ty: &'static str,
    /// Six valid literals of the type: the scripts' `{0}`..`{5}` (limits, spellings that are
    /// equal under the collation, ...).
    pub samples: [&'static str; 6],
    /// The summary's query.
    pub query: &'static str,
    /// DDL of `t` (a template, see [`TABLE`]); must keep the columns `id, u, g, v, w, n`.
    pub table: &'static str,
    /// sql_mode of the prefill ("" keeps the server default, which is strict).
    pub prefill_mode: &'static str,
    /// Created and exact, or refused.
    pub expect: Expect,
}

/// The base table of most fixtures: a primary key the scripts move, a secondary unique key, the
/// three columns of the type under test (group key `g`, aggregate input `v`, WHERE operand
/// `w`), an INT payload `n` and a CHECK constraint that lets a statement fail part-way.
pub const TABLE: &str = "CREATE TABLE t (
  id INT NOT NULL PRIMARY KEY,
  u INT NULL,
  g {T} NULL,
  v {T} NULL,
  w {T} NULL,
  n INT NULL,
  UNIQUE KEY uk (u),
  CONSTRAINT n_is_not_13 CHECK (n <> 13)
) ENGINE=InnoDB";

/// The other table of multi-table statements.
const OTHER: &str =
    "CREATE TABLE o (id INT NOT NULL PRIMARY KEY, val {T} NULL, k INT NULL) ENGINE=InnoDB";

/// An updatable view over the base table.
const VIEW: &str =
    "CREATE VIEW tv AS SELECT id, u, g, v, w, n FROM t WHERE n >= 0 OR n IS NULL WITH CHECK OPTION";

/// The rows every script starts from: (id, u, g, v, w, n) with sample indexes.
const ROWS: &str =
    "(1, 10, {0}, {1}, {2}, 1), (2, 20, {0}, {2}, {1}, 2), (3, 30, {1}, {3}, {0}, 3), \
  (4, 40, {1}, NULL, {3}, 4), (5, 50, {2}, {4}, NULL, 5), (6, 60, NULL, {5}, {4}, 6), \
  (7, NULL, {3}, {0}, {5}, NULL), (8, NULL, {4}, {5}, {2}, -8)";
const OTHER_ROWS: &str = "(1, {3}, 1), (2, {5}, 2), (3, NULL, 3), (9, {0}, 9), (10, {2}, 10)";

/// A value no type takes as is: out of range for numbers, not a date, too long for short strings.
const BIG: &str = "'1e300'";
const JUNK: &str = "'zz-not-a-value-0000000000'";

impl Fixture {
    /// A fixture on the standard table.
    pub const fn new(
        id: &'static str,
        ty: &'static str,
        samples: [&'static str; 6],
        query: &'static str,
    ) -> Fixture {
        Fixture {
            id,
            ty,
            samples,
            query,
            table: TABLE,
            prefill_mode: "",
            expect: Expect::Exact,
        }
    }

    /// The same on another table.
    pub const fn table(self, table: &'static str) -> Fixture {
        Fixture { table, ..self }
    }

    /// Prefilled in another sql_mode (e.g. '' for NOT NULL columns the rows leave NULL).
    pub const fn prefill_mode(self, prefill_mode: &'static str) -> Fixture {
        Fixture {
            prefill_mode,
            ..self
        }
    }

    /// Expected to be refused with `message` (a refusal of the table: no position).
    pub const fn refused(self, message: &'static str) -> Fixture {
        Fixture {
            expect: Expect::Refused(message),
            ..self
        }
    }

    /// Expected to be refused with `message` and the position of the construct.
    pub const fn refused_at(self, message: &'static str) -> Fixture {
        Fixture {
            expect: Expect::RefusedAt(message),
            ..self
        }
    }

    fn fill(&self, template: &str) -> String {
        let mut s = template.replace("{T}", self.ty);
        for (i, v) in self.samples.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), v);
        }
        s
    }

    /// The query with its sample values.
    pub fn sql(&self) -> String {
        self.fill(self.query)
    }

    /// The table's DDL with its type.
    pub fn sql_table(&self) -> String {
        self.fill(self.table)
    }

    /// The starting rows of `t`, as a VALUES list.
    pub fn rows(&self) -> String {
        self.fill(ROWS)
    }
}

/// A named list of statements, run one at a time.
#[derive(Clone, Copy, Debug)]
pub struct Script {
    /// Case id part.
    pub id: &'static str,
    /// Statements: `{0}`..`{5}` sample values, `{big}`/`{junk}` invalid values, `{xid}` an XA
    /// transaction id of this connection, `{pick:@x}` the sample whose index user variable `@x`
    /// holds (for LOAD DATA). `LOAD DATA LOCAL INFILE '<text>'` reads `<text>` itself as the file.
    pub steps: &'static [&'static str],
}

/// Session settings of the writer.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    /// Case id part.
    pub id: &'static str,
    /// Statements run when the writer connects.
    pub set: &'static [&'static str],
    /// autocommit is off: the script ends with a COMMIT (checked as well).
    pub autocommit_off: bool,
}

/// One failing case.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `fixture/script@session`, `fixture/create` or `fixture/script@session` of a reset.
    pub case: String,
    /// What differed.
    pub detail: String,
}

/// What a run of the matrix found.
#[derive(Default, Debug)]
pub struct Report {
    /// Every case that ran.
    pub ran: BTreeSet<String>,
    /// Failing cases (one per case: the first difference).
    pub failures: Vec<Failure>,
    /// Statements run (on the real table).
    pub statements: u64,
    /// Statements that failed (on both tables alike).
    pub failed_statements: u64,
    /// Comparisons made.
    pub checks: u64,
    /// Seconds spent comparing, validating, running statements, resetting and creating.
    pub seconds: [f64; 5],
}

/// The file a `LOAD DATA LOCAL INFILE '<name>'` reads: the name itself, with the escapes `\t`
/// and `\n` also undone when the session has NO_BACKSLASH_ESCAPES.
fn local_infile_handler() -> LocalInfileHandler {
    LocalInfileHandler::new(|name, out| {
        let text = String::from_utf8_lossy(name)
            .replace("\\t", "\t")
            .replace("\\n", "\n")
            .replace("\\\\N", "\\N");
        std::io::Write::write_all(out, text.as_bytes())
    })
}

/// A value as text: NULL, UTF-8 text, or hex for other bytes.
fn show(v: &Value) -> String {
    match v {
        Value::NULL => "NULL".into(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) if !s.chars().any(char::is_control) => format!("'{s}'"),
            _ => format!(
                "0x{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            ),
        },
        other => other.as_sql(true),
    }
}

/// Outcome of one statement on one connection.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok {
        affected: u64,
        warnings: u16,
        info: String,
        rows: Vec<Vec<String>>,
        /// SHOW WARNINGS, when there are any.
        notes: Vec<String>,
    },
    Err {
        code: u16,
        message: String,
    },
}

impl Outcome {
    /// The same outcome with database name `from` (in error messages) read as `to`.
    fn renamed(self, from: &str, to: &str) -> Outcome {
        match self {
            Outcome::Err { code, message } => Outcome::Err {
                code,
                message: message.replace(from, to),
            },
            Outcome::Ok {
                affected,
                warnings,
                info,
                rows,
                notes,
            } => Outcome::Ok {
                affected,
                warnings,
                info,
                rows,
                notes: notes.iter().map(|n| n.replace(from, to)).collect(),
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Ok {
                affected,
                warnings,
                info,
                rows,
                notes,
            } => {
                let mut s = format!("ok, {affected} affected, {warnings} warnings");
                if !info.is_empty() {
                    s.push_str(&format!(" ({info})"));
                }
                if !rows.is_empty() {
                    s.push_str(&format!(", returned {rows:?}"));
                }
                if !notes.is_empty() {
                    s.push_str(&format!(", warnings {notes:?}"));
                }
                s
            }
            Outcome::Err { code, message } => format!("error {code}: {message}"),
        }
    }
}

fn execute(conn: &mut Conn, sql: &str) -> Outcome {
    let run = |conn: &mut Conn| -> mysql::Result<Outcome> {
        let mut result = conn.query_iter(sql)?;
        let affected = result.affected_rows();
        let warnings = result.warnings();
        let info = result.info_str().into_owned();
        let mut rows = Vec::new();
        while let Some(set) = result.iter() {
            for row in set {
                rows.push(row?.unwrap().iter().map(show).collect());
            }
        }
        drop(result);
        let mut notes = Vec::new();
        let counted = info.contains("Warnings: ") && !info.contains("Warnings: 0");
        if warnings > 0 || counted {
            let shown: Vec<(String, u32, String)> = conn.query("SHOW WARNINGS")?;
            notes = shown
                .into_iter()
                .map(|(level, code, message)| format!("{level} {code}: {message}"))
                .collect();
        }
        Ok(Outcome::Ok {
            affected,
            warnings,
            info,
            rows,
            notes,
        })
    };
    match run(conn) {
        Ok(o) => o,
        Err(mysql::Error::MySqlError(e)) => Outcome::Err {
            code: e.code,
            message: e.message,
        },
        Err(e) => Outcome::Err {
            code: 0,
            message: e.to_string(),
        },
    }
}

fn must(conn: &mut Conn, sql: &str) {
    if let Err(e) = conn.query_drop(sql) {
        panic!("{sql}: {e}");
    }
}

fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// One compared value.
#[derive(Clone, Debug)]
enum Cell {
    Float(f64),
    Text(String),
}

impl Cell {
    fn matches(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Float(a), Cell::Float(b)) => {
                a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
            }
            (a, b) => match (a, b) {
                (Cell::Text(x), Cell::Text(y)) => x == y,
                _ => false,
            },
        }
    }
}

/// A result column and how it compares.
#[derive(Clone, Debug, PartialEq)]
struct Column {
    name: String,
    data_type: String,
    column_type: String,
    collation: Option<String>,
}

impl Column {
    fn float(&self) -> bool {
        matches!(self.data_type.as_str(), "float" | "double")
    }

    /// The expression that compares `col` of this column: a weight string under the query's
    /// collation for strings (trailing spaces removed first under PAD SPACE), the value itself
    /// otherwise.
    fn key_expr(&self, col: &str) -> String {
        match &self.collation {
            Some(coll) if !matches!(self.data_type.as_str(), "enum" | "set") => {
                let arg = format!("{col} COLLATE {coll}");
                if coll.contains("nopad") {
                    format!("HEX(WEIGHT_STRING({arg}))")
                } else {
                    format!("HEX(WEIGHT_STRING(RTRIM({arg})))")
                }
            }
            _ => col.to_string(),
        }
    }
}

fn columns_of(conn: &mut Conn, db: &str, table: &str) -> Vec<Column> {
    let rows: Vec<(String, String, String, Option<String>)> = conn
        .exec(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (db, table),
        )
        .unwrap_or_else(|e| panic!("columns of {db}.{table}: {e}"));
    rows.into_iter()
        .map(|(name, data_type, column_type, collation)| Column {
            name,
            data_type,
            column_type,
            collation,
        })
        .collect()
}

/// Rows as (compared cells, shown values).
type Rows = Vec<(Vec<Cell>, Vec<String>)>;

fn read_rows(conn: &mut Conn, sql: &str, columns: &[Column]) -> Result<Rows, String> {
    let rows: Vec<mysql::Row> = conn.query(sql).map_err(|e| format!("{sql}: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let vals = row.unwrap();
        let n = columns.len();
        let mut cells = Vec::new();
        let mut shown = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            let raw = &vals[i];
            let key = &vals[n + i];
            shown.push(show(raw));
            let text = show(key);
            cells.push(if c.float() {
                match &key {
                    Value::Bytes(b) => match String::from_utf8_lossy(b).parse::<f64>() {
                        Ok(f) => Cell::Float(f),
                        Err(_) => Cell::Text(text),
                    },
                    _ => Cell::Text(text),
                }
            } else {
                Cell::Text(text)
            });
        }
        out.push((cells, shown));
    }
    Ok(out)
}

/// Greedy multiset comparison; the rows only in one side (at most five each).
fn difference(want: &Rows, got: &Rows) -> Option<String> {
    let mut used = vec![false; got.len()];
    let mut missing = Vec::new();
    for (w, shown) in want {
        let hit = got.iter().enumerate().position(|(i, (g, _))| {
            !used[i] && g.len() == w.len() && g.iter().zip(w).all(|(a, b)| a.matches(b))
        });
        match hit {
            Some(i) => used[i] = true,
            None => missing.push(shown.clone()),
        }
    }
    let extra: Vec<Vec<String>> = got
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((_, s), _)| s.clone())
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    let mut d = format!(
        "{} rows in the summary, {} in the query;",
        got.len(),
        want.len()
    );
    for r in missing.iter().take(5) {
        d.push_str(&format!(" query has ({});", r.join(", ")));
    }
    for r in extra.iter().take(5) {
        d.push_str(&format!(" summary has ({});", r.join(", ")));
    }
    Some(d)
}

/// Called after every creation of a summary with the checker connection (inside the real
/// database): lets a self-test break a trigger on purpose.
pub type Sabotage = Box<dyn FnMut(&mut Conn)>;

/// Everything needed to run fixtures on one server.
pub struct Runner {
    server: Opts,
    checker: Conn,
    /// Writer connections per session: (real, shadow).
    writers: BTreeMap<&'static str, (Conn, Conn)>,
    /// The run's findings.
    pub report: Report,
    tag: String,
    /// Validate after every statement (otherwise at the end of each fixture, after the last
    /// statement of the scripts in `validate_after`, and whenever a comparison fails).
    pub validate_every_statement: bool,
    /// See `validate_every_statement`.
    pub validate_after: Vec<&'static str>,
    /// See [`Sabotage`].
    pub sabotage: Option<Sabotage>,
}

struct Dbs {
    real: String,
    shadow: String,
    query_columns: Vec<Column>,
}

/// How the summary of a fixture is made: backfilled from the starting rows, or created on the
/// empty table and filled by the triggers (when the backfill itself is wrong).
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    Backfill,
    Triggers,
}

const READER_NAMES: &str = "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci";

impl Runner {
    /// A runner on the server of `server` (options without a database); `tag` keeps database
    /// names of parallel runners apart.
    pub fn new(server: Opts, tag: &str) -> Runner {
        let mut checker = Conn::new(server.clone()).expect("connecting the checker");
        must(&mut checker, READER_NAMES);
        Runner {
            server,
            checker,
            writers: BTreeMap::new(),
            report: Report::default(),
            tag: tag.to_string(),
            validate_every_statement: true,
            validate_after: Vec::new(),
            sabotage: None,
        }
    }

    fn db_opts(&self, db: &str) -> Opts {
        OptsBuilder::from_opts(self.server.clone())
            .db_name(Some(db))
            .into()
    }

    fn writer_opts(&self) -> Opts {
        OptsBuilder::from_opts(self.server.clone())
            .local_infile_handler(Some(local_infile_handler()))
            .into()
    }

    fn writers(&mut self, session: &Session) -> &mut (Conn, Conn) {
        if !self.writers.contains_key(session.id) {
            let mut pair = (
                Conn::new(self.writer_opts()).expect("connecting a writer"),
                Conn::new(self.writer_opts()).expect("connecting a writer"),
            );
            for s in session.set {
                must(&mut pair.0, s);
                must(&mut pair.1, s);
            }
            self.writers.insert(session.id, pair);
        }
        self.writers.get_mut(session.id).unwrap()
    }

    fn fail(&mut self, case: &str, detail: String) {
        eprintln!("  FAIL {case}: {detail}");
        self.report.failures.push(Failure {
            case: case.to_string(),
            detail,
        });
    }

    /// Puts the starting rows into `t` and `o` of `db` (one transaction; through the triggers
    /// when the summary exists). Fails only when a trigger makes it fail.
    fn reset(&mut self, fixture: &Fixture, db: &str) -> Result<(), String> {
        let t = Instant::now();
        let c = &mut self.checker;
        must(c, &format!("USE {}", q(db)));
        if !fixture.prefill_mode.is_empty() {
            must(
                c,
                &format!("SET SESSION sql_mode = '{}'", fixture.prefill_mode),
            );
        }
        let statements = [
            "START TRANSACTION".to_string(),
            "DELETE FROM t".to_string(),
            format!(
                "INSERT INTO t (id, u, g, v, w, n) VALUES {}",
                fixture.fill(ROWS)
            ),
            "DELETE FROM o".to_string(),
            format!(
                "INSERT INTO o (id, val, k) VALUES {}",
                fixture.fill(OTHER_ROWS)
            ),
            "COMMIT".to_string(),
        ];
        let mut result = Ok(());
        for s in &statements {
            if let Err(e) = c.query_drop(s) {
                let _ = c.query_drop("ROLLBACK");
                result = Err(format!("resetting the rows: {s}: {e}"));
                break;
            }
        }
        if !fixture.prefill_mode.is_empty() {
            must(c, "SET SESSION sql_mode = DEFAULT");
        }
        self.report.seconds[3] += t.elapsed().as_secs_f64();
        result
    }

    /// Creates both databases with the starting rows; `None` when the fixture is refused as
    /// expected (or not, which is recorded).
    fn setup(&mut self, fixture: &Fixture) -> Dbs {
        let real = format!("dm_{}_{}_{}", self.tag, fixture.id, std::process::id());
        let shadow = format!("{real}_shadow");
        for db in [&real, &shadow] {
            let c = &mut self.checker;
            must(c, &format!("DROP DATABASE IF EXISTS {}", q(db)));
            must(
                c,
                &format!(
                    "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
                    q(db)
                ),
            );
            must(c, &format!("USE {}", q(db)));
            // A table template may create what it references first (`;` at a line's end).
            for statement in fixture.fill(fixture.table).split(";\n") {
                must(c, statement);
            }
            must(c, &fixture.fill(OTHER));
            must(c, VIEW);
        }
        for db in [&real, &shadow] {
            self.reset(fixture, db)
                .unwrap_or_else(|e| panic!("{}: {e}", fixture.id));
        }
        let c = &mut self.checker;
        must(c, &format!("USE {}", q(&real)));
        must(c, &format!("CREATE VIEW `_q` AS {}", fixture.sql()));
        let query_columns = columns_of(c, &real, "_q");
        must(c, "DROP VIEW `_q`");
        Dbs {
            real,
            shadow,
            query_columns,
        }
    }

    fn create_summary(&mut self, fixture: &Fixture, dbs: &Dbs) -> Result<(), String> {
        let t = Instant::now();
        let options = CreateOptions {
            chunk: ChunkPolicy::Fixed(3),
            ..CreateOptions::default()
        };
        let r = create(
            &self.db_opts(&dbs.real),
            SUMMARY,
            &fixture.sql(),
            &options,
            &Control::new(),
            &mut |_| {},
        )
        .map(|_| ())
        .map_err(|e| e.to_string());
        if r.is_ok() {
            if let Some(sabotage) = &mut self.sabotage {
                must(&mut self.checker, &format!("USE {}", q(&dbs.real)));
                sabotage(&mut self.checker);
            }
        }
        self.report.seconds[4] += t.elapsed().as_secs_f64();
        r
    }

    /// Drops the summary and makes it again from the starting rows.
    fn recreate(&mut self, fixture: &Fixture, dbs: &Dbs, fill: Fill) -> Result<(), String> {
        drop_summary(&self.db_opts(&dbs.real), &dbs.real, SUMMARY)
            .map_err(|e| format!("dropping the summary: {e}"))?;
        if self.sabotage.is_some() {
            // `drop` leaves a trigger whose body no longer names our state alone (it cannot
            // prove it ours): the sabotaged one goes by hand.
            let triggers: Vec<String> = self
                .checker
                .exec(
                    "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
                    (&dbs.real,),
                )
                .map_err(|e| format!("listing triggers: {e}"))?;
            for t in triggers {
                must(
                    &mut self.checker,
                    &format!("DROP TRIGGER {}.{}", q(&dbs.real), q(&t)),
                );
            }
        }
        self.reset(fixture, &dbs.shadow)?;
        match fill {
            Fill::Backfill => {
                self.reset(fixture, &dbs.real)?;
                self.create_summary(fixture, dbs)
            }
            Fill::Triggers => {
                must(
                    &mut self.checker,
                    &format!("DELETE FROM {}.t", q(&dbs.real)),
                );
                self.create_summary(fixture, dbs)?;
                self.reset(fixture, &dbs.real)
            }
        }
    }

    /// Summary and query in one snapshot; `writer`: read on that session's real writer, inside
    /// its open transaction.
    fn compare(
        &mut self,
        fixture: &Fixture,
        dbs: &Dbs,
        writer: Option<&Session>,
    ) -> Result<(), String> {
        self.report.checks += 1;
        let cols = &dbs.query_columns;
        let raw: Vec<String> = cols.iter().map(|c| q(&c.name)).collect();
        let keys: Vec<String> = cols.iter().map(|c| c.key_expr(&q(&c.name))).collect();
        let list = format!("{}, {}", raw.join(", "), keys.join(", "));
        let summary_sql = format!("SELECT {list} FROM {} AS s", q(SUMMARY));
        let query_sql = format!("SELECT {list} FROM ({}) AS q", fixture.sql());
        let read = |c: &mut Conn| -> Result<(Rows, Rows), String> {
            let got = read_rows(c, &summary_sql, cols)?;
            let want = read_rows(c, &query_sql, cols)?;
            Ok((got, want))
        };
        let (got, want) = match writer {
            Some(session) => {
                let c = &mut self.writers(session).0;
                // Read as the checker does: the query answers in the reader's session.
                must(c, "SET SESSION sql_mode = DEFAULT, time_zone = DEFAULT, lc_time_names = DEFAULT, default_week_format = DEFAULT, div_precision_increment = DEFAULT, timestamp = DEFAULT, sql_select_limit = DEFAULT");
                must(c, READER_NAMES);
                let r = read(c);
                for s in session.set {
                    let upper = s.to_ascii_uppercase();
                    if !upper.contains("AUTOCOMMIT") && !upper.contains("ISOLATION") {
                        must(c, s);
                    }
                }
                r?
            }
            None => {
                let c = &mut self.checker;
                must(c, &format!("USE {}", q(&dbs.real)));
                must(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                let r = read(c);
                must(c, "COMMIT");
                r?
            }
        };
        match difference(&want, &got) {
            None => Ok(()),
            Some(d) => Err(d),
        }
    }

    fn validate(&mut self, dbs: &Dbs) -> Result<(), String> {
        let report = validate(&self.db_opts(&dbs.real), &dbs.real, SUMMARY, 3)
            .map_err(|e| format!("validate failed: {e}"))?;
        if report.exact {
            return Ok(());
        }
        let mut d = format!(
            "validate: {} differing groups of {}",
            report.differing_groups, report.groups
        );
        for p in &report.problems {
            d.push_str(&format!("; problem: {p}"));
        }
        for diff in &report.differences {
            d.push_str(&format!(
                "; key {:?} in query {} in summary {} values (i, query, summary) {:?}",
                diff.key, diff.in_query, diff.in_summary, diff.values
            ));
        }
        Err(d)
    }

    /// Compare, then validate when asked — and always when the comparison fails: its verdict
    /// goes into the report (it must see the difference too, unless the difference is inside
    /// the writer's open transaction, which validate cannot see).
    fn check(
        &mut self,
        fixture: &Fixture,
        dbs: &Dbs,
        writer: Option<&Session>,
        validate: bool,
    ) -> Result<(), String> {
        let t = Instant::now();
        let compared = self.compare(fixture, dbs, writer);
        self.report.seconds[0] += t.elapsed().as_secs_f64();
        if compared.is_ok() && !validate {
            return Ok(());
        }
        let t = Instant::now();
        let validated = self.validate(dbs);
        self.report.seconds[1] += t.elapsed().as_secs_f64();
        match (compared, validated) {
            (Ok(()), v) => v,
            (Err(c), Ok(())) if writer.is_some() => Err(format!(
                "{c} [inside the open transaction; validate sees the committed state exact]"
            )),
            (Err(c), Ok(())) => Err(format!("{c} [validate says exact!]")),
            (Err(c), Err(v)) => Err(format!("{c} [{v}]")),
        }
    }

    fn expand(fixture: &Fixture, step: &str, xid: &str) -> String {
        let mut s = step.to_string();
        while let Some(start) = s.find("{pick:") {
            let end = start + s[start..].find('}').expect("unclosed {pick:");
            let var = &s[start + 6..end];
            let arms: String = (0..6).map(|i| format!(" WHEN {i} THEN {{{i}}}")).collect();
            let case = format!("CASE {var}{arms} END");
            s.replace_range(start..=end, &case);
        }
        s = s
            .replace("{big}", BIG)
            .replace("{junk}", JUNK)
            .replace("{xid}", &format!("'{xid}'"));
        fixture.fill(&s)
    }

    /// Whether the writer is inside a transaction (and not between XA END and XA COMMIT).
    fn in_transaction(conn: &mut Conn) -> bool {
        matches!(
            conn.query_first::<u8, _>("SELECT @@in_transaction"),
            Ok(Some(1))
        )
    }

    fn end_transactions(&mut self, session: &Session, dbs: &Dbs) {
        let xids = [dbs.real.clone(), dbs.shadow.clone()];
        let pair = self.writers(session);
        for (c, xid) in [(&mut pair.0, &xids[0]), (&mut pair.1, &xids[1])] {
            let _ = c.query_drop("ROLLBACK");
            let _ = c.query_drop(format!("XA END '{xid}'"));
            let _ = c.query_drop(format!("XA ROLLBACK '{xid}'"));
            let _ = c.query_drop("ROLLBACK");
        }
    }

    /// Runs one script under one session; `Err` describes the first difference.
    fn run_script(
        &mut self,
        fixture: &Fixture,
        dbs: &Dbs,
        script: &Script,
        session: &Session,
    ) -> Result<(), String> {
        {
            let (real, shadow) = (dbs.real.clone(), dbs.shadow.clone());
            let pair = self.writers(session);
            must(&mut pair.0, &format!("USE {}", q(&real)));
            must(&mut pair.1, &format!("USE {}", q(&shadow)));
        }
        let mut steps: Vec<&str> = script.steps.to_vec();
        if session.autocommit_off {
            steps.push("COMMIT");
        }
        // Between XA END and XA COMMIT/ROLLBACK the writer cannot read: checked from outside.
        let mut xa_idle = false;
        for (i, step) in steps.iter().enumerate() {
            let upper = step.trim_start().to_ascii_uppercase();
            if upper.starts_with("XA END") || upper.starts_with("XA PREPARE") {
                xa_idle = true;
            } else if upper.starts_with("XA ") {
                xa_idle = false;
            }
            let real_sql = Self::expand(fixture, step, &dbs.real);
            let shadow_sql = Self::expand(fixture, step, &dbs.shadow);
            let t = Instant::now();
            let (shadow_out, real_out, in_tx) = {
                let pair = self.writers(session);
                let shadow_out = execute(&mut pair.1, &shadow_sql).renamed(&dbs.shadow, &dbs.real);
                let real_out = execute(&mut pair.0, &real_sql);
                (shadow_out, real_out, Self::in_transaction(&mut pair.0))
            };
            self.report.seconds[2] += t.elapsed().as_secs_f64();
            self.report.statements += 1;
            if matches!(real_out, Outcome::Err { .. }) {
                self.report.failed_statements += 1;
            }
            let at = format!("step {} `{}`", i + 1, real_sql.replace('\n', " "));
            if std::env::var("DML_MATRIX_TRACE").is_ok_and(|v| v == "1") {
                eprintln!("  {} {at}: {}", script.id, real_out.describe());
            }
            if shadow_out != real_out {
                return Err(format!(
                    "{at}: without the summary {}; with it {}",
                    shadow_out.describe(),
                    real_out.describe()
                ));
            }
            let writer = (in_tx && !xa_idle).then_some(session);
            let validate = self.validate_every_statement
                || (i + 1 == steps.len() && self.validate_after.contains(&script.id));
            self.check(fixture, dbs, writer, validate)
                .map_err(|e| format!("{at} ({}): {e}", real_out.describe()))?;
        }
        Ok(())
    }

    /// Runs `fixture` with each (script, session) of `plan`.
    pub fn run_fixture(&mut self, fixture: &Fixture, plan: &[(&Script, &Session)]) {
        let started = Instant::now();
        let dbs = self.setup(fixture);
        let created = self.create_summary(fixture, &dbs);
        let create_case = format!("{}/create", fixture.id);
        self.report.ran.insert(create_case.clone());
        match (fixture.expect, created) {
            (Expect::Refused(msg) | Expect::RefusedAt(msg), Err(e)) => {
                let positioned = e.split(" at ").skip(1).any(|rest| {
                    let pos: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == ':')
                        .collect();
                    pos.contains(':') && !pos.starts_with(':')
                });
                if !e.contains(msg) {
                    self.fail(
                        &create_case,
                        format!("refused, but with `{e}` instead of `{msg}`"),
                    );
                } else if matches!(fixture.expect, Expect::RefusedAt(_)) && !positioned {
                    self.fail(
                        &create_case,
                        format!("refused without the construct's position (at L:C): `{e}`"),
                    );
                }
                self.teardown(&dbs);
                return;
            }
            (Expect::Refused(msg) | Expect::RefusedAt(msg), Ok(())) => {
                self.fail(&create_case, format!("created, but `{msg}` was expected"));
            }
            (Expect::Exact, Err(e)) => {
                self.fail(&create_case, format!("not created: {e}"));
                self.teardown(&dbs);
                return;
            }
            (Expect::Exact, Ok(())) => {}
        }
        let summary_columns = columns_of(&mut self.checker, &dbs.real, SUMMARY);
        let names = |cs: &[Column]| cs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(&summary_columns) != names(&dbs.query_columns) {
            self.fail(
                &create_case,
                format!(
                    "column names: summary {:?}, query {:?}",
                    names(&summary_columns),
                    names(&dbs.query_columns)
                ),
            );
        }
        // The backfill first; if it is wrong, the triggers alone.
        let mut fill = Fill::Backfill;
        if let Err(e) = self.check(fixture, &dbs, None, true) {
            self.fail(
                &create_case,
                format!("backfilled from the starting rows: {e}"),
            );
            fill = Fill::Triggers;
            let case = format!("{}/triggers", fixture.id);
            self.report.ran.insert(case.clone());
            let made = self
                .recreate(fixture, &dbs, fill)
                .and_then(|()| self.check(fixture, &dbs, None, true));
            if let Err(e) = made {
                self.fail(
                    &case,
                    format!("created on the empty table, then the starting rows inserted: {e}"),
                );
                self.teardown(&dbs);
                return;
            }
        }
        let mut previous: Option<String> = None;
        let mut broken = false;
        for (n, (script, session)) in plan.iter().enumerate() {
            let case = format!("{}/{}@{}", fixture.id, script.id, session.id);
            self.report.ran.insert(case.clone());
            if n > 0 {
                if !broken {
                    // Back to the starting rows, through the triggers: state the last case left
                    // behind that no comparison could see shows up here.
                    let reset = self.reset(fixture, &dbs.shadow).and_then(|()| {
                        self.reset(fixture, &dbs.real)?;
                        self.check(fixture, &dbs, None, false)
                    });
                    if let Err(e) = reset {
                        let last = previous.clone().unwrap_or_else(|| create_case.clone());
                        self.fail(
                            &last,
                            format!("after it, deleting every row and inserting the starting rows again: {e}"),
                        );
                        broken = true;
                    }
                }
                if broken {
                    let made = self
                        .recreate(fixture, &dbs, fill)
                        .and_then(|()| self.check(fixture, &dbs, None, false));
                    if let Err(e) = made {
                        self.fail(&format!("{}/recreate", fixture.id), e);
                        self.report.ran.insert(format!("{}/recreate", fixture.id));
                        self.teardown(&dbs);
                        return;
                    }
                    broken = false;
                }
            }
            let result = self.run_script(fixture, &dbs, script, session);
            self.end_transactions(session, &dbs);
            if let Err(e) = result {
                self.fail(&case, e);
                broken = true;
            }
            previous = Some(case);
        }
        if !broken && !self.validate_every_statement {
            let case = format!("{}/end", fixture.id);
            self.report.ran.insert(case.clone());
            let t = Instant::now();
            if let Err(e) = self.validate(&dbs) {
                self.fail(&case, e);
            }
            self.report.seconds[1] += t.elapsed().as_secs_f64();
        }
        self.teardown(&dbs);
        eprintln!(
            "{}: {} cases in {:.1} s",
            fixture.id,
            plan.len(),
            started.elapsed().as_secs_f64()
        );
    }

    fn teardown(&mut self, dbs: &Dbs) {
        for db in [&dbs.real, &dbs.shadow] {
            must(
                &mut self.checker,
                &format!("DROP DATABASE IF EXISTS {}", q(db)),
            );
        }
    }
}

/// Whether `pattern` (segments separated by `/` and `@`; a segment ending in `*` matches every
/// segment that starts with what precedes the `*`) matches `case`.
pub fn case_matches(pattern: &str, case: &str) -> bool {
    let split = |s: &str| -> Vec<String> { s.split(['/', '@']).map(str::to_string).collect() };
    let (p, c) = (split(pattern), split(case));
    let segment = |a: &str, b: &str| match a.strip_suffix('*') {
        Some(prefix) => b.starts_with(prefix),
        None => a == b,
    };
    p.len() == c.len() && p.iter().zip(&c).all(|(a, b)| segment(a, b))
}

/// Checks a run against the list of known failures, in both directions; panics with the whole
/// story (every unexpected failure, every known failure that now passes).
pub fn assert_known(report: &Report, known: &[(&str, &str)], in_scope: &dyn Fn(&str) -> bool) {
    let mut unexpected = Vec::new();
    for f in &report.failures {
        if !known.iter().any(|(p, _)| case_matches(p, &f.case)) {
            unexpected.push(format!("  {}: {}", f.case, f.detail));
        }
    }
    let mut now_pass = Vec::new();
    for (pattern, why) in known {
        let fixture = pattern.split('/').next().unwrap_or("");
        if fixture != "*" && !in_scope(fixture) {
            continue;
        }
        let ran = report.ran.iter().any(|c| case_matches(pattern, c));
        if !ran {
            // A case of a script whose fixture was refused at create never runs: the entry can
            // no longer fail, so it must go (the default run leaves out some sessions, which
            // is why only a fixture without any script case counts).
            let scripts_ran = report
                .ran
                .iter()
                .any(|c| c.starts_with(&format!("{fixture}/")) && c.contains('@'));
            let created_ran = report.ran.contains(&format!("{fixture}/create"));
            if fixture != "*" && pattern.contains('@') && created_ran && !scripts_ran {
                now_pass.push(format!(
                    "  {pattern} ({why}) never runs: {fixture} is refused at create; remove it from KNOWN_FAILING"
                ));
            }
            continue;
        }
        let fails = report
            .failures
            .iter()
            .any(|f| case_matches(pattern, &f.case));
        if !fails {
            now_pass.push(format!(
                "  {pattern} ({why}) now passes: remove it from KNOWN_FAILING"
            ));
        }
    }
    eprintln!(
        "matrix: {} cases, {} statements ({} failed alike on both tables), {} checks, {} failing cases",
        report.ran.len(),
        report.statements,
        report.failed_statements,
        report.checks,
        report.failures.len()
    );
    eprintln!(
        "seconds: compare {:.1}, validate {:.1}, statements {:.1}, resets {:.1}, setup+create {:.1}",
        report.seconds[0], report.seconds[1], report.seconds[2], report.seconds[3], report.seconds[4]
    );
    if !unexpected.is_empty() || !now_pass.is_empty() {
        panic!(
            "{} unexpected failures, {} known failures now pass:\n{}\n{}",
            unexpected.len(),
            now_pass.len(),
            unexpected.join("\n"),
            now_pass.join("\n")
        );
    }
}
