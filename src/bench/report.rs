//! The benchmark's result: every figure (serialized as JSON), the targets checked against
//! them, and the text table printed to stdout.

use std::fmt::Write as _;

use serde::Serialize;

use super::backfill::BackfillReport;
use super::costs::CostsReport;
use super::distinct::DistinctReport;
use super::machine::{FsyncProbe, Machine};
use super::pause::PauseReport;
use super::reads::ReadsReport;
use super::setup::{Variant, EXPERIMENTS};
use super::workloads::WritesReport;
use super::BenchConfig;

/// The target for the writers' pause, ms.
pub const PAUSE_TARGET_MS: f64 = 20.0;

/// The target for the backfill against the best `INSERT ... SELECT`.
pub const BACKFILL_TARGET: f64 = 0.70;

/// Differences of ratios smaller than this are treated as noise when comparing B with C.
pub const NOISE: f64 = 0.05;

/// One target of the issue and whether it was met.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// What is measured.
    pub what: String,
    /// The measured value.
    pub value: f64,
    /// The target, as text (e.g. `>= 0.90`).
    pub target: String,
    /// Met or not.
    pub met: bool,
}

/// Everything one `lightning bench` run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The settings.
    pub config: BenchConfig,
    /// Where it ran.
    pub machine: Machine,
    /// Section 1.
    pub writes: Option<WritesReport>,
    /// Section 1b.
    pub costs: Option<CostsReport>,
    /// Section 2.
    pub pause: Option<PauseReport>,
    /// Section 3.
    pub backfill: Option<BackfillReport>,
    /// Section 4.
    pub reads: Option<ReadsReport>,
    /// Section 5.
    pub distinct: Option<DistinctReport>,
    /// The targets.
    pub targets: Vec<Target>,
    /// Disk flush latency sampled before sections.
    pub fsync_probes: Vec<FsyncProbe>,
    /// Sections that failed, with their error.
    pub errors: Vec<String>,
}

impl BenchReport {
    /// An empty report for `config` on `machine`.
    pub fn new(config: BenchConfig, machine: Machine) -> Self {
        BenchReport {
            config,
            machine,
            writes: None,
            costs: None,
            pause: None,
            backfill: None,
            reads: None,
            distinct: None,
            targets: Vec::new(),
            fsync_probes: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Checks the targets against the figures (fills `targets`).
    pub fn check_targets(&mut self) {
        let mut t = Vec::new();
        if let Some(w) = &self.writes {
            for wl in &w.workloads {
                let (Some(b), Some(c)) = (wl.get(Variant::Ours), wl.get(Variant::Original)) else {
                    continue;
                };
                t.push(Target {
                    what: format!("{}: B/A", wl.workload.label),
                    value: b.ratio,
                    target: format!(">= {:.2}", wl.workload.target),
                    met: b.ratio >= wl.workload.target,
                });
                t.push(Target {
                    what: format!("{}: B/A - C/A (B not below C)", wl.workload.label),
                    value: b.ratio - c.ratio,
                    target: format!(">= -{NOISE:.2} (noise)"),
                    met: b.ratio >= c.ratio - NOISE,
                });
            }
        }
        if let Some(p) = &self.pause {
            let blocked = p.lock_ms + p.wait_ms;
            t.push(Target {
                what: "writers' pause during create (lock wait + lock held, median)".into(),
                value: blocked,
                target: format!("<= {PAUSE_TARGET_MS} ms"),
                met: blocked <= PAUSE_TARGET_MS,
            });
        }
        if let Some(b) = &self.backfill {
            for set in &b.sets {
                t.push(Target {
                    what: format!("backfill / best INSERT…SELECT, {} writers", set.writers),
                    value: set.ratio,
                    target: format!(">= {BACKFILL_TARGET:.2}"),
                    met: set.ratio >= BACKFILL_TARGET,
                });
            }
        }
        self.targets = t;
    }

    /// The JSON document.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The text report: a table per section, then the targets.
    pub fn render(&self) -> String {
        let mut o = String::new();
        self.header(&mut o);
        if let Some(w) = &self.writes {
            writes(&mut o, w);
        }
        if let Some(c) = &self.costs {
            costs(&mut o, c);
        }
        if let Some(p) = &self.pause {
            pause(&mut o, p, self.config.hold.as_secs_f64());
        }
        if let Some(b) = &self.backfill {
            backfill(&mut o, b, self.config.hold.as_secs_f64());
        }
        if let Some(r) = &self.reads {
            reads(&mut o, r);
        }
        if let Some(r) = &self.distinct {
            distinct(&mut o, r);
        }
        for e in &self.errors {
            let _ = writeln!(o, "\nFAILED {e}");
        }
        if !self.targets.is_empty() {
            let _ = writeln!(o, "\nTargets");
            for t in &self.targets {
                let _ = writeln!(
                    o,
                    "  [{}] {:<62} {:>8.2}  (target {})",
                    if t.met { "met " } else { "MISS" },
                    t.what,
                    t.value,
                    t.target
                );
            }
        }
        o
    }

    fn header(&self, o: &mut String) {
        let m = &self.machine;
        let c = &self.config;
        let var = |k: &str| m.variables.get(k).cloned().unwrap_or_else(|| "?".into());
        let _ = writeln!(
            o,
            "LightningTables benchmark{}",
            if c.quick { " (--quick)" } else { "" }
        );
        let _ = writeln!(
            o,
            "machine: {} CPUs ({}), {} GiB memory, load average at start {}",
            m.cpus,
            m.cpu_model.as_deref().unwrap_or("?"),
            m.memory_gib
                .map(|g| format!("{g:.1}"))
                .unwrap_or_else(|| "?".into()),
            m.load_average.as_deref().unwrap_or("?")
        );
        let _ = writeln!(
            o,
            "server:  MariaDB {}, innodb_flush_log_at_trx_commit={}, log_bin={} (sync_binlog={}), buffer pool {} MiB, isolation {}",
            m.mariadb_version,
            var("innodb_flush_log_at_trx_commit"),
            var("log_bin"),
            var("sync_binlog"),
            var("innodb_buffer_pool_size").parse::<u64>().map(|b| b >> 20).unwrap_or(0),
            var("tx_isolation")
        );
        if !self.fsync_probes.is_empty() {
            let probes: Vec<String> = self
                .fsync_probes
                .iter()
                .map(|p| format!("before {} {:.2}/{:.2}", p.before, p.p50_ms, p.p90_ms))
                .collect();
            let _ = writeln!(
                o,
                "disk:    4 KiB write + fdatasync p50/p90 ms: {}",
                probes.join(", ")
            );
        }
        let _ = writeln!(
            o,
            "run:     {} rounds; write measurements {:.1} s after {:.2} s warm-up; variants interleaved, order rotating per round; medians over rounds",
            c.rounds,
            c.duration.as_secs_f64(),
            c.warmup.as_secs_f64()
        );
    }
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "-".into()
    }
}

fn writes(o: &mut String, w: &WritesReport) {
    let _ = writeln!(
        o,
        "\n1. Write throughput, statements/s (median); ratio = variant / A in the same round, median over rounds"
    );
    let _ = writeln!(
        o,
        "   A = no triggers, B = LightningTables triggers, C = original-style triggers"
    );
    let extra: Vec<Variant> = EXPERIMENTS
        .iter()
        .copied()
        .filter(|v| w.workloads.iter().any(|wl| wl.get(*v).is_some()))
        .collect();
    let mut head = format!(
        "{:<34} {:>9} {:>9} {:>9} {:>6} {:>6} {:>7}",
        "workload", "A", "B", "C", "B/A", "C/A", "target"
    );
    for v in &extra {
        head.push_str(&format!(" {:>9}", format!("{}/A", v.label())));
    }
    let _ = writeln!(o, "{head}");
    for wl in &w.workloads {
        let rate = |v: Variant| wl.get(v).map(|f| f.median_statements_per_s).unwrap_or(0.0);
        let rat = |v: Variant| wl.get(v).map(|f| f.ratio).unwrap_or(f64::NAN);
        let b = rat(Variant::Ours);
        let c = rat(Variant::Original);
        let mut line = format!(
            "{:<34} {:>9.0} {:>9.0} {:>9.0} {:>6} {:>6} {:>5.2}{}",
            wl.workload.label,
            rate(Variant::Plain),
            rate(Variant::Ours),
            rate(Variant::Original),
            ratio(b),
            ratio(c),
            wl.workload.target,
            if b >= wl.workload.target { " " } else { "!" }
        );
        for v in &extra {
            line.push_str(&format!(" {:>9}", ratio(rat(*v))));
        }
        let errors: u64 = wl.variants.iter().map(|v| v.errors).sum();
        if errors > 0 {
            line.push_str(&format!("  ({errors} failed statements)"));
        }
        let _ = writeln!(o, "{line}");
    }
    for v in &extra {
        let _ = writeln!(o, "   {} = {}", v.label(), v.description());
    }
    let c = |k: &str| w.server_counters.get(k).copied().unwrap_or(0.0);
    let _ = writeln!(
        o,
        "   server over the section: {:.0} commits, {:.0} redo log writes, {:.0} InnoDB fsyncs (all files)",
        c("Handler_commit"),
        c("Innodb_log_writes"),
        c("Innodb_data_fsyncs")
    );
}

fn costs(o: &mut String, c: &CostsReport) {
    let _ = writeln!(
        o,
        "\n1b. Statement latency inside one transaction (no commit), µs: median statement of {1}, lowest of {0} rounds",
        c.rounds, c.statements
    );
    let Some(first) = c.rows.first() else {
        return;
    };
    let labels: Vec<&str> = first.variants.iter().map(|v| v.label).collect();
    let mut head = format!("{:<10}", "stmt");
    for l in &labels {
        head.push_str(&format!(" {l:>7}"));
    }
    for l in labels.iter().skip(1) {
        head.push_str(&format!(" {:>8}", format!("{l}-A")));
    }
    let with_floor = first.variants.iter().any(|v| v.floor_ratio.is_some());
    if with_floor {
        head.push_str(&format!(" {:>6} {:>6}  target", "B/F", "C/F"));
    }
    let _ = writeln!(o, "{head}");
    for row in &c.rows {
        let mut line = format!("{:<10}", format!("{:?}", row.kind));
        for v in &row.variants {
            line.push_str(&format!(" {:>7.1}", v.micros));
        }
        for v in row.variants.iter().skip(1) {
            line.push_str(&format!(" {:>8.1}", v.extra_micros));
        }
        if with_floor {
            let ratio = |label: &str| {
                row.variants
                    .iter()
                    .find(|v| v.label == label)
                    .and_then(|v| v.floor_ratio)
                    .map_or_else(|| "-".to_string(), |r| format!("{r:.2}"))
            };
            let b = row
                .variants
                .iter()
                .find(|v| v.variant == Variant::Ours)
                .and_then(|v| v.floor_ratio);
            let mark = if b.is_some_and(|b| b > 1.10) { "!" } else { "" };
            line.push_str(&format!(" {:>6} {:>6}  1.10{mark}", ratio("B"), ratio("C")));
        }
        let _ = writeln!(o, "{line}");
    }
    if with_floor {
        let _ = writeln!(
            o,
            "   F = floor: per event one upsert of constants into a one-row table; B/F, C/F = latency over F's in the same round, median over rounds"
        );
    }
    let _ = writeln!(
        o,
        "   handler calls per statement (SHOW SESSION STATUS deltas):"
    );
    for row in &c.rows {
        for v in &row.variants {
            let h: Vec<String> = v
                .handlers
                .iter()
                .map(|(k, x)| format!("{}={x:.2}", k.trim_start_matches("Handler_")))
                .collect();
            let _ = writeln!(
                o,
                "   {:<7} {:<5} {}",
                format!("{:?}", row.kind),
                v.label,
                h.join(" ")
            );
        }
    }
}

fn lat(l: &super::stats::Latency) -> String {
    format!(
        "p50 {:>6.2}  p99 {:>7.2}  max {:>7.2} ms (n={})",
        l.p50_ms, l.p99_ms, l.max_ms, l.n
    )
}

fn pause(o: &mut String, p: &PauseReport, hold: f64) {
    let _ = writeln!(
        o,
        "\n2. Writers' pause during create on a {}-row table, {} writers inserting single rows",
        p.rows, p.writers
    );
    let _ = writeln!(
        o,
        "   lock held (lock_ms) median {:.1} ms, lock wait (wait_ms) median {:.1} ms; per round: {}",
        p.lock_ms,
        p.wait_ms,
        p.rounds
            .iter()
            .map(|r| format!("{:.1}+{:.1}", r.wait_ms, r.lock_ms))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(o, "   writers before create:     {}", lat(&p.before));
    let _ = writeln!(o, "   writers during the lock:   {}", lat(&p.during_lock));
    let _ = writeln!(
        o,
        "   (worst round during lock:  {})",
        lat(&p.during_lock_worst)
    );
    let a = &p.lock_anatomy;
    let _ = writeln!(
        o,
        "   under the lock, step by step on a scratch table (median of {}, no writers; total {:.1} ms):",
        a.rounds, a.total_ms
    );
    for s in &a.steps {
        let _ = writeln!(o, "     {:>7.2} ms  {}", s.ms, s.step);
    }
    let _ = writeln!(
        o,
        "     (a trivial one-statement CREATE TRIGGER without LOCK TABLES: {:.2} ms)",
        a.trivial_trigger_ms
    );
    if let (Some(total), Some(trivial)) =
        (a.total_sync_frm_off_ms, a.trivial_trigger_sync_frm_off_ms)
    {
        let _ = writeln!(
            o,
            "     with sync_frm=OFF (trigger files not flushed): total {total:.1} ms, trivial trigger {trivial:.2} ms"
        );
    }
    let _ = writeln!(
        o,
        "   a lone trivial CREATE TRIGGER on the written table (no LOCK TABLES): {:.1} ms; writers running meanwhile: {}",
        p.standalone_trigger.ddl_ms,
        lat(&p.standalone_trigger.writers)
    );
    for (label, r) in [
        ("default max_lock_wait", &p.with_open_transaction),
        ("max_lock_wait 50 ms", &p.with_open_transaction_short_wait),
    ] {
        if let Some(r) = r {
            let _ = writeln!(
                o,
                "   another transaction open on the table for {:.1} s when create starts ({label}): lock waited {:.0} ms, {} timed-out attempt(s); writers during create: {}",
                hold,
                r.wait_ms,
                r.lock_retries,
                lat(&r.during_create)
            );
        }
    }
}

fn backfill(o: &mut String, b: &BackfillReport, hold: f64) {
    let _ = writeln!(
        o,
        "\n3. Backfill rate on a {}-row table, rows/s (median)",
        b.rows
    );
    for set in &b.sets {
        let _ = writeln!(o, "   {} writers:", set.writers);
        for m in &set.methods {
            let mut line = format!(
                "     {:<38} {:>10.0} rows/s {:>7.2} s",
                m.label, m.median_rows_per_s, m.seconds
            );
            if m.chunks > 0.0 {
                line.push_str(&format!(" ({:.0} chunks)", m.chunks));
            }
            if set.writers > 0 {
                line.push_str(&format!(
                    "   writers p99 {:.1} ms, max {:.1} ms (before: p99 {:.1} ms)",
                    m.writers_during.p99_ms, m.writers_during.max_ms, m.writers_before.p99_ms
                ));
            }
            let _ = writeln!(o, "{line}");
        }
        let _ = writeln!(
            o,
            "     backfill / best INSERT…SELECT ({}): {}  (target >= {BACKFILL_TARGET:.2})",
            set.best.label(),
            ratio(set.ratio)
        );
    }
    let a = &b.anatomy;
    let _ = writeln!(
        o,
        "   the backfill's statements over all {} rows, one by one (median of {}, no writers):",
        a.rows, a.rounds
    );
    for s in &a.steps {
        let _ = writeln!(o, "     {:>9.1} ms  {} ({} rows)", s.ms, s.step, s.rows);
    }
    let _ = writeln!(o, "     plan of the chunk aggregate: {}", a.chunk_plan);
    if !b.holder.is_empty() {
        let _ = writeln!(o, "   with a transaction holding one row lock for {hold:.1} s during the fill (4 writers):");
        for h in &b.holder {
            let lock = if h.lock_ms > 0.0 {
                format!(" (create's lock {:.0} ms)", h.lock_ms)
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "     {:<38} {:>7.2} s   writers {}{lock}",
                h.label,
                h.seconds,
                lat(&h.writers_during)
            );
        }
    }
}

fn distinct(o: &mut String, r: &DistinctReport) {
    let _ = writeln!(
        o,
        "\n5. COUNT(DISTINCT) and VARIANCE summaries on {}-row tables: single-row writes ({} per table and round, insert/update/delete), ms (median)",
        r.rows, r.statements
    );
    for w in &r.writes {
        let _ = writeln!(
            o,
            "     {:>8.3} ms  ×{:<6} vs plain  ×{:<6} vs COUNT(*)  {}",
            w.ms,
            ratio(w.vs_plain),
            ratio(w.vs_count),
            w.label
        );
    }
    for q in &r.reads {
        let _ = writeln!(
            o,
            "   read {}: view {:.3} ms, query {:.3} ms",
            q.label, q.view_ms, q.query_ms
        );
    }
}

fn reads(o: &mut String, r: &ReadsReport) {
    let _ = writeln!(
        o,
        "\n4. Read latency on a {}-row table, ms (median); speed-up over the original query",
        r.rows
    );
    for case in &r.cases {
        let _ = writeln!(o, "   {}:", case.case);
        for q in &case.queries {
            let _ = writeln!(
                o,
                "     {:<26} {:>10.3} ms  ×{:<8} ({} rows)",
                q.label,
                q.ms,
                ratio(q.speedup),
                q.rows
            );
        }
    }
    let _ = writeln!(
        o,
        "   plan of the one-group read through the view: {}",
        r.view_plan
    );
}
