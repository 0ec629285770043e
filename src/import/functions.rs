//! The import functions scripts call: `cognito::upload_csv`, `wait_user_import_job`,
//! `import_users`, `import_report`, `export_users` and `restore_groups`.

use std::rc::Rc;
use std::time::Duration;

use rhai::{Dynamic, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use super::job::{import_users, wait_for_job};
use super::options::import_options;
use super::progress::Progress;
use super::{export, report, upload};
use crate::aws::AwsError;
use crate::context::Context;
use crate::engine::glue::{text_arg, throw};
use crate::helpers::resolve;

/// Registers `cognito::upload_csv`, `cognito::wait_user_import_job` and `cognito::import_users`.
pub fn register(module: &mut Module, ctx: &Rc<Context>) {
    let c = ctx.clone();
    FuncRegistration::new("upload_csv")
        .in_internal_namespace()
        .with_params_info(["presigned_url: String", "csv_path: String", "Map"])
        .with_comments(["/// PUT a CSV file to an import job's pre-signed URL with x-amz-server-side-encryption: aws:kms; returns #{ status, bytes }."])
        .set_into_module(
            module,
            move |call: NativeCallContext, url: Dynamic, path: Dynamic| -> Result<Map, Box<EvalAltResult>> {
                let pos = call.call_position();
                let url = text_arg(&url, "upload_csv: the pre-signed URL", pos)?;
                let path = text_arg(&path, "upload_csv: the CSV path", pos)?;
                let full = resolve(&call, &path);
                upload::upload_csv(&c, &url, &full, None).map_err(|e| throw(e, pos))
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
        let params: &[&str] = if arity == 2 {
            &["pool_id: String", "job_id: String", "Map"]
        } else {
            &["pool_id: String", "job_id: String", "options: Map", "Map"]
        };
        let reg = FuncRegistration::new("wait_user_import_job")
            .in_internal_namespace()
            .with_params_info(params)
            .with_comments([
                "/// Polls an import job until it is Succeeded, Failed, Stopped or Expired (or the timeout, default 3600 s, passes); returns the final UserImportJob map. Options: interval, timeout (seconds).",
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
            .with_comments(["/// Why an import job's rows failed or were skipped, from its CloudWatch Logs; returns #{ succeeded, failed: [#{ line, reason, username }], skipped }."]);
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
                        crate::say!("export: {} left out: {}", left.username, left.reason);
                    }
                    e.to_map()
                })
                .map_err(|e| throw(e, pos))
        };
        let reg = FuncRegistration::new("export_users")
            .in_internal_namespace()
            .with_comments([
                "/// Writes every user of the pool to an import-ready CSV (the target pool's header; cognito:username as users sign in there; constant memory) and its groups, memberships and disabled users to <name>.groups.json; returns #{ csv, groups, users, already, disabled, left_out: [#{ username, reason }] }. Options: Attributes, Filter, TargetPoolId, GroupsFile, Force (replace the files), OnlyMissing (leave out users the target has).",
            ]);
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
        .with_comments(["/// Recreates an export's groups (description, precedence, role), memberships and disabled users in the pool by sign-in identity, idempotently, at the service's pace; returns #{ created, updated, unchanged, memberships_added, users_disabled, missing_users, failed }."])
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
        .with_params_info(["pool_id: String", "csv_path: String", "options: Map", "Map"])
        .with_comments([
            "/// Checks a CSV against the pool's import rules, splits it into jobs and runs them one after another; returns #{ jobs, ImportedUsers, SkippedUsers, FailedUsers } and, when rows failed or were skipped, report and failed_csv. Options: CloudWatchLogsRoleArn (required), JobName, MaxRowsPerJob, PollInterval, Validate.",
        ])
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
