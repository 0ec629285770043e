//! "ensure converges" as a property over the model: for every member UpdateUserPool takes, a
//! pool declared with it (a value sampled from the SDK's model) is created by the first run,
//! left alone by the second (no write), and a changed value plans exactly one update that
//! shows that member before → after. A member added to the model fails the test until it is
//! covered or said not to be here, with the reason.

use crate::common::*;
use serde_json::{Value, json};

/// Members not declared here, and why.
const NOT_SAMPLED: &[(&str, &str)] = &[
    (
        "DeletionProtection",
        "ACTIVE keeps the test from deleting its pool; covered by ensure.rs",
    ),
    (
        "PoolName",
        "ensure_user_pool's first argument names the pool",
    ),
    (
        "ClientName",
        "ensure_user_pool_client's second argument names the client",
    ),
];

/// A value of the member described by `d` (`runbook ops --json --members`): enum values in
/// turn, numbers and flags by `variant`, structures member by member.
fn sample(d: &Value, variant: usize, name: &str) -> Value {
    if let Some(values) = d["values"].as_array().filter(|v| !v.is_empty()) {
        return values[variant % values.len()].clone();
    }
    match d["type"].as_str().unwrap_or("") {
        "structure" => Value::Object(
            d["members"]
                .as_object()
                .map(|m| {
                    m.iter()
                        // Deprecated: the service refuses it beside its replacement.
                        .filter(|(k, _)| k.as_str() != "UnusedAccountValidityDays")
                        .map(|(k, v)| (k.clone(), sample(v, variant, k)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "string" if name.ends_with("Arn") => {
            json!(format!(
                "arn:aws:lambda:us-east-1:123456789012:function:f{variant}"
            ))
        }
        "string" if name.contains("Message") => json!(format!("Your code is {{####}} ({variant})")),
        "string" => json!(format!("value{variant}")),
        "integer" | "long" => json!(2 + variant),
        "boolean" => json!(variant.is_multiple_of(2)),
        "list" => json!([sample(&d["member"], variant, name)]),
        "map" => json!({ "key": sample(&d["value"], variant, name) }),
        _ => Value::Null,
    }
}

fn journal_writes(path: &std::path::Path) -> Vec<Value> {
    journal_lines(path)
        .into_iter()
        .filter(|l| l["type"] == "call" && l["class"] != "read")
        .collect()
}

/// One member: (create, second run, changed run) — `None` when it converges. `call` is the
/// ensure call with `REQUEST` where the request goes.
fn converges(call: &str, member: &str, described: &Value) -> Option<String> {
    let declare = |variant: usize| {
        let request = json!({ member: sample(described, variant, member) });
        format!(
            "import \"ensure\" as ensure;\n{}",
            call.replace(
                "REQUEST",
                &format!("json_parse(`{}`)", request.to_string().replace('`', ""))
            )
        )
    };
    let step = |body: &str, dry: bool| {
        let journal = temp_dir().join("journal.jsonl");
        let mut cmd = runbook();
        cmd.args(["run", "--journal"]).arg(&journal);
        cmd.arg(if dry { "--dry-run" } else { "--yes" });
        let out = cmd.arg(script(body)).output().expect("runs");
        (out.status.success(), stderr(&out), journal_writes(&journal))
    };
    let (ok, err, writes) = step(&declare(0), false);
    if !ok || writes.iter().filter(|w| w["class"] == "create").count() != 1 {
        return Some(format!(
            "{member}: the first run did not create the pool:\n{err}"
        ));
    }
    let (ok, err, writes) = step(&declare(0), false);
    if !ok || !writes.is_empty() {
        return Some(format!(
            "{member}: the second run wrote {:?}:\n{err}",
            writes.iter().map(|w| &w["function"]).collect::<Vec<_>>()
        ));
    }
    let (ok, err, writes) = step(&declare(1), true);
    let plans: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("plan ") && l.contains(": ~ "))
        .collect();
    let shown = plans.first().is_some_and(|l| l.contains(member));
    if !ok || writes.len() != 1 || plans.len() != 1 || !shown {
        return Some(format!(
            "{member}: a changed value did not plan exactly one update showing it:\n{err}"
        ));
    }
    None
}

/// The members `update` takes (`runbook ops --json --members`), but those named.
fn update_members(update: &str, skip: &[&str]) -> Vec<(String, Value)> {
    let ops: Vec<Value> = serde_json::from_str(&ok(&runbook()
        .args(["ops", "--json", "--members", update])
        .output()
        .expect("runs")))
    .expect("JSON");
    let op = ops
        .iter()
        .find(|o| o["name"] == update)
        .unwrap_or_else(|| panic!("{update}"));
    op["input"]
        .as_object()
        .expect("members")
        .iter()
        .filter(|(m, _)| !skip.contains(&m.as_str()) && !NOT_SAMPLED.iter().any(|(n, _)| n == m))
        .map(|(m, d)| (m.clone(), d.clone()))
        .collect()
}

/// Every member of `update` converges through `call` (a fresh name per member).
fn every_member(function: &str, update: &str, skip: &[&str], call: impl Fn(&str) -> String) {
    let members = update_members(update, skip);
    let failures: Vec<String> = members
        .iter()
        .filter_map(|(member, described)| converges(&call(&unique("conv")), member, described))
        .collect();
    println!(
        "{function}: {}/{} members converge",
        members.len() - failures.len(),
        members.len()
    );
    assert!(members.len() >= 3, "{update} has {} members", members.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn ensure_user_pool_converges_over_every_member_update_user_pool_takes() {
    every_member(
        "ensure_user_pool",
        "update_user_pool",
        &["UserPoolId"],
        |name| format!(r#"ensure::ensure_user_pool("{name}", REQUEST);"#),
    );
}

#[test]
fn ensure_user_pool_client_converges_over_every_member_update_user_pool_client_takes() {
    let _own = whole_state();
    let pool = new_pool("convc");
    every_member(
        "ensure_user_pool_client",
        "update_user_pool_client",
        &["UserPoolId", "ClientId"],
        |name| format!(r#"ensure::ensure_user_pool_client("{pool}", "{name}", REQUEST);"#),
    );
}

#[test]
fn ensure_group_converges_over_every_member_update_group_takes() {
    let _own = whole_state();
    let pool = new_pool("convg");
    every_member(
        "ensure_group",
        "update_group",
        &["UserPoolId", "GroupName"],
        |name| format!(r#"ensure::ensure_group("{pool}", "{name}", REQUEST);"#),
    );
}
