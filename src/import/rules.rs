//! What a CSV is checked against: the pool's import header and rules, read from the pool, and
//! a file checked against them in one pass ([`validate`](super::validate)).

use std::path::Path;

use rhai::Dynamic;

use super::validate::{self, Limits, Mfa, PoolRules, Report};
use crate::aws::AwsError;
use crate::context::Context;
use crate::value::{map_of as request, member, member_text as text};

/// Reads what the CSV is checked against from the pool: `GetCSVHeader` and `DescribeUserPool`.
pub fn pool_rules(ctx: &Context, pool_id: &str) -> Result<PoolRules, AwsError> {
    let id: Dynamic = pool_id.into();
    let header = ctx.call_named(
        "cognito",
        "get_csv_header",
        request(&[("UserPoolId", id.clone())]),
    )?;
    let header: Vec<String> = member(&header, "CSVHeader")
        .into_array()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| h.into_string().ok())
        .collect();
    let pool = member(
        &ctx.call_named(
            "cognito",
            "describe_user_pool",
            request(&[("UserPoolId", id)]),
        )?,
        "UserPool",
    );
    let required = member(&pool, "SchemaAttributes")
        .into_array()
        .unwrap_or_default()
        .iter()
        .filter(|a| member(a, "Required").as_bool().unwrap_or(false))
        .map(|a| text(a, "Name"))
        .filter(|name| header.contains(name))
        .collect();
    let mfa = match text(&pool, "MfaConfiguration").as_str() {
        "ON" => Mfa::On,
        "OPTIONAL" => Mfa::Optional,
        _ => Mfa::Off,
    };
    let names = |key: &str| -> Vec<String> {
        member(&pool, key)
            .into_array()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.into_string().ok())
            .collect()
    };
    let auto_verified = names("AutoVerifiedAttributes");
    Ok(PoolRules {
        pool_id: pool_id.to_string(),
        header,
        required,
        mfa,
        auto_verified,
        username_attributes: names("UsernameAttributes"),
        alias_attributes: names("AliasAttributes"),
    })
}

/// Checks a file against the pool's rules, reading it once.
pub fn check_file(path: &Path, rules: &PoolRules, limits: Limits) -> Result<Report, String> {
    let file = crate::files::regular(path, crate::files::CSV_CAP)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    validate::validate(
        std::io::BufReader::with_capacity(1 << 20, file),
        rules,
        limits,
        size,
    )
    .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
