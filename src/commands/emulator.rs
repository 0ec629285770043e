//! `runbook emulator [--port N]`: the local emulator in the foreground, on 127.0.0.1.

use crate::emulator::Emulator;
use crate::error::Error;

// The arguments of `runbook emulator`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4566)]
    port: u16,
}

/// Runs it until it exits or SIGINT/SIGTERM arrives; it prints `AWS_ENDPOINT_URL=…` first.
pub fn run(args: Args) -> Result<(), Error> {
    Emulator::run_foreground(args.port)
}
