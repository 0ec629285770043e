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
            let read = ctx.read_limit(quota.category);
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
        // Every category unreadable for the same reason (denied, an old endpoint): say it once.
        if rows.iter().all(|r| r.1.is_none())
            && let Some((_, _, _, _, why)) = rows.first()
        {
            crate::say!(
                "runbook: no provisioned limit could be read: {why}; runbook paces at the documented defaults"
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
