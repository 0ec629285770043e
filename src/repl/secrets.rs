//! Secrets typed at the REPL: masked before a line reaches the history file, and turned into
//! `secret("NAME")` calls when a session is saved as a runbook.

use crate::aws::names::snake;
use crate::value::{MASK, is_secret_key, looks_secret};

/// Masks what looks like a secret literal in a line of REPL input before it is stored in
/// history, in every form a person types: the value of a `Key: "…"` pair (quoted or unquoted
/// key, `"…"` or `` `…` `` string, at any depth such as `AuthParameters: #{ PASSWORD: … }`)
/// whose key names a secret; a `let` (or assignment) whose variable name says password, secret
/// or token; and string literals passed positionally where a shorthand takes a secret
/// (`positional`: function name and argument index, e.g. `("admin_set_user_password", 2)`).
pub fn mask_line(line: &str, positional: &[(&str, usize, &str)]) -> String {
    let mut out = line.to_string();
    for (start, end, _) in secret_literals(line, positional).into_iter().rev() {
        if end > start {
            out.replace_range(start..end, MASK);
        }
    }
    out
}

/// A REPL statement fit to save in a runbook: each secret literal becomes a `secret("NAME")`
/// call (NAME from its key or variable: `TemporaryPassword` → `TEMPORARY_PASSWORD`), so the
/// file holds no secret and asks for it (or reads it from the environment) when run.
pub fn secretize_line(line: &str, positional: &[(&str, usize, &str)]) -> String {
    let mut out = line.to_string();
    for (start, end, name) in secret_literals(line, positional).into_iter().rev() {
        let env = snake(&name).to_ascii_uppercase();
        out.replace_range(
            start - 1..(end + 1).min(out.len()),
            &format!("secret(\"{env}\")"),
        );
    }
    out
}

/// The secret literals of a line: content byte range and the name they go by.
fn secret_literals(line: &str, positional: &[(&str, usize, &str)]) -> Vec<(usize, usize, String)> {
    let spans = string_literals(line);
    let mut found: Vec<(usize, usize, String)> = spans
        .iter()
        .filter_map(|&(start, end)| secret_name(&line[..start - 1]).map(|name| (start, end, name)))
        .collect();
    for (function, index, member) in positional {
        found.extend(
            positional_literals(line, &spans, function, *index)
                .into_iter()
                .map(|(s, e)| (s, e, member.to_string())),
        );
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    found
}

/// The byte ranges of the contents of `"…"` and `` `…` `` literals in a line.
fn string_literals(line: &str) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        if quote == b'"' || quote == b'`' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != quote {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(bytes.len());
            spans.push((start, end));
            i = end + 1;
        } else if quote == b'/' && bytes.get(i + 1) == Some(&b'/') {
            // A comment, to the end of its line (a statement may go on below it).
            i = line[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
        } else if quote == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = line[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
        } else {
            i += 1;
        }
    }
    spans
}

/// Does the text before a literal's opening quote make it a secret — `Key:` with a secret key,
/// or `let name =` / `name =` with a secret-looking name? The key or name, if so.
fn secret_name(before: &str) -> Option<String> {
    let before = before.trim_end();
    let (key_end, is_pair) = if let Some(rest) = before.strip_suffix(':') {
        (rest.trim_end(), true)
    } else if let Some(rest) = before.strip_suffix('=') {
        if rest.ends_with(['=', '!', '<', '>']) {
            return None;
        }
        (rest.trim_end(), false)
    } else {
        return None;
    };
    let key = if let Some(quoted) = key_end.strip_suffix('"') {
        quoted.rsplit('"').next().unwrap_or("")
    } else {
        let start = key_end
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        &key_end[start..]
    };
    if key.is_empty() {
        return None;
    }
    (looks_secret(key) || (is_pair && is_secret_key(key))).then(|| key.to_string())
}

/// A line with every string literal that holds one of `values` (texts the session has sent
/// as secrets since it was typed, e.g. `let x = "…"` then `Password: x`) masked; in a saved
/// runbook (`as_calls`) such a literal becomes a `secret("SECRET")` call instead.
pub fn mask_values(line: &str, values: &[String], as_calls: bool) -> String {
    let mut out = line.to_string();
    for (start, end) in string_literals(line).into_iter().rev() {
        let text = &line[start..end.min(line.len())];
        if values.iter().any(|v| v == text) {
            if as_calls {
                out.replace_range(start - 1..(end + 1).min(out.len()), "secret(\"SECRET\")");
            } else {
                out.replace_range(start..end.min(out.len()), MASK);
            }
        }
    }
    out
}

/// The literals given as argument `index` of calls to `name(…)`.
fn positional_literals(
    line: &str,
    spans: &[(usize, usize)],
    name: &str,
    index: usize,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let pattern = format!("{name}(");
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = line[from..].find(&pattern).map(|i| i + from) {
        let mut i = at + pattern.len();
        from = i;
        let (mut depth, mut arg) = (0usize, 0usize);
        while i < bytes.len() {
            if let Some(&(start, end)) = spans.iter().find(|(s, _)| *s == i + 1) {
                if arg == index && depth == 0 {
                    out.push((start, end));
                }
                i = end + 1;
                continue;
            }
            match bytes[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => break,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => arg += 1,
                _ => {}
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_totp_secret_is_masked_and_saved_as_a_secret_call_and_plain_names_are_not() {
        let positions = crate::functions::secret_positions();
        let line = r#"let code = totp("JBSWY3DPEHPK3PXP");"#;
        assert_eq!(
            mask_line(line, &positions),
            r#"let code = totp("********");"#
        );
        assert_eq!(
            secretize_line(line, &positions),
            r#"let code = totp(secret("TOTP_SECRET"));"#
        );
        for plain in [
            r#"let totp_user = "alice";"#,
            r#"let mfa_user = "alice";"#,
            r#"let token_url = "https://example.com/token";"#,
        ] {
            assert_eq!(mask_line(plain, &positions), plain);
        }
    }

    #[test]
    fn a_comment_line_does_not_hide_the_statement_below_it() {
        let text = "// the new admin's password\nlet admin_password = \"S3cret#Pw\";";
        let masked = mask_line(text, &[]);
        assert!(!masked.contains("S3cret#Pw"), "{masked}");
        let text = "/* set it */ cognito::admin_create_user(#{ Username: \"u\", TemporaryPassword: \"Tmp#1x\" })";
        assert!(!mask_line(text, &[]).contains("Tmp#1x"));
    }

    #[test]
    fn masks_secret_literals_in_repl_lines() {
        let line =
            r#"cognito::admin_create_user(#{ Username: "u", TemporaryPassword: "Tmp#Pass1" })"#;
        let masked = mask_line(line, &[]);
        assert!(!masked.contains("Tmp#Pass1"), "{masked}");
        assert!(masked.contains(r#"Username: "u""#));
        let line =
            r#"cognito::admin_set_user_password(pool, "bob", "Perm#Pass\"1", true); print("ok")"#;
        let masked = mask_line(line, &[("admin_set_user_password", 2, "Password")]);
        assert_eq!(
            masked,
            r#"cognito::admin_set_user_password(pool, "bob", "********", true); print("ok")"#
        );
    }

    #[test]
    fn a_literal_sent_as_a_secret_later_is_masked_where_it_was_typed() {
        let sent = vec!["Later#Secret1".to_string()];
        assert_eq!(
            mask_values(r#"let x = "Later#Secret1"; let y = "kept";"#, &sent, false),
            r#"let x = "********"; let y = "kept";"#
        );
        assert_eq!(
            mask_values("let x = `Later#Secret1`;", &sent, true),
            r#"let x = secret("SECRET");"#
        );
    }

    #[test]
    fn a_saved_line_asks_for_its_secrets() {
        assert_eq!(
            secretize_line(
                r#"cognito::admin_create_user(p, "u", #{ TemporaryPassword: "Tmp#1" }); let db_password = `x`;"#,
                &[]
            ),
            r#"cognito::admin_create_user(p, "u", #{ TemporaryPassword: secret("TEMPORARY_PASSWORD") }); let db_password = secret("DB_PASSWORD");"#
        );
        assert_eq!(
            secretize_line(
                r#"cognito::admin_set_user_password(p, "u", "Perm#1", true)"#,
                &[("admin_set_user_password", 2, "Password")]
            ),
            r#"cognito::admin_set_user_password(p, "u", secret("PASSWORD"), true)"#
        );
    }

    #[test]
    fn masks_every_form_a_person_types() {
        for (line, kept) in [
            (r#"#{ "TemporaryPassword": "s3cret-1" }"#, None),
            ("#{ Password: `s3cret-1` }", None),
            (
                r#"cognito::admin_initiate_auth(#{ AuthParameters: #{ USERNAME: "bob", PASSWORD: "s3cret-1", SECRET_HASH: "s3cret-1" } })"#,
                Some(r#"USERNAME: "bob""#),
            ),
            (
                r#"#{ ChallengeResponses: #{ NEW_PASSWORD: "s3cret-1" } }"#,
                None,
            ),
            (r#"let password = "s3cret-1";"#, None),
            ("let pw = `s3cret-1`;", None),
            (r#"let apiKey = "s3cret-1";"#, None),
            (r#"db_pass = "s3cret-1""#, None),
            (
                r#"let db_token="s3cret-1"; let name = "bob";"#,
                Some(r#"name = "bob""#),
            ),
            (r#"api_secret = `s3cret-1`"#, None),
            (
                r#"cognito::admin_set_user_password(p, "bob", `s3cret-1`, true)"#,
                Some(r#""bob""#),
            ),
        ] {
            let masked = mask_line(line, &[("admin_set_user_password", 2, "Password")]);
            assert!(!masked.contains("s3cret-1"), "{line} -> {masked}");
            assert!(masked.contains(MASK), "{masked}");
            if let Some(kept) = kept {
                assert!(masked.contains(kept), "{masked}");
            }
        }
        // Comparisons and plain strings are left alone.
        let line = r#"if password == "x" { print("Password: shown") }"#;
        assert_eq!(mask_line(line, &[]), line);
    }
}
