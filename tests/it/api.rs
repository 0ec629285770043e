//! The AWS bridge as a runbook author meets it, against the emulator over HTTP.

use crate::common::*;

/// Runs a runbook body against the emulator; returns stdout or panics with the output.
fn eval(body: &str) -> String {
    ok(&run(&script(body), &[]))
}

#[test]
fn list_users_follows_every_page() {
    // moto pages ListUsers by 60: 65 users need two pages.
    let out = eval(&format!(
        r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
           for i in 0..65 {{ cognito::admin_create_user(pool, `user${{i}}`, #{{ MessageAction: "SUPPRESS" }}); }}
           print(cognito::list_users(pool).Users.len());
           print(cognito::list_users(#{{ UserPoolId: pool, Limit: 10 }}).Users.len());
           cognito::delete_user_pool(pool);"#,
        unique("paged")
    ));
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["65", "10"],
        "{out}"
    );
}

#[test]
fn a_duplicate_user_is_caught_by_its_code() {
    let out = eval(&format!(
        r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
           cognito::admin_create_user(pool, "dup");
           try {{
               cognito::admin_create_user(pool, "dup");
               print("not raised");
           }} catch (e) {{
               print(e.code);
               print(e.operation);
               print(e.service);
               print(e.status);
               print(e.retryable);
               print(type_of(e.message));
           }}
           cognito::delete_user_pool(pool);"#,
        unique("dup")
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "UsernameExistsException",
            "AdminCreateUser",
            "cognito-idp",
            "400",
            "false",
            "string"
        ],
        "{out}"
    );
}

#[test]
fn an_uncaught_aws_error_names_operation_code_and_line() {
    let path =
        script("let x = 1;\ncognito::describe_user_pool(\"ap-northeast-1_doesnotexist\");\n");
    let out = run(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error: DescribeUserPool failed: ResourceNotFoundException: "),
        "{err}"
    );
    assert!(err.contains(&format!("{}:2:", path.display())), "{err}");
}

#[test]
fn bad_requests_are_refused_before_sending() {
    // Nothing listens on port 9: had anything been sent, the error would say so.
    for (request, expected) in [
        (
            r#"cognito::admin_create_user(#{ UserPoolID: "p", Username: "u" })"#,
            r#"unknown request key "UserPoolID" (did you mean "UserPoolId"?)"#,
        ),
        (
            r#"cognito::create_user_pool("p", #{ MfaConfiguration: "On" })"#,
            r#"request key "MfaConfiguration" has invalid value "On" (did you mean "ON"?)"#,
        ),
        (
            r#"cognito::admin_create_user(#{ UserPoolId: 42, Username: "u" })"#,
            r#"request key "UserPoolId" must be a string, not an integer"#,
        ),
        (
            r#"cognito::admin_create_user(#{ Username: "u" })"#,
            r#"missing required key "UserPoolId""#,
        ),
        (
            r#"cognito::create_user_pool("p", #{ AdminCreateUserConfig: #{ AllowAdminCreateUserOnyl: true } })"#,
            r#""AdminCreateUserConfig.AllowAdminCreateUserOnyl" (did you mean "AllowAdminCreateUserOnly"?)"#,
        ),
        (
            r#"iam::create_role("r", "{not json")"#,
            r#"request key "AssumeRolePolicyDocument" must be a JSON document"#,
        ),
    ] {
        // As written, a literal mistake is refused before the runbook starts (exit 2); built at
        // run time (the map passes through a function), the call itself refuses it (exit 1).
        let literal = request.contains("#{");
        let out = bare()
            .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
            .arg(script(&format!("{request};\n")))
            .output()
            .expect("runs");
        let err = stderr(&out);
        if literal {
            assert_eq!(out.status.code(), Some(2), "{request}: {err}");
            assert!(err.contains("nothing was sent"), "{request}: {err}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{request}: {err}");
            assert!(err.contains("ParamValidation"), "{request}: {err}");
        }
        assert!(
            err.contains(expected),
            "{request}: expected {expected}\n{err}"
        );
        if !literal {
            continue;
        }
        let start = request.find("#{").unwrap_or(0);
        let end = request.rfind('}').unwrap_or(request.len() - 1) + 1;
        let built = format!(
            "fn as_is(m) {{ m }}\n{}as_is({}){};\n",
            &request[..start],
            &request[start..end],
            &request[end..]
        );
        let out = bare()
            .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
            .arg(script(&built))
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{built}: {err}");
        assert!(err.contains("ParamValidation"), "{built}: {err}");
        assert!(
            err.contains(expected),
            "{built}: expected {expected}\n{err}"
        );
    }
}

#[test]
fn responses_use_api_member_names_and_iso_timestamps() {
    let out = eval(&format!(
        r#"let pool = cognito::create_user_pool("{}").UserPool;
           print(pool.Name);
           print(pool.CreationDate);
           let user = cognito::admin_create_user(pool.Id, "stamp").User;
           print(user.UserStatus);
           cognito::delete_user_pool(pool.Id);"#,
        unique("stamps")
    ));
    let lines: Vec<_> = out.lines().collect();
    assert!(lines[0].starts_with("stamps-"), "{out}");
    let stamp = lines[1];
    // The AWS CLI v2 form: 2026-11-26T05:47:40.417000+00:00 (no fraction when it is zero).
    let (main, fraction) = stamp
        .strip_suffix("+00:00")
        .map(|s| s.split_once('.').unwrap_or((s, "")))
        .unwrap_or_else(|| panic!("no +00:00 offset: {stamp}"));
    assert_eq!(main.len(), 19, "{stamp}");
    assert!(
        main.as_bytes()[4] == b'-' && main.as_bytes()[10] == b'T',
        "{stamp}"
    );
    assert!(
        fraction.is_empty() || fraction.len() == 6 && fraction != "000000",
        "{stamp}"
    );
    assert_eq!(lines[2], "FORCE_CHANGE_PASSWORD");
}

#[test]
fn iam_policy_documents_go_in_as_maps_and_come_back_decoded() {
    let role = unique("doc-role");
    let policy = unique("DocPolicy");
    let out = eval(&format!(
        r#"let trust = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow",
               Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }};
           iam::create_role("{role}", trust);
           let doc = iam::get_role("{role}").Role.AssumeRolePolicyDocument;
           print(doc.Statement[0].Principal.Service);
           let arn = iam::create_policy("{policy}", `{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}}]}}`).Policy.Arn;
           iam::attach_role_policy("{role}", arn);
           print(`${{query(iam::list_attached_role_policies("{role}"), "AttachedPolicies[].PolicyName")}}`);
           let version = iam::get_policy_version(#{{ PolicyArn: arn, VersionId: "v1" }}).PolicyVersion;
           print(version.Document.Statement[0].Action);
           let logs = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:CreateLogGroup", Resource: "*" }}] }};
           iam::put_role_policy(#{{ RoleName: "{role}", PolicyName: "inline", PolicyDocument: logs }});
           print(iam::get_role_policy(#{{ RoleName: "{role}", PolicyName: "inline" }}).PolicyDocument.Statement[0].Action);
           print(`${{iam::list_role_policies(#{{ RoleName: "{role}" }}).PolicyNames}}`);
           iam::delete_role_policy(#{{ RoleName: "{role}", PolicyName: "inline" }});
           iam::detach_role_policy("{role}", arn);
           iam::delete_role("{role}");
           iam::delete_policy(arn);
           try {{ iam::get_role("{role}"); }} catch (e) {{ print(e.code); }}"#
    ));
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines[0], "cognito-idp.amazonaws.com", "{out}");
    assert!(lines[1].contains(&policy), "{out}");
    assert!(out.contains("logs:PutLogEvents"), "{out}");
    assert!(out.contains("logs:CreateLogGroup"), "{out}");
    assert!(out.contains("inline"), "{out}");
    assert_eq!(lines.last().copied(), Some("NoSuchEntity"), "{out}");
}

#[test]
fn shorthands_take_a_trailing_map_of_further_members() {
    let out = eval(&format!(
        r#"let pool = cognito::create_user_pool("{}", #{{ UserPoolTags: #{{ team: "ops" }} }}).UserPool;
           print(pool.UserPoolTags.team);
           cognito::admin_create_user(pool.Id, "alice", #{{ UserAttributes: [#{{ Name: "email", Value: "a@example.com" }}] }});
           print(query(cognito::admin_get_user(pool.Id, "alice"), "UserAttributes[?Name=='email'].Value | [0]"));
           print(cognito::list_users(pool.Id, `username = "alice"`).Users.len());
           let client = cognito::create_user_pool_client(pool.Id, "app", #{{ GenerateSecret: true }}).UserPoolClient;
           print(client);
           cognito::delete_user_pool(pool.Id);"#,
        unique("short")
    ));
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(&lines[..3], ["ops", "a@example.com", "1"], "{out}");
    // Printing the client masks its secret.
    assert!(out.contains("\"ClientSecret\": \"********\""), "{out}");
}

#[test]
fn the_upload_needs_the_sse_header_and_a_put() {
    let pool = unique("upload");
    let out = eval(&format!(
        r#"let pool = cognito::create_user_pool("{pool}").UserPool.Id;
           let job = cognito::create_user_import_job(pool, "j", "arn:aws:iam::123456789012:role/r").UserImportJob;
           print(reveal(job.PreSignedUrl));"#
    ));
    let url = out.trim().to_string();
    // A PUT without the header is refused, as S3 refuses a request that lacks a signed header.
    let (status, body) = raw_put(&url, &[]);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("x-amz-server-side-encryption"), "{body}");
    let (status, _) = raw_put(&url, &[("x-amz-server-side-encryption", "aws:kms")]);
    assert_eq!(status, 200);

    // And upload_csv reports a refusal by status, without leaking the URL's signature.
    let bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0");
    let out = run(
        &script(&format!(
            "cognito::upload_csv(\"{bad}\", \"{}\");\n",
            repo().join("scripts/data/users.csv").display()
        )),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("UploadFailed") && err.contains("HTTP 403"),
        "{err}"
    );
    assert!(!err.contains("X-Amz-Signature"), "{err}");
}

/// A PUT over a plain TCP socket, so the test controls every header.
fn raw_put(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("path");
    http_request(host, "PUT", &format!("/{path}"), headers, "name\n")
}

#[test]
fn account_and_region_come_from_the_credentials_and_flags() {
    let out =
        eval("print(account_id()); print(region()); print(sts::get_caller_identity().Account);");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["123456789012", "ap-northeast-1", "123456789012"]
    );
}

#[test]
fn ensure_helpers_find_before_they_create() {
    let name = unique("ensured");
    let out = eval(&format!(
        r#"import "ensure" as ensure;
           let a = ensure::ensure_user_pool("{name}", #{{}});
           let b = ensure::ensure_user_pool("{name}", #{{}});
           print(a == b);
           print(query(cognito::list_user_pools(), "UserPools[?Name=='{name}'] | length(@)"));
           cognito::delete_user_pool(a);
           print(ensure::find_user_pool("{name}"));"#
    ));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["true", "1", ""], "{out}");
}

#[test]
fn a_secret_is_sent_as_itself_and_tokens_print_masked() {
    // The password set from secret() signs the user in: it reached Cognito unmasked.
    let out = runbook()
        .env("RUNBOOK_TEST_PASSWORD", "Sent#AsItself42")
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
               let client = cognito::create_user_pool_client(pool, "app", #{{ ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }}).UserPoolClient.ClientId;
               cognito::admin_create_user(pool, "carol", #{{ MessageAction: "SUPPRESS" }});
               let pw = secret("RUNBOOK_TEST_PASSWORD");
               cognito::admin_set_user_password(pool, "carol", pw, true);
               let auth = cognito::admin_initiate_auth(#{{ UserPoolId: pool, ClientId: client,
                   AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: #{{ USERNAME: "carol", PASSWORD: pw }} }});
               print(type_of(auth.AuthenticationResult.AccessToken));
               print(auth.AuthenticationResult);
               cognito::delete_user_pool(pool);"#,
            unique("secret")
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    // A token is a secret value: it prints masked, and is sent as itself.
    assert!(text.starts_with("secret\n"), "{text}");
    assert!(text.contains("\"AccessToken\": \"********\""), "{text}");
    assert!(text.contains("\"RefreshToken\": \"********\""), "{text}");
    assert!(
        !text.contains("Sent#AsItself42") && !text.contains("eyJ"),
        "{text}"
    );
}

/// The issue's two refused calls now work, and a value of the wrong kind, known only at run
/// time, is named by its parameter and its kind in words — never by Rhai's type names.
#[test]
fn every_operation_takes_its_required_members_and_says_what_it_expected() {
    let out = Test::new()
        .args(["run", "--yes"])
        .runbook(
            r#"
let pool = cognito::create_user_pool("shorthand").UserPool.Id;
cognito::create_group(pool, "admins");
cognito::create_group(pool, "ops", #{ Precedence: 2 });
cognito::admin_create_user(pool, "jane");
cognito::admin_add_user_to_group(pool, "jane", "admins");
print(query(cognito::admin_list_groups_for_user(pool, "jane"), "Groups[].GroupName"));
print(`precedence ${cognito::get_group(pool, "ops").Group.Precedence}`);
fn user(pool, name) { cognito::admin_get_user(pool, name) }
try { user(pool, 42) } catch (e) { print(e.message) }
let names = [pool];
try { cognito::create_group(names[0]) } catch (e) { print(e.message) }
fn look(x) { query(x, 1.5) }
look(pool);
"#,
        )
        .run()
        .status(1)
        .stdout_has("\"admins\"")
        .stdout_has("precedence 2")
        .stdout_has(
            "argument 2 of cognito::admin_get_user (username) must be a string, not an integer; call it as cognito::admin_get_user(request) | (user_pool_id, username[, request])",
        )
        .stdout_has("cognito::create_group does not take 1 argument; call it as cognito::create_group(request) | (user_pool_id, group_name[, request])")
        .stderr_has("query cannot take (string, float); call it as query(value, expression)");
    for rhai_name in ["ImmutableString", "&str", "i64", "f64"] {
        assert!(!out.stderr().contains(rhai_name), "{}", out.stderr());
    }
}
