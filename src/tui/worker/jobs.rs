//! Jobs: lifecycle operations and comparisons, each on a thread of its own
//! so a long backfill never holds up the schema browser or the preview.

use super::protocol::*;
use super::{register, reply, unregister, with_database, Registry, Running};
use crate::engine::ident::quote_qualified;
use crate::lifecycle::{self, Control, CreateOptions, Event, LifecycleError};
use crate::tui::errors;
use mysql::prelude::Queryable;
use mysql::Opts;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Progress events closer together than this are merged (the last one wins).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);

/// Most differences a validation reports.
const MAX_DIFFERENCES: usize = 20;

/// Runs `request` on a new thread; its responses go to `out`.
pub fn spawn(opts: Opts, request: Request, out: Sender<Response>, registry: Registry) {
    let id = request.id;
    let fallback = out.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("lightning-job-{id}"))
        .spawn(move || {
            let kind = errors::catch(|| run(&opts, &request, &out, &registry))
                .unwrap_or_else(ResponseKind::Failed);
            unregister(&registry, request.id);
            reply(&out, request.id, kind);
        });
    if let Err(e) = spawned {
        reply(
            &fallback,
            id,
            ResponseKind::Failed(Failure::Thread(e.to_string())),
        );
    }
}

fn lifecycle_result(r: Result<ResponseKind, LifecycleError>) -> ResponseKind {
    match r {
        Ok(kind) => kind,
        Err(LifecycleError::Cancelled(_) | LifecycleError::RebuildStopped { .. }) => {
            ResponseKind::Cancelled
        }
        // Our own KILL QUERY, whichever step it hit.
        Err(e) if e.server_error().is_some_and(errors::is_interrupted) => ResponseKind::Cancelled,
        Err(e) => ResponseKind::Failed(errors::lifecycle_failure(&e)),
    }
}

/// The tuning the confirmation set (the defaults otherwise, as for a resume).
fn options_for(kind: &RequestKind) -> CreateOptions {
    match kind {
        RequestKind::Create { tuning, .. } | RequestKind::Rebuild { tuning, .. } => {
            tuning.apply(CreateOptions::default())
        }
        _ => CreateOptions::default(),
    }
}

fn run(
    opts: &Opts,
    request: &Request,
    out: &Sender<Response>,
    registry: &Registry,
) -> ResponseKind {
    let id = request.id;
    let control = Control::new();
    register(
        registry,
        id,
        Running {
            connection_id: None,
            control: Some(control.clone()),
        },
    );
    let options = options_for(&request.kind);
    let mut last_progress = Instant::now() - PROGRESS_INTERVAL;
    let mut on_event = |event: Event| {
        if let Event::Progress(p) = &event {
            let last = p.rows_done >= p.rows_total;
            if !last && last_progress.elapsed() < PROGRESS_INTERVAL {
                return;
            }
            last_progress = Instant::now();
        }
        reply(out, id, ResponseKind::Progress(event));
    };
    let built = |r: Result<lifecycle::CreateReport, LifecycleError>| {
        lifecycle_result(r.map(|report| ResponseKind::Finished(JobOutcome::Built(report.into()))))
    };
    match &request.kind {
        RequestKind::Create {
            database,
            name,
            sql,
            ..
        } => {
            let opts = with_database(opts, database.as_deref());
            built(lifecycle::create(
                &opts,
                name,
                sql,
                &options,
                &control,
                &mut on_event,
            ))
        }
        RequestKind::Resume { schema, name } => {
            let opts = with_database(opts, Some(schema));
            built(lifecycle::resume(
                &opts,
                schema,
                name,
                &options,
                &control,
                &mut on_event,
            ))
        }
        RequestKind::Rebuild { schema, name, .. } => {
            let opts = with_database(opts, Some(schema));
            built(lifecycle::rebuild(
                &opts,
                schema,
                name,
                &options,
                &control,
                &mut on_event,
            ))
        }
        RequestKind::Validate { schema, name } => {
            let opts = with_database(opts, Some(schema));
            // The comparison's connection is registered so that Cancel can KILL QUERY it.
            let mut on_connection = |connection: u64| {
                register(
                    registry,
                    id,
                    Running {
                        connection_id: Some(connection),
                        control: Some(control.clone()),
                    },
                );
            };
            lifecycle_result(
                lifecycle::validate_with(&opts, schema, name, MAX_DIFFERENCES, &mut on_connection)
                    .map(|r| ResponseKind::Finished(JobOutcome::Validated(r))),
            )
        }
        RequestKind::Drop { schema, name } => {
            lifecycle_result(lifecycle::drop_summary(opts, schema, name).map(|report| {
                ResponseKind::Finished(JobOutcome::Dropped {
                    name: name.clone(),
                    report,
                })
            }))
        }
        RequestKind::Compare {
            schema,
            name,
            query,
        } => compare(opts, registry, id, schema, name, query),
        _ => ResponseKind::Failed(Failure::Misrouted("job")),
    }
}

/// Runs `query` and `SELECT * FROM schema.name`, timed, on one connection
/// registered for `KILL QUERY`.
fn compare(
    opts: &Opts,
    registry: &Registry,
    id: RequestId,
    schema: &str,
    name: &str,
    query: &str,
) -> ResponseKind {
    let opts = with_database(opts, Some(schema));
    let mut conn = match errors::connect(&opts) {
        Ok(c) => c,
        Err(e) => return ResponseKind::Failed(errors::server_failure(&e)),
    };
    register(
        registry,
        id,
        Running {
            connection_id: Some(u64::from(conn.connection_id())),
            control: None,
        },
    );
    let failed = |e: mysql::Error| {
        if errors::is_interrupted(&e) {
            ResponseKind::Cancelled
        } else {
            ResponseKind::Failed(errors::server_failure(&e))
        }
    };
    let original = match timed(&mut conn, query) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let summary = match timed(
        &mut conn,
        &format!("SELECT * FROM {}", quote_qualified(schema, name)),
    ) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let matches = same_rows(&original, &summary);
    ResponseKind::Compared(CompareResult {
        schema: schema.to_string(),
        name: name.to_string(),
        query: original,
        summary,
        matches,
    })
}

fn timed(conn: &mut mysql::Conn, sql: &str) -> Result<ResultSet, mysql::Error> {
    let started = Instant::now();
    let result = conn.query_iter(sql)?;
    let columns: Vec<String> = result
        .columns()
        .as_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let mut rows = Vec::new();
    for row in result {
        let row = row?;
        rows.push(row.unwrap_raw().iter().map(render).collect());
    }
    Ok(ResultSet {
        columns,
        rows,
        micros: started.elapsed().as_micros() as u64,
    })
}

fn render(v: &Option<mysql::Value>) -> String {
    match v {
        None | Some(mysql::Value::NULL) => "NULL".into(),
        Some(mysql::Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        Some(mysql::Value::Int(i)) => i.to_string(),
        Some(mysql::Value::UInt(u)) => u.to_string(),
        Some(mysql::Value::Float(f)) => f.to_string(),
        Some(mysql::Value::Double(d)) => d.to_string(),
        Some(other) => other.as_sql(true),
    }
}

/// Whether two results hold the same rows, in any order.
pub fn same_rows(a: &ResultSet, b: &ResultSet) -> bool {
    if a.rows.len() != b.rows.len() {
        return false;
    }
    let mut x = a.rows.clone();
    let mut y = b.rows.clone();
    x.sort();
    y.sort();
    x == y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_in_any_order() {
        let a = ResultSet {
            columns: vec!["k".into()],
            rows: vec![vec!["1".into()], vec!["2".into()]],
            micros: 1,
        };
        let mut b = a.clone();
        b.rows.reverse();
        assert!(same_rows(&a, &b));
        b.rows[0][0] = "3".into();
        assert!(!same_rows(&a, &b));
    }
}
