//! User import, from the seed's five manual steps to one call.
//!
//! - `cognito::upload_csv(url, path)`: the seed's `curl -T file -H "x-amz-server-side-encryption:aws:kms" URL`.
//! - `cognito::wait_user_import_job(pool_id, job_id)`: its repeated `describe-user-import-job`.
//! - `cognito::import_users(pool_id, csv_path, opts)`: check the file against the pool
//!   ([`validate`]), split it into jobs ([`split`]), and for each: create the job, upload, start
//!   (waiting while another job is active), wait, and sum the counts; when rows failed or
//!   were skipped, read why from the jobs' CloudWatch Logs ([`report`]), write
//!   `<name>.failed.csv` and print the reasons.
//! - `cognito::import_report(pool_id, job_id[, csv_path])`: that per-row report for one job.
//! - `cognito::export_users(pool_id, csv_path[, opts])` and `cognito::restore_groups(pool_id,
//!   file)`: a pool's users as an import-ready CSV and its groups beside it ([`export`]).
//!
//! `runbook csv template` and `runbook csv validate` use the same pieces from the command line.

pub mod export;
pub mod progress;
pub mod report;
pub mod split;
pub mod upload;
pub mod validate;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Array, Dynamic, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use crate::aws::{AwsError, member, request_map as request};
use crate::context::{Context, text_arg, throw};
use crate::helpers::resolve;
use crate::safety::interrupt;
use progress::Progress;
use validate::{Limits, Mfa, PoolRules, Report};

/// Statuses after which an import job changes no more.
pub const FINAL_STATUSES: &[&str] = &["Succeeded", "Failed", "Stopped", "Expired"];

/// How long `import_users` keeps retrying a start refused because another job is active.
const START_RETRY_LIMIT: Duration = Duration::from_secs(3600);

/// Calls a cognito operation by name with a request map.
fn cognito(ctx: &Context, name: &str, request: Map) -> Result<Dynamic, AwsError> {
    ctx.call_named("cognito", name, request)
}

/// A string member, secrets (the pre-signed URL) included as themselves.
fn text(value: &Dynamic, key: &str) -> String {
    crate::aws::secret_or_string(&member(value, key)).unwrap_or_default()
}

fn count(value: &Dynamic, key: &str) -> i64 {
    member(value, key).as_int().unwrap_or(0)
}

/// Reads what the CSV is checked against from the pool: `GetCSVHeader` and `DescribeUserPool`.
pub fn pool_rules(ctx: &Context, pool_id: &str) -> Result<PoolRules, AwsError> {
    let id: Dynamic = pool_id.into();
    let header = cognito(
        ctx,
        "get_csv_header",
        request(&[("UserPoolId", id.clone())]),
    )?;
    let header: Vec<String> = member(&header, "CSVHeader")
        .into_array()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| h.into_string().ok())
        .collect();
    let pool = member(
        &cognito(ctx, "describe_user_pool", request(&[("UserPoolId", id)]))?,
        "UserPool",
    );
    let required = member(&pool, "SchemaAttributes")
        .into_array()
        .unwrap_or_default()
        .iter()
        .filter(|a| member(a, "Required").as_bool().unwrap_or(false))
        .map(|a| text(a, "Name"))
        .filter(|name| header.contains(name))
        .collect();
    let mfa = match text(&pool, "MfaConfiguration").as_str() {
        "ON" => Mfa::On,
        "OPTIONAL" => Mfa::Optional,
        _ => Mfa::Off,
    };
    let auto_verified = member(&pool, "AutoVerifiedAttributes")
        .into_array()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.into_string().ok())
        .collect();
    Ok(PoolRules {
        pool_id: pool_id.to_string(),
        header,
        required,
        mfa,
        auto_verified,
    })
}

/// Checks a file against the pool's rules, reading it once.
pub fn check_file(path: &Path, rules: &PoolRules, limits: Limits) -> Result<Report, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    validate::validate(
        std::io::BufReader::with_capacity(1 << 20, file),
        rules,
        limits,
        size,
    )
    .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// What an import step can fail with: an AWS error, or a failure of ours with extra data.
enum Failure {
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
    fn into_rhai(self, pos: rhai::Position) -> Box<EvalAltResult> {
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
fn wait_for_job(
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

/// `import_users` options, checked like a request map.
struct ImportOptions {
    role_arn: String,
    job_name: String,
    limits: Limits,
    interval: f64,
    /// Refuse a file whose rows break the import rules before uploading (default); `false`
    /// sends it as it is, lets the service judge each row and reports the rows it refused.
    validate: bool,
}

const OPTION_KEYS: &[&str] = &[
    "CloudWatchLogsRoleArn",
    "JobName",
    "MaxRowsPerJob",
    "PollInterval",
    "Validate",
];

/// A file beside `path` named after it: `users.csv` + `failed.csv` → `users.failed.csv`.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "users".into());
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// Refuses an options map with a key not in `known`, naming the closest known one.
pub fn check_option_keys(opts: &Map, known: &[&str]) -> Result<(), String> {
    match opts.keys().find(|key| !known.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) => {
            let hint = crate::aws::shape::closest(key, known.iter().copied())
                .map(|c| format!(" (did you mean \"{c}\"?)"))
                .unwrap_or_default();
            Err(format!(
                "unknown option \"{key}\"{hint}; valid options: {}",
                known.join(", ")
            ))
        }
    }
}

fn import_options(opts: &Map) -> Result<ImportOptions, String> {
    check_option_keys(opts, OPTION_KEYS)?;
    let role_arn = opts
        .get("CloudWatchLogsRoleArn")
        .and_then(|v| v.clone().into_string().ok())
        .ok_or(
            "missing option \"CloudWatchLogsRoleArn\": the role import jobs write their logs with",
        )?;
    let job_name = match opts.get("JobName") {
        None => "runbook-import".to_string(),
        Some(v) => v
            .clone()
            .into_string()
            .map_err(|_| "option \"JobName\" must be a string")?,
    };
    let rows = match opts.get("MaxRowsPerJob") {
        None => validate::MAX_ROWS_PER_JOB,
        Some(v) => {
            let n = v
                .as_int()
                .map_err(|_| "option \"MaxRowsPerJob\" must be an integer")?;
            u64::try_from(n)
                .ok()
                .filter(|n| (1..=validate::MAX_ROWS_PER_JOB).contains(n))
                .ok_or(format!(
                    "option \"MaxRowsPerJob\" must be between 1 and {} (Cognito's limit)",
                    validate::MAX_ROWS_PER_JOB
                ))?
        }
    };
    let interval = match opts.get("PollInterval") {
        None => 1.0,
        Some(v) => v
            .as_float()
            .ok()
            .or_else(|| v.as_int().ok().map(|i| i as f64))
            .filter(|s| (0.05..=60.0).contains(s))
            .ok_or("option \"PollInterval\" must be a number of seconds between 0.05 and 60")?,
    };
    let validate = match opts.get("Validate") {
        None => true,
        Some(v) => v
            .as_bool()
            .map_err(|_| "option \"Validate\" must be true or false")?,
    };
    Ok(ImportOptions {
        role_arn,
        job_name,
        limits: Limits {
            rows_per_job: rows,
            ..Limits::default()
        },
        interval,
        validate,
    })
}

/// The whole import: validate, split, and run one job per chunk, one after another.
fn import_users(
    ctx: &Context,
    pool_id: &str,
    path: &Path,
    opts: &ImportOptions,
) -> Result<Map, Failure> {
    let progress = Progress::new();
    let rules = pool_rules(ctx, pool_id)?;
    let report =
        check_file(path, &rules, opts.limits).map_err(|m| Failure::other("CsvUnreadable", m))?;
    if !report.is_valid() && !opts.validate {
        progress.log(&format!(
            "import: {} has {} problem{}; sending it anyway (Validate: false), the service judges each row",
            path.display(),
            report.problem_count(),
            if report.problem_count() == 1 { "" } else { "s" }
        ));
    } else if !report.is_valid() {
        let mut lines: Vec<String> = report
            .problems
            .iter()
            .take(20)
            .map(ToString::to_string)
            .collect();
        let rest = report.problem_count() - lines.len() as u64;
        if rest > 0 {
            lines.push(format!("… and {rest} more"));
        }
        return Err(Failure::other(
            "CsvValidationFailed",
            format!(
                "{} has {} problem{}; nothing was uploaded:\n  {}",
                path.display(),
                report.problem_count(),
                if report.problem_count() == 1 { "" } else { "s" },
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
        if !rows.failed.is_empty() {
            progress.log(&format!(
                "import: {} row{} failed:",
                rows.failed.len(),
                if rows.failed.len() == 1 { "" } else { "s" }
            ));
            for (reason, n) in rows.reasons().iter().take(10) {
                progress.log(&format!("  {n} × {reason}"));
            }
            match report::write_failed_csv(path, &rows) {
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
        out.insert("report".into(), rows.to_map().into());
    }
    Ok(out)
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
        match ctx.upload(&url, chunk, Some((progress, &label))) {
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

/// Registers `cognito::upload_csv`, `cognito::wait_user_import_job` and `cognito::import_users`.
pub fn register(module: &mut Module, ctx: &Rc<Context>) {
    let c = ctx.clone();
    FuncRegistration::new("upload_csv")
        .in_internal_namespace()
        .with_comments(["/// PUT a CSV file to an import job's pre-signed URL (x-amz-server-side-encryption: aws:kms)."])
        .set_into_module(
            module,
            move |call: NativeCallContext, url: Dynamic, path: Dynamic| -> Result<Map, Box<EvalAltResult>> {
                let pos = call.call_position();
                let url = text_arg(&url, "upload_csv: the pre-signed URL", pos)?;
                let path = text_arg(&path, "upload_csv: the CSV path", pos)?;
                let full = resolve(&call, &path);
                c.upload(&url, &full, None).map_err(|e| throw(e, pos))
            },
        );

    for arity in [2, 3] {
        let c = ctx.clone();
        let wait = move |call: &NativeCallContext, pool: Dynamic, job: Dynamic, opts: Map| {
            let pos = call.call_position();
            let seconds = |key: &str, default: f64| {
                opts.get(key)
                    .and_then(|v| {
                        v.as_float()
                            .ok()
                            .or_else(|| v.as_int().ok().map(|i| i as f64))
                    })
                    .unwrap_or(default)
            };
            let interval = seconds("interval", 1.0).clamp(0.05, 60.0);
            let timeout = Duration::from_secs_f64(seconds("timeout", 3600.0).clamp(0.0, 86_400.0));
            wait_for_job(&c, &pool, &job, interval, timeout, &Progress::new())
                .map_err(|e| e.into_rhai(pos))
        };
        let reg = FuncRegistration::new("wait_user_import_job").in_internal_namespace().with_comments([
            "/// Polls an import job until Succeeded, Failed, Stopped or Expired (options: interval, timeout in seconds).",
        ]);
        if arity == 2 {
            reg.set_into_module(
                module,
                move |call: NativeCallContext, pool: Dynamic, job: Dynamic| {
                    wait(&call, pool, job, Map::new())
                },
            );
        } else {
            reg.set_into_module(
                module,
                move |call: NativeCallContext, pool: Dynamic, job: Dynamic, opts: Map| {
                    wait(&call, pool, job, opts)
                },
            );
        }
    }

    for arity in [2, 3] {
        let c = ctx.clone();
        let run = move |call: &NativeCallContext,
                        pool: Dynamic,
                        job: Dynamic,
                        csv: Option<Dynamic>|
              -> Result<Map, Box<EvalAltResult>> {
            let pos = call.call_position();
            let pool = text_arg(&pool, "import_report: the pool id", pos)?;
            let job = text_arg(&job, "import_report: the job id", pos)?;
            let csv = match csv {
                Some(p) => Some(resolve(
                    call,
                    &text_arg(&p, "import_report: the CSV path", pos)?,
                )),
                None => None,
            };
            report::job_report(&c, &pool, &job, csv.as_deref())
                .map(|r| r.to_map())
                .map_err(|e| throw(e, pos))
        };
        let reg = FuncRegistration::new("import_report")
            .in_internal_namespace()
            .with_comments(["/// Why an import job's rows failed or were skipped, from its CloudWatch Logs: #{ succeeded, failed: [#{ line, reason, username }], skipped }."]);
        if arity == 2 {
            reg.with_params_info(["pool_id: String", "job_id: String", "Map"])
                .set_into_module(
                    module,
                    move |call: NativeCallContext, pool: Dynamic, job: Dynamic| {
                        run(&call, pool, job, None)
                    },
                );
        } else {
            reg.with_params_info([
                "pool_id: String",
                "job_id: String",
                "csv_path: String",
                "Map",
            ])
            .set_into_module(
                module,
                move |call: NativeCallContext, pool: Dynamic, job: Dynamic, csv: Dynamic| {
                    run(&call, pool, job, Some(csv))
                },
            );
        }
    }

    for arity in [2, 3] {
        let c = ctx.clone();
        let run = move |call: &NativeCallContext,
                        pool: Dynamic,
                        csv: Dynamic,
                        opts: Map|
              -> Result<Map, Box<EvalAltResult>> {
            let pos = call.call_position();
            let invalid = |m: String| {
                throw(
                    AwsError::local("cognito-idp", "ExportUsers", "ParamValidation", &m),
                    pos,
                )
            };
            let pool = text_arg(&pool, "export_users: the pool id", pos)?;
            let csv = resolve(call, &text_arg(&csv, "export_users: the CSV path", pos)?);
            let mut options = export::ExportOptions::from_map(&opts).map_err(invalid)?;
            options.groups_file = options
                .groups_file
                .map(|g| resolve(call, &g.display().to_string()));
            export::export_users(&c, &pool, &csv, &options)
                .map(|e| {
                    for left in &e.left_out {
                        eprintln!("export: {} left out: {}", left.username, left.reason);
                    }
                    e.to_map()
                })
                .map_err(|e| throw(e, pos))
        };
        let reg = FuncRegistration::new("export_users")
            .in_internal_namespace()
            .with_comments(["/// Writes every user of the pool to an import-ready CSV (the target pool's header) and its groups beside it; returns #{ csv, groups, users, left_out: [#{ username, reason }] }."]);
        if arity == 2 {
            reg.with_params_info(["pool_id: String", "csv_path: String", "Map"])
                .set_into_module(
                    module,
                    move |call: NativeCallContext, pool: Dynamic, csv: Dynamic| {
                        run(&call, pool, csv, Map::new())
                    },
                );
        } else {
            reg.with_params_info(["pool_id: String", "csv_path: String", "options: Map", "Map"])
                .set_into_module(
                    module,
                    move |call: NativeCallContext, pool: Dynamic, csv: Dynamic, opts: Map| {
                        run(&call, pool, csv, opts)
                    },
                );
        }
    }

    let c = ctx.clone();
    FuncRegistration::new("restore_groups")
        .in_internal_namespace()
        .with_params_info(["pool_id: String", "groups_file: String", "Map"])
        .with_comments(["/// Recreates the groups of an export's companion file and their memberships in the pool, idempotently; returns #{ created, updated, unchanged, memberships_added, missing_users }."])
        .set_into_module(
            module,
            move |call: NativeCallContext, pool: Dynamic, file: Dynamic| -> Result<Map, Box<EvalAltResult>> {
                let pos = call.call_position();
                let pool = text_arg(&pool, "restore_groups: the pool id", pos)?;
                let file = resolve(&call, &text_arg(&file, "restore_groups: the groups file", pos)?);
                export::restore_groups(&c, &pool, &file)
                    .map(|r| r.to_map())
                    .map_err(|e| throw(e, pos))
            },
        );

    let c = ctx.clone();
    FuncRegistration::new("import_users")
        .in_internal_namespace()
        .with_comments(["/// Validate a CSV against the pool, split it into jobs, and run them one after another."])
        .set_into_module(
            module,
            move |call: NativeCallContext, pool: Dynamic, path: Dynamic, opts: Map| -> Result<Map, Box<EvalAltResult>> {
                let pos = call.call_position();
                let pool = text_arg(&pool, "import_users: the pool id", pos)?;
                let path = resolve(&call, &text_arg(&path, "import_users: the CSV path", pos)?);
                let options = import_options(&opts).map_err(|m| {
                    throw(AwsError::local("cognito-idp", "ImportUsers", "ParamValidation", &m), pos)
                })?;
                import_users(&c, &pool, &path, &options).map_err(|e| e.into_rhai(pos))
            },
        );
}
