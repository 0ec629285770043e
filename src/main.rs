//! `runbook`: Amazon Cognito user-pool and IAM procedures as versioned, reviewable Rhai
//! runbooks, run from files or explored in a REPL.

// AwsError carries what the service said (code, message, request id, ...); it is returned
// only on failure, so its size on the error path does not matter.
#![allow(clippy::result_large_err)]

mod assertions;
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
mod fleet;
mod format;
mod functions;
mod helpers;
mod import;
mod lifecycle;
mod modules;
mod output;
mod password;
mod repl;
mod safety;
mod secrets;
mod signin;
mod state;
mod value;

use clap::Parser;

/// The stack the command runs on. Scripts can build values nested as deep as memory allows
/// (`for i in 0..100000 { m = #{ a: m } }`), and Rhai frees and prints them recursively: the
/// main thread's 8 MiB would overflow, this (reserved, used only as needed) does not.
const STACK: usize = 1 << 30;

fn main() {
    keep_standard_streams_open();
    let code = std::thread::Builder::new()
        .name("runbook".into())
        .stack_size(STACK)
        .spawn(command)
        .map(|thread| thread.join().unwrap_or(101))
        // No thread (a tight address-space limit): run on this one.
        .unwrap_or_else(|_| command());
    std::process::exit(code);
}

/// Parses the command line, runs the command, and says how it ended; returns the exit code.
fn command() -> i32 {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // With --detailed-exitcode, 2 means drift: any error is 1.
            let detailed = std::env::args_os().any(|a| a == "--detailed-exitcode");
            let code = match (e.use_stderr(), detailed) {
                (false, _) => 0,
                (true, true) => 1,
                (true, false) => 2,
            };
            if let Err(why) = e.print() {
                crate::say!(
                    "error: cannot write {}: {why}",
                    if code == 0 { "to stdout" } else { "the usage" }
                );
                return 1;
            }
            return code;
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
    match result {
        Ok(()) => 0,
        Err(e) => {
            if let Some(why) = output::lost() {
                crate::say!("error: cannot write the whole output to stdout: {why}");
            }
            let text = e.to_string();
            if !text.is_empty() {
                crate::say!("{}", value::scrubbed(&value::shown_text(&text)));
            }
            e.exit_code()
        }
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
