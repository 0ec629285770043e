//! `import_users`: check the file against the pool, split it into jobs, and run them one after
//! another (create, upload, start — waiting while another job is active — and wait), summing
//! the counts; when rows failed or were skipped, read why from the jobs' logs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rhai::{Array, Dynamic, EvalAltResult, Map};

use super::options::ImportOptions;
use super::progress::Progress;
use super::validate::{PoolRules, Report as FileReport};
use super::{report, rules, split, upload};
use crate::aws::AwsError;
use crate::context::Context;
use crate::engine::glue::throw;
use crate::safety::interrupt;
use crate::value::{map_of as request, member, member_int as count, member_text as text};

/// Statuses after which an import job changes no more.
pub const FINAL_STATUSES: &[&str] = &["Succeeded", "Failed", "Stopped", "Expired"];

/// How long `import_users` keeps retrying a start refused because another job is active.
const START_RETRY_LIMIT: Duration = Duration::from_secs(3600);

/// Calls a cognito operation by name with a request map.
fn cognito(ctx: &Context, name: &str, request: Map) -> Result<Dynamic, AwsError> {
    ctx.call_named("cognito", name, request)
}

/// What an import step can fail with: an AWS error, or a failure of ours with extra data.
pub enum Failure {
    Aws(AwsError),
    Other {
        code: &'static str,
        message: String,
        job: Option<Dynamic>,
    },
}

impl From<AwsError> for Failure {
    fn from(e: AwsError) -> Self {
        Failure::Aws(e)
    }
}

impl Failure {
    fn other(code: &'static str, message: impl Into<String>) -> Self {
        Failure::Other {
            code,
            message: message.into(),
            job: None,
        }
    }

    /// The catchable map: the AWS error fields, plus, when a job ended badly, `job` (the final
    /// UserImportJob) and its `CompletionMessage` and counts at the top level.
    pub fn into_rhai(self, pos: rhai::Position) -> Box<EvalAltResult> {
        match self {
            Failure::Aws(e) => throw(e, pos),
            Failure::Other { code, message, job } => {
                let mut map =
                    AwsError::local("cognito-idp", "ImportUsers", code, &message).to_map();
                if let Some(job) = job {
                    for key in [
                        "CompletionMessage",
                        "ImportedUsers",
                        "SkippedUsers",
                        "FailedUsers",
                    ] {
                        map.insert(key.into(), member(&job, key));
                    }
                    map.insert("job".into(), job);
                }
                Box::new(EvalAltResult::ErrorRuntime(map.into(), pos))
            }
        }
    }
}

/// Polls a job until it reaches a final status, reporting changes; returns the job map.
pub fn wait_for_job(
    ctx: &Context,
    pool_id: &Dynamic,
    job_id: &Dynamic,
    interval: f64,
    timeout: Duration,
    progress: &Progress,
) -> Result<Dynamic, Failure> {
    let started = Instant::now();
    let label = format!("import job {job_id}");
    let mut last = String::new();
    loop {
        let out = cognito(
            ctx,
            "describe_user_import_job",
            request(&[("UserPoolId", pool_id.clone()), ("JobId", job_id.clone())]),
        )?;
        let mut job = member(&out, "UserImportJob");
        if ctx.dry_run()
            && crate::safety::plan::is_placeholder(&job_id.to_string())
            && let Some(mut map) = job.write_lock::<Map>()
        {
            // A planned job is reported done (no users) so the runbook keeps planning.
            map.insert("Status".into(), "Succeeded".into());
            for key in ["ImportedUsers", "SkippedUsers", "FailedUsers"] {
                map.insert(key.into(), 0_i64.into());
            }
        }
        let status = text(&job, "Status");
        let line = format!(
            "{status}: imported {}, skipped {}, failed {}",
            count(&job, "ImportedUsers"),
            count(&job, "SkippedUsers"),
            count(&job, "FailedUsers")
        );
        if line != last {
            progress.status(&label, &line);
            last = line;
        }
        if FINAL_STATUSES.contains(&status.as_str()) {
            return Ok(job);
        }
        if started.elapsed() >= timeout {
            return Err(Failure::other(
                "ImportJobTimeout",
                format!(
                    "import job {job_id} is still {status} after {:.0}s; stop it with cognito::stop_user_import_job or wait longer with #{{ timeout: seconds }}",
                    timeout.as_secs_f64()
                ),
            ));
        }
        interrupt::sleep(Duration::from_secs_f64(interval))
            .map_err(|signal| Failure::Aws(AwsError::interrupted(signal)))?;
    }
}

/// The whole import: validate, split, and run one job per chunk, one after another.
pub fn import_users(
    ctx: &Context,
    pool_id: &str,
    path: &Path,
    opts: &ImportOptions,
) -> Result<Map, Failure> {
    let progress = Progress::new();
    let rules = rules::pool_rules(ctx, pool_id)?;
    let report = checked_file(path, &rules, opts, &progress)?;
    progress.log(&format!(
        "import: {} users from {} into {pool_id}, {} job{}",
        report.users,
        path.display(),
        report.jobs,
        if report.jobs == 1 { "" } else { "s" }
    ));

    let mut splitter = if report.jobs > 1 && !ctx.dry_run() {
        Some(
            split::Splitter::open(path, opts.limits)
                .map_err(|e| Failure::other("CsvUnreadable", e.to_string()))?,
        )
    } else {
        None
    };
    let mut jobs = Array::new();
    let (mut imported, mut skipped, mut failed) = (0, 0, 0);
    // Rows that went to earlier jobs: a job's line numbers plus this are the file's.
    let mut offset = 0;
    let mut rows = report::Report::default();
    let mut unread_logs = Vec::new();
    let mut pool_name: Option<Result<String, AwsError>> = None;
    for index in 1..=report.jobs {
        let (chunk, chunk_rows): (PathBuf, u64) = match &mut splitter {
            None => (path.to_path_buf(), 0),
            Some(s) => match s
                .next_chunk()
                .map_err(|e| Failure::other("CsvUnreadable", e.to_string()))?
            {
                Some(chunk) => chunk,
                None => break,
            },
        };
        let name = if report.jobs == 1 {
            opts.job_name.clone()
        } else {
            format!("{}-{index}-of-{}", opts.job_name, report.jobs)
        };
        let job = run_job(ctx, pool_id, &chunk, &name, opts, &progress)?;
        if splitter.is_some() {
            let _ = std::fs::remove_file(&chunk);
        }
        imported += count(&job, "ImportedUsers");
        skipped += count(&job, "SkippedUsers");
        failed += count(&job, "FailedUsers");
        if !ctx.dry_run() && count(&job, "SkippedUsers") + count(&job, "FailedUsers") > 0 {
            let job_id = text(&job, "JobId");
            // The pool's name (its log group's) is looked up once, for the first such job.
            let read = match pool_name.get_or_insert_with(|| report::pool_name(ctx, pool_id)) {
                Ok(name) => {
                    report::log_report(ctx, pool_id, name, &job_id, &text(&job, "JobName"), offset)
                }
                Err(e) => Err(e.clone()),
            };
            match read {
                Ok(r) => rows.extend(r),
                Err(e) => unread_logs.push(format!("{job_id}: {}", e.message)),
            }
        }
        offset += chunk_rows;
        jobs.push(job);
    }
    let mut out = Map::new();
    out.insert("jobs".into(), jobs.into());
    out.insert("ImportedUsers".into(), imported.into());
    out.insert("SkippedUsers".into(), skipped.into());
    out.insert("FailedUsers".into(), failed.into());
    if skipped + failed > 0 && !ctx.dry_run() {
        for problem in &unread_logs {
            progress.log(&format!(
                "import: the job's CloudWatch log could not be read ({problem}); see the log group /aws/cognito/userpools/{pool_id}/…"
            ));
        }
        report::name_rows(&mut rows, path);
        say_rows(&rows, path, &progress, &mut out);
        out.insert("report".into(), rows.to_map().into());
    }
    Ok(out)
}

/// The file checked against the pool's rules: refused with its first problems, unless
/// `Validate: false` sends it anyway; refused when it has no users.
fn checked_file(
    path: &Path,
    rules: &PoolRules,
    opts: &ImportOptions,
    progress: &Progress,
) -> Result<FileReport, Failure> {
    let report = rules::check_file(path, rules, opts.limits)
        .map_err(|m| Failure::other("CsvUnreadable", m))?;
    let problems = report.problem_count();
    let plural = if problems == 1 { "" } else { "s" };
    if !report.is_valid() && !opts.validate {
        progress.log(&format!(
            "import: {} has {problems} problem{plural}; sending it anyway (Validate: false), the service judges each row",
            path.display(),
        ));
    } else if !report.is_valid() {
        let mut lines: Vec<String> = report
            .problems
            .iter()
            .take(20)
            .map(ToString::to_string)
            .collect();
        let rest = problems - lines.len() as u64;
        if rest > 0 {
            lines.push(format!("… and {rest} more"));
        }
        return Err(Failure::other(
            "CsvValidationFailed",
            format!(
                "{} has {problems} problem{plural}; nothing was uploaded:\n  {}",
                path.display(),
                lines.join("\n  ")
            ),
        ));
    }
    if report.users == 0 {
        return Err(Failure::other(
            "CsvEmpty",
            format!("{} has a header but no users", path.display()),
        ));
    }
    Ok(report)
}

/// Says which rows failed (the commonest reasons) or were skipped, and writes the failed
/// ones to a CSV beside the file (its path in `out.failed_csv`).
fn say_rows(rows: &report::Report, path: &Path, progress: &Progress, out: &mut Map) {
    if !rows.failed.is_empty() {
        progress.log(&format!(
            "import: {} row{} failed:",
            rows.failed.len(),
            if rows.failed.len() == 1 { "" } else { "s" }
        ));
        for (reason, n) in rows.reasons().iter().take(10) {
            progress.log(&format!("  {n} × {reason}"));
        }
        match report::write_failed_csv(path, rows) {
            Ok(failed_csv) => {
                progress.log(&format!(
                    "import: the failed rows, ready to fix and import again: {}",
                    failed_csv.display()
                ));
                out.insert("failed_csv".into(), failed_csv.display().to_string().into());
            }
            Err(e) => progress.log(&format!("import: cannot write the failed rows: {e}")),
        }
    }
    if !rows.skipped.is_empty() {
        progress.log(&format!(
            "import: {} row{} skipped (the user already exists)",
            rows.skipped.len(),
            if rows.skipped.len() == 1 { "" } else { "s" }
        ));
    }
}

/// One job: create, upload (a fresh job once if the URL was refused as expired), start
/// (retrying with backoff while another job is active), wait.
fn run_job(
    ctx: &Context,
    pool_id: &str,
    chunk: &Path,
    name: &str,
    opts: &ImportOptions,
    progress: &Progress,
) -> Result<Dynamic, Failure> {
    let pool: Dynamic = pool_id.into();
    let create = || -> Result<Dynamic, Failure> {
        let out = cognito(
            ctx,
            "create_user_import_job",
            request(&[
                ("UserPoolId", pool.clone()),
                ("JobName", name.into()),
                ("CloudWatchLogsRoleArn", opts.role_arn.clone().into()),
            ]),
        )?;
        Ok(member(&out, "UserImportJob"))
    };
    let mut job = create()?;
    let mut attempt = 0;
    loop {
        let label = format!("{name} ({})", text(&job, "JobId"));
        let url = text(&job, "PreSignedUrl");
        match upload::upload_csv(ctx, &url, chunk, Some((progress, &label))) {
            Ok(_) => break,
            Err(e) if e.status == Some(403) && attempt == 0 => {
                progress.log(&format!(
                    "{label}: upload refused ({}); creating a fresh job",
                    e.message
                ));
                attempt += 1;
                job = create()?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let job_id = member(&job, "JobId");
    let label = format!("{name} ({job_id})");
    let started = Instant::now();
    let mut delay = Duration::from_secs(1);
    loop {
        match cognito(
            ctx,
            "start_user_import_job",
            request(&[("UserPoolId", pool.clone()), ("JobId", job_id.clone())]),
        ) {
            Ok(_) => break,
            Err(e)
                if e.code == "LimitExceededException" && started.elapsed() < START_RETRY_LIMIT =>
            {
                progress.status(
                    &label,
                    &format!(
                        "waiting for the account's active import job to finish (retry in {}s)",
                        delay.as_secs()
                    ),
                );
                interrupt::sleep(delay)
                    .map_err(|signal| Failure::Aws(AwsError::interrupted(signal)))?;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let done = wait_for_job(
        ctx,
        &pool,
        &job_id,
        opts.interval,
        Duration::from_secs(24 * 3600),
        progress,
    )?;
    let status = text(&done, "Status");
    progress.log(&format!(
        "{label}: {status}: imported {}, skipped {}, failed {}",
        count(&done, "ImportedUsers"),
        count(&done, "SkippedUsers"),
        count(&done, "FailedUsers")
    ));
    if status != "Succeeded" {
        let message = format!(
            "import job {job_id} ended {status}: {} (imported {}, skipped {}, failed {})",
            text(&done, "CompletionMessage"),
            count(&done, "ImportedUsers"),
            count(&done, "SkippedUsers"),
            count(&done, "FailedUsers")
        );
        return Err(Failure::Other {
            code: "ImportJobFailed",
            message,
            job: Some(done),
        });
    }
    Ok(done)
}
