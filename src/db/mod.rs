//! Database access: connection options, introspection, doctor checks and the private server launcher.
pub mod server;
