//! Shapes: the static description of an API's requests and responses.
//!
//! Every operation's input and output is a [`Shape`] (a structure) whose members have a [`Ty`].
//! The tables are generated from the SDK (`tools/gen-cognito-bridge.py`) or written by hand for
//! IAM. This module checks a script's request map against its shape — every key, type and enum
//! value, so that a mistake is reported *before* anything is sent — and turns it into the
//! [`Wire`] form holding exactly the members written. [`response`](super::response) reads the
//! answers with the same shapes.

use std::future::Future;
use std::pin::Pin;

use rhai::{Array, Dynamic, Map};

use super::clients::Clients;
use super::error::AwsError;
use super::exchange::Exchange;
use super::names::closest;
use super::timestamp::Timestamp;
use super::wire::Wire;

/// The type of one member.
pub enum Ty {
    String,
    Boolean,
    Integer,
    Long,
    /// Emitted by the generator for float members (cognito-idp 1.144 happens to have none).
    #[allow(dead_code)]
    Double,
    Timestamp,
    Blob,
    Document,
    /// A JSON document (an IAM policy) given as a map or as a JSON string; sent as a string.
    Json,
    /// A string restricted to the values the function returns (the SDK enum's `values()`).
    Enum(fn() -> &'static [&'static str]),
    Struct(&'static Shape),
    List(&'static Ty),
    /// A map with string keys.
    Map(&'static Ty),
}

/// Builds a [`Shape`] literal: `shape!("CreateRoleRequest" { "RoleName": Ty::String, required; ... })`.
#[macro_export]
macro_rules! shape {
    ($name:literal { $($member:literal : $ty:expr $(, $req:ident)?);* $(;)? }) => {
        $crate::aws::shape::Shape {
            name: $name,
            members: &[$($crate::aws::shape::Member {
                name: $member,
                ty: $ty,
                required: $crate::shape!(@required $($req)?),
            }),*],
        }
    };
    (@required required) => { true };
    (@required) => { false };
}

/// One member of a structure, named as in the API (`UserPoolId`).
pub struct Member {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

/// A structure: an operation's input or output, or a nested type.
pub struct Shape {
    pub name: &'static str,
    pub members: &'static [Member],
}

impl Shape {
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The members as data, for `runbook ops --json --members`:
    /// `{ "UserPoolId": { "type": "string", "required": true, "doc": "…" }, … }`. Nested
    /// structures list their members (a structure already being described is named, not
    /// repeated). `owner` names the SDK struct whose documentation the top level takes: the
    /// shape itself, or an operation's `<Api>Input` / `<Api>Output` ([`Operation::describe`]).
    pub fn describe_as(&self, owner: &str) -> serde_json::Value {
        self.describe_members(owner, &mut Vec::new())
    }

    fn describe_members(&self, owner: &str, stack: &mut Vec<&'static str>) -> serde_json::Value {
        stack.push(self.name);
        let members = self
            .members
            .iter()
            .map(|m| {
                let mut d = m.ty.describe(stack);
                if m.required {
                    d["required"] = true.into();
                }
                if let Some(doc) = member_doc(owner, m.name) {
                    d["doc"] = doc.into();
                }
                (m.name.to_string(), d)
            })
            .collect::<serde_json::Map<_, _>>();
        stack.pop();
        members.into()
    }
}

/// One line of the SDK's documentation of `member` of `owner` (a nested type such as
/// `UserPoolType`, or an operation's `AdminCreateUserInput` / `AdminCreateUserOutput`),
/// from the table `tools/gen-member-docs.py` generates.
pub fn member_doc(owner: &str, member: &str) -> Option<&'static str> {
    use super::member_docs::MEMBER_DOCS;
    let owner = owner.to_ascii_lowercase();
    MEMBER_DOCS
        .binary_search_by(|(o, m, _)| (*o, *m).cmp(&(owner.as_str(), member)))
        .ok()
        .map(|i| MEMBER_DOCS[i].2)
}

/// The members described by [`Shape::describe_as`] as indented text lines, for
/// `runbook ops --members` and `:help`: `UserPoolId: string, required — The ID of …`.
pub fn outline(described: &serde_json::Value) -> Vec<String> {
    let mut lines = Vec::new();
    outline_members(described, 0, &mut lines);
    lines
}

fn outline_members(members: &serde_json::Value, depth: usize, lines: &mut Vec<String>) {
    let Some(members) = members.as_object() else {
        return;
    };
    for (name, d) in members {
        let mut ty = d["type"].as_str().unwrap_or("").to_string();
        let mut inner = d;
        while let Some(item) = inner.get("member").or_else(|| inner.get("value")) {
            ty = format!("{ty} of {}", item["type"].as_str().unwrap_or(""));
            inner = item;
        }
        if let Some(values) = inner.get("values").and_then(|v| v.as_array()) {
            let values: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
            ty = format!("{ty} ({})", values.join(" | "));
        }
        let required = if d["required"] == true {
            ", required"
        } else {
            ""
        };
        let doc = d["doc"]
            .as_str()
            .map(|doc| format!(" — {doc}"))
            .unwrap_or_default();
        lines.push(format!("{}{name}: {ty}{required}{doc}", "  ".repeat(depth)));
        if let Some(nested) = inner.get("members") {
            outline_members(nested, depth + 1, lines);
        }
    }
}

impl Ty {
    fn describe(&self, stack: &mut Vec<&'static str>) -> serde_json::Value {
        use serde_json::json;
        match self {
            Ty::String => json!({ "type": "string" }),
            Ty::Boolean => json!({ "type": "boolean" }),
            Ty::Integer => json!({ "type": "integer" }),
            Ty::Long => json!({ "type": "long" }),
            Ty::Double => json!({ "type": "double" }),
            Ty::Timestamp => json!({ "type": "timestamp" }),
            Ty::Blob => json!({ "type": "blob" }),
            Ty::Document => json!({ "type": "document" }),
            Ty::Json => json!({ "type": "json" }),
            Ty::Enum(values) => json!({ "type": "string", "values": values() }),
            Ty::Struct(shape) if stack.contains(&shape.name) => {
                json!({ "type": "structure", "name": shape.name })
            }
            Ty::Struct(shape) => json!({
                "type": "structure",
                "name": shape.name,
                "members": shape.describe_members(shape.name, stack),
            }),
            Ty::List(item) => json!({ "type": "list", "member": item.describe(stack) }),
            Ty::Map(item) => json!({ "type": "map", "value": item.describe(stack) }),
        }
    }
}

/// How a list operation pages: the request's token and page-size members, the response's token
/// and the member holding the items to merge.
pub struct Pagination {
    pub input_token: &'static str,
    pub output_token: &'static str,
    pub items: Option<&'static str>,
    pub limit: Option<&'static str>,
    /// The member saying more pages follow (IAM's `IsTruncated`); removed with the tokens
    /// from a merged result.
    pub more: Option<&'static str>,
}

/// The future an operation's send glue returns; the answer is left in its [`Exchange`].
pub type OpFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AwsError>> + 'a>>;

/// One API operation as scripts see it: `namespace::name(request)`.
pub struct Operation {
    pub service: &'static str,
    pub namespace: &'static str,
    /// The CLI-style name: `admin_create_user`.
    pub name: &'static str,
    /// The API name: `AdminCreateUser`.
    pub api: &'static str,
    pub doc: &'static str,
    pub input: &'static Shape,
    pub output: &'static Shape,
    pub pagination: Option<&'static Pagination>,
    /// Sends the exchange's encoded request body through the SDK client's operation (signing,
    /// retries, endpoint and error parsing stay the SDK's); the raw answer is left in it.
    pub send: for<'a> fn(&'a Clients, &'a Exchange) -> OpFuture<'a>,
}

impl Operation {
    /// The request's members with their types and documentation (see [`Shape::describe_as`]).
    pub fn describe_input(&self) -> serde_json::Value {
        self.input.describe_as(&format!("{}Input", self.api))
    }

    /// The response's members with their types and documentation.
    pub fn describe_output(&self) -> serde_json::Value {
        self.output.describe_as(&format!("{}Output", self.api))
    }
}

fn did_you_mean(candidate: Option<&str>) -> String {
    candidate
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default()
}

/// Checks a request map against `shape` and converts it into the [`Wire`] form that is sent.
///
/// The error names the offending key by its path (`UserAttributes[0].Nme`) and suggests the
/// closest valid member name or enum value. Members set to `()` are left out, as if not written.
pub fn check_request(shape: &Shape, request: &Map) -> Result<Wire, String> {
    check_struct(shape, request, "")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn check_struct(shape: &Shape, map: &Map, path: &str) -> Result<Wire, String> {
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let Some(member) = shape.member(key) else {
            let hint = did_you_mean(closest(key, shape.members.iter().map(|m| m.name)));
            let valid: Vec<&str> = shape.members.iter().map(|m| m.name).collect();
            return Err(format!(
                "unknown request key \"{}\"{hint}; valid keys of {}: {}",
                join(path, key),
                shape.name,
                valid.join(", ")
            ));
        };
        if value.is_unit() {
            continue;
        }
        let wire = check_value(&member.ty, value, &join(path, key))?;
        // The service's length and pattern of a name (see `constraints`); secrets are not
        // names, and are never echoed in an error.
        if let (Wire::Str(text), false) = (&wire, value.is::<crate::value::Secret>()) {
            super::constraints::check(member.name, text, &join(path, key))?;
        }
        out.push((member.name.to_string(), wire));
    }
    if let Some(missing) = shape
        .members
        .iter()
        .find(|m| m.required && !out.iter().any(|(k, _)| k == m.name))
    {
        let key = join(path, missing.name);
        // A required member written as () is most often a misspelled member read upstream
        // (`pool.UserPool.ID` gives ()): say so, rather than only "missing".
        if map.get(missing.name).is_some_and(Dynamic::is_unit) {
            return Err(format!(
                "required key \"{key}\" is () — the value it was given does not exist (a misspelled member read, such as .ID for .Id, gives ())"
            ));
        }
        return Err(format!("missing required key \"{key}\""));
    }
    Ok(Wire::Struct(out))
}

/// Is `value` of the kind a member of type `ty` takes? Only the kind is checked (a string, an
/// integer, a map…; its contents are checked with the whole request): the error says what it
/// must be and what it is, in words (`a string, not an integer`).
pub fn check_argument(ty: &Ty, value: &Dynamic) -> Result<(), String> {
    if value.is_unit() {
        // Said with the whole request: a required member given () was most often misread.
        return Ok(());
    }
    let kind = crate::value::kind(value);
    match kind_mismatch(ty, kind) {
        Some(expected) => Err(format!("{expected}, not {kind}")),
        None => Ok(()),
    }
}

/// What a member of type `ty` must be, when a value of `kind` (`"a string"`, `"an integer"`,
/// as [`crate::value::kind`] says it) is not that; `None` when it fits. `runbook check` asks it of
/// literals, the engine of values.
pub fn kind_mismatch(ty: &Ty, kind: &str) -> Option<&'static str> {
    let fits = |kinds: &[&str]| kinds.contains(&kind);
    let (ok, expected) = match ty {
        Ty::String | Ty::Blob | Ty::Enum(_) => (fits(&["a string", "a secret"]), "a string"),
        Ty::Boolean => (fits(&["a boolean"]), "a boolean"),
        Ty::Integer | Ty::Long => (fits(&["an integer"]), "an integer"),
        Ty::Double => (fits(&["an integer", "a float"]), "a number"),
        Ty::Timestamp => (
            fits(&["a string", "an integer", "a float"]),
            "an ISO 8601 date-time or epoch seconds",
        ),
        Ty::Json => (
            fits(&["a string", "a map", "a secret"]),
            "a JSON document (a map or a JSON string)",
        ),
        Ty::Document => (true, ""),
        Ty::Struct(_) | Ty::Map(_) => (fits(&["a map"]), "a map"),
        Ty::List(_) => (fits(&["an array"]), "an array"),
    };
    (!ok).then_some(expected)
}

fn mismatch(path: &str, expected: &str, value: &Dynamic) -> String {
    format!(
        "request key \"{path}\" must be {expected}, not {}",
        crate::value::kind(value)
    )
}

/// Text to send, unless it holds a secret's mask instead of its value: a secret made into plain
/// text (interpolated, printed into a string) would otherwise be sent as `********`.
fn unmasked(path: &str, text: String) -> Result<String, String> {
    if crate::value::holds_masked_secret(&text) {
        return Err(format!(
            "request key \"{path}\" holds a secret turned into plain text (it would be sent as ********): an interpolation or to_string masks a secret; build the value with + (\"prefix-\" + secret) so that it stays a secret"
        ));
    }
    Ok(text)
}

fn check_value(ty: &Ty, value: &Dynamic, path: &str) -> Result<Wire, String> {
    let wire = match ty {
        Ty::String | Ty::Blob => Wire::Str(unmasked(
            path,
            crate::value::text_revealed(value).ok_or_else(|| mismatch(path, "a string", value))?,
        )?),
        Ty::Enum(values) => Wire::Str(check_enum(values(), value, path)?),
        Ty::Boolean => Wire::Bool(
            value
                .as_bool()
                .map_err(|_| mismatch(path, "a boolean", value))?,
        ),
        Ty::Integer | Ty::Long => {
            let n = value
                .as_int()
                .map_err(|_| mismatch(path, "an integer", value))?;
            if matches!(ty, Ty::Integer) && i32::try_from(n).is_err() {
                return Err(format!(
                    "request key \"{path}\" is out of range for a 32-bit integer: {n}"
                ));
            }
            Wire::Int(n)
        }
        Ty::Double => match value.as_float() {
            Ok(f) => Wire::Float(f),
            Err(_) => Wire::Int(
                value
                    .as_int()
                    .map_err(|_| mismatch(path, "a number", value))?,
            ),
        },
        Ty::Timestamp => Wire::Time(check_timestamp(value, path)?),
        Ty::Document | Ty::Json => check_document(ty, value, path)?,
        Ty::Struct(shape) => {
            let map = value
                .read_lock::<Map>()
                .ok_or_else(|| mismatch(path, "a map", value))?;
            check_struct(shape, &map, path)?
        }
        Ty::List(item) => {
            let array = value
                .read_lock::<Array>()
                .ok_or_else(|| mismatch(path, "an array", value))?;
            Wire::List(
                array
                    .iter()
                    .enumerate()
                    .map(|(i, v)| check_value(item, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Ty::Map(item) => {
            let map = value
                .read_lock::<Map>()
                .ok_or_else(|| mismatch(path, "a map", value))?;
            Wire::Map(
                map.iter()
                    .map(|(k, v)| Ok((k.to_string(), check_value(item, v, &join(path, k))?)))
                    .collect::<Result<_, String>>()?,
            )
        }
    };
    Ok(wire)
}

/// An enum member's value: one of `valid`, or an error naming the closest.
fn check_enum(valid: &[&str], value: &Dynamic, path: &str) -> Result<String, String> {
    let s = value
        .clone()
        .into_immutable_string()
        .map_err(|_| mismatch(path, "a string", value))?;
    if !valid.contains(&s.as_str()) {
        return Err(format!(
            "request key \"{path}\" has invalid value \"{s}\"{}; valid values: {}",
            did_you_mean(closest(&s, valid.iter().copied())),
            valid.join(", ")
        ));
    }
    Ok(s.to_string())
}

/// A document member (any JSON value) or a JSON-string member (a map, or JSON text), not too
/// deep and holding no secret turned into text.
fn check_document(ty: &Ty, value: &Dynamic, path: &str) -> Result<Wire, String> {
    if crate::value::too_deep(value) {
        return Err(format!(
            "request key \"{path}\": {}",
            crate::value::too_deep_message()
        ));
    }
    if matches!(ty, Ty::Document) {
        let json = crate::value::to_json_revealed(value);
        unmasked(path, json.to_string())?;
        return Ok(Wire::Json(json));
    }
    let text = crate::value::json_text_revealed(value).map_err(|e| {
        format!("request key \"{path}\" must be a JSON document (a map or a JSON string): {e}")
    })?;
    Ok(Wire::Str(unmasked(path, text)?))
}

/// A timestamp as a script may write it: the CLI's ISO 8601 form (as responses print it), any
/// RFC 3339 date-time, or epoch seconds.
fn check_timestamp(value: &Dynamic, path: &str) -> Result<Timestamp, String> {
    let parsed = if let Ok(n) = value.as_int() {
        Timestamp::from_epoch_seconds(n)
    } else if let Ok(f) = value.as_float() {
        Timestamp::from_epoch_text(&f.to_string())
    } else if let Ok(s) = value.clone().into_immutable_string() {
        Timestamp::from_iso(&s)
    } else {
        return Err(mismatch(
            path,
            "an ISO 8601 date-time or epoch seconds",
            value,
        ));
    };
    parsed.ok_or_else(|| {
        format!(
            "request key \"{path}\" is not a date-time: {value}; write it as the CLI prints it, e.g. \"2026-11-26T05:47:40.417000+00:00\", or as epoch seconds"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Shape = Shape {
        name: "AttributeType",
        members: &[
            Member {
                name: "Name",
                ty: Ty::String,
                required: true,
            },
            Member {
                name: "Value",
                ty: Ty::String,
                required: false,
            },
        ],
    };
    fn modes() -> &'static [&'static str] {
        &["ON", "OFF", "OPTIONAL"]
    }
    static OUTER: Shape = Shape {
        name: "Request",
        members: &[
            Member {
                name: "UserPoolId",
                ty: Ty::String,
                required: true,
            },
            Member {
                name: "UserAttributes",
                ty: Ty::List(&Ty::Struct(&INNER)),
                required: false,
            },
            Member {
                name: "MfaConfiguration",
                ty: Ty::Enum(modes),
                required: false,
            },
            Member {
                name: "Created",
                ty: Ty::Timestamp,
                required: false,
            },
        ],
    };

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn unknown_key_suggests_closest_member() {
        let req = map(&[("UserPoolID", "p".into())]);
        let err = check_request(&OUTER, &req).unwrap_err();
        assert!(
            err.starts_with("unknown request key \"UserPoolID\" (did you mean \"UserPoolId\"?)"),
            "{err}"
        );
    }

    #[test]
    fn nested_key_error_names_its_path() {
        let attr: Dynamic = map(&[("Nme", "email".into())]).into();
        let req = map(&[
            ("UserPoolId", "p".into()),
            ("UserAttributes", vec![attr].into()),
        ]);
        let err = check_request(&OUTER, &req).unwrap_err();
        assert!(
            err.contains("\"UserAttributes[0].Nme\" (did you mean \"Name\"?)"),
            "{err}"
        );
    }

    #[test]
    fn bad_enum_and_type_and_missing_required_are_refused() {
        let req = map(&[
            ("UserPoolId", "p".into()),
            ("MfaConfiguration", "On".into()),
        ]);
        let err = check_request(&OUTER, &req).unwrap_err();
        assert!(
            err.contains("invalid value \"On\" (did you mean \"ON\"?)"),
            "{err}"
        );
        let req = map(&[("UserPoolId", Dynamic::from(5_i64))]);
        let err = check_request(&OUTER, &req).unwrap_err();
        assert_eq!(
            err,
            "request key \"UserPoolId\" must be a string, not an integer"
        );
        let err = check_request(&OUTER, &Map::new()).unwrap_err();
        assert_eq!(err, "missing required key \"UserPoolId\"");
    }

    #[test]
    fn timestamps_are_accepted_as_the_cli_prints_them() {
        let req = map(&[
            ("UserPoolId", "p".into()),
            ("Created", "2026-11-26T05:47:40.417000+00:00".into()),
        ]);
        let wire = check_request(&OUTER, &req).unwrap();
        assert_eq!(
            wire.to_json(),
            r#"{"Created":1795672060.417,"UserPoolId":"p"}"#
        );
        let req = map(&[("UserPoolId", "p".into()), ("Created", "yesterday".into())]);
        let err = check_request(&OUTER, &req).unwrap_err();
        assert!(err.contains("\"Created\" is not a date-time"), "{err}");
    }

    #[test]
    fn only_written_members_are_kept_and_unit_means_unset() {
        let req = map(&[
            ("UserPoolId", "p".into()),
            ("MfaConfiguration", Dynamic::UNIT),
        ]);
        assert_eq!(
            check_request(&OUTER, &req).unwrap().to_json(),
            r#"{"UserPoolId":"p"}"#
        );
    }
}

/// For the tests of hand-written tables (IAM, CloudWatch Logs): the shapes are compared with the
/// SDK's own builders, whose `Debug` names every member of the model.
#[cfg(test)]
pub mod sdk_check {
    use super::Shape;

    /// The member names of an SDK builder's `Debug`, folded (`role_name` → `rolename`), sorted.
    pub fn sdk_fields(debug: &str) -> Vec<String> {
        let inner = debug
            .split_once('{')
            .and_then(|(_, rest)| rest.rsplit_once('}'))
            .map_or("", |(inner, _)| inner);
        let mut fields: Vec<String> = inner
            .split(", ")
            .filter_map(|f| f.split_once(':').map(|(name, _)| name.trim()))
            .filter(|name| !name.is_empty() && !name.starts_with('_'))
            .map(|name| name.replace('_', ""))
            .collect();
        fields.sort();
        fields
    }

    /// A shape's member names, folded the same way.
    pub fn ours(shape: &Shape) -> Vec<String> {
        let mut names: Vec<String> = shape
            .members
            .iter()
            .map(|m| m.name.to_ascii_lowercase())
            .collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod docs_tests {
    use super::{Shape, Ty, member_doc};

    fn walk(
        owner: &str,
        shape: &'static Shape,
        seen: &mut Vec<&'static str>,
        missing: &mut Vec<String>,
    ) {
        for m in shape.members {
            if member_doc(owner, m.name).is_none() {
                missing.push(format!("{owner}.{}", m.name));
            }
            let mut ty = &m.ty;
            while let Ty::List(inner) | Ty::Map(inner) = ty {
                ty = inner;
            }
            if let Ty::Struct(nested) = ty
                && !seen.contains(&nested.name)
            {
                seen.push(nested.name);
                walk(nested.name, nested, seen, missing);
            }
        }
    }

    /// Every member of every operation's request and response, at any depth, has a line of
    /// the SDK's documentation (the generated table matches the shapes runbook sends).
    #[test]
    fn every_member_has_the_sdks_documentation() {
        let mut missing = Vec::new();
        let mut seen = Vec::new();
        let mut total = 0;
        for op in crate::aws::operations() {
            total += op.input.members.len() + op.output.members.len();
            walk(
                &format!("{}Input", op.api),
                op.input,
                &mut seen,
                &mut missing,
            );
            walk(
                &format!("{}Output", op.api),
                op.output,
                &mut seen,
                &mut missing,
            );
        }
        assert!(total > 500);
        assert!(
            missing.is_empty(),
            "{} undocumented: {missing:?}",
            missing.len()
        );
    }
}
