//! `runbook eval 'EXPR'`: one expression, its result printed as JSON (for shell pipelines), or
//! as the AWS CLI's text or table (`--output`), through a JMESPath `--query`.

use rhai::{Dynamic, Map};

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;
use crate::format::Output;
use crate::lifecycle::{self, Source};
use crate::safety::interrupt;

// The arguments of `runbook eval`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The expression, e.g. 'query(cognito::list_user_pools(), "UserPools[].Id")'.
    expression: String,
    /// Set KEY in the expression (as a variable, and as vars.KEY): `--var pool=eu-west-1_AbC
    /// 'cognito::list_users(pool)'` (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = super::flags::parse_var)]
    vars: Vec<(String, String)>,
    /// Allow destructive calls without asking.
    #[arg(long)]
    yes: bool,
    /// How to print the result: json (the default), or the AWS CLI's text or table.
    #[arg(long, value_enum, default_value_t = Output::Json)]
    output: Output,
    /// A JMESPath expression applied to the result before it prints, as the AWS CLI's --query
    /// (e.g. 'Users[].Username').
    #[arg(long, value_name = "JMESPATH")]
    query: Option<String>,
    #[command(flatten)]
    aws: AwsFlags,
}

/// Evaluates the expression through the run lifecycle (see [`lifecycle`]: checked before
/// anything is sent, the import jobs it started stopped when interrupted) and prints its value.
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    super::flags::no_repeated_vars(&args.vars)?;
    // A mistyped --query is said before anything is sent.
    if let Some(query) = &args.query {
        jmespath::compile(query)
            .map_err(|e| Error::Usage(format!("--query: invalid JMESPath expression: {e}")))?;
    }
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
        let vars: Map = args
            .vars
            .iter()
            .map(|(k, v)| (k.into(), Dynamic::from(v.clone())))
            .collect();
        let mut runbook = Runbook::new(settings, vars, safety)?;
        // A one-liner names its values directly: `cognito::list_users(pool)`.
        for (key, value) in &args.vars {
            if rhai::is_valid_identifier(key) && key != "vars" {
                runbook.scope.push_constant(key.clone(), value.clone());
            }
        }
        let value = lifecycle::execute(&mut runbook, Source::Expression(&args.expression))?;
        let value = match &args.query {
            Some(query) => {
                let json = crate::value::to_json_masked(&crate::value::masked(&value))
                    .map_err(|e| Error::Usage(format!("--query: {e}")))?;
                let found = crate::value::query_json(&json, query)
                    .map_err(|e| Error::Usage(format!("--query: {e}")))?;
                crate::value::from_json(&found)
            }
            None => value,
        };
        // What a query found is printed even when it is nothing (`null`, as the CLI does).
        if !value.is_unit() || args.query.is_some() {
            let title = crate::functions::api_called(&args.expression).unwrap_or("");
            let text = crate::format::shown(&value, args.output, title);
            if !text.is_empty() {
                crate::output::print(&text);
            }
        }
        Ok(())
    })
}
