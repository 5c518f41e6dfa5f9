//! Section 3: the backfill's rate (rows/s from `Event::Done`) against the best single
//! `INSERT INTO s SELECT user_id, SUM(amount), COUNT(*) FROM tx GROUP BY user_id` on the same
//! data, without writers and with 4 writers (whose latency is compared with a window just before
//! each run), and then once more with a transaction holding one row lock for 3 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::Rng;
use serde::Serialize;

use super::data::{amount, count, user, BIG};
use super::driver::{Clients, Log as ClientLog, Op};
use super::pause::hold_row;
use super::research::bfprobe::{self, BackfillAnatomy};
use super::stats::{median, Latency};
use super::workloads::settle;
use super::GROUPED_QUERY;
use super::{exec, lifecycle, query_for, sql, BenchConfig, BenchError, Log, DATABASE};
use crate::lifecycle::{self as lc, ChunkPolicy, Control, CreateOptions, Event};

/// Writers of the "with writers" runs.
pub const WRITERS: usize = 4;

/// The target table of the `INSERT ... SELECT` runs.
pub const TARGET: &str = "bf_target";

/// How the summary is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `lifecycle::create` (default options): lock, snapshot, chunked backfill.
    Ours,
    /// Experiment: `lifecycle::create` with one chunk for the whole table (`ChunkPolicy::Fixed`).
    OursOneChunk,
    /// `INSERT ... SELECT ... GROUP BY user_id` as the optimizer likes.
    InsertSelect,
    /// The same with `IGNORE INDEX (user_id)`.
    IgnoreIndex,
    /// The same with `FORCE INDEX (PRIMARY)`.
    ForcePrimary,
}

const METHODS: [Method; 5] = [
    Method::Ours,
    Method::OursOneChunk,
    Method::InsertSelect,
    Method::IgnoreIndex,
    Method::ForcePrimary,
];

impl Method {
    /// Label.
    pub fn label(self) -> &'static str {
        match self {
            Method::Ours => "LightningTables backfill",
            Method::OursOneChunk => "experiment: backfill in one chunk",
            Method::InsertSelect => "INSERT…SELECT",
            Method::IgnoreIndex => "INSERT…SELECT IGNORE INDEX(user_id)",
            Method::ForcePrimary => "INSERT…SELECT FORCE INDEX(PRIMARY)",
        }
    }

    /// Whether this is one of the `INSERT ... SELECT` methods.
    pub fn is_insert_select(self) -> bool {
        !matches!(self, Method::Ours | Method::OursOneChunk)
    }

    fn hint(self) -> &'static str {
        match self {
            Method::IgnoreIndex => " IGNORE INDEX (user_id)",
            Method::ForcePrimary => " FORCE INDEX (PRIMARY)",
            _ => "",
        }
    }

    /// The single statement of an `INSERT ... SELECT` method.
    pub fn statement(self) -> String {
        format!(
            "INSERT INTO `{TARGET}` (user_id, total, n) SELECT user_id, SUM(amount), COUNT(*) \
             FROM `{BIG}`{} GROUP BY user_id",
            self.hint()
        )
    }
}

/// One method's figures in one setting.
#[derive(Debug, Clone, Serialize)]
pub struct MethodFigure {
    /// The method.
    pub method: Method,
    /// Label.
    pub label: &'static str,
    /// Rows per second, per round.
    pub rows_per_s: Vec<f64>,
    /// Median rows per second.
    pub median_rows_per_s: f64,
    /// Median seconds.
    pub seconds: f64,
    /// Median number of backfill chunks (ours only).
    pub chunks: f64,
    /// Writers' statements running during the fill (median over rounds; empty without writers).
    pub writers_during: Latency,
    /// Writers' statements in the second before each fill (median over rounds).
    pub writers_before: Latency,
    /// The plan (`EXPLAIN` of the SELECT), for `INSERT ... SELECT` methods.
    pub plan: Option<String>,
}

/// One setting (writers or not).
#[derive(Debug, Clone, Serialize)]
pub struct BackfillSet {
    /// Concurrent writers.
    pub writers: usize,
    /// Per method.
    pub methods: Vec<MethodFigure>,
    /// The fastest `INSERT ... SELECT` method (by median).
    pub best: Method,
    /// Median over rounds of ours / best-that-round.
    pub ratio: f64,
}

/// A run with a transaction holding one row lock for `--hold` seconds.
#[derive(Debug, Clone, Serialize)]
pub struct HolderRun {
    /// The method.
    pub method: Method,
    /// Label.
    pub label: &'static str,
    /// Seconds the fill took.
    pub seconds: f64,
    /// Writers' statements running during the fill.
    pub writers_during: Latency,
    /// Writers' statements in the second before.
    pub writers_before: Latency,
    /// `create`'s lock window (ours only), ms.
    pub lock_ms: f64,
}

/// Section 3's figures.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillReport {
    /// Rows of the table before the first run.
    pub rows: u64,
    /// Without and with writers.
    pub sets: Vec<BackfillSet>,
    /// With a long transaction, ours and the best `INSERT ... SELECT`.
    pub holder: Vec<HolderRun>,
    /// The backfill's statements timed one by one over the whole table.
    pub anatomy: BackfillAnatomy,
}

fn writer_op(users: u32, max_id: u64) -> Op {
    let ins = format!("INSERT INTO `{BIG}` (user_id, amount) VALUES (?, ?)");
    let upd = format!("UPDATE `{BIG}` SET amount = ? WHERE id = ?");
    Arc::new(move |c: &mut Conn, rng: &mut StdRng, _| {
        if rng.gen_bool(0.5) {
            c.exec_drop(&ins, (user(rng, users), amount(rng)))?;
        } else {
            c.exec_drop(&upd, (amount(rng), rng.gen_range(1..=max_id.max(1))))?;
        }
        Ok(c.affected_rows())
    })
}

/// One fill: (rows/s, seconds, writers before, writers during).
struct Fill {
    rows_per_s: f64,
    seconds: f64,
    chunks: u64,
    lock_ms: f64,
    finalize_ms: f64,
    before: Latency,
    during: Latency,
}

/// Fills once with `method`; `holder` opens the long transaction as the fill starts.
fn fill_once(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    method: Method,
    writers: usize,
    holder: bool,
    seed: u64,
) -> Result<Fill, BenchError> {
    exec(conn, &format!("TRUNCATE TABLE `{TARGET}`"))?;
    settle(conn);
    let rows = count(conn, BIG)?;
    let clients = if writers > 0 {
        let c = Clients::start(opts, writers, seed, writer_op(config.users, rows))?;
        std::thread::sleep(config.window());
        Some(c)
    } else {
        None
    };
    let mut hold = None;
    let mut chunks = 0;
    let mut lock_ms = 0.0;
    let mut finalize_ms = 0.0;
    let t0 = Instant::now();
    let (rows_per_s, seconds, t1) = match method {
        Method::Ours | Method::OursOneChunk => {
            let mut done: Option<(u64, f64)> = None;
            let mut live: Option<Instant> = None;
            let mut hold_err = None;
            let mut options = CreateOptions::default();
            if method == Method::OursOneChunk {
                options.chunk = ChunkPolicy::Fixed(rows.saturating_mul(2).max(1000));
            }
            let created = lc::create(
                opts,
                "bf_sum",
                &query_for(GROUPED_QUERY, BIG),
                &options,
                &Control::new(),
                &mut |ev| match ev {
                    Event::Locked { lock_ms: l, .. } => {
                        lock_ms = l;
                        live = Some(Instant::now());
                        if holder {
                            match hold_row(opts, rows / 2, config.hold) {
                                Ok(h) => hold = Some(h),
                                Err(e) => hold_err = Some(e),
                            }
                        }
                    }
                    Event::Progress(p) => chunks = p.chunks,
                    Event::Done { rows, seconds } => done = Some((rows, seconds)),
                    Event::Finalized { lock_ms: l, .. } => finalize_ms = l,
                    _ => {}
                },
            );
            let t1 = Instant::now();
            lifecycle(created, "creating the summary")?;
            if let Some(e) = hold_err {
                return Err(e);
            }
            lifecycle(
                lc::drop_summary(opts, DATABASE, "bf_sum"),
                "dropping the summary",
            )?;
            // From the triggers going live to `ready`: the backfill, the second lock and the
            // fold of the region slots, i.e. everything the single INSERT ... SELECT stands for.
            let (r, _) = done.unwrap_or((0, f64::NAN));
            let s = live.map_or(f64::NAN, |l| (t1 - l).as_secs_f64());
            (r as f64 / s.max(1e-9), s, t1)
        }
        _ => {
            if holder {
                hold = Some(hold_row(opts, rows / 2, config.hold)?);
                std::thread::sleep(Duration::from_millis(200));
            }
            let t = Instant::now();
            exec(conn, &method.statement())?;
            let t1 = Instant::now();
            let s = (t1 - t).as_secs_f64();
            (rows as f64 / s.max(1e-9), s, t1)
        }
    };
    if let Some(h) = hold {
        let joined = h
            .join()
            .map_err(|_| BenchError::Workload("the long transaction's thread panicked".into()))?;
        sql(joined, "ending the long transaction")?;
    }
    let (before, during) = match clients {
        Some(c) => {
            std::thread::sleep(Duration::from_millis(200));
            let log: ClientLog = c.stop()?;
            log.check("writers")?;
            let second = config.window();
            (
                log.window(t0.checked_sub(second).unwrap_or(t0), t0).latency,
                log.overlapping(t0, t1),
            )
        }
        None => (Latency::default(), Latency::default()),
    };
    Ok(Fill {
        rows_per_s,
        seconds,
        chunks,
        lock_ms,
        finalize_ms,
        before,
        during,
    })
}

fn explain(conn: &mut Conn, method: Method) -> Result<String, BenchError> {
    let select = format!(
        "SELECT user_id, SUM(amount), COUNT(*) FROM `{BIG}`{} GROUP BY user_id",
        method.hint()
    );
    let rows: Vec<mysql::Row> = sql(conn.query(format!("EXPLAIN {select}")), "explaining")?;
    let mut out = Vec::new();
    for row in rows {
        let get = |name: &str| -> String {
            row.get_opt::<Option<String>, _>(name)
                .and_then(Result::ok)
                .flatten()
                .unwrap_or_default()
        };
        out.push(format!(
            "type={} key={} rows={} extra={}",
            get("type"),
            get("key"),
            get("rows"),
            get("Extra")
        ));
    }
    Ok(out.join("; "))
}

/// Runs section 3 on the large table.
pub fn run(
    conn: &mut Conn,
    opts: &Opts,
    config: &BenchConfig,
    log: Log<'_>,
) -> Result<BackfillReport, BenchError> {
    exec(
        conn,
        &format!(
            "CREATE TABLE IF NOT EXISTS `{TARGET}` (user_id INT UNSIGNED NOT NULL PRIMARY KEY, \
             total DECIMAL(65,2) NOT NULL, n BIGINT NOT NULL) ENGINE=InnoDB"
        ),
    )?;
    let rows = count(conn, BIG)?;
    let mut sets = Vec::new();
    for writers in [0, WRITERS] {
        let mut per: Vec<Vec<Fill>> = METHODS.iter().map(|_| Vec::new()).collect();
        for round in 0..config.big_rounds() {
            let mut order: Vec<usize> = (0..METHODS.len()).collect();
            order.rotate_left(round % METHODS.len());
            for i in order {
                let m = METHODS[i];
                let f = fill_once(
                    conn,
                    opts,
                    config,
                    m,
                    writers,
                    false,
                    (round * 10 + i) as u64,
                )?;
                let pauses = if f.lock_ms > 0.0 {
                    format!("; pauses {:.1} + {:.1} ms", f.lock_ms, f.finalize_ms)
                } else {
                    String::new()
                };
                log(&format!(
                    "backfill round {}/{} writers {} {:<38} {:>9.0} rows/s {:>6.2} s  writers p99 {:.1} ms (before {:.1}){pauses}",
                    round + 1,
                    config.big_rounds(),
                    writers,
                    m.label(),
                    f.rows_per_s,
                    f.seconds,
                    f.during.p99_ms,
                    f.before.p99_ms
                ));
                per[i].push(f);
            }
        }
        let methods = method_figures(conn, &per)?;
        let best = methods
            .iter()
            .filter(|f| f.method.is_insert_select())
            .max_by(|a, b| a.median_rows_per_s.total_cmp(&b.median_rows_per_s))
            .map(|f| f.method)
            .unwrap_or(Method::InsertSelect);
        let ratios = round_ratios(config.big_rounds(), &per);
        sets.push(BackfillSet {
            writers,
            methods,
            best,
            ratio: median(&ratios).unwrap_or(f64::NAN),
        });
    }
    let best = sets.last().map(|s| s.best).unwrap_or(Method::InsertSelect);
    let mut holder = Vec::new();
    for m in [Method::Ours, best] {
        let f = fill_once(conn, opts, config, m, WRITERS, true, 77)?;
        log(&format!(
            "backfill with a row locked for {:.1} s, {}: {:.2} s; writers p99 {:.1} ms max {:.1} ms",
            config.hold.as_secs_f64(),
            m.label(),
            f.seconds,
            f.during.p99_ms,
            f.during.max_ms
        ));
        holder.push(HolderRun {
            method: m,
            label: m.label(),
            seconds: f.seconds,
            writers_during: f.during,
            writers_before: f.before,
            lock_ms: f.lock_ms,
        });
    }
    settle(conn);
    let anatomy = bfprobe::run(conn, opts, config.big_rounds())?;
    for s in &anatomy.steps {
        log(&format!("backfill anatomy: {:>9.1} ms  {}", s.ms, s.step));
    }
    Ok(BackfillReport {
        rows,
        sets,
        holder,
        anatomy,
    })
}

/// Each method's figures: medians over its fills.
fn method_figures(conn: &mut Conn, per: &[Vec<Fill>]) -> Result<Vec<MethodFigure>, BenchError> {
    let mut methods = Vec::new();
    for (i, m) in METHODS.iter().enumerate() {
        let fills = &per[i];
        let rates: Vec<f64> = fills.iter().map(|f| f.rows_per_s).collect();
        methods.push(MethodFigure {
            method: *m,
            label: m.label(),
            median_rows_per_s: median(&rates).unwrap_or(0.0),
            rows_per_s: rates,
            seconds: median(&fills.iter().map(|f| f.seconds).collect::<Vec<_>>()).unwrap_or(0.0),
            chunks: median(&fills.iter().map(|f| f.chunks as f64).collect::<Vec<_>>())
                .unwrap_or(0.0),
            writers_during: Latency::median_of(&fills.iter().map(|f| f.during).collect::<Vec<_>>()),
            writers_before: Latency::median_of(&fills.iter().map(|f| f.before).collect::<Vec<_>>()),
            plan: if m.is_insert_select() {
                Some(explain(conn, *m)?)
            } else {
                None
            },
        });
    }
    Ok(methods)
}

/// Per round: ours against the best INSERT ... SELECT of that round.
fn round_ratios(rounds: usize, per: &[Vec<Fill>]) -> Vec<f64> {
    (0..rounds)
        .map(|r| {
            let ours = per[0].get(r).map(|f| f.rows_per_s).unwrap_or(f64::NAN);
            let top = METHODS
                .iter()
                .zip(per)
                .filter(|(m, _)| m.is_insert_select())
                .filter_map(|(_, fills)| fills.get(r).map(|f| f.rows_per_s))
                .fold(0.0, f64::max);
            ours / top
        })
        .collect()
}
