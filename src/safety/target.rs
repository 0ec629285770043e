//! The target: which account, caller, region, profile and endpoint a run acts on.
//!
//! Resolved once, at the first AWS call, from `sts:GetCallerIdentity`; written into the
//! journal's first line and printed on stderr before the first call that writes:
//!
//! ```text
//! runbook: target account 123456789012 (arn:aws:iam::123456789012:user/ops), region eu-west-1, profile prod
//! ```

use serde::{Deserialize, Serialize};

/// Who a run acts as, and where; the journal's `target`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Target {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub region: Option<String>,
    /// `profile NAME`, `env` (credentials from the environment), or `local emulator`; `role
    /// ARN (from …)` for a role assumed from them.
    #[serde(rename = "credentials")]
    pub source: String,
    /// The external id the role was assumed with (so a revert assumes it again the same way).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The endpoint, when it is not AWS's.
    pub endpoint: Option<String>,
    /// Why the account is unknown, when it is.
    pub unknown: Option<String>,
}

impl Target {
    /// The line printed before the first write.
    pub fn line(&self) -> String {
        format!("runbook: target {}", self.describe())
    }

    /// The target in words: `account 123456789012 (arn:…), region eu-west-1, profile prod`.
    pub fn describe(&self) -> String {
        let mut text = match (&self.account, &self.arn) {
            (Some(account), Some(arn)) => format!("account {account} ({arn})"),
            (Some(account), None) => format!("account {account}"),
            _ => format!(
                "account unknown ({})",
                self.unknown.as_deref().unwrap_or("not resolved")
            ),
        };
        text.push_str(&format!(
            ", region {}",
            self.region.as_deref().unwrap_or("unknown")
        ));
        if !self.source.is_empty() {
            text.push_str(&format!(", {}", self.source));
        }
        if let Some(endpoint) = &self.endpoint {
            text.push_str(&format!(
                ", endpoint {}",
                crate::value::shown_endpoint(endpoint)
            ));
        }
        text
    }
}
