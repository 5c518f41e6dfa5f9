//! `lightning demo` through the real binary: the headless story on its own
//! private server ends exact, reports both latencies as JSON, and leaves no
//! server process and no data directory behind.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn lightning() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lightning"));
    // The demo must never pick up a user's client settings.
    cmd.env_remove("MYSQL_PWD").arg("--no-defaults");
    cmd
}

/// Processes whose command line mentions `needle` (e.g. a server's directory).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

fn median(side: &Value) -> f64 {
    side["median_ms"].as_f64().unwrap_or(-1.0)
}

#[test]
fn headless_demo_is_exact_reports_latencies_and_cleans_up() {
    let out = lightning()
        .args(["demo", "--no-tui", "--rows", "100000", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("running lightning demo: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{stderr}"))
        })
        .collect();
    let server = lines
        .iter()
        .find(|l| l["event"] == "server")
        .unwrap_or_else(|| panic!("no server event:\n{stdout}"));
    assert_eq!(server["private"], true);
    let base_dir = server["base_dir"].as_str().unwrap_or_default().to_string();
    let pid = server["pid"].as_u64().unwrap_or(0);
    assert!(!base_dir.is_empty() && pid > 0, "{server}");

    let result = lines.last().unwrap_or_else(|| panic!("no output"));
    assert_eq!(result["event"], "result", "the result comes last: {result}");
    assert_eq!(result["exact"], true, "{result}");
    assert_eq!(result["load"]["transactions"], 100_000);
    let summaries = result["summaries"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = summaries
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["debits_by_user", "daily_kinds"]);
    for s in &summaries {
        let c = &s["comparison"];
        assert_eq!(c["matches"], true, "{s}");
        assert!(median(&c["original"]) > 0.0, "{s}");
        assert!(median(&c["summary"]) > 0.0, "{s}");
        assert_eq!(c["original_rows"], c["summary_rows"], "{s}");
        assert_eq!(s["validation"]["exact"], true, "{s}");
        assert!(s["created"]["lock"]["lock_ms"].as_f64().is_some(), "{s}");
    }
    let writes = &result["writes"];
    assert_eq!(writes["errors"], 0, "writes must never fail: {writes}");
    let committed: u64 = ["inserts", "updates", "moves", "deletes"]
        .iter()
        .map(|k| writes[k].as_u64().unwrap_or(0))
        .sum();
    assert!(committed > 100, "the writers ran: {writes}");
    // The summaries were created while writes were running.
    let first_created = lines.iter().position(|l| l["event"] == "created");
    let writes_started = lines.iter().position(|l| l["event"] == "writes_started");
    let writes_stopped = lines.iter().position(|l| l["event"] == "writes_stopped");
    assert!(
        writes_started < first_created && first_created < writes_stopped,
        "{stdout}"
    );

    // Nothing is left: no process of that server, no directory.
    assert!(
        processes_mentioning(&base_dir).is_empty(),
        "{:?}",
        processes_mentioning(&base_dir)
    );
    assert!(
        !Path::new(&format!("/proc/{pid}/cmdline")).exists()
            || !std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .contains("mariadbd"),
        "mariadbd {pid} still runs"
    );
    assert!(!Path::new(&base_dir).exists(), "{base_dir} was not removed");
}

#[test]
fn autoplay_and_no_tui_exclude_each_other() {
    let out = lightning()
        .args(["demo", "--no-tui", "--autoplay"])
        .output()
        .unwrap_or_else(|e| panic!("running lightning demo: {e}"));
    assert_eq!(out.status.code(), Some(2));
    let out = lightning()
        .args(["demo", "--rows", "5"])
        .output()
        .unwrap_or_else(|e| panic!("running lightning demo: {e}"));
    assert_eq!(out.status.code(), Some(2), "too few rows is a usage error");
}
