//! Fleets: one runbook across accounts and regions (`runbook run FILE --targets FLEET.toml`).
//!
//! Each target runs the runbook as `runbook run` would on its own — its own credentials (a
//! profile, or a role assumed from the base credentials), region, vars, clients, plan, journal
//! (`DIR/<target>.jsonl`) and target line — on a thread of its own, `max_concurrency` at a
//! time; nothing that could cross accounts is shared. Every line a target prints starts with
//! `[name] `. A destructive operation is asked about once for the whole fleet. Once more than
//! `max_errors` targets have failed, the targets not yet started are skipped (those in flight
//! finish). A closing table says, per target, the account, region, outcome, writes and time;
//! the exit code is 0 only when every target ran and succeeded.
//!
//! With `--local` every target gets an account of its own on the one emulator (a role in an
//! account derived from its name, unless it names a role), so a fleet can be rehearsed.

pub mod file;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Map};

use crate::aws::Settings;
use crate::aws::clients::AssumedRole;
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;
use crate::lifecycle::{self, Source};
use crate::safety::confirm::{self, Policy};
use crate::safety::journal::{self, Journal};

pub use file::Target;

/// What `run --targets` was asked beside the fleet file.
pub struct Options {
    pub runbook: PathBuf,
    pub vars: Vec<(String, String)>,
    pub dry_run: bool,
    pub yes: bool,
    pub journal_dir: Option<PathBuf>,
    pub only: Vec<String>,
    pub shard: Option<(usize, usize)>,
    pub max_concurrency: Option<usize>,
    pub max_errors: Option<usize>,
}

/// How one target ended.
pub enum Outcome {
    Ok,
    Failed(String),
    Skipped,
}

/// One line of the closing table.
pub struct Row {
    pub name: String,
    pub account: String,
    pub region: String,
    pub outcome: Outcome,
    pub writes: usize,
    /// Were the writes only planned (a dry run)?
    pub planned: bool,
    pub time: Duration,
    /// What a dry run planned, for its report.
    pub written: Vec<crate::safety::plan::Written>,
}

/// Targets a dry run checks at once when neither the fleet file nor `--max-concurrency` says.
const DRY_RUN_CONCURRENCY: usize = 32;

/// The stack each target's thread gets (as the main command's: deep values stay safe).
const STACK: usize = 256 << 20;

/// Runs the runbook on every selected target of the fleet; see the module doc.
pub fn run(
    fleet_path: &Path,
    base: Settings,
    options: Options,
    check: &crate::safety::report::Check,
) -> Result<(), Error> {
    let fleet = file::read(fleet_path)?;
    if !base.dummy_credentials {
        fleet.check_profiles()?;
    }
    let targets = fleet.select(&options.only, options.shard)?;
    if targets.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no target is selected (--only / --shard)",
            fleet_path.display()
        )));
    }
    let concurrency = concurrency(&options, &fleet);
    let max_errors = options.max_errors.unwrap_or(fleet.max_errors);
    // The runbook parses and passes its pre-flight before any target runs.
    {
        let mut runbook = Runbook::new(base.clone(), Map::new(), Safety::interactive(false))?;
        lifecycle::prepare(&mut runbook, Source::File(&options.runbook))?;
    }
    let dir = match &options.journal_dir {
        Some(dir) => dir.clone(),
        None => journal::default_fleet_dir(&options.runbook).ok_or_else(|| {
            Error::Usage("no state directory for the journals: pass --journal-dir DIR".into())
        })?,
    };
    crate::files::private_dir(&dir).map_err(|e| Error::Write {
        what: format!("the journal directory {}", dir.display()),
        why: e.to_string(),
    })?;
    crate::say!(
        "runbook: fleet {} — {} target{}, {} at a time; journals in {}",
        fleet_path.display(),
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        concurrency.min(targets.len()),
        dir.display()
    );
    confirm::fleet(targets.iter().map(|t| t.name.clone()).collect());
    let session = session_name(&options.runbook);
    // Every target's journal names this fleet run: `revert DIR` reverts it alone.
    let fleet_run = journal::new_id();
    let queue: Mutex<VecDeque<(usize, Target)>> =
        Mutex::new(targets.iter().cloned().enumerate().collect());
    let failures = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<Row>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for worker in 0..concurrency.min(targets.len()) {
            let work = || {
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .pop_front();
                    let Some((index, target)) = next else {
                        break;
                    };
                    let row = if failures.load(Ordering::SeqCst) > max_errors
                        || crate::safety::interrupt::received().is_some()
                    {
                        skipped(&target)
                    } else {
                        let row =
                            run_target(&target, &base, &options, &dir, (&session, &fleet_run));
                        if matches!(row.outcome, Outcome::Failed(_)) {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                        row
                    };
                    rows.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(row);
                }
            };
            let spawned = std::thread::Builder::new()
                .name(format!("target-{worker}"))
                .stack_size(STACK)
                .spawn_scoped(scope, work);
            if let Err(e) = spawned {
                crate::say!("runbook: cannot start a worker thread: {e}");
            }
        }
    });
    let rows: Vec<Row> = rows
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .zip(&targets)
        .map(|(row, target)| row.unwrap_or_else(|| skipped(target)))
        .collect();
    let found = rows.iter().map(Row::found).collect();
    check.ended(ended(&rows), found)
}

/// Targets at once: `--max-concurrency`, else the file's `max_concurrency`; else, for a dry
/// run (it only reads), up to [`DRY_RUN_CONCURRENCY`] — each account's calls still share its
/// one budget —, and one at a time for a run that writes.
fn concurrency(options: &Options, fleet: &file::Fleet) -> usize {
    let otherwise = if options.dry_run {
        DRY_RUN_CONCURRENCY
    } else {
        1
    };
    options
        .max_concurrency
        .or(fleet.max_concurrency)
        .unwrap_or(otherwise)
        .max(1)
}

impl Row {
    /// What this target's dry run found, for the report.
    fn found(&self) -> crate::safety::report::Found {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        crate::safety::report::Found {
            target: Some(self.name.clone()),
            account: some(&self.account),
            region: some(&self.region),
            error: match &self.outcome {
                Outcome::Failed(why) => Some(why.clone()),
                _ => None,
            },
            skipped: matches!(self.outcome, Outcome::Skipped),
            writes: self.written.clone(),
        }
    }
}

/// Prints the closing table; an error (exit 1) unless every target ran and succeeded.
pub fn ended(rows: &[Row]) -> Result<(), Error> {
    crate::output::print(&crate::output::terminal_safe(&table(rows)));
    let failed = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let skipped = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped))
        .count();
    if let Some(signal) = crate::safety::interrupt::received() {
        return Err(Error::Interrupted(signal));
    }
    if failed + skipped > 0 {
        return Err(Error::FleetFailed {
            failed,
            skipped,
            total: rows.len(),
        });
    }
    Ok(())
}

/// The journals of a fleet run in `dir` (`<target>.jsonl`), by name.
pub fn journals_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no journal (<target>.jsonl)",
            dir.display()
        )));
    }
    Ok(found)
}

/// The journals of one fleet run in `dir`, by name: those naming the fleet run of the newest
/// journal there that names one. Any other file is left alone, and said so; journals from
/// before fleet runs were named (none names one) are all taken, with a warning.
pub fn one_run_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let runs: Vec<(PathBuf, Option<journal::Run>)> = journals_in(dir)?
        .into_iter()
        .map(|path| {
            let run = journal::read(&path)
                .ok()
                .and_then(|lines| journal::last_run(&lines).cloned());
            (path, run)
        })
        .collect();
    let newest = runs
        .iter()
        .filter_map(|(_, run)| run.as_ref().filter(|r| r.fleet.is_some()))
        .max_by(|a, b| a.time.cmp(&b.time))
        .and_then(|run| run.fleet.clone());
    let Some(fleet) = newest else {
        crate::say!(
            "runbook: warning: no journal in {} names its fleet run (written before fleet runs were named): taking every one",
            dir.display()
        );
        return Ok(runs.into_iter().map(|(path, _)| path).collect());
    };
    let mut taken = Vec::new();
    for (path, run) in runs {
        if run.as_ref().and_then(|r| r.fleet.as_deref()) == Some(fleet.as_str()) {
            taken.push(path);
        } else {
            crate::say!(
                "runbook: {} is not a journal of fleet run {fleet}: left alone",
                path.display()
            );
        }
    }
    Ok(taken)
}

/// The settings to act again where a journaled run acted: its region, and its credentials as
/// the journal names them (`role ARN (from …)` assumed again, `profile NAME`), over `base`.
pub fn settings_of_run(target: &crate::safety::target::Target, base: &Settings) -> Settings {
    let mut settings = base.clone();
    if let Some(region) = &target.region {
        settings.region = Some(region.clone());
    }
    let source = target.source.as_str();
    if let Some(rest) = source.strip_prefix("role ") {
        let (arn, from) = rest.split_once(" (from ").unwrap_or((rest, ""));
        if let Some(profile) = from
            .strip_prefix("profile ")
            .map(|p| p.trim_end_matches(')'))
        {
            settings.profile = Some(profile.to_string());
        }
        settings.role = Some(AssumedRole {
            arn: arn.to_string(),
            external_id: target.external_id.clone(),
            session_name: session_name(Path::new("revert")),
        });
    } else if let Some(profile) = source.strip_prefix("profile ")
        && base.profile.is_none()
        && !base.dummy_credentials
    {
        settings.profile = Some(profile.to_string());
    }
    settings
}

fn skipped(target: &Target) -> Row {
    Row {
        name: target.name.clone(),
        account: String::new(),
        region: target.region.clone().unwrap_or_default(),
        outcome: Outcome::Skipped,
        writes: 0,
        planned: false,
        time: Duration::ZERO,
        written: Vec::new(),
    }
}

/// The role session name CloudTrail shows: the runbook and the operator
/// (`runbook-onboard-alice`), in the characters STS allows, at most 64.
fn session_name(runbook: &Path) -> String {
    let stem = runbook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".into());
    let operator = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    let name: String = format!("runbook-{stem}-{operator}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name
}

/// With `--local`, a target without a role acts in an account of its own: a 12-digit account
/// derived from its name (the same on every run, so its journals revert in place).
fn local_account(name: &str) -> String {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(name.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default()) % 100_000_000_000;
    format!("9{n:011}")
}

/// The settings a target's calls are made with: its profile (else the base's), its role
/// assumed from those credentials, its region (else the profile's or the base's).
fn settings_for(target: &Target, base: &Settings, session: &str) -> Settings {
    let role_arn = match (&target.role_arn, base.dummy_credentials) {
        (Some(arn), _) => Some(arn.clone()),
        (None, true) => Some(format!(
            "arn:aws:iam::{}:role/runbook-local",
            local_account(&target.name)
        )),
        (None, false) => None,
    };
    Settings {
        // The emulator's credentials stand in for every profile (`--local`).
        profile: (!base.dummy_credentials)
            .then(|| target.profile.clone().or_else(|| base.profile.clone()))
            .flatten(),
        role: role_arn.map(|arn| AssumedRole {
            arn,
            external_id: target.external_id.clone(),
            session_name: session.to_string(),
        }),
        region: target.region.clone().or_else(|| {
            // A target's profile brings its own region; the command line's is for the others.
            target
                .profile
                .is_none()
                .then(|| base.region.clone())
                .flatten()
        }),
        ..base.clone()
    }
}

/// Runs the runbook on one target, on this thread: prefix, settings, journal, identity, run.
fn run_target(
    target: &Target,
    base: &Settings,
    options: &Options,
    dir: &Path,
    (session, fleet_run): (&str, &str),
) -> Row {
    crate::output::prefix_lines(&target.name);
    let started = Instant::now();
    let mut row = Row {
        name: target.name.clone(),
        account: String::new(),
        region: target.region.clone().unwrap_or_default(),
        outcome: Outcome::Ok,
        writes: 0,
        planned: false,
        time: Duration::ZERO,
        written: Vec::new(),
    };
    let result = (|| -> Result<(), Error> {
        let settings = settings_for(target, base, session);
        let mut vars = options.vars.clone();
        for (k, v) in &target.vars {
            vars.retain(|(name, _)| name != k);
            vars.push((k.clone(), v.clone()));
        }
        let header = journal::Run {
            fleet: Some(fleet_run.to_string()),
            ..journal::Run::of_runbook(&options.runbook, &vars)
        };
        let journal_path = dir.join(format!("{}.jsonl", target.name));
        let journal =
            Journal::named(journal_path, false, &options.runbook).map_err(Error::Usage)?;
        let safety = Safety {
            dry_run: options.dry_run,
            confirm: Policy::for_run(options.yes || settings.dummy_credentials),
            journal: Some(journal),
            header,
        };
        let vars: Map = vars
            .into_iter()
            .map(|(k, v)| (k.into(), Dynamic::from(v)))
            .collect();
        let mut runbook = Runbook::new(settings, vars, safety)?;
        // Who and where, before anything runs: a role that cannot be assumed fails here.
        let identity = runbook.ctx.target().clone();
        row.region = identity.region.clone().unwrap_or_default();
        let Some(account) = identity.account.clone() else {
            let why = identity.unknown.unwrap_or_default();
            let message = match (&target_role(&runbook), sts_error(&why)) {
                (Some(arn), Some((code, text))) => {
                    format!("cannot assume role {arn}: {code}: {text}")
                }
                _ => format!("cannot act as {}: {why}", identity.source),
            };
            return Err(Error::Runtime {
                message,
                location: None,
            });
        };
        row.account = account;
        let result = lifecycle::execute(&mut runbook, Source::File(&options.runbook));
        row.writes = runbook.ctx.writes();
        row.planned = runbook.ctx.dry_run();
        row.written = runbook.ctx.planned_writes();
        result.map(|_| ())
    })();
    if let Err(e) = result {
        crate::say!("{e}");
        row.outcome = Outcome::Failed(first_line(&e));
    }
    row.time = started.elapsed();
    row
}

/// The role a target's runbook acts as, if any.
fn target_role(runbook: &Runbook) -> Option<String> {
    runbook
        .ctx
        .clients
        .settings()
        .role
        .as_ref()
        .map(|r| r.arn.clone())
}

/// The STS error inside a credentials failure (`code: "AccessDenied", message: "…"`).
fn sts_error(text: &str) -> Option<(String, String)> {
    let quoted = |key: &str| {
        let start = text.find(&format!("{key}: \""))? + key.len() + 3;
        let end = text[start..].find('"')? + start;
        Some(text[start..end].to_string())
    };
    Some((quoted("code")?, quoted("message")?))
}

/// An error's first line, without its `error: `: a table's outcome.
pub fn first_line(e: &Error) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

/// The closing table: target, account, region, outcome, writes, time.
fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let or_dash = |s: &str| {
                if s.is_empty() {
                    "-".to_string()
                } else {
                    s.to_string()
                }
            };
            [
                r.name.clone(),
                or_dash(&r.account),
                or_dash(&r.region),
                match &r.outcome {
                    Outcome::Ok => "ok".into(),
                    // The whole reason is on the target's lines above.
                    Outcome::Failed(why) if why.chars().count() > 80 => {
                        format!("failed: {}…", why.chars().take(79).collect::<String>())
                    }
                    Outcome::Failed(why) => format!("failed: {why}"),
                    Outcome::Skipped => "skipped".into(),
                },
                r.writes.to_string(),
                format!("{:.1}s", r.time.as_secs_f64()),
            ]
        })
        .collect();
    // A dry run's writes were only planned: the column says so.
    let writes = if rows.iter().any(|r| r.planned) {
        "PLANNED"
    } else {
        "WRITES"
    };
    let header = ["TARGET", "ACCOUNT", "REGION", "OUTCOME", writes, "TIME"];
    let rows: Vec<Vec<String>> = cells.into_iter().map(Vec::from).collect();
    crate::format::columns(&header, &rows)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_are_what_sts_takes() {
        let name = session_name(Path::new("scripts/on board!.rhai"));
        assert!(name.starts_with("runbook-on-board--"), "{name}");
        assert!(name.len() <= 64);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
        );
    }

    #[test]
    fn local_accounts_are_stable_and_distinct() {
        assert_eq!(local_account("dev"), local_account("dev"));
        assert_ne!(local_account("dev"), local_account("prod"));
        assert_eq!(local_account("dev").len(), 12);
    }
}
