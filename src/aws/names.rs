//! Names as people write them: API member names in the scripts' spelling (`UserPoolId` →
//! `user_pool_id`), and the closest valid name for a typo.

/// An API member name as scripts and the CLI spell parameters: `UserPoolId` → `user_pool_id`,
/// `CSVHeader` → `csv_header`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && !chars[i - 1].is_uppercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// The closest of `candidates` to `name`, if any is close enough to be a plausible typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_the_cli() {
        assert_eq!(snake("UserPoolId"), "user_pool_id");
        assert_eq!(snake("CloudWatchLogsRoleArn"), "cloud_watch_logs_role_arn");
        assert_eq!(snake("CSVHeader"), "csv_header");
    }

    #[test]
    fn a_typo_finds_its_name_and_nonsense_finds_none() {
        assert_eq!(
            closest("UserPoolID", ["UserPoolId", "Username"]),
            Some("UserPoolId")
        );
        assert_eq!(closest("zzz", ["UserPoolId", "Username"]), None);
    }
}
