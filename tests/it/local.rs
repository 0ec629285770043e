//! The local emulator serves every operation `runbook ops` lists, statefully: what a runbook
//! does through one operation reads back through the others as the service shows it.

use crate::common::*;

/// The operations a running emulator answers (`GET /_runbook/actions`), per service.
fn served() -> serde_json::Value {
    let (status, body) = emulator_http("GET", "/_runbook/actions", "");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("the emulator lists its actions as JSON")
}

#[test]
fn every_operation_runbook_lists_is_served_by_the_emulator() {
    let ops: Vec<serde_json::Value> = serde_json::from_str(&ok(&runbook()
        .args(["ops", "--json"])
        .output()
        .expect("runs")))
    .expect("ops --json is JSON");
    let served = served();
    let mut operations = 0;
    let mut wrong = Vec::new();
    for op in &ops {
        // Helpers carry no `local`: only the API operations do.
        let Some(local) = op["local"].as_bool() else {
            continue;
        };
        operations += 1;
        let service = match op["namespace"].as_str() {
            Some("cognito") => "cognito-idp",
            Some(other) => other,
            None => panic!("{op}"),
        };
        let name = op["name"].as_str().expect("a name");
        let answered = served[service]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == name));
        if answered != local {
            wrong.push(format!(
                "{service}:{name} (local: {local}, served: {answered})"
            ));
        }
        if !local {
            wrong.push(format!("{service}:{name} cannot be rehearsed with --local"));
        }
    }
    assert!(
        operations > 150,
        "the catalog lists {operations} operations"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs `body` after `let pool = …` (a fresh pool with threat protection) and `let client = …`
/// (a confidential client); the body asserts what it reads back.
fn in_a_pool(body: &str) -> String {
    let name = unique("extras");
    ok(&run(
        &script(&format!(
            r#"let pool = cognito::create_user_pool(#{{ PoolName: "{name}",
                   UserPoolTags: #{{ env: "dev" }},
                   UserPoolAddOns: #{{ AdvancedSecurityMode: "AUDIT" }} }}).UserPool;
               let client = cognito::create_user_pool_client(#{{ UserPoolId: pool.Id, ClientName: "app",
                   GenerateSecret: true, ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                   AllowedOAuthFlows: ["client_credentials"], AllowedOAuthScopes: ["api/read"],
                   AllowedOAuthFlowsUserPoolClient: true }}).UserPoolClient;
               {body}
               cognito::delete_user_pool(pool.Id);"#
        )),
        &[],
    ))
}

#[test]
fn tags_on_a_pool_read_back_through_describe_and_list() {
    in_a_pool(
        r#"cognito::tag_resource(#{ ResourceArn: pool.Arn, Tags: #{ team: "ops", env: "prod" } });
           assert_eq(cognito::list_tags_for_resource(#{ ResourceArn: pool.Arn }).Tags, #{ env: "prod", team: "ops" });
           cognito::untag_resource(#{ ResourceArn: pool.Arn, TagKeys: ["env"] });
           assert_eq(cognito::describe_user_pool(pool.Id).UserPool.UserPoolTags, #{ team: "ops" });
           expect_error("ResourceNotFoundException", || cognito::tag_resource(#{ ResourceArn: pool.Arn + "x", Tags: #{ a: "b" } }));"#,
    );
}

#[test]
fn resource_servers_update_and_delete() {
    in_a_pool(
        r#"cognito::create_resource_server(#{ UserPoolId: pool.Id, Identifier: "api", Name: "API",
               Scopes: [#{ ScopeName: "read", ScopeDescription: "reads" }] });
           cognito::update_resource_server(#{ UserPoolId: pool.Id, Identifier: "api", Name: "Renamed",
               Scopes: [#{ ScopeName: "write", ScopeDescription: "writes" }] });
           let rs = cognito::describe_resource_server(#{ UserPoolId: pool.Id, Identifier: "api" }).ResourceServer;
           assert_eq(rs.Name, "Renamed");
           assert_eq(rs.Scopes[0].ScopeName, "write");
           cognito::delete_resource_server(#{ UserPoolId: pool.Id, Identifier: "api" });
           expect_error("ResourceNotFoundException", || cognito::describe_resource_server(#{ UserPoolId: pool.Id, Identifier: "api" }));
           expect_error("ResourceNotFoundException", || cognito::delete_resource_server(#{ UserPoolId: pool.Id, Identifier: "api" }));"#,
    );
}

#[test]
fn pool_and_client_settings_read_back() {
    in_a_pool(
        r#"cognito::set_risk_configuration(#{ UserPoolId: pool.Id,
               RiskExceptionConfiguration: #{ BlockedIPRangeList: ["10.0.0.0/8"] } });
           // A client without its own configuration has the pool's.
           let risk = cognito::describe_risk_configuration(#{ UserPoolId: pool.Id, ClientId: client.ClientId }).RiskConfiguration;
           assert_eq(risk.RiskExceptionConfiguration.BlockedIPRangeList, ["10.0.0.0/8"]);
           assert_eq(risk.ClientId, client.ClientId);
           cognito::set_ui_customization(#{ UserPoolId: pool.Id, CSS: ".banner-customizable { padding: 1px; }" });
           let ui = cognito::get_ui_customization(#{ UserPoolId: pool.Id }).UICustomization;
           assert_eq(ui.CSS, ".banner-customizable { padding: 1px; }");
           assert_eq(ui.ClientId, "ALL");
           assert_eq(cognito::get_log_delivery_configuration(#{ UserPoolId: pool.Id }).LogDeliveryConfiguration.LogConfigurations, []);
           expect_error("InvalidParameterException", || cognito::set_log_delivery_configuration(#{ UserPoolId: pool.Id,
               LogConfigurations: [#{ LogLevel: "ERROR", EventSource: "userNotification",
                   CloudWatchLogsConfiguration: #{ LogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:absent" } }] }));
           assert(cognito::get_signing_certificate(#{ UserPoolId: pool.Id }).Certificate.starts_with("MII"), "a base64 DER certificate");
           let limit = cognito::get_provisioned_limit(#{ LimitDefinition: #{ LimitClass: "API_CATEGORY", Attributes: #{ Category: "UserCreation" } } }).Limit;
           assert_eq([limit.ProvisionedLimitValue, limit.FreeLimitValue], [50, 50]);
           cognito::update_provisioned_limit(#{ LimitDefinition: #{ LimitClass: "API_CATEGORY", Attributes: #{ Category: "UserCreation" } }, RequestedLimitValue: 80 });
           assert_eq(cognito::get_provisioned_limit(#{ LimitDefinition: #{ LimitClass: "API_CATEGORY", Attributes: #{ Category: "UserCreation" } } }).Limit.ProvisionedLimitValue, 80);
           cognito::create_user_pool_replica(#{ UserPoolId: pool.Id, RegionName: "eu-west-1" });
           cognito::update_user_pool_replica(#{ UserPoolId: pool.Id, RegionName: "eu-west-1", Status: "INACTIVE" });
           assert_eq(cognito::list_user_pool_replicas(#{ UserPoolId: pool.Id }).UserPoolReplicas.map(|r| r.Status), ["INACTIVE"]);
           cognito::delete_user_pool_replica(#{ UserPoolId: pool.Id, RegionName: "eu-west-1" });
           assert_eq(cognito::list_user_pool_replicas(#{ UserPoolId: pool.Id }).UserPoolReplicas, []);"#,
    );
}

#[test]
fn terms_branding_and_client_secrets_are_kept_per_client() {
    in_a_pool(
        r#"let t = cognito::create_terms(#{ UserPoolId: pool.Id, ClientId: client.ClientId, TermsName: "terms-of-use",
               TermsSource: "LINK", Enforcement: "NONE", Links: #{ "cognito:default": "https://example.com/terms" } }).Terms;
           expect_error("TermsExistsException", || cognito::create_terms(#{ UserPoolId: pool.Id, ClientId: client.ClientId,
               TermsName: "terms-of-use", TermsSource: "LINK", Enforcement: "NONE" }));
           cognito::update_terms(#{ UserPoolId: pool.Id, TermsId: t.TermsId, Links: #{ "cognito:default": "https://example.com/v2" } });
           assert_eq(cognito::describe_terms_by_client(#{ UserPoolId: pool.Id, ClientId: client.ClientId,
               TermsName: "terms-of-use" }).Terms.Links, #{ "cognito:default": "https://example.com/v2" });
           cognito::delete_terms(#{ UserPoolId: pool.Id, TermsId: t.TermsId });
           assert_eq(cognito::list_terms(#{ UserPoolId: pool.Id }).Terms, []);
           let b = cognito::create_managed_login_branding(#{ UserPoolId: pool.Id, ClientId: client.ClientId,
               UseCognitoProvidedValues: true }).ManagedLoginBranding;
           cognito::update_managed_login_branding(#{ UserPoolId: pool.Id, ManagedLoginBrandingId: b.ManagedLoginBrandingId,
               UseCognitoProvidedValues: false, Settings: #{ components: #{ form: #{ borderRadius: 8 } } } });
           let read = cognito::describe_managed_login_branding_by_client(#{ UserPoolId: pool.Id, ClientId: client.ClientId }).ManagedLoginBranding;
           assert_eq(read.Settings.components.form.borderRadius, 8);
           cognito::delete_managed_login_branding(#{ UserPoolId: pool.Id, ManagedLoginBrandingId: b.ManagedLoginBrandingId });
           expect_error("ResourceNotFoundException", || cognito::describe_managed_login_branding(#{ UserPoolId: pool.Id, ManagedLoginBrandingId: b.ManagedLoginBrandingId }));
           let first = cognito::list_user_pool_client_secrets(#{ UserPoolId: pool.Id, ClientId: client.ClientId }).ClientSecrets;
           assert_eq(first.len(), 1);
           let added = cognito::add_user_pool_client_secret(#{ UserPoolId: pool.Id, ClientId: client.ClientId }).ClientSecretDescriptor;
           expect_error("LimitExceededException", || cognito::add_user_pool_client_secret(#{ UserPoolId: pool.Id, ClientId: client.ClientId }));
           cognito::delete_user_pool_client_secret(#{ UserPoolId: pool.Id, ClientId: client.ClientId, ClientSecretId: first[0].ClientSecretId });
           assert_eq(cognito::list_user_pool_client_secrets(#{ UserPoolId: pool.Id, ClientId: client.ClientId })
               .ClientSecrets.map(|s| s.ClientSecretId), [added.ClientSecretId]);
           expect_error("InvalidParameterException", || cognito::delete_user_pool_client_secret(#{ UserPoolId: pool.Id, ClientId: client.ClientId, ClientSecretId: added.ClientSecretId }));"#,
    );
}

#[test]
fn a_signed_in_user_manages_devices_attributes_settings_and_tokens() {
    let out = in_a_pool(
        r#"cognito::create_resource_server(#{ UserPoolId: pool.Id, Identifier: "api", Name: "API",
               Scopes: [#{ ScopeName: "read", ScopeDescription: "reads" }] });
           cognito::admin_create_user(#{ UserPoolId: pool.Id, Username: "alice", MessageAction: "SUPPRESS",
               UserAttributes: [#{ Name: "email", Value: "alice@example.com" }, #{ Name: "name", Value: "Alice" }] });
           cognito::admin_set_user_password(pool.Id, "alice", "Long-Passw0rd!", true);
           let s = cognito::sign_in(pool.Id, client.ClientId, "alice", "Long-Passw0rd!", #{ Flow: "USER_PASSWORD_AUTH" });
           let token = s.AuthenticationResult.AccessToken;
           cognito::confirm_device(#{ AccessToken: token, DeviceKey: `${pool.Id.split("_")[0]}_d1`, DeviceName: "laptop" });
           cognito::update_device_status(#{ AccessToken: token, DeviceKey: `${pool.Id.split("_")[0]}_d1`, DeviceRememberedStatus: "remembered" });
           let device = cognito::admin_get_device(#{ UserPoolId: pool.Id, Username: "alice", DeviceKey: `${pool.Id.split("_")[0]}_d1` }).Device;
           assert_eq(device.DeviceAttributes.filter(|a| a.Name == "device_remembered_status")[0].Value, "remembered");
           cognito::admin_forget_device(#{ UserPoolId: pool.Id, Username: "alice", DeviceKey: `${pool.Id.split("_")[0]}_d1` });
           assert_eq(cognito::list_devices(#{ AccessToken: token }).Devices, []);
           cognito::set_user_settings(#{ AccessToken: token, MFAOptions: [#{ DeliveryMedium: "EMAIL", AttributeName: "email" }] });
           assert_eq(cognito::admin_get_user(pool.Id, "alice").MFAOptions, [#{ AttributeName: "email", DeliveryMedium: "EMAIL" }]);
           cognito::delete_user_attributes(#{ AccessToken: token, UserAttributeNames: ["name"] });
           assert_eq(cognito::admin_get_user(pool.Id, "alice").UserAttributes.filter(|a| a.Name == "name"), []);
           assert_eq(cognito::admin_get_user_auth_factors(#{ UserPoolId: pool.Id, Username: "alice" }).ConfiguredUserAuthFactors, ["PASSWORD"]);
           let events = cognito::admin_list_user_auth_events(#{ UserPoolId: pool.Id, Username: "alice" }).AuthEvents;
           assert_eq(events.map(|e| e.EventResponse), ["Pass"]);
           cognito::admin_update_auth_event_feedback(#{ UserPoolId: pool.Id, Username: "alice", EventId: events[0].EventId, FeedbackValue: "Valid" });
           assert_eq(cognito::admin_list_user_auth_events(#{ UserPoolId: pool.Id, Username: "alice" }).AuthEvents[0].EventFeedback.FeedbackValue, "Valid");
           let c = cognito::describe_user_pool_client(pool.Id, client.ClientId).UserPoolClient;
           let refreshed = cognito::get_tokens_from_refresh_token(#{ ClientId: client.ClientId, ClientSecret: c.ClientSecret,
               RefreshToken: s.AuthenticationResult.RefreshToken });
           assert(refreshed.AuthenticationResult.AccessToken != (), "new tokens");
           cognito::revoke_token(#{ ClientId: client.ClientId, ClientSecret: c.ClientSecret, Token: s.AuthenticationResult.RefreshToken });
           expect_error("NotAuthorizedException", || cognito::get_tokens_from_refresh_token(#{ ClientId: client.ClientId, ClientSecret: c.ClientSecret,
               RefreshToken: s.AuthenticationResult.RefreshToken }));
           let m2m = cognito::get_client_token(#{ ClientId: client.ClientId, Secret: c.ClientSecret, Scopes: ["api/read"] });
           assert_eq(m2m.ClientAuthenticationResult.TokenType, "Bearer");
           let code = cognito::get_user_attribute_verification_code(#{ AccessToken: token, AttributeName: "email" });
           assert_eq(code.CodeDeliveryDetails.DeliveryMedium, "EMAIL");
           print(`pool=${pool.Id}`);
           expect_error("CodeMismatchException", || cognito::verify_user_attribute(#{ AccessToken: token, AttributeName: "email", Code: "000000x" }));
           cognito::delete_user(#{ AccessToken: token });
           expect_error("UserNotFoundException", || cognito::admin_get_user(pool.Id, "alice"));"#,
    );
    // The verification code went to the emulator's mailbox, not to stdout.
    let (status, mailbox) = emulator_http("GET", "/_runbook/mailbox", "");
    assert_eq!(status, 200);
    let pool = out
        .lines()
        .find_map(|l| l.strip_prefix("pool="))
        .expect("the pool");
    assert!(
        mailbox.contains(pool) && mailbox.contains("verify-attribute"),
        "{mailbox}"
    );
}

#[test]
fn a_passkey_registers_against_its_challenge_and_links_follow_providers() {
    in_a_pool(
        r#"cognito::admin_create_user(#{ UserPoolId: pool.Id, Username: "bob", MessageAction: "SUPPRESS" });
           cognito::admin_set_user_password(pool.Id, "bob", "Long-Passw0rd!", true);
           let token = cognito::sign_in(pool.Id, client.ClientId, "bob", "Long-Passw0rd!", #{ Flow: "USER_PASSWORD_AUTH" }).AuthenticationResult.AccessToken;
           let options = cognito::start_web_authn_registration(#{ AccessToken: token }).CredentialCreationOptions;
           let wrong = base64_encode(`{"type":"webauthn.create","challenge":"not-it"}`);
           expect_error("WebAuthnChallengeNotFoundException", || cognito::complete_web_authn_registration(#{ AccessToken: token,
               Credential: #{ id: "cred-1", response: #{ clientDataJSON: wrong } } }));
           let options = cognito::start_web_authn_registration(#{ AccessToken: token }).CredentialCreationOptions;
           let data = base64_encode(`{"type":"webauthn.create","challenge":"${options.challenge}"}`);
           cognito::complete_web_authn_registration(#{ AccessToken: token, Credential: #{ id: "cred-1", response: #{ clientDataJSON: data } } });
           assert_eq(cognito::list_web_authn_credentials(#{ AccessToken: token }).Credentials.map(|c| c.CredentialId), ["cred-1"]);
           assert_eq(cognito::get_user_auth_factors(#{ AccessToken: token }).ConfiguredUserAuthFactors, ["PASSWORD", "WEB_AUTHN"]);
           cognito::delete_web_authn_credential(#{ AccessToken: token, CredentialId: "cred-1" });
           assert_eq(cognito::list_web_authn_credentials(#{ AccessToken: token }).Credentials, []);
           cognito::create_identity_provider(#{ UserPoolId: pool.Id, ProviderName: "Corp", ProviderType: "OIDC",
               IdpIdentifiers: ["corp.example"],
               ProviderDetails: #{ client_id: "x", client_secret: "y", authorize_scopes: "openid", oidc_issuer: "https://corp.example",
                   attributes_request_method: "GET" } });
           assert_eq(cognito::get_identity_provider_by_identifier(#{ UserPoolId: pool.Id, IdpIdentifier: "corp.example" })
               .IdentityProvider.ProviderName, "Corp");
           cognito::admin_link_provider_for_user(#{ UserPoolId: pool.Id,
               DestinationUser: #{ ProviderName: "Cognito", ProviderAttributeValue: "bob" },
               SourceUser: #{ ProviderName: "Corp", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "sub-7" } });
           let ids = cognito::admin_get_user(pool.Id, "bob").UserAttributes.filter(|a| a.Name == "identities");
           assert_eq(json_parse(ids[0].Value)[0].userId, "sub-7");
           cognito::admin_disable_provider_for_user(#{ UserPoolId: pool.Id,
               User: #{ ProviderName: "Corp", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "sub-7" } });
           assert_eq(cognito::admin_get_user(pool.Id, "bob").UserAttributes.filter(|a| a.Name == "identities"), []);"#,
    );
}
