//! `runbook revert JOURNAL`: undo what a journaled run did, newest first.
//!
//! Each successful write of the journal with an [`Undo`](crate::aws::facts::Undo) is undone
//! with the request its journal line recorded under `created` (`create_user_pool` →
//! `delete_user_pool`, `attach_role_policy` → `detach_role_policy`, …). A role is emptied of
//! its policies before it is deleted, and a policy of its other versions (and detached from
//! roles) before it is. Writes with no undo (passwords, attribute changes, deletions, import
//! jobs) are listed as irreversible, never skipped silently; a resource already gone is
//! reported and skipped. The revert is confirmed once for the whole list (`--yes` on no
//! terminal), goes through the same call path as any run — so it is journaled — and with
//! `--dry-run` lists what it would undo and sends nothing.

use std::path::{Path, PathBuf};

use rhai::{Dynamic, Map};

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::aws::AwsError;
use crate::aws::facts::{self, Class};
use crate::context::{Context, Safety};
use crate::error::Error;
use crate::safety::confirm::{self, Policy};
use crate::safety::interrupt;
use crate::safety::journal::{self, Journal, Line};
use crate::safety::plan::summary;
use crate::safety::planned::{self, Made, Update};
use crate::value::{map_of as request, member};

// The arguments of `runbook revert`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The run's journal (or a fleet run's journal directory: each journal is reverted where
    /// its run acted).
    journal: PathBuf,
    /// List what would be undone; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long)]
    yes: bool,
    /// Put back also what changed again since the run (left as it is otherwise).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    aws: AwsFlags,
}

/// Reverts the journal's run; the revert is journaled like a run (`revert-<name>`).
pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    let Args {
        journal,
        dry_run,
        yes,
        force,
        aws,
    } = args;
    with_aws(&leading.under(&aws)?, |settings| {
        interrupt::install();
        if journal.is_dir() {
            return revert_fleet(&journal, &settings, dry_run, yes, force);
        }
        revert_one(&journal, settings, dry_run, yes, force).map(|_| ())
    })
}

/// Reverts one journal with `settings`; the context it ran in, for a fleet's table.
fn revert_one(
    journal: &Path,
    settings: crate::aws::Settings,
    dry_run: bool,
    yes: bool,
    force: bool,
) -> Result<std::rc::Rc<Context>, Error> {
    let policy = Policy::for_run(yes || settings.dummy_credentials);
    let path = journal::default_dir().map(|dir| {
        let stem = journal
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        journal::default_path(&dir.join(format!("revert-{stem}")))
    });
    let safety = Safety {
        dry_run,
        // Confirmed once for the whole revert, below.
        confirm: Policy::Yes,
        journal: path.flatten().map(Journal::fresh),
        header: journal::Run::of_revert(journal),
    };
    let ctx = Context::new(settings, Map::new(), safety)?;
    let result = revert(&ctx, journal, policy, force);
    ctx.finish(&result);
    if let Some(path) = ctx.journal_path() {
        crate::say!("runbook: journal {}", path.display());
    }
    result.map(|()| ctx)
}

/// `revert DIR`: every journal of a fleet run, each where its run acted (its region, its
/// role assumed again or its profile), one after another; a table closes it.
fn revert_fleet(
    dir: &Path,
    base: &crate::aws::Settings,
    dry_run: bool,
    yes: bool,
    force: bool,
) -> Result<(), Error> {
    let mut rows = Vec::new();
    for path in crate::fleet::journals_in(dir)? {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::output::prefix_lines(&name);
        let started = std::time::Instant::now();
        let run = journal::read(&path)
            .ok()
            .and_then(|lines| journal::last_run(&lines).cloned())
            .unwrap_or_default();
        let settings = crate::fleet::settings_of_run(&run.target, base);
        let mut row = crate::fleet::Row {
            name: name.clone(),
            account: run.target.account.clone().unwrap_or_default(),
            region: run.target.region.clone().unwrap_or_default(),
            outcome: crate::fleet::Outcome::Ok,
            writes: 0,
            time: std::time::Duration::ZERO,
        };
        match revert_one(&path, settings, dry_run, yes, force) {
            Ok(ctx) => row.writes = ctx.writes(),
            Err(e) => {
                crate::say!("{e}");
                row.outcome = crate::fleet::Outcome::Failed(crate::fleet::first_line(&e));
            }
        }
        row.time = started.elapsed();
        crate::output::prefix_lines("");
        rows.push(row);
        if interrupt::received().is_some() {
            break;
        }
    }
    crate::fleet::ended(&rows)
}

/// Error codes that mean the thing to undo is already gone.
const GONE: &[&str] = &[
    "ResourceNotFoundException",
    "UserNotFoundException",
    "GroupNotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
];

/// One undo to make.
struct Step {
    /// What the run did, as `function Key=value …`.
    done: String,
    /// The undo, as `function Key=value …`.
    undo: String,
    /// The undo: its function and request.
    function: &'static str,
    request: Map,
    /// For an update put back: how to read what it set, and what the run left there; the
    /// undo is made only while that is still so (or with `--force`).
    left: Option<Update>,
    /// The journal line it undoes (an update may take two steps, decided together).
    line: usize,
    /// For a create undone: how to tell it is still the one the run made.
    made: Option<Made>,
}

/// What a journal's writes come to: the undos, newest first, and what cannot be undone.
fn steps(lines: &[Line]) -> (Vec<Step>, Vec<String>, Vec<String>) {
    let mut undo = Vec::new();
    let mut irreversible = Vec::new();
    let mut unchanged = Vec::new();
    // A write journaled as sending whose outcome never followed (the run was killed while it
    // was in flight) may have been made: it is undone like one whose outcome is unknown.
    let answered: std::collections::HashSet<u64> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Call(call) => call.seq,
            _ => None,
        })
        .collect();
    let lines: Vec<Line> = lines
        .iter()
        .map(|l| match l {
            Line::Sending(s) if !answered.contains(&s.seq) => Line::Call(in_flight(s)),
            other => other.clone(),
        })
        .collect();
    for (at, line) in lines.iter().enumerate().rev() {
        let Line::Call(call) = line else { continue };
        let Some(fact) = facts::of_name(&call.function) else {
            continue;
        };
        if !["ok", "maybe"].contains(&call.outcome.as_str()) || fact.class == Class::Read {
            continue; // not sent, failed, or read: nothing changed
        }
        let maybe = if call.outcome == "maybe" {
            "maybe made: "
        } else {
            ""
        };
        let done = format!("{maybe}{} {}", call.function, summary(&call.request));
        if call.changed == Some(false) {
            unchanged.push(done);
            continue;
        }
        match (&fact.undo, &call.created) {
            (Some(u), Some(created @ serde_json::Value::Object(_))) => undo.push(Step {
                done,
                undo: format!("{} {}", u.op, summary(created)),
                function: u.op,
                request: map_of(created),
                left: None,
                line: at,
                made: call.identity.clone().and_then(|identity| {
                    Made::of(
                        &call.function,
                        &map_of(&call.request),
                        &map_of(created),
                        identity,
                    )
                }),
            }),
            _ => match put_back(call, &done, at) {
                Some(steps) => undo.extend(steps),
                None => irreversible.push(done),
            },
        }
    }
    (undo, irreversible, unchanged)
}

/// A write that was in flight when its run was killed, as a call whose outcome is unknown;
/// what it made is named by its request.
fn in_flight(sending: &journal::Sending) -> journal::Call {
    let request = map_of(&sending.request);
    let created = facts::of_name(&sending.function)
        .and_then(|f| f.undo.as_ref())
        .and_then(|u| u.request_for(&request, &Map::new()));
    journal::Call {
        run: sending.run.clone(),
        time: sending.time.clone(),
        service: sending.service.clone(),
        operation: sending.operation.clone(),
        function: sending.function.clone(),
        class: sending.class,
        request: sending.request.clone(),
        outcome: "maybe".into(),
        error: Some("no outcome journaled (the run was killed while it was in flight)".into()),
        seq: Some(sending.seq),
        attempts: 0,
        duration_ms: None,
        request_id: None,
        created,
        before: None,
        changed: None,
        identity: None,
    }
}

/// The undo of an update whose journal line says what it changed, as it was before: the same
/// operation with those values (user attributes that had none are deleted).
fn put_back(call: &journal::Call, done: &str, line: usize) -> Option<Vec<Step>> {
    let before = call.before.as_ref().and_then(|b| b.as_object())?;
    let request = map_of(&call.request);
    let update = planned::update_of(&call.function, &request)?;
    let fact = facts::of_name(&call.function)?;
    let (ns, name) = call.function.split_once("::")?;
    let op = crate::aws::find_operation(ns, name)?;
    let mut restore = update.get_request.clone();
    let mut absent = Vec::new();
    for (name, was) in before {
        op.input.member(name)?;
        let was = crate::value::from_json(was);
        match was.clone().into_array() {
            Ok(items) if items.iter().all(|i| i.is_map()) => {
                let (had, had_not): (Vec<Dynamic>, Vec<Dynamic>) = items
                    .into_iter()
                    .partition(|i| !member(i, "Value").is_unit());
                absent.extend(had_not.iter().map(|i| member(i, "Name")));
                if !had.is_empty() {
                    restore.insert(name.as_str().into(), had.into());
                }
            }
            _ => {
                restore.insert(name.as_str().into(), was);
            }
        }
    }
    // DescribeUserPool still reports the deprecated UnusedAccountValidityDays, which
    // UpdateUserPool refuses: a pool's settings go back without it.
    if let Some(config) = restore.get_mut("AdminCreateUserConfig")
        && let Some(mut map) = config.clone().try_cast::<Map>()
    {
        map.remove("UnusedAccountValidityDays");
        *config = map.into();
    }
    let mut steps = Vec::new();
    if restore.len() > update.get_request.len() {
        steps.push(Step {
            done: done.to_string(),
            undo: format!(
                "{} {}",
                call.function,
                summary(&crate::value::masked_request(&restore))
            ),
            function: fact.op,
            request: restore,
            left: planned::update_of(&call.function, &request),
            line,
            made: None,
        });
    }
    if !absent.is_empty() && call.function == "cognito::admin_update_user_attributes" {
        let mut delete = update.get_request.clone();
        delete.insert("UserAttributeNames".into(), absent.into());
        steps.push(Step {
            done: done.to_string(),
            undo: format!(
                "cognito::admin_delete_user_attributes {}",
                summary(&crate::value::masked_request(&delete))
            ),
            function: "cognito::admin_delete_user_attributes",
            request: delete,
            left: planned::update_of(&call.function, &request),
            line,
            made: None,
        });
    }
    (!steps.is_empty()).then_some(steps)
}

/// Is what an update set still there? `Err` lists what changed since the run.
fn still_left(ctx: &Context, left: &Update) -> Result<(), String> {
    let now = ctx
        .call(left.get, &left.get_request, &Map::new())
        .map_err(|e| e.to_string())?
        .try_cast::<Map>()
        .unwrap_or_default();
    let current = planned::before_of(left.get.output, &now, &left.patch, left.read_as);
    let changed = planned::diff(&current, &left.patch);
    if changed.is_empty() {
        Ok(())
    } else {
        Err(changed.join(", "))
    }
}

/// A journaled request (a JSON object) as a request map; anything else is an empty one.
fn map_of(json: &serde_json::Value) -> Map {
    crate::value::from_json(json)
        .try_cast::<Map>()
        .unwrap_or_default()
}

/// Refuses to revert in an account or region other than the run's: nothing is sent there.
fn same_target(ctx: &Context, journaled: &crate::safety::target::Target) -> Result<(), Error> {
    let now = ctx.target();
    let refuse = |what: &str| Error::Runtime {
        message: format!(
            "revert refused, nothing was sent: {what}\n  the run: {}\n  now:     {}",
            journaled.describe(),
            now.describe()
        ),
        location: None,
    };
    if let (Some(then), Some(here)) = (&journaled.account, &now.account)
        && then != here
    {
        return Err(refuse("the journal's run was in another account"));
    }
    if journaled.account.is_some() && now.account.is_none() {
        return Err(refuse("the account these credentials act in is unknown"));
    }
    if let (Some(then), Some(here)) = (&journaled.region, &now.region)
        && then != here
    {
        return Err(refuse("the journal's run was in another region"));
    }
    Ok(())
}

/// Undoes the run recorded in `journal`.
fn revert(ctx: &Context, journal: &Path, policy: Policy, force: bool) -> Result<(), Error> {
    // A journal another user could have written into could hold a forged line.
    crate::files::trusted(journal).map_err(|e| {
        Error::Usage(format!(
            "revert: the journal {}: {e}; revert acts only on a journal nobody else can write",
            journal.display()
        ))
    })?;
    let mut lines = journal::read(journal).map_err(Error::Usage)?;
    // A journal appended to by several runs: the last one is reverted.
    let Some(start) = lines.iter().rposition(|l| matches!(l, Line::Run(_))) else {
        return Err(Error::Usage(format!(
            "{} is not a runbook journal (it has no run line)",
            journal.display()
        )));
    };
    if start > 0 {
        crate::say!(
            "revert: {} holds several runs; reverting the last one",
            journal.display()
        );
    }
    let mut lines = lines.split_off(start);
    if let Some(Line::Run(run)) = lines.first() {
        same_target(ctx, &run.target)?;
        // Only that run's own lines (another run may have appended to the file meanwhile).
        if !run.id.is_empty() {
            let id = run.id.clone();
            lines.retain(|l| match l {
                Line::Call(call) => call.run.as_deref().is_none_or(|r| r == id),
                Line::Sending(sending) => sending.run.as_deref().is_none_or(|r| r == id),
                _ => true,
            });
        }
    }
    let (steps, irreversible, unchanged) = steps(&lines);
    for done in &irreversible {
        crate::say!("irreversible, left as it is: {done}");
    }
    for done in &unchanged {
        crate::say!("changed nothing, nothing to undo: {done}");
    }
    if steps.is_empty() {
        crate::say!("revert: nothing to undo in {}", journal.display());
        return Ok(());
    }
    crate::say!(
        "revert: {} undo{} of {}, newest first:",
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        journal.display()
    );
    for (i, step) in steps.iter().enumerate() {
        crate::say!("  {}. {}\n       undoes {}", i + 1, step.undo, step.done);
    }
    if !ctx.dry_run() {
        let target = ctx.target().describe();
        let go = match policy {
            Policy::Yes => true,
            Policy::Ask => confirm::ask(&format!("revert these in {target}?")),
            Policy::Refuse => {
                return Err(Error::Runtime {
                    message: "revert is destructive and there is no terminal to confirm it on: nothing was sent; pass --yes".into(),
                    location: None,
                });
            }
        };
        if !go {
            return Err(Error::Runtime {
                message: "revert not confirmed: nothing was sent".into(),
                location: None,
            });
        }
    }
    let mut failed = 0;
    // Whether each update is put back, decided at its first step (before that step changes it).
    let mut kept: std::collections::HashMap<usize, bool> = std::collections::HashMap::new();
    for step in &steps {
        if kept.get(&step.line) == Some(&true) {
            continue;
        }
        if !ctx.dry_run()
            && !kept.contains_key(&step.line)
            && let Some(left) = &step.left
            && let Err(since) = still_left(ctx, left)
        {
            kept.insert(step.line, !force);
            if !force {
                crate::say!(
                    "changed since the run, left as it is (--force puts it back): {} (now → as the run left it: {since})",
                    step.done
                );
                continue;
            }
            crate::say!(
                "changed since the run, put back anyway (--force): {}",
                step.done
            );
        }
        kept.entry(step.line).or_insert(false);
        if !ctx.dry_run()
            && let Some(made) = &step.made
        {
            match ctx.call(made.get, &made.get_request, &Map::new()) {
                Ok(now) if made.is_it(&now.clone().try_cast::<Map>().unwrap_or_default()) => {}
                Ok(_) if force => crate::say!(
                    "made again since the run, undone anyway (--force): {}",
                    step.done
                ),
                Ok(_) => {
                    crate::say!(
                        "made again since the run (not the one it created), left as it is: {}",
                        step.done
                    );
                    continue;
                }
                Err(e) if GONE.contains(&e.code.as_str()) => {
                    crate::say!("already gone, skipped: {} ({})", step.done, e.code);
                    continue;
                }
                Err(_) => {}
            }
        }
        match undo(ctx, step) {
            Ok(()) if ctx.dry_run() => {}
            Ok(()) => crate::say!("undone: {}", step.done),
            Err(e) if GONE.contains(&e.code.as_str()) && step.done.starts_with("maybe made: ") => {
                crate::say!("was not made, nothing to undo: {} ({})", step.done, e.code)
            }
            Err(e) if GONE.contains(&e.code.as_str()) => {
                crate::say!("already gone, skipped: {} ({})", step.done, e.code)
            }
            Err(e) if e.code == crate::aws::error::INTERRUPTED => {
                return Err(Error::Interrupted(
                    crate::safety::interrupt::received().unwrap_or(2),
                ));
            }
            Err(e) => {
                failed += 1;
                crate::say!("could not undo {}: {e}", step.done);
            }
        }
    }
    if failed > 0 {
        return Err(Error::Runtime {
            message: format!("revert: {failed} undo(s) failed; see above"),
            location: None,
        });
    }
    Ok(())
}

/// Makes one undo, emptying a role or policy first.
fn undo(ctx: &Context, step: &Step) -> Result<(), AwsError> {
    let (namespace, name) = step
        .function
        .split_once("::")
        .unwrap_or(("", step.function));
    let mut sent = step.request.clone();
    if !ctx.dry_run() {
        match step.function {
            "iam::delete_role" => empty_role(ctx, &step.request)?,
            "iam::delete_policy" => empty_policy(ctx, &step.request)?,
            // A version the run made the default: the newest other one is made default again
            // first (the default cannot be deleted).
            "iam::delete_policy_version" => {
                let arn = step
                    .request
                    .get("PolicyArn")
                    .cloned()
                    .unwrap_or(Dynamic::UNIT);
                let version = member(&Dynamic::from(step.request.clone()), "VersionId").to_string();
                let versions = ctx.call_named(
                    "iam",
                    "list_policy_versions",
                    request(&[("PolicyArn", arn.clone())]),
                )?;
                let all = items(&versions, "Versions");
                let is_default = all.iter().any(|v| {
                    member(v, "VersionId").to_string() == version
                        && member(v, "IsDefaultVersion").as_bool().unwrap_or(false)
                });
                let previous = all
                    .iter()
                    .filter(|v| member(v, "VersionId").to_string() != version)
                    .max_by_key(|v| member(v, "CreateDate").to_string());
                if let (true, Some(previous)) = (is_default, previous) {
                    let _ = ctx.call_named(
                        "iam",
                        "set_default_policy_version",
                        request(&[
                            ("PolicyArn", arn),
                            ("VersionId", member(previous, "VersionId")),
                        ]),
                    )?;
                }
            }
            // Only the attributes the user has now: deleting one it lacks is an error.
            "cognito::admin_delete_user_attributes" => {
                let user = ctx.call_named(
                    "cognito",
                    "admin_get_user",
                    request_of(&step.request, &["UserPoolId", "Username"]),
                )?;
                let has: Vec<String> = items(&user, "UserAttributes")
                    .iter()
                    .map(|a| member(a, "Name").to_string())
                    .collect();
                let names: rhai::Array =
                    items(&Dynamic::from(step.request.clone()), "UserAttributeNames")
                        .into_iter()
                        .filter(|n| has.contains(&n.to_string()))
                        .collect();
                if names.is_empty() {
                    return Ok(());
                }
                sent.insert("UserAttributeNames".into(), names.into());
            }
            _ => {}
        }
    }
    ctx.call_named(namespace, name, sent).map(|_| ())
}

/// The members `keys` of a request.
fn request_of(from: &Map, keys: &[&str]) -> Map {
    keys.iter()
        .filter_map(|k| Some(((*k).into(), from.get(*k)?.clone())))
        .collect()
}

fn items(value: &Dynamic, key: &str) -> Vec<Dynamic> {
    member(value, key).into_array().unwrap_or_default()
}

/// Detaches a role's managed policies and deletes its inline ones.
fn empty_role(ctx: &Context, role: &Map) -> Result<(), AwsError> {
    let name = role.get("RoleName").cloned().unwrap_or(Dynamic::UNIT);
    let by_name = request(&[("RoleName", name.clone())]);
    let attached = ctx.call_named("iam", "list_attached_role_policies", by_name.clone())?;
    for policy in items(&attached, "AttachedPolicies") {
        let _ = ctx.call_named(
            "iam",
            "detach_role_policy",
            request(&[
                ("RoleName", name.clone()),
                ("PolicyArn", member(&policy, "PolicyArn")),
            ]),
        )?;
    }
    let inline = ctx.call_named("iam", "list_role_policies", by_name)?;
    for policy in items(&inline, "PolicyNames") {
        let _ = ctx.call_named(
            "iam",
            "delete_role_policy",
            request(&[("RoleName", name.clone()), ("PolicyName", policy)]),
        )?;
    }
    Ok(())
}

/// Deletes a policy's non-default versions and detaches it from the roles it is attached to.
fn empty_policy(ctx: &Context, policy: &Map) -> Result<(), AwsError> {
    let arn = policy.get("PolicyArn").cloned().unwrap_or(Dynamic::UNIT);
    let versions = ctx.call_named(
        "iam",
        "list_policy_versions",
        request(&[("PolicyArn", arn.clone())]),
    )?;
    for version in items(&versions, "Versions") {
        if !member(&version, "IsDefaultVersion")
            .as_bool()
            .unwrap_or(true)
        {
            let _ = ctx.call_named(
                "iam",
                "delete_policy_version",
                request(&[
                    ("PolicyArn", arn.clone()),
                    ("VersionId", member(&version, "VersionId")),
                ]),
            )?;
        }
    }
    let described = ctx.call_named("iam", "get_policy", request(&[("PolicyArn", arn.clone())]))?;
    let attachments = member(&member(&described, "Policy"), "AttachmentCount")
        .as_int()
        .unwrap_or(0);
    if attachments > 0 {
        for role in items(&ctx.call_named("iam", "list_roles", Map::new())?, "Roles") {
            let name = member(&role, "RoleName");
            let attached = ctx.call_named(
                "iam",
                "list_attached_role_policies",
                request(&[("RoleName", name.clone())]),
            )?;
            if items(&attached, "AttachedPolicies")
                .iter()
                .any(|p| member(p, "PolicyArn").to_string() == arn.to_string())
            {
                let _ = ctx.call_named(
                    "iam",
                    "detach_role_policy",
                    request(&[("RoleName", name), ("PolicyArn", arn.clone())]),
                )?;
            }
        }
    }
    Ok(())
}
