//! `runbook check`: parse runbooks and check every `cognito::`/`iam::`/`sts::` call names a
//! registered function with an argument count it accepts. Nothing is sent.

use std::path::PathBuf;

use rhai::{ASTNode, Expr, Stmt};

use crate::aws::Settings;
use crate::engine::Runbook;
use crate::error::{Error, Location};
use crate::functions::{self, FnInfo};

const NAMESPACES: &[&str] = &["cognito", "iam", "sts"];

/// Checks each file; prints `ok` lines to stderr and returns every problem found.
pub fn check_files(files: &[PathBuf]) -> Result<(), Error> {
    let runbook = Runbook::new(Settings::default(), rhai::Map::new())?;
    let catalog = functions::catalog();
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
        ast.walk(&mut |path: &[ASTNode]| {
            let found = match path.last() {
                Some(ASTNode::Expr(Expr::FnCall(call, pos))) => Some((call, pos)),
                Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => Some((call, pos)),
                _ => None,
            };
            let Some((call, pos)) = found.filter(|(call, _)| !call.namespace.is_empty()) else {
                return true;
            };
            let namespace = call.namespace.root();
            if !NAMESPACES.contains(&namespace) {
                return true;
            }
            let lone_literal = matches!(
                call.args.as_slice(),
                [Expr::StringConstant(..) | Expr::IntegerConstant(..) | Expr::BoolConstant(..)]
            );
            if let Some(message) = check_call(
                &catalog,
                namespace,
                &call.name,
                call.args.len(),
                lone_literal,
            ) {
                problems.push(Error::Script {
                    location: Location {
                        file: file.display().to_string(),
                        line: pos.line().unwrap_or(0),
                        column: pos.position().unwrap_or(0),
                    },
                    message,
                });
            }
            true
        });
        if problems.len() == before {
            eprintln!("ok: {}", file.display());
        }
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        _ => Err(Error::Check(problems)),
    }
}

/// What is wrong with a call, if anything. `lone_literal`: the only argument is a literal value,
/// which is a request only for operations whose shorthand takes one positional argument.
fn check_call(
    catalog: &[FnInfo],
    namespace: &str,
    name: &str,
    arity: usize,
    lone_literal: bool,
) -> Option<String> {
    let in_ns: Vec<&FnInfo> = catalog
        .iter()
        .filter(|f| f.namespace == namespace)
        .collect();
    let Some(info) = in_ns.iter().find(|f| f.name == name) else {
        let hint = crate::aws::shape::closest(name, in_ns.iter().map(|f| f.name))
            .map(|c| format!(" (did you mean {namespace}::{c}?)"))
            .unwrap_or_default();
        return Some(format!("unknown function {namespace}::{name}{hint}"));
    };
    let takes_one_value = crate::aws::find_operation(namespace, name)
        .and_then(functions::shorthand)
        .is_none_or(|s| s.forms.iter().any(|f| f.len() == 1));
    if lone_literal && !takes_one_value {
        return Some(format!(
            "{namespace}::{name} takes a request map or its positional form, not one value; call it as {}",
            info.signature
        ));
    }
    if info.arities.contains(&arity) {
        return None;
    }
    Some(format!(
        "{namespace}::{name} does not take {arity} argument{}; call it as {}",
        if arity == 1 { "" } else { "s" },
        info.signature
    ))
}
