//! The undo engine's first half: what a journaled run's writes come to — the undos to make,
//! newest first, and the writes that cannot be undone or changed nothing.
//!
//! Each successful (or maybe-made) write with an [`Undo`](crate::aws::facts::Undo) is undone
//! with the request its journal line recorded under `created` (`create_user_pool` →
//! `delete_user_pool`, `attach_role_policy` → `detach_role_policy`, …); an update read first
//! is put back to its journaled `before`. Writes with neither are irreversible, listed with
//! what they did, never skipped silently. Nothing here sends anything: [`super::revert`]
//! makes the undos through the call path.

use rhai::{Array, Dynamic, Map};

use super::journal::{self, Line};
use super::plan::summary;
use super::planned::{self, Made, Update};
use crate::aws::facts::{self, Class, Restore};
use crate::value::member;

/// Error codes that mean the thing to undo is already gone.
pub const GONE: &[&str] = &[
    "ResourceNotFoundException",
    "UserNotFoundException",
    "GroupNotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
];

/// One undo to make.
#[derive(Clone)]
pub struct Step {
    /// What the run did, as `function Key=value …`.
    pub done: String,
    /// The undo, as `function Key=value …`.
    pub undo: String,
    /// The undo: its function and request.
    pub function: &'static str,
    pub request: Map,
    /// For an update put back: how to read what it set, and what the run left there; the
    /// undo is made only while that is still so (or with `--force`).
    pub left: Option<Update>,
    /// The journal line it undoes (an update may take two steps, decided together).
    pub line: usize,
    /// For a create undone: how to tell it is still the one the run made.
    pub made: Option<Made>,
}

/// What a journal's writes come to.
pub struct Undos {
    /// The undos to make, newest first.
    pub steps: Vec<Step>,
    /// The writes that cannot be undone, as `function Key=value …`.
    pub irreversible: Vec<String>,
    /// The writes that changed nothing (nothing to undo).
    pub unchanged: Vec<String>,
}

/// What a journal's writes come to: the undos, newest first, and what cannot be undone.
pub fn steps(lines: &[Line]) -> Undos {
    let mut undo = Vec::new();
    let mut irreversible = Vec::new();
    let mut unchanged = Vec::new();
    // When the run started: a create of unknown outcome is the run's only if made since.
    let started = lines.iter().find_map(|l| match l {
        Line::Run(run) if !run.time.is_empty() => Some(run.time.as_str()),
        _ => None,
    });
    // A write journaled as sending whose outcome never followed (the run was killed while it
    // was in flight) may have been made: it is undone like one whose outcome is unknown.
    let answered: std::collections::HashSet<u64> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Call(call) => call.seq,
            _ => None,
        })
        .collect();
    let lines: Vec<Line> = lines
        .iter()
        .map(|l| match l {
            Line::Sending(s) if !answered.contains(&s.seq) => Line::Call(in_flight(s)),
            other => other.clone(),
        })
        .collect();
    for (at, line) in lines.iter().enumerate().rev() {
        let Line::Call(call) = line else { continue };
        let Some(fact) = facts::of_name(&call.function) else {
            continue;
        };
        if !["ok", "maybe"].contains(&call.outcome.as_str()) || fact.class == Class::Read {
            continue; // not sent, failed, or read: nothing changed
        }
        let maybe = if call.outcome == "maybe" {
            "maybe made: "
        } else {
            ""
        };
        let done = format!("{maybe}{} {}", call.function, summary(&call.request));
        if call.changed == Some(false) {
            unchanged.push(done);
            continue;
        }
        let restore = facts::restore_of(&call.function);
        // An upsert over what was there (read first: its `before`) is put back, not deleted.
        let over_existing =
            call.before.is_some() && planned::UPSERTS.contains(&call.function.as_str());
        match (restore, &call.created) {
            (Some(Restore::Inverse(_)), _) if over_existing => match put_back(call, &done, at) {
                Some(steps) => undo.extend(steps),
                None => irreversible.push(format!("{done} — {}", why_not(call))),
            },
            (Some(Restore::Inverse(u)), Some(created @ serde_json::Value::Object(_))) => {
                undo.push(Step {
                    done,
                    undo: format!("{} {}", u.op, summary(created)),
                    function: u.op,
                    request: map_of(created),
                    left: None,
                    line: at,
                    made: made(call, created, started),
                })
            }
            (Some(Restore::Recreate(create)), _) => match recreate(call, create, &done, at) {
                Some(steps) => undo.extend(steps),
                None => irreversible.push(format!("{done} — {}", why_not(call))),
            },
            (Some(Restore::PutBack), _) => match put_back(call, &done, at) {
                Some(steps) => undo.extend(steps),
                None => irreversible.push(format!("{done} — {}", why_not(call))),
            },
            _ => irreversible.push(format!("{done} — {}", why_not(call))),
        }
    }
    Undos {
        steps: undo,
        irreversible,
        unchanged,
    }
}

/// How to tell, before undoing a create, that what is there is what the run made.
fn made(call: &journal::Call, created: &serde_json::Value, started: Option<&str>) -> Option<Made> {
    match (&call.identity, call.outcome.as_str(), started) {
        (Some(identity), ..) => Made::of(
            &call.function,
            &map_of(&call.request),
            &map_of(created),
            identity.clone(),
        ),
        // No answer to take the identity from: read before it is undone.
        (None, "maybe", Some(since)) => Made::maybe(
            &call.function,
            &map_of(&call.request),
            &map_of(created),
            since,
        ),
        _ => None,
    }
}

/// The name of a member holding a secret the journal kept masked, anywhere in `value`.
fn secret_in(value: &Dynamic) -> Option<String> {
    if let Some(map) = value.read_lock::<Map>() {
        return map.iter().find_map(|(k, v)| {
            if v.clone()
                .into_string()
                .is_ok_and(|t| t == crate::value::MASK)
            {
                Some(k.to_string())
            } else {
                secret_in(v)
            }
        });
    }
    value
        .read_lock::<Array>()
        .and_then(|items| items.iter().find_map(secret_in))
}

/// Why a journaled write cannot be undone: the operation's reason, or what its line lacks.
fn why_not(call: &journal::Call) -> String {
    if let Some(unread) = &call.unread {
        return format!("no before-image: the read before it, {unread}");
    }
    if let Some(secret) = call
        .before
        .as_ref()
        .and_then(|b| secret_in(&crate::value::from_json(b)))
    {
        return format!(
            "what it replaced holds a secret ({secret}), which the journal never keeps: set it again by hand"
        );
    }
    match facts::restore_of(&call.function) {
        Some(Restore::Irreversible(why)) => why.to_string(),
        Some(Restore::Inverse(_)) => "what it made was not journaled".into(),
        Some(Restore::PutBack | Restore::Recreate(_)) => {
            "no before-image was read before it".into()
        }
        None => "runbook does not know how to undo it".into(),
    }
}

/// A write that was in flight when its run was killed, as a call whose outcome is unknown;
/// what it made is named by its request.
fn in_flight(sending: &journal::Sending) -> journal::Call {
    let request = map_of(&sending.request);
    let created = facts::of_name(&sending.function)
        .and_then(|f| f.undo.as_ref())
        .and_then(|u| u.request_for(&request, &Map::new()));
    journal::Call {
        run: sending.run.clone(),
        time: sending.time.clone(),
        service: sending.service.clone(),
        operation: sending.operation.clone(),
        function: sending.function.clone(),
        class: sending.class,
        request: sending.request.clone(),
        outcome: "maybe".into(),
        error: Some("no outcome journaled (the run was killed while it was in flight)".into()),
        seq: Some(sending.seq),
        attempts: 0,
        duration_ms: None,
        request_id: None,
        created,
        before: None,
        changed: None,
        identity: None,
        unread: None,
        key: None,
        before_from: None,
    }
}

/// The undo of a delete: its create, with the key it named and every member the read before
/// it showed.
fn recreate(
    call: &journal::Call,
    create: &'static str,
    done: &str,
    line: usize,
) -> Option<Vec<Step>> {
    let before = call.before.as_ref().and_then(|b| b.as_object())?;
    let mut request = map_of(&call.request);
    if let Some(key) = &call.key {
        request.extend(map_of(key));
    }
    let named = request.clone();
    for (name, was) in before {
        request.insert(name.as_str().into(), present(crate::value::from_json(was)));
    }
    // Only what the create (or setter) takes: a removal's list of names is not part of it.
    let (ns, name) = create.split_once("::")?;
    let op = crate::aws::find_operation(ns, name)?;
    request.retain(|k, v| op.input.member(k).is_some() && !v.is_unit());
    // A secret the journal kept masked (an identity provider's client_secret) cannot be sent.
    if secret_in(&Dynamic::from(request.clone())).is_some() {
        return None;
    }
    let step = |function: &'static str, request: Map| Step {
        done: done.to_string(),
        undo: format!(
            "{function} {}",
            summary(&crate::value::masked_request(&request))
        ),
        function,
        request,
        left: None,
        line,
        made: None,
    };
    let mut steps = vec![step(create, request)];
    // Then what it took with it (a group's members), each named by the delete's key.
    if let (Some(cascade), Some(taken)) = (
        facts::CASCADES.iter().find(|c| c.delete == call.function),
        before.get(facts::TAKEN_WITH_IT),
    ) {
        let (ns, name) = cascade.create.split_once("::")?;
        let child = crate::aws::find_operation(ns, name)?;
        for item in crate::value::from_json(taken)
            .into_array()
            .unwrap_or_default()
        {
            let mut request: Map = named
                .iter()
                .filter(|(k, _)| child.input.member(k).is_some())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            request.extend(item.try_cast::<Map>().unwrap_or_default());
            steps.push(step(cascade.create, request));
        }
    }
    Some(steps)
}

/// What was there of a before-image: map entries and named items without a value (a tag or
/// attribute the removal did not find) left out; `()` when nothing was.
fn present(value: Dynamic) -> Dynamic {
    match split(&value) {
        Some((had, _)) => had.unwrap_or(Dynamic::UNIT),
        None => value,
    }
}

/// A before-image member that is a map by key or a list of `{ Name|Key, Value }` items, split
/// into what had a value (`None`: nothing did) and the names that had none; `None` for any
/// other value.
fn split(value: &Dynamic) -> Option<(Option<Dynamic>, Vec<Dynamic>)> {
    if let Some(map) = value.read_lock::<Map>() {
        let had: Map = map
            .iter()
            .filter(|(_, v)| !v.is_unit())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let had_not = map
            .iter()
            .filter(|(_, v)| v.is_unit())
            .map(|(k, _)| Dynamic::from(k.to_string()))
            .collect();
        return Some(((!had.is_empty()).then(|| had.into()), had_not));
    }
    if !planned::is_named_list(value) {
        return None;
    }
    let (had, had_not): (Array, Array) = value
        .clone()
        .into_array()
        .unwrap_or_default()
        .into_iter()
        .partition(|i| !member(i, "Value").is_unit());
    let had_not = had_not
        .iter()
        .map(|i| member(i, planned::name_field(i)))
        .collect();
    Some(((!had.is_empty()).then(|| had.into()), had_not))
}

/// Writes that set items by name, and how to remove the names that had no value before:
/// (write, removal, its member listing the names).
const REMOVALS: &[(&str, &str, &str)] = &[
    (
        "cognito::admin_update_user_attributes",
        "cognito::admin_delete_user_attributes",
        "UserAttributeNames",
    ),
    (
        "cognito::tag_resource",
        "cognito::untag_resource",
        "TagKeys",
    ),
    ("iam::tag_role", "iam::untag_role", "TagKeys"),
];

/// The undo of an update whose journal line says what it changed, as it was before: the same
/// operation with those values (user attributes that had none are deleted).
fn put_back(call: &journal::Call, done: &str, line: usize) -> Option<Vec<Step>> {
    let before = call.before.as_ref().and_then(|b| b.as_object())?;
    let mut request = map_of(&call.request);
    // Addressed by the resource's own key, not by an alias the run may have changed.
    if let Some(key) = &call.key {
        request.extend(map_of(key));
    }
    let update = planned::update_of(&call.function, &request)?;
    let fact = facts::of_name(&call.function)?;
    let (ns, name) = call.function.split_once("::")?;
    let op = crate::aws::find_operation(ns, name)?;
    let mut restore = update.get_request.clone();
    let mut absent = Vec::new();
    for (name, was) in before {
        op.input.member(name)?;
        let was = crate::value::from_json(was);
        // Tags merged by key, or attributes and tags by name (a non-empty list): what had a
        // value goes back, the names the write added are removed.
        let by_name = match was.read_lock::<Array>() {
            Some(items) => !items.is_empty(),
            None => update.merges,
        };
        match by_name.then(|| split(&was)).flatten() {
            Some((had, had_not)) => {
                absent.extend(had_not);
                if let Some(had) = had {
                    restore.insert(name.as_str().into(), had);
                }
            }
            // A list that was not there goes back empty (MFAOptions of a user who had none).
            None if was.is_unit()
                && op
                    .input
                    .member(name)
                    .is_some_and(|m| matches!(m.ty, crate::aws::shape::Ty::List(_))) =>
            {
                restore.insert(name.as_str().into(), Array::new().into());
            }
            None => {
                restore.insert(name.as_str().into(), was);
            }
        }
    }
    // A secret the journal kept masked cannot be put back.
    if secret_in(&Dynamic::from(restore.clone())).is_some() {
        return None;
    }
    // DescribeUserPool still reports the deprecated UnusedAccountValidityDays, which
    // UpdateUserPool refuses: a pool's settings go back without it.
    if let Some(config) = restore.get_mut("AdminCreateUserConfig")
        && let Some(mut map) = config.clone().try_cast::<Map>()
    {
        map.remove("UnusedAccountValidityDays");
        *config = map.into();
    }
    let mut steps = Vec::new();
    if restore.len() > update.get_request.len() {
        steps.push(Step {
            done: done.to_string(),
            undo: format!(
                "{} {}",
                call.function,
                summary(&crate::value::masked_request(&restore))
            ),
            function: fact.op,
            request: restore,
            left: planned::update_of(&call.function, &request),
            line,
            made: None,
        });
    }
    if let (false, Some((removal, names))) = (
        absent.is_empty(),
        REMOVALS
            .iter()
            .find(|(f, ..)| *f == call.function)
            .map(|(_, r, n)| (*r, *n)),
    ) {
        let mut delete = update.get_request.clone();
        delete.insert(names.into(), absent.into());
        steps.push(Step {
            done: done.to_string(),
            undo: format!(
                "{removal} {}",
                summary(&crate::value::masked_request(&delete))
            ),
            function: removal,
            request: delete,
            left: planned::update_of(&call.function, &request),
            line,
            made: None,
        });
    }
    (!steps.is_empty()).then_some(steps)
}

/// A journaled request (a JSON object) as a request map; anything else is an empty one.
pub fn map_of(json: &serde_json::Value) -> Map {
    crate::value::from_json(json)
        .try_cast::<Map>()
        .unwrap_or_default()
}
