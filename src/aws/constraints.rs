//! The length and pattern the service requires of a name, checked before a request is sent.
//!
//! The Rust SDK's model carries no `@length` or `@pattern` traits, so the constraints of the
//! names an operator types most (usernames, group, pool, client, provider, role and policy
//! names) are written here as the API references give them. A value that breaks one is refused
//! with the member's path, the rule, and the first character that breaks it (a NUL, an
//! escape, a right-to-left override, a zero-width space) written as an escape — never sent to
//! be refused, or worse accepted, by the service.

use std::sync::OnceLock;

use regex::Regex;

/// One member's rule: its name in any request, the length in characters, and the pattern the
/// whole value must match (as the API reference writes it).
struct Constraint {
    member: &'static str,
    min: usize,
    max: usize,
    pattern: &'static str,
    /// The pattern in words.
    says: &'static str,
}

/// Letters, marks, symbols, numbers, punctuation: Cognito's `UsernameType` and `GroupNameType`.
const PRINTABLE: &str = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
const PRINTABLE_SAYS: &str =
    "letters, marks, symbols, numbers or punctuation (no spaces or control characters)";

#[rustfmt::skip]
static CONSTRAINTS: &[Constraint] = &[
    Constraint { member: "Username", min: 1, max: 128, pattern: PRINTABLE, says: PRINTABLE_SAYS },
    Constraint { member: "GroupName", min: 1, max: 128, pattern: PRINTABLE, says: PRINTABLE_SAYS },
    Constraint { member: "ProviderName", min: 1, max: 32, pattern: PRINTABLE, says: PRINTABLE_SAYS },
    Constraint { member: "PoolName", min: 1, max: 128, pattern: r"[\w\s+=,.@-]+", says: "letters, digits, spaces and + = , . @ -" },
    Constraint { member: "ClientName", min: 1, max: 128, pattern: r"[\w\s+=,.@-]+", says: "letters, digits, spaces and + = , . @ -" },
    Constraint { member: "RoleName", min: 1, max: 64, pattern: r"(?-u:[\w+=,.@-])+", says: "ASCII letters, digits and + = , . @ _ -" },
    Constraint { member: "PolicyName", min: 1, max: 128, pattern: r"(?-u:[\w+=,.@-])+", says: "ASCII letters, digits and + = , . @ _ -" },
];

fn compiled() -> &'static [Option<Regex>] {
    static COMPILED: OnceLock<Vec<Option<Regex>>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        CONSTRAINTS
            .iter()
            .map(|c| Regex::new(&format!("^(?:{})$", c.pattern)).ok())
            .collect()
    })
}

/// Checks `value` of the request member `member` (at `path`); the error a user reads.
pub fn check(member: &str, value: &str, path: &str) -> Result<(), String> {
    let Some((at, rule)) = CONSTRAINTS
        .iter()
        .enumerate()
        .find(|(_, c)| c.member == member)
    else {
        return Ok(());
    };
    let length = value.chars().count();
    if length < rule.min || length > rule.max {
        return Err(format!(
            "request key \"{path}\" is {length} characters long; the service takes {}–{}",
            rule.min, rule.max
        ));
    }
    let Some(Some(pattern)) = compiled().get(at) else {
        return Ok(());
    };
    if pattern.is_match(value) {
        return Ok(());
    }
    let bad = value
        .chars()
        .find(|c| !pattern.is_match(&c.to_string()))
        .map(|c| format!(" — {} is not one", c.escape_unicode()))
        .unwrap_or_default();
    Err(format!(
        "request key \"{path}\" must be {}{bad} (the service's pattern {})",
        rule.says, rule.pattern
    ))
}

/// Is `value` a username the service takes (1–128 letters, marks, symbols, numbers or
/// punctuation)? The reason it is not, if not.
pub fn username(value: &str) -> Result<(), String> {
    check("Username", value, "cognito:username")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_invisible_or_control_characters_are_refused() {
        for bad in [
            "a\0b",
            "a\u{1b}[2Jb",
            "admin\u{202e}",
            "a\u{200b}b",
            "a b",
            "",
        ] {
            assert!(check("Username", bad, "Username").is_err(), "{bad:?}");
        }
        for good in [
            "alice",
            "alice@example.com",
            "+15555550100",
            "Zoë",
            "日本",
            "o'neil",
        ] {
            assert!(check("Username", good, "Username").is_ok(), "{good:?}");
        }
        let long = "a".repeat(129);
        assert!(check("GroupName", &long, "GroupName").is_err());
        let said = check("Username", "admin\u{202e}", "Username").unwrap_err();
        assert!(said.contains("\\u{202e} is not one"), "{said}");
        assert!(check("RoleName", "role/with-slash", "RoleName").is_err());
        assert!(check("RoleName", "my-role_1", "RoleName").is_ok());
        assert!(check("Description", "anything\u{1b}", "Description").is_ok());
    }
}
