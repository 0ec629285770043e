//! The AWS bridge: one generic path from a script's request map to an SDK call and back.
//!
//! `cognito::*` functions come from the generated table in [`cognito_ops`]; `iam::*` and
//! `sts::*` from the hand-written tables in [`iam`] and [`sts`] (their SDKs have no schema
//! serde yet). Every call goes through [`Bridge::call`]: check the request against the input
//! [`Shape`](shape::Shape), send it, follow every page of a list operation, and convert the
//! response into a Rhai map keyed by the API's member names.

pub mod cognito_ops;
pub mod error;
pub mod iam;
pub mod shape;
pub mod sts;

use std::collections::HashMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_schema::document::DiscriminatedDocumentExt;
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use aws_smithy_types::{DiscriminatedDocument, Document, Number};
use rhai::{Array, Dynamic, Map};
use tokio::sync::OnceCell;

pub use error::AwsError;
pub use shape::{OpFuture, Operation};

use crate::safety::Secret;

/// Where AWS calls go: the global `--profile`, `--region` and `--endpoint-url` flags, and
/// whether `--local` asked for dummy credentials.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub dummy_credentials: bool,
}

/// SDK clients, built on first use so that a runbook that calls no AWS API never loads
/// credentials or configuration.
pub struct Clients {
    settings: Settings,
    config: OnceCell<SdkConfig>,
    cognito: OnceCell<aws_sdk_cognitoidentityprovider::Client>,
    iam: OnceCell<aws_sdk_iam::Client>,
    sts: OnceCell<aws_sdk_sts::Client>,
}

impl Clients {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            config: OnceCell::new(),
            cognito: OnceCell::new(),
            iam: OnceCell::new(),
            sts: OnceCell::new(),
        }
    }

    /// The shared SDK configuration: the standard aws-config chain, narrowed by the global
    /// flags, with a bounded connect timeout and retry count so that an unreachable endpoint
    /// fails within seconds.
    pub async fn config(&self) -> &SdkConfig {
        self.config
            .get_or_init(|| async {
                let s = &self.settings;
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(3))
                            .operation_attempt_timeout(Duration::from_secs(60))
                            .build(),
                    )
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3));
                if let Some(profile) = &s.profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = &s.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                if let Some(url) = &s.endpoint_url {
                    loader = loader.endpoint_url(url);
                }
                if s.dummy_credentials {
                    loader = loader
                        .credentials_provider(aws_credential_types::Credentials::new(
                            "runbook-local",
                            "runbook-local",
                            None,
                            None,
                            "runbook-local",
                        ))
                        .region(Region::new(
                            s.region.clone().unwrap_or_else(|| "us-east-1".into()),
                        ));
                }
                loader.load().await
            })
            .await
    }

    pub async fn cognito(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        let config = self.config().await;
        self.cognito
            .get_or_init(|| async { aws_sdk_cognitoidentityprovider::Client::new(config) })
            .await
    }

    pub async fn iam(&self) -> &aws_sdk_iam::Client {
        let config = self.config().await;
        self.iam
            .get_or_init(|| async { aws_sdk_iam::Client::new(config) })
            .await
    }

    pub async fn sts(&self) -> &aws_sdk_sts::Client {
        let config = self.config().await;
        self.sts
            .get_or_init(|| async { aws_sdk_sts::Client::new(config) })
            .await
    }

    /// The region calls go to, or an error a user can act on.
    pub async fn region(&self) -> Result<String, AwsError> {
        self.config()
            .await
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| AwsError::local("sts", "Configuration", "NoRegion", error::NO_REGION))
    }
}

/// Every operation scripts can call, across namespaces.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    cognito_ops::OPERATIONS
        .iter()
        .chain(iam::OPERATIONS.iter())
        .chain(sts::OPERATIONS.iter())
}

/// Looks an operation up by namespace and name (`"cognito"`, `"admin_create_user"`).
pub fn find_operation(namespace: &str, name: &str) -> Option<&'static Operation> {
    operations().find(|op| op.namespace == namespace && op.name == name)
}

/// Runs one operation to completion on `runtime`: validate, send, page, convert.
pub fn call(
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
    op: &Operation,
    request: &Map,
    defaults: &Map,
) -> Result<Dynamic, AwsError> {
    let mut merged = defaults.clone();
    merged.extend(request.iter().map(|(k, v)| (k.clone(), v.clone())));
    let doc = shape::request_to_document(op.input, &merged)
        .map_err(|message| AwsError::validation(op, message))?;
    // A request that carries its own token or page size asked for one page.
    let paged = op.pagination.filter(|p| {
        !request.contains_key(p.input_token) && p.limit.is_none_or(|l| !request.contains_key(l))
    });
    let response = runtime.block_on(send_all_pages(clients, op, doc, paged))?;
    Ok(shape::document_to_response(op.output, &response))
}

async fn send_all_pages(
    clients: &Clients,
    op: &Operation,
    mut doc: Document,
    pagination: Option<&shape::Pagination>,
) -> Result<Document, AwsError> {
    let mut response = (op.send)(clients, doc.clone()).await?;
    let Some(p) = pagination else {
        return Ok(response);
    };
    let Some(items_key) = p.items else {
        return Ok(response);
    };
    loop {
        let token = match &mut response {
            Document::Object(map) => match map.remove(p.output_token) {
                Some(Document::String(t)) if !t.is_empty() => t,
                _ => return Ok(response),
            },
            _ => return Ok(response),
        };
        if let Document::Object(input) = &mut doc {
            if input.get(p.input_token) == Some(&Document::String(token.clone())) {
                return Ok(response); // the service repeated its token: stop rather than loop
            }
            input.insert(p.input_token.to_string(), Document::String(token));
        }
        let mut next = (op.send)(clients, doc.clone()).await?;
        if let (Document::Object(all), Document::Object(page)) = (&mut response, &mut next) {
            if let (Some(Document::Array(items)), Some(Document::Array(more))) =
                (all.get_mut(items_key), page.remove(items_key))
            {
                items.extend(more);
            }
            // The last page's other members (its token, IsTruncated) describe the merged result.
            all.remove(p.output_token);
            all.extend(page.drain());
        }
    }
}

/// Builds an SDK input from a checked request document (used by the generated glue).
pub fn document_to_input<T>(
    api: &'static str,
    doc: &Document,
    deserialize: fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, AwsError> {
    DiscriminatedDocument::new(doc.clone())
        .as_shape(|d| deserialize(d))
        .map_err(|e| AwsError::local("cognito-idp", api, "ParamValidation", &e.to_string()))
}

/// Turns an SDK output into a document keyed by API member names (used by the generated glue).
pub struct Sent;

impl Sent {
    pub fn from_struct(out: &dyn SerializableStruct) -> Result<Document, AwsError> {
        DiscriminatedDocument::from_struct(out.schema(), out)
            .map(DiscriminatedDocument::into_document)
            .map_err(|e| {
                AwsError::local(
                    "cognito-idp",
                    "Response",
                    "SerializationError",
                    &e.to_string(),
                )
            })
    }
}

/// The string inside a value that may be a [`Secret`] or a plain string.
pub fn secret_or_string(value: &Dynamic) -> Option<String> {
    if let Some(secret) = value.read_lock::<Secret>() {
        return Some(secret.expose().to_string());
    }
    value.clone().into_string().ok()
}

/// Untyped conversion of a Rhai value into a document (for `Document`-typed members).
pub fn dynamic_to_document(value: &Dynamic) -> Document {
    if value.is_unit() {
        Document::Null
    } else if let Ok(b) = value.as_bool() {
        Document::Bool(b)
    } else if let Ok(i) = value.as_int() {
        match u64::try_from(i) {
            Ok(u) => Document::Number(Number::PosInt(u)),
            Err(_) => Document::Number(Number::NegInt(i)),
        }
    } else if let Ok(f) = value.as_float() {
        Document::Number(Number::Float(f))
    } else if let Some(array) = value.read_lock::<Array>() {
        Document::Array(array.iter().map(dynamic_to_document).collect())
    } else if let Some(map) = value.read_lock::<Map>() {
        Document::Object(
            map.iter()
                .map(|(k, v)| (k.to_string(), dynamic_to_document(v)))
                .collect::<HashMap<_, _>>(),
        )
    } else {
        Document::String(secret_or_string(value).unwrap_or_else(|| value.to_string()))
    }
}

/// Untyped conversion of a document into a Rhai value.
pub fn document_to_dynamic(doc: &Document) -> Dynamic {
    match doc {
        Document::Null => Dynamic::UNIT,
        Document::Bool(b) => (*b).into(),
        Document::Number(Number::PosInt(u)) => i64::try_from(*u)
            .map(Dynamic::from)
            .unwrap_or_else(|_| (*u as f64).into()),
        Document::Number(Number::NegInt(i)) => (*i).into(),
        Document::Number(Number::Float(f)) => (*f).into(),
        Document::String(s) => s.clone().into(),
        Document::Array(items) => items
            .iter()
            .map(document_to_dynamic)
            .collect::<Array>()
            .into(),
        Document::Object(map) => map
            .iter()
            .map(|(k, v)| (k.as_str().into(), document_to_dynamic(v)))
            .collect::<Map>()
            .into(),
    }
}

/// The JSON text of a value: a string is checked to be JSON and passed through; a map or array
/// is serialised.
pub fn json_text(value: &Dynamic) -> Result<String, String> {
    if let Ok(s) = value.clone().into_string() {
        serde_json::from_str::<serde_json::Value>(&s).map_err(|e| e.to_string())?;
        return Ok(s);
    }
    if value.is_map() || value.is_array() {
        let json: serde_json::Value =
            rhai::serde::from_dynamic(value).map_err(|e| e.to_string())?;
        return Ok(json.to_string());
    }
    Err(format!("got {}", value.type_name()))
}

/// Converts parsed JSON into a document.
pub fn json_to_document(value: &serde_json::Value) -> Document {
    use serde_json::Value;
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(f64::NAN))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect(),
        ),
    }
}
