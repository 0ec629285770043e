//! `cognito::generate_password(pool_id)`: a random password the pool's policy accepts.
//!
//! Runbooks that set passwords should not carry them as literals. This reads the pool's
//! `PasswordPolicy` and returns a [`Secret`](crate::value::Secret) with at least one character
//! of every class Cognito knows (so any combination of requirements is met), at least 16
//! characters long or the policy's minimum if that is longer.

use rand::RngExt;
use rand::seq::SliceRandom;
use rhai::plugin::*;
use rhai::{Dynamic, Map};

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
/// Symbols Cognito counts as special characters (a subset that needs no quoting in a shell).
const SYMBOLS: &[u8] = b"^$*.[]{}()?!@#%&_~+=-";

/// A password of `length` characters containing every class.
pub fn generate(length: usize) -> String {
    let mut rng = rand::rng();
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    let mut chars: Vec<u8> = classes
        .iter()
        .map(|class| class[rng.random_range(0..class.len())])
        .collect();
    let all: Vec<u8> = classes.concat();
    while chars.len() < length.max(classes.len()) {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    String::from_utf8(chars).unwrap_or_default()
}

fn minimum_length(pool: &Dynamic) -> Option<i64> {
    let map = pool.read_lock::<Map>()?;
    let user_pool = map.get("UserPool")?.read_lock::<Map>()?.clone();
    let policies = user_pool.get("Policies")?.read_lock::<Map>()?.clone();
    let policy = policies.get("PasswordPolicy")?.read_lock::<Map>()?.clone();
    policy.get("MinimumLength")?.as_int().ok()
}

/// `cognito::generate_password`, merged into the `cognito` namespace by the engine.
#[export_module]
pub mod password_functions {
    use rhai::{EvalAltResult, Map, NativeCallContext};

    use crate::engine::glue::{context, throw};
    use crate::value::Secret;

    /// A random password that satisfies the pool's password policy; prints as ********.
    #[rhai_fn(return_raw)]
    pub fn generate_password(
        call: NativeCallContext,
        pool_id: Dynamic,
    ) -> Result<Secret, Box<EvalAltResult>> {
        let mut request = Map::new();
        request.insert("UserPoolId".into(), pool_id);
        let pool = context(&call)?
            .call_named("cognito", "describe_user_pool", request)
            .map_err(|e| throw(e, call.call_position()))?;
        let min = super::minimum_length(&pool).unwrap_or(8).clamp(6, 99) as usize;
        Ok(Secret::new(super::generate(min.max(16))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_present_and_length_is_kept() {
        for _ in 0..200 {
            let p = generate(16);
            assert_eq!(p.len(), 16);
            for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
                assert!(p.bytes().any(|b| class.contains(&b)), "{p}");
            }
        }
        assert_eq!(generate(40).len(), 40);
    }
}
