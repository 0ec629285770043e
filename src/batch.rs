//! `aws::batch` and `aws::each`: bulk work at the service's pace, lists at constant memory.
//!
//! `aws::batch("cognito::admin_create_user", requests, #{ concurrency: 8, rate: 50 })` runs one
//! operation over many requests on the one tokio runtime, at most `concurrency` in flight. Every
//! request is checked before the first is sent. They go through the one call path any call takes
//! ([`Context::dispatch`]): each admitted as a ticket, planned in a dry run, journaled one line
//! per request; a destructive operation is confirmed once for the whole batch (once for the
//! whole fleet in a fleet run).
//!
//! Pacing is adaptive. The batch starts limited by `concurrency` alone (and `rate`, a cap in
//! requests per second, when given). On `TooManyRequestsException` / `LimitExceededException`
//! / throttling, it cuts its rate once — to 70%, or to what the service accepted over the last
//! second (the quota, as measured) if that is more — ignoring the throttles of requests sent
//! before that cut, and then probes upward by 2% a second; throttled requests are not applied by
//! the service, so they are queued again and sent until they succeed — a request is never
//! counted twice and a success never re-sent. Other retryable failures (5xx, timeouts) are
//! retried up to three attempts; errors are returned in the results, not thrown, so the batch
//! completes. The SDK's own retries are off for batch requests: the batch paces them itself.
//!
//! `aws::each("cognito::list_users", #{ UserPoolId: p }, |user| …)` calls the closure for each
//! item of each page, holding one page at a time, and returns how many there were.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rhai::plugin::*;
use rhai::{Array, Dynamic, EvalAltResult, FnPtr, Map, NativeCallContext};

use crate::aws::{self, AwsError, Operation, Request};
use crate::context::dispatch::Lanes;
use crate::context::{Action, Context};
use crate::engine::glue::throw;
use crate::safety::interrupt;

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
                .filter(|r| *r >= crate::context::pace::MIN_RATE && r.is_finite())
                .ok_or("option \"rate\" must be a number of requests per second, at least 0.1 (one request every 10 s)")?,
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
                    crate::value::kind(request)
                ))
            })?;
        let mut request = Request::check(op, &map, &map)
            .map_err(|e| invalid(format!("request [{i}]: {}", e.message)))?;
        request.sdk_retries = false;
        ctx.page_turns(name, &mut request);
        maps.push(map);
        checked.push(request);
    }
    if requests.is_empty() {
        return Ok(Array::new());
    }
    let class = aws::facts::of(op).class;
    let function = format!("{}::{}", op.namespace, op.name);
    if op.api == "AdminCreateUser" {
        warn_default_email_sender(ctx, &maps);
    }
    if class.destructive() && !ctx.dry_run() {
        // Asked once for the whole batch (and in a fleet once for every target).
        let decided = ctx.confirm_policy().decide(&function, || {
            format!(
                "{function} × {} in {}: go ahead?",
                requests.len(),
                ctx.target().describe()
            )
        });
        if let Err(refusal) = decided {
            return Err(AwsError::local(
                op.service,
                op.api,
                "Refused",
                &refusal.message(&format!("the batch of {} {function}", requests.len())),
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
    let lanes = Lanes {
        concurrency: opts.concurrency,
        pace: Some(ctx.pace(&function, opts.rate)),
        retries: true,
    };
    let mut meter = Meter::new(format!("aws::batch {function}"), actions.len());
    let total = actions.len();
    let clients = &ctx.clients;
    let dispatched = ctx.dispatch(
        actions,
        lanes,
        |i| aws::send(clients, op, checked[i].clone()),
        &mut |p| meter.update(p.done, p.throttles, p.errors),
    )?;
    let p = dispatched.progress;
    meter.finish(p.done, p.throttles, p.errors);
    if let Some(signal) = dispatched.stopped {
        // Done means made: an answer that came back as an error (a throttle answered during
        // the grace after the signal is final) is counted apart, as the journal has it.
        crate::say!(
            "aws::batch {function} stopped by {}: {} of {total} done, {} failed, {} not sent",
            interrupt::name(signal),
            p.done - p.errors,
            p.errors,
            total - p.done
        );
        return Err(AwsError::interrupted(signal));
    }
    Ok(dispatched.results.into_iter().map(result).collect())
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
            .guarded(Action::of(op, &request), || {
                aws::send(&ctx.clients, op, checked.clone())
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

/// The `aws` namespace's own functions: `aws::batch`, `aws::each`, `aws::members`.
#[export_module]
pub mod aws_functions {
    use rhai::{Array, EvalAltResult, FnPtr, Map, NativeCallContext};

    use crate::engine::glue::{context, throw};

    /// Runs one operation ("cognito::admin_create_user") over many request maps concurrently, pacing itself to the service's throttling; returns #{ ok, result | error } per request, in order. Options: concurrency, rate (requests per second).
    #[rhai_fn(return_raw)]
    pub fn batch(
        call: NativeCallContext,
        operation: &str,
        requests: Array,
    ) -> Result<Array, Box<EvalAltResult>> {
        batch_with(call, operation, requests, Map::new())
    }

    /// `aws::batch` with options: concurrency, rate (requests per second).
    #[rhai_fn(name = "batch", return_raw)]
    pub fn batch_with(
        call: NativeCallContext,
        operation: &str,
        requests: Array,
        options: Map,
    ) -> Result<Array, Box<EvalAltResult>> {
        super::batch(&*context(&call)?, operation, &requests, &options)
            .map_err(|e| throw(e, call.call_position()))
    }

    /// The names of an operation's request members ("cognito::update_user_pool" → ["UserPoolId", "Policies", …]), as the SDK's model has them: what `ensure` compares and sends.
    #[rhai_fn(return_raw)]
    pub fn members(call: NativeCallContext, operation: &str) -> Result<Array, Box<EvalAltResult>> {
        let op = super::operation(operation).map_err(|message| {
            Box::new(EvalAltResult::ErrorRuntime(
                message.into(),
                call.call_position(),
            ))
        })?;
        Ok(op.input.members.iter().map(|m| m.name.into()).collect())
    }

    /// Calls the function for every item of every page of a list operation ("cognito::list_users"), holding one page at a time; returns the number of items.
    #[rhai_fn(return_raw)]
    pub fn each(
        call: NativeCallContext,
        operation: &str,
        request: Map,
        callback: FnPtr,
    ) -> Result<i64, Box<EvalAltResult>> {
        super::each(&*context(&call)?, &call, operation, &request, &callback)
    }
}
