//! Database access: connection options, introspection, doctor checks and the private server launcher.
pub mod introspect;
pub mod server;

pub mod connect;
pub mod doctor;
pub mod options;
pub mod topology;
