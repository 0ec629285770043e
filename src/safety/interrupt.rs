//! SIGINT and SIGTERM: finish what is in flight, record it, then stop.
//!
//! While a runbook runs, the signals only set a flag ([`install`]). The call in flight runs to
//! its end and is journaled; the choke point refuses to send another, the engine stops at its
//! next step, sleeps and polls wake up, and the command exits 130 (SIGINT) or 143 (SIGTERM).
//! Temporary files and the `--local` emulator are removed on that normal way out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The last signal received (0: none), set by signal-hook's handler.
fn flag() -> &'static Arc<AtomicUsize> {
    static FLAG: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

/// Routes SIGINT and SIGTERM to the flag instead of killing the process. Idempotent.
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        crate::files::stop_waiting_when(|| received().map(name));
        for signal in [SIGINT, SIGTERM] {
            // Only fails for signals that cannot be caught; these two can.
            let _ = signal_hook::flag::register_usize(signal, flag().clone(), signal as usize);
        }
    });
}

/// The signal received since the last [`clear`], if any.
pub fn received() -> Option<i32> {
    match flag().load(Ordering::SeqCst) {
        0 => None,
        n => i32::try_from(n).ok(),
    }
}

/// Forgets a received signal (the REPL goes on after Ctrl-C interrupts a statement).
pub fn clear() {
    flag().store(0, Ordering::SeqCst);
}

/// The signal's name, for messages and the journal.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// The exit code after a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM).
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

/// Resolves when a signal arrives (for abandoning a call in the REPL).
pub async fn arrival() -> i32 {
    loop {
        if let Some(signal) = received() {
            return signal;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sleeps, waking early when a signal arrives; `Err(signal)` then.
pub fn sleep(duration: Duration) -> Result<(), i32> {
    let until = Instant::now() + duration;
    loop {
        if let Some(signal) = received() {
            return Err(signal);
        }
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}
