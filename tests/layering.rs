//! The module layers, checked from the source: each layer imports only the layers below it, so
//! the pure engine never reaches the server and nothing forms a cycle.
//!
//! | layer       | may import                          |
//! |-------------|-------------------------------------|
//! | `engine`    | nothing of ours                     |
//! | `db`        | `engine`                            |
//! | `lifecycle` | `db`, `engine`                      |
//! | `demo`, `bench` | `lifecycle`, `db`, `engine`     |
//! | `tui`       | `demo` and everything below it      |
//! | `cli`       | everything                          |

use std::path::Path;

const LAYERS: &[(&str, &[&str])] = &[
    ("engine", &[]),
    ("db", &["engine"]),
    ("lifecycle", &["db", "engine"]),
    ("demo", &["lifecycle", "db", "engine"]),
    ("bench", &["lifecycle", "db", "engine"]),
    ("tui", &["demo", "lifecycle", "db", "engine"]),
    (
        "cli",
        &["tui", "demo", "bench", "lifecycle", "db", "engine"],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source tree is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::<module>` references in `text`.
fn references(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .filter(|(i, _)| !text[..*i].ends_with("lightning_tables::"))
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known: Vec<&str> = LAYERS.iter().map(|(l, _)| *l).collect();
    let mut violations = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        let dir = src.join(layer);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let single = src.join(format!("{layer}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "layer {layer} has no source under src/");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            for target in references(&text) {
                if target != *layer
                    && known.contains(&target.as_str())
                    && !allowed.contains(&target.as_str())
                {
                    violations.push(format!("{}: {layer} imports {target}", file.display()));
                }
            }
        }
    }
    violations.sort();
    violations.dedup();
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    assert_eq!(
        references("use crate::db::introspect; crate::engine::X"),
        vec!["db".to_string(), "engine".to_string()]
    );
}
