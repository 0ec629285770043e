//! The command line: parses the arguments and hands each command to its file in
//! [`commands`](crate::commands), one line per command.

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::flags::LeadingAwsFlags;
use crate::commands::{
    self, check, completions, csv, definitions, emulator, eval, journal, limits, ops, repl, revert,
    run, test,
};
use crate::error::Error;

/// Amazon Cognito and IAM procedures as versioned Rhai runbooks.
#[derive(Parser, Debug)]
#[command(
    name = "runbook",
    version,
    about,
    propagate_version = true,
    after_help = "AWS flags (--profile, --region, --endpoint-url, --local, --timeout) belong to the \
commands that talk to AWS: run, eval, repl, revert, csv and limits (see `runbook run --help`)."
)]
pub struct Cli {
    /// The AWS flags written before the command (`runbook --profile prod run …`), as the AWS
    /// CLI accepts them; help lists them on the commands that talk to AWS.
    #[command(flatten)]
    pub leading: LeadingAwsFlags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a runbook.
    Run(run::Args),
    /// Undo what a journaled run created, newest first.
    Revert(revert::Args),
    /// Show a run's journal (default: the latest).
    Journal(journal::Args),
    /// Evaluate one expression and print its result as JSON (for shell pipelines).
    Eval(eval::Args),
    /// Explore interactively: variables persist, results print as JSON.
    Repl(repl::Args),
    /// Parse runbooks and check every call, request map and response member against the API;
    /// nothing is sent.
    Check(check::Args),
    /// List every function a runbook can call.
    Ops(ops::Args),
    /// User-import CSV files: the pool's header, and the import rules checked before upload.
    Csv(csv::Args),
    /// Write Rhai definition files (.d.rhai) of every function, for editors with the Rhai
    /// language server.
    Definitions(definitions::Args),
    /// Run the local emulator (moto + Cognito import jobs) on 127.0.0.1 in the foreground.
    Emulator(emulator::Args),
    /// Run the `fn test_*()` of the *.test.rhai files under PATH, each against a fresh local
    /// emulator account.
    Test(test::Args),
    /// Print the shell completion script for runbook (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Each request-rate category runbook paces: the account's provisioned and free limits,
    /// and the pace runbook will use.
    Limits(limits::Args),
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> Result<(), Error> {
        let leading = &self.leading;
        match self.command {
            Command::Run(args) => commands::run::run(args, leading),
            Command::Revert(args) => commands::revert::run(args, leading),
            Command::Journal(args) => commands::journal::run(args),
            Command::Eval(args) => commands::eval::run(args, leading),
            Command::Repl(args) => commands::repl::run(args, leading),
            Command::Check(args) => commands::check::run(args),
            Command::Ops(args) => commands::ops::run(args),
            Command::Csv(args) => commands::csv::run(args, leading),
            Command::Definitions(args) => commands::definitions::run(args),
            Command::Emulator(args) => commands::emulator::run(args),
            Command::Test(args) => commands::test::run(args, leading),
            Command::Completions(args) => commands::completions::run(args, Cli::command()),
            Command::Limits(args) => commands::limits::run(args, leading),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_command(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
        out.push(cmd.clone());
        for sub in cmd.get_subcommands() {
            every_command(sub, out);
        }
    }

    /// `--help` describes every argument of every command.
    #[test]
    fn every_argument_is_described() {
        let mut root = Cli::command();
        root.build();
        let mut commands = Vec::new();
        every_command(&root, &mut commands);
        for cmd in &commands {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                assert!(
                    arg.get_help().is_some(),
                    "{} {} has no description",
                    cmd.get_name(),
                    arg.get_id()
                );
            }
            if cmd.get_name() != "help" {
                assert!(cmd.get_about().is_some() || cmd.get_name() == "runbook");
            }
        }
    }

    /// The AWS flags are listed exactly in the help of the commands that talk to AWS.
    #[test]
    fn aws_flags_show_only_where_aws_is_called() {
        let paths: &[(&[&str], bool)] = &[
            (&[], false),
            (&["run"], true),
            (&["revert"], true),
            (&["eval"], true),
            (&["repl"], true),
            (&["csv", "template"], true),
            (&["csv", "validate"], true),
            (&["journal"], false),
            (&["check"], false),
            (&["ops"], false),
            (&["emulator"], false),
            (&["definitions"], false),
        ];
        for (path, talks) in paths {
            let args = std::iter::once("runbook")
                .chain(path.iter().copied())
                .chain(["--help"]);
            let help = match Cli::try_parse_from(args) {
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            };
            assert!(help.contains("Usage:"), "{path:?}: {help}");
            assert_eq!(
                help.contains("--profile <PROFILE>"),
                *talks,
                "{path:?}: {help}"
            );
        }
    }
}
