//! Shared test support: the emulator, started once for all tests (the way users start it), and
//! ways to run `runbook` against it as a user would (the real binary, real SDK clients, HTTP).

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The shared emulator's endpoint, started on first use; it stops when the tests end. A test
/// holding [`whole_state`] talks to an emulator of its own instead.
pub fn endpoint() -> &'static str {
    static SHARED: OnceLock<String> = OnceLock::new();
    static WHOLE: OnceLock<String> = OnceLock::new();
    let cell = if OWN_EMULATOR.with(Cell::get) {
        &WHOLE
    } else {
        &SHARED
    };
    cell.get_or_init(start_emulator)
}

/// Starts `runbook emulator --port 0`, the way a user starts it, and returns the endpoint URL
/// it prints. It is spawned from a thread that lives as long as the test process, and told to
/// stop (SIGTERM, which makes it stop its server and remove its files) when that thread ends
/// (PR_SET_PDEATHSIG): when the tests end.
fn start_emulator() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
        cmd.args(["emulator", "--port", "0"])
            .env("RUNBOOK_EMULATOR_PENDING_SECONDS", "0.2")
            .env("RUNBOOK_EMULATOR_IN_PROGRESS_SECONDS", "0.3")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: prctl is async-signal-safe and only sets this child's parent-death signal.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with moto must be installed (pip install 'moto[server]')");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let _ = tx.send(line);
        // This thread waits for the emulator as long as it runs: its end is the tests' end.
        let _ = child.wait();
    });
    let line = rx.recv().expect("the emulator prints its URL");
    line.trim()
        .strip_prefix("AWS_ENDPOINT_URL=")
        .unwrap_or_else(|| panic!("unexpected emulator output: {line}"))
        .to_string()
}

thread_local! {
    /// Does this test talk to the emulator of the whole-state tests?
    static OWN_EMULATOR: Cell<bool> = const { Cell::new(false) };
}

/// Held by a test that compares the whole emulator's state (everything in every pool and
/// role): such tests run one at a time, against an emulator no other test touches.
pub struct WholeState {
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

pub fn whole_state() -> WholeState {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    OWN_EMULATOR.with(|own| own.set(true));
    WholeState {
        _one_at_a_time: guard,
    }
}

impl Drop for WholeState {
    fn drop(&mut self) {
        OWN_EMULATOR.with(|own| own.set(false));
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `runbook` command with dummy credentials and a region, nothing pointed anywhere yet.
pub fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.current_dir(repo())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "ap-northeast-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("XDG_STATE_HOME", state_home())
        .stdin(Stdio::null());
    cmd
}

/// Where this test binary's runs keep their journals and history (not the user's home).
pub fn state_home() -> PathBuf {
    let dir = scratch().join("state");
    std::fs::create_dir_all(&dir).expect("state dir");
    dir
}

/// The directory every file of this test process lives under, removed when the tests end.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    fn path() -> PathBuf {
        std::env::temp_dir().join(format!("runbook-tests-{}", std::process::id()))
    }
    extern "C" fn remove() {
        let _ = std::fs::remove_dir_all(path());
    }
    DIR.get_or_init(|| {
        std::fs::create_dir_all(path()).expect("scratch dir");
        // SAFETY: registers a plain function to run at exit (the test harness exits through
        // `exit`, which runs it after every test has finished).
        unsafe {
            libc::atexit(remove);
        }
        path()
    })
}

/// A `runbook` command pointed at the test emulator.
pub fn runbook() -> Command {
    let mut cmd = bare();
    cmd.args(["--endpoint-url", endpoint()]);
    cmd
}

/// Runs `runbook run --yes FILE [--var k=v]…` against the emulator: destructive calls are
/// allowed, as an operator allows them in CI.
pub fn run(file: &Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd = runbook();
    cmd.args(["run", "--yes"]).arg(file);
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    cmd.output().expect("runbook runs")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for one test's files.
pub fn temp_dir() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = scratch().join(n.to_string());
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes a runbook into a fresh directory and returns its path.
pub fn script(body: &str) -> PathBuf {
    let path = temp_dir().join("test.rhai");
    std::fs::write(&path, body).expect("write script");
    path
}

/// A name unique to this test run, for pools, roles and policies.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}-{}-{n}", std::process::id())
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "runbook failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// One HTTP/1.1 request over a plain socket, so the test controls every header; returns the
/// status and the whole response (headers and body).
pub fn http_request(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}

/// The emulator's `host:port`, and its route token as a path (`/0f3a…`), which every request
/// to it must go under.
pub fn emulator_address() -> (&'static str, &'static str) {
    let rest = endpoint().trim_start_matches("http://");
    rest.find('/')
        .map_or((rest, ""), |at| (&rest[..at], &rest[at..]))
}

/// One request to the emulator's own routes; returns the status and the body.
pub fn emulator_http(method: &str, path: &str, body: &str) -> (u16, String) {
    let (host, route) = emulator_address();
    let (status, response) = http_request(
        host,
        method,
        &format!("{route}{path}"),
        &[("Content-Type", "application/json")],
        body,
    );
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Reads the first line a child prints, then closes its stdout (as `| head -1` does).
pub fn first_line_then_close(child: &mut Child) -> String {
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("reads");
    first
}

/// Tells the emulator to misbehave for the next requests (see emulator/server.py).
pub fn inject(faults: &str) {
    let (status, body) = emulator_http("POST", "/_runbook/faults", faults);
    assert_eq!(status, 204, "{body}");
}

/// A User-Agent app id unique to one test: `runbook_as(app)` sends it with every request, and
/// `recorded(app)` lists what the emulator received from it.
pub fn app_id(prefix: &str) -> String {
    unique(prefix).replace('-', "_")
}

/// Runs `cmd` with `input` on its standard input (a REPL fed from a pipe, say) and waits.
pub fn fed(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runbook starts");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("runbook ends")
}

/// A new user pool named after `prefix` (unique to this run); its id.
pub fn new_pool(prefix: &str) -> String {
    let out = ok(&run(
        &script(&format!(
            r#"print(cognito::create_user_pool("{}").UserPool.Id);"#,
            unique(prefix)
        )),
        &[],
    ));
    out.trim().to_string()
}

/// A journal's lines, each parsed as JSON (a missing journal has none).
pub fn journal_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
        .collect()
}

/// `runbook()` whose requests carry `app` in their User-Agent.
pub fn runbook_as(app: &str) -> Command {
    let mut cmd = runbook();
    cmd.env("AWS_SDK_UA_APP_ID", app);
    cmd
}

/// The API requests the emulator received from `app`, oldest first: `action`, `body` (raw),
/// `status`, `response` (raw), `access_key`.
pub fn recorded(app: &str) -> Vec<serde_json::Value> {
    let (status, body) = emulator_http("GET", &format!("/_runbook/requests?app={app}"), "");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("the emulator's request log is JSON")
}

/// Runs `runbook --endpoint-url EMULATOR ARGS` on a pseudo-terminal (the `portable-pty`
/// crate), as a person at a terminal would: each step waits its milliseconds, then types its
/// text (`\x03` is Ctrl-C, which the terminal turns into SIGINT). Returns the exit code (`None`
/// if a signal killed it) and everything the terminal showed.
pub fn on_a_terminal(
    args: &str,
    steps: &[(u64, &str)],
    env: &[(&str, &str)],
) -> (Option<i32>, String) {
    let mut argv = vec!["--endpoint-url".to_string(), endpoint().to_string()];
    argv.extend(args.split_whitespace().map(str::to_string));
    in_a_terminal(env!("CARGO_BIN_EXE_runbook"), &argv, steps, env)
}

/// Runs `program` with `args` on a pseudo-terminal (its controlling terminal), typing `steps`;
/// returns its exit code and everything the terminal showed.
pub fn in_a_terminal(
    program: &str,
    args: &[String],
    steps: &[(u64, &str)],
    env: &[(&str, &str)],
) -> (Option<i32>, String) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal opens");
    let mut cmd = CommandBuilder::new(program);
    cmd.args(args);
    cmd.cwd(std::env::current_dir().expect("a current directory"));
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "ap-northeast-1"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("TERM", "xterm"),
    ] {
        cmd.env(k, v);
    }
    cmd.env_remove("AWS_PROFILE");
    cmd.env_remove("AWS_ENDPOINT_URL");
    cmd.env("XDG_STATE_HOME", state_home());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = pair.slave.spawn_command(cmd).expect("runbook starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let screen = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EOF or EIO once runbook has exited and the terminal is closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    {
        let mut keyboard = pair.master.take_writer().expect("writer");
        for (wait, text) in steps {
            std::thread::sleep(std::time::Duration::from_millis(*wait));
            let _ = keyboard.write_all(text.as_bytes());
            let _ = keyboard.flush();
        }
        std::thread::sleep(std::time::Duration::from_millis(1000));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().expect("waits");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(pair.master);
    let text = screen.join().unwrap_or_default();
    let code = match status.signal() {
        Some(_) => None,
        None => i32::try_from(status.exit_code()).ok(),
    };
    (code, text)
}

/// A session as a user types it, in the spirit of just's `Test`:
///
/// ```ignore
/// Test::new()
///     .args(["run", "--yes"])
///     .runbook(r#"print(cognito::create_user_pool("p").UserPool.Name);"#)
///     .var("stage", "dev")
///     .journal()
///     .run()
///     .status(0)
///     .stdout_has("p");
/// ```
///
/// Against the test emulator unless [`Test::offline`]; the runbook is written to a fresh file
/// and named after the arguments given so far; [`Ran`] checks what came out.
pub struct Test {
    command: Command,
    journal: Option<PathBuf>,
}

impl Test {
    /// `runbook --endpoint-url EMULATOR …`.
    pub fn new() -> Self {
        Self {
            command: runbook(),
            journal: None,
        }
    }

    /// `runbook …` pointed nowhere (dummy credentials and a region only).
    pub fn offline() -> Self {
        Self {
            command: bare(),
            journal: None,
        }
    }

    /// More arguments, as typed.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// A runbook with this text, written to a fresh file, as the next argument.
    pub fn runbook(mut self, body: &str) -> Self {
        self.command.arg(script(body));
        self
    }

    /// `--var KEY=VALUE`.
    pub fn var(mut self, key: &str, value: &str) -> Self {
        self.command.arg("--var").arg(format!("{key}={value}"));
        self
    }

    /// `--journal PATH` with a fresh path, read back by [`Ran::journal`].
    pub fn journal(mut self) -> Self {
        let path = temp_dir().join("journal.jsonl");
        self.command.arg("--journal").arg(&path);
        self.journal = Some(path);
        self
    }

    /// Runs it from `dir`.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// An environment variable for the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    /// Requests carry `app` in their User-Agent (see [`recorded`]).
    pub fn app(mut self, app: &str) -> Self {
        self.command.env("AWS_SDK_UA_APP_ID", app);
        self
    }

    /// Runs it to its end.
    pub fn run(mut self) -> Ran {
        let out = self.command.output().expect("runbook runs");
        Ran {
            out,
            journal: self.journal,
        }
    }
}

/// What a [`Test`] printed, its exit code and its journal.
pub struct Ran {
    pub out: Output,
    journal: Option<PathBuf>,
}

impl Ran {
    /// Asserts the exit code (showing both streams when it differs).
    #[track_caller]
    pub fn status(self, code: i32) -> Self {
        assert_eq!(
            self.out.status.code(),
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts stdout holds `text`.
    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Self {
        let seen = self.stdout();
        self.holds("stdout", &seen, text)
    }

    /// Asserts stderr holds `text`.
    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Self {
        let seen = self.stderr();
        self.holds("stderr", &seen, text)
    }

    /// Asserts stdout does not hold `text`.
    #[track_caller]
    pub fn stdout_lacks(self, text: &str) -> Self {
        let seen = self.stdout();
        assert!(!seen.contains(text), "{text:?} in stdout:\n{seen}");
        self
    }

    /// Asserts stderr does not hold `text`.
    #[track_caller]
    pub fn stderr_lacks(self, text: &str) -> Self {
        let seen = self.stderr();
        assert!(!seen.contains(text), "{text:?} in stderr:\n{seen}");
        self
    }

    #[track_caller]
    fn holds(self, stream: &str, seen: &str, text: &str) -> Self {
        assert!(seen.contains(text), "{text:?} not in {stream}:\n{seen}");
        self
    }

    pub fn stdout(&self) -> String {
        stdout(&self.out)
    }

    pub fn stderr(&self) -> String {
        stderr(&self.out)
    }

    /// `runbook revert FLAGS… JOURNAL` of this run's journal (see [`Test::journal`]).
    pub fn revert(&self, flags: &[&str]) -> Ran {
        let journal = self
            .journal_path()
            .expect("the run has a journal (Test::journal)");
        Test::new()
            .args(["revert"])
            .args(flags)
            .args([&journal])
            .run()
    }

    /// Where the journal is (see [`Test::journal`]).
    pub fn journal_path(&self) -> Option<PathBuf> {
        self.journal.clone()
    }

    /// The journal's lines (see [`Test::journal`]).
    pub fn journal(&self) -> Vec<serde_json::Value> {
        self.journal
            .as_deref()
            .map(journal_lines)
            .unwrap_or_default()
    }
}

/// `aws ARGS --output OUTPUT` against the emulator: what it printed.
pub fn aws_cli_as(args: &[&str], output: &str) -> String {
    let config = temp_dir().join("config");
    std::fs::write(&config, "[default]\ncli_timestamp_format = iso8601\n").expect("write");
    let out = std::process::Command::new("python3")
        .args(["-m", "awscli"])
        .args(args)
        .args(["--endpoint-url", endpoint(), "--output", output])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "ap-northeast-1")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the AWS CLI is installed (pip install awscli)");
    assert!(out.status.success(), "aws {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
