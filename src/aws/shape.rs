//! Shapes: the static description of an API's requests and responses.
//!
//! Every operation's input and output is a [`Shape`] (a structure) whose members have a [`Ty`].
//! The tables are generated from the SDK (`tools/gen-cognito-bridge.py`) or written by hand for
//! IAM. This module turns a script's request map into the SDK's [`Document`] form, checking every
//! key, type and enum value on the way so that a mistake is reported *before* anything is sent,
//! and turns a response [`Document`] back into a Rhai map with ISO-8601 timestamps.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::{DateTime, Document, Number};
use rhai::{Array, Dynamic, ImmutableString, Map};

use super::{AwsError, Clients};

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
}

/// How a list operation pages: the request's token and page-size members, the response's token
/// and the member holding the items to merge.
pub struct Pagination {
    pub input_token: &'static str,
    pub output_token: &'static str,
    pub items: Option<&'static str>,
    pub limit: Option<&'static str>,
}

/// The future an operation's send glue returns: the response as a document.
pub type OpFuture<'a> = Pin<Box<dyn Future<Output = Result<Document, AwsError>> + 'a>>;

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
    pub send: for<'a> fn(&'a Clients, Document) -> OpFuture<'a>,
}

/// The closest of `candidates` to `name`, if any is close enough to be a plausible typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn did_you_mean(candidate: Option<&str>) -> String {
    candidate
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default()
}

fn type_name(value: &Dynamic) -> &'static str {
    if value.is_string() {
        "string"
    } else if value.is_int() {
        "integer"
    } else if value.is_float() {
        "float"
    } else if value.is_bool() {
        "boolean"
    } else if value.is_map() {
        "map"
    } else if value.is_array() {
        "array"
    } else if value.is_unit() {
        "()"
    } else {
        value.type_name()
    }
}

/// Checks a request map against `shape` and converts it into a [`Document`].
///
/// The error names the offending key by its path (`UserAttributes[0].Nme`) and suggests the
/// closest valid member name or enum value.
pub fn request_to_document(shape: &Shape, request: &Map) -> Result<Document, String> {
    struct_to_document(shape, request, "")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn struct_to_document(shape: &Shape, map: &Map, path: &str) -> Result<Document, String> {
    let mut out = HashMap::with_capacity(map.len());
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
        out.insert(
            key.to_string(),
            value_to_document(&member.ty, value, &join(path, key))?,
        );
    }
    if let Some(missing) = shape
        .members
        .iter()
        .find(|m| m.required && !out.contains_key(m.name))
    {
        return Err(format!(
            "missing required key \"{}\"",
            join(path, missing.name)
        ));
    }
    Ok(Document::Object(out))
}

fn mismatch(path: &str, expected: &str, value: &Dynamic) -> String {
    format!(
        "request key \"{path}\" must be {expected}, not {}",
        type_name(value)
    )
}

fn value_to_document(ty: &Ty, value: &Dynamic, path: &str) -> Result<Document, String> {
    let doc = match ty {
        Ty::String | Ty::Blob => Document::String(
            super::secret_or_string(value).ok_or_else(|| mismatch(path, "a string", value))?,
        ),
        Ty::Enum(values) => {
            let s = value
                .clone()
                .into_immutable_string()
                .map_err(|_| mismatch(path, "a string", value))?;
            let valid = values();
            if !valid.contains(&s.as_str()) {
                return Err(format!(
                    "request key \"{path}\" has invalid value \"{s}\"{}; valid values: {}",
                    did_you_mean(closest(&s, valid.iter().copied())),
                    valid.join(", ")
                ));
            }
            Document::String(s.to_string())
        }
        Ty::Boolean => Document::Bool(
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
            int_document(n)
        }
        Ty::Double => match value.as_float() {
            Ok(f) => Document::Number(Number::Float(f)),
            Err(_) => int_document(
                value
                    .as_int()
                    .map_err(|_| mismatch(path, "a number", value))?,
            ),
        },
        Ty::Timestamp => {
            if let Ok(n) = value.as_int() {
                int_document(n)
            } else {
                let s = value
                    .clone()
                    .into_immutable_string()
                    .map_err(|_| mismatch(path, "an ISO-8601 string or epoch seconds", value))?;
                let t = DateTime::from_str(&s, Format::DateTime).map_err(|_| {
                    format!("request key \"{path}\" is not an ISO-8601 date-time: \"{s}\"")
                })?;
                Document::Number(Number::Float(t.as_secs_f64()))
            }
        }
        Ty::Document => super::dynamic_to_document(value),
        Ty::Json => Document::String(super::json_text(value).map_err(|e| {
            format!("request key \"{path}\" must be a JSON document (a map or a JSON string): {e}")
        })?),
        Ty::Struct(shape) => {
            let map = value
                .read_lock::<Map>()
                .ok_or_else(|| mismatch(path, "a map", value))?;
            struct_to_document(shape, &map, path)?
        }
        Ty::List(item) => {
            let array = value
                .read_lock::<Array>()
                .ok_or_else(|| mismatch(path, "an array", value))?;
            Document::Array(
                array
                    .iter()
                    .enumerate()
                    .map(|(i, v)| value_to_document(item, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Ty::Map(item) => {
            let map = value
                .read_lock::<Map>()
                .ok_or_else(|| mismatch(path, "a map", value))?;
            Document::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.to_string(), value_to_document(item, v, &join(path, k))?)))
                    .collect::<Result<_, String>>()?,
            )
        }
    };
    Ok(doc)
}

fn int_document(n: i64) -> Document {
    match u64::try_from(n) {
        Ok(u) => Document::Number(Number::PosInt(u)),
        Err(_) => Document::Number(Number::NegInt(n)),
    }
}

/// Converts a response document into a Rhai map, typed by `shape`: timestamps become ISO-8601
/// UTC strings, numbers become INT or FLOAT.
pub fn document_to_response(shape: &Shape, doc: &Document) -> Dynamic {
    match doc {
        Document::Object(map) => {
            let mut out = Map::new();
            for member in shape.members {
                if let Some(value) = map.get(member.name) {
                    out.insert(member.name.into(), typed_to_dynamic(&member.ty, value));
                }
            }
            out.into()
        }
        other => super::document_to_dynamic(other),
    }
}

fn typed_to_dynamic(ty: &Ty, doc: &Document) -> Dynamic {
    match (ty, doc) {
        (Ty::Timestamp, Document::Number(n)) => {
            let secs = match *n {
                Number::PosInt(u) => u as f64,
                Number::NegInt(i) => i as f64,
                Number::Float(f) => f,
            };
            let t = DateTime::from_secs_f64(secs);
            let text = t.fmt(Format::DateTime).unwrap_or_else(|_| secs.to_string());
            Dynamic::from(ImmutableString::from(text))
        }
        (Ty::Struct(shape), Document::Object(_)) => document_to_response(shape, doc),
        (Ty::List(item), Document::Array(items)) => items
            .iter()
            .map(|v| typed_to_dynamic(item, v))
            .collect::<Array>()
            .into(),
        (Ty::Map(item), Document::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.as_str().into(), typed_to_dynamic(item, v)))
            .collect::<Map>()
            .into(),
        _ => super::document_to_dynamic(doc),
    }
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
        let err = request_to_document(&OUTER, &req).unwrap_err();
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
        let err = request_to_document(&OUTER, &req).unwrap_err();
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
        let err = request_to_document(&OUTER, &req).unwrap_err();
        assert!(
            err.contains("invalid value \"On\" (did you mean \"ON\"?)"),
            "{err}"
        );
        let req = map(&[("UserPoolId", Dynamic::from(5_i64))]);
        let err = request_to_document(&OUTER, &req).unwrap_err();
        assert_eq!(
            err,
            "request key \"UserPoolId\" must be a string, not integer"
        );
        let err = request_to_document(&OUTER, &Map::new()).unwrap_err();
        assert_eq!(err, "missing required key \"UserPoolId\"");
    }

    #[test]
    fn timestamps_round_trip_as_iso_8601() {
        let req = map(&[
            ("UserPoolId", "p".into()),
            ("Created", "2024-05-01T10:00:00Z".into()),
        ]);
        let doc = request_to_document(&OUTER, &req).unwrap();
        let back = document_to_response(&OUTER, &doc);
        let back = back.read_lock::<Map>().unwrap();
        assert_eq!(
            back["Created"].clone().into_string().unwrap(),
            "2024-05-01T10:00:00Z"
        );
    }
}
