//! What each operation does to an account, and how to undo it: one table for every operation.
//!
//! Every registered operation (132 cognito-idp, 23 IAM, 1 STS, 3 CloudWatch Logs) has one [`Fact`]: its [`Class`]
//! — a read, or a write that creates, updates or deletes — and, for a write that has one, the
//! [`Undo`] that reverts it. Reads are the `Describe*`, `Get*`, `List*`, `AdminGet*`,
//! `AdminList*` operations (`GetCSVHeader` among them), except the `Get*` calls with side
//! effects (`GetUserAttributeVerificationCode` sends a code, `GetTokensFromRefreshToken` and
//! `GetClientToken` issue tokens). Destructive calls (class [`Class::Delete`]) are `Delete*`,
//! `AdminDelete*`, `Detach*`, `Remove*`, `AdminRemove*`, `Stop*`, the global sign-outs,
//! `RevokeToken`, the device and provider unlinks, and `AdminDisableUser`: they are confirmed
//! before they are sent. Tests check that the table covers every operation exactly once and
//! that every undo names a real operation and fills its required members.

use rhai::{Dynamic, Map};

use super::shape::Operation;

/// What a call does to the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Reads only; sent even in a dry run.
    Read,
    /// Creates something (a pool, a user, a role, a membership, a tag).
    Create,
    /// Changes something that exists.
    Update,
    /// Removes or disables something: asks for confirmation.
    Delete,
}

impl Class {
    pub fn writes(self) -> bool {
        self != Class::Read
    }

    pub fn destructive(self) -> bool {
        self == Class::Delete
    }
}

/// How to undo a write: the operation, and each member of its request as a JMESPath
/// expression over `{ request, response }` of the call being undone.
#[derive(Debug)]
pub struct Undo {
    pub op: &'static str,
    pub request: &'static [(&'static str, &'static str)],
}

/// The facts of one operation, named as in a script (`cognito::admin_create_user`).
#[derive(Debug)]
pub struct Fact {
    pub op: &'static str,
    pub class: Class,
    pub undo: Option<Undo>,
}

impl Undo {
    /// The undo's request for a call made with `request` that answered `response`: what
    /// identifies what the call made (the journal's `created`). `None` if a path fails.
    pub fn request_for(&self, request: &Map, response: &Map) -> Option<serde_json::Value> {
        let json = |m: &Map| crate::value::to_json_masked(&Dynamic::from(m.clone())).ok();
        let data = serde_json::json!({ "request": json(request)?, "response": json(response)? });
        let data = jmespath::Variable::from_json(&data.to_string()).ok()?;
        let mut out = serde_json::Map::new();
        for (member, path) in self.request {
            let value = jmespath::compile(path).ok()?.search(data.clone()).ok()?;
            let value = serde_json::to_value(&*value).ok()?;
            if !value.is_null() {
                out.insert((*member).to_string(), value);
            }
        }
        Some(out.into())
    }
}

const fn fact(op: &'static str, class: Class, undo: Option<Undo>) -> Fact {
    Fact { op, class, undo }
}

const fn undo(op: &'static str, request: &'static [(&'static str, &'static str)]) -> Undo {
    Undo { op, request }
}

use Class::{Create, Delete, Read, Update};

/// The table, sorted by operation.
#[rustfmt::skip]
pub static FACTS: &[Fact] = &[
    fact("cognito::add_custom_attributes", Create, None),
    fact("cognito::add_user_pool_client_secret", Create, Some(undo("cognito::delete_user_pool_client_secret", &[("UserPoolId", "request.UserPoolId"), ("ClientId", "request.ClientId"), ("ClientSecretId", "response.ClientSecretDescriptor.ClientSecretId")]))),
    fact("cognito::admin_add_user_to_group", Create, Some(undo("cognito::admin_remove_user_from_group", &[("UserPoolId", "request.UserPoolId"), ("Username", "request.Username"), ("GroupName", "request.GroupName")]))),
    fact("cognito::admin_confirm_sign_up", Update, None),
    fact("cognito::admin_create_user", Create, Some(undo("cognito::admin_delete_user", &[("UserPoolId", "request.UserPoolId"), ("Username", "response.User.Username || request.Username")]))),
    fact("cognito::admin_delete_software_token", Delete, None),
    fact("cognito::admin_delete_user", Delete, None),
    fact("cognito::admin_delete_user_attributes", Delete, None),
    fact("cognito::admin_disable_provider_for_user", Delete, None),
    fact("cognito::admin_disable_user", Delete, Some(undo("cognito::admin_enable_user", &[("UserPoolId", "request.UserPoolId"), ("Username", "request.Username")]))),
    fact("cognito::admin_enable_user", Update, Some(undo("cognito::admin_disable_user", &[("UserPoolId", "request.UserPoolId"), ("Username", "request.Username")]))),
    fact("cognito::admin_forget_device", Delete, None),
    fact("cognito::admin_get_device", Read, None),
    fact("cognito::admin_get_user", Read, None),
    fact("cognito::admin_get_user_auth_factors", Read, None),
    fact("cognito::admin_initiate_auth", Update, None),
    fact("cognito::admin_link_provider_for_user", Create, Some(undo("cognito::admin_disable_provider_for_user", &[("UserPoolId", "request.UserPoolId"), ("User", "request.SourceUser")]))),
    fact("cognito::admin_list_devices", Read, None),
    fact("cognito::admin_list_groups_for_user", Read, None),
    fact("cognito::admin_list_user_auth_events", Read, None),
    fact("cognito::admin_remove_user_from_group", Delete, Some(undo("cognito::admin_add_user_to_group", &[("UserPoolId", "request.UserPoolId"), ("Username", "request.Username"), ("GroupName", "request.GroupName")]))),
    fact("cognito::admin_reset_user_password", Update, None),
    fact("cognito::admin_respond_to_auth_challenge", Update, None),
    fact("cognito::admin_set_user_mfa_preference", Update, None),
    fact("cognito::admin_set_user_password", Update, None),
    fact("cognito::admin_set_user_settings", Update, None),
    fact("cognito::admin_update_auth_event_feedback", Update, None),
    fact("cognito::admin_update_device_status", Update, None),
    fact("cognito::admin_update_user_attributes", Update, None),
    fact("cognito::admin_user_global_sign_out", Delete, None),
    fact("cognito::associate_software_token", Update, None),
    fact("cognito::change_password", Update, None),
    fact("cognito::complete_web_authn_registration", Update, None),
    fact("cognito::confirm_device", Update, None),
    fact("cognito::confirm_forgot_password", Update, None),
    fact("cognito::confirm_sign_up", Update, None),
    fact("cognito::create_group", Create, Some(undo("cognito::delete_group", &[("UserPoolId", "request.UserPoolId"), ("GroupName", "request.GroupName")]))),
    fact("cognito::create_identity_provider", Create, Some(undo("cognito::delete_identity_provider", &[("UserPoolId", "request.UserPoolId"), ("ProviderName", "request.ProviderName")]))),
    fact("cognito::create_managed_login_branding", Create, Some(undo("cognito::delete_managed_login_branding", &[("UserPoolId", "request.UserPoolId"), ("ManagedLoginBrandingId", "response.ManagedLoginBranding.ManagedLoginBrandingId")]))),
    fact("cognito::create_resource_server", Create, Some(undo("cognito::delete_resource_server", &[("UserPoolId", "request.UserPoolId"), ("Identifier", "request.Identifier")]))),
    fact("cognito::create_terms", Create, Some(undo("cognito::delete_terms", &[("UserPoolId", "request.UserPoolId"), ("TermsId", "response.Terms.TermsId")]))),
    fact("cognito::create_user_import_job", Create, None),
    fact("cognito::create_user_pool", Create, Some(undo("cognito::delete_user_pool", &[("UserPoolId", "response.UserPool.Id")]))),
    fact("cognito::create_user_pool_client", Create, Some(undo("cognito::delete_user_pool_client", &[("UserPoolId", "request.UserPoolId"), ("ClientId", "response.UserPoolClient.ClientId")]))),
    fact("cognito::create_user_pool_domain", Create, Some(undo("cognito::delete_user_pool_domain", &[("UserPoolId", "request.UserPoolId"), ("Domain", "request.Domain")]))),
    fact("cognito::create_user_pool_replica", Create, Some(undo("cognito::delete_user_pool_replica", &[("UserPoolId", "request.UserPoolId"), ("RegionName", "request.RegionName")]))),
    fact("cognito::delete_group", Delete, None),
    fact("cognito::delete_identity_provider", Delete, None),
    fact("cognito::delete_managed_login_branding", Delete, None),
    fact("cognito::delete_resource_server", Delete, None),
    fact("cognito::delete_terms", Delete, None),
    fact("cognito::delete_user", Delete, None),
    fact("cognito::delete_user_attributes", Delete, None),
    fact("cognito::delete_user_pool", Delete, None),
    fact("cognito::delete_user_pool_client", Delete, None),
    fact("cognito::delete_user_pool_client_secret", Delete, None),
    fact("cognito::delete_user_pool_domain", Delete, None),
    fact("cognito::delete_user_pool_replica", Delete, None),
    fact("cognito::delete_web_authn_credential", Delete, None),
    fact("cognito::describe_identity_provider", Read, None),
    fact("cognito::describe_managed_login_branding", Read, None),
    fact("cognito::describe_managed_login_branding_by_client", Read, None),
    fact("cognito::describe_resource_server", Read, None),
    fact("cognito::describe_risk_configuration", Read, None),
    fact("cognito::describe_terms", Read, None),
    fact("cognito::describe_terms_by_client", Read, None),
    fact("cognito::describe_user_import_job", Read, None),
    fact("cognito::describe_user_pool", Read, None),
    fact("cognito::describe_user_pool_client", Read, None),
    fact("cognito::describe_user_pool_domain", Read, None),
    fact("cognito::forget_device", Delete, None),
    fact("cognito::forgot_password", Update, None),
    fact("cognito::get_client_token", Update, None),
    fact("cognito::get_csv_header", Read, None),
    fact("cognito::get_device", Read, None),
    fact("cognito::get_group", Read, None),
    fact("cognito::get_identity_provider_by_identifier", Read, None),
    fact("cognito::get_log_delivery_configuration", Read, None),
    fact("cognito::get_provisioned_limit", Read, None),
    fact("cognito::get_signing_certificate", Read, None),
    fact("cognito::get_tokens_from_refresh_token", Update, None),
    fact("cognito::get_ui_customization", Read, None),
    fact("cognito::get_user", Read, None),
    fact("cognito::get_user_attribute_verification_code", Update, None),
    fact("cognito::get_user_auth_factors", Read, None),
    fact("cognito::get_user_pool_mfa_config", Read, None),
    fact("cognito::global_sign_out", Delete, None),
    fact("cognito::initiate_auth", Update, None),
    fact("cognito::list_devices", Read, None),
    fact("cognito::list_groups", Read, None),
    fact("cognito::list_identity_providers", Read, None),
    fact("cognito::list_resource_servers", Read, None),
    fact("cognito::list_tags_for_resource", Read, None),
    fact("cognito::list_terms", Read, None),
    fact("cognito::list_user_import_jobs", Read, None),
    fact("cognito::list_user_pool_client_secrets", Read, None),
    fact("cognito::list_user_pool_clients", Read, None),
    fact("cognito::list_user_pool_replicas", Read, None),
    fact("cognito::list_user_pools", Read, None),
    fact("cognito::list_users", Read, None),
    fact("cognito::list_users_in_group", Read, None),
    fact("cognito::list_web_authn_credentials", Read, None),
    fact("cognito::resend_confirmation_code", Update, None),
    fact("cognito::respond_to_auth_challenge", Update, None),
    fact("cognito::revoke_token", Delete, None),
    fact("cognito::set_log_delivery_configuration", Update, None),
    fact("cognito::set_risk_configuration", Update, None),
    fact("cognito::set_ui_customization", Update, None),
    fact("cognito::set_user_mfa_preference", Update, None),
    fact("cognito::set_user_pool_mfa_config", Update, None),
    fact("cognito::set_user_settings", Update, None),
    fact("cognito::sign_up", Create, None),
    fact("cognito::start_user_import_job", Update, None),
    fact("cognito::start_web_authn_registration", Update, None),
    fact("cognito::stop_user_import_job", Delete, None),
    fact("cognito::tag_resource", Create, Some(undo("cognito::untag_resource", &[("ResourceArn", "request.ResourceArn"), ("TagKeys", "keys(request.Tags)")]))),
    fact("cognito::untag_resource", Update, None),
    fact("cognito::update_auth_event_feedback", Update, None),
    fact("cognito::update_device_status", Update, None),
    fact("cognito::update_group", Update, None),
    fact("cognito::update_identity_provider", Update, None),
    fact("cognito::update_managed_login_branding", Update, None),
    fact("cognito::update_provisioned_limit", Update, None),
    fact("cognito::update_resource_server", Update, None),
    fact("cognito::update_terms", Update, None),
    fact("cognito::update_user_attributes", Update, None),
    fact("cognito::update_user_pool", Update, None),
    fact("cognito::update_user_pool_client", Update, None),
    fact("cognito::update_user_pool_domain", Update, None),
    fact("cognito::update_user_pool_replica", Update, None),
    fact("cognito::verify_software_token", Update, None),
    fact("cognito::verify_user_attribute", Update, None),
    fact("iam::attach_role_policy", Create, Some(undo("iam::detach_role_policy", &[("RoleName", "request.RoleName"), ("PolicyArn", "request.PolicyArn")]))),
    fact("iam::create_policy", Create, Some(undo("iam::delete_policy", &[("PolicyArn", "response.Policy.Arn")]))),
    fact("iam::create_policy_version", Create, Some(undo("iam::delete_policy_version", &[("PolicyArn", "request.PolicyArn"), ("VersionId", "response.PolicyVersion.VersionId")]))),
    fact("iam::create_role", Create, Some(undo("iam::delete_role", &[("RoleName", "request.RoleName")]))),
    fact("iam::delete_policy", Delete, None),
    fact("iam::delete_policy_version", Delete, None),
    fact("iam::delete_role", Delete, None),
    fact("iam::delete_role_policy", Delete, None),
    fact("iam::detach_role_policy", Delete, Some(undo("iam::attach_role_policy", &[("RoleName", "request.RoleName"), ("PolicyArn", "request.PolicyArn")]))),
    fact("iam::get_policy", Read, None),
    fact("iam::get_policy_version", Read, None),
    fact("iam::get_role", Read, None),
    fact("iam::get_role_policy", Read, None),
    fact("iam::list_attached_role_policies", Read, None),
    fact("iam::list_policies", Read, None),
    fact("iam::list_policy_versions", Read, None),
    fact("iam::list_role_policies", Read, None),
    fact("iam::list_roles", Read, None),
    fact("iam::put_role_policy", Create, Some(undo("iam::delete_role_policy", &[("RoleName", "request.RoleName"), ("PolicyName", "request.PolicyName")]))),
    fact("iam::set_default_policy_version", Update, None),
    fact("iam::tag_role", Create, Some(undo("iam::untag_role", &[("RoleName", "request.RoleName"), ("TagKeys", "request.Tags[].Key")]))),
    fact("iam::untag_role", Update, None),
    fact("iam::update_assume_role_policy", Update, None),
    fact("sts::get_caller_identity", Read, None),
    fact("logs::describe_log_streams", Read, None),
    fact("logs::filter_log_events", Read, None),
    fact("logs::get_log_events", Read, None),
];

/// How a write is undone, or why it cannot be: what `runbook ops` shows, a plan line of an
/// irreversible write says, and a revert lists.
#[derive(Debug)]
pub enum Restore {
    /// Undone by its inverse call (`create_group` → `delete_group`), with what the journal
    /// recorded as `created`.
    Inverse(&'static Undo),
    /// Undone by the same operation putting back the members it set, as a read just before it
    /// showed them (the journal's `before`).
    PutBack,
    /// A delete undone by making the thing again (`delete_role_policy` → `put_role_policy`)
    /// from what a read just before it showed.
    Recreate(&'static str),
    /// Cannot be undone; the reason a user reads.
    Irreversible(&'static str),
}

impl Restore {
    /// As `runbook ops --json` gives it: `{ "restorable": true, "how": … }` or
    /// `{ "restorable": false, "why": … }`.
    pub fn to_json(&self, function: &str) -> serde_json::Value {
        match self {
            Restore::Irreversible(why) => serde_json::json!({ "restorable": false, "why": why }),
            other => serde_json::json!({ "restorable": true, "how": other.how(function) }),
        }
    }

    /// One line: `undone by cognito::delete_group`, `irreversible: a password cannot be read back`.
    pub fn describe(&self, function: &str) -> String {
        match self {
            Restore::Irreversible(why) => format!("irreversible: {why}"),
            other => format!("undone {}", other.how(function)),
        }
    }

    fn how(&self, function: &str) -> String {
        match self {
            Restore::Inverse(undo) => format!("by {}", undo.op),
            Restore::PutBack => {
                format!("by {function} putting back what a read just before it showed")
            }
            Restore::Recreate(create) => {
                format!("by {create} from what a read just before it showed")
            }
            Restore::Irreversible(why) => why.to_string(),
        }
    }
}

const PASSWORD: &str = "a password cannot be read back, so the one it replaced cannot be put back";
const TOKENS: &str = "a sign-in issues tokens; they cannot be taken back (they expire, or revoke_token ends a refresh token)";
const SENDS: &str = "it sends the user a message, which cannot be unsent";
const NOT_READ: &str =
    "what it replaces or removes is not read before it, so there is nothing to put back";
const NEEDS_TOKEN: &str = "its undo needs the user's access token, which the journal never keeps";

/// Why each write that has neither an inverse nor a before-image to put back cannot be undone.
/// A write is in exactly one of: this table, [`FACTS`]' undos, the resources' updates.
#[rustfmt::skip]
pub static IRREVERSIBLE: &[(&str, &str)] = &[
    ("cognito::add_custom_attributes", "a custom attribute cannot be removed from a pool's schema"),
    ("cognito::admin_confirm_sign_up", "a confirmed user cannot be made unconfirmed again"),
    ("cognito::admin_delete_software_token", "a TOTP secret cannot be read back: the user sets up the authenticator again"),
    ("cognito::admin_delete_user", "a deleted user cannot be re-created with its sub, password or devices"),
    ("cognito::admin_disable_provider_for_user", "the link names the destination user, which the unlink does not"),
    ("cognito::admin_forget_device", "a device's key and verifier cannot be re-created: it registers again at its next sign-in"),
    ("cognito::admin_initiate_auth", TOKENS),
    ("cognito::admin_reset_user_password", PASSWORD),
    ("cognito::admin_respond_to_auth_challenge", TOKENS),
    ("cognito::admin_set_user_password", PASSWORD),
    ("cognito::admin_update_auth_event_feedback", "feedback on an auth event cannot be withdrawn"),
    ("cognito::admin_update_device_status", NOT_READ),
    ("cognito::admin_user_global_sign_out", "signed-out tokens cannot be made valid again"),
    ("cognito::associate_software_token", "a TOTP secret once issued cannot be withdrawn"),
    ("cognito::change_password", PASSWORD),
    ("cognito::complete_web_authn_registration", NEEDS_TOKEN),
    ("cognito::confirm_device", NEEDS_TOKEN),
    ("cognito::confirm_forgot_password", PASSWORD),
    ("cognito::confirm_sign_up", "a confirmed user cannot be made unconfirmed again"),
    ("cognito::create_user_import_job", "an import job cannot be deleted"),
    ("cognito::delete_managed_login_branding", "its read does not name the app client it styles, which making it again needs"),
    ("cognito::delete_user", "a deleted user cannot be re-created with its sub, password or devices"),
    ("cognito::delete_user_attributes", NEEDS_TOKEN),
    ("cognito::delete_user_pool", "a deleted user pool cannot be re-created with its id, users or passwords"),
    ("cognito::delete_user_pool_client", "a deleted app client cannot be re-created with its id or secret"),
    ("cognito::delete_user_pool_client_secret", "a client secret cannot be read back"),
    ("cognito::delete_user_pool_replica", "a replica's data cannot be restored"),
    ("cognito::delete_web_authn_credential", "a passkey's key lives on the user's authenticator: it registers again only there"),
    ("cognito::forget_device", "a device's key and verifier cannot be re-created: it registers again at its next sign-in"),
    ("cognito::forgot_password", SENDS),
    ("cognito::get_client_token", TOKENS),
    ("cognito::get_tokens_from_refresh_token", TOKENS),
    ("cognito::get_user_attribute_verification_code", SENDS),
    ("cognito::global_sign_out", "signed-out tokens cannot be made valid again"),
    ("cognito::initiate_auth", TOKENS),
    ("cognito::resend_confirmation_code", SENDS),
    ("cognito::respond_to_auth_challenge", TOKENS),
    ("cognito::revoke_token", "a revoked token cannot be made valid again"),
    ("cognito::set_ui_customization", "the logo it replaces reads back only as a URL, not as the image file it takes"),
    ("cognito::set_user_mfa_preference", NEEDS_TOKEN),
    ("cognito::set_user_settings", NEEDS_TOKEN),
    ("cognito::sign_up", "SignUp does not name the pool, which the user's deletion needs"),
    ("cognito::start_user_import_job", "an import's users are not removed by a revert (its CSV names them)"),
    ("cognito::start_web_authn_registration", "a registration started expires on its own"),
    ("cognito::stop_user_import_job", "a stopped import job cannot be started again"),
    ("cognito::update_auth_event_feedback", "feedback on an auth event cannot be withdrawn"),
    ("cognito::update_device_status", NEEDS_TOKEN),
    ("cognito::update_provisioned_limit", "a provisioned limit changes on request to AWS; a revert does not request it back"),
    ("cognito::update_user_attributes", NEEDS_TOKEN),
    ("cognito::update_user_pool_replica", NOT_READ),
    ("cognito::verify_software_token", "a verified TOTP secret cannot be made unverified"),
    ("cognito::verify_user_attribute", "a verified attribute cannot be made unverified"),
    ("iam::delete_policy", "a deleted managed policy cannot be re-created with its id or versions"),
    ("iam::delete_policy_version", "a deleted policy version's document is not read before it"),
    ("iam::delete_role", "a deleted role cannot be re-created with its id (what trusts the old one by id stops)"),
];

/// Deletes of what its create makes again as it was from a read (every member the create
/// takes is one the read shows): undone by that create.
pub const RECREATES: &[&str] = &[
    "iam::delete_role_policy",
    "cognito::delete_resource_server",
    "cognito::delete_group",
    "cognito::delete_identity_provider",
    "cognito::delete_user_pool_domain",
    "cognito::delete_terms",
];

/// What a delete takes with it: read before it (a list under the thing deleted), and made
/// again after the thing itself when the delete is undone.
pub struct Cascade {
    pub delete: &'static str,
    /// The list of what goes with it, and its items member.
    pub list: &'static str,
    pub items: &'static str,
    /// The create of one of them, and its members taken from a listed item.
    pub create: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
}

/// Deleting a group removes its memberships: they come back with it.
pub static CASCADES: &[Cascade] = &[Cascade {
    delete: "cognito::delete_group",
    list: "cognito::list_users_in_group",
    items: "Users",
    create: "cognito::admin_add_user_to_group",
    fields: &[("Username", "Username")],
}];

/// The member of a journaled before-image that holds what a delete took with it.
pub const TAKEN_WITH_IT: &str = "(taken with it)";

/// Members of an update that its resource's read shows only in another form, as JMESPath
/// over that read's answer: AdminGetUser lists the MFA methods a user has enabled and the
/// preferred one, which AdminSetUserMFAPreference sets per method.
#[rustfmt::skip]
pub static SHOWN_AS: &[(&str, &[(&str, &str)])] = &[(
    "cognito::admin_set_user_mfa_preference",
    &[
        ("SMSMfaSettings", "{ Enabled: contains(UserMFASettingList || `[]`, 'SMS_MFA'), PreferredMfa: PreferredMfaSetting == 'SMS_MFA' }"),
        ("SoftwareTokenMfaSettings", "{ Enabled: contains(UserMFASettingList || `[]`, 'SOFTWARE_TOKEN_MFA'), PreferredMfa: PreferredMfaSetting == 'SOFTWARE_TOKEN_MFA' }"),
        ("EmailMfaSettings", "{ Enabled: contains(UserMFASettingList || `[]`, 'EMAIL_OTP'), PreferredMfa: PreferredMfaSetting == 'EMAIL_OTP' }"),
    ],
)];

/// Key members a resource may go without: a risk configuration without a `ClientId` is the
/// pool's own.
pub const OPTIONAL_KEYS: &[(&str, &str)] = &[("risk configuration", "ClientId")];

/// Removals of named items (tags, user attributes), undone by setting those items back as a
/// read just before the removal showed them: (removal, setter, the removal's member listing
/// the names, the setter's member taking the items).
pub const SET_BACK: &[(&str, &str, &str, &str)] = &[
    (
        "cognito::untag_resource",
        "cognito::tag_resource",
        "TagKeys",
        "Tags",
    ),
    ("iam::untag_role", "iam::tag_role", "TagKeys", "Tags"),
    (
        "cognito::admin_delete_user_attributes",
        "cognito::admin_update_user_attributes",
        "UserAttributeNames",
        "UserAttributes",
    ),
];

/// How a write (named as in a script) is undone, or why it cannot be; `None` for a read or
/// an operation the tables do not know.
pub fn restore_of(qualified: &str) -> Option<Restore> {
    let fact = of_name(qualified)?;
    if !fact.class.writes() {
        return None;
    }
    if let Some((_, why)) = IRREVERSIBLE.iter().find(|(op, _)| *op == qualified) {
        return Some(Restore::Irreversible(why));
    }
    if let Some(undo) = &fact.undo {
        return Some(Restore::Inverse(undo));
    }
    if let Some((_, setter, ..)) = SET_BACK.iter().find(|(op, ..)| *op == qualified) {
        return Some(Restore::Recreate(setter));
    }
    if RECREATES.contains(&qualified) {
        let (resource, Effect::Delete) = resource_of(qualified)? else {
            return None;
        };
        return resource.create.first().map(|c| Restore::Recreate(c));
    }
    match resource_of(qualified) {
        Some((r, Effect::Update(_))) if !r.get.is_empty() => Some(Restore::PutBack),
        _ => None,
    }
}

/// The facts of an operation.
pub fn of(op: &Operation) -> &'static Fact {
    of_name(&format!("{}::{}", op.namespace, op.name)).unwrap_or(&UNKNOWN)
}

/// A kind of thing an account holds, and the operations that create, read, list, change and
/// remove one: what a dry run's planned state is made of (see
/// [`planned`](crate::safety::planned)). Operations are named as in a script.
#[derive(Debug)]
pub struct Resource {
    pub kind: &'static str,
    /// The request members that identify one (`UserPoolId`, `Username`). Another resource whose
    /// key is part of this one's (a pool's `UserPoolId`) is its parent.
    pub key: &'static [&'static str],
    /// Key members a create's answer assigns (`UserPoolId` ← `response.UserPool.Id`), as
    /// JMESPath over `{ request, response }`.
    pub assigned: &'static [(&'static str, &'static str)],
    pub create: &'static [&'static str],
    /// Reads of one, by its key.
    pub get: &'static [&'static str],
    /// Changes: the operation, and the members it sets beyond its request's, as JMESPath over
    /// `{ request }` (`Enabled` ← `` `false` `` for `admin_disable_user`).
    pub update: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    pub delete: &'static [&'static str],
    /// Lists of them under a parent (or of all of them).
    pub list: &'static [Listing],
    /// The error code a read of a missing one answers with; `None`: an empty answer.
    pub not_found: Option<&'static str>,
    /// Members a new one has that its create request need not say, as JSON.
    pub fresh: &'static [(&'static str, &'static str)],
    /// What tells the one a run created from one made again later under the same name (its
    /// creation date, role id): JMESPath over the create's `{ request, response }`, and over
    /// a get's `{ response }`. A revert deletes only the one the run made.
    pub identity: Option<(&'static str, &'static str)>,
    /// Members an update sets that its reads show under another name (`PolicyDocument` of
    /// `update_assume_role_policy` is `AssumeRolePolicyDocument` of `get_role`).
    pub read_as: &'static [(&'static str, &'static str)],
}

/// A list operation of a resource: its items member, and how an item names a resource's
/// members (`Id` ← `UserPoolId`; an empty item field: the item is the member's value).
#[derive(Debug)]
pub struct Listing {
    pub op: &'static str,
    pub items: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
}

const fn listing(
    op: &'static str,
    items: &'static str,
    fields: &'static [(&'static str, &'static str)],
) -> Listing {
    Listing { op, items, fields }
}

const NOT_FOUND: Option<&str> = Some("ResourceNotFoundException");
const NO_SUCH_ENTITY: Option<&str> = Some("NoSuchEntity");

/// The resources a runbook manages, Cognito's and IAM's.
#[rustfmt::skip]
pub static RESOURCES: &[Resource] = &[
    Resource {
        kind: "user pool", key: &["UserPoolId"],
        assigned: &[("UserPoolId", "response.UserPool.Id")],
        create: &["cognito::create_user_pool"],
        get: &["cognito::describe_user_pool", "cognito::get_user_pool_mfa_config"],
        update: &[("cognito::update_user_pool", &[]), ("cognito::set_user_pool_mfa_config", &[])],
        delete: &["cognito::delete_user_pool"],
        list: &[listing("cognito::list_user_pools", "UserPools", &[("Id", "UserPoolId"), ("Name", "PoolName")])],
        not_found: NOT_FOUND, fresh: &[("MfaConfiguration", "\"OFF\"")],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "user", key: &["UserPoolId", "Username"], assigned: &[],
        create: &["cognito::admin_create_user"],
        get: &["cognito::admin_get_user"],
        update: &[
            ("cognito::admin_update_user_attributes", &[]),
            ("cognito::admin_enable_user", &[("Enabled", "`true`")]),
            ("cognito::admin_disable_user", &[("Enabled", "`false`")]),
            ("cognito::admin_set_user_password", &[("UserStatus", "request.Permanent && 'CONFIRMED' || 'FORCE_CHANGE_PASSWORD'")]),
            ("cognito::admin_set_user_settings", &[]),
            ("cognito::admin_set_user_mfa_preference", &[]),
        ],
        delete: &["cognito::admin_delete_user"],
        list: &[listing("cognito::list_users", "Users", &[("Username", "Username"), ("Attributes", "UserAttributes"), ("Enabled", "Enabled"), ("UserStatus", "UserStatus")])],
        not_found: Some("UserNotFoundException"),
        fresh: &[("Enabled", "true"), ("UserStatus", "\"FORCE_CHANGE_PASSWORD\"")],
        identity: Some(("response.User.UserCreateDate", "response.UserCreateDate")),
        read_as: &[],
    },
    Resource {
        kind: "group", key: &["UserPoolId", "GroupName"], assigned: &[],
        create: &["cognito::create_group"],
        get: &["cognito::get_group"],
        update: &[("cognito::update_group", &[])],
        delete: &["cognito::delete_group"],
        list: &[listing("cognito::list_groups", "Groups", &[("GroupName", "GroupName"), ("UserPoolId", "UserPoolId"), ("Description", "Description"), ("Precedence", "Precedence"), ("RoleArn", "RoleArn")])],
        not_found: NOT_FOUND, fresh: &[],
        identity: Some(("response.Group.CreationDate", "response.Group.CreationDate")),
        read_as: &[],
    },
    Resource {
        kind: "group membership", key: &["UserPoolId", "Username", "GroupName"], assigned: &[],
        create: &["cognito::admin_add_user_to_group"],
        get: &[], update: &[],
        delete: &["cognito::admin_remove_user_from_group"],
        list: &[
            listing("cognito::admin_list_groups_for_user", "Groups", &[("GroupName", "GroupName"), ("UserPoolId", "UserPoolId")]),
            listing("cognito::list_users_in_group", "Users", &[("Username", "Username")]),
        ],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "app client", key: &["UserPoolId", "ClientId"],
        assigned: &[("ClientId", "response.UserPoolClient.ClientId")],
        create: &["cognito::create_user_pool_client"],
        get: &["cognito::describe_user_pool_client"],
        update: &[("cognito::update_user_pool_client", &[])],
        delete: &["cognito::delete_user_pool_client"],
        list: &[listing("cognito::list_user_pool_clients", "UserPoolClients", &[("ClientId", "ClientId"), ("ClientName", "ClientName"), ("UserPoolId", "UserPoolId")])],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "user pool domain", key: &["Domain"], assigned: &[],
        create: &["cognito::create_user_pool_domain"],
        get: &["cognito::describe_user_pool_domain"],
        update: &[("cognito::update_user_pool_domain", &[])],
        delete: &["cognito::delete_user_pool_domain"],
        list: &[],
        // DescribeUserPoolDomain answers an empty description for a domain that is not there.
        not_found: None, fresh: &[],
        // The pool it belongs to: a domain made again for another pool is not the run's.
        identity: Some(("request.UserPoolId", "response.DomainDescription.UserPoolId")),
        read_as: &[],
    },
    Resource {
        kind: "identity provider", key: &["UserPoolId", "ProviderName"], assigned: &[],
        create: &["cognito::create_identity_provider"],
        get: &["cognito::describe_identity_provider"],
        update: &[("cognito::update_identity_provider", &[])],
        delete: &["cognito::delete_identity_provider"],
        list: &[listing("cognito::list_identity_providers", "Providers", &[("ProviderName", "ProviderName"), ("ProviderType", "ProviderType")])],
        not_found: NOT_FOUND, fresh: &[],
        identity: Some(("response.IdentityProvider.CreationDate", "response.IdentityProvider.CreationDate")),
        read_as: &[],
    },
    Resource {
        kind: "resource server", key: &["UserPoolId", "Identifier"], assigned: &[],
        create: &["cognito::create_resource_server"],
        get: &["cognito::describe_resource_server"],
        update: &[("cognito::update_resource_server", &[])],
        delete: &["cognito::delete_resource_server"],
        list: &[listing("cognito::list_resource_servers", "ResourceServers", &[("Identifier", "Identifier"), ("Name", "Name"), ("UserPoolId", "UserPoolId")])],
        not_found: NOT_FOUND, fresh: &[],
        // No date: what it is (name and scopes), so one made again otherwise is left.
        identity: Some(("response.ResourceServer", "response.ResourceServer")),
        read_as: &[],
    },
    Resource {
        // Starting a job whose CSV was uploaded creates that CSV's users (see planned.rs).
        kind: "user import job", key: &["UserPoolId", "JobId"],
        assigned: &[("JobId", "response.UserImportJob.JobId")],
        create: &["cognito::create_user_import_job"],
        get: &["cognito::describe_user_import_job"],
        update: &[
            ("cognito::start_user_import_job", &[("Status", "'Succeeded'")]),
            ("cognito::stop_user_import_job", &[("Status", "'Stopped'")]),
        ],
        delete: &[],
        list: &[listing("cognito::list_user_import_jobs", "UserImportJobs", &[("JobId", "JobId"), ("JobName", "JobName"), ("UserPoolId", "UserPoolId")])],
        not_found: NOT_FOUND, fresh: &[("Status", "\"Created\"")],
        identity: None,
        read_as: &[],
    },
    Resource {
        // Terms of an app client, by id: UpdateTerms is put back from DescribeTerms.
        kind: "terms", key: &["UserPoolId", "TermsId"],
        assigned: &[("TermsId", "response.Terms.TermsId")],
        create: &["cognito::create_terms"],
        get: &["cognito::describe_terms"],
        update: &[("cognito::update_terms", &[])],
        delete: &["cognito::delete_terms"],
        list: &[listing("cognito::list_terms", "Terms", &[("TermsId", "TermsId"), ("TermsName", "TermsName")])],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        // An app client's managed login style, by id: UpdateManagedLoginBranding is put back
        // from DescribeManagedLoginBranding.
        kind: "managed login branding", key: &["UserPoolId", "ManagedLoginBrandingId"],
        assigned: &[("ManagedLoginBrandingId", "response.ManagedLoginBranding.ManagedLoginBrandingId")],
        create: &["cognito::create_managed_login_branding"],
        get: &["cognito::describe_managed_login_branding"],
        update: &[("cognito::update_managed_login_branding", &[])],
        delete: &["cognito::delete_managed_login_branding"],
        list: &[],
        not_found: NOT_FOUND, fresh: &[],
        identity: Some(("response.ManagedLoginBranding.CreationDate", "response.ManagedLoginBranding.CreationDate")),
        read_as: &[],
    },
    Resource {
        // A pool's (or one app client's) threat protection, set whole: SetRiskConfiguration is
        // put back from DescribeRiskConfiguration. Without a ClientId, the pool's own.
        kind: "risk configuration", key: &["UserPoolId", "ClientId"], assigned: &[],
        create: &[],
        get: &["cognito::describe_risk_configuration"],
        update: &[("cognito::set_risk_configuration", &[])],
        delete: &[], list: &[],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        // Where a pool delivers its logs: one configuration per pool, set whole.
        kind: "log delivery configuration", key: &["UserPoolId"], assigned: &[],
        create: &[],
        get: &["cognito::get_log_delivery_configuration"],
        update: &[("cognito::set_log_delivery_configuration", &[])],
        delete: &[], list: &[],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        // A user pool's tags, by its ARN: TagResource merges them in by key.
        kind: "user pool tags", key: &["ResourceArn"], assigned: &[],
        create: &["cognito::tag_resource"],
        get: &["cognito::list_tags_for_resource"],
        update: &[], delete: &[], list: &[],
        not_found: NOT_FOUND, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "role", key: &["RoleName"], assigned: &[],
        create: &["iam::create_role"],
        get: &["iam::get_role"],
        // Tags merge by key into what a read shows (removing them is not modelled).
        update: &[("iam::update_assume_role_policy", &[]), ("iam::tag_role", &[])],
        delete: &["iam::delete_role"],
        list: &[listing("iam::list_roles", "Roles", &[("RoleName", "RoleName"), ("AssumeRolePolicyDocument", "AssumeRolePolicyDocument")])],
        not_found: NO_SUCH_ENTITY, fresh: &[],
        identity: Some(("response.Role.RoleId", "response.Role.RoleId")),
        read_as: &[("PolicyDocument", "AssumeRolePolicyDocument")],
    },
    Resource {
        kind: "policy", key: &["PolicyArn"],
        assigned: &[("PolicyArn", "response.Policy.Arn")],
        create: &["iam::create_policy"],
        get: &["iam::get_policy"],
        update: &[("iam::set_default_policy_version", &[])],
        delete: &["iam::delete_policy"],
        list: &[listing("iam::list_policies", "Policies", &[("Arn", "PolicyArn"), ("PolicyName", "PolicyName")])],
        not_found: NO_SUCH_ENTITY, fresh: &[("DefaultVersionId", "\"v1\"")],
        identity: Some(("response.Policy.PolicyId", "response.Policy.PolicyId")),
        read_as: &[("VersionId", "DefaultVersionId")],
    },
    Resource {
        kind: "policy version", key: &["PolicyArn", "VersionId"],
        assigned: &[("VersionId", "response.PolicyVersion.VersionId")],
        create: &["iam::create_policy_version"],
        get: &["iam::get_policy_version"],
        update: &[],
        delete: &["iam::delete_policy_version"],
        list: &[listing("iam::list_policy_versions", "Versions", &[("VersionId", "VersionId")])],
        not_found: NO_SUCH_ENTITY, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "role policy attachment", key: &["RoleName", "PolicyArn"], assigned: &[],
        create: &["iam::attach_role_policy"],
        get: &[], update: &[],
        delete: &["iam::detach_role_policy"],
        list: &[listing("iam::list_attached_role_policies", "AttachedPolicies", &[("PolicyArn", "PolicyArn")])],
        not_found: NO_SUCH_ENTITY, fresh: &[],
        identity: None,
        read_as: &[],
    },
    Resource {
        kind: "inline role policy", key: &["RoleName", "PolicyName"], assigned: &[],
        create: &["iam::put_role_policy"],
        get: &["iam::get_role_policy"],
        update: &[],
        delete: &["iam::delete_role_policy"],
        list: &[listing("iam::list_role_policies", "PolicyNames", &[("", "PolicyName")])],
        not_found: NO_SUCH_ENTITY, fresh: &[],
        // Its document, as the run put it.
        identity: Some(("request.PolicyDocument", "response.PolicyDocument")),
        read_as: &[],
    },
];

/// What an operation does to a resource of the planned state.
#[derive(Clone, Copy, Debug)]
pub enum Effect {
    Create,
    Get,
    Update(&'static [(&'static str, &'static str)]),
    Delete,
    List(&'static Listing),
}

/// The resource an operation (named as in a script) acts on, and how; `None` for what the
/// planned state does not model.
pub fn resource_of(qualified: &str) -> Option<(&'static Resource, Effect)> {
    RESOURCES.iter().find_map(|r| {
        let effect = if r.create.contains(&qualified) {
            Effect::Create
        } else if r.get.contains(&qualified) {
            Effect::Get
        } else if let Some((_, sets)) = r.update.iter().find(|(op, _)| *op == qualified) {
            Effect::Update(sets)
        } else if r.delete.contains(&qualified) {
            Effect::Delete
        } else if let Some(l) = r.list.iter().find(|l| l.op == qualified) {
            Effect::List(l)
        } else {
            return None;
        };
        Some((r, effect))
    })
}

/// The facts of an operation named as in a script.
pub fn of_name(qualified: &str) -> Option<&'static Fact> {
    FACTS.iter().find(|f| f.op == qualified)
}

/// A Cognito request-rate quota category (developer guide, "Quotas in Amazon Cognito"): the
/// operations that share one budget per account and region, and its default rate.
pub struct Quota {
    pub category: &'static str,
    /// Requests per second by default.
    pub rps: f64,
    /// Can the account raise it (Service Quotas)? Those that cannot never go above the default.
    pub adjustable: bool,
    /// The operations, as scripts name them.
    pub ops: &'static [&'static str],
}

/// The categories of the operations runbook paces in bulk (`aws::batch`, `restore_groups`,
/// `export_users`). An operation in none has no pre-set pace: a batch of it finds the
/// service's rate by being throttled.
pub static QUOTAS: &[Quota] = &[
    Quota {
        category: "UserCreation",
        rps: 50.0,
        adjustable: true,
        ops: &["cognito::admin_create_user", "cognito::sign_up"],
    },
    Quota {
        category: "UserAuthentication",
        rps: 120.0,
        adjustable: true,
        ops: &[
            "cognito::admin_initiate_auth",
            "cognito::admin_respond_to_auth_challenge",
            "cognito::initiate_auth",
            "cognito::respond_to_auth_challenge",
        ],
    },
    Quota {
        category: "UserAccountRecovery",
        rps: 30.0,
        adjustable: false,
        ops: &[
            "cognito::admin_set_user_password",
            "cognito::admin_reset_user_password",
            "cognito::forgot_password",
            "cognito::confirm_forgot_password",
        ],
    },
    Quota {
        category: "UserRead",
        rps: 120.0,
        adjustable: true,
        ops: &["cognito::admin_get_user", "cognito::get_user"],
    },
    Quota {
        category: "UserUpdate",
        rps: 25.0,
        adjustable: false,
        ops: &[
            "cognito::admin_add_user_to_group",
            "cognito::admin_remove_user_from_group",
            "cognito::admin_disable_user",
            "cognito::admin_enable_user",
            "cognito::admin_delete_user",
            "cognito::admin_update_user_attributes",
            "cognito::admin_delete_user_attributes",
            "cognito::admin_confirm_sign_up",
            "cognito::admin_user_global_sign_out",
            "cognito::admin_set_user_mfa_preference",
        ],
    },
    Quota {
        category: "UserResourceRead",
        rps: 50.0,
        adjustable: true,
        ops: &["cognito::admin_list_groups_for_user"],
    },
    Quota {
        category: "UserList",
        rps: 30.0,
        adjustable: false,
        ops: &["cognito::list_users", "cognito::list_users_in_group"],
    },
    Quota {
        category: "UserPoolRead",
        rps: 15.0,
        adjustable: true,
        ops: &["cognito::describe_user_pool", "cognito::list_user_pools"],
    },
    Quota {
        category: "UserPoolResourceRead",
        rps: 20.0,
        adjustable: true,
        ops: &[
            "cognito::list_groups",
            "cognito::get_group",
            "cognito::get_csv_header",
            "cognito::describe_user_import_job",
            "cognito::list_user_import_jobs",
        ],
    },
    Quota {
        category: "UserPoolResourceUpdate",
        rps: 15.0,
        adjustable: true,
        ops: &[
            "cognito::create_group",
            "cognito::update_group",
            "cognito::delete_group",
            "cognito::create_user_import_job",
            "cognito::start_user_import_job",
            "cognito::stop_user_import_job",
        ],
    },
];

/// The quota category of an operation (`cognito::admin_create_user` → UserCreation), if known.
pub fn quota_of(qualified: &str) -> Option<&'static Quota> {
    QUOTAS.iter().find(|q| q.ops.contains(&qualified))
}

/// Anything not in the table is treated as the most careful class.
static UNKNOWN: Fact = fact("?", Delete, None);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws;

    fn qualified(op: &Operation) -> String {
        format!("{}::{}", op.namespace, op.name)
    }

    #[test]
    fn every_operation_has_exactly_one_fact() {
        let ops: Vec<String> = aws::operations().map(qualified).collect();
        assert_eq!(ops.len(), 132 + 23 + 1 + 3);
        for op in &ops {
            assert_eq!(
                FACTS.iter().filter(|f| f.op == op).count(),
                1,
                "{op} needs one fact"
            );
        }
        for f in FACTS {
            assert!(
                ops.contains(&f.op.to_string()),
                "{} is not an operation",
                f.op
            );
        }
    }

    #[test]
    fn every_quota_names_operations_once() {
        let ops: Vec<String> = aws::operations().map(qualified).collect();
        let mut seen = std::collections::HashSet::new();
        for quota in QUOTAS {
            for op in quota.ops {
                assert!(ops.contains(&op.to_string()), "{op} is not an operation");
                assert!(seen.insert(*op), "{op} is in two categories");
            }
        }
        assert_eq!(
            quota_of("cognito::admin_create_user").map(|q| q.category),
            Some("UserCreation")
        );
    }

    #[test]
    fn reads_are_the_documented_prefixes_and_nothing_else_reads() {
        let side_effects = [
            "cognito::get_user_attribute_verification_code",
            "cognito::get_tokens_from_refresh_token",
            "cognito::get_client_token",
        ];
        for f in FACTS {
            let name = f.op.split("::").nth(1).unwrap_or("");
            let read_name = [
                "describe_",
                "get_",
                "list_",
                "admin_get_",
                "admin_list_",
                "filter_",
            ]
            .iter()
            .any(|p| name.starts_with(p));
            let expected = read_name && !side_effects.contains(&f.op);
            assert_eq!(f.class == Read, expected, "{}", f.op);
        }
    }

    #[test]
    fn destructive_calls_are_the_documented_ones() {
        for f in FACTS {
            let name = f.op.split("::").nth(1).unwrap_or("");
            let by_prefix = [
                "delete_",
                "admin_delete_",
                "detach_",
                "remove_",
                "admin_remove_",
                "stop_",
            ]
            .iter()
            .any(|p| name.starts_with(p));
            let named = [
                "admin_disable_user",
                "global_sign_out",
                "admin_user_global_sign_out",
                "revoke_token",
                "forget_device",
                "admin_forget_device",
                "admin_disable_provider_for_user",
            ]
            .contains(&name);
            assert_eq!(f.class == Delete, by_prefix || named, "{}", f.op);
        }
    }

    #[test]
    fn every_undo_is_a_real_call_with_its_required_members() {
        for f in FACTS {
            let Some(undo) = &f.undo else { continue };
            assert!(f.class.writes(), "{} reads: nothing to undo", f.op);
            let (ns, name) = undo.op.split_once("::").unwrap_or_default();
            let inverse = aws::find_operation(ns, name)
                .unwrap_or_else(|| panic!("{}: undo {} is not an operation", f.op, undo.op));
            for member in inverse.input.members.iter().filter(|m| m.required) {
                assert!(
                    undo.request.iter().any(|(k, _)| *k == member.name),
                    "{}: undo {} lacks required {}",
                    f.op,
                    undo.op,
                    member.name
                );
            }
            for (key, path) in undo.request {
                assert!(inverse.input.member(key).is_some(), "{}: {key}", f.op);
                assert!(jmespath::compile(path).is_ok(), "{}: {path}", f.op);
            }
        }
    }

    /// Every operation the resource table names is real, with the members it relies on; every
    /// write of a modelled resource kind is in it or said to be unmodelled by the planned state.
    #[test]
    fn the_resource_table_names_real_operations_and_members() {
        let find = |q: &str| {
            let (ns, name) = q.split_once("::").unwrap_or_default();
            aws::find_operation(ns, name).unwrap_or_else(|| panic!("{q} is not an operation"))
        };
        let mut seen = std::collections::HashSet::new();
        for r in RESOURCES {
            let ops = r
                .create
                .iter()
                .chain(r.get)
                .chain(r.delete)
                .copied()
                .chain(r.update.iter().map(|(op, _)| *op))
                .chain(r.list.iter().map(|l| l.op));
            for q in ops {
                assert!(seen.insert(q), "{q} is in the table twice");
                let op = find(q);
                let listed = r.list.iter().find(|l| l.op == q);
                match listed {
                    Some(l) => {
                        let items = op
                            .output
                            .member(l.items)
                            .unwrap_or_else(|| panic!("{q}: {}", l.items));
                        if let (
                            super::super::shape::Ty::List(super::super::shape::Ty::Struct(item)),
                            false,
                        ) = (&items.ty, l.fields.iter().any(|(f, _)| f.is_empty()))
                        {
                            for (field, _) in l.fields {
                                assert!(item.member(field).is_some(), "{q}: item has no {field}");
                            }
                        }
                    }
                    None => {
                        for key in r.key {
                            let assigned =
                                r.create.contains(&q) && r.assigned.iter().any(|(k, _)| k == key);
                            assert!(
                                assigned || op.input.member(key).is_some(),
                                "{q} lacks {key}"
                            );
                        }
                    }
                }
                if r.create.contains(&q) {
                    assert_eq!(of_name(q).map(|f| f.class), Some(Create), "{q}");
                }
            }
        }
    }

    /// Every write is restorable (an inverse, or a before-image put back) or irreversible with a
    /// reason, and never both: a write added without either fails here.
    #[test]
    fn every_write_is_restorable_or_says_why_not() {
        let mut restorable = 0;
        let mut irreversible = 0;
        for f in FACTS.iter().filter(|f| f.class.writes()) {
            match restore_of(f.op) {
                Some(Restore::Irreversible(why)) => {
                    assert!(!why.is_empty(), "{}", f.op);
                    assert!(f.undo.is_none(), "{} has an undo and a reason not to", f.op);
                    irreversible += 1;
                }
                Some(_) => restorable += 1,
                None => panic!("{}: neither restorable nor said not to be", f.op),
            }
        }
        for (op, _) in IRREVERSIBLE {
            assert!(
                of_name(op).is_some_and(|f| f.class.writes()),
                "{op} is not a write"
            );
            assert_eq!(
                IRREVERSIBLE.iter().filter(|(o, _)| o == op).count(),
                1,
                "{op}"
            );
        }
        assert_eq!(
            restorable + irreversible,
            FACTS.iter().filter(|f| f.class.writes()).count()
        );
        assert!(restorable >= 30, "{restorable} restorable writes");
        assert!(matches!(
            restore_of("cognito::admin_remove_user_from_group"),
            Some(Restore::Inverse(u)) if u.op == "cognito::admin_add_user_to_group"
        ));
        assert!(matches!(
            restore_of("cognito::update_group"),
            Some(Restore::PutBack)
        ));
    }

    #[test]
    fn every_create_the_issue_names_has_an_undo() {
        for op in [
            "cognito::create_user_pool",
            "cognito::admin_create_user",
            "cognito::create_group",
            "cognito::admin_add_user_to_group",
            "cognito::admin_disable_user",
            "cognito::admin_enable_user",
            "cognito::create_user_pool_client",
            "cognito::create_user_pool_domain",
            "cognito::create_resource_server",
            "cognito::create_identity_provider",
            "cognito::tag_resource",
            "iam::create_policy",
            "iam::create_policy_version",
            "iam::create_role",
            "iam::attach_role_policy",
            "iam::put_role_policy",
            "iam::tag_role",
        ] {
            assert!(of_name(op).and_then(|f| f.undo.as_ref()).is_some(), "{op}");
        }
        // Everything that creates has an undo, except what cannot be taken back.
        let irreversible = [
            "cognito::add_custom_attributes",
            "cognito::create_user_import_job",
            "cognito::sign_up",
        ];
        for f in FACTS.iter().filter(|f| f.class == Create) {
            assert_eq!(f.undo.is_none(), irreversible.contains(&f.op), "{}", f.op);
        }
    }
}
