//! Locating the MariaDB programs: `$LIGHTNING_MARIADB_BIN`, then `PATH`, then the usual
//! install directories.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::error::{io_err, ServerError};

/// Environment variable naming a directory that holds `mariadbd` (or `mysqld`)
/// and `mariadb-install-db` (or `mysql_install_db`); searched first.
pub const BIN_DIR_ENV: &str = "LIGHTNING_MARIADB_BIN";

/// The MariaDB programs used by the launcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    /// `mariadbd` or `mysqld`.
    pub mariadbd: PathBuf,
    /// `mariadb-install-db` or `mysql_install_db`.
    pub install_db: PathBuf,
    /// Output of `mariadbd --version`.
    pub version: String,
}

fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        // A tarball layout keeps the install script in ../scripts.
        if let Some(parent) = d.parent() {
            dirs.push(d.clone());
            dirs.push(parent.join("scripts"));
        } else {
            dirs.push(d);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/mysql/bin",
        "/usr/local/mysql/scripts",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
        "/opt/homebrew/sbin",
    ] {
        dirs.push(PathBuf::from(d));
    }
    let mut seen = Vec::new();
    dirs.retain(|d| {
        if seen.contains(d) {
            false
        } else {
            seen.push(d.clone());
            true
        }
    });
    dirs
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn find_program(dirs: &[PathBuf], names: &[&str]) -> Option<PathBuf> {
    // Prefer the first name (the MariaDB spelling) in any directory.
    names
        .iter()
        .find_map(|n| dirs.iter().map(|d| d.join(n)).find(|p| is_executable(p)))
}

/// Finds the MariaDB server and install programs (see the module docs for where).
pub fn find_binaries() -> Result<Binaries, ServerError> {
    let dirs = search_dirs();
    let mariadbd = find_program(&dirs, &["mariadbd", "mysqld"]);
    let install_db = find_program(&dirs, &["mariadb-install-db", "mysql_install_db"]);
    let (mariadbd, install_db) = match (mariadbd, install_db) {
        (Some(s), Some(i)) => (s, i),
        (s, i) => {
            let mut missing = Vec::new();
            if s.is_none() {
                missing.push("mariadbd/mysqld");
            }
            if i.is_none() {
                missing.push("mariadb-install-db/mysql_install_db");
            }
            let searched = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":");
            return Err(ServerError::BinariesNotFound {
                missing: missing.join(" and "),
                searched,
            });
        }
    };
    let out = Command::new(&mariadbd)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!("running {} --version", mariadbd.display())))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !version.contains("MariaDB") {
        return Err(ServerError::NotMariaDb {
            path: mariadbd,
            version,
        });
    }
    Ok(Binaries {
        mariadbd,
        install_db,
        version,
    })
}

/// [`find_binaries`], looked up once per process.
pub(super) fn binaries() -> Result<&'static Binaries, ServerError> {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    if let Some(b) = BINS.get() {
        return Ok(b);
    }
    let b = find_binaries()?;
    Ok(BINS.get_or_init(|| b))
}
