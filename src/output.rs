//! Writing to stdout without panicking when the reader goes away (`runbook ops | head`).

use std::io::Write;

/// Prints one line on stdout; `false` once stdout is closed or full, so a caller can stop.
pub fn print_line(text: &str) -> bool {
    write_line(text).is_ok()
}

fn write_line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// What a runbook prints: one line on stdout. When stdout closes (`runbook run x | head -1`)
/// the runbook goes on to its end — a procedure must not stop halfway because a pager closed —
/// and the rest of its output is dropped, said once on stderr.
pub fn print(text: &str) {
    static CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    if let Err(e) = write_line(text) {
        CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        let why = if e.kind() == std::io::ErrorKind::BrokenPipe {
            "stdout is closed".to_string()
        } else {
            format!("cannot write to stdout ({e})")
        };
        eprintln!("runbook: {why}; the runbook goes on, its further output is dropped");
    }
}
