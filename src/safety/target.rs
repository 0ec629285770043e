//! The target: which account, caller, region, profile and endpoint a run acts on.
//!
//! Resolved once, at the first AWS call, from `sts:GetCallerIdentity`; written into the
//! journal's first line and printed on stderr before the first call that writes:
//!
//! ```text
//! runbook: target account 123456789012 (arn:aws:iam::123456789012:user/ops), region eu-west-1, profile prod
//! ```

use serde_json::{Value, json};

/// Who a run acts as, and where.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub region: Option<String>,
    /// `profile NAME`, `env` (credentials from the environment), or `local emulator`.
    pub source: String,
    /// The endpoint, when it is not AWS's.
    pub endpoint: Option<String>,
    /// Why the account is unknown, when it is.
    pub unknown: Option<String>,
}

impl Target {
    pub fn to_json(&self) -> Value {
        json!({
            "account": self.account,
            "arn": self.arn,
            "region": self.region,
            "credentials": self.source,
            "endpoint": self.endpoint,
            "unknown": self.unknown,
        })
    }

    /// The line printed before the first write.
    pub fn line(&self) -> String {
        format!("runbook: target {}", describe(&self.to_json()))
    }
}

/// A target (as journaled) in words.
pub fn describe(target: &Value) -> String {
    let mut text = match (target["account"].as_str(), target["arn"].as_str()) {
        (Some(account), Some(arn)) => format!("account {account} ({arn})"),
        (Some(account), None) => format!("account {account}"),
        _ => format!(
            "account unknown ({})",
            target["unknown"].as_str().unwrap_or("not resolved")
        ),
    };
    text.push_str(&format!(
        ", region {}",
        target["region"].as_str().unwrap_or("unknown")
    ));
    if let Some(source) = target["credentials"].as_str() {
        text.push_str(&format!(", {source}"));
    }
    if let Some(endpoint) = target["endpoint"].as_str() {
        text.push_str(&format!(", endpoint {endpoint}"));
    }
    text
}
