//! Where saved connection profiles live: the default one the setup wizard
//! writes (`profile.toml`) and named ones (`profiles/NAME.toml`), all in the
//! configuration directory (`$XDG_CONFIG_HOME/lightning-tables` on Linux).

use super::profile::{Profile, ProfileError, FILE_NAME};
use std::path::{Path, PathBuf};

/// The folder of the named profiles, inside the configuration directory.
pub const NAMED_DIR: &str = "profiles";

/// The configuration directory (`$XDG_CONFIG_HOME/lightning-tables` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "lightning-tables").map(|d| d.config_dir().to_path_buf())
}

/// Why a profile name was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Names become file names: letters, digits, `-` and `_` only.
    #[error("the profile name {name:?} has {bad:?} at position {position}: use letters, digits, '-' and '_'")]
    Invalid {
        /// The name given.
        name: String,
        /// The first character not allowed.
        bad: char,
        /// Its 1-based position in the name.
        position: usize,
    },
    /// An empty name.
    #[error("the profile name is empty")]
    Empty,
}

/// Checks that `name` can name a profile file.
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    match name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some((i, bad)) => Err(NameError::Invalid {
            name: name.to_string(),
            bad,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

/// The saved profiles under one configuration directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    /// The profiles under `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ProfileStore { dir: dir.into() }
    }

    /// The profiles of this user, when there is a configuration directory.
    pub fn of_user() -> Option<Self> {
        config_dir().map(Self::at)
    }

    /// The configuration directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the default profile (`None`) or of the named one.
    pub fn path(&self, name: Option<&str>) -> Result<PathBuf, NameError> {
        match name {
            None => Ok(self.dir.join(FILE_NAME)),
            Some(n) => {
                check_name(n)?;
                Ok(self.dir.join(NAMED_DIR).join(format!("{n}.toml")))
            }
        }
    }

    /// The default profile, when one was saved.
    pub fn load_default(&self) -> Result<Option<Profile>, ProfileError> {
        Profile::load(&self.dir.join(FILE_NAME))
    }

    /// Saves `profile` as the default one (`None`) or under `name`.
    pub fn save(&self, name: Option<&str>, profile: &Profile) -> Result<PathBuf, StoreError> {
        let path = self.path(name)?;
        profile.save(&path)?;
        Ok(path)
    }

    /// The named profile `name`: an error names the known ones when it does not exist.
    pub fn load_named(&self, name: &str) -> Result<Profile, StoreError> {
        let path = self.path(Some(name))?;
        match Profile::load(&path)? {
            Some(p) => Ok(p),
            None => Err(StoreError::Unknown {
                name: name.to_string(),
                known: self.names(),
                dir: self.dir.join(NAMED_DIR),
            }),
        }
    }

    /// The names of the saved named profiles, sorted.
    pub fn names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(NAMED_DIR)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file = e.file_name().into_string().ok()?;
                let name = file.strip_suffix(".toml")?;
                check_name(name).ok().map(|()| name.to_string())
            })
            .collect();
        names.sort();
        names
    }
}

/// Why a profile could not be found, read or saved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The name cannot name a file.
    #[error(transparent)]
    Name(#[from] NameError),
    /// No profile has that name.
    #[error(
        "there is no connection profile named {name:?} ({})",
        known_list(known, dir)
    )]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: Vec<String>,
        /// Where named profiles live.
        dir: PathBuf,
    },
    /// Reading, parsing or writing the file failed.
    #[error(transparent)]
    File(#[from] ProfileError),
    /// There is no configuration directory (no home) to keep profiles in.
    #[error("there is no configuration directory to keep connection profiles in (is HOME set?)")]
    NoConfigDir,
}

fn known_list(known: &[String], dir: &Path) -> String {
    if known.is_empty() {
        format!("none is saved in {}", dir.display())
    } else {
        format!("saved: {}", known.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_with_their_position() {
        assert_eq!(check_name("prod-eu_1"), Ok(()));
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert_eq!(
            check_name("../etc"),
            Err(NameError::Invalid {
                name: "../etc".into(),
                bad: '.',
                position: 1
            })
        );
        let err = check_name("a b").map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(
                "the profile name \"a b\" has ' ' at position 2: use letters, digits, '-' and '_'"
                    .into()
            )
        );
    }

    #[test]
    fn named_profiles_round_trip_and_unknown_names_list_the_known_ones() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let store = ProfileStore::at(dir.path());
        let unknown = store.load_named("prod").err().map(|e| e.to_string());
        assert!(
            unknown
                .as_deref()
                .is_some_and(|m| m.contains("none is saved")),
            "{unknown:?}"
        );
        let p = Profile {
            user: Some("app".into()),
            host: Some("db1".into()),
            ..Profile::default()
        };
        for name in ["staging", "prod"] {
            if let Err(e) = store.save(Some(name), &p) {
                panic!("{e}");
            }
        }
        assert_eq!(
            store.names(),
            vec!["prod".to_string(), "staging".to_string()]
        );
        assert_eq!(store.load_named("prod").ok(), Some(p));
        let unknown = store.load_named("dev").err().map(|e| e.to_string());
        assert_eq!(
            unknown.as_deref(),
            Some("there is no connection profile named \"dev\" (saved: prod, staging)")
        );
        assert!(matches!(store.load_default(), Ok(None)));
    }
}
