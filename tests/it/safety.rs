//! Safe to point at production: the right target, a plan before, a journal after, a way back,
//! confirmations — each checked on the emulator's side.

use crate::common::*;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Everything a runbook could have created: pools with their users, clients and groups, roles
/// with their attached and inline policies, customer managed policies.
fn snapshot() -> Value {
    let out = ok(&run(
        &script(
            r#"let pools = #{};
               for p in cognito::list_user_pools().UserPools {
                   pools[p.Id] = #{
                       name: p.Name,
                       users: query(cognito::list_users(p.Id), "Users[].[Username, Enabled]"),
                       clients: query(cognito::list_user_pool_clients(p.Id), "UserPoolClients[].ClientName"),
                       groups: query(cognito::list_groups(#{ UserPoolId: p.Id }), "Groups[].GroupName"),
                   };
               }
               let roles = #{};
               for r in iam::list_roles().Roles {
                   roles[r.RoleName] = #{
                       attached: query(iam::list_attached_role_policies(r.RoleName), "AttachedPolicies[].PolicyArn"),
                       inline: iam::list_role_policies(#{ RoleName: r.RoleName }).PolicyNames,
                   };
               }
               let policies = query(iam::list_policies(#{ Scope: "Local" }), "Policies[].[Arn, DefaultVersionId]");
               print(to_json(#{ pools: pools, roles: roles, policies: policies }));"#,
        ),
        &[],
    ));
    serde_json::from_str(out.trim()).expect("snapshot JSON")
}

/// Is this API action a read by its name alone (not by runbook's own table)?
fn is_read(action: &str) -> bool {
    ["Describe", "Get", "List", "AdminGet", "AdminList"]
        .iter()
        .any(|p| action.starts_with(p))
}

fn calls<'a>(lines: &'a [Value], function: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "call" && l["function"] == function)
        .collect()
}

#[test]
fn the_walkthrough_in_a_dry_run_plans_every_write_and_changes_nothing() {
    let _one = whole_state();
    let before = snapshot();
    let app = app_id("dryrun");
    let out = runbook_as(&app)
        .args(["run", "--dry-run", "scripts/walkthrough.rhai"])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    // The plan: numbered lines in order, and the closing count.
    let plan: Vec<&str> = err.lines().filter(|l| l.starts_with("plan ")).collect();
    assert!(plan.len() > 10, "{err}");
    for (i, line) in plan.iter().enumerate() {
        assert!(line.starts_with(&format!("plan {}: ", i + 1)), "{line}");
    }
    assert!(plan[0].contains("+ cognito::create_user_pool"), "{err}");
    assert!(
        err.contains("- cognito::delete_user_pool UserPoolId=dry-run:CreateUserPool:1"),
        "{err}"
    );
    assert!(
        err.contains(&format!("plan: {} writes (", plan.len())) && err.contains("), 0 sent"),
        "{err}"
    );
    // Secrets are masked in the plan.
    assert!(err.contains("Password=********"), "{err}");
    // Nothing but reads reached the emulator, and its state is as it was.
    let seen = recorded(&app);
    assert!(!seen.is_empty());
    for r in &seen {
        let action = r["action"].as_str().unwrap_or("");
        assert!(is_read(action), "a dry run sent {action}");
    }
    assert_eq!(snapshot(), before);
}

#[test]
fn a_run_is_reverted_to_the_state_before_it() {
    let _one = whole_state();
    // A pool that exists before the run; the run adds to it and creates things of its own.
    let name = unique("revert");
    let existing = ok(&run(
        &script(&format!(
            r#"let p = cognito::create_user_pool("{name}-existing").UserPool.Id;
               cognito::admin_create_user(p, "kept", #{{ MessageAction: "SUPPRESS" }});
               print(p);"#
        )),
        &[],
    ));
    let existing = existing.trim().to_string();
    let before = snapshot();
    let journal = temp_dir().join("run.jsonl");
    let body = format!(
        r#"let pool = cognito::create_user_pool("{name}").UserPool.Id;
           cognito::admin_create_user(pool, "u1", #{{ MessageAction: "SUPPRESS" }});
           cognito::create_group(#{{ UserPoolId: pool, GroupName: "g1" }});
           cognito::admin_add_user_to_group(#{{ UserPoolId: pool, Username: "u1", GroupName: "g1" }});
           cognito::create_user_pool_client(pool, "c1");
           cognito::admin_create_user("{existing}", "added", #{{ MessageAction: "SUPPRESS" }});
           cognito::create_group(#{{ UserPoolId: "{existing}", GroupName: "ops" }});
           cognito::admin_add_user_to_group(#{{ UserPoolId: "{existing}", Username: "kept", GroupName: "ops" }});
           cognito::admin_disable_user("{existing}", "kept");
           cognito::create_user_pool_client("{existing}", "extra");
           cognito::admin_set_user_password("{existing}", "added", "Irreversible#Pass1", true);
           let doc = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:*", Resource: "*" }}] }};
           let policy = iam::create_policy("{name}", doc).Policy.Arn;
           iam::create_policy_version(#{{ PolicyArn: policy, PolicyDocument: doc }});
           iam::create_role("{name}", #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }});
           iam::attach_role_policy("{name}", policy);
           iam::put_role_policy(#{{ RoleName: "{name}", PolicyName: "inline", PolicyDocument: doc }});
           iam::tag_role(#{{ RoleName: "{name}", Tags: [#{{ Key: "team", Value: "id" }}] }});"#
    );
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&body))
        .output()
        .expect("runs");
    ok(&out);
    assert_ne!(snapshot(), before, "the run changed nothing?");

    // revert --dry-run lists the undos and sends no write.
    let app = app_id("revertplan");
    let out = runbook_as(&app)
        .args(["revert", "--dry-run"])
        .arg(&journal)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("revert: 16 undos of"), "{err}");
    assert!(
        err.contains(
            "irreversible, left as it is: cognito::admin_set_user_password Password=********"
        ),
        "{err}"
    );
    assert!(err.contains("- iam::delete_role RoleName="), "{err}");
    for r in recorded(&app) {
        let action = r["action"].as_str().unwrap_or("");
        assert!(is_read(action), "revert --dry-run sent {action}");
    }
    assert_ne!(snapshot(), before);

    // Without a terminal and without --yes, a revert is refused.
    let out = runbook()
        .arg("revert")
        .arg(&journal)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));

    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(snapshot(), before, "{err}");
    // The revert was journaled like any run.
    let revert_journal = err
        .lines()
        .find_map(|l| l.strip_prefix("runbook: journal "))
        .and_then(|l| l.split(' ').next())
        .map(PathBuf::from)
        .expect("the revert names its journal");
    let lines = journal_lines(&revert_journal);
    assert_eq!(calls(&lines, "iam::delete_role").len(), 1);
    assert_eq!(calls(&lines, "iam::delete_role")[0]["outcome"], "ok");

    // A second revert finds everything already gone, and says so.
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("already gone, skipped: cognito::create_user_pool"),
        "{err}"
    );
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{existing}");"#)),
        &[],
    ));
}

#[test]
fn a_destructive_call_without_a_terminal_or_yes_is_refused_before_sending() {
    let _one = whole_state();
    let pool = &new_pool("refuse");
    let journal = temp_dir().join("refused.jsonl");
    let app = app_id("refuse");
    let out = runbook_as(&app)
        .args(["run", "--journal"])
        .arg(&journal)
        .arg(script(&format!(r#"cognito::delete_user_pool("{pool}");"#)))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("DeleteUserPool failed: Refused:"), "{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert!(
        !recorded(&app)
            .iter()
            .any(|r| r["action"] == "DeleteUserPool"),
        "nothing may be sent"
    );
    let lines = journal_lines(&journal);
    assert_eq!(
        calls(&lines, "cognito::delete_user_pool")[0]["outcome"],
        "refused"
    );
    // Still there.
    ok(&run(
        &script(&format!(
            r#"cognito::describe_user_pool("{pool}"); cognito::delete_user_pool("{pool}");"#
        )),
        &[],
    ));
}

#[test]
fn on_a_terminal_a_destructive_call_is_asked_about() {
    let _one = whole_state();
    let make = |name: &str| {
        ok(&run(
            &script(&format!(
                r#"print(cognito::create_user_pool("{name}").UserPool.Id);"#
            )),
            &[],
        ))
        .trim()
        .to_string()
    };
    let exists = |pool: &str| {
        run(
            &script(&format!(r#"cognito::describe_user_pool("{pool}");"#)),
            &[],
        )
        .status
        .success()
    };
    let kept = make(&unique("asked-no"));
    let path = script(&format!(r#"cognito::delete_user_pool("{kept}");"#));
    let (code, text) = on_a_terminal(&format!("run {}", path.display()), &[(1500, "n\n")], &[]);
    assert!(
        text.contains("cognito::delete_user_pool UserPoolId="),
        "{text}"
    );
    assert!(text.contains("go ahead? [y/N]"), "{text}");
    assert!(text.contains("account 123456789012"), "{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(exists(&kept), "answered no, yet deleted");

    let gone = make(&unique("asked-yes"));
    let path = script(&format!(r#"cognito::delete_user_pool("{gone}");"#));
    let (code, text) = on_a_terminal(&format!("run {}", path.display()), &[(1500, "y\n")], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!exists(&gone), "answered yes, yet still there");
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{kept}");"#)),
        &[],
    ));
}

/// A config and a credentials file with two profiles; returns (config, credentials).
fn profile_files() -> (PathBuf, PathBuf) {
    let dir = temp_dir();
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-2\n\n[profile prod]\nregion = eu-west-2\n\n[profile staging]\nregion = eu-central-1\n",
    )
    .expect("write");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n\n[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = s\n\n[staging]\naws_access_key_id = AKIASTAGING\naws_secret_access_key = s\n",
    )
    .expect("write");
    (config, credentials)
}

#[test]
fn an_explicit_profile_beats_the_environment() {
    let _one = whole_state();
    let (config, credentials) = profile_files();
    let signed = |extra: &[&str]| {
        let app = app_id("profile");
        let mut cmd = runbook_as(&app);
        cmd.env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
            .env("AWS_SECRET_ACCESS_KEY", "e")
            .env("AWS_SESSION_TOKEN", "t")
            .env("AWS_PROFILE", "staging")
            .env("AWS_REGION", "us-west-1")
            .args(extra)
            .args(["run", "-"]);
        let out = fed(cmd, "cognito::list_user_pools();");
        ok(&out);
        let seen = recorded(&app);
        let call = seen
            .iter()
            .find(|r| r["action"] == "ListUserPools")
            .expect("sent");
        (
            call["access_key"].as_str().unwrap_or("").to_string(),
            call["region"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(
        signed(&["--profile", "prod"]),
        ("AKIAPROD".into(), "eu-west-2".into())
    );
    assert_eq!(
        signed(&["--profile", "prod", "--region", "ap-south-1"]),
        ("AKIAPROD".into(), "ap-south-1".into())
    );
    // Without --profile, the environment's credentials and region apply, as in the CLI.
    assert_eq!(signed(&[]), ("AKIAENVIRONMENT".into(), "us-west-1".into()));

    let out = bare()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["--profile", "prd", "run", "-"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(r#"--profile: the profile "prd" is in neither the AWS config file nor the credentials file (did you mean "prod"?); the profiles are: default, prod, staging"#),
        "{err}"
    );
    // The same typo in AWS_PROFILE gets the same words, not NoRegion or NoCredentials.
    let out = bare()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env("AWS_PROFILE", "prdo")
        .args(["eval", "cognito::list_user_pools()"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(r#"AWS_PROFILE: the profile "prdo" is in neither the AWS config file nor the credentials file (did you mean "prod"?)"#),
        "{err}"
    );
}

#[test]
fn the_target_is_named_before_the_first_write_and_only_then() {
    let _one = whole_state();
    let out = run(&script("cognito::list_user_pools();"), &[]);
    assert!(!stderr(&out).contains("target"), "{}", stderr(&out));
    let out = run(
        &script(&format!(
            r#"print("before"); let p = cognito::create_user_pool("{}").UserPool.Id; cognito::delete_user_pool(p);"#,
            unique("target")
        )),
        &[],
    );
    let err = stderr(&out);
    ok(&out);
    let targets: Vec<&str> = err.lines().filter(|l| l.contains("target")).collect();
    assert_eq!(targets.len(), 1, "{err}");
    assert_eq!(
        targets[0],
        format!(
            "runbook: target account 123456789012 (arn:aws:sts::123456789012:user/moto), region ap-northeast-1, env, endpoint http://{}/********",
            emulator_address().0
        )
    );
    // The endpoint named by AWS_ENDPOINT_URL is shown too: the line exists to say where calls go.
    let out = bare()
        .env("AWS_ENDPOINT_URL", endpoint())
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let p = cognito::create_user_pool("{}").UserPool.Id; cognito::delete_user_pool(p);"#,
            unique("target-env")
        )))
        .output()
        .expect("runs");
    let err = stderr(&out);
    ok(&out);
    assert!(
        err.contains(&format!(
            "env, endpoint http://{}/********",
            emulator_address().0
        )),
        "{err}"
    );
}

#[test]
fn the_journal_records_the_run_its_calls_and_how_it_ended() {
    let _one = whole_state();
    let journal = temp_dir().join("j.jsonl");
    let path = script(&format!(
        r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
           cognito::admin_create_user(pool, "u1", #{{ TemporaryPassword: "Temp#Secret1", MessageAction: "SUPPRESS" }});
           try {{ cognito::admin_create_user(pool, "u1"); }} catch (e) {{ }}
           cognito::delete_user_pool(pool);"#,
        unique("journal")
    ));
    let out = runbook()
        .args([
            "run",
            "--yes",
            "--var",
            "db_password=hunter2",
            "--var",
            "team=id",
            "--journal",
        ])
        .arg(&journal)
        .arg(&path)
        .output()
        .expect("runs");
    ok(&out);
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        !text.contains("Temp#Secret1") && !text.contains("hunter2"),
        "{text}"
    );
    let lines = journal_lines(&journal);
    let first = &lines[0];
    assert_eq!(first["type"], "run");
    assert_eq!(first["vars"]["db_password"], "********");
    assert_eq!(first["vars"]["team"], "id");
    let source = std::fs::read(&path).expect("read");
    use sha2::Digest;
    assert_eq!(
        first["runbook"]["sha256"],
        hex::encode(sha2::Sha256::digest(source))
    );
    assert_eq!(first["target"]["account"], "123456789012");
    assert_eq!(first["target"]["region"], "ap-northeast-1");
    let created = calls(&lines, "cognito::create_user_pool")[0];
    assert_eq!(created["outcome"], "ok");
    assert_eq!(created["service"], "cognito-idp");
    assert_eq!(created["operation"], "CreateUserPool");
    assert_eq!(created["attempts"], 1);
    assert!(created["duration_ms"].is_u64() && created["request_id"].is_string());
    assert!(created["created"]["UserPoolId"].is_string(), "{created}");
    let users = calls(&lines, "cognito::admin_create_user");
    assert_eq!(users[0]["request"]["TemporaryPassword"], "********");
    assert_eq!(users[1]["outcome"], "UsernameExistsException");
    assert_eq!(lines.last().expect("lines")["type"], "end");
    assert_eq!(lines.last().expect("lines")["outcome"], "ok");
    // Flushed per line, private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the journal is private");
    }

    // `runbook journal PATH` reads it as a table; --json as it is.
    let out = bare().arg("journal").arg(&journal).output().expect("runs");
    let table = ok(&out);
    assert!(table.contains("cognito::create_user_pool"), "{table}");
    assert!(table.contains("UsernameExistsException"), "{table}");
    assert!(table.contains("TemporaryPassword=********"), "{table}");
    let out = bare()
        .args(["journal", "--json"])
        .arg(&journal)
        .output()
        .expect("runs");
    assert_eq!(ok(&out).lines().count(), lines.len());
}

#[test]
fn the_default_journal_is_the_latest_and_lives_in_the_state_directory() {
    let _one = whole_state();
    let home = temp_dir();
    let out = runbook()
        .env("XDG_STATE_HOME", &home)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let p = cognito::create_user_pool("{}").UserPool.Id; cognito::delete_user_pool(p);"#,
            unique("default-journal")
        )))
        .output()
        .expect("runs");
    ok(&out);
    let dir = home.join("runbook/journal");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("journal dir").collect();
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let name = files[0].as_ref().expect("entry").file_name();
    let name = name.to_string_lossy();
    assert!(
        name.ends_with("-test.jsonl") && name.len() == "20261126T070000Z-test.jsonl".len(),
        "{name}"
    );
    let out = bare()
        .env("XDG_STATE_HOME", &home)
        .arg("journal")
        .output()
        .expect("runs");
    assert!(ok(&out).contains("cognito::delete_user_pool"));
}

/// Waits until `path` holds at least `n` lines that satisfy `pred`.
fn wait_for_lines(path: &Path, n: usize, pred: impl Fn(&Value) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let count = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| pred(l))
            .count();
        if count >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} never reached {n} lines", path.display());
}

#[test]
fn a_run_killed_with_sigterm_leaves_a_journal_that_matches_what_was_done() {
    let _one = whole_state();
    let journal = temp_dir().join("killed.jsonl");
    let name = unique("killed");
    let child = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool("{name}").UserPool.Id;
               print(pool);
               for i in 0..500 {{ cognito::admin_create_user(pool, `user${{i}}`, #{{ MessageAction: "SUPPRESS" }}); sleep(0.02); }}"#
        )))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    wait_for_lines(&journal, 10, |l| {
        l["type"] == "call" && l["function"] == "cognito::admin_create_user"
    });
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped by SIGTERM"),
        "{}",
        stderr(&out)
    );
    let pool = stdout(&out).trim().to_string();
    let lines = journal_lines(&journal);
    let end = lines.last().expect("lines");
    assert_eq!(end["type"], "end");
    assert_eq!(end["outcome"], "interrupted");
    assert_eq!(end["signal"], "SIGTERM");
    let journaled: Vec<String> = calls(&lines, "cognito::admin_create_user")
        .iter()
        .filter(|l| l["outcome"] == "ok")
        .map(|l| l["request"]["Username"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(journaled.len() >= 10 && journaled.len() < 500);
    let listed = ok(&run(
        &script(&format!(
            r#"print(to_json(query(cognito::list_users("{pool}"), "sort(Users[].Username)"))); cognito::delete_user_pool("{pool}");"#
        )),
        &[],
    ));
    let mut listed: Vec<String> = serde_json::from_str(listed.trim()).expect("json");
    let mut journaled = journaled;
    journaled.sort();
    listed.sort();
    assert_eq!(listed, journaled, "the journal says exactly what was done");
}

#[test]
fn a_run_still_going_is_not_reverted_under_it() {
    let journal = temp_dir().join("going.jsonl");
    let name = unique("going");
    let child = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::create_user_pool("{name}"); sleep(30);"#
        )))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    wait_for_lines(&journal, 1, |l| {
        l["type"] == "call" && l["function"] == "cognito::create_user_pool"
    });
    let pools = || {
        Test::new()
            .args([
                "eval",
                &format!(
                    r#"cognito::list_user_pools().UserPools.filter(|p| p.Name == "{name}").len()"#
                ),
            ])
            .run()
            .status(0)
            .stdout()
            .trim()
            .to_string()
    };
    Test::new()
        .args(["revert", "--yes"])
        .args([&journal])
        .run()
        .status(1)
        .stderr_has(&format!("is still going (process {})", child.id()));
    assert_eq!(pools(), "1", "nothing was reverted under the run");
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    Test::new()
        .args(["revert", "--yes"])
        .args([&journal])
        .run()
        .status(0);
    assert_eq!(pools(), "0", "the ended run is reverted");
}

#[test]
fn a_closed_stdout_neither_panics_nor_stops_the_runbook() {
    let _one = whole_state();
    let name = unique("pager");
    let mut child = runbook()
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"for i in 0..5000 {{ print(`line ${{i}}`); }}
               let p = cognito::create_user_pool("{name}").UserPool.Id;
               for i in 0..10 {{ print(`more ${{i}}`); }}
               print(p);"#
        )))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    assert_eq!(first_line_then_close(&mut child), "line 0\n");
    let out = child.wait_with_output().expect("waits");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("stdout is closed").count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The runbook went on to its end: the pool exists.
    let found = ok(&run(
        &script(&format!(
            r#"let p = query(cognito::list_user_pools(), "UserPools[?Name=='{name}'].Id | [0]"); print(p); cognito::delete_user_pool(p);"#
        )),
        &[],
    ));
    assert!(!found.trim().is_empty());
}

#[test]
fn a_full_disk_on_stdout_is_said_once_and_the_runbook_goes_on() {
    let _one = whole_state();
    let name = unique("fulldisk");
    let out = runbook()
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"print("one"); print("two");
               let p = cognito::create_user_pool("{name}").UserPool.Id;
               cognito::delete_user_pool(p);
               debug("done");"#
        )))
        .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("runs");
    let err = stderr(&out);
    // The runbook ran to its end, and the command says its output is lost (exit 1).
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write the whole output to stdout"),
        "{err}"
    );
    assert_eq!(err.matches("cannot write to stdout (").count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("done"), "{err}");
}

#[test]
fn a_dry_run_of_an_import_validates_the_file_and_plans_its_jobs() {
    let _one = whole_state();
    let setup = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);"#,
            unique("dry-import")
        )),
        &[],
    ));
    let pool = setup.trim();
    let app = app_id("dryimport");
    let import = |csv: &str| {
        runbook_as(&app)
            .args(["run", "--dry-run", "scripts/import_users.rhai"])
            .args(["--var", &format!("pool_id={pool}")])
            .args(["--var", "role_arn=arn:aws:iam::123456789012:role/Import"])
            .args(["--var", &format!("csv={csv}")])
            .args(["--var", "max_rows_per_job=3"])
            .output()
            .expect("runs")
    };
    let seven = repo().join("tests/fixtures/csv/seven_users.csv");
    let out = import(&seven.display().to_string());
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for n in 1..=3 {
        assert!(
            err.contains(&format!("+ cognito::create_user_import_job CloudWatchLogsRoleArn=arn:aws:iam::123456789012:role/Import JobName=import_job-{n}-of-3")),
            "{err}"
        );
    }
    assert_eq!(err.matches("~ cognito::upload_csv").count(), 3, "{err}");
    assert_eq!(
        err.matches("~ cognito::start_user_import_job").count(),
        3,
        "{err}"
    );
    assert!(
        err.contains("plan: 9 writes (3 create, 6 update, 0 delete), 0 sent"),
        "{err}"
    );
    // An invalid file is reported before any plan.
    let bad = repo().join("tests/fixtures/csv/username_missing.csv");
    let out = import(&bad.display().to_string());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CsvValidationFailed"),
        "{}",
        stderr(&out)
    );
    for r in recorded(&app) {
        let action = r["action"].as_str().unwrap_or("");
        assert!(is_read(action), "a dry run sent {action}");
    }
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{pool}");"#)),
        &[],
    ));
}

#[test]
fn ops_into_head_ends_quietly() {
    let _one = whole_state();
    let mut child = bare()
        .arg("ops")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    first_line_then_close(&mut child);
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn an_empty_endpoint_is_a_usage_error() {
    let _one = whole_state();
    let out = bare()
        .args(["--endpoint-url", "", "run", "-"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--endpoint-url must be an http(s) URL"));
    let out = bare()
        .env("AWS_ENDPOINT_URL", "")
        .args(["run", "-"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("AWS_ENDPOINT_URL must be an http(s) URL"));
}

#[test]
fn the_local_emulators_files_are_private_and_removed_even_on_sigint() {
    let _one = whole_state();
    let tmp = temp_dir().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mut child = bare()
        .env("TMPDIR", &tmp)
        .args(["--local", "run"])
        .arg(script(
            "print(cognito::list_user_pools().UserPools.len()); sleep(30);",
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let start = Instant::now();
    let dir = loop {
        let found = std::fs::read_dir(&tmp)
            .expect("tmp")
            .filter_map(|e| e.ok())
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("runbook-emulator-")
            });
        if let Some(found) = found {
            break found.path();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no emulator dir");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_ne!(
        dir.file_name().map(|n| n.to_string_lossy().into_owned()),
        Some(format!("runbook-emulator-{}", child.id())),
        "the name is not predictable from the pid"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    assert_eq!(first_line_then_close(&mut child).trim(), "0");
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

/// A journal is reverted only where its run acted: another region, or another account, is
/// refused with nothing sent; of a journal several runs appended to, the last run is reverted.
#[test]
fn revert_acts_only_in_the_runs_own_account_and_region_and_on_one_run() {
    let _one = whole_state();
    let journal = temp_dir().join("two-runs.jsonl");
    let first = unique("first-run");
    let second = unique("second-run");
    for name in [&first, &second] {
        ok(&runbook()
            .args(["run", "--yes", "--append", "--journal"])
            .arg(&journal)
            .arg(script(&format!(r#"cognito::create_user_pool("{name}");"#)))
            .output()
            .expect("runs"));
    }
    // Every line carries its run's id; two runs, two ids.
    let lines = journal_lines(&journal);
    let ids: std::collections::BTreeSet<String> = lines
        .iter()
        .map(|l| {
            let id = if l["type"] == "run" {
                &l["id"]
            } else {
                &l["run"]
            };
            id.as_str()
                .expect("every line has its run's id")
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{lines:?}");
    let pools = || {
        ok(&run(
            &script(r#"print(to_json(query(cognito::list_user_pools(), "UserPools[].Name")));"#),
            &[],
        ))
    };
    // Another region: refused before anything is sent.
    let app = app_id("otherregion");
    let out = runbook_as(&app)
        .args(["--region", "eu-west-1", "revert", "--yes"])
        .arg(&journal)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("revert refused, nothing was sent: the journal's run was in another region"),
        "{err}"
    );
    assert!(
        err.contains("region ap-northeast-1") && err.contains("region eu-west-1"),
        "{err}"
    );
    assert!(
        recorded(&app)
            .iter()
            .all(|r| is_read(r["action"].as_str().unwrap_or(""))),
        "only reads were sent"
    );
    // Another account (the journal says so): refused too.
    let elsewhere = temp_dir().join("elsewhere.jsonl");
    let text = std::fs::read_to_string(&journal).expect("journal");
    std::fs::write(&elsewhere, text.replace("123456789012", "210987654321")).expect("write");
    let out = revert_yes(&elsewhere);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the journal's run was in another account"),
        "{err}"
    );
    assert!(
        err.contains("account 210987654321") && err.contains("account 123456789012"),
        "{err}"
    );
    let names = pools();
    assert!(names.contains(&first) && names.contains(&second), "{names}");
    // The right target: only the last run is undone.
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("holds several runs; reverting the last one"),
        "{err}"
    );
    let names = pools();
    assert!(
        names.contains(&first) && !names.contains(&second),
        "{names}"
    );
    ok(&run(
        &script(&format!(
            r#"cognito::delete_user_pool(query(cognito::list_user_pools(), "UserPools[?Name=='{first}'].Id | [0]"));"#
        )),
        &[],
    ));
}

/// A password given with `--var` is in no journal line and no output, however the runbook
/// passes it on (positionally, through a `let`, through a function of its own), and the run
/// says to pass it with `secret()` instead.
#[test]
fn a_password_passed_with_var_is_in_no_journal_and_no_output() {
    let _one = whole_state();
    let journal = temp_dir().join("vars.jsonl");
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"fn set(pool, user, pw) {{ cognito::admin_set_user_password(pool, user, pw, true); }}
               let pool = cognito::create_user_pool("{}").UserPool.Id;
               let first = param("initial");
               cognito::admin_create_user(#{{ UserPoolId: pool, Username: "u1", TemporaryPassword: first, MessageAction: "SUPPRESS" }});
               cognito::admin_set_user_password(pool, "u1", param("permanent"), true);
               set(pool, "u1", vars.later);
               cognito::delete_user_pool(pool);"#,
            unique("var-secrets")
        )))
        .args(["--var", "initial=Initial#Plain1", "--var", "permanent=Permanent#Plain2"])
        .args(["--var", "later=Later#Plain3", "--var", "note=shown"])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let journaled = std::fs::read_to_string(&journal).expect("journal");
    for secret in ["Initial#Plain1", "Permanent#Plain2", "Later#Plain3"] {
        assert!(
            !journaled.contains(secret),
            "{secret} in the journal:\n{journaled}"
        );
        assert!(
            !err.contains(secret) && !stdout(&out).contains(secret),
            "{err}"
        );
    }
    assert!(journaled.contains(r#""note":"shown""#), "{journaled}");
    for name in ["initial", "permanent", "later"] {
        assert!(
            err.contains(&format!(
                "--var {name} is sent as a secret; pass it with secret(\"{}\")",
                name.to_ascii_uppercase()
            )),
            "{err}"
        );
    }
}

/// An update is journaled with what it changed, as it was; a revert puts that back — unless
/// someone changed it again since (then it is left, and `--force` puts it back) — and a call
/// that changed nothing has nothing to undo.
#[test]
fn updates_are_put_back_unless_changed_since_and_no_ops_stay_as_they_are() {
    let _one = whole_state();
    let name = unique("update-revert");
    let pool = ok(&run(
        &script(&format!(
            r#"let p = cognito::create_user_pool("{name}").UserPool.Id;
               for u in [["u1", "a@old.example"], ["u2", "b@old.example"], ["u3", "c@old.example"]] {{
                   cognito::admin_create_user(p, u[0], #{{ MessageAction: "SUPPRESS", UserAttributes: [#{{ Name: "email", Value: u[1] }}] }});
               }}
               cognito::admin_disable_user(p, "u2");
               cognito::create_group(#{{ UserPoolId: p, GroupName: "g", Description: "old" }});
               print(p);"#
        )),
        &[],
    ));
    let pool = pool.trim();
    let state = || {
        ok(&run(
            &script(&format!(
                r#"let out = #{{}};
                   for u in ["u1", "u2", "u3"] {{
                       let user = cognito::admin_get_user("{pool}", u);
                       let attrs = #{{}};
                       for a in user.UserAttributes {{ if a.Name != "sub" {{ attrs[a.Name] = a.Value; }} }}
                       out[u] = #{{ enabled: user.Enabled, attributes: attrs }};
                   }}
                   out.group = cognito::get_group(#{{ UserPoolId: "{pool}", GroupName: "g" }}).Group.Description;
                   print(to_json(out));"#
            )),
            &[],
        ))
    };
    let before = state();
    let journal = temp_dir().join("updates.jsonl");
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "u1", UserAttributes: [#{{ Name: "email", Value: "a@new.example" }}, #{{ Name: "name", Value: "Ann" }}] }});
               cognito::update_group(#{{ UserPoolId: "{pool}", GroupName: "g", Description: "new" }});
               cognito::admin_disable_user("{pool}", "u2");
               cognito::admin_disable_user("{pool}", "u1");
               cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "u3", UserAttributes: [#{{ Name: "email", Value: "c@new.example" }}] }});"#
        )))
        .output()
        .expect("runs");
    ok(&out);
    let lines = journal_lines(&journal);
    let disables: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["type"] == "call" && l["function"] == "cognito::admin_disable_user")
        .collect();
    assert_eq!(disables[0]["changed"], false, "u2 was disabled already");
    assert_eq!(disables[1]["before"]["Enabled"], true);
    // A colleague changes u3 again after the run.
    ok(&run(
        &script(&format!(
            r#"cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "u3", UserAttributes: [#{{ Name: "email", Value: "c@colleague.example" }}] }});"#
        )),
        &[],
    ));
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("changed nothing, nothing to undo: cognito::admin_disable_user")
            && err.contains("Username=u2"),
        "{err}"
    );
    assert!(
        err.contains("changed since the run, left as it is (--force puts it back)")
            && err.contains(r#"email: "c@colleague.example" → "c@new.example""#),
        "{err}"
    );
    let now: serde_json::Value = serde_json::from_str(state().trim()).expect("json");
    let was: serde_json::Value = serde_json::from_str(before.trim()).expect("json");
    assert_eq!(
        now["u1"], was["u1"],
        "u1's attributes and enabled state are back"
    );
    assert_eq!(now["u2"], was["u2"], "u2 stays disabled");
    assert_eq!(now["group"], "old");
    assert_eq!(now["u3"]["attributes"]["email"], "c@colleague.example");
    // Pool and app client settings go back too.
    let settings = |pool: &str| {
        ok(&run(
            &script(&format!(
                r#"let p = cognito::describe_user_pool("{pool}").UserPool;
                   let c = cognito::describe_user_pool_client("{pool}", cognito::list_user_pool_clients("{pool}").UserPoolClients[0].ClientId).UserPoolClient;
                   print(to_json([p.AutoVerifiedAttributes, p.DeletionProtection, c.RefreshTokenValidity]));"#
            )),
            &[],
        ))
    };
    let ensured = |verified: &str, validity: i64| {
        format!(
            r#"import "ensure" as ensure;
               let pool = ensure::ensure_user_pool("{name}", #{{ AutoVerifiedAttributes: {verified} }});
               ensure::ensure_user_pool_client(pool, "web", #{{ RefreshTokenValidity: {validity} }});"#
        )
    };
    ok(&run(&script(&ensured(r#"["email"]"#, 5)), &[]));
    let settings_before = settings(pool);
    let changes = temp_dir().join("settings.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&changes)
        .arg(script(&ensured(r#"["email", "phone_number"]"#, 9)))
        .output()
        .expect("runs"));
    assert_ne!(settings(pool), settings_before);
    ok(&revert_yes(&changes));
    assert_eq!(settings(pool), settings_before);
    // --force puts it back anyway; what is already back stays so.
    let out = runbook()
        .args(["revert", "--yes", "--force"])
        .arg(&journal)
        .output()
        .expect("runs");
    ok(&out);
    assert_eq!(state(), before);
}

/// A revert deletes what its run created, not what someone made again later under the same
/// name: a user re-created by a colleague survives a revert (and a second one).
#[test]
fn a_user_made_again_since_the_run_survives_a_revert() {
    let _one = whole_state();
    let pool = &new_pool("made-again");
    let journal = temp_dir().join("made.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::admin_create_user("{pool}", "u1", #{{ MessageAction: "SUPPRESS" }});
               cognito::admin_create_user("{pool}", "u2", #{{ MessageAction: "SUPPRESS" }});
               cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: "g1" }});"#
        )))
        .output()
        .expect("runs"));
    let created = journal_lines(&journal);
    assert!(
        created
            .iter()
            .filter(|l| l["type"] == "call" && l["function"] == "cognito::admin_create_user")
            .all(|l| l["identity"].is_string()),
        "{created:?}"
    );
    // A colleague deletes u1 and makes it again; the run's u2 and g1 are untouched.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&run(
        &script(&format!(
            r#"cognito::admin_delete_user("{pool}", "u1");
               cognito::admin_create_user("{pool}", "u1", #{{ MessageAction: "SUPPRESS", UserAttributes: [#{{ Name: "name", Value: "the colleague's" }}] }});"#
        )),
        &[],
    ));
    for _ in 0..2 {
        let out = revert_yes(&journal);
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        assert!(
            err.contains("made again since the run (not the one it created), left as it is: cognito::admin_create_user")
                && err.contains("Username=u1"),
            "{err}"
        );
    }
    let users = ok(&run(
        &script(&format!(
            r#"print(to_json(query(cognito::list_users("{pool}"), "Users[].Username")));
               print(cognito::list_groups(#{{ UserPoolId: "{pool}" }}).Groups.len());"#
        )),
        &[],
    ));
    assert_eq!(
        users.trim(),
        "[\"u1\"]\n0",
        "u1 is the colleague's; u2 and g1 are undone"
    );
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{pool}");"#)),
        &[],
    ));
}

/// A journal the operator names is a new file, checked before anything is sent: an existing
/// one needs --append, the runbook itself and a path that cannot be written are refused (exit
/// 2), and a run that calls nothing leaves none.
#[test]
fn a_named_journal_is_a_new_file_checked_before_anything_is_sent() {
    let _one = whole_state();
    let dir = temp_dir();
    let existing = dir.join("existing.jsonl");
    std::fs::write(&existing, "").expect("write");
    let body = format!(r#"cognito::create_user_pool("{}");"#, unique("never-made"));
    let runbook_file = script(&body);
    for (journal, says) in [
        (
            existing.clone(),
            "the file exists; a journal is a new file (pass --append",
        ),
        (runbook_file.clone(), "is the runbook itself"),
        (
            PathBuf::from("/proc/version/journal.jsonl"),
            "cannot write it",
        ),
    ] {
        let app = app_id("journalcheck");
        let out = runbook_as(&app)
            .args(["run", "--yes", "--journal"])
            .arg(&journal)
            .arg(&runbook_file)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(recorded(&app).is_empty(), "nothing was sent: {err}");
    }
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "");
    // A run that calls nothing leaves no journal.
    let quiet = dir.join("quiet.jsonl");
    ok(&runbook()
        .args(["run", "--journal"])
        .arg(&quiet)
        .arg(script("print(1);"))
        .output()
        .expect("runs"));
    assert!(!quiet.exists());
}

/// `eval` writes are journaled like a run's and can be reverted; one that only reads offers
/// nothing to undo. The expression is kept with its secrets masked.
#[test]
fn eval_writes_are_journaled_and_revertible() {
    let _one = whole_state();
    let home = temp_dir();
    let name = unique("eval-journal");
    let out = runbook()
        .env("XDG_STATE_HOME", &home)
        .arg("eval")
        .arg(format!(
            r#"let p = cognito::create_user_pool("{name}").UserPool.Id; cognito::admin_create_user(p, "u1", #{{ TemporaryPassword: "Eval#Secret1", MessageAction: "SUPPRESS" }}); p"#
        ))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let journal = err
        .lines()
        .find_map(|l| l.strip_prefix("runbook: journal "))
        .and_then(|l| l.strip_suffix(" undoes it)"))
        .and_then(|l| l.split(" (runbook revert ").next())
        .unwrap_or_else(|| panic!("no revert offered: {err}"))
        .to_string();
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        text.contains(r#""command":"eval "#) && !text.contains("Eval#Secret1"),
        "{text}"
    );
    let out = runbook()
        .env("XDG_STATE_HOME", &home)
        .args(["revert", "--yes", &journal])
        .output()
        .expect("runs");
    ok(&out);
    let pools = ok(&run(
        &script(r#"print(to_json(query(cognito::list_user_pools(), "UserPools[].Name")));"#),
        &[],
    ));
    assert!(!pools.contains(&name), "{pools}");
    let out = runbook()
        .env("XDG_STATE_HOME", &home)
        .args(["eval", "cognito::list_user_pools().UserPools.len()"])
        .output()
        .expect("runs");
    assert!(!stderr(&out).contains("undoes it"), "{}", stderr(&out));
}

/// The journal is written ahead: a run killed (SIGKILL) while a write is in flight leaves a
/// `sending` line for it, and a revert undoes that write, which the service did make.
#[test]
fn a_write_in_flight_when_the_run_is_killed_is_on_record_and_undone() {
    let _one = whole_state();
    let pool = &new_pool("killed");
    let app = app_id("killed");
    // The create is carried out, and its answer held for 20 s.
    inject(&format!(
        r#"{{"app": "{app}", "slow_once": {{"action": "AdminCreateUser", "seconds": 20}}}}"#
    ));
    let journal = temp_dir().join("killed.jsonl");
    let mut child = runbook_as(&app)
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::admin_create_user("{pool}", "inflight", #{{ MessageAction: "SUPPRESS" }});"#
        )))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    wait_for_lines(&journal, 1, |l| l["type"] == "sending");
    // Until the emulator has made it.
    let start = Instant::now();
    while !recorded(&app)
        .iter()
        .any(|r| r["action"] == "AdminCreateUser")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the create never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let lines = journal_lines(&journal);
    assert!(
        !lines
            .iter()
            .any(|l| l["type"] == "call" && l["function"] == "cognito::admin_create_user"),
        "its outcome never came: {lines:?}"
    );
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("undone: maybe made: cognito::admin_create_user"),
        "{err}"
    );
    let users = ok(&run(
        &script(&format!(
            r#"print(cognito::list_users("{pool}").Users.len()); cognito::delete_user_pool("{pool}");"#
        )),
        &[],
    ));
    assert_eq!(users.trim(), "0");
}

/// Adding a user to a group it is in, or attaching a policy a role has, changes nothing: the
/// journal says so, and a revert leaves the membership and the attachment as they were.
#[test]
fn adding_what_is_there_already_is_not_reverted_into_a_removal() {
    let _one = whole_state();
    let name = unique("there-already");
    let setup = ok(&run(
        &script(&format!(
            r#"let p = cognito::create_user_pool("{name}").UserPool.Id;
               cognito::admin_create_user(p, "u1", #{{ MessageAction: "SUPPRESS" }});
               cognito::create_group(#{{ UserPoolId: p, GroupName: "g1" }});
               cognito::admin_add_user_to_group(#{{ UserPoolId: p, Username: "u1", GroupName: "g1" }});
               let doc = #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:*", Resource: "*" }}] }};
               let arn = iam::create_policy("{name}", doc).Policy.Arn;
               iam::create_role("{name}", #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Principal: #{{ Service: "cognito-idp.amazonaws.com" }}, Action: "sts:AssumeRole" }}] }});
               iam::attach_role_policy("{name}", arn);
               print(p); print(arn);"#
        )),
        &[],
    ));
    let mut lines = setup.lines();
    let (pool, arn) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let journal = temp_dir().join("again.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::admin_add_user_to_group(#{{ UserPoolId: "{pool}", Username: "u1", GroupName: "g1" }});
               iam::attach_role_policy("{name}", "{arn}");"#
        )))
        .output()
        .expect("runs"));
    let calls: Vec<serde_json::Value> = journal_lines(&journal)
        .into_iter()
        .filter(|l| l["type"] == "call" && l["class"] == "create")
        .collect();
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c["changed"] == false), "{calls:?}");
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("changed nothing, nothing to undo").count(),
        2,
        "{err}"
    );
    let still = ok(&run(
        &script(&format!(
            r#"print(cognito::admin_list_groups_for_user(#{{ UserPoolId: "{pool}", Username: "u1" }}).Groups.len());
               print(iam::list_attached_role_policies("{name}").AttachedPolicies.len());
               iam::detach_role_policy("{name}", "{arn}"); iam::delete_role("{name}"); iam::delete_policy("{arn}");
               cognito::delete_user_pool("{pool}");"#
        )),
        &[],
    ));
    assert_eq!(still.trim(), "1\n1");
}

/// Setting a password that leaves the user's status as it was still changed the password: it
/// is journaled as a change and listed as irreversible, not as one that changed nothing.
#[test]
fn a_password_set_again_is_a_change_no_revert_can_undo() {
    let pool = new_pool("password-again");
    ok(&run(
        &script(&format!(
            r#"cognito::admin_create_user("{pool}", "u1", #{{ MessageAction: "SUPPRESS" }});
               cognito::admin_set_user_password("{pool}", "u1", "First#Pass1", true);"#
        )),
        &[],
    ));
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::admin_set_user_password("{pool}", "u1", "Second#Pass2", true);"#
        ))
        .run()
        .status(0);
    let call = ran
        .journal()
        .into_iter()
        .find(|l| l["type"] == "call" && l["function"] == "cognito::admin_set_user_password")
        .expect("journaled");
    assert_eq!(call["before"]["UserStatus"], "CONFIRMED", "{call:#}");
    assert_eq!(call["changed"], true, "{call:#}");
    let journal = ran.journal_path().expect("a journal");
    let out = revert_yes(&journal);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("irreversible, left as it is: cognito::admin_set_user_password"),
        "{err}"
    );
    assert!(!err.contains("changed nothing"), "{err}");
}

/// A create whose first attempt got a 500 and whose retry found the user there
/// (UsernameExists) is journaled `maybe`; the user existed before the run, so the revert reads
/// it first and leaves it.
#[test]
fn a_user_there_before_a_maybe_create_survives_the_revert() {
    let pool = new_pool("maybe-before");
    ok(&run(
        &script(&format!(
            r#"cognito::admin_create_user("{pool}", "old", #{{ MessageAction: "SUPPRESS" }});"#
        )),
        &[],
    ));
    // The run starts measurably after the user was made.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let app = app_id("maybebefore");
    inject(&format!(
        r#"{{"app": "{app}", "server_error_on": "AdminCreateUser"}}"#
    ));
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"try {{ cognito::admin_create_user("{pool}", "old", #{{ MessageAction: "SUPPRESS" }}); }} catch (e) {{ print(e.code); }}"#
        ))
        .run()
        .status(0)
        .stdout_has("UsernameExistsException");
    let call = ran
        .journal()
        .into_iter()
        .find(|l| l["type"] == "call" && l["function"] == "cognito::admin_create_user")
        .expect("journaled");
    assert_eq!(call["outcome"], "maybe", "{call:#}");
    let out = revert_yes(&ran.journal_path().expect("a journal"));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("there before the run (created ")
            && err.contains("left as it is: maybe made: cognito::admin_create_user"),
        "{err}"
    );
    let users = ok(&run(
        &script(&format!(
            r#"print(cognito::list_users("{pool}").Users.len()); cognito::delete_user_pool("{pool}");"#
        )),
        &[],
    ));
    assert_eq!(
        users.trim(),
        "1",
        "the user from before the run is still there"
    );
}

/// A role's trust policy changed by a run is put back by its revert.
#[test]
fn a_roles_trust_policy_is_put_back() {
    let _one = whole_state();
    let role = unique("trust");
    let principal = |p: &str| {
        format!(
            r#"#{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Principal: {p}, Action: "sts:AssumeRole" }}] }}"#
        )
    };
    let trusted = || {
        ok(&run(
            &script(&format!(
                r#"print(to_json(iam::get_role("{role}").Role.AssumeRolePolicyDocument.Statement[0].Principal));"#
            )),
            &[],
        ))
    };
    ok(&run(
        &script(&format!(
            r#"iam::create_role("{role}", {});"#,
            principal(r#"#{ Service: "cognito-idp.amazonaws.com" }"#)
        )),
        &[],
    ));
    let before = trusted();
    let journal = temp_dir().join("trust.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"iam::update_assume_role_policy(#{{ RoleName: "{role}", PolicyDocument: {} }});"#,
            principal(r#"#{ AWS: "arn:aws:iam::210987654321:root" }"#)
        )))
        .output()
        .expect("runs"));
    assert_ne!(trusted(), before);
    ok(&revert_yes(&journal));
    assert_eq!(trusted(), before);
    ok(&run(
        &script(&format!(r#"iam::delete_role("{role}");"#)),
        &[],
    ));
}

/// A policy's default version goes back: a new default version made by a run is deleted after
/// the previous one is made default again, and a default changed by a run is put back.
#[test]
fn a_policys_default_version_is_put_back() {
    let _one = whole_state();
    let name = unique("default-version");
    let doc = r#"#{ Version: "2012-10-17", Statement: [#{ Effect: "Allow", Action: "logs:*", Resource: "*" }] }"#;
    let arn = ok(&run(
        &script(&format!(
            r#"let arn = iam::create_policy("{name}", {doc}).Policy.Arn;
               iam::create_policy_version(#{{ PolicyArn: arn, PolicyDocument: {doc} }});
               print(arn);"#
        )),
        &[],
    ));
    let arn = arn.trim();
    let state = || {
        ok(&run(
            &script(&format!(
                r#"print(to_json([iam::get_policy("{arn}").Policy.DefaultVersionId, iam::list_policy_versions(#{{ PolicyArn: "{arn}" }}).Versions.len()]));"#
            )),
            &[],
        ))
    };
    let before = state();
    assert_eq!(before.trim(), r#"["v1",2]"#);
    let journal = temp_dir().join("versions.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"iam::set_default_policy_version(#{{ PolicyArn: "{arn}", VersionId: "v2" }});
               iam::create_policy_version(#{{ PolicyArn: "{arn}", PolicyDocument: {doc}, SetAsDefault: true }});"#
        )))
        .output()
        .expect("runs"));
    assert_eq!(state().trim(), r#"["v3",3]"#);
    let out = revert_yes(&journal);
    ok(&out);
    assert_eq!(state(), before, "{}", stderr(&out));
    ok(&run(
        &script(&format!(
            r#"iam::delete_policy_version(#{{ PolicyArn: "{arn}", VersionId: "v2" }}); iam::delete_policy("{arn}");"#
        )),
        &[],
    ));
}

/// `runbook revert --yes JOURNAL` against the emulator.
fn revert_yes(journal: &Path) -> std::process::Output {
    runbook()
        .args(["revert", "--yes"])
        .arg(journal)
        .output()
        .expect("runs")
}
