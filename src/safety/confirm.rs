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

/// Why a destructive call does not go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No terminal to ask on, and no `--yes`.
    NoTerminal,
    /// Asked, and the answer was not yes.
    Declined,
}

impl Refusal {
    /// What the operator reads: `what` (`cognito::delete_user_pool`, `the revert`) and why
    /// nothing was sent.
    pub fn message(self, what: &str) -> String {
        match self {
            Refusal::NoTerminal => format!(
                "{what} is destructive and there is no terminal to confirm it on: nothing was sent; pass --yes to allow destructive calls in this run"
            ),
            Refusal::Declined => {
                format!("{what} was declined at the prompt: nothing was sent")
            }
        }
    }
}

impl Policy {
    /// The one decision about a destructive call, for single calls, batches and reverts
    /// alike: go ahead, or why not. On a terminal `question` is asked — in a fleet run once
    /// for `function` on every target (see [`fleet_answer`]).
    pub fn decide(self, function: &str, question: impl FnOnce() -> String) -> Result<(), Refusal> {
        match self {
            Policy::Yes => Ok(()),
            Policy::Refuse => Err(Refusal::NoTerminal),
            Policy::Ask => {
                let yes = fleet_answer(function).unwrap_or_else(|| ask(&question()));
                if yes { Ok(()) } else { Err(Refusal::Declined) }
            }
        }
    }
}

/// Asks `question` on the terminal; only `y` or `yes` is a yes. The question goes to the
/// controlling terminal (`/dev/tty`) when there is one, so that it is seen even when stderr
/// is redirected to a log; the answer is read from stdin, the terminal the policy checked.
pub fn ask(question: &str) -> bool {
    let prompt = format!("{question} [y/N] ");
    let shown = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .and_then(|mut tty| {
            tty.write_all(prompt.as_bytes())?;
            tty.flush()
        });
    if shown.is_err() {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
    }
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// A fleet's answers: each destructive operation is asked about once for every target of the
/// fleet (the question names them), and the answer holds for all of them.
struct FleetAnswers {
    targets: Vec<String>,
    answers: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

static FLEET: std::sync::OnceLock<FleetAnswers> = std::sync::OnceLock::new();

/// Makes this process a fleet run over `targets`: see [`fleet_answer`].
pub fn fleet(targets: Vec<String>) {
    let _ = FLEET.set(FleetAnswers {
        targets,
        answers: std::sync::Mutex::default(),
    });
}

/// In a fleet run, the answer for `function` on every target: asked the first time any target
/// reaches it (other targets wait for the answer), remembered after. `None` outside a fleet.
fn fleet_answer(function: &str) -> Option<bool> {
    let fleet = FLEET.get()?;
    let mut answers = fleet
        .answers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(answer) = answers.get(function) {
        return Some(*answer);
    }
    let answer = ask(&format!(
        "{function} on the fleet's {} target{} ({}): go ahead on all of them?",
        fleet.targets.len(),
        if fleet.targets.len() == 1 { "" } else { "s" },
        fleet.targets.join(", ")
    ));
    answers.insert(function.to_string(), answer);
    Some(answer)
}
