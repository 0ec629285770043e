//! `cognito::generate_password(pool_id)`: a random password the pool's policy accepts.
//!
//! Runbooks that set passwords should not carry them as literals. This reads the pool's
//! `PasswordPolicy` and returns a [`Secret`](crate::value::Secret) with at least one character
//! of every class Cognito knows (so any combination of requirements is met), at least 16
//! characters long or the policy's minimum if that is longer.

use std::rc::Rc;

use rand::RngExt;
use rand::seq::SliceRandom;
use rhai::{Dynamic, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use crate::context::Context;
use crate::engine::glue::throw;
use crate::value::secret;

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

/// Registers `cognito::generate_password`.
pub fn register(module: &mut Module, ctx: &Rc<Context>) {
    let c = ctx.clone();
    FuncRegistration::new("generate_password")
        .in_internal_namespace()
        .with_params_info(["pool_id: String", "secret"])
        .with_comments([
            "/// A random password that satisfies the pool's password policy; prints as ********.",
        ])
        .set_into_module(
            module,
            move |call: NativeCallContext,
                  pool_id: Dynamic|
                  -> Result<Dynamic, Box<EvalAltResult>> {
                let pos = call.call_position();
                let mut request = Map::new();
                request.insert("UserPoolId".into(), pool_id);
                let pool = c
                    .call_named("cognito", "describe_user_pool", request)
                    .map_err(|e| throw(e, pos))?;
                let min = minimum_length(&pool).unwrap_or(8).clamp(6, 99) as usize;
                Ok(secret(generate(min.max(16))))
            },
        );
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
