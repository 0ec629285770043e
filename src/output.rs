//! Writing to stdout without panicking when the reader goes away (`runbook ops | head`).

use std::io::Write;

/// Prints one line on stdout; `false` once stdout is closed or full, so a caller can stop.
pub fn print_line(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).is_ok()
}
