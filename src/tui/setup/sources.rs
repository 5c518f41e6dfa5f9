//! What the wizard offers, gathered from disk before the UI starts: the
//! saved profile, the client settings of `~/.my.cnf`, the login name and a
//! server socket at a standard path.

use super::form::Defaults;
use super::{SetupContext, Source, SourceKind};
use crate::db::options::profile::{label, option_file_settings, quiet_env, Profile};
use crate::db::options::store::ProfileStore;
use crate::db::options::{ConnectionArgs, STANDARD_SOCKETS};
use std::path::{Path, PathBuf};

/// Gathers the wizard's context from the real environment (`$HOME`, the
/// configuration directory). Unreadable files are simply not offered.
pub fn gather() -> SetupContext {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let store = ProfileStore::of_user();
    let profile = store.as_ref().and_then(|s| s.load_default().ok().flatten());
    let named = store.as_ref().map(named_profiles).unwrap_or_default();
    gather_from(home.as_deref(), profile, named)
}

/// Every named profile that reads, by name.
fn named_profiles(store: &ProfileStore) -> Vec<(String, Profile)> {
    store
        .names()
        .into_iter()
        .filter_map(|n| store.load_named(&n).ok().map(|p| (n, p)))
        .collect()
}

/// [`gather`] with the home directory, the saved profile and the named ones given.
pub fn gather_from(
    home: Option<&Path>,
    profile: Option<Profile>,
    named: Vec<(String, Profile)>,
) -> SetupContext {
    let env = quiet_env(home.map(Path::to_path_buf));
    let mut sources: Vec<Source> = profile
        .and_then(|p| profile_source(SourceKind::Profile, p, home, &env))
        .into_iter()
        .collect();
    sources.extend(
        named
            .into_iter()
            .filter_map(|(n, p)| profile_source(SourceKind::Named(n), p, home, &env)),
    );
    if let Some(values) = option_file_settings(home) {
        let prefill = Profile::from_option_values(&values);
        let resolved = ConnectionArgs::default().resolve_with(&env);
        let shown = resolved.as_ref().ok().cloned().or_else(|| {
            Profile {
                ask_password: false,
                ..prefill.clone()
            }
            .resolve(&quiet_env(None))
            .ok()
        });
        if let Some(shown) = shown {
            sources.push(Source {
                kind: SourceKind::OptionFile,
                label: label(&shown),
                config: resolved.ok(),
                save_as: Profile::option_file(None),
                prefill,
            });
        }
    }
    SetupContext {
        sources,
        defaults: Defaults {
            user: env.login_user.clone().unwrap_or_else(|| "root".to_string()),
            socket: standard_socket(),
        },
    }
}

/// A saved profile as a source: ready to try, or needing its password typed in the form.
fn profile_source(
    kind: SourceKind,
    p: Profile,
    home: Option<&Path>,
    env: &crate::db::options::ResolveEnv,
) -> Option<Source> {
    // A profile that defers to ~/.my.cnf is tried through it; the form
    // then shows the file's values.
    let prefill = if p.use_option_file {
        option_file_settings(home)
            .map(|v| Profile {
                database: p.database.clone().or(v.database.clone()),
                ..Profile::from_option_values(&v)
            })
            .unwrap_or_default()
    } else {
        p.clone()
    };
    if let Ok(config) = p.resolve(env) {
        return Some(Source {
            kind,
            label: label(&config),
            config: Some(config),
            save_as: p,
            prefill,
        });
    }
    // It needs a password typed: offer it, the form asks for it.
    let shown = prefill.resolve(&quiet_env(None)).or_else(|_| {
        Profile {
            ask_password: false,
            ..prefill.clone()
        }
        .resolve(&quiet_env(None))
    });
    shown.ok().map(|config| Source {
        kind,
        label: label(&config),
        config: None,
        save_as: p,
        prefill,
    })
}

/// The first standard socket path that exists.
fn standard_socket() -> Option<PathBuf> {
    STANDARD_SOCKETS.iter().map(PathBuf::from).find(|p| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket())
        }
        #[cfg(not(unix))]
        {
            let _ = p;
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_with(cnf: &str) -> tempfile::TempDir {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        if let Err(e) = std::fs::write(dir.path().join(".my.cnf"), cnf) {
            panic!("{e}");
        }
        dir
    }

    #[test]
    fn nothing_known_means_no_sources() {
        let dir = home_with("[mysqld]\nport=1\n");
        let ctx = gather_from(Some(dir.path()), None, Vec::new());
        assert!(ctx.sources.is_empty());
        assert!(!ctx.defaults.user.is_empty());
    }

    #[test]
    fn option_file_and_profile_are_offered() {
        let dir = home_with("[client]\nuser=cnfuser\nhost=db.local\npassword=pw-in-cnf\n");
        let profile = Profile {
            user: Some("app".into()),
            host: Some("10.1.1.1".into()),
            port: Some(3307),
            ask_password: true,
            ..Profile::default()
        };
        let named = vec![(
            "prod".to_string(),
            Profile {
                user: Some("ops".into()),
                host: Some("10.2.2.2".into()),
                ..Profile::default()
            },
        )];
        let ctx = gather_from(Some(dir.path()), Some(profile), named);
        let labels: Vec<(&str, bool)> = ctx
            .sources
            .iter()
            .map(|s| (s.label.as_str(), s.config.is_some()))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("app@10.1.1.1:3307", false),
                ("ops@10.2.2.2", true),
                ("cnfuser@db.local", true)
            ],
            "the profile needs its password typed; the named one and the option file are ready"
        );
        assert_eq!(ctx.sources[1].kind, SourceKind::Named("prod".into()));
        assert!(ctx.sources[2].save_as.use_option_file);
        assert!(ctx.sources[2].save_as.password.is_none());
    }
}
