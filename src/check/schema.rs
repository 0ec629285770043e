//! What `check` knows of the API: request map literals and response member reads, checked
//! against the operations' shapes without sending anything.
//!
//! - A map literal passed to an operation (directly, or bound with `let` and passed later) is
//!   checked at any depth: unknown members (with the closest name), literal values of the wrong
//!   type, enum literals that are not a valid value, and required members the literal leaves
//!   out (positional arguments of a shorthand count as given).
//! - A member read from a call's result (`cognito::create_user_pool(…).UserPool.ID`), also
//!   through a `let` bound to the call or to part of its result, must be a member of the
//!   response shape.
//!
//! Only what is written literally is judged: a value computed at run time is left to the
//! run-time check, which refuses it before sending.

use std::collections::HashMap;

use rhai::{Expr, Position};

use crate::aws::names::closest;
use crate::aws::shape::{Shape, Ty};
use crate::aws::{self, Operation};
use crate::functions;

/// One problem, where it is.
pub struct Finding {
    pub pos: Position,
    pub message: String,
}

/// What a script value is known to be, statically.
#[derive(Clone, Copy)]
pub enum Known {
    Shape(&'static Shape),
    Ty(&'static Ty),
}

impl Known {
    /// The structure behind this value, if it is one.
    fn shape(self) -> Option<&'static Shape> {
        match self {
            Known::Shape(s) => Some(s),
            Known::Ty(Ty::Struct(s)) => Some(*s),
            _ => None,
        }
    }

    /// What one element of this value is, if it is a list (`for u in r.Users`).
    pub fn element(self) -> Option<Known> {
        match self {
            Known::Ty(Ty::List(item)) => Some(Known::Ty(item)),
            _ => None,
        }
    }
}

fn did_you_mean(found: Option<&str>) -> String {
    found
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The literal kind of an expression, if it is a literal.
fn literal_kind(expr: &Expr) -> Option<&'static str> {
    Some(match expr {
        Expr::StringConstant(..) | Expr::InterpolatedString(..) => "a string",
        Expr::IntegerConstant(..) => "an integer",
        Expr::FloatConstant(..) => "a float",
        Expr::BoolConstant(..) => "a boolean",
        Expr::Array(..) => "an array",
        Expr::Map(..) => "a map",
        _ => return None,
    })
}

/// Checks the request an operation call passes: its map literal, or a shorthand's positional
/// arguments followed by one.
pub fn check_call(
    op: &'static Operation,
    args: &[Expr],
    maps: &HashMap<String, Expr>,
    out: &mut Vec<Finding>,
) {
    let resolve = |e: &Expr| -> Option<Expr> {
        match e {
            Expr::Map(..) => Some(e.clone()),
            Expr::Variable(v, _, _) => maps.get(v.1.as_str()).cloned(),
            _ => None,
        }
    };
    let short = functions::shorthand(op);
    let (given, map): (Vec<&str>, Option<Expr>) = match args {
        [one] => match resolve(one) {
            Some(map) => (vec![], Some(map)),
            None => return,
        },
        _ => {
            let forms = short.map(|s| s.forms).unwrap_or(&[]);
            let (positional, map) = match args.last().and_then(resolve) {
                Some(map) if forms.iter().any(|f| f.len() + 1 == args.len()) => {
                    (args.len() - 1, Some(map))
                }
                _ => (args.len(), None),
            };
            match forms.iter().find(|f| f.len() == positional) {
                Some(form) => (form.to_vec(), map),
                None => return, // the arity check reports it
            }
        }
    };
    let mut given = given;
    if let Some(s) = short {
        given.extend(s.defaults.iter().map(|(k, _)| *k));
    }
    if let Some(map) = map {
        check_struct(op.input, &map, "", &given, out);
    }
}

fn check_struct(shape: &Shape, expr: &Expr, path: &str, given: &[&str], out: &mut Vec<Finding>) {
    let Expr::Map(map, pos) = expr else {
        return;
    };
    for (key, value) in &map.0 {
        let Some(member) = shape.member(&key.name) else {
            out.push(Finding {
                pos: key.pos,
                message: format!(
                    "unknown request key \"{}\"{} in {}",
                    join(path, &key.name),
                    did_you_mean(closest(&key.name, shape.members.iter().map(|m| m.name))),
                    shape.name
                ),
            });
            continue;
        };
        check_value(&member.ty, value, &join(path, &key.name), out);
    }
    for member in shape.members.iter().filter(|m| m.required) {
        let present =
            map.0.iter().any(|(k, _)| k.name == member.name) || given.contains(&member.name);
        if !present {
            out.push(Finding {
                pos: *pos,
                message: format!(
                    "missing required key \"{}\" in {}",
                    join(path, member.name),
                    shape.name
                ),
            });
        }
    }
}

fn check_value(ty: &Ty, expr: &Expr, path: &str, out: &mut Vec<Finding>) {
    let Some(kind) = literal_kind(expr) else {
        return; // computed at run time
    };
    let expected = match ty {
        Ty::String | Ty::Blob => (kind == "a string").then_some(()).ok_or("a string"),
        Ty::Enum(values) => match expr {
            Expr::StringConstant(s, pos) => {
                let valid = values();
                if !valid.contains(&s.as_str()) {
                    out.push(Finding {
                        pos: *pos,
                        message: format!(
                            "request key \"{path}\" has invalid value \"{s}\"{}; valid values: {}",
                            did_you_mean(closest(s, valid.iter().copied())),
                            valid.join(", ")
                        ),
                    });
                }
                Ok(())
            }
            _ if kind == "a string" => Ok(()),
            _ => Err("a string"),
        },
        Ty::Boolean => (kind == "a boolean").then_some(()).ok_or("a boolean"),
        Ty::Integer | Ty::Long => (kind == "an integer").then_some(()).ok_or("an integer"),
        Ty::Double => ["an integer", "a float"]
            .contains(&kind)
            .then_some(())
            .ok_or("a number"),
        Ty::Timestamp => ["a string", "an integer", "a float"]
            .contains(&kind)
            .then_some(())
            .ok_or("an ISO 8601 date-time or epoch seconds"),
        Ty::Json => ["a string", "a map"]
            .contains(&kind)
            .then_some(())
            .ok_or("a JSON document (a map or a JSON string)"),
        Ty::Document => Ok(()),
        Ty::Struct(shape) => {
            if kind == "a map" {
                check_struct(shape, expr, path, &[], out);
                Ok(())
            } else {
                Err("a map")
            }
        }
        Ty::List(item) => match expr {
            Expr::Array(items, _) => {
                for (i, e) in items.iter().enumerate() {
                    check_value(item, e, &format!("{path}[{i}]"), out);
                }
                Ok(())
            }
            _ => Err("an array"),
        },
        Ty::Map(item) => match expr {
            Expr::Map(map, _) => {
                for (k, v) in &map.0 {
                    check_value(item, v, &join(path, &k.name), out);
                }
                Ok(())
            }
            _ => Err("a map"),
        },
    };
    if let Err(expected) = expected {
        out.push(Finding {
            pos: expr.position(),
            message: format!("request key \"{path}\" must be {expected}, not {kind}"),
        });
    }
}

/// The operation an expression calls (`cognito::describe_user_pool(…)`), if any.
pub fn called_operation(expr: &Expr) -> Option<&'static Operation> {
    let Expr::FnCall(call, _) = expr else {
        return None;
    };
    if call.namespace.is_empty() {
        return None;
    }
    aws::find_operation(call.namespace.root(), &call.name)
}

/// What an expression is known to be: an operation's response, a variable bound to one, or a
/// member chain of either. Reading an unknown member reports it.
pub fn known(expr: &Expr, vars: &HashMap<String, Known>, out: &mut Vec<Finding>) -> Option<Known> {
    match expr {
        Expr::FnCall(..) => called_operation(expr).map(|op| Known::Shape(op.output)),
        Expr::Variable(v, _, _) => vars.get(v.1.as_str()).copied(),
        Expr::Dot(binary, _, _) => {
            let base = known(&binary.lhs, vars, out)?;
            follow(base, &binary.rhs, out)
        }
        // `users[0]`, `users[0].Username`: an element of a known list, and what follows it.
        Expr::Index(binary, _, _) => {
            let list = known(&binary.lhs, vars, out)?;
            after_index(list, &binary.rhs, out)
        }
        _ => None,
    }
}

/// Follows `.Member` (and `.Member.Member…`) from a known value.
fn follow(base: Known, rhs: &Expr, out: &mut Vec<Finding>) -> Option<Known> {
    match rhs {
        Expr::Property(prop, pos) => member(base, prop.2.as_str(), *pos, out),
        Expr::Dot(binary, _, _) => {
            let next = follow(base, &binary.lhs, out)?;
            follow(next, &binary.rhs, out)
        }
        // `.Users[0]`, `.Users[0].Username`: the member, one of its elements, what follows.
        Expr::Index(binary, _, _) => {
            let list = follow(base, &binary.lhs, out)?;
            after_index(list, &binary.rhs, out)
        }
        _ => None,
    }
}

/// Rhai chains `list[i].Rest` as `Index { list, Dot { i, Rest } }`: an element of `list`, then
/// the members read from it.
fn after_index(list: Known, rhs: &Expr, out: &mut Vec<Finding>) -> Option<Known> {
    // The index itself: `list[0]`, or a member named by a string (`p["UserPool"]`).
    let index = match rhs {
        Expr::Dot(rest, _, _) | Expr::Index(rest, _, _) => &rest.lhs,
        other => other,
    };
    let item = match index {
        Expr::StringConstant(name, pos) if list.shape().is_some() => {
            member(list, name.as_str(), *pos, out)?
        }
        _ => list.element()?,
    };
    match rhs {
        Expr::Dot(rest, _, _) => follow(item, &rest.rhs, out),
        Expr::Index(rest, _, _) => after_index(item, &rest.rhs, out),
        _ => Some(item),
    }
}

fn member(base: Known, name: &str, pos: Position, out: &mut Vec<Finding>) -> Option<Known> {
    let shape = base.shape()?;
    match shape.member(name) {
        Some(m) => Some(Known::Ty(&m.ty)),
        None => {
            out.push(Finding {
                pos,
                message: format!(
                    "{} has no member \"{name}\"{}; its members: {}",
                    shape.name,
                    did_you_mean(closest(name, shape.members.iter().map(|m| m.name))),
                    shape
                        .members
                        .iter()
                        .map(|m| m.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            None
        }
    }
}
