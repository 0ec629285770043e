//! `runbook limits [--json]`: each request-rate category runbook paces, as the account's
//! Cognito answers it (`GetProvisionedLimit`): the provisioned value, the free one, and the pace
//! runbook will use.

use rhai::Map;

use super::flags::{AwsFlags, LeadingAwsFlags, with_aws};
use crate::aws::facts::QUOTAS;
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;

// The arguments of `runbook limits`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array of {category, provisioned, free, pace, source}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    aws: AwsFlags,
}

pub fn run(args: Args, leading: &LeadingAwsFlags) -> Result<(), Error> {
    with_aws(&leading.under(&args.aws)?, |settings| {
        crate::safety::interrupt::install();
        let runbook = Runbook::new(settings, Map::new(), Safety::interactive(false))?;
        let ctx = &runbook.ctx;
        let mut rows = Vec::new();
        for quota in QUOTAS {
            let read = match ctx.read_limit(quota.category) {
                Ok(limit) => Ok(limit),
                // Not allowed to read it (a least-privilege role), or an endpoint without
                // it: runbook paces at the default, and says so.
                Err(e) if e.denied() || UNSERVED.iter().any(|c| e.code.contains(c)) => Err(e.code),
                // No region, no credentials, no answer: the command fails as a call does.
                Err(e) => {
                    return Err(Error::Runtime {
                        message: e.to_string(),
                        location: None,
                    });
                }
            };
            // What `Context::pace` will use: the provisioned value when read, else the
            // documented default.
            let (provisioned, free, pace, source) = match &read {
                Ok(limit) => (
                    Some(limit.provisioned),
                    Some(limit.free),
                    limit.provisioned,
                    "provisioned".to_string(),
                ),
                Err(why) => (None, None, quota.rps, format!("default ({why})")),
            };
            rows.push((quota.category, provisioned, free, pace, source));
        }
        // Every category unreadable (denied, an endpoint without it): said once.
        if rows.iter().all(|r| r.1.is_none()) {
            crate::say!(
                "runbook: no provisioned limit could be read; runbook paces at the documented defaults"
            );
        }
        let number = |n: Option<f64>| n.map_or("-".to_string(), |n| format!("{n}"));
        if args.json {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(category, provisioned, free, pace, source)| {
                    serde_json::json!({
                        "category": category,
                        "provisioned": provisioned,
                        "free": free,
                        "pace": pace,
                        "source": source,
                    })
                })
                .collect();
            crate::output::print(&serde_json::to_string_pretty(&items).unwrap_or_default());
        } else {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|(category, provisioned, free, pace, source)| {
                    vec![
                        category.to_string(),
                        number(*provisioned),
                        number(*free),
                        format!("{pace}/s"),
                        source.clone(),
                    ]
                })
                .collect();
            let text = crate::format::columns(
                &["CATEGORY", "PROVISIONED", "FREE", "PACE", "FROM"],
                &cells,
            );
            crate::output::print(text.trim_end());
        }
        Ok(())
    })
}

/// What an endpoint without the operation answers (an older service, another emulator).
const UNSERVED: &[&str] = &["UnknownOperation", "InvalidAction"];
