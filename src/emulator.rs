//! The bundled local emulator: moto's server plus Cognito import jobs (`emulator/server.py`).
//!
//! `runbook emulator` runs it in the foreground; `--local` starts it on a free port for one
//! command, points the SDK at it with dummy credentials, and stops it when the command ends —
//! also when the runbook fails or the process is killed (the child gets SIGKILL on our death).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;

/// The emulator's source, embedded so an installed binary has it.
const SERVER_PY: &str = include_str!("../emulator/server.py");
/// Sign-in as the service does it (SRP, SECRET_HASH, TOTP), imported by `server.py`.
const AUTH_PY: &str = include_str!("../emulator/auth.py");
/// The moto internals both use, in one module (and the moto versions they are tested with).
const MOTO_INTERNALS_PY: &str = include_str!("../emulator/moto_internals.py");
/// The Cognito operations moto lacks, served on moto's state.
const EXTRAS_PY: &str = include_str!("../emulator/extras.py");

/// The operations (`service:name`, as `runbook ops` names them) the bundled emulator cannot
/// serve, so a runbook calling them cannot be rehearsed with `--local`: none. A test asks a
/// running emulator which operations it answers (`GET /_runbook/actions`) and fails when this
/// list and that answer disagree, so an operation added to the catalog that the emulator does
/// not serve fails the tests until it is served (or listed here, and shown `local: false`).
pub const NOT_SERVED: &[&str] = &[];

/// Whether the bundled emulator serves `name` of `service` (`runbook ops --json`'s `local`).
pub fn serves(service: &str, name: &str) -> bool {
    !NOT_SERVED
        .iter()
        .any(|s| s.split_once(':') == Some((service, name)))
}

/// The credentials `--local` uses, and that `runbook emulator` says to use: any will do.
pub const DUMMY_CREDENTIAL: &str = "runbook-local";

/// The region `--local` uses when none is given.
pub const DEFAULT_REGION: &str = "us-east-1";

const INSTALL_HINT: &str = "the local emulator needs python3 with moto's server: install it with `pip install 'moto[server]>=5.2.1,<5.3'` (the versions it is tested with) (and python3 itself, e.g. `apt-get install python3 python3-pip`)";

/// A running emulator; dropping it stops the process.
pub struct Emulator {
    child: Child,
    pub endpoint_url: String,
    /// A private directory (0700) of unpredictable name holding the server's source; removed
    /// on drop.
    _dir: tempfile::TempDir,
}

fn python() -> String {
    std::env::var("RUNBOOK_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Checks that python3 and moto are there, with a message that says what to install.
fn preflight() -> Result<(), Error> {
    let status = Command::new(python())
        .args(["-c", "import moto.server, werkzeug"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => Err(Error::Emulator(format!(
            "moto is not installed: {INSTALL_HINT}"
        ))),
        Err(e) => Err(Error::Emulator(format!(
            "cannot run {}: {e}: {INSTALL_HINT}",
            python()
        ))),
    }
}

/// The prefix of an emulator's directory: `runbook-emulator-<pid of runbook>-<random>`.
const DIR_PREFIX: &str = "runbook-emulator-";

/// Removes the directories emulators of runbook processes that are gone left behind (a
/// SIGKILL leaves no chance to clean up): ours, named by a pid no process has.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(DIR_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        // SAFETY: geteuid has no preconditions; kill with signal 0 only asks whether `pid` is
        // a live process.
        let (mine, gone) = unsafe {
            (
                std::os::unix::fs::MetadataExt::uid(&meta) == libc::geteuid(),
                libc::kill(pid, 0) == -1
                    && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH),
            )
        };
        if meta.is_dir() && mine && gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_server() -> Result<(tempfile::TempDir, PathBuf), Error> {
    remove_stale_dirs();
    let dir = crate::state::private_temp_dir(&format!("{DIR_PREFIX}{}-", std::process::id()))
        .map_err(|e| Error::Emulator(format!("cannot create a temporary directory: {e}")))?;
    let script = dir.path().join("server.py");
    for (name, text) in [
        ("server.py", SERVER_PY),
        ("auth.py", AUTH_PY),
        ("moto_internals.py", MOTO_INTERNALS_PY),
        ("extras.py", EXTRAS_PY),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text)
            .map_err(|e| Error::Emulator(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok((dir, script))
}

fn command(script: &PathBuf, port: u16) -> Command {
    let mut cmd = Command::new(python());
    cmd.arg(script).arg("--port").arg(port.to_string());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill the child when
        // this process dies, so a killed runbook leaves no emulator behind.
        // Its own process group: a Ctrl-C at the terminal reaches runbook, which finishes the
        // call in flight against the emulator before it stops.
        cmd.process_group(0);
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    cmd
}

/// An emulator whose process is starting (see [`Emulator::launch`]).
pub struct Launching {
    child: Child,
    dir: tempfile::TempDir,
}

impl Launching {
    /// Waits until it answers: the running emulator.
    pub fn ready(self) -> Result<Emulator, Error> {
        let Self { mut child, dir } = self;
        let stdout = child.stdout.take();
        let mut line = String::new();
        if let Some(out) = stdout {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let Some(url) = line
            .trim()
            .strip_prefix("AWS_ENDPOINT_URL=")
            .map(str::to_string)
        else {
            let _ = child.kill();
            let _ = child.wait();
            // Only now ask why (moto missing, no python): asking first would import moto
            // twice on every start, half a second each.
            preflight()?;
            return Err(Error::Emulator(format!("it did not start: {INSTALL_HINT}")));
        };
        let emulator = Emulator {
            child,
            endpoint_url: url,
            _dir: dir,
        };
        emulator.wait_ready(Duration::from_secs(20))?;
        Ok(emulator)
    }
}

impl Emulator {
    /// Starts the emulator on a free loopback port and waits until it answers.
    pub fn start() -> Result<Self, Error> {
        Self::launch()?.ready()
    }

    /// Starts the emulator's process and returns at once: [`Launching::ready`] waits for it,
    /// so that work can be done meanwhile (`runbook test` reads and checks its files). The
    /// process is tied to the calling thread (it is killed when that thread ends): wait for
    /// it on the same thread.
    pub fn launch() -> Result<Launching, Error> {
        let (dir, script) = write_server()?;
        let child = command(&script, 0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                Error::Emulator(format!("cannot start {}: {e}: {INSTALL_HINT}", python()))
            })?;
        Ok(Launching { child, dir })
    }

    /// Empties every service's state: a fresh account (`runbook test` gives one to each test).
    pub fn reset(&self) -> Result<(), Error> {
        use std::io::{Read, Write};
        let (addr, route) = self.address();
        let fail = |e: std::io::Error| Error::Emulator(format!("cannot reset it: {e}"));
        let mut stream = std::net::TcpStream::connect(addr).map_err(fail)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(fail)?;
        write!(
            stream,
            "POST {route}/_runbook/reset HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .map_err(fail)?;
        // Read the answer's head only: a 204 has no body, and waiting for the server to close
        // the connection would cost every test about 10 ms.
        let mut head = Vec::new();
        let mut chunk = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).map_err(fail)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        let answer = String::from_utf8_lossy(&head);
        if answer.starts_with("HTTP/1.1 204") || answer.starts_with("HTTP/1.0 204") {
            Ok(())
        } else {
            Err(Error::Emulator(format!(
                "cannot reset it: {}",
                answer.lines().next().unwrap_or("no answer")
            )))
        }
    }

    /// Its `host:port`, and its route token as a path (`/0f3a…`): every request goes under it.
    fn address(&self) -> (&str, &str) {
        let rest = self.endpoint_url.trim_start_matches("http://");
        rest.find('/')
            .map_or((rest, ""), |at| (&rest[..at], &rest[at..]))
    }

    fn wait_ready(&self, limit: Duration) -> Result<(), Error> {
        let (addr, _) = self.address();
        let start = Instant::now();
        while start.elapsed() < limit {
            if std::net::TcpStream::connect(addr).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(Error::Emulator(format!(
            "{addr} did not answer within {limit:?}"
        )))
    }

    /// Runs the emulator in the foreground (for `runbook emulator`) until it exits or this
    /// process gets SIGINT/SIGTERM; then it is stopped and its files removed.
    pub fn run_foreground(port: u16) -> Result<(), Error> {
        preflight()?;
        crate::safety::interrupt::install();
        let (_dir, script) = write_server()?;
        let mut child = command(&script, port)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Emulator(format!("cannot start {}: {e}: {INSTALL_HINT}", python()))
            })?;
        // Its first line is the endpoint; the credentials and region to use with it follow,
        // then whatever else the server prints.
        if let Some(out) = child.stdout.take() {
            let mut out = BufReader::new(out);
            let mut first = String::new();
            let _ = out.read_line(&mut first);
            let mut text = first.clone();
            if first.starts_with("AWS_ENDPOINT_URL=") {
                for (name, value) in [
                    ("AWS_ACCESS_KEY_ID", DUMMY_CREDENTIAL),
                    ("AWS_SECRET_ACCESS_KEY", DUMMY_CREDENTIAL),
                    ("AWS_REGION", DEFAULT_REGION),
                ] {
                    text.push_str(&format!("{name}={value}\n"));
                }
            }
            crate::output::print(text.trim_end());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut out, &mut std::io::stdout());
            });
        }
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(Error::Emulator(format!("it exited with {status}")));
                }
                Ok(None) => {}
                Err(e) => return Err(Error::Emulator(format!("cannot wait for it: {e}"))),
            }
            if crate::safety::interrupt::received().is_some() {
                let _ = child.kill();
                let _ = child.wait();
                crate::say!("runbook: local emulator stopped");
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
