//! Cognito's SRP-6a, the client side: what `USER_SRP_AUTH` sends (`SRP_A`) and how the
//! `PASSWORD_VERIFIER` challenge is answered (the password claim signature). The password
//! never leaves the machine; the service proves it holds the password's verifier and the
//! client proves it knows the password.
//!
//! As Cognito (and its own SDKs, `amazon-cognito-identity-js`, `pycognito`) does it:
//! - the RFC 5054 3072-bit group, `g = 2`, SHA-256;
//! - numbers hashed in their "padded hex" form: the shortest even-length hex, with a `00`
//!   byte in front when the first digit is 8 or more (so it never reads as negative);
//! - `k = H(pad(N) | pad(g))`, `u = H(pad(A) | pad(B))`,
//!   `x = H(pad(salt) | H(pool_name | user_id | ":" | password))` (`pool_name`: the part of
//!   the pool id after `_`), `S = (B - k·g^x)^(a + u·x) mod N`;
//! - the key: HKDF-SHA256 of `pad(S)` salted with `pad(u)`, info `"Caldera Derived Key"`,
//!   16 bytes;
//! - the signature: base64 HMAC-SHA256 under that key of `pool_name | user_id | secret block
//!   (decoded) | timestamp`, the timestamp as `Mon Nov 30 10:32:40 UTC 2026` (day unpadded).
//!
//! Big integers, HMAC, HKDF, SHA-256 and base64 come from their crates; this file only puts
//! them together.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// The RFC 5054 3072-bit prime.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// What the service sent with `PASSWORD_VERIFIER`.
pub struct Challenge<'a> {
    /// `SRP_B`, hex.
    pub srp_b: &'a str,
    /// `SALT`, hex.
    pub salt: &'a str,
    /// `SECRET_BLOCK`, base64.
    pub secret_block: &'a str,
    /// `USER_ID_FOR_SRP`.
    pub user_id: &'a str,
}

/// Why a challenge cannot be answered.
#[derive(Debug, PartialEq, Eq)]
pub enum SrpError {
    /// A parameter is not the hex or base64 it should be.
    Malformed(&'static str),
    /// `B mod N` is 0, or `u` is 0: a broken or hostile server; the protocol forbids going on.
    Unsafe(&'static str),
}

impl std::fmt::Display for SrpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SrpError::Malformed(what) => write!(f, "the service's {what} is malformed"),
            SrpError::Unsafe(what) => {
                write!(f, "the service's {what} is unsafe (SRP forbids going on)")
            }
        }
    }
}

/// One sign-in's client side: the random `a` and the public `A` derived from it.
pub struct Client {
    n: BigUint,
    g: BigUint,
    k: BigUint,
    a: BigUint,
    big_a: BigUint,
}

impl Client {
    /// A client with `a` from 128 random bytes (retried in the never-seen case `A mod N = 0`).
    pub fn new() -> Self {
        loop {
            let bytes: [u8; 128] = rand::random();
            let client = Self::with_secret(&bytes);
            if client.big_a.clone() % &client.n != BigUint::ZERO {
                return client;
            }
        }
    }

    /// A client with a chosen `a` (big-endian bytes): for tests that need fixed numbers.
    pub fn with_secret(a: &[u8]) -> Self {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
        let g = BigUint::from(2u32);
        let k = hash_int(&[&pad(&n), &pad(&g)]);
        let a = BigUint::from_bytes_be(a);
        let big_a = g.modpow(&a, &n);
        Client { n, g, k, a, big_a }
    }

    /// `SRP_A`: what `InitiateAuth` sends, lowercase hex.
    pub fn public_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The `PASSWORD_CLAIM_SIGNATURE` for `password` at `timestamp` (see [`timestamp`]).
    pub fn signature(
        &self,
        pool_id: &str,
        challenge: &Challenge,
        password: &str,
        timestamp: &str,
    ) -> Result<String, SrpError> {
        let key = self.key(pool_id, challenge, password)?;
        let block = BASE64
            .decode(challenge.secret_block)
            .map_err(|_| SrpError::Malformed("SECRET_BLOCK"))?;
        let mut mac =
            hmac::Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SrpError::Malformed("key"))?;
        mac.update(pool_name(pool_id).as_bytes());
        mac.update(challenge.user_id.as_bytes());
        mac.update(&block);
        mac.update(timestamp.as_bytes());
        Ok(BASE64.encode(mac.finalize().into_bytes()))
    }

    /// The 16-byte key both sides derive from the shared `S`.
    fn key(
        &self,
        pool_id: &str,
        challenge: &Challenge,
        password: &str,
    ) -> Result<Vec<u8>, SrpError> {
        let n = &self.n;
        let big_b = BigUint::parse_bytes(challenge.srp_b.as_bytes(), 16)
            .ok_or(SrpError::Malformed("SRP_B"))?;
        if big_b.clone() % n == BigUint::ZERO {
            return Err(SrpError::Unsafe("SRP_B"));
        }
        let salt = BigUint::parse_bytes(challenge.salt.as_bytes(), 16)
            .ok_or(SrpError::Malformed("SALT"))?;
        let u = hash_int(&[&pad(&self.big_a), &pad(&big_b)]);
        if u == BigUint::ZERO {
            return Err(SrpError::Unsafe("SRP_B"));
        }
        let identity = Sha256::digest(
            format!("{}{}:{password}", pool_name(pool_id), challenge.user_id).as_bytes(),
        );
        let x = hash_int(&[&pad(&salt), &identity]);
        // S = (B - k·g^x)^(a + u·x) mod N, kept non-negative by adding k·N first.
        let kgx = (&self.k * self.g.modpow(&x, n)) % n;
        let base = ((big_b % n) + (&self.k * n) - kgx) % n;
        let s = base.modpow(&(&self.a + &u * &x), n);
        let mut key = [0u8; 16];
        hkdf::Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s))
            .expand(b"Caldera Derived Key", &mut key)
            .map_err(|_| SrpError::Malformed("key"))?;
        Ok(key.to_vec())
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

/// The pool's name as SRP uses it: the pool id after its region (`us-east-1_AbC` → `AbC`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// The `TIMESTAMP` Cognito expects, for a Unix time: `Mon Nov 30 10:32:40 UTC 2026`.
pub fn timestamp(unix: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
    );
    at.format(&format).unwrap_or_default()
}

/// A number's bytes as SRP hashes them: big-endian, with a 0 byte in front when the top bit
/// is set.
fn pad(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(0);
        out.extend(bytes);
        out
    } else {
        bytes
    }
}

/// SHA-256 of the parts, as a number.
fn hash_int(parts: &[&[u8]]) -> BigUint {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    BigUint::from_bytes_be(&hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_as_cognito_spells_them() {
        // 2026-11-30T10:32:40Z, and a single-digit day without padding.
        assert_eq!(timestamp(1_796_034_760), "Mon Nov 30 10:32:40 UTC 2026");
        assert_eq!(timestamp(1_780_000_000), "Thu May 28 20:26:40 UTC 2026");
        assert_eq!(timestamp(1_772_500_000), "Tue Mar 3 01:06:40 UTC 2026");
    }

    #[test]
    fn padding_keeps_numbers_positive() {
        assert_eq!(pad(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(pad(&BigUint::from(0x80u32)), vec![0x00, 0x80]);
        assert_eq!(pool_name("us-east-1_AbC123"), "AbC123");
    }

    /// A server that knows the password's verifier computes the same key: the two sides of
    /// SRP agree (the emulator's server side is tested against this client and `pycognito`).
    #[test]
    fn client_and_a_verifier_holding_server_derive_one_key() {
        let client = Client::with_secret(&[7u8; 128]);
        let (n, g, k) = (&client.n, &client.g, &client.k);
        let (pool, user, password, salt_hex) = ("us-east-1_Pool", "alice", "Corr3ct!", "5ad7");
        let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).unwrap();
        let identity = Sha256::digest(format!("Pool{user}:{password}").as_bytes());
        let x = hash_int(&[&pad(&salt), &identity]);
        let v = g.modpow(&x, n);
        let b = BigUint::from_bytes_be(&[3u8; 32]);
        let big_b = (k * &v + g.modpow(&b, n)) % n;
        let u = hash_int(&[&pad(&client.big_a), &pad(&big_b)]);
        let server_s = ((&client.big_a * v.modpow(&u, n)) % n).modpow(&b, n);
        let mut server_key = [0u8; 16];
        hkdf::Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&server_s))
            .expand(b"Caldera Derived Key", &mut server_key)
            .unwrap();
        let b_hex = big_b.to_str_radix(16);
        let challenge = Challenge {
            srp_b: &b_hex,
            salt: salt_hex,
            secret_block: "c2VjcmV0",
            user_id: user,
        };
        assert_eq!(
            client.key(pool, &challenge, password).unwrap(),
            server_key.to_vec()
        );
        assert_ne!(
            client.key(pool, &challenge, "wrong").unwrap(),
            server_key.to_vec()
        );
        let zero = Challenge {
            srp_b: &n.to_str_radix(16),
            ..challenge
        };
        assert_eq!(
            client.signature(pool, &zero, password, "t"),
            Err(SrpError::Unsafe("SRP_B"))
        );
    }
}
