//! The files runbook writes and reads, as a careful neighbour on a shared machine would.
//!
//! A file runbook writes is **created new**: never through a symbolic link at its last
//! component, never into a file another user owns or others can write, only its owner can read
//! it (0600; definition files for editors 0644) and a directory it makes is 0700. An existing
//! file is refused unless the operator said so (`--force`, `--append`); even then it must be a
//! regular file of the operator's own that nobody else can write.
//!
//! A file runbook reads as input (a runbook, a CSV, a journal) must be a regular file, a pipe
//! or `-` (standard input), and no larger than a cap: `/dev/zero` is an error, not a hang. It
//! is opened without blocking (a FIFO nobody writes to would hang `open` itself) and its type
//! checked first; a pipe or standard input is read in short polls, so SIGINT and SIGTERM end
//! that wait within a second like every other.
//!
//! This module is a leaf: it knows files and permissions, nothing of runbooks or AWS (the
//! signal handling that ends a wait on a pipe registers itself with [`stop_waiting_when`]).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// What to do when the file to write exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: a file runbook writes is a new file.
    Refuse,
    /// Empty it and write it again (`--force`): only a regular file of the operator's own.
    Replace,
    /// Add to its end (`--append`): only a regular file of the operator's own.
    Append,
}

/// Why a file was not written or read.
#[derive(Debug)]
pub enum Refused {
    /// It exists and the operator did not say to replace it.
    Exists,
    /// Its last component is a symbolic link.
    Link,
    /// It is a directory, a device, a socket…
    NotRegular(&'static str),
    /// Another user owns it.
    Foreign(u32),
    /// Others than its owner can write it (a forged line could be waiting in it).
    Loose(u32),
    /// It is larger than runbook reads.
    TooLarge(u64),
    /// The system said no.
    Io(io::Error),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Exists => f.write_str("the file exists"),
            Refused::Link => f.write_str("it is a symbolic link; refused"),
            Refused::NotRegular(kind) => write!(f, "it is {kind}, not a regular file; refused"),
            Refused::Foreign(uid) => write!(f, "it belongs to another user (uid {uid}); refused"),
            Refused::Loose(mode) => write!(
                f,
                "others can write it (mode {:03o}); refused — `chmod go-w` it if it is yours",
                mode & 0o777
            ),
            Refused::TooLarge(cap) => write!(f, "it is larger than {}; refused", size(*cap)),
            Refused::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Self {
        if e.raw_os_error() == Some(libc::ELOOP) {
            Refused::Link
        } else {
            Refused::Io(e)
        }
    }
}

/// A private file: only its owner reads it.
pub const PRIVATE: u32 = 0o600;
/// A file meant to be shared (definition files for an editor).
pub const SHARED: u32 = 0o644;

/// Creates `path` for writing with `mode`, or, when it exists, does what `existing` says.
pub fn create(path: &Path, mode: u32, existing: Existing) -> Result<File, Refused> {
    let mut options = OpenOptions::new();
    options
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW);
    match options.open(path) {
        Ok(file) => return Ok(file),
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e.into()),
        Err(_) => {}
    }
    if existing == Existing::Refuse {
        return Err(Refused::Exists);
    }
    let mut options = OpenOptions::new();
    options
        .write(true)
        .append(existing == Existing::Append)
        // Not through a link; a FIFO without a reader fails instead of blocking.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let file = options.open(path)?;
    owned(&file.metadata()?)?;
    if existing == Existing::Replace {
        file.set_len(0)?;
    }
    Ok(file)
}

/// Creates `path` and its missing parents as directories only their owner can enter (0700).
pub fn create_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates `path` (and missing parents, 0700) if need be, then checks it as runbook checks a
/// journal: a directory, not a link, of the operator's own (or root's) that nobody else can
/// write — where runbook keeps journals.
pub fn private_dir(path: &Path) -> Result<(), Refused> {
    create_dir(path)?;
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(Refused::Link);
    }
    if !meta.is_dir() {
        return Err(Refused::NotRegular(kind(&meta)));
    }
    ours(&meta)
}

/// Checks that a file runbook trusts (a journal revert acts on) is a regular file of the
/// operator's own (or root's) that nobody else can write.
pub fn trusted(path: &Path) -> Result<(), Refused> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(Refused::Link);
    }
    owned(&meta)
}

/// Checks that a directory runbook loads code from (a runbook's modules) belongs to the
/// operator (or root) and that nobody else can write it, as ssh checks `~/.ssh`.
pub fn trusted_dir(path: &Path) -> Result<(), Refused> {
    ours(&std::fs::metadata(path)?)
}

/// Checks a file runbook would run as code that the command line did not name itself (a
/// module, a nested `runbook(path)`, a test file found under a directory, a REPL `:load`): a
/// regular file, not a link, of the operator's own (or root's) that nobody else can write, in
/// a directory with the same properties. The error says which of the two failed and why.
pub fn trusted_code(path: &Path) -> Result<(), String> {
    if let Err(e) = std::fs::symlink_metadata(path) {
        return Err(format!("cannot read {}: {e}", path.display()));
    }
    let parent = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    trusted_dir(parent).map_err(|e| {
        format!(
            "refused to load {}: its directory {}: {e}; runbook loads code only from a directory you own that nobody else can write",
            path.display(),
            parent.display()
        )
    })?;
    trusted(path).map_err(|e| {
        format!(
            "refused to load {}: {e}; code must be a file you own that nobody else can write",
            path.display()
        )
    })
}

/// A regular file of the operator's own (or root's) that nobody else can write.
fn owned(meta: &std::fs::Metadata) -> Result<(), Refused> {
    if !meta.file_type().is_file() {
        return Err(Refused::NotRegular(kind(meta)));
    }
    ours(meta)
}

/// The operator's own (or root's), and nobody else can write it.
fn ours(meta: &std::fs::Metadata) -> Result<(), Refused> {
    let uid = meta.uid();
    if uid != euid() && uid != 0 {
        return Err(Refused::Foreign(uid));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Refused::Loose(meta.mode()));
    }
    Ok(())
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_fifo() {
        "a pipe"
    } else {
        "not a regular file"
    }
}

/// How much runbook reads of a runbook or a module.
pub const SCRIPT_CAP: u64 = 16 << 20;
/// How much runbook reads of a journal.
pub const JOURNAL_CAP: u64 = 1 << 30;
/// How much runbook reads of a CSV file.
pub const CSV_CAP: u64 = 4 << 30;
/// How much `read_file` reads.
pub const TEXT_CAP: u64 = 64 << 20;

/// Opens an input: `-` (standard input), a regular file or a pipe, read up to `cap` bytes
/// (more is an error, not a hang).
pub fn input(path: &Path, cap: u64) -> Result<Input, Refused> {
    if path == Path::new("-") {
        return Ok(Input {
            inner: Box::new(Polled(io::stdin())),
            left: cap,
            cap,
        });
    }
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    let t = meta.file_type();
    let pipe = std::os::unix::fs::FileTypeExt::is_fifo(&t);
    if !(t.is_file() || pipe) {
        return Err(Refused::NotRegular(kind(&meta)));
    }
    if meta.len() > cap {
        return Err(Refused::TooLarge(cap));
    }
    Ok(Input {
        inner: if pipe {
            Box::new(Polled(file))
        } else {
            Box::new(file)
        },
        left: cap,
        cap,
    })
}

/// Opens `path` to read without blocking in `open` (a FIFO without a writer returns at once).
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// What tells a wait on a pipe to stop: the name of the signal that arrived, if one did.
static STOP: std::sync::OnceLock<fn() -> Option<&'static str>> = std::sync::OnceLock::new();

/// Makes every wait on a pipe end, with an error, once `stop` says a signal arrived (set by
/// `safety::interrupt::install`).
pub fn stop_waiting_when(stop: fn() -> Option<&'static str>) {
    let _ = STOP.set(stop);
}

/// A pipe (or standard input) read in polls of a fifth of a second, giving up with an error
/// when SIGINT or SIGTERM has arrived: a writer that never writes cannot hold
/// runbook past a signal.
struct Polled<R: std::os::fd::AsRawFd + Read>(R);

impl<R: std::os::fd::AsRawFd + Read> Read for Polled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(signal) = STOP.get().and_then(|stop| stop()) {
                // Not `ErrorKind::Interrupted`: `read_to_end` retries that.
                return Err(io::Error::other(format!(
                    "stopped waiting for input: {signal}"
                )));
            }
            let mut fd = libc::pollfd {
                fd: self.0.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, for the length given.
            let ready = unsafe { libc::poll(&mut fd, 1, 200) };
            if ready < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if ready == 0 {
                continue;
            }
            match self.0.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                // A signal's EINTR: the loop looks at the flag.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// Opens a regular file to read (a CSV, read twice: validated, then split) of at most `cap`
/// bytes.
pub fn regular(path: &Path, cap: u64) -> Result<File, Refused> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(Refused::NotRegular(kind(&meta)));
    }
    if meta.len() > cap {
        return Err(Refused::TooLarge(cap));
    }
    Ok(file)
}

/// An input's whole text (see [`input`]).
pub fn read_text(path: &Path, cap: u64) -> Result<String, Refused> {
    let mut text = String::new();
    input(path, cap)?.read_to_string(&mut text)?;
    Ok(text)
}

/// A capped reader: reading past its cap fails with an error that says so.
pub struct Input {
    inner: Box<dyn Read>,
    left: u64,
    cap: u64,
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more than the cap means the input is too large.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "it is larger than {}; refused",
                    size(self.cap)
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_is_created_new_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        create(&path, PRIVATE, Existing::Refuse).unwrap();
        let mode = std::fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            create(&path, PRIVATE, Existing::Refuse),
            Err(Refused::Exists)
        ));
        let mut f = create(&path, PRIVATE, Existing::Append).unwrap();
        f.write_all(b"x").unwrap();
        create(&path, PRIVATE, Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn a_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for existing in [Existing::Refuse, Existing::Replace, Existing::Append] {
            let refused = create(&link, PRIVATE, existing).unwrap_err();
            assert!(
                matches!(refused, Refused::Exists | Refused::Link),
                "{refused}"
            );
        }
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(create(&dangling, PRIVATE, Existing::Replace).is_err());
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    #[test]
    fn a_file_others_can_write_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .unwrap();
        assert!(matches!(trusted(&path), Err(Refused::Loose(_))));
        assert!(matches!(
            create(&path, PRIVATE, Existing::Append),
            Err(Refused::Loose(_))
        ));
    }

    #[test]
    fn an_endless_input_is_refused() {
        assert!(matches!(
            input(Path::new("/dev/zero"), 10),
            Err(Refused::NotRegular("a device"))
        ));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, [b'a'; 100]).unwrap();
        assert!(matches!(input(&path, 10), Err(Refused::TooLarge(10))));
        let mut capped = Input {
            inner: Box::new(io::repeat(b'a')),
            left: 10,
            cap: 10,
        };
        let mut text = String::new();
        assert!(capped.read_to_string(&mut text).is_err());
    }
}
