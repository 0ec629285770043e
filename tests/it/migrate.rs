//! Moving users between pools: export, import into a new pool, restore groups, compare.

use crate::common::*;

use serde_json::Value;

/// A pool whose users can be imported (email auto-verified), with a custom attribute.
fn new_pool(prefix: &str) -> String {
    ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"],
                   Schema: [#{{ Name: "dept", AttributeDataType: "String", Mutable: true }}] }}).UserPool.Id);"#,
            unique(prefix)
        )),
        &[],
    ))
    .trim()
    .to_string()
}

/// Every user of a pool as `username → {attribute: value}` (less `sub`, which cannot move),
/// and every group as `name → (description, precedence, sorted members)`.
fn snapshot(pool: &str) -> Value {
    let out = ok(&run(
        &script(&format!(
            r#"let users = #{{}};
               aws::each("cognito::list_users", #{{ UserPoolId: "{pool}" }}, |u| {{
                   let attributes = #{{}};
                   for a in u.Attributes {{ if a.Name != "sub" {{ attributes[a.Name] = a.Value; }} }}
                   users[u.Username] = attributes;
               }});
               let groups = #{{}};
               for g in cognito::list_groups(#{{ UserPoolId: "{pool}" }}).Groups {{
                   let members = cognito::list_users_in_group(#{{ UserPoolId: "{pool}", GroupName: g.GroupName }}).Users.map(|u| u.Username);
                   members.sort();
                   groups[g.GroupName] = [g.Description, g.Precedence, members];
               }}
               print(to_json(#{{ users: users, groups: groups }}));"#
        )),
        &[],
    ));
    serde_json::from_str(out.trim()).expect("a JSON snapshot")
}

#[test]
fn five_thousand_users_move_with_their_attributes_and_groups() {
    let source = new_pool("mig-src");
    let (status, body) = emulator_http(
        "POST",
        "/_runbook/seed_users",
        &format!(
            r#"{{"pool_id": "{source}", "count": 5000, "prefix": "mover",
                 "attributes": [{{"Name": "email_verified", "Value": "true"}},
                                {{"Name": "name", "Value": "Mover {{i}}, Jr."}},
                                {{"Name": "custom:dept", "Value": "dept-{{i}}"}}]}}"#
        ),
    );
    assert_eq!(status, 204, "{body}");
    // Three groups with settings, 100 members each; one user belongs to two.
    ok(&run(
        &script(&format!(
            r#"for g in 0..3 {{
                   cognito::create_group(#{{ UserPoolId: "{source}", GroupName: `team${{g}}`, Description: `Team ${{g}}`, Precedence: g + 1 }});
                   let adds = [];
                   for i in 0..100 {{ adds.push(#{{ UserPoolId: "{source}", Username: `mover${{g * 100 + i}}`, GroupName: `team${{g}}` }}); }}
                   aws::batch("cognito::admin_add_user_to_group", adds);
               }}
               cognito::admin_add_user_to_group(#{{ UserPoolId: "{source}", Username: "mover0", GroupName: "team2" }});"#
        )),
        &[],
    ));
    let dir = temp_dir();
    let csv = dir.join("movers.csv");
    let target_name = unique("mig-dst");
    let migrate = || {
        runbook()
            .current_dir(&dir)
            .args(["run", "--yes"])
            .arg(repo().join("scripts/migrate_pool.rhai"))
            .args(["--var", &format!("source={source}")])
            .args(["--var", &format!("target_name={target_name}")])
            .args([
                "--var",
                "role_arn=arn:aws:iam::123456789012:role/Import-Cognito-Userpool",
            ])
            .args(["--var", "csv=movers.csv"])
            .output()
            .expect("runs")
    };
    let out = migrate();
    let text = ok(&out);
    assert!(text.contains("exported 5000 users"), "{text}");
    assert!(
        text.contains("imported 5000, skipped 0, failed 0"),
        "{text}"
    );
    assert!(text.contains("groups: 3 created"), "{text}");
    assert!(
        text.contains("summary: users 5000 -> 5000, groups 3 -> 3"),
        "{text}"
    );
    assert!(dir.join("movers.groups.json").exists());
    let target = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("target pool: {target_name} (")))
        .and_then(|rest| rest.strip_suffix(')'))
        .expect("the target pool's id")
        .to_string();
    // The same usernames, attribute values and memberships on both sides.
    let before = snapshot(&source);
    let after = snapshot(&target);
    assert_eq!(before["users"].as_object().map(|u| u.len()), Some(5000));
    assert_eq!(before["users"], after["users"]);
    assert_eq!(before["groups"], after["groups"]);
    assert_eq!(after["users"]["mover17"]["name"], "Mover 17, Jr.");
    assert_eq!(after["users"]["mover17"]["custom:dept"], "dept-17");
    // The file passes the target's import rules.
    let check = runbook()
        .args(["csv", "validate"])
        .arg(&csv)
        .args(["--pool", &target])
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // A second run changes nothing: every user skipped, groups unchanged.
    let again = ok(&migrate());
    assert!(
        again.contains("imported 0, skipped 5000, failed 0"),
        "{again}"
    );
    assert!(
        again.contains("0 created, 0 updated, 3 unchanged; 0 memberships added"),
        "{again}"
    );
    assert_eq!(snapshot(&target), after);
}

#[test]
fn export_lists_the_users_it_cannot_carry_and_writes_the_target_pools_header() {
    let source = new_pool("exp-src");
    let target = new_pool("exp-dst");
    ok(&run(
        &script(&format!(
            r#"cognito::admin_create_user("{source}", "fine", #{{ MessageAction: "SUPPRESS", UserAttributes: [
                   #{{ Name: "email", Value: "fine@example.com" }}, #{{ Name: "email_verified", Value: "True" }},
                   #{{ Name: "address", Value: "1 Main St, Springfield" }} ] }});
               cognito::admin_create_user("{source}", "unverified", #{{ MessageAction: "SUPPRESS", UserAttributes: [
                   #{{ Name: "email", Value: "u@example.com" }} ] }});"#
        )),
        &[],
    ));
    let dir = temp_dir();
    let csv = dir.join("out.csv");
    let out = runbook()
        .args([
            "csv",
            "export",
            "--pool",
            &source,
            "--target-pool",
            &target,
            "--out",
        ])
        .arg(&csv)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("left out: unverified: email_verified: neither email_verified nor phone_number_verified is true"),
        "{err}"
    );
    assert!(err.contains("exported 1 user to"), "{err}");
    let text = std::fs::read_to_string(&csv).expect("written");
    let header = ok(&runbook()
        .args(["csv", "template", "--pool", &target])
        .output()
        .expect("runs"));
    assert_eq!(text.lines().next(), header.lines().next());
    let row = text.lines().nth(1).expect("one user");
    assert!(row.contains("1 Main St\\, Springfield"), "{row}");
    assert!(row.contains(",true,"), "booleans lower-case: {row}");
    assert!(row.ends_with(",false,fine"), "{row}");
    assert_eq!(text.lines().count(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&csv).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "personal data is private");
    }
    let check = runbook()
        .args(["csv", "validate"])
        .arg(&csv)
        .args(["--pool", &target])
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}
