//! The AWS flags (`--profile`, `--region`, `--endpoint-url`, `--local`, `--timeout`) of the
//! commands that talk to AWS, written before or after the command name, and how they become
//! the [`Settings`] a command's calls are made with (starting the emulator for `--local`).

use clap::Args;

use crate::aws::Settings;
use crate::emulator::Emulator;
use crate::error::Error;

/// [`AwsFlags`] written before the command name; hidden from help. Commands that do not talk
/// to AWS ignore them, so a wrapper that always passes `--endpoint-url` keeps working.
#[derive(Args, Debug, Clone, Default)]
pub struct LeadingAwsFlags {
    #[arg(long, hide = true)]
    profile: Option<String>,
    #[arg(long, hide = true)]
    region: Option<String>,
    #[arg(long, hide = true, value_name = "URL")]
    endpoint_url: Option<String>,
    #[arg(long, hide = true, conflicts_with = "endpoint_url")]
    local: bool,
    #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: Option<u64>,
}

impl LeadingAwsFlags {
    /// The command's own flags, completed by those written before it.
    pub fn under(&self, own: &AwsFlags) -> Result<AwsFlags, Error> {
        if own.local && self.endpoint_url.is_some() || self.local && own.endpoint_url.is_some() {
            return Err(Error::Usage(
                "--local and --endpoint-url cannot be used together".into(),
            ));
        }
        Ok(AwsFlags {
            profile: own.profile.clone().or_else(|| self.profile.clone()),
            region: own.region.clone().or_else(|| self.region.clone()),
            endpoint_url: own
                .endpoint_url
                .clone()
                .or_else(|| self.endpoint_url.clone()),
            local: own.local || self.local,
            timeout: own.timeout.or(self.timeout),
        })
    }
}

/// Where AWS calls go. Without flags, the standard chain applies (environment, profiles, SSO,
/// IMDS, `AWS_ENDPOINT_URL`). Flattened into each command that talks to AWS.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "AWS")]
pub struct AwsFlags {
    /// Use this named profile from ~/.aws/config.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Send requests to this region.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send requests to this endpoint instead of AWS (e.g. an emulator).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Start the bundled emulator on a free port, use it with dummy credentials, stop it on exit.
    #[arg(long, global = true, conflicts_with = "endpoint_url")]
    pub local: bool,
    /// How long one AWS call may take, its retries included, before it fails (default 30).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
}

/// An endpoint URL a user gave (flag or environment), checked before the SDK sees it.
fn check_endpoint(url: &str, from: &str) -> Result<(), Error> {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(Error::Usage(format!(
            "{from} must be an http(s) URL such as http://127.0.0.1:4566, not \"{url}\""
        ))),
    }
}

/// Resolves the AWS flags (starting the emulator for `--local`) and runs `f` with them.
pub fn with_aws(
    flags: &AwsFlags,
    f: impl FnOnce(Settings) -> Result<(), Error>,
) -> Result<(), Error> {
    if let Some(url) = &flags.endpoint_url {
        check_endpoint(url, "--endpoint-url")?;
    }
    for (name, value) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "AWS_ENDPOINT_URL" || name.starts_with("AWS_ENDPOINT_URL_") {
            check_endpoint(&value.to_string_lossy(), &name)?;
        }
    }
    // A profile named on the command line, or by AWS_PROFILE (which the SDK reads unless the
    // environment holds keys): a typo gets the same "did you mean" either way.
    let from_env = std::env::var("AWS_PROFILE").ok().filter(|p| {
        !p.is_empty()
            && p != "default"
            && std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
            && !flags.local
    });
    if let Some((profile, source)) = flags
        .profile
        .as_ref()
        .map(|p| (p, "--profile"))
        .or(from_env.as_ref().map(|p| (p, "AWS_PROFILE")))
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
        runtime
            .block_on(crate::aws::check_profile(profile))
            .map_err(|e| Error::Usage(format!("{source}: {e}")))?;
    }
    let mut settings = Settings {
        profile: flags.profile.clone(),
        role: None,
        region: flags.region.clone(),
        endpoint_url: flags.endpoint_url.clone(),
        dummy_credentials: false,
        timeout: flags
            .timeout
            .map(std::time::Duration::from_secs)
            .unwrap_or(crate::aws::DEFAULT_TIMEOUT),
    };
    if flags.local {
        let emulator = Emulator::start()?;
        crate::say!(
            "runbook: local emulator at {}",
            crate::value::shown_endpoint(&emulator.endpoint_url)
        );
        settings.endpoint_url = Some(emulator.endpoint_url.clone());
        settings.dummy_credentials = true;
        let result = f(settings);
        drop(emulator);
        return result;
    }
    f(settings)
}

/// `--var KEY=VALUE`.
pub fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got \"{text}\"")),
    }
}

/// `--var x=1 --var x=2` is a mistake, not "the last one wins".
pub fn no_repeated_vars(vars: &[(String, String)]) -> Result<(), Error> {
    for (at, (key, _)) in vars.iter().enumerate() {
        if vars[..at].iter().any(|(k, _)| k == key) {
            return Err(Error::Usage(format!(
                "--var {key} is given more than once; give each parameter once"
            )));
        }
    }
    Ok(())
}
