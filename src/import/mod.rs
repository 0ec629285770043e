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
//! This file only declares: the files import each other directly.

pub mod export;
pub mod functions;
pub mod job;
pub mod options;
pub mod progress;
pub mod report;
pub mod rules;
pub mod split;
pub mod upload;
pub mod validate;
