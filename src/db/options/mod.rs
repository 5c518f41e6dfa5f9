//! Connection options the way MariaDB users expect them.
//!
//! [`ConnectionArgs`] are the `mariadb`-client style flags (`-h -P -u -p -S -D`,
//! `--url`, `--defaults-file`, ...). [`ConnectionArgs::resolve`] merges them
//! with a `--url`, the option file (`~/.my.cnf` or `--defaults-file`) and the
//! environment into one [`ConnectionConfig`], with this precedence:
//!
//! flags > `--url` > `MYSQL_PWD` (password only) > option file > defaults.
//!
//! Transport choice, modelled on the `mariadb` client (10.6+):
//! * a socket wins over a TCP host/port given at a *lower* precedence level;
//! * a host other than `localhost`, or a port given on the command line or in
//!   the URL, asks for TCP;
//! * with no explicit TCP request, a known socket (given, or found at a
//!   standard path such as `/run/mysqld/mysqld.sock`) is used;
//! * otherwise TCP to `127.0.0.1:3306`.

mod argv;
mod cnf;
mod password;
mod url;

pub use argv::{plan_scrub, scrub_process_args, ArgSecret};
pub use cnf::{
    parse_option_text, read_option_file, OptionFileError, OptionFileValues, OptionValueError,
};
pub use password::{Password, REDACTED};
pub use url::{DbUrl, UrlError, UrlParts, UrlReason};

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default MariaDB TCP port.
pub const DEFAULT_PORT: u16 = 3306;
/// Host used for TCP when none is given.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// How long establishing a connection may take unless `--connect-timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Where distributions put the server socket, checked in this order.
pub const STANDARD_SOCKETS: &[&str] = &[
    "/run/mysqld/mysqld.sock",
    "/var/run/mysqld/mysqld.sock",
    "/var/lib/mysql/mysql.sock",
    "/tmp/mysql.sock",
];

/// Connection flags, meant to be `#[command(flatten)]`ed into the top-level CLI.
///
/// Every flag is global so it works before or after the subcommand. `-h` is
/// the host, as in the `mariadb` client, so the top-level command must
/// disable clap's own `-h` help flag. `Debug` is safe to print: the password
/// and the URL redact themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
#[command(next_help_heading = "Connection options")]
pub struct ConnectionArgs {
    /// Connection URL, e.g. mysql://user:password@host:3306/database (flags override its parts)
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<DbUrl>,

    /// Server host name or IP address
    #[arg(short = 'h', long, global = true, value_name = "HOST")]
    pub host: Option<String>,

    /// TCP port [default: 3306]; given alone it means TCP to 127.0.0.1
    #[arg(short = 'P', long, global = true, value_name = "PORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// User name [default: your login name]
    #[arg(short = 'u', long, global = true, value_name = "USER")]
    pub user: Option<String>,

    /// Password; -p alone asks for it. No space: -pSECRET or --password=SECRET
    #[arg(short = 'p', long, global = true, value_name = "PASSWORD",
          num_args = 0..=1, require_equals = true)]
    pub password: Option<Option<Password>>,

    /// Unix socket file of the server
    #[arg(short = 'S', long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    /// Database (schema) to work in
    #[arg(short = 'D', long, global = true, value_name = "NAME")]
    pub database: Option<String>,

    /// Read client options from this file only, instead of ~/.my.cnf
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "no_defaults"
    )]
    pub defaults_file: Option<PathBuf>,

    /// Do not read any option file
    #[arg(long, global = true)]
    pub no_defaults: bool,

    /// Encrypt the connection with TLS
    #[arg(long, global = true)]
    pub ssl: bool,

    /// CA certificate (PEM) to verify the server with; implies --ssl
    #[arg(long, global = true, value_name = "FILE")]
    pub ssl_ca: Option<PathBuf>,

    /// Verify the server certificate and host name; implies --ssl
    #[arg(long, global = true)]
    pub ssl_verify_server_cert: bool,

    /// Seconds to wait for the server to answer when connecting [default: 5]
    #[arg(long, global = true, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connect_timeout: Option<u64>,
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// TCP host and port.
    Tcp {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// Unix socket file.
    Socket(PathBuf),
}

/// TLS settings for a TCP connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// CA certificate file (PEM); `None` uses the built-in root store.
    pub ca: Option<PathBuf>,
    /// Check the server certificate chain and host name. Off by default, as
    /// in the MariaDB 10.x client: `--ssl` alone only encrypts.
    pub verify_server_cert: bool,
}

/// Fully resolved connection settings. `Debug` never shows the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// Account name.
    pub user: String,
    /// Password, if any (`None` connects without one).
    pub password: Option<Password>,
    /// Transport.
    pub endpoint: Endpoint,
    /// Default database.
    pub database: Option<String>,
    /// TLS, when requested (only applied to TCP connections).
    pub tls: Option<TlsConfig>,
    /// Upper bound for establishing the connection.
    pub connect_timeout: Duration,
}

/// Why connection options could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// The option file is unreadable or malformed.
    #[error(transparent)]
    OptionFile(#[from] OptionFileError),
    /// The `--url` is malformed.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// `-p` without a value but no terminal to ask on.
    #[error("cannot ask for the password ({0}); give it with --password=..., MYSQL_PWD or an option file")]
    Prompt(io::Error),
}

/// Asks the user for a password; gets the prompt text to show.
pub type PromptFn = dyn Fn(&str) -> io::Result<Password>;

/// What [`ConnectionArgs::resolve_with`] needs from the outside world, so
/// resolution can be tested without touching the real home or terminal.
pub struct ResolveEnv {
    /// Home directory holding `.my.cnf`.
    pub home: Option<PathBuf>,
    /// Value of `MYSQL_PWD`.
    pub mysql_pwd: Option<Password>,
    /// Login name, the default user.
    pub login_user: Option<String>,
    /// Socket files to try when nothing says how to connect.
    pub standard_sockets: Vec<PathBuf>,
    /// Password prompt.
    pub prompt: Box<PromptFn>,
}

impl ResolveEnv {
    /// The real environment: `$HOME`, `$MYSQL_PWD`, `$USER`, standard socket
    /// paths and a hidden-input prompt on the terminal.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ResolveEnv {
            home: std::env::var_os("HOME").map(PathBuf::from),
            mysql_pwd: std::env::var("MYSQL_PWD").ok().map(Password::new),
            login_user: var("USER").or_else(|| var("LOGNAME")),
            standard_sockets: STANDARD_SOCKETS.iter().map(PathBuf::from).collect(),
            prompt: Box::new(|text| rpassword::prompt_password(text).map(Password::new)),
        }
    }
}

impl std::fmt::Debug for ResolveEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolveEnv")
            .field("home", &self.home)
            .field("mysql_pwd", &self.mysql_pwd)
            .field("login_user", &self.login_user)
            .field("standard_sockets", &self.standard_sockets)
            .finish_non_exhaustive()
    }
}

/// Precedence levels, higher wins.
const FILE: u8 = 1;
const URL: u8 = 2;
const FLAG: u8 = 3;

/// The first present value with its precedence level.
fn pick<T: Clone>(candidates: [(Option<&T>, u8); 3]) -> Option<(T, u8)> {
    candidates
        .into_iter()
        .find_map(|(value, level)| value.map(|v| (v.clone(), level)))
}

impl ConnectionArgs {
    /// Resolves against the real environment (may prompt for a password).
    pub fn resolve(&self) -> Result<ConnectionConfig, OptionsError> {
        self.resolve_with(&ResolveEnv::from_process())
    }

    /// Resolves against the given environment; see the module docs for the rules.
    pub fn resolve_with(&self, env: &ResolveEnv) -> Result<ConnectionConfig, OptionsError> {
        let file = self.read_options_file(env)?.unwrap_or_default();
        let url = match &self.url {
            Some(url) => url.parse()?,
            None => UrlParts::default(),
        };

        let user = self
            .user
            .clone()
            .or(url.user.clone())
            .or(file.user.clone())
            .or(env.login_user.clone())
            .unwrap_or_else(|| "root".to_string());
        let database = self
            .database
            .clone()
            .or(url.database.clone())
            .or(file.database.clone());
        let endpoint = choose_endpoint(self, &url, &file, &env.standard_sockets);
        let tls = self.tls(&file);
        let connect_timeout = self
            .connect_timeout
            .map_or(DEFAULT_CONNECT_TIMEOUT, Duration::from_secs);

        let mut config = ConnectionConfig {
            user,
            password: None,
            endpoint,
            database,
            tls,
            connect_timeout,
        };
        // `Some(None)` anywhere means "ask"; the first source that says
        // anything about the password decides.
        let wanted = self
            .password
            .clone()
            .or(url.password.clone().map(Some))
            .or(env.mysql_pwd.clone().map(Some))
            .or(file.password.clone());
        config.password = match wanted {
            Some(Some(p)) => Some(p),
            Some(None) => {
                let text = format!("Enter password for {}: ", config.describe());
                Some((env.prompt)(&text).map_err(OptionsError::Prompt)?)
            }
            None => None,
        };
        Ok(config)
    }

    /// The option file in effect: `--defaults-file` (must exist), else
    /// `~/.my.cnf` if present, nothing with `--no-defaults`.
    fn read_options_file(
        &self,
        env: &ResolveEnv,
    ) -> Result<Option<OptionFileValues>, OptionsError> {
        if self.no_defaults {
            return Ok(None);
        }
        if let Some(path) = &self.defaults_file {
            return Ok(Some(read_option_file(path)?));
        }
        let Some(path) = env.home.as_ref().map(|h| h.join(".my.cnf")) else {
            return Ok(None);
        };
        match read_option_file(&path) {
            Ok(values) => Ok(Some(values)),
            Err(OptionFileError::Read { source, .. })
                if source.kind() == io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// TLS from flags (which can only switch it on) or else the option file.
    fn tls(&self, file: &OptionFileValues) -> Option<TlsConfig> {
        let flag_tls = self.ssl || self.ssl_ca.is_some() || self.ssl_verify_server_cert;
        let file_tls = file.ssl != Some(false)
            && (file.ssl == Some(true)
                || file.ssl_ca.is_some()
                || file.ssl_verify_server_cert == Some(true));
        if !flag_tls && !file_tls {
            return None;
        }
        Some(TlsConfig {
            ca: self.ssl_ca.clone().or_else(|| file.ssl_ca.clone()),
            verify_server_cert: self.ssl_verify_server_cert
                || file.ssl_verify_server_cert == Some(true),
        })
    }

    /// The argv shapes that carry a secret given on the command line, for
    /// [`scrub_process_args`].
    pub fn argv_secrets(&self) -> Vec<ArgSecret> {
        let mut out = Vec::new();
        let mut add = |prefix: &str, raw: &str, start: usize, end: usize| {
            let arg = format!("{prefix}{raw}").into_bytes();
            out.push(ArgSecret {
                arg,
                secret: prefix.len() + start..prefix.len() + end,
            });
        };
        if let Some(Some(p)) = &self.password {
            if !p.is_empty() {
                let len = p.expose().len();
                add("-p", p.expose(), 0, len);
                add("--password=", p.expose(), 0, len);
            }
        }
        if let Some(url) = &self.url {
            if let Some(span) = url.password_span().filter(|s| !s.is_empty()) {
                add("", url.raw(), span.start, span.end);
                add("--url=", url.raw(), span.start, span.end);
            }
        }
        out
    }

    /// Best effort: blanks command-line passwords in `ps` output (Linux).
    pub fn scrub_process_args(&self) -> io::Result<usize> {
        scrub_process_args(&self.argv_secrets())
    }
}

/// Rewrites `-pSECRET` into `--password=SECRET` before clap sees argv.
///
/// clap cannot express the mariadb client's `-p` (an optional value that
/// must be attached), and left alone it would split `-pSECRET` into short
/// flags and echo letters of the password in its error. Arguments after
/// `--` are left untouched. Call this on argv before any `Parser::parse_from`
/// of a command that flattens [`ConnectionArgs`].
pub fn normalize_password_args<I, T>(argv: I) -> Vec<OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut after_double_dash = false;
    argv.into_iter()
        .map(Into::into)
        .map(|arg| {
            if after_double_dash {
                return arg;
            }
            if arg == "--" {
                after_double_dash = true;
                return arg;
            }
            // Non-UTF-8 arguments are passed through: clap rejects them anyway.
            match arg.to_str().and_then(|text| text.strip_prefix("-p")) {
                Some(rest) if !rest.is_empty() => OsString::from(format!("--password={rest}")),
                _ => arg,
            }
        })
        .collect()
}

/// Applies the transport rules from the module docs.
fn choose_endpoint(
    args: &ConnectionArgs,
    url: &UrlParts,
    file: &OptionFileValues,
    standard_sockets: &[PathBuf],
) -> Endpoint {
    let host = pick([
        (args.host.as_ref(), FLAG),
        (url.host.as_ref(), URL),
        (file.host.as_ref(), FILE),
    ]);
    let port = pick([
        (args.port.as_ref(), FLAG),
        (url.port.as_ref(), URL),
        (file.port.as_ref(), FILE),
    ]);
    let socket = pick([
        (args.socket.as_ref(), FLAG),
        (url.socket.as_ref(), URL),
        (file.socket.as_ref(), FILE),
    ]);
    let is_local = |h: &str| h.eq_ignore_ascii_case("localhost");
    // Levels at which TCP was asked for explicitly.
    let host_tcp = host.as_ref().filter(|(h, _)| !is_local(h)).map(|(_, l)| *l);
    let port_tcp = port.as_ref().filter(|(_, l)| *l >= URL).map(|(_, l)| *l);
    let tcp_level = host_tcp.max(port_tcp);

    let tcp = |host: Option<(String, u8)>, port: Option<(u16, u8)>| Endpoint::Tcp {
        host: host.map_or_else(|| DEFAULT_HOST.to_string(), |(h, _)| h),
        port: port.map_or(DEFAULT_PORT, |(p, _)| p),
    };
    match (socket, tcp_level) {
        // A socket beats a remote host at the same level (the mariadb client
        // ignores the socket for a remote host) but beats a port at the same
        // level (`-S path -P 3307` is a socket connection).
        (Some((path, level)), Some(_))
            if host_tcp.is_none_or(|h| level > h) && port_tcp.is_none_or(|p| level >= p) =>
        {
            Endpoint::Socket(path)
        }
        (_, Some(_)) => tcp(host, port),
        (Some((path, _)), None) => Endpoint::Socket(path),
        (None, None) => match standard_sockets.iter().find(|p| is_socket_file(p)) {
            Some(path) => Endpoint::Socket(path.clone()),
            None => tcp(host, port),
        },
    }
}

/// Whether `path` exists and is a Unix socket (a stale regular file at a
/// standard path must not hijack the default).
fn is_socket_file(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

impl ConnectionConfig {
    /// A TCP config with no password and defaults elsewhere.
    pub fn tcp(host: impl Into<String>, port: u16, user: impl Into<String>) -> Self {
        Self::with_endpoint(
            Endpoint::Tcp {
                host: host.into(),
                port,
            },
            user.into(),
        )
    }

    /// A Unix-socket config with no password and defaults elsewhere.
    pub fn socket(path: impl Into<PathBuf>, user: impl Into<String>) -> Self {
        Self::with_endpoint(Endpoint::Socket(path.into()), user.into())
    }

    fn with_endpoint(endpoint: Endpoint, user: String) -> Self {
        ConnectionConfig {
            user,
            password: None,
            endpoint,
            database: None,
            tls: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// `user@host:port` or `user@socket:/path`; never includes the password,
    /// so it is the form to use in errors, prompts and the UI.
    pub fn describe(&self) -> String {
        format!("{}@{}", self.user, self.describe_endpoint())
    }

    /// `host:port` (`[v6]:port`) or `socket:/path`.
    pub fn describe_endpoint(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
            Endpoint::Socket(path) => format!("socket:{}", path.display()),
        }
    }

    /// Driver options. Note that `mysql::Opts`' own `Debug` prints the
    /// password: log the [`ConnectionConfig`], never the `Opts`.
    pub fn to_opts(&self) -> mysql::Opts {
        let builder = mysql::OptsBuilder::new()
            .user(Some(self.user.clone()))
            .pass(self.password.as_ref().map(|p| p.expose().to_string()))
            .db_name(self.database.clone())
            // We chose the transport ourselves; do not let the driver switch
            // a 127.0.0.1 connection to whatever socket the server reports.
            .prefer_socket(false)
            .tcp_connect_timeout(Some(self.connect_timeout));
        let builder = match &self.endpoint {
            Endpoint::Socket(path) => builder.socket(Some(path.to_string_lossy().into_owned())),
            Endpoint::Tcp { host, port } => {
                let builder = builder.ip_or_hostname(Some(host.clone())).tcp_port(*port);
                match &self.tls {
                    Some(tls) => builder.ssl_opts(Some(ssl_opts(tls))),
                    None => builder,
                }
            }
        };
        builder.into()
    }
}

fn ssl_opts(tls: &TlsConfig) -> mysql::SslOpts {
    let opts = mysql::SslOpts::default()
        .with_danger_accept_invalid_certs(!tls.verify_server_cert)
        .with_danger_skip_domain_validation(!tls.verify_server_cert);
    match &tls.ca {
        Some(ca) => opts.with_root_cert_path(Some(ca.clone())),
        None => opts,
    }
}

#[cfg(test)]
mod tests;
