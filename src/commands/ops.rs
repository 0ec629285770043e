//! `runbook ops [--json] [--members] [FILTER]`: every function a runbook can call, with its
//! signature and doc; `--members` adds each operation's request and response members.

use rhai::Map;

use crate::aws::Settings;
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;
use crate::functions;

// The arguments of `runbook ops`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array of {namespace, name, api, signature, doc, undo, local, positional,
    /// quota, input, output} (`undo`: how a revert undoes a write, or why it cannot; `local`:
    /// whether `--local`'s emulator serves the operation; `positional`: the members each
    /// positional form takes, in order; `quota`: its request-rate category).
    #[arg(long)]
    json: bool,
    /// Also list each operation's request and response members.
    #[arg(long)]
    members: bool,
    /// One line per function, in columns: its name, positional form, undo and doc.
    #[arg(long, conflicts_with_all = ["json", "members"])]
    table: bool,
    /// Only functions whose name contains this text (also as the CLI spells it:
    /// admin-create-user, AdminCreateUser).
    filter: Option<String>,
}

/// Lists the functions (matching the filter), or says what is closest when none matches.
pub fn run(args: Args) -> Result<(), Error> {
    let Args {
        json,
        members,
        table,
        filter,
    } = args;
    let filter = filter.as_deref();
    // The engine registers the helpers: the catalog reads their docs from it.
    let runbook = Runbook::new(Settings::default(), Map::new(), Safety::interactive(false))?;
    let catalog = functions::catalog(&runbook.engine);
    let all: Vec<_> = catalog
        .iter()
        .filter(|f| filter.is_none_or(|t| f.matches(t)))
        .cloned()
        .collect();
    if let (Some(filter), true) = (filter, all.is_empty()) {
        // The closest by its own name, written as the script spells it.
        let wanted = filter
            .rsplit([':', ' '])
            .next()
            .unwrap_or(filter)
            .replace('-', "_");
        let wanted = if wanted.contains('_') {
            wanted
        } else {
            crate::aws::names::snake(&wanted)
        };
        let hint = crate::aws::names::closest(&wanted, catalog.iter().map(|f| f.name))
            .and_then(|c| catalog.iter().find(|f| f.name == c))
            .map(|f| format!("; did you mean {}?", f.qualified()))
            .unwrap_or_default();
        return Err(Error::Runtime {
            message: format!("no function matches \"{filter}\"{hint}"),
            location: None,
        });
    }
    if table {
        return print_table(&all);
    }
    if json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|f| {
                let mut item = serde_json::json!({
                    "namespace": f.namespace,
                    "name": f.name,
                    "signature": f.signature,
                    "doc": f.doc,
                });
                if let Some(restore) = crate::aws::facts::restore_of(&f.qualified()) {
                    item["undo"] = restore.to_json(&f.qualified());
                }
                if let Some(op) = f.op {
                    item["local"] = crate::emulator::serves(op.service, op.name).into();
                    item["positional"] = crate::aws::forms::forms(op).forms.clone().into();
                    item["api"] = op.api.into();
                    if let Some(quota) = crate::aws::facts::quota_of(&f.qualified()) {
                        item["quota"] = quota.category.into();
                    }
                    if members {
                        item["input"] = op.describe_input();
                        item["output"] = op.describe_output();
                    }
                }
                item
            })
            .collect();
        let text = serde_json::to_string_pretty(&items).unwrap_or_default();
        crate::output::print_line(&text);
    } else {
        for f in all {
            let mut text = format!("{}\n    {}", f.signature, f.doc);
            if let Some(restore) = crate::aws::facts::restore_of(&f.qualified()) {
                text.push_str(&format!("\n    {}", restore.describe(&f.qualified())));
            }
            if let (true, Some(op)) = (members, f.op) {
                for (label, shape, described) in [
                    ("request", op.input, op.describe_input()),
                    ("response", op.output, op.describe_output()),
                ] {
                    text.push_str(&format!("\n    {label} {}:", shape.name));
                    for line in crate::aws::shape::outline(&described) {
                        text.push_str(&format!("\n      {line}"));
                    }
                }
            }
            if !crate::output::print_line(&text) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// `--table`: one line per function — name, positional form, undo, doc — in columns.
fn print_table(all: &[functions::FnInfo]) -> Result<(), Error> {
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|f| {
            let positional = f
                .signature
                .split_once(") | (")
                .map_or("-".to_string(), |(_, rest)| format!("({rest}"));
            let undo = crate::aws::facts::restore_of(&f.qualified())
                .map(|r| r.describe(&f.qualified()))
                .unwrap_or_else(|| "-".into());
            vec![f.qualified(), positional, undo, f.doc.to_string()]
        })
        .collect();
    let text = crate::format::columns(&["FUNCTION", "POSITIONAL", "UNDO", "DOC"], &rows);
    for line in text.lines() {
        if !crate::output::print_line(line) {
            break;
        }
    }
    Ok(())
}
