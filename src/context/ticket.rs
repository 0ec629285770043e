//! A call as a ticket: admitting a call ([`Context::admit`]) gives the [`Ticket`] that settling
//! it ([`Context::settle`]) consumes — its journal number, the before-image an update was read
//! with, whether it changes anything. Nothing about a call in flight is kept anywhere else, so
//! two identical requests in one batch are two tickets, journaled as two calls.

use std::time::Duration;

use rhai::{Dynamic, Map};

use super::{Action, Context};
use crate::aws::facts;
use crate::aws::{self, Answer, AwsError};
use crate::safety::interrupt;
use crate::safety::journal;
use crate::safety::planned;
use crate::safety::recorder::Called;
use crate::value;

/// A call admitted to be sent: what settling it needs.
pub struct Ticket<'a> {
    pub action: Action<'a>,
    /// Its `sending` line's number, once journaled ahead of sending.
    seq: Option<u64>,
    /// For an update: the members it sets as they were just before it, and what it sets.
    before: Option<(Map, Map)>,
    /// Why the read before it failed (`cognito-idp:AdminGetUser denied`): it is not revertible.
    unread: Option<String>,
    /// The resource's own key where its read named it otherwise than the request (a user
    /// addressed by email whose `Username` is its sub): a revert addresses it by this.
    key: Option<Map>,
    /// An idempotent create of what is there already: it changes nothing.
    unchanged: bool,
    /// The read of this run its before-image came from (or, for an idempotent create, the
    /// list that told whether it was there), when it was not read right before.
    before_from: Option<&'static str>,
}

/// An update's before-image: the members it sets as they were, what it sets, the resource's
/// own key where the read named it otherwise, and the read of this run it came from (`None`:
/// read right before it).
struct Before {
    before: Map,
    patch: Map,
    key: Option<Map>,
    from: Option<&'static str>,
}

/// What [`Context::admit`] decided.
pub enum Admitted<'a> {
    /// Send it, then settle the ticket.
    Send(Box<Ticket<'a>>),
    /// Do not send: here is its answer (a dry run's).
    Answered(Dynamic),
}

/// Error codes meaning "it is already there".
const ALREADY_EXISTS: &[&str] = &[
    "UsernameExistsException",
    "GroupExistsException",
    "AliasExistsException",
    "DuplicateProviderException",
    "EntityAlreadyExists",
    "ResourceExistsException",
];

/// The members that say which thing a request is about (`UserPoolId=…, Username=u1`), for
/// error messages: never a secret.
fn subject(request: &Map) -> Option<String> {
    let parts: Vec<String> = request
        .iter()
        .filter(|(k, _)| {
            !value::is_secret_key(k)
                && ["Id", "Name", "Username", "Arn", "Identifier", "Domain"]
                    .iter()
                    .any(|end| k.ends_with(end))
        })
        .filter_map(|(k, v)| v.clone().into_string().ok().map(|v| format!("{k}={v}")))
        .take(4)
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// How a settled call went, for its journal line.
struct Settled<'r> {
    outcome: &'r str,
    answer: Option<&'r Answer>,
    elapsed: Option<Duration>,
    attempts: u32,
    request_id: Option<String>,
    /// A write whose outcome is unknown: why.
    unknown: Option<&'r str>,
}

impl Settled<'_> {
    /// A call that was not sent (planned, refused, not sent after a signal).
    fn unsent(outcome: &str) -> Settled<'_> {
        Settled {
            outcome,
            answer: None,
            elapsed: None,
            attempts: 0,
            request_id: None,
            unknown: None,
        }
    }
}

impl Context {
    /// Everything before a call is sent.
    ///
    /// 1. After SIGINT/SIGTERM nothing more is sent (but a run's own clean-up).
    /// 2. An update's members are read first (its before-image), an idempotent create checks
    ///    whether its resource is there already.
    /// 3. In a dry run a write is planned (and answered synthetically), and a read answers
    ///    from the planned state where it knows ([`planned`]); other reads are sent, and their
    ///    answers brought to the planned state in `settle`.
    /// 4. Before the run's first write, the target is named on stderr.
    /// 5. A destructive call is confirmed, or refused before sending (and journaled so).
    /// 6. A write is journaled before it is sent.
    pub fn admit<'a>(&self, action: Action<'a>) -> Result<Admitted<'a>, AwsError> {
        self.note_secrets_sent(action.request);
        if !action.cleanup
            && let Some(signal) = interrupt::received()
        {
            return Err(AwsError::interrupted(signal));
        }
        let reads_first = action.class.writes() && !action.cleanup;
        let (before, key, unread, before_from) = match reads_first {
            true => match self.before(&action) {
                Ok(Some(read)) => (Some((read.before, read.patch)), read.key, None, read.from),
                Ok(None) => (None, None, None, None),
                Err(why) => (None, None, Some(why), None),
            },
            false => (None, None, None, None),
        };
        let (unchanged, listed_from) = match reads_first {
            true => self.there_already(&action),
            false => (false, None),
        };
        // What this write may change no longer stands for a read.
        if action.class.writes() {
            self.seen
                .borrow_mut()
                .note_write(&action.function, action.request);
        }
        let mut ticket = Ticket {
            before_from: before_from.or(listed_from),
            unchanged,
            before,
            unread,
            key,
            seq: None,
            action,
        };
        if self.dry_run()
            && let Some(answered) = self.dry_answer(&ticket)?
        {
            return Ok(Admitted::Answered(answered));
        }
        if ticket.action.class.writes() {
            self.ready_to_write(&ticket)?;
            self.write_ahead(&mut ticket);
        }
        Ok(Admitted::Send(Box::new(ticket)))
    }

    /// In a dry run: a write's planned answer, or a read's from the planned state.
    fn dry_answer(&self, ticket: &Ticket) -> Result<Option<Dynamic>, AwsError> {
        let action = &ticket.action;
        if action.class.writes() {
            self.announce();
            if let Some(e) = self.planned_conflict(action) {
                self.record(ticket, Settled::unsent(&e.code));
                return Err(e);
            }
            // A delete read first (to be made again by a revert) changes no member: its line
            // names what it deletes.
            let diff = ticket
                .before
                .as_ref()
                .filter(|_| !action.class.destructive())
                .map(|(before, patch)| planned::changes(before, patch));
            let mut response = self.plan.write(
                &action.function,
                action.op,
                action.class,
                action.request,
                diff.as_deref(),
            );
            if let Some(planned) = &action.planned {
                response.extend(planned.clone());
            }
            self.record(ticket, Settled::unsent("planned"));
            self.count_write();
            self.scoped_write(action);
            return Ok(Some(response.into()));
        }
        let Some(op) = action.op else {
            return Ok(None);
        };
        // The account as it will be: planned creates exist, what is under them does not.
        match self.plan.planned.read(&action.function, op, action.request) {
            Some(Ok(response)) => return Ok(Some(response.into())),
            Some(Err(e)) => return Err(e),
            None => {}
        }
        if let Some(response) = self.plan.read(op, action.request) {
            return Ok(Some(response.into()));
        }
        self.plan
            .planned
            .unmodelled(&action.function, self.plan.total());
        Ok(None)
    }

    /// In a dry run, a create of what is there (in the planned state, else in the account)
    /// answers the error the real call would, so a `try`/`catch` plans the branch it runs.
    fn planned_conflict(&self, action: &Action) -> Option<AwsError> {
        let existing = planned::Existing::of(&action.function, action.request)?;
        let there =
            match self
                .plan
                .planned
                .read(existing.get_function, existing.get, &existing.get_request)
            {
                Some(answer) => answer.is_ok(),
                None => self
                    .call(existing.get, &existing.get_request, &Map::new())
                    .is_ok(),
            };
        there.then(|| {
            AwsError::local(
                action.service,
                action.api,
                existing.code,
                &format!(
                    "the {} {} exists already (a dry run reads it: the real call would fail so)",
                    existing.kind,
                    crate::safety::plan::summary_of(&existing.get_request)
                ),
            )
        })
    }

    /// Before a write is sent: the target named, no wait on an endpoint known to be silent,
    /// a destructive call confirmed (or refused, and journaled so).
    fn ready_to_write(&self, ticket: &Ticket) -> Result<(), AwsError> {
        let action = &ticket.action;
        self.announce();
        if action.cleanup {
            return Ok(());
        }
        // A signal during the account lookup: nothing is sent.
        if let Some(signal) = interrupt::received() {
            return Err(AwsError::interrupted(signal));
        }
        // The endpoint did not answer the account lookup: the write would wait as long
        // again for nothing (a silent endpoint fails within one --timeout, not two).
        if self.is_silent() {
            return Err(AwsError {
                retryable: true,
                ..AwsError::local(
                    action.service,
                    action.api,
                    "Timeout",
                    &format!(
                        "no answer from the endpoint within {} s to the account lookup (sts GetCallerIdentity) made before the first write; {} was not sent. Raise the limit with --timeout SECONDS",
                        self.clients.settings().timeout.as_secs(),
                        action.function
                    ),
                )
            });
        }
        if action.class.destructive() && !action.confirmed {
            let decided = self.confirm_policy().decide(&action.function, || {
                format!(
                    "{} {} in {}: go ahead?",
                    action.function,
                    crate::safety::plan::summary_of(action.request),
                    self.target().describe()
                )
            });
            if let Err(refusal) = decided {
                self.record(ticket, Settled::unsent("refused"));
                return Err(AwsError::local(
                    action.service,
                    action.api,
                    "Refused",
                    &refusal.message(&action.function),
                ));
            }
        }
        Ok(())
    }

    /// Journals a write before it is sent; the ticket keeps its number.
    fn write_ahead(&self, ticket: &mut Ticket) {
        let action = &ticket.action;
        if !self.recorder.borrow().records(action.class) {
            return;
        }
        self.secret_vars(self.vars_sent_as_secrets(action.request));
        let target = self.target().clone();
        ticket.seq = self.recorder.borrow_mut().sending(
            target,
            self.dry_run(),
            Called {
                service: action.service,
                api: action.api,
                function: &action.function,
                class: action.class,
                request: value::masked_request(action.request),
            },
        );
    }

    /// Is an idempotent create (adding a user to a group) of what is there already, or a
    /// removal of what is not? Then it changes nothing, and is journaled so. With the list of
    /// this run that told, when one did (no read of its own).
    fn there_already(&self, action: &Action) -> (bool, Option<&'static str>) {
        let every = planned::Presence::every(&action.function, action.request);
        if !self.dry_run() {
            let seen = self.seen.borrow();
            if let Some((presence, found)) = every.iter().find_map(|p| {
                let listed = &p.listed;
                Some((
                    p,
                    seen.holds(listed.op, &p.list_request, listed.member, &p.value)?,
                ))
            }) {
                return (found == presence.creates, Some(presence.listed.op));
            }
        }
        let Some(presence) = every.into_iter().next() else {
            return (false, None);
        };
        let unchanged = self
            .call(presence.listed.list, &presence.list_request, &Map::new())
            .ok()
            .and_then(|r| r.try_cast::<Map>())
            .is_some_and(|r| presence.changes_nothing(&r));
        (unchanged, None)
    }

    /// The members an update changes, as they are now, and what it sets. A read that fails
    /// (but for a missing resource: an upsert's create, or an update that will fail itself)
    /// never stops the write: it is `Err(why)`, said once per operation, and the write is
    /// journaled as not revertible with that reason.
    fn before(&self, action: &Action) -> Result<Option<Before>, String> {
        let Some(update) = planned::update_of(&action.function, action.request) else {
            return Ok(None);
        };
        // In a dry run, something the plan makes has nothing before it to read.
        let planned_here = update.get_request.values().any(|v| {
            v.clone()
                .into_string()
                .is_ok_and(|t| t.contains(crate::safety::plan::PLACEHOLDER))
        });
        if planned_here {
            return Ok(None);
        }
        // A read of this run that showed every member the before-image takes, with no write
        // to the resource since, serves: no second request.
        let reader = format!("{}::{}", update.get.namespace, update.get.name);
        let needed: Vec<&str> = update
            .patch
            .keys()
            .map(|k| {
                update
                    .read_as
                    .iter()
                    .find(|(set, _)| *set == k.as_str())
                    .map_or(k.as_str(), |(_, shown)| *shown)
            })
            .chain(update.resets.iter().copied())
            .collect();
        let seen = match update.shown_as.is_empty() && !self.dry_run() {
            true => self
                .seen
                .borrow()
                .before(&reader, &update.get_request, &needed),
            false => None,
        };
        let from = seen.as_ref().map(|(_, from)| *from);
        let response = match seen {
            Some((answer, _)) => Dynamic::from(answer),
            None => match self.call(update.get, &update.get_request, &Map::new()) {
                Ok(response) => response,
                Err(e) if crate::safety::undo::GONE.contains(&e.code.as_str()) => return Ok(None),
                Err(e) => {
                    let denied = e.denied();
                    let why = format!(
                        "{}:{} {} ({})",
                        update.get.service,
                        update.get.api,
                        if denied { "denied" } else { "failed" },
                        e.code
                    );
                    if self.unread.borrow_mut().insert(action.function.clone()) {
                        crate::say!(
                            "runbook: warning: {} will not be revertible in this run: the read of what it changes, {why}, so there is no before-image to put back",
                            action.function
                        );
                    }
                    return Err(why);
                }
            },
        };
        let Some(response) = response.try_cast::<Map>() else {
            return Ok(None);
        };
        let mut before = planned::before_of(update.get.output, &response, &update);
        if let Some(taken) = self.taken_with(&action.function, &update.get_request) {
            before.insert(facts::TAKEN_WITH_IT.into(), taken.into());
        }
        // The key as the read names it (a user's Username: its sub in an email pool).
        let key: Map = update
            .get_request
            .iter()
            .filter_map(|(k, asked)| {
                let own = response.get(k.as_str())?;
                (own.is_string() && own.to_string() != asked.to_string())
                    .then(|| (k.clone(), own.clone()))
            })
            .collect();
        Ok(Some(Before {
            before,
            patch: update.patch,
            key: (!key.is_empty()).then_some(key),
            from,
        }))
    }

    /// What a delete takes with it (a group's members), as the items their create needs.
    fn taken_with(&self, function: &str, key: &Map) -> Option<rhai::Array> {
        let cascade = facts::CASCADES.iter().find(|c| c.delete == function)?;
        let (ns, name) = cascade.list.split_once("::")?;
        let list = aws::find_operation(ns, name)?;
        let request: Map = key
            .iter()
            .filter(|(k, _)| list.input.member(k).is_some())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let answer = self
            .call(list, &request, &Map::new())
            .ok()?
            .try_cast::<Map>()?;
        let items = answer.get(cascade.items)?.clone().into_array().ok()?;
        Some(
            items
                .iter()
                .map(|item| {
                    let fields: Map = cascade
                        .fields
                        .iter()
                        .map(|(from, to)| ((*to).into(), value::member(item, from)))
                        .collect();
                    Dynamic::from(fields)
                })
                .collect(),
        )
    }

    /// Everything after a call came back: explain the error a user sees (which request, an
    /// uncertain retry, a silent endpoint), journal the outcome, remember import jobs started.
    pub fn settle(
        &self,
        ticket: Ticket,
        result: Result<Answer, AwsError>,
        elapsed: Duration,
    ) -> Result<Dynamic, AwsError> {
        let action = &ticket.action;
        let mut result = result.map_err(|e| self.explain(action, e));
        if self.dry_run()
            && !action.class.writes()
            && let (Ok(answer), Some(op)) = (&mut result, action.op)
        {
            self.plan.planned.after_read(
                &action.function,
                op,
                action.request,
                &mut answer.response,
            );
        }
        match &result {
            Ok(answer) => {
                self.answered.set(true);
                if action.class.writes() {
                    self.count_write();
                } else if !self.dry_run() {
                    self.seen.borrow_mut().note_read(
                        &action.function,
                        action.request,
                        &answer.response,
                    );
                }
                if action.api == "StartUserImportJob" {
                    self.started_import(action.request);
                }
                self.record(
                    &ticket,
                    Settled {
                        outcome: "ok",
                        answer: Some(answer),
                        elapsed: Some(elapsed),
                        attempts: answer.attempts,
                        request_id: answer.request_id.clone(),
                        unknown: None,
                    },
                )
            }
            Err(e) => {
                // No answer in time, a server error, or a retry that found it done: the write
                // may have been made.
                let unknown = e.uncertain
                    || e.code == "Timeout"
                    || e.code == aws::error::INTERRUPTED
                    || e.status.is_some_and(|s| s >= 500);
                let why = if e.uncertain {
                    "uncertain"
                } else {
                    e.code.as_str()
                };
                self.record(
                    &ticket,
                    Settled {
                        outcome: why,
                        answer: None,
                        elapsed: Some(elapsed),
                        attempts: e.attempts.unwrap_or(0),
                        request_id: e.attempts.and(e.request_id.clone()),
                        unknown: unknown.then_some(why),
                    },
                )
            }
        }
        result.map(|answer| answer.response.into())
    }

    /// Settles a ticket that was never sent (a signal stopped its batch first): journaled as
    /// not sent, so a revert does not take it for a write that may have been made.
    pub fn unsent(&self, ticket: Ticket, signal: i32) -> AwsError {
        self.record(&ticket, Settled::unsent("NotSent"));
        let action = &ticket.action;
        AwsError::local(
            action.service,
            action.api,
            "NotSent",
            &format!(
                "not sent: {} came first",
                crate::safety::interrupt::name(signal)
            ),
        )
    }

    /// Adds to an error what the operator needs to act on it.
    fn explain(&self, action: &Action, mut e: AwsError) -> AwsError {
        e.subject = subject(action.request);
        let attempts = e.attempts.unwrap_or(0);
        if action.class.writes() && attempts > 1 && ALREADY_EXISTS.contains(&e.code.as_str()) {
            e.uncertain = true;
            e.message = format!(
                "{} — but an earlier attempt of this very call failed or timed out and may have applied the change itself ({attempts} attempts): check before creating it again",
                e.message
            );
        }
        if e.code == "Timeout" && action.op.is_some() {
            let settings = self.clients.settings();
            let endpoint = settings
                .endpoint_url
                .as_deref()
                .map(value::url_passwords_masked)
                .unwrap_or_else(|| format!("the {} endpoint", action.service));
            e.message = format!(
                "{} {}: no answer from {endpoint} within {} s ({} attempt{}); the endpoint accepted the connection but did not answer. Raise the limit with --timeout SECONDS",
                action.service,
                action.api,
                settings.timeout.as_secs(),
                attempts.max(1),
                if attempts == 1 { "" } else { "s" }
            );
        }
        e
    }

    /// Journals a call's outcome, from its ticket.
    fn record(&self, ticket: &Ticket, settled: Settled) {
        let action = &ticket.action;
        if !self.recorder.borrow().records(action.class) {
            return;
        }
        // A `--var` this call sends as a secret is masked before the first line is written.
        self.secret_vars(self.vars_sent_as_secrets(action.request));
        // A call that found no endpoint answering: do not wait for it a second time.
        if ["Timeout", "EndpointUnreachable", aws::error::INTERRUPTED].contains(&settled.outcome) {
            self.target_unresolved("the endpoint did not answer");
        }
        let target = self.target().clone();
        // A write whose outcome is unknown: what identifies it comes from its request.
        let (outcome, error) = match settled.unknown {
            Some(code) if action.class.writes() => ("maybe", Some(code.to_string())),
            _ => (settled.outcome, None),
        };
        let empty = Answer {
            response: Map::new(),
            attempts: 0,
            request_id: None,
            throttled: 0,
        };
        let created = settled
            .answer
            .or((outcome == "maybe").then_some(&empty))
            .and_then(|a| {
                let undo = facts::of(action.op?).undo.as_ref()?;
                undo.request_for(action.request, &a.response)
            });
        let identity = settled
            .answer
            .and_then(|a| planned::identity_of(&action.function, action.request, &a.response));
        // A secret the call sends (a password) cannot be read back: it changed something
        // whatever the readable members show.
        let sends_secret = action.request.keys().any(|k| value::is_secret_key(k));
        let (before, changed) = match &ticket.before {
            Some((before, patch)) => (
                Some(value::masked_request(before)),
                // A delete read first removes what was read (its patch holds no more than
                // what names it).
                Some(
                    sends_secret
                        || (action.class.destructive()
                            && (patch.is_empty()
                                || facts::RECREATES.contains(&action.function.as_str())))
                        || !planned::diff(before, patch).is_empty(),
                ),
            ),
            None if ticket.unchanged => (None, Some(false)),
            None => (None, None),
        };
        let call = journal::Call {
            run: None,
            time: journal::now(),
            service: action.service.to_string(),
            operation: action.api.to_string(),
            function: action.function.clone(),
            class: action.class,
            request: value::masked_request(action.request),
            outcome: outcome.to_string(),
            error,
            seq: ticket.seq,
            attempts: settled.attempts,
            duration_ms: settled.elapsed.map(|d| d.as_millis() as u64),
            request_id: settled.request_id,
            created,
            before,
            changed,
            identity,
            unread: ticket.unread.clone(),
            key: ticket.key.as_ref().map(value::masked_request),
            before_from: ticket.before_from.map(str::to_string),
        };
        self.recorder
            .borrow_mut()
            .call(target, self.dry_run(), call);
    }
}
