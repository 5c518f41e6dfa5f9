//! Texts of the export key.

/// Status: the files were written (and the migration copied, when the terminal took it).
pub fn written(files: &[String], copied: bool) -> String {
    let clip = if copied {
        " The migration is on the clipboard (OSC 52: the terminal must allow it)."
    } else {
        ""
    };
    format!(
        "Wrote {} in the current directory; nothing was changed on the server.{clip}",
        files.join(" and ")
    )
}

/// Status: a file could not be written.
pub fn cannot_write(path: &str, e: &std::io::Error) -> String {
    format!("Cannot write {path}: {e}")
}

/// Status: nothing to export yet.
pub const NOTHING: &str = "Nothing to export: write a query the preview accepts first.";
