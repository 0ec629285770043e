//! `runbook journal [PATH] [--json]`: a run's journal as a table (default: the latest).

use std::path::PathBuf;

use crate::error::Error;
use crate::safety::journal;

// The arguments of `runbook journal`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The journal file.
    path: Option<PathBuf>,
    /// Print its JSON lines as they are.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    let Some(path) = args.path.or_else(journal::latest) else {
        return Err(Error::Usage(
            "no journal yet: runs write theirs under $XDG_STATE_HOME/runbook/journal (or pass a path)".into(),
        ));
    };
    let rows = if args.json {
        journal::read_text(&path).map_err(Error::Usage)?
    } else {
        journal::table(&journal::read(&path).map_err(Error::Usage)?)
    };
    crate::say!("journal {}", path.display());
    for row in rows {
        if !crate::output::print_line(&row) {
            break;
        }
    }
    Ok(())
}
