//! The top-level command line: global flags and help text.
//!
//! Subcommands live in [`super::Command`]; this file only holds what every
//! command shares.

use clap::{ArgAction, Parser};

use super::Command;
use crate::db::options::ConnectionArgs;

// One text for both help forms: clap's long form spreads every option over
// three lines, so only the compact form is used (see the --help flag).
const ABOUT: &str = "\
Exact, trigger-maintained summary tables for MariaDB.

LightningTables turns one aggregate query into a summary table that triggers
keep exactly up to date, created online. Run without a command to open the
interactive UI.";

const AFTER_HELP: &str = "\
Examples:
  lightning doctor -u admin -p -D shop
      Check that the server and the account are ready for summary tables.
  lightning -S /run/mysqld/mysqld.sock -D shop
      Open the interactive UI on a local server.
  lightning --url mysql://app@db1.example:3306/shop doctor --json
      The same check as JSON, connecting with a URL.

Connection options work like the mariadb client's and are looked up in this
order: command-line flags, --url, MYSQL_PWD (password only), then the
[client] and [mariadb-client] groups of ~/.my.cnf (or --defaults-file).
Note that -h is the host, as in mariadb: use --help for help.";

/// Parsed command line of the `lightning` binary.
///
/// Parse with [`Cli::parse_args`] (not clap's `parse`), which first rewrites
/// `-pSECRET` into a form clap understands.
#[derive(Debug, Parser)]
#[command(
    name = "lightning",
    version,
    about = ABOUT,
    // The doc comment above is for rustdoc, not for users.
    long_about = None,
    after_help = AFTER_HELP,
    // -h is --host, exactly like the mariadb client; help is --help only.
    disable_help_flag = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Print machine-readable JSON instead of text (for commands that output data)
    #[arg(long, global = true)]
    pub json: bool,

    /// Print help (there is no -h: that is --host)
    #[arg(long, global = true, action = ArgAction::Help)]
    help: Option<bool>,

    /// How to reach the server (listed last so its help heading does not
    /// swallow the general options above).
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// What to do; without a command the interactive UI opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses an argv (program name first), handling the mariadb-style `-pSECRET`.
    pub fn parse_args<I, T>(argv: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString>,
    {
        Cli::try_parse_from(crate::db::options::normalize_password_args(argv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn short_h_is_host_everywhere() {
        let cli = match Cli::parse_args(["lightning", "doctor", "-h", "db1", "--json"]) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(cli.conn.host.as_deref(), Some("db1"));
        assert!(cli.json);
        assert!(matches!(cli.command, Some(Command::Doctor(_))));
        let cli = match Cli::parse_args(["lightning", "-h", "db2", "-pX", "-D", "shop", "doctor"]) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(cli.conn.host.as_deref(), Some("db2"));
        assert_eq!(cli.conn.database.as_deref(), Some("shop"));
    }

    #[test]
    fn help_is_long_only() {
        let err = match Cli::parse_args(["lightning", "--help"]) {
            Err(e) => e,
            Ok(_) => panic!("--help must not parse as a run"),
        };
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        let help = err.to_string();
        assert!(help.contains("-h, --host <HOST>"), "{help}");
        assert!(help.contains("Examples:"), "{help}");
        let err = match Cli::parse_args(["lightning", "doctor", "--help"]) {
            Err(e) => e,
            Ok(_) => panic!("doctor --help must not parse as a run"),
        };
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn no_command_means_ui() {
        match Cli::parse_args(["lightning", "-S", "/tmp/x.sock"]) {
            Ok(cli) => assert!(cli.command.is_none()),
            Err(e) => panic!("{e}"),
        }
    }
}
