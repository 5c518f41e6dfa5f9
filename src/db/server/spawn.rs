//! Spawning servers so that they die with this process, even when it is killed.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::{mpsc, Mutex, OnceLock};

/// A command for the spawner thread, and where to send the child back.
struct SpawnRequest {
    cmd: Command,
    reply: mpsc::Sender<io::Result<Child>>,
}

/// Spawns `cmd` from a helper thread that lives as long as the process, so that
/// `PR_SET_PDEATHSIG` (which fires when the forking *thread* exits) means
/// "when this process dies".
pub(super) fn spawn_tied_to_process(mut cmd: Command) -> io::Result<Child> {
    crate::sys::kill_child_with_parent(&mut cmd);
    // Own process group: a Ctrl-C in the terminal goes to us, not to the server.
    cmd.process_group(0);

    // `None` when the thread could not be started (then no server can be).
    static SPAWNER: OnceLock<Option<Mutex<mpsc::Sender<SpawnRequest>>>> = OnceLock::new();
    let spawner = SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<SpawnRequest>();
            std::thread::Builder::new()
                .name("lightning-mariadb-spawner".into())
                .spawn(move || {
                    for mut req in rx {
                        let _ = req.reply.send(req.cmd.spawn());
                    }
                })
                .ok()
                .map(|_| Mutex::new(tx))
        })
        .as_ref()
        .ok_or_else(|| io::Error::other("cannot start the server spawner thread"))?;
    let (reply, result) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .send(SpawnRequest { cmd, reply })
        .map_err(|_| io::Error::other("server spawner thread is gone"))?;
    result
        .recv()
        .map_err(|_| io::Error::other("server spawner thread is gone"))?
}
