//! Confirmation of destructive calls.
//!
//! A destructive call ([`Class::Delete`](crate::aws::facts::Class)) is shown with its target and
//! asked about on a terminal (`y/N`). `--yes` answers yes for the whole run; so does `--local`
//! (its emulator is thrown away at exit). Without a terminal and without `--yes` the call is
//! refused before anything is sent. A dry run never asks: it sends no write.

use std::io::{BufRead, IsTerminal, Write};

/// How destructive calls are decided for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// `--yes` or `--local`: go ahead.
    Yes,
    /// A terminal: ask each time.
    Ask,
    /// No terminal, no `--yes`: refuse.
    Refuse,
}

impl Policy {
    /// The policy for a run: `yes` from `--yes`/`--local`, else ask when stdin is a terminal.
    pub fn for_run(yes: bool) -> Self {
        if yes {
            Policy::Yes
        } else if std::io::stdin().is_terminal() {
            Policy::Ask
        } else {
            Policy::Refuse
        }
    }
}

/// Asks `question` on the terminal; only `y` or `yes` is a yes.
pub fn ask(question: &str) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
