//! Fleet files: the targets one runbook runs across (`runbook run FILE --targets FLEET.toml`).
//!
//! ```toml
//! max_concurrency = 3   # targets at once (default 1; a --dry-run checks up to 32 at once)
//! max_errors = 0        # failed targets tolerated; past it, targets not yet started are skipped
//! [[target]]
//! name = "dev"
//! profile = "dev"                                          # a profile of ~/.aws/config …
//! [[target]]
//! name = "prod"
//! role_arn = "arn:aws:iam::210987654321:role/RunbookOps"  # … or a role assumed from the base credentials
//! external_id = "…"                                       # (optional, for the role)
//! region = "eu-west-1"
//! vars = { pool_name = "prod-users" }                      # over the command line's --var
//! ```
//!
//! Everything is checked before any target runs: an unknown key, a duplicate name, a target
//! with neither profile, role nor region, an unknown profile are usage errors naming the
//! file, line, column and key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    max_concurrency: Option<Spanned<i64>>,
    max_errors: Option<Spanned<i64>>,
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    profile: Option<Spanned<String>>,
    role_arn: Option<Spanned<String>>,
    external_id: Option<String>,
    region: Option<Spanned<String>>,
    #[serde(default)]
    vars: BTreeMap<String, toml::Value>,
}

/// A fleet file, checked.
#[derive(Debug)]
pub struct Fleet {
    pub path: PathBuf,
    /// Targets run at once, as the file says (`None`: it does not).
    pub max_concurrency: Option<usize>,
    /// Failed targets tolerated before the ones not yet started are skipped.
    pub max_errors: usize,
    pub targets: Vec<Target>,
}

/// One target: where the runbook runs, and with what.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub name: String,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub region: Option<String>,
    /// Merged over the command line's `--var`s.
    pub vars: BTreeMap<String, String>,
    /// Where `profile` is written (`line:column`), for its error.
    profile_at: Option<(usize, usize)>,
}

/// `line:column` (1-based) of a byte offset.
fn place(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, column)
}

/// A usage error at a place of the file.
fn at(path: &Path, (line, column): (usize, usize), message: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{}:{line}:{column}: {message}", path.display()))
}

/// Reads and checks a fleet file (profiles are checked by [`check_profiles`]).
pub fn read(path: &Path) -> Result<Fleet, Error> {
    let text = crate::files::read_text(path, crate::files::SCRIPT_CAP).map_err(|e| {
        Error::Usage(format!(
            "cannot read the fleet file {}: {e}",
            path.display()
        ))
    })?;
    parse(path, &text)
}

/// Is `text` a role's ARN by its shape (`arn:aws:iam::123456789012:role/path/Name`, any
/// partition)? One that is not would fail later, at STS.
fn is_role_arn(text: &str) -> bool {
    static SHAPE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    SHAPE
        .get_or_init(|| {
            regex::Regex::new(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$").ok()
        })
        .as_ref()
        .is_some_and(|shape| shape.is_match(text))
}

/// A TOML error about an unknown key (``unknown field `regoin`, expected one of `name`, …``)
/// with the closest known key named.
fn with_hint(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::aws::names::closest(unknown, known.iter().copied()) {
        Some(hint) => format!("{message} (did you mean `{hint}`?)"),
        None => message.to_string(),
    }
}

/// Parses and checks a fleet file's text.
pub fn parse(path: &Path, text: &str) -> Result<Fleet, Error> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(path, place(text, offset), with_hint(e.message().trim()))
    })?;
    let count = |value: Option<Spanned<i64>>, key: &str, default: usize| match value {
        None => Ok(default),
        Some(v) => usize::try_from(*v.get_ref())
            .ok()
            .filter(|n| key != "max_concurrency" || *n > 0)
            .ok_or_else(|| {
                at(
                    path,
                    place(text, v.span().start),
                    format!(
                        "{key} must be {}",
                        if key == "max_concurrency" {
                            "1 or more"
                        } else {
                            "0 or more"
                        }
                    ),
                )
            }),
    };
    let max_concurrency = match raw.max_concurrency {
        None => None,
        given => Some(count(given, "max_concurrency", 1)?),
    };
    let max_errors = count(raw.max_errors, "max_errors", 0)?;
    if raw.target.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the fleet has no [[target]]",
            path.display()
        )));
    }
    let mut targets: Vec<Target> = Vec::new();
    let mut names: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for spanned in raw.target {
        let (target, name_at) = target_of(path, text, spanned, &names)?;
        names.insert(target.name.clone(), name_at);
        targets.push(target);
    }
    Ok(Fleet {
        path: path.to_path_buf(),
        max_concurrency,
        max_errors,
        targets,
    })
}

impl Fleet {
    /// Every profile the targets name exists (in the AWS config or credentials file).
    pub fn check_profiles(&self) -> Result<(), Error> {
        let named: Vec<&Target> = self
            .targets
            .iter()
            .filter(|t| t.profile.is_some())
            .collect();
        if named.is_empty() {
            return Ok(());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
        for t in named {
            let profile = t.profile.as_deref().unwrap_or_default();
            runtime
                .block_on(crate::aws::check_profile(profile))
                .map_err(|e| {
                    at(
                        &self.path,
                        t.profile_at.unwrap_or((0, 0)),
                        format!("target \"{}\": {e}", t.name),
                    )
                })?;
        }
        Ok(())
    }

    /// The targets `--only` names (each must exist) and `--shard I/N` keeps (every N-th from
    /// the I-th), in the file's order.
    pub fn select(
        &self,
        only: &[String],
        shard: Option<(usize, usize)>,
    ) -> Result<Vec<Target>, Error> {
        for name in only {
            if !self.targets.iter().any(|t| &t.name == name) {
                let hint =
                    crate::aws::names::closest(name, self.targets.iter().map(|t| t.name.as_str()))
                        .map(|c| format!(" (did you mean \"{c}\"?)"))
                        .unwrap_or_default();
                return Err(Error::Usage(format!(
                    "--only {name}: {} has no such target{hint}",
                    self.path.display()
                )));
            }
        }
        Ok(self
            .targets
            .iter()
            .filter(|t| only.is_empty() || only.contains(&t.name))
            .enumerate()
            .filter(|(i, _)| shard.is_none_or(|(index, count)| i % count == index - 1))
            .map(|(_, t)| t.clone())
            .collect())
    }
}

/// One `[[target]]`, checked: a name that can be its journal's file name and is not taken
/// (`names`: the names so far, where each is), a way to act (profile, role or region), a
/// role that is an ARN. Returns it and where its name is.
fn target_of(
    path: &Path,
    text: &str,
    spanned: Spanned<RawTarget>,
    names: &BTreeMap<String, (usize, usize)>,
) -> Result<(Target, (usize, usize)), Error> {
    let where_target = place(text, spanned.span().start);
    let t = spanned.into_inner();
    let name_at = place(text, t.name.span().start);
    let name = t.name.into_inner();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(at(
            path,
            name_at,
            format!(
                "target name \"{name}\": a name is its journal's file name (no /, no leading .)"
            ),
        ));
    }
    if let Some((line, _)) = names.get(&name) {
        return Err(at(
            path,
            name_at,
            format!("duplicate target name \"{name}\" (first on line {line})"),
        ));
    }
    if t.profile.is_none() && t.role_arn.is_none() && t.region.is_none() {
        return Err(at(
            path,
            where_target,
            format!("target \"{name}\" has neither profile, role_arn nor region"),
        ));
    }
    if let Some(role) = &t.role_arn
        && !is_role_arn(role.get_ref())
    {
        return Err(at(
            path,
            place(text, role.span().start),
            format!(
                "target \"{name}\": role_arn \"{}\" is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                role.get_ref()
            ),
        ));
    }
    // A `--var` is text: strings, numbers, booleans and dates are; an array or a table would
    // become TOML text no runbook expects.
    let mut vars = BTreeMap::new();
    for (k, v) in t.vars {
        let text = match v {
            toml::Value::String(s) => s,
            toml::Value::Array(_) | toml::Value::Table(_) => {
                return Err(at(
                    path,
                    name_at,
                    format!(
                        "target \"{name}\": vars.{k} is {}; a var is text (a string, number, boolean or date), as --var {k}=VALUE is",
                        if matches!(v, toml::Value::Array(_)) {
                            "an array"
                        } else {
                            "a table"
                        }
                    ),
                ));
            }
            other => other.to_string(),
        };
        vars.insert(k, text);
    }
    let target = Target {
        name,
        profile_at: t.profile.as_ref().map(|p| place(text, p.span().start)),
        profile: t.profile.map(Spanned::into_inner),
        role_arn: t.role_arn.map(Spanned::into_inner),
        external_id: t.external_id,
        region: t.region.map(Spanned::into_inner),
        vars,
    };
    Ok((target, name_at))
}

/// Parses `--shard I/N` (1 ≤ I ≤ N).
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected I/N (such as 2/3), got \"{text}\""))?;
    let (i, n): (usize, usize) = (
        i.trim()
            .parse()
            .map_err(|_| format!("\"{i}\" is not a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("\"{n}\" is not a number"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard {text}: I must be between 1 and N"));
    }
    Ok((i, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let text = parse(Path::new("fleet.toml"), text)
            .unwrap_err()
            .to_string();
        text.trim_start_matches("error: ").to_string()
    }

    #[test]
    fn reads_targets_and_limits() {
        let fleet = parse(
            Path::new("fleet.toml"),
            "max_concurrency = 3\nmax_errors = 1\n[[target]]\nname = \"dev\"\nprofile = \"dev\"\n[[target]]\nname = \"prod\"\nrole_arn = \"arn:aws:iam::210987654321:role/Ops\"\nregion = \"eu-west-1\"\nvars = { pool_name = \"p\", n = 5 }\n",
        )
        .unwrap();
        assert_eq!((fleet.max_concurrency, fleet.max_errors), (Some(3), 1));
        assert_eq!(fleet.targets.len(), 2);
        assert_eq!(fleet.targets[1].vars["n"], "5");
        assert_eq!(fleet.targets[0].profile_at, Some((5, 11)));
    }

    #[test]
    fn mistakes_name_file_line_and_key() {
        assert!(
            err("[[target]]\nname = \"a\"\nregoin = \"x\"\n")
                .starts_with("fleet.toml:3:1: unknown field `regoin`"),
            "{}",
            err("[[target]]\nname = \"a\"\nregoin = \"x\"\n")
        );
        assert_eq!(
            err(
                "[[target]]\nname = \"a\"\nregion = \"x\"\n[[target]]\nname = \"a\"\nregion = \"y\"\n"
            ),
            "fleet.toml:5:8: duplicate target name \"a\" (first on line 2)"
        );
        assert!(
            err("[[target]]\nname = \"a\"\n")
                .contains("fleet.toml:1:1: target \"a\" has neither profile, role_arn nor region")
        );
        assert!(
            err("max_concurrency = 0\n[[target]]\nname = \"a\"\nregion = \"x\"\n")
                .starts_with("fleet.toml:1:19: max_concurrency must be 1 or more")
        );
        assert!(
            err("[[target]]\nname = \"a\"\nrole_arn = \"Ops\"\n")
                .contains("fleet.toml:3:12: target \"a\": role_arn \"Ops\" is not an ARN")
        );
    }

    #[test]
    fn shards_take_every_nth_from_the_ith() {
        let fleet = parse(
            Path::new("f"),
            &(0..7)
                .map(|i| format!("[[target]]\nname = \"t{i}\"\nregion = \"r\"\n"))
                .collect::<String>(),
        )
        .unwrap();
        let names = |s| {
            fleet
                .select(&[], Some(s))
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names((2, 3)), ["t1", "t4"]);
        assert_eq!(names((1, 3)), ["t0", "t3", "t6"]);
        assert!(fleet.select(&["t9".into()], None).is_err());
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
        assert!(parse_shard("4/3").is_err());
    }
}
