//! Why import rows failed: the job's per-row results from CloudWatch Logs.
//!
//! Cognito writes one event per CSV row of a user-import job to the log group
//! `/aws/cognito/userpools/<pool id>/<pool name>`, stream `<job id>/<job name>`:
//!
//! ```text
//! [SUCCEEDED] Line Number 2 - The import succeeded.
//! [FAILED] Line Number 5 - The User Record does not set any of the auto verified attributes to true.
//! ```
//!
//! Line numbers are the uploaded file's own, the header being line 1; for a file split into
//! several jobs, each job's numbers are moved back to the original file by the rows that went
//! to earlier jobs. The log holds no user data: usernames come from the CSV when its path is known.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rhai::{Array, Dynamic, Map};

use crate::aws::AwsError;
use crate::context::Context;
use crate::value::{map_of as request, member};

/// One row's outcome as the log states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line in the original file (header = 1).
    pub line: u64,
    pub reason: String,
    pub username: Option<String>,
}

/// A job's (or a whole import's) per-row outcomes.
#[derive(Debug, Default)]
pub struct Report {
    pub succeeded: u64,
    pub failed: Vec<Row>,
    pub skipped: Vec<Row>,
}

impl Report {
    /// Adds another job's outcomes.
    pub fn extend(&mut self, other: Report) {
        self.succeeded += other.succeeded;
        self.failed.extend(other.failed);
        self.skipped.extend(other.skipped);
    }

    /// `#{ succeeded, failed: [#{ line, reason, username }], skipped: [...] }`.
    pub fn to_map(&self) -> Map {
        let rows = |rows: &[Row]| -> Array {
            rows.iter()
                .map(|r| {
                    let mut m = Map::new();
                    m.insert("line".into(), Dynamic::from(r.line as i64));
                    m.insert("reason".into(), r.reason.clone().into());
                    m.insert(
                        "username".into(),
                        r.username.clone().map_or(Dynamic::UNIT, Dynamic::from),
                    );
                    Dynamic::from_map(m)
                })
                .collect()
        };
        let mut out = Map::new();
        out.insert("succeeded".into(), Dynamic::from(self.succeeded as i64));
        out.insert("failed".into(), rows(&self.failed).into());
        out.insert("skipped".into(), rows(&self.skipped).into());
        out
    }

    /// The failed rows' reasons with their counts, most frequent first.
    pub fn reasons(&self) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &self.failed {
            *counts.entry(row.reason.as_str()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = counts
            .into_iter()
            .map(|(r, n)| (r.to_string(), n))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// Reads one log event: `[FAILED] Line Number 5 - reason`.
pub fn parse_event(message: &str) -> Option<(&str, u64, &str)> {
    let (status, rest) = message.trim().strip_prefix('[')?.split_once(']')?;
    let rest = rest.trim_start().strip_prefix("Line Number")?.trim_start();
    let (number, reason) = rest.split_once(" - ").unwrap_or((rest, ""));
    Some((status, number.trim().parse().ok()?, reason.trim()))
}

/// The per-row outcomes of one job, looked up by its id; `csv`: the file it imported, for
/// usernames.
pub fn job_report(
    ctx: &Context,
    pool_id: &str,
    job_id: &str,
    csv: Option<&Path>,
) -> Result<Report, AwsError> {
    let pool_name = pool_name(ctx, pool_id)?;
    let job = ctx.call_named(
        "cognito",
        "describe_user_import_job",
        request(&[("UserPoolId", pool_id.into()), ("JobId", job_id.into())]),
    )?;
    let job_name = text(&member(&member(&job, "UserImportJob"), "JobName"));
    let mut report = log_report(ctx, pool_id, &pool_name, job_id, &job_name, 0)?;
    if let Some(csv) = csv {
        name_rows(&mut report, csv);
    }
    Ok(report)
}

/// The pool's name, which names its log group.
pub fn pool_name(ctx: &Context, pool_id: &str) -> Result<String, AwsError> {
    let pool = ctx.call_named(
        "cognito",
        "describe_user_pool",
        request(&[("UserPoolId", pool_id.into())]),
    )?;
    Ok(text(&member(&member(&pool, "UserPool"), "Name")))
}

/// Reads a job's log events. `offset`: rows of the original file that went to earlier jobs (0
/// for an unsplit import), added to each line number.
pub fn log_report(
    ctx: &Context,
    pool_id: &str,
    pool_name: &str,
    job_id: &str,
    job_name: &str,
    offset: u64,
) -> Result<Report, AwsError> {
    let group = format!("/aws/cognito/userpools/{pool_id}/{pool_name}");
    let stream = format!("{job_id}/{job_name}");
    let mut report = Report::default();
    // One page (up to 10,000 events) in memory at a time: a 500,000-row job logs 500,000 events.
    let mut token: Option<Dynamic> = None;
    loop {
        let mut req = request(&[
            ("logGroupName", group.clone().into()),
            ("logStreamNames", vec![Dynamic::from(stream.clone())].into()),
            ("limit", 10_000.into()),
        ]);
        if let Some(t) = token.take() {
            req.insert("nextToken".into(), t);
        }
        let page = ctx.call_named("logs", "filter_log_events", req)?;
        for event in member(&page, "events").into_array().unwrap_or_default() {
            let message = text(&member(&event, "message"));
            let Some((status, line, reason)) = parse_event(&message) else {
                continue;
            };
            let row = Row {
                line: line + offset,
                reason: reason.to_string(),
                username: None,
            };
            match status {
                "SUCCEEDED" => report.succeeded += 1,
                "FAILED" => report.failed.push(row),
                "SKIPPED" => report.skipped.push(row),
                _ => {}
            }
        }
        match member(&page, "nextToken") {
            t if t.is_unit() => break,
            t => token = Some(t),
        }
    }
    report.failed.sort_by_key(|r| r.line);
    report.skipped.sort_by_key(|r| r.line);
    Ok(report)
}

fn text(value: &Dynamic) -> String {
    crate::value::text_revealed(value).unwrap_or_default()
}

/// Fills each failed or skipped row's username from the CSV (its `cognito:username` column),
/// reading the file once.
pub fn name_rows(report: &mut Report, csv: &Path) {
    let wanted: HashMap<u64, ()> = report
        .failed
        .iter()
        .chain(&report.skipped)
        .map(|r| (r.line, ()))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let Ok(file) = std::fs::File::open(csv) else {
        return;
    };
    let mut column = None;
    let mut names: HashMap<u64, String> = HashMap::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let Ok(line) = line else { break };
        let number = index as u64 + 1;
        let values = split_row(&line);
        if number == 1 {
            column = values.iter().position(|v| v == "cognito:username");
            continue;
        }
        if wanted.contains_key(&number)
            && let Some(value) = column.and_then(|c| values.get(c))
            && !value.is_empty()
        {
            names.insert(number, value.clone());
        }
    }
    for row in report.failed.iter_mut().chain(report.skipped.iter_mut()) {
        row.username = names.get(&row.line).cloned();
    }
}

/// An import-format line's values, split where the validator splits them (commas not escaped
/// as `\,`), unescaped and trimmed.
fn split_row(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    super::validate::split_fields(line.as_bytes(), &mut fields);
    fields
        .iter()
        .map(|&(start, end)| line[start..end].replace("\\,", ",").trim().to_string())
        .collect()
}

/// A file beside `path` named after it: `users.csv` + `failed.csv` → `users.failed.csv`.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "users".into());
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// Writes `<name>.failed.csv` beside `csv`: its header and only the failed rows, as they were,
/// ready to fix and import again. Returns the path.
pub fn write_failed_csv(csv: &Path, report: &Report) -> std::io::Result<PathBuf> {
    let path = beside(csv, "failed.csv");
    let lines: std::collections::HashSet<u64> = report.failed.iter().map(|r| r.line).collect();
    // Written again by each import of the file: replaced, but only if it is the operator's
    // own regular file (never through a link).
    let file = crate::files::create(
        &path,
        crate::files::PRIVATE,
        crate::files::Existing::Replace,
    )
    .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    let mut out = std::io::BufWriter::new(file);
    let reader = BufReader::new(std::fs::File::open(csv)?);
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        let number = index as u64 + 1;
        if number == 1 || lines.contains(&number) {
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_kinds_of_event() {
        assert_eq!(
            parse_event("[SUCCEEDED] Line Number 2 - The import succeeded."),
            Some(("SUCCEEDED", 2, "The import succeeded."))
        );
        assert_eq!(
            parse_event(
                "[FAILED] Line Number 5956 - The User Record does not set any of the auto verified attributes to true."
            ),
            Some((
                "FAILED",
                5956,
                "The User Record does not set any of the auto verified attributes to true."
            ))
        );
        assert_eq!(parse_event("something else"), None);
    }

    #[test]
    fn escaped_commas_stay_in_their_value() {
        assert_eq!(split_row(r"a\, b, c ,d"), vec!["a, b", "c", "d"]);
    }
}
