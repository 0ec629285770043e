//! Wire fidelity: runbook sends exactly the members a runbook wrote and prints exactly what the
//! service returned, as the AWS CLI does. Requests are read back on the emulator's side, and
//! responses are compared with the AWS CLI's own output for the same calls.

use crate::common::*;

use serde_json::{Value, json};

/// The JSON bodies the emulator received from `app` for one action, in order.
fn bodies(app: &str, action: &str) -> Vec<Value> {
    recorded(app)
        .into_iter()
        .filter(|r| r["action"] == action)
        .map(|r| serde_json::from_str(r["body"].as_str().unwrap_or("")).expect("a JSON body"))
        .collect()
}

#[test]
fn a_partial_admin_create_user_config_is_sent_as_written() {
    let app = app_id("partial");
    let name = unique("partial");
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool(#{{
                   PoolName: "{name}",
                   AdminCreateUserConfig: #{{ AllowAdminCreateUserOnly: true }},
                   Policies: #{{ PasswordPolicy: #{{ MinimumLength: 12, TemporaryPasswordValidityDays: 3 }} }},
               }}).UserPool;
               cognito::update_user_pool(#{{
                   UserPoolId: pool.Id,
                   AdminCreateUserConfig: #{{ InviteMessageTemplate: #{{ EmailSubject: "Welcome" }} }},
               }});
               print(to_json(cognito::describe_user_pool(pool.Id).UserPool.AdminCreateUserConfig));
               print(pool.Id);
               cognito::delete_user_pool(pool.Id);"#
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    let mut lines = text.lines();
    let config: Value = serde_json::from_str(lines.next().unwrap_or("")).expect("json");
    let pool_id = lines.next().unwrap_or("").to_string();
    assert_eq!(
        bodies(&app, "CreateUserPool"),
        [json!({
            "PoolName": name,
            "AdminCreateUserConfig": { "AllowAdminCreateUserOnly": true },
            "Policies": { "PasswordPolicy": { "MinimumLength": 12, "TemporaryPasswordValidityDays": 3 } },
        })]
    );
    assert_eq!(
        bodies(&app, "UpdateUserPool"),
        [json!({
            "UserPoolId": pool_id,
            "AdminCreateUserConfig": { "InviteMessageTemplate": { "EmailSubject": "Welcome" } },
        })]
    );
    // What the service holds is what was sent: no UnusedAccountValidityDays came back either.
    assert!(
        config.get("UnusedAccountValidityDays").is_none(),
        "{config}"
    );
}

#[test]
fn the_emulator_refuses_unused_account_validity_days_like_the_live_api() {
    // The emulator is stricter than the live API on purpose, so a regression cannot pass.
    let out = run(
        &script(&format!(
            r#"cognito::create_user_pool("{}", #{{ AdminCreateUserConfig: #{{ UnusedAccountValidityDays: 7 }} }});"#,
            unique("deprecated")
        )),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("CreateUserPool failed: InvalidParameterException: Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"),
        "{err}"
    );
}

/// A request holding only the required members of `members`, and every nested structure (at
/// any depth, required or not) with only its own required members: if the SDK defaulted in
/// any unset number or boolean anywhere, the body would hold more than this.
fn minimal_request(members: &Value, stack: &mut Vec<String>) -> Value {
    let mut out = serde_json::Map::new();
    for (name, d) in members.as_object().into_iter().flatten() {
        let required = d["required"] == true;
        if let Some(value) = sample(d, required, stack) {
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

/// The value a member gets in `minimal_request`, or `None` to leave it out.
fn sample(d: &Value, required: bool, stack: &mut Vec<String>) -> Option<Value> {
    match d["type"].as_str().unwrap_or("") {
        "structure" => {
            let name = d["name"].as_str().unwrap_or("").to_string();
            let members = d.get("members")?;
            if stack.contains(&name) {
                return None;
            }
            stack.push(name);
            let value = minimal_request(members, stack);
            stack.pop();
            Some(value)
        }
        "list" => {
            let item = sample(&d["member"], required, stack)?;
            Some(json!([item]))
        }
        "map" => {
            let value = sample(&d["value"], required, stack)?;
            Some(json!({ "k": value }))
        }
        _ if !required => None,
        "string" => Some(match d.get("values").and_then(|v| v.get(0)) {
            Some(first) => first.clone(),
            None => json!("x"),
        }),
        "boolean" => Some(json!(true)),
        "integer" | "long" => Some(json!(1)),
        "double" => Some(json!(1.5)),
        "timestamp" => Some(json!("2026-11-26T05:47:40.417000+00:00")),
        "blob" => Some(json!("eA==")),
        _ => Some(json!({})),
    }
}

/// A timestamp of `minimal_request` as it goes on the wire (epoch seconds, exactly).
fn wire_form(value: Value) -> Value {
    match value {
        Value::String(s) if s == "2026-11-26T05:47:40.417000+00:00" => {
            serde_json::from_str("1795672060.417").expect("number")
        }
        Value::Array(items) => Value::Array(items.into_iter().map(wire_form).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, wire_form(v))).collect())
        }
        other => other,
    }
}

#[test]
fn every_cognito_operation_sends_only_the_members_written() {
    let ops = ok(&bare()
        .args(["ops", "--json", "--members", "cognito::"])
        .output()
        .expect("runs"));
    let ops: Vec<Value> = serde_json::from_str(&ops).expect("ops --json");
    let mut calls = String::new();
    let mut expected = Vec::new();
    for op in ops.iter().filter(|op| op.get("input").is_some()) {
        let name = op["name"].as_str().unwrap_or("");
        let api = op["api"].as_str().unwrap_or("");
        assert!(!api.is_empty());
        let request = minimal_request(&op["input"], &mut Vec::new());
        let text = request.to_string();
        calls.push_str(&format!(
            "try {{ cognito::{name}(json_parse({text:?})); }} catch (e) {{ }}\n"
        ));
        expected.push((name.to_string(), api.to_string(), wire_form(request)));
    }
    assert_eq!(expected.len(), 132, "every cognito operation");
    let app = app_id("everyop");
    ok(&runbook_as(&app)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["run", "--yes"])
        .arg(script(&calls))
        .output()
        .expect("runs"));
    let seen = recorded(&app);
    for (name, api, request) in expected {
        // Its own request among those of its action (runbook reads GetProvisionedLimit for
        // its pacing, and reads before some writes, with requests of their own).
        let bodies: Vec<Value> = seen
            .iter()
            .filter(|r| r["action"] == api.as_str())
            .map(|r| serde_json::from_str(r["body"].as_str().unwrap_or("")).expect("json"))
            .collect();
        assert!(!bodies.is_empty(), "{name}: nothing reached the emulator");
        assert!(
            bodies.contains(&request),
            "{name}: no wire body is the request {request}: {bodies:?}"
        );
    }
}

/// Counts the attempts the client makes against a server that keeps failing with 500.
fn attempts(configure: impl FnOnce(&mut std::process::Command)) -> usize {
    let app = app_id("attempts");
    inject(&format!(r#"{{"app": "{app}", "server_errors": 10}}"#));
    let mut cmd = runbook_as(&app);
    configure(&mut cmd);
    let out = cmd
        .arg("run")
        .arg(script("cognito::list_user_pools();"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("InternalErrorException"),
        "{}",
        stderr(&out)
    );
    recorded(&app)
        .iter()
        .filter(|r| r["action"] == "ListUserPools")
        .count()
}

#[test]
fn retries_follow_the_standard_settings() {
    assert_eq!(
        attempts(|c| {
            c.env("AWS_MAX_ATTEMPTS", "1");
        }),
        1
    );
    assert_eq!(attempts(|_| {}), 3, "the SDK's standard default");
    assert_eq!(
        attempts(|c| {
            c.env("AWS_MAX_ATTEMPTS", "4")
                .env("AWS_RETRY_MODE", "standard");
        }),
        4
    );
    let config = temp_dir().join("config");
    std::fs::write(
        &config,
        "[default]\nmax_attempts = 2\nretry_mode = standard\n",
    )
    .expect("write");
    assert_eq!(
        attempts(|c| {
            c.env("AWS_CONFIG_FILE", &config);
        }),
        2,
        "the profile's max_attempts"
    );
}

/// Runs `aws ARGS` against the emulator, the way an operator would, with the CLI v2's
/// timestamp format, and returns its JSON output.
fn aws_cli(args: &[&str]) -> Value {
    serde_json::from_str(&aws_cli_as(args, "json")).expect("the AWS CLI prints JSON")
}

/// `--output text` and `--output table` print what the AWS CLI prints for the same call, to
/// the byte: nested members, lists of maps with members only some have, a one-row section
/// turned vertical when wider than the terminal, a `--query`.
#[test]
fn text_and_table_are_what_the_aws_cli_prints() {
    let name = unique("outputs");
    let pool = ok(&runbook()
        .args(["eval", "--yes"])
        .arg(format!(
            r#"let p = cognito::create_user_pool("{name}", #{{ UserPoolTags: #{{ team: "id" }} }}).UserPool.Id;
               cognito::admin_create_user(p, "ann", #{{ UserAttributes: [#{{ Name: "email", Value: "ann@x.io" }}], MessageAction: "SUPPRESS" }});
               cognito::admin_create_user(p, "bob", #{{ MessageAction: "SUPPRESS" }});
               cognito::create_group(p, "admins", #{{ Description: "the admins", Precedence: 1 }});
               cognito::create_group(p, "ops");
               p"#
        ))
        .output()
        .expect("runs"));
    let pool = pool.trim().trim_matches('"');
    let cases: &[(&[&str], String, &[&str])] = &[
        (
            &["list-users", "--user-pool-id", pool],
            format!("cognito::list_users({pool:?})"),
            &[],
        ),
        (
            &["describe-user-pool", "--user-pool-id", pool],
            format!("cognito::describe_user_pool({pool:?})"),
            &[],
        ),
        (
            &["list-groups", "--user-pool-id", pool],
            format!("cognito::list_groups(#{{ UserPoolId: {pool:?} }})"),
            &[],
        ),
        (
            &[
                "get-group",
                "--user-pool-id",
                pool,
                "--group-name",
                "admins",
            ],
            format!("cognito::get_group({pool:?}, \"admins\")"),
            &[],
        ),
        (
            &["list-users", "--user-pool-id", pool],
            format!("cognito::list_users({pool:?})"),
            &["--query", "Users[].Username"],
        ),
        (
            &["list-users", "--user-pool-id", pool],
            format!("cognito::list_users({pool:?})"),
            &["--query", "Users[0]"],
        ),
        (
            &["list-users", "--user-pool-id", pool],
            format!("cognito::list_users({pool:?})"),
            &["--query", "length(Users)"],
        ),
    ];
    for (cli, expression, extra) in cases {
        for output in ["text", "table"] {
            let mut args: Vec<&str> = vec!["cognito-idp"];
            args.extend(cli.iter());
            args.extend(extra.iter());
            let theirs = aws_cli_as(&args, output);
            let ours = ok(&runbook()
                .args(["eval", "--output", output])
                .args(extra.iter())
                .arg(expression)
                .output()
                .expect("runs"));
            assert_eq!(ours, theirs, "{output} of {expression} {extra:?}");
        }
    }
    // The quick look as the README writes it: the pool named by --var.
    let ours = ok(&runbook()
        .args([
            "eval",
            "--var",
            &format!("pool={pool}"),
            "--output",
            "table",
        ])
        .arg("cognito::list_users(pool)")
        .output()
        .expect("runs"));
    let theirs = aws_cli_as(
        &["cognito-idp", "list-users", "--user-pool-id", pool],
        "table",
    );
    assert_eq!(ours, theirs);
}

#[test]
fn responses_equal_what_the_aws_cli_prints_for_the_same_calls() {
    let name = unique("same");
    let path = format!("/{}/", name);
    // Each line of the runbook prints one response as JSON; the CLI is asked the same.
    let out = ok(&run(
        &script(&format!(
            r#"let trust = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }};
               let role = iam::create_role(#{{ RoleName: "{name}", Path: "{path}", AssumeRolePolicyDocument: trust, Description: "wire" }});
               let policy = iam::create_policy(#{{ PolicyName: "{name}", Path: "{path}", PolicyDocument: #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:*", Resource: "*" }}] }} }});
               iam::attach_role_policy("{name}", policy.Policy.Arn);
               iam::tag_role(#{{ RoleName: "{name}", Tags: [#{{ Key: "team", Value: "id" }}] }});
               let pool = cognito::create_user_pool("{name}", #{{ AutoVerifiedAttributes: ["email"], UserPoolTags: #{{ team: "id" }} }}).UserPool.Id;
               cognito::admin_create_user(pool, "u1", #{{ UserAttributes: [#{{ Name: "email", Value: "u1@example.com" }}], MessageAction: "SUPPRESS" }});
               let client = cognito::create_user_pool_client(pool, "{name}").UserPoolClient.ClientId;
               let job = cognito::create_user_import_job(pool, "{name}", role.Role.Arn).UserImportJob.JobId;
               print(pool); print(client); print(job); print(policy.Policy.Arn);
               print(to_json(role)); print(to_json(policy));
               print(to_json(iam::get_role("{name}")));
               print(to_json(iam::list_roles(#{{ PathPrefix: "{path}" }})));
               print(to_json(iam::get_policy(policy.Policy.Arn)));
               print(to_json(iam::list_policies(#{{ PathPrefix: "{path}", Scope: "Local" }})));
               print(to_json(iam::get_policy_version(#{{ PolicyArn: policy.Policy.Arn, VersionId: "v1" }})));
               print(to_json(iam::list_attached_role_policies("{name}")));
               print(to_json(cognito::describe_user_pool(pool)));
               print(to_json(cognito::admin_get_user(pool, "u1")));
               print(to_json(cognito::list_users(pool)));
               print(to_json(cognito::describe_user_pool_client(pool, client)));
               print(to_json(cognito::describe_user_import_job(pool, job)));"#
        )),
        &[],
    ));
    let lines: Vec<&str> = out.lines().collect();
    let (pool, client, job, policy_arn) = (lines[0], lines[1], lines[2], lines[3]);
    let ours: Vec<Value> = lines[4..]
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let theirs = [
        aws_cli(&["iam", "get-role", "--role-name", &name]),
        aws_cli(&["iam", "get-policy", "--policy-arn", policy_arn]),
        aws_cli(&["iam", "get-role", "--role-name", &name]),
        aws_cli(&["iam", "list-roles", "--path-prefix", &path]),
        aws_cli(&["iam", "get-policy", "--policy-arn", policy_arn]),
        aws_cli(&[
            "iam",
            "list-policies",
            "--path-prefix",
            &path,
            "--scope",
            "Local",
        ]),
        aws_cli(&[
            "iam",
            "get-policy-version",
            "--policy-arn",
            policy_arn,
            "--version-id",
            "v1",
        ]),
        aws_cli(&["iam", "list-attached-role-policies", "--role-name", &name]),
        aws_cli(&["cognito-idp", "describe-user-pool", "--user-pool-id", pool]),
        aws_cli(&[
            "cognito-idp",
            "admin-get-user",
            "--user-pool-id",
            pool,
            "--username",
            "u1",
        ]),
        aws_cli(&["cognito-idp", "list-users", "--user-pool-id", pool]),
        aws_cli(&[
            "cognito-idp",
            "describe-user-pool-client",
            "--user-pool-id",
            pool,
            "--client-id",
            client,
        ]),
        aws_cli(&[
            "cognito-idp",
            "describe-user-import-job",
            "--user-pool-id",
            pool,
            "--job-id",
            job,
        ]),
    ];
    let labels = [
        "create_role (vs get-role; tags added since)",
        "create_policy (vs get-policy)",
        "get_role",
        "list_roles",
        "get_policy",
        "list_policies",
        "get_policy_version",
        "list_attached_role_policies",
        "describe_user_pool",
        "admin_get_user",
        "list_users",
        "describe_user_pool_client",
        "describe_user_import_job",
    ];
    // The pre-signed URL is a secret: runbook shows it without its signature (the query
    // string); the rest of it is the CLI's.
    let (ours_url, theirs_url) = (
        ours[12]["UserImportJob"]["PreSignedUrl"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        theirs[12]["UserImportJob"]["PreSignedUrl"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    );
    assert_eq!(
        ours_url,
        format!("{}?********", theirs_url.split('?').next().unwrap_or(""))
    );
    let mut ours = ours;
    let mut theirs = theirs;
    for job in [&mut ours[12], &mut theirs[12]] {
        job["UserImportJob"]["PreSignedUrl"] = Value::Null;
    }
    // create_role answered before the role was tagged and create_policy before the policy was
    // attached: compare those two with get-role / get-policy on the members that stay.
    for (i, label) in labels.iter().enumerate().skip(2) {
        assert_eq!(
            ours[i], theirs[i],
            "{label}: runbook and the AWS CLI differ"
        );
    }
    for key in [
        "PolicyName",
        "PolicyId",
        "Arn",
        "Path",
        "DefaultVersionId",
        "CreateDate",
    ] {
        assert_eq!(
            ours[1]["Policy"][key], theirs[1]["Policy"][key],
            "create_policy {key}"
        );
    }
    let created = &ours[0]["Role"];
    for key in [
        "RoleName",
        "RoleId",
        "Arn",
        "Path",
        "CreateDate",
        "AssumeRolePolicyDocument",
        "Description",
    ] {
        assert_eq!(created[key], theirs[0]["Role"][key], "create_role {key}");
    }
    // Merged lists carry no pagination markers, as in the CLI.
    assert!(ours[3].get("IsTruncated").is_none() && ours[3].get("Marker").is_none());
    // Timestamps are the CLI v2's form, to the microsecond.
    let stamp = ours[12]["UserImportJob"]["CreationDate"]
        .as_str()
        .unwrap_or("");
    let fraction = stamp
        .strip_suffix("+00:00")
        .map(|s| s.split_once('.').map_or("", |(_, f)| f));
    assert!(
        fraction.is_some_and(|f| f.is_empty() || f.len() == 6),
        "{stamp}"
    );
}

#[test]
fn a_request_for_one_page_keeps_its_markers() {
    let name = unique("onepage");
    let path = format!("/{name}/");
    let out = ok(&run(
        &script(&format!(
            r#"let trust = `{{"Version":"2012-10-17","Statement":[]}}`;
               for i in 0..3 {{ iam::create_role(#{{ RoleName: `{name}-${{i}}`, Path: "{path}", AssumeRolePolicyDocument: trust }}); }}
               let page = iam::list_roles(#{{ PathPrefix: "{path}", MaxItems: 2 }});
               print(page.Roles.len()); print(page.IsTruncated); print(type_of(page.Marker));
               let all = iam::list_roles(#{{ PathPrefix: "{path}" }});
               print(all.Roles.len()); print(to_json(all.keys()));
               for i in 0..3 {{ iam::delete_role(`{name}-${{i}}`); }}"#
        )),
        &[],
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["2", "true", "string", "3", "[\"Roles\"]"],
        "{out}"
    );
}

/// Does the wire body equal the journaled request (the request map the runbook wrote, secrets
/// masked there)? Each member must be there with the same value; a masked one with any string.
fn same_request(body: &Value, journaled: &Value) -> bool {
    match (body, journaled) {
        (Value::String(_), Value::String(masked)) if masked == "********" => true,
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_request(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same_request(v, w))
        }
        (a, b) => a == b,
    }
}

/// Runs a runbook of `scripts/` with a journal and checks every cognito-idp request the
/// emulator received against the request map the journal recorded, in order.
fn sends_what_it_writes(file: &str, vars: &[(&str, &str)]) -> usize {
    let app = app_id("scripts");
    let journal = temp_dir().join("j.jsonl");
    let mut cmd = runbook_as(&app);
    cmd.args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(file);
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    ok(&cmd.output().expect("runs"));
    // One request on the wire per attempt the journal counts (the SDK retries a request that
    // failed in transit or with a 5xx, sending the same body again).
    let journaled: Vec<Value> = journal_lines(&journal)
        .into_iter()
        .filter(|l| l["type"] == "call" && l["service"] == "cognito-idp")
        .flat_map(|l| {
            let attempts = l["attempts"].as_u64().unwrap_or(0).max(1) as usize;
            std::iter::repeat_n(l, attempts)
        })
        .collect();
    let sent: Vec<Value> = recorded(&app)
        .into_iter()
        .filter(|r| {
            r["user_agent"]
                .as_str()
                .is_some_and(|ua| ua.contains("cognitoidentityprovider"))
        })
        .collect();
    let actions = |v: &[Value], key: &str| -> Vec<String> {
        v.iter()
            .map(|x| x[key].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(
        sent.len(),
        journaled.len(),
        "{file}: one request per journaled attempt\nsent:      {:?}\njournaled: {:?}",
        actions(&sent, "action"),
        actions(&journaled, "operation")
    );
    for (wire, line) in sent.iter().zip(&journaled) {
        assert_eq!(wire["action"], line["operation"], "{file}: in order");
        let mut body: Value =
            serde_json::from_str(wire["body"].as_str().unwrap_or("")).expect("json");
        // A list's next page carries the token of the page before it: the one member the
        // tool adds by design (pages are journaled with the request as written). Only the
        // page that follows one may carry it.
        let operation = line["operation"].as_str().unwrap_or("");
        if operation.starts_with("List")
            && line["request"].get("NextToken").is_none()
            && let Some(token) = body.as_object_mut().and_then(|b| b.remove("NextToken"))
        {
            assert!(
                token.as_str().is_some_and(|t| !t.is_empty()),
                "{file}: {operation} sent an empty page token"
            );
        }
        assert!(
            same_request(&body, &line["request"]),
            "{file}: {} sent {body} for the request {}",
            line["operation"],
            line["request"]
        );
    }
    sent.len()
}

#[test]
fn every_cognito_call_of_the_scripts_sends_exactly_the_request_written() {
    // Its own names: the walkthrough test runs the seed's (fixed) ones on the same emulator.
    let n = sends_what_it_writes(
        "scripts/walkthrough.rhai",
        &[
            ("pool_name", &unique("wired")),
            ("role_name", &unique("WiredImportRole")),
            ("policy_name", &unique("WiredLogsPolicy")),
        ],
    );
    assert!(n > 20, "{n} calls");
    // The import runbook, on a pool and role made for it.
    let setup = ok(&run(
        &script(&format!(
            r#"import "import_role" as import_role;
               print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);
               print(import_role::ensure("{}", "{}"));"#,
            unique("wired-import"),
            unique("WiredRole"),
            unique("WiredPolicy")
        )),
        &[],
    ));
    let mut lines = setup.lines();
    let (pool, role) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let n = sends_what_it_writes(
        "scripts/import_users.rhai",
        &[
            ("pool_id", pool),
            ("role_arn", role),
            ("job_name", &unique("wired")),
        ],
    );
    assert!(n > 5, "{n} calls");
}

/// A Rhai expression for a JSON value: a literal for text, numbers and booleans, else parsed.
fn rhai_literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        other => format!("json_parse({:?})", other.to_string()),
    }
}

/// The value a positional argument gets: its member's sample, with text and numbers made
/// unique to the call and the position, so that a member filled from the wrong argument (or
/// a request another call sent) cannot pass for it.
fn positional_value(d: &Value, call: usize, position: usize) -> Value {
    match (d["type"].as_str().unwrap_or(""), d.get("values")) {
        ("string", None) => json!(format!("v{call}n{position}")),
        ("integer" | "long", _) => json!(call * 10 + position + 1),
        _ => sample(d, true, &mut Vec::new()).unwrap_or(json!({})),
    }
}

/// An IAM (query protocol) body as member → value, the action and version left out.
fn query_pairs(body: &str) -> std::collections::BTreeMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            let mut bytes = Vec::new();
            let mut it = v.bytes();
            while let Some(b) = it.next() {
                if b == b'%' {
                    let hex: String = it.by_ref().take(2).map(char::from).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
                } else {
                    bytes.push(b);
                }
            }
            (k.to_string(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .filter(|(k, _)| k != "Action" && k != "Version")
        .collect()
}

/// The issue's rule, for every operation of every namespace: its required members
/// positionally, scope first, then optionally a map of the rest; what goes over the wire is
/// exactly that request.
#[test]
fn every_operation_takes_its_required_members_positionally() {
    let ops = ok(&bare()
        .args(["ops", "--json", "--members"])
        .output()
        .expect("runs"));
    let ops: Vec<Value> = serde_json::from_str(&ops).expect("ops --json");
    let mut calls = String::new();
    let mut expected: Vec<(String, String, Value)> = Vec::new();
    let mut covered = 0;
    let mut required: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (n, op) in ops
        .iter()
        .filter(|op| op.get("input").is_some())
        .enumerate()
    {
        let qualified = format!(
            "{}::{}",
            op["namespace"].as_str().unwrap_or(""),
            op["name"].as_str().unwrap_or("")
        );
        let forms = op["positional"].as_array().cloned().unwrap_or_default();
        if forms.is_empty() {
            assert_eq!(
                qualified, "cognito::get_provisioned_limit",
                "no positional form"
            );
            continue;
        }
        covered += 1;
        let input = &op["input"];
        required.insert(
            qualified.clone(),
            input
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, d)| d["required"] == true)
                .map(|(k, _)| k.clone())
                .collect(),
        );
        for (f, form) in forms.iter().enumerate() {
            let call = n * 4 + f * 2;
            let members: Vec<&str> = form
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let api = op["api"].as_str().unwrap_or("").to_string();
            // The form's arguments, then (`rest`) a map of one more member.
            let mut one_call = |call: usize, rest: Option<&str>| {
                let mut request = serde_json::Map::new();
                let mut args = Vec::new();
                for (i, m) in members.iter().enumerate() {
                    let value = positional_value(&input[*m], call, i);
                    args.push(rhai_literal(&value));
                    request.insert(m.to_string(), value);
                }
                if let Some(name) = rest {
                    let extra = format!("v{call}rest");
                    args.push(format!("#{{ {name}: {extra:?} }}"));
                    request.insert(name.to_string(), json!(extra));
                }
                calls.push_str(&format!(
                    "try {{ {qualified}({}); }} catch (e) {{ }}\n",
                    args.join(", ")
                ));
                expected.push((qualified.clone(), api.clone(), Value::Object(request)));
            };
            one_call(call, None);
            // Then a map of the rest: the first optional text member not positional.
            let optional = input.as_object().into_iter().flatten().find(|(name, d)| {
                d["required"] != true
                    && d["type"] == "string"
                    && d.get("values").is_none()
                    && !members.contains(&name.as_str())
                    && !name.ends_with("Token")
                    && name.as_str() != "Marker"
            });
            if let Some((name, _)) = optional {
                one_call(call + 1, Some(name));
            }
        }
    }
    assert!(
        covered >= 158,
        "{covered} operations with a positional form"
    );
    let app = app_id("positional");
    ok(&runbook_as(&app)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["run", "--yes"])
        .arg(script(&calls))
        .output()
        .expect("runs"));
    let seen = recorded(&app);
    let mut missing = Vec::new();
    for (qualified, api, request) in &expected {
        let sent = seen.iter().any(|r| {
            let same_action = r["action"] == api.as_str();
            let body = r["body"].as_str().unwrap_or("");
            same_action
                && match serde_json::from_str::<Value>(body) {
                    // Exactly the request, and the required members runbook fills in
                    // when a positional call leaves them out (a list's page size).
                    Ok(Value::Object(json)) => {
                        let want = wire_form(request.clone());
                        json.iter().all(|(k, v)| match want.get(k) {
                            Some(w) => w == v,
                            None => required.get(qualified).is_some_and(|r| r.contains(k)),
                        }) && want
                            .as_object()
                            .is_some_and(|w| w.keys().all(|k| json.contains_key(k)))
                    }
                    Ok(_) => false,
                    // IAM's query protocol: each scalar member as itself, a document as its
                    // JSON text, a list by its first item.
                    Err(_) => {
                        let pairs = query_pairs(body);
                        request
                            .as_object()
                            .into_iter()
                            .flatten()
                            .all(|(k, v)| match v {
                                Value::String(s) => pairs.get(k) == Some(s),
                                Value::Object(_) => pairs.get(k) == Some(&v.to_string()),
                                Value::Array(_) => pairs
                                    .keys()
                                    .any(|p| p.starts_with(&format!("{k}.member.1"))),
                                other => pairs.get(k) == Some(&other.to_string()),
                            })
                            && pairs.keys().filter(|p| !p.contains(".member.")).count()
                                == request
                                    .as_object()
                                    .map_or(0, |r| r.iter().filter(|(_, v)| !v.is_array()).count())
                    }
                }
        });
        if !sent {
            missing.push(format!("{qualified} {request}"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} calls did not send their request:\n{}",
        missing.len(),
        expected.len(),
        missing.join("\n")
    );
}
