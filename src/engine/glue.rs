//! Glue between Rust and Rhai errors: AWS errors thrown into scripts as catchable maps, plain
//! runtime errors, and the other way, Rhai's errors as the [`Error`] a user reads
//! (`file:line:col`, the innermost cause, the closest function for a typo).

use std::rc::Rc;

use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext, ParseError, Position};

use crate::aws::AwsError;
use crate::context::Context;
use crate::error::{Error, Location};
use crate::functions;
use crate::safety::interrupt;

/// Throws an AWS error into the script as its catchable map. An interrupt is not catchable:
/// it ends the script.
pub fn throw(err: AwsError, pos: Position) -> Box<EvalAltResult> {
    if err.code == crate::aws::error::INTERRUPTED {
        return Box::new(EvalAltResult::ErrorTerminated(err.to_map().into(), pos));
    }
    Box::new(EvalAltResult::ErrorRuntime(err.to_map().into(), pos))
}

/// The run's context, which every engine carries as its tag (see
/// [`Runbook::new`](crate::engine::Runbook::new)): what a helper that calls AWS, reads a
/// parameter or resolves a path needs.
pub fn context(call: &NativeCallContext) -> Result<Rc<Context>, Box<EvalAltResult>> {
    call.tag()
        .and_then(|tag| tag.clone().try_cast::<Rc<Context>>())
        .ok_or_else(|| {
            fail(
                format!("{}: runs only inside a runbook", call.fn_name()),
                call.call_position(),
            )
        })
}

/// A runtime error carrying a plain message.
pub fn fail(message: impl Into<String>, pos: Position) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(message.into().into(), pos))
}

/// The text of an argument that may be a secret or a string (its real text: it is sent), for
/// helpers that take either.
pub fn text_arg(value: &Dynamic, what: &str, pos: Position) -> Result<String, Box<EvalAltResult>> {
    crate::value::text_revealed(value).ok_or_else(|| {
        fail(
            format!("{what} must be a string, not {}", crate::value::kind(value)),
            pos,
        )
    })
}

/// A parse error as `file:line:col: message`.
pub fn parse_error(file: &str, err: &ParseError) -> Error {
    Error::Script {
        location: Location {
            file: file.to_string(),
            line: err.1.line().unwrap_or(0),
            column: err.1.position().unwrap_or(0),
            called_from: Vec::new(),
        },
        message: err.0.to_string(),
    }
}

/// The sizes a runbook's values may reach (set on every engine, named when one is passed).
pub struct Limits {
    /// Items in one array.
    pub array: usize,
    /// Entries in one map.
    pub map: usize,
    /// Bytes in one string.
    pub string: usize,
}

pub const LIMITS: Limits = Limits {
    array: 20_000_000,
    map: 20_000_000,
    string: 512 << 20,
};

/// The argument types of a Rhai function signature (`(i64, &str | ImmutableString | String)`)
/// in the words runbook's messages use (`(integer, string)`).
fn in_words(types: &str) -> String {
    let inner = types
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(types);
    let words: Vec<&str> = inner
        .split(", ")
        .filter(|t| !t.is_empty())
        .map(|t| match t {
            "&str | ImmutableString | String" | "ImmutableString" | "String" => "string",
            "i64" => "integer",
            "f64" => "float",
            "bool" => "boolean",
            "char" => "character",
            "Fn" => "function",
            other => other,
        })
        .collect();
    format!("({})", words.join(", "))
}

/// An uncaught runtime error: the innermost cause, where it happened, and what it says.
pub fn runtime_error(engine: &Engine, err: &EvalAltResult, main_file: &str) -> Error {
    let mut source: Option<String> = None;
    // The call sites in other files that led to the error (a module's function, another
    // runbook), outermost first.
    let mut callers: Vec<String> = Vec::new();
    let mut current = err;
    loop {
        match current {
            EvalAltResult::ErrorInFunctionCall(_, src, inner, pos) => {
                let outer = source.clone().unwrap_or_else(|| main_file.to_string());
                if !src.is_empty() && *src != outer {
                    if let (Some(line), Some(column)) = (pos.line(), pos.position()) {
                        callers.push(format!("{outer}:{line}:{column}"));
                    }
                    source = Some(src.clone());
                }
                current = inner;
            }
            EvalAltResult::ErrorInModule(path, inner, _) => {
                source = Some(path.clone());
                current = inner;
            }
            _ => break,
        }
    }
    callers.reverse();
    if let (EvalAltResult::ErrorTerminated(..), Some(signal)) = (current, interrupt::received()) {
        return Error::Interrupted(signal);
    }
    let pos = current.position();
    let message = match current {
        EvalAltResult::ErrorRuntime(value, _) => match AwsError::from_dynamic(value) {
            Some(aws) => aws.to_string(),
            None => crate::value::masked(value).to_string(),
        },
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let name = sig.split(['(', ' ']).next().unwrap_or(sig);
            let given = in_words(sig.get(name.len()..).unwrap_or("").trim());
            let catalog = functions::catalog(engine);
            if let Some(f) = catalog.iter().find(|f| f.qualified() == name) {
                format!("{name} cannot take {given}; call it as {}", f.signature)
            } else {
                let names: Vec<String> = catalog.iter().map(|f| f.qualified()).collect();
                let hint = crate::aws::names::closest(name, names.iter().map(String::as_str))
                    .and_then(|c| catalog.iter().find(|f| f.qualified() == c))
                    .map(|f| format!("; did you mean {}?", f.signature))
                    .unwrap_or_default();
                format!("function not found: {name} {given}{hint}")
            }
        }
        // `ensure::…` without its `import`: say how to import a bundled module.
        EvalAltResult::ErrorModuleNotFound(name, _)
            if crate::modules::STDLIB.iter().any(|(n, _)| n == name) =>
        {
            format!(
                "module {name} is not imported: add `import \"{name}\" as {name};` before calling {name}::… (in eval too: runbook eval 'import \"{name}\" as {name}; {name}::…')"
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let limits = &LIMITS;
            let limit = match what.to_ascii_lowercase() {
                w if w.contains("array") => format!("{} items in an array", limits.array),
                w if w.contains("map") => format!("{} entries in a map", limits.map),
                _ => format!("{} MiB in a string", limits.string >> 20),
            };
            format!("{what} exceeds runbook's limit of {limit} (a value growing without end?)")
        }
        other => {
            let text = other.to_string();
            // Rhai appends " (line N, position M)"; the location is printed separately.
            match text.rfind(" (line ") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    };
    let location = pos.line().map(|line| Location {
        file: source.unwrap_or_else(|| main_file.to_string()),
        line,
        column: pos.position().unwrap_or(0),
        called_from: callers,
    });
    Error::Runtime { message, location }
}
