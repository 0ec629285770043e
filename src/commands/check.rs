//! `runbook check FILE…`: parse runbooks and check every call against the API; nothing is
//! sent (the checker itself is [`crate::check`]).

use std::path::PathBuf;

use crate::error::Error;

// The arguments of `runbook check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The runbooks to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Error> {
    crate::check::check_files(&args.files)
}
