//! The AWS bridge: one generic path from a script's request map to an SDK call and back.
//!
//! `cognito::*` functions come from the generated table in [`cognito_ops`]; `iam::*` and
//! `sts::*` from the hand-written tables in [`iam`] and [`sts`]. Every call goes through
//! [`call`]: check the request against the input [`Shape`](shape::Shape) into its [`Wire`]
//! form, encode it in the service's protocol, send it through the SDK client
//! ([`exchange`]), follow every page of a list operation, and read the raw response with the
//! output shape ([`response`]) into a Rhai map keyed by the API's member names.

pub mod cognito_ops;
pub mod error;
pub mod exchange;
pub mod facts;
pub mod iam;
pub mod logs;
pub mod member_docs;
pub mod response;
pub mod shape;
pub mod sts;
pub mod timestamp;
pub mod wire;

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use bytes::Bytes;
use rhai::{Array, Dynamic, Map};
use tokio::sync::OnceCell;

pub use error::AwsError;
pub use shape::{OpFuture, Operation};
use wire::{Protocol, Wire};

use crate::safety::Secret;

/// Where AWS calls go: the global `--profile`, `--region` and `--endpoint-url` flags, and
/// whether `--local` asked for dummy credentials.
#[derive(Clone, Debug)]
pub struct Settings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub dummy_credentials: bool,
    /// How long one call may take, its retries included (`--timeout`).
    pub timeout: Duration,
}

/// The default limit of one call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Settings {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            endpoint_url: None,
            dummy_credentials: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Settings {
    /// Where the credentials come from, in words: `profile NAME`, `env`, or `local emulator`.
    pub fn credential_source(&self) -> String {
        if self.dummy_credentials {
            return "local emulator".into();
        }
        if let Some(profile) = &self.profile {
            return format!("profile {profile}");
        }
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            return "env".into();
        }
        match std::env::var("AWS_PROFILE") {
            Ok(p) if !p.is_empty() => format!("profile {p}"),
            _ => "profile default".into(),
        }
    }
}

/// Checks that a profile named on the command line exists in `~/.aws/config` or
/// `~/.aws/credentials` (or the files `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` name).
pub async fn check_profile(name: &str) -> Result<(), String> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None)
            .await
            .map_err(|e| format!("cannot read the AWS config files: {e}"))?;
    let mut names: Vec<&str> = set.profiles().collect();
    if names.contains(&name) {
        return Ok(());
    }
    names.sort_unstable();
    let hint = shape::closest(name, names.iter().copied())
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default();
    let known = if names.is_empty() {
        "there are none".to_string()
    } else {
        format!("the profiles are: {}", names.join(", "))
    };
    Err(format!(
        "the profile \"{name}\" is in neither the AWS config file nor the credentials file{hint}; {known}"
    ))
}

/// SDK clients, built on first use so that a runbook that calls no AWS API never loads
/// credentials or configuration.
pub struct Clients {
    settings: Settings,
    config: OnceCell<SdkConfig>,
    cognito: OnceCell<aws_sdk_cognitoidentityprovider::Client>,
    iam: OnceCell<aws_sdk_iam::Client>,
    sts: OnceCell<aws_sdk_sts::Client>,
    logs: OnceCell<aws_sdk_cloudwatchlogs::Client>,
}

impl Clients {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            config: OnceCell::new(),
            cognito: OnceCell::new(),
            iam: OnceCell::new(),
            sts: OnceCell::new(),
            logs: OnceCell::new(),
        }
    }

    /// The shared SDK configuration: the standard aws-config chain, narrowed by the global
    /// flags. Retries are the chain's (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, the profile's
    /// `max_attempts` / `retry_mode`, else the SDK's standard mode with 3 attempts), as in the
    /// AWS CLI; only the timeouts, which the chain does not configure, are bounded here so that
    /// an unreachable endpoint fails within seconds.
    pub async fn config(&self) -> &SdkConfig {
        self.config
            .get_or_init(|| async {
                let s = &self.settings;
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(profile) = &s.profile {
                    // An explicit --profile beats credentials and region from the environment,
                    // as in the AWS CLI; --region still beats the profile's region.
                    loader = loader.profile_name(profile).credentials_provider(
                        aws_config::profile::ProfileFileCredentialsProvider::builder()
                            .profile_name(profile)
                            .build(),
                    );
                    if s.region.is_none() {
                        loader = loader.region(
                            aws_config::profile::ProfileFileRegionProvider::builder()
                                .profile_name(profile)
                                .build(),
                        );
                    }
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
                let config = loader.load().await;
                // A call (its retries included) gets `timeout`; each attempt its share, so that
                // a silent endpoint fails within the limit with every configured attempt made.
                let attempts = config
                    .retry_config()
                    .map(|r| r.max_attempts())
                    .unwrap_or(3)
                    .max(1);
                let attempt = (s.timeout / attempts).max(Duration::from_secs(1));
                config
                    .into_builder()
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(3).min(attempt))
                            .operation_attempt_timeout(attempt)
                            .operation_timeout(s.timeout)
                            .build(),
                    )
                    .build()
            })
            .await
    }

    /// The flags calls are made with.
    pub fn settings(&self) -> &Settings {
        &self.settings
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

    pub async fn logs(&self) -> &aws_sdk_cloudwatchlogs::Client {
        let config = self.config().await;
        self.logs
            .get_or_init(|| async { aws_sdk_cloudwatchlogs::Client::new(config) })
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

/// A checked request ready to send: its wire form and whether to follow every page.
pub struct Request {
    pub wire: Wire,
    pub pagination: Option<&'static shape::Pagination>,
    /// Let the SDK retry (its standard settings); `false` for a batch, which paces and
    /// retries its own requests.
    pub sdk_retries: bool,
}

impl Request {
    /// Checks a script's request. `written` is what the caller wrote (the request less any
    /// shorthand defaults): one that carries its own page token or page size asks for that one
    /// page; otherwise every page is followed.
    pub fn check(op: &'static Operation, request: &Map, written: &Map) -> Result<Self, AwsError> {
        let wire = shape::check_request(op.input, request)
            .map_err(|message| AwsError::validation(op, message))?;
        let pagination = op.pagination.filter(|p| {
            !written.contains_key(p.input_token) && p.limit.is_none_or(|l| !written.contains_key(l))
        });
        Ok(Self {
            wire,
            pagination,
            sdk_retries: true,
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
}

/// Sends a checked request and, for a list, every following page, merging the items into the
/// first page's result. As in the AWS CLI, a merged result carries no pagination markers.
pub async fn send(clients: &Clients, op: &Operation, request: Request) -> Result<Answer, AwsError> {
    let mut attempts = 0;
    let Request {
        mut wire,
        pagination,
        sdk_retries,
    } = request;
    let (mut response, request_id) =
        send_once(clients, op, &wire, sdk_retries, &mut attempts).await?;
    let answer = |response| Answer {
        response,
        attempts,
        request_id: request_id.clone(),
    };
    let (Some(p), Some(items_key)) = (pagination, pagination.and_then(|p| p.items)) else {
        return Ok(answer(response));
    };
    let mut token = take_marker(&mut response, p);
    while let Some(next) = token {
        if wire.get(p.input_token) == Some(&Wire::Str(next.clone())) {
            break; // the service repeated its token: stop rather than loop
        }
        wire.set(p.input_token, Wire::Str(next));
        let (mut page, _) = send_once(clients, op, &wire, sdk_retries, &mut attempts).await?;
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
    Ok(Answer {
        response,
        attempts,
        request_id,
    })
}

/// Sends one request and reads its answer; counts its attempts into `attempts`.
async fn send_once(
    clients: &Clients,
    op: &Operation,
    wire: &Wire,
    sdk_retries: bool,
    attempts: &mut u32,
) -> Result<(Map, Option<String>), AwsError> {
    let mut exchange = exchange::Exchange::new(Bytes::from(wire.encode(op.protocol(), op.api)));
    if !sdk_retries {
        exchange = exchange.single_attempt();
    }
    let sent = (op.send)(clients, &exchange).await;
    *attempts += exchange.attempts();
    if let Err(mut e) = sent {
        e.attempts = Some(*attempts);
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

/// A request map from `(member, value)` pairs, for helpers that call operations by name.
pub fn request_map(pairs: &[(&str, Dynamic)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), v.clone()))
        .collect()
}

/// A member of a response map (`UserImportJob`, `Status`, …), or `()`.
pub fn member(value: &Dynamic, key: &str) -> Dynamic {
    value
        .read_lock::<Map>()
        .and_then(|m| m.get(key).cloned())
        .unwrap_or(Dynamic::UNIT)
}

/// The string inside a value that may be a [`Secret`] or a plain string.
pub fn secret_or_string(value: &Dynamic) -> Option<String> {
    if let Some(secret) = value.read_lock::<Secret>() {
        return Some(secret.expose().to_string());
    }
    value.clone().into_string().ok()
}

/// Untyped conversion of a Rhai value into JSON, secrets as themselves (for `Document`-typed
/// members and policy documents, which are sent).
pub fn dynamic_to_json(value: &Dynamic) -> serde_json::Value {
    use serde_json::Value;
    if value.is_unit() {
        Value::Null
    } else if let Ok(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Ok(i) = value.as_int() {
        Value::from(i)
    } else if let Ok(f) = value.as_float() {
        Value::from(f)
    } else if let Some(array) = value.read_lock::<Array>() {
        Value::Array(array.iter().map(dynamic_to_json).collect())
    } else if let Some(map) = value.read_lock::<Map>() {
        Value::Object(
            map.iter()
                .map(|(k, v)| (k.to_string(), dynamic_to_json(v)))
                .collect(),
        )
    } else {
        Value::String(secret_or_string(value).unwrap_or_else(|| value.to_string()))
    }
}

/// Untyped conversion of JSON into a Rhai value (numbers as INT where they fit, else FLOAT).
pub fn json_to_dynamic(value: &serde_json::Value) -> Dynamic {
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

/// The JSON text of a value: a string is checked to be JSON and passed through; a map or array
/// is serialised.
pub fn json_text(value: &Dynamic) -> Result<String, String> {
    if let Some(s) = secret_or_string(value) {
        serde_json::from_str::<serde_json::Value>(&s).map_err(|e| e.to_string())?;
        return Ok(s);
    }
    if value.is_map() || value.is_array() {
        return Ok(dynamic_to_json(value).to_string());
    }
    Err(format!("got {}", value.type_name()))
}
