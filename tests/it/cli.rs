//! The command line as a user meets it: exit codes, messages, `check`, `ops`, `--local`, REPL.

use crate::common::*;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_script_that_does_not_parse_exits_2_naming_file_line_col() {
    let path = script("let pool = \"p\";\nlet x = (1 + ;\n");
    let out = bare().arg("run").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("error: {}:2:", path.display())),
        "{err}"
    );
}

#[test]
fn a_missing_file_and_a_bad_flag_are_usage_errors() {
    let out = bare()
        .args(["run", "/nonexistent/runbook.rhai"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read /nonexistent/runbook.rhai"),
        "{}",
        stderr(&out)
    );
    let out = bare()
        .args(["run", "x.rhai", "--var", "novalue"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected KEY=VALUE"),
        "{}",
        stderr(&out)
    );
    // Found before anything is sent: nothing listens on port 9.
    let out = bare()
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            "csv",
            "validate",
            "/nonexistent/users.csv",
            "--pool",
            "p",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read /nonexistent/users.csv"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_endpoint_fails_within_seconds_without_a_panic() {
    let path = script("cognito::list_user_pools();\n");
    let start = Instant::now();
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
        .arg(&path)
        .output()
        .expect("runs");
    let elapsed = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "ListUserPools failed: EndpointUnreachable: could not reach the cognito-idp endpoint"
        ),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
}

#[test]
fn missing_region_and_credentials_say_what_to_set() {
    let path = script("cognito::list_user_pools();\n");
    let out = bare()
        .env_remove("AWS_REGION")
        .arg("run")
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("ListUserPools failed: NoRegion: no AWS region is configured: pass --region"),
        "{}",
        stderr(&out)
    );
    let out = bare()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("run")
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("ListUserPools failed: NoCredentials: no usable AWS credentials"),
        "{err}"
    );
    assert!(err.contains("or rehearse with --local"), "{err}");
}

#[test]
fn the_endpoint_error_is_catchable_and_retryable() {
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
        .arg(script(
            "try { iam::list_roles(); } catch (e) { print(`${e.code} ${e.retryable}`); }\n",
        ))
        .output()
        .expect("runs");
    assert_eq!(
        stdout(&out).trim(),
        "EndpointUnreachable true",
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_runbook_without_aws_calls_needs_no_credentials() {
    let out = bare()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .args(["run"])
        .arg(script(
            "print(query(json_parse(`{\"a\": [1, 2, 3]}`), \"a[1]\"));\nprint(vars.who);\n",
        ))
        .args(["--var", "who=operator"])
        .output()
        .expect("runs");
    assert_eq!(ok(&out).lines().collect::<Vec<_>>(), ["2", "operator"]);
}

#[test]
fn secrets_never_print_but_are_sent_as_themselves() {
    let out = bare()
        .env("RUNBOOK_TEST_SECRET", "Hunter2#Secret")
        .arg("run")
        .arg(script(
            r#"let pw = secret("RUNBOOK_TEST_SECRET");
               print(pw);
               print(`interpolated: ${pw}`);
               print(#{ Password: pw, Username: "u" });
               print(to_json(#{ value: pw }));
               debug(pw);
               throw #{ message: "failed", TemporaryPassword: "Literal#Secret1" };"#,
        ))
        .output()
        .expect("runs");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !all.contains("Hunter2#Secret") && !all.contains("Literal#Secret1"),
        "{all}"
    );
    assert!(stdout(&out).contains("interpolated: ********"), "{all}");
}

#[test]
fn every_listed_helper_is_callable() {
    // Each helper `ops` lists, called with each argument count it documents; failures are fine
    // (nothing listens on port 9), a missing function is not.
    let calls = [
        r#"cognito::import_users("p", "missing.csv", #{ CloudWatchLogsRoleArn: "arn" })"#,
        r#"cognito::upload_csv("http://127.0.0.1:9/x", "missing.csv")"#,
        r#"cognito::wait_user_import_job("p", "j")"#,
        r#"cognito::wait_user_import_job("p", "j", #{ timeout: 0 })"#,
        r#"cognito::import_report("p", "j")"#,
        r#"cognito::export_users("p", "out.csv")"#,
        r#"cognito::export_users("p", "out.csv", #{ TargetPoolId: "q" })"#,
        r#"cognito::restore_groups("p", "missing.json")"#,
        r#"cognito::import_report("p", "j", "missing.csv")"#,
        r#"cognito::generate_password("p")"#,
        r#"query(#{ a: 1 }, "a")"#,
        "account_id()",
        "region()",
        "dry_run()",
        r#"env("HOME")"#,
        r#"env("NOPE", 1)"#,
        r#"secret("HOME")"#,
        r#"param("x")"#,
        r#"param("x", 1)"#,
        r#"read_file("missing.txt")"#,
        r#"read_csv("missing.csv")"#,
        r#"write_file("/nonexistent/out.txt", "x")"#,
        r#"write_file("/nonexistent/out.txt", "x", #{ Force: true })"#,
        r#"json_parse("{}")"#,
        "to_json(1)",
        "to_json(1, true)",
        "sleep(0)",
        r#"aws::batch("cognito::admin_get_user", [])"#,
        r#"aws::batch("cognito::admin_get_user", [], #{ concurrency: 2 })"#,
        r#"aws::each("cognito::list_users", #{ UserPoolId: "p" }, |u| u)"#,
        r#"aws::members("cognito::update_group")"#,
        r#"reveal("x")"#,
        r#"eprint("x")"#,
        "print_table([1])",
        r#"print_table([1], "T")"#,
        "assert(true)",
        r#"assert(true, "m")"#,
        "assert_eq(1, 1)",
        r#"assert_eq(1, 1, "m")"#,
        "assert_ne(1, 2)",
        r#"assert_ne(1, 2, "m")"#,
        r#"expect_error("X", || throw #{ code: "X" })"#,
        "plan(|| 1)",
        r#"runbook("missing.rhai")"#,
        r#"runbook("missing.rhai", #{})"#,
        r#"cognito::sign_in("p", "c", "u", "pw")"#,
        r#"cognito::sign_in("p", "c", "u", "pw", #{ Flow: "USER_PASSWORD_AUTH" })"#,
        r#"cognito::secret_hash("c", "s", "u")"#,
        r#"cognito::set_up_totp("token")"#,
        r#"totp("JBSWY3DPEHPK3PXP")"#,
        r#"totp("JBSWY3DPEHPK3PXP", 59)"#,
        r#"hmac_sha256("k", "m")"#,
        r#"sha256("x")"#,
        r#"base64_encode("x")"#,
        r#"base64_decode("eA==")"#,
    ];
    let body: String = calls
        .iter()
        .map(|c| format!("try {{ {c}; }} catch (e) {{ if `${{e}}`.contains(\"Function not found\") {{ print(`missing: {}`); }} }}\n", c.replace('`', "")))
        .collect();
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
        .arg(script(&body))
        .output()
        .expect("runs");
    let text = ok(&out);
    assert!(!text.contains("missing:"), "{text}");
    // Every helper `ops` lists appears above.
    let ops: serde_json::Value =
        serde_json::from_str(&ok(&bare().args(["ops", "--json"]).output().expect("runs")))
            .expect("JSON");
    for op in ops.as_array().expect("array") {
        let sig = op["signature"].as_str().unwrap_or_default();
        // Registered natively (stdlib modules are Rhai code, imported by the runbook).
        let native =
            ["cognito", "iam", "aws", ""].contains(&op["namespace"].as_str().unwrap_or(""));
        if native && !sig.contains("(request)") {
            let name = format!("{}(", sig.split('(').next().unwrap_or_default());
            assert!(
                calls.iter().any(|c| c.starts_with(&name)),
                "{name} is listed but not called here"
            );
        }
    }
}

#[test]
fn check_knows_plain_functions_too() {
    let path = script(
        "let f = |x| x + 1;\nprint(f(2));\nfn helper(cb) { cb.call(1) }\npirnt(param(\"x\", 1));\nprint(region());\n",
    );
    let out = bare().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:4:1: unknown function pirnt (did you mean print?)",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn read_csv_and_read_file_resolve_paths_beside_the_runbook() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("people.csv"),
        "username,team\nalice,\"ops, east\"\nbob,dev\n",
    )
    .expect("csv");
    std::fs::write(dir.join("note.txt"), "hello").expect("txt");
    std::fs::write(
        dir.join("book.rhai"),
        "for p in read_csv(\"people.csv\") { print(`${p.username}: ${p.team}`); }\nprint(read_file(\"note.txt\"));\n",
    )
    .expect("rhai");
    let out = bare()
        .arg("run")
        .arg(dir.join("book.rhai"))
        .current_dir("/")
        .output()
        .expect("runs");
    assert_eq!(
        ok(&out).lines().collect::<Vec<_>>(),
        ["alice: ops, east", "bob: dev", "hello"]
    );
    let out = bare()
        .arg("run")
        .arg(script("read_csv(\"missing.csv\");"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("read_csv: cannot read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_finds_unknown_functions_and_wrong_arities_without_sending() {
    // Every runbook and stdlib module of the project passes, schema checks included.
    let mut everything: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["scripts", "stdlib"] {
        for entry in std::fs::read_dir(repo().join(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rhai") {
                everything.push(path);
            }
        }
    }
    let out = bare()
        .arg("check")
        .args(&everything)
        .output()
        .expect("runs");
    let good = ok(&out);
    assert!(good.is_empty());
    assert_eq!(
        stderr(&out).matches("ok: ").count(),
        everything.len(),
        "{}",
        stderr(&out)
    );
    let path = script(
        "let pool = \"p\";\ncognito::admin_create_usr(pool, \"u\");\ncognito::describe_user_pool(pool, 1, 2, 3);\niam::create_role(\"r\");\n",
    );
    let out = bare().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let f = path.display();
    assert!(err.contains(&format!("{f}:2:10: unknown function cognito::admin_create_usr (did you mean cognito::admin_create_user?)")), "{err}");
    assert!(
        err.contains(&format!(
            "{f}:3:10: cognito::describe_user_pool does not take 4 arguments"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{f}:4:6: iam::create_role takes a request map or its positional form, not one value"
        )),
        "{err}"
    );
}

#[test]
fn ops_lists_every_operation_as_json() {
    let out = ok(&bare().args(["ops", "--json"]).output().expect("runs"));
    let ops: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let ops = ops.as_array().expect("array");
    let count = |ns: &str| ops.iter().filter(|o| o["namespace"] == ns).count();
    assert!(count("cognito") >= 132, "{}", count("cognito"));
    assert!(count("iam") >= 22, "{}", count("iam"));
    assert!(count("sts") >= 1);
    let create = ops
        .iter()
        .find(|o| o["name"] == "admin_create_user")
        .expect("admin_create_user");
    assert_eq!(
        create["signature"],
        "cognito::admin_create_user(request) | (user_pool_id, username[, request])"
    );
    assert!(!create["doc"].as_str().unwrap_or_default().is_empty());
}

#[test]
fn local_starts_and_stops_the_emulator_even_when_the_runbook_fails() {
    let path = script(
        "let pool = cognito::create_user_pool(\"local-pool\").UserPool.Id;\nprint(pool);\nthrow \"stop here\";\n",
    );
    let child = bare()
        .args(["--local", "run"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("us-east-1_"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("error: stop here"),
        "{}",
        stderr(&out)
    );
    // No revert is offered against an emulator that is gone.
    assert!(
        stderr(&out).contains("whose state is gone with it: nothing to revert")
            && !stderr(&out).contains("undoes it"),
        "{}",
        stderr(&out)
    );
    // The emulator ran from a directory named after our pid; nothing of it is left.
    let marker = format!("runbook-emulator-{pid}");
    std::thread::sleep(Duration::from_millis(300));
    let left = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .any(|cmd| String::from_utf8_lossy(&cmd).contains(&marker));
    assert!(!left, "an emulator process outlived runbook");
    assert!(!std::env::temp_dir().join(&marker).exists());
}

#[test]
fn local_without_moto_says_what_to_install() {
    Test::offline()
        .env("RUNBOOK_PYTHON", "/nonexistent/python3")
        .args(["--local", "run"])
        .runbook("print(1);\n")
        .run()
        .status(1)
        .stderr_has("pip install 'moto[server]>=5.2.1,<5.3'");
}

#[test]
fn garbage_input_never_panics() {
    for body in [
        "\u{0}\u{1}\u{2}",
        "}}}}",
        "let x = #{ a: ",
        "cognito::admin_create_user(#{ UserPoolId: [[[[]]]] });",
        "import \"nope\" as n;",
        "fn f() { f() } f();",
    ] {
        let out = bare()
            .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
            .arg(script(body))
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(1) | Some(2)),
            "{body:?}: {:?} {err}",
            out.status
        );
        assert!(!err.contains("panicked"), "{body:?}: {err}");
    }
}

#[test]
fn repl_keeps_variables_prints_json_and_masks_secrets_in_history() {
    let state = temp_dir();
    let mut repl = runbook();
    repl.arg("repl").env("XDG_STATE_HOME", &state);
    let input = format!(
        "let pool = cognito::create_user_pool(\"{}\").UserPool.Id;\nlet m = #{{\n  a: 1,\n  b: [pool.len() > 0]\n}};\nm\nlet r = #{{ Username: \"u\", TemporaryPassword: \"Hunter2#secret\" }};\nr\ntry {{ cognito::admin_set_user_password(pool, \"nobody\", \"Positional#Secret1\", true) }} catch (e) {{ print(e.code) }}\ncognito::delete_user_pool(pool);\n:quit\n",
        unique("repl")
    );
    let out = fed(repl, &input);
    let text = ok(&out);
    assert!(text.contains("\"a\": 1"), "{text}");
    assert!(text.contains("true"), "{text}");
    assert!(!text.contains("Hunter2#secret"), "{text}");
    let history = std::fs::read_to_string(state.join("runbook/history")).expect("history saved");
    assert!(history.contains("create_user_pool"), "{history}");
    assert!(!history.contains("Hunter2#secret"), "{history}");
    assert!(history.contains("admin_set_user_password"), "{history}");
    assert!(!history.contains("Positional#Secret1"), "{history}");
}

#[test]
fn check_knows_the_api_and_reports_every_mistake_with_its_place() {
    // Five different mistakes; nothing is sent (nothing listens on port 9 anyway).
    let path = script(
        r#"import "ensure" as ensure;
let pool = cognito::create_user_pool("p", #{ Policies: #{ PasswordPolicy: #{ MinimumLenght: 8 } } });
cognito::admin_create_user(#{ Username: "u1" });
let made = cognito::create_user_pool("q");
print(made.UserPool.ID);
ensure::user_pool("x");
cognito::admin_get_user("p", "u", #{}, 4, 5);
let req = #{ UserPoolId: "p", Username: "u2", MessageAction: "Suppress" };
cognito::admin_create_user(req);
"#,
    );
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let file = path.display().to_string();
    for expected in [
        format!(
            r#"{file}:2:78: unknown request key "Policies.PasswordPolicy.MinimumLenght" (did you mean "MinimumLength"?) in PasswordPolicyType"#
        ),
        format!(r#"{file}:3:28: missing required key "UserPoolId" in AdminCreateUserRequest"#),
        format!(r#"{file}:5:21: UserPoolType has no member "ID" (did you mean "Id"?)"#),
        format!(
            "{file}:6:9: unknown function ensure::user_pool (did you mean ensure::ensure_user_pool?)"
        ),
        format!("{file}:7:10: cognito::admin_get_user does not take 5 arguments"),
        format!(
            r#"{file}:8:62: request key "MessageAction" has invalid value "Suppress" (did you mean "SUPPRESS"?)"#
        ),
    ] {
        assert!(err.contains(&expected), "missing {expected}\nin:\n{err}");
    }
}

#[test]
fn run_refuses_a_member_the_api_does_not_have_before_sending_anything() {
    // The pool would be created first, then `.ID` would give () two calls later: run refuses
    // the whole runbook up front and the emulator receives nothing.
    let app = app_id("preflight");
    let path = script(&format!(
        r#"let made = cognito::create_user_pool("{}");
for u in cognito::list_users(made.UserPool.Id).Users {{ print(u.Usrname); }}
cognito::create_group(made.UserPool.ID, "admins");
"#,
        unique("preflight")
    ));
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let file = path.display().to_string();
    assert!(
        err.contains("refused before running (nothing was sent)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            r#"{file}:2:64: UserType has no member "Usrname" (did you mean "Username"?)"#
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            r#"{file}:3:37: UserPoolType has no member "ID" (did you mean "Id"?)"#
        )),
        "{err}"
    );
    assert!(recorded(&app).is_empty(), "{:?}", recorded(&app));

    // Inside `try` the runbook handles the error itself: the run goes ahead and `catch` gets it.
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(
            "try { cognito::admin_create_user(#{ UserPoolID: \"p\", Username: \"u\" }); } catch (e) { print(e.code); }\n",
        ))
        .output()
        .expect("runs");
    assert_eq!(ok(&out).trim(), "ParamValidation");

    // A value written as () where a request needs it says where () comes from.
    let out = runbook_as(&app)
        .args([
            "eval",
            "let p = #{}; cognito::create_group(#{ UserPoolId: p.Id, GroupName: \"g\" })",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains(r#"required key "UserPoolId" is () — the value it was given does not exist"#),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_follows_bindings_in_their_scope() {
    // Rebinding, a map whose members are written before it is sent, and a function parameter
    // that shadows a response: none of them is judged by what the name held before.
    let path = script(
        r#"let r = cognito::describe_user_pool("p");
r = #{ ID: 1 };
print(r.ID);
let req = #{ UserPoolId: "p" };
req.GroupName = "g";
cognito::create_group(req);
let pool = cognito::describe_user_pool("p").UserPool;
fn shadow(pool) { pool.Anything }
print(pool.Nmae);
let users = cognito::list_users("p").Users;
print(users[0].Attributes[1].Name + cognito::list_users("p").Users[0].Usrname);
"#,
    );
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        2,
        "{err}"
    );
    assert!(
        err.contains(&format!(
            r#"{}:9:12: UserPoolType has no member "Nmae" (did you mean "Name"?)"#,
            path.display()
        )),
        "{err}"
    );
    // Through an index: `list[0].Member`.
    assert!(
        err.contains(&format!(
            r#"{}:11:71: UserType has no member "Usrname" (did you mean "Username"?)"#,
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn the_repl_remembers_what_a_variable_holds_and_refuses_a_member_it_lacks() {
    let pool = unique("replbind");
    let mut repl = runbook();
    repl.arg("repl");
    let out = fed(
        repl,
        &format!(
            "let p = cognito::create_user_pool(\"{pool}\");\np.UserPool.ID\np.UserPool.Name\n"
        ),
    );
    let err = stderr(&out);
    assert!(
        err.contains(r#"<repl>:1:12: UserPoolType has no member "ID" (did you mean "Id"?)"#),
        "{err}"
    );
    assert!(stdout(&out).contains(&pool), "{}", stdout(&out));
}

#[test]
fn a_runtime_function_not_found_suggests_the_closest() {
    let out = bare()
        .args(["--endpoint-url", "http://127.0.0.1:9", "run"])
        .arg(script("cognito::admin_creat_user(\"p\", \"u\");\n"))
        .output()
        .expect("runs");
    // Found before anything is sent (exit 2), with the closest name.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "unknown function cognito::admin_creat_user (did you mean cognito::admin_create_user?)"
        ) && stderr(&out).contains("nothing was sent"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ops_members_show_type_requiredness_values_and_the_sdks_doc_line() {
    let out = ok(&bare()
        .args(["ops", "--members", "admin-create-user"])
        .output()
        .expect("runs"));
    for line in [
        "UserPoolId: string, required — The ID of the user pool where you want to create a user.",
        "MessageAction: string (RESEND | SUPPRESS) — Set to RESEND",
        "  Name: string, required — The name of the attribute",
        "response AdminCreateUserResponse:",
        "User: structure — The new user's profile details.",
    ] {
        assert!(out.contains(line), "missing {line}\n{out}");
    }
    let json = ok(&bare()
        .args(["ops", "--json", "--members", "iam::create_role"])
        .output()
        .expect("runs"));
    let ops: serde_json::Value = serde_json::from_str(&json).expect("json");
    let role_name = &ops[0]["input"]["RoleName"];
    assert_eq!(role_name["type"], "string");
    assert_eq!(role_name["required"], true);
    assert_eq!(role_name["doc"], "The name of the role to create.");
    assert_eq!(
        ops[0]["output"]["Role"]["members"]["RoleId"]["doc"],
        "The stable and unique string identifying the role."
    );
    // :help in the REPL shows the same lines.
    let mut repl = bare();
    repl.args(["--endpoint-url", "http://127.0.0.1:9", "repl"]);
    let out = fed(repl, ":help cognito::admin_create_user\n");
    assert!(
        stdout(&out).contains(
            "UserPoolId: string, required — The ID of the user pool where you want to create a user."
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn aws_flags_go_with_the_commands_that_talk_to_aws() {
    // Before or after the command name, as the AWS CLI takes them.
    for args in [
        &["--region", "eu-west-1", "eval", "region()"][..],
        &["eval", "--region", "eu-west-1", "region()"][..],
    ] {
        let out = runbook().args(args).output().expect("runs");
        assert_eq!(ok(&out).trim(), "\"eu-west-1\"", "{args:?}");
    }
    // A command that does not talk to AWS takes them before its name and ignores them (a
    // wrapper that always passes --endpoint-url keeps working), but its help does not list them.
    let out = bare()
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            "ops",
            "admin-create-user",
        ])
        .output()
        .expect("runs");
    assert!(ok(&out).starts_with("cognito::admin_create_user("));
    let help = ok(&bare().args(["check", "--help"]).output().expect("runs"));
    assert!(!help.contains("--profile"), "{help}");
    let help = ok(&bare().args(["run", "--help"]).output().expect("runs"));
    assert!(help.contains("--profile <PROFILE>"), "{help}");
}

#[test]
fn definitions_describe_every_function_for_editors() {
    let dir = temp_dir().join("defs");
    let out = bare()
        .args(["definitions"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let ops: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&bare().args(["ops", "--json"]).output().expect("runs")))
            .expect("json");
    for (file, namespace) in [
        ("cognito.d.rhai", "cognito"),
        ("iam.d.rhai", "iam"),
        ("sts.d.rhai", "sts"),
        ("aws.d.rhai", "aws"),
        ("ensure.d.rhai", "ensure"),
        ("import_role.d.rhai", "import_role"),
    ] {
        let text = read(file);
        assert!(text.starts_with(&format!("module {namespace};")), "{file}");
        let names: Vec<&str> = ops
            .iter()
            .filter(|o| o["namespace"] == namespace)
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert!(!names.is_empty(), "{namespace}");
        for name in names {
            assert!(text.contains(&format!("fn {name}(")), "{file} lacks {name}");
        }
    }
    let cognito = read("cognito.d.rhai");
    assert!(
        cognito.contains(
            "/// Creates a new user in the specified user pool.\nfn admin_create_user(user_pool_id: String, username: String, request: map) -> map;"
        ),
        "{cognito}"
    );
    assert!(cognito.contains("fn describe_user_pool(user_pool_id_or_request: ?) -> map;"));
    // Every form of every operation is documented.
    assert_eq!(
        cognito.matches("\nfn ").count(),
        cognito.matches("///").count(),
        "{cognito}"
    );
    assert!(read("ensure.d.rhai").contains("fn ensure_user_pool(name: ?, request: ?) -> ?;"));
    let helpers = read("__static__.d.rhai");
    assert!(
        helpers.contains("fn param(name: string, default: ?) -> ?;"),
        "{helpers}"
    );
    for file in std::fs::read_dir(&dir).expect("dir").flatten() {
        let text = std::fs::read_to_string(file.path()).expect("text");
        assert!(!text.contains("EvalAltResult"), "{}", file.path().display());
        assert!(!text.contains("-> ;"), "{}", file.path().display());
    }
}

#[test]
fn ops_finds_the_clis_spellings_and_the_stdlib_and_says_when_nothing_matches() {
    for spelling in [
        "admin-create-user",
        "AdminCreateUser",
        "cognito-idp admin-create-user",
        "cognito::admin_create_user",
    ] {
        let out = ok(&bare().args(["ops", spelling]).output().expect("runs"));
        assert!(
            out.starts_with("cognito::admin_create_user(request)"),
            "{spelling}: {out}"
        );
    }
    let out = ok(&bare().args(["ops", "ensure"]).output().expect("runs"));
    assert!(
        out.contains("ensure::ensure_user_pool(name, request)"),
        "{out}"
    );
    assert!(
        out.contains("The id of the user pool named `name`"),
        "{out}"
    );
    let out = bare()
        .args(["ops", "admin-creat-usr"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            r#"no function matches "admin-creat-usr"; did you mean cognito::admin_create_user?"#
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn eval_prints_one_expression_as_json() {
    let out = ok(&runbook()
        .args(["eval", r#"#{ pools: query(cognito::list_user_pools(), "length(UserPools) >= `0`"), n: 6 * 7 }"#])
        .output()
        .expect("runs"));
    let value: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(value, serde_json::json!({ "pools": true, "n": 42 }));
    let out = bare().args(["eval", "1 +"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<eval>:1:"), "{}", stderr(&out));
}

#[test]
fn a_path_given_with_var_is_the_callers_and_one_written_in_the_runbook_is_beside_it() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("book")).expect("dir");
    std::fs::write(dir.join("book/beside.txt"), "beside the runbook").expect("write");
    std::fs::write(dir.join("given.txt"), "where the operator is").expect("write");
    std::fs::write(
        dir.join("book/read.rhai"),
        r#"print(read_file("beside.txt")); print(read_file(param("file")));"#,
    )
    .expect("write");
    let ran = Test::offline()
        .current_dir(&dir)
        .args(["run", "book/read.rhai"])
        .var("file", "given.txt")
        .run()
        .status(0);
    assert_eq!(
        ran.stdout().lines().collect::<Vec<_>>(),
        ["beside the runbook", "where the operator is"]
    );
}

#[test]
fn the_repl_completes_continues_keeps_imports_and_saves_a_runbook() {
    let dir = temp_dir();
    let saved = dir.join("session.rhai");
    let name = unique("replsave");
    let (code, text) = on_a_terminal(
        "repl",
        &[
            (
                1500,
                &format!("let pool = cognito::create_user_pool(\"{name}\").UserPool.Id;\r"),
            ),
            (600, "import \"ensure\" as ensure;\r"),
            (
                600,
                &format!("print(`found: ${{ensure::find_user_pool(\"{name}\") == pool}}`)\r"),
            ),
            (600, "let m = #{\r"),
            (300, "  a: 1,\r"),
            (300, "  b: [2]\r"),
            (300, "};\r"),
            (600, "print(`sum: ${m.a + m.b[0]}`)\r"),
            (600, "let made = cognito::admin_create_u\t"),
            (400, "(#{ UserPoolId: pool, Userna\t"),
            (
                400,
                ": \"u9\", TemporaryPassword: \"Secret#Typed9\", MessageAction: \"SUPP\t",
            ),
            (400, "\" }).User;\r"),
            (800, "print(`user: ${made.Username}`)\r"),
            (600, "#{ colour_key: 1 }\r"),
            (600, &format!(":save {}\r", saved.display())),
            (600, ":quit\r"),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{text}");
    // The prompt names the target; results are coloured on a terminal.
    // Its route token masked: the prompt is on the screen.
    let (host, _) = emulator_address();
    assert!(
        text.contains(&format!("runbook(ap-northeast-1 {host}/********)> ")),
        "{text}"
    );
    assert!(text.contains("colour_key\u{1b}["), "{text}");
    for expected in ["found: true", "sum: 3", "user: u9", "saved 8 statement(s)"] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    let file = std::fs::read_to_string(&saved).expect("saved");
    assert!(!file.contains("Secret#Typed9"), "{file}");
    assert!(
        file.contains(r#"TemporaryPassword: secret("TEMPORARY_PASSWORD")"#),
        "{file}"
    );
    assert!(file.contains("import \"ensure\" as ensure;"), "{file}");
    // The saved session runs as a runbook.
    let out = runbook()
        .env("TEMPORARY_PASSWORD", "Another#Secret1")
        .args(["run", "--yes"])
        .arg(&saved)
        .output()
        .expect("runs");
    let out_text = ok(&out);
    assert!(
        out_text.contains("found: true") && out_text.contains("user: u9"),
        "{out_text}"
    );
}

#[test]
fn no_color_keeps_repl_results_plain() {
    let (code, text) = on_a_terminal(
        "repl",
        &[(1500, "#{ plain_key: 1 }\r"), (600, ":quit\r")],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("\"plain_key\": 1"), "{text}");
}

#[test]
fn without_a_region_a_call_says_so_and_sends_nothing() {
    let app = app_id("noregion");
    let out = runbook_as(&app)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["eval", "cognito::list_user_pools()"])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("NoRegion: no AWS region is configured: pass --region"),
        "{err}"
    );
    assert!(!err.contains("EndpointUnreachable"), "{err}");
    assert!(recorded(&app).is_empty(), "nothing was sent");
}

#[test]
fn the_emulator_says_what_to_export_and_stops_cleanly() {
    let mut child = bare()
        .args(["emulator", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    for _ in 0..4 {
        let mut line = String::new();
        out.read_line(&mut line).expect("reads");
        lines.push(line.trim().to_string());
    }
    assert!(
        lines[0].starts_with("AWS_ENDPOINT_URL=http://127.0.0.1:"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1..],
        [
            "AWS_ACCESS_KEY_ID=runbook-local",
            "AWS_SECRET_ACCESS_KEY=runbook-local",
            "AWS_REGION=us-east-1"
        ]
    );
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let done = child.wait_with_output().expect("waits");
    assert_eq!(done.status.code(), Some(0));
    assert!(
        stderr(&done).contains("local emulator stopped"),
        "{}",
        stderr(&done)
    );
}

/// A literal the REPL session later sends as a secret is masked where it was typed, in the
/// history and in `:save`, whatever the variable was called.
#[test]
fn a_literal_later_sent_as_a_secret_is_masked_in_history_and_save() {
    let home = temp_dir();
    let saved = home.join("session.rhai");
    let mut repl = runbook();
    repl.env("XDG_STATE_HOME", &home).arg("repl");
    let out = fed(
        repl,
        &format!(
            "let p = cognito::create_user_pool(\"{}\").UserPool.Id;\nlet initial = \"Typed#Later1\";\ncognito::admin_create_user(#{{ UserPoolId: p, Username: \"u9\", TemporaryPassword: initial, MessageAction: \"SUPPRESS\" }});\n:save {}\n",
            unique("repl-later"),
            saved.display()
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let history = std::fs::read_to_string(home.join("runbook/history")).expect("history");
    assert!(history.contains("let initial = "), "{history}");
    assert!(!history.contains("Typed#Later1"), "{history}");
    let text = std::fs::read_to_string(&saved).expect("saved");
    assert!(
        !text.contains("Typed#Later1") && text.contains(r#"let initial = secret("SECRET");"#),
        "{text}"
    );
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bare().args(["completions", shell]).output().expect("runs");
        let script = ok(&out);
        for command in [
            "run",
            "revert",
            "journal",
            "eval",
            "repl",
            "check",
            "ops",
            "csv",
            "test",
            "completions",
        ] {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
        assert!(script.contains("dry-run"), "{shell}: flags missing");
    }
    // bash can source it.
    let script = ok(&bare().args(["completions", "bash"]).output().expect("runs"));
    let path = temp_dir().join("runbook.bash");
    std::fs::write(&path, script).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p runbook",
            path.display()
        ))
        .output()
        .expect("bash runs");
    assert!(stdout(&out).contains("runbook"), "{}", stderr(&out));
    let out = bare().args(["completions", "tcsh"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bundled_module_called_without_its_import_says_how_to_import_it() {
    let out = runbook()
        .args(["eval", r#"import_role::ensure("x")"#])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(
        err.contains(r#"add `import "import_role" as import_role;`"#),
        "{err}"
    );
}

/// Tab lists every candidate at once with its one-line doc, `:vars` shows one line per
/// variable, `:output` switches to the CLI's table and text.
#[test]
fn the_repl_lists_candidates_with_docs_summarises_vars_and_switches_output() {
    let name = unique("replout");
    let (code, text) = on_a_terminal(
        "repl",
        &[
            (
                1500,
                &format!("let pool = cognito::create_user_pool(\"{name}\").UserPool.Id;\r"),
            ),
            (600, "cognito::admin_create_user(pool, \"ann\");\r"),
            (600, "let listed = cognito::list_users(pool);\r"),
            (600, "cognito::admin_get_\t"),
            (600, "\x15"),
            (300, ":vars\r"),
            (600, ":output table\r"),
            (600, "cognito::list_users(pool)\r"),
            (800, ":output text\r"),
            (600, "cognito::list_users(pool)\r"),
            (800, ":output\r"),
            (600, ":quit\r"),
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(code, Some(0), "{text}");
    // What the screen shows, without the line editor's cursor movements.
    let text = regex::Regex::new("\u{1b}\\[[0-9;?]*[a-zA-Z]")
        .expect("a pattern")
        .replace_all(&text, "")
        .into_owned();
    // Every candidate at once, each with its doc, names aligned.
    for line in [
        "cognito::admin_get_device             Given the device key, returns details for a user's device.",
        "cognito::admin_get_user               Given a username, returns details about a user profile",
        "cognito::admin_get_user_auth_factors  Lists the authentication options",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    // One line per variable: its value in short, however large.
    assert!(text.contains("pool   = \"ap-northeast-1_"), "{text}");
    assert!(
        text.contains("listed = map of 1: {Users: [{Attributes: [{Name: \"sub\", Value: "),
        "{text}"
    );
    // The CLI's table, titled with the operation; then its text.
    assert!(
        text.contains("ListUsers") && text.contains("|| Enabled |"),
        "{text}"
    );
    assert!(text.contains("USERS\tTrue\t"), "{text}");
    assert!(text.contains("output text"), "{text}");
}

/// On a terminal the table is coloured as the CLI colours it; `NO_COLOR` or a pipe keeps it
/// plain.
#[test]
fn tables_are_coloured_only_on_a_terminal_without_no_color() {
    let expression = "#{ Name: \"x\", Size: 1 }";
    let (code, coloured) = in_a_terminal(
        env!("CARGO_BIN_EXE_runbook"),
        &[
            "eval".into(),
            "--output".into(),
            "table".into(),
            expression.into(),
        ],
        &[],
        &[],
    );
    assert_eq!(code, Some(0), "{coloured}");
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[34mx\u{1b}[0m"),
        "{coloured}"
    );
    let (_, plain) = in_a_terminal(
        env!("CARGO_BIN_EXE_runbook"),
        &[
            "eval".into(),
            "--output".into(),
            "table".into(),
            expression.into(),
        ],
        &[],
        &[("NO_COLOR", "1")],
    );
    assert!(
        plain.contains("|  x    |  1     |") && !plain.contains("\u{1b}[1m"),
        "{plain}"
    );
    let piped = ok(&bare()
        .args(["eval", "--output", "table", expression])
        .output()
        .expect("runs"));
    assert!(!piped.contains('\u{1b}'), "{piped}");
    assert_eq!(
        piped,
        "------------------\n+-------+--------+\n| Name  | Size   |\n+-------+--------+\n|  x    |  1     |\n+-------+--------+\n"
    );
}

#[test]
fn a_quick_lookup_needs_no_jq() {
    // A --query mistake is said before anything is sent (nothing listens on port 9).
    let out = bare()
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            "eval",
            "--query",
            "Users[",
            "cognito::list_user_pools()",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--query: invalid JMESPath expression"),
        "{}",
        stderr(&out)
    );
    // A runbook draws a table itself, secrets masked.
    let out = ok(&bare()
        .env("RB_TABLE_PASSWORD", "Hunter2-Secret!")
        .args(["eval", r#"print_table([#{ Username: "ann", Password: secret("RB_TABLE_PASSWORD") }], "Users")"#])
        .output()
        .expect("runs"));
    assert!(out.contains("| Password  | Username   |"), "{out}");
    assert!(
        out.contains("********") && !out.contains("Hunter2"),
        "{out}"
    );
}

/// The journal, the fleet summary and `ops --table` are one printer: every column as wide as
/// its widest cell, whatever a function's name or an outcome's length.
#[test]
fn tables_line_up_however_long_their_cells() {
    let ran = Test::new()
        .args(["run", "--yes"])
        .runbook(
            r#"let pool = cognito::create_user_pool("aligned").UserPool.Id;
cognito::admin_create_user(pool, "ann");
cognito::admin_update_user_attributes(pool, "ann", #{ UserAttributes: [#{ Name: "name", Value: "Ann" }] });
try { cognito::admin_list_user_auth_events(pool, "nobody-at-all-with-a-long-name"); } catch (e) {}
try { cognito::admin_delete_user(pool, "nobody-at-all-with-a-long-name"); } catch (e) {}
"#,
        )
        .journal()
        .run()
        .status(0);
    let path = ran.journal_path().expect("a journal");
    let out = ok(&bare().arg("journal").arg(&path).output().expect("runs"));
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    let header = lines
        .iter()
        .find(|l| l.trim_start().starts_with("# "))
        .expect("a header line");
    let at = |line: &str, word: &str| line.find(word).expect(word);
    let outcome = at(header, "outcome");
    let mut rows = 0;
    for line in lines.iter().filter(|l| l.contains("cognito::")) {
        rows += 1;
        // Each outcome starts under its header, each ms ends under its.
        assert_ne!(line.as_bytes()[outcome], b' ', "{line}\n{header}");
        assert_eq!(line.as_bytes()[outcome - 1], b' ', "{line}");
    }
    assert!(rows >= 4, "{out}");
    // ops --table: the DOC column starts at one place on every line.
    let ops = ok(&bare()
        .args(["ops", "--table", "admin_get"])
        .output()
        .expect("runs"));
    let doc = ops
        .lines()
        .next()
        .and_then(|l| l.find("DOC"))
        .expect("a header");
    for line in ops.lines().skip(1) {
        assert!(
            line.len() > doc && line.as_bytes()[doc - 1] == b' ',
            "{ops}"
        );
        assert_ne!(line.as_bytes()[doc], b' ', "{ops}");
    }
}
