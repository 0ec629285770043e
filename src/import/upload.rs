//! The upload to an import job's pre-signed URL: the seed's
//! `curl -T file -H "x-amz-server-side-encryption:aws:kms" URL`, streamed from disk.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::io::ReaderStream;

use rhai::Map;

use super::progress::Progress;
use crate::aws::AwsError;
use crate::aws::call::Answer;
use crate::aws::facts::Class;
use crate::context::{Action, Context};
use crate::value::redact_url;

fn upload_error(status: Option<u16>, message: String) -> AwsError {
    AwsError {
        status,
        ..AwsError::local("s3", "UploadCSV", "UploadFailed", &message)
    }
}

/// PUTs `path` to a pre-signed URL with the SSE header import jobs require, streaming the file
/// (progress by bytes). Returns the HTTP status and the bytes sent; a non-2xx answer is an
/// `UploadFailed` error naming the status and S3's code and message (never the signature).
pub async fn upload(
    url: &str,
    path: &Path,
    progress: Option<(&Progress, &str)>,
    limit: Duration,
) -> Result<(u16, u64), AwsError> {
    let shown = redact_url(url);
    let file = crate::files::regular(path, crate::files::CSV_CAP)
        .map(tokio::fs::File::from_std)
        .map_err(|e| upload_error(None, format!("cannot read {}: {e}", path.display())))?;
    let bytes = file
        .metadata()
        .await
        .map_err(|e| upload_error(None, format!("cannot read {}: {e}", path.display())))?
        .len();
    if let Some((p, label)) = progress {
        p.upload(label, bytes);
    }
    let counter = progress.and_then(|(p, _)| p.counter());
    let stream = ReaderStream::with_capacity(file, 256 * 1024).inspect(move |chunk| {
        if let (Ok(chunk), Some(bar)) = (chunk, &counter) {
            bar.inc(chunk.len() as u64);
        }
    });
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(limit))
        .timeout(limit)
        .build()
        .map_err(|e| upload_error(None, e.to_string()))?;
    let response = client
        .put(url)
        .header("x-amz-server-side-encryption", "aws:kms")
        .header(reqwest::header::CONTENT_LENGTH, bytes)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                return AwsError {
                    retryable: true,
                    ..AwsError::local(
                        "s3",
                        "UploadCSV",
                        "Timeout",
                        &format!(
                            "upload to {shown}: no answer within {} s (--timeout plus 1 s per MiB of the file)",
                            limit.as_secs()
                        ),
                    )
                };
            }
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

/// PUTs a CSV file to an import job's pre-signed URL, through the choke point (planned in a
/// dry run, journaled with the URL's signature masked). Returns `#{ status, bytes }`.
pub fn upload_csv(
    ctx: &Context,
    url: &str,
    path: &std::path::Path,
    progress: Option<(&Progress, &str)>,
) -> Result<Map, AwsError> {
    let size = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    let mut request = Map::new();
    request.insert("PreSignedUrl".into(), url.into());
    request.insert("File".into(), path.display().to_string().into());
    request.insert("Bytes".into(), size.into());
    let mut planned = Map::new();
    planned.insert("status".into(), 200_i64.into());
    planned.insert("bytes".into(), size.into());
    let action = Action {
        function: "cognito::upload_csv".into(),
        service: "s3",
        api: "PutObject",
        op: None,
        class: Class::Update,
        request: &request,
        planned: Some(planned),
        cleanup: false,
        confirmed: false,
    };
    // Bounded: --timeout, plus a second per MiB for the bytes themselves.
    let limit = ctx.clients.settings().timeout + Duration::from_secs(size.max(0) as u64 >> 20);
    let answer = ctx.guarded(action, || async move {
        let (status, bytes) = upload(url, path, progress, limit).await?;
        let mut response = Map::new();
        response.insert("status".into(), (status as i64).into());
        response.insert("bytes".into(), (bytes as i64).into());
        Ok(Answer {
            response,
            attempts: 1,
            request_id: None,
            throttled: 0,
        })
    })?;
    Ok(answer.try_cast::<Map>().unwrap_or_default())
}
