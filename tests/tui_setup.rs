//! State transitions of the connection setup wizard and of the guide that
//! follows it: keys and worker answers in, requests and effects out; no
//! terminal, no server.

mod support;

use lightning_tables::db::connect::ConnectFailure;
use lightning_tables::db::options::profile::Profile;
use lightning_tables::db::options::{ConnectionConfig, Endpoint};
use lightning_tables::tui::app::{Msg, StatusKind};
use lightning_tables::tui::guide::stage;
use lightning_tables::tui::setup::form::Field;
use lightning_tables::tui::setup::{SetupContext, Source, SourceKind, Step};
use lightning_tables::tui::ui::status_line;
use lightning_tables::tui::worker::*;
use support::tui::*;

fn is_diagnose(k: &RequestKind) -> bool {
    matches!(k, RequestKind::Diagnose { .. })
}

fn step(h: &Harness) -> Option<Step> {
    h.app.wizard.as_ref().map(|w| w.step)
}

fn focus(h: &Harness) -> Option<Field> {
    h.app.wizard.as_ref().map(|w| w.form.focus)
}

fn tested_config(h: &Harness) -> ConnectionConfig {
    match h.last(is_diagnose) {
        Some(Request {
            kind: RequestKind::Diagnose { config },
            ..
        }) => config,
        other => panic!("no diagnose request: {other:?}"),
    }
}

/// Fills the first-run form with port 3399 and a password, and submits it.
fn submitted() -> Harness {
    let mut h = Harness::first_run(nothing_known());
    // Host is focused: go to the port, replace it.
    h.key("tab");
    h.key("ctrl-u");
    h.type_text("3399");
    h.keys(&["tab", "ctrl-u"]);
    h.type_text("root");
    h.key("tab");
    h.type_text("pw-secret");
    h.key("enter");
    h
}

#[test]
fn first_run_opens_the_form_and_sends_nothing() {
    let mut h = Harness::first_run(nothing_known());
    assert_eq!(step(&h), Some(Step::Form), "no known connection: the form");
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    for _ in 0..400 {
        h.tick(100);
    }
    assert!(h.sent.is_empty(), "no refreshes without a server");
    assert_eq!(focus(&h), Some(Field::Host));
    // `q` is text in a field; Esc on the first page of the first run quits.
    h.type_text("q");
    assert!(!h.app.quit);
    let host = h
        .app
        .wizard
        .as_ref()
        .map(|w| w.form.host.text().to_string());
    assert_eq!(host.as_deref(), Some("127.0.0.1q"));
    h.key("esc");
    assert!(h.app.quit);
}

#[test]
fn tab_walks_the_fields_and_space_toggles() {
    let mut h = Harness::first_run(nothing_known());
    h.key("backtab");
    assert_eq!(focus(&h), Some(Field::Transport));
    h.type_text(" ");
    let w = h.app.wizard.as_ref().map(|w| w.form.fields());
    assert!(w.is_some_and(|f| f.contains(&Field::Socket) && !f.contains(&Field::Host)));
    h.type_text(" ");
    // Up from the first field wraps to the last: save as, remember, save password.
    h.keys(&["up", "up", "up"]);
    assert_eq!(focus(&h), Some(Field::SavePassword));
    h.type_text(" ");
    assert!(h.app.wizard.as_ref().is_some_and(|w| w.form.save_password));
    h.key("down");
    assert_eq!(focus(&h), Some(Field::Remember));
    h.key("down");
    assert_eq!(focus(&h), Some(Field::SaveAs));
    h.key("down");
    assert_eq!(focus(&h), Some(Field::Transport), "wraps around");
}

#[test]
fn an_invalid_port_is_explained_without_a_request() {
    let mut h = Harness::first_run(nothing_known());
    h.key("tab");
    h.type_text("x");
    h.key("enter");
    assert_eq!(step(&h), Some(Step::Form));
    assert_eq!(focus(&h), Some(Field::Port));
    assert!(h.last(is_diagnose).is_none());
    let problem = h.app.wizard.as_ref().and_then(|w| w.problem.clone());
    assert!(problem.is_some_and(|p| p.explanation.contains("1 to 65535")));
}

#[test]
fn submit_tests_the_connection_and_esc_abandons_the_test() {
    let mut h = submitted();
    assert_eq!(step(&h), Some(Step::Testing));
    let config = tested_config(&h);
    assert_eq!(
        config.endpoint,
        Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port: 3399
        }
    );
    assert_eq!(config.user, "root");
    assert_eq!(
        config
            .password
            .as_ref()
            .map(lightning_tables::db::options::Password::expose),
        Some("pw-secret")
    );
    assert!(
        !format!("{:?}", h.sent).contains("pw-secret"),
        "requests never show the password"
    );
    h.tick(100);
    assert!(status_line(&h.app).0.contains("testing the connection"));
    h.key("esc");
    assert_eq!(step(&h), Some(Step::Form));
    // The late answer changes nothing.
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    assert_eq!(step(&h), Some(Step::Form));
}

#[test]
fn a_refused_password_is_explained_and_focused() {
    let mut h = submitted();
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Err(DiagnoseFailure {
            kind: Some(ConnectFailure::AccessDenied),
            reason: "Access denied for user 'root'@'localhost' (using password: YES)".into(),
        })),
    );
    assert_eq!(step(&h), Some(Step::Form));
    assert_eq!(focus(&h), Some(Field::Password));
    let p = h.app.wizard.as_ref().and_then(|w| w.problem.clone());
    assert!(p.is_some_and(|p| p
        .explanation
        .contains("refused this user name and password")
        && p.detail.contains("Access denied")),);
    // Nothing answering at the port points at the port.
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Err(DiagnoseFailure {
            kind: Some(ConnectFailure::Refused),
            reason: "Connection refused (os error 111)".into(),
        })),
    );
    assert_eq!(focus(&h), Some(Field::Port));
}

#[test]
fn report_then_continue_saves_connects_and_starts_the_guide() {
    let mut h = submitted();
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(false)))),
    );
    assert_eq!(step(&h), Some(Step::Report));
    let before = h.sent.len();
    h.key("enter");
    assert!(h.app.wizard.is_none());
    let kinds: Vec<&RequestKind> = h.sent[before..].iter().map(|r| &r.kind).collect();
    assert!(
        matches!(kinds[0], RequestKind::Switch { config } if config.user == "root"),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| matches!(k, RequestKind::Connect)));
    assert!(kinds.iter().any(|k| matches!(k, RequestKind::Databases)));
    assert!(kinds.iter().any(|k| matches!(k, RequestKind::Summaries)));
    assert_eq!(h.app.label, "root@127.0.0.1:3399");
    assert!(!h.app.offline);
    // The profile: no password (not ticked), but asks for one at start-up.
    assert_eq!(h.saved.len(), 1);
    let p = &h.saved[0];
    assert!(p.password.is_none() && p.ask_password, "{p:?}");
    assert_eq!((p.host.as_deref(), p.port), (Some("127.0.0.1"), Some(3399)));
    h.msg(Msg::ProfileSaved {
        result: Ok("/home/x/.config/lightning-tables/profile.toml".into()),
        password: false,
    });
    assert!(matches!(&h.app.status, Some((StatusKind::Ok, t)) if t.contains("profile.toml")));
    // The guide starts at the table.
    assert!(h.app.guide_visible());
    assert_eq!(h.app.guide_stage().0, stage::TABLE);
    // Ctrl-O offers the connection just saved.
    h.key("ctrl-o");
    let w = h.app.wizard.as_ref();
    assert_eq!(w.map(|w| w.step), Some(Step::Source));
    assert_eq!(
        w.and_then(|w| w.sources.first()).map(|s| s.label.as_str()),
        Some("root@127.0.0.1:3399")
    );
    h.key("esc");
    assert!(
        h.app.wizard.is_none() && !h.app.quit,
        "Esc closes, not quits"
    );
}

#[test]
fn ticking_save_password_saves_it_and_unticking_remember_saves_nothing() {
    let mut h = Harness::first_run(nothing_known());
    h.keys(&["up", "up", "up", "up"]);
    assert_eq!(focus(&h), Some(Field::SavePassword));
    h.type_text(" ");
    h.keys(&["up", "up"]);
    assert_eq!(focus(&h), Some(Field::Password));
    h.type_text("pw-secret");
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    h.key("enter");
    assert_eq!(
        h.saved[0]
            .password
            .as_ref()
            .map(lightning_tables::db::options::Password::expose),
        Some("pw-secret")
    );

    let mut h = Harness::first_run(nothing_known());
    h.keys(&["up", "up", "up"]);
    assert_eq!(focus(&h), Some(Field::Remember));
    h.type_text(" ");
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    h.key("enter");
    assert!(h.saved.is_empty());
    assert!(h.app.wizard.is_none());
}

fn with_sources() -> SetupContext {
    let ready = ConnectionConfig::tcp("10.0.0.7", 3306, "app");
    SetupContext {
        sources: vec![
            Source {
                kind: SourceKind::Profile,
                label: "app@10.0.0.7".into(),
                config: Some(ready),
                save_as: Profile {
                    user: Some("app".into()),
                    host: Some("10.0.0.7".into()),
                    ..Profile::default()
                },
                prefill: Profile::default(),
            },
            Source {
                kind: SourceKind::OptionFile,
                label: "cnf@db.local".into(),
                config: None,
                save_as: Profile::option_file(None),
                prefill: Profile {
                    user: Some("cnf".into()),
                    host: Some("db.local".into()),
                    ask_password: true,
                    ..Profile::default()
                },
            },
        ],
        defaults: defaults(),
    }
}

#[test]
fn known_connections_are_tried_at_once_or_ask_for_the_password() {
    let mut h = Harness::first_run(with_sources());
    assert_eq!(step(&h), Some(Step::Source));
    h.key("enter");
    assert_eq!(step(&h), Some(Step::Testing));
    assert_eq!(tested_config(&h).user, "app");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    h.key("esc");
    assert_eq!(
        step(&h),
        Some(Step::Form),
        "Esc on the report: back to the form"
    );
    h.key("esc");
    assert_eq!(
        step(&h),
        Some(Step::Source),
        "Esc on the form: back to the list"
    );
    h.keys(&["down"]);
    h.key("enter");
    assert_eq!(step(&h), Some(Step::Form));
    assert_eq!(focus(&h), Some(Field::Password));
    h.type_text("pw");
    h.key("enter");
    let c = tested_config(&h);
    assert_eq!((c.user.as_str(), c.password.is_some()), ("cnf", true));
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    h.key("enter");
    assert!(
        h.saved[0].use_option_file && h.saved[0].password.is_none(),
        "~/.my.cnf stays the place of its settings: {:?}",
        h.saved[0]
    );
    // The last entry is a new connection.
    let mut h = Harness::first_run(with_sources());
    h.keys(&["down", "down", "down", "enter"]);
    assert_eq!(step(&h), Some(Step::Form));
}

#[test]
fn paste_goes_into_the_focused_field() {
    let mut h = Harness::first_run(nothing_known());
    h.key("ctrl-u");
    h.msg(Msg::Paste("db.example.com\n".into()));
    let host = h
        .app
        .wizard
        .as_ref()
        .map(|w| w.form.host.text().to_string());
    assert_eq!(host.as_deref(), Some("db.example.com"));
}

#[test]
fn ctrl_o_in_the_connected_ui_shows_the_current_connection() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.connection = Some(ConnectionConfig::tcp("127.0.0.1", 3399, "root"));
    h.key("ctrl-o");
    let w = h.app.wizard.as_ref();
    assert_eq!(w.map(|w| w.step), Some(Step::Form));
    assert_eq!(w.map(|w| w.form.port.text()), Some("3399"));
    assert!(w.is_some_and(|w| !w.first_run));
    h.key("esc");
    assert!(h.app.wizard.is_none() && !h.app.quit);
}

#[test]
fn the_guide_follows_table_query_preview_create() {
    let mut h = Harness::new();
    h.app.guide = Some(Default::default());
    h.with_shop();
    // The default database is selected, not a table yet.
    assert_eq!(h.app.guide_stage().0, stage::TABLE);
    h.keys(&["j", "j"]);
    let (s, _, hint) = h.app.guide_stage();
    assert_eq!(s, stage::QUERY);
    assert!(
        hint.contains("Press t") && hint.contains("orders"),
        "{hint}"
    );
    h.key("t");
    h.reply(
        |k| matches!(k, RequestKind::Columns { .. }),
        ResponseKind::Columns {
            database: "shop".into(),
            table: "orders".into(),
            columns: order_columns(),
        },
    );
    assert_eq!(h.app.guide_stage().0, stage::PREVIEW);
    h.reply(
        |k| matches!(k, RequestKind::Preview { .. }),
        ResponseKind::Preview(Ok(preview_doc())),
    );
    let (s, _, hint) = h.app.guide_stage();
    assert_eq!(s, stage::CREATE);
    assert!(hint.contains("^S"), "{hint}");
    h.keys(&["ctrl-s", "y"]);
    let (s, done, hint) = h.app.guide_stage();
    assert!(
        s == stage::CREATE && !done && hint.starts_with("Creating"),
        "{hint}"
    );
    h.reply(
        |k| matches!(k, RequestKind::Create { .. }),
        ResponseKind::Finished(JobOutcome::Built(BuiltReport {
            schema: "shop".into(),
            name: "orders_by_status".into(),
            rows: 10,
            backfill_secs: 0.1,
            lock_ms: 1.0,
        })),
    );
    let (_, done, hint) = h.app.guide_stage();
    assert!(done && hint.contains("orders_by_status is ready"), "{hint}");
    // Ctrl-G hides it and gives the lines back to the panes.
    let with_guide = h.app.areas().schema.height;
    h.key("ctrl-g");
    assert!(!h.app.guide_visible());
    assert!(h.app.areas().guide.is_none() && h.app.areas().schema.height > with_guide);
}

#[test]
fn ctrl_o_lists_the_named_profiles_and_switches_to_the_one_chosen() {
    let mut h = Harness::new();
    h.with_shop();
    h.app.connection = Some(ConnectionConfig::tcp("127.0.0.1", 3399, "root"));
    let mut setup = with_sources();
    setup.sources.insert(
        1,
        Source {
            kind: SourceKind::Named("reporting".into()),
            label: "ro@10.9.9.9".into(),
            config: Some(ConnectionConfig::tcp("10.9.9.9", 3306, "ro")),
            save_as: Profile {
                user: Some("ro".into()),
                host: Some("10.9.9.9".into()),
                ..Profile::default()
            },
            prefill: Profile::default(),
        },
    );
    h.app.setup = setup;
    h.key("ctrl-o");
    assert_eq!(step(&h), Some(Step::Source), "known connections first");
    let page = h.render(100, 30);
    assert!(
        page.contains("Profile reporting") && page.contains("ro@10.9.9.9"),
        "{page}"
    );
    h.keys(&["down", "enter"]);
    assert_eq!(tested_config(&h).user, "ro");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    let before = h.sent.len();
    h.key("enter");
    assert!(h.app.wizard.is_none());
    let switched = h.sent[before..]
        .iter()
        .any(|r| matches!(&r.kind, RequestKind::Switch { config } if config.user == "ro"));
    assert!(switched, "the whole window moves to the chosen profile");
    assert_eq!(h.app.label, "ro@10.9.9.9");
}

#[test]
fn the_form_saves_under_a_name_checked_before_anything_is_tried() {
    let mut h = Harness::first_run(nothing_known());
    h.keys(&["tab", "ctrl-u"]);
    h.type_text("3399");
    h.keys(&["tab", "ctrl-u"]);
    h.type_text("root");
    // Password, database, save password, remember, save as.
    h.keys(&["tab", "tab", "tab", "tab", "tab"]);
    assert_eq!(focus(&h), Some(Field::SaveAs));
    h.type_text("eu prod");
    h.key("enter");
    assert_eq!(focus(&h), Some(Field::SaveAs), "a bad name is fixed first");
    assert!(h.sent.is_empty(), "nothing tried: {:?}", h.sent);
    let page = h.render(100, 30);
    assert!(page.contains("letters, digits"), "{page}");
    h.key("ctrl-u");
    h.type_text("eu-prod");
    h.key("enter");
    h.reply(
        is_diagnose,
        ResponseKind::Diagnosed(Ok(Box::new(doctor_report(true)))),
    );
    h.key("enter");
    assert_eq!(h.saved_names, vec![Some("eu-prod".to_string())]);
    assert!(
        h.app
            .setup
            .sources
            .iter()
            .any(|s| s.kind == SourceKind::Named("eu-prod".into())),
        "Ctrl-O offers it from now on"
    );
}
