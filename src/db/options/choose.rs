//! Where a run's connection settings come from, decided in one place for
//! every command and for the UI:
//!
//! 1. `--profile NAME`: that saved profile, with any connection flags given on top;
//! 2. connection flags, `--url` or `--defaults-file`: those (and the option file);
//! 3. the default profile the setup wizard saved;
//! 4. the client settings of `~/.my.cnf`;
//! 5. nothing: the UI opens the setup wizard, a command uses the defaults.

use super::profile::{option_file_settings, options_given, Profile};
use super::store::{ProfileStore, StoreError};
use super::ConnectionArgs;
use std::path::Path;

/// Which of the sources above decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--profile NAME`.
    Named(String),
    /// Connection flags, `--url` or `--defaults-file`.
    Flags,
    /// The default profile the wizard saved.
    Saved,
    /// The client settings of `~/.my.cnf`.
    OptionFile,
    /// Nothing says where to connect.
    Nothing,
}

/// The decision: the source and the flags to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// Which source decided.
    pub source: Source,
    /// What to resolve ([`ConnectionArgs::resolve`]).
    pub args: ConnectionArgs,
}

/// Decides where `args` connect. `store` is where profiles live (`None`: no
/// configuration directory), `home` holds `.my.cnf`.
pub fn choose(
    args: &ConnectionArgs,
    store: Option<&ProfileStore>,
    home: Option<&Path>,
) -> Result<Chosen, StoreError> {
    if let Some(name) = &args.profile {
        let profile = match store {
            Some(s) => s.load_named(name)?,
            None => return Err(StoreError::NoConfigDir),
        };
        return Ok(Chosen {
            source: Source::Named(name.clone()),
            args: overlay(&profile, args),
        });
    }
    if options_given(args) {
        return Ok(plain(Source::Flags, args));
    }
    if let Some(profile) = store.map(ProfileStore::load_default).transpose()?.flatten() {
        return Ok(Chosen {
            source: Source::Saved,
            args: overlay(&profile, args),
        });
    }
    if !args.no_defaults && option_file_settings(home).is_some() {
        return Ok(plain(Source::OptionFile, args));
    }
    Ok(plain(Source::Nothing, args))
}

fn plain(source: Source, args: &ConnectionArgs) -> Chosen {
    Chosen {
        source,
        args: args.clone(),
    }
}

/// The profile's settings with every flag the command line gave on top (flags win, as they
/// win over an option file).
fn overlay(profile: &Profile, flags: &ConnectionArgs) -> ConnectionArgs {
    let mut out = profile.to_args();
    let pick = |given: &Option<String>, saved: &mut Option<String>| {
        if given.is_some() {
            saved.clone_from(given);
        }
    };
    pick(&flags.host, &mut out.host);
    pick(&flags.user, &mut out.user);
    pick(&flags.database, &mut out.database);
    out.port = flags.port.or(out.port);
    if flags.password.is_some() {
        out.password.clone_from(&flags.password);
    }
    if flags.socket.is_some() {
        out.socket.clone_from(&flags.socket);
    }
    if flags.defaults_file.is_some() {
        out.defaults_file.clone_from(&flags.defaults_file);
        out.no_defaults = false;
    }
    out.no_defaults |= flags.no_defaults;
    out.ssl |= flags.ssl;
    if flags.ssl_ca.is_some() {
        out.ssl_ca.clone_from(&flags.ssl_ca);
    }
    out.ssl_verify_server_cert |= flags.ssl_verify_server_cert;
    out.connect_timeout = flags.connect_timeout.or(out.connect_timeout);
    out.profile.clone_from(&flags.profile);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::options::profile::quiet_env;
    use crate::db::options::Endpoint;

    fn store() -> (tempfile::TempDir, ProfileStore) {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let store = ProfileStore::at(dir.path());
        (dir, store)
    }

    fn save(store: &ProfileStore, name: Option<&str>, host: &str) {
        let p = Profile {
            user: Some("app".into()),
            host: Some(host.into()),
            port: Some(3307),
            database: Some("shop".into()),
            ..Profile::default()
        };
        if let Err(e) = store.save(name, &p) {
            panic!("{e}");
        }
    }

    fn source(args: &ConnectionArgs, store: &ProfileStore, home: Option<&Path>) -> Source {
        match choose(args, Some(store), home) {
            Ok(c) => c.source,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_order_of_sources() {
        let (_dir, store) = store();
        let home = tempfile::tempdir().ok();
        let home = home.as_ref().map(tempfile::TempDir::path);
        let none = ConnectionArgs::default();
        assert_eq!(source(&none, &store, home), Source::Nothing);
        if let Some(h) = home {
            let _ = std::fs::write(h.join(".my.cnf"), "[client]\nuser=cnf\n");
        }
        assert_eq!(source(&none, &store, home), Source::OptionFile);
        let no_defaults = ConnectionArgs {
            no_defaults: true,
            ..ConnectionArgs::default()
        };
        assert_eq!(source(&no_defaults, &store, home), Source::Nothing);
        save(&store, None, "saved-host");
        assert_eq!(source(&none, &store, home), Source::Saved);
        let flags = ConnectionArgs {
            host: Some("flag-host".into()),
            ..ConnectionArgs::default()
        };
        assert_eq!(source(&flags, &store, home), Source::Flags);
        save(&store, Some("prod"), "prod-host");
        let named = ConnectionArgs {
            profile: Some("prod".into()),
            ..ConnectionArgs::default()
        };
        assert_eq!(source(&named, &store, home), Source::Named("prod".into()));
    }

    #[test]
    fn flags_given_with_a_profile_win_over_its_fields() {
        let (_dir, store) = store();
        save(&store, Some("prod"), "prod-host");
        let args = ConnectionArgs {
            profile: Some("prod".into()),
            database: Some("other".into()),
            connect_timeout: Some(9),
            ..ConnectionArgs::default()
        };
        let chosen = match choose(&args, Some(&store), None) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let config = match chosen.args.resolve_with(&quiet_env(None)) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            config.endpoint,
            Endpoint::Tcp {
                host: "prod-host".into(),
                port: 3307
            }
        );
        assert_eq!(config.user, "app");
        assert_eq!(config.database.as_deref(), Some("other"));
        assert_eq!(config.connect_timeout.as_secs(), 9);
    }

    #[test]
    fn an_unknown_profile_is_an_error_naming_the_saved_ones() {
        let (_dir, store) = store();
        save(&store, Some("staging"), "h");
        let args = ConnectionArgs {
            profile: Some("prod".into()),
            ..ConnectionArgs::default()
        };
        let err = choose(&args, Some(&store), None)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("there is no connection profile named \"prod\" (saved: staging)")
        );
        let err = choose(&args, None, None).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("configuration directory")));
    }
}
