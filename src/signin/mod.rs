//! Signing in from a runbook: `cognito::sign_in`, `cognito::secret_hash`,
//! `cognito::set_up_totp`, and the global `totp`, `hmac_sha256`, `sha256`, `base64_encode`,
//! `base64_decode` ([`crypto`]).
//!
//! `sign_in` does what an app does, through the same call path as every other call (each
//! `InitiateAuth` / `RespondToAuthChallenge` is checked, journaled with its secrets masked, and
//! planned in a dry run):
//!
//! 1. `USER_SRP_AUTH` by default ([`srp`]: the password never leaves the machine), or
//!    `USER_PASSWORD_AUTH` / `ADMIN_USER_PASSWORD_AUTH` when `Flow` says so;
//! 2. `SECRET_HASH` on every step when the app client has a secret: `ClientSecret` if given,
//!    else read with `DescribeUserPoolClient`;
//! 3. each challenge answered from the options: `PASSWORD_VERIFIER` (SRP), `NEW_PASSWORD_REQUIRED`
//!    (`NewPassword`), `MFA_SETUP` (`SetUpTotp: true`: associate a software token, verify it with a
//!    computed code), `SOFTWARE_TOKEN_MFA` and `SELECT_MFA_TYPE` (`TotpSecret`); any other, or one
//!    whose option is missing, is an error naming the challenge and the option that answers it.
//!
//! Tokens, sessions, TOTP secrets and otpauth URIs come back as secret values.

pub mod crypto;
pub mod srp;

use rhai::plugin::*;
use rhai::{Array, Dynamic, EvalAltResult, Map, NativeCallContext};

use crate::context::Context;
use crate::engine::glue::{fail, text_arg, throw};
use crate::value::{self, member, member_text, secret};

/// The options `sign_in` takes.
const OPTIONS: &[&str] = &[
    "Flow",
    "ClientSecret",
    "NewPassword",
    "TotpSecret",
    "SetUpTotp",
    "DeviceName",
];

/// The flows `sign_in` speaks.
const FLOWS: &[&str] = &[
    "USER_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
];

/// Rounds of challenges before giving up (a real sign-in needs at most four).
const MAX_ROUNDS: usize = 8;

/// What sign_in was asked, read once.
struct Options {
    flow: String,
    client_secret: Option<String>,
    new_password: Option<String>,
    totp_secret: Option<String>,
    set_up_totp: bool,
    device_name: Option<String>,
}

fn options(opts: &Map) -> Result<Options, String> {
    crate::import::options::check_option_keys(opts, OPTIONS)?;
    let text = |key: &str| -> Result<Option<String>, String> {
        match opts.get(key) {
            None => Ok(None),
            Some(v) if v.is_unit() => Ok(None),
            Some(v) => value::text_revealed(v)
                .map(Some)
                .ok_or_else(|| format!("option \"{key}\" must be a string")),
        }
    };
    let flow = text("Flow")?.unwrap_or_else(|| "USER_SRP_AUTH".into());
    if !FLOWS.contains(&flow.as_str()) {
        return Err(format!(
            "option \"Flow\" is \"{flow}\"; sign_in speaks {}",
            FLOWS.join(", ")
        ));
    }
    let set_up_totp = match opts.get("SetUpTotp") {
        None => false,
        Some(v) => v
            .as_bool()
            .map_err(|_| "option \"SetUpTotp\" must be true or false")?,
    };
    Ok(Options {
        flow,
        client_secret: text("ClientSecret")?,
        new_password: text("NewPassword")?,
        totp_secret: text("TotpSecret")?,
        set_up_totp,
        device_name: text("DeviceName")?,
    })
}

/// `SECRET_HASH`: base64 HMAC-SHA256 of username + client id under the client secret.
pub fn secret_hash(client_id: &str, client_secret: &str, username: &str) -> String {
    crypto::hmac_base64(
        client_secret.as_bytes(),
        format!("{username}{client_id}").as_bytes(),
    )
}

/// One sign-in in progress: where, who, and how to add SECRET_HASH.
struct SignIn<'a> {
    ctx: &'a Context,
    pos: rhai::Position,
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
    admin: bool,
}

impl<'a> SignIn<'a> {
    /// A sign-in to the pool's app client: the client's secret from the options, else read
    /// (once per run) with DescribeUserPoolClient.
    fn of(
        ctx: &'a Context,
        pos: rhai::Position,
        pool_id: &Dynamic,
        client_id: &Dynamic,
        opts: &Options,
    ) -> Result<Self, Box<EvalAltResult>> {
        let pool_id = text_arg(pool_id, "sign_in: the pool id", pos)?;
        let client_id = text_arg(client_id, "sign_in: the client id", pos)?;
        let client_secret = match &opts.client_secret {
            Some(s) => Some(s.clone()),
            None => client_secret_of(ctx, &pool_id, &client_id, pos)?,
        };
        Ok(Self {
            ctx,
            pos,
            pool_id,
            client_id,
            client_secret,
            admin: opts.flow == "ADMIN_USER_PASSWORD_AUTH",
        })
    }

    fn call(&self, name: &str, request: Map) -> Result<Dynamic, Box<EvalAltResult>> {
        self.ctx
            .call_named("cognito", name, request)
            .map_err(|e| throw(e, self.pos))
    }

    /// Adds SECRET_HASH for `username` when the client has a secret.
    fn with_hash(&self, mut params: Map, username: &str) -> Map {
        if let Some(client_secret) = &self.client_secret {
            params.insert(
                "SECRET_HASH".into(),
                secret(secret_hash(&self.client_id, client_secret, username)),
            );
        }
        params
    }

    /// Answers a challenge (`RespondToAuthChallenge`, or the admin one for the admin flow).
    fn respond(
        &self,
        challenge: &str,
        session: &Dynamic,
        responses: Map,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut request = Map::new();
        request.insert("ChallengeName".into(), challenge.into());
        request.insert("ChallengeResponses".into(), responses.into());
        if !session.is_unit() {
            request.insert("Session".into(), session.clone());
        }
        self.send("respond_to_auth_challenge", request)
    }

    /// Sends `name` (or its `admin_` form in the admin flow, with the pool) for this client.
    fn send(&self, name: &str, mut request: Map) -> Result<Dynamic, Box<EvalAltResult>> {
        request.insert("ClientId".into(), self.client_id.clone().into());
        if self.admin {
            request.insert("UserPoolId".into(), self.pool_id.clone().into());
            self.call(&format!("admin_{name}"), request)
        } else {
            self.call(name, request)
        }
    }

    /// The first call of the flow.
    fn initiate(
        &self,
        flow: &str,
        username: &str,
        password: &str,
        srp: &srp::Client,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut params = Map::new();
        params.insert("USERNAME".into(), username.into());
        if flow == "USER_SRP_AUTH" {
            params.insert("SRP_A".into(), srp.public_hex().into());
        } else {
            params.insert("PASSWORD".into(), secret(password.to_string()));
        }
        let mut request = Map::new();
        request.insert("AuthFlow".into(), flow.into());
        request.insert(
            "AuthParameters".into(),
            self.with_hash(params, username).into(),
        );
        self.send("initiate_auth", request)
    }

    /// MFA_SETUP: associate a software token in this session, verify it with a code computed
    /// from its secret; returns the secret and the session to answer MFA_SETUP with.
    fn set_up_totp(
        &self,
        session: &Dynamic,
        device: Option<&str>,
    ) -> Result<(String, Dynamic), Box<EvalAltResult>> {
        let mut request = Map::new();
        request.insert("Session".into(), session.clone());
        let associated = self.call("associate_software_token", request)?;
        let totp_secret = member_text(&associated, "SecretCode");
        let mut request = Map::new();
        request.insert("Session".into(), member(&associated, "Session"));
        let code = crypto::totp_code(&totp_secret, crypto::now())
            .map_err(|e| fail(format!("sign_in: MFA_SETUP: {e}"), self.pos))?;
        request.insert("UserCode".into(), secret(code));
        if let Some(device) = device {
            request.insert("FriendlyDeviceName".into(), device.into());
        }
        let verified = self.call("verify_software_token", request)?;
        Ok((totp_secret, member(&verified, "Session")))
    }
}

/// The error for a challenge sign_in cannot answer with what it was given.
fn unanswered(challenge: &str, pos: rhai::Position) -> Box<EvalAltResult> {
    let how = match challenge {
        "NEW_PASSWORD_REQUIRED" => {
            "the user must set a new password: pass #{ NewPassword: … } (generate_password makes one)"
        }
        "MFA_SETUP" => "the pool requires MFA and the user has none: pass #{ SetUpTotp: true }",
        "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" => {
            "the user signs in with a TOTP code: pass #{ TotpSecret: … } (what SetUpTotp returned)"
        }
        "SMS_MFA" | "EMAIL_OTP" => {
            "the code goes to the user's phone or inbox; answer it with cognito::respond_to_auth_challenge"
        }
        _ => {
            "sign_in answers PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, MFA_SETUP, SOFTWARE_TOKEN_MFA and SELECT_MFA_TYPE; answer it with cognito::respond_to_auth_challenge"
        }
    };
    fail(
        format!("sign_in: the service asks for {challenge}: {how}"),
        pos,
    )
}

/// Runs a whole sign-in; see the module doc.
fn sign_in(
    ctx: &Context,
    call: &NativeCallContext,
    args: [Dynamic; 4],
    opts: Map,
) -> Result<Map, Box<EvalAltResult>> {
    let pos = call.call_position();
    let [pool_id, client_id, username, password] = args;
    let username = text_arg(&username, "sign_in: the username", pos)?;
    let password = text_arg(&password, "sign_in: the password", pos)?;
    let opts = options(&opts).map_err(|e| fail(format!("sign_in: {e}"), pos))?;
    let flow = SignIn::of(ctx, pos, &pool_id, &client_id, &opts)?;
    let srp_client = srp::Client::new();
    let mut answer = flow.initiate(&opts.flow, &username, &password, &srp_client)?;
    let mut answered: Array = Array::new();
    let mut totp_secret: Option<String> = opts.totp_secret.clone();
    let mut set_up: Option<String> = None;
    for _ in 0..MAX_ROUNDS {
        let challenge = member_text(&answer, "ChallengeName");
        if challenge.is_empty() || ctx.dry_run() {
            break;
        }
        let params = member(&answer, "ChallengeParameters");
        // The name the service knows the user by (a UUID in an email-as-username pool).
        let user = ["USER_ID_FOR_SRP", "USERNAME"]
            .map(|key| member_text(&params, key))
            .into_iter()
            .find(|u| !u.is_empty())
            .unwrap_or_else(|| username.clone());
        let session = member(&answer, "Session");
        let mut responses = Map::new();
        responses.insert("USERNAME".into(), user.clone().into());
        let mut session_for_answer = session.clone();
        match challenge.as_str() {
            "PASSWORD_VERIFIER" => {
                responses.extend(password_claim(
                    &srp_client,
                    &flow.pool_id,
                    &params,
                    &user,
                    &password,
                    pos,
                )?);
            }
            "NEW_PASSWORD_REQUIRED" => {
                let Some(new_password) = &opts.new_password else {
                    return Err(unanswered(&challenge, pos));
                };
                responses.insert("NEW_PASSWORD".into(), secret(new_password.clone()));
            }
            "MFA_SETUP" if opts.set_up_totp => {
                let (made, verified_session) =
                    flow.set_up_totp(&session, opts.device_name.as_deref())?;
                totp_secret = Some(made.clone());
                set_up = Some(made);
                session_for_answer = verified_session;
            }
            "SELECT_MFA_TYPE" if totp_secret.is_some() => {
                responses.insert("ANSWER".into(), "SOFTWARE_TOKEN_MFA".into());
            }
            "SOFTWARE_TOKEN_MFA" if totp_secret.is_some() => {
                let code =
                    crypto::totp_code(totp_secret.as_deref().unwrap_or_default(), crypto::now())
                        .map_err(|e| fail(format!("sign_in: {challenge}: {e}"), pos))?;
                responses.insert("SOFTWARE_TOKEN_MFA_CODE".into(), secret(code));
            }
            other => return Err(unanswered(other, pos)),
        }
        let responses = flow.with_hash(responses, &user);
        answered.push(challenge.clone().into());
        answer = flow.respond(&challenge, &session_for_answer, responses)?;
    }
    let remaining = member_text(&answer, "ChallengeName");
    if !remaining.is_empty() && !ctx.dry_run() {
        return Err(fail(
            format!("sign_in: still challenged ({remaining}) after {MAX_ROUNDS} answers"),
            pos,
        ));
    }
    let mut out = Map::new();
    out.insert(
        "AuthenticationResult".into(),
        member(&answer, "AuthenticationResult"),
    );
    out.insert("Challenges".into(), answered.into());
    if let Some(made) = set_up {
        out.insert("TotpSecret".into(), secret(made));
    }
    Ok(out)
}

/// The answer to PASSWORD_VERIFIER: SRP's password claim over the service's challenge
/// (timestamp, the secret block echoed, the signature).
fn password_claim(
    client: &srp::Client,
    pool_id: &str,
    params: &Dynamic,
    user: &str,
    password: &str,
    pos: rhai::Position,
) -> Result<Map, Box<EvalAltResult>> {
    let block = member_text(params, "SECRET_BLOCK");
    let srp_b = member_text(params, "SRP_B");
    let salt = member_text(params, "SALT");
    let challenge = srp::Challenge {
        srp_b: &srp_b,
        salt: &salt,
        secret_block: &block,
        user_id: user,
    };
    let timestamp = srp::timestamp(crypto::now() as i64);
    let signature = client
        .signature(pool_id, &challenge, password, &timestamp)
        .map_err(|e| fail(format!("sign_in: PASSWORD_VERIFIER: {e}"), pos))?;
    let mut responses = Map::new();
    responses.insert("TIMESTAMP".into(), timestamp.into());
    responses.insert("PASSWORD_CLAIM_SECRET_BLOCK".into(), secret(block));
    responses.insert("PASSWORD_CLAIM_SIGNATURE".into(), secret(signature));
    Ok(responses)
}

/// The app client's secret (`None`: it has none), read once per run with
/// DescribeUserPoolClient. A client the caller may not describe is taken as having none: the
/// service then says what is missing.
fn client_secret_of(
    ctx: &Context,
    pool_id: &str,
    client_id: &str,
    pos: rhai::Position,
) -> Result<Option<String>, Box<EvalAltResult>> {
    let key = (pool_id.to_string(), client_id.to_string());
    if let Some(known) = ctx.client_secrets.borrow().get(&key) {
        return Ok(known.clone());
    }
    let mut request = Map::new();
    request.insert("UserPoolId".into(), pool_id.into());
    request.insert("ClientId".into(), client_id.into());
    let found = match ctx.call_named("cognito", "describe_user_pool_client", request) {
        Ok(described) => {
            let text = member_text(&member(&described, "UserPoolClient"), "ClientSecret");
            (!text.is_empty()).then_some(text)
        }
        Err(e) if e.code == "AccessDeniedException" => None,
        Err(e) => return Err(throw(e, pos)),
    };
    ctx.client_secrets.borrow_mut().insert(key, found.clone());
    Ok(found)
}

/// `set_up_totp(access_token)`: associate, verify with a computed code, make it the user's
/// preferred MFA; the secret and an otpauth URI for an authenticator app.
fn set_up_totp(
    ctx: &Context,
    call: &NativeCallContext,
    access_token: Dynamic,
) -> Result<Map, Box<EvalAltResult>> {
    let pos = call.call_position();
    let token = text_arg(&access_token, "set_up_totp: the access token", pos)?;
    let token: Dynamic = secret(token);
    let run = |name: &str, pairs: &[(&str, Dynamic)]| {
        ctx.call_named("cognito", name, value::map_of(pairs))
            .map_err(|e| throw(e, pos))
    };
    let user = run("get_user", &[("AccessToken", token.clone())])?;
    let username = member_text(&user, "Username");
    let associated = run(
        "associate_software_token",
        &[("AccessToken", token.clone())],
    )?;
    let totp_secret = member_text(&associated, "SecretCode");
    if ctx.dry_run() {
        return Ok(Map::new());
    }
    let code = crypto::totp_code(&totp_secret, crypto::now())
        .map_err(|e| fail(format!("set_up_totp: {e}"), pos))?;
    let _: Dynamic = run(
        "verify_software_token",
        &[("AccessToken", token.clone()), ("UserCode", secret(code))],
    )?;
    let mut settings = Map::new();
    settings.insert("Enabled".into(), true.into());
    settings.insert("PreferredMfa".into(), true.into());
    let _: Dynamic = run(
        "set_user_mfa_preference",
        &[
            ("AccessToken", token),
            ("SoftwareTokenMfaSettings", settings.into()),
        ],
    )?;
    let uri = totp_rs::Builder::new()
        .with_secret(
            totp_rs::Secret::try_from_base32(&totp_secret)
                .map_err(|_| fail("set_up_totp: the service's secret is not base32", pos))?,
        )
        .with_account_name(username.replace(':', "_"))
        .with_issuer(Some("Cognito"))
        .build_noncompliant()
        .to_url()
        .map_err(|e| fail(format!("set_up_totp: {e}"), pos))?;
    let mut out = Map::new();
    out.insert("TotpSecret".into(), secret(totp_secret));
    out.insert("uri".into(), secret(uri));
    Ok(out)
}

/// Registers the global helpers: `totp`, `hmac_sha256`, `sha256`, `base64_encode`,
/// `base64_decode`.
pub fn register_global(engine: &mut rhai::Engine) {
    engine.register_global_module(rhai::exported_module!(crypto::crypto).into());
}

/// `cognito::sign_in`, `secret_hash` and `set_up_totp`, merged into the `cognito` namespace
/// by the engine. A parameter declared `SecretText` (shown as `secret`) is a secret a literal
/// typed in the REPL is masked at.
#[export_module]
pub mod signin_functions {
    use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};

    use crate::engine::glue::{context, text_arg};
    use crate::value::{Secret, SecretText};

    /// Signs a user in as an app does and returns #{ AuthenticationResult, Challenges, TotpSecret? } (tokens and secrets masked): SRP (USER_SRP_AUTH) by default, SECRET_HASH added when the client has a secret, challenges answered from the options. Options: Flow (USER_SRP_AUTH, USER_PASSWORD_AUTH or ADMIN_USER_PASSWORD_AUTH), ClientSecret (else read with DescribeUserPoolClient), NewPassword (answers NEW_PASSWORD_REQUIRED), SetUpTotp: true (answers MFA_SETUP: associates and verifies a software token, returned as TotpSecret), TotpSecret (answers SOFTWARE_TOKEN_MFA and SELECT_MFA_TYPE with a computed code), DeviceName (the token's friendly name).
    #[rhai_fn(return_raw)]
    pub fn sign_in(
        call: NativeCallContext,
        pool_id: Dynamic,
        client_id: Dynamic,
        username: Dynamic,
        password: SecretText,
    ) -> Result<Map, Box<EvalAltResult>> {
        sign_in_with(call, pool_id, client_id, username, password, Map::new())
    }

    /// `sign_in` with options: Flow, ClientSecret, NewPassword, SetUpTotp, TotpSecret, DeviceName.
    #[rhai_fn(name = "sign_in", return_raw)]
    pub fn sign_in_with(
        call: NativeCallContext,
        pool_id: Dynamic,
        client_id: Dynamic,
        username: Dynamic,
        password: SecretText,
        options: Map,
    ) -> Result<Map, Box<EvalAltResult>> {
        let ctx = context(&call)?;
        let args = [pool_id, client_id, username, password];
        super::sign_in(&ctx, &call, args, options)
    }

    /// The SECRET_HASH an app client with a secret must send: base64 HMAC-SHA256 of username + client id under the client secret; prints as ********.
    #[rhai_fn(return_raw)]
    pub fn secret_hash(
        call: NativeCallContext,
        client_id: Dynamic,
        client_secret: SecretText,
        username: Dynamic,
    ) -> Result<Secret, Box<EvalAltResult>> {
        let pos = call.call_position();
        let id = text_arg(&client_id, "secret_hash: the client id", pos)?;
        let key = text_arg(&client_secret, "secret_hash: the client secret", pos)?;
        let user = text_arg(&username, "secret_hash: the username", pos)?;
        Ok(Secret::new(super::secret_hash(&id, &key, &user)))
    }

    /// Gives the signed-in user a TOTP authenticator: associates a software token, verifies it with a computed code and makes it the preferred MFA; returns #{ TotpSecret, uri } (both secrets; uri is the otpauth:// link an authenticator app reads).
    #[rhai_fn(return_raw)]
    pub fn set_up_totp(
        call: NativeCallContext,
        access_token: SecretText,
    ) -> Result<Map, Box<EvalAltResult>> {
        super::set_up_totp(&*context(&call)?, &call, access_token)
    }
}
