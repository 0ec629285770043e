//! The request as it goes on the wire: exactly the members the script wrote.
//!
//! A checked request (see [`shape::check_request`](super::shape::check_request)) is a [`Wire`]
//! tree holding only the members present in the script's map. It is encoded here in the
//! service's protocol and handed to the SDK as the request body, so that nothing the SDK would
//! default in (a non-optional `0` or `false`, such as `UnusedAccountValidityDays`) is sent:
//! the same body the AWS CLI sends for the same `--cli-input-json`.
//!
//! - awsJson 1.1 (cognito-idp): a JSON object; timestamps as epoch seconds.
//! - awsQuery (IAM, STS): `Action=…&Version=…` form parameters; structures as `Member.Sub`,
//!   lists as `Member.member.N`, maps as `Member.entry.N.key` / `.value`; timestamps as ISO 8601.

use super::timestamp::Timestamp;

/// One checked value of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Time(Timestamp),
    /// A free-form JSON document (`Document`-typed members).
    Json(serde_json::Value),
    List(Vec<Wire>),
    /// A structure: the API member names the script wrote (Rhai maps keep them sorted).
    Struct(Vec<(String, Wire)>),
    /// A map with string keys.
    Map(Vec<(String, Wire)>),
}

/// How a service's requests are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson 1.1: the body is the request as JSON.
    AwsJson,
    /// awsQuery: form parameters, with the API version.
    AwsQuery { version: &'static str },
}

impl Wire {
    /// A member of a structure.
    pub fn get(&self, key: &str) -> Option<&Wire> {
        match self {
            Wire::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets a member of a structure (a page token, when following pages).
    pub fn set(&mut self, key: &str, value: Wire) {
        if let Wire::Struct(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, slot)) => *slot = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    /// The awsJson body.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Wire::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Wire::Int(i) => out.push_str(&i.to_string()),
            Wire::Float(f) => out.push_str(&json_float(*f)),
            Wire::Str(s) => out.push_str(&json_string(s)),
            Wire::Time(t) => out.push_str(&t.to_epoch_text()),
            Wire::Json(value) => out.push_str(&value.to_string()),
            Wire::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Wire::Struct(members) | Wire::Map(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&json_string(key));
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// The awsQuery body: `Action=Api&Version=…` and one parameter per scalar.
    pub fn to_query(&self, action: &str, version: &str) -> String {
        let mut params = vec![
            ("Action".to_string(), action.to_string()),
            ("Version".to_string(), version.to_string()),
        ];
        if let Wire::Struct(members) = self {
            for (key, value) in members {
                value.query_params(key, &mut params);
            }
        }
        params
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn query_params(&self, prefix: &str, params: &mut Vec<(String, String)>) {
        match self {
            Wire::Bool(b) => params.push((prefix.into(), b.to_string())),
            Wire::Int(i) => params.push((prefix.into(), i.to_string())),
            Wire::Float(f) => params.push((prefix.into(), json_float(*f))),
            Wire::Str(s) => params.push((prefix.into(), s.clone())),
            Wire::Time(t) => params.push((prefix.into(), t.to_wire_iso())),
            Wire::Json(value) => params.push((prefix.into(), value.to_string())),
            // An empty list is sent as the bare member name, as the AWS CLI does.
            Wire::List(items) if items.is_empty() => params.push((prefix.into(), String::new())),
            Wire::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.query_params(&format!("{prefix}.member.{}", i + 1), params);
                }
            }
            Wire::Struct(members) => {
                for (key, value) in members {
                    value.query_params(&format!("{prefix}.{key}"), params);
                }
            }
            Wire::Map(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    let entry = format!("{prefix}.entry.{}", i + 1);
                    params.push((format!("{entry}.key"), key.clone()));
                    value.query_params(&format!("{entry}.value"), params);
                }
            }
        }
    }

    /// The body in `protocol`.
    pub fn encode(&self, protocol: Protocol, action: &str) -> String {
        match protocol {
            Protocol::AwsJson => self.to_json(),
            Protocol::AwsQuery { version } => self.to_query(action, version),
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn json_float(f: f64) -> String {
    serde_json::Number::from_f64(f)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Wire {
        Wire::Str(text.into())
    }

    #[test]
    fn json_holds_exactly_the_members_given() {
        let request = Wire::Struct(vec![
            ("PoolName".into(), s("p\"1")),
            (
                "AdminCreateUserConfig".into(),
                Wire::Struct(vec![("AllowAdminCreateUserOnly".into(), Wire::Bool(true))]),
            ),
            (
                "UserPoolTags".into(),
                Wire::Map(vec![("Name".into(), s("x"))]),
            ),
            (
                "At".into(),
                Wire::Time(Timestamp::from_iso("2026-11-26T05:47:40.418Z").unwrap()),
            ),
            (
                "List".into(),
                Wire::List(vec![Wire::Int(1), Wire::Float(0.5)]),
            ),
        ]);
        assert_eq!(
            request.to_json(),
            r#"{"PoolName":"p\"1","AdminCreateUserConfig":{"AllowAdminCreateUserOnly":true},"UserPoolTags":{"Name":"x"},"At":1795672060.418,"List":[1,0.5]}"#
        );
    }

    #[test]
    fn query_flattens_structures_lists_and_maps() {
        let request = Wire::Struct(vec![
            ("RoleName".into(), s("r 1")),
            (
                "Tags".into(),
                Wire::List(vec![Wire::Struct(vec![
                    ("Key".into(), s("k")),
                    ("Value".into(), s("v&=")),
                ])]),
            ),
            ("TagKeys".into(), Wire::List(vec![])),
            (
                "Attrs".into(),
                Wire::Map(vec![("a".into(), Wire::Bool(false))]),
            ),
        ]);
        assert_eq!(
            request.to_query("TagRole", "2010-05-08"),
            "Action=TagRole&Version=2010-05-08&RoleName=r%201&Tags.member.1.Key=k\
             &Tags.member.1.Value=v%26%3D&TagKeys=&Attrs.entry.1.key=a&Attrs.entry.1.value=false"
        );
    }
}
