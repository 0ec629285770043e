//! Pacing: requests at the service's pace, per Cognito quota category.
//!
//! A batch's requests take slots of a rate that starts at their quota category's documented
//! default and then follows what the service accepts; see [`Pace`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The slowest pace: one request every ten seconds. A batch's `rate` below it is refused
/// (it would not be honoured), and what the service accepted never paces slower.
pub const MIN_RATE: f64 = 0.1;

/// The rate of requests. An operation in a Cognito quota category
/// ([`QUOTAS`](crate::aws::facts::QUOTAS)) starts
/// at the category's default rate, shared by every batch of the category in this process (one
/// budget per account and region, as the service counts it); one in none is unbounded until
/// the service first throttles. Either way it then follows what the service accepts: +2% a
/// second while nothing is throttled (an account whose quota was raised); when something is,
/// cut once — to 70% of the pace, or to what the service accepted over the last second if
/// that is more — and not again for requests sent before that cut (they went at the old pace).
/// Never above a category's default when it is not adjustable, nor above the `rate` option.
pub struct Pace {
    cap: Option<f64>,
    rate: Option<f64>,
    next: Instant,
    category: Option<&'static str>,
    accepted: VecDeque<Instant>,
    last_cut: Option<Instant>,
    last_raise: Instant,
    /// When the batch began: before a whole second has passed, "accepted over the last
    /// second" measures nothing yet.
    began: Instant,
}

/// The next free slot of each quota category, shared by the batches of this process.
fn category_slots()
-> std::sync::MutexGuard<'static, std::collections::HashMap<&'static str, Instant>> {
    static SLOTS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<&'static str, Instant>>,
    > = std::sync::OnceLock::new();
    SLOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pace {
    pub fn new(cap: Option<f64>, quota: Option<&'static crate::aws::facts::Quota>) -> Self {
        let cap = match quota {
            Some(q) if !q.adjustable => Some(cap.map_or(q.rps, |c| c.min(q.rps))),
            _ => cap,
        };
        Self {
            // The operator's `rate` (their account's quota) first, else the category's default.
            rate: cap.or(quota.map(|q| q.rps)),
            cap,
            next: Instant::now(),
            category: quota.map(|q| q.category),
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

    /// Takes the next slot: of the category's shared budget, or this batch's own.
    fn slot(&mut self, earliest: Instant, gap: Duration) -> Instant {
        match self.category {
            Some(category) => {
                let mut slots = category_slots();
                let next = slots.entry(category).or_insert(earliest);
                let slot = (*next).max(earliest);
                *next = slot + gap;
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
        match self.category {
            Some(category) => {
                let mut slots = category_slots();
                let next = slots.entry(category).or_insert(now);
                *next = (*next).max(now + gap);
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
        for _ in 0..5 {
            waits.push(a.turn());
            waits.push(b.turn());
        }
        // Ten requests of two batches at 25/s: the last waits about 9 × 40 ms.
        let last = waits.iter().max().copied().unwrap_or_default();
        assert!(last >= Duration::from_millis(340), "{waits:?}");
        // UserUpdate cannot be raised: a higher `rate` is capped at its default.
        assert_eq!(Pace::new(Some(100.0), quota).current(), Some(25.0));
        // An operation in no category goes unbounded until throttled.
        assert_eq!(Pace::new(None, None).current(), None);
    }
}
