//! Global helpers every runbook has: JSON, `query`, environment, secrets, files, parameters,
//! `sleep`, and who-am-I (`account_id()`, `region()`).

use std::path::{Path, PathBuf};

use rhai::plugin::*;
use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, Map, NativeCallContext};

use crate::context::Context;
use crate::engine::glue::{context, fail, throw};
use crate::value::{self, Secret, masked_json, to_json_masked};

/// A path given to a helper, resolved as [`Context::resolve`] says: beside the runbook for a
/// relative path it names, against the current directory for one from the command line.
pub fn resolve(call: &NativeCallContext, path: &str) -> PathBuf {
    match context(call) {
        Ok(ctx) => ctx.resolve(path),
        Err(_) => PathBuf::from(path),
    }
}

// Rhai's plugin macro unwraps the `&mut` first argument it has just type-checked itself.
#[allow(clippy::unwrap_used)]
#[export_module]
mod global_helpers {
    use super::*;

    /// Parses JSON text into maps, arrays and values.
    #[rhai_fn(return_raw)]
    pub fn json_parse(ctx: NativeCallContext, text: &str) -> Result<Dynamic, Box<EvalAltResult>> {
        serde_json::from_str::<serde_json::Value>(text)
            .map(|v| value::from_json(&v))
            .map_err(|e| fail(format!("json_parse: {e}"), ctx.call_position()))
    }

    /// Serialises a value as JSON text (secret() values as ********).
    #[rhai_fn(return_raw)]
    pub fn to_json(ctx: NativeCallContext, value: Dynamic) -> Result<String, Box<EvalAltResult>> {
        to_json_masked(&value)
            .map(|v| v.to_string())
            .map_err(|e| fail(format!("to_json: {e}"), ctx.call_position()))
    }

    // Rhai's own `to_json(map)` would serialise a secret by its type name: this one, taking
    // maps (more specific than `Dynamic`), masks secrets like every other path.
    #[rhai_fn(global, name = "to_json", return_raw)]
    pub fn map_to_json(ctx: NativeCallContext, map: Map) -> Result<String, Box<EvalAltResult>> {
        to_json(ctx, map.into())
    }

    // The same for arrays.
    #[rhai_fn(global, name = "to_json", return_raw)]
    pub fn array_to_json(
        ctx: NativeCallContext,
        array: rhai::Array,
    ) -> Result<String, Box<EvalAltResult>> {
        to_json(ctx, array.into())
    }

    /// Serialises a value as JSON text, indented when `pretty` is true.
    #[rhai_fn(name = "to_json", return_raw)]
    pub fn to_json_pretty(
        ctx: NativeCallContext,
        value: Dynamic,
        pretty: bool,
    ) -> Result<String, Box<EvalAltResult>> {
        let json = to_json_masked(&value)
            .map_err(|e| fail(format!("to_json: {e}"), ctx.call_position()))?;
        Ok(if pretty {
            serde_json::to_string_pretty(&json).unwrap_or_default()
        } else {
            json.to_string()
        })
    }

    /// Applies a JMESPath expression (the AWS CLI's `--query`) to a value.
    #[rhai_fn(return_raw)]
    pub fn query(
        ctx: NativeCallContext,
        value: Dynamic,
        expression: &str,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let json = to_json_masked(&value).map_err(|e| fail(format!("query: {e}"), pos))?;
        let found =
            value::query_json(&json, expression).map_err(|e| fail(format!("query: {e}"), pos))?;
        Ok(value::from_json(&found))
    }

    /// An environment variable (a secret when its name says so: AWS_SECRET_ACCESS_KEY, *_PASSWORD, *_TOKEN), or `()` when it is unset.
    pub fn env(name: &str) -> Dynamic {
        std::env::var(name)
            .map(|v| env_value(name, v))
            .unwrap_or(Dynamic::UNIT)
    }

    /// An environment variable, or `default` when it is unset.
    #[rhai_fn(name = "env")]
    pub fn env_or(name: &str, default: Dynamic) -> Dynamic {
        std::env::var(name)
            .map(|v| env_value(name, v))
            .unwrap_or(default)
    }

    /// Prints a value as the AWS CLI's `--output table` draws it (secrets masked): a quick look
    /// at a list of users or a pool's settings without `jq`.
    pub fn print_table(value: Dynamic) {
        let text = crate::format::shown(&value, crate::format::Output::Table, "");
        if !text.is_empty() {
            crate::output::print(&text);
        }
    }

    /// `print_table` with a title over the table (as the CLI titles it with the operation).
    #[rhai_fn(name = "print_table")]
    pub fn print_table_titled(value: Dynamic, title: &str) {
        let text = crate::format::shown(&value, crate::format::Output::Table, title);
        if !text.is_empty() {
            crate::output::print(&text);
        }
    }

    /// Prints a line on stderr: progress, or what a step did (stdout stays the runbook's data).
    pub fn eprint(text: &str) {
        crate::say!("{text}");
    }

    /// Waits; seconds may be fractional.
    #[rhai_fn(name = "sleep", return_raw)]
    pub fn sleep_float(ctx: NativeCallContext, seconds: f64) -> Result<(), Box<EvalAltResult>> {
        if !(0.0..=86_400.0).contains(&seconds) {
            return Err(fail(
                format!("sleep: {seconds} is not between 0 and 86400 seconds"),
                ctx.call_position(),
            ));
        }
        crate::safety::interrupt::sleep(std::time::Duration::from_secs_f64(seconds)).map_err(
            |signal| {
                throw(
                    crate::aws::AwsError::interrupted(signal),
                    ctx.call_position(),
                )
            },
        )
    }

    // Waits `seconds`.
    #[rhai_fn(name = "sleep", return_raw)]
    pub fn sleep_int(ctx: NativeCallContext, seconds: i64) -> Result<(), Box<EvalAltResult>> {
        sleep_float(ctx, seconds as f64)
    }

    /// A file's text; a relative path is resolved beside the runbook.
    #[rhai_fn(return_raw)]
    pub fn read_file(ctx: NativeCallContext, path: &str) -> Result<String, Box<EvalAltResult>> {
        let full = resolve(&ctx, path);
        crate::files::read_text(&full, crate::files::TEXT_CAP).map_err(|e| {
            fail(
                format!("read_file: cannot read {}: {e}", full.display()),
                ctx.call_position(),
            )
        })
    }

    /// Writes `text` to a new file (relative paths resolve beside the runbook, as `read_file`'s),
    /// readable by its owner alone; an existing file is refused (a link is never followed).
    #[rhai_fn(return_raw)]
    pub fn write_file(
        ctx: NativeCallContext,
        path: &str,
        text: &str,
    ) -> Result<(), Box<EvalAltResult>> {
        write_file_with(ctx, path, text, Map::new())
    }

    /// `write_file` with options: `Force: true` replaces a regular file of the operator's own.
    #[rhai_fn(name = "write_file", return_raw)]
    pub fn write_file_with(
        ctx: NativeCallContext,
        path: &str,
        text: &str,
        options: Map,
    ) -> Result<(), Box<EvalAltResult>> {
        let full = resolve(&ctx, path);
        let force = match options.get("Force") {
            None => false,
            Some(v) => v.as_bool().map_err(|_| {
                fail(
                    "write_file: Force must be true or false",
                    ctx.call_position(),
                )
            })?,
        };
        if let Some(key) = options.keys().find(|k| k.as_str() != "Force") {
            return Err(fail(
                format!("write_file: unknown option {key}; the one option is Force"),
                ctx.call_position(),
            ));
        }
        if !force && std::fs::symlink_metadata(&full).is_ok() {
            return Err(fail(
                format!(
                    "write_file: {} exists; pass #{{ Force: true }} to replace it",
                    full.display()
                ),
                ctx.call_position(),
            ));
        }
        crate::output::write_file(&full, 0o600, force, text)
            .map_err(|e| fail(format!("write_file: {e}"), ctx.call_position()))
    }

    /// A CSV file (RFC 4180, first row the header) as an array of maps keyed by the header;
    /// a relative path is resolved beside the runbook.
    #[rhai_fn(return_raw)]
    pub fn read_csv(ctx: NativeCallContext, path: &str) -> Result<rhai::Array, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let full = resolve(&ctx, path);
        let file = crate::files::regular(&full, crate::files::CSV_CAP).map_err(|e| {
            fail(
                format!("read_csv: cannot read {}: {e}", full.display()),
                pos,
            )
        })?;
        let mut reader = csv::Reader::from_reader(file);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| fail(format!("read_csv: {}: {e}", full.display()), pos))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = rhai::Array::new();
        for record in reader.records() {
            let record =
                record.map_err(|e| fail(format!("read_csv: {}: {e}", full.display()), pos))?;
            let row: Map = header
                .iter()
                .zip(record.iter())
                .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.to_string())))
                .collect();
            rows.push(row.into());
        }
        Ok(rows)
    }

    // A secret prints as `********`.
    #[rhai_fn(global, name = "print", name = "debug")]
    pub fn secret_print(secret: &mut Secret) -> String {
        secret.shown()
    }

    // Made into plain text (`${secret}`, `to_string`) a secret is its mask, marked so that
    // sending that text is an error rather than a password of asterisks.
    #[rhai_fn(global, name = "to_string", name = "to_debug")]
    pub fn secret_to_string(secret: &mut Secret) -> String {
        secret.text()
    }

    /// The plain text of a secret value, when it really must be seen (a generated password to
    /// hand over); any other value is returned as it is.
    pub fn reveal(value: Dynamic) -> Dynamic {
        match value.read_lock::<Secret>() {
            Some(secret) => secret.expose().to_string().into(),
            None => value.clone(),
        }
    }

    // Maps print as the AWS CLI prints them: JSON, with secret members masked.
    #[rhai_fn(global, name = "print", name = "debug", return_raw)]
    pub fn map_print(map: &mut Map) -> Result<String, Box<EvalAltResult>> {
        shown_json(Dynamic::from(map.clone()), true)
    }

    // Inside a string (`${map}`), maps are compact JSON, with secret members masked.
    #[rhai_fn(global, name = "to_string", name = "to_debug", return_raw)]
    pub fn map_to_string(map: &mut Map) -> Result<String, Box<EvalAltResult>> {
        shown_json(Dynamic::from(map.clone()), false)
    }

    // Arrays print as JSON, with secret members masked.
    #[rhai_fn(global, name = "print", name = "debug", return_raw)]
    pub fn array_print(array: &mut rhai::Array) -> Result<String, Box<EvalAltResult>> {
        shown_json(Dynamic::from(array.clone()), true)
    }

    // Inside a string (`${array}`), arrays are compact JSON, with secret members masked.
    #[rhai_fn(global, name = "to_string", name = "to_debug", return_raw)]
    pub fn array_to_string(array: &mut rhai::Array) -> Result<String, Box<EvalAltResult>> {
        shown_json(Dynamic::from(array.clone()), false)
    }
}

/// An environment variable's value: a secret when its name says so (`AWS_SECRET_ACCESS_KEY`,
/// `DB_PASSWORD`, `GITHUB_TOKEN`: see [`looks_secret`](crate::value::looks_secret)).
fn env_value(name: &str, value: String) -> Dynamic {
    if crate::value::looks_secret(name) {
        Dynamic::from(Secret::new(value))
    } else {
        Dynamic::from(value)
    }
}

/// `runbook(path, vars)`: another runbook, run in this run's context with `vars` as its
/// parameters; its last value.
fn nested_runbook(
    ctx: &Context,
    call: &NativeCallContext,
    path: &str,
    vars: Map,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let pos = call.call_position();
    let full = resolve(call, path);
    let shown = full.display().to_string();
    crate::files::trusted_code(&full)
        .map_err(|e| fail(format!("runbook(\"{path}\"): {e}"), pos))?;
    let source = crate::files::read_text(&full, crate::files::SCRIPT_CAP).map_err(|e| {
        fail(
            format!("runbook(\"{path}\"): cannot read {shown}: {e}"),
            pos,
        )
    })?;
    let engine = call.engine();
    let mut ast = engine.compile(&source).map_err(|e| {
        fail(
            crate::engine::glue::parse_error(&shown, &e).to_string(),
            pos,
        )
    })?;
    ast.set_source(shown.clone());
    let mut scope = rhai::Scope::new();
    scope.push("vars", vars.clone());
    let dir = full
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    ctx.nested(vars.clone(), dir, || {
        // An error inside names where it happened there, and this call site.
        engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
            .map_err(|e| {
                Box::new(EvalAltResult::ErrorInFunctionCall(
                    "runbook".into(),
                    shown.clone(),
                    e,
                    pos,
                ))
            })
    })
    .unwrap_or_else(|| {
        Err(fail(
            format!("runbook(\"{path}\"): runbooks nested more than 16 deep (does it run itself?)"),
            pos,
        ))
    })
}

/// A map or array as JSON to show: secrets masked; inside a string (`pretty` false) the masks
/// are marked, so that sending that text is refused. Nested too deep: an error.
fn shown_json(value: Dynamic, pretty: bool) -> Result<String, Box<EvalAltResult>> {
    if crate::value::too_deep(&value) {
        if !pretty {
            // Inside a string (Rhai falls back to its own deep printing on an error).
            return Ok(format!("({})", crate::value::too_deep_message()));
        }
        return Err(fail(crate::value::too_deep_message(), Position::NONE));
    }
    let json = masked_json(&value, pretty);
    Ok(if pretty {
        json
    } else {
        let quoted = format!("\"{}\"", crate::value::MASK);
        json.replace(&quoted, &format!("\"{}\"", crate::value::TEXT_MASK))
    })
}

/// The helpers that need the run's context (from the engine's tag: see [`context`]).
#[export_module]
mod run_helpers {
    use super::*;

    /// A secret from the environment variable NAME, or asked for without echo; prints as ********.
    #[rhai_fn(return_raw)]
    pub fn secret(call: NativeCallContext, name: &str) -> Result<Secret, Box<EvalAltResult>> {
        if let Ok(value) = std::env::var(name) {
            return Ok(Secret::new(value));
        }
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(fail(
                format!(
                    "secret(\"{name}\"): set the environment variable {name}; there is no terminal to ask on"
                ),
                call.call_position(),
            ));
        }
        rpassword::prompt_password(format!("{name}: "))
            .map(Secret::new)
            .map_err(|e| fail(format!("secret(\"{name}\"): {e}"), call.call_position()))
    }

    /// The writes `f` would make, as [#{ function, class, request }] (secrets masked), sending none: a dry run of `f` alone.
    #[rhai_fn(return_raw)]
    pub fn plan(call: NativeCallContext, f: FnPtr) -> Result<rhai::Array, Box<EvalAltResult>> {
        let ctx = context(&call)?;
        let (result, writes) = ctx.plan_scope(|| f.call_within_context::<Dynamic>(&call, ()));
        let _: Dynamic = result?;
        Ok(writes)
    }

    /// Runs another runbook (path beside the caller) in this run: its calls are guarded, planned and journaled as this one's. Returns its last value.
    #[rhai_fn(name = "runbook", return_raw)]
    pub fn runbook_here(
        call: NativeCallContext,
        path: &str,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let ctx = context(&call)?;
        nested_runbook(&ctx, &call, path, ctx.vars.clone())
    }

    /// Runs another runbook with `vars` as its parameters (`param(name)`), in this run. Returns its last value.
    #[rhai_fn(name = "runbook", return_raw)]
    pub fn runbook_with(
        call: NativeCallContext,
        path: &str,
        vars: Map,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let ctx = context(&call)?;
        nested_runbook(&ctx, &call, path, vars)
    }

    /// A --var KEY=VALUE given to `runbook run`, or the default; an error names it when missing without one.
    #[rhai_fn(return_raw)]
    pub fn param(call: NativeCallContext, name: &str) -> Result<Dynamic, Box<EvalAltResult>> {
        context(&call)?.var(name).ok_or_else(|| {
            fail(
                format!("missing parameter \"{name}\": pass --var {name}=VALUE"),
                call.call_position(),
            )
        })
    }

    /// The `--var name=VALUE` given on the command line, or `default`.
    #[rhai_fn(name = "param", return_raw)]
    pub fn param_or(
        call: NativeCallContext,
        name: &str,
        default: Dynamic,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        Ok(context(&call)?.var(name).unwrap_or(default))
    }

    /// Whether writes are only planned here (`--dry-run`, or inside `plan(|| …)`): for messages that must not say a planned write happened.
    #[rhai_fn(return_raw)]
    pub fn dry_run(call: NativeCallContext) -> Result<bool, Box<EvalAltResult>> {
        Ok(context(&call)?.dry_run())
    }

    /// The AWS region calls go to.
    #[rhai_fn(return_raw)]
    pub fn region(call: NativeCallContext) -> Result<String, Box<EvalAltResult>> {
        let ctx = context(&call)?;
        ctx.runtime
            .block_on(ctx.clients.region())
            .map_err(|e| throw(e, call.call_position()))
    }

    /// The AWS account id of the credentials in use (sts:GetCallerIdentity).
    #[rhai_fn(return_raw)]
    pub fn account_id(call: NativeCallContext) -> Result<Dynamic, Box<EvalAltResult>> {
        let pos = call.call_position();
        let out = context(&call)?
            .call_named("sts", "get_caller_identity", Map::new())
            .map_err(|e| throw(e, pos))?;
        let account = out
            .read_lock::<Map>()
            .and_then(|m| m.get("Account").cloned());
        account.ok_or_else(|| fail("GetCallerIdentity returned no Account", pos))
    }
}

/// Registers the helpers: plugin modules, grouped by concern.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Secret>("secret");
    // Plugin functions name their types as written (`-> Secret`, `password: SecretText`).
    engine.register_type_with_name_raw("Secret", "secret");
    engine.register_type_with_name_raw("SecretText", "secret");
    engine.register_global_module(exported_module!(global_helpers).into());
    engine.register_global_module(exported_module!(run_helpers).into());
    crate::secrets::register(engine);
    crate::assertions::register(engine);
}
