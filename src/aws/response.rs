//! Responses exactly as the service returned them, read the way the AWS CLI reads them.
//!
//! The raw body (JSON for cognito-idp, XML for IAM and STS) is read with the operation's output
//! [`Shape`]: members the service sent are kept with their API names, members it did not send
//! stay absent (nothing is filled with a default), members the shape does not know are dropped,
//! timestamps are printed as the CLI v2 prints them (see [`Timestamp`]), and IAM's URL-encoded
//! policy documents are decoded into maps, as the CLI does.

use std::collections::HashMap;

use rhai::{Array, Dynamic, Map};
use serde_json::value::RawValue;

use super::shape::{Shape, Ty};
use super::timestamp::Timestamp;
use crate::value::from_response_member;

/// Reads an awsJson response body.
/// A structure member's value as a script holds it: a secret when its name says so, unless
/// the model says it is one of a few fixed values (`TokenValidityUnits.AccessToken` is
/// "hours", not a token).
fn as_read(member: &super::shape::Member, value: Dynamic) -> Dynamic {
    match member.ty {
        Ty::Enum(_) => value,
        _ => from_response_member(member.name, value),
    }
}

pub fn from_json(shape: &'static Shape, body: &[u8]) -> Result<Dynamic, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new().into());
    }
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    json_value(&Ty::Struct(shape), text)
}

fn json_value(ty: &Ty, text: &str) -> Result<Dynamic, String> {
    let parse_err = |e: serde_json::Error| e.to_string();
    Ok(match ty {
        Ty::Struct(shape) => {
            let members: HashMap<String, &RawValue> =
                serde_json::from_str(text).map_err(parse_err)?;
            let mut out = Map::new();
            for (key, raw) in members {
                if let Some(member) = shape.member(&key)
                    && raw.get() != "null"
                {
                    let value = json_value(&member.ty, raw.get())?;
                    out.insert(member.name.into(), as_read(member, value));
                }
            }
            out.into()
        }
        Ty::List(item) => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(parse_err)?;
            items
                .iter()
                .map(|raw| json_value(item, raw.get()))
                .collect::<Result<Array, _>>()?
                .into()
        }
        Ty::Map(item) => {
            let entries: HashMap<String, &RawValue> =
                serde_json::from_str(text).map_err(parse_err)?;
            entries
                .into_iter()
                .map(|(k, raw)| {
                    let value = json_value(item, raw.get())?;
                    Ok((k.as_str().into(), from_response_member(&k, value)))
                })
                .collect::<Result<Map, String>>()?
                .into()
        }
        Ty::Timestamp => {
            let at = if text.starts_with('"') {
                let s: String = serde_json::from_str(text).map_err(parse_err)?;
                Timestamp::from_iso(&s)
                    .or_else(|| Timestamp::from_epoch_text(&s))
                    .ok_or_else(|| format!("not a timestamp: {s}"))?
            } else {
                Timestamp::from_epoch_text(text)
                    .ok_or_else(|| format!("not a timestamp: {text}"))?
            };
            at.to_cli().into()
        }
        _ => crate::value::from_json(&serde_json::from_str(text).map_err(parse_err)?),
    })
}

/// Reads an awsQuery (XML) response body: the members inside `<{api}Result>`.
pub fn from_xml(api: &str, shape: &'static Shape, body: &[u8]) -> Result<Dynamic, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    if text.trim().is_empty() {
        return Ok(Map::new().into());
    }
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let result_tag = format!("{api}Result");
    match elements(doc.root_element()).find(|n| n.tag_name().name() == result_tag) {
        Some(result) => xml_value(&Ty::Struct(shape), result),
        None => Ok(Map::new().into()),
    }
}

fn elements<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(roxmltree::Node::is_element)
}

fn xml_value(ty: &Ty, node: roxmltree::Node) -> Result<Dynamic, String> {
    let text = node.text().unwrap_or("");
    let name = node.tag_name().name();
    Ok(match ty {
        Ty::Struct(shape) => {
            let mut out = Map::new();
            for child in elements(node) {
                if let Some(member) = shape.member(child.tag_name().name()) {
                    let value = xml_value(&member.ty, child)?;
                    out.insert(member.name.into(), as_read(member, value));
                }
            }
            out.into()
        }
        Ty::List(item) => elements(node)
            .map(|child| xml_value(item, child))
            .collect::<Result<Array, _>>()?
            .into(),
        Ty::Map(item) => {
            let mut out = Map::new();
            for entry in elements(node) {
                let key = elements(entry).find(|n| n.tag_name().name() == "key");
                let value = elements(entry).find(|n| n.tag_name().name() == "value");
                if let (Some(key), Some(value)) = (key, value) {
                    out.insert(key.text().unwrap_or("").into(), xml_value(item, value)?);
                }
            }
            out.into()
        }
        Ty::Boolean => match text.trim() {
            "true" => true.into(),
            "false" => false.into(),
            other => return Err(format!("{name}: not a boolean: {other}")),
        },
        Ty::Integer | Ty::Long => text
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{name}: not an integer: {text}"))?
            .into(),
        Ty::Double => text
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{name}: not a number: {text}"))?
            .into(),
        Ty::Timestamp => Timestamp::from_iso(text)
            .or_else(|| Timestamp::from_epoch_text(text))
            .ok_or_else(|| format!("{name}: not a timestamp: {text}"))?
            .to_cli()
            .into(),
        // IAM sends policy documents URL-encoded; the CLI prints them decoded, as JSON.
        Ty::Json => {
            let decoded = urlencoding::decode(text)
                .map(|s| s.into_owned())
                .unwrap_or_else(|_| text.to_string());
            match serde_json::from_str::<serde_json::Value>(&decoded) {
                Ok(value) => crate::value::from_json(&value),
                Err(_) => decoded.into(),
            }
        }
        Ty::Document => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => crate::value::from_json(&value),
            Err(_) => text.to_string().into(),
        },
        Ty::String | Ty::Blob | Ty::Enum(_) => text.to_string().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape;

    static TAG: Shape = shape!("Tag" { "Key": Ty::String; "Value": Ty::String });
    static LAST_USED: Shape = shape!("RoleLastUsed" { "LastUsedDate": Ty::Timestamp });
    static ROLE: Shape = shape!("Role" {
        "RoleName": Ty::String; "CreateDate": Ty::Timestamp; "MaxSessionDuration": Ty::Integer;
        "AssumeRolePolicyDocument": Ty::Json; "Tags": Ty::List(&Ty::Struct(&TAG));
        "RoleLastUsed": Ty::Struct(&LAST_USED); "Description": Ty::String;
    });
    static OUT: Shape =
        shape!("GetRoleResponse" { "Role": Ty::Struct(&ROLE); "IsTruncated": Ty::Boolean });
    static POOL: Shape = shape!("UserPoolType" {
        "Id": Ty::String; "CreationDate": Ty::Timestamp; "EstimatedNumberOfUsers": Ty::Integer;
        "UserPoolTags": Ty::Map(&Ty::String);
    });
    static DESCRIBE: Shape = shape!("DescribeUserPoolResponse" { "UserPool": Ty::Struct(&POOL) });

    fn json(value: &Dynamic) -> String {
        serde_json::to_string(&rhai::serde::from_dynamic::<serde_json::Value>(value).unwrap())
            .unwrap()
    }

    #[test]
    fn json_keeps_what_was_sent_and_nothing_else() {
        let body = br#"{"UserPool":{"Id":"p1","CreationDate":1.764136060418E9,"Unknown":1,
            "EstimatedNumberOfUsers":0,"UserPoolTags":{"Name":"x"},"Extra":null}}"#;
        assert_eq!(
            json(&from_json(&DESCRIBE, body).unwrap()),
            r#"{"UserPool":{"CreationDate":"2025-11-26T05:47:40.418000+00:00","EstimatedNumberOfUsers":0,"Id":"p1","UserPoolTags":{"Name":"x"}}}"#
        );
        assert_eq!(json(&from_json(&DESCRIBE, b"").unwrap()), "{}");
        assert!(from_json(&DESCRIBE, b"{\"UserPool\":").is_err());
    }

    #[test]
    fn xml_reads_members_lists_empty_structures_and_policy_documents() {
        let body = br#"<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <GetRoleResult><Role>
            <RoleName>r1</RoleName><CreateDate>2026-11-26T05:47:40.418Z</CreateDate>
            <MaxSessionDuration>3600</MaxSessionDuration>
            <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>
            <Tags><member><Key>k</Key><Value>v &amp; w</Value></member></Tags>
            <RoleLastUsed/><Description></Description><Unknown>x</Unknown>
          </Role></GetRoleResult>
          <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata>
        </GetRoleResponse>"#;
        assert_eq!(
            json(&from_xml("GetRole", &OUT, body).unwrap()),
            r#"{"Role":{"AssumeRolePolicyDocument":{"Version":"2012-10-17"},"CreateDate":"2026-11-26T05:47:40.418000+00:00","Description":"","MaxSessionDuration":3600,"RoleLastUsed":{},"RoleName":"r1","Tags":[{"Key":"k","Value":"v & w"}]}}"#
        );
        let empty = br#"<DeleteRoleResponse><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></DeleteRoleResponse>"#;
        assert_eq!(json(&from_xml("DeleteRole", &OUT, empty).unwrap()), "{}");
    }
}
