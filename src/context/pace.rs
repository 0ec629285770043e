//! Pacing: requests at the service's pace, per Cognito quota category.
//!
//! Every call of a quota category takes slots of one budget per account and region, at the
//! account's provisioned rate for the category (or its documented default), then follows what
//! the service accepts; see [`Pace`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How much of a category's one-second bucket a budget spends at once after a pause.
const BURST: Duration = Duration::from_millis(800);

/// The slowest pace: one request every ten seconds. A batch's `rate` below it is refused
/// (it would not be honoured), and what the service accepted never paces slower.
pub const MIN_RATE: f64 = 0.1;

/// Whose budget a category's requests count against: the credentials (as the flags, profile or
/// fleet target name them) and the region — an account's, as Cognito counts them.
pub type Budget = (String, String);

/// The rate of requests. An operation in a Cognito quota category
/// ([`QUOTAS`](crate::aws::facts::QUOTAS)) goes at the account's provisioned rate for that
/// category when runbook has read it (`GetProvisionedLimit`, see
/// [`Context::pace`](super::Context::pace)) — never above it — else at the category's documented
/// default, probing upward (an account whose quota was raised); every call of the category in
/// this process, single or batched, takes slots of one budget per [`Budget`]. An operation in
/// no category is unbounded until the service first throttles. When something is throttled
/// the pace is cut once — to 70% of the pace, or to what the service accepted over the last
/// second if that is more — and not again for requests sent before that cut (they went at the
/// old pace). Never above a category's default when it is not adjustable and its provisioned
/// value is unknown, nor above a batch's `rate` option.
pub struct Pace {
    cap: Option<f64>,
    rate: Option<f64>,
    next: Instant,
    category: Option<(Budget, &'static str)>,
    accepted: VecDeque<Instant>,
    last_cut: Option<Instant>,
    last_raise: Instant,
    /// When the batch began: before a whole second has passed, "accepted over the last
    /// second" measures nothing yet.
    began: Instant,
}

type Slots = std::collections::HashMap<(Budget, &'static str), Instant>;

/// A process-wide map, locked (a panicked holder does not poison it for the rest).
fn locked<T: Default>(
    cell: &'static std::sync::OnceLock<std::sync::Mutex<T>>,
) -> std::sync::MutexGuard<'static, T> {
    cell.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The next free slot of each budget's categories, shared by every call of this process.
fn category_slots() -> std::sync::MutexGuard<'static, Slots> {
    static SLOTS: std::sync::OnceLock<std::sync::Mutex<Slots>> = std::sync::OnceLock::new();
    locked(&SLOTS)
}

/// What runbook knows of a budget's category: its provisioned rate (`None`: it could not be
/// read, the default stands), read once per process.
type Limits = std::collections::HashMap<(Budget, &'static str), Option<f64>>;

fn limits() -> std::sync::MutexGuard<'static, Limits> {
    static LIMITS: std::sync::OnceLock<std::sync::Mutex<Limits>> = std::sync::OnceLock::new();
    locked(&LIMITS)
}

/// The provisioned rate of `category` in `budget`: `Some(Some(rate))` read, `Some(None)` not
/// readable, `None` not asked yet.
pub fn known_limit(budget: &Budget, category: &'static str) -> Option<Option<f64>> {
    limits().get(&(budget.clone(), category)).copied()
}

/// Keeps what the read of a category's provisioned rate found.
pub fn remember_limit(budget: &Budget, category: &'static str, rate: Option<f64>) {
    limits().insert((budget.clone(), category), rate);
}

impl Pace {
    /// A pace of its own budget (the category's default, probing; see [`Pace::within`]).
    pub fn new(cap: Option<f64>, quota: Option<&'static crate::aws::facts::Quota>) -> Self {
        Self::within(cap, quota, (String::new(), String::new()), None)
    }

    /// A pace taking the slots of `budget`'s category: at `provisioned` when known (never
    /// above it), else at the category's default; never above `cap`.
    pub fn within(
        cap: Option<f64>,
        quota: Option<&'static crate::aws::facts::Quota>,
        budget: Budget,
        provisioned: Option<f64>,
    ) -> Self {
        let cap = match (quota, provisioned) {
            (Some(_), Some(limit)) => Some(cap.map_or(limit, |c| c.min(limit))),
            (Some(q), None) if !q.adjustable => Some(cap.map_or(q.rps, |c| c.min(q.rps))),
            _ => cap,
        };
        Self {
            // The operator's `rate` (their account's quota) first, else the category's.
            rate: cap.or(quota.map(|q| q.rps)),
            cap,
            next: Instant::now(),
            category: quota.map(|q| (budget, q.category)),
            accepted: VecDeque::new(),
            last_cut: None,
            last_raise: Instant::now(),
            began: Instant::now(),
        }
    }

    pub fn current(&self) -> Option<f64> {
        match (self.rate, self.cap) {
            (Some(r), Some(c)) => Some(r.min(c)),
            (r, c) => r.or(c),
        }
    }

    /// Takes the next slot: of the category's shared budget, or this batch's own. A category
    /// is counted as the service counts it — a bucket holding one second's worth, full when
    /// idle — so its first requests after a pause go at once, up to [`BURST`] of a second's
    /// worth (the rest of the bucket is left for the network's jitter), and then one a gap
    /// (the generic cell rate algorithm: each slot moves the budget's theoretical arrival
    /// time on by a gap).
    fn slot(&mut self, earliest: Instant, gap: Duration) -> Instant {
        match &self.category {
            Some(key) => {
                let tolerance = BURST.saturating_sub(gap);
                let mut slots = category_slots();
                let due = slots.entry(key.clone()).or_insert(earliest);
                let slot = earliest.max(due.checked_sub(tolerance).unwrap_or(earliest));
                *due = (*due).max(slot) + gap;
                slot
            }
            None => {
                let slot = self.next.max(earliest);
                self.next = slot + gap;
                slot
            }
        }
    }

    /// How long to wait before the next request may go.
    pub fn turn(&mut self) -> Duration {
        let now = Instant::now();
        let Some(rate) = self.current() else {
            return Duration::ZERO;
        };
        let slot = self.slot(now, Duration::from_secs_f64(1.0 / rate.max(MIN_RATE)));
        slot - now
    }

    pub fn accepted(&mut self) {
        let now = Instant::now();
        self.accepted.push_back(now);
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            self.accepted.pop_front();
        }
        // Probe upward: +2% a second.
        if let Some(rate) = &mut self.rate {
            let dt = now.duration_since(self.last_raise).as_secs_f64();
            *rate *= 1.0 + 0.02 * dt;
        }
        self.last_raise = now;
    }

    /// The service said slow down to a request sent at `sent`: cut the pace, once for the
    /// requests sent at the old one.
    pub fn throttled(&mut self, sent: Instant) {
        let now = Instant::now();
        if self.last_cut.is_some_and(|cut| sent < cut) {
            return; // sent before the last cut: that cut already answered it
        }
        self.last_cut = Some(now);
        let measured = self.accepted.len() as f64;
        let whole_second = now.duration_since(self.began) >= Duration::from_secs(1);
        let rate = match self.current() {
            Some(current) if whole_second => (current * 0.7).max(measured * 0.95).min(current),
            Some(current) => current * 0.7,
            None => measured.max(1.0),
        };
        let rate = rate.max(MIN_RATE);
        self.rate = Some(rate);
        let gap = Duration::from_secs_f64(1.0 / rate);
        // The next free slot is at least a gap away; slots already handed out stand.
        match &self.category {
            Some(key) => {
                // No burst left: the budget's next slot is a gap away.
                let mut slots = category_slots();
                let due = slots.entry(key.clone()).or_insert(now);
                *due = (*due).max(now + BURST.saturating_sub(gap) + gap);
            }
            None => self.next = self.next.max(now + gap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_of_one_category_share_its_budget() {
        let quota = crate::aws::facts::quota_of("cognito::admin_disable_user");
        let (mut a, mut b) = (Pace::new(None, quota), Pace::new(None, quota));
        let mut waits = Vec::new();
        for _ in 0..25 {
            waits.push(a.turn());
            waits.push(b.turn());
        }
        // Fifty requests of two batches at 25/s: the first 0.8 s' worth (20) go at once, as
        // the service's full bucket takes them; the rest one a gap of 40 ms apart, the last
        // about 30 gaps on.
        assert!(waits[..20].iter().all(Duration::is_zero), "{waits:?}");
        assert!(!waits[21].is_zero(), "{waits:?}");
        let last = waits.iter().max().copied().unwrap_or_default();
        assert!(
            last >= Duration::from_millis(1150) && last <= Duration::from_millis(1300),
            "{waits:?}"
        );
        // UserUpdate cannot be raised: a higher `rate` is capped at its default.
        assert_eq!(Pace::new(Some(100.0), quota).current(), Some(25.0));
        // An operation in no category goes unbounded until throttled.
        assert_eq!(Pace::new(None, None).current(), None);
    }
}
