//! The recorder: the one writer of a run's journal.
//!
//! The call path hands it what happened — a write about to be sent ([`Recorder::sending`]), a
//! call's outcome ([`Recorder::call`]), the run's end ([`Recorder::end`]) — together with the
//! target it resolved; the recorder writes the journal's first line before the first of them,
//! numbers the writes, stamps every line with the run's id and decides nothing else. What a
//! line holds is [`journal`]'s typed [`Line`].

use std::path::PathBuf;

use super::journal::{self, Journal, Line};
use super::target::Target;
use crate::aws::facts::Class;

/// A run's journal, as the call path writes it.
pub struct Recorder {
    journal: Option<Journal>,
    header: journal::Run,
    /// The number of the last write journaled ahead of sending.
    seq: u64,
}

/// What every line about one call says: which call, and its request (secrets masked).
pub struct Called<'a> {
    pub service: &'a str,
    pub api: &'a str,
    pub function: &'a str,
    pub class: Class,
    pub request: serde_json::Value,
}

/// How a run ended, for the journal's last line.
pub enum Ending {
    Ok,
    Error(String),
    Interrupted(&'static str),
}

impl Recorder {
    /// A recorder writing `journal` (none: nothing is recorded), whose first line is `header`
    /// (its id, time, target and dry-run flag filled in here).
    pub fn new(journal: Option<Journal>, header: journal::Run) -> Self {
        Self {
            journal,
            header: journal::Run {
                id: journal::new_id(),
                ..header
            },
            seq: 0,
        }
    }

    /// Does this run journal calls of this class?
    pub fn records(&self, class: Class) -> bool {
        self.journal.as_ref().is_some_and(|j| j.records(class))
    }

    /// Masks a `--var`'s value in the first line (when it is not written yet).
    pub fn mask_var(&mut self, name: &str) {
        self.header.mask_var(name);
    }

    /// Journals a write before it is sent; its number, which its outcome's line repeats.
    pub fn sending(&mut self, target: Target, dry_run: bool, called: Called) -> Option<u64> {
        if !self.records(called.class) {
            return None;
        }
        self.seq += 1;
        let line = Line::Sending(journal::Sending {
            run: Some(self.header.id.clone()),
            seq: self.seq,
            time: journal::now(),
            service: called.service.to_string(),
            operation: called.api.to_string(),
            function: called.function.to_string(),
            class: called.class,
            request: called.request,
        });
        self.write(target, dry_run, &line);
        Some(self.seq)
    }

    /// Journals a call's outcome: `call` filled in with this run's id.
    pub fn call(&mut self, target: Target, dry_run: bool, call: journal::Call) {
        if !self.records(call.class) {
            return;
        }
        let line = Line::Call(journal::Call {
            run: Some(self.header.id.clone()),
            ..call
        });
        self.write(target, dry_run, &line);
    }

    /// The journal's last line, when the run wrote any.
    pub fn end(&mut self, ending: Ending) {
        let run = Some(self.header.id.clone());
        let Some(journal) = self.journal.as_mut().filter(|j| j.is_open()) else {
            return;
        };
        let (outcome, message, signal) = match ending {
            Ending::Ok => ("ok", None, None),
            Ending::Error(message) => ("error", Some(message), None),
            Ending::Interrupted(signal) => ("interrupted", None, Some(signal.to_string())),
        };
        journal.write(&Line::End(journal::End {
            run,
            time: journal::now(),
            outcome: outcome.to_string(),
            message,
            signal,
        }));
    }

    /// The journal's path, once this run wrote to it.
    pub fn path(&self) -> Option<PathBuf> {
        self.journal
            .as_ref()
            .filter(|j| j.is_open())
            .map(|j| j.path().to_path_buf())
    }

    /// Writes a line, the run's first line before it.
    fn write(&mut self, target: Target, dry_run: bool, line: &Line) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        if !journal.is_open() {
            journal.write(&Line::Run(journal::Run {
                time: journal::now(),
                target,
                dry_run,
                pid: Some(std::process::id()),
                ..self.header.clone()
            }));
        }
        journal.write(line);
    }
}
