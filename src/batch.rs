//! `aws::batch` and `aws::each`: bulk work at the service's pace, lists at constant memory.
//!
//! `aws::batch("cognito::admin_create_user", requests, #{ concurrency: 8, rate: 50 })` runs one
//! operation over many requests on the one tokio runtime, at most `concurrency` in flight. Every
//! request is checked before the first is sent. Each goes through the same choke point as any
//! call ([`Context::admit`] / [`Context::settle`]): planned in a dry run, journaled one line per
//! request, a destructive operation confirmed once for the whole batch.
//!
//! Pacing is adaptive. The batch starts limited by `concurrency` alone (and `rate`, a cap in
//! requests per second, when given). On `TooManyRequestsException` / `LimitExceededException`
//! / throttling, it sets its rate to what the service accepted over the last second (the quota,
//! as measured) and then probes upward by 2% a second; throttled requests are not applied by
//! the service, so they are queued again and sent until they succeed — a request is never
//! counted twice and a success never re-sent. Other retryable failures (5xx, timeouts) are
//! retried up to three attempts; errors are returned in the results, not thrown, so the batch
//! completes. The SDK's own retries are off for batch requests: the batch paces them itself.
//!
//! `aws::each("cognito::list_users", #{ UserPoolId: p }, |user| …)` calls the closure for each
//! item of each page, holding one page at a time, and returns how many there were.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rhai::{
    Array, Dynamic, EvalAltResult, FnPtr, FuncRegistration, Map, Module, NativeCallContext,
};

use crate::aws::{self, AwsError, Operation, Request};
use crate::context::{Action, Admitted, Context};
use crate::engine::glue::throw;
use crate::safety::confirm::{self, Policy};
use crate::safety::interrupt;

/// Codes that mean "slow down": the request was not processed.
const THROTTLED: &[&str] = &[
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
];

/// How many attempts a request gets for failures other than throttling.
const MAX_ATTEMPTS: u32 = 3;

/// An operation named as in a script: `cognito::admin_create_user`.
fn operation(name: &str) -> Result<&'static Operation, String> {
    let (namespace, op) = name.split_once("::").unwrap_or(("", name));
    aws::find_operation(namespace, op).ok_or_else(|| {
        let all: Vec<String> = aws::operations()
            .map(|o| format!("{}::{}", o.namespace, o.name))
            .collect();
        let hint = aws::names::closest(name, all.iter().map(String::as_str))
            .map(|c| format!(" (did you mean \"{c}\"?)"))
            .unwrap_or_default();
        format!("\"{name}\" is not an operation{hint}; name it as in a script, e.g. \"cognito::admin_create_user\"")
    })
}

/// The rate of requests. An operation in a Cognito quota category ([`facts::QUOTAS`]) starts
/// at the category's default rate, shared by every batch of the category in this process (one
/// budget per account and region, as the service counts it); one in none is unbounded until
/// the service first throttles. Either way it then follows what the service accepts: +2% a
/// second while nothing is throttled (an account whose quota was raised), cut to the accepted
/// rate when something is — but never above a category's default when it is not adjustable,
/// nor above the `rate` option.
///
/// [`facts::QUOTAS`]: crate::aws::facts::QUOTAS
struct Pace {
    cap: Option<f64>,
    rate: Option<f64>,
    next: Instant,
    category: Option<&'static str>,
    accepted: VecDeque<Instant>,
    last_cut: Option<Instant>,
    last_raise: Instant,
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
    fn new(cap: Option<f64>, quota: Option<&'static crate::aws::facts::Quota>) -> Self {
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
        }
    }

    fn current(&self) -> Option<f64> {
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
    fn turn(&mut self) -> Duration {
        let now = Instant::now();
        let Some(rate) = self.current() else {
            return Duration::ZERO;
        };
        let slot = self.slot(now, Duration::from_secs_f64(1.0 / rate.max(0.1)));
        slot - now
    }

    fn accepted(&mut self) {
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

    /// The service said slow down: go at what it accepted over the last second.
    fn throttled(&mut self) {
        let now = Instant::now();
        if self
            .last_cut
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(500))
        {
            return; // one cut per burst of throttles
        }
        self.last_cut = Some(now);
        let measured = self.accepted.len() as f64;
        let rate = match self.rate {
            Some(r) => (measured * 0.98).min(r * 0.9),
            None => measured * 0.98,
        };
        self.rate = Some(rate.max(1.0));
        let gap = Duration::from_secs_f64(1.0 / rate.max(1.0));
        match self.category {
            Some(category) => {
                category_slots().insert(category, now + gap);
            }
            None => self.next = now + gap,
        }
    }
}

/// What a batch shows while it runs.
struct Meter {
    label: String,
    total: usize,
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
}

impl Meter {
    fn new(label: String, total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {per_sec} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(label.clone());
            bar
        });
        Self {
            label,
            total,
            bar,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    fn line(&self, done: usize, throttles: usize, errors: usize) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        format!(
            "{}: {done}/{} done, {:.1}/s, {throttles} throttled, {errors} error{}",
            self.label,
            self.total,
            done as f64 / secs,
            if errors == 1 { "" } else { "s" }
        )
    }

    fn update(&mut self, done: usize, throttles: usize, errors: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(format!("{throttles} throttled, {errors} errors"));
            }
            None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                self.last_line = Instant::now();
                crate::say!("{}", self.line(done, throttles, errors));
            }
            None => {}
        }
    }

    fn finish(&self, done: usize, throttles: usize, errors: usize) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        crate::say!("{}", self.line(done, throttles, errors));
    }
}

/// Options of `aws::batch`.
struct Options {
    concurrency: usize,
    rate: Option<f64>,
}

fn options(opts: &Map) -> Result<Options, String> {
    const KEYS: &[&str] = &["concurrency", "rate"];
    for key in opts.keys() {
        if !KEYS.contains(&key.as_str()) {
            let hint = aws::names::closest(key, KEYS.iter().copied())
                .map(|c| format!(" (did you mean \"{c}\"?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown option \"{key}\"{hint}; valid options: concurrency, rate"
            ));
        }
    }
    let number = |v: &Dynamic| {
        v.as_float()
            .ok()
            .or_else(|| v.as_int().ok().map(|i| i as f64))
    };
    let concurrency = match opts.get("concurrency") {
        None => 8,
        Some(v) => v
            .as_int()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=64).contains(n))
            .ok_or("option \"concurrency\" must be an integer from 1 to 64")?,
    };
    let rate = match opts.get("rate") {
        None => None,
        Some(v) => Some(
            number(v)
                .filter(|r| *r > 0.0)
                .ok_or("option \"rate\" must be a number of requests per second above 0")?,
        ),
    };
    Ok(Options { concurrency, rate })
}

fn result(outcome: Result<Dynamic, AwsError>) -> Dynamic {
    let mut map = Map::new();
    match outcome {
        Ok(value) => {
            map.insert("ok".into(), true.into());
            map.insert("result".into(), value);
        }
        Err(e) => {
            map.insert("ok".into(), false.into());
            map.insert("error".into(), e.to_map().into());
        }
    }
    map.into()
}

/// `aws::batch(op, requests, opts)`.
/// Invitations sent by email through a pool's default sender (`COGNITO_DEFAULT`), which sends
/// at most 50 emails a day per account: said before a batch of `admin_create_user` starts.
fn warn_default_email_sender(ctx: &Context, requests: &[Map]) {
    let mut by_pool: std::collections::BTreeMap<String, usize> = Default::default();
    for request in requests {
        let text = |k: &str| request.get(k).map(|v| v.to_string()).unwrap_or_default();
        let emails = request
            .get("DesiredDeliveryMediums")
            .and_then(|v| {
                v.read_lock::<Array>()
                    .map(|a| a.iter().any(|m| m.to_string() == "EMAIL"))
            })
            .unwrap_or(false);
        if emails && text("MessageAction") != "SUPPRESS" {
            *by_pool.entry(text("UserPoolId")).or_default() += 1;
        }
    }
    for (pool, count) in by_pool {
        let Ok(described) = ctx.call_named(
            "cognito",
            "describe_user_pool",
            crate::value::map_of(&[("UserPoolId", pool.clone().into())]),
        ) else {
            continue;
        };
        let sender = crate::value::member_text(
            &crate::value::member(
                &crate::value::member(&described, "UserPool"),
                "EmailConfiguration",
            ),
            "EmailSendingAccount",
        );
        if sender.is_empty() || sender == "COGNITO_DEFAULT" {
            crate::say!(
                "runbook: warning: {count} invitation{} of this batch go by email through {pool}'s default email sender (COGNITO_DEFAULT), which sends at most 50 emails a day per account; the rest will not arrive. Configure Amazon SES (EmailConfiguration) or pass MessageAction: \"SUPPRESS\"",
                if count == 1 { "" } else { "s" }
            );
        }
    }
}

/// `aws::batch(op, requests, opts)`, also for helpers built on the API (`restore_groups`).
pub fn batch(ctx: &Context, name: &str, requests: &Array, opts: &Map) -> Result<Array, AwsError> {
    let invalid = |m: String| {
        AwsError::local(
            "runbook",
            "Batch",
            "ParamValidation",
            &format!("aws::batch: {m}"),
        )
    };
    let op = operation(name).map_err(invalid)?;
    let opts = options(opts).map_err(invalid)?;
    // Every request is checked before the first is sent.
    let mut maps = Vec::with_capacity(requests.len());
    let mut checked = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        let map = request
            .read_lock::<Map>()
            .map(|m| m.clone())
            .ok_or_else(|| {
                invalid(format!(
                    "request [{i}] must be a map, not {}",
                    crate::value::type_name(request)
                ))
            })?;
        let mut request = Request::check(op, &map, &map)
            .map_err(|e| invalid(format!("request [{i}]: {}", e.message)))?;
        request.sdk_retries = false;
        maps.push(map);
        checked.push(Some(request));
    }
    if requests.is_empty() {
        return Ok(Array::new());
    }
    let class = aws::facts::of(op).class;
    let function = format!("{}::{}", op.namespace, op.name);
    if op.api == "AdminCreateUser" {
        warn_default_email_sender(ctx, &maps);
    }
    if class.destructive() && !ctx.dry_run() && !requests.is_empty() {
        let go = match ctx.confirm_policy() {
            Policy::Yes => true,
            Policy::Refuse => false,
            Policy::Ask => confirm::ask(&format!(
                "{function} × {} in {}: go ahead?",
                requests.len(),
                ctx.target().describe()
            )),
        };
        if !go {
            return Err(AwsError::local(
                op.service,
                op.api,
                "Refused",
                &format!(
                    "{function} is destructive: the batch of {} was not confirmed and nothing was sent; pass --yes to allow it",
                    requests.len()
                ),
            ));
        }
    }
    let actions: Vec<Action> = maps
        .iter()
        .map(|m| Action {
            confirmed: true,
            ..Action::of(op, m)
        })
        .collect();

    let total = actions.len();
    let mut results: Vec<Option<Result<Dynamic, AwsError>>> = (0..total).map(|_| None).collect();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, action) in actions.iter().enumerate() {
        match ctx.admit(action) {
            Ok(Admitted::Send) => queue.push_back(i),
            Ok(Admitted::Answered(value)) => results[i] = Some(Ok(value)),
            Err(e) if e.code == aws::error::INTERRUPTED => return Err(e),
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    let mut meter = Meter::new(format!("aws::batch {function}"), total);
    let (mut throttles, mut errors) = (0usize, 0usize);
    let mut done = results.iter().filter(|r| r.is_some()).count();
    let mut attempts = vec![0u32; total];
    let mut pace = Pace::new(opts.rate, aws::facts::quota_of(&function));
    let clients = &ctx.clients;
    let mut stopped = None;
    ctx.ready_to_record(&actions);
    // Requests sent and not answered yet; after a signal and GRACE, abandoned.
    let mut waiting: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    ctx.runtime.block_on(async {
        let mut in_flight = FuturesUnordered::new();
        let mut deadline = None;
        loop {
            while stopped.is_none() && in_flight.len() < opts.concurrency {
                if let Some(signal) = interrupt::received() {
                    stopped = Some(signal);
                    break;
                }
                let Some(i) = queue.pop_front() else { break };
                let wait = pace.turn();
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                let Some(request) = checked[i].as_ref().map(|r| Request {
                    wire: r.wire.clone(),
                    pagination: r.pagination,
                    sdk_retries: false,
                }) else {
                    continue;
                };
                waiting.insert(i);
                in_flight.push(async move {
                    let started = Instant::now();
                    let answer = aws::send(clients, op, request).await;
                    (i, answer, started.elapsed())
                });
            }
            if in_flight.is_empty() {
                break;
            }
            // A signal stops the sending; what is in flight gets GRACE to answer.
            if stopped.is_some() && deadline.is_none() {
                deadline = Some(tokio::time::Instant::now() + crate::context::GRACE);
            }
            let next = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, in_flight.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                },
                None => tokio::select! {
                    next = in_flight.next() => next,
                    signal = interrupt::arrival() => {
                        stopped = Some(signal);
                        continue;
                    }
                },
            };
            let Some((i, answer, elapsed)) = next else {
                break;
            };
            if stopped.is_some() {
                // After a signal nothing is sent again: a throttled or failed request is done.
                waiting.remove(&i);
                let settled = ctx.settle(&actions[i], answer, elapsed);
                errors += usize::from(settled.is_err());
                results[i] = Some(settled);
                done += 1;
                continue;
            }
            match answer {
                Err(e) if THROTTLED.contains(&e.code.as_str()) => {
                    throttles += 1;
                    pace.throttled();
                    queue.push_front(i);
                }
                Err(e) if e.retryable && attempts[i] + 1 < MAX_ATTEMPTS => {
                    attempts[i] += 1;
                    queue.push_back(i);
                }
                answer => {
                    waiting.remove(&i);
                    pace.accepted();
                    let prior = attempts[i];
                    let answer = answer
                        .map(|mut a| {
                            a.attempts += prior;
                            a
                        })
                        .map_err(|mut e| {
                            e.attempts = Some(e.attempts.unwrap_or(1) + prior);
                            e
                        });
                    let settled = ctx.settle(&actions[i], answer, elapsed);
                    if settled.is_err() {
                        errors += 1;
                    }
                    results[i] = Some(settled);
                    checked[i] = None;
                    done += 1;
                    meter.update(done, throttles, errors);
                }
            }
        }
    });
    // Requests a signal abandoned in flight: journaled (a write as maybe).
    if let Some(signal) = stopped {
        for i in waiting {
            let _ = ctx.settle(
                &actions[i],
                Err(AwsError::abandoned(signal)),
                std::time::Duration::ZERO,
            );
        }
    }
    meter.finish(done, throttles, errors);
    if let Some(signal) = stopped {
        crate::say!(
            "aws::batch {function} stopped by {}: {done} of {total} done, {} not sent",
            interrupt::name(signal),
            total - done
        );
        return Err(AwsError::interrupted(signal));
    }
    Ok(results
        .into_iter()
        .map(|r| {
            result(
                r.unwrap_or_else(|| {
                    Err(AwsError::local(op.service, op.api, "NotSent", "not sent"))
                }),
            )
        })
        .collect())
}

/// `aws::each(op, request, f)`: one page at a time, `f` called for every item.
fn each(
    ctx: &Context,
    call: &NativeCallContext,
    name: &str,
    request: &Map,
    f: &FnPtr,
) -> Result<i64, Box<EvalAltResult>> {
    let pos = call.call_position();
    let invalid = |m: String| {
        throw(
            AwsError::local(
                "runbook",
                "Each",
                "ParamValidation",
                &format!("aws::each: {m}"),
            ),
            pos,
        )
    };
    let op = operation(name).map_err(invalid)?;
    let (Some(p), Some(items)) = (op.pagination, op.pagination.and_then(|p| p.items)) else {
        return Err(invalid(format!(
            "{name} does not return pages of items; call it directly"
        )));
    };
    let mut request = request.clone();
    let mut count = 0i64;
    loop {
        let mut checked = Request::check(op, &request, &request).map_err(|e| throw(e, pos))?;
        checked.pagination = None;
        let page = ctx
            .guarded(&Action::of(op, &request), || {
                ctx.runtime.block_on(aws::send(&ctx.clients, op, checked))
            })
            .map_err(|e| throw(e, pos))?;
        let mut page = page.try_cast::<Map>().unwrap_or_default();
        let token = page
            .remove(p.output_token)
            .and_then(|t| t.into_string().ok())
            .filter(|t| !t.is_empty());
        for item in page
            .remove(items)
            .and_then(|v| v.try_cast::<Array>())
            .unwrap_or_default()
        {
            let _: Dynamic = f.call_within_context(call, (item,))?;
            count += 1;
        }
        match token {
            Some(token)
                if request.get(p.input_token).map(ToString::to_string) != Some(token.clone()) =>
            {
                request.insert(p.input_token.into(), token.into());
            }
            _ => return Ok(count),
        }
    }
}

/// Registers the `aws` namespace: `aws::batch`, `aws::each`.
pub fn register(module: &mut Module, ctx: &Rc<Context>) {
    for arity in [2, 3] {
        let c = ctx.clone();
        let run = move |call: &NativeCallContext, name: &str, requests: Array, opts: Map| {
            batch(&c, name, &requests, &opts).map_err(|e| throw(e, call.call_position()))
        };
        let params: &[&str] = if arity == 2 {
            &["operation: String", "requests: Array", "Array"]
        } else {
            &[
                "operation: String",
                "requests: Array",
                "options: Map",
                "Array",
            ]
        };
        let reg = FuncRegistration::new("batch")
            .in_internal_namespace()
            .with_params_info(params)
            .with_comments(["/// Runs one operation (\"cognito::admin_create_user\") over many request maps concurrently, pacing itself to the service's throttling; returns #{ ok, result | error } per request, in order. Options: concurrency, rate (requests per second)."]);
        if arity == 2 {
            reg.set_into_module(
                module,
                move |call: NativeCallContext, name: &str, requests: Array| {
                    run(&call, name, requests, Map::new())
                },
            );
        } else {
            reg.set_into_module(
                module,
                move |call: NativeCallContext, name: &str, requests: Array, opts: Map| {
                    run(&call, name, requests, opts)
                },
            );
        }
    }
    let c = ctx.clone();
    FuncRegistration::new("each")
        .in_internal_namespace()
        .with_params_info(["operation: String", "request: Map", "callback: FnPtr", "int"])
        .with_comments(["/// Calls the function for every item of every page of a list operation (\"cognito::list_users\"), holding one page at a time; returns the number of items."])
        .set_into_module(
            module,
            move |call: NativeCallContext, name: &str, request: Map, f: FnPtr| each(&c, &call, name, &request, &f),
        );
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
