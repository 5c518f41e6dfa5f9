//! Texts of the connection setup wizard.

use crate::db::connect::ConnectFailure;
use crate::db::doctor::Status;

/// Title bar text while the wizard is open.
pub const TITLE: &str = "Connection setup";
/// Title of the first page.
pub const SOURCE_TITLE: &str = "Which server?";
/// Intro of the first page.
pub const SOURCE_INTRO: &str = "Pick a connection you already have, or enter a new one.";
/// First page: the saved profile.
pub const SOURCE_PROFILE: &str = "Saved connection";
/// First page: `~/.my.cnf`.
pub const SOURCE_OPTION_FILE: &str = "From ~/.my.cnf";
/// First page: enter details.
pub const SOURCE_NEW: &str = "Enter connection details…";
/// Title of the form.
pub const FORM_TITLE: &str = "Connect to MariaDB";
/// Intro of the form.
pub const FORM_INTRO: &str = "Where is the server, and which account should LightningTables use? Nothing is changed on the server until you create a summary.";
/// Form labels.
pub const LABEL_TRANSPORT: &str = "Connect via";
/// Form label.
pub const LABEL_HOST: &str = "Host";
/// Form label.
pub const LABEL_PORT: &str = "Port";
/// Form label.
pub const LABEL_SOCKET: &str = "Socket file";
/// Form label.
pub const LABEL_USER: &str = "User";
/// Form label.
pub const LABEL_PASSWORD: &str = "Password";
/// Form label.
pub const LABEL_DATABASE: &str = "Database";
/// Transport choice.
pub const TCP: &str = "TCP host and port";
/// Transport choice.
pub const SOCKET: &str = "Unix socket";
/// Placeholder of the database field.
pub const DATABASE_PLACEHOLDER: &str = "optional: pick one later";
/// Placeholder of the password field.
pub const PASSWORD_PLACEHOLDER: &str = "none";
/// Checkbox: save the password.
pub const SAVE_PASSWORD: &str = "Save the password in the profile (plain text)";
/// Checkbox: save the profile.
pub const REMEMBER: &str = "Remember this connection for next time";
/// Warning shown while "save password" is ticked.
pub const SAVE_PASSWORD_WARNING: &str = "The password will be stored unencrypted; the file is made readable only by you (mode 600). Leave this off to be asked at start-up instead.";
/// Title while testing.
pub const TESTING_TITLE: &str = "Checking the server";
/// Body while testing.
pub const TESTING: &str = "Connecting and asking the server a few questions…";
/// Title of the report.
pub const REPORT_TITLE: &str = "What the server said";
/// Report verdict: ready.
pub fn ready(continue_key: &str) -> String {
    format!(
        "Ready: this account can create summaries here. Press {continue_key} to save and continue."
    )
}
/// Report verdict: something blocks summaries.
pub fn not_ready(continue_key: &str, back_key: &str) -> String {
    format!("Something is missing (✗ below). You can continue and look around, but creating a summary fails until it is fixed. Press {continue_key} to continue anyway, or {back_key} to change the connection.")
}
/// Report: without a database, some checks wait.
pub const NO_DATABASE: &str = "No database chosen: privileges and table engines are checked per database when you create a summary. Pick a table after connecting.";
/// Form: user missing.
pub const NEED_USER: &str = "Enter the account's user name.";
/// Form: host missing.
pub const NEED_HOST: &str = "Enter the server's host name or IP address.";
/// Form: port invalid.
pub const BAD_PORT: &str = "The port is a number from 1 to 65535 (MariaDB's default is 3306).";
/// Form: socket missing.
pub const NEED_SOCKET: &str =
    "Enter the path of the server's socket file, e.g. /run/mysqld/mysqld.sock.";
/// Form: the source needs a password.
pub const NEED_PASSWORD: &str = "Enter the password.";
/// Form: a known connection needs its password typed.
pub const TYPE_PASSWORD: &str = "Type the password for this connection, then test it.";
/// Footer: test the form.
pub const KEY_TEST: &str = "test connection";
/// Footer: continue from the report.
pub const KEY_CONTINUE: &str = "save and continue";
/// Footer: pick from the list.
pub const KEY_PICK: &str = "choose";
/// Footer: toggle a choice.
pub const KEY_TOGGLE: &str = "toggle";
/// Footer: go back.
pub const KEY_BACK: &str = "back";
/// Footer: leave the wizard.
pub const KEY_CLOSE: &str = "close";
/// Footer: quit on the first run.
pub const KEY_QUIT: &str = "quit";
/// Footer: cancel the test.
pub const KEY_CANCEL: &str = "cancel";
/// Footer: next field.
pub const KEY_NEXT: &str = "next field";
/// Heading of the profile file.
pub const PROFILE_HEADER: &str =
    "# LightningTables connection profile, written by the setup wizard (Ctrl-O in the UI).\n\n";

/// What a connection failure means, in plain words.
pub fn explain(kind: Option<ConnectFailure>) -> &'static str {
    match kind {
        Some(ConnectFailure::Refused) => "Nothing answers there. Is the server running, and are the host and port (or the socket) right?",
        Some(ConnectFailure::SocketMissing) => "There is no socket file at that path. Is the server running? Its path is the `socket` setting of the server, often /run/mysqld/mysqld.sock.",
        Some(ConnectFailure::SocketPermission) => "This account of your computer may not open that socket file. Connect over TCP instead, or ask for access.",
        Some(ConnectFailure::UnknownHost) => "That host name is not known. Check its spelling, or use an IP address.",
        Some(ConnectFailure::Timeout) => "The server did not answer in time. Is the host reachable and the port right? A firewall may be dropping the connection.",
        Some(ConnectFailure::AccessDenied) => "The server refused this user name and password. Check both; the account may also not be allowed to log in from this machine.",
        Some(ConnectFailure::DatabaseAccessDenied) => "The account may not use that database. Leave the field empty, or ask an administrator for access.",
        Some(ConnectFailure::UnknownDatabase) => "That database does not exist. Leave the field empty to choose one after connecting.",
        Some(ConnectFailure::Tls) => "A secure (TLS) connection could not be set up with this server.",
        Some(ConnectFailure::Other) | None => "The connection or one of the checks failed.",
    }
}

/// Heading of a doctor check in the report.
pub fn check_heading(name: &str) -> &str {
    match name {
        "server" => "Server version",
        "database" => "Database",
        "privileges" => "Privileges",
        "binlog" => "Triggers",
        "isolation" => "Isolation",
        "engines" => "Table engines",
        other => other,
    }
}

/// Marker of a check's status.
pub fn status_mark(status: Status) -> &'static str {
    match status {
        Status::Ok => "✓",
        Status::Warning => "!",
        Status::Blocker => "✗",
        Status::Skipped => "–",
    }
}

/// Connected message of the report.
pub fn answered(label: &str, version: &str) -> String {
    format!("{label} answered: {version}")
}

/// Status after saving the profile.
pub fn saved(path: &str, with_password: bool) -> String {
    if with_password {
        format!("Connection and password saved to {path} (readable only by you).")
    } else {
        format!("Connection saved to {path}.")
    }
}

/// Status when the profile could not be saved.
pub fn not_saved(reason: &str) -> String {
    format!("The connection works but was not saved: {reason}")
}
