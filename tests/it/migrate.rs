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
    let csv = dir.join("users.csv");
    let target_name = unique("mig-dst");
    let out = migrate(&source, &target_name, &dir.join("first.jsonl"));
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
    assert!(dir.join("users.groups.json").exists());
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
    // A second run changes nothing: no user to import (no job), groups unchanged.
    let again = ok(&migrate(&source, &target_name, &dir.join("second.jsonl")));
    assert!(
        again.contains("exported 0 users") && again.contains("5000 there already"),
        "{again}"
    );
    assert!(!again.contains("imported"), "{again}");
    assert!(
        again.contains("0 created, 0 updated, 3 unchanged; 0 memberships added"),
        "{again}"
    );
    assert_eq!(snapshot(&target), after);
}

/// Every user of a pool keyed by the identity users sign in with (`email`, or the username),
/// with their attributes (less `sub`), enabled state; every group with its members by that
/// identity.
fn by_identity(pool: &str, key: &str) -> Value {
    let out = ok(&run(
        &script(&format!(
            r#"let id = |u| {{
                   if "{key}" == "username" {{ return u.Username; }}
                   for a in u.Attributes {{ if a.Name == "{key}" {{ return a.Value; }} }}
                   "?"
               }};
               let users = #{{}};
               aws::each("cognito::list_users", #{{ UserPoolId: "{pool}" }}, |u| {{
                   let attributes = #{{ enabled: u.Enabled }};
                   for a in u.Attributes {{ if a.Name != "sub" {{ attributes[a.Name] = a.Value; }} }}
                   users[id.call(u)] = attributes;
               }});
               let groups = #{{}};
               for g in cognito::list_groups(#{{ UserPoolId: "{pool}" }}).Groups {{
                   let members = cognito::list_users_in_group(#{{ UserPoolId: "{pool}", GroupName: g.GroupName }}).Users.map(|u| id.call(u));
                   members.sort();
                   groups[g.GroupName] = [g.Description, g.Precedence, members];
               }}
               print(to_json(#{{ users: users, groups: groups }}));"#
        )),
        &[],
    ));
    serde_json::from_str(out.trim()).expect("a JSON snapshot")
}

/// Runs scripts/migrate_pool.rhai from `source` to a pool named `target_name`, journaled.
fn migrate(source: &str, target_name: &str, journal: &std::path::Path) -> std::process::Output {
    let dir = journal.parent().expect("dir").to_path_buf();
    runbook()
        .current_dir(&dir)
        .args(["run", "--yes", "--journal"])
        .arg(journal)
        .arg(repo().join("scripts/migrate_pool.rhai"))
        .args(["--var", &format!("source={source}")])
        .args(["--var", &format!("target_name={target_name}")])
        .args([
            "--var",
            "role_arn=arn:aws:iam::123456789012:role/Import-Cognito-Userpool",
        ])
        .arg("--var")
        .arg(format!("csv={}", dir.join("users.csv").display()))
        .output()
        .expect("runs")
}

fn target_of(text: &str, target_name: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("target pool: {target_name} (")))
        .and_then(|rest| rest.strip_suffix(')'))
        .expect("the target pool's id")
        .to_string()
}

/// Writes of a journal (calls and sends that are not reads).
fn writes(journal: &std::path::Path) -> Vec<Value> {
    journal_lines(journal)
        .into_iter()
        .filter(|l| l["type"] == "call" || l["type"] == "sending")
        .filter(|l| l["class"] != "read")
        .collect()
}

/// Migrates a source pool made by `setup` (users, groups, disabled ones), then compares by
/// sign-in identity and runs again: the second run's journal has no write.
fn migrates_by_identity(pool_settings: &str, setup: &str, key: &str) {
    let source = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", {pool_settings}).UserPool.Id);"#,
            unique("shape-src")
        )),
        &[],
    ))
    .trim()
    .to_string();
    ok(&run(&script(&setup.replace("SOURCE", &source)), &[]));
    let dir = temp_dir();
    let target_name = unique("shape-dst");
    let first = dir.join("first.jsonl");
    let text = ok(&migrate(&source, &target_name, &first));
    assert!(text.contains("exported 12 users"), "{text}");
    assert!(text.contains("3 disabled"), "{text}");
    assert!(text.contains("imported 12, skipped 0, failed 0"), "{text}");
    assert!(
        text.contains("users 3 disabled") || text.contains("3 users disabled"),
        "{text}"
    );
    let target = target_of(&text, &target_name);
    let before = by_identity(&source, key);
    let after = by_identity(&target, key);
    assert_eq!(
        before["users"].as_object().map(|u| u.len()),
        Some(12),
        "{before}"
    );
    assert_eq!(before["users"], after["users"]);
    assert_eq!(before["groups"], after["groups"]);
    // Run again: nothing to send.
    let second = dir.join("second.jsonl");
    let again = ok(&migrate(&source, &target_name, &second));
    assert!(again.contains("12 there already"), "{again}");
    assert_eq!(writes(&second), Vec::<Value>::new(), "{again}");
    assert_eq!(by_identity(&target, key), after);
}

#[test]
fn an_email_as_username_pool_moves_by_email_with_groups_and_disabled_users() {
    migrates_by_identity(
        r#"#{ UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"],
              Schema: [#{ Name: "dept", AttributeDataType: "String", Mutable: true }] }"#,
        r#"for i in 0..12 {
               cognito::admin_create_user(#{ UserPoolId: "SOURCE", Username: `user${i}@example.com`, MessageAction: "SUPPRESS",
                   UserAttributes: [#{ Name: "email_verified", Value: "true" }, #{ Name: "name", Value: `User ${i}` },
                                    #{ Name: "custom:dept", Value: `d${i % 3}` }] });
           }
           cognito::create_group(#{ UserPoolId: "SOURCE", GroupName: "admins", Description: "Admins", Precedence: 1 });
           cognito::create_group(#{ UserPoolId: "SOURCE", GroupName: "staff" });
           for i in 0..4 { cognito::admin_add_user_to_group(#{ UserPoolId: "SOURCE", Username: `user${i}@example.com`, GroupName: "admins" }); }
           for i in 2..9 { cognito::admin_add_user_to_group(#{ UserPoolId: "SOURCE", Username: `user${i}@example.com`, GroupName: "staff" }); }
           for i in [1, 5, 10] { cognito::admin_disable_user(#{ UserPoolId: "SOURCE", Username: `user${i}@example.com` }); }"#,
        "email",
    );
}

#[test]
fn an_alias_pool_moves_with_its_custom_attribute() {
    migrates_by_identity(
        r#"#{ AliasAttributes: ["email", "preferred_username"], AutoVerifiedAttributes: ["email"],
              Schema: [#{ Name: "team", AttributeDataType: "String", Mutable: true }] }"#,
        r#"for i in 0..12 {
               cognito::admin_create_user(#{ UserPoolId: "SOURCE", Username: `alias${i}`, MessageAction: "SUPPRESS",
                   UserAttributes: [#{ Name: "email", Value: `alias${i}@example.com` }, #{ Name: "email_verified", Value: "true" },
                                    #{ Name: "preferred_username", Value: `pref${i}` }, #{ Name: "custom:team", Value: `t${i}` }] });
           }
           cognito::create_group(#{ UserPoolId: "SOURCE", GroupName: "ops", Description: "Ops", Precedence: 3 });
           for i in 0..6 { cognito::admin_add_user_to_group(#{ UserPoolId: "SOURCE", Username: `alias${i}`, GroupName: "ops" }); }
           for i in [0, 7, 11] { cognito::admin_disable_user(#{ UserPoolId: "SOURCE", Username: `alias${i}` }); }"#,
        "username",
    );
}

#[test]
fn the_emulator_fails_a_row_the_service_refuses_and_logs_why() {
    let pool = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"] }}).UserPool.Id);"#,
            unique("rowfail")
        )),
        &[],
    ))
    .trim()
    .to_string();
    let dir = temp_dir();
    let csv = dir.join("users.csv");
    let header = ok(&runbook()
        .args(["csv", "template", "--pool", &pool])
        .output()
        .expect("runs"));
    let columns: Vec<&str> = header.trim().split(',').collect();
    let row = |username: &str| {
        columns
            .iter()
            .map(|c| match *c {
                "cognito:username" => username.to_string(),
                "email" => format!("{}@example.com", username.trim_end_matches("@example.com")),
                "email_verified" => "true".into(),
                "cognito:mfa_enabled" | "phone_number_verified" => "false".into(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    std::fs::write(
        &csv,
        format!(
            "{}
{}
{}
",
            header.trim(),
            row("good@example.com"),
            row("bob")
        ),
    )
    .expect("csv");
    // The validator names the row and column before anything is uploaded…
    let check = runbook()
        .args(["csv", "validate"])
        .arg(&csv)
        .args(["--pool", &pool])
        .output()
        .expect("runs");
    let report = stdout(&check);
    assert!(
        report.contains("line 3") && report.contains("cognito:username"),
        "{report}"
    );
    assert!(report.contains("is not an email address"), "{report}");
    // …and the service (the emulator, as it) fails that row only, saying why in the job's log.
    let out = ok(&run(
        &script(&format!(
            r#"let job = cognito::create_user_import_job(#{{ UserPoolId: "{pool}", JobName: "rows",
                   CloudWatchLogsRoleArn: "arn:aws:iam::123456789012:role/Import" }}).UserImportJob;
               cognito::upload_csv(job.PreSignedUrl, "{}");
               cognito::start_user_import_job(#{{ UserPoolId: "{pool}", JobId: job.JobId }});
               let status = "";
               for i in 0..100 {{
                   let now = cognito::describe_user_import_job(#{{ UserPoolId: "{pool}", JobId: job.JobId }}).UserImportJob;
                   status = now.Status;
                   if status == "Succeeded" || status == "Failed" {{ print(`${{now.ImportedUsers}} ${{now.FailedUsers}}`); break; }}
                   sleep(0.2);
               }}
               print(status);
               print(to_json(cognito::import_report("{pool}", job.JobId)));"#,
            csv.display()
        )),
        &[],
    ));
    assert!(out.contains("1 1\nSucceeded"), "{out}");
    assert!(
        out.contains("Username should be either an email or a phone number"),
        "{out}"
    );
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

/// A whole pool: TOTP MFA, two app clients (one with a secret and OAuth settings), a domain,
/// an OIDC and a SAML provider with attribute mappings, a resource server with scopes, Lambda
/// triggers, tags and the hosted UI's CSS.
const WHOLE_POOL: &str = r#"
let p = cognito::create_user_pool(param("name"), #{
    UserPoolTags: #{ team: "identity", env: "prod" },
    LambdaConfig: #{ PreSignUp: "arn:aws:lambda:ap-northeast-1:123456789012:function:pre-signup" },
    AutoVerifiedAttributes: ["email"],
}).UserPool.Id;
cognito::set_user_pool_mfa_config(#{ UserPoolId: p, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: #{ Enabled: true } });
cognito::create_user_pool_domain(#{ Domain: param("name"), UserPoolId: p });
cognito::create_identity_provider(#{ UserPoolId: p, ProviderName: "Okta", ProviderType: "OIDC",
    ProviderDetails: #{ client_id: "okta-app", client_secret: "okta-Secret-1", authorize_scopes: "openid email", oidc_issuer: "https://corp.okta.example.com", attributes_request_method: "GET" },
    AttributeMapping: #{ email: "email", given_name: "given_name" } });
cognito::create_identity_provider(#{ UserPoolId: p, ProviderName: "Corp", ProviderType: "SAML",
    ProviderDetails: #{ MetadataURL: "https://idp.corp.example.com/metadata" },
    AttributeMapping: #{ email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" }, IdpIdentifiers: ["corp"] });
cognito::create_resource_server(#{ UserPoolId: p, Identifier: "https://api.example.com", Name: "API",
    Scopes: [#{ ScopeName: "read", ScopeDescription: "Read" }, #{ ScopeName: "write", ScopeDescription: "Write" }] });
let web = cognito::create_user_pool_client(p, "web", #{ GenerateSecret: true, AllowedOAuthFlows: ["code"],
    AllowedOAuthScopes: ["openid", "https://api.example.com/read"], AllowedOAuthFlowsUserPoolClient: true,
    CallbackURLs: ["https://app.example.com/cb"], LogoutURLs: ["https://app.example.com/bye"],
    SupportedIdentityProviders: ["COGNITO", "Okta", "Corp"], AccessTokenValidity: 30,
    TokenValidityUnits: #{ AccessToken: "minutes" } }).UserPoolClient.ClientId;
let mobile = cognito::create_user_pool_client(p, "mobile", #{ ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }).UserPoolClient.ClientId;
cognito::set_ui_customization(#{ UserPoolId: p, ClientId: "ALL", CSS: ".banner-customizable { background-color: navy; }" });
cognito::set_ui_customization(#{ UserPoolId: p, ClientId: web, CSS: ".submitButton-customizable { color: white; }" });
cognito::admin_create_user(p, "ann", #{ UserAttributes: [#{ Name: "email", Value: "ann@example.com" }], MessageAction: "SUPPRESS" });
print(to_json([p, web, mobile]));
"#;

#[test]
fn a_whole_pool_moves_and_is_compared_item_by_item() {
    let name = unique("whole");
    let made = ok(&runbook()
        .args([
            "eval",
            "--yes",
            "--var",
            &format!("name={name}"),
            WHOLE_POOL,
        ])
        .output()
        .expect("runs"));
    let ids: Vec<String> =
        serde_json::from_str(made.lines().next().expect("ids")).expect("JSON ids");
    let (source, web, mobile) = (&ids[0], &ids[1], &ids[2]);
    let dir = temp_dir();
    let first = dir.join("first.jsonl");
    let out = migrate(source, &format!("{name}-moved"), &first);
    let text = ok(&out);
    let target = target_of(&text, &format!("{name}-moved"));
    for line in [
        "MFA configuration: 1 copied, 0 already there, 0 cannot be copied",
        "identity providers: 2 copied, 0 already there, 0 cannot be copied",
        "resource servers: 1 copied, 0 already there, 0 cannot be copied",
        "app clients: 2 copied, 0 already there, 0 cannot be copied",
        "domain: 1 copied, 0 already there, 0 cannot be copied",
        "hosted UI looks: 2 copied, 0 already there, 0 cannot be copied",
        "Lambda triggers: 1 copied, 0 already there, 0 cannot be copied",
        "compared: the target holds every item of the source that can move",
        &format!("domain: {name} is the source's; the target's is {name}-2"),
        "--principal cognito-idp.amazonaws.com --source-arn arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // Old client id -> new, its name, whether it has a new secret; no secret in the file.
    let mapping_path = dir.join("users.clients.json");
    let mapping: Value =
        serde_json::from_str(&std::fs::read_to_string(&mapping_path).expect("clients.json"))
            .expect("JSON");
    assert_eq!(mapping[web]["ClientName"], "web");
    assert_eq!(mapping[web]["NewSecret"], true);
    assert_eq!(mapping[mobile]["NewSecret"], false);
    let new_web = mapping[web]["ClientId"]
        .as_str()
        .expect("new id")
        .to_string();
    assert_ne!(&new_web, web);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&mapping_path)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Item by item, as the service reads them back: the target has what the source has.
    let read = ok(&runbook()
        .args(["eval", "--var", &format!("t={target}"), "--var", &format!("web={new_web}")])
        .arg(
            r#"let t = param("t");
               let okta = cognito::describe_identity_provider(t, "Okta").IdentityProvider;
               let corp = cognito::describe_identity_provider(t, "Corp").IdentityProvider;
               let web = cognito::describe_user_pool_client(t, param("web")).UserPoolClient;
               let pool = cognito::describe_user_pool(t).UserPool;
               print(to_json(#{
                   mfa: cognito::get_user_pool_mfa_config(t),
                   okta_secret: reveal(okta.ProviderDetails.client_secret) == "okta-Secret-1",
                   okta_mapping: okta.AttributeMapping,
                   corp: [corp.ProviderType, corp.IdpIdentifiers, corp.ProviderDetails.MetadataURL],
                   scopes: cognito::describe_resource_server(t, "https://api.example.com").ResourceServer.Scopes.map(|s| s.ScopeName),
                   web: [web.ClientSecret != (), web.CallbackURLs, web.AllowedOAuthScopes, web.SupportedIdentityProviders, web.TokenValidityUnits],
                   tags: pool.UserPoolTags,
                   trigger: pool.LambdaConfig.PreSignUp,
                   css: cognito::get_ui_customization(#{ UserPoolId: t, ClientId: param("web") }).UICustomization.CSS,
               }));"#,
        )
        .output()
        .expect("runs"));
    let read: Value = serde_json::from_str(read.trim()).expect("JSON");
    assert_eq!(
        read["mfa"],
        serde_json::json!({"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": true}})
    );
    assert_eq!(read["okta_secret"], true);
    assert_eq!(
        read["okta_mapping"],
        serde_json::json!({"email": "email", "given_name": "given_name"})
    );
    assert_eq!(
        read["corp"],
        serde_json::json!(["SAML", ["corp"], "https://idp.corp.example.com/metadata"])
    );
    assert_eq!(read["scopes"], serde_json::json!(["read", "write"]));
    assert_eq!(
        read["web"],
        serde_json::json!([true, ["https://app.example.com/cb"], ["openid", "https://api.example.com/read"], ["COGNITO", "Okta", "Corp"], {"AccessToken": "minutes"}])
    );
    assert_eq!(
        read["tags"],
        serde_json::json!({"team": "identity", "env": "prod"})
    );
    assert_eq!(
        read["trigger"],
        "arn:aws:lambda:ap-northeast-1:123456789012:function:pre-signup"
    );
    assert_eq!(read["css"], ".submitButton-customizable { color: white; }");
    // Secrets never reach the output or the journal.
    let secret = "okta-Secret-1";
    assert!(!text.contains(secret) && !stderr(&out).contains(secret));
    let journal = std::fs::read_to_string(&first).expect("journal");
    assert!(
        !journal.contains(secret),
        "the journal holds the IdP's secret"
    );
    // Again: every item is there already, and nothing is written.
    let second = dir.join("second.jsonl");
    let again = ok(&migrate(source, &format!("{name}-moved"), &second));
    assert!(
        again.contains("app clients: 0 copied, 2 already there, 0 cannot be copied"),
        "{again}"
    );
    assert_eq!(writes(&second), Vec::<Value>::new());
    // A pool setting changed since (a tag) is brought back to the source's.
    ok(&runbook()
        .args(["eval", "--yes"])
        .arg(format!(
            r#"cognito::tag_resource(#{{ ResourceArn: cognito::describe_user_pool("{target}").UserPool.Arn, Tags: #{{ env: "dev" }} }})"#
        ))
        .output()
        .expect("runs"));
    let fourth = dir.join("fourth.jsonl");
    ok(&migrate(source, &format!("{name}-moved"), &fourth));
    let sent: Vec<String> = writes(&fourth)
        .iter()
        .filter(|w| w["type"] == "call")
        .map(|w| w["function"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(sent, ["cognito::update_user_pool"]);
    let tags = ok(&runbook()
        .args(["eval", "--query", "UserPool.UserPoolTags.env"])
        .arg(format!(r#"cognito::describe_user_pool("{target}")"#))
        .output()
        .expect("runs"));
    assert_eq!(tags.trim(), "\"prod\"");
    // A difference the migration does not own fails the comparison, naming the item.
    ok(&runbook()
        .args(["eval", "--yes"])
        .arg(format!(
            r#"cognito::create_user_pool_client("{target}", "legacy")"#
        ))
        .output()
        .expect("runs"));
    let third = migrate(source, &format!("{name}-moved"), &dir.join("third.jsonl"));
    assert_eq!(third.status.code(), Some(1), "{}", stderr(&third));
    assert!(
        stderr(&third).contains("the target differs from the source")
            && stderr(&third).contains("app clients: "),
        "{}",
        stderr(&third)
    );
}
