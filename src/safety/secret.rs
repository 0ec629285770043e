//! Keeping secrets out of output.
//!
//! Passwords, client secrets and tokens never reach stdout, stderr or history: values obtained
//! through `secret()` are [`Secret`]s that print as `********`, and every value printed by a
//! runbook or the REPL goes through [`redact`], which masks members named like secrets and the
//! query string (the signature) of pre-signed URLs.

use rhai::{Array, Dynamic, Map};

/// What a masked value prints as.
pub const MASK: &str = "********";

/// A string that must not be shown: it prints as `********` but is sent as itself.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for sending to AWS.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

/// Member names whose values are secrets, as the Cognito and IAM APIs name them.
const SECRET_KEYS: &[&str] = &[
    "Password",
    "TemporaryPassword",
    "ProposedPassword",
    "PreviousPassword",
    "ClientSecret",
    "SecretHash",
    "AccessToken",
    "IdToken",
    "RefreshToken",
    "Session",
    "SecretCode",
    "SecretString",
    "ClientSecretValue",
    "AuthParameters",
    "ChallengeResponses",
    "password",
    "secret",
    "token",
];

/// Is a map key the name of a secret?
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// Does a free-form name (a `--var`, a variable) look like it holds a secret?
pub fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "private_key",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// A pre-signed URL without its query string (which carries the signature).
pub fn redact_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?{MASK}"),
        None => url.to_string(),
    }
}

/// A copy of `value` fit to print: secret members masked, pre-signed URLs cut.
pub fn redact(value: &Dynamic) -> Dynamic {
    if value.is::<Secret>() {
        return MASK.into();
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map
            .iter()
            .map(|(k, v)| {
                let shown = if is_secret_key(k) && !v.is_unit() {
                    MASK.into()
                } else if k.as_str() == "PreSignedUrl" {
                    v.clone()
                        .into_string()
                        .map(|s| Dynamic::from(redact_url(&s)))
                        .unwrap_or_else(|_| redact(v))
                } else {
                    redact(v)
                };
                (k.clone(), shown)
            })
            .collect::<Map>()
            .into();
    }
    if let Some(array) = value.read_lock::<Array>() {
        return array.iter().map(redact).collect::<Array>().into();
    }
    value.clone()
}

/// Masks what looks like a secret literal in a line of REPL input before it is stored in
/// history: the value of any `Key: "..."` pair whose key names a secret, and string literals
/// passed positionally where a shorthand takes a secret (`positional`: function name and
/// argument index, e.g. `("admin_set_user_password", 2)`).
pub fn mask_line(line: &str, positional: &[(&str, usize)]) -> String {
    let mut out = mask_pairs(line);
    for (name, index) in positional {
        out = mask_argument(&out, name, *index);
    }
    out
}

/// Masks the string literal given as argument `index` of every call to `name(...)`.
fn mask_argument(line: &str, name: &str, index: usize) -> String {
    let mut out = line.to_string();
    let pattern = format!("{name}(");
    let mut from = 0;
    while let Some(at) = out[from..].find(&pattern).map(|i| i + from) {
        let args_start = at + pattern.len();
        from = args_start;
        let bytes = out.as_bytes();
        let (mut depth, mut arg, mut i, mut in_string) = (0usize, 0usize, args_start, false);
        let mut literal: Option<(usize, usize)> = None;
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                if b == b'\\' {
                    i += 1;
                } else if b == b'"' {
                    in_string = false;
                    if let Some((start, _)) = literal.filter(|_| arg == index && depth == 0) {
                        literal = Some((start, i));
                    }
                }
            } else {
                match b {
                    b'"' => {
                        in_string = true;
                        if arg == index && depth == 0 && literal.is_none() {
                            literal = Some((i + 1, i + 1));
                        }
                    }
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' if depth == 0 => break,
                    b')' | b']' | b'}' => depth -= 1,
                    b',' if depth == 0 => arg += 1,
                    _ => {}
                }
            }
            i += 1;
        }
        if let Some((start, end)) = literal.filter(|(s, e)| e > s) {
            out.replace_range(start..end, MASK);
        }
    }
    out
}

fn mask_pairs(line: &str) -> String {
    let mut out = line.to_string();
    for key in SECRET_KEYS {
        let mut from = 0;
        while let Some(at) = out[from..].find(key).map(|i| i + from) {
            let rest = &out[at + key.len()..];
            let trimmed = rest.trim_start();
            let Some(after_colon) = trimmed.strip_prefix(':') else {
                from = at + key.len();
                continue;
            };
            let value = after_colon.trim_start();
            if let Some(end) = value.strip_prefix('"').and_then(|body| body.find('"')) {
                let start = out.len() - value.len();
                out.replace_range(start..start + end + 2, &format!("\"{MASK}\""));
            }
            from = at + key.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_members_and_presigned_queries() {
        let mut map = Map::new();
        map.insert("Username".into(), "u1".into());
        map.insert("TemporaryPassword".into(), "hunter2".into());
        map.insert(
            "PreSignedUrl".into(),
            "https://bucket.s3.amazonaws.com/key?X-Amz-Signature=abc".into(),
        );
        let shown = redact(&map.into()).to_string();
        assert!(shown.contains("u1"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("X-Amz-Signature"), "{shown}");
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
        let masked = mask_line(line, &[("admin_set_user_password", 2)]);
        assert_eq!(
            masked,
            r#"cognito::admin_set_user_password(pool, "bob", "********", true); print("ok")"#
        );
    }
}
