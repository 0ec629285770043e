//! Importing users: every documented CSV rule checked before upload (one fixture per rule, exact
//! line and column), `csv template`, and `cognito::import_users` against the emulator.

use crate::common::*;

use std::path::PathBuf;
use std::sync::OnceLock;

/// Pools with the settings the rules depend on, created once.
struct Pools {
    /// email auto-verified, MFA off: the usual pool.
    email: String,
    /// MFA required.
    mfa_on: String,
    /// given_name required, only phone_number auto-verified.
    strict: String,
    /// no auto-verified attribute.
    unverified: String,
}

fn pools() -> &'static Pools {
    static POOLS: OnceLock<Pools> = OnceLock::new();
    POOLS.get_or_init(|| {
        let out = ok(&run(
            &script(&format!(
                r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);
                   print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"], MfaConfiguration: "ON" }}).UserPool.Id);
                   print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["phone_number"],
                       Schema: [#{{ Name: "given_name", AttributeDataType: "String", Required: true, Mutable: true }}] }}).UserPool.Id);
                   print(cognito::create_user_pool("{}").UserPool.Id);"#,
                unique("csv-email"),
                unique("csv-mfa"),
                unique("csv-strict"),
                unique("csv-unverified")
            )),
            &[],
        ));
        let ids: Vec<String> = out.lines().map(str::to_string).collect();
        Pools {
            email: ids[0].clone(),
            mfa_on: ids[1].clone(),
            strict: ids[2].clone(),
            unverified: ids[3].clone(),
        }
    })
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/csv").join(name)
}

fn validate(file: &PathBuf, pool: &str) -> std::process::Output {
    runbook()
        .args(["csv", "validate"])
        .arg(file)
        .args(["--pool", pool])
        .output()
        .expect("runs")
}

#[test]
fn every_documented_rule_is_reported_with_line_and_column() {
    let p = pools();
    let cases: &[(&str, &str, &str)] = &[
        (
            "empty.csv",
            &p.email,
            "line 1: the file is empty; it needs the pool's header row: name,given_name,",
        ),
        (
            "missing_column.csv",
            &p.email,
            "line 1: the header is missing 1 of the pool's columns: nickname; all of them must be present (in any order)",
        ),
        (
            "unknown_column.csv",
            &p.email,
            "line 1, column nickame: is not a column of the pool's header (did you mean nickname?)",
        ),
        (
            "short_row.csv",
            &p.email,
            "line 2, column cognito:username: missing; the row has 20 values, the header 21",
        ),
        (
            "bom.csv",
            &p.email,
            "line 1: the file starts with a byte order mark; save it as UTF-8 without BOM",
        ),
        (
            "quoted.csv",
            &p.email,
            r#"line 2, column name: ""Jane"" is in quotation marks; write values without quotes"#,
        ),
        (
            "unescaped_comma.csv",
            &p.email,
            r"line 2: the row has 22 values, the header 21; is a comma inside a value missing its backslash (\,)?",
        ),
        (
            "username_missing.csv",
            &p.email,
            "line 2, column cognito:username: empty; every user needs a username",
        ),
        (
            "username_duplicate.csv",
            &p.email,
            "line 4, column cognito:username: duplicate of line 2; usernames must be unique in the file",
        ),
        (
            "username_space.csv",
            &p.email,
            r#"line 2, column cognito:username: "jane doe" contains a space or tab; usernames cannot"#,
        ),
        (
            "mfa_missing.csv",
            &p.email,
            "line 2, column cognito:mfa_enabled: empty; expected true or false",
        ),
        (
            "mfa_not_boolean.csv",
            &p.email,
            r#"line 2, column cognito:mfa_enabled: "yes" is not a boolean; expected true or false"#,
        ),
        (
            "mfa_false_but_required.csv",
            &p.mfa_on,
            "line 2, column cognito:mfa_enabled: false, but the pool requires MFA (MfaConfiguration ON); expected true",
        ),
        (
            "mfa_true_but_off.csv",
            &p.email,
            "line 2, column cognito:mfa_enabled: true, but MFA is off in the pool (MfaConfiguration OFF); expected false",
        ),
        (
            "verified_not_boolean.csv",
            &p.email,
            r#"line 2, column email_verified: "yes" is not a boolean; expected true or false"#,
        ),
        (
            "none_verified.csv",
            &p.email,
            "line 2, column email_verified: neither email_verified nor phone_number_verified is true; at least one must be",
        ),
        (
            "email_missing.csv",
            &p.email,
            "line 2, column email: empty, but email_verified is true; expected the user's email",
        ),
        (
            "phone_missing.csv",
            &p.email,
            "line 2, column phone_number: empty, but phone_number_verified is true; expected the user's phone_number",
        ),
        (
            "phone_not_e164.csv",
            &p.email,
            r#"line 2, column phone_number: "555-0100" is not in E.164 format"#,
        ),
        (
            "required_attribute.csv",
            &p.strict,
            "line 2, column given_name: empty, but the pool requires given_name; expected a value",
        ),
        (
            "single_auto_verified.csv",
            &p.strict,
            "line 2, column phone_number_verified: must be true: phone_number is the pool's only auto-verified attribute",
        ),
        (
            "birthdate.csv",
            &p.email,
            r#"line 2, column birthdate: "1985-02-01" is not a date as mm/dd/yyyy; expected e.g. 02/01/1985"#,
        ),
        (
            "updated_at.csv",
            &p.email,
            r#"line 2, column updated_at: "yesterday" is not epoch seconds; expected e.g. 1471453471"#,
        ),
        (
            "non_utf8.csv",
            &p.email,
            "line 2: not valid UTF-8 at byte 4; save the file as UTF-8",
        ),
        (
            "seed.csv",
            &p.unverified,
            "has no auto-verified attribute (AutoVerifiedAttributes), so Cognito will not start an import job into it",
        ),
    ];
    let mut failures = Vec::new();
    for (file, pool, expected) in cases {
        let out = validate(&fixture(file), pool);
        let text = stdout(&out);
        if out.status.code() != Some(1) || !text.lines().any(|l| l.contains(expected)) {
            failures.push(format!(
                "{file}: expected exit 1 and {expected:?}\n got {:?}:\n{text}{}",
                out.status.code(),
                stderr(&out)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_long_row_is_reported() {
    let header = std::fs::read_to_string(fixture("seed.csv")).expect("seed");
    let header = header.lines().next().expect("header");
    let long = "x".repeat(16_100);
    let path = temp_dir().join("long.csv");
    std::fs::write(
        &path,
        format!("{header}\n{long},,,,,,,,,a@example.com,true,,,,,,false,,,false,long\n"),
    )
    .expect("write");
    let out = validate(&path, &pools().email);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("line 2: the row is 16151 characters long; the maximum is 16000"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn valid_files_pass_with_a_one_line_summary() {
    for (file, users) in [
        ("seed.csv", 1),
        ("guide_sample.csv", 2),
        ("reordered.csv", 1),
        ("escaped_comma.csv", 1),
        ("trimmed.csv", 1),
        ("crlf.csv", 1),
        ("seven_users.csv", 7),
    ] {
        let out = validate(&fixture(file), &pools().email);
        let text = ok(&out);
        let plural = if users == 1 { "" } else { "s" };
        assert!(
            text.starts_with(&format!(
                "ok: {}: {users} user{plural}, ",
                fixture(file).display()
            )) && text.trim_end().ends_with("1 import job"),
            "{file}: {text}"
        );
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

#[test]
fn validate_reports_jobs_needed_and_json() {
    let out = runbook()
        .args(["csv", "validate"])
        .arg(fixture("seven_users.csv"))
        .args([
            "--pool",
            &pools().email,
            "--max-rows-per-job",
            "3",
            "--json",
        ])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).expect("JSON");
    assert_eq!(report["valid"], true);
    assert_eq!(report["users"], 7);
    assert_eq!(report["jobs"], 3);

    let out = runbook()
        .args(["csv", "validate"])
        .arg(fixture("username_duplicate.csv"))
        .args(["--pool", &pools().email, "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(report["valid"], false);
    assert_eq!(report["problems"][0]["line"], 4);
    assert_eq!(report["problems"][0]["column"], "cognito:username");
}

#[test]
fn problems_are_capped_with_a_count_of_the_rest() {
    let header = std::fs::read_to_string(fixture("seed.csv")).expect("seed");
    let header = header.lines().next().expect("header");
    let mut text = format!("{header}\n");
    for i in 0..250 {
        text.push_str(&format!(
            ",,,,,,,,,a@example.com,maybe,,,,,,false,,,false,u{i}\n"
        ));
    }
    let path = temp_dir().join("many.csv");
    std::fs::write(&path, text).expect("write");
    let out = validate(&path, &pools().email);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 101, "100 problems and a count");
    assert!(
        lines[100].starts_with("… and ") && lines[100].ends_with(" more problems"),
        "{}",
        lines[100]
    );
    assert!(stderr(&out).contains("problems found"), "{}", stderr(&out));
}

#[test]
fn template_prints_or_writes_the_pools_header() {
    let out = ok(&runbook()
        .args(["csv", "template", "--pool", &pools().email])
        .output()
        .expect("runs"));
    let seed = std::fs::read_to_string(fixture("seed.csv")).expect("seed");
    assert_eq!(out.lines().next(), seed.lines().next());
    let path = temp_dir().join("template.csv");
    ok(&runbook()
        .args(["csv", "template", "--pool", &pools().strict, "--out"])
        .arg(&path)
        .output()
        .expect("runs"));
    let written = std::fs::read_to_string(&path).expect("written");
    assert!(written.starts_with("name,given_name,"), "{written}");
    // A header-only file is valid for validate's header check, with no users.
    let out = validate(&path, &pools().strict);
    assert!(ok(&out).contains(": 0 users,"), "{}", stdout(&out));
}

/// Runs an import runbook body against a fresh pool; the role ARN is any well-formed one.
fn import(body: &str) -> std::process::Output {
    let path = script(&format!(
        r#"let pool = cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id;
           let role = "arn:aws:iam::123456789012:role/Import-Cognito-Userpool";
           {body}"#,
        unique("import")
    ));
    run(&path, &[])
}

#[test]
fn seven_rows_three_per_job_become_three_jobs_and_every_user_arrives() {
    let out = import(&format!(
        r#"let result = cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, MaxRowsPerJob: 3, JobName: "seven", PollInterval: 0.1 }});
           print(result.jobs.len());
           print(result.ImportedUsers);
           print(`${{result.jobs.map(|j| j.JobName)}}`);
           print(`${{result.jobs.map(|j| j.Status)}}`);
           let users = cognito::list_users(pool).Users;
           print(users.len());
           print(`${{users.map(|u| u.UserStatus).filter(|s| s == "RESET_REQUIRED").len()}}`);
           print(query(cognito::admin_get_user(pool, "user3"), "UserAttributes[?Name=='name'].Value | [0]"));"#,
        fixture("seven_users.csv").display()
    ));
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "3", "{text}");
    assert_eq!(lines[1], "7", "{text}");
    assert_eq!(
        lines[2], r#"["seven-1-of-3","seven-2-of-3","seven-3-of-3"]"#,
        "{text}"
    );
    assert_eq!(
        lines[3], r#"["Succeeded","Succeeded","Succeeded"]"#,
        "{text}"
    );
    assert_eq!(lines[4], "7", "{text}");
    assert_eq!(lines[5], "7", "{text}");
    assert_eq!(
        lines[6], "User, Number 3",
        "the escaped comma arrives as a comma: {text}"
    );
    // Progress goes to stderr as log lines when stderr is not a terminal.
    let err = stderr(&out);
    assert!(
        err.contains("import: 7 users from") && err.contains("3 jobs"),
        "{err}"
    );
    assert!(
        err.contains("Succeeded: imported 3, skipped 0, failed 0"),
        "{err}"
    );
    assert!(!err.contains("X-Amz-Signature"), "{err}");
}

#[test]
fn an_invalid_file_is_refused_before_anything_is_uploaded() {
    let out = import(&format!(
        r#"try {{
               cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role }});
           }} catch (e) {{
               print(e.code);
               print(e.message);
           }}
           print(cognito::list_user_import_jobs(pool).UserImportJobs.len());"#,
        fixture("username_duplicate.csv").display()
    ));
    let text = ok(&out);
    assert!(text.starts_with("CsvValidationFailed\n"), "{text}");
    assert!(
        text.contains("line 4, column cognito:username: duplicate of line 2"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("\n0"),
        "no job was created: {text}"
    );
}

#[test]
fn import_options_are_checked() {
    let out = import(&format!(
        r#"cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, MaxRowsPerJb: 3 }});"#,
        fixture("seed.csv").display()
    ));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(r#"unknown option "MaxRowsPerJb" (did you mean "MaxRowsPerJob"?)"#),
        "{}",
        stderr(&out)
    );
    let out = import(&format!(
        r#"cognito::import_users(pool, "{}", #{{}});"#,
        fixture("seed.csv").display()
    ));
    assert!(
        stderr(&out).contains("missing option \"CloudWatchLogsRoleArn\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_expired_upload_url_gets_a_fresh_job_once() {
    let name = unique("expiring");
    inject(&format!(r#"{{"job_name": "{name}", "expired_urls": 1}}"#));
    let out = import(&format!(
        r#"let result = cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, PollInterval: 0.1, JobName: "{name}" }});
           print(result.ImportedUsers);
           print(cognito::list_user_import_jobs(pool).UserImportJobs.len());"#,
        fixture("seed.csv").display()
    ));
    let text = ok(&out);
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["1", "2"],
        "one job abandoned, one fresh: {text}"
    );
    assert!(
        stderr(&out).contains("Request has expired); creating a fresh job"),
        "{}",
        stderr(&out)
    );

    // Twice expired: the second refusal is an error, not a loop.
    let name = unique("expired-twice");
    inject(&format!(r#"{{"job_name": "{name}", "expired_urls": 2}}"#));
    let out = import(&format!(
        r#"try {{ cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, JobName: "{name}" }}); }}
           catch (e) {{ print(`${{e.code}} ${{e.status}}`); }}"#,
        fixture("seed.csv").display()
    ));
    assert_eq!(ok(&out).trim(), "UploadFailed 403");
}

#[test]
fn a_start_while_another_job_is_active_waits_and_retries() {
    use std::io::{BufRead, BufReader};
    // Another pool's job holds the account's one import slot until the test releases it, after
    // import_users has said it is waiting.
    let busy = unique("busy");
    inject(&format!(
        r#"{{"job_name": "{busy}", "hold_next_job_seconds": 120}}"#
    ));
    let path = script(&format!(
        r#"let pool = cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id;
           let role = "arn:aws:iam::123456789012:role/Import-Cognito-Userpool";
           let other = cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id;
           let job = cognito::create_user_import_job(other, "{busy}", role).UserImportJob;
           cognito::upload_csv(job.PreSignedUrl, "{seven}");
           // Other tests share the account's one slot: wait for it like an operator would.
           loop {{
               try {{ cognito::start_user_import_job(other, job.JobId); break; }}
               catch (e) {{ if e.code != "LimitExceededException" {{ throw e; }} sleep(0.2); }}
           }}
           let result = cognito::import_users(pool, "{seed}", #{{ CloudWatchLogsRoleArn: role, PollInterval: 0.1 }});
           print(result.ImportedUsers);
           print(cognito::wait_user_import_job(other, job.JobId).Status);"#,
        unique("waiting"),
        unique("busy"),
        seven = fixture("seven_users.csv").display(),
        seed = fixture("seed.csv").display()
    ));
    let mut child = runbook()
        .arg("run")
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("stderr line");
        let waiting = line.contains("waiting for the account's active import job to finish");
        seen.push(line);
        if waiting {
            break;
        }
    }
    assert!(
        seen.last().is_some_and(|l| l.contains("waiting for")),
        "{seen:?}"
    );
    inject(&format!(r#"{{"job_name": "{busy}", "release": true}}"#));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().expect("waits");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{seen:?}{rest:?}");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["1", "Succeeded"],
        "{text}"
    );
}

#[test]
fn a_failed_job_is_a_catchable_error_with_its_message_and_counts() {
    let name = unique("failing");
    inject(&format!(r#"{{"job_name": "{name}", "failed_jobs": 1}}"#));
    let out = import(&format!(
        r#"try {{
               cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, PollInterval: 0.1, JobName: "{name}" }});
               print("not raised");
           }} catch (e) {{
               print(e.code);
               print(e.job.Status);
               print(e.CompletionMessage);
               print(`${{e.ImportedUsers}} ${{e.SkippedUsers}} ${{e.FailedUsers}}`);
               print(e.message);
           }}"#,
        fixture("seed.csv").display()
    ));
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ImportJobFailed", "{text}");
    assert_eq!(lines[1], "Failed", "{text}");
    assert_eq!(
        lines[2], "Injected failure: the import job failed.",
        "{text}"
    );
    assert_eq!(lines[3], "0 0 1", "{text}");
    assert!(lines[4].contains("ended Failed: Injected failure: the import job failed. (imported 0, skipped 0, failed 1)"), "{text}");
}

/// Ten users for a pool that auto-verifies email: rows 4 and 7 verify nothing, row 9 has an
/// MFA value that is neither true nor false (lines 5, 8 and 10: the header is line 1).
fn ten_rows_three_bad(header: &str) -> String {
    let columns: Vec<&str> = header.split(',').collect();
    let mut text = format!("{header}\n");
    for i in 1..=10 {
        let row: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "cognito:username" => format!("ten{i}"),
                "email" => format!("ten{i}@example.com"),
                "email_verified" => (if i == 4 || i == 7 { "false" } else { "true" }).into(),
                "cognito:mfa_enabled" => (if i == 9 { "maybe" } else { "false" }).into(),
                _ => String::new(),
            })
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

#[test]
fn rows_the_service_refuses_are_reported_by_line_and_reason_and_written_aside() {
    let header = ok(&runbook()
        .args(["csv", "template", "--pool", &pools().email])
        .output()
        .expect("runs"));
    let dir = temp_dir();
    let csv = dir.join("ten.csv");
    std::fs::write(&csv, ten_rows_three_bad(header.trim())).expect("writes");
    let bad_lines: [i64; 3] = [5, 8, 10];
    // Split in three jobs (4 + 4 + 2 rows): line numbers still name the original file's lines.
    for per_job in [10, 4] {
        let out = import(&format!(
            r#"cognito::admin_create_user(pool, "ten2", #{{ MessageAction: "SUPPRESS" }});
               let r = cognito::import_users(pool, "{}", #{{ CloudWatchLogsRoleArn: role, Validate: false, MaxRowsPerJob: {per_job}, PollInterval: 0.1 }});
               print(`${{r.ImportedUsers}} ${{r.SkippedUsers}} ${{r.FailedUsers}}`);
               print(to_json(r.report));
               print(r.failed_csv);
               let job = r.jobs[0].JobId;
               print(to_json(cognito::import_report(pool, job, "{}")));"#,
            csv.display(),
            csv.display()
        ));
        let text = ok(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "6 1 3", "{text}");
        let report: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
        assert_eq!(report["succeeded"], 6, "{report}");
        let failed = report["failed"].as_array().expect("failed");
        assert_eq!(
            failed
                .iter()
                .map(|f| f["line"].as_i64().unwrap_or(0))
                .collect::<Vec<_>>(),
            bad_lines,
            "{report}"
        );
        assert_eq!(failed[0]["username"], "ten4");
        assert_eq!(
            failed[0]["reason"],
            "The User Record does not set any of the auto verified attributes to true."
        );
        assert_eq!(failed[2]["username"], "ten9");
        assert!(
            failed[2]["reason"]
                .as_str()
                .unwrap_or("")
                .contains("cognito:mfa_enabled"),
            "{report}"
        );
        assert_eq!(report["skipped"][0]["line"], 3);
        assert_eq!(report["skipped"][0]["username"], "ten2");
        // The failed rows, header first, exactly as they were.
        assert_eq!(lines[2], dir.join("ten.failed.csv").display().to_string());
        let original: Vec<String> = std::fs::read_to_string(&csv)
            .expect("reads")
            .lines()
            .map(str::to_string)
            .collect();
        let failed_csv = std::fs::read_to_string(dir.join("ten.failed.csv")).expect("written");
        let expected: Vec<&str> = std::iter::once(original[0].as_str())
            .chain(bad_lines.iter().map(|&l| original[l as usize - 1].as_str()))
            .collect();
        assert_eq!(failed_csv.lines().collect::<Vec<_>>(), expected);
        // The reasons, grouped with counts, on stderr.
        let err = stderr(&out);
        assert!(err.contains("import: 3 rows failed:"), "{err}");
        assert!(
            err.contains(
                "2 × The User Record does not set any of the auto verified attributes to true."
            ),
            "{err}"
        );
        // import_report on the first job alone, usernames from the CSV.
        let first: serde_json::Value = serde_json::from_str(lines[3]).expect("json");
        let first_lines: Vec<i64> = first["failed"]
            .as_array()
            .expect("failed")
            .iter()
            .map(|f| f["line"].as_i64().unwrap_or(0))
            .collect();
        if per_job == 10 {
            assert_eq!(first_lines, bad_lines);
        } else {
            // The first job held lines 2–5 of the file: line 5 is its own line 5.
            assert_eq!(first_lines, [5], "{first}");
            assert_eq!(first["failed"][0]["username"], "ten4");
        }
        let _ = std::fs::remove_file(dir.join("ten.failed.csv"));
    }
}
