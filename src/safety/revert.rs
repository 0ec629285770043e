//! The undo engine's second half: a journaled run reverted through the call path.
//!
//! [`revert_journal`] reads the run (only a journal nobody else can write, only in the account
//! and region it acted in), turns its writes into undos ([`super::undo`]), lists them with
//! what cannot be undone, is confirmed once for the whole list ([`Policy::decide`]) and makes
//! them newest first — each through [`Context::call`], so a revert is planned by `--dry-run`
//! and journaled like any run. An update is put back only while what it set is still there,
//! a create undone only while the resource is still the one it made (`--force` overrides
//! both); a role is emptied of its policies before it is deleted, a policy of its other
//! versions (and detached from roles) before it is.

use std::path::Path;
use std::rc::Rc;

use rhai::{Dynamic, Map};

use super::confirm::Policy;
use super::interrupt;
use super::journal::{self, Journal, Line};
use super::planned::{self, Update, Whose};
use super::undo::{self, GONE, Step, Undos};
use crate::aws::AwsError;
use crate::context::{Context, Safety};
use crate::error::Error;
use crate::value::{map_of as request, member};

/// Reverts `journal`'s last run with `settings`; the revert is journaled like a run
/// (`revert-<name>`). Returns the context it ran in (for a fleet's table).
pub fn revert_journal(
    journal: &Path,
    settings: crate::aws::Settings,
    dry_run: bool,
    yes: bool,
    force: bool,
) -> Result<Rc<Context>, Error> {
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

/// The lines of the journal's last run (only its own, when others were appended), checked to
/// be the operator's and to have acted where these credentials act.
fn run_lines(ctx: &Context, journal: &Path) -> Result<Vec<Line>, Error> {
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
    if let Some(pid) = journal::still_going(&lines) {
        return Err(still_going(journal, pid));
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
    Ok(lines)
}

/// The error for a journal whose run is still going: nothing is reverted under it.
pub fn still_going(journal: &Path, pid: u32) -> Error {
    Error::Runtime {
        message: format!(
            "revert refused, nothing was sent: the run of {} is still going (process {pid}); revert it once it has ended",
            journal.display()
        ),
        location: None,
    }
}

/// Says what the revert will do and what it cannot; `false` when there is nothing to undo.
fn list(journal: &Path, undos: &Undos) -> bool {
    for done in &undos.irreversible {
        crate::say!("irreversible, left as it is: {done}");
    }
    for done in &undos.unchanged {
        crate::say!("changed nothing, nothing to undo: {done}");
    }
    if undos.steps.is_empty() {
        crate::say!("revert: nothing to undo in {}", journal.display());
        return false;
    }
    crate::say!(
        "revert: {} undo{} of {}, newest first:",
        undos.steps.len(),
        if undos.steps.len() == 1 { "" } else { "s" },
        journal.display()
    );
    for (i, step) in undos.steps.iter().enumerate() {
        crate::say!("  {}. {}\n       undoes {}", i + 1, step.undo, step.done);
    }
    true
}

/// Undoes the run recorded in `journal`.
fn revert(ctx: &Context, journal: &Path, policy: Policy, force: bool) -> Result<(), Error> {
    let lines = run_lines(ctx, journal)?;
    let undos = undo::steps(&lines);
    if !list(journal, &undos) {
        return Ok(());
    }
    if !ctx.dry_run() {
        let target = ctx.target().describe();
        policy
            .decide("revert", || format!("revert these in {target}?"))
            .map_err(|refusal| Error::Runtime {
                message: refusal.message("the revert"),
                location: None,
            })?;
    }
    let mut failed = 0;
    // What of each update someone changed since the run (left as it is), decided at its
    // first step (before that step changes it).
    let mut changed: std::collections::HashMap<usize, Vec<String>> =
        std::collections::HashMap::new();
    for step in &undos.steps {
        changed
            .entry(step.line)
            .or_insert_with(|| changed_since(ctx, step, force));
        let step = &match changed.get(&step.line) {
            Some(names) if !names.is_empty() => match without(step, names) {
                Some(rest) => rest,
                None => continue,
            },
            _ => step.clone(),
        };
        if !still_made(ctx, step, force) {
            continue;
        }
        match make(ctx, step) {
            Ok(()) if ctx.dry_run() => {}
            Ok(()) => crate::say!("undone: {}", step.done),
            Err(e) if GONE.contains(&e.code.as_str()) && step.done.starts_with("maybe made: ") => {
                crate::say!("was not made, nothing to undo: {} ({})", step.done, e.code)
            }
            Err(e) if GONE.contains(&e.code.as_str()) => {
                crate::say!("already gone, skipped: {} ({})", step.done, e.code)
            }
            Err(e) if e.code == crate::aws::error::INTERRUPTED => {
                return Err(Error::Interrupted(interrupt::received().unwrap_or(2)));
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

/// The members (and attributes) of an update that someone changed since the run: they are
/// left as they are, and said so (with `--force`, none: all is put back). The rest goes back.
fn changed_since(ctx: &Context, step: &Step, force: bool) -> Vec<String> {
    let Some(left) = &step.left else {
        return Vec::new();
    };
    let changes = match still_left(ctx, left) {
        Ok(changes) if changes.is_empty() => return Vec::new(),
        Ok(changes) => changes,
        Err(_) => return Vec::new(),
    };
    let shown: Vec<String> = changes.iter().map(ToString::to_string).collect();
    if force {
        crate::say!(
            "changed since the run, put back anyway (--force): {} (now → as the run left it: {})",
            step.done,
            shown.join(", ")
        );
        return Vec::new();
    }
    crate::say!(
        "changed since the run, left as it is (--force puts it back): {} (now → as the run left it: {})",
        step.done,
        shown.join(", ")
    );
    changes.into_iter().map(|c| c.member).collect()
}

/// `step` without the members and attributes named (someone changed them since the run);
/// `None` when nothing of it is left to put back.
fn without(step: &Step, names: &[String]) -> Option<Step> {
    let key = step.left.as_ref().map(|l| &l.get_request);
    let named = |v: &Dynamic| names.contains(&member(v, planned::name_field(v)).to_string());
    let mut request = Map::new();
    let mut rest = false;
    for (k, v) in &step.request {
        if key.is_some_and(|key| key.contains_key(k)) {
            request.insert(k.clone(), v.clone());
            continue;
        }
        if names.contains(&k.to_string()) {
            continue;
        }
        let kept = match v.clone().into_array() {
            // Attributes by name, or names to delete.
            Ok(items) => {
                let items: rhai::Array = items
                    .into_iter()
                    .filter(|i| !named(i) && !names.contains(&i.to_string()))
                    .collect();
                (!items.is_empty()).then(|| Dynamic::from(items))
            }
            Err(_) => Some(v.clone()),
        };
        if let Some(kept) = kept {
            request.insert(k.clone(), kept);
            rest = true;
        }
    }
    rest.then(|| Step {
        request,
        ..step.clone()
    })
}

/// Is what a create made still the one it made (or `--force`)? Says why not.
fn still_made(ctx: &Context, step: &Step, force: bool) -> bool {
    let Some(made) = &step.made else {
        return true;
    };
    let now = match ctx.call(made.get, &made.get_request, &Map::new()) {
        Ok(now) => now.try_cast::<Map>().unwrap_or_default(),
        Err(e) if GONE.contains(&e.code.as_str()) && made.since.is_some() => {
            crate::say!("was not made, nothing to undo: {} ({})", step.done, e.code);
            return false;
        }
        Err(e) if GONE.contains(&e.code.as_str()) => {
            crate::say!("already gone, skipped: {} ({})", step.done, e.code);
            return false;
        }
        Err(_) => return true,
    };
    match made.whose(&now) {
        Whose::Ours => true,
        Whose::Before(created) if force => {
            crate::say!(
                "there before the run (created {created}), undone anyway (--force): {}",
                step.done
            );
            true
        }
        Whose::Before(created) => {
            crate::say!(
                "there before the run (created {created}), left as it is: {}",
                step.done
            );
            false
        }
        Whose::Other if force => {
            crate::say!(
                "made again since the run, undone anyway (--force): {}",
                step.done
            );
            true
        }
        Whose::Other => {
            crate::say!(
                "made again since the run (not the one it created), left as it is: {}",
                step.done
            );
            false
        }
    }
}

/// What of an update's members is no longer as the run left it: now → as left.
fn still_left(ctx: &Context, left: &Update) -> Result<Vec<planned::Change>, AwsError> {
    let now = ctx
        .call(left.get, &left.get_request, &Map::new())?
        .try_cast::<Map>()
        .unwrap_or_default();
    let current = planned::before_of(left.get.output, &now, left);
    Ok(planned::changes(&current, &left.patch))
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

/// Makes one undo, emptying a role or policy first.
fn make(ctx: &Context, step: &Step) -> Result<(), AwsError> {
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
