//! Every write undone exactly, or said not to be: what `runbook ops`, a plan and a revert say
//! of each write, and the newcomer's cases that a revert must put back as they were.

use crate::common::*;

/// `runbook eval EXPR` against the emulator; its stdout.
fn eval(expr: &str) -> String {
    Test::new()
        .args(["eval", expr])
        .run()
        .status(0)
        .stdout()
        .trim()
        .to_string()
}

#[test]
fn ops_says_how_each_write_is_undone_or_why_not() {
    let ops: Vec<serde_json::Value> = serde_json::from_str(
        &Test::offline()
            .args(["ops", "--json"])
            .run()
            .status(0)
            .stdout(),
    )
    .expect("JSON");
    let find = |name: &str| {
        ops.iter()
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(
        find("admin_remove_user_from_group")["undo"],
        serde_json::json!({ "restorable": true, "how": "by cognito::admin_add_user_to_group" })
    );
    assert_eq!(find("admin_set_user_password")["undo"]["restorable"], false);
    assert!(
        find("admin_set_user_password")["undo"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("password cannot be read back"))
    );
    assert!(
        find("list_users").get("undo").is_none(),
        "a read has nothing to undo"
    );
    // Every write says one or the other.
    for op in ops.iter().filter(|o| o.get("local").is_some()) {
        let name = op["name"].as_str().unwrap_or("");
        let reads = [
            "describe_",
            "get_",
            "list_",
            "admin_get_",
            "admin_list_",
            "filter_",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        if op.get("undo").is_none() {
            assert!(reads, "{name} writes but says nothing about its undo");
        }
    }
    Test::offline()
        .args(["ops", "admin_set_user_password"])
        .run()
        .status(0)
        .stdout_has("irreversible: a password cannot be read back");
}

#[test]
fn a_plan_line_says_a_write_is_irreversible() {
    let pool = new_pool("irrev");
    Test::new()
        .args(["run", "--dry-run"])
        .runbook(&format!(
            r#"cognito::admin_create_user("{pool}", "u1");
               cognito::admin_set_user_password("{pool}", "u1", "Long-Passw0rd!", true);"#
        ))
        .run()
        .status(0)
        .stderr_has("(irreversible: a password cannot be read back");
}

#[test]
fn a_group_move_reverts_to_the_group_the_user_was_in() {
    let pool = new_pool("move");
    eval(&format!(
        r#"for g in ["free", "paid"] {{ cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: g }}); }}
           for u in ["ann", "bo"] {{ cognito::admin_create_user("{pool}", u); }}
           cognito::admin_add_user_to_group(#{{ UserPoolId: "{pool}", Username: "ann", GroupName: "free" }});"#
    ));
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"for user in ["ann", "bo"] {{
                   cognito::admin_add_user_to_group(#{{ UserPoolId: "{pool}", Username: user, GroupName: "paid" }});
                   // bo was in no group: removing him from "free" changes nothing.
                   cognito::admin_remove_user_from_group(#{{ UserPoolId: "{pool}", Username: user, GroupName: "free" }});
               }}"#
        ))
        .run()
        .status(0);
    let groups = |user: &str| {
        eval(&format!(
            r#"cognito::admin_list_groups_for_user(#{{ UserPoolId: "{pool}", Username: "{user}" }}).Groups.map(|g| g.GroupName)"#
        ))
        .split_whitespace()
        .collect::<String>()
    };
    assert_eq!(groups("ann"), r#"["paid"]"#);
    let journal = ran.journal_path().expect("a journal");
    Test::new()
        .args(["revert", "--yes"])
        .args([&journal])
        .run()
        .status(0)
        .stderr_has("changed nothing, nothing to undo: cognito::admin_remove_user_from_group GroupName=free")
        .stderr_has("undone: cognito::admin_remove_user_from_group GroupName=free");
    assert_eq!(groups("ann"), r#"["free"]"#, "ann is back where she was");
    assert_eq!(groups("bo"), "[]", "bo is in no group, as before");
}
