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

/// The ensure call `call` with the request `request` where `REQUEST` is, as a runbook.
fn declared(call: &str, request: &Value) -> String {
    format!(
        "import \"ensure\" as ensure;\n{}",
        call.replace(
            "REQUEST",
            &format!("json_parse(`{}`)", request.to_string().replace('`', ""))
        )
    )
}

/// A runbook's run (`--dry-run` or `--yes`): did it succeed, its stderr, the writes journaled.
fn step(body: &str, dry: bool) -> (bool, String, Vec<Value>) {
    let journal = temp_dir().join("journal.jsonl");
    let mut cmd = runbook();
    cmd.args(["run", "--journal"]).arg(&journal);
    cmd.arg(if dry { "--dry-run" } else { "--yes" });
    let out = cmd.arg(script(body)).output().expect("runs");
    (out.status.success(), stderr(&out), journal_writes(&journal))
}

/// One member: (create, second run, changed run) — `None` when it converges. `call` is the
/// ensure call with `REQUEST` where the request goes.
fn converges(call: &str, member: &str, described: &Value) -> Option<String> {
    converges_as(member, |variant| {
        declared(call, &json!({ member: sample(described, variant, member) }))
    })
}

/// [`converges`] of the runbook `declare(variant)` makes; `member` is what the changed run's
/// plan line must show.
fn converges_as(member: &str, declare: impl Fn(usize) -> String) -> Option<String> {
    let (ok, err, writes) = step(&declare(0), false);
    if !ok || writes.iter().filter(|w| w["class"] == "create").count() != 1 {
        return Some(format!("{member}: the first run did not create it:\n{err}"));
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
        // An update (`~`), or a disable (`-`: a user's Enabled).
        .filter(|l| l.starts_with("plan ") && (l.contains(": ~ ") || l.contains(": - ")))
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

/// Values of create-only members where the model's sample is not one the service takes: two
/// custom attributes that truly differ.
fn create_only_sample(member: &str, described: &Value, variant: usize) -> Value {
    match member {
        "Schema" => {
            let max = ["20", "30"][variant % 2];
            json!([{ "Name": "tier", "AttributeDataType": "String", "Mutable": true,
                "StringAttributeConstraints": { "MinLength": "1", "MaxLength": max } }])
        }
        _ => sample(described, variant, member),
    }
}

#[test]
fn ensure_user_pool_refuses_each_create_only_member_only_when_it_differs() {
    let ops: Vec<Value> = serde_json::from_str(&ok(&runbook()
        .args(["ops", "--json", "--members", "create_user_pool"])
        .output()
        .expect("runs")))
    .expect("JSON");
    let create = &ops
        .iter()
        .find(|o| o["name"] == "create_user_pool")
        .expect("create_user_pool")["input"];
    let updatable: Vec<String> = update_members("update_user_pool", &[])
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let create_only: Vec<(&String, &Value)> = create
        .as_object()
        .expect("members")
        .iter()
        .filter(|(m, _)| !updatable.contains(m) && !NOT_SAMPLED.iter().any(|(n, _)| n == m))
        .collect();
    let mut failures = Vec::new();
    for (member, described) in &create_only {
        let name = unique("fixed");
        let call = format!(r#"ensure::ensure_user_pool("{name}", REQUEST);"#);
        let at = |variant| {
            declared(
                &call,
                &json!({ *member: create_only_sample(member, described, variant) }),
            )
        };
        let (ok, err, writes) = step(&at(0), false);
        if !ok || writes.len() != 1 {
            failures.push(format!(
                "{member}: the first run did not create the pool:\n{err}"
            ));
            continue;
        }
        // The service's normalisation (a `custom:` prefix, the standard attributes it adds,
        // defaults it fills) is no difference.
        let (ok, err, writes) = step(&at(0), false);
        if !ok || !writes.is_empty() {
            failures.push(format!(
                "{member}: the same value again was not left alone:\n{err}"
            ));
            continue;
        }
        let (ok, err, writes) = step(&at(1), false);
        if ok
            || !writes.is_empty()
            || !err.contains(&format!("[\"{member}\"]"))
            || !err.contains("cannot change after creation")
        {
            failures.push(format!(
                "{member}: another value was not refused naming it:\n{err}"
            ));
        }
    }
    println!(
        "ensure_user_pool: {}/{} create-only members refused when they differ",
        create_only.len() - failures.len(),
        create_only.len()
    );
    assert!(create_only.len() >= 3, "{create_only:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A value the service takes for a user attribute, by its name and type.
fn attribute_value(attribute: &Value, variant: usize) -> String {
    let name = attribute["Name"].as_str().unwrap_or("");
    match (name, attribute["AttributeDataType"].as_str().unwrap_or("")) {
        ("email", _) => format!("user{variant}@example.com"),
        ("phone_number", _) => format!("+1555010000{variant}"),
        ("birthdate", _) => format!("2000-01-0{}", variant + 1),
        (_, "Boolean") => ["true", "false"][variant % 2].to_string(),
        (_, "Number") => (1_700_000_000 + variant).to_string(),
        _ => format!("{name}-{variant}"),
    }
}

#[test]
fn ensure_user_converges_over_every_mutable_attribute_and_enabled() {
    let _own = whole_state();
    let pool = new_pool("convu");
    let schema: Vec<Value> = serde_json::from_str(&ok(&runbook()
        .args([
            "eval",
            &format!(r#"cognito::describe_user_pool("{pool}").UserPool.SchemaAttributes"#),
        ])
        .output()
        .expect("runs")))
    .expect("JSON");
    let attributes: Vec<&Value> = schema
        .iter()
        .filter(|a| a["Mutable"] == true && a["Name"] != "sub")
        .collect();
    let mut failures: Vec<String> = attributes
        .iter()
        .filter_map(|attribute| {
            let user = unique("u");
            let name = attribute["Name"].as_str().unwrap_or("");
            converges_as(name, |variant| {
                declared(
                    &format!(r#"ensure::ensure_user("{pool}", "{user}", REQUEST);"#),
                    &json!({ "MessageAction": "SUPPRESS",
                        "UserAttributes": [{ "Name": name, "Value": attribute_value(attribute, variant) }] }),
                )
            })
        })
        .collect();
    let user = unique("u");
    failures.extend(converges_as("admin_disable_user", |variant| {
        declared(
            &format!(r#"ensure::ensure_user("{pool}", "{user}", REQUEST);"#),
            &json!({ "MessageAction": "SUPPRESS", "Enabled": variant == 0 }),
        )
    }));
    println!(
        "ensure_user: {}/{} members converge (each mutable attribute, Enabled)",
        attributes.len() + 1 - failures.len(),
        attributes.len() + 1
    );
    assert!(attributes.len() >= 10, "{attributes:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn ensure_role_converges_over_its_trust_document_and_policies() {
    let _own = whole_state();
    let trust = |service: &str| {
        json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow",
            "Principal": { "Service": service }, "Action": "sts:AssumeRole" }] })
    };
    let policies: Vec<String> = (0..2)
        .map(|n| {
            let out = ok(&runbook()
                .args(["eval", &format!(
                    r#"iam::create_policy("{}", #{{ Version: "2012-10-17", Statement: [#{{ Effect: "Allow", Action: "logs:*", Resource: "*" }}] }}).Policy.Arn"#,
                    unique(&format!("convp{n}"))
                )])
                .output()
                .expect("runs"));
            out.trim().trim_matches('"').to_string()
        })
        .collect();
    let services = ["cognito-idp.amazonaws.com", "lambda.amazonaws.com"];
    let role = unique("convr");
    let mut failures: Vec<String> = converges_as("PolicyDocument", |variant| {
        format!(
            "import \"ensure\" as ensure;\nensure::ensure_role(\"{role}\", json_parse(`{}`));",
            trust(services[variant])
        )
    })
    .into_iter()
    .collect();
    let role = unique("convr");
    let first = trust(services[0]);
    failures.extend(
        // A policy added: one attachment, planned as a create.
        (|| {
            let declare = |arns: &[&String]| {
                format!(
                    "import \"ensure\" as ensure;\nensure::ensure_role(\"{role}\", json_parse(`{first}`), {arns:?}, #{{ Exact: true }});"
                )
            };
            let (ok, err, writes) = step(&declare(&[&policies[0]]), false);
            if !ok || writes.len() != 2 {
                return Some(format!("policies: the first run did not create and attach:\n{err}"));
            }
            let (ok, err, writes) = step(&declare(&[&policies[0]]), false);
            if !ok || !writes.is_empty() {
                return Some(format!("policies: the second run wrote:\n{err}"));
            }
            let (ok, err, writes) = step(&declare(&[&policies[1]]), true);
            let functions: Vec<&str> = writes.iter().filter_map(|w| w["function"].as_str()).collect();
            (!ok || functions != ["iam::attach_role_policy", "iam::detach_role_policy"])
                .then(|| format!("policies: another list did not plan one attach and one detach: {functions:?}\n{err}"))
        })(),
    );
    println!(
        "ensure_role: {}/2 members converge (trust document, policies)",
        2 - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
