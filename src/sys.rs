//! The operating-system calls the tool makes, each behind a safe function: signals to our own
//! server processes, the parent-death signal of a spawned server, the Ctrl-C flag handler,
//! SIGPIPE's default disposition, the user id and the exit hook. Every `unsafe` block of the
//! crate is here, each with why it is sound; nothing here imports the rest of the crate.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// A signal the tool sends or handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Continue a stopped process.
    Cont,
    /// Ask a process to stop (gracefully).
    Term,
    /// End a process at once.
    Kill,
    /// Freeze a process (tests of a server that hangs).
    Stop,
    /// Ctrl-C.
    Int,
}

impl Signal {
    fn raw(self) -> libc::c_int {
        match self {
            Signal::Cont => libc::SIGCONT,
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
            Signal::Stop => libc::SIGSTOP,
            Signal::Int => libc::SIGINT,
        }
    }
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: u32, signal: Signal) -> io::Result<()> {
    let pid =
        libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(pid, signal.raw()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether process `pid` exists (EPERM means it does, owned by someone else).
pub fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Reaps child `pid` if it has exited; `true` once it is gone (or not our child).
pub fn reap_if_exited(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    let mut status = 0;
    // SAFETY: a non-blocking wait writing only into `status`, a local.
    unsafe { libc::waitpid(pid, &raw mut status, libc::WNOHANG) != 0 }
}

/// Waits for child `pid` to exit and reaps it.
pub fn reap(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    let mut status = 0;
    // SAFETY: a blocking wait writing only into `status`, a local.
    unsafe { libc::waitpid(pid, &raw mut status, 0) };
}

/// Whether we run as root.
pub fn is_root() -> bool {
    user_id() == 0
}

/// The effective user id.
pub fn user_id() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Runs `hook` when the process exits normally (`exit`, the end of `main`).
pub fn at_exit(hook: extern "C" fn()) {
    // SAFETY: registering a plain extern "C" function with no captured state.
    unsafe {
        libc::atexit(hook);
    }
}

/// Makes the child `cmd` spawns receive SIGKILL when the spawning *thread* exits (Linux), and
/// exit at once if this process is already gone by then.
pub fn kill_child_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure makes only async-signal-safe calls (prctl, getppid, _exit) between
        // fork and exec, and touches no memory but its copied `parent`.
        unsafe {
            cmd.pre_exec(move || {
                let kill = libc::c_ulong::try_from(libc::SIGKILL).unwrap_or(9);
                if libc::prctl(libc::PR_SET_PDEATHSIG, kill, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Ends the process at once with `code`, running no exit hooks (safe in a signal handler).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` is async-signal-safe and ends the process.
    unsafe { libc::_exit(code) }
}

/// The argument of a signal handler.
pub type RawSignal = libc::c_int;

/// A SIGINT disposition saved by [`on_sigint`], to restore with [`restore_sigint`].
#[derive(Debug, Clone, Copy)]
pub struct SigintDisposition(libc::sighandler_t);

/// Installs `handler` for SIGINT; returns the disposition it replaced. The handler must do only
/// async-signal-safe work (an atomic store, [`exit_now`]).
pub fn on_sigint(handler: extern "C" fn(RawSignal)) -> SigintDisposition {
    // SAFETY: signal(2) with a function pointer; the caller's handler is async-signal-safe.
    SigintDisposition(unsafe { libc::signal(libc::SIGINT, handler as libc::sighandler_t) })
}

/// Restores a SIGINT disposition [`on_sigint`] replaced.
pub fn restore_sigint(previous: SigintDisposition) {
    // SAFETY: restoring a disposition signal(2) returned.
    unsafe { libc::signal(libc::SIGINT, previous.0) };
}

/// Raises SIGINT in this process (tests of the Ctrl-C path).
pub fn raise_sigint() {
    // SAFETY: raise(2) runs the installed handler, which is async-signal-safe.
    unsafe { libc::raise(libc::SIGINT) };
}

/// Restores SIGPIPE's default disposition (Rust ignores it), so that a closed pipe ends the
/// process quietly like any Unix tool instead of a panic in `println!`.
pub fn default_sigpipe() {
    // SAFETY: setting a disposition to SIG_DFL at start-up, before other threads exist.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}
