//! The command line: `runbook run | repl | check | ops | emulator`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rhai::{Dynamic, Map};

use crate::aws::Settings;
use crate::emulator::Emulator;
use crate::engine::Runbook;
use crate::error::Error;
use crate::functions;

/// Amazon Cognito and IAM procedures as versioned Rhai runbooks.
#[derive(Parser, Debug)]
#[command(name = "runbook", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub aws: AwsFlags,
    #[command(subcommand)]
    pub command: Command,
}

/// Where AWS calls go. Without flags, the standard chain applies (environment, profiles, SSO,
/// IMDS, `AWS_ENDPOINT_URL`).
#[derive(Args, Debug, Clone, Default)]
pub struct AwsFlags {
    /// Use this named profile from ~/.aws/config.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Send requests to this region.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send requests to this endpoint instead of AWS (e.g. an emulator).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Start the bundled emulator on a free port, use it with dummy credentials, stop it on exit.
    #[arg(long, global = true, conflicts_with = "endpoint_url")]
    pub local: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a runbook.
    Run {
        /// The runbook (.rhai).
        file: PathBuf,
        /// Set vars.KEY in the runbook (repeatable).
        #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
        vars: Vec<(String, String)>,
    },
    /// Explore interactively: variables persist, results print as JSON.
    Repl,
    /// Parse runbooks and check every namespaced call; nothing is sent.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List every function a runbook can call.
    Ops {
        /// Print a JSON array of {namespace, name, signature, doc, input, output}.
        #[arg(long)]
        json: bool,
        /// Also list each operation's request and response members.
        #[arg(long)]
        members: bool,
        /// Only functions whose name contains this text (also as the CLI spells it:
        /// admin-create-user, AdminCreateUser).
        filter: Option<String>,
    },
    /// User-import CSV files: the pool's header, and the import rules checked before upload.
    Csv {
        #[command(subcommand)]
        command: CsvCommand,
    },
    /// Run the local emulator (moto + Cognito import jobs) on 127.0.0.1 in the foreground.
    Emulator {
        /// The port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 4566)]
        port: u16,
    },
}

#[derive(Subcommand, Debug)]
pub enum CsvCommand {
    /// Print (or write) the pool's import CSV header, ready to fill in.
    Template {
        /// The user pool id.
        #[arg(long)]
        pool: String,
        /// Write the header to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a CSV against the pool's import rules; nothing is uploaded.
    Validate {
        /// The CSV file.
        file: PathBuf,
        /// The user pool id.
        #[arg(long)]
        pool: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Rows per import job when counting the jobs the file needs (Cognito's limit: 500000).
        #[arg(long, default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..=500_000))]
        max_rows_per_job: u64,
        /// How many problems to list (the rest are counted).
        #[arg(long, default_value_t = 100)]
        max_problems: usize,
    },
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got \"{text}\"")),
    }
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> Result<(), Error> {
        match self.command {
            Command::Run { file, vars } => {
                let vars: Map = vars
                    .into_iter()
                    .map(|(k, v)| (k.into(), Dynamic::from(v)))
                    .collect();
                with_aws(&self.aws, |settings| {
                    let mut runbook = Runbook::new(settings, vars)?;
                    runbook.run_file(&file)
                })
            }
            Command::Repl => with_aws(&self.aws, crate::repl::run),
            Command::Check { files } => crate::check::check_files(&files),
            Command::Ops {
                json,
                members,
                filter,
            } => {
                print_ops(json, members, filter.as_deref());
                Ok(())
            }
            Command::Csv { command } => with_aws(&self.aws, |settings| {
                crate::csv_command::run(command, settings)
            }),
            Command::Emulator { port } => Emulator::run_foreground(port),
        }
    }
}

/// Resolves the AWS flags (starting the emulator for `--local`) and runs `f` with them.
fn with_aws(flags: &AwsFlags, f: impl FnOnce(Settings) -> Result<(), Error>) -> Result<(), Error> {
    let mut settings = Settings {
        profile: flags.profile.clone(),
        region: flags.region.clone(),
        endpoint_url: flags.endpoint_url.clone(),
        dummy_credentials: false,
    };
    if flags.local {
        let emulator = Emulator::start()?;
        eprintln!("runbook: local emulator at {}", emulator.endpoint_url);
        settings.endpoint_url = Some(emulator.endpoint_url.clone());
        settings.dummy_credentials = true;
        let result = f(settings);
        drop(emulator);
        return result;
    }
    f(settings)
}

fn print_ops(json: bool, members: bool, filter: Option<&str>) {
    let all: Vec<_> = functions::catalog()
        .into_iter()
        .filter(|f| filter.is_none_or(|t| f.matches(t)))
        .collect();
    if json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|f| {
                let mut item = serde_json::json!({
                    "namespace": f.namespace,
                    "name": f.name,
                    "signature": f.signature,
                    "doc": f.doc,
                });
                if let (true, Some(op)) = (members, f.op) {
                    item["input"] = op.input.describe();
                    item["output"] = op.output.describe();
                }
                item
            })
            .collect();
        let text = serde_json::to_string_pretty(&items).unwrap_or_default();
        crate::output::print_line(&text);
    } else {
        for f in all {
            let mut text = format!("{}\n    {}", f.signature, f.doc);
            if let (true, Some(op)) = (members, f.op) {
                for (label, shape) in [("request", op.input), ("response", op.output)] {
                    text.push_str(&format!("\n    {label} {}:", shape.name));
                    for line in shape.outline() {
                        text.push_str(&format!("\n      {line}"));
                    }
                }
            }
            if !crate::output::print_line(&text) {
                return;
            }
        }
    }
}
