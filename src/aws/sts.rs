//! `sts::*`: who am I. `get_caller_identity` is the one STS call a runbook needs (for
//! `account_id()`), so its one-line table is written out here.

use super::clients::Clients;
use super::exchange::Exchange;
use super::shape::OpFuture;
use super::shape::{Operation, Shape, Ty};
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

fn get_caller_identity<'a>(clients: &'a Clients, exchange: &'a Exchange) -> OpFuture<'a> {
    Box::pin(async move {
        crate::send_raw!(
            aws_sdk_sts,
            clients.sts().await,
            get_caller_identity,
            "sts",
            "GetCallerIdentity",
            exchange
        )
    })
}
