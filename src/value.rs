//! Script values and JSON, and the one place that decides what a secret looks like.
//!
//! A [`Secret`] is a string that must not be shown: it prints as `********` (a pre-signed URL
//! as itself without its query string, which carries the signature) but is sent as itself.
//! Every conversion between Rhai values and JSON lives here and is named for how it treats
//! secrets, so a caller cannot pick the wrong one by accident:
//!
//! - [`to_json_revealed`], [`text_revealed`], [`json_text_revealed`]: secrets as themselves,
//!   for what is *sent* to AWS (a `Document` member, a policy document, a password);
//! - [`masked`], [`to_json_masked`], [`masked_json`], [`masked_request`]: secrets masked, for
//!   everything *shown or kept*: print, `to_json`, the REPL, plan lines, the journal;
//! - [`from_json`]: JSON into a script value (nothing in JSON is a secret yet);
//! - [`secret`], [`from_response_member`]: values that become secrets.
//!
//! This module is a leaf: it knows Rhai and JSON, nothing of AWS calls or the run.

use rhai::{Array, Dynamic, Map};
use serde_json::Value;

/// What a masked value prints as.
pub const MASK: &str = "********";

/// What a secret turns into when a script makes plain text of it by any other way than the
/// operations that keep it a secret (`+`, `sub_string`, `replace`…): an interpolation, a
/// map printed into a string. The mask between two invisible separators, so that such text
/// shows as `********` but is refused when sent ([`holds_masked_secret`]) — never a password
/// of asterisks.
pub const TEXT_MASK: &str = "\u{2063}********\u{2063}";

/// Does text hold a secret that was made into text (its mask, not its value)?
pub fn holds_masked_secret(text: &str) -> bool {
    text.contains(TEXT_MASK)
}

/// Text as it is shown: the invisible marks of [`TEXT_MASK`] dropped.
pub fn shown_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\u{2063}') {
        text.replace('\u{2063}', "").into()
    } else {
        text.into()
    }
}

/// What kind of value this is, in the words messages use: `a string`, `an integer`, `a map`,
/// `a secret`… (never Rhai's type names).
pub fn kind(value: &Dynamic) -> &'static str {
    if value.is::<Secret>() {
        "a secret"
    } else if value.is_string() {
        "a string"
    } else if value.is_int() {
        "an integer"
    } else if value.is_float() {
        "a float"
    } else if value.is_bool() {
        "a boolean"
    } else if value.is_map() {
        "a map"
    } else if value.is_array() {
        "an array"
    } else if value.is_unit() {
        "()"
    } else if value.is_fnptr() {
        "a function"
    } else if value.is_blob() {
        "a blob"
    } else {
        "a value of another kind"
    }
}

/// How deep a value may nest to be printed, turned into JSON or sent.
pub const MAX_DEPTH: usize = 100;

/// Is `value` nested deeper than [`MAX_DEPTH`] maps and arrays? (Looks no deeper than that.)
pub fn too_deep(value: &Dynamic) -> bool {
    fn deeper(value: &Dynamic, left: usize) -> bool {
        if let Some(map) = value.read_lock::<Map>() {
            return left == 0 || map.values().any(|v| deeper(v, left - 1));
        }
        if let Some(array) = value.read_lock::<Array>() {
            return left == 0 || array.iter().any(|v| deeper(v, left - 1));
        }
        false
    }
    deeper(value, MAX_DEPTH)
}

/// The message for a value nested deeper than [`MAX_DEPTH`].
pub fn too_deep_message() -> String {
    format!("the value is nested deeper than {MAX_DEPTH} levels of maps and arrays")
}

/// A string that must not be shown, sent as itself. `reveal(value)` shows it in a script.
#[derive(Clone)]
pub struct Secret {
    value: String,
    url: bool,
}

/// Every secret value this process has held, longest first, for [`scrubbed`].
fn held() -> std::sync::MutexGuard<'static, Vec<String>> {
    static HELD: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Remembers a secret's value so that [`scrubbed`] can take it out of messages. Values too
/// short to be told from ordinary words are not remembered.
fn hold(value: &str) {
    if value.chars().count() < 4 {
        return;
    }
    let mut held = held();
    if !held.iter().any(|v| v == value) {
        held.push(value.to_string());
        held.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }
}

/// A message fit to show: every secret value the run holds replaced by `********` (a
/// service may echo a password in an error), and the password in a URL (`https://user:pw@…`)
/// masked.
pub fn scrubbed(text: &str) -> String {
    let mut out = text.to_string();
    for value in held().iter() {
        // As itself, and as a server echoes it inside JSON (`"` → `\"`, `\` → `\\`), once or
        // twice escaped.
        let once = json_escaped(value);
        let twice = json_escaped(&once);
        for form in [twice.as_str(), once.as_str(), value.as_str()] {
            if out.contains(form) {
                out = out.replace(form, MASK);
            }
        }
    }
    url_passwords_masked(&out)
}

/// `text` as it appears inside a JSON string (without the quotes).
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(text)
        .to_string()
}

/// `scheme://user:password@host` → `scheme://user:********@host`, wherever it appears.
pub fn url_passwords_masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => out.push_str(&format!("{user}:{MASK}@{host}")),
                None => out.push_str(&format!("{userinfo}@{host}")),
            },
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        hold(&value);
        Self { value, url: false }
    }

    /// A pre-signed URL: its signature (the query string) is the secret part.
    pub fn url(value: impl Into<String>) -> Self {
        let value = value.into();
        if let Some((_, query)) = value.split_once('?') {
            hold(query);
        }
        Self { value, url: true }
    }

    /// The value itself, for sending to AWS.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// What is shown wherever it is printed, serialised or journaled.
    pub fn shown(&self) -> String {
        if self.url {
            redact_url(&self.value)
        } else {
            MASK.to_string()
        }
    }

    /// What it becomes as plain text in a script (interpolated, `to_string`): shown as
    /// [`shown`](Self::shown), refused when sent (see [`TEXT_MASK`]).
    pub fn text(&self) -> String {
        if self.url {
            match self.value.split_once('?') {
                Some((base, _)) => format!("{base}?{TEXT_MASK}"),
                None => self.value.clone(),
            }
        } else {
            TEXT_MASK.to_string()
        }
    }

    /// A secret holding `before`, then this one's value, then `after` (a URL stays a URL).
    pub fn joined(&self, before: &str, after: &str) -> Self {
        let value = format!("{before}{}{after}", self.value);
        hold(&value);
        Self {
            value,
            url: self.url && before.is_empty(),
        }
    }

    /// A secret holding `f` of this one's value (a URL's parts are not a URL).
    pub fn map(&self, f: impl FnOnce(&str) -> String) -> Self {
        Self::new(f(&self.value))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
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
    "SECRET_BLOCK",
    "SECRET_HASH",
    "UserCode",
    "TotpSecret",
    "password",
    "secret",
    "token",
    // Identity providers' ProviderDetails: OIDC, Google, Facebook and Amazon client secrets,
    // Sign in with Apple's private key.
    "client_secret",
    "private_key",
];

/// Is a map key the name of a secret?
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// Maps whose members are named after tokens but hold no secret: an app client's
/// `TokenValidityUnits` (`AccessToken: "minutes"`). Masked, a journal's before-image would put
/// back `********` as a unit.
const NAMED_LIKE_SECRETS: &[&str] = &["TokenValidityUnits"];

/// Does a free-form name (a `--var`, a variable, an environment variable) look like it holds a
/// secret? Its last word — split at `_`, `-` and case changes: `db_pw`, `apiKey` — is what it
/// holds, the words before say whose or what for: that word contains one that always means a
/// secret (`password`, `secret`, `token`, `credential`) or is a short name for one (`pw`,
/// `pwd`, `pass`, `key`, `otp`, `pin`…). So `AWS_SECRET_ACCESS_KEY` and `totp_secret` are
/// secrets; `totp_user`, `token_url` and `secret_name` are not.
pub fn looks_secret(name: &str) -> bool {
    const CONTAINED: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "passphrase",
    ];
    const WORDS: &[&str] = &["pw", "pwd", "pass", "key", "apikey", "otp", "pin", "creds"];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || (c.is_uppercase() && previous_lower) {
            words.push(std::mem::take(&mut word));
        }
        if c != '_' && c != '-' {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    words.push(word);
    let Some(last) = words.iter().rev().find(|w| !w.is_empty()) else {
        return false;
    };
    WORDS.contains(&last.as_str()) || CONTAINED.iter().any(|w| last.contains(w))
}

/// An endpoint URL as it is shown (the target line, `--local`'s note): its path masked, since
/// a local emulator's path is the route token that lets a request in
/// (`http://127.0.0.1:4566/********`).
pub fn shown_endpoint(url: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |at| at + 3);
    match url[scheme_end..].find('/') {
        Some(at) if url.len() > scheme_end + at + 1 => {
            format!("{}/{MASK}", &url[..scheme_end + at])
        }
        _ => url.to_string(),
    }
}

/// A pre-signed URL without its query string (which carries the signature).
pub fn redact_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?{MASK}"),
        None => url.to_string(),
    }
}

/// A helper's argument that is a secret, or text to be sent as one: declared so, the REPL
/// masks a literal typed there (the engine names this type `secret`).
pub type SecretText = Dynamic;

/// A [`Secret`] script value.
pub fn secret(value: String) -> Dynamic {
    Dynamic::from(Secret::new(value))
}

/// A response member as a script value: tokens, client secrets, sessions and passwords become
/// [`Secret`]s, a pre-signed URL a URL secret; other members stay as they are.
pub fn from_response_member(name: &str, value: Dynamic) -> Dynamic {
    if !value.is_string() {
        return value;
    }
    if name == "PreSignedUrl" {
        return Dynamic::from(Secret::url(value.into_string().unwrap_or_default()));
    }
    if is_secret_key(name) {
        return Dynamic::from(Secret::new(value.into_string().unwrap_or_default()));
    }
    value
}

/// The text of a value that is a string or a [`Secret`] (the secret's real text), for what is
/// sent; `None` for any other value.
pub fn text_revealed(value: &Dynamic) -> Option<String> {
    if let Some(secret) = value.read_lock::<Secret>() {
        return Some(secret.expose().to_string());
    }
    value.clone().into_string().ok()
}

/// A value as JSON with secrets as themselves, for `Document` members and policy documents,
/// which are sent. Untyped: numbers as they are, anything else as its text.
pub fn to_json_revealed(value: &Dynamic) -> Value {
    if value.is_unit() {
        Value::Null
    } else if let Ok(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Ok(i) = value.as_int() {
        Value::from(i)
    } else if let Ok(f) = value.as_float() {
        Value::from(f)
    } else if let Some(array) = value.read_lock::<Array>() {
        Value::Array(array.iter().map(to_json_revealed).collect())
    } else if let Some(map) = value.read_lock::<Map>() {
        Value::Object(
            map.iter()
                .map(|(k, v)| (k.to_string(), to_json_revealed(v)))
                .collect(),
        )
    } else {
        Value::String(text_revealed(value).unwrap_or_else(|| value.to_string()))
    }
}

/// The JSON text of a value that is sent as JSON text: a string (or secret) is checked to be
/// JSON and passed through; a map or array is serialised, secrets as themselves.
pub fn json_text_revealed(value: &Dynamic) -> Result<String, String> {
    if let Some(s) = text_revealed(value) {
        serde_json::from_str::<Value>(&s).map_err(|e| e.to_string())?;
        return Ok(s);
    }
    if value.is_map() || value.is_array() {
        return Ok(to_json_revealed(value).to_string());
    }
    Err(format!("got {}", kind(value)))
}

/// A value as JSON with every [`Secret`] as its shown text (`********`), for `to_json`,
/// `query` and anything written out. Fails on values JSON cannot hold (a function pointer).
pub fn to_json_masked(value: &Dynamic) -> Result<Value, String> {
    if too_deep(value) {
        return Err(too_deep_message());
    }
    json_masked(value)
}

fn json_masked(value: &Dynamic) -> Result<Value, String> {
    if let Some(secret) = value.read_lock::<Secret>() {
        return Ok(Value::String(secret.shown()));
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map
            .iter()
            .map(|(k, v)| Ok((k.to_string(), json_masked(v)?)))
            .collect::<Result<serde_json::Map<_, _>, String>>()
            .map(Value::Object);
    }
    if let Some(array) = value.read_lock::<Array>() {
        return array
            .iter()
            .map(json_masked)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    rhai::serde::from_dynamic(value).map_err(|e| e.to_string())
}

/// A copy of `value` fit to show: [`Secret`]s as their shown text, members named like secrets
/// (`TemporaryPassword`, even as a plain string) masked, pre-signed URLs cut.
pub fn masked(value: &Dynamic) -> Dynamic {
    if too_deep(value) {
        return too_deep_message().into();
    }
    masked_within(value)
}

/// How a map's member shows when its name decides: a secret-named member as the mask, a
/// pre-signed URL without its signature; `None` when its value decides (see [`masked`]).
pub fn shown_member(key: &str, value: &Dynamic) -> Option<Dynamic> {
    if is_secret_key(key) && !value.is_unit() {
        Some(MASK.into())
    } else if key == "PreSignedUrl" {
        value
            .clone()
            .into_string()
            .ok()
            .map(|s| Dynamic::from(redact_url(&s)))
    } else {
        None
    }
}

fn masked_within(value: &Dynamic) -> Dynamic {
    if let Some(secret) = value.read_lock::<Secret>() {
        return secret.shown().into();
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map
            .iter()
            .map(|(k, v)| {
                let shown = match (
                    NAMED_LIKE_SECRETS.contains(&k.as_str()),
                    v.read_lock::<Map>(),
                ) {
                    // Its members by their values alone (a Secret still shows masked).
                    (true, Some(units)) => units
                        .iter()
                        .map(|(unit, value)| (unit.clone(), masked_within(value)))
                        .collect::<Map>()
                        .into(),
                    _ => shown_member(k, v).unwrap_or_else(|| masked_within(v)),
                };
                (k.clone(), shown)
            })
            .collect::<Map>()
            .into();
    }
    if let Some(array) = value.read_lock::<Array>() {
        return array.iter().map(masked_within).collect::<Array>().into();
    }
    value.clone()
}

/// A value as JSON text fit to show ([`masked`]), indented as the AWS CLI prints it or on one
/// line (inside a string).
pub fn masked_json(value: &Dynamic, pretty: bool) -> String {
    if too_deep(value) {
        return format!("({})", too_deep_message());
    }
    let shown = masked(value);
    match to_json_masked(&shown) {
        Ok(json) if pretty => {
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| shown.to_string())
        }
        Ok(json) => json.to_string(),
        Err(_) => shown.to_string(),
    }
}

/// A value as JSON fit to show ([`masked`]); `null` for what JSON cannot hold.
pub fn masked_value(value: &Dynamic) -> Value {
    to_json_masked(&masked(value)).unwrap_or(Value::Null)
}

/// A request as plan lines and the journal keep it: JSON, secrets masked.
pub fn masked_request(request: &Map) -> Value {
    masked_value(&Dynamic::from(request.clone()))
}

/// A JMESPath expression (the AWS CLI's `--query`) applied to JSON; the error says what is
/// wrong with the expression.
pub fn query_json(json: &Value, expression: &str) -> Result<Value, String> {
    let expr =
        jmespath::compile(expression).map_err(|e| format!("invalid JMESPath expression: {e}"))?;
    let data = jmespath::Variable::from_json(&json.to_string()).map_err(|e| e.to_string())?;
    let found = expr.search(data).map_err(|e| e.to_string())?;
    serde_json::to_value(&*found).map_err(|e| e.to_string())
}

/// JSON as a script value (numbers as INT where they fit, else FLOAT).
pub fn from_json(value: &Value) -> Dynamic {
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

/// A member of a map value (`UserImportJob`, `Status`, …), or `()`.
pub fn member(value: &Dynamic, key: &str) -> Dynamic {
    value
        .read_lock::<Map>()
        .and_then(|m| m.get(key).cloned())
        .unwrap_or(Dynamic::UNIT)
}

/// A string member as its text, a secret's real text included (a pre-signed URL to upload
/// to); `""` when it is missing or not text.
pub fn member_text(value: &Dynamic, key: &str) -> String {
    text_revealed(&member(value, key)).unwrap_or_default()
}

/// An integer member, `0` when it is missing.
pub fn member_int(value: &Dynamic, key: &str) -> i64 {
    member(value, key).as_int().unwrap_or(0)
}

/// A map from `(member, value)` pairs, for helpers that build requests.
pub fn map_of(pairs: &[(&str, Dynamic)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn token_validity_units_are_units_not_tokens() {
        let mut units = Map::new();
        units.insert("AccessToken".into(), "minutes".into());
        let mut client = Map::new();
        client.insert("TokenValidityUnits".into(), units.into());
        client.insert("AccessToken".into(), "eyJ...".into());
        let shown = masked_json(&Dynamic::from(client), false);
        assert_eq!(
            shown,
            r#"{"AccessToken":"********","TokenValidityUnits":{"AccessToken":"minutes"}}"#
        );
    }
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
        let shown = masked(&map.into()).to_string();
        assert!(shown.contains("u1"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    }

    #[test]
    fn secret_sounding_names_are_known_by_their_words() {
        for name in [
            "pw",
            "pwd",
            "db_pass",
            "apiKey",
            "API_KEY",
            "user_password",
            "mfa_secret",
            "otp",
            "session_token",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "newPassword",
            "totp_secret",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "pool",
            "monkey",
            "keyboard_layout",
            "username",
            "passage",
            "pinned",
            "pool_name",
            "totp_user",
            "mfa_user",
            "token_url",
            "secret_name",
            "password_policy",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn what_is_sent_keeps_secrets_and_what_is_shown_masks_them() {
        let mut map = Map::new();
        map.insert("Password".into(), secret("hunter2".into()));
        map.insert("Note".into(), Dynamic::from(Secret::new("s3")));
        let value = Dynamic::from(map.clone());
        let sent = to_json_revealed(&value).to_string();
        assert!(sent.contains("hunter2") && sent.contains("s3"), "{sent}");
        for shown in [
            to_json_masked(&value)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            masked_json(&value, false),
            masked_request(&map).to_string(),
        ] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("\"s3\""),
                "{shown}"
            );
            assert!(shown.contains(MASK), "{shown}");
        }
        assert_eq!(text_revealed(&secret("x".into())).as_deref(), Some("x"));
    }
}
