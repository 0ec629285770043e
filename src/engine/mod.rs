//! The Rhai engine a runbook runs in: wires the namespaces, helpers and modules to one
//! [`Context`]; [`glue`] turns errors between Rust and Rhai.
//!
//! One engine and one tokio runtime per process. Script functions run on the main thread and
//! block on the async SDK calls through the runtime, so there is never a runtime inside a
//! runtime. AWS clients are built on the first AWS call (see [`aws::Clients`]).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use rhai::{
    AST, Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext, Scope,
};

pub mod glue;

use crate::aws::{self, AwsError, Operation};
use crate::context::{Context, Safety};
use crate::error::Error;
use crate::functions;
use crate::safety::interrupt;
use glue::{parse_error, runtime_error, throw};

/// Builds the request map of an operation from a call's arguments: one map, or a positional
/// form's values (see [`aws::forms`]) optionally followed by a map of further members. The
/// second map holds the members runbook fills in when the call leaves them out.
fn request_from_args(op: &Operation, args: &[Dynamic]) -> Result<(Map, Map), String> {
    let forms = aws::forms::forms(op);
    let defaults: Map = forms
        .defaults
        .iter()
        .map(|(k, v)| ((*k).into(), Dynamic::from(*v)))
        .collect();
    if args.is_empty() {
        return Ok((Map::new(), defaults));
    }
    if args.len() == 1 && args[0].is_map() {
        let map = args[0]
            .read_lock::<Map>()
            .map(|m| m.clone())
            .unwrap_or_default();
        return Ok((map, Map::new()));
    }
    let last = args.last().filter(|a| a.is_map());
    let Some((form, takes_rest)) = forms.split(op, args.len(), last.is_some()) else {
        return Err(format!(
            "{}::{} does not take {} argument{}; call it as {}",
            op.namespace,
            op.name,
            args.len(),
            if args.len() == 1 { "" } else { "s" },
            functions::op_signature(op)
        ));
    };
    let (positional, extra) = match (takes_rest, last) {
        (true, Some(last)) => (
            &args[..args.len() - 1],
            last.read_lock::<Map>().map(|m| m.clone()),
        ),
        _ => (args, None),
    };
    let mut request = Map::new();
    for (i, (name, value)) in form.iter().zip(positional).enumerate() {
        if let Some(member) = op.input.member(name) {
            aws::shape::check_argument(&member.ty, value).map_err(|kind| {
                format!(
                    "argument {} of {}::{} ({}) must be {kind}; call it as {}",
                    i + 1,
                    op.namespace,
                    op.name,
                    aws::names::snake(name),
                    functions::op_signature(op)
                )
            })?;
        }
        request.insert((*name).into(), value.clone());
    }
    if let Some(extra) = extra {
        request.extend(extra);
    }
    Ok((request, defaults))
}

/// Registers `op` in its namespace's module, once per argument count it takes. A call finds
/// the run's context in the engine's tag (see [`glue::context`]), as every helper does, so one
/// engine serves one context after another ([`Runbook::next`]).
fn register_operation(module: &mut Module, op: &'static Operation) {
    for arity in functions::arities(op) {
        let call = move |call: &NativeCallContext,
                         args: Vec<Dynamic>|
              -> Result<Dynamic, Box<EvalAltResult>> {
            let ctx = glue::context(call)?;
            let pos = call.call_position();
            let (request, defaults) = request_from_args(op, &args)
                .map_err(|m| throw(AwsError::validation(op.service, op.api, m), pos))?;
            ctx.call(op, &request, &defaults).map_err(|e| throw(e, pos))
        };
        let mut params = functions::params(op, arity);
        params.push("Map".into());
        let reg = FuncRegistration::new(op.name)
            .in_internal_namespace()
            .with_params_info(params)
            .with_comments([format!("/// {}", op.doc)]);
        // One registration per argument count: Rhai matches a native function by arity.
        macro_rules! arities {
            ($($n:literal => ($($a:ident),*)),*) => {
                match arity {
                    $($n => {
                        reg.set_into_module(module, move |c: NativeCallContext, $($a: Dynamic),*| {
                            call(&c, vec![$($a),*])
                        });
                    })*
                    _ => {}
                }
            };
        }
        arities!(
            0 => (),
            1 => (a),
            2 => (a, b),
            3 => (a, b, d),
            4 => (a, b, d, e),
            5 => (a, b, d, e, f),
            6 => (a, b, d, e, f, g),
            7 => (a, b, d, e, f, g, h)
        );
    }
}

/// A runbook engine with its scope: run files, or evaluate REPL lines one after another.
pub struct Runbook {
    pub engine: Engine,
    pub scope: Scope<'static>,
    pub ctx: Rc<Context>,
}

impl Runbook {
    pub fn new(settings: aws::Settings, vars: Map, safety: Safety) -> Result<Self, Error> {
        let ctx = Context::new(settings, vars.clone(), safety)?;
        let mut engine = Engine::new();
        engine.set_max_expr_depths(256, 256);
        // Limits no real runbook reaches (a pool export of millions of users fits), so that a
        // runaway one (an array doubled in a loop) stops with a message naming the limit
        // instead of taking the machine's memory.
        engine.set_max_array_size(glue::LIMITS.array);
        engine.set_max_map_size(glue::LIMITS.map);
        engine.set_max_string_size(glue::LIMITS.string);
        // Runbooks are compiled as written: map literals stay literal for the pre-flight check
        // of request and response members (runbooks wait on AWS, not on constant folding).
        engine.set_optimization_level(rhai::OptimizationLevel::None);

        let mut namespaces: Vec<(&str, Module)> = vec![
            ("cognito", Module::new()),
            ("iam", Module::new()),
            ("sts", Module::new()),
            ("logs", Module::new()),
            ("aws", Module::new()),
        ];
        for op in aws::operations() {
            if let Some((_, module)) = namespaces.iter_mut().find(|(n, _)| *n == op.namespace) {
                register_operation(module, op);
            }
        }
        if let Some((_, module)) = namespaces.iter_mut().find(|(n, _)| *n == "aws") {
            module.combine_flatten(rhai::exported_module!(crate::batch::aws_functions));
        }
        if let Some((_, cognito)) = namespaces.iter_mut().find(|(n, _)| *n == "cognito") {
            cognito.combine_flatten(rhai::exported_module!(
                crate::import::functions::import_functions
            ));
            cognito.combine_flatten(rhai::exported_module!(crate::password::password_functions));
            cognito.combine_flatten(rhai::exported_module!(crate::signin::signin_functions));
        }
        for (name, module) in namespaces {
            engine.register_static_module(name, module.into());
        }
        crate::helpers::register(&mut engine);
        crate::signin::register_global(&mut engine);

        engine.set_module_resolver(crate::modules::Resolver::new(None));
        // Text holding a secret's marked mask (`${secret}`) prints as the plain mask.
        engine.on_print(|text| crate::output::print(&crate::value::shown_text(text)));
        // After SIGINT/SIGTERM the script stops at its next step (a `loop {}` included).
        engine.on_progress(|_| {
            interrupt::received().map(|signal| Dynamic::from(interrupt::name(signal)))
        });
        engine.on_debug(|text, source, pos| match source {
            Some(src) => crate::say!(
                "[{src}:{}] {}",
                pos.line().unwrap_or(0),
                crate::value::shown_text(text)
            ),
            None => crate::say!("{}", crate::value::shown_text(text)),
        });

        // Helpers find the run's context in the engine's tag (see `glue::context`).
        engine.set_default_tag(Dynamic::from(ctx.clone()));
        let mut scope = Scope::new();
        scope.push("vars", vars);
        Ok(Self { engine, scope, ctx })
    }

    /// Makes this engine serve the next run in the same place (`runbook test`'s next test): a
    /// fresh context (see [`Context::successor`]) and scope, the engine and its thousand
    /// registered functions kept.
    pub fn next(&mut self, vars: Map, safety: Safety) {
        self.ctx = self.ctx.successor(vars.clone(), safety);
        self.engine.set_default_tag(Dynamic::from(self.ctx.clone()));
        self.scope = Scope::new();
        self.scope.push("vars", vars);
    }

    /// Sets where `import "name"` looks for a file module: beside the runbook in `dir`, or
    /// (`None`) nowhere but where an import names a path (see `crate::modules`).
    pub fn set_module_dir(&mut self, dir: Option<&Path>) {
        self.engine
            .set_module_resolver(crate::modules::Resolver::new(dir));
    }

    /// Parses a runbook file (`-`: standard input).
    pub fn compile_file(&self, path: &Path) -> Result<AST, Error> {
        let source = crate::files::read_text(path, crate::files::SCRIPT_CAP).map_err(|e| {
            // A signal while waiting on a pipe ends the command as a signal does.
            if let Some(signal) = interrupt::received() {
                return Error::Interrupted(signal);
            }
            Error::Read {
                path: path.to_path_buf(),
                source: match e {
                    crate::files::Refused::Io(e) => e,
                    e => std::io::Error::other(e.to_string()),
                },
            }
        })?;
        let mut ast = self
            .engine
            .compile(&source)
            .map_err(|e| parse_error(&path.display().to_string(), &e))?;
        ast.set_source(path.display().to_string());
        Ok(ast)
    }

    /// Reads and compiles a runbook; its modules and relative paths resolve beside it.
    pub fn load(&mut self, path: &Path) -> Result<AST, Error> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        // `run -` has no directory of its own: no module loads implicitly from the current one.
        self.set_module_dir((path != Path::new("-")).then_some(dir.as_path()));
        // Helpers resolve relative paths (read_file, upload_csv) beside the runbook.
        self.ctx.set_dir(Some(dir.clone()));
        self.compile_file(path)
    }

    /// Runs a loaded runbook (or expression) to the end: its last value.
    pub fn eval_ast(&mut self, path: &Path, ast: &AST) -> Result<Dynamic, Error> {
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, ast)
            .map_err(|e| runtime_error(&self.engine, &e, &path.display().to_string()));
        // A signal that arrived during the last call still ends the run as interrupted.
        match interrupt::received() {
            Some(signal) if result.is_ok() || is_interrupt(&result) => {
                Err(Error::Interrupted(signal))
            }
            _ => result,
        }
    }
}

fn is_interrupt<T>(result: &Result<T, Error>) -> bool {
    matches!(result, Err(Error::Interrupted(_)))
}

#[cfg(test)]
mod tests {
    /// vendor/rhai's patch (a `let` of a new name skips the stack search) keeps what a
    /// re-declared name means: in the same frame, in blocks, loops and closures.
    #[test]
    fn redeclared_names_mean_what_they_meant_before_the_parser_patch() {
        let engine = rhai::Engine::new();
        for (script, expected) in [
            ("let x = 1; let x = x + 1; x", 2),
            ("let a = 1; { let a = 2; } a", 1),
            ("let a = 1; for i in 0..3 { let a = a + i; } a", 1),
            (
                "let s = 0; for i in 0..3 { let t = i; let t = t * 2; s += t; } s",
                6,
            ),
            ("let c = 1; let f = |y| c + y; let c = 10; f.call(1)", 2),
            (
                "fn g() { let f = 5; let f = f + 1; f } let f = 1; g() + f",
                7,
            ),
        ] {
            assert_eq!(engine.eval::<i64>(script).unwrap(), expected, "{script}");
        }
    }
}
