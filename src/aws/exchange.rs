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

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

use super::AwsError;

/// The body to send and the body received, for one operation call (all its attempts).
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    received: Arc<Mutex<Option<Bytes>>>,
}

impl Exchange {
    /// A `mutate_request` customisation that sends `body` instead of the SDK's serialisation.
    pub fn send_body(body: Bytes) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
        move |request: &mut HttpRequest| {
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = SdkBody::from(body.clone());
        }
    }

    /// The raw body of the last attempt's response, once the call succeeded.
    pub fn received(&self, service: &str, api: &str) -> Result<Bytes, AwsError> {
        self.received
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

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context
            .response()
            .body()
            .bytes()
            .map(Bytes::copy_from_slice);
        if let Ok(mut slot) = self.received.lock() {
            *slot = body;
        }
        Ok(())
    }
}

/// `send_raw!(client, op_method, "service", "Api", body)`: sends `body` (already encoded) as
/// the request of `client.op_method()` and evaluates to the raw response body.
#[macro_export]
macro_rules! send_raw {
    ($client:expr, $op:ident, $service:literal, $api:literal, $body:expr) => {{
        let exchange = $crate::aws::exchange::Exchange::default();
        $client
            .$op()
            .customize()
            .mutate_request($crate::aws::exchange::Exchange::send_body($body))
            .interceptor(exchange.clone())
            .send()
            .await
            .map_err(|e| $crate::aws::AwsError::from_sdk($service, $api, e))?;
        exchange.received($service, $api)
    }};
}
