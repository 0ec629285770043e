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
//! - Values are followed into closures handed to list methods (`r.Users.map(|u| u.Username)`,
//!   `filter`, `find`, `all`, `reduce`, `sort`…, and the variables a closure captures) and into
//!   the runbook's own functions from their call sites: a parameter is known when every call
//!   passes the same kind of value ([`Site`]).
//! - Positional arguments of a shorthand must be of the member's kind (`admin_get_user(pool, 42)`),
//!   and a lone argument that is known not to be a map is no request.
//!
//! Only what is written literally, or read from a known response, is judged: a value computed at
//! run time is left to the run-time check, which refuses it before sending.

use crate::aws::shape::kind_mismatch;
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

/// What a walk found: problems, and the places values flow into the runbook's functions.
#[derive(Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub sites: Vec<Site>,
}

/// A place that hands values to a function of the runbook: a call (`show(r)`), or a closure
/// given to a list method (`r.Users.map(|u| …)`).
pub struct Site {
    /// The function (a closure's is the name Rhai generated for it).
    pub function: String,
    /// `Some(n)`: a call with n arguments; `None`: a closure or a function pointer, whatever
    /// its arity.
    pub arity: Option<usize>,
    /// Where: a site looked at twice counts once.
    pub pos: Position,
    /// What each parameter receives, by index (`None`: not known).
    pub args: Vec<Option<Known>>,
    /// Only seen, not followed (a pointer taken, a closure given to something unknown): its
    /// parameters may receive anything.
    pub seen_only: bool,
}

/// What a script value is known to be, statically.
#[derive(Clone, Copy)]
pub enum Known {
    Shape(&'static Shape),
    Ty(&'static Ty),
}

impl PartialEq for Known {
    fn eq(&self, other: &Self) -> bool {
        match (self.shape(), other.shape(), self, other) {
            (Some(a), Some(b), ..) => a.name == b.name,
            (None, None, Known::Ty(a), Known::Ty(b)) => same_ty(a, b),
            _ => false,
        }
    }
}

/// Whether two types are the same (structures by name).
fn same_ty(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Struct(a), Ty::Struct(b)) => a.name == b.name,
        (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => same_ty(a, b),
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

impl Known {
    /// What kind of script value this is, as messages name it (`None`: it may be several).
    pub fn kind(self) -> Option<&'static str> {
        match self {
            Known::Shape(_) => Some("a map"),
            Known::Ty(ty) => match ty {
                Ty::String | Ty::Enum(_) => Some("a string"),
                Ty::Boolean => Some("a boolean"),
                Ty::Integer | Ty::Long => Some("an integer"),
                Ty::Struct(_) | Ty::Map(_) => Some("a map"),
                Ty::List(_) => Some("an array"),
                _ => None,
            },
        }
    }

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
/// arguments (of the members' kinds) followed by one. `literals`: the literal values variables
/// were bound to; `vars`: what others are known to hold.
pub fn check_call(
    op: &'static Operation,
    args: &[Expr],
    literals: &HashMap<String, Expr>,
    vars: &HashMap<String, Known>,
    out: &mut Found,
) {
    let literal = |e: &Expr| -> Option<Expr> {
        match e {
            Expr::Variable(v, _, _) => literals.get(v.1.as_str()).cloned(),
            e => literal_kind(e).is_some().then(|| e.clone()),
        }
    };
    let resolve = |e: &Expr| literal(e).filter(|e| matches!(e, Expr::Map(..)));
    // The kind of value an argument is, if known: from a literal or a known response.
    let kind_of = |e: &Expr| -> Option<&'static str> {
        match literal(e) {
            Some(lit) => literal_kind(&lit),
            None => known(e, vars, &mut Found::default()).and_then(Known::kind),
        }
    };
    let forms = crate::aws::forms::forms(op);
    let (given, map): (Vec<&str>, Option<Expr>) = match args {
        [one] => match resolve(one) {
            Some(map) => (vec![], Some(map)),
            None => {
                let kind = kind_of(one);
                match forms.of_len(1) {
                    Some(form) if kind != Some("a map") => {
                        check_positional(op, form, args, kind_of, out)
                    }
                    // A literal is reported by the arity check (`check`'s function problems).
                    None if kind.is_some_and(|k| k != "a map") && literal_kind(one).is_none() => {
                        out.findings.push(Finding {
                            pos: one.position(),
                            message: format!(
                                "{}::{} takes a request map or its positional form, not one value ({} is {}); call it as {}",
                                op.namespace,
                                op.name,
                                shown(one),
                                kind.unwrap_or("a value"),
                                functions::op_signature(op)
                            ),
                        })
                    }
                    _ => {}
                }
                return;
            }
        },
        _ => {
            // As the engine reads it (`Forms::split`), a literal map being a map.
            let last = args.last().and_then(resolve);
            match forms.split(op, args.len(), last.is_some()) {
                Some((form, takes_rest)) => {
                    check_positional(op, form, args, kind_of, out);
                    (form.to_vec(), last.filter(|_| takes_rest))
                }
                None => return, // the arity check reports it
            }
        }
    };
    let mut given = given;
    given.extend(forms.defaults.iter().map(|(k, _)| *k));
    if let Some(map) = map {
        check_struct(op.input, &map, "", &given, &mut out.findings);
    }
}

/// How an argument is named in a message: the variable's name, or the expression's kind.
fn shown(e: &Expr) -> String {
    match e {
        Expr::Variable(v, _, _) => v.1.to_string(),
        _ => "it".to_string(),
    }
}

/// Positional arguments must be of their members' kinds (`admin_get_user(pool, 42)`: a
/// username is a string).
fn check_positional(
    op: &'static Operation,
    form: &[&str],
    args: &[Expr],
    kind_of: impl Fn(&Expr) -> Option<&'static str>,
    out: &mut Found,
) {
    for (i, (name, arg)) in form.iter().zip(args).enumerate() {
        let (Some(member), Some(kind)) = (op.input.member(name), kind_of(arg)) else {
            continue;
        };
        if let Some(expected) = kind_mismatch(&member.ty, kind) {
            out.findings.push(Finding {
                pos: arg.position(),
                message: format!(
                    "argument {} of {}::{} ({}) must be {expected}, not {kind}{}; call it as {}",
                    i + 1,
                    op.namespace,
                    op.name,
                    crate::aws::names::snake(name),
                    match arg {
                        Expr::Variable(v, _, _) => format!(" ({} is {kind})", v.1),
                        _ => String::new(),
                    },
                    functions::op_signature(op)
                ),
            });
        }
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
    match (ty, expr) {
        (Ty::Enum(values), Expr::StringConstant(s, pos)) => {
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
            return;
        }
        (Ty::Struct(shape), Expr::Map(..)) => return check_struct(shape, expr, path, &[], out),
        (Ty::List(item), Expr::Array(items, _)) => {
            for (i, e) in items.iter().enumerate() {
                check_value(item, e, &format!("{path}[{i}]"), out);
            }
            return;
        }
        (Ty::Map(item), Expr::Map(map, _)) => {
            for (k, v) in &map.0 {
                check_value(item, v, &join(path, &k.name), out);
            }
            return;
        }
        _ => {}
    }
    if let Some(expected) = kind_mismatch(ty, kind) {
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
/// member chain of either (through list methods too). Reading an unknown member reports it;
/// closures handed to list methods are recorded as [`Site`]s.
pub fn known(expr: &Expr, vars: &HashMap<String, Known>, out: &mut Found) -> Option<Known> {
    match expr {
        Expr::FnCall(..) => called_operation(expr).map(|op| Known::Shape(op.output)),
        Expr::Variable(v, _, _) => vars.get(v.1.as_str()).copied(),
        Expr::Dot(binary, _, _) => {
            let base = known(&binary.lhs, vars, out)?;
            follow(base, &binary.rhs, vars, out)
        }
        // `users[0]`, `users[0].Username`: an element of a known list, and what follows it.
        Expr::Index(binary, _, _) => {
            let list = known(&binary.lhs, vars, out)?;
            after_index(list, &binary.rhs, vars, out)
        }
        _ => None,
    }
}

/// Follows `.Member` (and `.Member.Member…`, `.method(…)`) from a known value.
fn follow(
    base: Known,
    rhs: &Expr,
    vars: &HashMap<String, Known>,
    out: &mut Found,
) -> Option<Known> {
    match rhs {
        Expr::Property(prop, pos) => member(base, prop.2.as_str(), *pos, &mut out.findings),
        Expr::MethodCall(call, _) => method(base, call, vars, out),
        Expr::Dot(binary, _, _) => {
            let next = follow(base, &binary.lhs, vars, out)?;
            follow(next, &binary.rhs, vars, out)
        }
        // `.Users[0]`, `.Users[0].Username`: the member, one of its elements, what follows.
        Expr::Index(binary, _, _) => {
            let list = follow(base, &binary.lhs, vars, out)?;
            after_index(list, &binary.rhs, vars, out)
        }
        _ => None,
    }
}

/// Rhai chains `list[i].Rest` as `Index { list, Dot { i, Rest } }`: an element of `list`, then
/// the members read from it.
fn after_index(
    list: Known,
    rhs: &Expr,
    vars: &HashMap<String, Known>,
    out: &mut Found,
) -> Option<Known> {
    // The index itself: `list[0]`, or a member named by a string (`p["UserPool"]`).
    let index = match rhs {
        Expr::Dot(rest, _, _) | Expr::Index(rest, _, _) => &rest.lhs,
        other => other,
    };
    let item = match index {
        Expr::StringConstant(name, pos) if list.shape().is_some() => {
            member(list, name.as_str(), *pos, &mut out.findings)?
        }
        _ => list.element()?,
    };
    match rhs {
        Expr::Dot(rest, _, _) => follow(item, &rest.rhs, vars, out),
        Expr::Index(rest, _, _) => after_index(item, &rest.rhs, vars, out),
        _ => Some(item),
    }
}

/// What a list method returns, as far as it is known.
enum Returns {
    /// A list like the receiver (`filter`, `extract`).
    Same,
    /// One of its elements (`find`, `get`, `pop`).
    Element,
    Unknown,
}

/// A method called on a known value: a closure given to a list method receives its elements
/// (recorded as a [`Site`]); what the method returns, if known.
fn method(
    base: Known,
    call: &rhai::FnCallExpr,
    vars: &HashMap<String, Known>,
    out: &mut Found,
) -> Option<Known> {
    let element = base.element()?;
    // Which of the closure's own parameters receive elements (Rhai's array package).
    let (elements, returns): (&[usize], Returns) = match call.name.as_str() {
        "map" | "find_map" | "some" | "all" | "index_of" => (&[0], Returns::Unknown),
        "filter" | "drain" | "retain" => (&[0], Returns::Same),
        "find" => (&[0], Returns::Element),
        "reduce" | "reduce_rev" => (&[1], Returns::Unknown),
        "sort" | "sort_by" | "dedup" => (&[0, 1], Returns::Unknown),
        "order" | "order_by" => (&[0, 1], Returns::Same),
        "get" | "pop" | "shift" | "remove" => (&[], Returns::Element),
        "extract" | "split" | "sort_desc" | "order_desc" => (&[], Returns::Same),
        // `for_each` binds the element to `this`, its parameter is the index.
        _ => (&[], Returns::Unknown),
    };
    if let Some((function, pos, captured)) = call.args.first().and_then(closure) {
        let mut args: Vec<Option<Known>> = captured
            .iter()
            .map(|e| known(e, vars, &mut Found::default()))
            .collect();
        let own = captured.len();
        for &i in elements {
            args.resize(args.len().max(own + i + 1), None);
            args[own + i] = Some(element);
        }
        out.sites.push(Site {
            function,
            arity: None,
            pos,
            args,
            seen_only: false,
        });
    }
    match returns {
        Returns::Same => Some(base),
        Returns::Element => Some(element),
        Returns::Unknown => None,
    }
}

/// A closure literal (`|u| …`): the name Rhai gave its function, where it is written, and the
/// variables it captures (its first parameters).
pub fn closure(expr: &Expr) -> Option<(String, Position, Vec<&Expr>)> {
    match expr {
        Expr::DynamicConstant(value, pos) => {
            let name = value.read_lock::<rhai::FnPtr>()?.fn_name().to_string();
            name.starts_with("anon$").then(|| (name, *pos, Vec::new()))
        }
        // A closure that captures: `{ share(captured…); curry(<closure>, captured…) }`.
        Expr::Stmt(block) => {
            let Some(rhai::Stmt::Expr(e)) = block.statements().last() else {
                return None;
            };
            let Expr::FnCall(call, _) = &**e else {
                return None;
            };
            let (first, captured) = call.args.split_first()?;
            if call.name != "curry" {
                return None;
            }
            let (name, pos, _) = closure(first)?;
            Some((name, pos, captured.iter().collect()))
        }
        _ => None,
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
