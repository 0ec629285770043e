//! `runbook revert JOURNAL|DIR`: undo what a journaled run did, newest first.
//!
//! The undo engine is [`crate::safety::undo`] (what a run's writes come to) and
//! [`crate::safety::revert`] (making the undos through the call path); this file parses the
//! command and, for a fleet run's directory, reverts each journal where its run acted and
//! prints the closing table.

use std::path::{Path, PathBuf};

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::error::Error;
use crate::safety::interrupt;
use crate::safety::journal;
use crate::safety::revert::revert_journal;

// The arguments of `runbook revert`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The run's journal (or a fleet run's journal directory: each journal is reverted where
    /// its run acted).
    journal: PathBuf,
    /// List what would be undone; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long)]
    yes: bool,
    /// Put back also what changed again since the run (left as it is otherwise).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    aws: AwsFlags,
}

/// Reverts the journal's run; the revert is journaled like a run (`revert-<name>`).
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    let Args {
        journal,
        dry_run,
        yes,
        force,
        aws,
    } = args;
    with_aws(&leading.under(&aws)?, |settings| {
        interrupt::install();
        if journal.is_dir() {
            return revert_fleet(&journal, &settings, dry_run, yes, force);
        }
        revert_journal(&journal, settings, dry_run, yes, force).map(|_| ())
    })
}

/// `revert DIR`: every journal of one fleet run (see [`crate::fleet::one_run_in`]), each where its run acted (its region, its
/// role assumed again or its profile), one after another; a table closes it.
fn revert_fleet(
    dir: &Path,
    base: &crate::aws::Settings,
    dry_run: bool,
    yes: bool,
    force: bool,
) -> Result<(), Error> {
    let journals = crate::fleet::one_run_in(dir)?;
    // A fleet run still going on any target: nothing is reverted.
    for path in &journals {
        let lines = journal::read(path).unwrap_or_default();
        if let Some(pid) = journal::still_going(&lines) {
            return Err(crate::safety::revert::still_going(path, pid));
        }
    }
    let mut rows = Vec::new();
    for path in journals {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::output::prefix_lines(&name);
        let started = std::time::Instant::now();
        let run = journal::read(&path)
            .ok()
            .and_then(|lines| journal::last_run(&lines).cloned())
            .unwrap_or_default();
        let settings = crate::fleet::settings_of_run(&run.target, base);
        let mut row = crate::fleet::Row {
            name: name.clone(),
            account: run.target.account.clone().unwrap_or_default(),
            region: run.target.region.clone().unwrap_or_default(),
            outcome: crate::fleet::Outcome::Ok,
            writes: 0,
            planned: dry_run,
            time: std::time::Duration::ZERO,
            written: Vec::new(),
        };
        match revert_journal(&path, settings, dry_run, yes, force) {
            Ok(ctx) => row.writes = ctx.writes(),
            Err(e) => {
                crate::say!("{e}");
                row.outcome = crate::fleet::Outcome::Failed(crate::fleet::first_line(&e));
            }
        }
        row.time = started.elapsed();
        crate::output::prefix_lines("");
        rows.push(row);
        if interrupt::received().is_some() {
            break;
        }
    }
    crate::fleet::ended(&rows)
}
