//! `--url mysql://user[:pass]@host[:port]/db[?socket=/path]` parsing.
//!
//! The URL is kept verbatim until connection options are resolved so that
//! clap never sees (and never echoes in a usage error) a password-bearing
//! value it failed to parse; every error and `Debug` print uses the
//! redacted form.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use super::password::{Password, REDACTED};

/// A connection URL exactly as given on the command line.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl(String);

/// The pieces of a [`DbUrl`]; absent pieces are left to lower-precedence sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlParts {
    /// User name (percent-decoded).
    pub user: Option<String>,
    /// Password (percent-decoded).
    pub password: Option<Password>,
    /// Host name or IP address (IPv6 without brackets).
    pub host: Option<String>,
    /// TCP port.
    pub port: Option<u16>,
    /// Default database, the URL path.
    pub database: Option<String>,
    /// Unix socket from the `socket` query parameter.
    pub socket: Option<PathBuf>,
}

/// Why a `--url` value cannot be used. Messages show the URL with its
/// password replaced by `****`.
#[derive(Debug, thiserror::Error)]
#[error("invalid --url {url}: {reason}")]
pub struct UrlError {
    /// The redacted URL.
    pub url: String,
    /// What is wrong with it.
    pub reason: UrlReason,
}

/// What is wrong with a `--url`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlReason {
    /// No `scheme://`.
    #[error("expected mysql://user[:password]@host[:port]/database")]
    Shape,
    /// A scheme other than mysql or mariadb.
    #[error("the scheme must be mysql:// or mariadb://")]
    Scheme,
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape (use %XX)")]
    PercentEscape,
    /// Decoded bytes that are not UTF-8.
    #[error("percent-escapes do not form UTF-8 text")]
    NotUtf8,
    /// `[` without `]`.
    #[error("unclosed [ in IPv6 host")]
    UnclosedBracket,
    /// Text after `]` that is not `:port`.
    #[error("unexpected text after ]")]
    AfterBracket,
    /// A port that is not 1..=65535.
    #[error("port must be a number from 1 to 65535, got `{0}`")]
    Port(String),
    /// A query parameter we do not know.
    #[error("unknown URL parameter `{0}` (supported: socket)")]
    Parameter(String),
}

impl DbUrl {
    /// Wraps a raw URL string.
    pub fn new(raw: impl Into<String>) -> Self {
        DbUrl(raw.into())
    }

    /// The raw text; contains the password, so only for argv scrubbing.
    pub fn raw(&self) -> &str {
        &self.0
    }

    /// Byte range of the (still percent-encoded) password inside [`DbUrl::raw`].
    pub fn password_span(&self) -> Option<Range<usize>> {
        let start = self.0.find("://")? + 3;
        let userinfo_end = start + self.0[start..self.authority_end(start)].rfind('@')?;
        let colon = start + self.0[start..userinfo_end].find(':')?;
        Some(colon + 1..userinfo_end)
    }

    /// The URL with its password replaced by `****`; safe to print.
    pub fn redacted(&self) -> String {
        match self.password_span() {
            Some(span) => format!(
                "{}{}{}",
                &self.0[..span.start],
                REDACTED,
                &self.0[span.end..]
            ),
            None => self.0.clone(),
        }
    }

    /// End of the authority part: the query string starts a new section;
    /// a `/` does not, because unencoded slashes in passwords are common.
    fn authority_end(&self, start: usize) -> usize {
        self.0[start..]
            .find('?')
            .map_or(self.0.len(), |i| start + i)
    }

    /// Splits the URL into its parts.
    pub fn parse(&self) -> Result<UrlParts, UrlError> {
        let fail = |reason: UrlReason| UrlError {
            url: self.redacted(),
            reason,
        };
        let raw = self.0.as_str();
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| fail(UrlReason::Shape))?;
        if !matches!(scheme.to_ascii_lowercase().as_str(), "mysql" | "mariadb") {
            return Err(fail(UrlReason::Scheme));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let mut parts = UrlParts::default();
        let host_and_path = match before_query.rfind('@') {
            Some(at) => {
                let userinfo = &before_query[..at];
                let (user, password) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                parts.user = non_empty(decode(user).map_err(fail)?);
                if let Some(p) = password {
                    parts.password = Some(Password::new(decode(p).map_err(fail)?));
                }
                &before_query[at + 1..]
            }
            None => before_query,
        };
        let (hostport, path) = match host_and_path.split_once('/') {
            Some((h, p)) => (h, p),
            None => (host_and_path, ""),
        };
        let (host, port) = split_host_port(hostport).map_err(fail)?;
        parts.host = host;
        parts.port = port;
        parts.database = non_empty(decode(path.trim_end_matches('/')).map_err(fail)?);
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "socket" => {
                    parts.socket = non_empty(decode(value).map_err(fail)?).map(PathBuf::from);
                }
                other => return Err(fail(UrlReason::Parameter(other.to_string()))),
            }
        }
        Ok(parts)
    }
}

impl std::str::FromStr for DbUrl {
    type Err = std::convert::Infallible;

    /// Never fails: validation happens later with a redacting error.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DbUrl(s.to_string()))
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", self.redacted())
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(text: &str) -> Result<(Option<String>, Option<u16>), UrlReason> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or(UrlReason::UnclosedBracket)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UrlReason::AfterBracket),
        };
        (h.to_string(), port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (decode(h)?, Some(p)),
            None => (decode(text)?, None),
        }
    };
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| UrlReason::Port(p.to_string()))?,
        ),
        None => None,
    };
    Ok((non_empty(host), port))
}

/// Percent-decodes one URL component.
fn decode(text: &str) -> Result<String, UrlReason> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(UrlReason::PercentEscape)?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlReason::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> UrlParts {
        match DbUrl::new(raw).parse() {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn full_url() {
        let p = parts("mysql://bob:s%40cret@db.example:3307/shop");
        assert_eq!(p.user.as_deref(), Some("bob"));
        assert_eq!(p.password.as_ref().map(|p| p.expose()), Some("s@cret"));
        assert_eq!(p.host.as_deref(), Some("db.example"));
        assert_eq!(p.port, Some(3307));
        assert_eq!(p.database.as_deref(), Some("shop"));
    }

    #[test]
    fn minimal_and_socket_urls() {
        let p = parts("mariadb://db");
        assert_eq!(p.host.as_deref(), Some("db"));
        assert_eq!((p.user, p.port, p.database), (None, None, None));
        let p = parts("mysql://root@/shop?socket=/run/mysqld/mysqld.sock");
        assert_eq!(p.host, None);
        assert_eq!(p.socket, Some(PathBuf::from("/run/mysqld/mysqld.sock")));
        let p = parts("mysql://u@[::1]:3310/");
        assert_eq!(p.host.as_deref(), Some("::1"));
        assert_eq!(p.port, Some(3310));
        assert_eq!(p.database, None);
    }

    #[test]
    fn password_with_unencoded_at_and_slash() {
        let p = parts("mysql://bob:pa@ss/w@host/db");
        assert_eq!(p.password.as_ref().map(|p| p.expose()), Some("pa@ss/w"));
        assert_eq!(p.host.as_deref(), Some("host"));
    }

    #[test]
    fn redaction() {
        let u = DbUrl::new("mysql://bob:topsecret@h/db");
        assert_eq!(u.redacted(), "mysql://bob:****@h/db");
        assert_eq!(format!("{u:?}"), "DbUrl(mysql://bob:****@h/db)");
        assert_eq!(u.password_span(), Some(12..21));
        assert_eq!(
            DbUrl::new("mysql://bob@h/db").redacted(),
            "mysql://bob@h/db"
        );
    }

    #[test]
    fn errors_never_show_the_password() {
        for raw in [
            "mysql://bob:topsecret@h:notaport/db",
            "postgres://bob:topsecret@h/db",
            "mysql://bob:topsecret@h/db?x=1",
            "mysql://bob:topsecret@h/d%zz",
        ] {
            let err = match DbUrl::new(raw).parse() {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{raw} should fail"),
            };
            assert!(!err.contains("topsecret"), "{err}");
            assert!(err.contains("****"), "{err}");
        }
    }
}
