//! A hostile neighbour and a flaky world: planted links and files, shadowing modules, secrets
//! pushed through string operations, silent endpoints and signals, closed and full output
//! streams, endless inputs, absurdly deep values and answers that are not AWS's. Each class has
//! its own case; none may panic, hang, or write where it was not meant to.

use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

/// A file someone else cares about, and a link to it planted where runbook will write.
fn planted(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let victim = dir.join(format!("{name}.victim"));
    std::fs::write(&victim, "precious\n").expect("victim");
    let link = dir.join(name);
    symlink(&victim, &link).expect("link");
    (victim, link)
}

/// A pool users can be exported from (an import needs an auto-verified attribute).
fn exportable_pool(prefix: &str) -> String {
    let out = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);"#,
            unique(prefix)
        )),
        &[],
    ));
    out.trim().to_string()
}

/// The planted link's target still holds what it held.
#[track_caller]
fn untouched(victim: &Path) {
    assert_eq!(std::fs::read_to_string(victim).expect("read"), "precious\n");
}

/// `cmd` refuses to write through a planted link, and the link's target is untouched.
#[track_caller]
fn refuses_the_link(cmd: &mut std::process::Command, victim: &Path) {
    refused(&cmd.output().expect("runs"), "symbolic link");
    untouched(victim);
}

#[track_caller]
fn refused(out: &std::process::Output, says: &str) -> String {
    let err = stderr(out);
    assert!(!out.status.success(), "{err}");
    assert_ne!(out.status.code(), Some(101), "no panic: {err}");
    assert!(err.contains(says), "expected {says:?} in: {err}");
    err
}

#[test]
fn a_planted_link_is_never_written_through() {
    let dir = temp_dir();
    let pool = exportable_pool("links");
    let runbook_file = script("print(1);");
    // The journal: new, appended or not.
    for append in [false, true] {
        let (victim, link) = planted(&dir, &format!("journal-{append}.jsonl"));
        let mut cmd = runbook();
        cmd.args(["run", "--journal"]).arg(&link);
        if append {
            cmd.arg("--append");
        }
        let out = cmd
            .arg(script(&format!(
                r#"cognito::describe_user_pool("{pool}");"#
            )))
            .output()
            .expect("runs");
        refused(&out, if append { "symbolic link" } else { "exists" });
        untouched(&victim);
    }
    // csv export: the CSV, and its groups file beside it.
    let (victim, link) = planted(&dir, "users.csv");
    refuses_the_link(
        runbook()
            .args(["csv", "export", "--pool", &pool, "--force", "--out"])
            .arg(&link),
        &victim,
    );
    let (victim, _) = planted(&dir, "other.groups.json");
    refuses_the_link(
        runbook()
            .args(["csv", "export", "--pool", &pool, "--force", "--out"])
            .arg(dir.join("other.csv")),
        &victim,
    );
    // csv template --out, and the definition files.
    let (victim, link) = planted(&dir, "header.csv");
    refuses_the_link(
        runbook()
            .args(["csv", "template", "--pool", &pool, "--force", "--out"])
            .arg(&link),
        &victim,
    );
    let defs = dir.join("defs");
    std::fs::create_dir(&defs).expect("dir");
    let (victim, _) = planted(&defs, "cognito.d.rhai");
    refuses_the_link(bare().args(["definitions", "--force"]).arg(&defs), &victim);
    // A journal named like the runbook is refused too.
    let out = runbook()
        .args(["run", "--journal"])
        .arg(&runbook_file)
        .arg("--append")
        .arg(&runbook_file)
        .output()
        .expect("runs");
    refused(&out, "is the runbook itself");
}

#[test]
fn an_existing_file_is_replaced_only_when_forced_and_new_files_are_private() {
    let dir = temp_dir();
    let pool = exportable_pool("force");
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "mine\n").expect("write");
    let export = |force: bool| {
        let mut cmd = runbook();
        cmd.args(["csv", "export", "--pool", &pool, "--out"])
            .arg(&csv);
        if force {
            cmd.arg("--force");
        }
        cmd.output().expect("runs")
    };
    refused(&export(false), "the file exists; pass --force");
    assert_eq!(std::fs::read_to_string(&csv).expect("read"), "mine\n");
    ok(&export(true));
    assert_ne!(std::fs::read_to_string(&csv).expect("read"), "mine\n");
    assert_eq!(mode(&dir.join("users.groups.json")), 0o600);
    // A fresh export is private; a fresh definition file is for an editor to read.
    let fresh = dir.join("fresh.csv");
    ok(&runbook()
        .args(["csv", "export", "--pool", &pool, "--out"])
        .arg(&fresh)
        .output()
        .expect("runs"));
    assert_eq!(mode(&fresh), 0o600);
    let defs = dir.join("defs");
    ok(&bare().arg("definitions").arg(&defs).output().expect("runs"));
    assert_eq!(mode(&defs), 0o700);
    assert_eq!(mode(&defs.join("cognito.d.rhai")), 0o644);
    refused(
        &bare().arg("definitions").arg(&defs).output().expect("runs"),
        "pass --force",
    );
    ok(&bare()
        .args(["definitions", "--force"])
        .arg(&defs)
        .output()
        .expect("runs"));
    // A journal is private, in a private directory.
    let journal = dir.join("runs").join("j.jsonl");
    ok(&runbook()
        .args(["run", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::describe_user_pool("{pool}");"#
        )))
        .output()
        .expect("runs"));
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(mode(journal.parent().expect("dir")), 0o700);
}

#[test]
fn a_journal_others_can_write_is_neither_appended_to_nor_reverted() {
    let dir = temp_dir();
    let journal = dir.join("j.jsonl");
    let name = unique("forged");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"print(cognito::create_user_pool("{name}").UserPool.Id);"#
        )))
        .output()
        .expect("runs"));
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let out = runbook()
        .args(["revert", "--yes"])
        .arg(&journal)
        .output()
        .expect("runs");
    refused(&out, "others can write it");
    let listed = ok(&runbook()
        .args(["eval"])
        .arg(format!(
            r#"query(cognito::list_user_pools(), "length(UserPools[?Name=='{name}'])")"#
        ))
        .output()
        .expect("runs"));
    assert_eq!(listed.trim(), "1", "the pool is still there");
    let out = runbook()
        .args(["run", "--append", "--journal"])
        .arg(&journal)
        .arg(script("cognito::list_user_pools();"))
        .output()
        .expect("runs");
    refused(&out, "others can write it");
}

/// A directory with a runbook importing `ensure`, and a planted `ensure.rhai` beside it.
fn shadowed() -> PathBuf {
    let dir = temp_dir();
    std::fs::write(
        dir.join("ensure.rhai"),
        r#"fn find_user_pool(name) { print("PLANTED"); "planted" }"#,
    )
    .expect("plant");
    dir
}

#[test]
fn a_bundled_module_cannot_be_shadowed_and_loose_directories_are_refused() {
    let dir = shadowed();
    let name = unique("nosuchpool");
    std::fs::write(
        dir.join("main.rhai"),
        format!(
            r#"import "ensure" as ensure;
               print(ensure::find_user_pool("{name}"));
               import "./ensure" as mine;
               print(mine::find_user_pool("x"));"#
        ),
    )
    .expect("write");
    let out = ok(&runbook()
        .arg("run")
        .arg(dir.join("main.rhai"))
        .output()
        .expect("runs"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["", "PLANTED", "planted"], "{out}");
    // A directory others can write: no module of it loads, and the error names it.
    std::fs::write(dir.join("roles.rhai"), "fn x() { 1 }").expect("write");
    std::fs::write(
        dir.join("loose.rhai"),
        r#"import "roles" as r; print(r::x());"#,
    )
    .expect("write");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = runbook()
        .arg("run")
        .arg(dir.join("loose.rhai"))
        .output()
        .expect("runs");
    let err = refused(&out, "others can write it");
    assert!(err.contains(&dir.display().to_string()), "{err}");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    assert_eq!(
        ok(&runbook()
            .arg("run")
            .arg(dir.join("loose.rhai"))
            .output()
            .expect("runs"))
        .trim(),
        "1"
    );
}

#[test]
fn eval_repl_and_stdin_runs_load_no_module_from_the_current_directory() {
    let dir = shadowed();
    std::fs::write(dir.join("roles.rhai"), "fn x() { 1 }").expect("write");
    let out = runbook()
        .current_dir(&dir)
        .args(["eval", r#"import "roles" as r; r::x()"#])
        .output()
        .expect("runs");
    refused(&out, r#"import "./roles""#);
    let out = fed(
        {
            let mut cmd = runbook();
            cmd.current_dir(&dir).args(["run", "-"]);
            cmd
        },
        r#"import "roles" as r; print(r::x());"#,
    );
    refused(&out, r#"import "./roles""#);
    let out = fed(
        {
            let mut cmd = runbook();
            cmd.current_dir(&dir).arg("repl");
            cmd
        },
        "import \"ensure\" as e;\nprint(e::find_user_pool(\"no-such-pool-here\"));\n",
    );
    assert!(!stdout(&out).contains("PLANTED"), "{}", stdout(&out));
    // Named as a path, it loads.
    let out = runbook()
        .current_dir(&dir)
        .args(["eval", r#"import "./roles" as r; r::x()"#])
        .output()
        .expect("runs");
    assert_eq!(ok(&out).trim(), "1");
}

#[test]
fn a_secret_stays_a_secret_through_string_operations() {
    let pool = new_pool("joins");
    const X: &str = "Hunter2#Secret";
    let dir = temp_dir();
    let journal = dir.join("j.jsonl");
    // Each way of building a password from a secret: the password set is the real text, which
    // signing in with it proves; the mask is never data.
    let ways = [
        ("plus", r#""Pre1x-" + secret("X")"#, format!("Pre1x-{X}")),
        (
            "append",
            r#"{ let s = secret("X"); s += "-9"; s }"#,
            format!("{X}-9"),
        ),
        (
            "sub_string",
            r#"sub_string(secret("X") + "Zz1!", 2)"#,
            format!("{}Zz1!", &X[2..]),
        ),
        (
            "replace",
            r#"{ let s = secret("X"); s.replace("Hunter", "Hunted"); s }"#,
            X.replace("Hunter", "Hunted"),
        ),
        (
            "both sides",
            r#"secret("X") + "-" + secret("X")"#,
            format!("{X}-{X}"),
        ),
    ];
    let mut body = format!(
        r#"let pool = "{pool}";
           let client = cognito::create_user_pool_client(#{{ UserPoolId: pool, ClientName: "c",
               ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }}).UserPoolClient.ClientId;
        "#
    );
    for (i, (label, expr, _)) in ways.iter().enumerate() {
        body.push_str(&format!(
            r#"cognito::admin_create_user(#{{ UserPoolId: pool, Username: "u{i}", MessageAction: "SUPPRESS" }});
               let p = {expr};
               print(`{label}: ${{type_of(p)}} ${{p}}`);
               cognito::admin_set_user_password(#{{ UserPoolId: pool, Username: "u{i}", Password: p, Permanent: true }});
               let auth = cognito::admin_initiate_auth(#{{ UserPoolId: pool, ClientId: client, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
                   AuthParameters: #{{ USERNAME: "u{i}", PASSWORD: secret("EXPECT{i}") }} }});
               print(`{label}: signed in ${{type_of(auth.AuthenticationResult.AccessToken)}}`);
            "#
        ));
    }
    // Interpolation and a map printed into a string give the mask: sending them is refused.
    body.push_str(
        r#"for p in [`x${secret("X")}`, "" + #{ Password: secret("X") }, secret("X").to_string()] {
               try {
                   cognito::admin_set_user_password(#{ UserPoolId: pool, Username: "u0", Password: p, Permanent: true });
                   print("SENT THE MASK");
               } catch (e) { print(`refused: ${e.message}`); }
           }
           let t = "plain"; try { t += secret("X"); } catch (e) { print(`refused: ${e}`); }
        "#,
    );
    let mut cmd = runbook();
    cmd.args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&body))
        .env("X", X);
    for (i, (_, _, expect)) in ways.iter().enumerate() {
        cmd.env(format!("EXPECT{i}"), expect);
    }
    let out = cmd.output().expect("runs");
    let text = ok(&out);
    for (label, _, _) in &ways {
        assert!(
            text.contains(&format!("{label}: secret ********")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{label}: signed in secret")),
            "{text}"
        );
    }
    assert_eq!(text.matches("refused: ").count(), 4, "{text}");
    assert!(!text.contains("SENT THE MASK"), "{text}");
    assert!(text.contains("turned into plain text"), "{text}");
    let journaled = std::fs::read_to_string(&journal).expect("journal");
    for shown in [text.as_str(), &stderr(&out), &journaled] {
        assert!(!shown.contains("Hunter2"), "{shown}");
        assert!(!shown.contains("Hunted2"), "{shown}");
    }
}

#[test]
fn a_secret_in_an_endpoint_url_or_an_echoed_error_is_masked() {
    // A service echoing a secret value in its message (here: a pool id that is a secret).
    let out = runbook()
        .args(["eval", r#"cognito::describe_user_pool(secret("POOL"))"#])
        .env("POOL", "us-east-1_EchoedSecret99")
        .output()
        .expect("runs");
    let err = refused(&out, "ResourceNotFoundException");
    assert!(!err.contains("EchoedSecret99"), "{err}");
    // Credentials in an endpoint URL.
    let out = bare()
        .args([
            "--endpoint-url",
            "http://operator:Pa55word-in-url@127.0.0.1:9",
            "--timeout",
            "2",
            "run",
            "--yes",
        ])
        .arg(script(r#"cognito::create_user_pool("x");"#))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(!err.contains("Pa55word-in-url"), "{err}");
    assert!(err.contains("operator:********@127.0.0.1:9"), "{err}");
}

#[test]
fn a_secret_typed_under_a_comment_in_the_repl_is_not_kept() {
    let home = temp_dir();
    let out = fed(
        {
            let mut cmd = runbook();
            cmd.arg("repl").env("XDG_STATE_HOME", &home);
            cmd
        },
        "// the admin's password\nlet admin_password = \"Typed#Secret1\";\n",
    );
    ok(&out);
    let history = std::fs::read_to_string(home.join("runbook/history")).unwrap_or_default();
    assert!(!history.contains("Typed#Secret1"), "{history}");
    assert_eq!(mode(&home.join("runbook/history")), 0o600);
}

/// A TCP endpoint that accepts connections and never answers.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    format!("http://{addr}")
}

/// Starts `cmd`, sends `signal` after `after`, and returns the exit code and how long the
/// process took to end after the signal.
fn signalled(mut cmd: Command, after: Duration, signal: i32) -> (Option<i32>, Duration, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    std::thread::sleep(after);
    // SAFETY: sends a signal to our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    let sent = Instant::now();
    let status = child.wait().expect("waits");
    let took = sent.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("reads");
    (status.code(), took, err)
}

#[test]
fn a_silent_upload_endpoint_ends_at_sigterm_and_is_journaled_maybe() {
    let dir = temp_dir();
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "cognito:username,email\nu1,u1@example.com\n").expect("csv");
    let journal = dir.join("j.jsonl");
    let url = format!("{}/upload?X-Amz-Signature=topsecret", silent_endpoint());
    let mut cmd = runbook();
    cmd.args(["run", "--yes", "--timeout", "600", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::upload_csv("{url}", "{}");"#,
            csv.display()
        )));
    let (code, took, err) = signalled(cmd, Duration::from_millis(1500), libc::SIGTERM);
    assert_eq!(code, Some(143), "{err}");
    assert!(
        took < Duration::from_secs(2),
        "ended {took:?} after SIGTERM: {err}"
    );
    let lines = journal_lines(&journal);
    let call = lines
        .iter()
        .find(|l| l["type"] == "call")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(call["outcome"], "maybe", "{call}");
    assert_eq!(lines.last().expect("end")["signal"], "SIGTERM");
    assert!(
        !std::fs::read_to_string(&journal)
            .expect("j")
            .contains("topsecret")
    );
}

#[test]
fn a_call_to_a_silent_endpoint_ends_at_sigint_and_fails_within_one_timeout() {
    let endpoint = silent_endpoint();
    let mut cmd = bare();
    cmd.args([
        "--endpoint-url",
        &endpoint,
        "--timeout",
        "600",
        "run",
        "--yes",
    ])
    .arg(script(r#"cognito::create_user_pool("silent");"#));
    let (code, took, err) = signalled(cmd, Duration::from_millis(1500), libc::SIGINT);
    assert_eq!(code, Some(130), "{err}");
    assert!(
        took < Duration::from_secs(2),
        "ended {took:?} after SIGINT: {err}"
    );
    // The account lookup before the first write shares the call's budget.
    let started = Instant::now();
    let out = bare()
        .args([
            "--endpoint-url",
            &endpoint,
            "--timeout",
            "2",
            "run",
            "--yes",
        ])
        .arg(script(r#"cognito::create_user_pool("silent");"#))
        .output()
        .expect("runs");
    let took = started.elapsed();
    refused(&out, "no answer");
    assert!(took < Duration::from_millis(3500), "took {took:?}");
}

#[test]
fn a_batch_of_reads_as_the_first_call_does_not_panic() {
    let out = runbook()
        .arg("run")
        .arg(script(
            r#"let r = aws::batch("cognito::list_user_pools", [#{ MaxResults: 1 }, #{ MaxResults: 2 }]);
               print(r.len());"#,
        ))
        .output()
        .expect("runs");
    assert_eq!(ok(&out).trim(), "2");
}

#[test]
fn a_closed_stderr_does_not_stop_a_procedure() {
    let dir = temp_dir();
    for closed in ["pipe", "fd"] {
        let journal = dir.join(format!("{closed}.jsonl"));
        let name = unique("nostderr");
        let mut cmd = runbook();
        cmd.args(["run", "--yes", "--journal"])
            .arg(&journal)
            .arg(script(&format!(
                r#"for i in 0..50 {{ debug(i); }}
                   let p = cognito::create_user_pool("{name}").UserPool.Id;
                   cognito::delete_user_pool(p);"#
            )))
            .stdout(Stdio::null());
        if closed == "pipe" {
            // A pipe whose reader is gone: every write to stderr fails (EPIPE).
            let mut fds = [0; 2];
            // SAFETY: a pipe whose read end is closed at once.
            unsafe {
                libc::pipe(fds.as_mut_ptr());
                libc::close(fds[0]);
            }
            // SAFETY: the write end is ours to hand over.
            cmd.stderr(unsafe { <Stdio as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) });
        } else {
            // SAFETY: closes the child's stderr before it starts (`2>&-`).
            unsafe {
                cmd.pre_exec(|| {
                    libc::close(2);
                    Ok(())
                });
            }
        }
        let status = cmd.status().expect("runs");
        assert_eq!(status.code(), Some(0), "{closed}");
        let lines = journal_lines(&journal);
        assert_eq!(
            lines.last().expect("end")["type"],
            "end",
            "{closed}: {lines:?}"
        );
        assert_eq!(lines.last().expect("end")["outcome"], "ok");
    }
}

#[test]
fn a_full_stdout_fails_every_command_with_a_message() {
    let pool = new_pool("devfull");
    let dir = temp_dir();
    let csv = dir.join("ok.csv");
    let header = ok(&runbook()
        .args(["csv", "template", "--pool", &pool])
        .output()
        .expect("runs"));
    std::fs::write(&csv, &header).expect("csv");
    let journal = dir.join("j.jsonl");
    ok(&runbook()
        .args(["run", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::describe_user_pool("{pool}");"#
        )))
        .output()
        .expect("runs"));
    let commands: Vec<Vec<String>> = vec![
        vec!["ops".into()],
        vec!["ops".into(), "--json".into()],
        vec![
            "csv".into(),
            "template".into(),
            "--pool".into(),
            pool.clone(),
        ],
        vec![
            "csv".into(),
            "validate".into(),
            csv.display().to_string(),
            "--pool".into(),
            pool.clone(),
            "--json".into(),
        ],
        vec!["eval".into(), "1 + 1".into()],
        vec!["run".into(), script("print(1);").display().to_string()],
        vec!["journal".into(), journal.display().to_string()],
        vec!["--help".into()],
        vec!["--version".into()],
    ];
    for args in commands {
        let out = runbook()
            .args(&args)
            .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
            .output()
            .expect("runs");
        let err = stderr(&out);
        // (The file is a header without rows: validate finds a problem, and says both.)
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("cannot write"), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
    // The REPL, fed from a pipe.
    let mut child = runbook()
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, b":help\n").expect("types");
    }
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_value_nested_too_deep_is_an_error_not_a_crash() {
    let deep = "let m = #{}; for i in 0..10000 { m = #{ a: m }; }";
    for then in [
        "print(m);",
        "print(to_json(m));",
        "let a = []; for i in 0..10000 { a = [a]; } print(a);",
    ] {
        let out = runbook()
            .arg("run")
            .arg(script(&format!("{deep} {then}")))
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{then}: {err}");
        assert!(err.contains("nested deeper than 100"), "{then}: {err}");
    }
    // Inside a string it says so.
    let out = runbook()
        .arg("run")
        .arg(script(&format!(
            "{deep} print(`${{m}}`); print(m.to_string()); print(`${{[m]}}`.len() < 100);"
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    assert!(text.contains("nested deeper than 100"), "{text}");
    assert!(text.ends_with("true\n"), "{text}");
}

#[test]
fn endless_inputs_are_refused_at_once() {
    let pool = new_pool("devzero");
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", "/dev/zero"],
        vec!["check", "/dev/zero"],
        vec!["journal", "/dev/zero"],
        vec!["revert", "--yes", "/dev/zero"],
        vec!["csv", "validate", "/dev/zero", "--pool", &pool],
    ];
    for args in commands {
        let started = Instant::now();
        let out = runbook().args(&args).output().expect("runs");
        refused(&out, "not a regular file");
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?}");
    }
    for helper in [r#"read_csv("/dev/zero")"#, r#"read_file("/dev/zero")"#] {
        let out = runbook()
            .arg("run")
            .arg(script(&format!("{helper};")))
            .output()
            .expect("runs");
        refused(&out, "not a regular file");
    }
}

#[test]
fn odd_answers_get_clear_words() {
    // An endpoint that answers every request with an HTML 404 page.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let page = "<html><body><h1>404 Not Found</h1></body></html>";
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    for call in [
        "cognito::list_user_pools(#{ MaxResults: 1 })",
        "iam::list_roles()",
    ] {
        let out = bare()
            .args(["--endpoint-url", &format!("http://{addr}"), "eval", call])
            .output()
            .expect("runs");
        let err = refused(&out, "the endpoint answered HTTP 404");
        assert!(err.contains("not an AWS API?"), "{err}");
        assert!(!err.contains("SdkBody"), "{err}");
    }
    // Type errors name a secret as scripts know it.
    let out = runbook()
        .args([
            "eval",
            r#"cognito::list_user_pools(#{ MaxResults: secret("N") })"#,
        ])
        .env("N", "10")
        .output()
        .expect("runs");
    let err = refused(&out, "must be an integer, not a secret");
    assert!(!err.contains("runbook::"), "{err}");
    // A control character in a journal value prints escaped; a run without an end is flagged.
    let dir = temp_dir();
    let journal = dir.join("j.jsonl");
    let pool = new_pool("escape");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"try {{ cognito::admin_update_user_attributes(#{{ UserPoolId: "{pool}", Username: "nobody",
                   UserAttributes: [#{{ Name: "name", Value: "evil\x1b[31mred" }}] }}); }} catch {{}}"#
        )))
        .output()
        .expect("runs"));
    let text = std::fs::read_to_string(&journal).expect("journal");
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("\"type\":\"end\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&journal, cut).expect("write");
    let shown = ok(&runbook()
        .arg("journal")
        .arg(&journal)
        .output()
        .expect("runs"));
    assert!(!shown.contains('\x1b'), "{shown}");
    assert!(shown.contains("evil\\u001b[31mred"), "{shown}");
    assert!(shown.contains("no end line"), "{shown}");
}

#[test]
fn the_confirmation_prompt_reaches_the_terminal_when_stderr_is_redirected() {
    let pool = new_pool("ttyprompt");
    let dir = temp_dir();
    let log = dir.join("stderr.log");
    let file = script(&format!(r#"cognito::delete_user_pool("{pool}");"#));
    let command = format!(
        "exec '{}' --endpoint-url {} run '{}' 2>'{}'",
        env!("CARGO_BIN_EXE_runbook"),
        endpoint(),
        file.display(),
        log.display()
    );
    let (code, screen) = in_a_terminal(
        "/bin/sh",
        &["-c".to_string(), command],
        &[(2500, "n\r")],
        &[],
    );
    assert!(screen.contains("go ahead? [y/N]"), "{screen}");
    assert_ne!(code, Some(0), "{screen}");
    // Answered no: said so, not "no terminal".
    let said = std::fs::read_to_string(&log).expect("log");
    assert!(said.contains("declined at the prompt"), "{said}");
    assert!(!said.contains("no terminal"), "{said}");
}

/// Makes `path` another user's (nobody's), as a neighbour's planted file is.
fn foreign(path: &Path) {
    std::os::unix::fs::lchown(path, Some(65534), Some(65534))
        .expect("chown (the tests run as root)");
}

#[test]
fn runbook_test_refuses_a_suite_holding_a_planted_test_and_names_it() {
    let dir = temp_dir();
    std::fs::write(dir.join("ours.test.rhai"), "fn test_ours() {}").expect("write");
    // Another user's file; a file in a directory everyone can write; a link.
    std::fs::create_dir(dir.join("theirs")).expect("dir");
    let theirs = dir.join("theirs/steal.test.rhai");
    std::fs::write(
        &theirs,
        "fn test_steal() { print(env(\"AWS_SECRET_ACCESS_KEY\")); }",
    )
    .expect("write");
    foreign(&theirs);
    let open = dir.join("open");
    std::fs::create_dir(&open).expect("dir");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    std::fs::write(open.join("dropped.test.rhai"), "fn test_x() {}").expect("write");
    symlink(dir.join("ours.test.rhai"), dir.join("linked.test.rhai")).expect("link");
    let out = bare().arg("test").arg(&dir).output().expect("runs");
    let err = refused(&out, "3 test files not run, so no test runs");
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("steal.test.rhai: it belongs to another user (uid 65534)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "its directory {}: others can write it",
            open.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("linked.test.rhai: it is a symbolic link"),
        "{err}"
    );
    assert!(
        !stdout(&out).contains("test_ours"),
        "no test ran: {}",
        stdout(&out)
    );
}

#[test]
fn a_nested_runbook_from_another_user_is_not_run() {
    let dir = temp_dir();
    let theirs = dir.join("helper.rhai");
    std::fs::write(&theirs, "print(\"their code ran\");").expect("write");
    foreign(&theirs);
    let main = dir.join("main.rhai");
    std::fs::write(&main, "runbook(\"helper.rhai\");").expect("write");
    let out = runbook()
        .args(["run", "--yes"])
        .arg(&main)
        .output()
        .expect("runs");
    let err = refused(&out, "runbook(\"helper.rhai\"): refused to load");
    assert!(
        err.contains("it belongs to another user (uid 65534)"),
        "{err}"
    );
    assert!(!stdout(&out).contains("their code ran"));
}

#[test]
fn the_emulator_answers_only_requests_under_its_route_token() {
    let (host, route) = emulator_address();
    assert!(route.len() > 16, "a route token: {route}");
    // Another local user knows the port, not the token.
    let body = r#"{"MaxResults": 1}"#;
    let headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        (
            "X-Amz-Target",
            "AWSCognitoIdentityProviderService.ListUserPools",
        ),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIANEIGHBOUR/20260101/us-east-1/cognito-idp/aws4_request",
        ),
    ];
    let (status, answer) = http_request(host, "POST", "/", &headers, body);
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("UnrecognizedClientException"), "{answer}");
    for path in [
        "/moto-api/data.json",
        "/_runbook/requests?app=x",
        "/_runbook/reset",
    ] {
        let (status, answer) = http_request(host, "GET", path, &[], "");
        assert_eq!(status, 403, "{path}: {answer}");
    }
    // Under the route, the API answers; moto's data dump never does.
    let (status, answer) = http_request(host, "POST", &format!("{route}/"), &headers, body);
    assert_eq!(status, 200, "{answer}");
    let (status, _) = http_request(host, "GET", &format!("{route}/moto-api/data.json"), &[], "");
    assert_eq!(status, 403);
    // The token is shown to no one: the target line masks it.
    let out = runbook()
        .args(["eval", "cognito::list_user_pools(#{ MaxResults: 1 })"])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(!err.contains(route), "{err}");
}

#[test]
fn a_fifo_or_a_silent_pipe_ends_at_a_signal() {
    let pool = exportable_pool("fifo");
    let dir = temp_dir();
    let fifo = dir.join("runbook.rhai");
    let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Nobody writes to the FIFO: as the runbook, as a CSV, as read_file.
    let read = script(&format!(r#"read_file("{}");"#, fifo.display()));
    for (what, mut cmd) in [
        ("runbook", {
            let mut c = runbook();
            c.args(["run", "--yes"]).arg(&fifo);
            c
        }),
        ("read_file", {
            let mut c = runbook();
            c.args(["run", "--yes"]).arg(&read);
            c
        }),
        ("csv", {
            let mut c = runbook();
            c.args(["csv", "validate", "--pool", &pool]).arg(&fifo);
            c
        }),
    ] {
        cmd.stdin(Stdio::null());
        let (code, took, err) = signalled(cmd, Duration::from_millis(800), libc::SIGTERM);
        assert!(
            took < Duration::from_secs(2),
            "{what}: ended {took:?} after SIGTERM: {err}"
        );
        assert_ne!(code, None, "{what}: killed by the signal, not ended: {err}");
        assert_ne!(code, Some(101), "{what}: no panic: {err}");
    }
    // `sleep 99 | runbook run -`: standard input whose writer never writes nor closes.
    let mut child = runbook()
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let _writer = child.stdin.take();
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: sends SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let sent = Instant::now();
    let status = child.wait().expect("waits");
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(status.code(), Some(130));
}

#[test]
fn runbook_test_stops_a_runaway_test_and_exits_130_at_sigint() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("slow.test.rhai"),
        "fn test_loops() { loop { } }\nfn test_fine() { assert_eq(1, 1); }",
    )
    .expect("write");
    let out = bare()
        .args(["test", "--test-timeout", "2"])
        .arg(&dir)
        .output()
        .expect("runs");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("FAILED  ") && text.contains("test_loops"),
        "{text}"
    );
    assert!(
        text.contains("timed out: still running after 2 s"),
        "{text}"
    );
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    // SIGINT during a test: 130, and the workers' emulators are gone.
    let mut cmd = bare();
    cmd.args(["test", "--filter", "loops"]).arg(&dir);
    let (code, took, err) = signalled(cmd, Duration::from_millis(2500), libc::SIGINT);
    assert_eq!(code, Some(130), "{err}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_dead_runbooks_emulator_directory_is_removed_at_the_next_start() {
    // What a SIGKILLed runbook leaves: its directory, named by a pid that no longer runs.
    let mut dead = Command::new("true").spawn().expect("spawns");
    let pid = dead.id();
    dead.wait().expect("waits");
    let stale = std::env::temp_dir().join(format!("runbook-emulator-{pid}-stale1"));
    std::fs::create_dir_all(&stale).expect("dir");
    std::fs::write(stale.join("server.py"), "").expect("write");
    let dir = temp_dir();
    std::fs::write(dir.join("one.test.rhai"), "fn test_one() { }").expect("write");
    ok(&bare().arg("test").arg(&dir).output().expect("runs"));
    assert!(!stale.exists(), "{} is left", stale.display());
}

#[test]
fn small_mistakes_get_clear_errors() {
    // totp of no secret, and of a secret.
    let out = runbook()
        .args(["eval", r#"totp("")"#])
        .output()
        .expect("runs");
    refused(&out, "the TOTP secret is 0 base32 characters");
    let out = runbook()
        .args(["eval", r#"totp("a")"#])
        .output()
        .expect("runs");
    refused(&out, "the TOTP secret is 1 base32 characters");
    let out = runbook()
        .env("MY_TOTP_SECRET", "JBSWY3DPEHPK3PXP")
        .args(["eval", r#"type_of(totp(secret("MY_TOTP_SECRET")))"#])
        .output()
        .expect("runs");
    assert_eq!(ok(&out).trim(), r#""secret""#);
    // An environment variable named like a secret is one.
    let out = runbook()
        .args([
            "eval",
            r#"[type_of(env("AWS_SECRET_ACCESS_KEY")), type_of(env("AWS_REGION"))]"#,
        ])
        .output()
        .expect("runs");
    assert_eq!(
        ok(&out).split_whitespace().collect::<String>(),
        r#"["secret","string"]"#
    );
    // A rate that would not be honoured; a parameter given twice; --journal with --targets.
    let out = runbook()
        .args([
            "eval",
            r#"aws::batch("cognito::list_user_pools", [#{ MaxResults: 1 }], #{ rate: 0.0001 })"#,
        ])
        .output()
        .expect("runs");
    refused(&out, "at least 0.1");
    let out = runbook()
        .args(["run", "--var", "x=1", "--var", "x=2"])
        .arg(script("1"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    refused(&out, "--var x is given more than once");
    let out = runbook()
        .args(["run", "--targets", "fleet.toml", "--journal", "j.jsonl"])
        .arg(script("1"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    refused(&out, "use --journal-dir");
    // A value growing without end stops at a limit, named.
    let out = runbook()
        .args(["eval", "let a = [1]; loop { a += a; }"])
        .output()
        .expect("runs");
    refused(
        &out,
        "exceeds runbook's limit of 20000000 items in an array",
    );
}

#[test]
fn a_junit_file_is_checked_before_any_test_runs_and_force_replaces_it() {
    let dir = temp_dir();
    std::fs::write(dir.join("one.test.rhai"), "fn test_one() { }").expect("write");
    let report = dir.join("report.xml");
    std::fs::write(&report, "old").expect("write");
    let out = bare()
        .arg("test")
        .arg(&dir)
        .arg("--junit")
        .arg(&report)
        .output()
        .expect("runs");
    refused(&out, "the file exists; pass --force");
    assert!(
        !stdout(&out).contains("test_one"),
        "nothing ran: {}",
        stdout(&out)
    );
    let out = bare()
        .arg("test")
        .arg(&dir)
        .args(["--force", "--junit"])
        .arg(&report)
        .output()
        .expect("runs");
    ok(&out);
    assert!(
        std::fs::read_to_string(&report)
            .expect("read")
            .contains("test_one")
    );
}

#[test]
fn a_journal_directory_others_can_write_is_refused() {
    let state = temp_dir();
    let journal = state.join("runbook/journal");
    std::fs::create_dir_all(&journal).expect("dir");
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = runbook()
        .env("XDG_STATE_HOME", &state)
        .args(["run", "--yes"])
        .arg(script(r#"cognito::create_user_pool("jdir-loose");"#))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(err.contains("others can write it"), "{err}");
}

/// `text` as a Rhai string literal's content: every character outside printable ASCII as
/// `\uXXXX`.
fn rhai_escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{:04X}", c as u32)
            }
        })
        .collect()
}

#[test]
fn names_and_rows_the_service_would_refuse_are_refused_before_sending() {
    let pool = new_pool("names");
    for bad in [
        "evil\u{202e}txt",
        "nul\u{0}x",
        "esc\u{1b}[2J",
        "zero\u{200b}width",
    ] {
        let out = runbook()
            .args([
                "eval",
                &format!(
                    r#"cognito::admin_create_user("{pool}", "{}")"#,
                    rhai_escaped(bad)
                ),
            ])
            .output()
            .expect("runs");
        let err = refused(
            &out,
            "request key \"Username\" must be letters, marks, symbols, numbers or punctuation",
        );
        assert!(
            !err.contains('\u{1b}'),
            "no raw escape reaches the terminal: {err:?}"
        );
    }
    // The import CSV: the same rule, a row with a BOM inside, CR-only line ends.
    let header = ok(&runbook()
        .args(["csv", "template", "--pool", &pool])
        .output()
        .expect("runs"));
    let header = header.trim();
    let columns = header.split(',').count();
    let row = |name: &str| {
        let mut fields = vec![String::new(); columns];
        for (i, column) in header.split(',').enumerate() {
            fields[i] = match column {
                "cognito:username" => name.to_string(),
                "email" => "a@example.com".into(),
                "email_verified" => "true".into(),
                "cognito:mfa_enabled" => "false".into(),
                _ => String::new(),
            };
        }
        fields.join(",")
    };
    let dir = temp_dir();
    let csv = dir.join("users.csv");
    std::fs::write(
        &csv,
        format!(
            "{header}\n{}\n{}\n\u{feff}{}\n",
            row("fine"),
            row("evil\u{202e}x"),
            row("joined")
        ),
    )
    .expect("write");
    let out = runbook()
        .args(["csv", "validate", "--pool", &pool])
        .arg(&csv)
        .output()
        .expect("runs");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("\\u{202e}"), "{text}");
    assert!(
        text.contains("byte order mark (U+FEFF) inside the file"),
        "{text}"
    );
    assert!(!text.contains('\u{202e}'), "{text}");
    std::fs::write(&csv, format!("{header}\r{}\r", row("fine"))).expect("write");
    let out = runbook()
        .args(["csv", "validate", "--pool", &pool])
        .arg(&csv)
        .output()
        .expect("runs");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("end with CR alone"), "{text}");
}

#[test]
fn a_secret_echoed_json_escaped_is_masked_and_escapes_do_not_reach_the_terminal() {
    let out = runbook()
        .env("ODD_PASSWORD", r#"Pa"ss\word99"#)
        .args([
            "eval",
            r#"let p = secret("ODD_PASSWORD"); throw "echoed: " + to_json(#{ Password: "Pa\"ss\\word99" }) + " then \x1b]0;pwned\x07""#,
        ])
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(!err.contains(r#"Pa\"ss\\word99"#), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
}

#[test]
fn a_torn_last_journal_line_is_left_out_and_the_rest_reverted() {
    let pool = new_pool("torn");
    let journal = temp_dir().join("torn.jsonl");
    ok(&runbook()
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(script(&format!(
            r#"cognito::create_group(#{{ UserPoolId: "{pool}", GroupName: "kept" }});"#
        )))
        .output()
        .expect("runs"));
    // A writer killed mid-line: half a line, no newline.
    let mut text = std::fs::read_to_string(&journal).expect("journal");
    text.push_str(r#"{"type":"call","function":"cognito::create_gr"#);
    std::fs::write(&journal, text).expect("write");
    let out = runbook()
        .args(["revert", "--yes"])
        .arg(&journal)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("the last line is torn"), "{err}");
    let groups = ok(&runbook()
        .args([
            "eval",
            &format!(r#"cognito::list_groups(#{{ UserPoolId: "{pool}" }}).Groups.len()"#),
        ])
        .output()
        .expect("runs"));
    assert_eq!(groups.trim(), "0", "the complete line was reverted");
    // A broken line in the middle is still an error naming it.
    let mut lines: Vec<String> = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .map(str::to_string)
        .collect();
    lines.insert(1, "{not json".into());
    std::fs::write(&journal, lines.join("\n") + "\n").expect("write");
    let out = runbook()
        .args(["revert", "--yes"])
        .arg(&journal)
        .output()
        .expect("runs");
    refused(&out, "torn.jsonl:2: not a journal line");
}

#[test]
fn outputs_are_checked_before_any_is_written() {
    let pool = exportable_pool("outs");
    let dir = temp_dir();
    let csv = dir.join("users.csv");
    let groups = dir.join("users.groups.json");
    // The groups file belongs to someone else: nothing is written, no empty CSV left.
    std::fs::write(&groups, "{}").expect("write");
    foreign(&groups);
    let out = runbook()
        .args(["csv", "export", "--force", "--pool", &pool, "--out"])
        .arg(&csv)
        .output()
        .expect("runs");
    refused(&out, "belongs to another user");
    assert!(!csv.exists(), "no CSV was left behind");
    // Definition files: one planted link among them stops them all, even with --force.
    let defs = temp_dir();
    let (victim, _) = planted(&defs, "ensure.d.rhai");
    let out = bare()
        .args(["definitions", "--force"])
        .arg(&defs)
        .output()
        .expect("runs");
    refused(&out, "symbolic link");
    untouched(&victim);
    let written = std::fs::read_dir(&defs).expect("dir").count();
    assert_eq!(written, 2, "only the link and its victim are there");
}

#[test]
fn a_fleet_var_that_is_an_array_or_a_table_is_refused() {
    let dir = temp_dir();
    let fleet = dir.join("fleet.toml");
    std::fs::write(
        &fleet,
        "[[target]]\nname = \"dev\"\nregion = \"us-east-1\"\nvars = { pools = [\"a\", \"b\"] }\n",
    )
    .expect("write");
    let out = runbook()
        .args(["run", "--dry-run", "--targets"])
        .arg(&fleet)
        .arg(script("1"))
        .output()
        .expect("runs");
    refused(&out, "vars.pools is an array; a var is text");
}

#[test]
fn write_file_makes_a_new_private_file_and_follows_no_link() {
    let dir = temp_dir();
    let write = |name: &str, force: bool| {
        let options = if force { ", #{ Force: true }" } else { "" };
        bare()
            .current_dir(&dir)
            .args([
                "eval",
                &format!(r#"write_file("{name}", "mapped\n"{options})"#),
            ])
            .output()
            .expect("runs")
    };
    ok(&write(&dir.join("map.json").display().to_string(), false));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("map.json"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // There already: refused unless Force says replace it.
    refused(
        &write(&dir.join("map.json").display().to_string(), false),
        "exists; pass #{ Force: true } to replace it",
    );
    ok(&write(&dir.join("map.json").display().to_string(), true));
    // A planted link is never followed, Force or not.
    let (victim, link) = planted(&dir, "planted.json");
    refused(&write(&link.display().to_string(), true), "symbolic link");
    untouched(&victim);
    // Another user's file is not replaced.
    let theirs = dir.join("theirs.json");
    std::fs::write(&theirs, "precious\n").expect("write");
    foreign(&theirs);
    refused(
        &write(&theirs.display().to_string(), true),
        "belongs to another user",
    );
    untouched(&theirs);
}
