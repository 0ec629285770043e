//! User import: the upload to a job's pre-signed URL and the wait for the job to finish.
//!
//! The seed notebook's `curl -T file -H "x-amz-server-side-encryption:aws:kms" URL` becomes
//! `cognito::upload_csv(url, path)`, and its repeated `describe-user-import-job` becomes
//! `cognito::wait_user_import_job(pool_id, job_id)`.

use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Dynamic, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use crate::aws::{AwsError, find_operation};
use crate::engine::{Context, fail, text_arg, throw};
use crate::helpers::resolve;
use crate::safety::redact_url;

/// Statuses after which an import job changes no more.
pub const FINAL_STATUSES: &[&str] = &["Succeeded", "Failed", "Stopped", "Expired"];

fn upload_error(status: Option<u16>, message: String) -> AwsError {
    AwsError {
        status,
        ..AwsError::local("s3", "UploadCSV", "UploadFailed", &message)
    }
}

/// PUTs `path` to a pre-signed URL with the SSE header import jobs require.
/// Returns the HTTP status and the number of bytes sent; a non-2xx answer is an error that
/// names the status and what the server said (never the URL's signature).
pub async fn upload(url: &str, path: &std::path::Path) -> Result<(u16, u64), AwsError> {
    let shown = redact_url(url);
    let body = tokio::fs::read(path)
        .await
        .map_err(|e| upload_error(None, format!("cannot read {}: {e}", path.display())))?;
    let bytes = body.len() as u64;
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(600))
        .build()
        .map_err(|e| upload_error(None, e.to_string()))?;
    let response = client
        .put(url)
        .header("x-amz-server-side-encryption", "aws:kms")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            upload_error(
                None,
                format!("could not reach {shown}: {}", e.without_url()),
            )
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok((status.as_u16(), bytes));
    }
    let text = response.text().await.unwrap_or_default();
    let code = between(&text, "<Code>", "</Code>");
    let message = between(&text, "<Message>", "</Message>");
    let detail = match (code, message) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(c), None) => format!(": {c}"),
        _ => String::new(),
    };
    Err(upload_error(
        Some(status.as_u16()),
        format!(
            "upload to {shown} answered HTTP {}{detail}",
            status.as_u16()
        ),
    ))
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// Registers `cognito::upload_csv` and `cognito::wait_user_import_job`.
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
                let (status, bytes) = c
                    .runtime
                    .block_on(upload(&url, &full))
                    .map_err(|e| throw(e, pos))?;
                let mut out = Map::new();
                out.insert("status".into(), (status as i64).into());
                out.insert("bytes".into(), (bytes as i64).into());
                Ok(out)
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
            wait_for_job(&c, pool, job, interval, timeout).map_err(|e| match e {
                Waited::Aws(e) => throw(e, pos),
                Waited::Other(m) => fail(m, pos),
            })
        };
        let reg = FuncRegistration::new("wait_user_import_job")
            .in_internal_namespace()
            .with_comments([
                "/// Polls an import job until Succeeded, Failed, Stopped or Expired.",
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
}

enum Waited {
    Aws(AwsError),
    Other(String),
}

fn wait_for_job(
    ctx: &Context,
    pool: Dynamic,
    job: Dynamic,
    interval: f64,
    timeout: Duration,
) -> Result<Dynamic, Waited> {
    let op = find_operation("cognito", "describe_user_import_job")
        .ok_or_else(|| Waited::Other("describe_user_import_job is not registered".into()))?;
    let mut request = Map::new();
    request.insert("UserPoolId".into(), pool);
    request.insert("JobId".into(), job.clone());
    let started = Instant::now();
    let mut last_status = String::new();
    loop {
        let out = ctx.call(op, &request, &Map::new()).map_err(Waited::Aws)?;
        let import_job = out
            .read_lock::<Map>()
            .and_then(|m| m.get("UserImportJob").cloned())
            .ok_or_else(|| {
                Waited::Other("DescribeUserImportJob returned no UserImportJob".into())
            })?;
        let status = import_job
            .read_lock::<Map>()
            .and_then(|m| m.get("Status").cloned())
            .and_then(|s| s.into_string().ok())
            .unwrap_or_default();
        if status != last_status {
            eprintln!(
                "import job {job}: {status} ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
            last_status = status.clone();
        }
        if FINAL_STATUSES.contains(&status.as_str()) {
            return Ok(import_job);
        }
        if started.elapsed() >= timeout {
            return Err(Waited::Other(format!(
                "import job {job} is still {status} after {:.0}s (timeout); stop it with cognito::stop_user_import_job or wait longer with #{{ timeout: seconds }}",
                timeout.as_secs_f64()
            )));
        }
        std::thread::sleep(Duration::from_secs_f64(interval));
    }
}
