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
        format!(
            "{head}\n  actual:   {}\n  expected: {}",
            masked_json(actual, false),
            masked_json(expected, false)
        )
    } else {
        format!("{head}\n  value: {}", masked_json(actual, false))
    };
    Err(fail(text, ctx.call_position()))
}

/// Registers the assertions as global functions.
pub fn register(engine: &mut rhai::Engine) {
    engine.register_global_module(exported_module!(assertions).into());
}
