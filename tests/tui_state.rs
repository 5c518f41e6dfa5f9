//! State transitions of the TUI (keys, actions, worker messages) as plain
//! tests: no terminal, no server.

mod support;

use lightning_tables::engine::Pos;
use lightning_tables::lifecycle::tuning::Tuning;
use lightning_tables::lifecycle::{Event, Progress};
use lightning_tables::tui::app::{Msg, REFRESH_IDLE, TICK};
use lightning_tables::tui::panes::preview::PreviewContent;
use lightning_tables::tui::panes::PaneId;
use lightning_tables::tui::popup::{Confirm, Popup};
use lightning_tables::tui::ui::status_line;
use lightning_tables::tui::worker::*;
use support::tui::*;

fn is_preview(k: &RequestKind) -> bool {
    matches!(k, RequestKind::Preview { .. })
}

fn previews(h: &Harness) -> usize {
    h.sent.iter().filter(|r| is_preview(&r.kind)).count()
}

#[test]
fn start_up_requests_and_default_database() {
    let mut h = Harness::new();
    let kinds: Vec<&RequestKind> = h.sent.iter().map(|r| &r.kind).collect();
    assert!(matches!(kinds[0], RequestKind::Connect));
    assert!(kinds.iter().any(|k| matches!(k, RequestKind::Databases)));
    assert!(kinds.iter().any(|k| matches!(k, RequestKind::Summaries)));
    h.with_shop();
    assert_eq!(h.app.database.as_deref(), Some("shop"));
    assert_eq!(h.app.version.as_deref(), Some("11.4.2-MariaDB"));
    // The default database is opened: its tables are visible.
    let rows = h.app.schema.rows();
    assert!(rows
        .iter()
        .any(|r| r.path.table.as_deref() == Some("orders")));
}

#[test]
fn tab_cycles_panes_and_q_quits_except_while_typing() {
    let mut h = Harness::new();
    assert_eq!(h.app.focus, PaneId::Schema);
    h.key("tab");
    assert_eq!(h.app.focus, PaneId::Editor);
    h.type_text("q");
    assert!(!h.app.quit, "q types in the editor");
    assert_eq!(h.app.editor.text(), "q");
    h.keys(&["tab", "tab", "tab"]);
    assert_eq!(h.app.focus, PaneId::Compare);
    assert_eq!(h.app.tab, PaneId::Compare);
    h.key("tab");
    assert_eq!(h.app.focus, PaneId::Schema);
    h.key("backtab");
    assert_eq!(h.app.focus, PaneId::Compare);
    h.key("q");
    assert!(h.app.quit);

    let mut h = Harness::new();
    h.key("tab");
    h.key("ctrl-c");
    assert!(h.app.quit, "Ctrl-C quits from the editor");
}

#[test]
fn schema_navigation_loads_lazily() {
    let mut h = Harness::new();
    h.with_shop();
    // The default database is selected; go to `orders` and open it: its columns are requested.
    h.keys(&["j", "j"]);
    let sel = h.app.schema.selected.clone().unwrap_or_default();
    assert_eq!(sel.table.as_deref(), Some("orders"), "{sel:?}");
    h.key("l");
    let req = h.last(|k| matches!(k, RequestKind::Columns { .. }));
    assert!(
        matches!(req, Some(Request { kind: RequestKind::Columns { ref table, .. }, .. }) if table == "orders")
    );
    h.reply(
        |k| matches!(k, RequestKind::Columns { .. }),
        ResponseKind::Columns {
            database: "shop".into(),
            table: "orders".into(),
            columns: order_columns(),
        },
    );
    h.key("j");
    assert_eq!(
        h.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.column.as_deref()),
        Some("id")
    );
    // h goes back to the table, h again closes it.
    h.key("h");
    assert_eq!(
        h.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.column.as_deref()),
        None
    );
    h.key("h");
    assert!(!h.app.schema.rows().iter().any(|r| r.path.column.is_some()));
    // Opening the other database asks for its tables and makes it current.
    h.key("g");
    h.key("enter");
    assert!(h
        .last(|k| matches!(k, RequestKind::Tables { database } if database == "analytics"))
        .is_some());
    assert_eq!(h.app.database.as_deref(), Some("analytics"));
}

#[test]
fn filter_by_typing() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("/");
    h.type_text("cust");
    let rows = h.app.schema.rows();
    let tables: Vec<_> = rows.iter().filter_map(|r| r.path.table.clone()).collect();
    assert_eq!(tables, vec!["customers".to_string()]);
    assert_eq!(
        h.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.table.as_deref()),
        Some("customers")
    );
    assert!(!h.app.quit);
    h.key("enter");
    assert!(!h.app.schema.filtering);
    assert_eq!(h.app.schema.filter, "cust");
    h.key("esc");
    assert!(h.app.schema.filter.is_empty());
}

/// The filter finds a column of a table whose columns were loaded, and shows it under its
/// table; a database whose tables were never loaded is drawn closed (▸), not open.
#[test]
fn the_filter_matches_column_names_and_closed_databases_stay_closed() {
    let mut h = Harness::new();
    h.with_shop();
    h.app
        .schema
        .set_columns("shop", "orders", Ok(order_columns()));
    h.key("/");
    h.type_text("amount");
    let paths: Vec<String> = h
        .app
        .schema
        .rows()
        .iter()
        .map(|r| {
            [
                Some(r.path.database.clone()),
                r.path.table.clone(),
                r.path.column.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(".")
        })
        .collect();
    // `analytics` is listed (its tables are not known yet) but not opened.
    assert_eq!(
        paths,
        vec!["analytics", "shop", "shop.orders", "shop.orders.amount"]
    );
    let screen = h.render(160, 48);
    assert!(screen.contains("▸ analytics"), "{screen}");
    assert!(!screen.contains("▾ analytics"), "{screen}");
    assert!(screen.contains("▾ shop"), "{screen}");
    // A column name no table has: only the unloaded database remains, closed.
    h.type_text("x");
    let tables: Vec<_> = h
        .app
        .schema
        .rows()
        .iter()
        .filter_map(|r| r.path.table.clone())
        .collect();
    assert!(tables.is_empty(), "{tables:?}");
    assert!(h.render(160, 48).contains("▸ analytics"));
}

#[test]
fn typing_is_debounced_into_one_preview() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    let before = previews(&h);
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    h.tick(100);
    assert_eq!(previews(&h), before, "no preview while typing");
    h.tick(250);
    assert_eq!(
        previews(&h),
        before + 1,
        "one preview after 300 ms of quiet"
    );
    let Some(Request {
        kind:
            RequestKind::Preview {
                database,
                sql,
                name,
            },
        ..
    }) = h.last(is_preview)
    else {
        panic!("no preview")
    };
    assert_eq!(database.as_deref(), Some("shop"));
    assert!(sql.starts_with("SELECT status"));
    assert_eq!(name, "orders_summary");
    h.tick(1000);
    assert_eq!(previews(&h), before + 1, "nothing new to preview");
    // F5 previews at once.
    h.key("f5");
    assert_eq!(previews(&h), before + 2);
}

#[test]
fn rejected_query_marks_the_editor_and_stale_previews_are_ignored() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT nope, COUNT(*) FROM orders GROUP BY nope");
    h.key("ctrl-j");
    let first = h.last(is_preview).map(|r| r.id);
    h.type_text(" ");
    h.key("f5");
    // The superseded answer changes nothing.
    h.msg(Msg::Worker(Response {
        id: first.unwrap_or_default(),
        kind: ResponseKind::Preview(Ok(preview_doc())),
    }));
    assert!(h.app.preview.waiting);
    h.reply(
        is_preview,
        ResponseKind::Preview(Err(Rejection {
            message: "unknown column nope at 1:8 in table orders".into(),
            pos: Some(Pos { line: 1, column: 8 }),
        })),
    );
    assert!(!h.app.preview.waiting);
    assert!(matches!(h.app.preview.content, PreviewContent::Rejected(_)));
    assert_eq!(h.app.editor.error_pos, Some(Pos { line: 1, column: 8 }));
    // Creating is refused with a reason.
    h.key("ctrl-s");
    assert!(h.app.popup.is_none());
    assert!(status_line(&h.app).0.contains("Fix the query"));
    // Editing clears the mark.
    h.type_text("x");
    assert_eq!(h.app.editor.error_pos, None);
}

fn created(h: &mut Harness) -> RequestId {
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) AS n FROM orders GROUP BY status");
    h.key("f2");
    for _ in 0..20 {
        h.key("backspace");
    }
    h.type_text("orders_by_status");
    h.key("enter");
    assert_eq!(h.app.editor.name, "orders_by_status");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.key("ctrl-s");
    let Some(Popup::Confirm { what, body, .. }) = &h.app.popup else {
        panic!("no confirmation: {:?}", h.app.popup)
    };
    assert!(matches!(what, Confirm::Create { name, .. } if name == "orders_by_status"));
    // The popup shows exactly the statements.
    for st in preview_doc().statements {
        let first_line = st.sql.lines().next().unwrap_or_default().to_string();
        assert!(
            body.iter().any(|l| l.starts_with(&first_line)),
            "{first_line} missing in {body:#?}"
        );
    }
    h.key("y");
    assert!(h.app.popup.is_none());
    assert_eq!(h.app.focus, PaneId::Summaries);
    let req = h.last(|k| matches!(k, RequestKind::Create { .. }));
    let Some(Request {
        id,
        kind:
            RequestKind::Create {
                database,
                name,
                sql,
                tuning,
            },
    }) = req
    else {
        panic!("no create")
    };
    assert_eq!(
        (database.as_deref(), name.as_str()),
        (Some("shop"), "orders_by_status")
    );
    assert!(sql.contains("GROUP BY status"));
    assert_eq!(tuning, Tuning::default(), "untouched, the defaults");
    assert_eq!(h.app.history.entries().last(), Some(&sql));
    id
}

/// The create confirmation's tuning (issue 17 item 11): `o` opens the form, bad values are
/// refused under their field, good ones are shown in the confirmation and sent with the create.
#[test]
fn the_create_confirmation_sets_chunks_load_and_lock_wait() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) AS n FROM orders GROUP BY status");
    h.key("f5");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.key("ctrl-s");
    let text = h.render(160, 48);
    assert!(text.contains("Tuning (o to change)"), "{text}");
    assert!(text.contains("100 ms per attempt (default)"), "{text}");
    h.key("o");
    assert!(matches!(h.app.popup, Some(Popup::Tune { .. })));
    // Rows and time per chunk together: refused, the cursor on the second.
    h.type_text("500");
    h.key("tab");
    h.type_text("50");
    h.key("enter");
    let Some(Popup::Tune { form, .. }) = &h.app.popup else {
        panic!("the form closed on a refused value: {:?}", h.app.popup)
    };
    assert_eq!(form.field, 1);
    assert!(form.error.is_some());
    for _ in 0..2 {
        h.key("backspace");
    }
    h.key("tab");
    h.type_text("Threads_running=40");
    h.key("tab");
    // Below the CLI's bound of 10 ms.
    h.type_text("5");
    h.key("enter");
    assert!(matches!(&h.app.popup, Some(Popup::Tune { form, .. }) if form.field == 3));
    h.type_text("0");
    h.key("enter");
    let text = h.render(160, 48);
    assert!(
        text.contains("500 rows each")
            && text.contains("waits while Threads_running > 40")
            && text.contains("50 ms per attempt"),
        "{text}"
    );
    // Esc in the form leaves the tuning as it was.
    h.key("o");
    h.key("backspace");
    h.key("esc");
    assert!(h.render(160, 48).contains("500 rows each"));
    h.key("y");
    let Some(Request {
        kind: RequestKind::Create { tuning, .. },
        ..
    }) = h.last(|k| matches!(k, RequestKind::Create { .. }))
    else {
        panic!("no create")
    };
    assert_eq!(
        tuning,
        Tuning {
            chunk_rows: Some(500),
            chunk_time_ms: None,
            max_load: Some(("Threads_running".into(), 40)),
            lock_wait_ms: Some(50),
        }
    );
}

/// A taken name is said in the preview, and the create is not offered (issue 17 item 9).
#[test]
fn a_name_clash_shows_in_the_preview_before_any_confirmation() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) AS n FROM orders GROUP BY status");
    h.key("f5");
    let mut doc = preview_doc();
    doc.clash = Some("summary shop.orders_by_status".into());
    h.reply(is_preview, ResponseKind::Preview(Ok(doc)));
    let screen = h.render(160, 48);
    assert!(
        screen.contains("Name taken: summary shop.orders_by_status already exists"),
        "{screen}"
    );
    h.key("ctrl-s");
    assert!(h.app.popup.is_none(), "{:?}", h.app.popup);
    let (status, _) = status_line(&h.app);
    assert!(
        status.contains("Name taken") && status.contains("F2"),
        "{status}"
    );
    // Renamed: a fresh preview without the clash, and the create is offered.
    h.key("f2");
    h.type_text("_2");
    h.key("enter");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    assert!(!h.render(160, 48).contains("Name taken"));
    h.key("ctrl-s");
    assert!(matches!(h.app.popup, Some(Popup::Confirm { .. })));
}

#[test]
fn create_confirm_progress_pause_and_finish() {
    let mut h = Harness::new();
    h.with_shop();
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![]),
    );
    let id = created(&mut h);
    let send = |h: &mut Harness, kind| h.msg(Msg::Worker(Response { id, kind }));
    send(
        &mut h,
        ResponseKind::Progress(Event::Locked {
            lock_ms: 4.5,
            wait_ms: 0.1,
        }),
    );
    send(
        &mut h,
        ResponseKind::Progress(Event::Progress(Progress {
            rows_done: 500,
            rows_total: 1000,
            percent: 50.0,
            rate: 2000.0,
            eta_secs: 0.25,
            chunk_size: 250,
            chunks: 2,
        })),
    );
    let sel = h
        .app
        .selected_summary()
        .unwrap_or_else(|| panic!("nothing selected"));
    assert_eq!(sel.job, Some((id, false)));
    let job = &h.app.summaries.jobs[0];
    assert_eq!(job.lock_ms, Some(4.5));
    assert_eq!(job.progress.as_ref().map(|p| p.percent), Some(50.0));
    // Pause and continue go to the worker.
    h.key("p");
    assert_eq!(
        h.last(|k| matches!(k, RequestKind::Pause { .. }))
            .map(|r| r.kind),
        Some(RequestKind::Pause {
            target: id,
            paused: true
        })
    );
    assert!(h.app.summaries.jobs[0].paused);
    h.key("p");
    assert!(!h.app.summaries.jobs[0].paused);
    send(
        &mut h,
        ResponseKind::Progress(Event::Done {
            rows: 1000,
            seconds: 0.5,
        }),
    );
    assert_eq!(
        h.app.summaries.jobs[0].progress.as_ref().map(|p| p.percent),
        Some(100.0)
    );
    let refreshes = h
        .sent
        .iter()
        .filter(|r| matches!(r.kind, RequestKind::Summaries))
        .count();
    send(
        &mut h,
        ResponseKind::Finished(JobOutcome::Built(BuiltReport {
            schema: "shop".into(),
            name: "orders_by_status".into(),
            rows: 1000,
            backfill_secs: 0.5,
            lock_ms: 4.5,
        })),
    );
    assert!(h.app.summaries.jobs[0].done);
    assert!(
        status_line(&h.app).0.contains("orders_by_status created"),
        "{:?}",
        status_line(&h.app)
    );
    assert!(
        h.sent
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Summaries))
            .count()
            > refreshes
    );
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("orders_by_status", "ready")]),
    );
    let item = h.app.summaries.selected_item().map(|i| {
        (
            i.name.to_string(),
            i.report.map(|r| r.entry.status.to_string()),
        )
    });
    assert_eq!(
        item,
        Some(("orders_by_status".into(), Some("ready".into())))
    );
}

#[test]
fn create_waits_for_a_fresh_preview() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    h.key("ctrl-s");
    assert!(h.app.popup.is_none());
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    assert!(
        matches!(h.app.popup, Some(Popup::Confirm { .. })),
        "confirmation opens once the preview is in"
    );
    h.key("n");
    assert!(h.app.popup.is_none());
    assert!(h
        .last(|k| matches!(k, RequestKind::Create { .. }))
        .is_none());
}

/// Every key hint comes from the keymap, so a user's overrides show everywhere: the editor's
/// placeholder, the empty summaries and compare panes, the filter footer and its keys, the
/// rename popup, the slow-server line and the drop confirmation's reminder.
#[test]
fn key_hints_follow_the_users_overrides() {
    use lightning_tables::tui::keymap::{Action, Context, Keymap};
    let keymap = Keymap::default()
        .with_overrides(
            "[schema]\ntemplate = \"T\"\nfilter = \"F\"\n\
             [summaries]\ncreate = \"C\"\n\
             [compare]\nrun = [\"ctrl-r\", \"f9\"]\n\
             [prompt]\nconfirm = \"tab\"\ndeny = \"ctrl-x\"\n\
             [global]\ncancel = \"ctrl-k\"\n\
             [popup]\nconfirm = \"space\"\ndeny = \"ctrl-n\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let label =
        |h: &Harness, c: Context, a: Action| h.app.keymap.key_label(c, a).unwrap_or_default();
    // Slow server: the cancel key is the user's.
    let mut h = Harness::with_keymap(keymap.clone());
    assert_eq!(label(&h, Context::Global, Action::Cancel), "^K");
    h.tick(3000);
    let (status, _) = status_line(&h.app);
    assert!(status.contains("^K cancels"), "{status}");
    assert!(!status.contains("Esc"), "{status}");
    // Empty panes.
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(Vec::new()),
    );
    let screen = h.render(160, 48);
    assert!(screen.contains("press T for a"), "{screen}");
    assert!(screen.contains("press C to create"), "{screen}");
    assert!(screen.contains("^R (or F9)"), "{screen}");
    assert!(
        !screen.contains("press t for") && !screen.contains("press c to"),
        "{screen}"
    );
    let mut h = Harness::with_keymap(keymap);
    h.with_shop();
    // The filter: its footer names the prompt's keys, and they are the ones that work.
    h.app.focus_pane(PaneId::Schema);
    h.key("F");
    h.type_text("ord");
    let screen = h.render(160, 48);
    assert!(screen.contains("Tab keep filter"), "{screen}");
    assert!(screen.contains("^X clear filter"), "{screen}");
    h.key("tab");
    assert!(!h.app.schema.filtering);
    assert_eq!(h.app.schema.filter, "ord");
    h.key("F");
    h.key("ctrl-x");
    assert!(!h.app.schema.filtering && h.app.schema.filter.is_empty());
    // The rename popup's hint.
    h.app.focus_pane(PaneId::Editor);
    h.key("f2");
    let screen = h.render(160, 48);
    assert!(
        screen.contains("Tab: keep") && screen.contains("^X: cancel"),
        "{screen}"
    );
    h.key("ctrl-x");
    assert!(h.app.popup.is_none());
    // The drop confirmation: the confirm key does not drop, and says so with the user's keys.
    h.app.focus_pane(PaneId::Summaries);
    h.key("d");
    h.key(" ");
    let (status, _) = status_line(&h.app);
    assert!(status.starts_with("Space does not drop"), "{status}");
    assert!(status.contains("or ^N to keep it"), "{status}");
}

/// The lifecycle names no front end's remedy: a lock timeout reads in the TUI with the key
/// that tries again (the user's own binding), never the CLI's `--max-lock-wait`.
#[test]
fn a_lock_timeout_names_the_tuis_key_not_a_cli_flag() {
    use lightning_tables::lifecycle::LifecycleError;
    use lightning_tables::tui::errors::lifecycle_failure;
    use lightning_tables::tui::keymap::Keymap;
    let keymap = Keymap::default()
        .with_overrides("[summaries]\nrebuild = \"R\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut h = Harness::with_keymap(keymap);
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("R");
    h.key("enter");
    let err = LifecycleError::LockTimeout {
        table: "shop.orders".into(),
        attempts: 30,
        wait_ms: 100,
    };
    h.reply(
        |k| matches!(k, RequestKind::Rebuild { .. }),
        ResponseKind::Failed(lifecycle_failure(&err)),
    );
    let (status, _) = status_line(&h.app);
    assert!(
        status.contains("could not lock table shop.orders"),
        "{status}"
    );
    assert!(status.contains("press R to try again"), "{status}");
    assert!(!status.contains("--"), "{status}");
    assert!(
        matches!(&h.app.popup, Some(Popup::Message { body, .. }) if body.iter().any(|l| l.contains("press R"))),
        "{:?}",
        h.app.popup
    );
}

#[test]
fn summary_actions_validate_drop_rebuild_compare() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("v");
    assert!(h
        .last(|k| matches!(k, RequestKind::Validate { name, .. } if name == "orders_by_status"))
        .is_some());
    h.key("d");
    assert!(matches!(
        h.app.popup,
        Some(Popup::Confirm {
            what: Confirm::Drop { .. },
            ..
        })
    ));
    h.key("esc");
    assert!(h.app.popup.is_none());
    assert!(h.last(|k| matches!(k, RequestKind::Drop { .. })).is_none());
    // A stray Enter does not drop: only an explicit yes does.
    h.key("d");
    h.key("enter");
    assert!(h.last(|k| matches!(k, RequestKind::Drop { .. })).is_none());
    assert!(h.app.popup.is_some(), "the question stays open");
    assert!(
        status_line(&h.app).0.contains("press y to drop"),
        "{:?}",
        status_line(&h.app)
    );
    h.key("y");
    assert!(h.last(|k| matches!(k, RequestKind::Drop { schema, name } if schema == "shop" && name == "orders_by_status")).is_some());
    h.reply(
        |k| matches!(k, RequestKind::Drop { .. }),
        ResponseKind::Finished(JobOutcome::Dropped {
            name: "orders_by_status".into(),
            report: Default::default(),
        }),
    );
    assert!(status_line(&h.app).0.contains("dropped"));
    assert!(h
        .last(|k| matches!(k, RequestKind::Tables { database } if database == "shop"))
        .is_some());
    h.key("b");
    h.key("enter");
    assert!(h
        .last(|k| matches!(k, RequestKind::Rebuild { .. }))
        .is_some());
    assert_eq!(h.app.summaries.jobs.len(), 1);
    // Compare runs the catalog's query against the summary.
    h.app.summaries.jobs.clear();
    h.key("enter");
    assert_eq!(h.app.focus, PaneId::Compare);
    let Some(Request {
        kind: RequestKind::Compare { query, name, .. },
        ..
    }) = h.last(|k| matches!(k, RequestKind::Compare { .. }))
    else {
        panic!("no compare")
    };
    assert!(query.contains("GROUP BY status") && name == "orders_by_status");
    let set = |rows: Vec<Vec<&str>>, micros| ResultSet {
        columns: vec!["status".into(), "n".into()],
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(String::from).collect())
            .collect(),
        micros,
    };
    h.reply(
        |k| matches!(k, RequestKind::Compare { .. }),
        ResponseKind::Compared(CompareResult {
            schema: "shop".into(),
            name: "orders_by_status".into(),
            query: set(vec![vec!["new", "3"], vec!["paid", "5"]], 900_000),
            summary: set(vec![vec!["paid", "5"], vec!["new", "3"]], 1_000),
            matches: true,
        }),
    );
    assert!(h.app.compare.running.is_none());
    assert!(h.app.compare.result().is_some_and(|r| r.matches));
}

#[test]
fn slow_server_message_and_cancel() {
    let mut h = Harness::new();
    h.tick(500);
    assert!(
        status_line(&h.app).0.contains("connecting"),
        "{:?}",
        status_line(&h.app)
    );
    h.tick(3000);
    let (text, _) = status_line(&h.app);
    assert!(
        text.contains("has not answered for 3 s") && text.contains("Esc cancels"),
        "{text}"
    );
    h.key("esc");
    let Some(Request {
        kind: RequestKind::Cancel { target },
        ..
    }) = h.last(|k| matches!(k, RequestKind::Cancel { .. }))
    else {
        panic!("no cancel")
    };
    assert_eq!(target, 1);
    assert!(!h.app.pending.contains_key(&1));
    // A late answer to a cancelled request is ignored.
    h.msg(Msg::Worker(Response {
        id: 1,
        kind: ResponseKind::Failed(Failure::Server("boom".into())),
    }));
    assert!(!status_line(&h.app).0.contains("boom"));
}

#[test]
fn server_errors_are_shown_in_plain_words() {
    let mut h = Harness::new();
    h.reply(
        |k| matches!(k, RequestKind::Connect),
        ResponseKind::Failed(Failure::Server(
            "cannot connect to the server: Connection refused".into(),
        )),
    );
    assert!(status_line(&h.app).0.contains("Connection refused"));
    // The title no longer says it is connecting.
    let title = h
        .render(160, 48)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(title.contains("not connected"), "{title}");
    assert!(!title.contains("Connecting"), "{title}");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("orders_by_status", "ready")]),
    );
    h.app.focus_pane(PaneId::Summaries);
    h.key("v");
    h.reply(
        |k| matches!(k, RequestKind::Validate { .. }),
        ResponseKind::Failed(Failure::Lifecycle(
            "reading the catalog: SELECT command denied (MariaDB error 1142)".into(),
        )),
    );
    assert!(
        matches!(&h.app.popup, Some(Popup::Message { error: true, body, .. }) if body[0].contains("denied"))
    );
    h.key("enter");
    assert!(h.app.popup.is_none());
}

/// After a failed connection, switching to another server clears what was said about the old
/// one: the status line and the title's "not connected" (issue 17 item 13).
#[test]
fn a_reconnect_clears_the_old_status() {
    use lightning_tables::db::options::{ConnectionConfig, Endpoint};
    let mut h = Harness::new();
    h.reply(
        |k| matches!(k, RequestKind::Connect),
        ResponseKind::Failed(Failure::Server(
            "cannot connect to the server: Connection refused".into(),
        )),
    );
    assert!(status_line(&h.app).0.contains("Connection refused"));
    h.app.connect_to(ConnectionConfig {
        user: "root".into(),
        password: None,
        endpoint: Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port: 3400,
        },
        database: Some("shop".into()),
        tls: None,
        connect_timeout: std::time::Duration::from_secs(5),
    });
    assert!(!status_line(&h.app).0.contains("Connection refused"));
    let title = h
        .render(160, 48)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(!title.contains("not connected"), "{title}");
    assert!(title.contains("root@127.0.0.1:3400"), "{title}");
}

/// A popup stops scrolling at its last line, and g/G/Home/End go to its top and end.
#[test]
fn popups_stop_scrolling_at_their_end_and_honour_g_and_end() {
    let mut h = Harness::new();
    h.msg(Msg::Resize(80, 24));
    h.key("?");
    // Outside the demo the help lists neither the demo's keys nor F3 (its dashboard).
    let screen = h.render(80, 24);
    assert!(screen.contains(" Keys "), "{screen}");
    assert!(!screen.contains("F3"), "{screen}");
    let scroll = |h: &Harness| match &h.app.popup {
        Some(Popup::Help { scroll }) => *scroll,
        other => panic!("not the help: {other:?}"),
    };
    h.key("G");
    let end = scroll(&h);
    assert!(end > 0, "the help is longer than 24 rows");
    // The last row of text is on screen, and scrolling on does not move past it.
    for k in ["j", "down", "pagedown"] {
        h.key(k);
        assert_eq!(scroll(&h), end, "{k}");
    }
    h.key("home");
    assert_eq!(scroll(&h), 0);
    h.key("end");
    assert_eq!(scroll(&h), end);
    h.key("g");
    assert_eq!(scroll(&h), 0);
    // Many page-downs land on the end, not beyond.
    for _ in 0..50 {
        h.key("pagedown");
    }
    assert_eq!(scroll(&h), end);
}

#[test]
fn help_overlay_opens_and_closes() {
    let mut h = Harness::new();
    h.key("?");
    assert!(matches!(h.app.popup, Some(Popup::Help { .. })));
    h.key("j");
    h.key("?");
    assert!(h.app.popup.is_none());
    h.key("f1");
    h.key("esc");
    assert!(h.app.popup.is_none());
}

#[test]
fn template_for_the_selected_table() {
    let mut h = Harness::new();
    h.with_shop();
    h.keys(&["j", "j", "t"]);
    // Columns are fetched first, then the template fills the editor.
    h.reply(
        |k| matches!(k, RequestKind::Columns { .. }),
        ResponseKind::Columns {
            database: "shop".into(),
            table: "orders".into(),
            columns: order_columns(),
        },
    );
    assert_eq!(h.app.focus, PaneId::Editor);
    // `orders_by_status` exists already: the proposed name is one that does not.
    assert_eq!(h.app.editor.name, "orders_by_status_2");
    assert_eq!(
        h.app.editor.text(),
        "SELECT status,\n       COUNT(*) AS n,\n       SUM(amount) AS total_amount\nFROM orders\nGROUP BY status"
    );
    assert!(h.last(is_preview).is_some());
    // Undo brings back the empty editor in one step.
    h.key("ctrl-z");
    assert_eq!(h.app.editor.text(), "");
}

/// `t` on a summary writes a query on its base table, not on the summary's view.
#[test]
fn template_on_a_summary_queries_its_base_table() {
    let mut h = Harness::new();
    h.with_shop();
    h.keys(&["j", "j", "j"]);
    assert_eq!(
        h.app
            .schema
            .selected
            .as_ref()
            .and_then(|s| s.table.as_deref()),
        Some("orders_by_status")
    );
    h.key("t");
    let asked = h.last(|k| matches!(k, RequestKind::Columns { .. }));
    assert!(
        matches!(asked.as_ref().map(|r| &r.kind), Some(RequestKind::Columns { table, .. }) if table == "orders"),
        "{asked:?}"
    );
    h.reply(
        |k| matches!(k, RequestKind::Columns { .. }),
        ResponseKind::Columns {
            database: "shop".into(),
            table: "orders".into(),
            columns: order_columns(),
        },
    );
    assert!(
        h.app.editor.text().contains("FROM orders\n"),
        "{}",
        h.app.editor.text()
    );
    assert_eq!(h.app.editor.name, "orders_by_status_2");
}

#[test]
fn insert_name_from_the_browser() {
    let mut h = Harness::new();
    h.with_shop();
    h.keys(&["j", "j", "i"]);
    assert_eq!(h.app.editor.text(), "orders");
    assert_eq!(h.app.focus, PaneId::Schema);
}

/// `i` spaces the name as the cursor needs: after a word, a space before it; before a word, a
/// space after it; inside brackets, none (issue 17 item 7).
#[test]
fn insert_name_spaces_it_as_the_cursor_needs() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT COUNT(*) FROM");
    h.key("backtab");
    h.keys(&["j", "j", "i"]);
    assert_eq!(h.app.editor.text(), "SELECT COUNT(*) FROM orders");
    // Before a word: the space goes after, and the cursor stays right after the name.
    h.key("tab");
    h.key("home");
    h.key("backtab");
    h.key("i");
    assert_eq!(h.app.editor.text(), "orders SELECT COUNT(*) FROM orders");
    assert_eq!(h.app.editor.cursor(), (0, 6));
}

#[test]
fn external_editor_round_trip_and_history() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT 1");
    h.key("ctrl-e");
    assert_eq!(h.edits, vec!["SELECT 1".to_string()]);
    h.msg(Msg::ExternalEdited(Ok(
        "SELECT status, COUNT(*) FROM orders GROUP BY status\n".into(),
    )));
    assert_eq!(
        h.app.editor.text(),
        "SELECT status, COUNT(*) FROM orders GROUP BY status"
    );
    assert!(h.app.preview.waiting);
    h.msg(Msg::ExternalEdited(Err(
        lightning_tables::tui::terminal::EditorError::Spawn {
            program: "vi".into(),
            reason: "not found".into(),
        },
    )));
    assert!(status_line(&h.app).0.contains("vi: not found"));
    // History: older and newer queries, then the draft again.
    assert!(h.app.history.push("SELECT a FROM t").is_ok());
    h.key("ctrl-p");
    assert_eq!(h.app.editor.text(), "SELECT a FROM t");
    h.key("ctrl-n");
    assert_eq!(
        h.app.editor.text(),
        "SELECT status, COUNT(*) FROM orders GROUP BY status"
    );
}

#[test]
fn mouse_click_focuses_panes_and_tabs() {
    let mut h = Harness::new();
    h.with_shop();
    h.msg(Msg::Resize(80, 24));
    let areas = h.app.areas();
    h.click(areas.editor.x + 3, areas.editor.y + 2);
    assert_eq!(h.app.focus, PaneId::Editor);
    let shared = areas.preview.unwrap_or_default();
    // The tab strip: " Preview │ Summaries │ Compare ".
    h.click(shared.x + 2 + 10 + 1, shared.y);
    assert_eq!(h.app.focus, PaneId::Summaries);
    h.click(areas.schema.x + 2, areas.schema.y + 1);
    assert_eq!(h.app.focus, PaneId::Schema);
    assert_eq!(
        h.app.schema.selected.as_ref().map(|s| s.database.as_str()),
        Some("analytics")
    );
}

#[test]
fn clicking_a_summary_selects_it() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("a_by_x", "ready"), report("b_by_y", "ready")]),
    );
    let r = h.app.areas().summaries.unwrap_or_default();
    // Items are two rows high: the second starts three rows below the border.
    h.click(r.x + 4, r.y + 3);
    assert_eq!(h.app.summaries.selected, 1);
    h.click(r.x + 4, r.y + 1);
    assert_eq!(h.app.summaries.selected, 0);
}

#[test]
fn key_overrides_are_read_from_a_file() {
    use lightning_tables::tui::keymap::{Action, Context, Keymap};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("keys.toml");
    assert!(
        Keymap::load(&path).is_ok(),
        "a missing file means the defaults"
    );
    std::fs::write(&path, "[summaries]\ndrop = \"X\"\n").unwrap_or_else(|e| panic!("{e}"));
    let km = Keymap::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let x = lightning_tables::tui::keymap::parse_key("X").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        km.resolve(Context::Summaries, &x, false),
        Some(Action::Drop)
    );
    std::fs::write(&path, "[summaries]\ndrop = 3\n").unwrap_or_else(|e| panic!("{e}"));
    let err = Keymap::load(&path).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("keys.toml") && err.contains("drop"), "{err}");
}

#[test]
fn footer_follows_focus() {
    let km = lightning_tables::tui::keymap::Keymap::default();
    let labels = |c| {
        km.footer(c)
            .into_iter()
            .map(|(k, l)| format!("{k} {l}"))
            .collect::<Vec<_>>()
    };
    use lightning_tables::tui::keymap::Context;
    assert!(labels(Context::Summaries).contains(&"d drop".to_string()));
    assert!(labels(Context::Editor).contains(&"F5 preview".to_string()));
    assert!(
        labels(Context::Editor).contains(&"F1 help".to_string()),
        "{:?}",
        labels(Context::Editor)
    );
    assert_eq!(labels(Context::Schema)[0], "? help");
    assert!(!labels(Context::Editor).contains(&"q quit".to_string()));
    assert!(labels(Context::Schema).contains(&"q quit".to_string()));
}

#[test]
fn the_selection_follows_the_summary_across_refreshes_and_jobs() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("a_by_x", "ready"), report("b_by_y", "ready")]),
    );
    h.key("j");
    let selected = |h: &Harness| h.app.selected_summary().map(|s| s.name);
    assert_eq!(selected(&h).as_deref(), Some("b_by_y"));
    // A refresh that lists a new summary before it keeps b_by_y selected.
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![
            report("a_by_x", "ready"),
            report("aa_new", "ready"),
            report("b_by_y", "ready"),
        ]),
    );
    assert_eq!(selected(&h).as_deref(), Some("b_by_y"));
    // Starting a rebuild of it keeps it selected: a following `d` must target it.
    h.key("b");
    h.key("enter");
    assert!(h
        .last(|k| matches!(k, RequestKind::Rebuild { name, .. } if name == "b_by_y"))
        .is_some());
    assert_eq!(selected(&h).as_deref(), Some("b_by_y"));
    // Its catalog row gone (the rebuild still running), the selection stays on its job's row.
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("a_by_x", "ready")]),
    );
    assert_eq!(selected(&h).as_deref(), Some("b_by_y"));

    // A create that finishes before any refresh lists it: the selection stays on it through
    // its end and the refresh that follows (seen in a real run: Enter then compared another).
    h.app.summaries.jobs.clear();
    h.app.focus_pane(PaneId::Editor);
    h.app
        .editor
        .set_text("SELECT status, COUNT(*) AS n FROM orders GROUP BY status");
    h.key("f5");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.key("ctrl-s");
    h.key("y");
    let Some(Request {
        id,
        kind: RequestKind::Create { name: created, .. },
    }) = h.last(|k| matches!(k, RequestKind::Create { .. }))
    else {
        panic!("no create")
    };
    assert_eq!(selected(&h).as_deref(), Some(created.as_str()));
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Finished(JobOutcome::Built(BuiltReport {
            schema: "shop".into(),
            name: created.clone(),
            rows: 10,
            backfill_secs: 0.1,
            lock_ms: 1.0,
        })),
    }));
    assert_eq!(selected(&h).as_deref(), Some(created.as_str()));
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![
            report("a_by_x", "ready"),
            report(&created, "ready"),
            report("zz_last", "ready"),
        ]),
    );
    assert_eq!(selected(&h).as_deref(), Some(created.as_str()));
}

/// A create of `orders_by_status` running at 42 % (its triggers live).
fn backfilling_at_42(h: &mut Harness) -> RequestId {
    h.with_shop();
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![]),
    );
    let id = created(h);
    for kind in [
        ResponseKind::Progress(Event::Locked {
            lock_ms: 4.5,
            wait_ms: 0.1,
        }),
        ResponseKind::Progress(Event::Progress(Progress {
            rows_done: 420,
            rows_total: 1000,
            percent: 42.0,
            rate: 2000.0,
            eta_secs: 0.29,
            chunk_size: 250,
            chunks: 2,
        })),
    ] {
        h.msg(Msg::Worker(Response { id, kind }));
    }
    id
}

fn popup_text(h: &Harness) -> String {
    match &h.app.popup {
        Some(Popup::Confirm { title, body, .. }) => format!("{title}\n{}", body.join("\n")),
        other => panic!("no confirmation: {other:?}"),
    }
}

#[test]
fn quitting_during_a_backfill_asks_and_says_how_to_continue() {
    let mut h = Harness::new();
    let id = backfilling_at_42(&mut h);
    // q asks instead of quitting; the question says what is left and how to continue.
    h.key("q");
    assert!(!h.app.quit);
    let text = popup_text(&h);
    assert!(text.contains("shop.orders_by_status"), "{text}");
    assert!(text.contains("stops at 42%"), "{text}");
    assert!(text.contains("triggers stay live"), "{text}");
    assert!(
        text.contains("lightning -D shop resume orders_by_status") && text.contains("u on it"),
        "{text}"
    );
    // Enter is not a yes; n keeps the UI and the job.
    h.key("enter");
    assert!(!h.app.quit && h.app.popup.is_some());
    assert!(status_line(&h.app).0.contains("Enter does not quit"));
    h.key("n");
    assert!(!h.app.quit && h.app.popup.is_none());
    // Ctrl-C asks too; a second Ctrl-C stops the backfill as `x` does and quits once it has
    // stopped (its owner cleared in the catalog), leaving the farewell line.
    h.key("ctrl-c");
    assert!(!h.app.quit && h.app.popup.is_some());
    h.key("ctrl-c");
    assert!(!h.app.quit && h.app.popup.is_none());
    let Some(Request {
        kind: RequestKind::Cancel { target },
        ..
    }) = h.last(|k| matches!(k, RequestKind::Cancel { .. }))
    else {
        panic!("quitting did not stop the backfill")
    };
    assert_eq!(target, id);
    assert!(status_line(&h.app).0.contains("Stopping the backfill"));
    // Other keys wait with it; the stop's answer quits.
    h.key("tab");
    h.tick(1000);
    assert!(!h.app.quit);
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Cancelled,
    }));
    assert!(h.app.quit);
    assert_eq!(h.app.farewell.len(), 1, "{:?}", h.app.farewell);
    assert!(
        h.app.farewell[0].contains("stopped at 42%")
            && h.app.farewell[0].ends_with("lightning -D shop resume orders_by_status"),
        "{:?}",
        h.app.farewell
    );

    // y quits from the question as well.
    let mut h = Harness::new();
    let id = backfilling_at_42(&mut h);
    h.key("q");
    h.key("y");
    assert!(!h.app.quit);
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Cancelled,
    }));
    assert!(h.app.quit);
}

/// A stop that does not come in time (a chunk stuck on the server): quitting leaves anyway at
/// the deadline, or at once on a second q, and says the job ended as a killed one would.
#[test]
fn quitting_waits_for_the_stop_only_so_long() {
    let mut h = Harness::new();
    backfilling_at_42(&mut h);
    h.key("q");
    h.key("y");
    h.tick(9_000);
    assert!(!h.app.quit);
    h.tick(1_500);
    assert!(h.app.quit);
    assert!(
        h.app.farewell[0].contains("interrupted at 42%"),
        "{:?}",
        h.app.farewell
    );

    let mut h = Harness::new();
    backfilling_at_42(&mut h);
    h.key("q");
    h.key("y");
    h.key("q");
    assert!(h.app.quit);
    assert!(h.app.farewell[0].contains("interrupted at 42%"));

    // A job that finishes before the stop lands leaves nothing to say.
    let mut h = Harness::new();
    let id = backfilling_at_42(&mut h);
    h.key("q");
    h.key("y");
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Finished(JobOutcome::Built(BuiltReport {
            schema: "shop".into(),
            name: "orders_by_status".into(),
            rows: 1000,
            backfill_secs: 0.5,
            lock_ms: 4.5,
        })),
    }));
    assert!(
        h.app.quit && h.app.farewell.is_empty(),
        "{:?}",
        h.app.farewell
    );
}

#[test]
fn quitting_asks_only_while_a_job_runs_and_names_the_stage() {
    // Nothing running: q quits at once.
    let mut h = Harness::new();
    h.with_shop();
    h.key("q");
    assert!(h.app.quit && h.app.farewell.is_empty());

    // Waiting for the lock: the triggers are not live yet.
    let mut h = Harness::new();
    h.with_shop();
    let id = created(&mut h);
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Progress(Event::LockRetry { attempt: 2 }),
    }));
    h.key("q");
    assert!(popup_text(&h).contains("triggers are not live yet"));
    h.key("esc");

    // Every row read: only finishing is left.
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Progress(Event::Done {
            rows: 1000,
            seconds: 0.5,
        }),
    }));
    h.key("q");
    assert!(popup_text(&h).contains("only the finishing steps"));
    h.key("esc");

    // Finished: q quits without asking.
    h.msg(Msg::Worker(Response {
        id,
        kind: ResponseKind::Finished(JobOutcome::Built(BuiltReport {
            schema: "shop".into(),
            name: "orders_by_status".into(),
            rows: 1000,
            backfill_secs: 0.5,
            lock_ms: 4.5,
        })),
    }));
    h.key("q");
    assert!(h.app.quit && h.app.farewell.is_empty());
}

#[test]
fn a_rebuild_interrupted_by_quitting_keeps_readers_on_the_current_generation() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("b");
    h.key("y");
    assert!(h
        .last(|k| matches!(k, RequestKind::Rebuild { .. }))
        .is_some());
    h.key("q");
    let text = popup_text(&h);
    assert!(
        text.contains("rebuild stops and is given up")
            && text.contains("Readers keep the current generation")
            && text.contains("`lightning -D shop rebuild orders_by_status`"),
        "{text}"
    );
    h.key("y");
    h.reply(
        |k| matches!(k, RequestKind::Rebuild { .. }),
        ResponseKind::Cancelled,
    );
    assert!(h.app.quit);
    assert!(
        h.app.farewell[0].contains("given up; readers keep the current generation"),
        "{:?}",
        h.app.farewell
    );
}

fn footer(h: &mut Harness) -> String {
    let screen = h.render(160, 48);
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_footer_shows_stop_pause_and_resume_when_they_apply() {
    let mut h = Harness::new();
    backfilling_at_42(&mut h);
    let f = footer(&mut h);
    assert!(f.contains("x stop") && f.contains("p pause"), "{f}");
    assert!(!f.contains("u resume"), "{f}");
    h.key("p");
    assert!(footer(&mut h).contains("p continue"));
    // Esc does not stop the backfill and says which key does.
    h.key("esc");
    assert!(h
        .last(|k| matches!(k, RequestKind::Cancel { .. }))
        .is_none());
    assert!(
        status_line(&h.app)
            .0
            .contains("Esc does not stop a backfill: x stops it"),
        "{:?}",
        status_line(&h.app)
    );
    // x stops it: no stop or pause key while it stops.
    h.key("x");
    assert!(h
        .last(|k| matches!(k, RequestKind::Cancel { .. }))
        .is_some());
    let f = footer(&mut h);
    assert!(!f.contains("x stop") && !f.contains("pause"), "{f}");

    // An interrupted summary offers resume, not stop or pause.
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Summaries);
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("orders_by_status", "backfilling")]),
    );
    let f = footer(&mut h);
    assert!(f.contains("u resume"), "{f}");
    assert!(!f.contains("x stop") && !f.contains("pause"), "{f}");
    // A ready one: neither.
    h.key("r");
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("orders_by_status", "ready")]),
    );
    let f = footer(&mut h);
    assert!(
        !f.contains("u resume") && !f.contains("stop") && f.contains("d drop"),
        "{f}"
    );
}

#[test]
fn progress_says_the_phase_and_no_eta_after_the_rows() {
    let mut h = Harness::new();
    h.with_shop();
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![]),
    );
    let id = created(&mut h);
    let send = |h: &mut Harness, kind| h.msg(Msg::Worker(Response { id, kind }));
    send(
        &mut h,
        ResponseKind::Progress(Event::LockRetry { attempt: 1 }),
    );
    let screen = h.render(160, 48);
    assert!(screen.contains("waiting for the table lock"), "{screen}");
    assert!(!screen.contains("ETA"), "{screen}");
    send(
        &mut h,
        ResponseKind::Progress(Event::Locked {
            lock_ms: 4.5,
            wait_ms: 0.1,
        }),
    );
    // The estimate is marked as such, and the gauge is not full while it is exceeded.
    send(
        &mut h,
        ResponseKind::Progress(Event::Progress(Progress {
            rows_done: 1100,
            rows_total: 1000,
            percent: 100.0,
            rate: 2000.0,
            eta_secs: 0.0,
            chunk_size: 250,
            chunks: 5,
        })),
    );
    let screen = h.render(160, 48);
    assert!(screen.contains("1100/~1000 rows · 99%"), "{screen}");
    assert!(screen.contains("backfilling · 2000 rows/s"), "{screen}");
    assert!(!screen.contains("ETA 0 s"), "{screen}");
    send(
        &mut h,
        ResponseKind::Progress(Event::Done {
            rows: 1200,
            seconds: 0.6,
        }),
    );
    let screen = h.render(160, 48);
    assert!(screen.contains("1200/1200 rows · 100%"), "{screen}");
    assert!(screen.contains("finalizing"), "{screen}");
    assert!(!screen.contains("ETA"), "{screen}");
    send(
        &mut h,
        ResponseKind::Progress(Event::Finalized {
            lock_ms: 1.0,
            wait_ms: 0.0,
        }),
    );
    assert!(h.render(160, 48).contains("folding the regions"));
}

#[test]
fn a_pasted_query_keeps_its_lines_and_ctrl_l_redraws() {
    let mut h = Harness::new();
    h.with_shop();
    // Pasted with the schema focused: the query goes to the editor, CR and CRLF as newlines.
    h.msg(Msg::Paste(
        "SELECT status,\r\n  COUNT(*) AS n\rFROM orders\r\nGROUP BY status".into(),
    ));
    assert_eq!(h.app.focus, PaneId::Editor);
    assert_eq!(
        h.app.editor.text(),
        "SELECT status,\n  COUNT(*) AS n\nFROM orders\nGROUP BY status"
    );
    let screen = h.render(80, 24);
    assert!(!screen.contains('\r'), "{screen}");
    h.tick(400);
    assert!(h.last(is_preview).is_some(), "the paste is previewed");
    // Into the filter, only the first line.
    h.key("backtab");
    h.key("/");
    h.msg(Msg::Paste("ord\r\nignored".into()));
    assert_eq!(h.app.schema.filter, "ord");
    h.key("esc");
    // Into the name, only what a name may hold.
    h.key("tab");
    h.key("f2");
    h.msg(Msg::Paste("my summary\r\n".into()));
    let Some(Popup::Rename { text }) = &h.app.popup else {
        panic!("no rename popup")
    };
    assert!(text.ends_with("mysummary"), "{text}");
    h.key("esc");
    assert_eq!(h.redraws, 0);
    h.key("ctrl-l");
    assert_eq!(h.redraws, 1);
    assert!(!h.app.quit);
}

#[test]
fn an_idle_ui_asks_for_no_frames() {
    let mut h = Harness::new();
    h.with_shop();
    h.tick(50);
    while h.app.take_dirty() {
        h.tick(50);
    }
    // Nothing waited on, nothing animating: ticks draw nothing, and the loop may sleep until
    // the summary list's next refresh rather than wake every tick.
    for _ in 0..20 {
        h.tick(50);
        assert!(!h.app.take_dirty());
        assert!(
            h.app.wait() > TICK,
            "idle, the loop sleeps: {:?}",
            h.app.wait()
        );
        assert!(h.app.wait() <= REFRESH_IDLE);
    }
    // A key does.
    h.key("j");
    assert!(h.app.take_dirty());
    // A request waited on animates its spinner: every tick draws until it is answered.
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    assert_eq!(h.app.wait(), TICK, "a preview is due after the debounce");
    h.tick(400);
    assert!(h.app.take_dirty());
    assert_eq!(h.app.wait(), TICK, "the preview is waited on");
    h.tick(50);
    assert!(h.app.take_dirty(), "the spinner moves");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    assert!(h.app.take_dirty());
    h.tick(50);
    assert!(!h.app.take_dirty());
    assert!(h.app.wait() > TICK);
}

#[test]
fn an_idle_ui_wakes_for_the_summary_refresh() {
    let mut h = Harness::new();
    h.with_shop();
    h.tick(50);
    let wait = h.app.wait();
    assert!(wait > TICK && wait <= REFRESH_IDLE, "{wait:?}");
    // Sleeping that long makes the refresh due: the list is asked for again, and while that
    // answer is awaited the loop ticks.
    let before = h
        .sent
        .iter()
        .filter(|r| matches!(r.kind, RequestKind::Summaries))
        .count();
    h.tick(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
    let after = h
        .sent
        .iter()
        .filter(|r| matches!(r.kind, RequestKind::Summaries))
        .count();
    assert_eq!(after, before + 1, "the refresh is due after the wait");
    assert_eq!(h.app.wait(), TICK);
    h.reply(
        |k| matches!(k, RequestKind::Summaries),
        ResponseKind::Summaries(vec![report("orders_by_status", "ready")]),
    );
    assert!(h.app.wait() > TICK);
}

/// A differing comparison of a wide result, focused in the compare pane.
fn differing_comparison() -> Harness {
    let mut h = Harness::new();
    h.app.focus_pane(PaneId::Compare);
    let set = |rows: &[[&str; 4]]| ResultSet {
        columns: vec![
            "status".into(),
            "day".into(),
            "n".into(),
            "total_amount".into(),
        ],
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| v.to_string()).collect())
            .collect(),
        micros: 1_000,
    };
    h.app.compare.set_result(Some(CompareResult {
        schema: "shop".into(),
        name: "orders_by_day".into(),
        query: set(&[
            ["new", "2026-01-01", "3", "148965.30"],
            ["paid", "2026-01-01", "5", "10.00"],
            ["paid", "2026-01-02", "7", "70.00"],
        ]),
        summary: set(&[
            ["paid", "2026-01-02", "7", "70.00"],
            ["new", "2026-01-01", "3", "148965.31"],
            ["shipped", "2026-01-03", "1", "1.00"],
        ]),
        matches: false,
    }));
    h
}

#[test]
fn compare_grid_pairs_rows_and_walks_differences() {
    let mut h = differing_comparison();
    let grid = h.app.compare.grid().clone();
    // Rows stand beside their twin; the row with one wrong cell beside its group's row.
    assert_eq!(
        grid.rows,
        vec![
            (Some(0), Some(1)),
            (Some(1), None),
            (Some(2), Some(0)),
            (None, Some(2))
        ]
    );
    assert_eq!(grid.numeric, vec![false, false, true, true]);
    // The cursor starts on the first differing cell.
    assert_eq!((h.app.compare.row, h.app.compare.col), (0, 3));
    h.key("n");
    assert_eq!((h.app.compare.row, h.app.compare.col), (1, 0));
    h.key("N");
    assert_eq!((h.app.compare.row, h.app.compare.col), (0, 3));
    h.key("N");
    assert_eq!((h.app.compare.row, h.app.compare.col), (3, 3), "wraps");
    h.keys(&["h", "left"]);
    assert_eq!(h.app.compare.col, 1);
    h.keys(&["l", "right", "right", "l"]);
    assert_eq!(h.app.compare.col, 3, "stops at the last column");
    h.keys(&["g"]);
    assert_eq!(h.app.compare.row, 0);
    h.keys(&["j", "j", "j", "j"]);
    assert_eq!(h.app.compare.row, 3, "stops at the last row");
}

#[test]
fn next_difference_says_when_there_is_none() {
    let mut h = Harness::new();
    h.app.focus_pane(PaneId::Compare);
    h.key("n");
    assert!(status_line(&h.app).0.contains("Nothing compared"));
    let set = ResultSet {
        columns: vec!["n".into()],
        rows: vec![vec!["1".into()]],
        micros: 1,
    };
    h.app.compare.set_result(Some(CompareResult {
        schema: "shop".into(),
        name: "total".into(),
        query: set.clone(),
        summary: set,
        matches: true,
    }));
    h.key("n");
    assert!(status_line(&h.app).0.contains("No differing cell"));
    assert_eq!((h.app.compare.row, h.app.compare.col), (0, 0));
}

#[test]
fn export_key_writes_the_migration_and_copies_it() {
    use lightning_tables::tui::export::{carry_out, osc52};
    let mut h = Harness::new();
    h.with_shop();
    h.app.focus_pane(PaneId::Preview);
    h.key("e");
    assert!(h.exports.is_empty());
    assert!(status_line(&h.app).0.contains("Nothing to export"));
    h.app.focus_pane(PaneId::Editor);
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    h.key("f5");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.app.focus_pane(PaneId::Preview);
    h.key("e");
    let [export] = h
        .exports
        .clone()
        .try_into()
        .unwrap_or_else(|e| panic!("{e:?}"));
    let names: Vec<String> = export
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "shop.orders_by_status.sql",
            "shop.orders_by_status.drop.sql"
        ]
    );
    // Carried out: both files written, the migration sent to the terminal's clipboard.
    let dir = std::env::temp_dir().join(format!("lt-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut terminal = Vec::new();
    let answer = carry_out(&export, &dir, &mut terminal);
    h.msg(answer);
    assert!(status_line(&h.app)
        .0
        .contains("shop.orders_by_status.drop.sql"));
    let doc = preview_doc();
    let migration = doc.migration.unwrap_or_else(|| panic!("no migration"));
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read("shop.orders_by_status.sql"), migration.apply);
    assert_eq!(read("shop.orders_by_status.drop.sql"), migration.drop);
    assert_eq!(String::from_utf8_lossy(&terminal), osc52(&migration.apply));
    // A directory that cannot be written is reported, not ignored.
    let answer = carry_out(&export, &dir.join("missing"), &mut Vec::new());
    h.msg(answer);
    assert!(status_line(&h.app).0.contains("Cannot write"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shop schema with the columns of `orders` loaded, the editor focused.
fn editing_with_columns() -> Harness {
    let mut h = Harness::new();
    h.with_orders_open();
    h.app.focus_pane(PaneId::Editor);
    h
}

#[test]
fn completion_of_columns_aliases_tables_and_keywords() {
    let mut h = editing_with_columns();
    // One proposal is taken at once.
    h.type_text("SELECT stat");
    h.key("ctrl-space");
    assert_eq!(h.app.editor.text(), "SELECT status");
    assert!(h.app.completion.is_none());
    // After an alias: the aliased table's columns only; the list filters as one types.
    h.type_text(", COUNT(*) FROM orders o WHERE o.c");
    h.key("ctrl-space");
    let texts = |h: &Harness| -> Vec<String> {
        h.app
            .completion
            .as_ref()
            .map(|c| c.items.iter().map(|i| i.text.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(texts(&h), ["customer_id", "created_at"]);
    h.type_text("r");
    assert_eq!(texts(&h), ["created_at"]);
    h.key("backspace");
    h.keys(&["down", "enter"]);
    assert!(h.app.completion.is_none());
    assert!(
        h.app.editor.text().ends_with("WHERE o.created_at"),
        "{}",
        h.app.editor.text()
    );
    // Keywords follow the case typed; functions come with their parenthesis; Esc closes.
    h.type_text(" > 0 gr");
    h.key("ctrl-space");
    assert!(
        h.app.editor.text().ends_with(" > 0 group by"),
        "{}",
        h.app.editor.text()
    );
    h.type_text(" CO");
    h.key("ctrl-space");
    assert_eq!(texts(&h), ["COUNT(", "COALESCE(", "CONCAT("]);
    h.key("esc");
    assert!(h.app.completion.is_none());
    assert!(h.app.editor.text().ends_with(" CO"));
    // Tables by name; nothing at all is said so.
    h.app.editor.set_text("SELECT COUNT(*) FROM cu");
    h.key("ctrl-space");
    assert_eq!(h.app.editor.text(), "SELECT COUNT(*) FROM customers");
    h.type_text(" zzz");
    h.key("ctrl-space");
    assert!(status_line(&h.app).0.contains("Nothing completes"));
}

#[test]
fn every_previewed_query_is_in_the_history_and_ctrl_r_finds_it() {
    let mut h = editing_with_columns();
    let preview = |h: &mut Harness| {
        h.key("f5");
        h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    };
    h.type_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    preview(&mut h);
    // Edited further: the same entry follows the query, no entry per keystroke.
    h.type_text(" HAVING COUNT(*) > 1");
    preview(&mut h);
    assert_eq!(
        h.app.history.entries(),
        ["SELECT status, COUNT(*) FROM orders GROUP BY status HAVING COUNT(*) > 1"]
    );
    // A new query (here from a template) makes a new entry.
    h.app.focus_pane(PaneId::Schema);
    h.key("t");
    preview(&mut h);
    assert_eq!(h.app.history.entries().len(), 2);
    let template = h.app.history.entries()[1].clone();
    // Ctrl-R: incremental search, newest first; Ctrl-R again goes to older matches.
    h.app.focus_pane(PaneId::Editor);
    h.key("ctrl-r");
    h.type_text("count");
    let found = |h: &Harness| {
        h.app
            .history_search
            .as_ref()
            .and_then(|s| s.found(h.app.history.entries()))
            .map(str::to_string)
    };
    assert_eq!(found(&h).as_deref(), Some(template.as_str()));
    h.key("ctrl-r");
    assert!(found(&h).is_some_and(|f| f.contains("HAVING")));
    h.key("ctrl-r");
    assert!(
        found(&h).is_some_and(|f| f.contains("HAVING")),
        "stays on the oldest"
    );
    h.type_text("zzz");
    assert_eq!(found(&h), None);
    // Editing the needle starts again from the newest match; Enter takes it.
    h.keys(&["backspace", "backspace", "backspace"]);
    assert_eq!(found(&h).as_deref(), Some(template.as_str()));
    h.key("enter");
    assert!(h.app.history_search.is_none());
    assert_eq!(h.app.editor.text(), template);
    // Recalled: no second entry for it.
    preview(&mut h);
    assert_eq!(h.app.history.entries().len(), 2);
}

/// Paste works wherever text is typed (issue 17 item 8): a tuning field takes the first line
/// of the paste (control characters left out), the history search its first line as the
/// needle; an open completion list closes before a paste into the query.
#[test]
fn paste_goes_into_the_tuning_form_and_the_history_search() {
    let mut h = Harness::new();
    h.with_shop();
    h.key("tab");
    h.type_text("SELECT status, COUNT(*) AS n FROM orders GROUP BY status");
    h.key("f5");
    h.reply(is_preview, ResponseKind::Preview(Ok(preview_doc())));
    h.key("ctrl-s");
    h.key("o");
    h.msg(Msg::Paste("2000\r\n".into()));
    h.key("tab");
    h.key("tab");
    h.msg(Msg::Paste("Threads_running=30\t\r\nignored".into()));
    let Some(Popup::Tune { form, .. }) = &h.app.popup else {
        panic!("the paste closed the form: {:?}", h.app.popup)
    };
    assert_eq!(form.texts[0], "2000");
    assert_eq!(form.texts[2], "Threads_running=30");
    h.key("enter");
    h.key("y");
    let Some(Request {
        kind: RequestKind::Create { tuning, .. },
        ..
    }) = h.last(|k| matches!(k, RequestKind::Create { .. }))
    else {
        panic!("no create")
    };
    assert_eq!(tuning.chunk_rows, Some(2000));
    assert_eq!(tuning.max_load, Some(("Threads_running".into(), 30)));

    // The history search: the paste is the needle, the query is left alone.
    h.app.focus_pane(PaneId::Editor);
    let query = h.app.editor.text();
    h.key("ctrl-r");
    h.msg(Msg::Paste("group by\r\nx".into()));
    assert_eq!(
        h.app.history_search.as_ref().map(|s| s.needle.as_str()),
        Some("group by")
    );
    assert_eq!(h.app.editor.text(), query);
    h.key("esc");

    // An open completion list closes: it was for the word before the paste.
    h.app.editor.set_text("SELECT CO");
    h.key("ctrl-space");
    assert!(h.app.completion.is_some());
    h.msg(Msg::Paste("UNT(*)".into()));
    assert!(h.app.completion.is_none());
    assert_eq!(h.app.editor.text(), "SELECT COUNT(*)");
}

/// The name of a typed query follows its table (issue 17 item 9): a preview while the query
/// does not parse yet leaves "summary", which the first parsing preview replaces; another table
/// gets its own name; a taken name gets a suffix; a name the user chose stays.
#[test]
fn the_automatic_name_follows_the_querys_table() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.summaries.list = Some(vec![
        report("orders_by_status", "ready"),
        report("customers_summary", "ready"),
    ]);
    h.key("tab");
    let name = |h: &Harness| match h.last(is_preview) {
        Some(Request {
            kind: RequestKind::Preview { name, .. },
            ..
        }) => name,
        other => panic!("no preview: {other:?}"),
    };
    // A pause while typing previews an incomplete query.
    h.type_text("SELECT status, COUNT(*) FROM");
    h.tick(400);
    assert_eq!(name(&h), "summary");
    h.type_text(" orders GROUP BY status");
    h.tick(400);
    assert_eq!(name(&h), "orders_summary");
    // The query moves to another table: so does the name, not onto a taken one.
    h.app
        .editor
        .set_text("SELECT country, COUNT(*) FROM customers GROUP BY country");
    h.key("f5");
    assert_eq!(name(&h), "customers_summary_2");
    // Edits on the same table keep it.
    h.type_text(" ");
    h.key("f5");
    assert_eq!(name(&h), "customers_summary_2");
    // A chosen name stays, whatever the table.
    h.key("f2");
    for _ in 0..30 {
        h.key("backspace");
    }
    h.type_text("by_country");
    h.key("enter");
    h.app
        .editor
        .set_text("SELECT status, COUNT(*) FROM orders GROUP BY status");
    h.key("f5");
    assert_eq!(name(&h), "by_country");
}

/// At 80 columns the footer shows the hints that fit whole, none cut in the middle (seen in a
/// real run: `Tab next p`).
#[test]
fn the_footer_leaves_out_hints_that_do_not_fit() {
    let mut h = Harness::new();
    h.with_shop();
    let screen = h.render(80, 24);
    let footer = screen
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches('"')
        .trim_end()
        .to_string();
    assert!(footer.ends_with("t template query"), "{footer:?}");
    let screen = h.render(160, 48);
    let footer = screen
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches('"')
        .trim_end()
        .to_string();
    assert!(footer.ends_with("q quit"), "{footer:?}");
}
