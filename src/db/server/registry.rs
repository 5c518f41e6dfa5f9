//! The registry of live servers: what the `atexit` hook stops, and the sweep of
//! instance directories left behind by killed processes.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::{short_temp_base, GRACEFUL_STOP_TIMEOUT, INSTANCE_PREFIX, OWNER_FILE};
use crate::sys::{self, Signal};

/// A running server as the exit hook sees it.
pub(super) struct LiveEntry {
    /// The [`next_id`] of its `PrivateServer`.
    pub(super) id: u64,
    pub(super) pid: u32,
    /// SIGTERM rather than SIGKILL at exit (its data is kept, so shut it down cleanly).
    pub(super) graceful: bool,
    /// Directory to remove once it has exited.
    pub(super) remove_dir: Option<PathBuf>,
}

static LIVE: Mutex<Vec<LiveEntry>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A process-unique id for a new server, its key in the registry.
pub(super) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The `atexit` hook: stops the servers still registered and removes their directories.
extern "C" fn cleanup_at_exit() {
    let entries = match LIVE.try_lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(std::sync::TryLockError::Poisoned(p)) => std::mem::take(&mut *p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    for e in &entries {
        let _ = sys::kill(e.pid, Signal::Cont);
        let _ = sys::kill(
            e.pid,
            if e.graceful {
                Signal::Term
            } else {
                Signal::Kill
            },
        );
    }
    for e in &entries {
        let deadline = Instant::now() + GRACEFUL_STOP_TIMEOUT;
        loop {
            if sys::reap_if_exited(e.pid) {
                break;
            }
            if Instant::now() > deadline {
                let _ = sys::kill(e.pid, Signal::Kill);
                sys::reap(e.pid);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(dir) = &e.remove_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Records a started server (replacing an earlier entry of the same id) and installs
/// the exit hook on first use.
pub(super) fn register_live(entry: LiveEntry) {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        sys::at_exit(cleanup_at_exit);
    });
    let mut live = LIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    live.retain(|e| e.id != entry.id);
    live.push(entry);
}

/// Forgets a server that has exited or been stopped.
pub(super) fn unregister_live(id: u64) {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .retain(|e| e.id != id);
}

/// Removes instance directories whose owning process is gone (left behind by a
/// killed test binary). Runs once per process.
pub(super) fn sweep_stale_instances() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let base = short_temp_base();
        let Ok(entries) = fs::read_dir(&base) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if name.starts_with(INSTANCE_PREFIX) {
                let Ok(owner) = fs::read_to_string(path.join(OWNER_FILE)) else {
                    continue; // keep_data instances have no owner file
                };
                let owner_alive = owner.trim().parse::<i32>().map(pid_alive).unwrap_or(true);
                let server_alive = fs::read_to_string(path.join("mysqld.pid"))
                    .ok()
                    .and_then(|p| p.trim().parse::<i32>().ok())
                    .map(pid_alive)
                    .unwrap_or(false);
                if !owner_alive && !server_alive {
                    let _ = fs::remove_dir_all(&path);
                }
            } else if name.starts_with("lightning-mariadb-template-") && name.contains(".tmp-") {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if old {
                    let _ = fs::remove_dir_all(&path);
                }
            }
        }
    });
}

/// Whether a process exists (EPERM means it does, owned by someone else).
fn pid_alive(pid: i32) -> bool {
    sys::process_exists(pid)
}
