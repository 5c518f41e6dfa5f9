//! The worker: background threads that own every MariaDB connection, so the
//! UI thread never waits on the server.
//!
//! The UI sends [`Request`]s and polls [`Response`]s over `std::sync::mpsc`.
//! A dispatcher thread routes them: quick metadata requests and previews go
//! to the *session* thread (one connection, in order, stale previews
//! skipped); lifecycle operations and comparisons each get a thread of their
//! own; `Pause`/`Cancel` are handled by the dispatcher itself, which is never
//! blocked, so it can `KILL QUERY` a running statement from a second
//! connection.

pub mod diagnose;
pub mod jobs;
pub mod protocol;
pub mod session;

pub use protocol::*;

use crate::lifecycle::Control;
use mysql::prelude::Queryable;
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the dispatcher knows about a running request, to stop or pause it.
#[derive(Debug, Clone, Default)]
pub struct Running {
    /// Connection running the request's statement, for `KILL QUERY`.
    pub connection_id: Option<u64>,
    /// Backfill switches of a lifecycle operation.
    pub control: Option<Control>,
}

/// Running requests by id, shared by the worker's threads.
pub type Registry = Arc<Mutex<HashMap<RequestId, Running>>>;

/// Records `running` for `id` (a poisoned lock only loses cancellation).
pub fn register(registry: &Registry, id: RequestId, running: Running) {
    if let Ok(mut map) = registry.lock() {
        map.insert(id, running);
    }
}

/// Forgets request `id`.
pub fn unregister(registry: &Registry, id: RequestId) {
    if let Ok(mut map) = registry.lock() {
        map.remove(&id);
    }
}

/// Sends a response; the UI may be gone, then there is nobody to tell.
pub fn reply(out: &Sender<Response>, id: RequestId, kind: ResponseKind) {
    let _ = out.send(Response { id, kind });
}

/// The UI's handle on the worker threads.
#[derive(Debug)]
pub struct Worker {
    requests: Sender<Request>,
    responses: Receiver<Response>,
}

impl Worker {
    /// Starts the worker for the server `opts` points at. Nothing connects
    /// until the first request.
    pub fn start(opts: mysql::Opts) -> Worker {
        Worker::spawn(Some(opts))
    }

    /// Starts a worker with no server yet (the setup wizard): requests
    /// other than [`RequestKind::Diagnose`] fail until a
    /// [`RequestKind::Switch`] names one.
    pub fn idle() -> Worker {
        Worker::spawn(None)
    }

    fn spawn(opts: Option<mysql::Opts>) -> Worker {
        let (requests, request_rx) = mpsc::channel::<Request>();
        let (response_tx, responses) = mpsc::channel::<Response>();
        // Dropping the Worker closes the request channel, which ends the
        // dispatcher; it is not joined, so quitting never waits on the server.
        let spawned = std::thread::Builder::new()
            .name("lightning-worker".into())
            .spawn(move || dispatch(opts, request_rx, response_tx));
        if spawned.is_err() {
            // Without threads no request is ever answered; the UI reports
            // that as an unresponsive server.
        }
        Worker {
            requests,
            responses,
        }
    }

    /// Queues a request (silently dropped if the worker died; the UI then
    /// notices the missing answer through its timeout).
    pub fn send(&self, request: Request) {
        let _ = self.requests.send(request);
    }

    /// The next response, if one is ready.
    pub fn try_recv(&self) -> Option<Response> {
        self.responses.try_recv().ok()
    }

    /// Waits up to `timeout` for the next response.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Response> {
        self.responses.recv_timeout(timeout).ok()
    }
}

/// The server the worker talks to and its session thread.
struct Server {
    opts: mysql::Opts,
    session: Sender<Request>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(opts: mysql::Opts, out: &Sender<Response>, registry: &Registry) -> Server {
        let (session, session_rx) = mpsc::channel::<Request>();
        let thread = {
            let (opts, out, registry) = (opts.clone(), out.clone(), registry.clone());
            std::thread::Builder::new()
                .name("lightning-session".into())
                .spawn(move || session::run(opts, session_rx, out, registry))
                .ok()
        };
        Server {
            opts,
            session,
            thread,
        }
    }
}

fn dispatch(opts: Option<mysql::Opts>, requests: Receiver<Request>, out: Sender<Response>) {
    let registry: Registry = Arc::new(Mutex::new(HashMap::new()));
    let mut server = opts.map(|o| Server::start(o, &out, &registry));
    for request in requests {
        match (&request.kind, &server) {
            (RequestKind::Switch { config }, _) => {
                // The old session ends once its queue is empty; it is not
                // joined, a slow server must not hold up the new one.
                server = Some(Server::start(config.to_opts(), &out, &registry));
            }
            (RequestKind::Diagnose { .. }, _) => diagnose::spawn(request, out.clone()),
            (_, None) => reply(
                &out,
                request.id,
                ResponseKind::Failed(Failure::NotConnected),
            ),
            (RequestKind::Cancel { target }, Some(s)) => cancel(&s.opts, &registry, *target),
            (RequestKind::Pause { target, paused }, Some(_)) => {
                if let Ok(map) = registry.lock() {
                    if let Some(control) = map.get(target).and_then(|r| r.control.as_ref()) {
                        control.set_paused(*paused);
                    }
                }
            }
            (
                RequestKind::Create { .. }
                | RequestKind::Resume { .. }
                | RequestKind::Rebuild { .. }
                | RequestKind::Validate { .. }
                | RequestKind::Drop { .. }
                | RequestKind::Compare { .. },
                Some(s),
            ) => {
                jobs::spawn(s.opts.clone(), request, out.clone(), registry.clone());
            }
            (_, Some(s)) => {
                let _ = s.session.send(request);
            }
        }
    }
    // The UI is gone: stop every backfill after its current chunk.
    if let Ok(map) = registry.lock() {
        for running in map.values() {
            if let Some(control) = &running.control {
                control.cancel();
            }
        }
    }
    if let Some(Server {
        session, thread, ..
    }) = server
    {
        drop(session);
        if let Some(handle) = thread {
            let _ = handle.join();
        }
    }
}

/// Stops request `target`: cancels its backfill and kills its statement.
fn cancel(opts: &mysql::Opts, registry: &Registry, target: RequestId) {
    let running = registry
        .lock()
        .ok()
        .and_then(|map| map.get(&target).cloned());
    let Some(running) = running else { return };
    if let Some(control) = &running.control {
        control.cancel();
    }
    if let Some(id) = running.connection_id {
        // A second, short-lived connection: the first one is busy.
        if let Ok(mut killer) = super::errors::connect(opts) {
            let _ = killer.query_drop(format!("KILL QUERY {id}"));
        }
    }
}

/// `opts` with another default database (`None` keeps the original one).
pub fn with_database(opts: &mysql::Opts, database: Option<&str>) -> mysql::Opts {
    match database {
        Some(db) => mysql::OptsBuilder::from_opts(opts.clone())
            .db_name(Some(db))
            .into(),
        None => opts.clone(),
    }
}
