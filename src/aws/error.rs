//! AWS failures as scripts see them: a map they can catch and inspect by `e.code`.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use rhai::{Dynamic, Map};

/// One failed AWS call, local or remote.
///
/// Thrown into scripts as `#{ code, message, operation, service, status, request_id, retryable }`.
#[derive(Clone, Debug, PartialEq)]
pub struct AwsError {
    pub code: String,
    pub message: String,
    /// The API operation name, `AdminCreateUser`.
    pub operation: String,
    /// The service's signing name, `cognito-idp`.
    pub service: String,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub retryable: bool,
    /// How many attempts were made, when the call was sent.
    pub attempts: Option<u32>,
    /// Attempts the service throttled, the last one (this error) included when it was.
    pub throttled: u32,
    /// Which thing the request was about (`UserPoolId=…, Username=u1`), for messages.
    pub subject: Option<String>,
    /// A retry of a write answered "already exists" after an earlier attempt failed: the
    /// change may have been made by that earlier attempt.
    pub uncertain: bool,
}

/// The code of [`AwsError::interrupted`].
pub const INTERRUPTED: &str = "Interrupted";

/// What to do when no region is configured.
pub const NO_REGION: &str =
    "no AWS region is configured: pass --region, set AWS_REGION, or set a region in your profile";

/// Error codes that mean "slow down": the request was not processed; a client backs off and
/// retries.
pub const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

/// Does a raw error answer (its status, `x-amzn-errortype` header and body) say "slow down"?
pub fn throttles(status: u16, error_type: Option<&str>, body: &[u8]) -> bool {
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let body = String::from_utf8_lossy(body);
    THROTTLING.iter().any(|code| {
        error_type.is_some_and(|t| t.split(':').next() == Some(code))
            || body.contains(&format!("\"{code}\""))
            || body.contains(&format!("#{code}\""))
            || body.contains(&format!("<Code>{code}</Code>"))
    })
}

impl AwsError {
    /// Is this the service saying "slow down"?
    pub fn is_throttle(&self) -> bool {
        THROTTLING.contains(&self.code.as_str())
    }

    /// An error raised before anything was sent: the request does not fit the operation.
    pub fn validation(service: &str, operation: &str, message: String) -> Self {
        Self::local(service, operation, "ParamValidation", &message)
    }

    /// An error raised on this side of the wire.
    pub fn local(service: &str, operation: &str, code: &str, message: &str) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            operation: operation.into(),
            service: service.into(),
            status: None,
            request_id: None,
            retryable: false,
            attempts: None,
            throttled: 0,
            subject: None,
            uncertain: false,
        }
    }

    /// The run was interrupted (SIGINT/SIGTERM): nothing more is sent. Scripts cannot catch it.
    pub fn interrupted(signal: i32) -> Self {
        Self::local(
            "runbook",
            "Interrupt",
            INTERRUPTED,
            &format!(
                "{} received: nothing more was sent",
                crate::safety::interrupt::name(signal)
            ),
        )
    }

    /// A signal came while a call was in flight and it did not answer in the grace period: it
    /// was abandoned (a write may or may not have been made). Scripts cannot catch it.
    pub fn abandoned(signal: i32) -> Self {
        Self::local(
            "runbook",
            "Interrupt",
            INTERRUPTED,
            &format!(
                "{} received: the call in flight did not answer in time and was abandoned (a write may have been made: journaled as maybe); nothing more was sent",
                crate::safety::interrupt::name(signal)
            ),
        )
    }

    /// Did the caller's credentials lack the permission (`AccessDeniedException`,
    /// `NotAuthorizedException`, IAM's `AccessDenied`)?
    pub fn denied(&self) -> bool {
        ["AccessDenied", "NotAuthorized", "Unauthorized"]
            .iter()
            .any(|d| self.code.contains(d))
    }

    /// An answer that is not the API's: said in words, not as the SDK's debug dump.
    fn not_an_api(service: &str, operation: &str, status: Option<u16>) -> Self {
        let status_text = status.map_or("something".to_string(), |s| format!("HTTP {s}"));
        Self {
            status,
            ..Self::local(
                service,
                operation,
                "UnexpectedResponse",
                &format!(
                    "the endpoint answered {status_text} with something that is not an AWS {service} answer (not an AWS API? check --endpoint-url)"
                ),
            )
        }
    }

    /// Converts any SDK error, keeping what the service said.
    pub fn from_sdk<E>(service: &str, operation: &str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut error = Self::from_sdk_unscrubbed(service, operation, err);
        // A service may echo a request's value (a password in a validation message).
        error.message = crate::value::scrubbed(&error.message);
        error
    }

    fn from_sdk_unscrubbed<E>(
        service: &str,
        operation: &str,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        match &err {
            SdkError::ServiceError(service_err) => {
                let meta = service_err.err().meta();
                let Some(code) = meta.code().map(str::to_string) else {
                    // No error code: not an AWS answer (a web server, a proxy's error page).
                    return Self::not_an_api(service, operation, status);
                };
                let retryable =
                    status.is_some_and(|s| s >= 500) || THROTTLING.contains(&code.as_str());
                Self {
                    message: meta
                        .message()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0))),
                    code,
                    operation: operation.into(),
                    service: service.into(),
                    status,
                    request_id: meta.request_id().map(str::to_string),
                    retryable,
                    attempts: None,
                    throttled: 0,
                    subject: None,
                    uncertain: false,
                }
            }
            SdkError::TimeoutError(_) => Self {
                retryable: true,
                ..Self::local(service, operation, "Timeout", "the request timed out")
            },
            SdkError::DispatchFailure(failure) => {
                let detail = failure
                    .as_connector_error()
                    .map(|c| {
                        let mut text = c.to_string();
                        let mut source = std::error::Error::source(c);
                        while let Some(s) = source {
                            text = format!("{text}: {s}");
                            source = s.source();
                        }
                        text
                    })
                    .unwrap_or_else(|| "the request could not be sent".into());
                let network = failure.is_io() || failure.is_timeout();
                if !network && detail.contains("Missing Region") {
                    Self::local(service, operation, "NoRegion", NO_REGION)
                } else if !network && detail.contains("credentials") {
                    Self::local(
                        service,
                        operation,
                        "NoCredentials",
                        &format!(
                            "no usable AWS credentials ({detail}); pass --profile, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws sso login`, or rehearse with --local"
                        ),
                    )
                } else {
                    Self {
                        retryable: true,
                        ..Self::local(
                            service,
                            operation,
                            "EndpointUnreachable",
                            &format!("could not reach the {service} endpoint: {detail}"),
                        )
                    }
                }
            }
            SdkError::ConstructionFailure(_) => {
                let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
                let code = if text.contains("region") {
                    "NoRegion"
                } else if text.contains("credentials") {
                    "NoCredentials"
                } else {
                    "RequestConstruction"
                };
                Self::local(service, operation, code, &text)
            }
            // An answer the SDK could not read as the API's (HTML, an empty body).
            SdkError::ResponseError(_) => Self::not_an_api(service, operation, status),
            _ => {
                let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
                Self {
                    status,
                    ..Self::local(service, operation, "ResponseError", &text)
                }
            }
        }
    }

    /// The map scripts catch.
    pub fn to_map(&self) -> Map {
        let mut map = Map::new();
        map.insert("code".into(), self.code.clone().into());
        map.insert("message".into(), self.message.clone().into());
        map.insert("operation".into(), self.operation.clone().into());
        map.insert("service".into(), self.service.clone().into());
        map.insert(
            "status".into(),
            self.status
                .map(|s| Dynamic::from(s as i64))
                .unwrap_or(Dynamic::UNIT),
        );
        map.insert(
            "request_id".into(),
            self.request_id
                .clone()
                .map(Dynamic::from)
                .unwrap_or(Dynamic::UNIT),
        );
        map.insert("retryable".into(), self.retryable.into());
        if let Some(attempts) = self.attempts {
            map.insert("attempts".into(), (attempts as i64).into());
        }
        if let Some(subject) = &self.subject {
            map.insert("subject".into(), subject.clone().into());
        }
        if self.uncertain {
            map.insert("uncertain".into(), true.into());
        }
        map
    }

    /// Reads back a thrown error map, if `value` is one.
    pub fn from_dynamic(value: &Dynamic) -> Option<Self> {
        let map = value.read_lock::<Map>()?;
        let text = |k: &str| map.get(k).and_then(|v| v.clone().into_string().ok());
        Some(Self {
            code: text("code")?,
            message: text("message").unwrap_or_default(),
            operation: text("operation")?,
            service: text("service").unwrap_or_default(),
            status: map
                .get("status")
                .and_then(|v| v.as_int().ok())
                .and_then(|s| u16::try_from(s).ok()),
            request_id: text("request_id"),
            retryable: map
                .get("retryable")
                .and_then(|v| v.as_bool().ok())
                .unwrap_or(false),
            attempts: map
                .get("attempts")
                .and_then(|v| v.as_int().ok())
                .and_then(|a| u32::try_from(a).ok()),
            throttled: 0,
            subject: text("subject"),
            uncertain: map
                .get("uncertain")
                .and_then(|v| v.as_bool().ok())
                .unwrap_or(false),
        })
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: {}: {}",
            self.operation, self.code, self.message
        )?;
        if let Some(subject) = &self.subject {
            write!(f, " ({subject})")?;
        }
        Ok(())
    }
}
