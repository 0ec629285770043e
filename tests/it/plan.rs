//! A dry run tells the truth: the writes it plans are the writes the real run that follows
//! makes — same functions, same order, same named things — on a fresh account, a half-made
//! one and a converged one (where both are nothing at all).

use std::path::Path;

use crate::common::*;

/// A runbook of our own that mixes what `ensure` manages: a pool, groups with settings, users
/// (one disabled), memberships, an app client, a policy and a role with it attached.
const MIXED: &str = r#"
import "ensure" as ensure;
let name = param("name");
let pool = ensure::ensure_user_pool(name, #{ AutoVerifiedAttributes: ["email"] });
ensure::ensure_group(pool, "admins", #{ Description: "Administrators", Precedence: 1 });
ensure::ensure_group(pool, "readers", #{ Description: "Read only" });
for user in [["ann", "ann@example.com", true], ["ben", "ben@example.com", false]] {
    ensure::ensure_user(pool, user[0], #{
        UserAttributes: [#{ Name: "email", Value: user[1] }],
        MessageAction: "SUPPRESS",
        Enabled: user[2],
    });
}
ensure::ensure_user_in_group(pool, "ann", "admins");
ensure::ensure_user_in_group(pool, "ben", "readers");
ensure::ensure_user_pool_client(pool, `${name}-web`, #{ ExplicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"] });
let policy = ensure::ensure_policy(`${name}-logs`, #{
    Version: "2012-10-17",
    Statement: [#{ Effect: "Allow", Action: ["logs:CreateLogGroup"], Resource: "*" }],
});
ensure::ensure_role(`${name}-role`, #{
    Version: "2012-10-17",
    Statement: [#{ Effect: "Allow", Principal: #{ Service: "cognito-idp.amazonaws.com" }, Action: "sts:AssumeRole" }],
}, [policy]);
"#;

/// Writes as compared: runs of one function, each with the names of its requests.
type Writes = Vec<(String, Vec<String>)>;

/// The writes a journal records as made or planned: function and the names its request carries (ids differ
/// between a plan's placeholders and the real run's, names do not). A batch's requests run
/// concurrently, so each run of one function is compared as a set.
fn writes(journal: &Path) -> Writes {
    let mut out: Writes = Vec::new();
    for line in journal_lines(journal) {
        // Writes made (or planned): an attempt the service refused and the runbook retried
        // (an import slot another test's job held) made nothing.
        if line["type"] != "call"
            || line["class"] == "read"
            || !["ok", "planned", "maybe"].contains(&line["outcome"].as_str().unwrap_or(""))
        {
            continue;
        }
        let function = line["function"].as_str().unwrap_or("?").to_string();
        let names: Vec<String> = line["request"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| (k.ends_with("Name") || *k == "Username") && v.is_string())
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
        let named = names.join(" ");
        match out.last_mut() {
            Some((last, group)) if *last == function => group.push(named),
            _ => out.push((function, vec![named])),
        }
    }
    for (_, group) in &mut out {
        group.sort();
    }
    out
}

/// Plans `file` with `--dry-run`, then runs it, each with its own journal; returns both
/// journals' writes.
fn plan_then_run(file: &Path, vars: &[(&str, &str)]) -> (Writes, Writes) {
    let dir = temp_dir();
    let (plan, done) = (dir.join("plan.jsonl"), dir.join("run.jsonl"));
    for (journal, dry) in [(&plan, true), (&done, false)] {
        let mut cmd = runbook();
        cmd.args(["run", "--yes", "--journal"])
            .arg(journal)
            .arg(file);
        if dry {
            cmd.arg("--dry-run");
        }
        for (k, v) in vars {
            cmd.arg("--var").arg(format!("{k}={v}"));
        }
        let out = cmd.output().expect("runs");
        ok(&out);
        if dry {
            assert!(
                stderr(&out).contains("(the plan)") && !stderr(&out).contains("undoes it"),
                "a dry run offers nothing to revert: {}",
                stderr(&out)
            );
        }
    }
    (writes(&plan), writes(&done))
}

fn count(writes: &Writes) -> usize {
    writes.iter().map(|(_, g)| g.len()).sum()
}

#[test]
fn the_walkthrough_plans_what_it_then_does() {
    let (plan, run) = plan_then_run(
        &repo().join("scripts/walkthrough.rhai"),
        &[
            ("pool_name", &unique("planned-walk")),
            ("role_name", &unique("PlannedRole")),
            ("policy_name", &unique("PlannedPolicy")),
        ],
    );
    assert!(count(&run) > 15, "{run:?}");
    assert_eq!(plan, run);
}

#[test]
fn onboarding_plans_what_it_then_does_fresh_half_made_and_converged() {
    let onboard = repo().join("scripts/onboard.rhai");
    let pool_name = unique("planned-onboard");
    let vars = [("pool_name", pool_name.as_str())];
    // Half made: the pool, one group and one user (with another email) are there already.
    let half = script(&format!(
        r#"import "ensure" as ensure;
           let pool = ensure::ensure_user_pool("{pool_name}", #{{ AutoVerifiedAttributes: ["email"], AdminCreateUserConfig: #{{ AllowAdminCreateUserOnly: true }} }});
           ensure::ensure_group(pool, "admins");
           ensure::ensure_user(pool, "bob", #{{ UserAttributes: [#{{ Name: "email", Value: "old-bob@example.com" }}], MessageAction: "SUPPRESS" }});"#
    ));
    ok(&run(&half, &[]));
    let (plan, done) = plan_then_run(&onboard, &vars);
    assert_eq!(plan, done);
    let functions: Vec<&str> = done.iter().map(|(f, _)| f.as_str()).collect();
    assert!(
        !functions.contains(&"cognito::create_user_pool"),
        "{done:?}"
    );
    assert!(
        functions.contains(&"cognito::admin_update_user_attributes"),
        "{done:?}"
    );
    // Converged: nothing planned, nothing done.
    let (plan, done) = plan_then_run(&onboard, &vars);
    assert_eq!((count(&plan), count(&done)), (0, 0), "{plan:?} {done:?}");
    // Fresh: a pool that is not there yet; its groups and users are planned as creates.
    let (plan, done) = plan_then_run(&onboard, &[("pool_name", &unique("planned-fresh"))]);
    assert_eq!(plan, done);
    assert!(
        done.iter()
            .all(|(f, _)| f.contains("create") || f.contains("add_user_to_group")),
        "a fresh account only gets creates: {done:?}"
    );
}

#[test]
fn a_mixed_runbook_plans_what_it_then_does_fresh_half_made_and_converged() {
    let mixed = script(MIXED);
    let name = unique("planned-mixed");
    let vars = [("name", name.as_str())];
    // Fresh.
    let (plan, done) = plan_then_run(&mixed, &vars);
    assert_eq!(plan, done);
    assert!(count(&done) >= 12, "{done:?}");
    // Half made again: a group's settings changed, a user enabled, a membership gone, the
    // role's policy detached.
    let drift = script(&format!(
        r#"let pool = query(cognito::list_user_pools(), "UserPools[?Name=='{name}'].Id | [0]");
           cognito::update_group(#{{ UserPoolId: pool, GroupName: "readers", Description: "changed" }});
           cognito::admin_enable_user(pool, "ben");
           cognito::admin_remove_user_from_group(#{{ UserPoolId: pool, Username: "ann", GroupName: "admins" }});
           let arn = query(iam::list_policies(#{{ Scope: "Local" }}), "Policies[?PolicyName=='{name}-logs'].Arn | [0]");
           iam::detach_role_policy("{name}-role", arn);"#
    ));
    ok(&run(&drift, &[]));
    let (plan, done) = plan_then_run(&mixed, &vars);
    assert_eq!(plan, done);
    let functions: Vec<&str> = done.iter().map(|(f, _)| f.as_str()).collect();
    for expected in [
        "cognito::update_group",
        "cognito::admin_disable_user",
        "cognito::admin_add_user_to_group",
        "iam::attach_role_policy",
    ] {
        assert!(functions.contains(&expected), "{expected}: {done:?}");
    }
    // Converged.
    let (plan, done) = plan_then_run(&mixed, &vars);
    assert_eq!((count(&plan), count(&done)), (0, 0), "{plan:?} {done:?}");
}

/// In a dry run, what is under a planned pool does not exist: the service's not-found error,
/// empty lists; a planned create reads back with what it was given.
#[test]
fn reads_answer_from_the_account_as_it_will_be() {
    let out = runbook()
        .args(["run", "--dry-run"])
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
               try {{ cognito::get_group(#{{ UserPoolId: pool, GroupName: "g1" }}); print("group exists"); }}
               catch (e) {{ print(e.code); }}
               try {{ cognito::admin_get_user(pool, "u1"); print("user exists"); }}
               catch (e) {{ print(e.code); }}
               print(cognito::list_users(pool).Users.len());
               cognito::create_group(#{{ UserPoolId: pool, GroupName: "g1", Description: "planned" }});
               print(cognito::get_group(#{{ UserPoolId: pool, GroupName: "g1" }}).Group.Description);
               print(to_json(query(cognito::list_groups(#{{ UserPoolId: pool }}), "Groups[].GroupName")));
               cognito::update_group(#{{ UserPoolId: pool, GroupName: "g1", Description: "updated" }});
               print(cognito::get_group(#{{ UserPoolId: pool, GroupName: "g1" }}).Group.Description);
               cognito::delete_group(#{{ UserPoolId: pool, GroupName: "g1" }});
               print(cognito::list_groups(#{{ UserPoolId: pool }}).Groups.len());
               print(query(cognito::list_user_pools(), "UserPools[?Id=='" + pool + "'].Name | [0]"));"#,
            unique("as-it-will-be")
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..7],
        [
            "ResourceNotFoundException",
            "UserNotFoundException",
            "0",
            "planned",
            r#"["g1"]"#,
            "updated",
            "0"
        ],
        "{text}"
    );
    assert!(lines[7].starts_with("as-it-will-be"), "{text}");
}

#[test]
fn an_import_and_a_migration_plan_what_they_then_do() {
    // The import runbook, into a pool of its own.
    let pool = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id);"#,
            unique("planned-import")
        )),
        &[],
    ));
    let role = "arn:aws:iam::123456789012:role/Import-Cognito-Userpool";
    let (plan, done) = plan_then_run(
        &repo().join("scripts/import_users.rhai"),
        &[
            ("pool_id", pool.trim()),
            ("role_arn", role),
            ("job_name", &unique("planned")),
        ],
    );
    assert_eq!(plan, done);
    assert!(count(&done) >= 4, "{done:?}");
    // A migration of a small onboarded pool: the new pool, the import, groups, memberships.
    let source_name = unique("planned-source");
    let source = ok(&run(
        &repo().join("scripts/onboard.rhai"),
        &[("pool_name", &source_name)],
    ));
    let source = source
        .lines()
        .find_map(|l| l.strip_prefix("pool_id="))
        .expect("onboard prints the pool id")
        .to_string();
    let csv = temp_dir().join("moved.csv");
    let (plan, done) = plan_then_run(
        &repo().join("scripts/migrate_pool.rhai"),
        &[
            ("source", &source),
            ("role_arn", role),
            ("csv", &csv.display().to_string()),
        ],
    );
    assert_eq!(plan, done);
    let functions: Vec<&str> = done.iter().map(|(f, _)| f.as_str()).collect();
    for expected in [
        "cognito::create_user_pool",
        "cognito::start_user_import_job",
        "cognito::create_group",
        "cognito::admin_add_user_to_group",
    ] {
        assert!(functions.contains(&expected), "{expected}: {done:?}");
    }
}
