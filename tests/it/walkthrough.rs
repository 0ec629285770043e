//! The seed notebook, run the way an operator would: the whole walkthrough, then each section
//! alone with `--var`s, against the emulator.

use crate::common::*;

fn value_after<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in output:\n{text}"))
        .trim()
}

/// Runs a one-line runbook and returns its stdout.
fn eval(body: &str) -> String {
    ok(&run(&script(body), &[]))
}

#[test]
fn walkthrough_runs_the_whole_notebook_and_leaves_nothing_behind() {
    let out = run(
        &repo().join("scripts/walkthrough.rhai"),
        &[("pool_name", "walkthrough-pool")],
    );
    let text = ok(&out);
    for step in [
        "created user pool walkthrough-pool",
        "created user testuser001 (FORCE_CHANGE_PASSWORD)",
        "set a permanent password for testuser001 (CONFIRMED)",
        "created policy AllowCognitoCloudwatchLogs",
        "created role Import-Cognito-Userpool",
        "attached AllowCognitoCloudwatchLogs to Import-Cognito-Userpool",
        "uploaded data/users.csv: 298 bytes, HTTP 200",
        "Succeeded: imported 1, skipped 0, failed 0",
        "\"import001\",\"RESET_REQUIRED\"",
        "removed email from import001",
        "set a permanent password for import001 (CONFIRMED)",
        "disabled import001: enabled = false",
        "enabled import001: enabled = true",
        "deleted import001",
        "created app client test-user-pool-client",
        "deleted user pool",
        "deleted role Import-Cognito-Userpool",
        "deleted policy AllowCognitoCloudwatchLogs",
        "walkthrough complete",
    ] {
        assert!(text.contains(step), "missing {step:?} in:\n{text}");
    }
    // Never a password, nor the pre-signed URL's signature.
    let all = format!("{text}{}", stderr(&out));
    assert!(!all.contains("X-Amz-Signature"), "{all}");
    assert!(!all.to_lowercase().contains("password\":"), "{all}");

    let left = eval(
        r#"print(query(cognito::list_user_pools(), "UserPools[?Name=='walkthrough-pool'] | length(@)"));
           print(query(iam::list_roles(), "Roles[?RoleName=='Import-Cognito-Userpool'] | length(@)"));
           print(query(iam::list_policies(#{ Scope: "Local" }), "Policies[?PolicyName=='AllowCognitoCloudwatchLogs'] | length(@)"));"#,
    );
    assert_eq!(
        left.split_whitespace().collect::<Vec<_>>(),
        ["0", "0", "0"],
        "{left}"
    );
}

#[test]
fn each_section_runs_alone_with_vars() {
    let scripts = repo().join("scripts");
    let pool_name = unique("section-pool");
    let role = unique("Section-Import-Role");
    let policy = unique("SectionLogsPolicy");

    let out = ok(&run(
        &scripts.join("create_pool.rhai"),
        &[("pool_name", &pool_name)],
    ));
    let pool_id = value_after(&out, "pool_id=").to_string();
    assert!(pool_id.starts_with("ap-northeast-1_"), "{pool_id}");

    let out = ok(&run(
        &scripts.join("users.rhai"),
        &[("pool_id", &pool_id), ("username", "alice")],
    ));
    assert!(
        out.contains("set a permanent password for alice (CONFIRMED)"),
        "{out}"
    );

    let out = ok(&run(
        &scripts.join("create_import_role.rhai"),
        &[("role_name", &role), ("policy_name", &policy)],
    ));
    let role_arn = value_after(&out, "role_arn=").to_string();
    assert!(role_arn.ends_with(&format!(":role/{role}")), "{role_arn}");

    let out = ok(&run(
        &scripts.join("csv_import.rhai"),
        &[("pool_id", &pool_id), ("role_arn", &role_arn)],
    ));
    assert!(out.contains("imported 1, skipped 0, failed 0"), "{out}");

    let out = ok(&run(
        &scripts.join("disable_enable_delete.rhai"),
        &[("pool_id", &pool_id)],
    ));
    assert!(out.contains("deleted import001"), "{out}");

    let out = ok(&run(
        &scripts.join("app_clients.rhai"),
        &[("pool_id", &pool_id)],
    ));
    assert!(out.contains("deleted app client"), "{out}");

    let out = ok(&run(
        &scripts.join("teardown.rhai"),
        &[
            ("pool_id", &pool_id),
            ("role_name", &role),
            ("policy_name", &policy),
        ],
    ));
    assert!(out.contains(&format!("deleted policy {policy}")), "{out}");
}

#[test]
fn the_import_runbook_imports_in_one_call_and_cleans_up_each_user() {
    let scripts = repo().join("scripts");
    let role = unique("Import-Role");
    let policy = unique("ImportLogs");
    let out = ok(&run(
        &scripts.join("create_pool.rhai"),
        &[("pool_name", &unique("import-pool"))],
    ));
    let pool_id = value_after(&out, "pool_id=").to_string();
    let out = ok(&run(
        &scripts.join("create_import_role.rhai"),
        &[("role_name", &role), ("policy_name", &policy)],
    ));
    let role_arn = value_after(&out, "role_arn=").to_string();

    let csv = repo().join("tests/fixtures/csv/seven_users.csv");
    let out = run(
        &scripts.join("import_users.rhai"),
        &[
            ("pool_id", &pool_id),
            ("role_arn", &role_arn),
            ("csv", &csv.display().to_string()),
            ("max_rows_per_job", "4"),
        ],
    );
    let text = ok(&out);
    assert!(
        text.contains("imported 7, skipped 0, failed 0 in 2 job(s)"),
        "{text}"
    );
    for i in 0..7 {
        assert!(
            text.contains(&format!(
                "user{i}: removed email, set a permanent password (CONFIRMED)"
            )),
            "{text}"
        );
    }
    ok(&run(
        &scripts.join("teardown.rhai"),
        &[
            ("pool_id", &pool_id),
            ("role_name", &role),
            ("policy_name", &policy),
        ],
    ));
}

#[test]
fn a_section_without_its_var_says_which_one() {
    let out = run(&repo().join("scripts/users.rhai"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("missing parameter \"pool_id\": pass --var pool_id=VALUE"),
        "{err}"
    );
}
