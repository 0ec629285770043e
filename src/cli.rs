//! The command line: `runbook run | revert | journal | repl | check | ops | csv | emulator`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rhai::{Dynamic, Map};

use serde_json::json;

use crate::aws::Settings;
use crate::context::{Context, Safety};
use crate::emulator::Emulator;
use crate::engine::Runbook;
use crate::error::Error;
use crate::functions;
use crate::safety::confirm::Policy;
use crate::safety::interrupt;
use crate::safety::journal::Journal;

/// Amazon Cognito and IAM procedures as versioned Rhai runbooks.
#[derive(Parser, Debug)]
#[command(
    name = "runbook",
    version,
    about,
    propagate_version = true,
    after_help = "AWS flags (--profile, --region, --endpoint-url, --local, --timeout) belong to the \
commands that talk to AWS: run, eval, repl, revert and csv (see `runbook run --help`)."
)]
pub struct Cli {
    /// The AWS flags written before the command (`runbook --profile prod run …`), as the AWS
    /// CLI accepts them; help lists them on the commands that talk to AWS.
    #[command(flatten)]
    pub leading: LeadingAwsFlags,
    #[command(subcommand)]
    pub command: Command,
}

/// [`AwsFlags`] written before the command name; hidden from help. Commands that do not talk
/// to AWS ignore them, so a wrapper that always passes `--endpoint-url` keeps working.
#[derive(Args, Debug, Clone, Default)]
pub struct LeadingAwsFlags {
    #[arg(long, hide = true)]
    profile: Option<String>,
    #[arg(long, hide = true)]
    region: Option<String>,
    #[arg(long, hide = true, value_name = "URL")]
    endpoint_url: Option<String>,
    #[arg(long, hide = true, conflicts_with = "endpoint_url")]
    local: bool,
    #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: Option<u64>,
}

impl LeadingAwsFlags {
    /// The command's own flags, completed by those written before it.
    fn under(&self, own: &AwsFlags) -> Result<AwsFlags, Error> {
        if own.local && self.endpoint_url.is_some() || self.local && own.endpoint_url.is_some() {
            return Err(Error::Usage(
                "--local and --endpoint-url cannot be used together".into(),
            ));
        }
        Ok(AwsFlags {
            profile: own.profile.clone().or_else(|| self.profile.clone()),
            region: own.region.clone().or_else(|| self.region.clone()),
            endpoint_url: own
                .endpoint_url
                .clone()
                .or_else(|| self.endpoint_url.clone()),
            local: own.local || self.local,
            timeout: own.timeout.or(self.timeout),
        })
    }
}

/// Where AWS calls go. Without flags, the standard chain applies (environment, profiles, SSO,
/// IMDS, `AWS_ENDPOINT_URL`). Flattened into each command that talks to AWS.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "AWS")]
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
    /// How long one AWS call may take, its retries included, before it fails (default 30).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
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
        /// Send reads only: print the plan of every write, numbered, and answer it with a
        /// placeholder response so the runbook keeps planning. Nothing is changed.
        #[arg(long)]
        dry_run: bool,
        /// Answer yes to the confirmation of every destructive call (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// Write the journal here (default: $XDG_STATE_HOME/runbook/journal/<UTC time>-<name>.jsonl).
        #[arg(long, value_name = "PATH")]
        journal: Option<PathBuf>,
        #[command(flatten)]
        aws: AwsFlags,
    },
    /// Undo what a journaled run created, newest first.
    Revert {
        /// The run's journal.
        journal: PathBuf,
        /// List what would be undone; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation (needed without a terminal).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        aws: AwsFlags,
    },
    /// Show a run's journal (default: the latest).
    Journal {
        /// The journal file.
        path: Option<PathBuf>,
        /// Print its JSON lines as they are.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one expression and print its result as JSON (for shell pipelines).
    Eval {
        /// The expression, e.g. 'query(cognito::list_user_pools(), "UserPools[].Id")'.
        expression: String,
        /// Allow destructive calls without asking.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        aws: AwsFlags,
    },
    /// Explore interactively: variables persist, results print as JSON.
    Repl {
        #[command(flatten)]
        aws: AwsFlags,
    },
    /// Parse runbooks and check every call, request map and response member against the API;
    /// nothing is sent.
    Check {
        /// The runbooks to check.
        #[arg(required = true, value_name = "FILE")]
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
        #[command(flatten)]
        aws: AwsFlags,
    },
    /// Write Rhai definition files (.d.rhai) of every function, for editors with the Rhai
    /// language server.
    Definitions {
        /// The directory to write them into (created if missing).
        dir: PathBuf,
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
    /// Write a pool's users as an import-ready CSV (and its groups to <name>.groups.json),
    /// one page at a time; users the target's rules refuse are listed, not dropped.
    Export {
        /// The pool whose users are exported.
        #[arg(long)]
        pool: String,
        /// The CSV file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The pool the file is for: its header and import rules (default: --pool).
        #[arg(long, value_name = "ID")]
        target_pool: Option<String>,
        /// Only users matching this ListUsers filter (e.g. 'status = "Enabled"').
        #[arg(long)]
        filter: Option<String>,
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
            Command::Run {
                file,
                vars,
                dry_run,
                yes,
                journal,
                aws,
            } => with_aws(&self.leading.under(&aws)?, |settings| {
                interrupt::install();
                let header = json!({
                    "runbook": crate::safety::journal::runbook_identity(&file),
                    "vars": masked_vars(&vars),
                });
                let vars: Map = vars
                    .into_iter()
                    .map(|(k, v)| (k.into(), Dynamic::from(v)))
                    .collect();
                let journal = match journal {
                    Some(path) => Some(Journal::at(path)),
                    None => crate::safety::journal::default_path(&file).map(Journal::fresh),
                };
                let safety = Safety {
                    dry_run,
                    confirm: Policy::for_run(yes || settings.dummy_credentials),
                    journal,
                    header,
                    abandon_calls: false,
                };
                let mut runbook = Runbook::new(settings, vars, safety)?;
                let ast = runbook.load(&file)?;
                // What the API's shapes refute stops the run before anything is sent.
                let problems = crate::check::preflight(&ast, &file);
                if !problems.is_empty() {
                    eprintln!(
                        "runbook: {} refused before running (nothing was sent):",
                        file.display()
                    );
                    return Err(Error::Check(problems));
                }
                let result = runbook.run_ast(&file, &ast);
                if matches!(result, Err(Error::Interrupted(_))) {
                    runbook.ctx.stop_started_imports();
                }
                runbook.ctx.finish(&result);
                if let Some(path) = runbook.ctx.journal_path().filter(|_| runbook.ctx.wrote()) {
                    eprintln!(
                        "runbook: journal {} (runbook revert {0} undoes it)",
                        path.display()
                    );
                }
                result
            }),
            Command::Revert {
                journal,
                dry_run,
                yes,
                aws,
            } => with_aws(&self.leading.under(&aws)?, |settings| {
                interrupt::install();
                let policy = Policy::for_run(yes || settings.dummy_credentials);
                let path = crate::safety::journal::default_dir().map(|dir| {
                    let stem = journal
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    crate::safety::journal::default_path(&dir.join(format!("revert-{stem}")))
                });
                let safety = Safety {
                    dry_run,
                    // Confirmed once for the whole revert, below.
                    confirm: Policy::Yes,
                    journal: path.flatten().map(Journal::fresh),
                    header: json!({ "reverts": std::fs::canonicalize(&journal).unwrap_or(journal.clone()).display().to_string() }),
                    abandon_calls: false,
                };
                let ctx = Context::new(settings, Map::new(), safety)?;
                let result = crate::safety::revert::revert(&ctx, &journal, policy);
                ctx.finish(&result);
                if let Some(path) = ctx.journal_path() {
                    eprintln!("runbook: journal {}", path.display());
                }
                result
            }),
            Command::Journal { path, json } => show_journal(path, json),
            Command::Eval {
                expression,
                yes,
                aws,
            } => with_aws(&self.leading.under(&aws)?, |settings| {
                interrupt::install();
                let safety = Safety::interactive(yes || settings.dummy_credentials);
                let mut runbook = Runbook::new(settings, Map::new(), safety)?;
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                runbook.set_module_dir(&cwd);
                let ast = runbook
                    .engine
                    .compile_with_scope(&runbook.scope, &expression)
                    .map_err(|e| crate::engine::parse_error("<eval>", &e))?;
                let problems = crate::check::preflight(&ast, std::path::Path::new("<eval>"));
                if !problems.is_empty() {
                    return Err(Error::Check(problems));
                }
                let value = runbook
                    .engine
                    .eval_ast_with_scope::<Dynamic>(&mut runbook.scope, &ast)
                    .map_err(|e| crate::engine::runtime_error(&e, "<eval>"))?;
                if !value.is_unit() {
                    crate::output::print(&crate::helpers::display_json(&value));
                }
                Ok(())
            }),
            Command::Repl { aws } => with_aws(&self.leading.under(&aws)?, crate::repl::run),
            Command::Check { files } => crate::check::check_files(&files),
            Command::Ops {
                json,
                members,
                filter,
            } => print_ops(json, members, filter.as_deref()),
            Command::Csv { command, aws } => with_aws(&self.leading.under(&aws)?, |settings| {
                crate::csv_command::run(command, settings)
            }),
            Command::Definitions { dir } => crate::definitions::write(&dir),
            Command::Emulator { port } => Emulator::run_foreground(port),
        }
    }
}

/// The `--var`s as the journal keeps them: values of secret-looking names masked.
fn masked_vars(vars: &[(String, String)]) -> serde_json::Value {
    vars.iter()
        .map(|(k, v)| {
            let shown = if crate::safety::looks_secret(k) {
                crate::safety::MASK.to_string()
            } else {
                v.clone()
            };
            (k.clone(), serde_json::Value::String(shown))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// `runbook journal [PATH] [--json]`.
fn show_journal(path: Option<PathBuf>, json: bool) -> Result<(), Error> {
    let path = match path.or_else(crate::safety::journal::latest) {
        Some(path) => path,
        None => {
            return Err(Error::Usage(
                "no journal yet: runs write theirs under $XDG_STATE_HOME/runbook/journal (or pass a path)".into(),
            ));
        }
    };
    let lines = crate::safety::journal::read(&path).map_err(Error::Usage)?;
    eprintln!("journal {}", path.display());
    let rows: Vec<String> = if json {
        lines.iter().map(ToString::to_string).collect()
    } else {
        crate::safety::journal::table(&lines)
    };
    for row in rows {
        if !crate::output::print_line(&row) {
            break;
        }
    }
    Ok(())
}

/// An endpoint URL a user gave (flag or environment), checked before the SDK sees it.
fn check_endpoint(url: &str, from: &str) -> Result<(), Error> {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(Error::Usage(format!(
            "{from} must be an http(s) URL such as http://127.0.0.1:4566, not \"{url}\""
        ))),
    }
}

/// Resolves the AWS flags (starting the emulator for `--local`) and runs `f` with them.
fn with_aws(flags: &AwsFlags, f: impl FnOnce(Settings) -> Result<(), Error>) -> Result<(), Error> {
    if let Some(url) = &flags.endpoint_url {
        check_endpoint(url, "--endpoint-url")?;
    }
    for (name, value) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "AWS_ENDPOINT_URL" || name.starts_with("AWS_ENDPOINT_URL_") {
            check_endpoint(&value.to_string_lossy(), &name)?;
        }
    }
    if let Some(profile) = &flags.profile {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
        runtime
            .block_on(crate::aws::check_profile(profile))
            .map_err(Error::Usage)?;
    }
    let mut settings = Settings {
        profile: flags.profile.clone(),
        region: flags.region.clone(),
        endpoint_url: flags.endpoint_url.clone(),
        dummy_credentials: false,
        timeout: flags
            .timeout
            .map(std::time::Duration::from_secs)
            .unwrap_or(crate::aws::DEFAULT_TIMEOUT),
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

fn print_ops(json: bool, members: bool, filter: Option<&str>) -> Result<(), Error> {
    let catalog = functions::catalog();
    let all: Vec<_> = catalog
        .iter()
        .filter(|f| filter.is_none_or(|t| f.matches(t)))
        .cloned()
        .collect();
    if let (Some(filter), true) = (filter, all.is_empty()) {
        // The closest by its own name, written as the script spells it.
        let wanted = filter
            .rsplit([':', ' '])
            .next()
            .unwrap_or(filter)
            .replace('-', "_");
        let wanted = if wanted.contains('_') {
            wanted
        } else {
            functions::snake(&wanted)
        };
        let hint = crate::aws::shape::closest(&wanted, catalog.iter().map(|f| f.name))
            .and_then(|c| catalog.iter().find(|f| f.name == c))
            .map(|f| format!("; did you mean {}?", f.qualified()))
            .unwrap_or_default();
        return Err(Error::Runtime {
            message: format!("no function matches \"{filter}\"{hint}"),
            location: None,
        });
    }
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
                    item["input"] = op.describe_input();
                    item["output"] = op.describe_output();
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
                for (label, shape, described) in [
                    ("request", op.input, op.describe_input()),
                    ("response", op.output, op.describe_output()),
                ] {
                    text.push_str(&format!("\n    {label} {}:", shape.name));
                    for line in crate::aws::shape::outline(&described) {
                        text.push_str(&format!("\n      {line}"));
                    }
                }
            }
            if !crate::output::print_line(&text) {
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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
