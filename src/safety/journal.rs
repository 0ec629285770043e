//! The journal: what a run did, one JSON line per AWS call, flushed as it goes.
//!
//! A run's journal is `--journal PATH`, or by default
//! `$XDG_STATE_HOME/runbook/journal/<UTC time>-<runbook name>.jsonl` (`~/.local/state/…` when
//! `XDG_STATE_HOME` is unset; the directory is created 0700, the file 0600). It is created at
//! the run's first AWS call, so a runbook that calls nothing leaves none. Lines:
//!
//! - `{"type":"run", …}` first: the runbook's path, SHA-256, git commit and dirty flag (when it
//!   lives in a git work tree), the `--var`s (secret-looking ones masked), the target (account,
//!   caller, region, profile, endpoint) and whether it is a dry run;
//! - `{"type":"call", …}` per call: time, service, operation, function, class, request (secrets
//!   masked), outcome (`ok`, the error code, `planned` in a dry run, `refused`), attempts,
//!   duration, request id, and `created`: what identifies what the call made (the request of
//!   its undo, see [`facts`](crate::aws::facts)), which `runbook revert` reads;
//! - `{"type":"end", …}` last: `ok`, `error` with its message, or `interrupted` with the signal.
//!
//! Each line is written and flushed on its own, so a killed run keeps every line it wrote.
//!
//! The format is one typed [`Line`]: this file is the only one that writes or reads it;
//! `Context` records through [`Journal::write`], `runbook revert` and `runbook journal` read
//! through [`read`].

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::target::Target;
use crate::aws::facts::Class;

/// One line of a journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// The first line: what ran, where.
    Run(Run),
    /// A write about to be sent, written before it is (its outcome follows as a `call` line of
    /// the same `seq`): a run killed meanwhile leaves an honest record.
    Sending(Sending),
    /// One AWS call (or a write planned, refused or abandoned).
    Call(Call),
    /// The last line: how the run ended.
    End(End),
}

/// The first line of a journal: the runbook run (or the journal reverted), its `--var`s, and
/// the target.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Run {
    /// This run's id: every line of the run carries it.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<Identity>,
    /// The `--var`s, values of secret-looking names masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vars: Option<BTreeMap<String, String>>,
    /// For a revert: the journal it reverts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverts: Option<String>,
    /// For `eval` and the REPL: what ran (`eval <expression>`, secrets masked; `repl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default)]
    pub target: Target,
    #[serde(default)]
    pub dry_run: bool,
    /// For a target of a fleet run: the fleet run's id, the same in every target's journal
    /// (`revert DIR` reverts one fleet run's journals and nothing else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<String>,
    /// The process that ran it: a revert refuses a run whose process is still going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// A new run id: 16 random hex digits.
pub fn new_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Which runbook ran: its path, SHA-256, and git commit.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Identity {
    pub path: String,
    pub sha256: Option<String>,
    pub git: Option<Git>,
}

/// The commit of the work tree holding the runbook, and whether the runbook differs from it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Git {
    pub commit: String,
    pub dirty: Option<bool>,
}

/// A write about to be sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sending {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub seq: u64,
    pub time: String,
    pub service: String,
    pub operation: String,
    pub function: String,
    pub class: Class,
    pub request: Value,
}

/// One call: what was asked (secrets masked), how it went, and what it created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Call {
    /// The run it belongs to (its first line's `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub time: String,
    pub service: String,
    /// The API name: `AdminCreateUser`.
    pub operation: String,
    /// As a script names it: `cognito::admin_create_user`.
    pub function: String,
    pub class: Class,
    /// The request, secrets masked.
    pub request: Value,
    /// `ok`, the error code, `planned` (a dry run), `refused`, or `maybe`: a write whose
    /// outcome is unknown (no answer in time, a server error, a retry that found it done).
    pub outcome: String,
    /// For `maybe`: why (`Timeout`, the server's error code, `uncertain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its `sending` line's number, for a write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub request_id: Option<String>,
    /// What identifies what the call made: the request of its undo.
    #[serde(default)]
    pub created: Option<Value>,
    /// For an update: the members it sets, as they were just before it (secrets masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// For an update read first: whether it changed anything (`false`: nothing to undo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// For a create: what tells the resource it made from one made again later under the same
    /// name (a user's creation date, a role's id); a revert deletes only that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Value>,
    /// Why the read before it failed (`cognito-idp:AdminGetUser denied (AccessDeniedException)`):
    /// there is no before-image, so a revert cannot put it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
    /// The resource's own key where the read before it named it otherwise than the request
    /// (`{"Username": "<sub>"}` for a user addressed by email): a revert addresses it by this,
    /// never by an alias the run itself changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    /// Where `before` came from when it was not read right before the call: the read of this
    /// run that showed it (`cognito::list_users`), with no write to the resource since; for an
    /// idempotent create or removal, the whole list that told whether it would change anything
    /// (`cognito::list_users_in_group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_from: Option<String>,
}

/// The last line: `ok`, `error` with its message, or `interrupted` with the signal.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct End {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    pub time: String,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

/// Where journals go by default: `$XDG_STATE_HOME/runbook/journal` (or `~/.local/state/…`).
pub fn default_dir() -> Option<PathBuf> {
    crate::state::dir().map(|d| d.join("journal"))
}

/// The current time, RFC 3339 in UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A default journal path for a runbook: `<dir>/<UTC time>-<name>.jsonl`.
pub fn default_path(runbook: &Path) -> Option<PathBuf> {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let name = match runbook.file_stem().map(|s| s.to_string_lossy()) {
        Some(stem) if stem != "-" => stem.into_owned(),
        Some(_) => "stdin".into(),
        None => "runbook".into(),
    };
    Some(default_dir()?.join(format!("{stamp}-{name}.jsonl")))
}

/// The last run a journal holds (a journal appended to holds several), if any.
pub fn last_run(lines: &[Line]) -> Option<&Run> {
    lines.iter().rev().find_map(|l| match l {
        Line::Run(run) => Some(run),
        _ => None,
    })
}

/// The process of the last run `lines` hold, when that run has not ended and its process is
/// still a runbook going (not one killed, whose pid another program may have taken since).
pub fn still_going(lines: &[Line]) -> Option<u32> {
    let start = lines.iter().rposition(|l| matches!(l, Line::Run(_)))?;
    let Line::Run(run) = &lines[start] else {
        return None;
    };
    if lines[start..].iter().any(|l| matches!(l, Line::End(_))) {
        return None;
    }
    let pid = run.pid.filter(|pid| *pid != std::process::id())?;
    let command = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let program = command.split(|b| *b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(program)
        .ends_with("runbook")
        .then_some(pid)
}

/// Where a fleet run keeps its journals by default: a directory of its own beside the other
/// journals, `<UTC time>-<name>/`, one `<target>.jsonl` per target.
pub fn default_fleet_dir(runbook: &Path) -> Option<PathBuf> {
    default_path(runbook).map(|p| p.with_extension(""))
}

/// The newest journal in the default directory (the last one written to).
pub fn latest() -> Option<PathBuf> {
    std::fs::read_dir(default_dir()?)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, path)| path)
}

/// A journal being written. A default one is created on its first line; one the operator
/// named is opened (and checked) before the run starts ([`Journal::named`]).
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    failed: bool,
    /// A default path: never append to another run's journal (`-2`, `-3`… instead).
    fresh: bool,
    /// Lines written by this run.
    lines: usize,
    /// The file was made by this run (removed again if the run writes nothing to it).
    made: bool,
    /// Record writes only (an `eval` or REPL session: its reads are the operator's looking).
    writes_only: bool,
}

impl Journal {
    fn at(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            failed: false,
            fresh: false,
            lines: 0,
            made: false,
            writes_only: false,
        }
    }

    /// This journal records writes only (and refusals), not reads.
    pub fn writes_only(mut self) -> Self {
        self.writes_only = true;
        self
    }

    /// Does it record calls of this class?
    pub fn records(&self, class: Class) -> bool {
        !self.writes_only || class.writes()
    }

    /// The journal the operator named (`--journal PATH`), opened now so that a path that
    /// cannot hold it stops the run before anything is sent: a new file, or with `append` an
    /// existing one (a regular file, not a link); never the runbook itself.
    pub fn named(path: PathBuf, append: bool, runbook: &Path) -> Result<Self, String> {
        let same = |a: &Path, b: &Path| {
            std::fs::canonicalize(a)
                .ok()
                .zip(std::fs::canonicalize(b).ok())
                .is_some_and(|(a, b)| a == b)
        };
        if same(&path, runbook) {
            return Err(format!(
                "--journal {} is the runbook itself",
                path.display()
            ));
        }
        let mut journal = Self::at(path);
        let existing = if append {
            crate::files::Existing::Append
        } else {
            crate::files::Existing::Refuse
        };
        journal.made = std::fs::symlink_metadata(&journal.path).is_err();
        let shown = journal.path.display().to_string();
        journal.open(existing).map_err(|e| match e {
            crate::files::Refused::Exists => format!(
                "--journal {shown}: the file exists; a journal is a new file (pass --append to add this run to it, or another path)"
            ),
            e => format!("--journal {shown}: cannot write it: {e}"),
        })?;
        Ok(journal)
    }

    /// A journal at a default path, in a file of its own.
    pub fn fresh(path: PathBuf) -> Self {
        let mut journal = Self::at(path);
        journal.fresh = true;
        journal
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Has this run written anything?
    pub fn is_open(&self) -> bool {
        self.lines > 0
    }

    fn open(
        &mut self,
        existing: crate::files::Existing,
    ) -> Result<&mut File, crate::files::Refused> {
        use crate::files::{self, Refused};
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if self.fresh {
                    // The default directory: checked like a journal (see files::private_dir).
                    files::private_dir(dir)?;
                } else {
                    files::create_dir(dir)?;
                }
            }
            let mut n = 1;
            let file = loop {
                match files::create(&self.path, files::PRIVATE, existing) {
                    Err(Refused::Exists) if self.fresh => {
                        n += 1;
                        let stem = self
                            .path
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned());
                        let stem = stem.unwrap_or_default();
                        let stem = stem
                            .rsplit_once('~')
                            .map_or(stem.as_str(), |(s, _)| s)
                            .to_string();
                        self.path.set_file_name(format!("{stem}~{n}.jsonl"));
                    }
                    other => break other?,
                }
            };
            self.file = Some(file);
        }
        self.file
            .as_mut()
            .ok_or_else(|| Refused::Io(std::io::Error::other("journal not open")))
    }

    /// Appends one line and flushes it. A journal that cannot be written is reported once on
    /// stderr; the run goes on (its calls are not undone by a full disk).
    pub fn write(&mut self, line: &Line) {
        let text = match serde_json::to_string(line) {
            Ok(text) => format!("{text}\n"),
            Err(_) => return,
        };
        let result = self.open(crate::files::Existing::Refuse).and_then(|f| {
            f.write_all(text.as_bytes())?;
            f.flush().map_err(crate::files::Refused::from)
        });
        if result.is_ok() {
            self.lines += 1;
        }
        if let Err(e) = result
            && !self.failed
        {
            self.failed = true;
            crate::say!(
                "runbook: warning: cannot write the journal {}: {e}",
                self.path.display()
            );
        }
    }
}

impl Run {
    /// The first line of a run of `runbook` with these `--var`s (their time, target and dry-run
    /// flag are filled in when the first call is recorded).
    pub fn of_runbook(path: &Path, vars: &[(String, String)]) -> Self {
        Self {
            runbook: Some(Identity::of(path)),
            vars: Some(
                vars.iter()
                    .map(|(k, v)| {
                        let shown = if crate::value::looks_secret(k) {
                            crate::value::MASK.to_string()
                        } else {
                            v.clone()
                        };
                        (k.clone(), shown)
                    })
                    .collect(),
            ),
            ..Self::default()
        }
    }

    /// Masks a `--var`'s value (one the runbook sends as a secret).
    pub fn mask_var(&mut self, name: &str) {
        if let Some(value) = self.vars.as_mut().and_then(|v| v.get_mut(name)) {
            *value = crate::value::MASK.to_string();
        }
    }

    /// The first line of a revert of `journal`.
    pub fn of_revert(journal: &Path) -> Self {
        let path = std::fs::canonicalize(journal).unwrap_or_else(|_| journal.to_path_buf());
        Self {
            reverts: Some(path.display().to_string()),
            ..Self::default()
        }
    }
}

impl Identity {
    /// The runbook at `path`: absolute path, SHA-256, and git commit.
    fn of(path: &Path) -> Self {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        // Only a regular file is read here (a pipe or `-` is read once, by the engine).
        let sha256 = crate::files::regular(path, crate::files::SCRIPT_CAP)
            .ok()
            .and_then(|mut file| {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
                Some(hex::encode(Sha256::digest(bytes)))
            });
        Self {
            path: absolute.display().to_string(),
            sha256,
            git: git_state(&absolute),
        }
    }
}

/// The commit of the work tree holding `file`, and whether `file` differs from it.
fn git_state(file: &Path) -> Option<Git> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"])?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let dirty = name
        .and_then(|n| git(&["status", "--porcelain", "--", &n]))
        .map(|s| !s.is_empty());
    Some(Git { commit, dirty })
}

impl Drop for Journal {
    /// A journal this run made and wrote nothing to is removed: a run that calls nothing
    /// leaves none.
    fn drop(&mut self) {
        if self.made && self.lines == 0 {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Reads a journal's lines; a line that is not one is reported by its number.
pub fn read(path: &Path) -> Result<Vec<Line>, String> {
    read_text(path)?
        .iter()
        .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
        .collect()
}

/// A journal's lines as written (for `runbook journal --json`), each checked to be a line.
pub fn read_text(path: &Path) -> Result<Vec<String>, String> {
    let text = crate::files::read_text(path, crate::files::JOURNAL_CAP)
        .map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    // A writer killed mid-line leaves its last line torn (no newline after it): that line is
    // left out, said, and the complete lines stand.
    let torn = !text.ends_with('\n')
        && lines
            .last()
            .is_some_and(|l| serde_json::from_str::<Line>(l).is_err());
    static WARNED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    if torn {
        lines.pop();
        let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
        if !warned.iter().any(|p| p == path) {
            warned.push(path.to_path_buf());
            crate::say!(
                "runbook: warning: {}:{}: the last line is torn (its writer was killed while writing it); it is left out and the {} complete line{} are used",
                path.display(),
                lines.len() + 1,
                lines.len(),
                if lines.len() == 1 { "" } else { "s" }
            );
        }
    }
    for (i, line) in lines.iter().enumerate() {
        serde_json::from_str::<Line>(line)
            .map_err(|e| format!("{}:{}: not a journal line: {e}", path.display(), i + 1))?;
    }
    Ok(lines)
}

/// A journal as a table for people: one row per call.
pub fn table(lines: &[Line]) -> Vec<String> {
    const NO_END: &str = "end: none — the run has no end line: it was killed (or is still running); the journal shows what it sent";
    const HEADER: [&str; 6] = ["#", "time", "call", "outcome", "ms", "request"];
    let mut out = Vec::new();
    let mut calls = 0;
    let mut open = false;
    // The calls of the run being read, laid out when it ends: columns as wide as their cells.
    let mut rows: Vec<Vec<String>> = Vec::new();
    let flush = |rows: &mut Vec<Vec<String>>, out: &mut Vec<String>| {
        if rows.is_empty() {
            return;
        }
        let text = crate::format::columns(&HEADER, rows);
        out.extend(text.lines().map(|line| format!("  {line}")));
        rows.clear();
    };
    for line in lines {
        match line {
            Line::Run(run) => {
                flush(&mut rows, &mut out);
                if open {
                    out.push(NO_END.into());
                }
                open = true;
                let what = match (&run.runbook, &run.reverts, &run.command) {
                    (Some(runbook), ..) => runbook.path.clone(),
                    (None, Some(reverted), _) => format!("revert of {reverted}"),
                    (None, None, Some(command)) => command.clone(),
                    (None, None, None) => "?".into(),
                };
                out.push(escaped(&format!(
                    "run {what} ({}){}",
                    run.time,
                    if run.dry_run { ", dry run" } else { "" }
                )));
                out.push(escaped(&format!("  target: {}", run.target.describe())));
            }
            Line::Call(call) => {
                calls += 1;
                // A value written by anyone (a user name, an error) cannot drive the
                // terminal: each cell is escaped before the columns are measured.
                rows.push(
                    [
                        calls.to_string(),
                        call.time
                            .trim_end_matches('Z')
                            .replace('T', " ")
                            .chars()
                            .take(19)
                            .collect::<String>(),
                        call.function.clone(),
                        call.outcome.clone(),
                        call.duration_ms.unwrap_or(0).to_string(),
                        super::plan::summary(&call.request),
                    ]
                    .iter()
                    .map(|cell| escaped(cell))
                    .collect(),
                );
            }
            Line::Sending(_) => {}
            Line::End(end) => {
                flush(&mut rows, &mut out);
                open = false;
                let mut text = format!("end: {}", end.outcome);
                if let Some(m) = &end.message {
                    text.push_str(&format!(": {m}"));
                }
                out.push(escaped(&text));
            }
        }
    }
    flush(&mut rows, &mut out);
    if open {
        out.push(NO_END.into());
    }
    out
}

/// Text with its control characters written as escapes (`\u{1b}`), fit for a terminal.
fn escaped(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
