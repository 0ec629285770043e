//! String operations on secrets that keep them secrets.
//!
//! `"prefix-" + secret("X")` is a secret whose value is the real joined text, sent as itself
//! and shown as `********`; so are `secret + "-suffix"`, `secret + secret`, `s += "x"` on a
//! secret, `sub_string`, `replace`, `trim`, `to_upper` and `to_lower`. Every other way of
//! making text of a secret (an interpolation, `to_string`, a map printed into a string) gives
//! its mask, marked so that sending it is an error ([`crate::value::TEXT_MASK`]); `text +=
//! secret` on a plain string is an error that says how to write it.

use rhai::plugin::*;

// Rhai's plugin macro unwraps the `&mut` first argument it has just type-checked itself.
#[allow(clippy::unwrap_used)]
#[export_module]
pub mod secret_ops {
    use crate::value::Secret;
    use rhai::{EvalAltResult, INT, ImmutableString, Position};

    // `"prefix-" + secret`: a secret.
    #[rhai_fn(name = "+")]
    pub fn string_plus(text: ImmutableString, secret: Secret) -> Secret {
        secret.joined(&text, "")
    }

    // `secret + "-suffix"`: a secret.
    #[rhai_fn(name = "+")]
    pub fn plus_string(secret: Secret, text: ImmutableString) -> Secret {
        secret.joined("", &text)
    }

    // `secret + secret`: a secret.
    #[rhai_fn(name = "+")]
    pub fn plus_secret(secret: Secret, other: Secret) -> Secret {
        secret.joined("", other.expose())
    }

    // `'c' + secret`: a secret.
    #[rhai_fn(name = "+")]
    pub fn char_plus(c: char, secret: Secret) -> Secret {
        secret.joined(&c.to_string(), "")
    }

    // `secret + 'c'`: a secret.
    #[rhai_fn(name = "+")]
    pub fn plus_char(secret: Secret, c: char) -> Secret {
        secret.joined("", &c.to_string())
    }

    // `42 + secret`: a secret.
    #[rhai_fn(name = "+")]
    pub fn int_plus(n: INT, secret: Secret) -> Secret {
        secret.joined(&n.to_string(), "")
    }

    // `secret + 42`: a secret.
    #[rhai_fn(name = "+")]
    pub fn plus_int(secret: Secret, n: INT) -> Secret {
        secret.joined("", &n.to_string())
    }

    // `secret += "text"`: still a secret.
    #[rhai_fn(name = "+=", name = "append")]
    pub fn append_string(secret: &mut Secret, text: ImmutableString) {
        *secret = secret.joined("", &text);
    }

    // `secret += secret`: still a secret.
    #[rhai_fn(name = "+=", name = "append")]
    pub fn append_secret(secret: &mut Secret, other: Secret) {
        *secret = secret.joined("", other.expose());
    }

    // `secret += 'c'`: still a secret.
    #[rhai_fn(name = "+=", name = "append")]
    pub fn append_char(secret: &mut Secret, c: char) {
        *secret = secret.joined("", &c.to_string());
    }

    // `secret += 42`: still a secret.
    #[rhai_fn(name = "+=", name = "append")]
    pub fn append_int(secret: &mut Secret, n: INT) {
        *secret = secret.joined("", &n.to_string());
    }

    // `text += secret` cannot turn the plain string `text` into a secret in place.
    #[rhai_fn(name = "+=", name = "append", return_raw)]
    pub fn string_append_secret(
        _text: &mut ImmutableString,
        _secret: Secret,
    ) -> Result<(), Box<EvalAltResult>> {
        Err(Box::new(EvalAltResult::ErrorRuntime(
            "`text += secret` would make the secret plain text; write `text = text + secret` (a secret)"
                .into(),
            Position::NONE,
        )))
    }

    // Part of a secret, from character `start` (negative: from the end), `len` characters:
    // a secret.
    #[rhai_fn(name = "sub_string")]
    pub fn sub_string_len(secret: &mut Secret, start: INT, len: INT) -> Secret {
        secret.map(|text| sub(text, start, len))
    }

    // A secret from character `start` (negative: from the end) to its end: a secret.
    #[rhai_fn(name = "sub_string")]
    pub fn sub_string_from(secret: &mut Secret, start: INT) -> Secret {
        secret.map(|text| sub(text, start, INT::MAX))
    }

    // Replaces every `find` in a secret with `with` (in place): still a secret.
    #[rhai_fn(name = "replace")]
    pub fn replace_string(secret: &mut Secret, find: &str, with: &str) {
        *secret = secret.map(|text| text.replace(find, with));
    }

    // Replaces every `find` in a secret with a secret's value (in place): still a secret.
    #[rhai_fn(name = "replace")]
    pub fn replace_secret(secret: &mut Secret, find: &str, with: Secret) {
        *secret = secret.map(|text| text.replace(find, with.expose()));
    }

    // Removes white space at both ends of a secret (in place): still a secret.
    #[rhai_fn(name = "trim")]
    pub fn trim(secret: &mut Secret) {
        *secret = secret.map(|text| text.trim().to_string());
    }

    // A secret in upper case: a secret.
    #[rhai_fn(name = "to_upper")]
    pub fn to_upper(secret: &mut Secret) -> Secret {
        secret.map(str::to_uppercase)
    }

    // A secret in lower case: a secret.
    #[rhai_fn(name = "to_lower")]
    pub fn to_lower(secret: &mut Secret) -> Secret {
        secret.map(str::to_lowercase)
    }

    // How many characters a secret has.
    #[rhai_fn(name = "len", get = "len")]
    pub fn len(secret: &mut Secret) -> INT {
        secret.expose().chars().count() as INT
    }

    // Is a secret empty?
    #[rhai_fn(name = "is_empty", get = "is_empty")]
    pub fn is_empty(secret: &mut Secret) -> bool {
        secret.expose().is_empty()
    }

    // Two secrets with the same value are equal.
    #[rhai_fn(name = "==")]
    pub fn eq(secret: &mut Secret, other: Secret) -> bool {
        secret.expose() == other.expose()
    }

    // Two secrets with different values are not equal.
    #[rhai_fn(name = "!=")]
    pub fn ne(secret: &mut Secret, other: Secret) -> bool {
        secret.expose() != other.expose()
    }
}

/// `sub_string` as Rhai counts: characters, a negative start from the end.
fn sub(text: &str, start: rhai::INT, len: rhai::INT) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len() as rhai::INT;
    let start = if start < 0 {
        (n + start).max(0)
    } else {
        start.min(n)
    };
    let len = len.clamp(0, n - start);
    chars[start as usize..(start + len) as usize]
        .iter()
        .collect()
}

/// Registers the operations.
pub fn register(engine: &mut rhai::Engine) {
    engine.register_global_module(exported_module!(secret_ops).into());
}

#[cfg(test)]
mod tests {
    use super::sub;

    #[test]
    fn sub_string_counts_like_rhai() {
        assert_eq!(sub("abcdef", 1, 3), "bcd");
        assert_eq!(sub("abcdef", -2, 10), "ef");
        assert_eq!(sub("abcdef", 10, 2), "");
        assert_eq!(sub("abcdef", 2, -1), "");
    }
}
