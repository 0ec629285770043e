//! Writing to stdout without panicking when the reader goes away (`runbook ops | head`).

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::files::{self, Existing, Refused};

/// `eprintln!` that never panics: one line on stderr, dropped when stderr is closed or full
/// (a procedure must not stop halfway, without its journal's last line, for a lost message).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::stderr_line(format_args!($($arg)*))
    };
}

thread_local! {
    /// What every line this thread writes starts with: a fleet's target name (`[prod] `).
    static PREFIX: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

thread_local! {
    /// What this thread has printed since [`capture`], kept instead of written.
    static CAPTURED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// From now on this thread's lines, stdout's and stderr's, are kept instead of written, until
/// [`captured`] hands them over: `runbook test` shows a test's output only when it fails (or
/// with `--nocapture`), as `cargo test` does.
pub fn capture() {
    CAPTURED.with(|c| *c.borrow_mut() = Some(String::new()));
}

/// What this thread printed since [`capture`] (which it ends), in order.
pub fn captured() -> String {
    CAPTURED.with(|c| c.borrow_mut().take().unwrap_or_default())
}

/// Keeps a line when this thread is capturing; `false` when it is not.
fn kept(text: &str) -> bool {
    CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(buffer) => {
            buffer.push_str(text);
            buffer.push('\n');
            true
        }
        None => false,
    })
}

/// Starts every line this thread writes, on stdout and stderr, with `[name] ` (a fleet's
/// targets run on threads of their own; their lines interleave, each saying whose it is);
/// `""` stops it.
pub fn prefix_lines(name: &str) {
    PREFIX.with(|p| {
        *p.borrow_mut() = if name.is_empty() {
            String::new()
        } else {
            format!("[{}] ", terminal_safe(name))
        }
    });
}

/// `text` with every control character but line ends and tabs written as an escape
/// (`\u{1b}`): a value someone else wrote (a user name, a fleet target, a challenge name, a
/// server's error message) cannot move the cursor, recolour or retitle the operator's terminal.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if unsafe_char(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `text` with this thread's prefix before each of its lines.
fn prefixed(text: &str) -> std::borrow::Cow<'_, str> {
    PREFIX.with(|p| {
        let p = p.borrow();
        if p.is_empty() {
            std::borrow::Cow::Borrowed(text)
        } else {
            std::borrow::Cow::Owned(
                text.split('\n')
                    .map(|line| format!("{p}{line}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        }
    })
}

/// Writes one line on stderr, ignoring a stderr that is gone (see [`say!`](crate::say)).
pub fn stderr_line(args: std::fmt::Arguments) {
    let text = match args.as_str() {
        Some(s) => prefixed(&terminal_safe(s)).into_owned(),
        None => prefixed(&terminal_safe(&args.to_string())).into_owned(),
    };
    if kept(&text) {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

/// Writes a command's whole output to stdout; an error (exit 1) when it cannot be written.
/// A reader that closed stdout (`| head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            what: "to stdout".into(),
            why: e.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Writes `text` to a new file at `path` (with `force`, an existing regular file of the
/// operator's own is replaced; a link never is).
pub fn write_file(path: &Path, mode: u32, force: bool, text: &str) -> Result<(), Error> {
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let what = path.display().to_string();
    let mut file = files::create(path, mode, existing).map_err(|e| Error::Write {
        what: what.clone(),
        why: match e {
            Refused::Exists => "the file exists; pass --force to replace it".into(),
            e => e.to_string(),
        },
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| Error::Write {
            what,
            why: e.to_string(),
        })
}

/// Checks, before any work, that [`write_file`] of `path` will not be refused: a new file, or
/// with `force` a regular file of the operator's own that nobody else can write — so a command
/// whose output file is refused says so before it runs, not after.
pub fn check_writable(path: &Path, force: bool) -> Result<(), Error> {
    let refused = |why: String| Error::Write {
        what: path.display().to_string(),
        why,
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            match std::fs::metadata(parent) {
                Ok(meta) if meta.is_dir() => Ok(()),
                Ok(_) => Err(refused(format!("{} is not a directory", parent.display()))),
                Err(e) => Err(refused(format!("{}: {e}", parent.display()))),
            }
        }
        Err(e) => Err(refused(e.to_string())),
        Ok(_) if !force => Err(refused(
            "the file exists; pass --force to replace it".into(),
        )),
        Ok(_) => files::trusted(path).map_err(|e| refused(e.to_string())),
    }
}

/// Why stdout could not be written, once that happened for another reason than its reader
/// closing it (a full disk): the command then exits 1 at its end ([`lost`]).
static LOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Has output been lost (stdout full or failing, not merely closed by its reader)? Why.
pub fn lost() -> Option<&'static str> {
    LOST.get().map(String::as_str)
}

fn failed(e: &std::io::Error) {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        let _ = LOST.set(e.to_string());
    }
}

/// Prints one line on stdout; `false` once stdout is closed or full, so a caller can stop.
pub fn print_line(text: &str) -> bool {
    write_line(text).inspect_err(failed).is_ok()
}

fn write_line(text: &str) -> std::io::Result<()> {
    let text = prefixed(text);
    if kept(&text) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// What a runbook prints: one line on stdout. When stdout closes (`runbook run x | head -1`)
/// the runbook goes on to its end — a procedure must not stop halfway because a pager closed —
/// and the rest of its output is dropped, said once on stderr. When stdout fails otherwise
/// (a full disk) the runbook also goes on, and the command exits 1 at its end.
pub fn print(text: &str) {
    static CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    if let Err(e) = write_line(text) {
        CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        failed(&e);
        let why = if e.kind() == std::io::ErrorKind::BrokenPipe {
            "stdout is closed".to_string()
        } else {
            format!("cannot write to stdout ({e})")
        };
        crate::say!("runbook: {why}; the runbook goes on, its further output is dropped");
    }
}
