//! What script functions share, and the one path every AWS call takes.
//!
//! A [`Context`] holds the runtime, the AWS clients, the `--var`s and the run's safety state
//! (dry run, confirmations, journal, target). [`Context::call`] is the only way an operation is
//! sent — from a script, a helper, an import or a revert — and [`Context::guarded`] is its
//! choke point: interrupt check, class, plan, target line, confirmation, send, journal.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use rhai::{Dynamic, Map};

use crate::aws::facts::{self, Class};
use crate::aws::{self, Answer, AwsError, Clients, Operation, Request};
use crate::error::Error;
use crate::safety::confirm::{self, Policy};
use crate::safety::interrupt;
use crate::safety::journal::{self, Journal, Line};
use crate::safety::plan::Plan;
use crate::safety::planned;
use crate::safety::target::Target;
use crate::value::{self, is_secret_key};

/// How a run treats writes: the safety flags of `run` (the REPL and other commands use
/// [`Safety::interactive`]).
pub struct Safety {
    /// `--dry-run`: send reads only, plan writes.
    pub dry_run: bool,
    /// How destructive calls are decided.
    pub confirm: Policy,
    /// Where calls are recorded, if anywhere.
    pub journal: Option<Journal>,
    /// What the journal's first line says about the run (runbook, vars); its time, target and
    /// dry-run flag are filled in when it is written.
    pub header: journal::Run,
}

impl Safety {
    /// An `eval` or REPL session: journaled like a run (default journal path, named after
    /// `name`), `command` saying what ran; destructive calls as in [`Safety::interactive`].
    pub fn journaled(yes: bool, name: &str, command: String) -> Self {
        Self {
            journal: journal::default_path(std::path::Path::new(name))
                .map(|path| Journal::fresh(path).writes_only()),
            header: journal::Run {
                command: Some(command),
                ..journal::Run::default()
            },
            ..Self::interactive(yes)
        }
    }

    /// No journal, no dry run; destructive calls asked about on a terminal, refused without
    /// one, allowed with `yes` (the emulator of `--local`).
    pub fn interactive(yes: bool) -> Self {
        Self {
            dry_run: false,
            confirm: Policy::for_run(yes),
            journal: None,
            header: journal::Run::default(),
        }
    }
}

/// What script functions share: the runtime, the AWS clients, the `--var`s, the run's safety.
pub struct Context {
    pub runtime: tokio::runtime::Runtime,
    pub clients: Clients,
    pub vars: Map,
    /// The `vars` of the runbooks `runbook(path, vars)` is running, innermost last.
    nested_vars: RefCell<Vec<Map>>,
    dry_run: std::cell::Cell<bool>,
    confirm: Policy,
    journal: RefCell<Option<Journal>>,
    header: RefCell<journal::Run>,
    /// Idempotent creates of what was there already (see `there_already`).
    unchanged: RefCell<std::collections::HashSet<String>>,
    /// The texts requests sent as secret members.
    sent_secrets: RefCell<std::collections::BTreeSet<String>>,
    /// The number of the last write journaled ahead of sending.
    seq: std::cell::Cell<u64>,
    /// The `sending` lines of writes in flight, by call.
    sending: RefCell<std::collections::HashMap<String, u64>>,
    /// What the updates in flight change, as it was before them (see `before`).
    befores: RefCell<std::collections::HashMap<String, (Map, Map)>>,
    /// `--var`s said to be sent as secrets (warned about once each).
    secret_vars: RefCell<std::collections::BTreeSet<String>>,
    target: OnceCell<Target>,
    announced: OnceCell<()>,
    plan: Plan,
    /// The requests of import jobs this run started, to stop them if it is interrupted.
    started_imports: RefCell<Vec<Map>>,
    /// The writes planned inside `plan(|| …)`, while one runs.
    scoped_plan: RefCell<Option<Vec<Dynamic>>>,
    /// The account lookup before the first write got no answer: the endpoint is silent.
    silent: std::cell::Cell<bool>,
    /// Writes made (or planned, in a dry run), for a fleet's table.
    writes: std::cell::Cell<usize>,
}

/// What [`Context::admit`] decided.
pub enum Admitted {
    /// Send it.
    Send,
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
/// How long a call in flight is given to finish after SIGINT/SIGTERM before it is abandoned:
/// a call that answers in that time is journaled as it went; one that does not is abandoned
/// (a write journaled `maybe`), so a signal always ends a wait within a second.
pub const GRACE: std::time::Duration = std::time::Duration::from_millis(700);

/// A call's future that a signal abandons after [`GRACE`].
pub async fn interruptible<T>(
    call: impl std::future::Future<Output = Result<T, AwsError>>,
) -> Result<T, AwsError> {
    let mut call = std::pin::pin!(call);
    tokio::select! {
        answer = &mut call => answer,
        signal = interrupt::arrival() => {
            match tokio::time::timeout(GRACE, &mut call).await {
                Ok(answer) => answer,
                Err(_) => Err(AwsError::abandoned(signal)),
            }
        }
    }
}

fn subject(request: &Map) -> Option<String> {
    let parts: Vec<String> = request
        .iter()
        .filter(|(k, _)| {
            !is_secret_key(k)
                && ["Id", "Name", "Username", "Arn", "Identifier", "Domain"]
                    .iter()
                    .any(|end| k.ends_with(end))
        })
        .filter_map(|(k, v)| v.clone().into_string().ok().map(|v| format!("{k}={v}")))
        .take(4)
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One call about to go through the choke point.
pub struct Action<'a> {
    /// As a script names it: `cognito::admin_create_user`.
    pub function: String,
    pub service: &'a str,
    /// The API name: `AdminCreateUser`.
    pub api: &'a str,
    /// The operation, when it is one (an upload is not).
    pub op: Option<&'static Operation>,
    pub class: Class,
    pub request: &'a Map,
    /// A dry run's answer, for an action that is not an API operation (an upload).
    pub planned: Option<Map>,
    /// A clean-up of the run itself (stopping an import job it started after a signal): sent
    /// even after a signal, not asked about.
    pub cleanup: bool,
    /// Already confirmed (a batch asks once for all its requests).
    pub confirmed: bool,
}

impl<'a> Action<'a> {
    /// The action of an API operation.
    pub fn of(op: &'static Operation, request: &'a Map) -> Self {
        Self {
            function: format!("{}::{}", op.namespace, op.name),
            service: op.service,
            api: op.api,
            op: Some(op),
            class: facts::of(op).class,
            request,
            planned: None,
            cleanup: false,
            confirmed: false,
        }
    }
}

impl Context {
    pub fn new(settings: aws::Settings, vars: Map, safety: Safety) -> Result<Rc<Self>, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
        Ok(Rc::new(Self {
            runtime,
            clients: Clients::new(settings),
            vars,
            dry_run: std::cell::Cell::new(safety.dry_run),
            confirm: safety.confirm,
            journal: RefCell::new(safety.journal),
            header: RefCell::new(journal::Run {
                id: journal::new_id(),
                ..safety.header
            }),
            befores: RefCell::default(),
            seq: std::cell::Cell::new(0),
            sent_secrets: RefCell::default(),
            unchanged: RefCell::default(),
            sending: RefCell::default(),
            secret_vars: RefCell::default(),
            target: OnceCell::new(),
            announced: OnceCell::new(),
            plan: Plan::default(),
            started_imports: RefCell::new(Vec::new()),
            silent: std::cell::Cell::new(false),
            scoped_plan: RefCell::new(None),
            nested_vars: RefCell::new(Vec::new()),
            writes: std::cell::Cell::new(0),
        }))
    }

    /// How destructive calls are decided in this run.
    pub fn confirm_policy(&self) -> Policy {
        self.confirm
    }

    /// Is this a dry run?
    pub fn dry_run(&self) -> bool {
        self.dry_run.get()
    }

    /// A parameter (`param(name)`): the innermost `runbook(path, vars)`'s, else the run's
    /// `--var`.
    pub fn var(&self, name: &str) -> Option<Dynamic> {
        match self.nested_vars.borrow().last() {
            Some(vars) => vars.get(name).cloned(),
            None => self.vars.get(name).cloned(),
        }
    }

    /// Runs `f` with `vars` as the parameters (`runbook(path, vars)`); `None` when runbooks
    /// are nested too deep (a runbook running itself).
    pub fn with_vars<T>(&self, vars: Map, f: impl FnOnce() -> T) -> Option<T> {
        if self.nested_vars.borrow().len() >= 16 {
            return None;
        }
        self.nested_vars.borrow_mut().push(vars);
        let result = f();
        self.nested_vars.borrow_mut().pop();
        Some(result)
    }

    /// Runs `f` as a dry run of its own (`plan(|| …)`): its writes are planned, not sent, and
    /// returned as `[#{ function, class, request }]` (secrets masked).
    pub fn plan_scope<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<Dynamic>) {
        let was_dry = self.dry_run.replace(true);
        let outer = self.scoped_plan.replace(Some(Vec::new()));
        let result = f();
        let writes = self.scoped_plan.replace(outer).unwrap_or_default();
        self.dry_run.set(was_dry);
        (result, writes)
    }

    /// Runs one AWS operation: check the request (`defaults` fill what it does not set), then
    /// through the choke point.
    pub fn call(
        &self,
        op: &'static Operation,
        request: &Map,
        defaults: &Map,
    ) -> Result<Dynamic, AwsError> {
        let mut merged = defaults.clone();
        merged.extend(request.iter().map(|(k, v)| (k.clone(), v.clone())));
        let checked = Request::check(op, &merged, request)?;
        let action = Action::of(op, &merged);
        self.guarded(&action, || {
            self.block_on_call(aws::send(&self.clients, op, checked), action.cleanup)
        })
    }

    /// Waits for a call on the run's runtime; SIGINT/SIGTERM abandon it (see
    /// [`interruptible`]), but not a clean-up call made after one (bounded by `--timeout`).
    pub fn block_on_call<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, AwsError>>,
        cleanup: bool,
    ) -> Result<T, AwsError> {
        if cleanup {
            self.runtime.block_on(call)
        } else {
            self.runtime.block_on(interruptible(call))
        }
    }

    /// Runs an operation named as in a script (`"cognito"`, `"describe_user_pool"`), for helpers
    /// built on the API.
    pub fn call_named(
        &self,
        namespace: &str,
        name: &str,
        request: Map,
    ) -> Result<Dynamic, AwsError> {
        let op = aws::find_operation(namespace, name).ok_or_else(|| {
            AwsError::local(namespace, name, "Internal", "operation not registered")
        })?;
        self.call(op, &request, &Map::new())
    }

    /// The choke point every AWS call goes through: [`admit`](Self::admit), send,
    /// [`settle`](Self::settle).
    pub fn guarded(
        &self,
        action: &Action,
        send: impl FnOnce() -> Result<Answer, AwsError>,
    ) -> Result<Dynamic, AwsError> {
        match self.admit(action)? {
            Admitted::Answered(response) => Ok(response),
            Admitted::Send => {
                let started = Instant::now();
                let result = send();
                self.settle(action, result, started.elapsed())
            }
        }
    }

    /// Everything before a call is sent.
    ///
    /// 1. After SIGINT/SIGTERM nothing more is sent (but a run's own clean-up).
    /// 2. In a dry run a write is planned (and answered synthetically), and a read answers
    ///    from the planned state where it knows ([`planned`](crate::safety::planned)); other
    ///    reads are sent, and their answers brought to the planned state in `settle`.
    /// 3. Before the run's first write, the target is named on stderr.
    /// 4. A destructive call is confirmed, or refused before sending (and journaled so).
    pub fn admit(&self, action: &Action) -> Result<Admitted, AwsError> {
        self.sent_secrets
            .borrow_mut()
            .extend(Self::secret_texts(action.request));
        if !action.cleanup
            && let Some(signal) = interrupt::received()
        {
            return Err(AwsError::interrupted(signal));
        }
        // What an update is about to change, read first (from the planned state in a dry run):
        // shown in its plan line, journaled so that a revert can put it back.
        let before = if action.class.writes() && !action.cleanup {
            self.there_already(action);
            self.before(action)
        } else {
            None
        };
        if self.dry_run.get() {
            if action.class.writes() {
                self.announce();
                let diff = before
                    .as_ref()
                    .map(|(before, patch)| planned::diff(before, patch));
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
                self.record(action, "planned", None, None, None, None);
                self.writes.set(self.writes.get() + 1);
                if let Some(writes) = self.scoped_plan.borrow_mut().as_mut() {
                    let mut write = Map::new();
                    write.insert("function".into(), action.function.clone().into());
                    let class = serde_json::to_value(action.class).unwrap_or_default();
                    write.insert("class".into(), value::from_json(&class));
                    write.insert(
                        "request".into(),
                        value::from_json(&value::masked_request(action.request)),
                    );
                    writes.push(write.into());
                }
                return Ok(Admitted::Answered(response.into()));
            }
            if let Some(op) = action.op {
                // The account as it will be: planned creates exist, what is under them does not.
                match self.plan.planned.read(&action.function, op, action.request) {
                    Some(Ok(response)) => return Ok(Admitted::Answered(response.into())),
                    Some(Err(e)) => return Err(e),
                    None => {}
                }
                if let Some(response) = self.plan.read(op, action.request) {
                    return Ok(Admitted::Answered(response.into()));
                }
                self.plan
                    .planned
                    .unmodelled(&action.function, self.plan.total());
            }
        }
        if action.class.writes() {
            self.announce();
            // A signal during the account lookup: nothing is sent.
            if !action.cleanup
                && let Some(signal) = interrupt::received()
            {
                return Err(AwsError::interrupted(signal));
            }
            // The endpoint did not answer the account lookup: the write would wait as long
            // again for nothing (a silent endpoint fails within one --timeout, not two).
            if self.silent.get() && !action.cleanup {
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
            if action.class.destructive()
                && !action.cleanup
                && !action.confirmed
                && !self.confirmed(action)
            {
                self.record(action, "refused", None, None, None, None);
                return Err(AwsError::local(
                    action.service,
                    action.api,
                    "Refused",
                    &format!(
                        "{} is destructive and there is no terminal to confirm it on: nothing was sent; pass --yes to allow destructive calls in this run",
                        action.function
                    ),
                ));
            }
        }
        if action.class.writes() {
            self.write_ahead(action);
        }
        Ok(Admitted::Send)
    }

    /// Does this run journal calls of this class?
    fn journals(&self, class: Class) -> bool {
        self.journal
            .borrow()
            .as_ref()
            .is_some_and(|j| j.records(class))
    }

    /// Journals a write before it is sent.
    fn write_ahead(&self, action: &Action) {
        if !self.journals(action.class) {
            return;
        }
        self.secret_vars(self.vars_sent_as_secrets(action.request));
        let target = self.target().clone();
        let mut journal = self.journal.borrow_mut();
        let Some(journal) = journal.as_mut() else {
            return;
        };
        self.open_journal(journal, target);
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        self.sending.borrow_mut().insert(stash_key(action), seq);
        journal.write(&Line::Sending(journal::Sending {
            run: Some(self.header.borrow().id.clone()),
            seq,
            time: journal::now(),
            service: action.service.to_string(),
            operation: action.api.to_string(),
            function: action.function.clone(),
            class: action.class,
            request: value::masked_request(action.request),
        }));
    }

    /// Writes the journal's first line, once.
    fn open_journal(&self, journal: &mut Journal, target: Target) {
        if !journal.is_open() {
            journal.write(&Line::Run(journal::Run {
                time: journal::now(),
                target,
                dry_run: self.dry_run.get(),
                ..self.header.borrow().clone()
            }));
        }
    }

    /// Notes an idempotent create (adding a user to a group) of what is there already: it
    /// changes nothing, and is journaled so.
    fn there_already(&self, action: &Action) {
        let Some(presence) = planned::Presence::of(&action.function, action.request) else {
            return;
        };
        let found = self
            .call(presence.list, &presence.list_request, &Map::new())
            .ok()
            .and_then(|r| r.try_cast::<Map>())
            .is_some_and(|r| presence.found(&r));
        if found {
            self.unchanged.borrow_mut().insert(stash_key(action));
        }
    }

    /// The members an update changes, as they are now (and what it sets), stashed for the
    /// call's journal line.
    fn before(&self, action: &Action) -> Option<(Map, Map)> {
        let update = planned::update_of(&action.function, action.request)?;
        let response = self
            .call(update.get, &update.get_request, &Map::new())
            .ok()?
            .try_cast::<Map>()?;
        let before =
            planned::before_of(update.get.output, &response, &update.patch, update.read_as);
        self.befores
            .borrow_mut()
            .insert(stash_key(action), (before.clone(), update.patch.clone()));
        Some((before, update.patch))
    }

    /// Everything after a call came back: explain the error a user sees (which request, an
    /// uncertain retry, a silent endpoint), journal the outcome, remember import jobs started.
    pub fn settle(
        &self,
        action: &Action,
        result: Result<Answer, AwsError>,
        elapsed: std::time::Duration,
    ) -> Result<Dynamic, AwsError> {
        let mut result = result.map_err(|e| self.explain(action, e));
        if self.dry_run.get()
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
                if action.class.writes() {
                    self.writes.set(self.writes.get() + 1);
                }
                if action.api == "StartUserImportJob" {
                    self.started_imports
                        .borrow_mut()
                        .push(action.request.clone());
                }
                self.record(
                    action,
                    "ok",
                    Some(answer),
                    Some(elapsed),
                    Some((answer.attempts, answer.request_id.clone())),
                    None,
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
                    action,
                    why,
                    None,
                    Some(elapsed),
                    e.attempts.map(|a| (a, e.request_id.clone())),
                    unknown.then_some(why),
                )
            }
        }
        result.map(|answer| answer.response.into())
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
                .map(crate::value::url_passwords_masked)
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

    /// Asks about a destructive call, per the run's policy.
    fn confirmed(&self, action: &Action) -> bool {
        match self.confirm {
            Policy::Yes => true,
            Policy::Refuse => false,
            Policy::Ask => confirm::fleet_answer(&action.function).unwrap_or_else(|| {
                confirm::ask(&format!(
                    "{} {} in {}: go ahead?",
                    action.function,
                    crate::safety::plan::summary_of(action.request),
                    self.target().describe()
                ))
            }),
        }
    }

    /// The target without asking who the caller is (the endpoint did not answer a call).
    fn target_unresolved(&self, why: &str) -> &Target {
        self.target.get_or_init(|| Target {
            unknown: Some(why.to_string()),
            ..self.target_base()
        })
    }

    fn target_base(&self) -> Target {
        let settings = self.clients.settings();
        Target {
            region: self.runtime.block_on(self.clients.region()).ok(),
            source: settings.credential_source(),
            external_id: settings.role.as_ref().and_then(|r| r.external_id.clone()),
            endpoint: settings
                .endpoint_url
                .as_deref()
                .map(crate::value::url_passwords_masked),
            ..Target::default()
        }
    }

    /// Who and where this run acts: resolved once, with `sts:GetCallerIdentity`.
    pub fn target(&self) -> &Target {
        self.target.get_or_init(|| {
            let mut target = self.target_base();
            let identity = aws::find_operation("sts", "get_caller_identity")
                .ok_or_else(|| AwsError::local("sts", "GetCallerIdentity", "Internal", "missing"))
                .and_then(|op| {
                    let request = Request::check(op, &Map::new(), &Map::new())?;
                    self.block_on_call(aws::send(&self.clients, op, request), false)
                });
            match identity {
                Ok(answer) => {
                    let text = |k: &str| {
                        answer
                            .response
                            .get(k)
                            .and_then(|v| v.clone().into_string().ok())
                    };
                    target.account = text("Account");
                    target.arn = text("Arn");
                }
                Err(e) if e.code == aws::error::INTERRUPTED => {
                    target.unknown =
                        Some("a signal came before the account lookup answered".into());
                }
                Err(e) => {
                    if ["Timeout", "EndpointUnreachable"].contains(&e.code.as_str()) {
                        self.silent.set(true);
                    }
                    target.unknown = Some(e.to_string());
                }
            }
            target
        })
    }

    /// Resolves now what journaling these actions will need (the target, looked up with a
    /// call of its own), before a batch drives its calls on the runtime.
    pub fn ready_to_record(&self, actions: &[Action]) {
        if actions.iter().any(|a| self.journals(a.class)) {
            self.target();
        }
    }

    /// Names the target on stderr, once, before the first write.
    fn announce(&self) {
        self.announced.get_or_init(|| {
            crate::say!("{}", self.target().line());
        });
    }

    /// `--var`s the runbook sends as secret members: masked in the journal's first line (when
    /// it is not written yet), and a warning for each, once.
    pub fn secret_vars(&self, names: impl IntoIterator<Item = String>) {
        for name in names {
            if !self.vars.contains_key(name.as_str())
                || !self.secret_vars.borrow_mut().insert(name.clone())
            {
                continue;
            }
            self.header.borrow_mut().mask_var(&name);
            crate::say!(
                "runbook: warning: --var {name} is sent as a secret; pass it with secret(\"{}\") (from the environment or a prompt) so that it is on no command line",
                name.to_ascii_uppercase()
            );
        }
    }

    /// The texts a request sends as secret members (at any depth).
    fn secret_texts(request: &Map) -> Vec<String> {
        fn secrets(value: &Dynamic, under_secret: bool, out: &mut Vec<String>) {
            if let Some(map) = value.read_lock::<Map>() {
                for (k, v) in map.iter() {
                    secrets(v, under_secret || is_secret_key(k), out);
                }
            } else if let Some(array) = value.read_lock::<rhai::Array>() {
                array.iter().for_each(|v| secrets(v, under_secret, out));
            } else if under_secret
                && let Some(text) = value::text_revealed(value)
                && !text.is_empty()
            {
                out.push(text);
            }
        }
        let mut sent = Vec::new();
        secrets(&Dynamic::from(request.clone()), false, &mut sent);
        sent
    }

    /// Every text this context has sent as a secret member (the REPL masks them in its
    /// history, wherever they were typed).
    pub fn secrets_sent(&self) -> Vec<String> {
        self.sent_secrets.borrow().iter().cloned().collect()
    }

    /// The `--var`s whose values a request sends as secret members (at any depth).
    fn vars_sent_as_secrets(&self, request: &Map) -> Vec<String> {
        let sent = Self::secret_texts(request);
        self.vars
            .iter()
            .filter(|(_, v)| {
                value::text_revealed(v).is_some_and(|t| !t.is_empty() && sent.contains(&t))
            })
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// Appends a call to the journal (writing its first line first).
    fn record(
        &self,
        action: &Action,
        outcome: &str,
        answer: Option<&Answer>,
        elapsed: Option<std::time::Duration>,
        sent: Option<(u32, Option<String>)>,
        error: Option<&str>,
    ) {
        if !self.journals(action.class) {
            return;
        }
        // A `--var` this call sends as a secret is masked before the first line is written.
        self.secret_vars(self.vars_sent_as_secrets(action.request));
        // A call that found no endpoint answering: do not wait for it a second time.
        if ["Timeout", "EndpointUnreachable", aws::error::INTERRUPTED].contains(&outcome) {
            self.target_unresolved("the endpoint did not answer");
        }
        let target = self.target().clone();
        let mut journal = self.journal.borrow_mut();
        let Some(journal) = journal.as_mut() else {
            return;
        };
        self.open_journal(journal, target);
        let (attempts, request_id) = sent.unwrap_or((0, None));
        // A write whose outcome is unknown: what identifies it comes from its request.
        let (outcome, error) = match error {
            Some(code) if action.class.writes() => ("maybe", Some(code.to_string())),
            _ => (outcome, None),
        };
        let empty = Answer {
            response: Map::new(),
            attempts: 0,
            request_id: None,
        };
        let created = answer
            .or((outcome == "maybe").then_some(&empty))
            .and_then(|a| {
                let undo = facts::of(action.op?).undo.as_ref()?;
                undo.request_for(action.request, &a.response)
            });
        let seq = self.sending.borrow_mut().remove(&stash_key(action));
        let identity = answer
            .and_then(|a| planned::identity_of(&action.function, action.request, &a.response));
        let stashed = self.befores.borrow_mut().remove(&stash_key(action));
        let (before, changed) = match stashed {
            Some((before, patch)) => (
                Some(value::masked_request(&before)),
                Some(!planned::diff(&before, &patch).is_empty()),
            ),
            None if self.unchanged.borrow_mut().remove(&stash_key(action)) => (None, Some(false)),
            None => (None, None),
        };
        let run = Some(self.header.borrow().id.clone());
        journal.write(&Line::Call(journal::Call {
            run,
            time: journal::now(),
            service: action.service.to_string(),
            operation: action.api.to_string(),
            function: action.function.clone(),
            class: action.class,
            request: value::masked_request(action.request),
            outcome: outcome.to_string(),
            error,
            seq,
            attempts,
            duration_ms: elapsed.map(|d| d.as_millis() as u64),
            request_id,
            created,
            before,
            changed,
            identity,
        }));
    }

    /// Ends the run: the journal's last line, and in a dry run the plan's closing line.
    pub fn finish(&self, result: &Result<(), Error>) {
        if self.dry_run.get() {
            crate::say!("{}", self.plan.closing_line());
        }
        let mut journal = self.journal.borrow_mut();
        let Some(journal) = journal.as_mut().filter(|j| j.is_open()) else {
            return;
        };
        let (outcome, message, signal) = match result {
            Ok(()) => ("ok", None, None),
            Err(Error::Interrupted(signal)) => (
                "interrupted",
                None,
                Some(interrupt::name(*signal).to_string()),
            ),
            Err(e) => {
                let text = e.to_string();
                let message = text.strip_prefix("error: ").unwrap_or(&text).to_string();
                ("error", Some(message), None)
            }
        };
        let end = Line::End(journal::End {
            run: Some(self.header.borrow().id.clone()),
            time: journal::now(),
            outcome: outcome.to_string(),
            message,
            signal,
        });
        journal.write(&end);
    }

    /// After a signal: stops the import jobs this run started that are still running, and
    /// journals that, so no job goes on importing for a run that stopped.
    pub fn stop_started_imports(&self) {
        let started = std::mem::take(&mut *self.started_imports.borrow_mut());
        for request in started {
            let Some(stop) = aws::find_operation("cognito", "stop_user_import_job") else {
                return;
            };
            let mut stop_request = Map::new();
            for key in ["UserPoolId", "JobId"] {
                if let Some(v) = request.get(key) {
                    stop_request.insert(key.into(), v.clone());
                }
            }
            let Ok(checked) = Request::check(stop, &stop_request, &stop_request) else {
                continue;
            };
            let action = Action {
                cleanup: true,
                ..Action::of(stop, &stop_request)
            };
            match self.guarded(&action, || {
                self.runtime
                    .block_on(aws::send(&self.clients, stop, checked))
            }) {
                Ok(_) => crate::say!(
                    "runbook: stopped import job {} that this run started",
                    stop_request
                        .get("JobId")
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                // Already finished: nothing to stop.
                Err(e) if e.code == "PreconditionNotMetException" => {}
                Err(e) => {
                    crate::say!("runbook: could not stop an import job this run started: {e}")
                }
            }
        }
    }

    /// Ends the run's journal and says where it is: the plan of a dry run, or the way back
    /// from a run that wrote (nothing for one that did not).
    pub fn close(&self, result: &Result<(), Error>) {
        self.finish(result);
        match self.journal_path() {
            Some(path) if self.dry_run.get() => {
                crate::say!("runbook: journal {} (the plan)", path.display())
            }
            Some(path) if self.wrote() => crate::say!(
                "runbook: journal {} (runbook revert {0} undoes it)",
                path.display()
            ),
            _ => {}
        }
    }

    /// Did the run write, or plan or refuse to write, anything?
    /// How many writes this run made (planned, in a dry run).
    pub fn writes(&self) -> usize {
        self.writes.get()
    }

    pub fn wrote(&self) -> bool {
        self.announced.get().is_some()
    }

    /// The journal's path, once it exists.
    pub fn journal_path(&self) -> Option<std::path::PathBuf> {
        self.journal
            .borrow()
            .as_ref()
            .filter(|j| j.is_open())
            .map(|j| j.path().to_path_buf())
    }
}

/// Which call a stashed `before` belongs to: its function and request.
fn stash_key(action: &Action) -> String {
    format!(
        "{} {}",
        action.function,
        value::to_json_revealed(&Dynamic::from(action.request.clone()))
    )
}
