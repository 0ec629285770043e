//! Import progress on stderr: a live bar on a terminal (indicatif), plain log lines otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where an import reports what it is doing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise.
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// Starts counting bytes of an upload.
    pub fn upload(&self, label: &str, total: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_prefix(label.to_string());
                bar.set_length(total);
                bar.set_position(0);
            }
            None => crate::say!("{label}: uploading {total} bytes"),
        }
    }

    /// The bar an upload stream counts its bytes on (on a terminal).
    pub fn counter(&self) -> Option<ProgressBar> {
        self.bar.clone()
    }

    /// A status line: the job's state and counts.
    pub fn status(&self, label: &str, text: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(label.to_string());
                bar.set_message(text.to_string());
            }
            None => crate::say!("{label}: {text}"),
        }
    }

    /// A line that stays: what happened.
    pub fn log(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => crate::say!("{text}"),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
