//! The terminal UI.

pub mod errors;
pub mod keymap;
pub mod strings;
pub mod theme;
pub mod worker;
