//! The saved connection profile (`profile.toml` in the configuration
//! directory), written by the setup wizard and read when `lightning` starts
//! without connection options.
//!
//! ```toml
//! user = "app"
//! host = "db.example.com"
//! port = 3306
//! database = "shop"
//! ask_password = true   # prompt at start-up; the password itself is only
//!                       # stored when "save password" was ticked
//! ```
//!
//! A profile made from `~/.my.cnf` only says `use_option_file = true` (and
//! maybe a database): the option file stays the one place its settings live.
//!
//! Start-up order ([`startup`]): connection flags or `--url` win; otherwise
//! a saved profile; otherwise the client settings of `~/.my.cnf`; with none
//! of these, the setup wizard opens.

use crate::db::options::{
    read_option_file, ConnectionArgs, ConnectionConfig, Endpoint, OptionFileValues, OptionsError,
    Password, ResolveEnv, DEFAULT_PORT,
};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Name of the profile file in the configuration directory.
pub const FILE_NAME: &str = "profile.toml";

/// A saved connection. `Debug` never shows the password.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    /// Take the connection from `~/.my.cnf` (the fields below except
    /// `database` are then unused).
    pub use_option_file: bool,
    /// Account name.
    pub user: Option<String>,
    /// TCP host.
    pub host: Option<String>,
    /// TCP port.
    pub port: Option<u16>,
    /// Unix socket file (instead of host and port).
    pub socket: Option<PathBuf>,
    /// Default database.
    pub database: Option<String>,
    /// The password, only when the user asked to save it.
    pub password: Option<Password>,
    /// Ask for the password at start-up.
    pub ask_password: bool,
    /// Encrypt the connection with TLS.
    pub ssl: bool,
}

/// The file format (the password as plain text, hence private).
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default, skip_serializing_if = "is_false")]
    use_option_file: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    socket: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    ask_password: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    ssl: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What is wrong with a profile's text; never quotes a value from the file (it may be the
/// password), only where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ProfileSyntax {
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The parser's message.
    pub message: String,
}

/// Why the wizard's profile was not saved (cloneable: it travels in a message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotSaved {
    /// There is no configuration directory to save it in.
    #[error("{}", super::strings::NO_CONFIG_DIR)]
    NoConfigDir,
    /// Writing failed (a [`ProfileError`] in words).
    #[error("{0}")]
    Write(String),
}

/// Why a profile could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Reading failed.
    #[error("cannot read the connection profile {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a valid profile.
    #[error("the connection profile {} is not valid: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong (never a password: values are not quoted back).
        message: ProfileSyntax,
    },
    /// Writing failed.
    #[error("cannot save the connection profile {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Where the profile lives (`profile.toml` in the configuration directory).
pub fn default_path() -> Option<PathBuf> {
    super::config::config_dir().map(|d| d.join(FILE_NAME))
}

impl Profile {
    /// A profile that defers to `~/.my.cnf`.
    pub fn option_file(database: Option<String>) -> Profile {
        Profile {
            use_option_file: true,
            database,
            ..Profile::default()
        }
    }

    /// The explicit settings of an option file's client groups.
    pub fn from_option_values(values: &OptionFileValues) -> Profile {
        Profile {
            use_option_file: false,
            user: values.user.clone(),
            host: values.host.clone(),
            port: values.port,
            socket: values.socket.clone(),
            database: values.database.clone(),
            password: values.password.clone().flatten(),
            ask_password: matches!(values.password, Some(None)),
            ssl: values.ssl == Some(true),
        }
    }

    /// The explicit settings of a working connection (without its password;
    /// `ask_password` when it has one).
    pub fn from_config(c: &ConnectionConfig) -> Profile {
        let (host, port, socket) = match &c.endpoint {
            Endpoint::Tcp { host, port } => (Some(host.clone()), Some(*port), None),
            Endpoint::Socket(path) => (None, None, Some(path.clone())),
        };
        Profile {
            use_option_file: false,
            user: Some(c.user.clone()),
            host,
            port,
            socket,
            database: c.database.clone(),
            password: None,
            ask_password: c.password.as_ref().is_some_and(|p| !p.is_empty()),
            ssl: c.tls.is_some(),
        }
    }

    /// Reads the profile at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Profile>, ProfileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Profile::parse(&text)
            .map(Some)
            .map_err(|message| ProfileError::Syntax {
                path: path.to_path_buf(),
                message,
            })
    }

    /// Parses profile text; the error never repeats a value from the file.
    pub fn parse(text: &str) -> Result<Profile, ProfileSyntax> {
        let file: ProfileFile = toml::from_str(text).map_err(|e| {
            // toml's message quotes the offending line, which may be the password.
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            ProfileSyntax {
                line,
                message: e.message().to_string(),
            }
        })?;
        Ok(Profile {
            use_option_file: file.use_option_file,
            user: file.user,
            host: file.host,
            port: file.port,
            socket: file.socket,
            database: file.database,
            password: file.password.map(Password::new),
            ask_password: file.ask_password,
            ssl: file.ssl,
        })
    }

    /// The file text.
    pub fn to_toml(&self) -> String {
        let file = ProfileFile {
            use_option_file: self.use_option_file,
            user: self.user.clone(),
            host: self.host.clone(),
            port: self.port,
            socket: self.socket.clone(),
            database: self.database.clone(),
            password: self.password.as_ref().map(|p| p.expose().to_string()),
            ask_password: self.ask_password,
            ssl: self.ssl,
        };
        let body = toml::to_string(&file).unwrap_or_default();
        format!("{}{body}", super::strings::setup::PROFILE_HEADER)
    }

    /// Writes the profile to `path` atomically, readable only by its owner
    /// (it may hold a password).
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let write_err = |source| ProfileError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir).map_err(write_err)?;
        // tempfile creates the file with mode 600 before anything is written.
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
        file.write_all(self.to_toml().as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(write_err)?;
        set_private(file.path()).map_err(write_err)?;
        file.persist(path).map_err(|e| write_err(e.error))?;
        Ok(())
    }

    /// The connection flags this profile stands for.
    pub fn to_args(&self) -> ConnectionArgs {
        if self.use_option_file {
            return ConnectionArgs {
                database: self.database.clone(),
                ssl: self.ssl,
                ..ConnectionArgs::default()
            };
        }
        let password = match (&self.password, self.ask_password) {
            (Some(p), _) => Some(Some(p.clone())),
            (None, true) => Some(None),
            (None, false) => None,
        };
        ConnectionArgs {
            host: self.host.clone(),
            port: self.port,
            user: self.user.clone(),
            password,
            socket: self.socket.clone(),
            database: self.database.clone(),
            no_defaults: true,
            ssl: self.ssl,
            ..ConnectionArgs::default()
        }
    }

    /// Resolves the profile against `env` (which prompts for a password
    /// when the profile asks for one).
    pub fn resolve(&self, env: &ResolveEnv) -> Result<ConnectionConfig, OptionsError> {
        self.to_args().resolve_with(env)
    }
}

/// Restricts `path` to its owner.
fn set_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// A resolution environment that reads nothing and never prompts: for
/// settings typed into the wizard.
pub fn quiet_env(home: Option<PathBuf>) -> ResolveEnv {
    ResolveEnv {
        home,
        mysql_pwd: None,
        login_user: login_user(),
        standard_sockets: Vec::new(),
        prompt: Box::new(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "no prompt in the wizard",
            ))
        }),
    }
}

/// The login name, the default user.
pub fn login_user() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    var("USER").or_else(|| var("LOGNAME"))
}

/// How a connection is named on screen: `user@host`, with the port only
/// when it is not the default one; never the password or the database.
pub fn label(config: &ConnectionConfig) -> String {
    match &config.endpoint {
        Endpoint::Tcp { host, port } => {
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            if *port == DEFAULT_PORT {
                format!("{}@{host}", config.user)
            } else {
                format!("{}@{host}:{port}", config.user)
            }
        }
        Endpoint::Socket(_) => format!("{}@localhost", config.user),
    }
}

/// [`label`] for driver options (the demo's private server).
pub fn label_of_opts(opts: &mysql::Opts) -> String {
    let user = opts.get_user().unwrap_or("root");
    match opts.get_socket() {
        Some(_) => format!("{user}@localhost"),
        None => label(&ConnectionConfig::tcp(
            opts.get_ip_or_hostname().to_string(),
            opts.get_tcp_port(),
            user,
        )),
    }
}

/// Whether any connection flag (or `--url`, or an option file) was given.
pub fn options_given(args: &ConnectionArgs) -> bool {
    args.url.is_some()
        || args.host.is_some()
        || args.port.is_some()
        || args.user.is_some()
        || args.password.is_some()
        || args.socket.is_some()
        || args.database.is_some()
        || args.defaults_file.is_some()
}

/// The client settings of `~/.my.cnf`, when it has any.
pub fn option_file_settings(home: Option<&Path>) -> Option<OptionFileValues> {
    let path = home?.join(".my.cnf");
    let values = read_option_file(&path).ok()?;
    let has_any = values.host.is_some()
        || values.port.is_some()
        || values.user.is_some()
        || values.password.is_some()
        || values.socket.is_some();
    has_any.then_some(values)
}

/// What `lightning` without a subcommand connects to: `Ok(None)` means
/// "resolve the command line as usual" (flags, `--url`, `~/.my.cnf`).
/// Errors are a [`ProfileError`] or an [`OptionsError`] (a connection
/// problem, exit code 2).
pub fn startup(args: &ConnectionArgs) -> anyhow::Result<Option<super::Start>> {
    // Before any password prompt: without a terminal there is no UI anyway.
    super::check_terminal()?;
    if options_given(args) {
        return Ok(None);
    }
    if let Some(profile) = default_path()
        .map(|p| Profile::load(&p))
        .transpose()?
        .flatten()
    {
        // Flags that say how, not where, still apply.
        let mut from_profile = profile.to_args();
        from_profile.connect_timeout = args.connect_timeout;
        from_profile.ssl |= args.ssl;
        from_profile.ssl_ca.clone_from(&args.ssl_ca);
        from_profile.ssl_verify_server_cert |= args.ssl_verify_server_cert;
        let config = from_profile.resolve()?;
        return Ok(Some(super::Start::Connect(config)));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if !args.no_defaults && option_file_settings(home.as_deref()).is_some() {
        return Ok(None);
    }
    Ok(Some(super::Start::Setup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_password_by_default() {
        let p = Profile {
            user: Some("app".into()),
            host: Some("db.example.com".into()),
            port: Some(3307),
            database: Some("shop".into()),
            ask_password: true,
            ..Profile::default()
        };
        let text = p.to_toml();
        assert!(!text.lines().any(|l| l.starts_with("password")), "{text}");
        assert!(text.contains("ask_password = true"), "{text}");
        assert_eq!(Profile::parse(&text), Ok(p));
    }

    #[test]
    fn saved_password_round_trips_and_errors_never_quote_values() {
        let p = Profile {
            user: Some("app".into()),
            password: Some(Password::new("s3cret-pw")),
            ..Profile::default()
        };
        assert_eq!(Profile::parse(&p.to_toml()), Ok(p.clone()));
        assert!(!format!("{p:?}").contains("s3cret"));
        let err = Profile::parse("password = \"s3cret-pw\"\nport = \"x\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("line 2"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
        assert!(Profile::parse("colour = 1").is_err());
    }

    #[test]
    fn resolution_and_label() {
        let p = Profile {
            user: Some("bob".into()),
            host: Some("10.0.0.5".into()),
            port: Some(3306),
            ..Profile::default()
        };
        let c = match p.resolve(&quiet_env(None)) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(label(&c), "bob@10.0.0.5");
        assert!(c.password.is_none());
        let s = Profile {
            user: Some("bob".into()),
            socket: Some("/tmp/x.sock".into()),
            ..Profile::default()
        };
        let c = match s.resolve(&quiet_env(None)) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(c.endpoint, Endpoint::Socket("/tmp/x.sock".into()));
        assert_eq!(label(&c), "bob@localhost");
        let asks = Profile {
            ask_password: true,
            ..p
        };
        assert!(
            asks.resolve(&quiet_env(None)).is_err(),
            "the quiet env never prompts"
        );
        let mut tcp = ConnectionConfig::tcp("::1", 3399, "root");
        assert_eq!(label(&tcp), "root@[::1]:3399");
        tcp.password = Some(Password::new("hidden"));
        assert!(!label(&tcp).contains("hidden"));
    }

    #[cfg(unix)]
    #[test]
    fn saved_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let path = dir.path().join("sub").join(FILE_NAME);
        let p = Profile {
            password: Some(Password::new("pw-pw-pw")),
            ..Profile::default()
        };
        if let Err(e) = p.save(&path) {
            panic!("{e}");
        }
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
        assert_eq!(Profile::load(&path).ok().flatten(), Some(p));
    }
}
