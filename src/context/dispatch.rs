//! Sending: one call, or many at once (`aws::batch`), the same way.
//!
//! [`Context::dispatch`] admits every action ([`Context::admit`]), sends the admitted ones on
//! the run's runtime — at most [`Lanes::concurrency`] in flight, at the [`Pace`] a batch keeps,
//! retried here when the SDK does not retry them — and settles each answer
//! ([`Context::settle`]) as it comes. A single call is a dispatch of one: there is one path.
//!
//! After SIGINT/SIGTERM nothing more is sent; what is in flight gets [`GRACE`] to answer and is
//! then abandoned (a write journaled `maybe`); an admitted call never sent is journaled so. A
//! clean-up of the run itself (stopping an import job it started) is sent whatever came.

use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use rhai::Dynamic;

use super::pace::Pace;
use super::ticket::{Admitted, Ticket};
use super::{Action, Context, GRACE};
use crate::aws::{self, Answer, AwsError};
use crate::safety::interrupt;

/// How many attempts a request gets here for failures other than throttling.
const MAX_ATTEMPTS: u32 = 3;

/// How calls are sent.
pub struct Lanes {
    /// Calls in flight at once.
    pub concurrency: usize,
    /// The pace requests go at, when one is kept (a batch).
    pub pace: Option<Pace>,
    /// Retry here: a throttled request is queued again (it was not processed) and slows the
    /// pace, another retryable failure gets [`MAX_ATTEMPTS`]. For requests the SDK does not
    /// retry itself (a batch's).
    pub retries: bool,
}

impl Lanes {
    /// One call at a time, retried by the SDK.
    pub fn single() -> Self {
        Self {
            concurrency: 1,
            pace: None,
            retries: false,
        }
    }
}

/// How far a dispatch is, for a batch's meter.
#[derive(Clone, Copy, Default)]
pub struct Progress {
    pub done: usize,
    pub throttles: usize,
    pub errors: usize,
}

/// What a dispatch came to: each action's result, in order, and the signal that stopped it.
pub struct Dispatched {
    pub results: Vec<Result<Dynamic, AwsError>>,
    pub stopped: Option<i32>,
    pub progress: Progress,
}

/// What the sending loop hands back: each sent call's answer, by index.
type Answered = Vec<(usize, Result<Answer, AwsError>, Duration)>;

impl Context {
    /// The one call path: admits `actions`, sends those admitted with `send(i)` (the i-th
    /// action's request), settles every answer. `Err` only when a signal came while they were
    /// being admitted (nothing was sent).
    pub fn dispatch<'a, F, Fut>(
        &self,
        actions: Vec<Action<'a>>,
        lanes: Lanes,
        send: F,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<Dispatched, AwsError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Answer, AwsError>>,
    {
        let total = actions.len();
        let interruptible = actions.iter().any(|a| !a.cleanup);
        let mut book = self.admit_all(actions)?;
        let queue: VecDeque<usize> = (0..total).filter(|i| book.tickets[*i].is_some()).collect();
        // Many calls are settled as they answer: what journaling them needs (the target, a
        // call of its own) is resolved before the runtime drives them. One call is settled
        // after it, as any call is.
        let settle_as_they_come = queue.len() > 1;
        if settle_as_they_come {
            self.ready_to_record(book.tickets.iter().flatten());
        }
        let mut sending = Sending {
            lanes,
            queue,
            attempts: vec![0; total],
            interruptible,
            stopped: None,
            waiting: BTreeSet::new(),
        };
        let later = self.runtime.block_on(sending.drive(
            &send,
            settle_as_they_come,
            &mut |i, answer, elapsed, throttles| {
                book.progress.throttles = throttles;
                book.settle(self, i, answer, elapsed);
                on_progress(book.progress);
            },
        ));
        for (i, answer, elapsed) in later {
            book.settle(self, i, answer, elapsed);
        }
        self.paced.borrow_mut().throttled += book.progress.throttles;
        // Sent and not answered within the grace after a signal: abandoned (a write: maybe).
        // Admitted and never sent: journaled as not sent.
        let stopped = sending.stopped;
        if let Some(signal) = stopped {
            for i in std::mem::take(&mut sending.waiting) {
                if let Some(ticket) = book.tickets[i].take() {
                    let abandoned = Err(AwsError::abandoned(signal));
                    book.results[i] = Some(self.settle(ticket, abandoned, Duration::ZERO));
                }
            }
            for (ticket, result) in book.tickets.iter_mut().zip(&mut book.results) {
                if let Some(ticket) = ticket.take() {
                    *result = Some(Err(self.unsent(ticket, signal)));
                }
            }
        }
        let results = book
            .results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(not_sent())))
            .collect();
        Ok(Dispatched {
            results,
            stopped,
            progress: book.progress,
        })
    }

    /// Admits every action: a ticket for each to send, a result for each answered or refused
    /// (counted done). A signal during admission: the tickets admitted before it are journaled
    /// as not sent.
    fn admit_all<'a>(&self, actions: Vec<Action<'a>>) -> Result<Book<'a>, AwsError> {
        let mut results = Vec::with_capacity(actions.len());
        let mut tickets = Vec::with_capacity(actions.len());
        for action in actions {
            match self.admit(action) {
                Ok(Admitted::Send(ticket)) => {
                    results.push(None);
                    tickets.push(Some(*ticket));
                }
                Ok(Admitted::Answered(value)) => {
                    results.push(Some(Ok(value)));
                    tickets.push(None);
                }
                Err(e) if e.code == aws::error::INTERRUPTED => {
                    // Never to be sent now: journaled so, or a revert would take their
                    // write-ahead lines for writes in flight.
                    if let Some(signal) = interrupt::received() {
                        for ticket in tickets.into_iter().flatten() {
                            let _ = self.unsent(ticket, signal);
                        }
                    }
                    return Err(e);
                }
                Err(e) => {
                    results.push(Some(Err(e)));
                    tickets.push(None);
                }
            }
        }
        Ok(Book {
            progress: Progress {
                done: results.iter().filter(|r| r.is_some()).count(),
                ..Progress::default()
            },
            tickets,
            results,
        })
    }

    /// One call through [`dispatch`](Self::dispatch): admitted, sent with `send`, settled.
    pub fn guarded<Fut>(&self, action: Action, send: impl Fn() -> Fut) -> Result<Dynamic, AwsError>
    where
        Fut: Future<Output = Result<Answer, AwsError>>,
    {
        // Paced as every call of its quota category is (see `limits`); a throttled attempt
        // is retried by the SDK.
        let lanes = Lanes {
            pace: Some(self.pace(&action.function, None)),
            ..Lanes::single()
        };
        let mut dispatched = self.dispatch(vec![action], lanes, |_| send(), &mut |_| {})?;
        dispatched.results.pop().unwrap_or_else(|| Err(not_sent()))
    }
}

fn not_sent() -> AwsError {
    AwsError::local("runbook", "Call", "NotSent", "not sent")
}

/// The tickets of a dispatch and what became of them.
struct Book<'a> {
    tickets: Vec<Option<Ticket<'a>>>,
    results: Vec<Option<Result<Dynamic, AwsError>>>,
    progress: Progress,
}

impl Book<'_> {
    /// Settles the i-th call with its answer.
    fn settle(
        &mut self,
        ctx: &Context,
        i: usize,
        answer: Result<Answer, AwsError>,
        elapsed: Duration,
    ) {
        let Some(ticket) = self.tickets[i].take() else {
            return;
        };
        // The throttled attempts of the answer that settles it (the SDK's retries within the
        // call, its own last attempt; a batch counts those it queues again as it meets them).
        ctx.paced.borrow_mut().throttled += match &answer {
            Ok(answer) => answer.throttled,
            Err(e) => e.throttled,
        } as usize;
        let settled = ctx.settle(ticket, answer, elapsed);
        self.progress.done += 1;
        self.progress.errors += usize::from(settled.is_err());
        self.results[i] = Some(settled);
    }
}

/// The sending loop's state.
struct Sending {
    lanes: Lanes,
    /// Admitted calls not sent yet, by index.
    queue: VecDeque<usize>,
    /// Attempts made here of each call (retryable failures).
    attempts: Vec<u32>,
    /// False when every call is a clean-up: sent whatever signal came.
    interruptible: bool,
    /// The signal that stopped the sending.
    stopped: Option<i32>,
    /// Sent and not answered yet.
    waiting: BTreeSet<usize>,
}

impl Sending {
    /// Sends the queue and hands each final answer to `answered` (with the throttles so far)
    /// when `as_they_come`; else returns them for settling after the runtime is left.
    async fn drive<F, Fut>(
        &mut self,
        send: &F,
        as_they_come: bool,
        answered: &mut dyn FnMut(usize, Result<Answer, AwsError>, Duration, usize),
    ) -> Answered
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Answer, AwsError>>,
    {
        let mut later = Answered::new();
        let mut throttles = 0usize;
        let mut in_flight = FuturesUnordered::new();
        let mut deadline = None;
        loop {
            while self.stopped.is_none() && in_flight.len() < self.lanes.concurrency {
                if self.interruptible
                    && let Some(signal) = interrupt::received()
                {
                    self.stopped = Some(signal);
                    break;
                }
                let Some(i) = self.queue.pop_front() else {
                    break;
                };
                if let Some(pace) = &mut self.lanes.pace {
                    let wait = pace.turn();
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                }
                self.waiting.insert(i);
                let call = send(i);
                in_flight.push(async move {
                    let started = Instant::now();
                    let answer = call.await;
                    (i, answer, started.elapsed())
                });
            }
            if in_flight.is_empty() {
                break;
            }
            // A signal stops the sending; what is in flight gets GRACE to answer.
            if self.stopped.is_some() && deadline.is_none() {
                deadline = Some(tokio::time::Instant::now() + GRACE);
            }
            let next = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, in_flight.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                },
                None if self.interruptible => tokio::select! {
                    next = in_flight.next() => next,
                    signal = interrupt::arrival() => {
                        self.stopped = Some(signal);
                        continue;
                    }
                },
                None => in_flight.next().await,
            };
            let Some((i, answer, elapsed)) = next else {
                break;
            };
            let sent = Instant::now()
                .checked_sub(elapsed)
                .unwrap_or_else(Instant::now);
            let Some(answer) = self.final_answer(i, answer, sent, &mut throttles) else {
                continue;
            };
            if as_they_come {
                answered(i, answer, elapsed, throttles);
            } else {
                later.push((i, answer, elapsed));
            }
        }
        later
    }

    /// An answer as final, or `None` when the call is queued again: throttled (not processed;
    /// the pace slows down), or another retryable failure with attempts left. After a signal
    /// every answer is final. A final answer counts the attempts made here.
    fn final_answer(
        &mut self,
        i: usize,
        answer: Result<Answer, AwsError>,
        sent: Instant,
        throttles: &mut usize,
    ) -> Option<Result<Answer, AwsError>> {
        let retry = self.lanes.retries && self.stopped.is_none();
        match answer {
            Err(e) if retry && e.is_throttle() => {
                *throttles += 1;
                if let Some(pace) = &mut self.lanes.pace {
                    pace.throttled(sent);
                }
                self.queue.push_front(i);
                return None;
            }
            Err(e) if retry && e.retryable && self.attempts[i] + 1 < MAX_ATTEMPTS => {
                self.attempts[i] += 1;
                self.queue.push_back(i);
                return None;
            }
            _ => {}
        }
        self.waiting.remove(&i);
        if let Some(pace) = &mut self.lanes.pace {
            pace.accepted();
        }
        let prior = self.attempts[i];
        let retries = self.lanes.retries;
        Some(
            answer
                .map(|mut a| {
                    a.attempts += prior;
                    a
                })
                .map_err(|mut e| {
                    if retries {
                        e.attempts = Some(e.attempts.unwrap_or(1) + prior);
                    }
                    e
                }),
        )
    }
}
