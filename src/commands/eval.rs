//! `runbook eval 'EXPR'`: one expression, its result printed as JSON (for shell pipelines).

use rhai::Map;

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;
use crate::lifecycle::{self, Source};
use crate::safety::interrupt;

// The arguments of `runbook eval`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The expression, e.g. 'query(cognito::list_user_pools(), "UserPools[].Id")'.
    expression: String,
    /// Allow destructive calls without asking.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    aws: AwsFlags,
}

/// Evaluates the expression through the run lifecycle (see [`lifecycle`]: checked before
/// anything is sent, the import jobs it started stopped when interrupted) and prints its value.
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    with_aws(&leading.under(&args.aws)?, |settings| {
        interrupt::install();
        let shown = crate::repl::secrets::mask_line(
            &args.expression,
            &crate::functions::secret_positions(),
        );
        let safety = Safety::journaled(
            args.yes || settings.dummy_credentials,
            "eval",
            format!("eval {shown}"),
        );
        let mut runbook = Runbook::new(settings, Map::new(), safety)?;
        let value = lifecycle::execute(&mut runbook, Source::Expression(&args.expression))?;
        if !value.is_unit() {
            crate::output::print(&crate::value::masked_json(&value, true));
        }
        Ok(())
    })
}
