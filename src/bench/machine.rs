//! The machine and server a benchmark ran on, for the report.

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::Conn;
use serde::Serialize;

use super::stats::{percentile, Latency};
use super::{sql, BenchConfig, BenchError};

/// Server variables recorded in the report.
const VARIABLES: [&str; 10] = [
    "innodb_flush_log_at_trx_commit",
    "sync_binlog",
    "log_bin",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "innodb_flush_method",
    "innodb_doublewrite",
    "tx_isolation",
    "binlog_format",
    "innodb_autoinc_lock_mode",
];

/// Where the benchmark ran.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPUs available to the process.
    pub cpus: usize,
    /// CPU model (from /proc/cpuinfo), if known.
    pub cpu_model: Option<String>,
    /// Total memory in GiB (from /proc/meminfo), if known.
    pub memory_gib: Option<f64>,
    /// Load average when the benchmark started (other processes share the CPUs).
    pub load_average: Option<String>,
    /// `SELECT VERSION()`.
    pub mariadb_version: String,
    /// Selected server variables.
    pub variables: BTreeMap<String, String>,
    /// The extra server arguments the benchmark passed.
    pub server_args: Vec<String>,
}

fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// Describes this machine and the server behind `conn`.
pub fn describe(conn: &mut Conn, config: &BenchConfig) -> Result<Machine, BenchError> {
    let version: Option<String> = sql(conn.query_first("SELECT VERSION()"), "reading the version")?;
    let list: Vec<String> = VARIABLES.iter().map(|v| format!("'{v}'")).collect();
    let rows: Vec<(String, String)> = sql(
        conn.query(format!(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN ({})",
            list.join(", ")
        )),
        "reading server variables",
    )?;
    let memory_gib = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next().map(str::to_string))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| (kb / 1024.0 / 1024.0 * 10.0).round() / 10.0);
    Ok(Machine {
        cpus: std::thread::available_parallelism()
            .map(std::num::NonZero::get)
            .unwrap_or(1),
        cpu_model: proc_field("/proc/cpuinfo", "model name"),
        memory_gib,
        load_average: std::fs::read_to_string("/proc/loadavg")
            .ok()
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
        mariadb_version: version.unwrap_or_default(),
        variables: rows.into_iter().collect(),
        server_args: config.server_args(),
    })
}

/// Selected `SHOW GLOBAL STATUS` counters.
pub fn global_status(conn: &mut Conn, names: &[&str]) -> Result<BTreeMap<String, f64>, BenchError> {
    let list: Vec<String> = names.iter().map(|v| format!("'{v}'")).collect();
    let rows: Vec<(String, String)> = sql(
        conn.query(format!(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ({})",
            list.join(", ")
        )),
        "reading status counters",
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| v.parse::<f64>().ok().map(|v| (k, v)))
        .collect())
}

/// How long the disk takes to make a 4 KiB write durable (`write` + `fdatasync`), measured next
/// to the server's data directory. Commits and `CREATE TRIGGER` wait for such flushes; on shared
/// or virtual disks this latency varies a lot over time, so it is sampled before each section.
#[derive(Debug, Clone, Serialize)]
pub struct FsyncProbe {
    /// Which section it preceded.
    pub before: String,
    /// Flushes timed.
    pub n: usize,
    /// Median, ms.
    pub p50_ms: f64,
    /// 90th percentile, ms.
    pub p90_ms: f64,
}

/// Times `n` durable 4 KiB writes in a scratch file in `dir`.
pub fn fsync_probe(dir: &Path, before: &str, n: usize) -> Result<FsyncProbe, BenchError> {
    let io = |context: &str| {
        let context = context.to_string();
        move |source| BenchError::Io { context, source }
    };
    let path = dir.join("lightning-bench-fsync-probe");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io("creating the fsync probe file"))?;
    let block = [0x5au8; 4096];
    let mut micros = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f.seek(SeekFrom::Start(0))
            .map_err(io("seeking the probe file"))?;
        f.write_all(&block).map_err(io("writing the probe file"))?;
        f.sync_data().map_err(io("syncing the probe file"))?;
        micros.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    let lat = Latency::of_micros(micros.clone());
    micros.sort_unstable();
    Ok(FsyncProbe {
        before: before.to_string(),
        n: micros.len(),
        p50_ms: lat.p50_ms,
        p90_ms: percentile(&micros, 90.0)
            .map(|x| x as f64 / 1000.0)
            .unwrap_or(0.0),
    })
}
