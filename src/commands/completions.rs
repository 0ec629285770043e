//! `runbook completions SHELL`: the shell completion script for `runbook` itself (its commands,
//! flags and their values), written by clap's generator from the same definition that parses
//! the command line, so it never falls behind. The README's install section says where each
//! shell reads it from.

use crate::error::Error;

// The arguments of `runbook completions`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Writes the completion script of `command` (the whole command line) for the shell to stdout.
pub fn run(args: Args, mut command: clap::Command) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "runbook", &mut script);
    crate::output::write_stdout(&String::from_utf8_lossy(&script))
}
