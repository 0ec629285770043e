//! Bulk work at the service's pace, honest under faults, secrets that stay secret — against the
//! emulator, with its throttling, latency and fault knobs.

use crate::common::*;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn new_pool(prefix: &str) -> String {
    ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);"#,
            unique(prefix)
        )),
        &[],
    ))
    .trim()
    .to_string()
}

fn usernames(pool: &str) -> Vec<String> {
    let out = ok(&run(
        &script(&format!(
            r#"print(to_json(query(cognito::list_users("{pool}"), "Users[].Username")));"#
        )),
        &[],
    ));
    serde_json::from_str(out.trim()).expect("json")
}

fn delete_pool(pool: &str) {
    ok(&run(
        &script(&format!(r#"cognito::delete_user_pool("{pool}");"#)),
        &[],
    ));
}

#[test]
fn a_throttled_batch_creates_every_user_exactly_once() {
    let pool = new_pool("throttled");
    let app = app_id("throttled");
    // An account whose quota is below the category's default (50/s): the batch adapts down.
    inject(&format!(
        r#"{{"app": "{app}", "throttle": {{"AdminCreateUser": 20}}}}"#
    ));
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let requests = [];
               for i in 0..300 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `user${{i}}`, MessageAction: "SUPPRESS" }}); }}
               let results = aws::batch("cognito::admin_create_user", requests, #{{ concurrency: 8 }});
               print(results.len());
               print(results.filter(|r| r.ok).len());
               print(results[0].result.User.Username);
               print(results[299].result.User.Username);"#
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["300", "300", "user0", "user299"],
        "{text}"
    );
    // Every user exists once; the emulator accepted exactly 300 creates and throttled others.
    let mut names = usernames(&pool);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 300);
    let seen = recorded(&app);
    let creates: Vec<&Value> = seen
        .iter()
        .filter(|r| r["action"] == "AdminCreateUser")
        .collect();
    assert_eq!(creates.iter().filter(|r| r["status"] == 200).count(), 300);
    let throttled = creates.iter().filter(|r| r["status"] == 400).count();
    assert!(throttled > 0, "the quota was never hit");
    assert!(
        creates
            .iter()
            .filter(|r| r["status"] == 400)
            .all(|r| r["response"]
                .as_str()
                .unwrap_or("")
                .contains("TooManyRequestsException")),
        "only throttling may fail"
    );
    assert!(stderr(&out).contains("300/300 done"), "{}", stderr(&out));
    delete_pool(&pool);
}

#[test]
fn a_batch_starts_at_its_quota_categorys_rate_and_warns_about_the_default_email_sender() {
    let pool = new_pool("paced");
    let app = app_id("paced");
    // The account's quota is the documented default (UserCreation, 50/s; a little headroom
    // for the emulator's clock): a batch that starts at it is never throttled.
    inject(&format!(
        r#"{{"app": "{app}", "throttle": {{"AdminCreateUser": 55}}}}"#
    ));
    let started = std::time::Instant::now();
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let requests = [];
               for i in 0..100 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `paced${{i}}`,
                   UserAttributes: [#{{ Name: "email", Value: `paced${{i}}@example.com` }}],
                   DesiredDeliveryMediums: ["EMAIL"] }}); }}
               print(aws::batch("cognito::admin_create_user", requests, #{{ concurrency: 8 }}).filter(|r| r.ok).len());"#
        )))
        .output()
        .expect("runs");
    let took = started.elapsed();
    assert_eq!(ok(&out).trim(), "100");
    let err = stderr(&out);
    assert!(
        err.contains("100 invitations of this batch go by email")
            && err.contains("50 emails a day"),
        "{err}"
    );
    let throttled = recorded(&app)
        .iter()
        .filter(|r| r["action"] == "AdminCreateUser" && r["status"] == 400)
        .count();
    assert_eq!(throttled, 0, "started at the category's rate, not above it");
    // As the service's bucket takes them: 0.8 s' worth (40) at once, then one each 20 ms.
    assert!(took >= std::time::Duration::from_millis(1050), "{took:?}");
    delete_pool(&pool);
}

#[test]
fn a_batch_checks_every_request_before_sending_and_returns_errors_in_order() {
    let pool = new_pool("batchcheck");
    let app = app_id("batchcheck");
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let requests = [];
               for i in 0..5 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `u${{i}}` }}); }}
               requests[3] = #{{ UserPoolId: "{pool}", Usernme: "u3" }};
               aws::batch("cognito::admin_create_user", requests);"#
        )))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            r#"aws::batch: request [3]: unknown request key "Usernme" (did you mean "Username"?)"#
        ),
        "{err}"
    );
    assert!(
        !recorded(&app)
            .iter()
            .any(|r| r["action"] == "AdminCreateUser"),
        "nothing may be sent"
    );
    // A non-retryable error is a result, not a throw; the order is the input's.
    let out = ok(&runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let results = aws::batch("cognito::admin_create_user", [
                   #{{ UserPoolId: "{pool}", Username: "a" }},
                   #{{ UserPoolId: "{pool}", Username: "a" }},
                   #{{ UserPoolId: "{pool}", Username: "b" }},
               ], #{{ concurrency: 1 }});
               for r in results {{ print(if r.ok {{ r.result.User.Username }} else {{ r.error.code }}); }}"#
        )))
        .output()
        .expect("runs"));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["a", "UsernameExistsException", "b"]
    );
    let err = runbook()
        .args(["run", "--yes"])
        .arg(script(r#"aws::batch("cognito::admin_creat_user", []);"#))
        .output()
        .expect("runs");
    assert!(
        stderr(&err).contains(r#"did you mean "cognito::admin_create_user"?"#),
        "{}",
        stderr(&err)
    );
    delete_pool(&pool);
}

#[test]
fn a_batch_plans_in_a_dry_run_and_journals_one_line_per_request() {
    let pool = new_pool("batchplan");
    let app = app_id("batchplan");
    let body = format!(
        r#"let requests = [];
           for i in 0..20 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `p${{i}}` }}); }}
           print(aws::batch("cognito::admin_create_user", requests).filter(|r| r.ok).len());"#
    );
    let ran = Test::new()
        .app(&app)
        .args(["run", "--dry-run"])
        .runbook(&body)
        .run()
        .status(0);
    assert_eq!(ran.stdout().trim(), "20");
    let err = ran.stderr();
    assert_eq!(
        err.matches("+ cognito::admin_create_user").count(),
        20,
        "{err}"
    );
    assert!(
        !recorded(&app)
            .iter()
            .any(|r| r["action"] == "AdminCreateUser")
    );
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&body)
        .run()
        .status(0);
    assert_eq!(ran.stdout().trim(), "20");
    let lines = ran.journal();
    let calls: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "call" && l["function"] == "cognito::admin_create_user")
        .collect();
    assert_eq!(calls.len(), 20);
    assert!(calls.iter().all(|l| l["outcome"] == "ok"));
    delete_pool(&pool);
}

#[test]
fn two_identical_requests_in_a_batch_are_two_journaled_calls() {
    let pool = new_pool("batch-twins");
    let ran = Test::new()
        .args(["run", "--yes"])
        .journal()
        .runbook(&format!(
            r#"cognito::admin_create_user("{pool}", "twin", #{{ MessageAction: "SUPPRESS" }});
               let twice = #{{ UserPoolId: "{pool}", Username: "twin" }};
               print(aws::batch("cognito::admin_disable_user", [twice, twice]).filter(|r| r.ok).len());"#
        ))
        .run()
        .status(0);
    assert_eq!(ran.stdout().trim(), "2");
    let lines = ran.journal();
    let of = |kind: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["type"] == kind && l["function"] == "cognito::admin_disable_user")
            .collect()
    };
    let (sending, calls) = (of("sending"), of("call"));
    assert_eq!((sending.len(), calls.len()), (2, 2), "{lines:#?}");
    // Each call settles its own ticket: its own sending line, outcome, before-image, changed.
    let mut seqs: Vec<u64> = calls.iter().filter_map(|c| c["seq"].as_u64()).collect();
    seqs.sort();
    let mut sent: Vec<u64> = sending.iter().filter_map(|s| s["seq"].as_u64()).collect();
    sent.sort();
    assert_eq!(seqs.len(), 2, "{calls:#?}");
    assert_ne!(seqs[0], seqs[1], "{calls:#?}");
    assert_eq!(seqs, sent);
    for call in &calls {
        assert_eq!(call["outcome"], "ok", "{call:#}");
        assert_eq!(call["before"]["Enabled"], true, "{call:#}");
        assert_eq!(call["changed"], true, "{call:#}");
    }
    delete_pool(&pool);
}

#[test]
fn each_walks_every_page_one_at_a_time() {
    let pool = new_pool("each");
    let journal = temp_dir().join("each.jsonl");
    let out = runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"let requests = [];
               for i in 0..130 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `e${{i}}`, MessageAction: "SUPPRESS" }}); }}
               aws::batch("cognito::admin_create_user", requests);
               let seen = [];
               let n = aws::each("cognito::list_users", #{{ UserPoolId: "{pool}" }}, |user| seen.push(user.Username));
               print(n);
               print(seen.len());
               print(aws::each("cognito::list_groups", #{{ UserPoolId: "{pool}" }}, |g| ()));"#
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["130", "130", "0"],
        "{text}"
    );
    let pages = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .filter(|l| l.contains("\"cognito::list_users\""))
        .count();
    assert_eq!(pages, 3, "60 users a page: three pages, each its own call");
    let out = run(
        &script(r#"aws::each("cognito::describe_user_pool", #{ UserPoolId: "x" }, |x| x);"#),
        &[],
    );
    assert!(
        stderr(&out).contains("does not return pages of items"),
        "{}",
        stderr(&out)
    );
    delete_pool(&pool);
}

#[test]
fn a_retry_that_finds_its_own_creation_says_it_is_uncertain() {
    let pool = new_pool("uncertain");
    let app = app_id("uncertain");
    // The first attempt is carried out, but its answer is held past the attempt's time limit.
    inject(&format!(
        r#"{{"app": "{app}", "slow_once": {{"action": "AdminCreateUser", "seconds": 4}}}}"#
    ));
    let journal = temp_dir().join("uncertain.jsonl");
    let out = runbook_as(&app)
        .args(["--timeout", "6", "run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"try {{
                   cognito::admin_create_user("{pool}", "frozen", #{{ TemporaryPassword: "Temp#Pass123" }});
               }} catch (e) {{
                   print(e.code); print(e.uncertain); print(e.attempts);
                   throw e;
               }}"#
        )))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        ["UsernameExistsException", "true", "2"]
    );
    let err = stderr(&out);
    assert!(
        err.contains("an earlier attempt of this very call failed or timed out and may have applied the change itself (2 attempts)"),
        "{err}"
    );
    // The message names the request, never its secrets.
    assert!(
        err.contains(&format!("(UserPoolId={pool}, Username=frozen)")),
        "{err}"
    );
    assert!(!err.contains("Temp#Pass123"), "{err}");
    let text = std::fs::read_to_string(&journal).expect("journal");
    // Journaled as a write whose outcome is unknown, and why.
    assert!(
        text.contains(r#""outcome":"maybe","error":"uncertain""#),
        "{text}"
    );
    assert_eq!(usernames(&pool), ["frozen"]);
    delete_pool(&pool);
}

/// A server that accepts connections and never answers.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

#[test]
fn a_silent_endpoint_fails_within_the_limit_and_says_so() {
    let url = silent_endpoint();
    for (args, limit) in [(vec!["--timeout", "3"], 3), (vec![], 30)] {
        let started = Instant::now();
        let mut cmd = bare();
        cmd.args(["--endpoint-url", &url])
            .args(&args)
            .args(["run", "-"]);
        let out = fed(cmd, r#"cognito::admin_get_user("ap-northeast-1_x", "u1");"#);
        let took = started.elapsed().as_secs_f64();
        assert_eq!(out.status.code(), Some(1));
        assert!(
            took < limit as f64 + 5.0,
            "took {took:.1} s for a {limit} s limit"
        );
        let err = stderr(&out);
        // As many attempts as fit in the limit (the SDK backs off between them).
        assert!(
            err.contains(&format!(
                "cognito-idp AdminGetUser: no answer from {url} within {limit} s ("
            )) && err.contains(" attempts)"),
            "{err}"
        );
        assert!(err.contains("--timeout SECONDS"), "{err}");
    }
}

/// Starts an import that the emulator holds in progress — `start` gets the call and returns
/// the command running it — and sends SIGINT once it is in progress. Returns the exit code,
/// what stderr said after the signal, and the job's status afterwards.
fn interrupt_an_import(
    prefix: &str,
    start: impl FnOnce(String) -> Command,
) -> (Option<i32>, Vec<String>, String) {
    let pool = new_pool(prefix);
    let role = "arn:aws:iam::123456789012:role/Import";
    let name = unique("held");
    inject(&format!(
        r#"{{"job_name": "{name}", "hold_next_job_seconds": 120}}"#
    ));
    let call = format!(
        r#"cognito::import_users("{pool}", "{}", #{{ CloudWatchLogsRoleArn: "{role}", JobName: "{name}", PollInterval: 0.1 }})"#,
        repo().join("tests/fixtures/csv/seed.csv").display()
    );
    let mut child = start(call).stderr(Stdio::piped()).spawn().expect("spawns");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let started = Instant::now();
    for line in lines.by_ref() {
        if line.expect("line").contains("InProgress") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let code = child.wait().expect("waits").code();
    let status = ok(&run(
        &script(&format!(
            r#"print(cognito::list_user_import_jobs("{pool}").UserImportJobs[0].Status);"#
        )),
        &[],
    ));
    inject(&format!(r#"{{"job_name": "{name}", "release": true}}"#));
    delete_pool(&pool);
    (code, rest, status.trim().to_string())
}

#[test]
fn sigint_during_an_import_stops_the_job_this_run_started() {
    let journal = temp_dir().join("sigint.jsonl");
    let (code, rest, status) = interrupt_an_import("sigint-import", |call| {
        let mut cmd = runbook();
        cmd.args(["run", "--yes", "--journal"])
            .arg(&journal)
            .arg(script(&format!("{call};")));
        cmd
    });
    assert_eq!(code, Some(130), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("stopped import job")),
        "{rest:?}"
    );
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        text.contains(r#""function":"cognito::stop_user_import_job""#),
        "{text}"
    );
    assert!(
        ["Stopping", "Stopped"].contains(&status.as_str()),
        "{status}"
    );
}

#[test]
fn sigint_during_an_eval_import_stops_the_job_it_started() {
    // `eval` runs the same lifecycle as `run`: a signal stops the import job it started.
    let (code, rest, status) = interrupt_an_import("sigint-eval-import", |call| {
        let mut cmd = runbook();
        cmd.args(["eval", "--yes"]).arg(call);
        cmd
    });
    assert_eq!(code, Some(130), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("stopped import job")),
        "{rest:?}"
    );
    assert!(
        ["Stopping", "Stopped"].contains(&status.as_str()),
        "{status}"
    );
}

#[test]
fn response_secrets_never_print_yet_pass_as_themselves() {
    let out = runbook()
        .env("RUNBOOK_TEST_PASSWORD", "Sent#AsItself42")
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
               let client = cognito::create_user_pool_client(pool, "app", #{{ GenerateSecret: true, ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }}).UserPoolClient;
               cognito::admin_create_user(pool, "dana", #{{ MessageAction: "SUPPRESS" }});
               cognito::admin_set_user_password(pool, "dana", secret("RUNBOOK_TEST_PASSWORD"), true);
               let auth = cognito::admin_initiate_auth(#{{ UserPoolId: pool, ClientId: client.ClientId,
                   AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: #{{ USERNAME: "dana", PASSWORD: secret("RUNBOOK_TEST_PASSWORD"),
                       SECRET_HASH: cognito::secret_hash(client.ClientId, client.ClientSecret, "dana") }} }});
               let token = auth.AuthenticationResult.AccessToken;
               print(token);
               print(`interpolated ${{token}} and ${{client.ClientSecret}}`);
               print(to_json(auth));
               debug(token);
               print(type_of(token));
               print(cognito::get_user(#{{ AccessToken: token }}).Username);
               print(reveal(token).len() > 20);
               print(reveal(client.ClientSecret) == reveal(cognito::describe_user_pool_client(pool, client.ClientId).UserPoolClient.ClientSecret));
               cognito::delete_user_pool(pool);"#,
            unique("secrets")
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "********");
    assert_eq!(lines[1], "interpolated ******** and ********");
    let json: Value = serde_json::from_str(lines[2]).expect("json");
    assert_eq!(json["AuthenticationResult"]["AccessToken"], "********");
    assert_eq!(json["AuthenticationResult"]["RefreshToken"], "********");
    assert_eq!(lines[3], "secret");
    assert_eq!(&lines[4..], ["dana", "true", "true"], "{text}");
    let all = text + &stderr(&out);
    assert!(!all.contains("eyJ"), "a token leaked: {all}");
    assert!(!all.contains("Sent#AsItself42"));
}

#[test]
fn a_presigned_url_prints_without_its_signature_and_still_uploads() {
    let pool = new_pool("presigned");
    let out = ok(&run(
        &script(&format!(
            r#"let job = cognito::create_user_import_job("{pool}", "{}", "arn:aws:iam::123456789012:role/Import").UserImportJob;
               print(job.PreSignedUrl);
               print(to_json(job));
               print(cognito::upload_csv(job.PreSignedUrl, "{}").status);"#,
            unique("presigned"),
            repo().join("tests/fixtures/csv/seed.csv").display()
        )),
        &[],
    ));
    assert!(!out.contains("X-Amz-Signature"), "{out}");
    assert!(
        out.lines().next().unwrap_or("").ends_with("?********"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("200"));
    delete_pool(&pool);
}

#[test]
fn in_the_repl_ctrl_c_interrupts_a_statement_and_the_session_goes_on() {
    let state = temp_dir();
    let app = app_id("replc");
    // Every answer to this session takes 5 s: a slow call to interrupt.
    inject(&format!(r#"{{"app": "{app}", "latency_ms": 5000}}"#));
    let state_text = state.display().to_string();
    let (code, text) = on_a_terminal(
        "repl",
        &[
            (1500, "loop { }\r"),
            (1000, "\x03"),
            (800, "print(40 + 2)\r"),
            (800, "cognito::list_user_pools()\r"),
            (1000, "\x03"),
            (800, "print(`after ${6 * 7}`)\r"),
            (500, "let password = \"Typed#Secret1\";\r"),
            (
                500,
                "let r = #{ \"TemporaryPassword\": `Typed#Secret2` };\r",
            ),
            (
                500,
                "let a = #{ AuthParameters: #{ PASSWORD: \"Typed#Secret3\", SECRET_HASH: \"Typed#Secret4\" } };\r",
            ),
            (500, "let db_token = `Typed#Secret5`;\r"),
            (500, ":quit\r"),
        ],
        &[("XDG_STATE_HOME", &state_text), ("AWS_SDK_UA_APP_ID", &app)],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("42"), "{text}");
    assert!(text.contains("after 42"), "{text}");
    assert!(text.matches("stopped by SIGINT").count() >= 2, "{text}");
    let history = std::fs::read_to_string(state.join("runbook/history")).expect("history");
    assert!(history.contains("let password"), "{history}");
    for n in 1..=5 {
        assert!(!history.contains(&format!("Typed#Secret{n}")), "{history}");
    }
}

#[test]
fn sigint_stops_a_batch_which_reports_what_was_done() {
    let pool = new_pool("batch-sigint");
    let app = app_id("batchsigint");
    inject(&format!(
        r#"{{"app": "{app}", "throttle": {{"AdminCreateUser": 10}}}}"#
    ));
    let journal = temp_dir().join("batch-sigint.jsonl");
    let child = runbook_as(&app)
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"let requests = [];
               for i in 0..200 {{ requests.push(#{{ UserPoolId: "{pool}", Username: `s${{i}}`, MessageAction: "SUPPRESS" }}); }}
               aws::batch("cognito::admin_create_user", requests);
               print("not reached");"#
        )))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().expect("waits");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(!stdout(&out).contains("not reached"));
    let done: usize = err
        .split("stopped by SIGINT: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no report: {err}"));
    assert!(done > 0 && done < 200, "{err}");
    // What the batch reports done is what the journal holds and the pool has.
    let journaled = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .filter(|l| {
            l.contains(r#""function":"cognito::admin_create_user""#)
                && l.contains(r#""outcome":"ok""#)
        })
        .count();
    assert_eq!(journaled, done);
    assert_eq!(usernames(&pool).len(), done);
    delete_pool(&pool);
}

/// Every call of a quota category — single calls in a loop, a batch — is paced from the
/// account's provisioned limit, read once: against an emulator holding the account to it,
/// nothing is throttled; the run's last line says what it paced. `runbook limits` shows them.
#[test]
fn every_page_of_a_list_takes_its_slot_in_the_pace() {
    // 600 users: ten pages of 60, read at an account limit of 3 lists a second.
    let pool = new_pool("paged");
    let (status, body) = emulator_http(
        "POST",
        "/_runbook/seed_users",
        &format!(r#"{{"pool_id": "{pool}", "count": 600, "prefix": "paged"}}"#),
    );
    assert_eq!(status, 204, "{body}");
    // `runbook eval EXPR` as a new app, held to 3 lists a second.
    let at_three_a_second = |name: &str, expr: &str| {
        let app = app_id(name);
        inject(&format!(
            r#"{{"app": "{app}", "enforce_limits": true, "provisioned": {{"UserList": 3}}}}"#
        ));
        let out = runbook_as(&app)
            .args(["eval", expr])
            .output()
            .expect("runs");
        (app, out)
    };
    // (The limit is read after the run's first answered call.)
    let (app, out) = at_three_a_second(
        "paged",
        &format!(
            "cognito::describe_user_pool({pool:?}); cognito::list_users({pool:?}).Users.len()"
        ),
    );
    assert_eq!(ok(&out).trim(), "600");
    let seen = recorded(&app);
    let pages = seen
        .iter()
        .filter(|r| r["action"] == "ListUsers" && r["status"] == 200)
        .count();
    assert_eq!(pages, 10, "{}", stderr(&out));
    let throttled = seen.iter().filter(|r| r["status"] == 400).count();
    assert_eq!(throttled, 0, "{}", stderr(&out));
    // As a run's first call, before the limit is read, its pages go at the default (30/s):
    // the emulator, holding this account below any real one's, throttles some and the SDK
    // retries them — whether its retries then get through or run out, the closing line counts
    // every throttled answer.
    let (app, out) = at_three_a_second(
        "paged-first",
        &format!("cognito::list_users({pool:?}).Users.len()"),
    );
    let throttled = recorded(&app).iter().filter(|r| r["status"] == 400).count();
    assert!(throttled > 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("; {throttled} throttled request")),
        "{throttled}: {}",
        stderr(&out)
    );
}

#[test]
fn every_call_is_paced_from_the_accounts_provisioned_limits() {
    let app = app_id("limits");
    inject(&format!(
        r#"{{"app": "{app}", "enforce_limits": true, "provisioned": {{"UserCreation": 10, "UserUpdate": 20}}}}"#
    ));
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .runbook(
            r#"let pool = cognito::create_user_pool("paced").UserPool.Id;
for i in 0..30 { cognito::admin_create_user(pool, `u${i}`, #{ MessageAction: "SUPPRESS" }); }
let requests = [];
for i in 0..30 { requests.push(#{ UserPoolId: pool, Username: `u${i}` }); }
let done = aws::batch("cognito::admin_disable_user", requests, #{ concurrency: 8 });
print(done.filter(|r| r.ok).len());
"#,
        )
        .run()
        .status(0)
        .stdout_has("30");
    let seen = recorded(&app);
    let throttled = seen.iter().filter(|r| r["status"] == 400).count();
    assert_eq!(throttled, 0, "{}", ran.stderr());
    let reads = seen
        .iter()
        .filter(|r| r["action"] == "GetProvisionedLimit")
        .count();
    // Each category's limit was read once: creates, the disables' before-reads, disables.
    assert_eq!(reads, 3, "{}", ran.stderr());
    for said in [
        "runbook: paced UserCreation at 10/s (provisioned), ",
        "UserUpdate at 20/s (provisioned); 0 throttled requests",
    ] {
        assert!(ran.stderr().contains(said), "{}", ran.stderr());
    }
    // Unpaced, the same loop is throttled: the emulator holds the account to its limits.
    let app2 = app_id("unpaced");
    inject(&format!(
        r#"{{"app": "{app2}", "enforce_limits": true, "provisioned": {{"UserCreation": 10}}}}"#
    ));
    let boto = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                r#"
import boto3, botocore
c = boto3.client("cognito-idp", endpoint_url="{}", region_name="ap-northeast-1",
                 aws_access_key_id="t", aws_secret_access_key="t",
                 config=botocore.config.Config(user_agent_appid="{app2}", retries={{"max_attempts": 1}}))
p = c.create_user_pool(PoolName="unpaced")["UserPool"]["Id"]
n = 0
for i in range(30):
    try:
        c.admin_create_user(UserPoolId=p, Username=f"u{{i}}", MessageAction="SUPPRESS")
    except c.exceptions.TooManyRequestsException:
        n += 1
print(n)
"#,
                endpoint()
            ),
        ])
        .output()
        .expect("python3 runs");
    let throttled: usize = stdout(&boto).trim().parse().unwrap_or(0);
    assert!(throttled > 0, "{}", stderr(&boto));
    // runbook limits: each category, provisioned, free, pace.
    let limits = ok(&runbook()
        .env("AWS_SDK_UA_APP_ID", &app)
        .args(["limits", "--json"])
        .output()
        .expect("runs"));
    let limits: serde_json::Value = serde_json::from_str(&limits).expect("JSON");
    let creation = limits
        .as_array()
        .and_then(|a| a.iter().find(|l| l["category"] == "UserCreation"))
        .expect("UserCreation");
    assert_eq!(creation["provisioned"], 10.0);
    assert_eq!(creation["free"], 50.0);
    assert_eq!(creation["pace"], 10.0);
}

/// The emulator's categories are runbook's: the same operations in each (runbook's table is
/// in `src/aws/facts.rs`; the emulator holds an account to its own, as the service does).
#[test]
fn the_emulators_quota_categories_are_runbooks() {
    let (status, body) = emulator_http("GET", "/_runbook/categories", "");
    assert_eq!(status, 200, "{body}");
    let theirs: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let ops: serde_json::Value = serde_json::from_str(&ok(&bare()
        .args(["ops", "--json", "cognito::"])
        .output()
        .expect("runs")))
    .expect("JSON");
    let mut ours: Vec<(String, String)> = ops
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| {
            Some((
                op["quota"].as_str()?.to_string(),
                op["api"].as_str()?.to_string(),
            ))
        })
        .collect();
    let mut listed: Vec<(String, String)> = theirs
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(category, actions)| {
            actions
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| Some((category.clone(), a.as_str()?.to_string())))
                .collect::<Vec<_>>()
        })
        .collect();
    ours.sort();
    listed.sort();
    assert_eq!(ours, listed);
    assert!(ours.len() > 30, "{ours:?}");
}

/// A role that may not read its limits paces at the documented defaults, and says so once per
/// category; `runbook limits` shows the defaults and why; a missing region is an error.
#[test]
fn limits_that_cannot_be_read_leave_the_documented_defaults() {
    let app = app_id("nolimits");
    inject(&format!(
        r#"{{"app": "{app}", "deny": ["GetProvisionedLimit"]}}"#
    ));
    let ran = Test::new()
        .app(&app)
        .args(["run", "--yes"])
        .runbook(
            r#"let pool = cognito::create_user_pool("defaults").UserPool.Id;
for i in 0..3 { cognito::admin_create_user(pool, `u${i}`, #{ MessageAction: "SUPPRESS" }); }
"#,
        )
        .run()
        .status(0);
    let said = "runbook: pacing UserCreation at its documented default, 50/s: its provisioned limit could not be read (AccessDeniedException)";
    assert_eq!(ran.stderr().matches(said).count(), 1, "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("paced UserCreation at 50/s (default)"),
        "{}",
        ran.stderr()
    );
    let out = runbook()
        .env("AWS_SDK_UA_APP_ID", &app)
        .arg("limits")
        .output()
        .expect("runs");
    let text = ok(&out);
    assert!(
        text.contains(
            "UserCreation            -            -     50/s   default (AccessDeniedException)"
        ),
        "{text}"
    );
    let out = runbook()
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .arg("limits")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("NoRegion"), "{}", stderr(&out));
}
