//! Query history, kept as JSON in the data directory, browsed like a shell's.

use std::path::{Path, PathBuf};

/// Most queries kept.
pub const MAX_ENTRIES: usize = 200;

/// The history could not be saved (best effort: the status line says so).
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct HistoryError {
    /// The file or directory.
    pub path: PathBuf,
    /// The OS's error.
    pub source: std::io::Error,
}

/// The history and where it is stored (`None`: in memory only).
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
    path: Option<PathBuf>,
    /// Index being shown while browsing; `None` when editing a new query.
    cursor: Option<usize>,
    /// The unsaved query, restored when browsing past the newest entry.
    draft: Option<String>,
}

/// Where the history lives by default (`history.json` in the data dir).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "lightning-tables")
        .map(|d| d.data_dir().join("history.json"))
}

impl History {
    /// Loads from `path`; a missing or unreadable file gives an empty history.
    pub fn load(path: Option<&Path>) -> History {
        let entries = path
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
            .unwrap_or_default();
        History {
            entries,
            path: path.map(Path::to_path_buf),
            cursor: None,
            draft: None,
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Adds a query (moving a repeated one to the end) and saves.
    /// Saving is best effort: a failure is returned for the status line.
    pub fn push(&mut self, sql: &str) -> Result<(), HistoryError> {
        let sql = sql.trim();
        if sql.is_empty() {
            return Ok(());
        }
        self.entries.retain(|e| e != sql);
        self.entries.push(sql.to_string());
        if self.entries.len() > MAX_ENTRIES {
            let excess = self.entries.len() - MAX_ENTRIES;
            self.entries.drain(..excess);
        }
        self.cursor = None;
        self.draft = None;
        self.save()
    }

    /// Replaces the newest entry with `sql` (the same query, edited further) and saves.
    pub fn replace_newest(&mut self, sql: &str) -> Result<(), HistoryError> {
        self.entries.pop();
        self.push(sql)
    }

    /// The entry shown while browsing (after [`History::older`]), if any.
    pub fn shown(&self) -> Option<&str> {
        self.cursor
            .and_then(|i| self.entries.get(i))
            .map(String::as_str)
    }

    fn save(&self) -> Result<(), HistoryError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let failed = |at: &Path, source: std::io::Error| HistoryError {
            path: at.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
        }
        let text = serde_json::to_string_pretty(&self.entries)
            .map_err(|e| failed(path, std::io::Error::other(e)))?;
        std::fs::write(path, text).map_err(|e| failed(path, e))
    }

    /// The query before the one shown (`current` is kept as the draft).
    pub fn older(&mut self, current: &str) -> Option<String> {
        let next = match self.cursor {
            None => {
                self.draft = Some(current.to_string());
                self.entries.len().checked_sub(1)?
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.cursor = Some(next);
        self.entries.get(next).cloned()
    }

    /// The query after the one shown, then the draft.
    pub fn newer(&mut self) -> Option<String> {
        let i = self.cursor?;
        if i + 1 < self.entries.len() {
            self.cursor = Some(i + 1);
            self.entries.get(i + 1).cloned()
        } else {
            self.cursor = None;
            self.draft.take()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browse_and_persist() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let path = dir.path().join("sub/history.json");
        let mut h = History::load(Some(&path));
        assert!(h.push("SELECT 1").is_ok());
        assert!(h.push("SELECT 2").is_ok());
        assert!(h.push("SELECT 1").is_ok());
        assert_eq!(h.entries(), ["SELECT 2", "SELECT 1"]);
        assert_eq!(h.older("draft").as_deref(), Some("SELECT 1"));
        assert_eq!(h.older("ignored").as_deref(), Some("SELECT 2"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.newer().as_deref(), Some("SELECT 1"));
        assert_eq!(h.newer().as_deref(), Some("draft"));
        assert_eq!(h.newer(), None);
        let again = History::load(Some(&path));
        assert_eq!(again.entries(), ["SELECT 2", "SELECT 1"]);
    }
}
