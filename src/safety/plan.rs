//! `run --dry-run`: the plan of every write, and the answers that keep a runbook planning.
//!
//! In a dry run reads are sent and writes are not. Each write is printed on stderr as a
//! numbered plan line (`plan 3: + cognito::admin_create_user UserPoolId=… Username=u1`: `+`
//! creates, `~` updates, `-` deletes; secrets masked) and answered with a synthetic response
//! shaped like the real one: identifiers become placeholders (`dry-run:CreateUserPool:1`) and
//! members the request set are echoed, so that `cognito::create_user_pool(…).UserPool.Id` flows
//! into the next call. A read whose request names a placeholder is not sent either: it answers
//! as the fresh resource would (what its create call set, empty lists, no users).

use std::cell::{Cell, RefCell};

use rhai::{Array, Dynamic, Map};

use super::planned::{Change, Planned, fill};
use crate::aws::Operation;
use crate::aws::facts::Class;
use crate::aws::shape::Ty;
use serde_json::Value;

/// What placeholders start with.
pub const PLACEHOLDER: &str = "dry-run:";

/// The attributes every user pool's import CSV header has (Cognito's `GetCSVHeader`), before
/// its custom attributes and `cognito:mfa_enabled`, `cognito:username`.
const STANDARD_HEADER: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
];

/// A resource a planned call would have made.
struct Made {
    id: String,
    shape: &'static str,
    value: Dynamic,
    request: Map,
}

/// One planned write, as a report shows it (`runbook run --dry-run --report FILE`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Written {
    /// Its number in the plan (`plan 3: …`).
    pub n: usize,
    pub function: String,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// The kind of resource it acts on (`group`), when the resource table knows it.
    pub resource: Option<&'static str>,
    /// The request members that identify the resource, secrets masked.
    pub key: serde_json::Value,
    /// For an update, each member it changes, before → after; for a create, what it sets.
    pub changes: Vec<Change>,
}

impl Written {
    /// The `n`-th planned write: a call of `function` with `request` (`named`: its members
    /// that identify the resource), and for an update the members it changes.
    fn of(
        n: usize,
        (function, class): (&str, Class),
        request: &Map,
        named: &Map,
        diff: Option<&[Change]>,
    ) -> Self {
        let shown = crate::value::masked_request(request);
        let changes = match (diff, class) {
            (Some(diff), _) => diff.to_vec(),
            // A create: what it sets, besides what names it.
            (None, Class::Create) => request
                .keys()
                .filter(|k| !named.contains_key(k.as_str()))
                .map(|k| Change {
                    member: k.to_string(),
                    before: Value::Null,
                    after: shown.get(k.as_str()).cloned().unwrap_or_default(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Written {
            n,
            function: function.to_string(),
            action: match class {
                Class::Create => "create",
                Class::Delete => "delete",
                _ => "update",
            },
            resource: crate::aws::facts::resource_of(function).map(|(r, _)| r.kind),
            key: crate::value::masked_request(named),
            changes,
        }
    }
}

/// The request members that identify the resource a write acts on (as the resource table says).
fn key_members(function: &str, request: &Map) -> Map {
    let key = crate::aws::facts::resource_of(function)
        .map(|(r, _)| r.key)
        .unwrap_or(&[]);
    request
        .iter()
        .filter(|(k, _)| key.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The plan of a dry run.
#[derive(Default)]
pub struct Plan {
    creates: Cell<usize>,
    updates: Cell<usize>,
    deletes: Cell<usize>,
    made: RefCell<Vec<Made>>,
    written: RefCell<Vec<Written>>,
    /// The account as it will be after the planned writes.
    pub planned: Planned,
}

impl Plan {
    /// Plans one write: prints its line, counts it, and returns its synthetic response.
    pub fn write(
        &self,
        function: &str,
        op: Option<&Operation>,
        class: Class,
        request: &Map,
        diff: Option<&[Change]>,
    ) -> Map {
        let counter = match class {
            Class::Create => &self.creates,
            Class::Delete => &self.deletes,
            _ => &self.updates,
        };
        counter.set(counter.get() + 1);
        let n = self.total();
        let sign = match class {
            Class::Create => '+',
            Class::Delete => '-',
            _ => '~',
        };
        let named = key_members(function, request);
        let what = match diff {
            // An update shows what identifies it, then each member it changes.
            Some(diff) => {
                let changes = if diff.is_empty() {
                    "(no change)".to_string()
                } else {
                    diff.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                format!("{} {changes}", summary_of(&named))
            }
            None => summary_of(request),
        };
        self.written
            .borrow_mut()
            .push(Written::of(n, (function, class), request, &named, diff));
        let irreversible = match crate::aws::facts::restore_of(function) {
            Some(crate::aws::facts::Restore::Irreversible(why)) => {
                format!("  (irreversible: {why})")
            }
            _ => String::new(),
        };
        crate::say!("plan {n}: {sign} {function} {what}{irreversible}");
        let Some(op) = op else {
            // Not an API operation (an upload): the planned state may still follow it.
            self.planned.record(function, request, &Map::new(), "");
            return Map::new();
        };
        let id = format!("{PLACEHOLDER}{}:{n}", op.api);
        let response = fill(
            op.output,
            &self.planned.with_fresh(function, request),
            &id,
            0,
        );
        self.planned.record(function, request, &response, &id);
        let mut made = self.made.borrow_mut();
        for member in op.output.members {
            if let (Ty::Struct(shape), Some(value)) = (&member.ty, response.get(member.name)) {
                made.push(Made {
                    id: id.clone(),
                    shape: shape.name,
                    value: value.clone(),
                    request: request.clone(),
                });
            }
        }
        response
    }

    /// The answer to a read that names a placeholder and that the planned state does not
    /// answer (a placeholder cannot be sent), or `None` to send it.
    pub fn read(&self, op: &Operation, request: &Map) -> Option<Map> {
        let ids = placeholders(request);
        if ids.is_empty() {
            return None;
        }
        let made = self.made.borrow();
        if op.api == "GetCSVHeader" {
            let pool = made
                .iter()
                .find(|p| ids.contains(&p.id) && p.shape == "UserPoolType");
            let mut header: Array = STANDARD_HEADER.iter().map(|h| Dynamic::from(*h)).collect();
            if let Some(schema) = pool
                .and_then(|p| p.request.get("Schema"))
                .and_then(|s| s.clone().try_cast::<Array>())
            {
                for attribute in schema {
                    if let Some(name) = attribute
                        .read_lock::<Map>()
                        .and_then(|a| a.get("Name").cloned())
                    {
                        header.push(format!("custom:{name}").into());
                    }
                }
            }
            header.extend(["cognito:mfa_enabled".into(), "cognito:username".into()]);
            let mut out = Map::new();
            out.insert("UserPoolId".into(), request.get("UserPoolId").cloned()?);
            out.insert("CSVHeader".into(), header.into());
            return Some(out);
        }
        let mut response = fill(op.output, request, &ids[0], 0);
        for member in op.output.members {
            if let Ty::Struct(shape) = &member.ty
                && let Some(found) = made
                    .iter()
                    .rev()
                    .find(|p| p.shape == shape.name && ids.contains(&p.id))
            {
                response.insert(member.name.into(), found.value.clone());
            }
        }
        Some(response)
    }

    /// Every write planned so far, in order.
    pub fn written(&self) -> Vec<Written> {
        self.written.borrow().clone()
    }

    pub fn total(&self) -> usize {
        self.creates.get() + self.updates.get() + self.deletes.get()
    }

    /// The closing line: `plan: 7 writes (3 create, 2 update, 2 delete), 0 sent`.
    pub fn closing_line(&self) -> String {
        let total = self.total();
        format!(
            "plan: {total} write{} ({} create, {} update, {} delete), 0 sent",
            if total == 1 { "" } else { "s" },
            self.creates.get(),
            self.updates.get(),
            self.deletes.get()
        )
    }
}

/// Is this a placeholder id of a dry run?
pub fn is_placeholder(text: &str) -> bool {
    text.starts_with(PLACEHOLDER)
}

/// The placeholders a request names (at any depth).
fn placeholders(request: &Map) -> Vec<String> {
    fn walk(value: &Dynamic, out: &mut Vec<String>) {
        if let Ok(s) = value.clone().into_immutable_string() {
            if is_placeholder(&s) {
                out.push(s.to_string());
            }
        } else if let Some(map) = value.read_lock::<Map>() {
            map.values().for_each(|v| walk(v, out));
        } else if let Some(array) = value.read_lock::<Array>() {
            array.iter().for_each(|v| walk(v, out));
        }
    }
    let mut out = Vec::new();
    request.values().for_each(|v| walk(v, &mut out));
    out
}

/// A request in one line for plan lines and journal tables: `Key=value …`, secrets masked,
/// long values shortened.
pub fn summary_of(request: &Map) -> String {
    summary(&crate::value::masked_request(request))
}

/// The same for a journaled (already masked) request.
pub fn summary(request: &serde_json::Value) -> String {
    let Some(map) = request.as_object() else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let text = if text.chars().count() > 60 {
                format!("{}…", text.chars().take(59).collect::<String>())
            } else {
                text
            };
            format!("{k}={text}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
