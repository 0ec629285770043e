//! `runbook run FILE`: run a runbook, its writes guarded (dry run, confirmations, journal).

use std::path::PathBuf;

use rhai::{Dynamic, Map};

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;
use crate::lifecycle::{self, Source};
use crate::safety::confirm::Policy;
use crate::safety::interrupt;
use crate::safety::journal::{self, Journal};
use crate::safety::report::{Check, Found};

// The arguments of `runbook run` (the command's help is its doc in `cli.rs`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The runbook (.rhai).
    file: PathBuf,
    /// Set vars.KEY in the runbook (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = super::flags::parse_var)]
    vars: Vec<(String, String)>,
    /// Send reads only: print the plan of every write, numbered, and answer it with a
    /// placeholder response so the runbook keeps planning. Nothing is changed.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: exit 0 when the plan is empty, 2 when it has writes (the account
    /// drifted from what the runbook declares), 1 on any error — terraform's `plan
    /// -detailed-exitcode`. With --targets: 2 when any target drifted.
    #[arg(long, requires = "dry_run")]
    detailed_exitcode: bool,
    /// With --dry-run: write what the plan found, per target — each planned write, the resource
    /// it touches, each member before → after, secrets masked — as JSON, or as Markdown when FILE
    /// ends in .md.
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    report: Option<PathBuf>,
    /// Answer yes to the confirmation of every destructive call (needed without a terminal).
    #[arg(long)]
    yes: bool,
    /// Write the journal here, a new file (default: $XDG_STATE_HOME/runbook/journal/<UTC
    /// time>-<name>.jsonl).
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Add this run to the --journal file if it exists already.
    #[arg(long, requires = "journal")]
    append: bool,
    /// Run on every target of this fleet file (TOML: [[target]] name, profile or role_arn,
    /// region, vars; max_concurrency, max_errors), each with its own credentials, journal and
    /// plan; a table closes the run.
    #[arg(long, value_name = "FLEET.toml")]
    targets: Option<PathBuf>,
    /// Only these targets of the fleet (repeatable, or comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',', requires = "targets")]
    only: Vec<String>,
    /// Every N-th target of the fleet from the I-th (for CI matrices).
    #[arg(long, value_name = "I/N", value_parser = crate::fleet::file::parse_shard, requires = "targets")]
    shard: Option<(usize, usize)>,
    /// Keep the fleet's journals here, one per target (DIR/<target>.jsonl).
    #[arg(long, value_name = "DIR", requires = "targets")]
    journal_dir: Option<PathBuf>,
    /// Targets at once (over the fleet file's max_concurrency).
    #[arg(long, value_name = "N", requires = "targets", value_parser = clap::value_parser!(u64).range(1..))]
    max_concurrency: Option<u64>,
    /// Failed targets tolerated before the ones not started are skipped (over the file's).
    #[arg(long, value_name = "N", requires = "targets")]
    max_errors: Option<usize>,
    #[command(flatten)]
    aws: AwsFlags,
}

/// Runs the runbook through the run lifecycle (see [`lifecycle`]), or a fleet of them.
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    let Args {
        file,
        vars,
        dry_run,
        detailed_exitcode,
        report,
        yes,
        journal,
        append,
        targets,
        only,
        shard,
        journal_dir,
        max_concurrency,
        max_errors,
        aws,
    } = args;
    super::flags::no_repeated_vars(&vars)?;
    if targets.is_some() && journal.is_some() {
        return Err(Error::Usage(
            "--journal names one run's journal; a fleet run writes one per target: use --journal-dir DIR".into(),
        ));
    }
    if let Some(path) = &report {
        crate::output::check_writable(path, true)?;
    }
    let check = Check {
        detailed: detailed_exitcode,
        report,
        runbook: file.clone(),
    };
    if let Some(fleet) = targets {
        return with_aws(&leading.under(&aws)?, |settings| {
            interrupt::install();
            let options = crate::fleet::Options {
                runbook: file,
                vars,
                dry_run,
                yes,
                journal_dir,
                only,
                shard,
                max_concurrency: max_concurrency.map(|n| n as usize),
                max_errors,
            };
            crate::fleet::run(&fleet, settings, options, &check)
        });
    }
    with_aws(&leading.under(&aws)?, |settings| {
        interrupt::install();
        let header = journal::Run::of_runbook(&file, &vars);
        let vars: Map = vars
            .into_iter()
            .map(|(k, v)| (k.into(), Dynamic::from(v)))
            .collect();
        let journal = match journal {
            Some(path) => Some(Journal::named(path, append, &file).map_err(Error::Usage)?),
            None => journal::default_path(&file).map(Journal::fresh),
        };
        let safety = Safety {
            dry_run,
            confirm: Policy::for_run(yes || settings.dummy_credentials),
            journal,
            header,
        };
        let mut runbook = Runbook::new(settings, vars, safety)?;
        let result = lifecycle::execute(&mut runbook, Source::File(&file)).map(|_| ());
        let found = Found {
            error: result.as_ref().err().map(crate::fleet::first_line),
            writes: runbook.ctx.planned_writes(),
            ..Found::default()
        };
        // Where it checked, when there is a report to name it (and the run got that far).
        let found = match check.report.is_some() && runbook.ctx.answered() {
            true => {
                let target = runbook.ctx.target();
                Found {
                    account: target.account.clone(),
                    region: target.region.clone(),
                    ..found
                }
            }
            false => found,
        };
        check.ended(result, vec![found])
    })
}
