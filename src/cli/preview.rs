//! `lightning preview`: shows every object a summary would consist of, without
//! changing anything. Also home of what `preview` and `create` share: where
//! the query comes from, and how a rejected query is shown (the error, then
//! the offending line with a caret under the column).

use std::io::Write as _;
use std::path::PathBuf;

use super::highlight::SqlHighlighter;
use super::output::{print_json, stdout_colours, Failure};
use super::{exit, Ctx};
use crate::db::introspect::IntrospectError;
use crate::engine::EngineError;
use crate::lifecycle::{preview, LifecycleError};

/// Where the summary's query comes from: exactly one of `--query`, `--file`.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "source", required = true, multiple = false)]
pub struct QuerySource {
    /// The aggregate query, e.g. "SELECT day, SUM(amount) FROM orders GROUP BY day"
    #[arg(long, value_name = "SQL")]
    pub query: Option<String>,

    /// Read the query from FILE ("-" reads standard input)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl QuerySource {
    /// The query text, with trailing whitespace and one trailing `;` removed
    /// (a query saved from the mariadb client usually ends with one).
    pub fn read(&self) -> anyhow::Result<String> {
        let text = match (&self.query, &self.file) {
            (Some(q), _) => q.clone(),
            (None, Some(path)) if path.as_os_str() == "-" => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                    Failure::new(format!("cannot read the query from standard input: {e}"))
                })?;
                text
            }
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
                Failure::new(format!(
                    "cannot read the query from {}: {e}",
                    path.display()
                ))
            })?,
            // clap's group makes one of them required; keep a typed error anyway.
            (None, None) => return Err(Failure::new(msg::NO_QUERY).into()),
        };
        let trimmed = text.trim_end();
        let trimmed = trimmed.strip_suffix(';').unwrap_or(trimmed).trim_end();
        if trimmed.trim().is_empty() {
            return Err(Failure::new(msg::NO_QUERY).into());
        }
        Ok(trimmed.to_string())
    }
}

/// Arguments of `lightning preview`.
#[derive(Debug, Clone, clap::Args)]
pub struct PreviewArgs {
    /// The query.
    #[command(flatten)]
    pub source: QuerySource,

    /// Summary name to preview with [default: <table>_summary]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Writer slots per group, as `create --slots` would use [default: 1, or 16 without GROUP BY]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub slots: Option<u16>,

    /// Write the DDL as a migration to FILE for review, and its drop script next to it
    /// (FILE with `.drop` before the extension)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// User-visible texts of this module.
mod msg {
    pub const NO_QUERY: &str = "the query is empty; give it with --query SQL or --file FILE";
    /// After `--output`: where the scripts went.
    pub fn wrote(apply: &std::path::Path, drop: &std::path::Path) -> String {
        format!(
            "Wrote the migration to {} and its drop script to {}. Nothing was changed on the server; `lightning create` applies it online.",
            apply.display(),
            drop.display()
        )
    }
    pub const NOTE: &str = "Preview only: nothing was changed. `lightning create` runs these online (brief lock, consistent backfill); running them by hand gives an empty summary.";
}

pub use crate::lifecycle::preview::{plan, Plan, PlanObjects, PlanStatement};

/// The plan as SQL text with `-- comments`, pasteable into the mariadb client
/// (triggers are wrapped in `DELIMITER $$`, since their bodies contain `;`).
pub fn render(plan: &Plan<'_>, hl: &SqlHighlighter) -> String {
    let mut out = String::new();
    let header = format!(
        "Summary `{}`.`{}` of table `{}`: {} group key(s), {} aggregate(s)",
        plan.schema,
        plan.name,
        plan.base_table,
        plan.analysis.keys.len(),
        plan.analysis.aggregates.len()
    );
    out.push_str(&hl.comment(&header));
    out.push('\n');
    out.push_str(&hl.comment(msg::NOTE));
    out.push('\n');
    for w in plan.warnings {
        out.push_str(&hl.comment(&format!("warning: {w}")));
        out.push('\n');
    }
    let mut in_delimiter = false;
    for s in &plan.statements {
        let trigger = s.kind == "trigger";
        if trigger && !in_delimiter {
            out.push_str("\nDELIMITER $$\n");
            in_delimiter = true;
        }
        out.push('\n');
        out.push_str(&hl.comment(&s.comment));
        out.push('\n');
        out.push_str(&hl.sql(s.sql.trim_end_matches(';')));
        out.push_str(if trigger { "$$\n" } else { ";\n" });
    }
    if in_delimiter {
        out.push_str("\nDELIMITER ;\n");
    }
    out
}

/// The summary name `preview` uses when none is given: `<table>_summary`.
fn default_name(query: &str) -> Result<String, EngineError> {
    let parsed = crate::engine::parse::parse(query)?;
    Ok(format!("{}_summary", parsed.table.name))
}

/// Runs `lightning preview`.
pub fn run(ctx: &Ctx, args: &PreviewArgs) -> anyhow::Result<i32> {
    let query = args.source.read()?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => match default_name(&query) {
            Ok(n) => n,
            Err(e) => return Ok(report_rejection(&query, &e, ctx.json())),
        },
    };
    let mut conn = ctx.connect()?;
    let prepared = match preview::prepare_like_create(&mut conn, &query, &name, args.slots) {
        Ok(p) => p,
        Err(IntrospectError::Engine(e)) => return Ok(report_rejection(&query, &e, ctx.json())),
        Err(e) => return Err(e.into()),
    };
    if let Some(path) = &args.output {
        write_migration(&prepared, &query, path)?;
        if !ctx.json() {
            return Ok(exit::OK);
        }
    }
    let plan = plan(&prepared);
    if ctx.json() {
        print_json(&plan)?;
    } else {
        let hl = SqlHighlighter::new(stdout_colours());
        print!("{}", render(&plan, &hl));
    }
    Ok(exit::OK)
}

/// Writes the migration of `prepared` to `path` and its drop script to [`drop_path`] of it, and
/// says so on stdout.
fn write_migration(
    prepared: &crate::engine::Prepared,
    query: &str,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let g = &prepared.generated;
    let m = crate::engine::codegen::migration::migration(
        g,
        &prepared.table.name,
        query,
        &crate::lifecycle::catalog::catalog_ddl(&g.names.schema),
    );
    let down = drop_path(path);
    for (file, text) in [(path, &m.apply), (down.as_path(), &m.drop)] {
        std::fs::write(file, text)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", file.display())))?;
    }
    println!("{}", msg::wrote(path, &down));
    Ok(())
}

/// Where the drop script of a migration written to `path` goes: `x.sql` → `x.drop.sql`.
pub fn drop_path(path: &std::path::Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.drop.{}", ext.to_string_lossy()),
        None => format!("{stem}.drop"),
    };
    path.with_file_name(name)
}

/// The query's own fault inside a lifecycle error, if that is what it is.
pub fn engine_error(err: &LifecycleError) -> Option<&EngineError> {
    match err {
        LifecycleError::Engine(e) | LifecycleError::Prepare(IntrospectError::Engine(e)) => Some(e),
        _ => None,
    }
}

/// Prints `error: <message>` and, when the error has a position, the query
/// line with a caret under the column, to stderr; returns the exit code. The position is
/// printed once: by the excerpt (line number and caret) when there is one, in the message
/// otherwise. With `json`, the error also goes to stdout as a JSON object.
pub fn report_rejection(query: &str, err: &EngineError, json: bool) -> i32 {
    let shown = err
        .pos()
        .map(|pos| excerpt(query, pos.line, pos.column))
        .unwrap_or_default();
    let message = if shown.is_empty() {
        err.to_string()
    } else {
        err.message()
    };
    let message = super::output::one_line(&message);
    let mut stderr = std::io::stderr().lock();
    // If stderr is gone nobody can read it; the exit code still tells.
    let _ = writeln!(stderr, "error: {message}");
    let _ = write!(stderr, "{shown}");
    if json {
        super::output::print_json_error(super::output::JsonErrorBody {
            kind: "rejected",
            message: super::output::one_line(&err.message()),
            hint: None,
            line: err.pos().map(|p| p.line),
            column: err.pos().map(|p| p.column),
            exit_code: exit::FAILURE,
        });
    }
    exit::FAILURE
}

/// ` 3 | <line>` and a caret line under column `column` (1-based, in
/// characters). Tabs before the column are repeated so the caret lines up.
pub fn excerpt(query: &str, line: u64, column: u64) -> String {
    let Some(text) = usize::try_from(line)
        .ok()
        .and_then(|l| l.checked_sub(1))
        .and_then(|i| query.lines().nth(i))
    else {
        return String::new();
    };
    let gutter = line.to_string();
    let pad: String = text
        .chars()
        .take(usize::try_from(column.saturating_sub(1)).unwrap_or(0))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!(
        " {gutter} | {text}\n {} | {pad}^\n",
        " ".repeat(gutter.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_the_column() {
        let q = "SELECT a, COUNT(*)\nFROM t JOIN u ON t.id = u.id\nGROUP BY a";
        let e = excerpt(q, 2, 8);
        assert_eq!(e, " 2 | FROM t JOIN u ON t.id = u.id\n   |        ^\n");
        let e = excerpt("\tSELECT x", 1, 3);
        assert_eq!(e, " 1 | \tSELECT x\n   | \t ^\n");
        assert_eq!(excerpt(q, 9, 1), "");
    }

    #[test]
    fn drop_script_sits_next_to_the_migration() {
        let p = |s: &str| drop_path(std::path::Path::new(s));
        assert_eq!(p("out/by_day.sql"), PathBuf::from("out/by_day.drop.sql"));
        assert_eq!(p("by_day"), PathBuf::from("by_day.drop"));
    }

    #[test]
    fn query_text_is_trimmed() {
        let s = QuerySource {
            query: Some("SELECT 1 ;\n\n".into()),
            file: None,
        };
        assert_eq!(s.read().ok().as_deref(), Some("SELECT 1"));
        let s = QuerySource {
            query: Some("  ; ".into()),
            file: None,
        };
        assert!(s.read().is_err());
    }
}
