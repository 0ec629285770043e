//! `runbook test`: test files of runbooks, each test against a fresh emulator account;
//! assertions; and a runbook whose mistakes are found before its first call.

use crate::common::*;

/// A directory of test files: passing tests, a failing assert_eq, an expect_error, and two
/// tests that each assume an empty account.
fn test_dir() -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(
        dir.join("pools.test.rhai"),
        r#"fn setup() { cognito::create_user_pool("from-setup"); }
fn test_setup_ran_in_an_empty_account() {
    assert_eq(cognito::list_user_pools().UserPools.map(|p| p.Name), ["from-setup"]);
}
fn test_another_empty_account() {
    cognito::create_user_pool("second");
    assert_eq(cognito::list_user_pools().UserPools.len(), 2);
}
fn test_a_missing_pool_is_an_error() {
    let e = expect_error("ResourceNotFoundException", || cognito::describe_user_pool("us-east-1_none"));
    assert_ne(e.message, "");
}
"#,
    )
    .expect("write");
    std::fs::create_dir(dir.join("more")).expect("dir");
    std::fs::write(
        dir.join("more/math.test.rhai"),
        "fn test_adds() { assert(1 + 1 == 2, \"adds\"); }\nfn test_wrong() {\n    assert_eq(1 + 1, 3);\n}\nfn helper() { 1 }\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("not_a_test.rhai"),
        "fn test_never() { assert(false); }",
    )
    .expect("write");
    // plan() of a converged runbook, and runbook() composing another with its parameters.
    std::fs::write(
        dir.join("make_pool.rhai"),
        "import \"ensure\" as ensure;\nensure::ensure_user_pool(param(\"name\"), #{})\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("converged.test.rhai"),
        r#"fn test_a_converged_runbook_plans_nothing() {
    let id = runbook("make_pool.rhai", #{ name: "made" });
    assert_eq(cognito::describe_user_pool(id).UserPool.Name, "made");
    assert_eq(plan(|| runbook("make_pool.rhai", #{ name: "made" })), []);
}
fn test_a_plan_sends_nothing() {
    let writes = plan(|| runbook("make_pool.rhai", #{ name: "other" }));
    assert_eq(writes.map(|w| [w.function, w.class, w.request.PoolName]), [["cognito::create_user_pool", "create", "other"]]);
    assert_eq(cognito::list_user_pools().UserPools, []);
}
"#,
    )
    .expect("write");
    dir
}

#[test]
fn the_junit_file_is_valid_xml_whatever_a_failure_message_holds() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("odd.test.rhai"),
        "fn test_colours() { assert(false, \"\\x1b[31mred\\x1b[0m & <b>\\x07\\\"quoted\\\"\"); }\nfn test_fine() { assert(true); }\n",
    )
    .expect("write");
    let junit = dir.join("odd.xml");
    Test::offline()
        .current_dir(&dir)
        .args(["test", "--junit"])
        .args([&junit])
        .run()
        .status(1)
        .stdout_has("1 passed, 1 failed");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap_or_else(|| panic!("no failure: {xml}"));
    let message = failure.attribute("message").unwrap_or_default();
    assert!(
        message.contains("red") && message.contains("& <b>"),
        "{xml}"
    );
    assert!(message.contains("\"quoted\""), "{xml}");
    let cases: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases, ["test_colours", "test_fine"], "{xml}");
}

#[test]
fn runbook_test_runs_each_test_in_a_fresh_account_and_reports_like_a_test_runner() {
    let dir = test_dir();
    let junit = dir.join("results.xml");
    let out = bare()
        .current_dir(&dir)
        .args(["test", "--junit"])
        .arg(&junit)
        .output()
        .expect("runs");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(text.lines().last(), Some("6 passed, 1 failed"), "{text}");
    assert!(
        text.contains("ok      ./pools.test.rhai::test_setup_ran_in_an_empty_account ("),
        "{text}"
    );
    assert!(
        text.contains("FAILED  ./more/math.test.rhai::test_wrong ("),
        "{text}"
    );
    assert!(
        text.contains("actual:   2") && text.contains("expected: 3"),
        "{text}"
    );
    assert!(text.contains("--> ./more/math.test.rhai:3:5"), "{text}");
    assert!(!text.contains("test_never"), "{text}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains(r#"<testsuites name="runbook test" tests="7" failures="1""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="test_wrong" classname="./more/math.test.rhai""#),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"error: assertion failed"),
        "{xml}"
    );
    // Two workers, each with its own emulator: the same counts.
    let out = bare()
        .current_dir(&dir)
        .args(["test", "--jobs", "2"])
        .output()
        .expect("runs");
    assert_eq!(
        stdout(&out).lines().last(),
        Some("6 passed, 1 failed"),
        "{}",
        stdout(&out)
    );
    // A filter: only the tests whose name contains it.
    let out = bare()
        .current_dir(&dir)
        .args(["test", ".", "--filter", "empty_account"])
        .output()
        .expect("runs");
    let text = ok(&out);
    assert_eq!(text.lines().last(), Some("2 passed, 0 failed"), "{text}");
}

#[test]
fn a_runbook_with_a_mistyped_function_after_a_write_sends_nothing() {
    let app = app_id("typo");
    let name = unique("typo");
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            "let p = cognito::create_user_pool(\"{name}\").UserPool.Id;\nasert(p != \"\");\n"
        )))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("2:1: unknown function asert (did you mean assert?)"),
        "{err}"
    );
    assert!(recorded(&app).is_empty(), "nothing was sent: {err}");
}

/// Writes `files` (path, text) into a fresh directory and runs its `outer.rhai`.
fn run_outer(files: &[(&str, &str)]) -> (std::path::PathBuf, std::process::Output) {
    let dir = temp_dir();
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    let out = runbook()
        .arg("run")
        .arg(dir.join("outer.rhai"))
        .output()
        .expect("runs");
    (dir, out)
}

#[test]
fn an_error_inside_a_module_or_another_runbook_names_the_call_sites() {
    let (dir, out) = run_outer(&[
        (
            "inner.rhai",
            "import \"ensure\" as ensure;\nlet x = 1;\nensure::ensure_user_pool(\"p\", #{ Nope: 1 });\n",
        ),
        ("outer.rhai", "let a = 1;\nrunbook(\"inner.rhai\");\n"),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let inner = dir.join("inner.rhai").display().to_string();
    let outer = dir.join("outer.rhai").display().to_string();
    assert!(err.contains("--> stdlib/ensure.rhai:"), "{err}");
    assert!(
        err.contains(&format!(
            ", called from {inner}:3:9, called from {outer}:2:1"
        )),
        "{err}"
    );
}

#[test]
fn check_follows_string_indexing_into_responses() {
    let file = script(
        "let p = cognito::describe_user_pool(\"x\");\nprint(p[\"UserPool\"][\"Nmae\"]);\nlet u = cognito::list_users(#{ UserPoolId: \"x\" });\nprint(u[\"Users\"][0][\"Usrname\"]);\nprint(p[\"UserPool\"][\"Name\"]);\nlet m = #{ a: 1 };\nprint(m[\"zz\"]);\n",
    );
    let out = bare().arg("check").arg(&file).output().expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(":2:21: UserPoolType has no member \"Nmae\" (did you mean \"Name\"?)"),
        "{err}"
    );
    assert!(
        err.contains(":4:21: UserType has no member \"Usrname\" (did you mean \"Username\"?)"),
        "{err}"
    );
    assert_eq!(err.matches("has no member").count(), 2, "{err}");
}

#[test]
fn check_follows_values_into_closures_and_the_runbooks_own_functions() {
    // Each mistake is one a new user makes; each line marked `ok` must not be reported.
    let file = script(
        r#"let r = cognito::list_users("p");
let names = r.Users.map(|u| u.Usrname);
let on = r.Users.filter(|u| u.Enabled).map(|u| u.Atributes);
let first = r.Users.find(|u| u.UserStatus == "CONFIRMED");
print(first.Usrname);
let p = cognito::describe_user_pool("p");
let both = r.Users.map(|u| p.UserPool.Nmae + u.Username);
let total = r.Users.reduce(|sum, u| sum + u.Enabledd, 0);
for u in r.Users.filter(|u| u.Enabled) { print(u.Emial); }
fn show(pool) { print(pool.UserPool.Nmae); }
fn outer(d) { show(d); }
show(p);
outer(p);
fn loose(x) { print(x.Anything); }
loose(p);
loose(#{ Anything: 1 });
let ok = ["a"].map(|u| u.Usrname);
let ok2 = r.Users.map(|u| u.Username).filter(|name| name.Usrname != "");
let f = |u| u.Whatever;
print(r.Users.map(f));
"#,
    );
    let out = bare().arg("check").arg(&file).output().expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for expected in [
        ":2:31: UserType has no member \"Usrname\" (did you mean \"Username\"?)",
        ":3:50: UserType has no member \"Atributes\" (did you mean \"Attributes\"?)",
        ":5:13: UserType has no member \"Usrname\"",
        // A variable the closure captures.
        ":7:39: UserPoolType has no member \"Nmae\" (did you mean \"Name\"?)",
        // The element is reduce's second parameter.
        ":8:45: UserType has no member \"Enabledd\" (did you mean \"Enabled\"?)",
        ":9:50: UserType has no member \"Emial\"",
        // A function's parameter, known from every call site (one through another function).
        ":10:37: UserPoolType has no member \"Nmae\" (did you mean \"Name\"?)",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert_eq!(err.matches("has no member").count(), 7, "{err}");
}

#[test]
fn run_refuses_positional_arguments_of_the_wrong_kind_before_sending() {
    let app = app_id("kinds");
    let name = unique("kinds");
    let out = runbook_as(&app)
        .args(["run", "--yes"])
        .arg(script(&format!(
            "let pool = cognito::create_user_pool(\"{name}\").UserPool.Id;\ncognito::admin_get_user(pool);\nlet n = 5;\ncognito::admin_get_user(pool, n);\ncognito::describe_user_pool(42);\ntry {{ cognito::admin_get_user(pool); }} catch (e) {{ print(e.code); }}\n"
        )))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for expected in [
        ":2:25: cognito::admin_get_user takes a request map or its positional form, not one value (pool is a string); call it as cognito::admin_get_user(request) | (user_pool_id, username[, request])",
        ":4:31: argument 2 of cognito::admin_get_user (username) must be a string, not an integer (n is an integer)",
        ":5:29: argument 1 of cognito::describe_user_pool (user_pool_id) must be a string, not an integer",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // Inside `try` the runbook handles the error itself: left to the call.
    assert!(!err.contains(":6:"), "{err}");
    assert!(recorded(&app).is_empty(), "nothing was sent: {err}");
}

#[test]
fn a_nested_runbook_reads_files_beside_itself() {
    let (_, out) = run_outer(&[
        ("data.txt", "outer"),
        ("sub/data.txt", "inner"),
        (
            "sub/inner.rhai",
            "print(\"inner read \" + read_file(\"data.txt\"));\n",
        ),
        (
            "outer.rhai",
            "runbook(\"sub/inner.rhai\");\nprint(\"outer read \" + read_file(\"data.txt\"));\n",
        ),
    ]);
    let text = ok(&out);
    assert!(text.contains("inner read inner"), "{text}");
    assert!(text.contains("outer read outer"), "{text}");
}

/// As `cargo test`: a passing test's output shows only with `--nocapture`, a failing test's
/// always, under its failure; `assert_eq` on lists and maps lists what differs, by path,
/// secrets masked.
#[test]
fn runbook_test_shows_output_of_failures_and_diffs_lists_and_maps() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("users.test.rhai"),
        r#"fn test_quiet_when_passing() {
    print("chatter from a passing test");
    let pool = cognito::create_user_pool("quiet").UserPool.Id;
    assert_eq(cognito::describe_user_pool(pool).UserPool.Name, "quiet");
}
fn test_lists_and_maps_differ_by_path() {
    print("chatter from a failing test");
    let pool = cognito::create_user_pool("names").UserPool.Id;
    for u in ["ann", "bob", "dan"] { cognito::admin_create_user(pool, u); }
    let names = cognito::list_users(pool).Users.map(|u| u.Username);
    assert_eq(names, ["ann", "bob", "carol"]);
}
fn test_maps() {
    let password = secret("RB_DIFF_PASSWORD");
    assert_eq(#{ Group: #{ Precedence: 1 }, Password: password, Extra: 1 }, #{ Group: #{ Precedence: 2 }, Password: "other" });
}
"#,
    )
    .expect("write");
    let out = runbook()
        .env("RB_DIFF_PASSWORD", "Hunter2-Diff!")
        .arg("test")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("chatter from a passing test"), "{text}");
    assert!(
        text.contains("    ---- output ----\n    chatter from a failing test"),
        "{text}"
    );
    for line in [
        "  difference (actual against expected):",
        "    missing  [2]: \"carol\"",
        "    extra    [2]: \"dan\"",
        "    extra    Extra: 1",
        "    changed  Group.Precedence: 1, expected 2",
        "    changed  Password: \"********\", expected \"********\"",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(!text.contains("Hunter2"), "{text}");
    assert!(text.contains("1 passed, 2 failed"), "{text}");
    // With --nocapture a passing test's output shows too.
    let out = runbook()
        .env("RB_DIFF_PASSWORD", "Hunter2-Diff!")
        .args(["test", "--nocapture", "--filter", "quiet"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("chatter from a passing test"),
        "{}",
        stdout(&out)
    );
}
