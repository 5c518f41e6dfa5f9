//! State transitions of the demo mode: the story's steps with their work,
//! the writers' tuning, autoplay's timeline and the exit status; the demo
//! worker's replies are simulated, no terminal, no server.

mod support;

use lightning_tables::demo::runner::{DAILY_KINDS, DEBITS_BY_USER};
use lightning_tables::demo::story::{StepId, STORY};
use lightning_tables::tui::app::Msg;
use lightning_tables::tui::demo::protocol::{DemoReply, DemoRequest};
use lightning_tables::tui::demo::state::{Phase, KEEP_WRITING};
use lightning_tables::tui::panes::PaneId;
use lightning_tables::tui::worker::Failure;
use std::time::Duration;
use support::tui::demo::*;
use support::tui::*;

fn demo_harness(autoplay: bool) -> Harness {
    let mut h = Harness::new();
    h.app.start_demo(setup(autoplay));
    h.drain();
    h
}

fn reply(h: &mut Harness, r: DemoReply) {
    h.msg(Msg::Demo(Box::new(r)));
}

fn step(h: &Harness) -> StepId {
    h.app.demo.as_ref().map_or(
        StepId::Done,
        lightning_tables::tui::demo::state::DemoState::step_id,
    )
}

fn phase(h: &Harness) -> Option<Phase> {
    h.app.demo.as_ref().map(|d| d.phase)
}

fn ready(h: &Harness) -> bool {
    phase(h) == Some(Phase::Ready)
}

#[test]
fn interactive_story_runs_each_step_s_work() {
    let mut h = demo_harness(false);
    assert_eq!(step(&h), StepId::Load);
    assert!(ready(&h) && h.demo.is_empty(), "the data is loaded already");
    // Writes.
    h.key("enter");
    assert_eq!(step(&h), StepId::Writes);
    assert_eq!(h.demo, vec![DemoRequest::StartWrites]);
    h.key("enter");
    assert_eq!(step(&h), StepId::Writes, "not before the writers run");
    assert!(h
        .app
        .status
        .as_ref()
        .is_some_and(|(_, t)| t.contains("still running")));
    reply(&mut h, writes_started());
    assert!(ready(&h));
    // The slow query.
    h.key("enter");
    assert_eq!(h.demo.last(), Some(&DemoRequest::Baseline { rounds: 3 }));
    for ms in [480.0, 455.0, 470.0] {
        assert!(!ready(&h));
        reply(&mut h, baseline(ms));
    }
    assert!(ready(&h));
    // The first summary: triggers, the lock, the backfill, ready, watched.
    h.key("enter");
    assert!(
        matches!(h.demo.last(), Some(DemoRequest::Create { name, .. }) if name == DEBITS_BY_USER)
    );
    reply(&mut h, backfill(DEBITS_BY_USER, prepared()));
    reply(
        &mut h,
        backfill(
            DEBITS_BY_USER,
            lightning_tables::lifecycle::Event::Locked {
                lock_ms: 3.2,
                wait_ms: 0.1,
            },
        ),
    );
    reply(&mut h, backfill(DEBITS_BY_USER, progress(40.0)));
    let s = h.app.demo.as_ref().map(|d| d.summaries[0].clone());
    assert!(s
        .as_ref()
        .is_some_and(|s| s.statements.len() == 5 && s.lock_ms == Some(3.2)));
    assert!(!ready(&h));
    reply(&mut h, created(DEBITS_BY_USER));
    assert!(ready(&h));
    assert!(
        matches!(h.demo.last(), Some(DemoRequest::Watch { name, .. }) if name == DEBITS_BY_USER)
    );
    // The second summary.
    h.key("enter");
    assert!(matches!(h.demo.last(), Some(DemoRequest::Create { name, .. }) if name == DAILY_KINDS));
    reply(&mut h, created(DAILY_KINDS));
    // Writes go on for a while.
    h.key("enter");
    assert_eq!(step(&h), StepId::KeepWriting);
    h.tick(1000);
    assert!(!ready(&h));
    h.tick(KEEP_WRITING.as_millis() as u64);
    assert!(ready(&h));
    // The comparison waits for three rounds of each summary.
    h.key("enter");
    assert_eq!(step(&h), StepId::Compare);
    reply(&mut h, comparison(DEBITS_BY_USER, 3, true));
    assert!(!ready(&h));
    reply(&mut h, comparison(DAILY_KINDS, 3, true));
    assert!(ready(&h));
    // Validation stops the writers first.
    let before = h.demo.len();
    h.key("enter");
    assert_eq!(
        h.demo[before..].to_vec(),
        vec![
            DemoRequest::StopWrites,
            DemoRequest::Validate {
                names: vec![DEBITS_BY_USER.into(), DAILY_KINDS.into()]
            }
        ]
    );
    reply(&mut h, validated(DEBITS_BY_USER, true));
    reply(&mut h, validated(DAILY_KINDS, true));
    assert!(ready(&h));
    h.key("enter");
    assert_eq!(step(&h), StepId::Done);
    h.key("enter");
    assert_eq!(step(&h), StepId::Done, "the end stays the end");
    assert!(!h.app.quit);
    assert_eq!(
        h.app
            .demo
            .as_ref()
            .map(lightning_tables::tui::demo::state::DemoState::exit_code),
        Some(0)
    );
    let lines = h
        .app
        .demo
        .as_ref()
        .map(lightning_tables::tui::demo::state::DemoState::outcome_lines)
        .unwrap_or_default();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].contains("debits_by_user") && lines[0].contains("exact"),
        "{lines:?}"
    );
    h.key("q");
    assert!(h.app.quit);
}

#[test]
fn writes_are_tuned_and_paused() {
    let mut h = demo_harness(false);
    // Before the writers run, tuning is only remembered.
    h.key("+");
    assert!(h.demo.is_empty());
    h.key("enter");
    reply(&mut h, writes_started());
    // The remembered tuning is applied when they start.
    let tuning = |h: &Harness| h.app.demo.as_ref().map(|d| d.tuning);
    assert!(matches!(h.demo.last(), Some(DemoRequest::Retune(t)) if t.ops_per_sec == 800));
    h.key("-");
    h.key("-");
    assert_eq!(tuning(&h).map(|t| t.ops_per_sec), Some(200));
    h.key("w");
    assert!(matches!(h.demo.last(), Some(DemoRequest::Retune(t)) if t.ops_per_sec == 0));
    h.key("w");
    assert!(matches!(h.demo.last(), Some(DemoRequest::Retune(t)) if t.ops_per_sec == 200));
    let mix = tuning(&h).map(|t| t.mix);
    h.key("m");
    assert_ne!(tuning(&h).map(|t| t.mix), mix);
    assert!(matches!(h.demo.last(), Some(DemoRequest::Retune(t)) if Some(t.mix) != mix));
    // The measured rate comes from successive counters.
    reply(&mut h, counters(100, 1.0));
    reply(&mut h, counters(600, 2.0));
    let rate = h.app.demo.as_ref().map_or(0.0, |d| d.rate_now);
    assert!((rate - 500.0).abs() < 1e-9, "{rate}");
}

/// Plays autoplay to its end, answering the worker like a fast server;
/// returns the requests in order and the time it took.
fn autoplay(fail_at: Option<StepId>) -> (Harness, Vec<DemoRequest>, Duration) {
    let mut h = demo_harness(true);
    let mut answered = 0;
    let mut elapsed = Duration::ZERO;
    while !h.app.quit && elapsed < Duration::from_secs(600) {
        h.tick(100);
        elapsed += Duration::from_millis(100);
        while answered < h.demo.len() {
            let request = h.demo[answered].clone();
            answered += 1;
            if fail_at == Some(step(&h)) {
                reply(
                    &mut h,
                    DemoReply::Failed(Failure::Server("the server went away".into())),
                );
                continue;
            }
            match request {
                DemoRequest::StartWrites => reply(&mut h, writes_started()),
                DemoRequest::Baseline { rounds } => {
                    for _ in 0..rounds {
                        reply(&mut h, baseline(470.0));
                    }
                }
                DemoRequest::Create { name, .. } => reply(&mut h, created(&name)),
                DemoRequest::Watch { name, .. } => reply(&mut h, comparison(&name, 3, true)),
                DemoRequest::Validate { names } => {
                    for n in names {
                        reply(&mut h, validated(&n, true));
                    }
                }
                DemoRequest::StopWrites | DemoRequest::Retune(_) => {}
            }
        }
    }
    let sent = h.demo.clone();
    (h, sent, elapsed)
}

#[test]
fn autoplay_plays_the_whole_story_the_same_way_and_exits() {
    let (h, sent, elapsed) = autoplay(None);
    assert!(h.app.quit, "autoplay ends by itself");
    assert!(h.app.demo.as_ref().is_some_and(|d| d.finished));
    let names: Vec<String> = sent
        .iter()
        .map(|r| match r {
            DemoRequest::Create { name, .. } => format!("create {name}"),
            DemoRequest::Watch { name, .. } => format!("watch {name}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "StartWrites",
            "Baseline { rounds: 3 }",
            "create debits_by_user",
            "watch debits_by_user",
            "create daily_kinds",
            "watch daily_kinds",
            "StopWrites",
            "Validate { names: [\"debits_by_user\", \"daily_kinds\"] }",
        ]
    );
    // The pace is the story's: reading and lingering on each step after
    // the load, plus the writes' own time; nothing waits on the keyboard.
    let load = STORY.iter().position(|s| s.id == StepId::Load).unwrap_or(0);
    let dwell: u64 = STORY[load].linger_ms
        + STORY[load + 1..]
            .iter()
            .map(|s| s.read_ms + s.linger_ms)
            .sum::<u64>()
        + KEEP_WRITING.as_millis() as u64;
    let took = elapsed.as_millis() as u64;
    assert!(
        took >= dwell && took <= dwell + 2_000,
        "{took} ms for {dwell} ms of dwell"
    );
    assert_eq!(
        h.app
            .demo
            .as_ref()
            .map(lightning_tables::tui::demo::state::DemoState::exit_code),
        Some(0)
    );
    // The same run again makes the same requests.
    let (_, again, _) = autoplay(None);
    assert_eq!(again, sent);
}

#[test]
fn a_failure_ends_autoplay_with_status_1() {
    let (h, sent, _) = autoplay(Some(StepId::Create));
    assert!(h.app.quit);
    assert!(!sent
        .iter()
        .any(|r| matches!(r, DemoRequest::Validate { .. })));
    let d = h.app.demo.as_ref();
    assert!(d.is_some_and(|d| d.failure.is_some() && d.exit_code() == 1));
}

#[test]
fn a_mismatch_or_an_inexact_summary_gives_status_1() {
    let mut h = demo_harness(false);
    reply(&mut h, created(DEBITS_BY_USER));
    reply(&mut h, comparison(DEBITS_BY_USER, 2, false));
    assert_eq!(
        h.app
            .demo
            .as_ref()
            .map(lightning_tables::tui::demo::state::DemoState::exit_code),
        Some(1)
    );
    let mut h = demo_harness(false);
    reply(&mut h, validated(DAILY_KINDS, false));
    assert_eq!(
        h.app
            .demo
            .as_ref()
            .map(lightning_tables::tui::demo::state::DemoState::exit_code),
        Some(1)
    );
}

#[test]
fn f3_switches_between_the_dashboard_and_the_panes() {
    let mut h = demo_harness(false);
    assert!(h.app.demo_shown());
    h.key("tab");
    assert_eq!(
        h.app.focus,
        PaneId::Schema,
        "Tab does nothing on the dashboard"
    );
    h.key("f3");
    assert!(!h.app.demo_shown());
    h.key("tab");
    assert_eq!(h.app.focus, PaneId::Editor, "the panes have the keys");
    h.type_text("w");
    assert_eq!(h.app.editor.text(), "w", "letters type in the editor");
    h.key("f3");
    assert!(h.app.demo_shown());
    // Autoplay can be switched on from the dashboard.
    h.key("a");
    assert!(h.app.demo.as_ref().is_some_and(|d| d.autoplay));
    reply(&mut h, totals(DEBITS_BY_USER, "73094"));
    let t = h
        .app
        .demo
        .as_ref()
        .and_then(|d| d.summaries[0].totals.clone());
    assert_eq!(t.map(|t| t.0), Some("73094".to_string()));
}
