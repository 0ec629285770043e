//! One request/response exchange through an SDK client, with the body runbook encoded.
//!
//! The SDK's serializers write every non-optional number and boolean of a structure (`0`,
//! `false`) whether or not it was set, and its deserializers fill required members the service
//! left out. To send exactly what the script wrote and print exactly what the service answered,
//! every operation goes through the SDK client as usual (endpoint resolution, signing, retries,
//! error parsing, timeouts all stay the SDK's) with two customisations of that one call:
//!
//! - before signing, the request body is replaced by the body [`wire`](super::wire) encoded
//!   from the checked request, with its `Content-Length`;
//! - after each attempt is read, the raw response body is kept, and is what the script sees.
//!
//! The SDK's own typed output is discarded. [`send_raw!`] is the glue each operation table uses.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

use super::error::AwsError;

/// One operation call (all its attempts): the body to send, and what came back.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    body: Bytes,
    state: Arc<State>,
    single_attempt: bool,
}

#[derive(Debug, Default)]
struct State {
    attempts: AtomicU32,
    /// Attempts the service answered "slow down".
    throttled: AtomicU32,
    received: Mutex<Option<Bytes>>,
    request_id: Mutex<Option<String>>,
}

impl Exchange {
    /// An exchange that will send `body`.
    pub fn new(body: Bytes) -> Self {
        Self {
            body,
            state: Arc::default(),
            single_attempt: false,
        }
    }

    /// One attempt only: the SDK does not retry (a batch paces and retries by itself).
    pub fn single_attempt(mut self) -> Self {
        self.single_attempt = true;
        self
    }

    /// Should the SDK's retries be turned off for this call?
    pub fn is_single_attempt(&self) -> bool {
        self.single_attempt
    }

    /// A `mutate_request` customisation that sends the body instead of the SDK's serialisation.
    pub fn send_body(&self) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
        let body = self.body.clone();
        move |request: &mut HttpRequest| {
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = SdkBody::from(body.clone());
        }
    }

    /// How many attempts the SDK made (its retries included).
    pub fn attempts(&self) -> u32 {
        self.state.attempts.load(Ordering::SeqCst)
    }

    /// How many attempts the service throttled.
    pub fn throttled(&self) -> u32 {
        self.state.throttled.load(Ordering::SeqCst)
    }

    /// The request id of the last answer, if the service sent one.
    pub fn request_id(&self) -> Option<String> {
        self.state.request_id.lock().ok().and_then(|id| id.clone())
    }

    /// The raw body of the last attempt's response, once the call succeeded.
    pub fn received(&self, service: &str, api: &str) -> Result<Bytes, AwsError> {
        self.state
            .received
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .ok_or_else(|| {
                AwsError::local(
                    service,
                    api,
                    "ResponseError",
                    "the response body could not be read",
                )
            })
    }
}

impl Intercept for Exchange {
    fn name(&self) -> &'static str {
        "runbook::Exchange"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.state.attempts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let body = response.body().bytes().map(Bytes::copy_from_slice);
        if super::error::throttles(
            response.status().as_u16(),
            response.headers().get("x-amzn-errortype"),
            body.as_deref().unwrap_or_default(),
        ) {
            self.state.throttled.fetch_add(1, Ordering::SeqCst);
        }
        if let Ok(mut slot) = self.state.received.lock() {
            *slot = body;
        }
        let id = ["x-amzn-requestid", "x-amz-request-id"]
            .iter()
            .find_map(|h| response.headers().get(*h))
            .map(str::to_string);
        if let Ok(mut slot) = self.state.request_id.lock() {
            *slot = id;
        }
        Ok(())
    }
}

/// `send_raw!(sdk_crate, client, op_method, "service", "Api", exchange)`: sends the exchange's
/// body as the request of `client.op_method()`; the answer is left in the exchange.
#[macro_export]
macro_rules! send_raw {
    ($sdk:ident, $client:expr, $op:ident, $service:literal, $api:literal, $exchange:expr) => {{
        let exchange: &$crate::aws::exchange::Exchange = $exchange;
        let mut call = $client
            .$op()
            .customize()
            .mutate_request(exchange.send_body())
            .interceptor(exchange.clone());
        if exchange.is_single_attempt() {
            call = call.config_override(
                $sdk::config::Builder::default()
                    .retry_config(aws_smithy_types::retry::RetryConfig::disabled()),
            );
        }
        call.send()
            .await
            .map(|_| ())
            .map_err(|e| $crate::aws::error::AwsError::from_sdk($service, $api, e))
    }};
}
