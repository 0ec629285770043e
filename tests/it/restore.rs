//! Every write undone exactly, or said not to be: what `runbook ops`, a plan and a revert say
//! of each write, and the newcomer's cases that a revert must put back as they were.

use crate::common::*;

/// `runbook eval EXPR` against the emulator; its stdout.
fn eval(expr: &str) -> String {
    Test::new()
        .args(["eval", "--yes", expr])
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
    ran.revert(&["--yes"])
        .status(0)
        .stderr_has("changed nothing, nothing to undo: cognito::admin_remove_user_from_group GroupName=free")
        .stderr_has("undone: cognito::admin_remove_user_from_group GroupName=free");
    assert_eq!(groups("ann"), r#"["free"]"#, "ann is back where she was");
    assert_eq!(groups("bo"), "[]", "bo is in no group, as before");
}

#[test]
fn what_someone_made_again_since_the_run_is_left_by_its_revert() {
    let pool = new_pool("again");
    let role = unique("inline");
    eval(&format!(
        r#"iam::create_role(#{{ RoleName: "{role}", AssumeRolePolicyDocument: #{{ Version: "2012-10-17",
               Statement: [#{{ Effect: "Allow", Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }} }});"#
    ));
    let provider = |secret: &str| {
        format!(
            r#"cognito::create_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp", ProviderType: "OIDC",
                   ProviderDetails: #{{ client_id: "{secret}", client_secret: "s", authorize_scopes: "openid",
                       oidc_issuer: "https://corp.example", attributes_request_method: "GET" }} }});"#
        )
    };
    let policy = |action: &str| {
        format!(
            r#"iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "guard",
                   PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Deny", Action: "{action}", Resource: "*" }}] }} }});"#
        )
    };
    let server = |name: &str| {
        format!(
            r#"cognito::create_resource_server(#{{ UserPoolId: "{pool}", Identifier: "api", Name: "{name}" }});"#
        )
    };
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            "{}\n{}\n{}",
            provider("first"),
            policy("s3:*"),
            server("first")
        ))
        .run()
        .status(0);
    // Someone deletes each and makes it again, otherwise, after the run.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    eval(&format!(
        r#"cognito::delete_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp" }});
           {}
           iam::delete_role_policy(#{{ RoleName: "{role}", PolicyName: "guard" }});
           {}
           cognito::delete_resource_server(#{{ UserPoolId: "{pool}", Identifier: "api" }});
           {}"#,
        provider("second"),
        policy("iam:*"),
        server("second")
    ));
    let reverted = ran.revert(&["--yes"]).status(0);
    for what in [
        "cognito::create_identity_provider",
        "iam::put_role_policy",
        "cognito::create_resource_server",
    ] {
        assert!(
            reverted.stderr().contains(&format!(
                "made again since the run (not the one it created), left as it is: {what}"
            )),
            "{what}:\n{}",
            reverted.stderr()
        );
    }
    let left = eval(&format!(
        r#"[cognito::describe_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp" }}).IdentityProvider.ProviderDetails.client_id,
            iam::get_role_policy(#{{ RoleName: "{role}", PolicyName: "guard" }}).PolicyDocument.Statement[0].Action,
            cognito::describe_resource_server(#{{ UserPoolId: "{pool}", Identifier: "api" }}).ResourceServer.Name]"#
    ));
    assert_eq!(
        left.split_whitespace().collect::<String>(),
        r#"["second","iam:*","second"]"#
    );
}

#[test]
fn an_upsert_over_what_was_there_is_put_back_and_only_what_it_added_is_removed() {
    let role = unique("guarded");
    let pool = eval(&format!(
        r#"iam::create_role(#{{ RoleName: "{role}", AssumeRolePolicyDocument: #{{ Version: "2012-10-17",
               Statement: [#{{ Effect: "Allow", Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }} }});
           iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "deny-guard",
               PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Deny", Action: "iam:*", Resource: "*" }}] }} }});
           iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "same",
               PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Deny", Action: "s3:*", Resource: "*" }}] }} }});
           let pool = cognito::create_user_pool(#{{ PoolName: "{role}", UserPoolTags: #{{ team: "ops", cost: "1" }} }}).UserPool;
           pool.Arn"#
    ))
    .trim_matches('"')
    .to_string();
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "deny-guard",
                   PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "iam:*", Resource: "*" }}] }} }});
               iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "same",
                   PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Deny", Action: "s3:*", Resource: "*" }}] }} }});
               iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "new",
                   PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Deny", Action: "ec2:*", Resource: "*" }}] }} }});
               cognito::tag_resource(#{{ ResourceArn: "{pool}", Tags: #{{ team: "dev", owner: "ann" }} }});"#
        ))
        .run()
        .status(0);
    ran.revert(&["--yes"])
        .status(0)
        .stderr_has("changed nothing, nothing to undo: iam::put_role_policy");
    let after = eval(&format!(
        r#"[iam::get_role_policy(#{{ RoleName: "{role}", PolicyName: "deny-guard" }}).PolicyDocument.Statement[0].Effect,
            iam::get_role_policy(#{{ RoleName: "{role}", PolicyName: "same" }}).PolicyDocument.Statement[0].Action,
            iam::list_role_policies(#{{ RoleName: "{role}" }}).PolicyNames,
            cognito::list_tags_for_resource(#{{ ResourceArn: "{pool}" }}).Tags]"#
    ));
    assert_eq!(
        after.split_whitespace().collect::<String>(),
        r#"["Deny","s3:*",["deny-guard","same"],{"cost":"1","team":"ops"}]"#,
        "{after}"
    );
}

#[test]
fn a_least_privilege_run_says_once_which_writes_it_cannot_revert_and_why() {
    let pool = new_pool("least");
    eval(&format!(
        r#"for u in ["ann", "bo"] {{ cognito::admin_create_user("{pool}", u); }}"#
    ));
    let app = app_id("least");
    inject(&format!(r#"{{"app": "{app}", "deny": ["AdminGetUser"]}}"#));
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"for u in ["ann", "bo"] {{
                   cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: u,
                       UserAttributes: [#{{ Name: "name", Value: "New" }}] }});
               }}"#
        ))
        .run()
        .status(0)
        .stderr_has("warning: cognito::admin_update_user_attributes will not be revertible in this run: the read of what it changes, cognito-idp:AdminGetUser denied (AccessDeniedException)");
    assert_eq!(
        ran.stderr().matches("will not be revertible").count(),
        1,
        "said once per operation:\n{}",
        ran.stderr()
    );
    let unread: Vec<_> = ran
        .journal()
        .into_iter()
        .filter(|l| l["type"] == "call" && l["class"] != "read")
        .map(|l| l["unread"].clone())
        .collect();
    assert_eq!(
        unread,
        vec![serde_json::json!("cognito-idp:AdminGetUser denied (AccessDeniedException)"); 2]
    );
    ran.revert(&["--yes"])
        .status(0)
        .stderr_has("— no before-image: the read before it, cognito-idp:AdminGetUser denied (AccessDeniedException)");
}

#[test]
fn a_dry_run_takes_the_catch_branch_the_real_run_takes() {
    let pool = new_pool("trycatch");
    eval(&format!(
        r#"cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: "admins" }});"#
    ));
    let body = format!(
        r#"for name in ["admins", "fresh", "fresh"] {{
               try {{
                   cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: name }});
                   print(`created ${{name}}`);
               }} catch (e) {{
                   print(`${{name}}: ${{e.code}}`);
               }}
           }}"#
    );
    let planned = Test::new()
        .args(["run", "--dry-run"])
        .runbook(&body)
        .run()
        .status(0);
    let ran = Test::new()
        .args(["run", "--yes"])
        .runbook(&body)
        .run()
        .status(0);
    assert_eq!(
        planned.stdout(),
        "admins: GroupExistsException\ncreated fresh\nfresh: GroupExistsException\n"
    );
    assert_eq!(planned.stdout(), ran.stdout(), "the plan is the run");
    assert_eq!(
        planned.stderr().matches("+ cognito::create_group").count(),
        1,
        "only the create that happens is planned:\n{}",
        planned.stderr()
    );
}

#[test]
fn an_email_change_in_an_email_pool_and_a_partial_conflict_revert_exactly() {
    let name = unique("emailpool");
    let pool = eval(&format!(
        r#"let pool = cognito::create_user_pool(#{{ PoolName: "{name}", UsernameAttributes: ["email"] }}).UserPool.Id;
           cognito::admin_create_user(#{{ UserPoolId: pool, Username: "old@example.com", MessageAction: "SUPPRESS",
               UserAttributes: [#{{ Name: "email", Value: "old@example.com" }}, #{{ Name: "name", Value: "Ann" }},
                                #{{ Name: "nickname", Value: "A" }}] }});
           pool"#
    ))
    .trim_matches('"')
    .to_string();
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "old@example.com",
                   UserAttributes: [#{{ Name: "email", Value: "new@example.com" }}, #{{ Name: "name", Value: "Annie" }},
                                    #{{ Name: "nickname", Value: "Nan" }}] }});"#
        ))
        .run()
        .status(0);
    // Someone renames her since the run: that one attribute is theirs now.
    eval(&format!(
        r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "new@example.com",
               UserAttributes: [#{{ Name: "name", Value: "Anna" }}] }});"#
    ));
    ran.revert(&["--yes"])
        .status(0)
        .stderr_has("changed since the run, left as it is (--force puts it back)")
        .stderr_has(r#"name: "Anna" → "Annie""#)
        .stderr_has("undone: cognito::admin_update_user_attributes");
    let now = eval(&format!(
        r#"let a = #{{}};
           for x in cognito::admin_get_user("{pool}", "old@example.com").UserAttributes {{ a[x.Name] = x.Value; }}
           [a.email, a.name, a.nickname]"#
    ));
    assert_eq!(
        now.split_whitespace().collect::<String>(),
        r#"["old@example.com","Anna","A"]"#,
        "the email and nickname went back; the name someone changed since stayed"
    );
}

#[test]
fn revert_dry_run_reads_the_state_and_says_what_the_revert_will_skip() {
    let pool = new_pool("drydo");
    eval(&format!(
        r#"cognito::admin_create_user(#{{ UserPoolId: "{pool}", Username: "ann", MessageAction: "SUPPRESS",
               UserAttributes: [#{{ Name: "name", Value: "Ann" }}] }});"#
    ));
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "ann",
                   UserAttributes: [#{{ Name: "name", Value: "Annie" }}] }});
               cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: "ops" }});"#
        ))
        .run()
        .status(0);
    // Since the run: the name changed again, and the group is gone.
    eval(&format!(
        r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "ann",
               UserAttributes: [#{{ Name: "name", Value: "Anna" }}] }});
           cognito::delete_group(#{{ UserPoolId: "{pool}", GroupName: "ops" }});"#
    ));
    let planned = ran.revert(&["--dry-run"]).status(0);
    let done = ran.revert(&["--yes"]).status(0);
    for said in [
        "changed since the run, left as it is (--force puts it back): cognito::admin_update_user_attributes",
        "already gone, skipped: cognito::create_group",
    ] {
        assert!(
            planned.stderr().contains(said),
            "dry run: {said}\n{}",
            planned.stderr()
        );
        assert!(
            done.stderr().contains(said),
            "revert: {said}\n{}",
            done.stderr()
        );
    }
    assert!(
        !planned.stderr().contains("plan 1:"),
        "nothing is left to plan:\n{}",
        planned.stderr()
    );
}

#[test]
fn a_dry_run_reads_nothing_before_a_write_to_what_it_plans_to_make() {
    Test::new()
        .args(["run", "--dry-run"])
        .runbook(&format!(
            r#"let pool = cognito::create_user_pool("{}").UserPool;
               cognito::tag_resource(#{{ ResourceArn: pool.Arn, Tags: #{{ team: "ops" }} }});
               cognito::admin_create_user(pool.Id, "u1");
               cognito::admin_delete_user_attributes(#{{ UserPoolId: pool.Id, Username: "u1", UserAttributeNames: ["email"] }});"#,
            unique("plantag")
        ))
        .run()
        .status(0)
        .stderr_has("plan 2: + cognito::tag_resource")
        .stderr_lacks("will not be revertible");
}

#[test]
fn an_identity_provider_secret_is_masked_and_its_delete_is_said_not_revertible() {
    let pool = new_pool("idp-secret");
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::create_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp", ProviderType: "OIDC",
                   ProviderDetails: #{{ client_id: "corp-app", client_secret: "idp-s3cret-value", authorize_scopes: "openid",
                       oidc_issuer: "https://corp.example", attributes_request_method: "GET" }} }});
               print(cognito::describe_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp" }}).IdentityProvider.ProviderDetails);
               cognito::create_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Saml", ProviderType: "SAML",
                   ProviderDetails: #{{ MetadataURL: "https://idp.example/metadata.xml" }} }});"#
        ))
        .run()
        .status(0)
        .stdout_lacks("idp-s3cret-value")
        .stdout_has("corp-app");
    assert!(
        !std::fs::read_to_string(ran.journal_path().expect("a journal"))
            .expect("journal")
            .contains("idp-s3cret-value"),
        "the journal keeps no identity provider secret"
    );
    let deleted = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::delete_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Corp" }});
               cognito::delete_identity_provider(#{{ UserPoolId: "{pool}", ProviderName: "Saml" }});"#
        ))
        .run()
        .status(0);
    deleted
        .revert(&["--yes"])
        .status(0)
        .stderr_has("holds a secret (client_secret), which the journal never keeps");
    let left = eval(&format!(
        r#"cognito::list_identity_providers(#{{ UserPoolId: "{pool}" }}).Providers.map(|p| p.ProviderName)"#
    ));
    assert_eq!(left.split_whitespace().collect::<String>(), r#"["Saml"]"#);
}

/// The seed's post-import clean-up — list the users, update each — sends the requests a boto3
/// loop sends: the listing serves as each update's before-image (the journal says so), and a
/// revert still puts every user back. A user written since its listing is read again.
#[test]
fn a_groups_listing_tells_which_additions_change_anything() {
    // ann is in staff already; bob and cat are not.
    let pool = made_by(
        r#"let p = cognito::create_user_pool("listed-groups").UserPool.Id;
               for u in ["ann", "bob", "cat"] { cognito::admin_create_user(p, u); }
               cognito::create_group(p, "staff");
               cognito::admin_add_user_to_group(p, "ann", "staff");
               p"#,
    );
    let app = app_id("listed-groups");
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .var("pool", &pool)
        .runbook(
            r#"let pool = param("pool");
let users = cognito::list_users(pool).Users;
let members = cognito::list_users_in_group(pool, "staff").Users.map(|u| u.Username);
for u in users {
    cognito::admin_add_user_to_group(pool, u.Username, "staff");
}
// Added since the listing: the list cannot tell, so it reads.
cognito::admin_add_user_to_group(pool, "bob", "staff");
"#,
        )
        .journal()
        .run()
        .status(0);
    let cognito = data_path_actions(&app);
    assert_eq!(
        cognito,
        [
            "ListUsers",
            "ListUsersInGroup",
            "AdminAddUserToGroup",
            "AdminAddUserToGroup",
            "AdminAddUserToGroup",
            "AdminListGroupsForUser",
            "AdminAddUserToGroup",
        ]
    );
    let adds: Vec<serde_json::Value> = ran
        .journal()
        .into_iter()
        .filter(|l| l["type"] == "call" && l["operation"] == "AdminAddUserToGroup")
        .collect();
    let changed: Vec<_> = adds.iter().map(|a| a["changed"].clone()).collect();
    assert_eq!(
        changed,
        [
            serde_json::json!(false),
            serde_json::Value::Null,
            serde_json::Value::Null,
            serde_json::json!(false)
        ]
    );
    for add in &adds[..3] {
        assert_eq!(add["before_from"], "cognito::list_users_in_group", "{add}");
    }
    assert!(adds[3].get("before_from").is_none(), "{}", adds[3]);
    // The revert takes out bob and cat, and leaves ann where she was before the run.
    ran.revert(&["--yes"]).status(0);
    let members = ok(&runbook()
        .args(["eval", "--query", "Users[].Username"])
        .arg(format!("cognito::list_users_in_group({pool:?}, \"staff\")"))
        .output()
        .expect("runs"));
    let members: Vec<String> = serde_json::from_str(&members).expect("JSON");
    assert_eq!(members, ["ann"]);
}

#[test]
fn a_listing_serves_as_the_before_image_of_each_update() {
    let pool = made_by(
        r#"let p = cognito::create_user_pool("listed-updates").UserPool.Id;
               for u in ["ann", "bob", "cat"] {
                   cognito::admin_create_user(p, u, #{ UserAttributes: [#{ Name: "name", Value: "old " + u }] });
               }
               p"#,
    );
    let app = app_id("listed");
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .var("pool", &pool)
        .runbook(
            r#"let pool = param("pool");
for u in cognito::list_users(pool).Users {
    cognito::admin_update_user_attributes(pool, u.Username, #{ UserAttributes: [#{ Name: "name", Value: "new " + u.Username }] });
}
// Written since the listing: its next update reads it first.
cognito::admin_update_user_attributes(pool, "ann", #{ UserAttributes: [#{ Name: "name", Value: "newer ann" }] });
"#,
        )
        .journal()
        .run()
        .status(0);
    let cognito = data_path_actions(&app);
    assert_eq!(
        cognito,
        [
            "ListUsers",
            "AdminUpdateUserAttributes",
            "AdminUpdateUserAttributes",
            "AdminUpdateUserAttributes",
            "AdminGetUser",
            "AdminUpdateUserAttributes",
        ]
    );
    let updates: Vec<serde_json::Value> = ran
        .journal()
        .into_iter()
        .filter(|l| l["type"] == "call" && l["operation"] == "AdminUpdateUserAttributes")
        .collect();
    assert_eq!(updates.len(), 4);
    for update in &updates[..3] {
        assert_eq!(update["before_from"], "cognito::list_users", "{update}");
    }
    assert!(updates[3].get("before_from").is_none(), "{}", updates[3]);
    assert_eq!(
        updates[3]["before"]["UserAttributes"][0]["Value"], "new ann",
        "{}",
        updates[3]
    );
    ran.revert(&["--yes"]).status(0);
    let names = ok(&runbook()
        .args([
            "eval",
            "--query",
            "Users[].Attributes[?Name=='name'].Value[]",
        ])
        .arg(format!("cognito::list_users({pool:?})"))
        .output()
        .expect("runs"));
    let names: Vec<String> = serde_json::from_str(&names).expect("JSON");
    assert_eq!(names, ["old ann", "old bob", "old cat"]);
}

/// The actions `app` sent, in order: the account lookup and the reads of its limits (once
/// per category) aside.
fn data_path_actions(app: &str) -> Vec<String> {
    recorded(app)
        .iter()
        .filter_map(|r| r["action"].as_str().map(str::to_string))
        .filter(|a| a != "GetCallerIdentity" && a != "GetProvisionedLimit")
        .collect()
}

/// The id a set-up expression (`runbook eval --yes`) returns: the pool it made.
fn made_by(setup: &str) -> String {
    let out = ok(&runbook()
        .args(["eval", "--yes", setup])
        .output()
        .expect("runs"));
    out.trim().trim_matches('"').to_string()
}
