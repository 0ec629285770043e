//! Moving users between pools: a pool's users as an import-ready CSV, and its groups beside it.
//!
//! - `cognito::export_users(pool_id, csv_path[, #{ Attributes, Filter, TargetPoolId, GroupsFile }])`
//!   and `runbook csv export`: every user, one `ListUsers` page at a time (constant memory),
//!   written in the import format whose header is the target pool's `GetCSVHeader` (the
//!   source's by default). Each row is checked with the same rules `csv validate` applies to
//!   the target; a user it refuses is left out with the reason, never silently dropped.
//! - The group memberships go to a companion JSON file (`<name>.groups.json`), which
//!   `cognito::restore_groups(pool_id, file)` turns back into groups (description, precedence,
//!   role) and memberships, idempotently.
//!
//! What cannot move: passwords (users arrive `RESET_REQUIRED`), MFA secrets (TOTP devices, and
//! `cognito:mfa_enabled` only says whether MFA was on), `sub` values (the target pool assigns
//! new ones), and links to federated identities.

use std::io::Write;
use std::path::{Path, PathBuf};

use rhai::{Array, Dynamic, Map};
use serde_json::json;

use super::options::check_option_keys;
use super::report::beside;
use super::rules::pool_rules;
use super::validate::{Limits, Mfa, PoolRules, Validator};
use crate::aws::AwsError;
use crate::context::Context;
use crate::value::{map_of as request, member, member_int as count, member_text as text};

/// `export_users` options.
#[derive(Default)]
pub struct ExportOptions {
    /// Only these attributes (the rest of the header's columns stay empty).
    pub attributes: Option<Vec<String>>,
    /// A `ListUsers` filter (`status = "Enabled"`, `email ^= "a"`).
    pub filter: Option<String>,
    /// The pool the file is for (its header and rules); default the source pool.
    pub target_pool: Option<String>,
    /// Where the group memberships go; default `<csv name>.groups.json` beside the CSV.
    pub groups_file: Option<PathBuf>,
    /// Replace files that exist (only regular files of the operator's own; never a link).
    pub force: bool,
    /// Leave out users the target pool has already (by sign-in identity): a migration run
    /// again, or resumed after a stop, imports only the rest.
    pub only_missing: bool,
}

const OPTION_KEYS: &[&str] = &[
    "Attributes",
    "Filter",
    "TargetPoolId",
    "GroupsFile",
    "Force",
    "OnlyMissing",
];

impl ExportOptions {
    /// Reads a script's options map, naming an unknown key and the closest known one.
    pub fn from_map(opts: &Map) -> Result<Self, String> {
        check_option_keys(opts, OPTION_KEYS)?;
        let string = |key: &str| -> Result<Option<String>, String> {
            match opts.get(key) {
                None => Ok(None),
                Some(v) if v.is_unit() => Ok(None),
                Some(v) => v
                    .clone()
                    .into_string()
                    .map(Some)
                    .map_err(|_| format!("option \"{key}\" must be a string")),
            }
        };
        let flag = |key: &str| -> Result<bool, String> {
            match opts.get(key) {
                None => Ok(false),
                Some(v) => v
                    .as_bool()
                    .map_err(|_| format!("option \"{key}\" must be true or false")),
            }
        };
        let attributes = match opts.get("Attributes") {
            None => None,
            Some(v) => Some(
                v.clone()
                    .into_array()
                    .map_err(|_| "option \"Attributes\" must be an array of attribute names")?
                    .into_iter()
                    .map(|a| {
                        a.into_string().map_err(
                            |_| "option \"Attributes\" must be an array of attribute names",
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Self {
            attributes,
            filter: string("Filter")?,
            target_pool: string("TargetPoolId")?,
            groups_file: string("GroupsFile")?.map(PathBuf::from),
            force: flag("Force")?,
            only_missing: flag("OnlyMissing")?,
        })
    }
}

/// The name a user signs in with in a pool whose `UsernameAttributes` are `attributes`: the
/// email (or phone number) there, else the username. It is what the export writes as
/// `cognito:username` (the target's internal usernames are its own UUIDs) and what memberships
/// and the disabled state are keyed by, so they survive the move.
pub fn sign_in_identity(
    attributes: &[String],
    username: &str,
    values: &Map,
) -> Result<String, String> {
    if attributes.is_empty() {
        return Ok(username.to_string());
    }
    for attribute in ["email", "phone_number"] {
        if attributes.iter().any(|a| a == attribute) {
            let value = values
                .get(attribute)
                .map(|v| v.to_string())
                .unwrap_or_default();
            if !value.is_empty() {
                return Ok(value);
            }
        }
    }
    Err(format!(
        "has no {}, which the target's users sign in with (UsernameAttributes)",
        attributes.join(" or ")
    ))
}

/// A listed user's attributes as a map (`ListUsers`' `Attributes`, `AdminGetUser`'s
/// `UserAttributes`).
fn attributes_of(user: &Dynamic) -> Map {
    let list = match member(user, "Attributes") {
        a if a.is_unit() => member(user, "UserAttributes"),
        a => a,
    };
    list.into_array()
        .unwrap_or_default()
        .iter()
        .map(|a| (text(a, "Name").into(), Dynamic::from(text(a, "Value"))))
        .collect()
}

/// The users of a pool by sign-in identity: their internal username and whether enabled.
fn users_by_identity(
    ctx: &Context,
    pool_id: &str,
    attributes: &[String],
) -> Result<std::collections::HashMap<String, (String, bool)>, AwsError> {
    let mut users = std::collections::HashMap::new();
    for_each_user(ctx, pool_id, None, |user| {
        let username = text(&user, "Username");
        if let Ok(identity) = sign_in_identity(attributes, &username, &attributes_of(&user)) {
            let enabled = member(&user, "Enabled").as_bool().unwrap_or(true);
            users.insert(identity, (username, enabled));
        }
        Ok(())
    })?;
    Ok(users)
}

/// One user the file does not hold, and why.
pub struct LeftOut {
    pub username: String,
    pub reason: String,
}

/// What an export wrote.
pub struct Exported {
    pub csv: PathBuf,
    pub groups: PathBuf,
    pub users: u64,
    /// Users left out because the target has them already (`OnlyMissing`).
    pub already: u64,
    /// Users disabled in the source (by sign-in identity), to disable in the target.
    pub disabled: u64,
    pub left_out: Vec<LeftOut>,
}

impl Exported {
    /// `#{ csv, groups, users, already, disabled, left_out: [#{ username, reason }] }`.
    pub fn to_map(&self) -> Map {
        let mut out = Map::new();
        out.insert("csv".into(), self.csv.display().to_string().into());
        out.insert("groups".into(), self.groups.display().to_string().into());
        out.insert("users".into(), Dynamic::from(self.users as i64));
        out.insert("already".into(), Dynamic::from(self.already as i64));
        out.insert("disabled".into(), Dynamic::from(self.disabled as i64));
        let left: Array = self
            .left_out
            .iter()
            .map(|l| {
                let mut m = Map::new();
                m.insert("username".into(), l.username.clone().into());
                m.insert("reason".into(), l.reason.clone().into());
                Dynamic::from_map(m)
            })
            .collect();
        out.insert("left_out".into(), left.into());
        out
    }
}

fn io_error(path: &Path, e: std::io::Error) -> AwsError {
    AwsError::local(
        "cognito-idp",
        "ExportUsers",
        "FileError",
        &format!("{}: {e}", path.display()),
    )
}

/// A value as the import format wants it: `\,` for a comma, booleans lower-case.
fn import_value(column: &str, value: &str) -> Result<String, String> {
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "its {column} holds a line break, which the import format cannot carry"
        ));
    }
    if column.ends_with("_verified") || column == "cognito:mfa_enabled" {
        return Ok(value.to_ascii_lowercase());
    }
    Ok(value.replace(',', "\\,"))
}

/// Creates a file only its owner can read (it holds users' personal data): a new file, or
/// with `force` an existing regular file of the operator's own — never through a link.
fn private_file(path: &Path, force: bool) -> Result<std::fs::File, AwsError> {
    use crate::files::{Existing, Refused};
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    crate::files::create(path, crate::files::PRIVATE, existing).map_err(|e| {
        let why = match e {
            Refused::Exists => "the file exists; pass --force (Force: true) to replace it".into(),
            e => e.to_string(),
        };
        AwsError::local(
            "cognito-idp",
            "ExportUsers",
            "FileError",
            &format!("{}: {why}", path.display()),
        )
    })
}

/// The default companion file: `users.csv` → `users.groups.json`.
pub fn default_groups_file(csv: &Path) -> PathBuf {
    beside(csv, "groups.json")
}

/// Writes every user of `pool_id` to `csv` and its groups to the companion file.
pub fn export_users(
    ctx: &Context,
    pool_id: &str,
    csv: &Path,
    opts: &ExportOptions,
) -> Result<Exported, AwsError> {
    let target = opts.target_pool.as_deref().unwrap_or(pool_id);
    let rules = pool_rules(ctx, target)?;
    let source_mfa = if target == pool_id {
        rules.mfa
    } else {
        pool_rules(ctx, pool_id)?.mfa
    };
    let header = rules.header.clone();
    let header_line = header.join(",");
    let mut validator = row_checker(&rules, &header_line, || {
        nobody_to_export(ctx, pool_id, opts.filter.as_deref())
    })?;

    let (csv, groups, groups_file, mut out) = outputs(csv, opts, &header_line)?;
    let csv = &csv;
    let mut exported = Exported {
        csv: csv.to_path_buf(),
        groups,
        users: 0,
        already: 0,
        disabled: 0,
        left_out: Vec::new(),
    };
    let mut line_number = 1;
    // Source username → sign-in identity, for the groups file; identities disabled.
    let mut identities: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    let mut disabled: Vec<String> = Vec::new();
    let present = if opts.only_missing {
        users_by_identity(ctx, target, &rules.username_attributes)?
    } else {
        std::collections::HashMap::new()
    };
    for_each_user(ctx, pool_id, opts.filter.as_deref(), |user| {
        let username = text(&user, "Username");
        let attributes = attributes_of(&user);
        let identity = match sign_in_identity(&rules.username_attributes, &username, &attributes) {
            Ok(identity) => identity,
            Err(reason) => {
                exported.left_out.push(LeftOut { username, reason });
                return Ok(());
            }
        };
        identities.insert(username.clone(), identity.clone());
        if !member(&user, "Enabled").as_bool().unwrap_or(true) {
            disabled.push(identity.clone());
        }
        if present.contains_key(&identity) {
            exported.already += 1;
            return Ok(());
        }
        let mfa = match source_mfa {
            Mfa::Off => false,
            Mfa::On => true,
            Mfa::Optional => user_has_mfa(ctx, pool_id, &username)?,
        };
        let row = row_of(
            &header,
            &identity,
            mfa,
            &attributes,
            opts.attributes.as_deref(),
        )
        .and_then(|row| {
            line_number += 1;
            checked(&mut validator, line_number, &row).inspect_err(|_| line_number -= 1)?;
            Ok(row)
        });
        let refused = row.as_ref().err().cloned();
        let row = row.unwrap_or_default();
        match refused {
            Some(reason) => exported.left_out.push(LeftOut { username, reason }),
            None => {
                writeln!(out, "{row}").map_err(|e| io_error(csv, e))?;
                exported.users += 1;
            }
        }
        Ok(())
    })?;
    out.flush().map_err(|e| io_error(csv, e))?;
    exported.disabled = disabled.len() as u64;
    write_groups(
        ctx,
        pool_id,
        &exported.groups,
        groups_file,
        &identities,
        &disabled,
    )?;
    Ok(exported)
}

/// Creates a group of the groups file, or updates it where its settings (description,
/// precedence, role) differ; noted in `done`.
fn put_group(
    ctx: &Context,
    pool_id: &str,
    name: &str,
    group: &serde_json::Value,
    existing: &[Dynamic],
    done: &mut Restored,
) -> Result<(), AwsError> {
    let mut settings = Map::new();
    for key in ["Description", "RoleArn"] {
        if let Some(v) = group[key].as_str() {
            settings.insert(key.into(), v.to_string().into());
        }
    }
    if let Some(p) = group["Precedence"].as_i64() {
        settings.insert("Precedence".into(), p.into());
    }
    let mut req = request(&[("UserPoolId", pool_id.into()), ("GroupName", name.into())]);
    match existing.iter().find(|g| text(g, "GroupName") == name) {
        None => {
            req.extend(settings);
            let _ = ctx.call_named("cognito", "create_group", req)?;
            done.created.push(name.to_string());
        }
        Some(found) => {
            let differs = settings
                .iter()
                .any(|(k, v)| member(found, k).to_string() != v.to_string());
            if differs {
                req.extend(settings);
                let _ = ctx.call_named("cognito", "update_group", req)?;
                done.updated.push(name.to_string());
            } else {
                done.unchanged.push(name.to_string());
            }
        }
    }
    Ok(())
}

/// The export's two files, absolute (so that the paths returned mean the same wherever they
/// are passed next), both created before the first user is read — one that may not be
/// written stops the export before it starts — the CSV's header written.
fn outputs(
    csv: &Path,
    opts: &ExportOptions,
    header_line: &str,
) -> Result<
    (
        PathBuf,
        PathBuf,
        std::fs::File,
        std::io::BufWriter<std::fs::File>,
    ),
    AwsError,
> {
    let csv = std::path::absolute(csv).map_err(|e| io_error(csv, e))?;
    let groups = match &opts.groups_file {
        Some(path) => std::path::absolute(path).map_err(|e| io_error(path, e))?,
        None => default_groups_file(&csv),
    };
    // Both are checked before either is made: a refused groups file leaves no empty CSV.
    for path in [&csv, &groups] {
        crate::output::check_writable(path, opts.force).map_err(|e| {
            AwsError::local(
                "cognito-idp",
                "ExportUsers",
                "FileError",
                e.to_string().trim_start_matches("error: "),
            )
        })?;
    }
    let file = private_file(&csv, opts.force)?;
    let groups_file = private_file(&groups, opts.force)?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "{header_line}").map_err(|e| io_error(&csv, e))?;
    Ok((csv, groups, groups_file, out))
}

/// Does the pool hold no user (matching the filter)? One page of one user says.
fn nobody_to_export(ctx: &Context, pool_id: &str, filter: Option<&str>) -> Result<bool, AwsError> {
    let mut first = request(&[("UserPoolId", pool_id.into()), ("Limit", 1.into())]);
    if let Some(filter) = filter {
        first.insert("Filter".into(), filter.into());
    }
    let page = ctx.call_named("cognito", "list_users", first)?;
    Ok(member(&page, "Users")
        .into_array()
        .is_ok_and(|users| users.is_empty()))
}

/// The validator an export's rows are checked with, the target's header already read; a
/// pool-level problem (no auto-verified attribute) is the target's, not a user's — and no
/// problem at all when `nobody()` says there is no user to export.
fn row_checker<'a>(
    rules: &'a PoolRules,
    header_line: &str,
    nobody: impl FnOnce() -> Result<bool, AwsError>,
) -> Result<Validator<'a>, AwsError> {
    let mut validator = Validator::new(
        rules,
        Limits {
            max_problems: usize::MAX,
            ..Limits::default()
        },
    );
    if let Some(problem) = validator.take_problems().first()
        && !nobody()?
    {
        return Err(AwsError::local(
            "cognito-idp",
            "ExportUsers",
            "TargetPoolUnfit",
            &problem.to_string(),
        ));
    }
    validator.header(header_line.as_bytes(), header_line.len() + 1);
    validator.take_problems();
    Ok(validator)
}

/// A user's CSV row under `header`: its sign-in identity, MFA flag and attributes (only the
/// `wanted` ones and the `_verified` flags, when a list is given); `Err` says why a value
/// cannot be imported.
fn row_of(
    header: &[String],
    identity: &str,
    mfa: bool,
    attributes: &Map,
    wanted: Option<&[String]>,
) -> Result<String, String> {
    let mut values = Vec::with_capacity(header.len());
    for column in header {
        let raw = match column.as_str() {
            "cognito:username" => identity.to_string(),
            "cognito:mfa_enabled" => mfa.to_string(),
            name => {
                let wanted = wanted.is_none_or(|list| list.iter().any(|a| a == name))
                    || name.ends_with("_verified");
                if wanted {
                    attributes
                        .get(name)
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        values.push(import_value(column, &raw)?);
    }
    Ok(values.join(","))
}

/// Checks one row as the import would; `Err` lists its problems.
fn checked(validator: &mut Validator, line: u64, row: &str) -> Result<(), String> {
    validator.row(line, row.as_bytes(), row.len() + 1);
    let problems = validator.take_problems();
    if problems.is_empty() {
        return Ok(());
    }
    Err(problems
        .iter()
        .map(|p| match &p.column {
            Some(c) => format!("{c}: {}", p.message),
            None => p.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; "))
}

/// Calls `f` for every user of the pool (matching a `ListUsers` filter), one page in memory at a
/// time.
fn for_each_user(
    ctx: &Context,
    pool_id: &str,
    filter: Option<&str>,
    mut f: impl FnMut(Dynamic) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let mut token: Option<Dynamic> = None;
    loop {
        let mut req = request(&[("UserPoolId", pool_id.into()), ("Limit", 60.into())]);
        if let Some(filter) = filter {
            req.insert("Filter".into(), filter.into());
        }
        if let Some(t) = token.take() {
            req.insert("PaginationToken".into(), t);
        }
        let page = ctx.call_named("cognito", "list_users", req)?;
        for user in member(&page, "Users").into_array().unwrap_or_default() {
            f(user)?;
        }
        match member(&page, "PaginationToken") {
            t if t.is_unit() => return Ok(()),
            t => token = Some(t),
        }
    }
}

/// The usernames in a group (every page).
fn group_members(ctx: &Context, pool_id: &str, group: &str) -> Result<Vec<Dynamic>, AwsError> {
    let members = ctx.call_named(
        "cognito",
        "list_users_in_group",
        request(&[("UserPoolId", pool_id.into()), ("GroupName", group.into())]),
    )?;
    Ok(member(&members, "Users").into_array().unwrap_or_default())
}

/// Whether the user has an MFA method set up (`AdminGetUser`'s `UserMFASettingList`, or the
/// legacy `MFAOptions`).
fn user_has_mfa(ctx: &Context, pool_id: &str, username: &str) -> Result<bool, AwsError> {
    let user = ctx.call_named(
        "cognito",
        "admin_get_user",
        request(&[
            ("UserPoolId", pool_id.into()),
            ("Username", username.into()),
        ]),
    )?;
    let listed = |key: &str| {
        member(&user, key)
            .into_array()
            .is_ok_and(|list| !list.is_empty())
    };
    Ok(listed("UserMFASettingList") || listed("MFAOptions"))
}

/// The groups of the pool with their settings and members, as JSON:
/// `{"pool": ID, "groups": [{"GroupName", "Description", "Precedence", "RoleArn", "Members": [...]}]}`.
fn write_groups(
    ctx: &Context,
    pool_id: &str,
    path: &Path,
    file: std::fs::File,
    identities: &std::collections::HashMap<String, String>,
    disabled: &[String],
) -> Result<(), AwsError> {
    let groups = ctx.call_named(
        "cognito",
        "list_groups",
        request(&[("UserPoolId", pool_id.into())]),
    )?;
    let mut out = std::io::BufWriter::new(file);
    let mut write = |text: &str| {
        out.write_all(text.as_bytes())
            .map_err(|e| io_error(path, e))
    };
    write(&format!("{{\"pool\": {}, \"groups\": [", json!(pool_id)))?;
    for (i, group) in member(&groups, "Groups")
        .into_array()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let name = text(group, "GroupName");
        // Members by sign-in identity; a user the export left out is not one.
        let members: Vec<&String> = group_members(ctx, pool_id, &name)?
            .iter()
            .filter_map(|u| identities.get(&text(u, "Username")))
            .collect();
        let mut entry = json!({ "GroupName": name, "Members": members });
        for key in ["Description", "RoleArn"] {
            let value = text(group, key);
            if !value.is_empty() {
                entry[key] = value.into();
            }
        }
        if !member(group, "Precedence").is_unit() {
            entry["Precedence"] = count(group, "Precedence").into();
        }
        write(if i == 0 { "\n  " } else { ",\n  " })?;
        write(&entry.to_string())?;
    }
    write(&format!("\n], \"Disabled\": {}}}\n", json!(disabled)))?;
    out.flush().map_err(|e| io_error(path, e))
}

/// Sends `requests` of `op` through `aws::batch` (at the service's pace); returns how many
/// succeeded and adds each refusal to `failed` as `what: why`.
fn batched(
    ctx: &Context,
    op: &str,
    requests: &Array,
    failed: &mut Vec<String>,
    what: impl Fn(&Dynamic) -> String,
) -> Result<u64, AwsError> {
    let mut succeeded = 0;
    let outcomes = crate::batch::batch(ctx, op, requests, &Map::new())?;
    for (sent, outcome) in requests.iter().zip(outcomes) {
        match member(&outcome, "error") {
            e if e.is_unit() => succeeded += 1,
            e => failed.push(format!("{}: {}", what(sent), text(&e, "message"))),
        }
    }
    Ok(succeeded)
}

/// What `restore_groups` did.
#[derive(Default)]
pub struct Restored {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub added: u64,
    /// Users disabled, as they were in the source.
    pub disabled: u64,
    pub missing: Vec<String>,
    /// Memberships and disables the service refused: `identity: why`.
    pub failed: Vec<String>,
}

impl Restored {
    /// `#{ created, updated, unchanged, memberships_added, users_disabled, missing_users, failed }`.
    pub fn to_map(&self) -> Map {
        let names = |v: &[String]| -> Dynamic {
            v.iter()
                .cloned()
                .map(Dynamic::from)
                .collect::<Array>()
                .into()
        };
        let mut out = Map::new();
        out.insert("created".into(), names(&self.created));
        out.insert("updated".into(), names(&self.updated));
        out.insert("unchanged".into(), names(&self.unchanged));
        out.insert("memberships_added".into(), Dynamic::from(self.added as i64));
        out.insert("users_disabled".into(), Dynamic::from(self.disabled as i64));
        out.insert("missing_users".into(), names(&self.missing));
        out.insert("failed".into(), names(&self.failed));
        out
    }
}

/// Recreates the groups of a companion file in `pool_id` and adds their members, sending only
/// what differs: a second run changes nothing.
pub fn restore_groups(ctx: &Context, pool_id: &str, file: &Path) -> Result<Restored, AwsError> {
    let text_of = |path: &Path| {
        crate::files::read_text(path, crate::files::JOURNAL_CAP)
            .map_err(|e| io_error(path, std::io::Error::other(e.to_string())))
    };
    let doc: serde_json::Value = serde_json::from_str(&text_of(file)?).map_err(|e| {
        AwsError::local(
            "cognito-idp",
            "RestoreGroups",
            "FileError",
            &format!("{}: not a groups file: {e}", file.display()),
        )
    })?;
    let mut done = Restored::default();
    let existing = ctx.call_named(
        "cognito",
        "list_groups",
        request(&[("UserPoolId", pool_id.into())]),
    )?;
    let existing: Vec<Dynamic> = member(&existing, "Groups").into_array().unwrap_or_default();
    // The target's users by the identity they sign in with (its internal usernames differ
    // from the source's when users sign in with their email).
    let pool = ctx.call_named(
        "cognito",
        "describe_user_pool",
        request(&[("UserPoolId", pool_id.into())]),
    )?;
    let attributes: Vec<String> = member(&member(&pool, "UserPool"), "UsernameAttributes")
        .into_array()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.into_string().ok())
        .collect();
    let users_now = users_by_identity(ctx, pool_id, &attributes)?;
    let mut additions = Array::new();
    for group in doc["groups"].as_array().cloned().unwrap_or_default() {
        let name = group["GroupName"].as_str().unwrap_or_default().to_string();
        if name.is_empty() {
            continue;
        }
        put_group(ctx, pool_id, &name, &group, &existing, &mut done)?;
        // Members present and wanted, by sign-in identity.
        let present: std::collections::HashSet<String> = group_members(ctx, pool_id, &name)?
            .iter()
            .filter_map(|u| {
                sign_in_identity(&attributes, &text(u, "Username"), &attributes_of(u)).ok()
            })
            .collect();
        for identity in group["Members"].as_array().cloned().unwrap_or_default() {
            let Some(identity) = identity.as_str() else {
                continue;
            };
            if present.contains(identity) {
                continue;
            }
            let Some((username, _)) = users_now.get(identity) else {
                done.missing.push(identity.to_string());
                continue;
            };
            additions.push(Dynamic::from(request(&[
                ("UserPoolId", pool_id.into()),
                ("Username", username.clone().into()),
                ("GroupName", name.clone().into()),
            ])));
        }
    }
    // Memberships and the disabled state at the service's pace (aws::batch).
    done.added = batched(
        ctx,
        "cognito::admin_add_user_to_group",
        &additions,
        &mut done.failed,
        |sent| format!("{} in {}", text(sent, "Username"), text(sent, "GroupName")),
    )?;
    let mut disables = Array::new();
    for identity in doc["Disabled"].as_array().cloned().unwrap_or_default() {
        let Some(identity) = identity.as_str() else {
            continue;
        };
        match users_now.get(identity) {
            Some((username, true)) => disables.push(Dynamic::from(request(&[
                ("UserPoolId", pool_id.into()),
                ("Username", username.clone().into()),
            ]))),
            Some((_, false)) => {}
            None => done.missing.push(identity.to_string()),
        }
    }
    done.disabled = batched(
        ctx,
        "cognito::admin_disable_user",
        &disables,
        &mut done.failed,
        |sent| format!("{} (disable)", text(sent, "Username")),
    )?;
    done.missing.sort();
    done.missing.dedup();
    Ok(done)
}
