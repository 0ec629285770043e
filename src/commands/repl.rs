//! `runbook repl`: the interactive session (the session itself is [`crate::repl`]).

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::error::Error;

// The arguments of `runbook repl`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    aws: AwsFlags,
}

pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    with_aws(&leading.under(&args.aws)?, crate::repl::run)
}
