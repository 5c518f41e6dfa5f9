//! `lightning bench --quick` with tiny sizes through the real binary: it must start its own
//! server, run every section and print the table of ratios (and write the JSON file). No timing
//! is asserted: the figures of such a short run mean nothing.

use std::process::{Command, Stdio};

#[test]
fn bench_quick_prints_the_table_and_writes_json() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let json_path = dir.path().join("bench.json");
    let out = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args([
            "bench",
            "--quick",
            "--rounds",
            "1",
            "--rows",
            "3000",
            "--table-rows",
            "2000",
            "--duration",
            "0.1",
            "--hold",
            "0.3",
            "--cost-statements",
            "100",
            "--json",
        ])
        .arg(&json_path)
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run lightning: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for needle in [
        "1. Write throughput",
        "INSERT 1 row, 1 client",
        "B/A",
        "C/A",
        "1b. Statement latency",
        "2. Writers' pause",
        "3. Backfill rate",
        "4. Read latency",
        "Targets",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    let text = match std::fs::read_to_string(&json_path) {
        Ok(t) => t,
        Err(e) => panic!("no JSON file: {e}\nstderr:\n{stderr}"),
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("invalid JSON ({e}):\n{text}"),
    };
    assert_eq!(v["writes"]["workloads"].as_array().map(Vec::len), Some(9));
    assert!(v["machine"]["mariadb_version"].is_string());
    assert!(v["targets"].is_array());
}

#[test]
fn a_json_file_needs_the_json_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_lightning"))
        .args(["bench", "out.json"])
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run lightning: {e}"),
    };
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--json"));
}
