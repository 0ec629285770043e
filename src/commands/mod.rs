//! The commands, one file each: its arguments (clap) and what it does. [`crate::cli`] parses
//! and dispatches; [`flags`] holds the AWS flags the commands that talk to AWS share.
//!
//! This file only declares: the commands import each other's pieces directly.

pub mod check;
pub mod completions;
pub mod csv;
pub mod definitions;
pub mod emulator;
pub mod eval;
pub mod flags;
pub mod journal;
pub mod limits;
pub mod ops;
pub mod repl;
pub mod revert;
pub mod run;
pub mod test;
