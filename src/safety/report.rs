//! A dry run's report (`runbook run FILE --dry-run --report FILE`): what the plan found, per
//! target — each planned write, the resource it touches, each member before → after, secrets
//! masked — as JSON, or as Markdown a CI job can post as it is when the file ends in `.md`.
//!
//! A runbook whose `ensure` steps converge plans nothing when the account is as it declares, so
//! its dry run is a drift check: the report lists exactly what someone changed of what the
//! runbook sets (and nothing it does not set). The JSON is stable; `schema` names its version:
//!
//! ```text
//! { "schema": "runbook-report/1", "runbook": PATH, "generated": RFC 3339 time,
//!   "drifted": BOOL, "writes": N,
//!   "targets": [ { "target": NAME or null, "account": ID or null, "region": NAME or null,
//!                  "outcome": "clean" | "drifted" | "failed" | "skipped", "error": TEXT or null,
//!                  "writes": [ { "n": PLAN NUMBER, "function": "cognito::update_group",
//!                                "action": "create" | "update" | "delete",
//!                                "resource": KIND or null, "key": { MEMBER: VALUE },
//!                                "changes": [ { "member", "before", "after" } ] } ] } ] }
//! ```
//!
//! `before` and `after` are JSON values (`null`: none); a create's changes are what it sets.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::plan::Written;
use crate::error::Error;

/// What the dry run found on one target.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The fleet target's name (`None` for a single run).
    pub target: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Why the target's check failed (or was skipped: `skipped`).
    pub error: Option<String>,
    pub skipped: bool,
    pub writes: Vec<Written>,
}

impl Found {
    fn outcome(&self) -> &'static str {
        match (self.skipped, &self.error, self.writes.is_empty()) {
            (true, _, _) => "skipped",
            (_, Some(_), _) => "failed",
            (_, None, true) => "clean",
            (_, None, false) => "drifted",
        }
    }

    fn title(&self) -> String {
        let name = self.target.clone().unwrap_or_else(|| "the account".into());
        let place: Vec<&str> = [self.account.as_deref(), self.region.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if place.is_empty() {
            name
        } else {
            format!("{name} ({})", place.join(", "))
        }
    }
}

/// What a dry run's check does when it ends: the report, and the exit code that says drift.
pub struct Check {
    /// `--detailed-exitcode`.
    pub detailed: bool,
    /// `--report FILE`.
    pub report: Option<PathBuf>,
    pub runbook: PathBuf,
}

impl Check {
    /// Writes the report (when asked) of what each target's plan found, and turns the run's
    /// result into the exit code `--detailed-exitcode` promises: 0 clean, 2 drifted, 1 failed.
    pub fn ended(&self, result: Result<(), Error>, found: Vec<Found>) -> Result<(), Error> {
        if let Some(path) = &self.report {
            write(path, &self.runbook, &found)?;
            crate::say!("runbook: report {}", path.display());
        }
        if !self.detailed {
            return result;
        }
        let writes: usize = found.iter().map(|f| f.writes.len()).sum();
        let targets = found.iter().filter(|f| !f.writes.is_empty()).count();
        match result {
            Err(e) => Err(Error::Failed(Box::new(e))),
            Ok(()) if writes > 0 => Err(Error::Drifted { writes, targets }),
            Ok(()) => Ok(()),
        }
    }
}

/// The report as JSON (see the module doc for its schema).
pub fn json(runbook: &Path, found: &[Found]) -> Value {
    let writes: usize = found.iter().map(|f| f.writes.len()).sum();
    json!({
        "schema": "runbook-report/1",
        "runbook": runbook.display().to_string(),
        "generated": super::journal::now(),
        "drifted": writes > 0,
        "writes": writes,
        "targets": found.iter().map(|f| json!({
            "target": f.target,
            "account": f.account,
            "region": f.region,
            "outcome": f.outcome(),
            "error": f.error,
            "writes": f.writes,
        })).collect::<Vec<_>>(),
    })
}

/// The report as Markdown: a summary line, then per target a table of its planned writes, one
/// row per member changed.
pub fn markdown(runbook: &Path, found: &[Found]) -> String {
    let count = |outcome: &str| found.iter().filter(|f| f.outcome() == outcome).count();
    let mut out = format!(
        "# Drift check: `{}`\n\n{} target{} checked: {} drifted, {} clean, {} failed, {} skipped.\n",
        runbook.display(),
        found.len(),
        plural(found.len()),
        count("drifted"),
        count("clean"),
        count("failed"),
        count("skipped")
    );
    for f in found {
        out.push_str(&format!("\n## {} — {}", cell(&f.title()), f.outcome()));
        match (&f.error, f.writes.len()) {
            (Some(why), _) => {
                out.push_str(&format!("\n\n{}\n", cell(why)));
                continue;
            }
            (None, 0) => {
                out.push_str("\n\nAs the runbook declares: nothing to change.\n");
                continue;
            }
            (None, n) => out.push_str(&format!(": {n} write{}\n\n", plural(n))),
        }
        out.push_str("| # | resource | key | action | member | before | after |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for w in &f.writes {
            let key = match &w.key {
                Value::Object(members) => members
                    .iter()
                    .map(|(k, v)| format!("{k}={}", plain(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => String::new(),
            };
            let resource = w.resource.unwrap_or("-");
            let rows: Vec<(String, String, String)> = if w.changes.is_empty() {
                let (before, after) = match w.action {
                    "create" => ("(absent)", "(present)"),
                    "delete" => ("(present)", "(absent)"),
                    _ => ("", ""),
                };
                vec![(String::new(), before.into(), after.into())]
            } else {
                w.changes
                    .iter()
                    .map(|c| (c.member.clone(), shown(&c.before), shown(&c.after)))
                    .collect()
            };
            for (member, before, after) in rows {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    w.n,
                    cell(resource),
                    cell(&key),
                    w.action,
                    cell(&member),
                    cell(&before),
                    cell(&after)
                ));
            }
        }
    }
    out
}

/// Writes the report to `path`: Markdown for a `.md` file, else JSON. A file of the operator's
/// own is replaced (a scheduled check writes it each time); a link never is followed.
pub fn write(path: &Path, runbook: &Path, found: &[Found]) -> Result<(), Error> {
    let text = if path.extension().is_some_and(|e| e == "md") {
        markdown(runbook, found)
    } else {
        let mut text = serde_json::to_string_pretty(&json(runbook, found)).unwrap_or_default();
        text.push('\n');
        text
    };
    crate::output::write_file(path, 0o600, true, &text)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A value in a cell: text as it is, anything else as JSON; `(none)` for none.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".into(),
        v => v.to_string(),
    }
}

/// A key's value: text without quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Text safe in a Markdown table cell: no pipe ends the cell, no line ends the row.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::planned::Change;

    fn drifted() -> Found {
        Found {
            target: Some("prod".into()),
            account: Some("111111111111".into()),
            region: Some("eu-west-1".into()),
            writes: vec![Written {
                n: 1,
                function: "cognito::update_group".into(),
                action: "update",
                resource: Some("group"),
                key: json!({"GroupName": "admins", "UserPoolId": "eu-west-1_x"}),
                changes: vec![Change {
                    member: "Description".into(),
                    before: json!("Ops | on call"),
                    after: json!("Administrators"),
                }],
            }],
            ..Found::default()
        }
    }

    #[test]
    fn markdown_has_a_row_per_change_and_escapes_cells() {
        let md = markdown(Path::new("onboard.rhai"), &[drifted(), Found::default()]);
        assert!(
            md.contains("2 targets checked: 1 drifted, 1 clean, 0 failed, 0 skipped."),
            "{md}"
        );
        assert!(
            md.contains("## prod (111111111111, eu-west-1) — drifted: 1 write"),
            "{md}"
        );
        assert!(
            md.contains("| 1 | group | GroupName=admins, UserPoolId=eu-west-1_x | update | Description | \"Ops \\| on call\" | \"Administrators\" |"),
            "{md}"
        );
        assert!(md.contains("## the account — clean"), "{md}");
    }

    #[test]
    fn json_says_whether_anything_drifted() {
        let report = json(Path::new("onboard.rhai"), &[drifted()]);
        assert_eq!(report["schema"], "runbook-report/1");
        assert_eq!(report["drifted"], true);
        assert_eq!(report["targets"][0]["outcome"], "drifted");
        assert_eq!(
            report["targets"][0]["writes"][0]["changes"][0]["before"],
            "Ops | on call"
        );
        let clean = json(Path::new("onboard.rhai"), &[Found::default()]);
        assert_eq!(clean["drifted"], false);
        assert_eq!(clean["targets"][0]["outcome"], "clean");
    }
}
