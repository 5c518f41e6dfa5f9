//! Key bindings: ONE table ([`DEFAULT_BINDINGS`]) drives key resolution, the
//! footer and the `?` help overlay. Users override it with a TOML file in the
//! configuration directory (see [`Keymap::load`]):
//!
//! ```toml
//! [summaries]
//! drop = "D"            # one key
//! [global]
//! quit = ["q", "ctrl-q"] # or several
//! ```

mod action;
mod key;

pub use action::{Action, ACTION_NAMES};
pub use key::{parse_key, Key, KeyCodeRepr, KeymapError};
use std::collections::BTreeMap;
use std::path::Path;

use super::strings;

/// Where a binding applies. Resolution tries the focused pane, then
/// [`Context::Navigation`] (not in the editor), then [`Context::Global`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Everywhere (plain letters are skipped while typing).
    Global,
    /// Moving in lists and scrollable text.
    Navigation,
    /// The schema browser.
    Schema,
    /// The query editor.
    Editor,
    /// The generated-SQL preview.
    Preview,
    /// The summaries list.
    Summaries,
    /// The compare pane.
    Compare,
    /// Confirmation and message popups.
    Popup,
    /// Typing a line of text: the schema filter, a summary's new name.
    Prompt,
    /// The connection setup wizard.
    Wizard,
    /// The demo dashboard.
    Demo,
}

impl Context {
    /// Every context, in help order.
    pub const ALL: [Context; 11] = [
        Context::Global,
        Context::Navigation,
        Context::Schema,
        Context::Editor,
        Context::Preview,
        Context::Summaries,
        Context::Compare,
        Context::Popup,
        Context::Prompt,
        Context::Wizard,
        Context::Demo,
    ];

    /// The name used in the configuration file.
    pub fn config_name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Navigation => "navigation",
            Context::Schema => "schema",
            Context::Editor => "editor",
            Context::Preview => "preview",
            Context::Summaries => "summaries",
            Context::Compare => "compare",
            Context::Popup => "popup",
            Context::Prompt => "prompt",
            Context::Wizard => "wizard",
            Context::Demo => "demo",
        }
    }
}
/// One row of the table: in `context`, `key` does `action`; `footer` says
/// whether the footer lists it when that context has focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultBinding {
    /// Where it applies.
    pub context: Context,
    /// The key, in the configuration syntax (see [`parse_key`]).
    pub key: &'static str,
    /// What it does.
    pub action: Action,
    /// Listed in the footer.
    pub footer: bool,
}

const fn b(context: Context, key: &'static str, action: Action, footer: bool) -> DefaultBinding {
    DefaultBinding {
        context,
        key,
        action,
        footer,
    }
}

use Action as A;
use Context as C;

/// The default bindings: the one table behind resolution, footer and help.
pub const DEFAULT_BINDINGS: &[DefaultBinding] = &[
    b(C::Global, "tab", A::NextPane, true),
    b(C::Global, "backtab", A::PrevPane, false),
    b(C::Global, "?", A::Help, true),
    b(C::Global, "f1", A::Help, true),
    b(C::Global, "q", A::Quit, true),
    b(C::Global, "ctrl-c", A::Quit, false),
    b(C::Global, "esc", A::Cancel, false),
    b(C::Global, "f5", A::Run, false),
    b(C::Global, "ctrl-j", A::Run, false),
    b(C::Global, "ctrl-e", A::ExternalEditor, false),
    b(C::Global, "ctrl-o", A::Setup, false),
    b(C::Global, "ctrl-g", A::Guide, false),
    b(C::Global, "f3", A::Dashboard, false),
    b(C::Global, "ctrl-l", A::Redraw, false),
    b(C::Navigation, "up", A::Up, false),
    b(C::Navigation, "k", A::Up, false),
    b(C::Navigation, "down", A::Down, false),
    b(C::Navigation, "j", A::Down, false),
    b(C::Navigation, "pageup", A::PageUp, false),
    b(C::Navigation, "ctrl-u", A::PageUp, false),
    b(C::Navigation, "pagedown", A::PageDown, false),
    b(C::Navigation, "ctrl-d", A::PageDown, false),
    b(C::Navigation, "home", A::Top, false),
    b(C::Navigation, "g", A::Top, false),
    b(C::Navigation, "end", A::Bottom, false),
    b(C::Navigation, "G", A::Bottom, false),
    b(C::Schema, "enter", A::Toggle, true),
    b(C::Schema, "right", A::Expand, false),
    b(C::Schema, "l", A::Expand, false),
    b(C::Schema, "left", A::Collapse, false),
    b(C::Schema, "h", A::Collapse, false),
    b(C::Schema, "/", A::Filter, true),
    b(C::Schema, "i", A::InsertName, true),
    b(C::Schema, "t", A::Template, true),
    b(C::Schema, "r", A::Refresh, false),
    b(C::Editor, "f5", A::Run, true),
    b(C::Editor, "ctrl-s", A::Create, true),
    b(C::Editor, "f2", A::Rename, true),
    b(C::Editor, "ctrl-z", A::Undo, true),
    b(C::Editor, "ctrl-y", A::Redo, false),
    b(C::Editor, "ctrl-p", A::HistoryPrev, false),
    b(C::Editor, "ctrl-n", A::HistoryNext, false),
    b(C::Editor, "ctrl-e", A::ExternalEditor, true),
    b(C::Editor, "ctrl-space", A::Complete, false),
    b(C::Editor, "ctrl-r", A::HistorySearch, false),
    b(C::Preview, "c", A::Create, true),
    b(C::Preview, "f2", A::Rename, true),
    b(C::Preview, "f5", A::Run, false),
    b(C::Preview, "e", A::Export, true),
    // The backfill keys first: the footer shows them only when they apply, and then they matter most.
    b(C::Summaries, "p", A::PauseResume, true),
    b(C::Summaries, "x", A::CancelJob, true),
    b(C::Summaries, "u", A::ResumeBackfill, true),
    b(C::Summaries, "c", A::Create, true),
    b(C::Summaries, "v", A::Validate, true),
    b(C::Summaries, "b", A::Rebuild, true),
    b(C::Summaries, "d", A::Drop, true),
    b(C::Summaries, "enter", A::Compare, true),
    b(C::Summaries, "r", A::Refresh, false),
    b(C::Compare, "enter", A::Run, true),
    b(C::Compare, "f5", A::Run, false),
    b(C::Compare, "n", A::NextDifference, true),
    b(C::Compare, "N", A::PrevDifference, false),
    b(C::Compare, "left", A::ColumnLeft, false),
    b(C::Compare, "h", A::ColumnLeft, false),
    b(C::Compare, "right", A::ColumnRight, true),
    b(C::Compare, "l", A::ColumnRight, false),
    b(C::Popup, "y", A::ConfirmDestructive, false),
    b(C::Popup, "enter", A::Confirm, false),
    b(C::Popup, "n", A::Deny, false),
    b(C::Popup, "esc", A::Deny, false),
    b(C::Popup, "q", A::Deny, false),
    b(C::Popup, "up", A::Up, false),
    b(C::Popup, "k", A::Up, false),
    b(C::Popup, "down", A::Down, false),
    b(C::Popup, "j", A::Down, false),
    b(C::Popup, "pageup", A::PageUp, false),
    b(C::Popup, "pagedown", A::PageDown, false),
    b(C::Popup, "home", A::Top, false),
    b(C::Popup, "g", A::Top, false),
    b(C::Popup, "end", A::Bottom, false),
    b(C::Popup, "G", A::Bottom, false),
    b(C::Popup, "o", A::Tune, false),
    b(C::Prompt, "enter", A::Confirm, false),
    b(C::Prompt, "esc", A::Deny, false),
    // Moving between the fields of a form (the tuning of a create).
    b(C::Prompt, "tab", A::NextField, false),
    b(C::Prompt, "down", A::NextField, false),
    b(C::Prompt, "backtab", A::PrevField, false),
    b(C::Prompt, "up", A::PrevField, false),
    b(C::Wizard, "enter", A::Confirm, true),
    b(C::Wizard, "tab", A::NextPane, true),
    b(C::Wizard, "down", A::Down, false),
    b(C::Wizard, "backtab", A::PrevPane, false),
    b(C::Wizard, "up", A::Up, false),
    b(C::Wizard, "esc", A::Deny, true),
    b(C::Demo, "enter", A::NextStep, true),
    b(C::Demo, "right", A::NextStep, false),
    b(C::Demo, "n", A::NextStep, false),
    b(C::Demo, "w", A::ToggleWrites, true),
    b(C::Demo, "+", A::Faster, true),
    b(C::Demo, "=", A::Faster, false),
    b(C::Demo, "-", A::Slower, true),
    b(C::Demo, "m", A::NextMix, true),
    b(C::Demo, "a", A::Autoplay, true),
];
/// The default bindings as a file (`assets/keymap.toml`, in the syntax of `config.toml`'s
/// `[keys.*]` tables), for users to read and copy from; a test keeps it equal to
/// [`DEFAULT_BINDINGS`].
pub const DEFAULT_KEYMAP_FILE: &str = include_str!("../../../assets/keymap.toml");

/// One effective binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The key.
    pub key: Key,
    /// What it does.
    pub action: Action,
    /// Listed in the footer.
    pub footer: bool,
}

/// The effective bindings: the defaults with the user's overrides applied.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULT_BINDINGS
            .iter()
            .filter_map(|d| {
                parse_key(d.key).ok().map(|key| Binding {
                    context: d.context,
                    key,
                    action: d.action,
                    footer: d.footer,
                })
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with overrides from `path` applied; a missing file means
    /// the defaults. Errors leave nothing half-applied.
    pub fn load(path: &Path) -> Result<Keymap, KeymapError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::default()
                .with_overrides(&text)
                .map_err(|e| e.in_file(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
            Err(source) => Err(KeymapError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Applies overrides given as TOML text: each `[context]` section maps
    /// action names to a key or a list of keys, replacing that action's
    /// default keys in that context.
    pub fn with_overrides(self, text: &str) -> Result<Keymap, KeymapError> {
        let table: BTreeMap<String, BTreeMap<String, toml::Value>> =
            toml::from_str(text).map_err(|e| KeymapError::Syntax {
                path: String::new(),
                message: e.to_string(),
            })?;
        self.with_override_table(table)
    }

    /// Applies overrides already parsed: context name → action name → key
    /// or list of keys (the `[keys]` table of `config.toml`).
    pub fn with_override_table(
        mut self,
        table: BTreeMap<String, BTreeMap<String, toml::Value>>,
    ) -> Result<Keymap, KeymapError> {
        let syntax = |message: String| KeymapError::Syntax {
            path: String::new(),
            message,
        };
        for (section, actions) in table {
            let context = Context::ALL
                .into_iter()
                .find(|c| c.config_name() == section)
                .ok_or_else(|| KeymapError::BadContext(section.clone()))?;
            for (name, value) in actions {
                let action = ACTION_NAMES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, a)| *a)
                    .ok_or_else(|| KeymapError::BadAction(name.clone(), section.clone()))?;
                let specs: Vec<String> = match value {
                    toml::Value::String(s) => vec![s],
                    toml::Value::Array(items) => items
                        .into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => Ok(s),
                            other => {
                                Err(syntax(format!("{name}: expected key names, got {other}")))
                            }
                        })
                        .collect::<Result<_, _>>()?,
                    other => {
                        return Err(syntax(format!("{name}: expected a key name, got {other}")))
                    }
                };
                let keys = specs
                    .iter()
                    .map(|s| parse_key(s))
                    .collect::<Result<Vec<_>, _>>()?;
                let footer = self
                    .bindings
                    .iter()
                    .any(|b| b.context == context && b.action == action && b.footer);
                self.bindings
                    .retain(|b| !(b.context == context && b.action == action));
                // A key now bound here to this action is no longer bound to another one.
                self.bindings
                    .retain(|b| !(b.context == context && keys.contains(&b.key)));
                for (i, key) in keys.into_iter().enumerate() {
                    self.bindings.push(Binding {
                        context,
                        key,
                        action,
                        footer: footer && i == 0,
                    });
                }
            }
        }
        Ok(self)
    }

    /// The label of the first key bound to `action` in `context`, for hints.
    pub fn key_label(&self, context: Context, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .map(|b| b.key.label())
    }

    /// The labels of every key bound to `action` in `context`, in table order.
    pub fn key_labels(&self, context: Context, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.context == context && b.action == action)
            .map(|b| b.key.label())
            .collect()
    }

    /// The action of `key` in `context` alone.
    pub fn lookup(&self, context: Context, key: &Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.key == *key)
            .map(|b| b.action)
    }

    /// Resolves `key` for the focused `pane` context. While `typing`, plain
    /// characters are left to the text input (the pane's own bindings
    /// still apply, so the editor's table must use only non-text keys).
    pub fn resolve(&self, pane: Context, key: &Key, typing: bool) -> Option<Action> {
        if let Some(a) = self.lookup(pane, key) {
            if !(typing && key.is_text()) {
                return Some(a);
            }
        }
        if typing && key.is_text() {
            return None;
        }
        if !typing && pane != Context::Popup {
            if let Some(a) = self.lookup(Context::Navigation, key) {
                return Some(a);
            }
        }
        if pane == Context::Popup {
            // Popups take every key; only quitting with Ctrl-C gets through.
            return self
                .lookup(Context::Global, key)
                .filter(|a| *a == Action::Quit && key.ctrl);
        }
        self.lookup(Context::Global, key)
    }

    /// The footer entries of a focused pane: help first (so it survives
    /// truncation), then the pane's listed keys, then the listed global
    /// ones; one entry per action, first key wins.
    pub fn footer(&self, pane: Context) -> Vec<(String, &'static str)> {
        self.footer_actions(pane)
            .into_iter()
            .map(|(key, action)| (key, strings::action_label_in(pane, action)))
            .collect()
    }

    /// The footer's keys with their actions, in footer order (see [`Keymap::footer`]); the
    /// caller drops those that do not apply now.
    pub fn footer_actions(&self, pane: Context) -> Vec<(String, Action)> {
        let mut out: Vec<(String, Action)> = Vec::new();
        let listed = |b: &&Binding| {
            b.footer
                && !(pane == Context::Editor && b.context == Context::Global && b.key.is_text())
        };
        let global = self
            .bindings
            .iter()
            .filter(|b| b.context == Context::Global)
            .filter(listed);
        let (help, rest): (Vec<&Binding>, Vec<&Binding>) =
            global.partition(|b| b.action == Action::Help);
        let own = self
            .bindings
            .iter()
            .filter(|b| b.context == pane)
            .filter(listed);
        for b in help.into_iter().chain(own).chain(rest) {
            if out.iter().any(|(_, a)| *a == b.action) {
                continue;
            }
            out.push((b.key.label(), b.action));
        }
        out
    }

    /// The help overlay: for each context, its actions with all their keys.
    pub fn help(&self, demo: bool) -> Vec<(Context, Vec<(String, &'static str)>)> {
        let mut out = Vec::new();
        // The demo's keys (and F3, which switches its dashboard) mean nothing outside the demo.
        let shown =
            |b: &&Binding| demo || (b.context != Context::Demo && b.action != Action::Dashboard);
        for context in Context::ALL {
            let mut rows: Vec<(Action, Vec<String>)> = Vec::new();
            for b in self
                .bindings
                .iter()
                .filter(|b| b.context == context)
                .filter(shown)
            {
                match rows.iter_mut().find(|(a, _)| *a == b.action) {
                    Some((_, keys)) => keys.push(b.key.label()),
                    None => rows.push((b.action, vec![b.key.label()])),
                }
            }
            if !rows.is_empty() {
                out.push((
                    context,
                    rows.into_iter()
                        .map(|(a, keys)| (keys.join("/"), strings::action_label_in(context, a)))
                        .collect(),
                ));
            }
        }
        out
    }
}

/// Where the older key configuration file lives (`keys.toml` in the
/// config dir); see [`super::config`] for `config.toml`.
pub fn config_path() -> Option<std::path::PathBuf> {
    super::config::config_dir().map(|d| d.join(super::config::KEYS_FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `assets/keymap.toml` says exactly what [`DEFAULT_BINDINGS`] does: every context and
    /// action with its keys in table order, nothing more; and applied as overrides it changes
    /// nothing.
    #[test]
    fn the_keymap_asset_is_the_default_table() {
        let file: BTreeMap<String, BTreeMap<String, toml::Value>> =
            toml::from_str(DEFAULT_KEYMAP_FILE).unwrap_or_else(|e| panic!("{e}"));
        let mut from_table: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for d in DEFAULT_BINDINGS {
            let name = ACTION_NAMES
                .iter()
                .find(|(_, a)| *a == d.action)
                .map(|(n, _)| n.to_string())
                .unwrap_or_default();
            from_table
                .entry(d.context.config_name().to_string())
                .or_default()
                .entry(name)
                .or_default()
                .push(d.key.to_string());
        }
        let from_file: BTreeMap<String, BTreeMap<String, Vec<String>>> = file
            .into_iter()
            .map(|(context, actions)| {
                let actions = actions
                    .into_iter()
                    .map(|(action, value)| {
                        let keys = match value {
                            toml::Value::String(s) => vec![s],
                            toml::Value::Array(items) => items
                                .into_iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect(),
                            other => panic!("{action}: {other}"),
                        };
                        (action, keys)
                    })
                    .collect();
                (context, actions)
            })
            .collect();
        assert_eq!(from_file, from_table);
        let applied = Keymap::default()
            .with_overrides(DEFAULT_KEYMAP_FILE)
            .unwrap_or_else(|e| panic!("{e}"));
        for context in Context::ALL {
            for (_, action) in ACTION_NAMES {
                assert_eq!(
                    applied.key_labels(context, *action),
                    Keymap::default().key_labels(context, *action),
                    "{context:?} {action:?}"
                );
            }
        }
    }

    fn key(spec: &str) -> Key {
        match parse_key(spec) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn every_default_key_parses() {
        for d in DEFAULT_BINDINGS {
            assert!(parse_key(d.key).is_ok(), "{}", d.key);
        }
        assert_eq!(Keymap::default().bindings.len(), DEFAULT_BINDINGS.len());
    }

    #[test]
    fn resolution_order_and_typing() {
        let km = Keymap::default();
        assert_eq!(
            km.resolve(Context::Schema, &key("q"), false),
            Some(Action::Quit)
        );
        assert_eq!(km.resolve(Context::Editor, &key("q"), true), None);
        assert_eq!(
            km.resolve(Context::Editor, &key("ctrl-c"), true),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Context::Editor, &key("f5"), true),
            Some(Action::Run)
        );
        assert_eq!(km.resolve(Context::Editor, &key("j"), true), None);
        assert_eq!(
            km.resolve(Context::Schema, &key("j"), false),
            Some(Action::Down)
        );
        assert_eq!(
            km.resolve(Context::Summaries, &key("d"), false),
            Some(Action::Drop)
        );
        assert_eq!(
            km.resolve(Context::Popup, &key("q"), false),
            Some(Action::Deny)
        );
        assert_eq!(km.resolve(Context::Popup, &key("tab"), false), None);
        assert_eq!(
            km.resolve(Context::Popup, &key("ctrl-c"), false),
            Some(Action::Quit)
        );
    }

    #[test]
    fn overrides_replace_keys_and_reject_nonsense() {
        let km = match Keymap::default()
            .with_overrides("[summaries]\ndrop = \"D\"\n[global]\nquit = [\"ctrl-q\"]\n")
        {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            km.resolve(Context::Summaries, &key("D"), false),
            Some(Action::Drop)
        );
        assert_eq!(km.resolve(Context::Summaries, &key("d"), false), None);
        assert_eq!(km.resolve(Context::Schema, &key("q"), false), None);
        assert_eq!(
            km.resolve(Context::Schema, &key("ctrl-q"), false),
            Some(Action::Quit)
        );
        assert!(km.footer(Context::Summaries).iter().any(|(k, _)| k == "D"));
        assert!(Keymap::default()
            .with_overrides("[nope]\nquit='q'")
            .is_err());
        assert!(Keymap::default()
            .with_overrides("[global]\nfly='q'")
            .is_err());
        assert!(Keymap::default()
            .with_overrides("[global]\nquit='ctrl-'")
            .is_err());
        assert!(Keymap::default().with_overrides("not toml [").is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(key("ctrl-c").label(), "^C");
        assert_eq!(key("shift-tab").label(), "S-Tab");
        assert_eq!(key("f5").label(), "F5");
        assert_eq!(key("G").label(), "G");
    }

    #[test]
    fn help_lists_every_context_with_merged_keys() {
        let help = Keymap::default().help(true);
        assert_eq!(help.len(), Context::ALL.len());
        let nav = &help[1].1;
        assert!(nav.iter().any(|(k, a)| k == "↑/k" && *a == "up"), "{nav:?}");
        // Outside the demo: no demo section, no F3.
        let help = Keymap::default().help(false);
        assert!(help.iter().all(|(c, _)| *c != Context::Demo));
        assert!(help
            .iter()
            .flat_map(|(_, rows)| rows)
            .all(|(k, _)| k != "F3"));
    }
}
