//! What the REPL's line editor knows: Tab completes namespaces, functions, variables and
//! `:commands`, and — inside the request map of an operation's call — that operation's member
//! names (of the structure the cursor is in) and, after `Member: "`, its enum values; a hint
//! shows the signature and required members of the call being typed.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::aws::shape::{Shape, Ty};
use crate::aws::{self, Operation};
use crate::functions;

/// The REPL's `:commands`.
pub const COMMANDS: &[&str] = &[
    ":help", ":ops", ":vars", ":output", ":history", ":save", ":load", ":quit",
];

/// The line editor's helper.
pub struct Assist {
    /// Every function as a script names it, and the namespaces (`cognito::`).
    names: Vec<String>,
    /// Helpers (not operations): qualified name → their parameters and options, as hinted.
    helpers: std::collections::HashMap<String, String>,
    /// Each function's one-line doc, by its qualified name.
    docs: std::collections::HashMap<String, &'static str>,
    /// The session's variables with a one-line summary of each, refreshed after each statement.
    pub vars: Rc<RefCell<Vec<(String, String)>>>,
}

impl Assist {
    pub fn new(catalog: &[functions::FnInfo]) -> Self {
        let mut names: Vec<String> = catalog.iter().map(functions::FnInfo::qualified).collect();
        for ns in ["cognito::", "iam::", "sts::", "aws::"] {
            names.push(ns.to_string());
        }
        names.sort();
        names.dedup();
        let helpers = catalog
            .iter()
            .filter(|f| f.op.is_none())
            .map(|f| {
                let params = f
                    .signature
                    .split_once('(')
                    .map_or(String::new(), |(_, rest)| rest.to_string());
                let options = f.options();
                let hint = if options.is_empty() {
                    params
                } else {
                    format!("{params}  options: {}", options.join(", "))
                };
                (f.qualified(), hint)
            })
            .collect();
        let docs = catalog.iter().map(|f| (f.qualified(), f.doc)).collect();
        Self {
            names,
            helpers,
            docs,
            vars: Rc::default(),
        }
    }
}

/// Candidates as Tab lists them: each name, then its one-line doc (or a variable's summary)
/// where the terminal has room, names aligned; the name is what completes.
fn listed(found: Vec<(String, String)>) -> Vec<Pair> {
    let width = crate::format::terminal_width();
    let name_width = found
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    found
        .into_iter()
        .map(|(name, doc)| {
            let room = width.saturating_sub(name_width + 4);
            let display = if doc.is_empty() || room < 12 || found_one_line(&doc).is_empty() {
                name.clone()
            } else {
                let doc = found_one_line(&doc);
                let doc = if doc.chars().count() > room {
                    let cut: String = doc.chars().take(room - 1).collect();
                    format!("{cut}…")
                } else {
                    doc
                };
                format!("{name:<name_width$}  {doc}")
            };
            Pair {
                display,
                replacement: name,
            }
        })
        .collect()
}

/// A doc on one line.
fn found_one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The innermost operation call whose parentheses are still open before the cursor, and the
/// text after its `(`.
fn open_call(before: &str) -> Option<(&'static Operation, &str)> {
    let mut depth = 0i32;
    let bytes = before.as_bytes();
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' => depth += 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => {
                let head = &before[..i];
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(0, |s| s + 1);
                let (ns, name) = head[start..].split_once("::")?;
                return aws::find_operation(ns, name).map(|op| (op, &before[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

/// The structure the cursor is in, inside a call's arguments: follows `Key: #{` and
/// `Key: [#{` openings that are still open.
fn structure_at(op: &'static Operation, args: &str) -> Option<&'static Shape> {
    let mut stack: Vec<Option<&'static Shape>> = Vec::new();
    let mut last_key = String::new();
    let mut word = String::new();
    let mut in_string = false;
    for c in args.chars() {
        if in_string {
            in_string = c != '"';
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => {
                let parent = stack.last().copied();
                let shape = match parent {
                    None => Some(op.input),
                    Some(Some(shape)) => shape.member(&last_key).and_then(|m| match &m.ty {
                        Ty::Struct(s) | Ty::List(Ty::Struct(s)) => Some(*s),
                        _ => None,
                    }),
                    Some(None) => None,
                };
                stack.push(shape);
            }
            '}' => {
                stack.pop();
            }
            ':' => last_key = std::mem::take(&mut word),
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => word.clear(),
        }
    }
    stack.last().copied().flatten()
}

impl Completer for Assist {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        if before.trim_start().starts_with(':') && !before.contains(' ') {
            let start = before.len() - before.trim_start().len();
            let found = COMMANDS
                .iter()
                .filter(|c| c.starts_with(before.trim_start()))
                .map(|c| pair(c))
                .collect();
            return Ok((start, found));
        }
        // An enum value after `Member: "`.
        if let Some((op, args)) = open_call(before)
            && let Some(quote) = args.rfind('"')
            && args[..quote].matches('"').count() % 2 == 0
        {
            let key_part = args[..quote].trim_end().strip_suffix(':').unwrap_or("");
            let key_start = key_part
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let key = &key_part[key_start..];
            let prefix = &args[quote + 1..];
            if let Some(shape) = structure_at(op, &args[..quote])
                && let Some(Ty::Enum(values)) = shape.member(key).map(|m| &m.ty)
            {
                let found = values()
                    .iter()
                    .filter(|v| v.starts_with(prefix))
                    .map(|v| pair(v))
                    .collect();
                return Ok((pos - prefix.len(), found));
            }
        }
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        // A member name where a key of a request map is expected.
        let key_position = before[..start].trim_end().ends_with(['{', ',']);
        if key_position
            && let Some((op, args)) = open_call(before)
            && let Some(shape) = structure_at(op, &args[..args.len() - word.len()])
        {
            // A member's doc is its operation's (`AdminCreateUserInput`) at the top level,
            // its structure's below.
            let owner = if std::ptr::eq(shape, op.input) {
                format!("{}Input", op.api)
            } else {
                shape.name.to_string()
            };
            let found = shape
                .members
                .iter()
                .filter(|m| m.name.starts_with(word))
                .map(|m| {
                    let doc = aws::shape::member_doc(&owner, m.name).unwrap_or("");
                    (m.name.to_string(), doc.to_string())
                })
                .collect();
            return Ok((start, listed(found)));
        }
        if word.is_empty() {
            return Ok((start, Vec::new()));
        }
        let vars = self.vars.borrow();
        let found = self
            .names
            .iter()
            .filter(|n| n.starts_with(word))
            .map(|n| {
                let doc = self.docs.get(n).copied().unwrap_or("");
                (n.clone(), doc.to_string())
            })
            .chain(
                vars.iter()
                    .filter(|(n, _)| n.starts_with(word))
                    .map(|(n, summary)| (n.clone(), format!("= {summary}"))),
            )
            .collect();
        Ok((start, listed(found)))
    }
}

impl Hinter for Assist {
    type Hint = String;

    /// Right after `ns::name(`: the call's forms and the required members.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let Some((op, args)) = open_call(line) else {
            // A helper just opened: its parameters and options.
            let head = line.strip_suffix('(')?;
            let start = head
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(0, |s| s + 1);
            return self.helpers.get(&head[start..]).cloned();
        };
        if !args.trim().is_empty() {
            return None;
        }
        let required: Vec<&str> = op
            .input
            .members
            .iter()
            .filter(|m| m.required)
            .map(|m| m.name)
            .collect();
        let forms = functions::op_signature(op)
            .split_once('(')
            .map_or(String::new(), |(_, rest)| rest.to_string());
        Some(if required.is_empty() {
            forms
        } else {
            format!("{forms}  required: {}", required.join(", "))
        })
    }
}

impl Highlighter for Assist {}
impl Validator for Assist {}
impl Helper for Assist {}

#[cfg(test)]
mod tests {
    use super::*;

    fn assist() -> Assist {
        let runbook = crate::engine::Runbook::new(
            crate::aws::Settings::default(),
            rhai::Map::new(),
            crate::context::Safety::interactive(false),
        )
        .expect("an engine");
        Assist::new(functions::catalog(&runbook.engine))
    }

    fn complete(line: &str) -> Vec<String> {
        let assist = assist();
        let history = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&history);
        let (_, found) = assist.complete(line, line.len(), &ctx).expect("completes");
        found.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn a_helper_hints_its_parameters_and_options() {
        let assist = assist();
        let history = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&history);
        let line = "let r = cognito::sign_in(";
        let hint = assist.hint(line, line.len(), &ctx).unwrap_or_default();
        assert!(
            hint.starts_with("pool_id, client_id, username, password[, options])"),
            "{hint}"
        );
        assert!(
            hint.ends_with(
                "options: Flow, ClientSecret, NewPassword, SetUpTotp, TotpSecret, DeviceName"
            ),
            "{hint}"
        );
    }

    #[test]
    fn completes_functions_members_nested_members_and_enum_values() {
        assert!(
            complete("cognito::admin_create_u").contains(&"cognito::admin_create_user".to_string())
        );
        assert_eq!(
            complete("cognito::admin_create_user(#{ Userna"),
            ["Username"]
        );
        assert_eq!(
            complete("cognito::admin_create_user(#{ UserPoolId: p, UserAttributes: [#{ Na"),
            ["Name"]
        );
        assert_eq!(
            complete(r#"cognito::create_user_pool("p", #{ MfaConfiguration: "OP"#),
            ["OPTIONAL"]
        );
        assert_eq!(complete(":sa"), [":save"]);
    }
}
