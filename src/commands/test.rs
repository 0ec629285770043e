//! `runbook test [PATH…]`: runbooks that prove themselves.
//!
//! Every `*.test.rhai` file under PATH (default `.`) is a test file; each of its `fn test_*()`
//! is one test, run against a fresh, empty account of the local emulator (started once per
//! worker and reset between tests, so a test costs its own calls, not a process start). A
//! file's `fn setup()` runs before each of its tests. Each test prints `ok` or `FAILED` with
//! its time; a failure shows the error with its `file:line:col`, then what the test printed
//! (a passing test's output is shown only with `--nocapture`, as `cargo test` does). The last line is `N passed, M
//! failed`; the exit code 0 when none failed, 1 otherwise. Tests never touch AWS unless
//! `--endpoint-url` or `--profile` says where (then nothing is reset).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rhai::Map;

use super::flags::{AwsFlags, LeadingAwsFlags};
use crate::aws::Settings;
use crate::context::Safety;
use crate::emulator::Emulator;
use crate::engine::Runbook;
use crate::engine::glue::runtime_error;
use crate::error::Error;

// The arguments of `runbook test`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Test files or directories to search for `*.test.rhai` (default: the current directory).
    paths: Vec<PathBuf>,
    /// Only the tests whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Run the files on N workers, each with its own emulator.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
    jobs: u64,
    /// Also write the results as JUnit XML to FILE (a new file).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Replace the --junit FILE if it exists (only a regular file of yours nobody else can write).
    #[arg(long, requires = "junit")]
    force: bool,
    /// Fail a test that runs longer than SECONDS (a `loop {}` fails with its name instead of
    /// holding the suite).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    test_timeout: u64,
    /// Show what passing tests print too (a failing test's output is always shown).
    #[arg(long)]
    nocapture: bool,
    #[command(flatten)]
    aws: AwsFlags,
}

/// One test's outcome.
struct Outcome {
    file: PathBuf,
    name: String,
    took: Duration,
    error: Option<String>,
    /// What the test printed (stdout and stderr lines, in order), unless `--nocapture`.
    output: String,
}

/// Where the tests send their calls.
#[derive(Clone)]
enum Target {
    /// A local emulator per worker, reset before each test.
    Local,
    /// What the operator named (`--endpoint-url`, `--profile`): used as it is.
    Given(Settings),
}

pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    let flags = leading.under(&args.aws)?;
    // The report's file is checked before any test runs, not refused after all of them.
    if let Some(path) = &args.junit {
        crate::output::check_writable(path, args.force)?;
    }
    let files = discover(&args.paths)?;
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "no *.test.rhai file under {}",
            shown_paths(&args.paths)
        )));
    }
    let target = if flags.endpoint_url.is_some() || flags.profile.is_some() {
        let mut given = None;
        super::flags::with_aws(&flags, |settings| {
            given = Some(settings);
            Ok(())
        })?;
        Target::Given(given.unwrap_or_default())
    } else {
        Target::Local
    };
    crate::safety::interrupt::install();
    let jobs = (args.jobs as usize).min(files.len()).max(1);
    let started = Instant::now();
    let mut shares: Vec<Vec<PathBuf>> = vec![Vec::new(); jobs];
    for (i, file) in files.iter().enumerate() {
        shares[i % jobs].push(file.clone());
    }
    let filter = args.filter.clone();
    let limit = Duration::from_secs(args.test_timeout);
    let capture = !args.nocapture;
    let workers: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let target = target.clone();
            let filter = filter.clone();
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn(move || worker(&share, &target, filter.as_deref(), limit, capture))
        })
        .collect();
    let mut outcomes = Vec::new();
    for worker in workers {
        let worker = worker.map_err(|e| Error::Usage(format!("cannot start a worker: {e}")))?;
        match worker.join() {
            Ok(result) => outcomes.extend(result?),
            Err(_) => return Err(Error::Usage("a test worker stopped unexpectedly".into())),
        }
    }
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    let passed = outcomes.len() - failed;
    if let Some(path) = &args.junit {
        crate::output::write_file(
            path,
            crate::files::PRIVATE,
            args.force,
            &junit(&outcomes, started.elapsed())?,
        )?;
    }
    crate::output::print(&format!("{passed} passed, {failed} failed"));
    // Each worker stopped its emulator on its way out.
    if let Some(signal) = crate::safety::interrupt::received() {
        return Err(Error::Interrupted(signal));
    }
    if failed > 0 {
        return Err(Error::TestsFailed);
    }
    Ok(())
}

fn shown_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        ".".into()
    } else {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The `*.test.rhai` files under `paths` (a file named is taken as it is), sorted. Each must
/// be code runbook trusts (see [`files::trusted_code`](crate::files::trusted_code)): one that
/// is not — planted by another user, a link, in a directory others can write — stops the
/// suite before anything runs, named, so that it neither runs nor goes missing silently.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let roots = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut found = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(&root).map_err(|source| Error::Read {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
            found.push(root);
            continue;
        }
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                if kind.is_dir() && !name.starts_with('.') && name != "target" {
                    stack.push(path);
                } else if !kind.is_dir() && name.ends_with(".test.rhai") {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    let refused: Vec<String> = found
        .iter()
        .filter_map(|file| crate::files::trusted_code(file).err())
        .collect();
    if !refused.is_empty() {
        return Err(Error::Usage(format!(
            "{} test file{} not run, so no test runs:\n  {}",
            refused.len(),
            if refused.len() == 1 { "" } else { "s" },
            refused.join("\n  ")
        )));
    }
    Ok(found)
}

/// Runs the tests of `files` one after another, printing each outcome as it ends. One engine
/// serves the worker's tests, each with a fresh context ([`Runbook::next`]); each file is read
/// and checked once, while the emulator starts.
fn worker(
    files: &[PathBuf],
    target: &Target,
    filter: Option<&str>,
    limit: Duration,
    capture: bool,
) -> Result<Vec<Outcome>, Error> {
    let starting = match target {
        Target::Local => Some(Emulator::launch()?),
        Target::Given(_) => None,
    };
    let checker = Runbook::new(Settings::default(), Map::new(), Safety::interactive(true));
    let loaded: Vec<Loaded> = match checker {
        Ok(mut checker) => files
            .iter()
            .map(|file| Loaded::of(&mut checker, file, filter))
            .collect::<Result<_, _>>()?,
        Err(e) => return Err(e),
    };
    let emulator = starting
        .map(crate::emulator::Launching::ready)
        .transpose()?;
    let settings = match (target, &emulator) {
        (Target::Given(settings), _) => settings.clone(),
        (Target::Local, Some(emulator)) => Settings {
            endpoint_url: Some(emulator.endpoint_url.clone()),
            dummy_credentials: true,
            region: Some(crate::emulator::DEFAULT_REGION.into()),
            ..Settings::default()
        },
        (Target::Local, None) => Settings::default(),
    };
    let mut runbook = Runbook::new(settings, Map::new(), Safety::interactive(true))?;
    let mut outcomes = Vec::new();
    for file in &loaded {
        for name in &file.names {
            if crate::safety::interrupt::received().is_some() {
                return Ok(outcomes);
            }
            if let Some(emulator) = &emulator {
                emulator.reset()?;
            }
            let started = Instant::now();
            if capture {
                crate::output::capture();
            }
            let error = match &file.problems {
                Some(problems) => Some(problems.clone()),
                None => one_test(&mut runbook, file, name, limit).err(),
            };
            let outcome = Outcome {
                file: file.path.clone(),
                name: name.clone(),
                took: started.elapsed(),
                error,
                output: crate::output::captured(),
            };
            report(&outcome);
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}

/// A test file, read and checked once: its AST, the names of its tests the filter keeps
/// (`fn test_*()`, no parameters, sorted), and what the check refutes (each of its tests then
/// fails with it, sending nothing).
struct Loaded {
    path: PathBuf,
    ast: rhai::AST,
    names: Vec<String>,
    problems: Option<String>,
}

impl Loaded {
    /// A file that does not parse is the suite's error.
    fn of(checker: &mut Runbook, file: &Path, filter: Option<&str>) -> Result<Self, Error> {
        let ast = checker.load(file)?;
        let problems = crate::check::preflight(checker, &ast, file);
        let mut names: Vec<String> = ast
            .iter_functions()
            .filter(|f| f.name.starts_with("test_") && f.params.is_empty())
            .map(|f| f.name.to_string())
            .filter(|name| filter.is_none_or(|text| name.contains(text)))
            .collect();
        names.sort();
        Ok(Self {
            path: file.to_path_buf(),
            ast,
            names,
            problems: (!problems.is_empty()).then(|| Error::Check(problems).to_string()),
        })
    }
}

/// What stops a test that ran past its time (see [`one_test`]).
const TIMED_OUT: &str = "--test-timeout";

/// Runs one test in a context of its own: the file's top level, `setup()`, then the test; one
/// still running after `limit` is stopped at its next step and fails, saying so.
fn one_test(
    runbook: &mut Runbook,
    file: &Loaded,
    name: &str,
    limit: Duration,
) -> Result<(), String> {
    let ast = &file.ast;
    let shown = file.path.display().to_string();
    runbook.next(Map::new(), Safety::interactive(true));
    // Modules and the paths it names resolve beside the file.
    let dir = file
        .path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    runbook.set_module_dir(Some(&dir));
    runbook.ctx.set_dir(Some(dir));
    let deadline = Instant::now() + limit;
    runbook.engine.on_progress(move |_| {
        if let Some(signal) = crate::safety::interrupt::received() {
            return Some(crate::safety::interrupt::name(signal).into());
        }
        (Instant::now() > deadline).then(|| TIMED_OUT.into())
    });
    // The file's top level (its imports, its constants), then `setup()` and the test, in one
    // evaluation so that what the top level imports is there for both.
    let has_setup = ast
        .iter_functions()
        .any(|f| f.name == "setup" && f.params.is_empty());
    let driver = format!("{}{name}();", if has_setup { "setup();\n" } else { "" });
    let driver = runbook.engine.compile(&driver).map_err(|e| e.to_string())?;
    let mut whole = ast.merge(&driver);
    whole.set_source(shown.clone());
    runbook
        .engine
        .run_ast_with_scope(&mut runbook.scope, &whole)
        .map_err(|e| match e.unwrap_inner() {
            rhai::EvalAltResult::ErrorTerminated(token, _) if token.to_string() == TIMED_OUT => {
                format!(
                    "timed out: still running after {} s (--test-timeout {})",
                    limit.as_secs(),
                    limit.as_secs()
                )
            }
            _ => runtime_error(&runbook.engine, &e, &shown).to_string(),
        })
}

fn report(outcome: &Outcome) {
    let label = format!(
        "{}::{} ({} ms)",
        outcome.file.display(),
        outcome.name,
        outcome.took.as_millis()
    );
    match &outcome.error {
        None => crate::output::print(&format!("ok      {label}")),
        Some(error) => {
            let indented = error.replace('\n', "\n    ");
            let mut text = format!("FAILED  {label}\n    {indented}");
            let output = outcome.output.trim_end();
            if !output.is_empty() {
                text.push_str("\n    ---- output ----\n    ");
                text.push_str(&output.replace('\n', "\n    "));
            }
            crate::output::print(&text);
        }
    }
}

/// The outcomes as JUnit XML, one `testsuite` per file (quick-junit writes it: valid XML
/// whatever a failure message holds, control characters included).
fn junit(outcomes: &[Outcome], total: Duration) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("runbook test");
    report.set_time(total);
    let mut files: Vec<&PathBuf> = outcomes.iter().map(|o| &o.file).collect();
    files.dedup();
    for file in files {
        let name = file.display().to_string();
        let tests: Vec<&Outcome> = outcomes.iter().filter(|o| &o.file == file).collect();
        let mut suite = TestSuite::new(name.as_str());
        suite.set_time(tests.iter().map(|o| o.took).sum());
        for test in tests {
            let status = match &test.error {
                None => TestCaseStatus::success(),
                Some(error) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_message(error.lines().next().unwrap_or_default())
                        .set_description(error.as_str());
                    status
                }
            };
            let mut case = TestCase::new(test.name.as_str(), status);
            case.set_classname(name.as_str()).set_time(test.took);
            if !test.output.is_empty() {
                case.set_system_out(test.output.as_str());
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| Error::Write {
        what: "the JUnit report".into(),
        why: e.to_string(),
    })
}
