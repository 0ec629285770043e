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

#[test]
fn an_error_inside_a_module_or_another_runbook_names_the_call_sites() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("inner.rhai"),
        "import \"ensure\" as ensure;\nlet x = 1;\nensure::ensure_user_pool(\"p\", #{ Nope: 1 });\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("outer.rhai"),
        "let a = 1;\nrunbook(\"inner.rhai\");\n",
    )
    .expect("write");
    let out = runbook()
        .arg("run")
        .arg(dir.join("outer.rhai"))
        .output()
        .expect("runs");
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
