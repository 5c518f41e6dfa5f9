//! The cached, initialised template data directory that every start copies.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};

use super::binaries::Binaries;
use super::error::{io_err, ServerError};
use super::process::PrivateServer;
use super::{is_root, tail_of_file, ServerOptions};

/// Bump when the template's content or preparation changes.
const TEMPLATE_FORMAT: &str = "lightning-template-v1";
const TEMPLATE_MARKER: &str = "lightning-template.ok";

/// The template directory for `bins`, built on first use (its `data/` is what a start copies).
pub(super) fn template_dir(bins: &Binaries) -> Result<PathBuf, ServerError> {
    let uid = crate::sys::user_id();
    let mut h = Sha256::new();
    h.update(TEMPLATE_FORMAT.as_bytes());
    h.update(bins.mariadbd.as_os_str().as_encoded_bytes());
    h.update(bins.install_db.as_os_str().as_encoded_bytes());
    h.update(bins.version.as_bytes());
    h.update(uid.to_string().as_bytes());
    let hash: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let tmp_root = std::env::temp_dir();
    let name = format!("lightning-mariadb-template-{hash}");
    let final_dir = tmp_root.join(&name);
    if final_dir.join(TEMPLATE_MARKER).is_file() {
        return Ok(final_dir);
    }
    let work = tempfile::Builder::new()
        .prefix(&format!("{name}.tmp-"))
        .tempdir_in(&tmp_root)
        .map_err(io_err(format!(
            "creating a temporary directory in {}",
            tmp_root.display()
        )))?;
    build_template(bins, work.path())?;
    let work = work.keep();
    for attempt in 0..2 {
        match fs::rename(&work, &final_dir) {
            Ok(()) => return Ok(final_dir),
            Err(_) if final_dir.join(TEMPLATE_MARKER).is_file() => {
                // Another process won the race; use its template.
                let _ = fs::remove_dir_all(&work);
                return Ok(final_dir);
            }
            Err(e) if attempt == 0 && final_dir.exists() => {
                // A broken template (no marker): move it aside and retry.
                let trash = tmp_root.join(format!("{name}.tmp-broken-{}", std::process::id()));
                let _ = fs::rename(&final_dir, &trash);
                let _ = fs::remove_dir_all(&trash);
                let _ = e;
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&work);
                return Err(io_err(format!(
                    "installing template {}",
                    final_dir.display()
                ))(e));
            }
        }
    }
    let _ = fs::remove_dir_all(&work);
    Err(ServerError::InitFailed {
        message: format!("could not install template {}", final_dir.display()),
        log_tail: String::new(),
    })
}

/// Initialises a data directory in `work` and prepares it for password-less `root`.
fn build_template(bins: &Binaries, work: &Path) -> Result<(), ServerError> {
    let data = work.join("data");
    let log = work.join("install.log");
    let log_file = fs::File::create(&log).map_err(io_err("creating install.log"))?;
    let log_file2 = log_file
        .try_clone()
        .map_err(io_err("cloning install.log"))?;
    // Own tmpdir for the bootstrap server: see the `--tmpdir` note in `PrivateServer::args`.
    let tmp = work.join("tmp");
    fs::create_dir_all(&tmp).map_err(io_err("creating the bootstrap tmpdir"))?;
    let mut cmd = Command::new(&bins.install_db);
    cmd.env("TMPDIR", &tmp);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db")
        .arg("--skip-name-resolve")
        .arg("--innodb-log-file-size=8M");
    if is_root() {
        cmd.arg("--user=root");
    }
    if let Some(dir) = bins.install_db.parent() {
        // Tarball layout: <basedir>/scripts/mariadb-install-db.
        if dir.file_name().is_some_and(|n| n == "scripts") {
            if let Some(base) = dir.parent() {
                cmd.arg(format!("--basedir={}", base.display()));
            }
        }
    }
    let status = cmd
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_file2)
        .status()
        .map_err(io_err(format!("running {}", bins.install_db.display())))?;
    if !status.success() {
        return Err(ServerError::InitFailed {
            message: format!("{} exited with {status}", bins.install_db.display()),
            log_tail: install_log_summary(&log),
        });
    }

    // Boot it once to make root usable without a password over socket and TCP,
    // and to leave a cleanly shut down data directory with a small redo log
    // (resized to the configured size at each start, which is cheap).
    let mut srv = PrivateServer::launch_from(
        bins,
        ServerOptions {
            data_dir: Some(data.clone()),
            extra_args: vec!["--innodb-log-file-size=8M".into()],
            ..Default::default()
        },
        None,
    )?;
    let prepare = |srv: &PrivateServer| -> Result<(), ServerError> {
        let mut c = mysql::Conn::new(srv.socket_opts())?;
        let stray: Vec<(String, String)> = c.query(
            "SELECT User, Host FROM mysql.user \
             WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1')",
        )?;
        for (user, host) in stray {
            let q = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
            c.query_drop(format!("DROP USER {}@{}", q(&user), q(&host)))?;
        }
        for host in ["localhost", "127.0.0.1", "::1"] {
            c.query_drop(format!("CREATE USER IF NOT EXISTS 'root'@'{host}'"))?;
            c.query_drop(format!(
                "ALTER USER 'root'@'{host}' IDENTIFIED VIA mysql_native_password USING PASSWORD('')"
            ))?;
            c.query_drop(format!(
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@'{host}' WITH GRANT OPTION"
            ))?;
        }
        c.query_drop("FLUSH PRIVILEGES")?;
        drop(c);
        // Verify TCP login as root without a password.
        let mut t = mysql::Conn::new(srv.opts())?;
        let who: Option<String> = t.query_first("SELECT CURRENT_USER()")?;
        if who.as_deref() != Some("root@127.0.0.1") && who.as_deref() != Some("root@localhost") {
            return Err(ServerError::InitFailed {
                message: format!("unexpected TCP login identity {who:?}"),
                log_tail: String::new(),
            });
        }
        Ok(())
    };
    let prepared = prepare(&srv);
    srv.stop()?;
    drop(srv);
    prepared?;
    fs::write(work.join(TEMPLATE_MARKER), TEMPLATE_FORMAT)
        .map_err(io_err("writing template marker"))?;
    Ok(())
}

/// The lines of an install log that explain a failure: mariadb-install-db ends
/// with a long generic advice text, so its `[ERROR]`/`[Warning]` lines and the
/// lines just before the advice are what matter.
fn install_log_summary(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let advice = lines
        .iter()
        .position(|l| l.contains("Installation of system tables failed"))
        .unwrap_or(lines.len());
    let mut out: Vec<&str> = lines[..advice]
        .iter()
        .filter(|l| l.contains("[ERROR]") || l.contains("ERROR") || l.contains("[Warning]"))
        .copied()
        .collect();
    let before = &lines[advice.saturating_sub(15)..advice];
    for l in before {
        if !out.contains(l) {
            out.push(l);
        }
    }
    if out.is_empty() {
        return tail_of_file(path, 30);
    }
    out.join("\n")
}

/// Recursive copy of regular files and directories (a data directory has nothing else).
pub(super) fn copy_dir_all(src: &Path, dst: &Path) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let to = dst.join(entry.file_name());
        if ty.is_dir() {
            copy_dir_all(&entry.path(), &to)?;
        } else if ty.is_file() {
            fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}
