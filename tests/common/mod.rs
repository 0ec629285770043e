//! Shared test support: one emulator per test binary, and a way to run `runbook` against it
//! the way a user would (the real binary, real SDK clients, HTTP to the emulator).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Emulator {
    pub url: String,
    _child: Child,
}

static EMULATOR: OnceLock<Emulator> = OnceLock::new();

/// The emulator's endpoint, started on first use; it exits with the test process.
pub fn endpoint() -> &'static str {
    &EMULATOR
        .get_or_init(|| {
            let mut child = Command::new("python3")
                .arg(repo().join("tests/emulator/server.py"))
                .args(["--port", "0"])
                .env("RUNBOOK_EMULATOR_PENDING_SECONDS", "0.2")
                .env("RUNBOOK_EMULATOR_IN_PROGRESS_SECONDS", "0.3")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("python3 with moto must be installed (pip install 'moto[server]')");
            let mut line = String::new();
            BufReader::new(child.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("emulator prints its URL");
            let url = line
                .trim()
                .strip_prefix("AWS_ENDPOINT_URL=")
                .unwrap_or_else(|| panic!("unexpected emulator output: {line}"))
                .to_string();
            Emulator { url, _child: child }
        })
        .url
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
        .stdin(Stdio::null());
    cmd
}

/// A `runbook` command pointed at the test emulator.
pub fn runbook() -> Command {
    let mut cmd = bare();
    cmd.args(["--endpoint-url", endpoint()]);
    cmd
}

/// Runs `runbook run FILE [--var k=v]…` against the emulator.
pub fn run(file: &Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd = runbook();
    cmd.arg("run").arg(file);
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    cmd.output().expect("runbook runs")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for one test's files.
pub fn temp_dir() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("runbook-test-{}-{n}", std::process::id()));
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
