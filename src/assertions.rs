//! Assertions, for tests and runbooks alike: `assert`, `assert_eq`, `assert_ne` and
//! `expect_error`. A failed one is a runtime error at the assertion's `file:line:col` that shows
//! both values as JSON (secrets masked; compared as themselves).

use rhai::plugin::*;

#[export_module]
pub mod assertions {
    use super::{compare, innermost};
    use crate::engine::glue::fail;
    use crate::value::masked_json;
    use rhai::{Dynamic, EvalAltResult, FnPtr, Map, NativeCallContext};

    /// Fails the runbook at this line unless `condition` is true.
    #[rhai_fn(name = "assert", return_raw)]
    pub fn assert(ctx: NativeCallContext, condition: bool) -> Result<(), Box<EvalAltResult>> {
        if condition {
            Ok(())
        } else {
            Err(fail("assertion failed", ctx.call_position()))
        }
    }

    /// Fails the runbook at this line with `message` unless `condition` is true.
    #[rhai_fn(name = "assert", return_raw)]
    pub fn assert_message(
        ctx: NativeCallContext,
        condition: bool,
        message: &str,
    ) -> Result<(), Box<EvalAltResult>> {
        if condition {
            Ok(())
        } else {
            Err(fail(
                format!("assertion failed: {message}"),
                ctx.call_position(),
            ))
        }
    }

    /// Fails unless `actual` equals `expected` (as JSON: maps, arrays, numbers, secrets by
    /// their value); the failure shows both.
    #[rhai_fn(name = "assert_eq", return_raw)]
    pub fn assert_eq(
        ctx: NativeCallContext,
        actual: Dynamic,
        expected: Dynamic,
    ) -> Result<(), Box<EvalAltResult>> {
        compare(&ctx, &actual, &expected, true, None)
    }

    /// `assert_eq` with a message of the caller's.
    #[rhai_fn(name = "assert_eq", return_raw)]
    pub fn assert_eq_message(
        ctx: NativeCallContext,
        actual: Dynamic,
        expected: Dynamic,
        message: &str,
    ) -> Result<(), Box<EvalAltResult>> {
        compare(&ctx, &actual, &expected, true, Some(message))
    }

    /// Fails if `actual` equals `other`; the failure shows the value.
    #[rhai_fn(name = "assert_ne", return_raw)]
    pub fn assert_ne(
        ctx: NativeCallContext,
        actual: Dynamic,
        other: Dynamic,
    ) -> Result<(), Box<EvalAltResult>> {
        compare(&ctx, &actual, &other, false, None)
    }

    /// `assert_ne` with a message of the caller's.
    #[rhai_fn(name = "assert_ne", return_raw)]
    pub fn assert_ne_message(
        ctx: NativeCallContext,
        actual: Dynamic,
        other: Dynamic,
        message: &str,
    ) -> Result<(), Box<EvalAltResult>> {
        compare(&ctx, &actual, &other, false, Some(message))
    }

    /// Calls `f`, which must fail with the AWS error `code` (`e.code`); returns the error map.
    /// Fails when `f` succeeds or throws something else.
    #[rhai_fn(name = "expect_error", return_raw)]
    pub fn expect_error(
        ctx: NativeCallContext,
        code: &str,
        f: FnPtr,
    ) -> Result<Map, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        match f.call_within_context::<Dynamic>(&ctx, ()) {
            Ok(value) => Err(fail(
                format!(
                    "expected the error {code}, but the call succeeded with {}",
                    masked_json(&value, false)
                ),
                pos,
            )),
            Err(e) => match innermost(*e) {
                EvalAltResult::ErrorRuntime(thrown, _) => {
                    let map = thrown.read_lock::<Map>().map(|m| m.clone());
                    let got = map
                        .as_ref()
                        .and_then(|m| m.get("code"))
                        .map(|c| c.to_string());
                    match (map, got) {
                        (Some(map), Some(got)) if got == code => Ok(map),
                        (_, Some(got)) => Err(fail(
                            format!(
                                "expected the error {code}, got {got}: {}",
                                masked_json(&thrown, false)
                            ),
                            pos,
                        )),
                        (_, None) => Err(fail(
                            format!("expected the error {code}, got: {thrown}"),
                            pos,
                        )),
                    }
                }
                // Interrupts, parse errors inside, and errors of Rhai itself pass through.
                other => Err(Box::new(other)),
            },
        }
    }
}

/// The error a call raised, out of the wrappers of the functions it passed through.
fn innermost(mut e: rhai::EvalAltResult) -> rhai::EvalAltResult {
    loop {
        match e {
            rhai::EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | rhai::EvalAltResult::ErrorInModule(_, inner, _) => e = *inner,
            other => return other,
        }
    }
}

/// Compares as JSON with secrets as themselves; a failure shows the values masked.
fn compare(
    ctx: &rhai::NativeCallContext,
    actual: &rhai::Dynamic,
    expected: &rhai::Dynamic,
    equal: bool,
    message: Option<&str>,
) -> Result<(), Box<rhai::EvalAltResult>> {
    use crate::engine::glue::fail;
    use crate::value::{masked_json, to_json_revealed};
    if (to_json_revealed(actual) == to_json_revealed(expected)) == equal {
        return Ok(());
    }
    let head = match message {
        Some(m) => format!("assertion failed: {m}"),
        None if equal => "assertion failed: assert_eq(actual, expected)".to_string(),
        None => "assertion failed: assert_ne(actual, other): both are".to_string(),
    };
    let text = if equal {
        let mut text = format!(
            "{head}\n  actual:   {}\n  expected: {}",
            masked_json(actual, false),
            masked_json(expected, false)
        );
        let lines = difference(actual, expected);
        if !lines.is_empty() {
            text.push_str("\n  difference (actual against expected):");
            for line in lines {
                text.push_str(&format!("\n    {line}"));
            }
        }
        text
    } else {
        format!("{head}\n  value: {}", masked_json(actual, false))
    };
    Err(fail(text, ctx.call_position()))
}

/// The most differences a failed `assert_eq` lists.
const MOST_DIFFERENCES: usize = 20;

/// Where two lists or maps differ, one line per member with its path (`Users[2].Enabled`):
/// `missing` (expected, not in actual), `extra` (in actual, not expected), `changed`. Values
/// are compared as themselves and shown masked. Empty unless both are lists or both maps.
fn difference(actual: &rhai::Dynamic, expected: &rhai::Dynamic) -> Vec<String> {
    use crate::value::to_json_revealed;
    let (a, e) = (to_json_revealed(actual), to_json_revealed(expected));
    let both = |v: &serde_json::Value, w: &serde_json::Value| {
        (v.is_array() && w.is_array()) || (v.is_object() && w.is_object())
    };
    if !both(&a, &e) {
        return Vec::new();
    }
    let shown = crate::value::masked_value;
    let (shown_a, shown_e) = (shown(actual), shown(expected));
    let mut lines = Vec::new();
    diff_at("", (&a, &shown_a), (&e, &shown_e), &mut lines);
    if lines.len() > MOST_DIFFERENCES {
        let more = lines.len() - MOST_DIFFERENCES;
        lines.truncate(MOST_DIFFERENCES);
        lines.push(format!("… and {more} more"));
    }
    lines
}

/// A member's path below `path`: `.Name` (`["a b"]` when not a plain name), `[i]`.
fn member_path(path: &str, key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
    {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    } else {
        format!("{path}[{}]", serde_json::Value::from(key))
    }
}

/// One value as a difference shows it: its path (or `the value` at the top).
fn at(path: &str) -> &str {
    if path.is_empty() { "(top)" } else { path }
}

type Pair<'a> = (&'a serde_json::Value, &'a serde_json::Value);

/// Walks `actual` and `expected` (each as compared, and as shown) below `path`.
fn diff_at(path: &str, actual: Pair, expected: Pair, out: &mut Vec<String>) {
    use serde_json::Value;
    let ((a, shown_a), (e, shown_e)) = (actual, expected);
    if a == e {
        return;
    }
    let null = Value::Null;
    match (a, e) {
        (Value::Object(am), Value::Object(em)) => {
            let keys: std::collections::BTreeSet<&String> = am.keys().chain(em.keys()).collect();
            for key in keys {
                let p = member_path(path, key);
                let sa = shown_a.get(key.as_str()).unwrap_or(&null);
                let se = shown_e.get(key.as_str()).unwrap_or(&null);
                match (am.get(key), em.get(key)) {
                    (Some(av), Some(ev)) => diff_at(&p, (av, sa), (ev, se), out),
                    (None, Some(_)) => out.push(format!("missing  {p}: {se}")),
                    (Some(_), None) => out.push(format!("extra    {p}: {sa}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(al), Value::Array(el)) => {
            let scalars = |l: &[Value]| l.iter().all(|v| !v.is_array() && !v.is_object());
            if scalars(al) && scalars(el) {
                diff_items(path, (al, shown_a), (el, shown_e), out);
                return;
            }
            for i in 0..al.len().max(el.len()) {
                let p = format!("{path}[{i}]");
                let sa = shown_a.get(i).unwrap_or(&null);
                let se = shown_e.get(i).unwrap_or(&null);
                match (al.get(i), el.get(i)) {
                    (Some(av), Some(ev)) => diff_at(&p, (av, sa), (ev, se), out),
                    (None, Some(_)) => out.push(format!("missing  {p}: {se}")),
                    (Some(_), None) => out.push(format!("extra    {p}: {sa}")),
                    (None, None) => {}
                }
            }
        }
        _ => out.push(format!(
            "changed  {}: {shown_a}, expected {shown_e}",
            at(path)
        )),
    }
}

/// Two lists of plain values (names, ids) differ by the items one has and the other lacks —
/// or, holding the same items, by their order.
fn diff_items(
    path: &str,
    actual: (&[serde_json::Value], &serde_json::Value),
    expected: (&[serde_json::Value], &serde_json::Value),
    out: &mut Vec<String>,
) {
    let ((al, shown_a), (el, shown_e)) = (actual, expected);
    let before = out.len();
    let mut unmatched: Vec<Option<&serde_json::Value>> = al.iter().map(Some).collect();
    for (i, item) in el.iter().enumerate() {
        match unmatched.iter().position(|u| *u == Some(item)) {
            Some(j) => unmatched[j] = None,
            None => out.push(format!(
                "missing  {path}[{i}]: {}",
                shown_e.get(i).unwrap_or(&serde_json::Value::Null)
            )),
        }
    }
    for (i, left) in unmatched.iter().enumerate() {
        if left.is_some() {
            out.push(format!(
                "extra    {path}[{i}]: {}",
                shown_a.get(i).unwrap_or(&serde_json::Value::Null)
            ));
        }
    }
    if out.len() == before {
        out.push(format!(
            "order    {}: the same items in another order",
            at(path)
        ));
    }
}

/// Registers the assertions as global functions.
pub fn register(engine: &mut rhai::Engine) {
    engine.register_global_module(exported_module!(assertions).into());
}

#[cfg(test)]
mod tests {
    use super::difference;
    use crate::value::{Secret, from_json};
    use rhai::{Dynamic, Map};
    use serde_json::json;

    #[test]
    fn lists_of_names_differ_by_what_each_lacks() {
        let actual = from_json(&json!(["ann", "bob", "dan"]));
        let expected = from_json(&json!(["ann", "bob", "carol"]));
        assert_eq!(
            difference(&actual, &expected),
            ["missing  [2]: \"carol\"", "extra    [2]: \"dan\""]
        );
        let reordered = from_json(&json!(["bob", "ann", "carol"]));
        assert_eq!(
            difference(&reordered, &expected),
            ["order    (top): the same items in another order"]
        );
    }

    #[test]
    fn maps_differ_member_by_member_with_their_paths() {
        let actual = from_json(&json!({
            "Group": {"Precedence": 1, "Description": "old"},
            "Users": [{"Username": "ann", "Enabled": true}],
            "extra key": 1
        }));
        let expected = from_json(&json!({
            "Group": {"Precedence": 2, "Description": "old", "RoleArn": "arn:r"},
            "Users": [{"Username": "ann", "Enabled": false}, {"Username": "bob"}]
        }));
        assert_eq!(
            difference(&actual, &expected),
            [
                "changed  Group.Precedence: 1, expected 2",
                "missing  Group.RoleArn: \"arn:r\"",
                "changed  Users[0].Enabled: true, expected false",
                "missing  Users[1]: {\"Username\":\"bob\"}",
                "extra    [\"extra key\"]: 1",
            ]
        );
        // Plain values have no members to list.
        assert!(difference(&Dynamic::from(1_i64), &Dynamic::from(2_i64)).is_empty());
    }

    #[test]
    fn secrets_are_compared_as_themselves_and_shown_masked() {
        let with = |password: &str| {
            let mut m = Map::new();
            m.insert("Password".into(), Dynamic::from(Secret::new(password)));
            m.insert("Name".into(), Dynamic::from("x"));
            Dynamic::from(m)
        };
        let lines = difference(&with("Hunter2-old!"), &with("Hunter2-new!"));
        assert_eq!(
            lines,
            ["changed  Password: \"********\", expected \"********\""]
        );
        assert!(difference(&with("same-Pass-1"), &with("same-Pass-1")).is_empty());
    }
}
