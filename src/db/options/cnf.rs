//! Reading MariaDB option files (`~/.my.cnf`, `--defaults-file`).
//!
//! Only the client groups are read and only the handful of keys this tool
//! uses; everything else is skipped so that a file written for the
//! `mariadb` client never stops `lightning` from starting.

use std::io;
use std::path::{Path, PathBuf};

use super::password::Password;

/// The option groups whose keys apply to us, like the `mariadb` client.
const CLIENT_GROUPS: &[&str] = &["client", "client-mariadb", "mariadb-client"];

/// Connection settings found in the client groups of one option file.
///
/// When a key appears several times the last one in the file wins, whatever
/// its group, exactly as the MariaDB client library reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionFileValues {
    /// `host`
    pub host: Option<String>,
    /// `port`
    pub port: Option<u16>,
    /// `user`
    pub user: Option<String>,
    /// `password`: `Some(None)` is a bare `password` line, which asks for a prompt.
    pub password: Option<Option<Password>>,
    /// `socket`
    pub socket: Option<PathBuf>,
    /// `database`
    pub database: Option<String>,
    /// `ssl` / `skip-ssl`
    pub ssl: Option<bool>,
    /// `ssl-ca`
    pub ssl_ca: Option<PathBuf>,
    /// `ssl-verify-server-cert`
    pub ssl_verify_server_cert: Option<bool>,
}

/// Why an option file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OptionFileError {
    /// The file exists (or was named explicitly) but could not be read.
    #[error("cannot read option file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A key we use has a value we cannot understand.
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong; never contains a password value.
        message: OptionValueError,
    },
}

/// A value of a key we use that we cannot understand; never shows a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionValueError {
    /// `port` is not 1..=65535.
    #[error("port must be a number from 1 to 65535, got `{0}`")]
    Port(String),
    /// A boolean switch with a value that is not a boolean.
    #[error("`{key}` expects 0/1/on/off, got `{value}`")]
    Boolean {
        /// The key as written (normalised).
        key: String,
        /// The value.
        value: String,
    },
}

/// Reads one option file. A missing file is an error here; callers that treat
/// the default `~/.my.cnf` as optional check for existence first.
pub fn read_option_file(path: &Path) -> Result<OptionFileValues, OptionFileError> {
    let text = std::fs::read(path).map_err(|source| OptionFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // Option files are nominally ASCII/UTF-8; a stray Latin-1 byte in a
    // comment must not make the whole file unusable.
    parse_option_text(&String::from_utf8_lossy(&text), path)
}

/// Parses option-file text; `path` only labels error messages.
pub fn parse_option_text(text: &str, path: &Path) -> Result<OptionFileValues, OptionFileError> {
    let mut values = OptionFileValues::default();
    let mut in_client_group = false;
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        // `!include` / `!includedir` are deliberately not followed: we read a
        // single file so that what `lightning` uses is easy to reason about.
        if line.starts_with('!') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.split(']').next().unwrap_or("").trim();
            let name = name.to_ascii_lowercase().replace('_', "-");
            in_client_group = CLIENT_GROUPS.contains(&name.as_str());
            continue;
        }
        if !in_client_group {
            continue;
        }
        let invalid = |message: OptionValueError| OptionFileError::Invalid {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let (key, value) = split_key_value(line);
        apply(&mut values, &key, value).map_err(invalid)?;
    }
    Ok(values)
}

/// Splits `key = value` / `key=value` / bare `key`, normalising the key
/// (lower case, `_` as `-`, no `loose-` prefix) and unquoting the value.
fn split_key_value(line: &str) -> (String, Option<String>) {
    let (key, value) = match line.split_once('=') {
        Some((k, v)) => (k, Some(parse_value(v))),
        None => (strip_end_comment(line), None),
    };
    let key = key.trim().to_ascii_lowercase().replace('_', "-");
    let key = key.strip_prefix("loose-").unwrap_or(&key).to_string();
    (key, value)
}

/// Sets one recognised key; unknown keys are ignored on purpose.
fn apply(
    values: &mut OptionFileValues,
    key: &str,
    value: Option<String>,
) -> Result<(), OptionValueError> {
    match key {
        "host" => values.host = value.filter(|v| !v.is_empty()),
        "user" => values.user = value.filter(|v| !v.is_empty()),
        "database" => values.database = value.filter(|v| !v.is_empty()),
        "socket" => values.socket = value.filter(|v| !v.is_empty()).map(PathBuf::from),
        "ssl-ca" => values.ssl_ca = value.filter(|v| !v.is_empty()).map(PathBuf::from),
        // A bare `password` line means "ask me", as in the mariadb client.
        "password" => values.password = Some(value.map(Password::new)),
        "port" => {
            let text = value.unwrap_or_default();
            let port = text
                .trim()
                .parse::<u16>()
                .map_err(|_| OptionValueError::Port(text.clone()))?;
            values.port = Some(port);
        }
        _ => {
            if let Some((name, enabled)) = boolean_key(key, value.as_deref())? {
                match name {
                    "ssl" => values.ssl = Some(enabled),
                    "ssl-verify-server-cert" => values.ssl_verify_server_cert = Some(enabled),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Interprets boolean switches: `name`, `name=1/0/on/off/true/false`,
/// `skip-name`, `disable-name`, `enable-name`.
fn boolean_key<'k>(
    key: &'k str,
    value: Option<&str>,
) -> Result<Option<(&'k str, bool)>, OptionValueError> {
    let (name, base) = if let Some(n) = key.strip_prefix("skip-") {
        (n, false)
    } else if let Some(n) = key.strip_prefix("disable-") {
        (n, false)
    } else if let Some(n) = key.strip_prefix("enable-") {
        (n, true)
    } else {
        (key, true)
    };
    if name != "ssl" && name != "ssl-verify-server-cert" {
        return Ok(None);
    }
    let enabled = match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => true,
        Some(v) if ["", "1", "on", "true", "yes"].contains(&v.as_str()) => true,
        Some(v) if ["0", "off", "false", "no"].contains(&v.as_str()) => false,
        Some(value) => {
            return Err(OptionValueError::Boolean {
                key: key.to_string(),
                value,
            })
        }
    };
    Ok(Some((name, enabled == base)))
}

/// Drops a trailing `# comment` that is outside quotes.
fn strip_end_comment(text: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (None, '#') => return &text[..i],
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    text
}

/// Turns the raw text after `=` into the value: comment removed, outer quotes
/// removed, backslash escapes (`\n \t \r \b \s \\ \' \"`) decoded.
fn parse_value(raw: &str) -> String {
    let value = strip_end_comment(raw).trim();
    let mut chars: Vec<char> = value.chars().collect();
    if chars.len() >= 2 {
        let (first, last) = (chars[0], chars[chars.len() - 1]);
        if (first == '\'' || first == '"') && first == last {
            chars = chars[1..chars.len() - 1].to_vec();
        }
    }
    let mut out = String::with_capacity(chars.len());
    let mut iter = chars.into_iter();
    while let Some(c) = iter.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match iter.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('s') => out.push(' '),
            Some(e @ ('\\' | '\'' | '"')) => out.push(e),
            // Unknown escapes stay literal so Windows-style paths survive.
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> OptionFileValues {
        match parse_option_text(text, Path::new("test.cnf")) {
            Ok(v) => v,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn reads_client_groups_only() {
        let v = parse(
            "[mysqld]\nport=1111\nuser=mysql\n\n[client]\nuser = alice\nport=3307\n[mysql]\nhost=ignored\n",
        );
        assert_eq!(v.user.as_deref(), Some("alice"));
        assert_eq!(v.port, Some(3307));
        assert_eq!(v.host, None);
    }

    #[test]
    fn later_value_wins_across_groups() {
        let v = parse("[client]\nuser=a\nhost=h1\n[mariadb-client]\nuser=b\n");
        assert_eq!(v.user.as_deref(), Some("b"));
        assert_eq!(v.host.as_deref(), Some("h1"));
        let v = parse("[mariadb-client]\nuser=b\n[client]\nuser=a\n");
        assert_eq!(v.user.as_deref(), Some("a"));
    }

    #[test]
    fn quotes_comments_and_escapes() {
        let v = parse(concat!(
            "# comment\n; another\n[client]\n",
            "password = \"p#ss word\"  # trailing comment\n",
            "user='o''k'\n",
            "host=db.example # note\n",
            "socket = \"/tmp/my sock\"\n",
            "database=a\\sb\n",
        ));
        assert_eq!(
            v.password
                .as_ref()
                .and_then(|p| p.as_ref())
                .map(|p| p.expose()),
            Some("p#ss word")
        );
        assert_eq!(v.user.as_deref(), Some("o''k"));
        assert_eq!(v.host.as_deref(), Some("db.example"));
        assert_eq!(v.socket, Some(PathBuf::from("/tmp/my sock")));
        assert_eq!(v.database.as_deref(), Some("a b"));
    }

    #[test]
    fn single_quotes_keep_hash() {
        let v = parse("[client]\npassword='a#b'\n");
        assert_eq!(
            v.password.flatten().map(|p| p.expose().to_string()),
            Some("a#b".into())
        );
    }

    #[test]
    fn underscores_dashes_and_loose_prefix() {
        let v = parse("[client]\nssl_ca=/ca.pem\nloose-ssl-verify-server-cert\nloose_port=4000\n");
        assert_eq!(v.ssl_ca, Some(PathBuf::from("/ca.pem")));
        assert_eq!(v.ssl_verify_server_cert, Some(true));
        assert_eq!(v.port, Some(4000));
    }

    #[test]
    fn booleans() {
        let v = parse("[client]\nssl=0\nssl-verify-server-cert=ON\n");
        assert_eq!(v.ssl, Some(false));
        assert_eq!(v.ssl_verify_server_cert, Some(true));
        let v = parse("[client]\nskip-ssl\n");
        assert_eq!(v.ssl, Some(false));
        assert!(parse_option_text("[client]\nssl=maybe\n", Path::new("x")).is_err());
    }

    #[test]
    fn bare_password_means_prompt() {
        let v = parse("[client]\npassword\n");
        assert_eq!(v.password, Some(None));
    }

    #[test]
    fn includes_and_crlf_are_harmless() {
        let v = parse("!include /nonexistent/x.cnf\r\n!includedir /nope\r\n[client]\r\nuser=u\r\n");
        assert_eq!(v.user.as_deref(), Some("u"));
    }

    #[test]
    fn bad_port_names_file_and_line() {
        let err = parse_option_text("[client]\n\nport=abc\n", Path::new("/x/my.cnf"));
        let msg = match err {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected an error"),
        };
        assert!(msg.starts_with("/x/my.cnf:3:"), "{msg}");
    }

    #[test]
    fn unknown_keys_and_groups_are_ignored() {
        let v =
            parse("[client]\ndefault-character-set=utf8mb4\ncompress\n[client-server]\nuser=x\n");
        assert_eq!(v, OptionFileValues::default());
    }
}
