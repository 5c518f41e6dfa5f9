//! Texts of the demo mode: the dashboard's titles and labels. The story's
//! own words (step titles and explanations) come from
//! [`crate::demo::story`], shared with the headless demo.

/// Title bar: demo mode.
pub const TITLE: &str = "demo";
/// Title bar: autoplay is on.
pub const AUTOPLAY: &str = "AUTOPLAY";
/// Title of the story panel.
pub fn step_title(number: usize, total: usize, title: &str) -> String {
    format!("Step {number} of {total}: {title}")
}
/// Title of the writes panel.
pub const WRITES_TITLE: &str = "Writes";
/// Title of the summaries panel.
pub const SUMMARIES_TITLE: &str = "Summaries";
/// Title of the comparison panel.
pub const COMPARE_TITLE: &str = "Original query vs summary, live";
/// Writes: not started.
pub const WRITES_IDLE: &str = "not started yet";
/// Writes: stopped.
pub const WRITES_STOPPED: &str = "stopped";
/// Writes: paused (rate 0).
pub const WRITES_PAUSED: &str = "paused";
/// Writes: running.
pub fn writes_running(writers: usize) -> String {
    format!("running on {writers} connections")
}
/// Writes: target and measured rate.
pub fn rate(target: u32, now: f64) -> String {
    format!("target {target}/s · now {now:.0}/s")
}
/// Writes: counters.
pub fn counters(inserts: u64, updates: u64, moves: u64, deletes: u64) -> String {
    format!("ins {inserts}  upd {updates}  mv {moves}  del {deletes}")
}
/// Writes: problems.
pub fn conflicts(conflicts: u64, errors: u64, max_ms: f64) -> String {
    format!("conflicts {conflicts} · errors {errors} · slowest {max_ms:.0} ms")
}
/// Writes: the mix.
pub fn mix(name: &str) -> String {
    format!("mix: {name}")
}
/// Names of the mix presets.
pub const MIX_NAMES: [&str; 4] = ["balanced", "insert-heavy", "update-heavy", "delete-heavy"];
/// Summaries: not created yet.
pub const NOT_CREATED: &str = "not created yet";
/// Summaries: creating, before the lock.
pub const PREPARING: &str = "installing triggers…";
/// Summaries: the writers' pause.
pub fn paused_writers(ms: f64) -> String {
    super::writers_paused(ms)
}
/// Summaries: the writers' pause, short.
pub fn pause(ms: f64) -> String {
    format!("lock {}", crate::lifecycle::narrate::ms(ms))
}
/// Summaries: ready (short).
pub const READY: &str = "✓";
/// Summaries: ready, with the backfill.
pub fn ready(rows: u64, secs: f64) -> String {
    format!("ready: {rows} rows backfilled in {secs:.1} s")
}
/// Summaries: validation, short.
pub fn validated_short(exact: bool, groups: u64, differing: u64) -> String {
    if exact {
        format!("✓ exact, {groups} groups")
    } else {
        format!("✗ {differing}/{groups} groups differ")
    }
}
/// Summaries: validation.
pub fn validated(exact: bool, groups: u64, differing: u64) -> String {
    if exact {
        format!("EXACT: {groups} groups checked")
    } else {
        format!("DIFFERS in {differing} of {groups} groups")
    }
}
/// Comparison: header.
pub const COMPARE_HEADER: [&str; 6] = ["", "now", "min", "median", "max", "rows"];
/// Comparison: the original query's row label.
pub const ORIGINAL: &str = "query";
/// Comparison: the summary's row label.
pub const SUMMARY: &str = "summary";
/// Comparison: nothing yet.
pub const NO_COMPARISON: &str = "Compared every second once the summary exists.";
/// Comparison: results equal.
pub const MATCH: &str = "✓ same rows";
/// Comparison: results differ.
pub const MISMATCH: &str = "✗ DIFFERENT rows";
/// Comparison: speed-up.
pub fn speedup(x: f64) -> String {
    format!("{x:.0}× faster")
}
/// Comparison: live totals read from the summary.
pub fn totals(n: &str, total: &str) -> String {
    format!("Σ n {n} · Σ total {total}")
}
/// Story: the baseline timings.
pub fn baseline(runs: &[(f64, usize)]) -> String {
    let times: Vec<String> = runs.iter().map(|(ms, _)| format!("{ms:.0} ms")).collect();
    let rows = runs.last().map_or(0, |r| r.1);
    format!("timed: {} ({rows} rows)", times.join(", "))
}
/// Story: the loaded data.
pub fn loaded(transactions: u64, users: u64, secs: f64) -> String {
    format!("{transactions} transactions of {users} users loaded in {secs:.1} s")
}
/// Story: waiting for the step's work.
pub const WORKING: &str = "working…";
/// Story: the step is done (interactive).
pub fn next_hint(key: &str) -> String {
    format!("Press {key} for the next step.")
}
/// Story: the end.
pub fn the_end(key: &str) -> String {
    format!("That was the tour. {key} quits; F3 shows the full UI to explore the summaries.")
}
/// Story: the triggers being installed.
pub fn triggers(events: &[&str], table: &str) -> String {
    format!(
        "{} triggers: AFTER {} ON {table}",
        events.len(),
        events.join(", AFTER ")
    )
}
/// Status: a step's work is not finished.
pub const STILL_WORKING: &str = "This step is still running; the next one follows when it is done.";
/// Status: a demo task failed.
pub fn failed(message: &str) -> String {
    format!("The demo hit a problem: {message}")
}
/// Footer label: next step.
pub const KEY_NEXT: &str = "next";
/// Footer label: writes on/off.
pub const KEY_WRITES: &str = "writes";
/// Footer label: faster/slower.
pub const KEY_RATE: &str = "rate";
/// Footer label: mix.
pub const KEY_MIX: &str = "mix";
/// Footer label: autoplay.
pub const KEY_AUTOPLAY: &str = "autoplay";
/// Footer label: the full UI.
pub const KEY_PANES: &str = "full UI";
/// Title bar hint in the full UI while a demo runs.
pub const BACK_TO_DEMO: &str = "F3 demo";

/// After the dashboard closes: what one summary showed.
pub fn outcome(
    name: &str,
    lock_ms: Option<f64>,
    speedup: Option<f64>,
    exact: Option<bool>,
) -> String {
    let mut parts = vec![format!("⚡ {name}")];
    if let Some(ms) = lock_ms {
        parts.push(paused_writers(ms));
    }
    if let Some(x) = speedup {
        parts.push(self::speedup(x));
    }
    parts.push(
        match exact {
            Some(true) => "exact",
            Some(false) => "NOT exact",
            None => "not validated",
        }
        .to_string(),
    );
    parts.join(" · ")
}
