//! `runbook eval 'EXPR'`: one expression, its result printed as JSON (for shell pipelines).

use std::path::Path;

use rhai::{Dynamic, Map};

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::context::Safety;
use crate::engine::Runbook;
use crate::engine::glue::{parse_error, runtime_error};
use crate::error::Error;
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

/// Evaluates the expression (after the same pre-flight check as a run) and prints its value.
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
        let ast = runbook
            .engine
            .compile_with_scope(&runbook.scope, &args.expression)
            .map_err(|e| parse_error("<eval>", &e))?;
        let problems = crate::check::preflight(&runbook, &ast, Path::new("<eval>"));
        if !problems.is_empty() {
            return Err(Error::Check(problems));
        }
        let result = runbook
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut runbook.scope, &ast)
            .map_err(|e| runtime_error(&runbook.engine, &e, "<eval>"))
            .map(|value| {
                if !value.is_unit() {
                    crate::output::print(&crate::value::masked_json(&value, true));
                }
            });
        runbook.ctx.close(&result);
        result
    })
}
