//! `runbook check`: parse runbooks and check every `cognito::`/`iam::`/`sts::` call names a
//! registered function with an argument count it accepts, and every plain call names a function
//! that exists (a helper, Rhai's standard library, or one the runbook defines); and, knowing the
//! API ([`schema`]), the request maps written and the response members read. Nothing is sent.

mod schema;
mod secrets;

pub use secrets::secret_vars;

use std::collections::HashMap;

use std::collections::HashSet;
use std::path::PathBuf;

use rhai::{ASTNode, Expr, Stmt};

use crate::aws::Settings;
use crate::engine::Runbook;
use crate::error::{Error, Location};
use crate::functions::{self, FnInfo};

const NAMESPACES: &[&str] = &["cognito", "iam", "sts", "logs"];

/// Calls the parser treats as functions but no module registers.
const KEYWORDS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
    "eval",
];

/// The names of every global function the engine knows (helpers and the standard library).
fn global_names(runbook: &Runbook) -> HashSet<String> {
    let mut names: HashSet<String> = runbook
        .engine
        .gen_fn_signatures(true)
        .iter()
        .filter(|s| !s.contains("::"))
        .filter_map(|s| s.split('(').next())
        .map(str::to_string)
        .collect();
    names.extend(KEYWORDS.iter().map(|k| k.to_string()));
    names
}

/// Checks each file; prints `ok` lines to stderr and returns every problem found.
pub fn check_files(files: &[PathBuf]) -> Result<(), Error> {
    let runbook = Runbook::new(
        Settings::default(),
        rhai::Map::new(),
        crate::context::Safety::interactive(false),
    )?;
    let globals = global_names(&runbook);
    let mut problems = Vec::new();
    for file in files {
        let ast = match runbook.compile_file(file) {
            Ok(ast) => ast,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let before = problems.len();
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .to_path_buf();
        let dir = (file != std::path::Path::new("-")).then_some(dir);
        problems.extend(schema_problems(&ast, file));
        problems.extend(function_problems(
            &runbook,
            &globals,
            &ast,
            file,
            dir.as_deref(),
        ));
        if problems.len() == before {
            crate::say!("ok: {}", file.display());
        }
    }
    // In the order of the files, then of the lines.
    problems.sort_by_key(|p| match p {
        Error::Script { location, .. } => (
            files
                .iter()
                .position(|f| f.display().to_string() == location.file)
                .unwrap_or(0),
            location.line,
            location.column,
        ),
        _ => (0, 0, 0),
    });
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        _ => Err(Error::Check(problems)),
    }
}

/// Calls to functions that exist nowhere (the runbook's own, its modules', the helpers', the
/// API's), and wrong argument counts, as problems at their places: `check` reports them and
/// `run`/`eval` refuse to start, sending nothing.
pub fn function_problems(
    runbook: &Runbook,
    globals: &HashSet<String>,
    ast: &rhai::AST,
    file: &std::path::Path,
    dir: Option<&std::path::Path>,
) -> Vec<Error> {
    let mut problems = Vec::new();
    let local = local_names(ast);
    let modules = imported_functions(runbook, ast, dir);
    ast.walk(&mut |path: &[ASTNode]| {
        let found = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => Some((call, pos)),
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => Some((call, pos)),
            _ => None,
        };
        let Some((call, pos)) = found else {
            return true;
        };
        if call.namespace.is_empty() {
            if let Some(message) = plain_call_problem(call, globals, &local) {
                problems.push(problem(file, *pos, message));
            }
            return true;
        }
        let namespace = call.namespace.root();
        let message = if let Some(functions) = modules.get(namespace) {
            module_call_problem(namespace, call, functions)
        } else if NAMESPACES.contains(&namespace) {
            let lone_literal = matches!(
                call.args.as_slice(),
                [Expr::StringConstant(..) | Expr::IntegerConstant(..) | Expr::BoolConstant(..)]
            );
            check_call(
                &runbook.engine,
                namespace,
                &call.name,
                call.args.len(),
                lone_literal,
            )
        } else {
            None
        };
        if let Some(message) = message {
            problems.push(problem(file, *pos, message));
        }
        true
    });
    problems
}

/// Names a plain call may also mean: the runbook's own functions, and variables and
/// parameters (a function pointer can be called like a function).
fn local_names(ast: &rhai::AST) -> HashSet<String> {
    let mut local: HashSet<String> = ast.iter_functions().map(|f| f.name.to_string()).collect();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Var(var, ..))) = path.last() {
            local.insert(var.0.name.to_string());
        }
        true
    });
    for f in ast.iter_functions() {
        local.extend(f.params.iter().map(|p| p.to_string()));
    }
    local
}

/// The modules a runbook imports (by alias): their functions and argument counts.
fn imported_functions(
    runbook: &Runbook,
    ast: &rhai::AST,
    dir: Option<&std::path::Path>,
) -> HashMap<String, Vec<(String, usize)>> {
    let mut modules = HashMap::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(import, _))) = path.last()
            && let Expr::StringConstant(name, _) = &import.0
            && let Some(functions) = module_functions(runbook, dir, name)
        {
            modules.insert(import.1.name.to_string(), functions);
        }
        true
    });
    modules
}

/// A call without a namespace to a function that exists nowhere (not an operator).
fn plain_call_problem(
    call: &rhai::FnCallExpr,
    globals: &HashSet<String>,
    local: &HashSet<String>,
) -> Option<String> {
    let name = call.name.as_str();
    let unknown = call.op_token.is_none()
        && !globals.contains(name)
        && !local.contains(name)
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
    if !unknown {
        return None;
    }
    let hint =
        crate::aws::names::closest(name, globals.iter().chain(local.iter()).map(String::as_str))
            .map(|c| format!(" (did you mean {c}?)"))
            .unwrap_or_default();
    Some(format!("unknown function {name}{hint}"))
}

/// A call into an imported module: a function it lacks, or one it has with other counts.
fn module_call_problem(
    namespace: &str,
    call: &rhai::FnCallExpr,
    functions: &[(String, usize)],
) -> Option<String> {
    let name = call.name.as_str();
    let arities: Vec<usize> = functions
        .iter()
        .filter(|(f, _)| f == name)
        .map(|(_, n)| *n)
        .collect();
    if arities.is_empty() {
        let hint = crate::aws::names::closest(name, functions.iter().map(|(f, _)| f.as_str()))
            .map(|c| format!(" (did you mean {namespace}::{c}?)"))
            .unwrap_or_default();
        return Some(format!("unknown function {namespace}::{name}{hint}"));
    }
    if arities.contains(&call.args.len()) {
        return None;
    }
    Some(format!(
        "{namespace}::{name} does not take {} argument{}; it takes {}",
        call.args.len(),
        if call.args.len() == 1 { "" } else { "s" },
        arities
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

/// The request maps written and the response members read that the API's shapes refute, as
/// problems at their places. `run` refuses a runbook with any of them before sending anything.
///
/// Bindings are followed in the order the runbook is written: `let x = <map literal>` (checked
/// when `x` is passed to an operation), `let r = <call>` / `<part of a response>` (members read
/// from `r` are checked), `for u in <list of a response>`. A variable assigned again, or a map
/// whose members are written (`x.Member = …`), is no longer judged; each function body starts
/// afresh.
pub fn schema_problems(ast: &rhai::AST, file: &std::path::Path) -> Vec<Error> {
    schema_problems_in(ast, file, &mut Bindings::new(), Within::All)
}

/// What `run` and `eval` check before anything is sent: [`schema_problems`] outside `try`, and
/// [`function_problems`] everywhere (a call that cannot work would stop the runbook halfway,
/// after its first writes).
pub fn preflight(runbook: &Runbook, ast: &rhai::AST, file: &std::path::Path) -> Vec<Error> {
    let mut problems = schema_problems_in(ast, file, &mut Bindings::new(), Within::OutsideTry);
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    let named = file != std::path::Path::new("-") && file.extension().is_some();
    let mut globals = global_names(runbook);
    // What the session or command put in scope (`vars`) may be called as a function pointer.
    globals.extend(runbook.scope.iter().map(|(name, ..)| name.to_string()));
    problems.extend(function_problems(
        runbook,
        &globals,
        ast,
        file,
        named.then_some(dir.as_path()),
    ));
    problems
}

/// Which calls and reads a schema check judges.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// All of them (`runbook check`).
    All,
    /// Those outside `try` blocks: before a run, a mistake the runbook catches on purpose (to
    /// show or handle the error) is left to the call, whose error `catch` receives.
    OutsideTry,
}

/// What variables are known to hold (API responses and parts of them), kept from one REPL
/// statement to the next.
pub type Bindings = HashMap<String, schema::Known>;

/// [`schema_problems`], starting from and updating what `vars` are known to hold.
///
/// The main body and each function body are walked on their own, each function's parameters
/// known from its call sites ([`schema::Site`]): walked again until what they are known to be
/// settles (a function called from a function is known one round later).
pub fn schema_problems_in(
    ast: &rhai::AST,
    file: &std::path::Path,
    vars: &mut Bindings,
    within: Within,
) -> Vec<Error> {
    let defs: Vec<&rhai::ScriptFuncDef> = ast.iter_fn_def().map(|f| &**f).collect();
    let names: HashSet<&str> = defs.iter().map(|f| f.name.as_str()).collect();
    let main = ast.clone_statements_only();
    let bodies: Vec<rhai::AST> = defs
        .iter()
        .map(|f| {
            // (`clone_functions_only_filtered` keeps every function of a lone module.)
            let mut body = ast.clone_functions_only();
            body.retain_functions(|_, _, name, arity| {
                name == f.name.as_str() && arity == f.params.len()
            });
            body
        })
        .collect();
    let mut params = Params::new();
    let mut rounds = 0;
    let (found, main_vars) = loop {
        let mut found = schema::Found::default();
        let mut main_vars = vars.clone();
        walk_body(&main, &mut main_vars, &names, within, &mut found);
        for (f, body) in defs.iter().zip(&bodies) {
            let mut known: Bindings = f
                .params
                .iter()
                .zip(
                    params
                        .get(&(f.name.to_string(), f.params.len()))
                        .into_iter()
                        .flatten(),
                )
                .filter_map(|(p, k)| Some((p.to_string(), (*k)?)))
                .collect();
            walk_body(body, &mut known, &names, within, &mut found);
        }
        let next = parameters(&defs, &found.sites);
        rounds += 1;
        if next == params {
            break (found, main_vars);
        }
        // What does not settle is not judged.
        params = if rounds < 6 { next } else { Params::new() };
        if rounds > 6 {
            break (found, main_vars);
        }
    };
    *vars = main_vars;
    let mut seen = HashSet::new();
    found
        .findings
        .into_iter()
        .filter(|f| seen.insert((f.pos, f.message.clone())))
        .map(|f| problem(file, f.pos, f.message))
        .collect()
}

/// What each parameter of the runbook's functions is known to hold, by (name, arity).
type Params = HashMap<(String, usize), Vec<Option<schema::Known>>>;

/// The parameters every site agrees on: a parameter is known when each place that hands its
/// function values hands it the same known kind of value.
fn parameters(defs: &[&rhai::ScriptFuncDef], sites: &[schema::Site]) -> Params {
    let mut params = Params::new();
    for f in defs {
        let arity = f.params.len();
        let mine: Vec<&schema::Site> = sites
            .iter()
            .filter(|s| s.function == f.name.as_str() && s.arity.is_none_or(|a| a == arity))
            .collect();
        // One place, however often it was looked at: followed if it was followed at all.
        let followed: HashSet<rhai::Position> = mine
            .iter()
            .filter(|s| !s.seen_only)
            .map(|s| s.pos)
            .collect();
        let mut known: Option<Vec<Option<schema::Known>>> = None;
        for site in mine
            .iter()
            .filter(|s| !s.seen_only || !followed.contains(&s.pos))
        {
            let given: Vec<Option<schema::Known>> = (0..arity)
                .map(|i| site.args.get(i).copied().flatten())
                .collect();
            known = Some(match known {
                None => given,
                Some(before) => before
                    .into_iter()
                    .zip(given)
                    .map(|(a, b)| a.filter(|a| Some(*a) == b))
                    .collect(),
            });
        }
        if let Some(known) = known.filter(|k| k.iter().any(Option::is_some)) {
            params.insert((f.name.to_string(), arity), known);
        }
    }
    params
}

/// Walks one body (the main one or a function's) in the order it is written, following
/// bindings and recording problems and sites in `found`.
fn walk_body(
    body: &rhai::AST,
    vars: &mut Bindings,
    functions: &HashSet<&str>,
    within: Within,
    found: &mut schema::Found,
) {
    // The literal values variables are bound to (maps are checked when passed as requests).
    let mut literals: HashMap<String, Expr> = HashMap::new();
    body.walk(&mut |path: &[ASTNode]| {
        let in_try = path
            .iter()
            .any(|n| matches!(n, ASTNode::Stmt(Stmt::TryCatch(..))));
        let mut here = schema::Found::default();
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) => {
                let name = var.0.name.to_string();
                literals.remove(&name);
                vars.remove(&name);
                if is_literal(&var.1) {
                    literals.insert(name, var.1.clone());
                } else if let Some(k) = schema::known(&var.1, vars, &mut here) {
                    vars.insert(name, k);
                }
            }
            Some(ASTNode::Stmt(Stmt::For(for_loop, _))) => {
                let (item, index, flow) = &**for_loop;
                let element =
                    schema::known(&flow.expr, vars, &mut here).and_then(schema::Known::element);
                for name in std::iter::once(item).chain(index.as_ref()) {
                    literals.remove(name.name.as_str());
                    vars.remove(name.name.as_str());
                }
                if let Some(element) = element {
                    vars.insert(item.name.to_string(), element);
                }
            }
            Some(ASTNode::Stmt(Stmt::Assignment(assignment))) => {
                // `x = …` rebinds x; `x.Member = …` / `x[k] = …` changes the map x holds.
                if let Some(root) = root_variable(&assignment.1.lhs) {
                    literals.remove(root);
                    if matches!(assignment.1.lhs, Expr::Variable(..)) {
                        vars.remove(root);
                    }
                }
            }
            Some(ASTNode::Expr(dot @ (Expr::Dot(binary, ..) | Expr::Index(binary, ..))))
                if !matches!(
                    binary.lhs,
                    Expr::Property(..) | Expr::StringConstant(..) | Expr::MethodCall(..)
                ) =>
            {
                // `x.Member = …` writes a member (a map of the runbook's own); only reads
                // are checked against the response shape.
                let assigned = matches!(
                    path.len().checked_sub(2).and_then(|i| path.get(i)),
                    Some(ASTNode::Stmt(Stmt::Assignment(a))) if std::ptr::eq(&a.1.lhs, *dot)
                );
                if !assigned {
                    schema::known(dot, vars, &mut here);
                }
            }
            Some(ASTNode::Expr(call @ Expr::FnCall(c, pos))) => {
                call_site(call, c, *pos, &literals, vars, functions, &mut here);
            }
            Some(ASTNode::Stmt(Stmt::FnCall(c, pos))) => {
                let call = Expr::FnCall(c.clone(), *pos);
                call_site(&call, c, *pos, &literals, vars, functions, &mut here);
            }
            // A closure anywhere, a function named as a value: called in ways not followed.
            Some(ASTNode::Expr(e)) => {
                let pointer = match e {
                    Expr::Variable(v, _, pos) if functions.contains(v.1.as_str()) => {
                        Some((v.1.to_string(), *pos))
                    }
                    e => schema::closure(e).map(|(name, pos, _)| (name, pos)),
                };
                if let Some((function, pos)) = pointer {
                    here.sites.push(seen_only(function, pos));
                }
            }
            _ => {}
        }
        found.sites.append(&mut here.sites);
        if !(in_try && within == Within::OutsideTry) {
            found.findings.append(&mut here.findings);
        }
        true
    });
}

/// A call: an operation's request is checked; a call to one of the runbook's functions is a
/// [`schema::Site`]; `Fn("name")` takes a pointer to one.
fn call_site(
    call: &Expr,
    c: &rhai::FnCallExpr,
    pos: rhai::Position,
    literals: &HashMap<String, Expr>,
    vars: &Bindings,
    functions: &HashSet<&str>,
    here: &mut schema::Found,
) {
    if let Some(op) = schema::called_operation(call) {
        schema::check_call(op, &c.args, literals, vars, here);
        return;
    }
    if !c.namespace.is_empty() {
        return;
    }
    if c.name == "Fn"
        && let [Expr::StringConstant(name, pos)] = c.args.as_slice()
    {
        here.sites.push(seen_only(name.to_string(), *pos));
    } else if functions.contains(c.name.as_str()) {
        let args = c
            .args
            .iter()
            .map(|a| schema::known(a, vars, &mut schema::Found::default()))
            .collect();
        here.sites.push(schema::Site {
            function: c.name.to_string(),
            arity: Some(c.args.len()),
            pos,
            args,
            seen_only: false,
        });
    }
}

fn seen_only(function: String, pos: rhai::Position) -> schema::Site {
    schema::Site {
        function,
        arity: None,
        pos,
        args: Vec::new(),
        seen_only: true,
    }
}

/// A literal value a variable can be bound to (and the checker then knows).
fn is_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Map(..)
            | Expr::Array(..)
            | Expr::StringConstant(..)
            | Expr::IntegerConstant(..)
            | Expr::FloatConstant(..)
            | Expr::BoolConstant(..)
    )
}

/// The variable an assignment's target starts from (`x`, `x.A.B`, `x[0].A`).
fn root_variable(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Variable(v, ..) => Some(v.1.as_str()),
        Expr::Dot(binary, ..) | Expr::Index(binary, ..) => root_variable(&binary.lhs),
        _ => None,
    }
}

/// A problem at a place in a runbook.
fn problem(file: &std::path::Path, pos: rhai::Position, message: impl Into<String>) -> Error {
    Error::Script {
        location: Location {
            file: file.display().to_string(),
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
            called_from: Vec::new(),
        },
        message: message.into(),
    }
}

/// The functions of a module a runbook imports (found as running it finds it), with their
/// argument counts; `None` if it cannot be found or parsed (running it will say why).
fn module_functions(
    runbook: &Runbook,
    dir: Option<&std::path::Path>,
    name: &str,
) -> Option<Vec<(String, usize)>> {
    let source = crate::modules::locate(dir, None, name)
        .ok()?
        .source()
        .ok()?;
    let ast = runbook.engine.compile(&source).ok()?;
    Some(
        ast.iter_functions()
            .filter(|f| f.access != rhai::FnAccess::Private)
            .map(|f| (f.name.to_string(), f.params.len()))
            .collect(),
    )
}

/// What is wrong with a call, if anything. `lone_literal`: the only argument is a literal value,
/// which is a request only for operations whose positional form takes one argument.
/// (An operation is judged from its own facts; the catalog, slower to build, only for helpers.)
fn check_call(
    engine: &rhai::Engine,
    namespace: &str,
    name: &str,
    arity: usize,
    lone_literal: bool,
) -> Option<String> {
    let (arities, signature) = match crate::aws::find_operation(namespace, name) {
        Some(op) => {
            let takes_one_value = crate::aws::forms::forms(op).of_len(1).is_some();
            if lone_literal && !takes_one_value {
                return Some(format!(
                    "{namespace}::{name} takes a request map or its positional form, not one value; call it as {}",
                    functions::op_signature(op)
                ));
            }
            (functions::arities(op), functions::op_signature(op))
        }
        None => {
            let in_ns: Vec<&FnInfo> = functions::catalog(engine)
                .iter()
                .filter(|f| f.namespace == namespace)
                .collect();
            let Some(info) = in_ns.iter().find(|f| f.name == name) else {
                let hint = crate::aws::names::closest(name, in_ns.iter().map(|f| f.name))
                    .map(|c| format!(" (did you mean {namespace}::{c}?)"))
                    .unwrap_or_default();
                return Some(format!("unknown function {namespace}::{name}{hint}"));
            };
            (info.arities.clone(), info.signature.clone())
        }
    };
    if arities.contains(&arity) {
        return None;
    }
    Some(format!(
        "{namespace}::{name} does not take {arity} argument{}; call it as {signature}",
        if arity == 1 { "" } else { "s" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names `run` accepts for plain calls come from Rhai's signatures alone: every helper
    /// the catalog lists (`ops`, the REPL's completion) must be among them.
    #[test]
    fn every_global_helper_is_a_known_name() {
        let runbook = Runbook::new(
            Settings::default(),
            rhai::Map::new(),
            crate::context::Safety::interactive(false),
        )
        .unwrap();
        let names = global_names(&runbook);
        let missing: Vec<&str> = functions::catalog(&runbook.engine)
            .iter()
            .filter(|f| f.namespace.is_empty() && !names.contains(f.name))
            .map(|f| f.name)
            .collect();
        assert!(
            missing.is_empty(),
            "not among the global names: {missing:?}"
        );
        assert!(names.contains("assert_eq") && names.contains("runbook"));
    }
}
