//! The wizard's connection form: transport, host/port or socket, user,
//! hidden password, database, and the two choices about saving.

use super::input::LineInput;
use crate::db::options::profile::{quiet_env, Profile};
use crate::db::options::store::check_name;
use crate::db::options::{ConnectionConfig, Endpoint, Password, DEFAULT_HOST, DEFAULT_PORT};
use crate::tui::strings::setup as text;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

/// How to reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Host and port.
    Tcp,
    /// A Unix socket file.
    Socket,
}

/// A line of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// TCP or socket.
    Transport,
    /// Host name.
    Host,
    /// Port.
    Port,
    /// Socket file.
    Socket,
    /// Account.
    User,
    /// Password (shown as dots).
    Password,
    /// Default database (optional).
    Database,
    /// Store the password in the profile.
    SavePassword,
    /// Save the profile at all.
    Remember,
    /// The name to save it under (empty: the default profile).
    SaveAs,
}

impl Field {
    /// Whether the field takes typed text.
    pub fn is_text(self) -> bool {
        !matches!(
            self,
            Field::Transport | Field::SavePassword | Field::Remember
        )
    }
}

/// What the form starts from when nothing else is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Defaults {
    /// The login name (the default user).
    pub user: String,
    /// A server socket found at a standard path.
    pub socket: Option<PathBuf>,
}

/// Settings ready to try, and what to save if they work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The connection.
    pub config: ConnectionConfig,
    /// The profile to save (without the password unless asked).
    pub profile: Profile,
    /// Whether to save the profile.
    pub remember: bool,
    /// The name to save it under (`None`: the default profile).
    pub name: Option<String>,
}

/// Why the form cannot be submitted yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// The field to fix.
    pub field: Field,
    /// What to do, in plain words.
    pub message: &'static str,
}

/// The form state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// TCP or socket.
    pub transport: Transport,
    /// Host.
    pub host: LineInput,
    /// Port.
    pub port: LineInput,
    /// Socket file.
    pub socket: LineInput,
    /// User.
    pub user: LineInput,
    /// Password.
    pub password: LineInput,
    /// Database.
    pub database: LineInput,
    /// Store the password in the profile (off unless ticked).
    pub save_password: bool,
    /// Save the profile.
    pub remember: bool,
    /// The profile name to save under (empty: the default profile).
    pub save_as: LineInput,
    /// The focused field.
    pub focus: Field,
    /// The values came from `~/.my.cnf` and were not changed (then the
    /// profile just says to use it).
    pub option_file: bool,
    /// TLS, carried over from where the values came from.
    pub ssl: bool,
}

impl Form {
    /// An empty form: TCP to the local default port, the login user.
    pub fn new(defaults: &Defaults) -> Form {
        Form {
            transport: Transport::Tcp,
            host: LineInput::new(DEFAULT_HOST),
            port: LineInput::new(DEFAULT_PORT.to_string()),
            socket: LineInput::new(
                defaults
                    .socket
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            user: LineInput::new(defaults.user.clone()),
            password: LineInput::default(),
            database: LineInput::default(),
            save_password: false,
            remember: true,
            save_as: LineInput::default(),
            focus: Field::Host,
            option_file: false,
            ssl: false,
        }
    }

    /// A form showing a profile's settings.
    pub fn from_profile(p: &Profile, defaults: &Defaults) -> Form {
        let mut f = Form::new(defaults);
        if let Some(h) = &p.host {
            f.host = LineInput::new(h.clone());
        }
        if let Some(port) = p.port {
            f.port = LineInput::new(port.to_string());
        }
        if let Some(s) = &p.socket {
            f.socket = LineInput::new(s.display().to_string());
            if p.host.is_none() && p.port.is_none() {
                f.transport = Transport::Socket;
            }
        }
        if let Some(u) = &p.user {
            f.user = LineInput::new(u.clone());
        }
        if let Some(pw) = &p.password {
            f.password = LineInput::new(pw.expose());
            f.save_password = true;
        }
        f.database = LineInput::new(p.database.clone().unwrap_or_default());
        f.ssl = p.ssl;
        f
    }

    /// A form showing the settings of a working connection.
    pub fn from_config(c: &ConnectionConfig, defaults: &Defaults) -> Form {
        let mut f = Form::new(defaults);
        match &c.endpoint {
            Endpoint::Tcp { host, port } => {
                f.host = LineInput::new(host.clone());
                f.port = LineInput::new(port.to_string());
            }
            Endpoint::Socket(path) => {
                f.transport = Transport::Socket;
                f.socket = LineInput::new(path.display().to_string());
            }
        }
        f.user = LineInput::new(c.user.clone());
        f.password = LineInput::new(c.password.as_ref().map_or("", |p| p.expose()));
        f.database = LineInput::new(c.database.clone().unwrap_or_default());
        f.ssl = c.tls.is_some();
        f
    }

    /// The fields shown, in order.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = vec![Field::Transport];
        match self.transport {
            Transport::Tcp => out.extend([Field::Host, Field::Port]),
            Transport::Socket => out.push(Field::Socket),
        }
        out.extend([
            Field::User,
            Field::Password,
            Field::Database,
            Field::SavePassword,
            Field::Remember,
            Field::SaveAs,
        ]);
        out
    }

    fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let n = fields.len();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        self.focus = fields[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Focuses the next field.
    pub fn next(&mut self) {
        self.step(true);
    }

    /// Focuses the previous field.
    pub fn prev(&mut self) {
        self.step(false);
    }

    /// The input of a text field.
    pub fn input_mut(&mut self, field: Field) -> Option<&mut LineInput> {
        match field {
            Field::Host => Some(&mut self.host),
            Field::Port => Some(&mut self.port),
            Field::Socket => Some(&mut self.socket),
            Field::User => Some(&mut self.user),
            Field::Password => Some(&mut self.password),
            Field::Database => Some(&mut self.database),
            Field::SaveAs => Some(&mut self.save_as),
            _ => None,
        }
    }

    /// The input of a text field, to read.
    pub fn input(&self, field: Field) -> Option<&LineInput> {
        match field {
            Field::Host => Some(&self.host),
            Field::Port => Some(&self.port),
            Field::Socket => Some(&self.socket),
            Field::User => Some(&self.user),
            Field::Password => Some(&self.password),
            Field::Database => Some(&self.database),
            Field::SaveAs => Some(&self.save_as),
            _ => None,
        }
    }

    /// A key the bindings left to the focused field; returns whether it was used.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let toggle = matches!(
            key.code,
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
        );
        let focus = self.focus;
        let used = match focus {
            Field::Transport if toggle => {
                self.transport = match self.transport {
                    Transport::Tcp => Transport::Socket,
                    Transport::Socket => Transport::Tcp,
                };
                true
            }
            Field::SavePassword if key.code == KeyCode::Char(' ') => {
                self.save_password = !self.save_password;
                return true;
            }
            Field::Remember if key.code == KeyCode::Char(' ') => {
                self.remember = !self.remember;
                return true;
            }
            f => self.input_mut(f).is_some_and(|i| i.key(key)),
        };
        // The password and the name change nothing about where the values come from.
        if used && !matches!(focus, Field::Password | Field::SaveAs) {
            self.option_file = false;
        }
        used
    }

    /// Pasted text goes into the focused text field.
    pub fn paste(&mut self, text: &str) {
        let focus = self.focus;
        if let Some(i) = self.input_mut(focus) {
            i.insert(text.trim());
            if !matches!(focus, Field::Password | Field::SaveAs) {
                self.option_file = false;
            }
        }
    }

    /// The settings to try, or the first thing to fix.
    pub fn candidate(&self) -> Result<Candidate, Invalid> {
        let invalid = |field, message| Invalid { field, message };
        let name = Some(self.save_as.trimmed().to_string()).filter(|n| !n.is_empty());
        if name.as_deref().is_some_and(|n| check_name(n).is_err()) {
            return Err(invalid(Field::SaveAs, text::BAD_PROFILE_NAME));
        }
        let user = self.user.trimmed();
        if user.is_empty() {
            return Err(invalid(Field::User, text::NEED_USER));
        }
        let mut profile = Profile {
            user: Some(user.to_string()),
            database: Some(self.database.trimmed().to_string()).filter(|d| !d.is_empty()),
            ssl: self.ssl,
            ..Profile::default()
        };
        match self.transport {
            Transport::Tcp => {
                let host = self.host.trimmed();
                if host.is_empty() {
                    return Err(invalid(Field::Host, text::NEED_HOST));
                }
                let port: u16 = self
                    .port
                    .trimmed()
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or(invalid(Field::Port, text::BAD_PORT))?;
                profile.host = Some(host.to_string());
                profile.port = Some(port);
            }
            Transport::Socket => {
                let socket = self.socket.trimmed();
                if socket.is_empty() {
                    return Err(invalid(Field::Socket, text::NEED_SOCKET));
                }
                profile.socket = Some(PathBuf::from(socket));
            }
        }
        let password = Some(Password::new(self.password.text())).filter(|p| !p.is_empty());
        let with_password = Profile {
            password: password.clone(),
            ..profile.clone()
        };
        let config = with_password
            .resolve(&quiet_env(None))
            .map_err(|_| invalid(Field::Password, text::NEED_PASSWORD))?;
        let saved = if self.option_file {
            Profile::option_file(profile.database.clone())
        } else if self.save_password {
            with_password
        } else {
            Profile {
                ask_password: password.is_some(),
                ..profile
            }
        };
        Ok(Candidate {
            config,
            profile: saved,
            remember: self.remember,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn defaults() -> Defaults {
        Defaults {
            user: "alice".into(),
            socket: Some("/run/mysqld/mysqld.sock".into()),
        }
    }

    fn press(f: &mut Form, code: KeyCode) -> bool {
        f.key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn tcp_by_default_socket_on_toggle_and_fields_follow() {
        let mut f = Form::new(&defaults());
        assert_eq!(f.focus, Field::Host);
        assert!(f.fields().contains(&Field::Port));
        f.focus = Field::Transport;
        assert!(press(&mut f, KeyCode::Char(' ')));
        assert_eq!(f.transport, Transport::Socket);
        assert!(!f.fields().contains(&Field::Host));
        f.next();
        assert_eq!(f.focus, Field::Socket);
        let c = match f.candidate() {
            Ok(c) => c,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(
            c.config.endpoint,
            Endpoint::Socket("/run/mysqld/mysqld.sock".into())
        );
        assert_eq!(c.config.user, "alice");
    }

    #[test]
    fn password_is_used_but_not_saved_unless_ticked() {
        let mut f = Form::new(&defaults());
        f.password = LineInput::new("pw-secret");
        f.port = LineInput::new("3399");
        let c = match f.candidate() {
            Ok(c) => c,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(
            c.config.password.as_ref().map(|p| p.expose()),
            Some("pw-secret")
        );
        assert!(c.profile.password.is_none() && c.profile.ask_password);
        assert!(!c.profile.to_toml().contains("pw-secret"));
        assert_eq!(
            c.config.endpoint,
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 3399
            }
        );
        f.focus = Field::SavePassword;
        assert!(press(&mut f, KeyCode::Char(' ')));
        let c = match f.candidate() {
            Ok(c) => c,
            Err(e) => panic!("{e:?}"),
        };
        assert!(c.profile.to_toml().contains("pw-secret"));
    }

    #[test]
    fn invalid_fields_are_named() {
        let mut f = Form::new(&defaults());
        f.port = LineInput::new("99999");
        assert_eq!(f.candidate().err().map(|e| e.field), Some(Field::Port));
        f.port = LineInput::new("3306");
        f.user = LineInput::new("  ");
        assert_eq!(f.candidate().err().map(|e| e.field), Some(Field::User));
    }

    #[test]
    fn unchanged_option_file_values_save_as_use_option_file() {
        let p = Profile {
            user: Some("cnfuser".into()),
            host: Some("db".into()),
            ..Profile::default()
        };
        let mut f = Form::from_profile(&p, &defaults());
        f.option_file = true;
        f.focus = Field::Password;
        press(&mut f, KeyCode::Char('x'));
        assert!(
            f.candidate().is_ok_and(|c| c.profile.use_option_file),
            "typing the password keeps the option file"
        );
        f.focus = Field::Host;
        press(&mut f, KeyCode::Char('x'));
        assert!(f.candidate().is_ok_and(|c| !c.profile.use_option_file));
    }
}
