//! The import functions scripts call: `cognito::upload_csv`, `wait_user_import_job`,
//! `import_users`, `import_report`, `export_users` and `restore_groups` — a plugin module of
//! the `cognito` namespace, each function's doc comment its documentation.

use rhai::plugin::*;
use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};

use crate::engine::glue::{context, text_arg, throw};
use crate::helpers::resolve;
use crate::import::report;

/// The import functions, merged into the `cognito` namespace by the engine.
#[export_module]
pub mod import_functions {
    use std::time::Duration;

    use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};

    use crate::aws::AwsError;
    use crate::engine::glue::{context, text_arg, throw};
    use crate::helpers::resolve;
    use crate::import::job::{import_users as run_import, wait_for_job};
    use crate::import::options::import_options;
    use crate::import::progress::Progress;
    use crate::import::{export, upload};

    /// PUT a CSV file to an import job's pre-signed URL with x-amz-server-side-encryption: aws:kms; returns #{ status, bytes }.
    #[rhai_fn(return_raw)]
    pub fn upload_csv(
        call: NativeCallContext,
        presigned_url: Dynamic,
        csv_path: Dynamic,
    ) -> Result<Map, Box<EvalAltResult>> {
        let pos = call.call_position();
        let url = text_arg(&presigned_url, "upload_csv: the pre-signed URL", pos)?;
        let path = text_arg(&csv_path, "upload_csv: the CSV path", pos)?;
        let full = resolve(&call, &path);
        upload::upload_csv(&*context(&call)?, &url, &full, None).map_err(|e| throw(e, pos))
    }

    /// Polls an import job until it is Succeeded, Failed, Stopped or Expired (or the timeout, default 3600 s, passes); returns the final UserImportJob map. Options: interval, timeout (seconds).
    #[rhai_fn(return_raw)]
    pub fn wait_user_import_job(
        call: NativeCallContext,
        pool_id: Dynamic,
        job_id: Dynamic,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        wait_with(call, pool_id, job_id, Map::new())
    }

    /// `wait_user_import_job` with options: interval, timeout (seconds).
    #[rhai_fn(name = "wait_user_import_job", return_raw)]
    pub fn wait_with(
        call: NativeCallContext,
        pool_id: Dynamic,
        job_id: Dynamic,
        options: Map,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let seconds = |key: &str, default: f64| {
            options
                .get(key)
                .and_then(|v| {
                    v.as_float()
                        .ok()
                        .or_else(|| v.as_int().ok().map(|i| i as f64))
                })
                .unwrap_or(default)
        };
        let interval = seconds("interval", 1.0).clamp(0.05, 60.0);
        let timeout = Duration::from_secs_f64(seconds("timeout", 3600.0).clamp(0.0, 86_400.0));
        let ctx = context(&call)?;
        wait_for_job(&ctx, &pool_id, &job_id, interval, timeout, &Progress::new())
            .map_err(|e| e.into_rhai(call.call_position()))
    }

    /// Why an import job's rows failed or were skipped, from its CloudWatch Logs; returns #{ succeeded, failed: [#{ line, reason, username }], skipped }.
    #[rhai_fn(return_raw)]
    pub fn import_report(
        call: NativeCallContext,
        pool_id: Dynamic,
        job_id: Dynamic,
    ) -> Result<Map, Box<EvalAltResult>> {
        super::report_of(&call, &pool_id, &job_id, None)
    }

    /// `import_report` with the job's CSV, whose rows the report then names.
    #[rhai_fn(name = "import_report", return_raw)]
    pub fn import_report_of(
        call: NativeCallContext,
        pool_id: Dynamic,
        job_id: Dynamic,
        csv_path: Dynamic,
    ) -> Result<Map, Box<EvalAltResult>> {
        super::report_of(&call, &pool_id, &job_id, Some(&csv_path))
    }

    /// Writes every user of the pool to an import-ready CSV (the target pool's header; cognito:username as users sign in there; constant memory) and its groups, memberships and disabled users to <name>.groups.json; returns #{ csv, groups, users, already, disabled, left_out: [#{ username, reason }] }. Options: Attributes, Filter, TargetPoolId, GroupsFile, Force (replace the files), OnlyMissing (leave out users the target has).
    #[rhai_fn(return_raw)]
    pub fn export_users(
        call: NativeCallContext,
        pool_id: Dynamic,
        csv_path: Dynamic,
    ) -> Result<Map, Box<EvalAltResult>> {
        export_with(call, pool_id, csv_path, Map::new())
    }

    /// `export_users` with options: Attributes, Filter, TargetPoolId, GroupsFile, Force, OnlyMissing.
    #[rhai_fn(name = "export_users", return_raw)]
    pub fn export_with(
        call: NativeCallContext,
        pool_id: Dynamic,
        csv_path: Dynamic,
        options: Map,
    ) -> Result<Map, Box<EvalAltResult>> {
        let pos = call.call_position();
        let invalid = |m: String| {
            throw(
                AwsError::local("cognito-idp", "ExportUsers", "ParamValidation", &m),
                pos,
            )
        };
        let pool = text_arg(&pool_id, "export_users: the pool id", pos)?;
        let csv = resolve(
            &call,
            &text_arg(&csv_path, "export_users: the CSV path", pos)?,
        );
        let mut options = export::ExportOptions::from_map(&options).map_err(invalid)?;
        options.groups_file = options
            .groups_file
            .map(|g| resolve(&call, &g.display().to_string()));
        let exported = export::export_users(&*context(&call)?, &pool, &csv, &options)
            .map_err(|e| throw(e, pos))?;
        for left in &exported.left_out {
            crate::say!("export: {} left out: {}", left.username, left.reason);
        }
        Ok(exported.to_map())
    }

    /// Recreates an export's groups (description, precedence, role), memberships and disabled users in the pool by sign-in identity, idempotently, at the service's pace; returns #{ created, updated, unchanged, memberships_added, users_disabled, missing_users, failed }.
    #[rhai_fn(return_raw)]
    pub fn restore_groups(
        call: NativeCallContext,
        pool_id: Dynamic,
        groups_file: Dynamic,
    ) -> Result<Map, Box<EvalAltResult>> {
        let pos = call.call_position();
        let pool = text_arg(&pool_id, "restore_groups: the pool id", pos)?;
        let file = resolve(
            &call,
            &text_arg(&groups_file, "restore_groups: the groups file", pos)?,
        );
        export::restore_groups(&*context(&call)?, &pool, &file)
            .map(|r| r.to_map())
            .map_err(|e| throw(e, pos))
    }

    /// Checks a CSV against the pool's import rules, splits it into jobs and runs them one after another; returns #{ jobs, ImportedUsers, SkippedUsers, FailedUsers } and, when rows failed or were skipped, report and failed_csv. Options: CloudWatchLogsRoleArn (required), JobName, MaxRowsPerJob, PollInterval, Validate.
    #[rhai_fn(return_raw)]
    pub fn import_users(
        call: NativeCallContext,
        pool_id: Dynamic,
        csv_path: Dynamic,
        options: Map,
    ) -> Result<Map, Box<EvalAltResult>> {
        let pos = call.call_position();
        let pool = text_arg(&pool_id, "import_users: the pool id", pos)?;
        let path = resolve(
            &call,
            &text_arg(&csv_path, "import_users: the CSV path", pos)?,
        );
        let options = import_options(&options).map_err(|m| {
            throw(
                AwsError::local("cognito-idp", "ImportUsers", "ParamValidation", &m),
                pos,
            )
        })?;
        run_import(&*context(&call)?, &pool, &path, &options).map_err(|e| e.into_rhai(pos))
    }
}

/// `import_report` with or without the CSV.
fn report_of(
    call: &NativeCallContext,
    pool_id: &Dynamic,
    job_id: &Dynamic,
    csv_path: Option<&Dynamic>,
) -> Result<Map, Box<EvalAltResult>> {
    let pos = call.call_position();
    let pool = text_arg(pool_id, "import_report: the pool id", pos)?;
    let job = text_arg(job_id, "import_report: the job id", pos)?;
    let csv = match csv_path {
        Some(p) => Some(resolve(
            call,
            &text_arg(p, "import_report: the CSV path", pos)?,
        )),
        None => None,
    };
    report::job_report(&*context(call)?, &pool, &job, csv.as_deref())
        .map(|r| r.to_map())
        .map_err(|e| throw(e, pos))
}
