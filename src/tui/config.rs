//! The UI's configuration file, `config.toml` in the configuration
//! directory: a few named colours and key binding overrides.
//!
//! ```toml
//! [theme]
//! accent = "magenta"       # gauges, summary markers
//! focus = "lightblue"      # focused pane border, headings
//! title = "#ffaf00"        # title bar background
//!
//! [keys.summaries]         # same syntax as the older keys.toml
//! drop = "D"
//! [keys.global]
//! quit = ["q", "ctrl-q"]
//! ```
//!
//! `keys.toml` (the earlier, keys-only file) is still read; overrides in
//! `config.toml` are applied after it, so they win.

use super::keymap::{Keymap, KeymapError};
use super::theme::{Colours, Theme, COLOUR_NAMES};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Name of the configuration file.
pub const FILE_NAME: &str = "config.toml";
/// A commented example configuration (`assets/config.example.toml`); the tests load it.
pub const EXAMPLE: &str = include_str!("../../assets/config.example.toml");
/// Name of the older key bindings file, still honoured.
pub const KEYS_FILE_NAME: &str = "keys.toml";

/// The configuration directory (`$XDG_CONFIG_HOME/lightning-tables` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "lightning-tables").map(|d| d.config_dir().to_path_buf())
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown sections.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A colour name is not understood.
    #[error("{}: [theme] {key} = {value:?} is not a colour (try a name like \"cyan\", \"#ff8800\" or 0-255)", path.display())]
    Colour {
        /// The file.
        path: PathBuf,
        /// The theme key.
        key: String,
        /// The value given.
        value: String,
    },
    /// A key binding override is wrong.
    #[error(transparent)]
    Keys(#[from] KeymapError),
}

/// The file format.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    theme: BTreeMap<String, String>,
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

/// The effective configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Styles.
    pub theme: Theme,
    /// Key bindings.
    pub keymap: Keymap,
}

impl Config {
    /// Reads `config.toml` and `keys.toml` from `dir` (missing files mean
    /// defaults); `None` means the defaults.
    pub fn load(dir: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(dir) = dir else {
            return Ok(Config::default());
        };
        let keymap = Keymap::load(&dir.join(KEYS_FILE_NAME))?;
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    theme: Theme::default(),
                    keymap,
                })
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::from_text(&text, &path, keymap)
    }

    /// The configuration `text` (read from `path`, which labels errors) applied over `keymap`.
    pub fn from_text(text: &str, path: &Path, keymap: Keymap) -> Result<Config, ConfigError> {
        let path = path.to_path_buf();
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.clone(),
            message: e.message().to_string(),
        })?;
        let colours = Colours::parse(&file.theme).map_err(|(key, value)| {
            if COLOUR_NAMES.contains(&key.as_str()) {
                ConfigError::Colour {
                    path: path.clone(),
                    key,
                    value,
                }
            } else {
                ConfigError::Syntax {
                    path: path.clone(),
                    message: format!(
                        "unknown [theme] colour {key:?} (known: {})",
                        COLOUR_NAMES.join(", ")
                    ),
                }
            }
        })?;
        let keymap = keymap
            .with_override_table(file.keys)
            .map_err(|e| e.in_file(&path))?;
        Ok(Config {
            theme: Theme::default().with_colours(&colours),
            keymap,
        })
    }

    /// The configuration of the real configuration directory.
    pub fn load_default() -> Result<Config, ConfigError> {
        Config::load(config_dir().as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{parse_key, Action, Context};
    use ratatui::style::Color;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        for (name, text) in files {
            if let Err(e) = std::fs::write(dir.path().join(name), text) {
                panic!("{e}");
            }
        }
        dir
    }

    fn key(spec: &str) -> crate::tui::keymap::Key {
        match parse_key(spec) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_example_configuration_loads() {
        let config =
            Config::from_text(EXAMPLE, Path::new("config.example.toml"), Keymap::default())
                .unwrap_or_else(|e| panic!("{e}"));
        use crate::tui::keymap::{Action, Context};
        assert_eq!(
            config
                .keymap
                .key_label(Context::Summaries, Action::Drop)
                .as_deref(),
            Some("D")
        );
        assert_ne!(config.theme.title_bar, Theme::default().title_bar);
    }

    #[test]
    fn missing_files_mean_defaults() {
        let dir = dir_with(&[]);
        let c = match Config::load(Some(dir.path())) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(c.theme, Theme::default());
    }

    #[test]
    fn theme_and_keys_with_keys_toml_underneath() {
        let dir = dir_with(&[
            ("keys.toml", "[summaries]\ndrop = \"D\"\nvalidate = \"V\"\n"),
            (
                "config.toml",
                "[theme]\naccent = \"magenta\"\nfocus = \"#00ff00\"\n\n[keys.summaries]\nvalidate = \"ctrl-v\"\n",
            ),
        ]);
        let c = match Config::load(Some(dir.path())) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(c.theme.accent.fg, Some(Color::Magenta));
        assert_eq!(c.theme.focused_border.fg, Some(Color::Rgb(0, 255, 0)));
        let km = &c.keymap;
        assert_eq!(
            km.lookup(Context::Summaries, &key("D")),
            Some(Action::Drop),
            "keys.toml still applies"
        );
        assert_eq!(
            km.lookup(Context::Summaries, &key("ctrl-v")),
            Some(Action::Validate),
            "config.toml wins"
        );
        assert_eq!(km.lookup(Context::Summaries, &key("V")), None);
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let dir = dir_with(&[("config.toml", "[theme]\naccent = \"blurple\"\n")]);
        let e = Config::load(Some(dir.path())).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("config.toml") && e.contains("blurple")),
            "{e:?}"
        );
        let dir = dir_with(&[("config.toml", "[theme]\nnope = \"red\"\n")]);
        assert!(Config::load(Some(dir.path())).is_err());
        let dir = dir_with(&[("config.toml", "[colours]\n")]);
        assert!(Config::load(Some(dir.path())).is_err());
        let dir = dir_with(&[("config.toml", "[keys.global]\nfly = \"x\"\n")]);
        assert!(Config::load(Some(dir.path())).is_err());
    }
}
