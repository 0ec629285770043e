//! `sts::*`: who am I. `get_caller_identity` is the one STS call a runbook needs (for
//! `account_id()`), so its glue is written out here.

use aws_smithy_types::Document;

use super::shape::{Operation, Shape, Ty};
use super::{AwsError, Clients, OpFuture};
use crate::shape;

static REQUEST: Shape = shape!("GetCallerIdentityRequest" {});
static RESPONSE: Shape = shape!("GetCallerIdentityResponse" {
    "UserId": Ty::String; "Account": Ty::String; "Arn": Ty::String;
});

pub static OPERATIONS: &[Operation] = &[Operation {
    service: "sts",
    namespace: "sts",
    name: "get_caller_identity",
    api: "GetCallerIdentity",
    doc: "Returns the account, user id and ARN of the credentials in use.",
    input: &REQUEST,
    output: &RESPONSE,
    pagination: None,
    send: get_caller_identity,
}];

fn get_caller_identity(clients: &Clients, _doc: Document) -> OpFuture<'_> {
    Box::pin(async move {
        let out = clients
            .sts()
            .await
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("sts", "GetCallerIdentity", e))?;
        let mut map = std::collections::HashMap::new();
        for (key, value) in [
            ("UserId", out.user_id()),
            ("Account", out.account()),
            ("Arn", out.arn()),
        ] {
            if let Some(v) = value {
                map.insert(key.to_string(), Document::String(v.to_string()));
            }
        }
        Ok(Document::Object(map))
    })
}
