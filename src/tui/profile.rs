//! The UI's side of connection profiles: what the window opens with, and
//! saving the wizard's profile. The profiles themselves and the order of
//! sources live in [`crate::db::options`] (shared with every command).

use crate::db::options::choose::{choose, Source};
use crate::db::options::store::ProfileStore;
use crate::db::options::ConnectionArgs;
use std::path::PathBuf;

/// Why the wizard's profile was not saved (cloneable: it travels in a message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotSaved {
    /// There is no configuration directory to save it in.
    #[error("{}", super::strings::NO_CONFIG_DIR)]
    NoConfigDir,
    /// Writing failed (the store's error in words).
    #[error("{0}")]
    Write(String),
}

/// What `lightning` without a subcommand opens: `Ok(None)` connects with the
/// command line's resolved settings (flags, a profile, `~/.my.cnf`), `Some(Setup)` opens the
/// wizard because nothing says where to connect.
pub fn startup(args: &ConnectionArgs) -> anyhow::Result<Option<super::Start>> {
    // Before any password prompt: without a terminal there is no UI anyway.
    super::check_terminal()?;
    let store = ProfileStore::of_user();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let chosen = choose(args, store.as_ref(), home.as_deref())?;
    Ok((chosen.source == Source::Nothing).then_some(super::Start::Setup))
}
