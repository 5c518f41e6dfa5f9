//! Key screens of the TUI rendered with ratatui's `TestBackend` at 80x24 and
//! 160x48, compared with insta snapshots.

mod support;

use lightning_tables::engine::Pos;
use lightning_tables::lifecycle::{Event, Progress};
use lightning_tables::tui::app::Msg;
use lightning_tables::tui::panes::PaneId;
use lightning_tables::tui::worker::*;
use support::tui::*;

fn is_preview(k: &RequestKind) -> bool {
    matches!(k, RequestKind::Preview { .. })
}

/// The shop schema with `orders` open and a template in the editor, previewed.
fn previewed() -> Harness {
    let mut h = Harness::new();
    h.with_orders_open();
    h.key("t");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h
}

/// A create running at 42 %.
fn backfilling() -> Harness {
    let mut h = previewed();
    h.key("ctrl-s");
    h.key("y");
    let id = h
        .last(|k| matches!(k, RequestKind::Create { .. }))
        .map(|r| r.id)
        .unwrap_or_default();
    for kind in [
        ResponseKind::Progress(Event::Locked {
            lock_ms: 4.5,
            wait_ms: 0.2,
        }),
        ResponseKind::Progress(Event::Progress(Progress {
            rows_done: 630_000,
            rows_total: 1_500_000,
            percent: 42.0,
            rate: 210_000.0,
            eta_secs: 4.1,
            chunk_size: 8000,
            chunks: 80,
        })),
    ] {
        h.msg(Msg::Worker(Response { id, kind }));
    }
    h
}

#[test]
fn main_screen_80x24() {
    let mut h = previewed();
    insta::assert_snapshot!("main_80x24", h.render(80, 24));
}

#[test]
fn main_screen_160x48() {
    let mut h = backfilling();
    h.app.focus_pane(PaneId::Compare);
    let set = |rows: Vec<Vec<&str>>, micros| ResultSet {
        columns: vec!["status".into(), "n".into(), "total_amount".into()],
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(String::from).collect())
            .collect(),
        micros,
    };
    h.app.compare.set_result(Some(CompareResult {
        schema: "shop".into(),
        name: "orders_by_status".into(),
        query: set(
            vec![
                vec!["new", "500312", "1200311.50"],
                vec!["paid", "999688", "3001288.25"],
            ],
            812_000,
        ),
        summary: set(
            vec![
                vec!["new", "500312", "1200311.50"],
                vec!["paid", "999688", "3001288.25"],
            ],
            900,
        ),
        matches: true,
    }));
    insta::assert_snapshot!("main_160x48", h.render(160, 48));
}

#[test]
fn backfill_gauge_80x24() {
    let mut h = backfilling();
    insta::assert_snapshot!("backfill_80x24", h.render(80, 24));
}

#[test]
fn create_confirmation_80x24() {
    let mut h = previewed();
    h.key("ctrl-s");
    insta::assert_snapshot!("confirm_create_80x24", h.render(80, 24));
}

/// The tuning form over the create confirmation, with a refused max load under its field.
#[test]
fn create_tuning_80x24() {
    let mut h = previewed();
    h.key("ctrl-s");
    h.key("o");
    h.type_text("2000");
    h.key("tab");
    h.key("tab");
    h.type_text("Threads_running");
    h.key("enter");
    insta::assert_snapshot!("tune_create_80x24", h.render(80, 24));
}

#[test]
fn rejected_query_80x24() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT status, COUNT(DISTINCT customer_id)\nFROM orders GROUP BY status");
    h.key("f5");
    h.reply(
        is_preview,
        ResponseKind::Preview(Err(Rejection {
            message: "not supported yet: COUNT(DISTINCT ...) (a DISTINCT count cannot be maintained by adding and subtracting rows)".into(),
            pos: Some(Pos { line: 1, column: 16 }),
        })),
    );
    insta::assert_snapshot!("rejected_80x24", h.render(80, 24));
}

#[test]
fn help_overlay_80x24() {
    let mut h = previewed();
    // The editor has focus: `?` types, F1 opens the help.
    h.key("f1");
    insta::assert_snapshot!("help_80x24", h.render(80, 24));
}

#[test]
fn slow_server_80x24() {
    let mut h = Harness::new();
    h.tick(4200);
    insta::assert_snapshot!("slow_server_80x24", h.render(80, 24));
}

#[test]
fn any_size_renders_without_panicking() {
    let mut h = backfilling();
    h.key("?");
    for (w, h_) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (79, 23),
        (139, 30),
        (140, 29),
        (140, 30),
        (250, 80),
    ] {
        h.render(w, h_);
    }
    h.key("esc");
    for pane in PaneId::ORDER {
        h.app.focus_pane(pane);
        for (w, h_) in [(12, 4), (80, 24), (160, 48)] {
            h.render(w, h_);
        }
    }
}

fn is_diagnose(k: &RequestKind) -> bool {
    matches!(k, RequestKind::Diagnose { .. })
}

/// The first-run wizard with a refused password explained.
fn wizard_refused() -> Harness {
    let mut h = Harness::first_run(nothing_known());
    h.keys(&["tab", "ctrl-u"]);
    h.type_text("3399");
    h.keys(&["tab", "ctrl-u"]);
    h.type_text("root");
    h.key("tab");
    h.type_text("wrong");
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Err(DiagnoseFailure {
            kind: Some(lightning_tables::db::connect::ConnectFailure::AccessDenied),
            reason: "Access denied for user 'root'@'localhost' (using password: YES)".into(),
        })),
    );
    h
}

#[test]
fn wizard_form_80x24() {
    let mut h = wizard_refused();
    insta::assert_snapshot!("wizard_form_80x24", h.render(80, 24));
}

#[test]
fn wizard_form_160x48() {
    let mut h = Harness::first_run(nothing_known());
    h.keys(&["up", "up", "up"]);
    h.type_text(" ");
    insta::assert_snapshot!("wizard_form_160x48", h.render(160, 48));
}

#[test]
fn wizard_report_80x24_and_160x48() {
    let mut h = wizard_refused();
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(false)))),
    );
    insta::assert_snapshot!("wizard_report_80x24", h.render(80, 24));
    insta::assert_snapshot!("wizard_report_160x48", h.render(160, 48));
}

#[test]
fn guide_after_setup_80x24() {
    let mut h = Harness::new();
    h.app.guide = Some(Default::default());
    h.with_shop();
    h.keys(&["j", "j"]);
    insta::assert_snapshot!("guide_80x24", h.render(80, 24));
}

mod demo_screens {
    use super::support::tui::demo::*;
    use super::support::tui::Harness;
    use lightning_tables::demo::runner::{DAILY_KINDS, DEBITS_BY_USER};
    use lightning_tables::lifecycle::Event;
    use lightning_tables::tui::app::Msg;
    use lightning_tables::tui::demo::protocol::DemoReply;

    fn reply(h: &mut Harness, r: DemoReply) {
        h.msg(Msg::Demo(Box::new(r)));
    }

    /// The demo during the second summary's backfill.
    fn creating_second() -> Harness {
        let mut h = Harness::new();
        h.app.start_demo(setup(false));
        h.key("enter");
        reply(&mut h, writes_started());
        reply(&mut h, counters(1200, 3.0));
        reply(&mut h, counters(1700, 4.0));
        h.key("enter");
        for ms in [480.0, 455.0, 470.0] {
            reply(&mut h, baseline(ms));
        }
        h.key("enter");
        reply(&mut h, backfill(DEBITS_BY_USER, prepared()));
        reply(&mut h, created(DEBITS_BY_USER));
        reply(&mut h, comparison(DEBITS_BY_USER, 4, true));
        reply(&mut h, totals(DEBITS_BY_USER, "73094"));
        h.key("enter");
        reply(&mut h, backfill(DAILY_KINDS, prepared()));
        reply(
            &mut h,
            backfill(
                DAILY_KINDS,
                Event::Locked {
                    lock_ms: 2.7,
                    wait_ms: 0.1,
                },
            ),
        );
        reply(&mut h, backfill(DAILY_KINDS, progress(42.0)));
        h
    }

    #[test]
    fn demo_dashboard_160x48() {
        let mut h = creating_second();
        insta::assert_snapshot!("demo_160x48", h.render(160, 48));
    }

    #[test]
    fn demo_dashboard_80x24() {
        let mut h = creating_second();
        reply(&mut h, created(DAILY_KINDS));
        reply(&mut h, comparison(DAILY_KINDS, 3, true));
        reply(&mut h, totals(DAILY_KINDS, "105107"));
        h.key("enter");
        h.tick(3100);
        h.key("enter");
        insta::assert_snapshot!("demo_80x24", h.render(80, 24));
    }

    #[test]
    fn demo_validated_80x24() {
        let mut h = creating_second();
        reply(&mut h, created(DAILY_KINDS));
        reply(&mut h, comparison(DAILY_KINDS, 3, true));
        h.key("enter");
        h.tick(3100);
        h.keys(&["enter", "enter"]);
        reply(&mut h, writes_stopped(12_000));
        reply(&mut h, validated(DEBITS_BY_USER, true));
        reply(&mut h, validated(DAILY_KINDS, true));
        insta::assert_snapshot!("demo_validated_80x24", h.render(80, 24));
    }

    #[test]
    fn demo_any_size_renders() {
        let mut h = creating_second();
        for (w, hh) in [(1, 1), (20, 5), (40, 12), (79, 23), (100, 34), (250, 80)] {
            h.render(w, hh);
        }
    }
}

/// A comparison that differs, with a long value and a wide result.
fn differing() -> Harness {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Compare);
    let set = |rows: &[[&str; 5]], micros| ResultSet {
        columns: vec![
            "status".into(),
            "day".into(),
            "n".into(),
            "total_amount".into(),
            "speedup_note".into(),
        ],
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| v.to_string()).collect())
            .collect(),
        micros,
    };
    h.app.compare.set_result(Some(CompareResult {
        schema: "shop".into(),
        name: "orders_by_day".into(),
        query: set(
            &[
                [
                    "new",
                    "2026-01-01",
                    "3",
                    "148965.30",
                    "a value far too long to be shown whole",
                ],
                ["paid", "2026-01-01", "5", "10.00", "x"],
                ["paid", "2026-01-02", "7", "70.00", "y"],
            ],
            256_100,
        ),
        summary: set(
            &[
                ["paid", "2026-01-02", "7", "70.00", "y"],
                [
                    "new",
                    "2026-01-01",
                    "3",
                    "148965.31",
                    "a value far too long to be shown whole",
                ],
                ["shipped", "2026-01-03", "1", "1.00", "z"],
            ],
            1_000,
        ),
        matches: false,
    }));
    h
}

#[test]
fn compare_grid_differing_80x24() {
    let mut h = differing();
    insta::assert_snapshot!("compare_differing_80x24", h.render(80, 24));
}

#[test]
fn compare_grid_differing_160x48() {
    let mut h = differing();
    insta::assert_snapshot!("compare_differing_160x48", h.render(160, 48));
    // Scrolled right to the long value: it is cut with an ellipsis, and shown whole below.
    h.keys(&["l"]);
    insta::assert_snapshot!("compare_scrolled_160x48", h.render(160, 48));
}

#[test]
fn completion_list_80x24() {
    let mut h = Harness::new();
    h.with_orders_open();
    h.app.focus_pane(PaneId::Editor);
    h.type_text("SELECT c");
    h.key("ctrl-space");
    insta::assert_snapshot!("completion_80x24", h.render(80, 24));
}

#[test]
fn history_search_80x24() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Editor);
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    h.key("f5");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.key("ctrl-r");
    h.type_text("count");
    insta::assert_snapshot!("history_search_80x24", h.render(80, 24));
}
