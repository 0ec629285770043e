//! Where runbook keeps its state: `$XDG_STATE_HOME/runbook/` (or `~/.local/state/runbook/`),
//! holding the REPL's history and the journals of runs; and private temporary directories.

use std::path::PathBuf;

/// The state directory (not created here); `None` when neither variable is set.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .map(|base| base.join("runbook"))
}

/// A temporary directory of unpredictable name that only this user can enter (0700), removed
/// when dropped.
pub fn private_temp_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    builder.tempdir()
}
