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
mod functions;
mod helpers;
mod import;
mod modules;
mod output;
mod password;
mod repl;
mod safety;
mod state;
mod value;

use clap::Parser;

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(e) = cli.run() {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}
