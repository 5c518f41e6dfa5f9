//! The [`Password`] newtype: a secret that can be passed around freely
//! because no formatting path ever reveals it.

use std::fmt;

/// A database password.
///
/// `Debug` and `Display` both print `****`, so a password that ends up in a
/// log line, an error message or a `{:?}` dump of a config struct stays secret.
/// The only way to read it is [`Password::expose`], which makes every real use
/// easy to find in review.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

/// What every formatting of a [`Password`] prints instead of the secret.
pub const REDACTED: &str = "****";

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Password(secret.into())
    }

    /// The secret itself; only for handing it to the database driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is the empty string (an account without password).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of this password in `text` with `****`.
    ///
    /// Belt and braces for messages that come from outside (server or driver
    /// errors): they should never echo a password, but if one ever did, this
    /// keeps it off the terminal. Very short passwords are left alone because
    /// blanking every `a` in a sentence would make it unreadable while hiding
    /// nothing an attacker could not guess anyway.
    pub fn redact_in(&self, text: &str) -> String {
        if self.0.chars().count() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Password {
    fn from(secret: String) -> Self {
        Password(secret)
    }
}

impl std::str::FromStr for Password {
    type Err = std::convert::Infallible;

    /// Never fails, so clap can never echo a password back in a parse error.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Password(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_secret() {
        let p = Password::new("hunter2-secret");
        assert_eq!(format!("{p}"), "****");
        assert_eq!(format!("{p:?}"), "****");
        assert_eq!(format!("{:?}", Some(p.clone())), "Some(****)");
        assert_eq!(p.expose(), "hunter2-secret");
    }

    #[test]
    fn redact_in_replaces_all_occurrences() {
        let p = Password::new("s3cr3t");
        assert_eq!(p.redact_in("a s3cr3t b s3cr3t"), "a **** b ****");
        assert_eq!(Password::new("ab").redact_in("about"), "about");
    }
}
