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
