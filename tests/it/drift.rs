//! Drift watch: a converged runbook's dry run as the check an account is held to —
//! `--detailed-exitcode` (0 as declared, 2 drifted, 1 failed) and `--report` (JSON or Markdown,
//! each change before → after), on one account and across a fleet.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::common::*;

/// `runbook run scripts/drift.rhai [--dry-run --detailed-exitcode --report REPORT]` for the
/// department `pool`.
fn drift(pool: &str, report: Option<&Path>) -> Output {
    let mut cmd = runbook();
    cmd.args(["run", "--yes"])
        .arg(repo().join("scripts/drift.rhai"))
        .args(["--var", &format!("pool_name={pool}")]);
    if let Some(report) = report {
        cmd.args(["--dry-run", "--detailed-exitcode", "--report"])
            .arg(report);
    }
    cmd.output().expect("runs")
}

/// The report's planned writes of each target, as (target, function, key, changes).
fn writes_of(report: &Value) -> Vec<(Value, String, Value, Value)> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .flat_map(|t| {
            t["writes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |w| {
                    (
                        t["target"].clone(),
                        w["function"].as_str().unwrap_or_default().to_string(),
                        w["key"].clone(),
                        w["changes"].clone(),
                    )
                })
        })
        .collect()
}

#[test]
fn a_changed_description_and_a_removed_member_are_the_drift_reported() {
    let pool_name = unique("drift");
    ok(&drift(&pool_name, None));
    let dir = temp_dir();
    let report = dir.join("drift.json");
    // As declared: exit 0, a clean report.
    let clean = drift(&pool_name, Some(&report));
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    let json_report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    assert_eq!(json_report["drifted"], false);
    assert_eq!(json_report["targets"][0]["outcome"], "clean");
    // Someone changes a description and removes a member, with the AWS CLI; and adds a
    // description to nothing the runbook declares (a group it does not describe).
    let pool =
        aws_cli_json(&["cognito-idp", "list-user-pools", "--max-results", "60"])["UserPools"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["Name"] == pool_name.as_str())
            .and_then(|p| p["Id"].as_str())
            .expect("the department's pool")
            .to_string();
    aws_cli_as(
        &[
            "cognito-idp",
            "update-group",
            "--user-pool-id",
            &pool,
            "--group-name",
            "support",
            "--description",
            "Support and billing",
        ],
        "json",
    );
    aws_cli_as(
        &[
            "cognito-idp",
            "admin-remove-user-from-group",
            "--user-pool-id",
            &pool,
            "--username",
            "alice",
            "--group-name",
            "admins",
        ],
        "json",
    );
    aws_cli_as(
        &[
            "cognito-idp",
            "create-group",
            "--user-pool-id",
            &pool,
            "--group-name",
            "auditors",
            "--description",
            "not the runbook's",
        ],
        "json",
    );
    let drifted = drift(&pool_name, Some(&report));
    assert_eq!(drifted.status.code(), Some(2), "{}", stderr(&drifted));
    assert!(stderr(&drifted).contains("runbook: drift: the plan has 2 writes on 1 target"));
    let json_report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    assert_eq!(json_report["schema"], "runbook-report/1");
    assert_eq!(json_report["drifted"], true);
    assert_eq!(
        writes_of(&json_report),
        [
            (
                Value::Null,
                "cognito::update_group".to_string(),
                json!({"GroupName": "support", "UserPoolId": pool}),
                json!([{"member": "Description", "before": "Support and billing",
                        "after": "Support staff: read user profiles"}]),
            ),
            (
                Value::Null,
                "cognito::admin_add_user_to_group".to_string(),
                json!({"GroupName": "admins", "UserPoolId": pool, "Username": "alice"}),
                json!([]),
            ),
        ]
    );
    // The same as Markdown, to post as it is.
    let md = dir.join("drift.md");
    assert_eq!(drift(&pool_name, Some(&md)).status.code(), Some(2));
    let text = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        text.contains("1 target checked: 1 drifted, 0 clean, 0 failed, 0 skipped."),
        "{text}"
    );
    assert!(
        text.contains("| update | Description | \"Support and billing\" | \"Support staff: read user profiles\" |"),
        "{text}"
    );
    assert!(text.contains("| group membership |"), "{text}");
    assert!(!text.contains("auditors"), "{text}");
    // Running it puts both back; the next check is clean.
    ok(&drift(&pool_name, None));
    let again = drift(&pool_name, Some(&report));
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    // A check that fails is 1, never 2 (an endpoint that does not answer).
    let failed = bare()
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "2",
            "run",
        ])
        .arg(repo().join("scripts/drift.rhai"))
        .args(["--dry-run", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    // So is a mistyped command line.
    let usage = bare()
        .args([
            "run",
            "--dry-run",
            "--detailed-exitcode",
            "--no-such-flag",
            "x.rhai",
        ])
        .output()
        .expect("runs");
    assert_eq!(usage.status.code(), Some(1), "{}", stderr(&usage));
}

#[test]
fn over_a_fleet_the_report_shows_the_target_that_drifted_alone() {
    let dir = temp_dir();
    let pool_name = unique("fleet-drift");
    let fleet: String = ["one", "two", "three"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "[[target]]\nname = \"{name}\"\nrole_arn = \"arn:aws:iam::55555555555{i}:role/Ops\"\nregion = \"eu-west-1\"\n"
            )
        })
        .collect();
    std::fs::write(dir.join("fleet.toml"), fleet).expect("write");
    std::fs::write(
        dir.join("change.rhai"),
        "let pool = cognito::list_user_pools().UserPools.filter(|p| p.Name == param(\"pool_name\"))[0].Id;\ncognito::update_group(#{ UserPoolId: pool, GroupName: \"admins\", Description: \"changed by hand\" });\n",
    )
    .expect("write");
    let fleet_run = |script: &Path, args: &[&str]| {
        runbook()
            .current_dir(&dir)
            .arg("run")
            .arg(script)
            .args([
                "--targets",
                "fleet.toml",
                "--var",
                &format!("pool_name={pool_name}"),
            ])
            .args(["--journal-dir", &unique("j")])
            .args(args)
            .output()
            .expect("runs")
    };
    let drift_rhai = repo().join("scripts/drift.rhai");
    ok(&fleet_run(&drift_rhai, &["--yes"]));
    ok(&fleet_run(
        &dir.join("change.rhai"),
        &["--yes", "--only", "two"],
    ));
    let check = fleet_run(
        &drift_rhai,
        &["--dry-run", "--detailed-exitcode", "--report", "drift.json"],
    );
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("drift.json")).expect("report"))
            .expect("JSON");
    let outcomes: Vec<(String, String)> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap_or_default().to_string(),
                t["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("one".to_string(), "clean".to_string()),
            ("two".to_string(), "drifted".to_string()),
            ("three".to_string(), "clean".to_string()),
        ]
    );
    let writes = writes_of(&report);
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].0, "two");
    assert_eq!(
        writes[0].3,
        json!([{"member": "Description", "before": "changed by hand",
                "after": "Administrators: manage the pool and its users"}])
    );
    assert_eq!(report["targets"][1]["account"], "555555555551");
}

/// `aws ARGS` against the emulator, its JSON answer.
fn aws_cli_json(args: &[&str]) -> Value {
    serde_json::from_str(&aws_cli_as(args, "json")).expect("the AWS CLI prints JSON")
}
