//! The session thread: one connection for metadata and previews, served in
//! order. A preview that a newer one has superseded is skipped.

use super::protocol::*;
use super::{register, reply, unregister, Registry, Running};
use crate::db::introspect::{prepare, IntrospectError};
use crate::engine::codegen::names::CATALOG_TABLE;
use crate::engine::codegen::GenOptions;
use crate::engine::Prepared;
use crate::lifecycle;
use crate::lifecycle::catalog;
use crate::tui::errors;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender};

/// Databases the browser does not list.
const SYSTEM_DATABASES: &[&str] = &["information_schema", "performance_schema", "mysql", "sys"];

/// Prefix of LightningTables' own objects, hidden in the browser.
const INTERNAL_PREFIX: &str = "_lt_";

/// The session: its connection (opened on demand) and current database.
struct Session {
    opts: Opts,
    conn: Option<Conn>,
    database: Option<String>,
}

/// Serves `requests` until the channel closes.
pub fn run(opts: Opts, requests: Receiver<Request>, out: Sender<Response>, registry: Registry) {
    let mut session = Session {
        opts,
        conn: None,
        database: None,
    };
    let mut queue: VecDeque<Request> = VecDeque::new();
    loop {
        if queue.is_empty() {
            match requests.recv() {
                Ok(r) => queue.push_back(r),
                Err(_) => return,
            }
        }
        queue.extend(requests.try_iter());
        let Some(request) = queue.pop_front() else {
            continue;
        };
        let superseded = matches!(request.kind, RequestKind::Preview { .. })
            && queue
                .iter()
                .any(|r| matches!(r.kind, RequestKind::Preview { .. }));
        if superseded {
            reply(&out, request.id, ResponseKind::Cancelled);
            continue;
        }
        let kind = match errors::catch(|| session.serve(&request, &registry)) {
            Ok(kind) => kind,
            Err(failure) => {
                // The connection may be mid-statement: start afresh.
                session.conn = None;
                ResponseKind::Failed(failure)
            }
        };
        unregister(&registry, request.id);
        reply(&out, request.id, kind);
    }
}

impl Session {
    /// The connection, opened if needed.
    fn conn(&mut self) -> Result<&mut Conn, Failure> {
        if self.conn.is_none() {
            let conn = errors::connect(&self.opts).map_err(|e| errors::server_failure(&e))?;
            self.database = self.opts.get_db_name().map(str::to_string);
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Failure::Server("no connection".to_string()))
    }

    /// Forgets a connection that failed at the transport level.
    fn check(&mut self, err: &mysql::Error) {
        if matches!(err, mysql::Error::IoError(_) | mysql::Error::DriverError(_)) {
            self.conn = None;
        }
    }

    fn serve(&mut self, request: &Request, registry: &Registry) -> ResponseKind {
        // Record the connection running this request so Cancel can kill it.
        let id = match self.conn() {
            Ok(conn) => u64::from(conn.connection_id()),
            Err(failure) => return ResponseKind::Failed(failure),
        };
        register(
            registry,
            request.id,
            Running {
                connection_id: Some(id),
                control: None,
            },
        );
        let result = match &request.kind {
            RequestKind::Connect => self.connect(),
            RequestKind::Databases => self.databases().map(ResponseKind::Databases),
            RequestKind::Tables { database } => self.tables(database),
            RequestKind::Columns { database, table } => self.columns(database, table),
            RequestKind::Preview {
                database,
                sql,
                name,
            } => return ResponseKind::Preview(self.preview(database.as_deref(), sql, name)),
            RequestKind::Summaries => {
                let opts = mysql::OptsBuilder::from_opts(self.opts.clone()).db_name(None::<String>);
                return match lifecycle::list(&opts.into()) {
                    Ok(list) => ResponseKind::Summaries(list),
                    Err(e) => ResponseKind::Failed(errors::lifecycle_failure(&e)),
                };
            }
            _ => return ResponseKind::Failed(Failure::Misrouted("session")),
        };
        match result {
            Ok(kind) => kind,
            Err(e) => {
                self.check(&e);
                if errors::is_interrupted(&e) {
                    ResponseKind::Cancelled
                } else {
                    ResponseKind::Failed(errors::server_failure(&e))
                }
            }
        }
    }

    fn with_conn<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, mysql::Error>,
    ) -> Result<T, mysql::Error> {
        match self.conn.as_mut() {
            Some(conn) => f(conn),
            None => Err(mysql::Error::DriverError(
                mysql::DriverError::ConnectTimeout,
            )),
        }
    }

    fn connect(&mut self) -> Result<ResponseKind, mysql::Error> {
        let (version, database) = self.with_conn(|c| {
            let v: Option<String> = c.query_first("SELECT VERSION()")?;
            let d: Option<Option<String>> = c.query_first("SELECT DATABASE()")?;
            Ok((v.unwrap_or_default(), d.flatten()))
        })?;
        self.database = database.clone();
        Ok(ResponseKind::Connected { version, database })
    }

    fn databases(&mut self) -> Result<Vec<String>, mysql::Error> {
        let all: Vec<String> = self.with_conn(|c| {
            c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")
        })?;
        Ok(all
            .into_iter()
            .filter(|d| !SYSTEM_DATABASES.contains(&d.to_ascii_lowercase().as_str()))
            .collect())
    }

    fn tables(&mut self, database: &str) -> Result<ResponseKind, mysql::Error> {
        let rows: Vec<(String, String, Option<u64>)> = self.with_conn(|c| {
            c.exec(
                "SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
                (database,),
            )
        })?;
        let entries = self.with_conn(|c| catalog::list_schema(c, database))?;
        let tables = rows
            .into_iter()
            .filter(|(name, _, _)| !name.starts_with(INTERNAL_PREFIX) && name != CATALOG_TABLE)
            .map(|(name, kind, rows)| {
                let summaries: Vec<String> = entries
                    .iter()
                    .filter(|e| e.base_table.eq_ignore_ascii_case(&name))
                    .map(|e| e.name.clone())
                    .collect();
                let kind = if entries.iter().any(|e| e.name == name) {
                    TableKind::Summary
                } else if kind.contains("VIEW") {
                    TableKind::View
                } else {
                    TableKind::Table
                };
                TableInfo {
                    rows_estimate: if kind == TableKind::Table { rows } else { None },
                    name,
                    kind,
                    summaries,
                }
            })
            .collect();
        Ok(ResponseKind::Tables {
            database: database.to_string(),
            tables,
        })
    }

    fn columns(&mut self, database: &str, table: &str) -> Result<ResponseKind, mysql::Error> {
        let rows: Vec<(String, String, String, String)> = self.with_conn(|c| {
            c.exec(
                "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                (database, table),
            )
        })?;
        Ok(ResponseKind::Columns {
            database: database.to_string(),
            table: table.to_string(),
            columns: rows
                .into_iter()
                .map(|(name, column_type, nullable, key)| ColumnInfo {
                    name,
                    column_type,
                    nullable: nullable == "YES",
                    key,
                })
                .collect(),
        })
    }

    fn preview(
        &mut self,
        database: Option<&str>,
        sql: &str,
        name: &str,
    ) -> Result<PreviewDoc, Rejection> {
        let plain = |message: String| Rejection { message, pos: None };
        if let Some(db) = database {
            if self.database.as_deref() != Some(db) {
                let use_db = format!("USE {}", crate::engine::ident::quote(db));
                self.with_conn(|c| c.query_drop(use_db)).map_err(|e| {
                    self.check(&e);
                    plain(errors::mysql_error(&e))
                })?;
                self.database = Some(db.to_string());
            }
        }
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| plain("no connection".into()))?;
        let prepared = prepare(conn, sql, name, GenOptions::default()).map_err(|e| match e {
            // The pane shows the position on a line of its own: not twice.
            IntrospectError::Engine(e) => Rejection {
                message: e.message(),
                pos: e.pos(),
            },
            other => plain(errors::introspect_error(&other)),
        })?;
        // A clash is shown before anything is confirmed; a check that fails claims none (the
        // create checks again and says so).
        let clash = lifecycle::name_clash(conn, &prepared, name).unwrap_or(None);
        let mut doc = document(prepared, name, sql).map_err(|e| Rejection {
            message: e.message(),
            pos: e.pos(),
        })?;
        doc.clash = clash;
        Ok(doc)
    }
}

/// The preview document of `prepared` as the pane shows it: the statements `create` runs
/// (from the one preview document, [`lifecycle::preview::plan`], with the slots `create` would
/// use), without the shared catalog's, and their migration for `query`.
pub fn document(
    prepared: Prepared,
    name: &str,
    query: &str,
) -> Result<PreviewDoc, crate::engine::EngineError> {
    let prepared = lifecycle::preview::with_create_slots(prepared, name, None)?;
    let plan = lifecycle::preview::plan(&prepared);
    let migration = crate::engine::codegen::migration::migration(
        &prepared.generated,
        &prepared.table.name,
        query,
        &crate::lifecycle::catalog::catalog_ddl(&prepared.table.schema),
    );
    Ok(PreviewDoc {
        schema: plan.schema.to_string(),
        name: name.to_string(),
        base_table: plan.base_table.to_string(),
        statements: plan
            .statements
            .into_iter()
            .filter(|s| s.kind != "catalog")
            .map(|s| Statement {
                title: s.title,
                sql: s.sql,
            })
            .collect(),
        migration: Some(migration),
        warnings: plan.warnings.to_vec(),
        clash: None,
    })
}
