//! `runbook csv template`, `runbook csv validate` and `runbook csv export`.

use std::path::PathBuf;

use clap::Subcommand;

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::aws::Settings;
use crate::context::Context;
use crate::error::Error;
use crate::import::rules::{check_file, pool_rules};
use crate::import::validate::{Limits, Report};

// The arguments of `runbook csv`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CsvCommand,
    #[command(flatten)]
    aws: AwsFlags,
}

#[derive(Subcommand, Debug)]
pub enum CsvCommand {
    /// Print (or write) the pool's import CSV header, ready to fill in.
    Template {
        /// The user pool id.
        #[arg(long)]
        pool: String,
        /// Write the header to this file (a new file) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace --out when it exists (only a regular file of your own).
        #[arg(long)]
        force: bool,
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
        /// Replace FILE and its groups file when they exist (only regular files of your own).
        #[arg(long)]
        force: bool,
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

/// Runs a `csv` subcommand. A file with problems exits 1 (the report is the output).
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    with_aws(&leading.under(&args.aws)?, |settings| {
        run_command(args.command, settings)
    })
}

fn run_command(command: CsvCommand, settings: Settings) -> Result<(), Error> {
    let ctx = Context::new(
        settings,
        rhai::Map::new(),
        crate::context::Safety::interactive(false),
    )?;
    let aws_error = |e: crate::aws::AwsError| Error::Runtime {
        message: e.to_string(),
        location: None,
    };
    match command {
        CsvCommand::Template { pool, out, force } => {
            let rules = pool_rules(&ctx, &pool).map_err(aws_error)?;
            let header = format!("{}\n", rules.header.join(","));
            match out {
                Some(path) => {
                    crate::output::write_file(&path, crate::files::PRIVATE, force, &header)?
                }
                None => crate::output::write_stdout(&header)?,
            }
            Ok(())
        }
        CsvCommand::Export {
            pool,
            out,
            target_pool,
            filter,
            force,
        } => {
            let options = crate::import::export::ExportOptions {
                target_pool,
                filter,
                force,
                ..Default::default()
            };
            let exported = crate::import::export::export_users(&ctx, &pool, &out, &options)
                .map_err(aws_error)?;
            for left in &exported.left_out {
                crate::say!("left out: {}: {}", left.username, left.reason);
            }
            crate::say!(
                "exported {} user{} to {}, groups to {}{}",
                exported.users,
                if exported.users == 1 { "" } else { "s" },
                exported.csv.display(),
                exported.groups.display(),
                match exported.left_out.len() {
                    0 => String::new(),
                    n => format!("; {n} left out (above)"),
                }
            );
            Ok(())
        }
        CsvCommand::Validate {
            file,
            pool,
            json,
            max_rows_per_job,
            max_problems,
        } => {
            // A file that cannot be read is a usage error, found before anything is sent.
            crate::files::regular(&file, crate::files::CSV_CAP).map_err(|e| Error::Read {
                path: file.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let rules = pool_rules(&ctx, &pool).map_err(aws_error)?;
            let limits = Limits {
                rows_per_job: max_rows_per_job,
                max_problems,
                ..Limits::default()
            };
            let report = check_file(&file, &rules, limits).map_err(|message| Error::Read {
                path: file.clone(),
                source: std::io::Error::other(message),
            })?;
            let name = file.display().to_string();
            let text = if json {
                json_report(&name, &report)
            } else {
                text_report(&name, &report)
            };
            crate::output::write_stdout(&text)?;
            if report.is_valid() {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "{name}: {} problem{} found",
                    report.problem_count(),
                    plural(report.problem_count())
                )))
            }
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn summary(name: &str, report: &Report) -> String {
    format!(
        "{name}: {} user{}, {} bytes, {} import job{}",
        report.users,
        plural(report.users),
        report.bytes,
        report.jobs,
        plural(report.jobs)
    )
}

fn text_report(name: &str, report: &Report) -> String {
    if report.is_valid() {
        return format!("ok: {}\n", summary(name, report));
    }
    let mut out = String::new();
    for p in &report.problems {
        out.push_str(&format!("{p}\n"));
    }
    if report.more_problems > 0 {
        out.push_str(&format!(
            "… and {} more problem{}\n",
            report.more_problems,
            plural(report.more_problems)
        ));
    }
    out
}

fn json_report(name: &str, report: &Report) -> String {
    let problems: Vec<serde_json::Value> = report
        .problems
        .iter()
        .map(|p| serde_json::json!({ "line": p.line, "column": p.column, "message": p.message, "text": p.to_string() }))
        .collect();
    let value = serde_json::json!({
        "file": name,
        "valid": report.is_valid(),
        "users": report.users,
        "bytes": report.bytes,
        "jobs": report.jobs,
        "problems": problems,
        "more_problems": report.more_problems,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}
