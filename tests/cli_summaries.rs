//! The summary commands through the real binary against a private server:
//! preview (plain, JSON, rejected), create → validate → corrupt → validate →
//! rebuild → validate → drop, list and status.

mod support;

use std::process::{Command, Output, Stdio};

use mysql::prelude::Queryable;
use serde_json::Value;

/// Rows in the base table: enough for many 50-row chunks.
const ROWS: usize = 3000;

const QUERY: &str =
    "SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY region";

/// Runs `lightning --url URL <args>` with no stdin and returns its output.
fn lightning(url: &str, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .arg("--url")
        .arg(url)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output();
    match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run lightning: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
fn expect_code(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn json(out: &Output) -> Value {
    match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON ({e}):\n{}", text(&out.stdout)),
    }
}

/// `orders(id, region, amount)` with [`ROWS`] rows over 7 regions.
fn create_orders(conn: &mut mysql::Conn) {
    conn.query_drop(
        "CREATE TABLE orders (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         region VARCHAR(16) NOT NULL, amount DECIMAL(10,2) NOT NULL) ENGINE=InnoDB",
    )
    .unwrap_or_else(|e| panic!("create table: {e}"));
    let values: Vec<String> = (0..ROWS)
        .map(|i| format!("('r{}', {}.{:02})", i % 7, i % 100, i % 97))
        .collect();
    for batch in values.chunks(500) {
        conn.query_drop(format!(
            "INSERT INTO orders (region, amount) VALUES {}",
            batch.join(", ")
        ))
        .unwrap_or_else(|e| panic!("insert: {e}"));
    }
}

/// Every table, view and trigger of `db`, sorted.
fn schema_objects(conn: &mut mysql::Conn, db: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let queries = [
        "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
        "SELECT CONCAT('trigger ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
        "SELECT CONCAT('view ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?",
    ];
    for q in queries {
        let rows: Vec<String> = conn
            .exec(q, (db,))
            .unwrap_or_else(|e| panic!("information_schema: {e}"));
        out.extend(rows);
    }
    out.sort();
    out
}

#[test]
fn preview_plain_and_json_change_nothing() {
    let db = support::server::fresh_db("cli_preview");
    let mut conn = db.conn();
    create_orders(&mut conn);
    let before = schema_objects(&mut conn, &db.name);
    let url = db.url();

    let out = lightning(&url, &["preview", "--query", QUERY, "--name", "by_region"]);
    expect_code(&out, 0, "preview");
    let sql = text(&out.stdout);
    assert!(!sql.contains('\x1b'), "piped output must be plain:\n{sql}");
    for needle in [
        "-- state table",
        "CREATE TABLE `",
        "_lt_by_region_g1",
        "-- the summary itself",
        "VIEW `",
        "DELIMITER $$",
        "CREATE OR REPLACE TRIGGER",
        "AFTER INSERT",
        "AFTER UPDATE",
        "AFTER DELETE",
        "DELIMITER ;",
    ] {
        assert!(sql.contains(needle), "missing {needle:?} in:\n{sql}");
    }

    let out = lightning(
        &url,
        &["--json", "preview", "--query", QUERY, "--name", "by_region"],
    );
    expect_code(&out, 0, "preview --json");
    let plan = json(&out);
    assert_eq!(plan["name"], "by_region");
    assert_eq!(plan["schema"], db.name.as_str());
    assert_eq!(plan["base_table"], "orders");
    assert_eq!(plan["objects"]["view"], "by_region");
    assert_eq!(plan["objects"]["state_tables"][0], "_lt_by_region_g1");
    assert_eq!(
        plan["objects"]["triggers"].as_array().map(Vec::len),
        Some(3)
    );
    let statements = plan["statements"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "catalog",
            "state_table",
            "view",
            "trigger",
            "trigger",
            "trigger"
        ]
    );
    assert!(statements
        .iter()
        .all(|s| s["sql"].as_str().is_some_and(|t| !t.is_empty())));
    assert_eq!(plan["analysis"]["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        plan["analysis"]["aggregates"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(plan["warnings"].is_array());

    assert_eq!(
        schema_objects(&mut conn, &db.name),
        before,
        "preview changed the schema"
    );
}

#[test]
fn rejected_query_names_construct_and_position() {
    let db = support::server::fresh_db("cli_reject");
    let mut conn = db.conn();
    create_orders(&mut conn);
    let before = schema_objects(&mut conn, &db.name);
    let url = db.url();
    // Second line, column 6: the joined table.
    let bad =
        "SELECT o.region, COUNT(*) FROM orders o\nJOIN orders p ON p.id = o.id GROUP BY o.region";

    let out = lightning(&url, &["preview", "--query", bad]);
    expect_code(&out, 1, "preview of a JOIN");
    let err = text(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{err}");
    // A self-join is refused as such (issue 14: join shapes are checked before joins in
    // general are refused).
    assert!(
        first.contains("self-join of table orders"),
        "construct not named: {err}"
    );
    // The position is printed once: by the excerpt's line number and caret.
    assert!(!first.contains(" at 2:"), "position printed twice: {err}");
    assert!(
        err.contains(" 2 | JOIN orders p"),
        "query line not shown: {err}"
    );
    assert!(
        err.lines().any(|l| l.trim_end().ends_with('^')),
        "no caret: {err}"
    );

    // An outer join is refused at its keyword, as not supported yet; with --json the error is
    // a JSON object on stdout too.
    let left =
        "SELECT o.region, COUNT(*) FROM orders o\n  RIGHT JOIN orders p ON p.id = o.id GROUP BY o.region";
    let out = lightning(&url, &["preview", "--query", left]);
    expect_code(&out, 1, "preview of a RIGHT JOIN");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: not supported yet: RIGHT or FULL JOIN"),
        "{err}"
    );
    assert!(
        err.contains(" 2 |   RIGHT JOIN orders p") && err.ends_with("\n   |   ^\n"),
        "caret not under RIGHT JOIN: {err}"
    );
    assert!(!err.contains("tier"), "{err}");
    let out = lightning(&url, &["--json", "preview", "--query", left]);
    expect_code(&out, 1, "preview --json of a RIGHT JOIN");
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "rejected", "{v}");
    assert_eq!(v["error"]["line"], 2, "{v}");
    assert_eq!(v["error"]["column"], 3, "{v}");
    assert_eq!(v["error"]["exit_code"], 1, "{v}");
    assert!(
        v["error"]["message"].as_str().is_some_and(|m| m
            .starts_with("not supported yet: RIGHT or FULL JOIN")
            && !m.contains(" at ")),
        "{v}"
    );
    // Any other failure under --json is an object too (here: an unknown summary).
    let out = lightning(&url, &["--json", "status", "no_such_summary"]);
    assert_ne!(out.status.code(), Some(0), "status of a missing summary");
    let v = json(&out);
    assert!(v["error"]["message"].is_string(), "{v}");

    let out = lightning(&url, &["create", "bad", "--query", bad]);
    expect_code(&out, 1, "create of a JOIN");
    assert!(
        text(&out.stderr).contains("self-join"),
        "{}",
        text(&out.stderr)
    );

    assert_eq!(
        schema_objects(&mut conn, &db.name),
        before,
        "a rejected query left objects"
    );
}

#[test]
fn create_validate_corrupt_rebuild_drop() {
    let db = support::server::fresh_db("cli_lifecycle");
    let mut conn = db.conn();
    create_orders(&mut conn);
    let before = schema_objects(&mut conn, &db.name);
    let url = db.url();

    let out = lightning(
        &url,
        &["create", "sales", "--query", QUERY, "--chunk-size", "50"],
    );
    expect_code(&out, 0, "create");
    let said = text(&out.stdout);
    assert!(said.contains("writes were paused for"), "{said}");
    // Checkpointed backfill: the second pause (plain triggers swapped in) is reported too.
    assert!(
        said.contains(" at the start and ") && said.contains(" at the end."),
        "{said}"
    );
    assert!(said.contains(&format!("{ROWS} rows")), "{said}");
    // Not a terminal: plain progress lines on stderr, no bar escapes.
    let progress = text(&out.stderr);
    assert!(progress.contains("backfill:"), "{progress}");
    assert!(!progress.contains('\x1b'), "{progress}");

    let out = lightning(&url, &["validate", "sales"]);
    expect_code(&out, 0, "validate after create");
    assert!(
        text(&out.stdout).contains("is exact"),
        "{}",
        text(&out.stdout)
    );

    // Corrupt one group's state by hand: the summary no longer matches its query.
    conn.query_drop("UPDATE `_lt_sales_g1` SET `s0` = `s0` + 1000 WHERE `k0` = 'r3' LIMIT 1")
        .unwrap_or_else(|e| panic!("corrupt: {e}"));
    let out = lightning(&url, &["validate", "sales"]);
    expect_code(&out, 1, "validate after corruption");
    let report = text(&out.stdout);
    assert!(report.contains("1 group"), "{report}");
    assert!(report.contains("r3"), "group not named: {report}");
    assert!(report.contains("SUM"), "aggregate not named: {report}");

    let out = lightning(&url, &["--json", "validate", "sales"]);
    expect_code(&out, 1, "validate --json after corruption");
    let v = json(&out);
    assert_eq!(v["exact"], false);
    assert_eq!(v["differing_groups"], 1);
    assert_eq!(v["differences"][0]["key"][0], "r3");

    let out = lightning(&url, &["--json", "status", "sales"]);
    expect_code(&out, 0, "status --json before rebuild");
    let before_rebuild = json(&out);
    assert_eq!(
        before_rebuild["last_validation"], "1 differing groups",
        "{before_rebuild}"
    );
    let out = lightning(&url, &["--json", "rebuild", "sales", "--chunk-size", "200"]);
    expect_code(&out, 0, "rebuild");
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    assert!(lines.iter().any(|l| l["event"] == "locked"), "{lines:?}");
    assert!(lines.iter().any(|l| l["event"] == "progress"), "{lines:?}");
    let last = lines.last().cloned().unwrap_or_default();
    assert_eq!(last["event"], "result");
    assert_eq!(last["outcome"], "rebuilt");
    assert_eq!(last["rows"], ROWS as u64);

    // The new generation carries neither the old one's verdict nor its "ready since".
    let out = lightning(&url, &["--json", "status", "sales"]);
    expect_code(&out, 0, "status --json after rebuild");
    let st = json(&out);
    assert_eq!(st["generation"], 2);
    assert!(st["last_validation"].is_null(), "{st}");
    assert!(st["last_validated_at"].is_null(), "{st}");
    assert!(!st["ready_at"].is_null(), "{st}");
    assert_ne!(st["ready_at"], before_rebuild["ready_at"], "{st}");

    let out = lightning(&url, &["validate", "sales"]);
    expect_code(&out, 0, "validate after rebuild");

    let out = lightning(&url, &["--json", "list"]);
    expect_code(&out, 0, "list --json");
    let list = json(&out);
    let entry = list
        .as_array()
        .and_then(|a| a.iter().find(|e| e["name"] == "sales"))
        .cloned()
        .unwrap_or_else(|| panic!("sales not listed: {list}"));
    assert_eq!(entry["status"], "ready");
    assert_eq!(entry["base_table"], "orders");
    let out = lightning(&url, &["list"]);
    expect_code(&out, 0, "list");
    assert!(text(&out.stdout).contains("sales"), "{}", text(&out.stdout));

    let out = lightning(&url, &["--json", "status", "sales"]);
    expect_code(&out, 0, "status --json");
    let st = json(&out);
    assert_eq!(st["status"], "ready");
    assert_eq!(st["triggers_present"], true);
    assert_eq!(st["generation"], 2);
    assert_eq!(st["groups"], 7);
    let out = lightning(&url, &["status", "sales", "--watch"]);
    expect_code(&out, 0, "status --watch of a ready summary returns");
    assert!(
        text(&out.stdout).contains("ready: exact"),
        "{}",
        text(&out.stdout)
    );

    let out = lightning(&url, &["drop", "sales"]);
    expect_code(&out, 0, "drop");
    assert!(
        text(&out.stdout).contains("Dropped"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        schema_objects(&mut conn, &db.name),
        before,
        "drop left objects behind"
    );

    let out = lightning(&url, &["--json", "drop", "sales"]);
    expect_code(&out, 0, "second drop");
    assert_eq!(json(&out)["existed"], false);
    let out = lightning(&url, &["drop", "sales"]);
    expect_code(&out, 0, "third drop");
    assert!(
        text(&out.stdout).contains("nothing to drop"),
        "{}",
        text(&out.stdout)
    );

    let out = lightning(&url, &["status", "sales"]);
    expect_code(&out, 1, "status of a dropped summary");
}

#[test]
fn ctrl_c_cancels_create_and_resume_finishes() {
    use std::io::{BufRead, BufReader};

    let db = support::server::fresh_db("cli_cancel");
    let mut conn = db.conn();
    conn.query_drop(
        "CREATE TABLE events (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, kind INT NOT NULL) ENGINE=InnoDB",
    )
    .unwrap_or_else(|e| panic!("create table: {e}"));
    // Enough 10-row chunks that the backfill is still running when Ctrl-C arrives.
    let values: Vec<String> = (0..20_000).map(|i| format!("({})", i % 13)).collect();
    for batch in values.chunks(2000) {
        conn.query_drop(format!(
            "INSERT INTO events (kind) VALUES {}",
            batch.join(", ")
        ))
        .unwrap_or_else(|e| panic!("insert: {e}"));
    }
    let url = db.url();
    let query = "SELECT kind, COUNT(*) FROM events GROUP BY kind";
    let mut child = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args([
            "--url",
            &url,
            "create",
            "ev",
            "--query",
            query,
            "--chunk-size",
            "10",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run lightning: {e}"));
    let stderr = child
        .stderr
        .take()
        .unwrap_or_else(|| panic!("no stderr pipe"));
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    // Wait for the first progress line: the triggers are live and the backfill runs.
    for line in lines.by_ref() {
        let line = line.unwrap_or_default();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("backfill:") {
            break;
        }
    }
    assert!(
        seen.contains("backfill:"),
        "no progress before the end: {seen}"
    );
    let pid = libc::pid_t::try_from(child.id()).unwrap_or_else(|e| panic!("pid: {e}"));
    // SAFETY: sends SIGINT to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    for line in lines {
        seen.push_str(&line.unwrap_or_default());
        seen.push('\n');
    }
    let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("cancelling"), "{seen}");
    assert!(seen.contains("lightning resume ev"), "{seen}");

    let out = lightning(&url, &["--json", "status", "ev"]);
    expect_code(&out, 0, "status after cancel");
    let st = json(&out);
    assert_eq!(st["status"], "backfilling", "{st}");
    assert_eq!(st["triggers_present"], true);
    // The stopped job owns nothing: no connection id at once (not only once the server has
    // noticed the closed connection).
    assert!(st["owner"].is_null(), "{st}");
    // The plain report of the interrupted backfill claims no complete backfill (issue 17 item 6).
    let out = lightning(&url, &["status", "ev"]);
    expect_code(&out, 0, "plain status after cancel");
    let report = text(&out.stdout);
    assert!(!report.contains("backfill complete"), "{report}");
    assert!(
        report.contains("Checkpoint") && !report.contains("(100.0%)"),
        "{report}"
    );
    assert!(!report.contains("Backfill connection"), "{report}");
    let out = lightning(&url, &["validate", "ev"]);
    expect_code(&out, 1, "validate of an incomplete summary");

    // Writes while interrupted are kept by the triggers; resume makes it exact.
    conn.query_drop("INSERT INTO events (kind) VALUES (99), (99), (3)")
        .unwrap_or_else(|e| panic!("insert: {e}"));
    let out = lightning(&url, &["resume", "ev", "--chunk-size", "5000"]);
    expect_code(&out, 0, "resume");
    assert!(
        text(&out.stdout).contains("writes were paused for"),
        "{}",
        text(&out.stdout)
    );
    let out = lightning(&url, &["validate", "ev"]);
    expect_code(&out, 0, "validate after resume");
}

/// The statements of a script as the mariadb client reads it: `DELIMITER x` lines change the
/// terminator, comment lines between statements are skipped.
fn client_statements(script: &str) -> Vec<String> {
    let mut delimiter = ";".to_string();
    let mut current = String::new();
    let mut out = Vec::new();
    for line in script.lines() {
        if let Some(d) = line.strip_prefix("DELIMITER ") {
            assert!(current.trim().is_empty(), "DELIMITER inside a statement");
            delimiter = d.trim().to_string();
            continue;
        }
        if current.trim().is_empty() && (line.starts_with("--") || line.trim().is_empty()) {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        let trimmed = current.trim_end();
        if let Some(statement) = trimmed.strip_suffix(delimiter.as_str()) {
            out.push(statement.to_string());
            current.clear();
        }
    }
    assert!(current.trim().is_empty(), "unterminated: {current}");
    out
}

#[test]
fn preview_output_writes_a_migration_and_its_drop_script() {
    let db = support::server::fresh_db("cli_migration");
    let mut conn = db.conn();
    create_orders(&mut conn);
    let before = schema_objects(&mut conn, &db.name);
    let url = db.url();
    let dir = std::env::temp_dir().join(format!("lt-migration-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("by_region.sql");
    let path = file.to_string_lossy().into_owned();

    let out = lightning(
        &url,
        &[
            "preview",
            "--query",
            QUERY,
            "--name",
            "by_region",
            "--output",
            &path,
        ],
    );
    expect_code(&out, 0, "preview --output");
    assert!(
        text(&out.stdout).contains("by_region.drop.sql"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        schema_objects(&mut conn, &db.name),
        before,
        "preview changed the schema"
    );
    let apply = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let drop =
        std::fs::read_to_string(dir.join("by_region.drop.sql")).unwrap_or_else(|e| panic!("{e}"));
    assert!(apply.contains("-- Query:\n--   SELECT region"), "{apply}");
    assert!(
        apply.contains("EMPTY"),
        "the header says what a hand-applied script gives"
    );

    // Applied as the mariadb client would: every object is there, and (as the header says)
    // the state counts only the rows written afterwards, exactly.
    for s in client_statements(&apply) {
        conn.query_drop(&s).unwrap_or_else(|e| panic!("{e}\n{s}"));
    }
    let created = schema_objects(&mut conn, &db.name);
    for object in [
        "VIEW by_region",
        "trigger _lt_by_region_ins",
        "trigger _lt_by_region_upd",
        "trigger _lt_by_region_del",
        "BASE TABLE _lt_by_region_g1",
    ] {
        assert!(
            created.iter().any(|o| o == object),
            "{object} missing: {created:?}"
        );
    }
    conn.query_drop("INSERT INTO orders (region, amount) VALUES ('zz', 2.50), ('zz', 1.25)")
        .unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<(String, i64, String)> = conn
        .query("SELECT region, n, CAST(total AS CHAR) FROM by_region")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows, vec![("zz".to_string(), 2, "3.75".to_string())]);

    // The drop script removes all of it; only the shared catalog table stays.
    for s in client_statements(&drop) {
        conn.query_drop(&s).unwrap_or_else(|e| panic!("{e}\n{s}"));
    }
    let mut expected = before.clone();
    expected.push("BASE TABLE _lightning_catalog".to_string());
    expected.sort();
    assert_eq!(schema_objects(&mut conn, &db.name), expected);

    // An unwritable path is an error, not a silent success.
    let out = lightning(
        &url,
        &[
            "preview",
            "--query",
            QUERY,
            "--output",
            "/nonexistent-dir/x.sql",
        ],
    );
    expect_code(&out, 1, "preview --output to a missing directory");
    assert!(
        text(&out.stderr).contains("cannot write"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
