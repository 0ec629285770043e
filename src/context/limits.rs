//! The account's real request-rate limits: what every call of a Cognito quota category is paced
//! at.
//!
//! Cognito tells an account its limit per category: `GetProvisionedLimit` with `LimitClass:
//! API_CATEGORY` answers `ProvisionedLimitValue` (the rate it enforces) and `FreeLimitValue`.
//! Each category's is read once per account and region in this process — after a first call
//! has been answered, so that an endpoint that does not answer costs no extra wait — and every
//! call of the category, single or batched, before-read, restore or revert, fleet target or
//! not, is paced from one budget at that rate ([`Pace`]). When it cannot be read (denied, or
//! an endpoint that does not serve it) the documented default stands, said once.

use std::collections::BTreeMap;

use rhai::{Dynamic, Map};

use super::Context;
use super::pace::{self, Budget, Pace};
use crate::aws::facts::{self, Quota};

/// How a category was paced this run: its rate and where it came from.
#[derive(Clone, Default)]
pub struct Paced {
    /// Category → `50/s (provisioned)`, `30/s (default: …)`.
    pub categories: BTreeMap<&'static str, String>,
    /// Requests the service answered "too many requests" (retried or not).
    pub throttled: usize,
}

/// What `GetProvisionedLimit` answers for a category: its provisioned and free values.
pub struct Limit {
    pub provisioned: f64,
    pub free: f64,
}

impl Context {
    /// The budget this context's calls count against (see [`Budget`]).
    pub fn budget(&self) -> Budget {
        // The credential source names an assumed role too (`role ARN (from profile p)`).
        let who = self.clients.settings().credential_source();
        let region = self
            .runtime
            .block_on(self.clients.region())
            .unwrap_or_default();
        (who, region)
    }

    /// The pace of a call of `function` (at most `cap`, a batch's `rate`).
    pub fn pace(&self, function: &str, cap: Option<f64>) -> Pace {
        let Some(quota) = facts::quota_of(function) else {
            return Pace::new(cap, None);
        };
        let budget = self.budget();
        let provisioned = self.provisioned(quota, &budget);
        let pace = Pace::within(cap, Some(quota), budget, provisioned);
        let said = match (provisioned, pace.current()) {
            (Some(_), Some(rate)) => format!("{rate}/s (provisioned)"),
            (None, Some(rate)) => format!("{rate}/s (default)"),
            (_, None) => "unbounded".into(),
        };
        // The latest word: a category first paced before its limit was read says so after.
        self.paced
            .borrow_mut()
            .categories
            .insert(quota.category, said);
        pace
    }

    /// Paces each page after a list's first (the first takes its slot as the call does): every
    /// page is a request of the category, at the same budget's pace.
    pub fn page_turns(&self, function: &str, request: &mut crate::aws::Request) {
        if request.pagination.is_none() || facts::quota_of(function).is_none() {
            return;
        }
        let pace = std::sync::Mutex::new(self.pace(function, None));
        request.page_turn = Some(std::sync::Arc::new(move || {
            pace.lock().map(|mut pace| pace.turn()).unwrap_or_default()
        }));
    }

    /// The provisioned rate of `quota`'s category in `budget`: read once (after this run's
    /// first answered call), `None` while unknown or unreadable.
    fn provisioned(&self, quota: &'static Quota, budget: &Budget) -> Option<f64> {
        if let Some(known) = pace::known_limit(budget, quota.category) {
            return known;
        }
        if !self.answered.get() || self.dry_run() {
            return None;
        }
        let rate = match self.read_limit(quota.category) {
            Ok(limit) => Some(limit.provisioned),
            Err(e) => {
                let why = e.code;
                crate::say!(
                    "runbook: pacing {} at its documented default, {}/s: its provisioned limit could not be read ({why})",
                    quota.category,
                    quota.rps
                );
                None
            }
        };
        pace::remember_limit(budget, quota.category, rate);
        rate
    }

    /// `GetProvisionedLimit` of one category.
    pub fn read_limit(&self, category: &str) -> Result<Limit, crate::aws::AwsError> {
        let mut attributes = Map::new();
        attributes.insert("Category".into(), Dynamic::from(category.to_string()));
        let mut definition = Map::new();
        definition.insert("LimitClass".into(), Dynamic::from("API_CATEGORY"));
        definition.insert("Attributes".into(), Dynamic::from(attributes));
        let mut request = Map::new();
        request.insert("LimitDefinition".into(), Dynamic::from(definition));
        let answer = self.call_named("cognito", "get_provisioned_limit", request)?;
        let malformed = |what: &str| {
            crate::aws::AwsError::local(
                "cognito-idp",
                "GetProvisionedLimit",
                "MalformedAnswer",
                &format!("no {what} in the answer"),
            )
        };
        let limit = answer
            .try_cast::<Map>()
            .and_then(|m| m.get("Limit").cloned())
            .and_then(|l| l.try_cast::<Map>())
            .ok_or_else(|| malformed("Limit"))?;
        let number = |key: &str| {
            limit
                .get(key)
                .and_then(|v| v.as_int().map(|n| n as f64).or_else(|_| v.as_float()).ok())
        };
        Ok(Limit {
            provisioned: number("ProvisionedLimitValue")
                .ok_or_else(|| malformed("ProvisionedLimitValue"))?,
            free: number("FreeLimitValue").unwrap_or(0.0),
        })
    }

    /// The closing line of a run that paced anything: each category at its rate, and the
    /// throttled requests met.
    pub fn pacing_line(&self) -> Option<String> {
        let paced = self.paced.borrow();
        if paced.categories.is_empty() {
            return None;
        }
        let each: Vec<String> = paced
            .categories
            .iter()
            .map(|(category, rate)| format!("{category} at {rate}"))
            .collect();
        Some(format!(
            "runbook: paced {}; {} throttled request{}",
            each.join(", "),
            paced.throttled,
            if paced.throttled == 1 { "" } else { "s" }
        ))
    }
}
