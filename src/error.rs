//! The one error type of the command line. Its `Display` is the message a user reads.

use std::fmt;
use std::path::PathBuf;

/// Where in a runbook something went wrong.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// For an error inside a module's function or another runbook: the call sites that led
    /// there, innermost first (`onboard.rhai:12:5`).
    pub called_from: Vec<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column > 0 {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}:{}", self.file, self.line)?;
        }
        for caller in &self.called_from {
            write!(f, ", called from {caller}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum Error {
    /// Bad command-line usage (exit 2).
    Usage(String),
    /// A runbook file could not be read (exit 2).
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A runbook does not parse, or `check` found a bad call (exit 2).
    Script { location: Location, message: String },
    /// Several problems found by `check` (exit 2).
    Check(Vec<Error>),
    /// The runbook failed while running (exit 1).
    Runtime {
        message: String,
        location: Option<Location>,
    },
    /// The local emulator could not be started (exit 1).
    Emulator(String),
    /// A checked input is invalid; its report was already printed (exit 1).
    Invalid(String),
    /// A command's output could not be written: stdout closed or full, a file refused (exit 1).
    Write { what: String, why: String },
    /// `runbook test` found failing tests; its report was the output (exit 1).
    TestsFailed,
    /// Targets of a fleet failed or were skipped; the table said which (exit 1).
    FleetFailed {
        failed: usize,
        skipped: usize,
        total: usize,
    },
    /// SIGINT or SIGTERM stopped the run after the call in flight (exit 128 + the signal).
    Interrupted(i32),
    /// `--detailed-exitcode`: the dry run planned writes — the account drifted from what the
    /// runbook declares (exit 2, as terraform's `plan -detailed-exitcode`).
    Drifted { writes: usize, targets: usize },
    /// `--detailed-exitcode`: any failure is exit 1, so that 2 means drift alone.
    Failed(Box<Error>),
}

impl Error {
    /// The process exit code: 2 for usage and parse errors, 1 for failures at run time,
    /// 130 / 143 after SIGINT / SIGTERM.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Read { .. } | Error::Script { .. } | Error::Check(_) => 2,
            Error::Runtime { .. }
            | Error::Emulator(_)
            | Error::Invalid(_)
            | Error::Write { .. }
            | Error::TestsFailed
            | Error::FleetFailed { .. } => 1,
            Error::Interrupted(signal) => crate::safety::interrupt::exit_code(*signal),
            Error::Drifted { .. } => 2,
            Error::Failed(e) => match **e {
                Error::Interrupted(_) => e.exit_code(),
                _ => 1,
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "error: {message}"),
            Error::Read { path, source } => {
                write!(f, "error: cannot read {}: {source}", path.display())
            }
            Error::Script { location, message } => write!(f, "error: {location}: {message}"),
            Error::Check(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Error::Runtime { message, location } => {
                write!(f, "error: {message}")?;
                if let Some(location) = location {
                    write!(f, "\n  --> {location}")?;
                }
                Ok(())
            }
            Error::Emulator(message) => write!(f, "error: local emulator: {message}"),
            Error::Invalid(message) => write!(f, "error: {message}"),
            Error::Write { what, why } => write!(f, "error: cannot write {what}: {why}"),
            Error::TestsFailed => Ok(()),
            Error::FleetFailed {
                failed,
                skipped,
                total,
            } => write!(
                f,
                "error: {failed} of {total} targets failed, {skipped} skipped"
            ),
            Error::Interrupted(signal) => write!(
                f,
                "error: stopped by {}: nothing more was sent (the journal says how the call in flight ended)",
                crate::safety::interrupt::name(*signal)
            ),
            Error::Drifted { writes, targets } => write!(
                f,
                "runbook: drift: the plan has {writes} write{} on {targets} target{} (exit 2)",
                if *writes == 1 { "" } else { "s" },
                if *targets == 1 { "" } else { "s" }
            ),
            Error::Failed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}
