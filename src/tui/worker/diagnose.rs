//! Trying a connection for the setup wizard: connect with the candidate
//! settings and run the doctor checks, on a thread of its own.

use super::protocol::*;
use super::reply;
use crate::db::doctor::{diagnose, DoctorError};
use crate::tui::errors;
use std::sync::mpsc::Sender;

/// Answers a [`RequestKind::Diagnose`] from a new thread.
pub fn spawn(request: Request, out: Sender<Response>) {
    let id = request.id;
    let RequestKind::Diagnose { config } = request.kind else {
        reply(
            &out,
            id,
            ResponseKind::Failed(Failure::Misrouted("diagnose")),
        );
        return;
    };
    let fallback = out.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("lightning-diagnose-{id}"))
        .spawn(move || {
            let kind = errors::catch(|| ResponseKind::Diagnosed(run(&config)))
                .unwrap_or_else(ResponseKind::Failed);
            reply(&out, id, kind);
        });
    if let Err(e) = spawned {
        reply(
            &fallback,
            id,
            ResponseKind::Failed(Failure::Thread(e.to_string())),
        );
    }
}

fn run(
    config: &crate::db::options::ConnectionConfig,
) -> Result<Box<crate::db::doctor::DoctorReport>, DiagnoseFailure> {
    diagnose(config).map(Box::new).map_err(|e| match e {
        DoctorError::Connect(c) => DiagnoseFailure {
            kind: Some(c.kind),
            reason: c.reason,
        },
        other => {
            let mut reason = errors::one_line(&other.to_string());
            if let Some(p) = &config.password {
                reason = p.redact_in(&reason);
            }
            DiagnoseFailure { kind: None, reason }
        }
    })
}
