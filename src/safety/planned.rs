//! The account as it will be: a dry run's reads answer from the planned state.
//!
//! Every write a dry run plans is recorded against the resource it acts on, as the resource
//! table ([`RESOURCES`](crate::aws::facts::RESOURCES)) says: which kind of thing it creates,
//! changes or removes, and which request members identify it. Reads are then answered as the
//! account will be after those writes:
//!
//! - a planned create exists: a get returns it with the planned members, a list includes it;
//! - anything under a planned resource that the plan did not create does not exist: a get
//!   answers the service's not-found error, a list is empty (a new pool has no groups);
//! - a planned delete is gone, also what was under it;
//! - a planned update reads back updated (user attributes merged by name).
//!
//! Reads of what the table does not model are sent as they are, and said once on stderr.

use std::cell::RefCell;
use std::collections::HashSet;

use rhai::{Array, Dynamic, Map};

use crate::aws::facts::{Effect, Listing, Resource, resource_of};
use crate::aws::shape::{Shape, Ty};
use crate::aws::timestamp::Timestamp;
use crate::aws::{AwsError, Operation};
use crate::value::{Secret, from_json, to_json_masked};

/// One resource of the planned state: its kind, key, and members.
struct Entry {
    resource: &'static Resource,
    key: Map,
    members: Map,
    /// The placeholder of the write that created it (for identifiers it did not name).
    id: String,
}

impl Entry {
    fn same(&self, resource: &Resource, key: &Map) -> bool {
        std::ptr::eq(self.resource, resource) && self.key.len() == key.len() && self.named_in(key)
    }

    /// Does `request` name this one (every member of its key, with the same values)?
    fn named_in(&self, request: &Map) -> bool {
        self.key.iter().all(|(k, v)| {
            request
                .get(k)
                .is_some_and(|r| r.to_string() == v.to_string())
        })
    }

    /// Does this one belong to what `request` lists (each key member the request names agrees)?
    fn listed_by(&self, request: &Map) -> bool {
        self.key.iter().all(|(k, v)| {
            request
                .get(k)
                .is_none_or(|r| r.to_string() == v.to_string())
        })
    }
}

/// The planned state of a dry run.
#[derive(Default)]
pub struct Planned {
    created: RefCell<Vec<Entry>>,
    /// Resources that exist now and the plan deletes (key only).
    deleted: RefCell<Vec<Entry>>,
    /// Resources that exist now and the plan changes: the members it sets.
    changed: RefCell<Vec<Entry>>,
    /// Reads said to answer from the account as it is now.
    said: RefCell<HashSet<String>>,
}

/// Uploading a CSV to an import job's pre-signed URL, and starting the job: the planned state
/// follows a CSV from the one to the other, so that the users it imports exist.
const UPLOAD: &str = "cognito::upload_csv";
const START_IMPORT: &str = "cognito::start_user_import_job";

/// The members of a create's answer: those of its one structure (`UserPool`,
/// `UserImportJob`), or its top level.
fn answered(response: &Map) -> Map {
    let structs: Vec<Map> = response
        .values()
        .filter_map(|v| v.clone().try_cast::<Map>())
        .collect();
    match <[Map; 1]>::try_from(structs) {
        Ok([one]) => one,
        Err(_) => response.clone(),
    }
}

/// The users of an import CSV: `cognito:username` and the attributes each row sets.
fn csv_users(path: &std::path::Path) -> Vec<(String, Array)> {
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        return Vec::new();
    };
    let Ok(header) = reader.headers().cloned() else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|row| {
            let mut username = None;
            let mut attributes = Array::new();
            for (name, value) in header.iter().zip(row.iter()) {
                if name == "cognito:username" {
                    username = Some(value.to_string());
                } else if !value.is_empty() && !name.starts_with("cognito:") {
                    let mut attribute = Map::new();
                    attribute.insert("Name".into(), name.into());
                    attribute.insert("Value".into(), value.into());
                    attributes.push(attribute.into());
                }
            }
            username.filter(|u| !u.is_empty()).map(|u| (u, attributes))
        })
        .collect()
}

/// What an update sets: its request's members beyond the key, and what the table says it
/// sets besides (`Enabled: false`).
fn patch_of(key: &Map, sets: &[(&str, &str)], request: &Map) -> Map {
    let mut patch: Map = request
        .iter()
        .filter(|(k, _)| !key.contains_key(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (name, path) in sets {
        if let Some(value) = assigned(path, request, &Map::new()) {
            patch.insert((*name).into(), value);
        }
    }
    patch
}

/// The operation that reads one resource by this key (its first get that takes the key).
fn reader(resource: &Resource, key: &Map) -> Option<&'static Operation> {
    resource.get.iter().find_map(|q| {
        let (ns, name) = q.split_once("::")?;
        crate::aws::find_operation(ns, name)
            .filter(|op| key.keys().all(|k| op.input.member(k).is_some()))
    })
}

/// The error a create of something already there answers with, per resource kind (kinds
/// whose create is idempotent, an upsert, or not unique by name have none).
const EXISTS: &[(&str, &str)] = &[
    ("user", "UsernameExistsException"),
    ("group", "GroupExistsException"),
    ("identity provider", "DuplicateProviderException"),
    ("role", "EntityAlreadyExists"),
];

/// How a dry run tells that a create would fail because its resource is there: the read by
/// its key (its function, to ask the planned state first) and the error it would answer.
pub struct Existing {
    pub get_function: &'static str,
    pub get: &'static Operation,
    pub get_request: Map,
    pub code: &'static str,
    pub kind: &'static str,
}

impl Existing {
    /// For a create of a kind in [`EXISTS`] whose request names its key.
    pub fn of(function: &str, request: &Map) -> Option<Self> {
        let (resource, Effect::Create) = resource_of(function)? else {
            return None;
        };
        let (_, code) = EXISTS.iter().find(|(kind, _)| *kind == resource.kind)?;
        let key = key_of(resource, request, None)?;
        let get = reader(resource, &key)?;
        let get_function = resource.get.iter().find(|q| {
            q.split_once("::")
                .is_some_and(|(ns, name)| ns == get.namespace && name == get.name)
        })?;
        Some(Self {
            get_function,
            get,
            get_request: key,
            code,
            kind: resource.kind,
        })
    }
}

/// A removal of named items (see [`SET_BACK`](crate::aws::facts::SET_BACK)) as an update that
/// sets those names to nothing: read first, its before-image holds each name's value (or
/// none), which its setter puts back.
fn set_back_of(setter: &str, names: &str, items: &str, request: &Map) -> Option<Update> {
    let (resource, _) = resource_of(setter)?;
    let key = key_of(resource, request, None)?;
    let get = reader(resource, &key)?;
    let (ns, name) = setter.split_once("::")?;
    let op = crate::aws::find_operation(ns, name)?;
    let listed = request.get(names)?.clone().into_array().ok()?;
    let (value, merges): (Dynamic, bool) = match &op.input.member(items)?.ty {
        Ty::Map(_) => (
            listed
                .iter()
                .map(|n| (n.to_string().into(), Dynamic::UNIT))
                .collect::<Map>()
                .into(),
            true,
        ),
        Ty::List(Ty::Struct(shape)) => {
            let by = if shape.member("Key").is_some() {
                "Key"
            } else {
                "Name"
            };
            let items: Array = listed
                .iter()
                .map(|n| {
                    let mut item = Map::new();
                    item.insert(by.into(), n.clone());
                    Dynamic::from(item)
                })
                .collect();
            (items.into(), false)
        }
        _ => return None,
    };
    let mut patch = Map::new();
    patch.insert(items.into(), value);
    Some(Update {
        get,
        get_request: key,
        patch,
        read_as: resource.read_as,
        shown_as: &[],
        merges,
        resets: Vec::new(),
    })
}

/// An update of a modelled resource: the operation that reads it (with the request for that
/// read) and what the update sets.
#[derive(Clone)]
pub struct Update {
    pub get: &'static Operation,
    pub get_request: Map,
    pub patch: Map,
    /// Patch members a read shows under another name.
    pub read_as: &'static [(&'static str, &'static str)],
    /// Patch members a read shows only in another form, as JMESPath over its answer (see
    /// [`SHOWN_AS`](crate::aws::facts::SHOWN_AS)).
    pub shown_as: &'static [(&'static str, &'static str)],
    /// Its map members merge by key into what is there (`tag_resource`'s `Tags`) rather than
    /// replace it: the before-image holds the keys it sets, each as it was or `()`.
    pub merges: bool,
    /// Members it does not set but resets (UpdateUserPool sets every setting it is not given
    /// to its default): the before-image holds them too, so that putting it back restores
    /// them.
    pub resets: Vec<&'static str>,
}

/// Updates that reset every member they are not given (the API reference: "If you don't
/// provide a value for an attribute, it will be set to the default value").
const RESETS: &[&str] = &[
    "cognito::update_user_pool",
    "cognito::update_user_pool_client",
    "cognito::set_risk_configuration",
];

/// Writes that create what is missing and overwrite what is there (`put_role_policy`): read
/// first, like an update, so that one over an existing thing is undone by putting it back,
/// and only one that made something new is undone by deleting it.
pub const UPSERTS: &[&str] = &[
    "iam::put_role_policy",
    "cognito::tag_resource",
    "iam::tag_role",
];

/// Writes whose map members merge by key (see [`Update::merges`]).
const MERGES: &[&str] = &["cognito::tag_resource"];

/// The [`Update`] a write makes, when the resource table knows how to read what it changes.
pub fn update_of(function: &str, request: &Map) -> Option<Update> {
    if let Some(&(_, setter, names, items)) = crate::aws::facts::SET_BACK
        .iter()
        .find(|(op, ..)| *op == function)
    {
        return set_back_of(setter, names, items, request);
    }
    let (resource, sets) = match resource_of(function)? {
        (resource, Effect::Update(sets)) => (resource, sets),
        (resource, Effect::Create) if UPSERTS.contains(&function) => (resource, &[][..]),
        (resource, Effect::Delete) if crate::aws::facts::RECREATES.contains(&function) => {
            (resource, &[][..])
        }
        _ => return None,
    };
    let key = key_of(resource, request, None)?;
    let get = reader(resource, &key)?;
    let patch = patch_of(&key, sets, request);
    // A delete to be undone by its create: the read keeps every member that create takes.
    let recreated = match crate::aws::facts::restore_of(function) {
        Some(crate::aws::facts::Restore::Recreate(create)) => Some(create),
        _ => None,
    };
    let resets = match RESETS.contains(&function) || recreated.is_some() {
        true => {
            let (ns, name) = recreated.unwrap_or(function).split_once("::")?;
            let op = crate::aws::find_operation(ns, name)?;
            op.input
                .members
                .iter()
                .map(|m| m.name)
                .filter(|m| !key.contains_key(*m) && !patch.contains_key(*m))
                .collect()
        }
        false => Vec::new(),
    };
    Some(Update {
        get,
        get_request: key.clone(),
        patch,
        read_as: resource.read_as,
        shown_as: crate::aws::facts::SHOWN_AS
            .iter()
            .find(|(op, _)| *op == function)
            .map_or(&[], |(_, shown)| *shown),
        merges: MERGES.contains(&function),
        resets,
    })
}

/// What tells the resource a create made from one made again later under the same name (see
/// [`Resource::identity`](crate::aws::facts::Resource)), from the create's answer.
pub fn identity_of(function: &str, request: &Map, response: &Map) -> Option<serde_json::Value> {
    let (resource, Effect::Create) = resource_of(function)? else {
        return None;
    };
    let (path, _) = resource.identity?;
    assigned(path, request, response).and_then(|v| identity_json(&v))
}

/// An identity as the journal keeps it: JSON, a document given as JSON text parsed (a policy
/// written as a string reads back as a map).
fn identity_json(value: &Dynamic) -> Option<serde_json::Value> {
    let json = to_json_masked(value).ok()?;
    match &json {
        serde_json::Value::String(text) => match serde_json::from_str(text) {
            Ok(parsed @ serde_json::Value::Object(_)) => Some(parsed),
            _ => Some(json),
        },
        _ => Some(json),
    }
}

/// How to read again the resource a create made, to tell whether it is still that one.
#[derive(Clone)]
pub struct Made {
    pub get: &'static Operation,
    pub get_request: Map,
    pub identity: serde_json::Value,
    path: &'static str,
    /// For a create whose outcome is unknown (no answer to take its identity from): when the
    /// run started. A resource whose identity is a creation date before it is not the run's.
    pub since: Option<String>,
}

impl Made {
    /// For a journaled create (`request`, what it `created` and its `identity`).
    pub fn of(
        function: &str,
        request: &Map,
        created: &Map,
        identity: serde_json::Value,
    ) -> Option<Self> {
        let (resource, Effect::Create) = resource_of(function)? else {
            return None;
        };
        let (_, path) = resource.identity?;
        let mut named = request.clone();
        named.extend(created.clone());
        let key = key_of(resource, &named, None)?;
        let get = reader(resource, &key)?;
        Some(Self {
            get,
            get_request: key,
            identity,
            path,
            since: None,
        })
    }

    /// For a create journaled `maybe` (no answer, so no identity), in a run that started at
    /// `since`: read again before it is undone, it is the run's unless its creation date is
    /// earlier (it was there before the run; the retry found it).
    pub fn maybe(function: &str, request: &Map, created: &Map, since: &str) -> Option<Self> {
        let mut made = Self::of(function, request, created, serde_json::Value::Null)?;
        made.since = Some(since.to_string());
        Some(made)
    }

    /// Whose is the resource a get answered with: the one the run made, one there before
    /// the run (for a `maybe` create: its creation date), or another made since?
    pub fn whose(&self, response: &Map) -> Whose {
        let now = assigned(self.path, &Map::new(), response).and_then(|v| identity_json(&v));
        let Some(since) = &self.since else {
            return match now {
                Some(now) if now == self.identity => Whose::Ours,
                _ => Whose::Other,
            };
        };
        let created = now.as_ref().and_then(|n| n.as_str());
        match (created.and_then(instant), instant(since)) {
            (Some(at), Some(started)) if at + time::Duration::seconds(1) < started => {
                Whose::Before(created.unwrap_or_default().to_string())
            }
            // Made since the run started, or not a date (an id): taken as the run's.
            _ => Whose::Ours,
        }
    }
}

/// What a read of a resource says of the one a create made (see [`Made::whose`]).
pub enum Whose {
    /// The one the run made.
    Ours,
    /// There before the run started: created then.
    Before(String),
    /// Another one, made again under the same name since the run.
    Other,
}

/// A date-time as the journal and the CLI print them (RFC 3339).
fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Creates that succeed when what they create is there already (a membership, an attached
/// policy): such a call changed nothing, and a revert must not remove what was there before.
const IDEMPOTENT_CREATES: &[&str] = &[
    "cognito::admin_add_user_to_group",
    "iam::attach_role_policy",
];

/// Removals that answer success when there is nothing to remove: one of what was not there
/// changed nothing (and its revert must not add it).
const IDEMPOTENT_DELETES: &[&str] = &["cognito::admin_remove_user_from_group"];

/// How to tell whether what an idempotent create makes (or a removal removes) is there
/// already: a list of its parent, and the item that would name it.
pub struct Presence {
    /// A create (it changes nothing when the item is there) or a removal (when it is not).
    pub creates: bool,
    /// The list that tells, and what it is asked with.
    pub listed: Listed,
    pub list_request: Map,
    /// The value of the request member naming the item (`listed.member`).
    pub value: String,
}

impl Presence {
    /// For a create of [`IDEMPOTENT_CREATES`] or a removal of [`IDEMPOTENT_DELETES`]: one by
    /// each list of the resource that can tell (a membership: the user's groups, or the
    /// group's users), the first the one to read.
    pub fn every(function: &str, request: &Map) -> Vec<Self> {
        let creates = IDEMPOTENT_CREATES.contains(&function);
        if !creates && !IDEMPOTENT_DELETES.contains(&function) {
            return Vec::new();
        }
        let Some((resource, Effect::Create | Effect::Delete)) = resource_of(function) else {
            return Vec::new();
        };
        resource
            .list
            .iter()
            .filter_map(|listing| {
                let listed = Listed::of(resource, listing)?;
                let list_request: Map = listed
                    .key
                    .iter()
                    .map(|k| Some(((*k).into(), request.get(*k)?.clone())))
                    .collect::<Option<Map>>()?;
                let value = request.get(listed.member)?.to_string();
                Some(Self {
                    creates,
                    listed,
                    list_request,
                    value,
                })
            })
            .collect()
    }

    /// Does the call change nothing, by this list answer? (A create of what it holds, a
    /// removal of what it does not.)
    pub fn changes_nothing(&self, response: &Map) -> bool {
        self.found(response) == self.creates
    }

    /// Does the list answer hold it?
    pub fn found(&self, response: &Map) -> bool {
        response
            .get(self.listed.items)
            .and_then(|items| items.read_lock::<Array>().map(|a| a.clone()))
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| item_value(i, self.listed.field) == self.value)
            })
    }
}

/// A list whose whole answer (every page, nothing filtered) tells what an idempotent create
/// or removal would find: a membership is there when its group's list of users holds it.
pub struct Listed {
    /// The list, as the tables name it (`cognito::list_users_in_group`), and its operation.
    pub op: &'static str,
    pub list: &'static Operation,
    /// The request members it is asked with, in the resource key's order (the last names the
    /// parent whose items it lists: a group, within its pool).
    pub key: Vec<&'static str>,
    pub items: &'static str,
    /// The item field naming one (`Username`), and the request member a write names it with.
    pub field: &'static str,
    pub member: &'static str,
}

impl Listed {
    /// The list `function` is, when it tells of a resource with an idempotent create or removal.
    pub fn by(function: &str) -> Option<Self> {
        crate::aws::facts::RESOURCES
            .iter()
            .filter(|r| {
                r.create
                    .iter()
                    .chain(r.delete)
                    .any(|f| IDEMPOTENT_CREATES.contains(f) || IDEMPOTENT_DELETES.contains(f))
            })
            .flat_map(|r| r.list.iter().map(move |l| (r, l)))
            .find(|(_, l)| l.op == function)
            .and_then(|(r, l)| Self::of(r, l))
    }

    fn of(resource: &'static Resource, listing: &'static Listing) -> Option<Self> {
        let (ns, name) = listing.op.split_once("::")?;
        let list = crate::aws::find_operation(ns, name)?;
        let (field, member) = *listing.fields.first()?;
        let key = resource
            .key
            .iter()
            .copied()
            .filter(|k| *k != member && list.input.member(k).is_some())
            .collect();
        Some(Self {
            op: listing.op,
            list,
            key,
            items: listing.items,
            field,
            member,
        })
    }
}

/// What a read of a resource says of the members an update sets, as they are before it: for
/// a list of `{ Name, Value }` (user attributes), the items of the names it sets (`Value`
/// missing where the name has none); for a map merged by key (see [`Update::merges`]), the
/// keys it sets (`()` where there was none). Members the read does not show are left out.
pub fn before_of(shape: &Shape, response: &Map, update: &Update) -> Map {
    let (patch, read_as) = (&update.patch, update.read_as);
    let holder = |k: &str| -> Option<Dynamic> {
        if let Some((_, path)) = update.shown_as.iter().find(|(m, _)| *m == k) {
            return Some(shown(path, response).unwrap_or(Dynamic::UNIT));
        }
        let k = read_as
            .iter()
            .find(|(set, _)| *set == k)
            .map_or(k, |(_, shown)| *shown);
        if shape.member(k).is_some() {
            return Some(response.get(k).cloned().unwrap_or(Dynamic::UNIT));
        }
        shape.members.iter().find_map(|m| match &m.ty {
            Ty::Struct(inner) if inner.member(k).is_some() => Some(
                response
                    .get(m.name)
                    .and_then(|v| v.read_lock::<Map>().and_then(|s| s.get(k).cloned()))
                    .unwrap_or(Dynamic::UNIT),
            ),
            _ => None,
        })
    };
    let mut before = Map::new();
    for (k, wanted) in patch {
        let Some(current) = holder(k) else { continue };
        if is_named_list(wanted) {
            let items: Array = wanted
                .clone()
                .into_array()
                .unwrap_or_default()
                .iter()
                .map(|item| {
                    let by = name_field(item);
                    let name = field(item, by);
                    let mut was = Map::new();
                    was.insert(by.into(), name.clone().into());
                    if let Some(old) = current
                        .read_lock::<Array>()
                        .and_then(|a| a.iter().find(|i| field(i, by) == name).cloned())
                        && let Some(value) =
                            old.read_lock::<Map>().and_then(|m| m.get("Value").cloned())
                    {
                        was.insert("Value".into(), value);
                    }
                    was.into()
                })
                .collect();
            before.insert(k.clone(), items.into());
        } else if let (true, Some(wanted), Some(current)) = (
            update.merges,
            wanted.read_lock::<Map>(),
            current.read_lock::<Map>(),
        ) {
            // Merged by key: each key it sets, as it was (`()`: not there).
            let was: Map = wanted
                .keys()
                .map(|key| {
                    (
                        key.clone(),
                        current.get(key).cloned().unwrap_or(Dynamic::UNIT),
                    )
                })
                .collect();
            before.insert(k.clone(), was.into());
        } else {
            before.insert(k.clone(), current);
        }
    }
    for k in &update.resets {
        if let Some(current) = holder(k).filter(|v| !v.is_unit()) {
            before.insert((*k).into(), current);
        }
    }
    before
}

/// Each member an update changes, before → after, secrets masked: `email: "a@old" → "a@new"`.
/// Empty when it changes nothing.
pub fn diff(before: &Map, patch: &Map) -> Vec<String> {
    changes(before, patch)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// One member (or, in a list of `{ Name, Value }`, one name) an update changes: what it is
/// and what it will be, as JSON fit to show (secrets masked; `null`: none).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    pub member: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "(none)".to_string(),
            v => v.to_string(),
        };
        write!(
            f,
            "{}: {} → {}",
            self.member,
            shown(&self.before),
            shown(&self.after)
        )
    }
}

/// [`diff`] as [`Change`]s.
pub fn changes(before: &Map, patch: &Map) -> Vec<Change> {
    let shown = |v: &Dynamic| {
        if v.is_unit() {
            serde_json::Value::Null
        } else {
            crate::value::masked_value(v)
        }
    };
    let same = |a: &Dynamic, b: &Dynamic| {
        crate::value::to_json_revealed(a) == crate::value::to_json_revealed(b)
    };
    let mut out = Vec::new();
    for (k, was) in before {
        let Some(now) = patch.get(k) else { continue };
        if is_named_list(now) {
            for item in now.clone().into_array().unwrap_or_default() {
                let by = name_field(&item);
                let name = field(&item, by);
                let new = crate::value::member(&item, "Value");
                let old = was
                    .read_lock::<Array>()
                    .and_then(|a| a.iter().find(|i| field(i, by) == name).cloned())
                    .map(|i| crate::value::member(&i, "Value"))
                    .unwrap_or(Dynamic::UNIT);
                if !same(&old, &new) {
                    out.push(Change {
                        member: name,
                        before: shown(&old),
                        after: shown(&new),
                    });
                }
            }
        } else if !same(was, now) {
            let (before, after) = if crate::value::is_secret_key(k) {
                let mask = serde_json::Value::from(crate::value::MASK);
                (mask.clone(), mask)
            } else {
                (shown(was), shown(now))
            };
            out.push(Change {
                member: k.to_string(),
                before,
                after,
            });
        }
    }
    out
}

/// The key of a resource in a request (and, for a create, in its answer): `None` when a member
/// is missing.
fn key_of(resource: &Resource, request: &Map, response: Option<&Map>) -> Option<Map> {
    let mut key = Map::new();
    for member in resource.key {
        let value = match request.get(*member) {
            Some(v) if !v.is_unit() => v.clone(),
            _ if crate::aws::facts::OPTIONAL_KEYS.contains(&(resource.kind, *member)) => continue,
            _ => {
                let (_, path) = resource.assigned.iter().find(|(k, _)| k == member)?;
                assigned(path, request, response?)?
            }
        };
        key.insert((*member).into(), value);
    }
    Some(key)
}

/// What JMESPath `path` finds in a read's answer (see [`Update::shown_as`]).
fn shown(path: &str, response: &Map) -> Option<Dynamic> {
    found(path, to_json_masked(&Dynamic::from(response.clone())).ok()?)
}

/// A key member a create's answer assigns (`response.UserPool.Id`).
fn assigned(path: &str, request: &Map, response: &Map) -> Option<Dynamic> {
    let data = serde_json::json!({
        "request": to_json_masked(&Dynamic::from(request.clone())).ok()?,
        "response": to_json_masked(&Dynamic::from(response.clone())).ok()?,
    });
    found(path, data)
}

/// What JMESPath `path` finds in `data`, as a script value; `None` for nothing (or null).
fn found(path: &str, data: serde_json::Value) -> Option<Dynamic> {
    let data = jmespath::Variable::from_json(&data.to_string()).ok()?;
    let found = jmespath::compile(path).ok()?.search(data).ok()?;
    let value = serde_json::to_value(&*found).ok()?;
    (!value.is_null()).then(|| from_json(&value))
}

/// Sets `patch`'s members on `members`: lists of `{ Name, Value }` (user attributes) or
/// `{ Key, Value }` (tags) merge by name, anything else is replaced.
fn merge(members: &mut Map, patch: &Map) {
    for (k, v) in patch {
        let by = ["Name", "Key"].into_iter().find(|by| {
            [members.get(k.as_str()), Some(v)].iter().all(|list| {
                list.and_then(|l| l.read_lock::<Array>().map(|a| a.clone()))
                    .is_some_and(|a| {
                        a.iter()
                            .all(|i| i.read_lock::<Map>().is_some_and(|m| m.contains_key(*by)))
                    })
            })
        });
        match (members.get_mut(k.as_str()), v.read_lock::<Array>(), by) {
            (Some(current), Some(new), Some(by)) => {
                let mut list = current.clone().into_array().unwrap_or_default();
                for item in new.iter() {
                    let name = field(item, by);
                    list.retain(|old| field(old, by) != name);
                    list.push(item.clone());
                }
                *current = list.into();
            }
            _ => {
                members.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Is this a list of `{ Name, Value }` (user attributes) or `{ Key, Value }` (IAM tags): items
/// set and read back one name at a time?
pub fn is_named_list(value: &Dynamic) -> bool {
    value.read_lock::<Array>().is_some_and(|a| {
        a.iter().all(|i| {
            i.read_lock::<Map>()
                .is_some_and(|m| m.contains_key("Name") || m.contains_key("Key"))
        })
    })
}

/// The field that names an item of a named list: `Name`, or `Key` for tags.
pub fn name_field(item: &Dynamic) -> &'static str {
    match item.read_lock::<Map>() {
        Some(m) if m.contains_key("Key") && !m.contains_key("Name") => "Key",
        _ => "Name",
    }
}

fn field(value: &Dynamic, name: &str) -> String {
    value
        .read_lock::<Map>()
        .and_then(|m| m.get(name).map(ToString::to_string))
        .unwrap_or_default()
}

impl Planned {
    /// A write's request with what a new resource of its kind has that the request need not
    /// say (`UserStatus` of a new user), for its synthetic answer.
    pub fn with_fresh(&self, function: &str, request: &Map) -> Map {
        let mut out = request.clone();
        if let Some((resource, Effect::Create)) = resource_of(function) {
            for (name, json) in resource.fresh {
                if !out.contains_key(*name)
                    && let Ok(value) = serde_json::from_str(json)
                {
                    out.insert((*name).into(), from_json(&value));
                }
            }
        }
        out
    }

    /// Records a planned write (`response` is its synthetic answer, `id` its placeholder).
    pub fn record(&self, function: &str, request: &Map, response: &Map, id: &str) {
        if function == UPLOAD {
            self.uploaded(request);
            return;
        }
        let Some((resource, effect)) = resource_of(function) else {
            return;
        };
        if function == START_IMPORT {
            self.imported(request, id);
        }
        let Some(key) = key_of(resource, request, Some(response)) else {
            return;
        };
        match effect {
            Effect::Create => {
                // What its answer says of it (a pool's `Id`, a job's `PreSignedUrl`), then what
                // the request set, then what a new one has.
                let mut members = answered(response);
                members.extend(request.clone());
                members.extend(key.clone());
                for (name, json) in resource.fresh {
                    if !members.contains_key(*name)
                        && let Ok(value) = serde_json::from_str(json)
                    {
                        members.insert((*name).into(), from_json(&value));
                    }
                }
                self.deleted
                    .borrow_mut()
                    .retain(|e| !e.same(resource, &key));
                let mut created = self.created.borrow_mut();
                created.retain(|e| !e.same(resource, &key));
                created.push(Entry {
                    resource,
                    key,
                    members,
                    id: id.to_string(),
                });
            }
            Effect::Update(sets) => {
                let patch = patch_of(&key, sets, request);
                if let Some(entry) = self
                    .created
                    .borrow_mut()
                    .iter_mut()
                    .find(|e| e.same(resource, &key))
                {
                    merge(&mut entry.members, &patch);
                    return;
                }
                let mut changed = self.changed.borrow_mut();
                match changed.iter_mut().find(|e| e.same(resource, &key)) {
                    Some(entry) => merge(&mut entry.members, &patch),
                    None => changed.push(Entry {
                        resource,
                        key,
                        members: patch,
                        id: id.to_string(),
                    }),
                }
            }
            Effect::Delete => {
                let was_planned = self.created.borrow().iter().any(|e| e.same(resource, &key));
                // It goes, and whatever the plan made or changed under it (whose key holds its).
                let under = |e: &Entry| {
                    key.iter().all(|(k, v)| {
                        e.key
                            .get(k)
                            .is_some_and(|own| own.to_string() == v.to_string())
                    })
                };
                self.created.borrow_mut().retain(|e| !under(e));
                self.changed.borrow_mut().retain(|e| !under(e));
                if !was_planned {
                    self.deleted.borrow_mut().push(Entry {
                        resource,
                        key,
                        members: Map::new(),
                        id: id.to_string(),
                    });
                }
            }
            Effect::Get | Effect::List(_) => {}
        }
    }

    /// A CSV uploaded to a planned import job's pre-signed URL: remembered with the job.
    fn uploaded(&self, request: &Map) {
        let (Some(url), Some(file)) = (request.get("PreSignedUrl"), request.get("File")) else {
            return;
        };
        let url = crate::value::text_revealed(url).unwrap_or_default();
        if let Some(job) = self.created.borrow_mut().iter_mut().find(|e| {
            e.members
                .get("PreSignedUrl")
                .and_then(crate::value::text_revealed)
                .is_some_and(|u| u == url)
        }) {
            job.members.insert("File".into(), file.clone());
        }
    }

    /// A planned import job started: the users of its CSV will exist (`RESET_REQUIRED`).
    fn imported(&self, request: &Map, id: &str) {
        let file = self
            .created
            .borrow()
            .iter()
            .find(|e| e.named_in(request) && e.members.contains_key("File"))
            .and_then(|e| e.members.get("File").map(ToString::to_string));
        let (Some(file), Some(pool)) = (file, request.get("UserPoolId")) else {
            return;
        };
        for (username, attributes) in csv_users(std::path::Path::new(&file)) {
            let mut user = Map::new();
            user.insert("UserPoolId".into(), pool.clone());
            user.insert("Username".into(), username.into());
            user.insert("UserAttributes".into(), attributes.into());
            user.insert("UserStatus".into(), "RESET_REQUIRED".into());
            self.record("cognito::admin_create_user", &user, &Map::new(), id);
        }
    }

    /// The answer to a read from the planned state, or `None` to send it (then
    /// [`after_read`](Self::after_read) brings its answer to the planned state).
    pub fn read(
        &self,
        function: &str,
        op: &Operation,
        request: &Map,
    ) -> Option<Result<Map, AwsError>> {
        let (resource, effect) = resource_of(function)?;
        let created = self.created.borrow();
        let deleted = self.deleted.borrow();
        match effect {
            Effect::Get => {
                let key = key_of(resource, request, None)?;
                if let Some(entry) = created.iter().find(|e| e.same(resource, &key)) {
                    return Some(Ok(fill(op.output, &entry.members, &entry.id, 0)));
                }
                let why = if deleted.iter().any(|e| e.named_in(request)) {
                    "the plan deletes it"
                } else if created.iter().any(|e| e.named_in(request)) {
                    // One that comes with its parent (a pool's log delivery, its threat
                    // protection): there, as a new one is.
                    if resource.create.is_empty() {
                        return Some(Ok(fill(op.output, request, "", 0)));
                    }
                    "it is under a resource the plan creates, and the plan does not create it"
                } else {
                    return None;
                };
                Some(not_found(resource, op, &key, why))
            }
            Effect::List(listing) => {
                if let Some(gone) = deleted.iter().find(|e| e.named_in(request)) {
                    return Some(not_found(
                        gone.resource,
                        op,
                        &gone.key,
                        "the plan deletes it",
                    ));
                }
                let under_new = created
                    .iter()
                    .any(|e| !std::ptr::eq(e.resource, resource) && e.named_in(request));
                if !under_new {
                    return None;
                }
                let mut response = fill(op.output, &Map::new(), "", 0);
                response.insert(
                    listing.items.into(),
                    self.items(op, listing, resource, request).into(),
                );
                Some(Ok(response))
            }
            _ => None,
        }
    }

    /// Brings the answer of a read that was sent to the planned state: changes merged into a
    /// get, planned creates added to (and deletes taken from) the last page of a list.
    pub fn after_read(&self, function: &str, op: &Operation, request: &Map, response: &mut Map) {
        let Some((resource, effect)) = resource_of(function) else {
            return;
        };
        match effect {
            Effect::Get => {
                let Some(key) = key_of(resource, request, None) else {
                    return;
                };
                if let Some(entry) = self
                    .changed
                    .borrow()
                    .iter()
                    .find(|e| e.same(resource, &key))
                {
                    patch_answer(op.output, response, &entry.members);
                }
            }
            Effect::List(listing) => {
                let last_page = op.pagination.is_none_or(|p| {
                    response
                        .get(p.output_token)
                        .is_none_or(|t| t.is_unit() || t.to_string().is_empty())
                });
                let mut items = response
                    .remove(listing.items)
                    .and_then(|v| v.try_cast::<Array>())
                    .unwrap_or_default();
                let (item_field, member) = listing.fields.first().copied().unwrap_or(("", ""));
                for gone in self
                    .deleted
                    .borrow()
                    .iter()
                    .filter(|e| std::ptr::eq(e.resource, resource))
                {
                    let Some(value) = gone.key.get(member).map(ToString::to_string) else {
                        continue;
                    };
                    items.retain(|item| item_value(item, item_field) != value);
                }
                if last_page {
                    let known: Vec<String> =
                        items.iter().map(|i| item_value(i, item_field)).collect();
                    for item in self.items(op, listing, resource, request) {
                        if !known.contains(&item_value(&item, item_field)) {
                            items.push(item);
                        }
                    }
                }
                response.insert(listing.items.into(), items.into());
            }
            _ => {}
        }
    }

    /// Says once that reads of `function` answer from the account as it is now (the planned
    /// state does not model them), when the plan has changed anything.
    pub fn unmodelled(&self, function: &str, planned_writes: usize) {
        if planned_writes > 0
            && resource_of(function).is_none()
            && self.said.borrow_mut().insert(function.to_string())
        {
            crate::say!("plan: reads of {function} answer from the account as it is now");
        }
    }

    /// The planned creates a list request lists, as its items.
    fn items(
        &self,
        op: &Operation,
        listing: &Listing,
        resource: &Resource,
        request: &Map,
    ) -> Array {
        let item_shape = match op.output.member(listing.items).map(|m| &m.ty) {
            Some(Ty::List(Ty::Struct(shape))) => Some(*shape),
            _ => None,
        };
        self.created
            .borrow()
            .iter()
            .filter(|e| std::ptr::eq(e.resource, resource) && e.listed_by(request))
            .filter_map(|e| {
                // The first field names it; the others are shown when the plan knows them.
                let mut named = Map::new();
                for (i, (item_field, member)) in listing.fields.iter().enumerate() {
                    let value = match e.members.get(*member) {
                        Some(value) => value.clone(),
                        None if i == 0 => return None,
                        None => continue,
                    };
                    if item_field.is_empty() {
                        return Some(value);
                    }
                    named.insert((*item_field).into(), value);
                }
                let mut item = item_shape
                    .map(|s| fill(s, &named, &e.id, 1))
                    .unwrap_or_default();
                item.extend(named);
                Some(item.into())
            })
            .collect()
    }
}

/// The value an item of a list names a resource by (`Username`, or the item itself).
pub fn item_value(item: &Dynamic, field_name: &str) -> String {
    if field_name.is_empty() {
        item.to_string()
    } else {
        field(item, field_name)
    }
}

/// The service's error for a read of something that will not exist.
fn not_found(resource: &Resource, op: &Operation, key: &Map, why: &str) -> Result<Map, AwsError> {
    let Some(code) = resource.not_found else {
        return Ok(Map::new());
    };
    let named: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Err(AwsError::local(
        op.service,
        op.api,
        code,
        &format!(
            "{} {} does not exist in the planned state (dry run: {why})",
            resource.kind,
            named.join(", ")
        ),
    ))
}

/// Merges a planned change into a get's answer: each member where the output names it, at
/// the top or in the structure that holds it (`Group.Description`).
fn patch_answer(shape: &Shape, response: &mut Map, patch: &Map) {
    let mut top = Map::new();
    for (k, v) in patch {
        if shape.member(k).is_some() {
            top.insert(k.clone(), v.clone());
            continue;
        }
        let holder = shape.members.iter().find_map(|m| match &m.ty {
            Ty::Struct(inner) if inner.member(k).is_some() => Some(m.name),
            _ => None,
        });
        if let Some(holder) = holder
            && let Some(mut inner) = response
                .get(holder)
                .and_then(|v| v.clone().try_cast::<Map>())
        {
            let mut one = Map::new();
            one.insert(k.clone(), v.clone());
            merge(&mut inner, &one);
            response.insert(holder.into(), inner.into());
        }
    }
    merge(response, &top);
}

/// Does a request value fit a member of this type (so it can be echoed)?
fn fits(ty: &Ty, value: &Dynamic) -> bool {
    match ty {
        Ty::Struct(_) | Ty::Map(_) => value.is_map(),
        Ty::List(_) => value.is_array(),
        Ty::Boolean => value.is_bool(),
        Ty::Integer | Ty::Long => value.is_int(),
        Ty::Double => value.is_float() || value.is_int(),
        _ => value.is_string() || value.is::<Secret>(),
    }
}

/// A synthetic value of `shape` for a request: echo what the request set under the same
/// names, placeholders for identifiers, the time for timestamps, empty lists for a list call.
pub fn fill(shape: &Shape, request: &Map, id: &str, depth: usize) -> Map {
    let mut out = Map::new();
    for member in shape.members {
        let name = member.name;
        let echoed = request
            .get(name)
            .filter(|v| !v.is_unit() && fits(&member.ty, v))
            .cloned();
        let value = echoed.or_else(|| match &member.ty {
            Ty::Struct(inner) if depth < 2 => Some(fill(inner, request, id, depth + 1).into()),
            Ty::String if name.ends_with("Id") && !id.is_empty() => Some(id.into()),
            Ty::String if name.ends_with("Arn") && !id.is_empty() => {
                Some(format!("arn:aws:iam::000000000000:{id}").into())
            }
            Ty::String if name.ends_with("Url") && !id.is_empty() => {
                Some(format!("https://{}.invalid/", id.replace(':', "-")).into())
            }
            Ty::String if name == "Name" => request
                .iter()
                .find(|(k, v)| k.ends_with("Name") && v.is_string())
                .map(|(_, v)| v.clone()),
            Ty::Timestamp => {
                Timestamp::from_epoch_seconds(time::OffsetDateTime::now_utc().unix_timestamp())
                    .map(|t| t.to_cli().into())
            }
            Ty::List(_) if depth == 0 => Some(Array::new().into()),
            _ => None,
        });
        if let Some(value) = value {
            out.insert(name.into(), value);
        }
    }
    out
}
