//! The stdlib that converges: `ensure` finds, creates or brings things to the requested values,
//! and a second run of `scripts/onboard.rhai` sends no write and leaves the emulator as it was.

use crate::common::*;

use serde_json::Value;

/// A pool's users (with their email and enabled state), groups and memberships.
fn pool_state(pool: &str) -> Value {
    let out = ok(&run(
        &script(&format!(
            r#"let users = #{{}};
               for u in cognito::list_users("{pool}").Users {{
                   users[u.Username] = #{{
                       email: query(u, "Attributes[?Name=='email'].Value | [0]"),
                       enabled: u.Enabled,
                       groups: query(cognito::admin_list_groups_for_user(#{{ UserPoolId: "{pool}", Username: u.Username }}), "Groups[].GroupName"),
                   }};
               }}
               print(to_json(#{{ users: users, groups: query(cognito::list_groups(#{{ UserPoolId: "{pool}" }}), "Groups[].GroupName") }}));"#
        )),
        &[],
    ));
    serde_json::from_str(out.trim()).expect("json")
}

fn onboard(
    pool_name: &str,
    roster: &std::path::Path,
    journal: &std::path::Path,
) -> (String, String) {
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(journal)
        .arg("scripts/onboard.rhai")
        .args(["--var", &format!("pool_name={pool_name}")])
        .args(["--var", &format!("roster={}", roster.display())])
        .output()
        .expect("runs");
    (ok(&out), stderr(&out))
}

fn writes(journal: &std::path::Path) -> Vec<String> {
    journal_lines(journal)
        .into_iter()
        .filter(|l| l["type"] == "call" && l["class"] != "read")
        .map(|l| l["function"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn onboarding_twice_changes_nothing_the_second_time() {
    let dir = temp_dir();
    let roster = dir.join("roster.csv");
    std::fs::write(
        &roster,
        "username,email,group\nalice,alice@example.com,admins\nbob,bob@example.com,support\ncarol,carol@example.com,support\n",
    )
    .expect("write");
    let name = unique("onboard");
    let (out, err) = onboard(&name, &roster, &dir.join("1.jsonl"));
    let pool = out
        .lines()
        .find_map(|l| l.strip_prefix("pool_id="))
        .expect("pool id")
        .to_string();
    assert!(err.contains(&format!("created: user pool {name}")), "{err}");
    assert!(
        err.contains("created: membership carol in support"),
        "{err}"
    );
    let first = pool_state(&pool);
    assert_eq!(
        first["users"]["bob"]["groups"],
        serde_json::json!(["support"])
    );
    assert_eq!(first["users"]["alice"]["email"], "alice@example.com");

    let (_, err) = onboard(&name, &roster, &dir.join("2.jsonl"));
    assert_eq!(writes(&dir.join("2.jsonl")), Vec::<String>::new(), "{err}");
    assert!(
        !err.contains("created:") && !err.contains("updated:"),
        "{err}"
    );
    assert_eq!(err.matches("unchanged:").count(), 1 + 2 + 3 + 3, "{err}");
    assert_eq!(pool_state(&pool), first);

    // A changed roster converges: bob's email, and dave arrives.
    std::fs::write(
        &roster,
        "username,email,group\nalice,alice@example.com,admins\nbob,bob@new.example.com,support\ncarol,carol@example.com,support\ndave,dave@example.com,admins\n",
    )
    .expect("write");
    let (_, err) = onboard(&name, &roster, &dir.join("3.jsonl"));
    assert!(err.contains(r#"updated: user bob (["email"])"#), "{err}");
    assert!(err.contains("created: user dave"), "{err}");
    let third = pool_state(&pool);
    assert_eq!(third["users"]["bob"]["email"], "bob@new.example.com");
    assert_eq!(
        third["users"]["dave"]["groups"],
        serde_json::json!(["admins"])
    );
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{pool}");"#)),
        &[],
    ));
}

#[test]
fn ensure_user_pool_converges_what_can_change_and_refuses_what_cannot() {
    let name = unique("converge");
    let out = run(
        &script(&format!(
            r#"import "ensure" as ensure;
               let id = ensure::ensure_user_pool("{name}", #{{ MfaConfiguration: "OFF", UsernameAttributes: ["email"] }});
               let again = ensure::ensure_user_pool("{name}", #{{ MfaConfiguration: "OFF", UsernameAttributes: ["email"] }});
               ensure::ensure_user_pool("{name}", #{{ UserPoolTags: #{{ team: "id" }} }});
               print(cognito::describe_user_pool(id).UserPool.UserPoolTags.team);
               print(id == again);
               ensure::ensure_user(id, "erin@example.com", #{{ MessageAction: "SUPPRESS", UserAttributes: [#{{ Name: "email", Value: "erin@example.com" }}] }});
               let user = query(cognito::list_users(id), "Users[0].Username");
               ensure::ensure_user(id, user, #{{ Enabled: false }});
               print(cognito::admin_get_user(id, user).Enabled);
               let client = ensure::ensure_user_pool_client(id, "web", #{{ ExplicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"] }});
               print(client == ensure::ensure_user_pool_client(id, "web", #{{ ExplicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"] }}));
               try {{
                   ensure::ensure_user_pool("{name}", #{{ UsernameAttributes: ["phone_number"] }});
               }} catch (e) {{ print(e); }}
               cognito::delete_user_pool(id);"#
        )),
        &[],
    );
    let text = ok(&out);
    let err = stderr(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[..4],
        ["id", "true", "false", "true"],
        "{text}\n{err}"
    );
    assert!(
        lines[4].contains("exists with other [\"UsernameAttributes\"]"),
        "{text}"
    );
    assert!(
        err.contains(&format!("unchanged: user pool {name}")),
        "{err}"
    );
    assert!(
        err.contains(&format!(r#"updated: user pool {name} (["UserPoolTags"])"#)),
        "{err}"
    );
    assert!(err.contains(r#"(["disabled"])"#), "{err}");
    assert!(err.contains("unchanged: app client web"), "{err}");
}

/// Runs `body` (after `import "ensure" as ensure;`) twice with a journal each; returns the
/// writes of each run and the second run's stderr.
fn twice(body: &str) -> (Vec<String>, Vec<String>, String) {
    let file = script(&format!("import \"ensure\" as ensure;\n{body}"));
    let mut runs = Vec::new();
    for _ in 0..2 {
        let journal = temp_dir().join("journal.jsonl");
        let out = runbook()
            .args(["run", "--yes", "--journal"])
            .arg(&journal)
            .arg(&file)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        runs.push((writes(&journal), err));
    }
    let (second, err) = runs.pop().expect("two runs");
    let (first, _) = runs.pop().expect("two runs");
    (first, second, err)
}

#[test]
fn a_pool_with_a_custom_attribute_and_a_client_with_a_secret_converge() {
    let name = unique("custom");
    let (first, second, err) = twice(&format!(
        r#"let pool = ensure::ensure_user_pool("{name}", #{{
               UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"],
               Schema: [#{{ Name: "tenant", AttributeDataType: "String", Mutable: true,
                           StringAttributeConstraints: #{{ MinLength: "1", MaxLength: "64" }} }},
                        #{{ Name: "email", AttributeDataType: "String", Required: true, Mutable: true }}] }});
           ensure::ensure_user_pool_client(pool, "backend", #{{ GenerateSecret: true,
               ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }});"#
    ));
    assert_eq!(
        first,
        [
            "cognito::create_user_pool",
            "cognito::create_user_pool_client"
        ]
    );
    assert!(second.is_empty(), "the second run wrote {second:?}:\n{err}");
    assert!(err.contains("unchanged: user pool"), "{err}");
    assert!(err.contains("unchanged: app client backend"), "{err}");
}

#[test]
fn an_immutable_member_is_refused_by_name_only_when_it_differs() {
    let name = unique("immut");
    let body = |mutable: bool, secret: bool| {
        format!(
            r#"import "ensure" as ensure;
               let pool = ensure::ensure_user_pool("{name}", #{{
                   Schema: [#{{ Name: "tier", AttributeDataType: "String", Mutable: {mutable} }}] }});
               ensure::ensure_user_pool_client(pool, "web", #{{ GenerateSecret: {secret} }});"#
        )
    };
    ok(&run(&script(&body(true, false)), &[]));
    let out = run(&script(&body(false, false)), &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("exists with other [\"Schema\"]"),
        "{}",
        stderr(&out)
    );
    let out = run(&script(&body(true, true)), &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[GenerateSecret] cannot change after creation"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ensure_policy_compares_documents_and_import_role_covers_each_region() {
    let policy = unique("logs");
    let role = unique("import");
    let ensure_in = |region: &str| {
        let out = runbook()
            .args(["run", "--yes", "--region", region])
            .arg(script(&format!(
                r#"import "import_role" as import_role;
                   import_role::ensure("{role}", "{policy}");"#
            )))
            .output()
            .expect("runs");
        (ok(&out), stderr(&out))
    };
    let document = || {
        ok(&run(
            &script(&format!(
                r#"import "ensure" as ensure;
                   print(to_json(ensure::policy_document("{policy}").Statement[0].Resource));"#
            )),
            &[],
        ))
    };
    let (_, err) = ensure_in("us-east-1");
    assert!(err.contains(&format!("created: policy {policy}")), "{err}");
    let (_, err) = ensure_in("us-east-1");
    assert!(
        err.contains(&format!("unchanged: policy {policy}")),
        "{err}"
    );
    let (_, err) = ensure_in("eu-west-1");
    assert!(err.contains(&format!("updated: policy {policy}")), "{err}");
    let resources = document();
    assert!(
        resources.contains(":us-east-1:") && resources.contains(":eu-west-1:"),
        "{resources}"
    );
    let (_, err) = ensure_in("eu-west-1");
    assert!(
        err.contains(&format!("unchanged: policy {policy}")),
        "{err}"
    );
}

#[test]
fn an_exact_declaration_removes_what_it_does_not_list_and_reverts() {
    let pool = new_pool("exact");
    let role = unique("exact");
    ok(&run(
        &script(&format!(
            r#"cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: "staff" }});
               for u in ["ann", "bo", "cy"] {{ cognito::admin_create_user("{pool}", u); }}
               for u in ["ann", "bo"] {{ cognito::admin_add_user_to_group(#{{ UserPoolId: "{pool}", Username: u, GroupName: "staff" }}); }}
               let doc = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:*", Resource: "*" }}] }};
               iam::create_role(#{{ RoleName: "{role}", AssumeRolePolicyDocument: #{{ Version: "2012-10-17", Statement: [] }} }});
               for p in ["{role}-a", "{role}-b"] {{
                   iam::attach_role_policy("{role}", iam::create_policy(p, doc).Policy.Arn);
               }}"#
        )),
        &[],
    ));
    let declared = format!(
        r#"import "ensure" as ensure;
           ensure::ensure_group_members("{pool}", "staff", ["bo", "cy"], #{{ Exact: true }});
           let keep = iam::list_policies(#{{ Scope: "Local" }}).Policies.filter(|p| p.PolicyName == "{role}-a").map(|p| p.Arn);
           ensure::ensure_role("{role}", #{{ Version: "2012-10-17", Statement: [] }}, keep, #{{ Exact: true }});"#
    );
    let file = script(&declared);
    let first = temp_dir().join("first.jsonl");
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&first)
        .arg(&file)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("removed: membership ann in staff (not declared)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("removed: attachment {role}-b on {role}")),
        "{err}"
    );
    assert_eq!(
        writes(&first),
        [
            "cognito::admin_add_user_to_group",
            "cognito::admin_remove_user_from_group",
            "iam::detach_role_policy"
        ]
    );
    // Declared exactly, a second run has nothing to do.
    let second = temp_dir().join("second.jsonl");
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&second)
        .arg(&file)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(writes(&second).is_empty(), "{:?}", writes(&second));
    // Without --yes the removals are refused: they are destructive.
    let members = || {
        ok(&run(
            &script(&format!(
                r#"print(cognito::list_users_in_group(#{{ UserPoolId: "{pool}", GroupName: "staff" }}).Users.map(|u| u.Username));
                   print(iam::list_attached_role_policies("{role}").AttachedPolicies.map(|p| p.PolicyName));"#
            )),
            &[],
        ))
        .split_whitespace()
        .collect::<String>()
    };
    assert_eq!(members(), format!(r#"["bo","cy"]["{role}-a"]"#));
    let out = runbook()
        .args(["revert", "--yes"])
        .arg(&first)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let back = members();
    assert!(
        back.contains("\"ann\"") && back.contains("\"bo\"") && !back.contains("\"cy\""),
        "{back}"
    );
    assert!(back.contains(&format!("{role}-b")), "{back}");
}

#[test]
fn a_dry_run_says_what_ensure_would_do_never_that_it_did() {
    let name = unique("would");
    let out = runbook()
        .args(["run", "--dry-run"])
        .arg(script(&format!(
            r#"import "ensure" as ensure;
               let id = ensure::ensure_user_pool("{name}", #{{}});
               ensure::ensure_group(id, "admins");"#
        )))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("would create: user pool {name}")),
        "{err}"
    );
    assert!(err.contains("would create: group admins"), "{err}");
    assert!(!err.contains("\ncreated:"), "{err}");
}
