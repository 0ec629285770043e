//! Hashes, base64 and one-time codes for runbooks: `sha256`, `hmac_sha256`, `base64_encode`,
//! `base64_decode`, `totp`. What goes in as a secret comes out as one (the HMAC of a secret
//! key is as good as the key); a TOTP code is only good for its 30 seconds and comes out as
//! text.
//!
//! SHA-2, HMAC, base64 and TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, as authenticator
//! apps and Cognito use) come from their crates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use rhai::plugin::*;
use rhai::{Dynamic, EvalAltResult, NativeCallContext};
use sha2::{Digest, Sha256};

use crate::engine::glue::{fail, text_arg};
use crate::value::{Secret, SecretText, secret};

/// Text that is a secret when any of `inputs` is one.
fn kept_secret(text: String, inputs: &[&Dynamic]) -> Dynamic {
    if inputs.iter().any(|d| d.is::<Secret>()) {
        secret(text)
    } else {
        text.into()
    }
}

/// Base64 of HMAC-SHA256(key, message), as Cognito's SECRET_HASH is made.
pub fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes a key of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(message);
    BASE64.encode(mac.finalize().into_bytes())
}

/// The fewest base32 characters (80 bits) a TOTP secret may have.
const MIN_TOTP_SECRET: usize = 16;

/// The TOTP code of a base32 `secret` (as AssociateSoftwareToken hands it out) at `unix`
/// seconds.
pub fn totp_code(secret: &str, unix: u64) -> Result<String, String> {
    let cleaned: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // RFC 4226 asks for at least 128 bits; Cognito's are 256. Fewer than 80 is no secret.
    if cleaned.len() < MIN_TOTP_SECRET {
        return Err(format!(
            "the TOTP secret is {} base32 characters; a real one has at least {MIN_TOTP_SECRET}",
            cleaned.len()
        ));
    }
    let key = totp_rs::Secret::try_from_base32(&cleaned)
        .map_err(|_| "the TOTP secret is not base32 (A–Z, 2–7)".to_string())?;
    let totp = totp_rs::Builder::new()
        .with_secret(key)
        .build_noncompliant();
    Ok(totp.generate(unix).to_string())
}

/// Now, in Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[export_module]
pub mod crypto {
    use super::*;

    /// The SHA-256 digest of `text`, as lowercase hex (as `sha256sum` prints it); a secret's
    /// digest is a secret.
    #[rhai_fn(return_raw)]
    pub fn sha256(ctx: NativeCallContext, text: Dynamic) -> Result<Dynamic, Box<EvalAltResult>> {
        let input = text_arg(&text, "sha256: the text", ctx.call_position())?;
        Ok(kept_secret(
            hex::encode(Sha256::digest(input.as_bytes())),
            &[&text],
        ))
    }

    /// The base64 HMAC-SHA256 of `message` under `key` (how Cognito's SECRET_HASH is made); a
    /// secret when the key or message is one.
    #[rhai_fn(return_raw)]
    pub fn hmac_sha256(
        ctx: NativeCallContext,
        key: Dynamic,
        message: Dynamic,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let k = text_arg(&key, "hmac_sha256: the key", pos)?;
        let m = text_arg(&message, "hmac_sha256: the message", pos)?;
        Ok(kept_secret(
            hmac_base64(k.as_bytes(), m.as_bytes()),
            &[&key, &message],
        ))
    }

    /// `text` encoded as base64; a secret's encoding is a secret.
    #[rhai_fn(return_raw)]
    pub fn base64_encode(
        ctx: NativeCallContext,
        text: Dynamic,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let input = text_arg(&text, "base64_encode: the text", ctx.call_position())?;
        Ok(kept_secret(BASE64.encode(input.as_bytes()), &[&text]))
    }

    /// The text that base64 `encoded` holds (an error if it is not base64 of UTF-8 text); a
    /// secret's decoding is a secret.
    #[rhai_fn(return_raw)]
    pub fn base64_decode(
        ctx: NativeCallContext,
        encoded: Dynamic,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let input = text_arg(&encoded, "base64_decode: the text", pos)?;
        let bytes = BASE64
            .decode(input.trim())
            .map_err(|e| fail(format!("base64_decode: not base64: {e}"), pos))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| fail("base64_decode: the decoded bytes are not UTF-8 text", pos))?;
        Ok(kept_secret(text, &[&encoded]))
    }

    /// The 6-digit TOTP code of a base32 `secret` now (RFC 6238, 30-second steps), as an
    /// authenticator app shows it; the code of a secret is a secret.
    #[rhai_fn(return_raw)]
    pub fn totp(ctx: NativeCallContext, secret: SecretText) -> Result<Dynamic, Box<EvalAltResult>> {
        totp_at(ctx, secret, now() as i64)
    }

    /// The TOTP code of `secret` at `unix_time` (seconds since 1970).
    #[rhai_fn(name = "totp", return_raw)]
    pub fn totp_at(
        ctx: NativeCallContext,
        secret: SecretText,
        unix_time: i64,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let text = text_arg(&secret, "totp: the secret", pos)?;
        let at = u64::try_from(unix_time).map_err(|_| {
            fail(
                "totp: the time must be seconds since 1970, not negative",
                pos,
            )
        })?;
        let code = totp_code(&text, at).map_err(|e| fail(format!("totp: {e}"), pos))?;
        Ok(kept_secret(code, &[&secret]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc_6238() {
        // RFC 6238 appendix B, SHA-1: the key "12345678901234567890" (base32 below), 8 digits
        // there; the last 6 here.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(totp_code(secret, 59).unwrap(), "287082");
        assert_eq!(totp_code(secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(totp_code(secret, 20_000_000_000).unwrap(), "353130");
        assert!(totp_code("not base32!", 59).is_err());
    }

    #[test]
    fn hmac_is_the_secret_hash_recipe() {
        // python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'key',
        // b'The quick brown fox jumps over the lazy dog',hashlib.sha256).digest()).decode())"
        assert_eq!(
            hmac_base64(b"key", b"The quick brown fox jumps over the lazy dog"),
            "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
        );
    }
}
