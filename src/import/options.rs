//! The options maps of `import_users` and `export_users`, checked like request maps: an
//! unknown key is refused with the closest known one.

use rhai::Map;

use super::validate::{self, Limits};

/// `import_users` options, checked like a request map.
pub struct ImportOptions {
    pub role_arn: String,
    pub job_name: String,
    pub limits: Limits,
    pub interval: f64,
    /// Refuse a file whose rows break the import rules before uploading (default); `false`
    /// sends it as it is, lets the service judge each row and reports the rows it refused.
    pub validate: bool,
}

const OPTION_KEYS: &[&str] = &[
    "CloudWatchLogsRoleArn",
    "JobName",
    "MaxRowsPerJob",
    "PollInterval",
    "Validate",
];

/// Refuses an options map with a key not in `known`, naming the closest known one.
pub fn check_option_keys(opts: &Map, known: &[&str]) -> Result<(), String> {
    match opts.keys().find(|key| !known.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) => {
            let hint = crate::aws::names::closest(key, known.iter().copied())
                .map(|c| format!(" (did you mean \"{c}\"?)"))
                .unwrap_or_default();
            Err(format!(
                "unknown option \"{key}\"{hint}; valid options: {}",
                known.join(", ")
            ))
        }
    }
}

pub fn import_options(opts: &Map) -> Result<ImportOptions, String> {
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
