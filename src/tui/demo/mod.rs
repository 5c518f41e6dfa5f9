//! Demo mode: what `lightning demo` opens once its private server runs and
//! the sample data is loaded. A dashboard plays the demo's story (the same
//! steps and words as the headless demo, from [`crate::demo::story`]):
//! the writers start and can be paused, sped up, slowed down and given
//! another mix; the report query is timed; two summaries are created online
//! (the triggers, the writers' brief pause, the backfill); each is compared
//! with its query again and again while the writes go on (latency now, min,
//! median, max, rows, and a match decided from the real rows); finally the
//! writers stop and every group is validated. F3 switches to the usual
//! panes to explore the summaries.
//!
//! [`state::DemoState`] is the pure state, [`worker`] runs the work on
//! background threads, [`flow`] connects the two through the application,
//! [`draw`] renders the dashboard.

pub mod draw;
pub mod flow;
pub mod protocol;
pub mod state;
pub mod worker;

use super::app::App;
use crate::demo::mix::Mix;
use crate::demo::workload::Tuning;
use state::DemoSetup;
use std::time::Instant;
use worker::{DemoWorker, WriterSettings};

/// Opens the demo dashboard on the demo database `opts` selects and plays
/// the story; returns the exit status (0, or 1 after a failure or an
/// inexact summary) when the user quits or autoplay ends.
pub fn run(opts: mysql::Opts, setup: DemoSetup) -> anyhow::Result<i32> {
    super::check_terminal()?;
    let config = super::config::Config::load_default()?;
    let history = super::history::History::load(super::history::default_path().as_deref());
    let worker = super::worker::Worker::start(opts.clone());
    let label = crate::db::options::profile::label_of_opts(&opts);
    let mut app = App::new(label, config.keymap, history, Instant::now());
    app.theme = config.theme;
    let demo = DemoWorker::start(
        opts,
        setup.database.clone(),
        WriterSettings {
            writers: setup.writers,
            tuning: Tuning {
                ops_per_sec: setup.ops_per_sec,
                mix: Mix::default(),
            },
            seed: setup.seed,
            users: setup.load.users,
            max_id: setup.load.transactions,
        },
    );
    app.start_demo(setup);
    super::in_terminal(&mut app, &worker, Some(&demo))?;
    // The writers stop before the command cleans up.
    drop(demo);
    let Some(state) = app.demo.as_ref() else {
        return Ok(0);
    };
    for line in state.outcome_lines() {
        println!("{line}");
    }
    Ok(state.exit_code())
}
