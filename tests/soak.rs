//! The soak of issue 20: randomized create / cancel + resume / rebuild runs, each on its own
//! table with writers running throughout (READ COMMITTED and REPEATABLE READ alternately), and
//! after every step that leaves the summary ready a reader compares it with the query in one
//! snapshot; at the end, with the writers stopped, the summary must equal the query and
//! `validate` must say exact. Every wrong run is collected (with its seed and plan) and the
//! test fails listing them all.
//!
//! The default run is 2 runs (one per isolation level), so CI exercises the soak itself;
//! `LIGHTNING_SOAK=100` runs 100 (the record in docs/correctness.md), `LIGHTNING_SOAK_SEED=S`
//! starts from another seed.

mod support;

use lightning_tables::lifecycle::{
    create, rebuild, resume, validate, ChunkPolicy, Control, CreateOptions, Event, LifecycleError,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::compare::{snapshot_difference, Strings};
use support::workload::{let_them_write, make_table, Isolation, Writers};

const QUERIES: &[&str] = &[
    "SELECT g, COUNT(*) AS n, SUM(d) AS total, AVG(f) AS mean FROM t GROUP BY g",
    "SELECT s, MIN(d) AS lo, MAX(d) AS hi, COUNT(g) AS with_g FROM t WHERE d > -200 GROUP BY s",
    "SELECT g, s, COUNT(*) AS n, SUM(d) AS total FROM t WHERE f > 100 GROUP BY g, s",
    "SELECT COUNT(*) AS n, SUM(d) AS total, MIN(s) AS lo, MAX(f) AS hi FROM t",
    "SELECT g % 7 AS k, COUNT(*) AS n, MAX(d) AS hi FROM t GROUP BY g % 7 HAVING COUNT(*) > 3",
];

/// What one run does to its summary, writers running all along.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// `create` to the end.
    Create,
    /// `create` cancelled after `at` regions, then `resume`.
    CancelResume { at: u32 },
    /// `create` cancelled, `resume` cancelled again, `resume` to the end.
    CancelTwice { at: u32, again: u32 },
    /// `create`, then `rebuild`.
    Rebuild,
    /// `create`, a `rebuild` stopped after `at` regions (readers keep the old generation), then
    /// `rebuild` to the end.
    StoppedRebuild { at: u32 },
}

impl Plan {
    fn pick(rng: &mut StdRng) -> Plan {
        match rng.gen_range(0..5) {
            0 => Plan::Create,
            1 => Plan::CancelResume {
                at: rng.gen_range(1..6),
            },
            2 => Plan::CancelTwice {
                at: rng.gen_range(1..3),
                again: rng.gen_range(3..6),
            },
            3 => Plan::Rebuild,
            _ => Plan::StoppedRebuild {
                at: rng.gen_range(1..6),
            },
        }
    }
}

fn options() -> CreateOptions {
    CreateOptions {
        chunk: ChunkPolicy::Fixed(250),
        checkpoints: 8,
        checkpoint_every: std::time::Duration::ZERO,
        ..CreateOptions::default()
    }
}

/// A control that cancels once `at` regions are committed (never with `None`).
fn cancelling(at: Option<u32>) -> (Control, impl FnMut(Event)) {
    let control = Control::new();
    let c = control.clone();
    (control, move |e| {
        if let (Event::Checkpoint { regions_done, .. }, Some(at)) = (e, at) {
            if regions_done >= at {
                c.cancel();
            }
        }
    })
}

/// One step: `Ok` when it ended as planned (finished, or cancelled when asked to).
fn step(
    what: &str,
    result: Result<impl std::fmt::Debug, LifecycleError>,
    cancel: bool,
) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(LifecycleError::Cancelled(_) | LifecycleError::RebuildStopped { .. }) if cancel => {
            Ok(())
        }
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Runs `plan` on summary `s`, comparing in one snapshot whenever the summary is ready.
fn run_plan(db: &support::server::TestDb, query: &str, plan: Plan) -> Result<(), String> {
    let opts = db.opts();
    let schema = db.name.as_str();
    let mut reader = db.conn();
    let mut compare = |when: &str| -> Result<(), String> {
        match snapshot_difference(&mut reader, "s", query, Strings::Collated) {
            None => Ok(()),
            Some(d) => Err(format!("{when}: {d}")),
        }
    };
    let create_until = |at: Option<u32>| {
        let (control, mut on_event) = cancelling(at);
        step(
            "create",
            create(&opts, "s", query, &options(), &control, &mut on_event),
            at.is_some(),
        )
    };
    let resume_until = |at: Option<u32>| {
        let (control, mut on_event) = cancelling(at);
        step(
            "resume",
            resume(&opts, schema, "s", &options(), &control, &mut on_event),
            at.is_some(),
        )
    };
    let rebuild_until = |at: Option<u32>| {
        let (control, mut on_event) = cancelling(at);
        step(
            "rebuild",
            rebuild(&opts, schema, "s", &options(), &control, &mut on_event),
            at.is_some(),
        )
    };
    match plan {
        Plan::Create => create_until(None)?,
        Plan::CancelResume { at } => {
            create_until(Some(at))?;
            let_them_write(50);
            resume_until(None)?;
        }
        Plan::CancelTwice { at, again } => {
            create_until(Some(at))?;
            let_them_write(30);
            resume_until(Some(again))?;
            let_them_write(30);
            resume_until(None)?;
        }
        Plan::Rebuild => {
            create_until(None)?;
            compare("after create")?;
            rebuild_until(None)?;
        }
        Plan::StoppedRebuild { at } => {
            create_until(None)?;
            compare("after create")?;
            rebuild_until(Some(at))?;
            compare("after the stopped rebuild")?;
            rebuild_until(None)?;
        }
    }
    compare("at the end, writers running")
}

fn soak_run(run: u64, seed: u64) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let isolation = if run.is_multiple_of(2) {
        Isolation::RepeatableRead
    } else {
        Isolation::ReadCommitted
    };
    let query = QUERIES[rng.gen_range(0..QUERIES.len())];
    let plan = Plan::pick(&mut rng);
    let rows = rng.gen_range(2_000..8_000);
    let context = format!("run {run} (seed {seed}, {isolation:?}, {plan:?}, {rows} rows, {query})");
    let db = support::server::fresh_db(&format!("soak{run}"));
    let mut conn = db.conn();
    make_table(&mut conn, rows);
    let writers = Writers::start(&db.opts(), 3, seed, isolation, rows);
    let_them_write(50);
    let outcome = run_plan(&db, query, plan);
    let_them_write(100);
    writers.stop();
    outcome.map_err(|e| format!("{context}: {e}"))?;
    if let Some(d) = snapshot_difference(&mut conn, "s", query, Strings::Collated) {
        return Err(format!("{context}: writers stopped: {d}"));
    }
    let report = validate(&db.opts(), &db.name, "s", 5).map_err(|e| format!("{context}: {e}"))?;
    if !report.exact {
        return Err(format!("{context}: validate: {report:?}"));
    }
    Ok(())
}

#[test]
fn randomized_create_cancel_resume_rebuild_runs_stay_exact() {
    let runs: u64 = std::env::var("LIGHTNING_SOAK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let first_seed: u64 = std::env::var("LIGHTNING_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_203);
    let mut wrong = Vec::new();
    for run in 0..runs {
        if let Err(e) = soak_run(run, first_seed + run) {
            eprintln!("WRONG {e}");
            wrong.push(e);
        } else {
            eprintln!("run {run}: exact");
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {runs} runs wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
