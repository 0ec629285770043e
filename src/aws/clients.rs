//! Where AWS calls go and with which credentials: the global flags ([`Settings`]) and the SDK
//! clients built from them on first use ([`Clients`]).

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::sync::OnceCell;

use super::error::{self, AwsError};
use super::names::closest;
use crate::emulator::{DEFAULT_REGION, DUMMY_CREDENTIAL};

/// Where AWS calls go: the global `--profile`, `--region` and `--endpoint-url` flags, and
/// whether `--local` asked for dummy credentials.
#[derive(Clone, Debug)]
pub struct Settings {
    pub profile: Option<String>,
    /// A role assumed from the credentials above (a fleet's `role_arn`), its external id, and
    /// the session name CloudTrail shows.
    pub role: Option<AssumedRole>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub dummy_credentials: bool,
    /// How long one call may take, its retries included (`--timeout`).
    pub timeout: Duration,
}

/// A role to act as, assumed from the base credentials (and refreshed before it expires).
#[derive(Clone, Debug)]
pub struct AssumedRole {
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// The default limit of one call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Settings {
    fn default() -> Self {
        Self {
            profile: None,
            role: None,
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
        if let Some(role) = &self.role {
            let base = Settings {
                role: None,
                ..self.clone()
            };
            return format!("role {} (from {})", role.arn, base.credential_source());
        }
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
    let hint = closest(name, names.iter().copied())
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
                            DUMMY_CREDENTIAL,
                            DUMMY_CREDENTIAL,
                            None,
                            None,
                            "runbook-local",
                        ))
                        .region(Region::new(
                            s.region.clone().unwrap_or_else(|| DEFAULT_REGION.into()),
                        ));
                }
                let mut config = loader.load().await;
                if let Some(role) = &s.role {
                    let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.arn)
                        .session_name(&role.session_name)
                        .configure(&config);
                    if let Some(id) = &role.external_id {
                        provider = provider.external_id(id);
                    }
                    let provider = provider.build().await;
                    config = config
                        .into_builder()
                        .credentials_provider(
                            aws_credential_types::provider::SharedCredentialsProvider::new(
                                provider,
                            ),
                        )
                        .build();
                }
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
