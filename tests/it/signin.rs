//! Signing in from a runbook: SRP, SECRET_HASH, new-password and TOTP challenges, against the
//! emulator's real server side (which logs each check it makes), and against an independent
//! SRP client (`pycognito`).

use crate::common::*;

/// The checks the emulator made for one app client: (check, ok) pairs, oldest first.
fn checks(client: &str) -> Vec<(String, bool)> {
    let (status, body) = emulator_http("GET", "/_runbook/auth", "");
    assert_eq!(status, 200, "{body}");
    let log: Vec<serde_json::Value> = serde_json::from_str(&body).expect("JSON");
    log.iter()
        .filter(|e| e["client"] == client)
        .map(|e| {
            (
                e["check"].as_str().unwrap_or("").to_string(),
                e["ok"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// A pool, an app client (`client_options` its extra members), and `alice` with `password`
/// set permanently; the script's own lines follow. Prints the client id first.
fn signing_in(client_options: &str, body: &str) -> std::path::PathBuf {
    script(&format!(
        r#"let pool = cognito::create_user_pool("{}").UserPool.Id;
let client = cognito::create_user_pool_client(pool, "app", #{{ ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]{client_options} }}).UserPoolClient.ClientId;
print(client);
cognito::admin_create_user(pool, "alice", #{{ MessageAction: "SUPPRESS" }});
cognito::admin_set_user_password(pool, "alice", secret("ALICE_PASSWORD"), true);
{body}
cognito::delete_user_pool(pool);
"#,
        unique("signin")
    ))
}

fn run_signing_in(path: &std::path::Path) -> (String, String) {
    let out = runbook()
        .env("ALICE_PASSWORD", "Alice#Pass1word")
        .args(["run", "--yes"])
        .arg(path)
        .output()
        .expect("runs");
    let text = ok(&out);
    let client = text.lines().next().unwrap_or_default().to_string();
    (client, text)
}

#[test]
fn srp_signs_in_with_the_right_password_and_is_refused_the_wrong_one() {
    let (client, text) = run_signing_in(&signing_in(
        "",
        r#"let r = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"));
print(to_json(r.Challenges));
print(cognito::get_user(#{ AccessToken: r.AuthenticationResult.AccessToken }).Username);
let e = expect_error("NotAuthorizedException", || cognito::sign_in(pool, client, "alice", "Wrong#Pass1word"));
print(e.message);
for flow in ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"] {
    print(cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ Flow: flow }).AuthenticationResult.TokenType);
}
let e = expect_error("NotAuthorizedException", || cognito::sign_in(pool, client, "alice", "Wrong#Pass1word", #{ Flow: "USER_PASSWORD_AUTH" }));"#,
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "[\"PASSWORD_VERIFIER\"]",
            "alice",
            "Incorrect username or password.",
            "Bearer",
            "Bearer"
        ],
        "{text}"
    );
    // The emulator verified the SRP signature both times, and the passwords of the others.
    assert_eq!(
        checks(&client),
        [
            ("srp".to_string(), true),
            ("srp".to_string(), false),
            ("password".to_string(), true),
            ("password".to_string(), true),
            ("password".to_string(), false),
        ]
    );
}

#[test]
fn a_client_with_a_secret_gets_its_secret_hash_without_being_told() {
    let (client, text) = run_signing_in(&signing_in(
        ", GenerateSecret: true",
        r#"let r = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"));
print(to_json(r.Challenges));
let e = expect_error("NotAuthorizedException", || cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ ClientSecret: "not-the-secret" }));
print(e.message);
let s = cognito::describe_user_pool_client(pool, client).UserPoolClient.ClientSecret;
let hash = cognito::secret_hash(client, s, "alice");
print(hash);
let a = cognito::admin_initiate_auth(#{ UserPoolId: pool, ClientId: client, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
    AuthParameters: #{ USERNAME: "alice", PASSWORD: secret("ALICE_PASSWORD"), SECRET_HASH: hash } });
print(a.AuthenticationResult.TokenType);"#,
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "[\"PASSWORD_VERIFIER\"]", "{text}");
    assert_eq!(
        lines[2],
        format!("Unable to verify secret hash for client {client}")
    );
    assert_eq!(lines[3], "********", "a SECRET_HASH is a secret: {text}");
    assert_eq!(lines[4], "Bearer", "{text}");
    assert_eq!(
        checks(&client),
        [
            // InitiateAuth, then the PASSWORD_VERIFIER answer: both hashed, the SRP verified.
            ("secret_hash".to_string(), true),
            ("secret_hash".to_string(), true),
            ("srp".to_string(), true),
            ("secret_hash".to_string(), false),
            ("secret_hash".to_string(), true),
            ("password".to_string(), true),
        ]
    );
}

#[test]
fn a_temporary_password_is_replaced_on_the_first_sign_in() {
    let (client, text) = run_signing_in(&signing_in(
        "",
        r#"cognito::admin_create_user(pool, "bob", #{ TemporaryPassword: "Temp#Pass1word", MessageAction: "SUPPRESS" });
try { cognito::sign_in(pool, client, "bob", "Temp#Pass1word"); } catch (e) { print(e); }
let r = cognito::sign_in(pool, client, "bob", "Temp#Pass1word", #{ NewPassword: "Bobs#New1password" });
print(to_json(r.Challenges));
print(cognito::admin_get_user(pool, "bob").UserStatus);
print(to_json(cognito::sign_in(pool, client, "bob", "Bobs#New1password").Challenges));
expect_error("NotAuthorizedException", || cognito::sign_in(pool, client, "bob", "Temp#Pass1word"));"#,
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("sign_in: the service asks for NEW_PASSWORD_REQUIRED")
            && lines[1].contains("NewPassword"),
        "{text}"
    );
    assert_eq!(
        lines[2..5],
        [
            "[\"PASSWORD_VERIFIER\",\"NEW_PASSWORD_REQUIRED\"]",
            "CONFIRMED",
            "[\"PASSWORD_VERIFIER\"]"
        ],
        "{text}"
    );
    let srp: Vec<bool> = checks(&client)
        .into_iter()
        .filter(|(c, _)| c == "srp")
        .map(|(_, ok)| ok)
        .collect();
    assert_eq!(srp, [true, true, true, false]);
}

#[test]
fn an_mfa_pool_sets_up_totp_then_asks_for_its_codes() {
    let (client, text) = run_signing_in(&signing_in(
        "",
        r#"cognito::set_user_pool_mfa_config(#{ UserPoolId: pool, MfaConfiguration: "ON", SoftwareTokenMfaConfiguration: #{ Enabled: true } });
try { cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD")); } catch (e) { print(e); }
let first = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ SetUpTotp: true, DeviceName: "runbook" });
print(to_json(first.Challenges));
print(first.TotpSecret);
print(type_of(first.TotpSecret));
let code = totp(first.TotpSecret);
print(code.len());
let again = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ TotpSecret: first.TotpSecret });
print(to_json(again.Challenges));
print(again.AuthenticationResult.TokenType);
expect_error("CodeMismatchException", || cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ TotpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }));
try { cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD")); } catch (e) { print(e); }"#,
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("sign_in: the service asks for MFA_SETUP")
            && lines[1].contains("SetUpTotp: true"),
        "{text}"
    );
    assert_eq!(
        lines[2..8],
        [
            "[\"PASSWORD_VERIFIER\",\"MFA_SETUP\"]",
            "********",
            "secret",
            "6",
            "[\"PASSWORD_VERIFIER\",\"SOFTWARE_TOKEN_MFA\"]",
            "Bearer"
        ],
        "{text}"
    );
    assert!(
        lines[8].contains("SOFTWARE_TOKEN_MFA") && lines[8].contains("TotpSecret"),
        "{text}"
    );
    let totp: Vec<bool> = checks(&client)
        .into_iter()
        .filter(|(c, _)| c == "totp")
        .map(|(_, ok)| ok)
        .collect();
    // Verified when set up, accepted at the next sign-in, refused for another secret.
    assert_eq!(totp, [true, true, false]);
}

#[test]
fn no_password_token_or_totp_secret_reaches_output_journal_or_history() {
    let app = app_id("signin_secrets");
    let dir = temp_dir();
    let journal = dir.join("journal.jsonl");
    let path = signing_in(
        ", GenerateSecret: true",
        r#"cognito::set_user_pool_mfa_config(#{ UserPoolId: pool, MfaConfiguration: "ON", SoftwareTokenMfaConfiguration: #{ Enabled: true } });
let r = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ SetUpTotp: true });
print(r);
print(to_json(r));
debug(r);
print(`${r.TotpSecret} ${r.AuthenticationResult.AccessToken}`);
let again = cognito::sign_in(pool, client, "alice", secret("ALICE_PASSWORD"), #{ TotpSecret: r.TotpSecret });
let t = cognito::set_up_totp(again.AuthenticationResult.AccessToken);
print(t);
print(sha256(t.TotpSecret));
print(hmac_sha256(t.uri, "x"));
print(base64_encode(t.TotpSecret));"#,
    );
    let out = runbook_as(&app)
        .env("ALICE_PASSWORD", "Alice#Pass1word")
        .args(["run", "--yes", "--journal"])
        .arg(&journal)
        .arg(&path)
        .output()
        .expect("runs");
    let text = ok(&out) + &stderr(&out);
    let written = std::fs::read_to_string(&journal).expect("journal");
    // The real values, from what the emulator answered.
    let mut secrets: Vec<String> = vec!["Alice#Pass1word".into()];
    for request in recorded(&app) {
        let response: serde_json::Value =
            serde_json::from_str(request["response"].as_str().unwrap_or("{}")).unwrap_or_default();
        for key in ["SecretCode", "Session"] {
            if let Some(v) = response[key].as_str() {
                secrets.push(v.to_string());
            }
        }
        if let Some(v) = response["ChallengeParameters"]["SECRET_BLOCK"].as_str() {
            secrets.push(v.to_string());
        }
    }
    assert!(secrets.len() > 4, "{secrets:?}");
    for place in [&text, &written] {
        for secret in &secrets {
            assert!(
                !place.contains(secret.as_str()),
                "{secret} leaked:\n{place}"
            );
        }
        assert!(!place.contains("eyJ"), "a token leaked:\n{place}");
        assert!(!place.contains("otpauth://"), "a TOTP URI leaked:\n{place}");
    }
    assert!(text.contains("\"TotpSecret\": \"********\""), "{text}");

    // Typed at the REPL: the password argument is masked in the history.
    let state = temp_dir();
    let mut repl = runbook();
    repl.arg("repl").env("XDG_STATE_HOME", &state);
    fed(
        repl,
        "try { cognito::sign_in(\"us-east-1_nopool\", \"noclient\", \"alice\", \"Typed#Pass1word\", #{ NewPassword: \"Typed#New1password\" }) } catch (e) { print(e.code) }\n:quit\n",
    );
    let history = std::fs::read_to_string(state.join("runbook/history")).expect("history");
    assert!(history.contains("cognito::sign_in"), "{history}");
    assert!(!history.contains("Typed#"), "{history}");
}

#[test]
fn the_emulators_srp_server_agrees_with_an_independent_client() {
    // pycognito's AWSSRP (installed by .ci/run) signs in through boto3: right password accepted,
    // wrong one refused, with and without a client secret.
    let program = r#"
import sys, boto3
from pycognito.aws_srp import AWSSRP
c = boto3.client("cognito-idp", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="t", aws_secret_access_key="t")
pool = c.create_user_pool(PoolName=sys.argv[2])["UserPool"]["Id"]
c.admin_create_user(UserPoolId=pool, Username="carol", MessageAction="SUPPRESS")
c.admin_set_user_password(UserPoolId=pool, Username="carol", Password="Carol#Pass1word", Permanent=True)
for secret in (False, True):
    client = c.create_user_pool_client(UserPoolId=pool, ClientName="app", GenerateSecret=secret)["UserPoolClient"]
    for password in ("Carol#Pass1word", "Wrong#Pass1word"):
        srp = AWSSRP(username="carol", password=password, pool_id=pool, client_id=client["ClientId"],
                     client_secret=client.get("ClientSecret"), client=c)
        try:
            result = srp.authenticate_user()["AuthenticationResult"]
            print(secret, password[0], "signed in", "AccessToken" in result)
        except c.exceptions.NotAuthorizedException as e:
            print(secret, password[0], "refused", e.response["Error"]["Message"])
c.delete_user_pool(UserPoolId=pool)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(program)
        .arg(endpoint())
        .arg(unique("pycognito"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pycognito (pip install pycognito) failed:\n{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            "False C signed in True",
            "False W refused Incorrect username or password.",
            "True C signed in True",
            "True W refused Incorrect username or password.",
        ]
    );
}

#[test]
fn help_and_ops_document_every_option() {
    let mut repl = bare();
    repl.args(["--endpoint-url", "http://127.0.0.1:9", "repl"]);
    let help = ok(&fed(repl, ":help sign_in\n:quit\n"));
    let ops = ok(&bare()
        .args(["ops", "cognito::sign_in"])
        .output()
        .expect("runs"));
    for text in [&help, &ops] {
        assert!(
            text.contains("cognito::sign_in(pool_id, client_id, username, password[, options])"),
            "{text}"
        );
        for option in [
            "Flow (USER_SRP_AUTH, USER_PASSWORD_AUTH or ADMIN_USER_PASSWORD_AUTH)",
            "ClientSecret",
            "NewPassword (answers NEW_PASSWORD_REQUIRED)",
            "SetUpTotp: true (answers MFA_SETUP",
            "TotpSecret (answers SOFTWARE_TOKEN_MFA",
            "DeviceName",
        ] {
            assert!(text.contains(option), "{option}: {text}");
        }
    }
    // The exact name is shown alone.
    assert!(!help.contains("get_signing_certificate"), "{help}");
}

#[test]
fn an_email_as_username_pool_signs_in_by_email_with_a_secret_client() {
    // The service knows the user by a UUID: SECRET_HASH is made with the email to start, with
    // USER_ID_FOR_SRP for the answers.
    let out = runbook()
        .args(["run", "--yes"])
        .arg(script(&format!(
            r#"let pool = cognito::create_user_pool(#{{ PoolName: "{}", UsernameAttributes: ["email"] }}).UserPool.Id;
let client = cognito::create_user_pool_client(pool, "app", #{{ GenerateSecret: true }}).UserPoolClient.ClientId;
print(client);
cognito::admin_create_user(pool, "ann@example.com", #{{ TemporaryPassword: "Temp#Pass1word", MessageAction: "SUPPRESS" }});
print(to_json(cognito::sign_in(pool, client, "ann@example.com", "Temp#Pass1word", #{{ NewPassword: "Ann#New1password" }}).Challenges));
let r = cognito::sign_in(pool, client, "ann@example.com", "Ann#New1password");
print(cognito::get_user(#{{ AccessToken: r.AuthenticationResult.AccessToken }}).UserAttributes.filter(|a| a.Name == "email")[0].Value);
cognito::delete_user_pool(pool);"#,
            unique("emailsignin")
        )))
        .output()
        .expect("runs");
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "[\"PASSWORD_VERIFIER\",\"NEW_PASSWORD_REQUIRED\"]",
            "ann@example.com"
        ],
        "{text}"
    );
    let log = checks(lines[0]);
    assert!(log.iter().all(|(_, ok)| *ok), "{log:?}");
    assert_eq!(
        log.iter().filter(|(c, _)| c == "secret_hash").count(),
        5,
        "{log:?}"
    );
}
