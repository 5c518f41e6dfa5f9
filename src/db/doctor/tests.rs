//! Unit tests for the doctor's judgement (no server).

use super::*;

fn facts() -> ServerFacts {
    ServerFacts {
        version: "10.11.6-MariaDB-log".into(),
        version_comment: "MariaDB Server".into(),
        current_user: "bob@%".into(),
        grants: vec![
            "GRANT USAGE ON *.* TO `bob`@`%` IDENTIFIED BY PASSWORD '*0123'".into(),
            "GRANT ALL PRIVILEGES ON `shop`.* TO `bob`@`%`".into(),
        ],
        log_bin: false,
        binlog_format: Some("MIXED".into()),
        trust_function_creators: false,
        case_insensitive_names: false,
        isolation: Some("REPEATABLE-READ".into()),
        database_exists: Some(true),
        tables: vec![("orders".into(), Some("InnoDB".into()))],
    }
}

fn status(report: &DoctorReport, name: &str) -> Status {
    match report.checks.iter().find(|c| c.name == name) {
        Some(c) => c.status,
        None => panic!("no check {name}: {report:?}"),
    }
}

#[test]
fn fully_privileged_account_is_ready() {
    let r = DoctorReport::assemble("bob@h:1", Some("shop"), &facts());
    assert!(r.ready, "{r:?}");
    assert_eq!(r.server.flavour, Flavour::MariaDB);
    assert_eq!(r.server.numeric_version, Some((10, 11, 6)));
    assert_eq!(r.privileges.as_ref().map(|p| p.missing.len()), Some(0));
    assert_eq!(status(&r, "engines"), Status::Ok);
}

#[test]
fn missing_trigger_blocks() {
    let mut f = facts();
    f.grants[1] = "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, CREATE VIEW, SHOW VIEW, LOCK TABLES, CREATE TEMPORARY TABLES ON `shop`.* TO `bob`@`%`".into();
    let r = DoctorReport::assemble("bob@h:1", Some("shop"), &f);
    assert!(!r.ready);
    assert_eq!(
        r.privileges.as_ref().map(|p| p.missing.clone()),
        Some(vec!["TRIGGER".to_string()])
    );
    let msg = r
        .checks
        .iter()
        .find(|c| c.name == "privileges")
        .map(|c| c.message.clone());
    assert_eq!(
        msg.as_deref(),
        Some("bob@% lacks TRIGGER on `shop`; an administrator can run: GRANT TRIGGER ON `shop`.* TO 'bob'@'%'")
    );
}

#[test]
fn grant_lines_never_reach_the_report() {
    let r = DoctorReport::assemble("bob@h:1", Some("shop"), &facts());
    let json = match serde_json::to_string(&r) {
        Ok(j) => j,
        Err(e) => panic!("{e}"),
    };
    assert!(!json.contains("*0123"), "{json}");
}

#[test]
fn without_database_checks_are_skipped() {
    let mut f = facts();
    f.database_exists = None;
    let r = DoctorReport::assemble("bob@h:1", None, &f);
    assert!(r.ready);
    assert_eq!(status(&r, "database"), Status::Skipped);
    assert!(r.privileges.is_none() && r.non_innodb_tables.is_none());
}

#[test]
fn unknown_database_blocks() {
    let mut f = facts();
    f.database_exists = Some(false);
    let r = DoctorReport::assemble("bob@h:1", Some("nope"), &f);
    assert!(!r.ready);
    assert_eq!(status(&r, "database"), Status::Blocker);
}

#[test]
fn versions_and_flavours() {
    let mut f = facts();
    f.version = "10.5.22-MariaDB".into();
    let r = DoctorReport::assemble("t", None, &f);
    assert_eq!(
        (r.server.support, status(&r, "server")),
        (Support::Unsupported, Status::Blocker)
    );
    f.version = "8.0.36".into();
    f.version_comment = "MySQL Community Server - GPL".into();
    let r = DoctorReport::assemble("t", None, &f);
    assert_eq!(r.server.flavour, Flavour::MySQL);
    assert_eq!(
        (r.server.support, status(&r, "server")),
        (Support::Untested, Status::Warning)
    );
    assert!(r.ready);
    f.version = "5.5.5-10.6.1-MariaDB".into();
    f.version_comment = String::new();
    let r = DoctorReport::assemble("t", None, &f);
    assert_eq!(r.server.support, Support::Supported);
}

#[test]
fn binlog_rules() {
    let mut f = facts();
    f.log_bin = true;
    let r = DoctorReport::assemble("t", Some("shop"), &f);
    assert!(r.binlog.blocks_triggers && !r.ready);
    f.trust_function_creators = true;
    assert!(DoctorReport::assemble("t", Some("shop"), &f).ready);
    f.trust_function_creators = false;
    f.grants.push("GRANT SUPER ON *.* TO `bob`@`%`".into());
    let r = DoctorReport::assemble("t", Some("shop"), &f);
    assert!(r.binlog.has_super && r.ready);
}

#[test]
fn non_innodb_tables_are_listed_as_a_warning() {
    let mut f = facts();
    f.tables.push(("legacy".into(), Some("MyISAM".into())));
    f.tables.push(("log".into(), Some("Aria".into())));
    let r = DoctorReport::assemble("t", Some("shop"), &f);
    assert!(r.ready);
    assert_eq!(status(&r, "engines"), Status::Warning);
    assert_eq!(r.non_innodb_tables.as_ref().map(Vec::len), Some(2));
    let msg = r
        .checks
        .iter()
        .find(|c| c.name == "engines")
        .map(|c| c.message.clone());
    assert_eq!(
        msg.as_deref(),
        Some("2 of 3 tables in `shop` are not InnoDB and cannot get summaries: legacy (MyISAM), log (Aria)")
    );
}

#[test]
fn create_list_without_show_view_is_ready_but_cannot_drop() {
    let mut f = facts();
    f.grants[1] = format!(
        "GRANT {} ON `shop`.* TO `bob`@`%`",
        grants::REQUIRED_PRIVILEGES.join(", ")
    );
    let r = DoctorReport::assemble("bob@h:1", Some("shop"), &f);
    assert!(r.ready, "{r:?}");
    assert_eq!(status(&r, "operations"), Status::Warning);
    let drop = r
        .operations
        .iter()
        .find(|o| o.operation.operation == "drop");
    assert_eq!(
        drop.and_then(|o| o.missing.clone()),
        Some(vec!["SHOW VIEW".to_string()])
    );
    let read = r
        .operations
        .iter()
        .find(|o| o.operation.operation == "read a summary");
    assert_eq!(read.map(|o| o.missing.clone()), Some(None));
}
