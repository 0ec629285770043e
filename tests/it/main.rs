//! runbook's integration tests: one binary, so the local emulator starts once for all of them.
//!
//! Each module is an area a user meets, tested the way a user runs it (the real binary, real
//! SDK clients, HTTP to the emulator); `common` holds the shared set-ups.

// A test may unwrap: a panic here is a failed test, not a user's crash (the lints deny them in
// the tool itself).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod api;
mod bulk;
mod cli;
mod converge;
mod drift;
mod ensure;
mod fleet;
mod hostile;
mod import;
mod layout;
mod local;
mod migrate;
mod plan;
mod restore;
mod roundtrip;
mod safety;
mod signin;
mod testing;
mod walkthrough;
mod wire;
