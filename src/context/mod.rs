//! What script functions share, and the one path every AWS call takes.
//!
//! A [`Context`] holds the runtime, the AWS clients, the `--var`s and the run's safety state
//! (dry run, confirmations, journal, target). Every call — from a script, a helper, a batch,
//! an import or a revert — takes one path: [`Context::dispatch`] admits it as a
//! [`Ticket`](ticket::Ticket) ([`ticket`]: interrupt check, before-image, plan, target line,
//! confirmation, write-ahead), sends it ([`dispatch`]: lanes, [`pace`], retries, grace) and
//! settles the ticket (journal, through the [`Recorder`]). [`Context::call`] is a checked
//! operation through it; [`Context::guarded`] any one action.

pub mod dispatch;
pub mod limits;
pub mod pace;
pub mod seen;
pub mod ticket;

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use rhai::{Dynamic, Map};

use crate::aws::facts::{self, Class};
use crate::aws::{self, AwsError, Clients, Operation, Request};
use crate::error::Error;
use crate::safety::confirm::Policy;
use crate::safety::interrupt;
use crate::safety::journal::{self, Journal};
use crate::safety::plan::Plan;
use crate::safety::recorder::{Ending, Recorder};
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
    /// Shared by a context's [`successor`](Context::successor)s (a `runbook test` worker's
    /// tests): one runtime, one set of clients, one account lookup.
    pub runtime: Rc<tokio::runtime::Runtime>,
    pub clients: Rc<Clients>,
    pub vars: Map,
    /// The runbook's directory, where a relative path it names resolves (none for `eval`
    /// and the REPL).
    dir: RefCell<Option<std::path::PathBuf>>,
    /// The runbooks `runbook(path, vars)` is running, innermost last: their `vars` and
    /// directory.
    nested: RefCell<Vec<(Map, std::path::PathBuf)>>,
    dry_run: std::cell::Cell<bool>,
    confirm: Policy,
    /// The journal's one writer.
    recorder: RefCell<Recorder>,
    /// The texts requests sent as secret members.
    sent_secrets: RefCell<std::collections::BTreeSet<String>>,
    /// `--var`s said to be sent as secrets (warned about once each).
    secret_vars: RefCell<std::collections::BTreeSet<String>>,
    /// Writes said not to be revertible because the read before them failed (once each).
    unread: RefCell<std::collections::BTreeSet<String>>,
    target: Rc<OnceCell<Target>>,
    announced: Rc<OnceCell<()>>,
    plan: Plan,
    /// The requests of import jobs this run started, to stop them if it is interrupted.
    started_imports: RefCell<Vec<Map>>,
    /// The writes planned inside `plan(|| …)`, while one runs.
    scoped_plan: RefCell<Option<Vec<Dynamic>>>,
    /// The account lookup before the first write got no answer: the endpoint is silent.
    silent: std::cell::Cell<bool>,
    /// App clients' secrets `cognito::sign_in` read this run: (pool, client) → the secret,
    /// `None` for a client without one (read once per run with DescribeUserPoolClient).
    pub client_secrets: RefCell<std::collections::HashMap<(String, String), Option<String>>>,
    /// Writes made (or planned, in a dry run), for a fleet's table.
    writes: std::cell::Cell<usize>,
    /// What this run has read, until it writes (before-images without a second read).
    seen: RefCell<seen::Seen>,
    /// Has any call been answered (so that the endpoint is there to ask for limits)?
    answered: std::cell::Cell<bool>,
    /// The categories this run paced, and the throttled requests it met.
    paced: RefCell<limits::Paced>,
}

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
        Ok(Self::with(
            Rc::new(runtime),
            Rc::new(Clients::new(settings)),
            Rc::default(),
            Rc::default(),
            vars,
            safety,
        ))
    }

    /// A fresh context for the next run in the same place (`runbook test`'s next test): the
    /// same runtime, clients and target — asked for once, named once — and everything else
    /// new (its own vars, safety, journal, plan).
    pub fn successor(&self, vars: Map, safety: Safety) -> Rc<Self> {
        Self::with(
            self.runtime.clone(),
            self.clients.clone(),
            self.target.clone(),
            self.announced.clone(),
            vars,
            safety,
        )
    }

    fn with(
        runtime: Rc<tokio::runtime::Runtime>,
        clients: Rc<Clients>,
        target: Rc<OnceCell<Target>>,
        announced: Rc<OnceCell<()>>,
        vars: Map,
        safety: Safety,
    ) -> Rc<Self> {
        Rc::new(Self {
            runtime,
            clients,
            vars,
            dry_run: std::cell::Cell::new(safety.dry_run),
            confirm: safety.confirm,
            recorder: RefCell::new(Recorder::new(safety.journal, safety.header)),
            sent_secrets: RefCell::default(),
            unread: RefCell::default(),
            secret_vars: RefCell::default(),
            target,
            announced,
            plan: Plan::default(),
            started_imports: RefCell::new(Vec::new()),
            silent: std::cell::Cell::new(false),
            scoped_plan: RefCell::new(None),
            dir: RefCell::new(None),
            nested: RefCell::new(Vec::new()),
            writes: std::cell::Cell::new(0),
            client_secrets: RefCell::default(),
            seen: RefCell::default(),
            answered: std::cell::Cell::new(false),
            paced: RefCell::default(),
        })
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
        match self.nested.borrow().last() {
            Some((vars, _)) => vars.get(name).cloned(),
            None => self.vars.get(name).cloned(),
        }
    }

    /// Sets the runbook's directory (see [`resolve`](Self::resolve)).
    pub fn set_dir(&self, dir: Option<std::path::PathBuf>) {
        *self.dir.borrow_mut() = dir;
    }

    /// Runs `f` as the runbook in `dir` with `vars` as its parameters (`runbook(path, vars)`);
    /// `None` when runbooks are nested too deep (a runbook running itself).
    pub fn nested<T>(
        &self,
        vars: Map,
        dir: std::path::PathBuf,
        f: impl FnOnce() -> T,
    ) -> Option<T> {
        if self.nested.borrow().len() >= 16 {
            return None;
        }
        self.nested.borrow_mut().push((vars, dir));
        let result = f();
        self.nested.borrow_mut().pop();
        Some(result)
    }

    /// A path given to a helper. A relative path written in the runbook resolves beside it (or
    /// beside the runbook a `runbook(path)` call is running); one that came from the command
    /// line (`--var roster=data/r.csv`, then `param("roster")`) resolves against the current
    /// directory, where the operator typed it.
    pub fn resolve(&self, path: &str) -> std::path::PathBuf {
        let from_caller = self
            .vars
            .values()
            .any(|v| v.clone().into_string().is_ok_and(|v| v == path));
        let path = std::path::Path::new(path);
        if path.is_absolute() || from_caller {
            return path.to_path_buf();
        }
        if let Some((_, dir)) = self.nested.borrow().last() {
            return dir.join(path);
        }
        match self.dir.borrow().as_ref() {
            Some(dir) => dir.join(path),
            None => path.to_path_buf(),
        }
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
        let mut checked = Request::check(op, &merged, request)?;
        let action = Action::of(op, &merged);
        self.page_turns(&action.function, &mut checked);
        self.guarded(action, || aws::send(&self.clients, op, checked.clone()))
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
            // Whatever said it: --endpoint-url, AWS_ENDPOINT_URL or a profile's endpoint_url
            // (the loaded configuration has the one the SDK uses).
            endpoint: settings
                .endpoint_url
                .clone()
                .or_else(|| {
                    self.runtime
                        .block_on(self.clients.config())
                        .endpoint_url()
                        .map(str::to_string)
                })
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
                    self.runtime
                        .block_on(interruptible(aws::send(&self.clients, op, request)))
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

    /// Resolves now what journaling these calls will need (the target, looked up with a
    /// call of its own), before the runtime drives them.
    fn ready_to_record<'t, 'a: 't>(
        &self,
        tickets: impl IntoIterator<Item = &'t ticket::Ticket<'a>>,
    ) {
        let recorder = self.recorder.borrow();
        let journals = tickets
            .into_iter()
            .any(|t| recorder.records(t.action.class));
        drop(recorder);
        if journals {
            self.target();
        }
    }

    /// Notes the texts a request sends as secret members (the REPL masks them).
    fn note_secrets_sent(&self, request: &Map) {
        self.sent_secrets
            .borrow_mut()
            .extend(Self::secret_texts(request));
    }

    /// Counts a write made (or planned, in a dry run).
    fn count_write(&self) {
        self.writes.set(self.writes.get() + 1);
    }

    /// Inside `plan(|| …)`: notes a planned write for the closure's caller.
    fn scoped_write(&self, action: &Action) {
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
    }

    /// Notes an import job this run started, to stop it if the run is interrupted.
    fn started_import(&self, request: &Map) {
        self.started_imports.borrow_mut().push(request.clone());
    }

    /// Did the account lookup find the endpoint silent?
    fn is_silent(&self) -> bool {
        self.silent.get()
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
            self.recorder.borrow_mut().mask_var(&name);
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

    /// Ends the run: the journal's last line, and in a dry run the plan's closing line.
    pub fn finish<T>(&self, result: &Result<T, Error>) {
        if self.dry_run.get() {
            crate::say!("{}", self.plan.closing_line());
        }
        let ending = match result {
            Ok(_) => Ending::Ok,
            Err(Error::Interrupted(signal)) => Ending::Interrupted(interrupt::name(*signal)),
            Err(e) => {
                let text = e.to_string();
                Ending::Error(text.strip_prefix("error: ").unwrap_or(&text).to_string())
            }
        };
        self.recorder.borrow_mut().end(ending);
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
            match self.guarded(action, || aws::send(&self.clients, stop, checked.clone())) {
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
    pub fn close<T>(&self, result: &Result<T, Error>) {
        self.finish(result);
        if let Some(line) = self.pacing_line() {
            crate::say!("{line}");
        }
        match self.journal_path() {
            Some(path) if self.dry_run.get() => {
                crate::say!("runbook: journal {} (the plan)", path.display())
            }
            // A --local emulator's state goes with it: there is nothing left to revert.
            Some(path) if self.wrote() && self.clients.settings().dummy_credentials => crate::say!(
                "runbook: journal {} (what it did was in the local emulator, whose state is gone with it: nothing to revert)",
                path.display()
            ),
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

    /// Did any call of this run get an answer (so the account can be named without waiting)?
    pub fn answered(&self) -> bool {
        self.answered.get()
    }

    /// The writes a dry run planned, in order (for its report).
    pub fn planned_writes(&self) -> Vec<crate::safety::plan::Written> {
        self.plan.written()
    }

    pub fn wrote(&self) -> bool {
        self.announced.get().is_some()
    }

    /// The journal's path, once it exists.
    pub fn journal_path(&self) -> Option<std::path::PathBuf> {
        self.recorder.borrow().path()
    }
}
