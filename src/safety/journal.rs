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

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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

/// A journal being written. The file is created on the first line.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    failed: bool,
    /// A default path: never append to another run's journal (`-2`, `-3`… instead).
    fresh: bool,
}

impl Journal {
    /// A journal at `path`, appended to if it exists (`--journal PATH`).
    pub fn at(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            failed: false,
            fresh: false,
        }
    }

    /// A journal at a default path, in a file of its own.
    pub fn fresh(path: PathBuf) -> Self {
        Self {
            fresh: true,
            ..Self::at(path)
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Has anything been written?
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    fn open(&mut self) -> std::io::Result<&mut File> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir)?;
            }
            let mut options = OpenOptions::new();
            options.append(true);
            if self.fresh {
                options.create_new(true);
            } else {
                options.create(true);
            }
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut n = 1;
            let file = loop {
                match options.open(&self.path) {
                    Err(e) if self.fresh && e.kind() == std::io::ErrorKind::AlreadyExists => {
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
            .ok_or_else(|| std::io::Error::other("journal not open"))
    }

    /// Appends one line and flushes it. A journal that cannot be written is reported once on
    /// stderr; the run goes on (its calls are not undone by a full disk).
    pub fn write(&mut self, line: &Value) {
        let text = format!("{line}\n");
        let result = self.open().and_then(|f| {
            f.write_all(text.as_bytes())?;
            f.flush()
        });
        if let Err(e) = result
            && !self.failed
        {
            self.failed = true;
            eprintln!(
                "runbook: warning: cannot write the journal {}: {e}",
                self.path.display()
            );
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// What the first line says about the runbook: path, SHA-256, and its git commit.
pub fn runbook_identity(path: &Path) -> Value {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let sha256 = std::fs::read(path)
        .map(|bytes| format!("{:x}", Sha256::digest(bytes)))
        .ok();
    json!({
        "path": absolute.display().to_string(),
        "sha256": sha256,
        "git": git_state(&absolute),
    })
}

/// The commit of the work tree holding `file`, and whether `file` differs from it.
fn git_state(file: &Path) -> Value {
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
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        return Value::Null;
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let dirty = name
        .and_then(|n| git(&["status", "--porcelain", "--", &n]))
        .map(|s| !s.is_empty());
    json!({ "commit": commit, "dirty": dirty })
}

/// Reads a journal's lines (each a JSON object); unreadable lines are reported by number.
pub fn read(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:{}: not a journal line: {e}", path.display(), i + 1))
        })
        .collect()
}

/// A journal as a table for people: one row per call.
pub fn table(lines: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let mut calls = 0;
    for line in lines {
        match line["type"].as_str() {
            Some("run") => {
                let target = &line["target"];
                out.push(format!(
                    "run {} ({}){}",
                    line["runbook"]["path"].as_str().unwrap_or("?"),
                    line["time"].as_str().unwrap_or(""),
                    if line["dry_run"] == true {
                        ", dry run"
                    } else {
                        ""
                    }
                ));
                out.push(format!("  target: {}", super::target::describe(target)));
                out.push(format!(
                    "  {:<4} {:<20} {:<44} {:<12} {:>8}  {}",
                    "#", "time", "call", "outcome", "ms", "request"
                ));
            }
            Some("call") => {
                calls += 1;
                out.push(format!(
                    "  {:<4} {:<20} {:<44} {:<12} {:>8}  {}",
                    calls,
                    line["time"]
                        .as_str()
                        .map(|t| t.trim_end_matches('Z').replace('T', " "))
                        .unwrap_or_default()
                        .chars()
                        .take(19)
                        .collect::<String>(),
                    line["function"].as_str().unwrap_or("?"),
                    line["outcome"].as_str().unwrap_or("?"),
                    line["duration_ms"].as_u64().unwrap_or(0),
                    super::plan::summary(&line["request"])
                ));
            }
            Some("end") => {
                let mut text = format!("end: {}", line["outcome"].as_str().unwrap_or("?"));
                if let Some(m) = line["message"].as_str() {
                    text.push_str(&format!(": {m}"));
                }
                out.push(text);
            }
            _ => {}
        }
    }
    out
}
