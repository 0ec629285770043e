//! One call of an operation: check the request into its [`Wire`] form, send it through the SDK
//! client, follow every page of a list, and read the raw answer with the output shape.

use bytes::Bytes;
use rhai::{Array, Map};

use super::clients::Clients;
use super::error::AwsError;
use super::shape::{self, Operation};
use super::wire::{Protocol, Wire};
use super::{cognito_ops, exchange, iam, logs, response, sts};

/// Every operation scripts can call, across namespaces.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    cognito_ops::OPERATIONS
        .iter()
        .chain(iam::OPERATIONS.iter())
        .chain(sts::OPERATIONS.iter())
        .chain(logs::OPERATIONS.iter())
}

/// Looks an operation up by namespace and name (`"cognito"`, `"admin_create_user"`).
pub fn find_operation(namespace: &str, name: &str) -> Option<&'static Operation> {
    operations().find(|op| op.namespace == namespace && op.name == name)
}

impl Operation {
    /// How this operation's service encodes requests and responses.
    pub fn protocol(&self) -> Protocol {
        match self.service {
            "iam" => Protocol::AwsQuery {
                version: "2010-05-08",
            },
            "sts" => Protocol::AwsQuery {
                version: "2011-06-15",
            },
            _ => Protocol::AwsJson,
        }
    }

    /// Reads a raw response body of this operation.
    fn decode(&self, body: &[u8]) -> Result<Map, AwsError> {
        let value = match self.protocol() {
            Protocol::AwsJson => response::from_json(self.output, body),
            Protocol::AwsQuery { .. } => response::from_xml(self.api, self.output, body),
        }
        .map_err(|e| {
            AwsError::local(
                self.service,
                self.api,
                "ResponseError",
                &format!("the response could not be read: {e}"),
            )
        })?;
        Ok(value.try_cast::<Map>().unwrap_or_default())
    }
}

/// How long to wait before a list's next page (its slot in the pace of its quota category).
pub type PageTurn = std::sync::Arc<dyn Fn() -> std::time::Duration + Send + Sync>;

/// A checked request ready to send: its wire form and whether to follow every page.
#[derive(Clone)]
pub struct Request {
    pub wire: Wire,
    pub pagination: Option<&'static shape::Pagination>,
    /// Let the SDK retry (its standard settings); `false` for a batch, which paces and
    /// retries its own requests.
    pub sdk_retries: bool,
    /// Each page after the first waits its turn: a page is a request like any other.
    pub page_turn: Option<PageTurn>,
}

impl Request {
    /// Checks a script's request. `written` is what the caller wrote (the request less any
    /// shorthand defaults): one that carries its own page token or page size asks for that one
    /// page; otherwise every page is followed.
    pub fn check(op: &'static Operation, request: &Map, written: &Map) -> Result<Self, AwsError> {
        let wire = shape::check_request(op.input, request)
            .map_err(|message| AwsError::validation(op.service, op.api, message))?;
        let pagination = op.pagination.filter(|p| {
            !written.contains_key(p.input_token) && p.limit.is_none_or(|l| !written.contains_key(l))
        });
        Ok(Self {
            wire,
            pagination,
            sdk_retries: true,
            page_turn: None,
        })
    }
}

/// What a call brought back: the response, and how it went.
pub struct Answer {
    pub response: Map,
    /// Attempts made across all pages (the SDK's retries included).
    pub attempts: u32,
    /// The first page's request id.
    pub request_id: Option<String>,
    /// Attempts the service throttled (and the SDK retried).
    pub throttled: u32,
}

/// Sends a checked request and, for a list, every following page, merging the items into the
/// first page's result. As in the AWS CLI, a merged result carries no pagination markers.
pub async fn send(clients: &Clients, op: &Operation, request: Request) -> Result<Answer, AwsError> {
    // Without a region nothing can be signed: say that, not that the endpoint is unreachable.
    if clients.config().await.region().is_none() {
        return Err(AwsError::local(
            op.service,
            op.api,
            "NoRegion",
            super::error::NO_REGION,
        ));
    }
    let mut tally = Tally::default();
    let Request {
        mut wire,
        pagination,
        sdk_retries,
        page_turn,
    } = request;
    let (mut response, request_id) = send_once(clients, op, &wire, sdk_retries, &mut tally).await?;
    let answer = |response, tally: Tally| Answer {
        response,
        attempts: tally.attempts,
        request_id: request_id.clone(),
        throttled: tally.throttled,
    };
    let (Some(p), Some(items_key)) = (pagination, pagination.and_then(|p| p.items)) else {
        return Ok(answer(response, tally));
    };
    let mut token = take_marker(&mut response, p);
    while let Some(next) = token {
        if wire.get(p.input_token) == Some(&Wire::Str(next.clone())) {
            break; // the service repeated its token: stop rather than loop
        }
        wire.set(p.input_token, Wire::Str(next));
        if let Some(turn) = &page_turn {
            let wait = turn();
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let (mut page, _) = send_once(clients, op, &wire, sdk_retries, &mut tally).await?;
        token = take_marker(&mut page, p);
        if let Some(more) = page.remove(items_key) {
            let more = more.try_cast::<Array>().unwrap_or_default();
            let mut items = response
                .remove(items_key)
                .and_then(|v| v.try_cast::<Array>())
                .unwrap_or_default();
            items.extend(more);
            response.insert(items_key.into(), items.into());
        }
    }
    Ok(answer(response, tally))
}

/// A call's attempts across its pages, and those the service throttled.
#[derive(Clone, Copy, Default)]
struct Tally {
    attempts: u32,
    throttled: u32,
}

/// Sends one request and reads its answer; counts its attempts into `tally`.
async fn send_once(
    clients: &Clients,
    op: &Operation,
    wire: &Wire,
    sdk_retries: bool,
    tally: &mut Tally,
) -> Result<(Map, Option<String>), AwsError> {
    let mut exchange = exchange::Exchange::new(Bytes::from(wire.encode(op.protocol(), op.api)));
    if !sdk_retries {
        exchange = exchange.single_attempt();
    }
    let sent = (op.send)(clients, &exchange).await;
    tally.attempts += exchange.attempts();
    tally.throttled += exchange.throttled();
    if let Err(mut e) = sent {
        e.attempts = Some(tally.attempts);
        e.throttled = tally.throttled;
        return Err(e);
    }
    let body = exchange.received(op.service, op.api)?;
    Ok((op.decode(&body)?, exchange.request_id()))
}

/// Removes a page's pagination markers, returning its next-page token if there is one.
fn take_marker(page: &mut Map, p: &shape::Pagination) -> Option<String> {
    if let Some(more) = p.more {
        page.remove(more);
    }
    page.remove(p.output_token)
        .and_then(|t| t.into_string().ok())
        .filter(|t| !t.is_empty())
}
