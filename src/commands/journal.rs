//! `runbook journal [PATH] [--json]`: a run's journal as a table (default: the latest).

use std::path::PathBuf;

use crate::error::Error;
use crate::safety::journal;

// The arguments of `runbook journal`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The journal file (or a fleet run's journal directory).
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
    if path.is_dir() {
        return fleet(&path, args.json);
    }
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

/// `journal DIR`: each journal of a fleet run, under a `# <target>: <where>` line.
fn fleet(dir: &std::path::Path, json: bool) -> Result<(), Error> {
    crate::say!("fleet journals {}", dir.display());
    for path in crate::fleet::journals_in(dir)? {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lines = journal::read(&path).map_err(Error::Usage)?;
        let target = journal::last_run(&lines)
            .map(|run| run.target.describe())
            .unwrap_or_default();
        let rows = if json {
            journal::read_text(&path).map_err(Error::Usage)?
        } else {
            journal::table(&lines)
        };
        crate::output::print(&crate::output::terminal_safe(&format!(
            "# {name}: {target}"
        )));
        for row in rows {
            if !crate::output::print_line(&row) {
                return Ok(());
            }
        }
    }
    Ok(())
}
