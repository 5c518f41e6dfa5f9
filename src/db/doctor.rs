//! `lightning doctor`: is this server and account ready for summary tables?
//!
//! [`gather`] asks the server a handful of questions ([`ServerFacts`]);
//! [`DoctorReport::assemble`] turns the answers into plain-words checks
//! without touching the database, so the judgement is unit-tested.

pub mod grants;
pub mod replication;

use serde::Serialize;

use self::grants::{
    effective_privileges, global_privileges, parse_grant, Operation, Scope, OPERATIONS,
    REQUIRED_PRIVILEGES,
};
use super::connect::{connect, ConnectError};
use super::options::ConnectionConfig;
use mysql::prelude::Queryable;

/// Oldest MariaDB release this tool supports.
pub const MIN_MARIADB: (u32, u32) = (10, 6);

/// How many non-InnoDB table names a message lists before "and N more".
const LISTED_TABLES: usize = 10;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Worth knowing, does not stop summaries.
    Warning,
    /// Stops creating summaries until fixed.
    Blocker,
    /// Not checked (e.g. no database given).
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Short stable name: `server`, `database`, `privileges`, `binlog`, `isolation`, `engines`.
    pub name: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found, in plain words (with what to do about it).
    pub message: String,
}

/// Server product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// MariaDB Server.
    MariaDB,
    /// Oracle MySQL or a fork that does not say MariaDB.
    MySQL,
}

/// Whether this tool supports the server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Support {
    /// MariaDB 10.6 or later.
    Supported,
    /// MariaDB older than 10.6.
    Unsupported,
    /// MySQL: may work, never tested.
    Untested,
}

/// Server identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    /// `VERSION()` as reported.
    pub version: String,
    /// Product.
    pub flavour: Flavour,
    /// Parsed `major.minor.patch`, when the version string has one.
    pub numeric_version: Option<(u32, u32, u32)>,
    /// Support verdict.
    pub support: Support,
}

/// Privileges on the target database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivilegeReport {
    /// The account as the server sees it (`CURRENT_USER()`).
    pub account: String,
    /// What this tool needs.
    pub required: Vec<String>,
    /// What of that is missing.
    pub missing: Vec<String>,
}

/// One operation's least privileges, and which of them the account lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationReport {
    /// The operation and its privileges (`grants::OPERATIONS`).
    #[serde(flatten)]
    pub operation: Operation,
    /// What the account lacks of them on the database; `None` when not checked (no database,
    /// or a grant on one object, which only an administrator gives).
    pub missing: Option<Vec<String>>,
}

/// Binary-log settings relevant to creating triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BinlogInfo {
    /// `log_bin`.
    pub enabled: bool,
    /// `binlog_format`.
    pub format: Option<String>,
    /// `log_bin_trust_function_creators`.
    pub trust_function_creators: bool,
    /// The account holds the global `SUPER` privilege.
    pub has_super: bool,
    /// Creating triggers needs `SUPER` or `log_bin_trust_function_creators`, and neither is there.
    pub blocks_triggers: bool,
}

/// A table whose engine is not InnoDB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableEngine {
    /// Table name.
    pub table: String,
    /// Engine (`unknown` when the server does not say).
    pub engine: String,
}

/// Everything `lightning doctor` found; serialises as the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    /// `user@host:port` / `user@socket:/path`.
    pub target: String,
    /// Target database, if one was given.
    pub database: Option<String>,
    /// Server identity.
    pub server: ServerInfo,
    /// Privilege check; `None` without a (visible) database.
    pub privileges: Option<PrivilegeReport>,
    /// Binary logging.
    pub binlog: BinlogInfo,
    /// Default transaction isolation (`@@global.transaction_isolation`).
    pub isolation: Option<String>,
    /// Non-InnoDB base tables of the database; `None` when not checked.
    pub non_innodb_tables: Option<Vec<TableEngine>>,
    /// Each operation's least privileges (what to grant whom).
    pub operations: Vec<OperationReport>,
    /// Galera, replication and read-only (`None` when it could not be read).
    pub topology: Option<crate::db::topology::Topology>,
    /// The verdicts, in display order.
    pub checks: Vec<Check>,
    /// No check is a blocker.
    pub ready: bool,
}

/// Raw answers from the server, the input of [`DoctorReport::assemble`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFacts {
    /// `VERSION()`.
    pub version: String,
    /// `@@version_comment`.
    pub version_comment: String,
    /// `CURRENT_USER()`.
    pub current_user: String,
    /// Lines of `SHOW GRANTS` (and of `SHOW GRANTS FOR PUBLIC` where it exists).
    pub grants: Vec<String>,
    /// `@@log_bin`.
    pub log_bin: bool,
    /// `@@global.binlog_format`.
    pub binlog_format: Option<String>,
    /// `@@global.log_bin_trust_function_creators`.
    pub trust_function_creators: bool,
    /// `@@lower_case_table_names` is non-zero.
    pub case_insensitive_names: bool,
    /// Default transaction isolation.
    pub isolation: Option<String>,
    /// Whether the target database exists (and is visible); `None` without one.
    pub database_exists: Option<bool>,
    /// `(table, engine)` for every base table of the database.
    pub tables: Vec<(String, Option<String>)>,
}

/// Why the doctor could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// Could not connect.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A diagnostic query failed.
    #[error("checking the server failed while running `{query}`: {source}")]
    Query {
        /// The statement (never contains credentials).
        query: &'static str,
        /// Driver error.
        source: mysql::Error,
    },
}

/// Connects (without selecting the database, so a missing database is a
/// finding rather than a connection failure) and examines the server.
pub fn diagnose(config: &ConnectionConfig) -> Result<DoctorReport, DoctorError> {
    let database = config.database.clone();
    let mut server_config = config.clone();
    server_config.database = None;
    let mut conn = connect(&server_config)?;
    let facts = gather(&mut conn, database.as_deref())?;
    let mut report = DoctorReport::assemble(&config.describe(), database.as_deref(), &facts);
    // Kept out of `ServerFacts` so that the facts stay a plain record of the basic questions.
    if let Ok(topology) = crate::db::topology::Topology::probe(&mut conn) {
        report.add_topology(topology);
    }
    Ok(report)
}

/// Runs the diagnostic queries on an open connection.
pub fn gather(conn: &mut mysql::Conn, database: Option<&str>) -> Result<ServerFacts, DoctorError> {
    fn q<T>(query: &'static str, r: Result<T, mysql::Error>) -> Result<T, DoctorError> {
        r.map_err(|source| DoctorError::Query { query, source })
    }
    const BASICS: &str = "SELECT VERSION(), @@version_comment, CURRENT_USER(), @@log_bin, \
         @@global.binlog_format, @@global.log_bin_trust_function_creators, @@lower_case_table_names";
    type Basics = (
        String,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let basics: Option<Basics> = q(BASICS, conn.query_first(BASICS))?;
    let (version, comment, current_user, log_bin, format, trust, lctn) =
        basics.unwrap_or_else(|| (String::new(), None, String::new(), None, None, None, None));

    let mut grants: Vec<String> = q("SHOW GRANTS", conn.query("SHOW GRANTS"))?;
    // PUBLIC (MariaDB 10.11+) applies to every account; older servers reject
    // the statement, which simply means there is nothing to add.
    if let Ok(public) = conn.query::<String, _>("SHOW GRANTS FOR PUBLIC") {
        grants.extend(public);
    }
    // transaction_isolation is the MariaDB 11.1+/MySQL 8 name, tx_isolation the older one.
    let isolation = conn
        .query_first::<String, _>("SELECT @@global.transaction_isolation")
        .or_else(|_| conn.query_first::<String, _>("SELECT @@global.tx_isolation"))
        .ok()
        .flatten();

    let mut facts = ServerFacts {
        version,
        version_comment: comment.unwrap_or_default(),
        current_user,
        grants,
        log_bin: log_bin.unwrap_or(0) != 0,
        binlog_format: format,
        trust_function_creators: trust.unwrap_or(0) != 0,
        case_insensitive_names: lctn.unwrap_or(0) != 0,
        isolation,
        database_exists: None,
        tables: Vec::new(),
    };
    if let Some(db) = database {
        const EXISTS: &str =
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?";
        let count: Option<i64> = q(EXISTS, conn.exec_first(EXISTS, (db,)))?;
        facts.database_exists = Some(count.unwrap_or(0) > 0);
        const TABLES: &str = "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";
        facts.tables = q(TABLES, conn.exec(TABLES, (db,)))?;
    }
    Ok(facts)
}

impl DoctorReport {
    /// Judges the facts. Pure: no database access.
    pub fn assemble(target: &str, database: Option<&str>, facts: &ServerFacts) -> DoctorReport {
        let mut checks = Vec::new();
        let server = server_info(facts);
        checks.push(server_check(&server));

        let grants: Vec<_> = facts.grants.iter().filter_map(|g| parse_grant(g)).collect();
        let has_super = global_privileges(&grants).contains("SUPER");

        let mut privileges = None;
        let mut non_innodb = None;
        let mut operations: Vec<OperationReport> = OPERATIONS
            .iter()
            .map(|op| OperationReport {
                operation: *op,
                missing: None,
            })
            .collect();
        match (database, facts.database_exists) {
            (None, _) | (_, None) => checks.push(Check {
                name: "database",
                status: Status::Skipped,
                message: "no database given (-D NAME): privilege and table-engine checks skipped"
                    .into(),
            }),
            (Some(db), Some(false)) => checks.push(Check {
                name: "database",
                status: Status::Blocker,
                message: format!(
                    "database `{db}` does not exist or this account cannot see it; check -D or create it first"
                ),
            }),
            (Some(db), Some(true)) => {
                let have = effective_privileges(&grants, db, facts.case_insensitive_names);
                let missing: Vec<String> = REQUIRED_PRIVILEGES
                    .iter()
                    .filter(|p| !have.contains(**p))
                    .map(|p| p.to_string())
                    .collect();
                checks.push(privilege_check(db, &facts.current_user, &missing));
                for op in &mut operations {
                    if op.operation.scope == Scope::Database {
                        op.missing = Some(
                            op.operation
                                .privileges
                                .iter()
                                .filter(|p| !have.contains(**p))
                                .map(|p| p.to_string())
                                .collect(),
                        );
                    }
                }
                if let Some(check) = operations_check(&operations) {
                    checks.push(check);
                }
                privileges = Some(PrivilegeReport {
                    account: facts.current_user.clone(),
                    required: REQUIRED_PRIVILEGES.iter().map(|p| p.to_string()).collect(),
                    missing,
                });
                let tables: Vec<TableEngine> = facts
                    .tables
                    .iter()
                    .filter(|(_, e)| !e.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("InnoDB")))
                    .map(|(t, e)| TableEngine {
                        table: t.clone(),
                        engine: e.clone().unwrap_or_else(|| "unknown".into()),
                    })
                    .collect();
                checks.push(engine_check(db, facts.tables.len(), &tables));
                non_innodb = Some(tables);
            }
        }

        let binlog = BinlogInfo {
            enabled: facts.log_bin,
            format: facts.binlog_format.clone(),
            trust_function_creators: facts.trust_function_creators,
            has_super,
            blocks_triggers: facts.log_bin && !facts.trust_function_creators && !has_super,
        };
        checks.push(binlog_check(&binlog));
        checks.push(isolation_check(facts.isolation.as_deref()));

        let ready = checks.iter().all(|c| c.status != Status::Blocker);
        DoctorReport {
            target: target.to_string(),
            database: database.map(str::to_string),
            server,
            privileges,
            binlog,
            isolation: facts.isolation.clone(),
            non_innodb_tables: non_innodb,
            operations,
            topology: None,
            checks,
            ready,
        }
    }

    /// Adds the checks of the server's place in a replication topology (`replication`).
    /// Pure: no database access.
    pub fn add_topology(&mut self, topology: crate::db::topology::Topology) {
        self.checks.extend(replication::checks(&topology));
        self.ready = self.checks.iter().all(|c| c.status != Status::Blocker);
        self.topology = Some(topology);
    }
}

/// Parses `10.11.6-MariaDB-log` style versions.
fn server_info(facts: &ServerFacts) -> ServerInfo {
    // Some proxies prefix a fake "5.5.5-" for old clients.
    let version = facts
        .version
        .strip_prefix("5.5.5-")
        .unwrap_or(&facts.version);
    let is_mariadb = version.to_ascii_lowercase().contains("mariadb")
        || facts
            .version_comment
            .to_ascii_lowercase()
            .contains("mariadb");
    let numeric: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map_while(|p| p.parse().ok())
        .collect();
    let numeric_version = match numeric[..] {
        [a, b, c] => Some((a, b, c)),
        _ => None,
    };
    let support = match (is_mariadb, numeric_version) {
        (false, _) => Support::Untested,
        (true, Some((major, minor, _))) if (major, minor) < MIN_MARIADB => Support::Unsupported,
        (true, _) => Support::Supported,
    };
    ServerInfo {
        version: facts.version.clone(),
        flavour: if is_mariadb {
            Flavour::MariaDB
        } else {
            Flavour::MySQL
        },
        numeric_version,
        support,
    }
}

fn server_check(server: &ServerInfo) -> Check {
    // "MariaDB 10.11.6" reads better than "MariaDB 10.11.6-MariaDB-0+deb12u1-log".
    let version = match server.numeric_version {
        Some((a, b, c)) => format!("{a}.{b}.{c}"),
        None => server.version.clone(),
    };
    let (status, message) = match server.support {
        Support::Supported => (Status::Ok, format!("MariaDB {version} is supported")),
        Support::Unsupported => (
            Status::Blocker,
            format!(
                "MariaDB {version} is not supported; version {}.{} or later is needed",
                MIN_MARIADB.0, MIN_MARIADB.1
            ),
        ),
        Support::Untested => (
            Status::Warning,
            format!(
                "MySQL {version} is untested; LightningTables is built for MariaDB {}.{}+",
                MIN_MARIADB.0, MIN_MARIADB.1
            ),
        ),
    };
    Check {
        name: "server",
        status,
        message,
    }
}

fn privilege_check(db: &str, account: &str, missing: &[String]) -> Check {
    if missing.is_empty() {
        return Check {
            name: "privileges",
            status: Status::Ok,
            message: format!("{account} has every privilege needed on `{db}`"),
        };
    }
    let list = missing.join(", ");
    Check {
        name: "privileges",
        status: Status::Blocker,
        message: format!(
            "{account} lacks {list} on `{db}`; an administrator can run: GRANT {list} ON `{}`.* TO {}",
            db.replace('`', "``"),
            quote_account(account)
        ),
    }
}

/// A warning naming the other operations the account cannot run (e.g. `drop` without
/// `SHOW VIEW`); `None` when it can run them all.
fn operations_check(operations: &[OperationReport]) -> Option<Check> {
    let lacking: Vec<String> = operations
        .iter()
        .filter_map(|op| {
            let missing = op.missing.as_ref().filter(|m| !m.is_empty())?;
            (op.operation.privileges != REQUIRED_PRIVILEGES)
                .then(|| format!("{} (lacks {})", op.operation.operation, missing.join(", ")))
        })
        .collect();
    (!lacking.is_empty()).then(|| Check {
        name: "operations",
        status: Status::Warning,
        message: format!("this account cannot run: {}", lacking.join("; ")),
    })
}

/// `bob@%` as `'bob'@'%'` for a copy-pasteable GRANT.
fn quote_account(account: &str) -> String {
    match account.rsplit_once('@') {
        Some((user, host)) => format!(
            "'{}'@'{}'",
            user.replace('\'', "''"),
            host.replace('\'', "''")
        ),
        None => "CURRENT_USER".to_string(),
    }
}

fn engine_check(db: &str, total: usize, others: &[TableEngine]) -> Check {
    if others.is_empty() {
        return Check {
            name: "engines",
            status: Status::Ok,
            message: format!("all {total} tables in `{db}` use InnoDB"),
        };
    }
    let mut names: Vec<String> = others
        .iter()
        .take(LISTED_TABLES)
        .map(|t| format!("{} ({})", t.table, t.engine))
        .collect();
    if others.len() > LISTED_TABLES {
        names.push(format!("and {} more", others.len() - LISTED_TABLES));
    }
    Check {
        name: "engines",
        status: Status::Warning,
        message: format!(
            "{} of {total} tables in `{db}` are not InnoDB and cannot get summaries: {}",
            others.len(),
            names.join(", ")
        ),
    }
}

fn binlog_check(b: &BinlogInfo) -> Check {
    let format = b.format.as_deref().unwrap_or("unknown");
    let (status, message) = if !b.enabled {
        (
            Status::Ok,
            "binary logging is off; creating triggers needs no extra privilege".to_string(),
        )
    } else if b.trust_function_creators {
        (
            Status::Ok,
            format!("binary logging is on (format {format}) and log_bin_trust_function_creators is ON, so triggers can be created"),
        )
    } else if b.has_super {
        (
            Status::Ok,
            format!("binary logging is on (format {format}); creating triggers needs SUPER, which this account has"),
        )
    } else {
        (
            Status::Blocker,
            format!(
                "binary logging is on (format {format}) and log_bin_trust_function_creators is OFF, so creating triggers needs SUPER, which this account lacks; \
                 an administrator can run SET GLOBAL log_bin_trust_function_creators = 1 (and set it in my.cnf) or grant SUPER"
            ),
        )
    };
    Check {
        name: "binlog",
        status,
        message,
    }
}

fn isolation_check(isolation: Option<&str>) -> Check {
    match isolation {
        Some(level) if level.eq_ignore_ascii_case("READ-UNCOMMITTED") => Check {
            name: "isolation",
            status: Status::Warning,
            message: "default transaction isolation is READ-UNCOMMITTED: readers may see summary rows from transactions that later roll back".into(),
        },
        Some(level) => Check {
            name: "isolation",
            status: Status::Ok,
            message: format!("default transaction isolation is {level}"),
        },
        None => Check {
            name: "isolation",
            status: Status::Warning,
            message: "could not read the default transaction isolation".into(),
        },
    }
}

#[cfg(test)]
mod tests;
