//! Which `--var`s a runbook sends as secrets: found in the runbook before it runs, so that the
//! journal's first line masks them (it is written before the call that sends them).
//!
//! A `--var` is read with `param("NAME")`, `vars.NAME` or `vars["NAME"]`; it is sent as a
//! secret when such a read (directly, or through variables `let`-bound from it) is the value
//! of a secret-named member of a map (`Password:`, `TemporaryPassword:`, `AuthParameters:`…)
//! or a shorthand's secret argument (`admin_set_user_password(pool, user, param("pw"), true)`).

use std::collections::{HashMap, HashSet};

use rhai::{ASTNode, Expr, Stmt};

use crate::functions;
use crate::value::is_secret_key;

/// The `--var` names a runbook sends as secret members.
pub fn secret_vars(ast: &rhai::AST) -> HashSet<String> {
    let positions = functions::secret_positions();
    // The runbook's own functions: a `--var` passed to one is bound to its parameter (the main
    // body is walked before the functions' bodies).
    let own: HashMap<String, Vec<String>> = ast
        .iter_functions()
        .map(|f| {
            (
                f.name.to_string(),
                f.params.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect();
    let mut bound: HashMap<String, HashSet<String>> = HashMap::new();
    let mut secret = HashSet::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) => {
                let read = reads(&var.1, &bound);
                bound
                    .entry(var.0.name.to_string())
                    .or_default()
                    .extend(read);
            }
            Some(ASTNode::Expr(Expr::Map(map, _))) => {
                for (key, value) in map.0.iter() {
                    if is_secret_key(key.name.as_str()) {
                        secret.extend(reads(value, &bound));
                    }
                }
            }
            Some(ASTNode::Expr(Expr::FnCall(call, _)) | ASTNode::Stmt(Stmt::FnCall(call, _))) => {
                if let Some(params) = own
                    .get(call.name.as_str())
                    .filter(|p| p.len() == call.args.len())
                {
                    for (param, arg) in params.iter().zip(call.args.iter()) {
                        let read = reads(arg, &bound);
                        bound.entry(param.clone()).or_default().extend(read);
                    }
                }
                for (name, index, _) in &positions {
                    if call.name.as_str() == *name
                        && let Some(arg) = call.args.get(*index)
                    {
                        secret.extend(reads(arg, &bound));
                    }
                }
            }
            _ => {}
        }
        true
    });
    secret
}

/// The `--var`s an expression reads, also through variables bound from them.
fn reads(expr: &Expr, bound: &HashMap<String, HashSet<String>>) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut path = Vec::new();
    expr.walk(&mut path, &mut |nodes: &[ASTNode]| {
        match nodes.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, _)))
                if call.name.as_str() == "param" && call.namespace.is_empty() =>
            {
                if let Some(Expr::StringConstant(name, _)) = call.args.first() {
                    out.insert(name.to_string());
                }
            }
            Some(ASTNode::Expr(Expr::Dot(binary, ..) | Expr::Index(binary, ..)))
                if matches!(&binary.lhs, Expr::Variable(v, ..) if v.1.as_str() == "vars") =>
            {
                match &binary.rhs {
                    Expr::Property(p, _) => {
                        out.insert(p.2.to_string());
                    }
                    Expr::StringConstant(name, _) => {
                        out.insert(name.to_string());
                    }
                    _ => {}
                }
            }
            Some(ASTNode::Expr(Expr::Variable(v, ..))) => {
                if let Some(from) = bound.get(v.1.as_str()) {
                    out.extend(from.iter().cloned());
                }
            }
            _ => {}
        }
        true
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(script: &str) -> Vec<String> {
        let mut engine = rhai::Engine::new();
        engine.set_optimization_level(rhai::OptimizationLevel::None);
        let ast = engine.compile(script).expect("parses");
        let mut names: Vec<String> = secret_vars(&ast).into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn vars_sent_as_secret_members_are_found() {
        assert_eq!(
            found(r#"cognito::admin_set_user_password(p, "u", param("pw"), true);"#),
            ["pw"]
        );
        assert_eq!(
            found(
                r#"let initial = param("first");
                   let p2 = initial;
                   cognito::admin_create_user(#{ UserPoolId: p, Username: param("user"), TemporaryPassword: p2 });
                   cognito::admin_initiate_auth(#{ AuthParameters: #{ PASSWORD: vars.secret_pw, USERNAME: vars["name"] } });"#
            ),
            ["first", "name", "secret_pw"]
        );
        assert_eq!(
            found(
                r#"fn set(pool, pw) { cognito::admin_set_user_password(pool, "u", pw, true); }
                   set("p", param("through_a_function"));"#
            ),
            ["through_a_function"]
        );
        assert!(found(r#"cognito::create_user_pool(param("pool_name"));"#).is_empty());
    }
}
