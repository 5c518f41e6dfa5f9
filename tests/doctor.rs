//! `lightning doctor` against private servers, through the real binary.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use lightning_tables::db::options::DbUrl;
use mysql::prelude::Queryable;

const PASSWORD: &str = "doctor-pw-1";

/// Every privilege the doctor requires but TRIGGER, as a GRANT list.
const ALL_BUT_TRIGGER: &str = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, CREATE VIEW, \
     SHOW VIEW, LOCK TABLES, CREATE TEMPORARY TABLES";

use support::server::{account_name, temp_dir, Account};

fn exec(db: &support::server::TestDb, statements: &[String]) {
    let mut conn = db.conn();
    for sql in statements {
        if let Err(e) = conn.query_drop(sql) {
            panic!("{sql}: {e}");
        }
    }
}

/// Creates `prefix_<db>` with PASSWORD and the given database-level grant.
fn user_with(db: &support::server::TestDb, prefix: &str, grant: &str) -> Account {
    let user: String = account_name(prefix, &db.name);
    let account = Account(user.clone());
    exec(
        db,
        &[
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"),
            format!("GRANT {grant} ON `{}`.* TO '{user}'@'%'", db.name),
        ],
    );
    account
}

/// Runs `lightning doctor` as `user` against the test server.
fn doctor(db: &support::server::TestDb, home: &Path, user: &str, extra: &[&str]) -> Output {
    let (host, port) = match DbUrl::new(db.url()).parse() {
        Ok(p) => (
            p.host.unwrap_or_else(|| "127.0.0.1".into()),
            p.port.unwrap_or(3306),
        ),
        Err(e) => panic!("{e}"),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args([
            "-h",
            &host,
            "-P",
            &port.to_string(),
            "-u",
            user,
            &format!("-p{PASSWORD}"),
        ])
        .arg("doctor")
        .args(extra)
        .env("HOME", home)
        .env_remove("MYSQL_PWD")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output();
    match out {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON ({e}): {}", text(&out.stdout)),
    }
}

#[test]
fn account_without_trigger_is_reported_and_exits_1() {
    let db = support::server::fresh_db("doctor_no_trigger");
    let account = user_with(&db, "nt", ALL_BUT_TRIGGER);
    let user = account.0.clone();
    let home = temp_dir();

    let out = doctor(&db, home.path(), &user, &["-D", &db.name]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let line = stdout
        .lines()
        .find(|l| l.contains("privileges"))
        .unwrap_or_default();
    assert!(
        line.contains("BLOCKER") && line.contains("lacks TRIGGER"),
        "{stdout}"
    );
    assert!(stdout.contains("Not ready"), "{stdout}");

    let out = doctor(&db, home.path(), &user, &["-D", &db.name, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(
        report["privileges"]["missing"],
        serde_json::json!(["TRIGGER"])
    );
    assert_eq!(report["ready"], serde_json::json!(false));
}

#[test]
fn fully_privileged_account_exits_0() {
    let db = support::server::fresh_db("doctor_full");
    let account = user_with(&db, "fp", &format!("{ALL_BUT_TRIGGER}, TRIGGER"));
    let user = account.0.clone();
    let home = temp_dir();
    let out = doctor(&db, home.path(), &user, &["-D", &db.name]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Ready: summary tables can be created"),
        "{stdout}"
    );
    assert!(stdout.contains("MariaDB"), "{stdout}");

    let report = json(&doctor(
        &db,
        home.path(),
        &user,
        &["-D", &db.name, "--json"],
    ));
    assert_eq!(report["privileges"]["missing"], serde_json::json!([]));
    assert_eq!(report["server"]["flavour"], serde_json::json!("mariadb"));
    assert_eq!(report["server"]["support"], serde_json::json!("supported"));
    assert!(report["isolation"].is_string(), "{report}");
    assert!(report["binlog"]["enabled"].is_boolean(), "{report}");
}

#[test]
fn wildcard_database_grant_counts() {
    let db = support::server::fresh_db("doctor_wild");
    // `_` is a wildcard in database grants; escaping it names the database exactly.
    let pattern = db.name.replace('_', "\\_");
    let user: String = account_name("wc", &db.name);
    let _account = Account(user.clone());
    exec(
        &db,
        &[
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"),
            format!("GRANT ALL PRIVILEGES ON `{pattern}`.* TO '{user}'@'%'"),
        ],
    );
    let home = temp_dir();
    let out = doctor(&db, home.path(), &user, &["-D", &db.name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn without_a_database_the_checks_are_skipped_and_said_so() {
    let db = support::server::fresh_db("doctor_nodb");
    let account = user_with(&db, "nd", "SELECT");
    let user = account.0.clone();
    let home = temp_dir();
    let out = doctor(&db, home.path(), &user, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("skipped") && stdout.contains("-D NAME"),
        "{stdout}"
    );
    let report = json(&doctor(&db, home.path(), &user, &["--json"]));
    assert!(report["privileges"].is_null());
    assert!(report["non_innodb_tables"].is_null());
}

#[test]
fn missing_database_blocks() {
    let db = support::server::fresh_db("doctor_missing_db");
    let account = user_with(&db, "md", "ALL PRIVILEGES");
    let user = account.0.clone();
    let home = temp_dir();
    let missing = format!("{}_absent", db.name);
    let out = doctor(&db, home.path(), &user, &["-D", &missing]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("does not exist"), "{stdout}");
}

#[test]
fn non_innodb_tables_are_listed() {
    let db = support::server::fresh_db("doctor_engines");
    exec(
        &db,
        &[
            format!(
                "CREATE TABLE `{}`.facts (id INT PRIMARY KEY) ENGINE=InnoDB",
                db.name
            ),
            format!("CREATE TABLE `{}`.legacy (id INT) ENGINE=MyISAM", db.name),
        ],
    );
    let account = user_with(&db, "en", "ALL PRIVILEGES");
    let user = account.0.clone();
    let home = temp_dir();
    let out = doctor(&db, home.path(), &user, &["-D", &db.name, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert_eq!(
        report["non_innodb_tables"],
        serde_json::json!([{ "table": "legacy", "engine": "MyISAM" }])
    );
}

#[test]
fn a_summary_an_alter_broke_is_named_with_the_way_out() {
    let db = support::server::fresh_db("doctor_broken");
    let account = user_with(&db, "br", &format!("{ALL_BUT_TRIGGER}, TRIGGER"));
    let home = temp_dir();
    exec(
        &db,
        &[
            "CREATE TABLE t (id INT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)".into(),
            "INSERT INTO t VALUES (1, 1, 1)".into(),
        ],
    );
    lightning_tables::lifecycle::create(
        &db.opts(),
        "by_g",
        "SELECT g, SUM(v) AS s FROM t GROUP BY g",
        &Default::default(),
        &lightning_tables::lifecycle::Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let out = doctor(&db, home.path(), &account.0, &["-D", &db.name]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("1 summaries, none broken"), "{stdout}");
    exec(&db, &["ALTER TABLE t DROP COLUMN v".into()]);
    let out = doctor(&db, home.path(), &account.0, &["-D", &db.name]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("by_g: BROKEN: writes to t fail") && stdout.contains("drop the summary"),
        "{stdout}"
    );
}

#[test]
fn account_without_create_temporary_tables_is_reported() {
    let db = support::server::fresh_db("doctor_no_temp");
    let grant = ALL_BUT_TRIGGER.replace(", CREATE TEMPORARY TABLES", ", TRIGGER");
    let account = user_with(&db, "ntt", &grant);
    let home = temp_dir();
    let out = doctor(&db, home.path(), &account.0, &["-D", &db.name]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("lacks CREATE TEMPORARY TABLES"), "{stdout}");
    assert!(stdout.contains("Least privileges:"), "{stdout}");
    let report = json(&doctor(
        &db,
        home.path(),
        &account.0,
        &["-D", &db.name, "--json"],
    ));
    assert_eq!(
        report["privileges"]["missing"],
        serde_json::json!(["CREATE TEMPORARY TABLES"])
    );
    let ops = report["operations"].as_array().cloned().unwrap_or_default();
    let validate = ops.iter().find(|o| o["operation"] == "validate");
    assert_eq!(
        validate.map(|o| o["missing"].clone()),
        Some(serde_json::json!(["CREATE TEMPORARY TABLES"])),
        "{report}"
    );
    let status = ops.iter().find(|o| o["operation"] == "status, list");
    assert_eq!(
        status.map(|o| o["privileges"].clone()),
        Some(serde_json::json!(["SELECT", "TRIGGER"])),
        "{report}"
    );
}
