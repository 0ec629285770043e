//! `runbook`: Amazon Cognito user-pool and IAM procedures as versioned, reviewable Rhai
//! runbooks, run from files or explored in a REPL.

// AwsError carries what the service said (code, message, request id, ...); it is returned
// only on failure, so its size on the error path does not matter.
#![allow(clippy::result_large_err)]

mod aws;
mod batch;
mod check;
mod cli;
mod commands;
mod context;
mod emulator;
mod engine;
mod error;
mod files;
mod functions;
mod helpers;
mod import;
mod modules;
mod output;
mod password;
mod repl;
mod safety;
mod secrets;
mod state;
mod value;

use clap::Parser;

fn main() {
    keep_standard_streams_open();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if let Err(why) = e.print() {
                crate::say!(
                    "error: cannot write {}: {why}",
                    if code == 0 { "to stdout" } else { "the usage" }
                );
                std::process::exit(1);
            }
            std::process::exit(code);
        }
    };
    let result = cli.run().and_then(|()| match output::lost() {
        // The command did its work, but what it printed did not all reach stdout.
        Some(why) => Err(error::Error::Write {
            what: "the whole output to stdout".into(),
            why: why.into(),
        }),
        None => Ok(()),
    });
    if let Err(e) = result {
        crate::say!("{}", value::scrubbed(&value::shown_text(&e.to_string())));
        std::process::exit(e.exit_code());
    }
}

/// Opens `/dev/null` on any of stdin, stdout and stderr that is closed, so that no file runbook
/// opens (a journal) takes its number and receives messages meant for the terminal.
fn keep_standard_streams_open() {
    for fd in 0..=2 {
        // SAFETY: fcntl(F_GETFD) on any number only reads the descriptor table.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            let flags = if fd == 0 {
                libc::O_RDONLY
            } else {
                libc::O_WRONLY
            };
            // SAFETY: a constant NUL-terminated path; open returns the lowest free number, `fd`.
            unsafe { libc::open(c"/dev/null".as_ptr(), flags) };
        }
    }
}
