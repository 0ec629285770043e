//! "Revert restores" as a property over the catalog: for every write `runbook ops` calls
//! restorable, on a fresh world (a pool with users, groups, a client, an identity provider, a
//! resource server, a domain and tags; a role with managed, inline and tagged policies), the
//! state is read, the write made, the run reverted, and the state read again: equal. Made twice,
//! the second time changes nothing, and reverting that second run changes nothing either.
//! A restorable write without a round trip here fails the test.

use crate::common::*;

/// Every restorable write, with its request (Rhai, over the world's `w`) and whether making it
/// a second time is a no-op (so the second run's revert must change nothing).
const ROUND_TRIPS: &[(&str, &str, bool)] = &[
    (
        "cognito::add_user_pool_client_secret",
        r#"#{ UserPoolId: w.pool, ClientId: w.client }"#,
        false,
    ),
    (
        "cognito::admin_add_user_to_group",
        r#"#{ UserPoolId: w.pool, Username: "u2", GroupName: "g1" }"#,
        true,
    ),
    (
        "cognito::admin_create_user",
        r#"#{ UserPoolId: w.pool, Username: "u3", MessageAction: "SUPPRESS" }"#,
        false,
    ),
    (
        "cognito::admin_disable_user",
        r#"#{ UserPoolId: w.pool, Username: "u1" }"#,
        true,
    ),
    (
        "cognito::admin_enable_user",
        r#"#{ UserPoolId: w.pool, Username: "u2" }"#,
        true,
    ),
    (
        "cognito::admin_link_provider_for_user",
        r#"#{ UserPoolId: w.pool,
        DestinationUser: #{ ProviderName: "Cognito", ProviderAttributeValue: "u1" },
        SourceUser: #{ ProviderName: "Corp", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "ext-1" } }"#,
        false,
    ),
    (
        "cognito::admin_remove_user_from_group",
        r#"#{ UserPoolId: w.pool, Username: "u1", GroupName: "g1" }"#,
        true,
    ),
    (
        "cognito::admin_update_user_attributes",
        r#"#{ UserPoolId: w.pool, Username: "u1",
        UserAttributes: [#{ Name: "name", Value: "New" }, #{ Name: "email", Value: "new@example.com" }] }"#,
        true,
    ),
    (
        "cognito::create_group",
        r#"#{ UserPoolId: w.pool, GroupName: "g3", Description: "third" }"#,
        false,
    ),
    (
        "cognito::create_identity_provider",
        r#"#{ UserPoolId: w.pool, ProviderName: "Other", ProviderType: "OIDC",
        ProviderDetails: #{ client_id: "o", client_secret: "s", authorize_scopes: "openid",
            oidc_issuer: "https://other.example", attributes_request_method: "GET" } }"#,
        false,
    ),
    (
        "cognito::create_managed_login_branding",
        r#"#{ UserPoolId: w.pool, ClientId: w.client, UseCognitoProvidedValues: true }"#,
        false,
    ),
    (
        "cognito::create_resource_server",
        r#"#{ UserPoolId: w.pool, Identifier: "api2", Name: "API 2" }"#,
        false,
    ),
    (
        "cognito::create_terms",
        r#"#{ UserPoolId: w.pool, ClientId: w.client, TermsName: "privacy-policy",
        TermsSource: "LINK", Enforcement: "NONE", Links: #{ "cognito:default": "https://example.com/privacy" } }"#,
        false,
    ),
    (
        "cognito::create_user_pool",
        r#"#{ PoolName: w.prefix + "-new" }"#,
        false,
    ),
    (
        "cognito::create_user_pool_client",
        r#"#{ UserPoolId: w.pool, ClientName: "c2" }"#,
        false,
    ),
    (
        "cognito::create_user_pool_domain",
        r#"#{ UserPoolId: w.pool2, Domain: w.prefix + "-two" }"#,
        false,
    ),
    (
        "cognito::create_user_pool_replica",
        r#"#{ UserPoolId: w.pool, RegionName: "eu-west-1" }"#,
        false,
    ),
    (
        "cognito::set_user_pool_mfa_config",
        r#"#{ UserPoolId: w.pool, MfaConfiguration: "OPTIONAL",
        SoftwareTokenMfaConfiguration: #{ Enabled: true } }"#,
        true,
    ),
    (
        "cognito::tag_resource",
        r#"#{ ResourceArn: w.pool_arn, Tags: #{ team: "new", extra: "x" } }"#,
        true,
    ),
    (
        "cognito::update_group",
        r#"#{ UserPoolId: w.pool, GroupName: "g1", Description: "changed", Precedence: 5 }"#,
        true,
    ),
    (
        "cognito::update_identity_provider",
        r#"#{ UserPoolId: w.pool, ProviderName: "Corp", AttributeMapping: #{ email: "mail" } }"#,
        true,
    ),
    (
        "cognito::update_resource_server",
        r#"#{ UserPoolId: w.pool, Identifier: "api", Name: "Renamed",
        Scopes: [#{ ScopeName: "write", ScopeDescription: "writes" }] }"#,
        true,
    ),
    (
        "cognito::update_user_pool",
        r#"#{ UserPoolId: w.pool, EmailVerificationSubject: "Changed" }"#,
        true,
    ),
    (
        "cognito::update_user_pool_client",
        r#"#{ UserPoolId: w.pool, ClientId: w.client, ClientName: "c1", RefreshTokenValidity: 10 }"#,
        true,
    ),
    (
        "cognito::update_user_pool_domain",
        r#"#{ UserPoolId: w.pool, Domain: w.domain, ManagedLoginVersion: 2 }"#,
        true,
    ),
    (
        "cognito::delete_resource_server",
        r#"#{ UserPoolId: w.pool, Identifier: "api" }"#,
        false,
    ),
    (
        "iam::delete_role_policy",
        r#"#{ RoleName: w.role, PolicyName: "inline1" }"#,
        false,
    ),
    (
        "cognito::untag_resource",
        r#"#{ ResourceArn: w.pool_arn, TagKeys: ["team", "absent"] }"#,
        true,
    ),
    (
        "cognito::admin_delete_user_attributes",
        r#"#{ UserPoolId: w.pool, Username: "u1", UserAttributeNames: ["email"] }"#,
        false,
    ),
    (
        "iam::untag_role",
        r#"#{ RoleName: w.role, TagKeys: ["team"] }"#,
        true,
    ),
    (
        "cognito::delete_group",
        r#"#{ UserPoolId: w.pool, GroupName: "g1" }"#,
        false,
    ),
    (
        "cognito::update_terms",
        r#"#{ UserPoolId: w.pool, TermsId: w.terms, Enforcement: "NONE",
            Links: #{ "cognito:default": "https://example.com/v2" } }"#,
        true,
    ),
    (
        "cognito::set_log_delivery_configuration",
        r#"#{ UserPoolId: w.pool, LogConfigurations: [#{ LogLevel: "ERROR", EventSource: "userNotification",
            S3Configuration: #{ BucketArn: "arn:aws:s3:::logs-bucket" } }] }"#,
        true,
    ),
    (
        "cognito::delete_identity_provider",
        r#"#{ UserPoolId: w.pool, ProviderName: "Saml" }"#,
        false,
    ),
    (
        "cognito::delete_user_pool_domain",
        r#"#{ UserPoolId: w.pool, Domain: w.domain }"#,
        false,
    ),
    (
        "cognito::delete_terms",
        r#"#{ UserPoolId: w.pool, TermsId: w.terms }"#,
        false,
    ),
    (
        "cognito::update_managed_login_branding",
        r#"#{ UserPoolId: w.pool, ManagedLoginBrandingId: w.branding, UseCognitoProvidedValues: false,
            Settings: #{ categories: #{ global: #{ colorSchemeMode: "DARK" } } } }"#,
        true,
    ),
    (
        "cognito::admin_set_user_settings",
        r#"#{ UserPoolId: w.pool, Username: "u1", MFAOptions: [#{ DeliveryMedium: "EMAIL", AttributeName: "email" }] }"#,
        true,
    ),
    (
        "cognito::admin_set_user_mfa_preference",
        r#"#{ UserPoolId: w.pool, Username: "u1", SMSMfaSettings: #{ Enabled: true, PreferredMfa: true } }"#,
        true,
    ),
    (
        "cognito::set_risk_configuration",
        r#"#{ UserPoolId: w.pool, ClientId: w.client, AccountTakeoverRiskConfiguration: #{ Actions: #{
            LowAction: #{ Notify: false, EventAction: "NO_ACTION" },
            MediumAction: #{ Notify: false, EventAction: "MFA_IF_CONFIGURED" },
            HighAction: #{ Notify: false, EventAction: "BLOCK" } } } }"#,
        true,
    ),
    (
        "iam::attach_role_policy",
        r#"#{ RoleName: w.role, PolicyArn: w.policy2 }"#,
        true,
    ),
    (
        "iam::create_policy",
        r#"#{ PolicyName: w.prefix + "-new", PolicyDocument: w.document }"#,
        false,
    ),
    (
        "iam::create_policy_version",
        r#"#{ PolicyArn: w.policy, PolicyDocument: w.document2, SetAsDefault: true }"#,
        false,
    ),
    (
        "iam::create_role",
        r#"#{ RoleName: w.prefix + "-new", AssumeRolePolicyDocument: w.trust }"#,
        false,
    ),
    (
        "iam::detach_role_policy",
        r#"#{ RoleName: w.role, PolicyArn: w.policy }"#,
        false,
    ),
    (
        "iam::put_role_policy",
        r#"#{ RoleName: w.role, PolicyName: "inline2", PolicyDocument: w.document }"#,
        true,
    ),
    (
        "iam::set_default_policy_version",
        r#"#{ PolicyArn: w.policy2, VersionId: "v1" }"#,
        true,
    ),
    (
        "iam::tag_role",
        r#"#{ RoleName: w.role, Tags: [#{ Key: "team", Value: "new" }, #{ Key: "extra", Value: "x" }] }"#,
        true,
    ),
    (
        "iam::update_assume_role_policy",
        r#"#{ RoleName: w.role, PolicyDocument: w.trust2 }"#,
        true,
    ),
];

/// The world every round trip starts from; prints `w` as JSON for the later scripts.
const WORLD: &str = r#"
let prefix = param("prefix");
let document = #{ Version: "2012-10-17", Statement: [#{ Effect: "Allow", Action: "logs:*", Resource: "*" }] };
let document2 = #{ Version: "2012-10-17", Statement: [#{ Effect: "Allow", Action: "logs:Get*", Resource: "*" }] };
let trust = #{ Version: "2012-10-17", Statement: [#{ Effect: "Allow", Principal: #{ Service: "cognito-idp.amazonaws.com" }, Action: "sts:AssumeRole" }] };
let trust2 = #{ Version: "2012-10-17", Statement: [#{ Effect: "Allow", Principal: #{ Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] };
let pool = cognito::create_user_pool(#{ PoolName: prefix, UserPoolTags: #{ team: "ops" }, AutoVerifiedAttributes: ["email"] }).UserPool;
let pool2 = cognito::create_user_pool(#{ PoolName: prefix + "-2" }).UserPool;
let client = cognito::create_user_pool_client(#{ UserPoolId: pool.Id, ClientName: "c1", GenerateSecret: true }).UserPoolClient.ClientId;
cognito::admin_create_user(#{ UserPoolId: pool.Id, Username: "u1", MessageAction: "SUPPRESS", UserAttributes: [#{ Name: "email", Value: "u1@example.com" }] });
cognito::admin_create_user(#{ UserPoolId: pool.Id, Username: "u2", MessageAction: "SUPPRESS" });
cognito::admin_disable_user(#{ UserPoolId: pool.Id, Username: "u2" });
cognito::create_group(#{ UserPoolId: pool.Id, GroupName: "g1", Description: "first", Precedence: 1 });
cognito::create_group(#{ UserPoolId: pool.Id, GroupName: "g2" });
cognito::admin_add_user_to_group(#{ UserPoolId: pool.Id, Username: "u1", GroupName: "g1" });
cognito::create_identity_provider(#{ UserPoolId: pool.Id, ProviderName: "Corp", ProviderType: "OIDC",
    AttributeMapping: #{ email: "email" },
    ProviderDetails: #{ client_id: "x", client_secret: "y", authorize_scopes: "openid", oidc_issuer: "https://corp.example", attributes_request_method: "GET" } });
cognito::create_identity_provider(#{ UserPoolId: pool.Id, ProviderName: "Saml", ProviderType: "SAML",
    AttributeMapping: #{ email: "mail" }, IdpIdentifiers: ["corp.example"],
    ProviderDetails: #{ MetadataURL: "https://idp.example/metadata.xml", IDPSignout: "true" } });
cognito::create_resource_server(#{ UserPoolId: pool.Id, Identifier: "api", Name: "API", Scopes: [#{ ScopeName: "read", ScopeDescription: "reads" }] });
cognito::create_user_pool_domain(#{ UserPoolId: pool.Id, Domain: prefix });
let terms = cognito::create_terms(#{ UserPoolId: pool.Id, ClientId: client, TermsName: "terms-of-use",
    TermsSource: "LINK", Enforcement: "NONE", Links: #{ "cognito:default": "https://example.com/v1" } }).Terms.TermsId;
let client3 = cognito::create_user_pool_client(#{ UserPoolId: pool.Id, ClientName: "c3" }).UserPoolClient.ClientId;
let branding = cognito::create_managed_login_branding(#{ UserPoolId: pool.Id, ClientId: client3, UseCognitoProvidedValues: true })
    .ManagedLoginBranding.ManagedLoginBrandingId;
cognito::set_risk_configuration(#{ UserPoolId: pool.Id, ClientId: client,
    CompromisedCredentialsRiskConfiguration: #{ Actions: #{ EventAction: "BLOCK" } } });
let role = iam::create_role(#{ RoleName: prefix, AssumeRolePolicyDocument: trust, Tags: [#{ Key: "team", Value: "ops" }] }).Role.RoleName;
let policy = iam::create_policy(#{ PolicyName: prefix, PolicyDocument: document }).Policy.Arn;
let policy2 = iam::create_policy(#{ PolicyName: prefix + "-2", PolicyDocument: document }).Policy.Arn;
iam::create_policy_version(#{ PolicyArn: policy2, PolicyDocument: document2, SetAsDefault: true });
iam::attach_role_policy(#{ RoleName: role, PolicyArn: policy });
iam::put_role_policy(#{ RoleName: role, PolicyName: "inline1", PolicyDocument: document });
print(to_json(#{ prefix: prefix, terms: terms, branding: branding, pool: pool.Id, pool_arn: pool.Arn, pool2: pool2.Id, client: client, domain: prefix,
    role: role, policy: policy, policy2: policy2, document: document, document2: document2, trust: trust, trust2: trust2 }));
"#;

/// Everything the world holds (and what a write could add beside it), with the dates that
/// any write moves left out (and the deprecated `UnusedAccountValidityDays`, which moto fills
/// in only when AdminCreateUserConfig is not given); printed as JSON.
const STATE: &str = r#"
let w = json_parse(param("world"));
fn undated(v) {
    if type_of(v) == "map" {
        let out = #{};
        for k in v.keys() { if !k.ends_with("Date") && !["EstimatedNumberOfUsers", "UnusedAccountValidityDays"].contains(k) { out[k] = undated(v[k]); } }
        return out;
    }
    if type_of(v) == "array" { return v.map(|x| undated(x)); }
    v
}
let s = #{};
s.pools = [];
aws::each("cognito::list_user_pools", #{ MaxResults: 60 }, |p| { if p.Name.starts_with(w.prefix) { s.pools.push(p.Name); } });
s.pools.sort();
s.pool = undated(cognito::describe_user_pool(w.pool).UserPool);
s.mfa = cognito::get_user_pool_mfa_config(#{ UserPoolId: w.pool });
s.users = cognito::list_users(w.pool).Users.map(|u| #{ name: u.Username, enabled: u.Enabled,
    attributes: u.Attributes.filter(|a| a.Name != "sub"),
    mfa: { let g = cognito::admin_get_user(#{ UserPoolId: w.pool, Username: u.Username });
        #{ methods: g.UserMFASettingList, preferred: g.PreferredMfaSetting, options: g.MFAOptions } },
    groups: cognito::admin_list_groups_for_user(#{ UserPoolId: w.pool, Username: u.Username }).Groups.map(|g| g.GroupName) });
s.groups = cognito::list_groups(#{ UserPoolId: w.pool }).Groups.map(|g| undated(g));
// A group made again is listed last: compared by name, not by when it was made.
s.groups.sort(|a, b| if a.GroupName < b.GroupName { -1 } else if a.GroupName > b.GroupName { 1 } else { 0 });
s.clients = cognito::list_user_pool_clients(w.pool).UserPoolClients.map(|c| undated(cognito::describe_user_pool_client(w.pool, c.ClientId).UserPoolClient));
s.secrets = cognito::list_user_pool_client_secrets(#{ UserPoolId: w.pool, ClientId: w.client }).ClientSecrets.map(|c| c.ClientSecretId);
s.providers = cognito::list_identity_providers(#{ UserPoolId: w.pool }).Providers.map(|p|
    undated(cognito::describe_identity_provider(#{ UserPoolId: w.pool, ProviderName: p.ProviderName }).IdentityProvider));
s.servers = cognito::list_resource_servers(#{ UserPoolId: w.pool, MaxResults: 50 }).ResourceServers;
s.domain = undated(cognito::describe_user_pool_domain(#{ Domain: w.domain }).DomainDescription);
s.domain2 = undated(cognito::describe_user_pool_domain(#{ Domain: w.prefix + "-two" }).DomainDescription);
s.tags = cognito::list_tags_for_resource(#{ ResourceArn: w.pool_arn }).Tags;
s.replicas = cognito::list_user_pool_replicas(#{ UserPoolId: w.pool }).UserPoolReplicas;
s.terms = cognito::list_terms(#{ UserPoolId: w.pool }).Terms.map(|t| {
    let d = cognito::describe_terms(#{ UserPoolId: w.pool, TermsId: t.TermsId }).Terms;
    #{ name: d.TermsName, links: d.Links, enforcement: d.Enforcement } });
s.logs = cognito::get_log_delivery_configuration(#{ UserPoolId: w.pool }).LogDeliveryConfiguration.LogConfigurations;
s.risk = undated(cognito::describe_risk_configuration(#{ UserPoolId: w.pool, ClientId: w.client }).RiskConfiguration);
s.branding2 = undated(cognito::describe_managed_login_branding(#{ UserPoolId: w.pool, ManagedLoginBrandingId: w.branding }).ManagedLoginBranding);
s.branding = ();
try { s.branding = cognito::describe_managed_login_branding_by_client(#{ UserPoolId: w.pool, ClientId: w.client }).ManagedLoginBranding.UseCognitoProvidedValues; } catch { }
s.roles = iam::list_roles().Roles.filter(|r| r.RoleName.starts_with(w.prefix)).map(|r| r.RoleName);
let role = iam::get_role(w.role).Role;
s.role = #{ trust: role.AssumeRolePolicyDocument, tags: role.Tags,
    attached: iam::list_attached_role_policies(w.role).AttachedPolicies.map(|p| p.PolicyArn),
    inline: iam::list_role_policies(#{ RoleName: w.role }).PolicyNames.map(|n| iam::get_role_policy(#{ RoleName: w.role, PolicyName: n }).PolicyDocument) };
s.policies = iam::list_policies(#{ Scope: "Local" }).Policies.filter(|p| p.PolicyName.starts_with(w.prefix)).map(|p|
    #{ name: p.PolicyName, default_version: p.DefaultVersionId,
       versions: iam::list_policy_versions(#{ PolicyArn: p.Arn }).Versions.map(|v| v.VersionId) });
print(to_json(s));
"#;

/// Removes a world and what its write added (the shared emulator stays small).
const CLEAN: &str = r#"
let w = json_parse(param("world"));
for domain in [w.domain, w.prefix + "-two"] {
    let d = cognito::describe_user_pool_domain(#{ Domain: domain }).DomainDescription;
    if d.UserPoolId != () { cognito::delete_user_pool_domain(#{ UserPoolId: d.UserPoolId, Domain: domain }); }
}
let pools = [];
aws::each("cognito::list_user_pools", #{ MaxResults: 60 }, |p| { if p.Name.starts_with(w.prefix) { pools.push(p.Id); } });
for id in pools { cognito::delete_user_pool(id); }
for role in iam::list_roles().Roles.filter(|r| r.RoleName.starts_with(w.prefix)) {
    for p in iam::list_attached_role_policies(role.RoleName).AttachedPolicies { iam::detach_role_policy(role.RoleName, p.PolicyArn); }
    for n in iam::list_role_policies(#{ RoleName: role.RoleName }).PolicyNames { iam::delete_role_policy(#{ RoleName: role.RoleName, PolicyName: n }); }
    iam::delete_role(role.RoleName);
}
for p in iam::list_policies(#{ Scope: "Local" }).Policies.filter(|p| p.PolicyName.starts_with(w.prefix)) {
    for v in iam::list_policy_versions(#{ PolicyArn: p.Arn }).Versions.filter(|v| !v.IsDefaultVersion) {
        iam::delete_policy_version(#{ PolicyArn: p.Arn, VersionId: v.VersionId });
    }
    iam::delete_policy(p.Arn);
}
"#;

/// `runbook run --yes FILE --var …` of `body`; its stdout (the run must succeed).
fn run_with(body: &str, vars: &[(&str, &str)], journal: Option<&std::path::Path>) -> String {
    let mut cmd = runbook();
    cmd.args(["run", "--yes"]);
    if let Some(journal) = journal {
        cmd.arg("--journal").arg(journal);
    }
    cmd.arg(script(body));
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    ok(&cmd.output().expect("runs"))
}

fn revert(journal: &std::path::Path) -> String {
    let out = runbook()
        .args(["revert", "--yes"])
        .arg(journal)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

fn state(world: &str) -> serde_json::Value {
    serde_json::from_str(run_with(STATE, &[("world", world)], None).trim()).expect("state JSON")
}

/// One round trip: world → state → write → revert → state (equal); `None` when it holds.
fn round_trip(op: &str, request: &str, repeatable: bool) -> Option<String> {
    let world = run_with(WORLD, &[("prefix", &unique("rt"))], None);
    let world = world.trim();
    let failure = round_trip_in(world, op, request, repeatable);
    run_with(CLEAN, &[("world", world)], None);
    failure
}

fn round_trip_in(world: &str, op: &str, request: &str, repeatable: bool) -> Option<String> {
    let before = state(world);
    let (ns, name) = op.split_once("::").expect("qualified");
    let write = format!("let w = json_parse(param(\"world\"));\n{ns}::{name}({request});");
    let first = temp_dir().join("first.jsonl");
    run_with(&write, &[("world", world)], Some(&first));
    let after = state(world);
    if after == before {
        return Some(format!("{op}: the write changed nothing the state shows"));
    }
    if repeatable {
        let second = temp_dir().join("second.jsonl");
        run_with(&write, &[("world", world)], Some(&second));
        let said = revert(&second);
        let again = state(world);
        if again != after {
            return Some(format!(
                "{op}: reverting a second, no-op run changed the state:\n{}\n{said}",
                differences(&after, &again)
            ));
        }
    }
    let said = revert(&first);
    let reverted = state(world);
    (reverted != before).then(|| {
        format!(
            "{op}: not restored:\n{}\n{said}",
            differences(&before, &reverted)
        )
    })
}

/// The parts of two states that differ, each as `path: before → after`.
fn differences(a: &serde_json::Value, b: &serde_json::Value) -> String {
    let mut out = Vec::new();
    differ("", a, b, &mut out);
    out.join("\n")
}

fn differ(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    match (a.as_object(), b.as_object()) {
        (Some(x), Some(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let none = serde_json::Value::Null;
                differ(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&none),
                    y.get(k).unwrap_or(&none),
                    out,
                );
            }
        }
        _ if a != b => out.push(format!("  {path}: {a} → {b}")),
        _ => {}
    }
}

#[test]
fn every_restorable_write_round_trips() {
    // An emulator of its own: a hundred worlds come and go.
    let _own = whole_state();
    let ops: Vec<serde_json::Value> = serde_json::from_str(&ok(&runbook()
        .args(["ops", "--json"])
        .output()
        .expect("runs")))
    .expect("JSON");
    let restorable: Vec<String> = ops
        .iter()
        .filter(|o| o["undo"]["restorable"] == true)
        .map(|o| {
            format!(
                "{}::{}",
                o["namespace"].as_str().unwrap_or(""),
                o["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    let missing: Vec<&String> = restorable
        .iter()
        .filter(|op| !ROUND_TRIPS.iter().any(|(o, ..)| o == op))
        .collect();
    assert!(
        missing.is_empty(),
        "restorable writes without a round trip: {missing:?}"
    );
    // `ROUND_TRIPS=op,op cargo test roundtrip` makes only those (while working on one).
    let only = std::env::var("ROUND_TRIPS").unwrap_or_default();
    let failures: Vec<String> = ROUND_TRIPS
        .iter()
        .filter(|(op, ..)| only.is_empty() || only.split(',').any(|o| o == *op))
        .filter_map(|(op, request, repeatable)| round_trip(op, request, *repeatable))
        .collect();
    println!(
        "restorable {}/{} round-trip",
        ROUND_TRIPS.len() - failures.len(),
        restorable.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
