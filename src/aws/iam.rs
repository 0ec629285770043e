//! `iam::*`: the roles-and-policies family, one table.
//!
//! `aws-sdk-iam` speaks the awsQuery protocol and has no schema serde, so each operation's
//! request shape is declared here and its send glue reads the checked request document into the
//! fluent builder. Responses are converted by hand from the few IAM types involved (Role,
//! Policy, PolicyVersion, AttachedPolicy, Tag). Policy documents are accepted as maps or JSON
//! strings and returned decoded, as the AWS CLI prints them (IAM URL-encodes them).

use std::collections::HashMap;

use aws_sdk_iam::types::{
    AttachedPolicy, Policy, PolicyScopeType, PolicyUsageType, PolicyVersion, Role, Tag,
};
use aws_smithy_types::{DateTime, Document, Number};

use super::shape::{Operation, Pagination, Shape, Ty};
use super::{AwsError, Clients, OpFuture};
use crate::shape;

static TAG: Shape = shape!("Tag" { "Key": Ty::String, required; "Value": Ty::String, required });

static ROLE: Shape = shape!("Role" {
    "Path": Ty::String; "RoleName": Ty::String; "RoleId": Ty::String; "Arn": Ty::String;
    "CreateDate": Ty::Timestamp; "AssumeRolePolicyDocument": Ty::Document; "Description": Ty::String;
    "MaxSessionDuration": Ty::Integer; "Tags": Ty::List(&Ty::Struct(&TAG));
});
static POLICY: Shape = shape!("Policy" {
    "PolicyName": Ty::String; "PolicyId": Ty::String; "Arn": Ty::String; "Path": Ty::String;
    "DefaultVersionId": Ty::String; "AttachmentCount": Ty::Integer;
    "PermissionsBoundaryUsageCount": Ty::Integer; "IsAttachable": Ty::Boolean;
    "Description": Ty::String; "CreateDate": Ty::Timestamp; "UpdateDate": Ty::Timestamp;
    "Tags": Ty::List(&Ty::Struct(&TAG));
});
static POLICY_VERSION: Shape = shape!("PolicyVersion" {
    "Document": Ty::Document; "VersionId": Ty::String; "IsDefaultVersion": Ty::Boolean;
    "CreateDate": Ty::Timestamp;
});
static ATTACHED_POLICY: Shape =
    shape!("AttachedPolicy" { "PolicyName": Ty::String; "PolicyArn": Ty::String });

static EMPTY: Shape = shape!("Empty" {});
static ROLE_OUT: Shape = shape!("RoleResponse" { "Role": Ty::Struct(&ROLE) });
static POLICY_OUT: Shape = shape!("PolicyResponse" { "Policy": Ty::Struct(&POLICY) });
static POLICY_VERSION_OUT: Shape =
    shape!("PolicyVersionResponse" { "PolicyVersion": Ty::Struct(&POLICY_VERSION) });
static LIST_POLICIES_OUT: Shape = shape!("ListPoliciesResponse" {
    "Policies": Ty::List(&Ty::Struct(&POLICY)); "IsTruncated": Ty::Boolean; "Marker": Ty::String;
});
static LIST_VERSIONS_OUT: Shape = shape!("ListPolicyVersionsResponse" {
    "Versions": Ty::List(&Ty::Struct(&POLICY_VERSION)); "IsTruncated": Ty::Boolean; "Marker": Ty::String;
});
static LIST_ROLES_OUT: Shape = shape!("ListRolesResponse" {
    "Roles": Ty::List(&Ty::Struct(&ROLE)); "IsTruncated": Ty::Boolean; "Marker": Ty::String;
});
static LIST_ATTACHED_OUT: Shape = shape!("ListAttachedRolePoliciesResponse" {
    "AttachedPolicies": Ty::List(&Ty::Struct(&ATTACHED_POLICY)); "IsTruncated": Ty::Boolean; "Marker": Ty::String;
});
static LIST_ROLE_POLICIES_OUT: Shape = shape!("ListRolePoliciesResponse" {
    "PolicyNames": Ty::List(&Ty::String); "IsTruncated": Ty::Boolean; "Marker": Ty::String;
});
static GET_ROLE_POLICY_OUT: Shape = shape!("GetRolePolicyResponse" {
    "RoleName": Ty::String; "PolicyName": Ty::String; "PolicyDocument": Ty::Document;
});

static CREATE_POLICY: Shape = shape!("CreatePolicyRequest" {
    "PolicyName": Ty::String, required; "Path": Ty::String; "PolicyDocument": Ty::Json, required;
    "Description": Ty::String; "Tags": Ty::List(&Ty::Struct(&TAG));
});
static POLICY_ARN: Shape = shape!("PolicyArnRequest" { "PolicyArn": Ty::String, required });
static LIST_POLICIES: Shape = shape!("ListPoliciesRequest" {
    "Scope": Ty::Enum(PolicyScopeType::values); "OnlyAttached": Ty::Boolean; "PathPrefix": Ty::String;
    "PolicyUsageFilter": Ty::Enum(PolicyUsageType::values); "Marker": Ty::String; "MaxItems": Ty::Integer;
});
static CREATE_POLICY_VERSION: Shape = shape!("CreatePolicyVersionRequest" {
    "PolicyArn": Ty::String, required; "PolicyDocument": Ty::Json, required; "SetAsDefault": Ty::Boolean;
});
static LIST_POLICY_VERSIONS: Shape = shape!("ListPolicyVersionsRequest" {
    "PolicyArn": Ty::String, required; "Marker": Ty::String; "MaxItems": Ty::Integer;
});
static POLICY_VERSION_ID: Shape = shape!("PolicyVersionRequest" {
    "PolicyArn": Ty::String, required; "VersionId": Ty::String, required;
});
static CREATE_ROLE: Shape = shape!("CreateRoleRequest" {
    "Path": Ty::String; "RoleName": Ty::String, required; "AssumeRolePolicyDocument": Ty::Json, required;
    "Description": Ty::String; "MaxSessionDuration": Ty::Integer; "PermissionsBoundary": Ty::String;
    "Tags": Ty::List(&Ty::Struct(&TAG));
});
static ROLE_NAME: Shape = shape!("RoleNameRequest" { "RoleName": Ty::String, required });
static LIST_ROLES: Shape = shape!("ListRolesRequest" {
    "PathPrefix": Ty::String; "Marker": Ty::String; "MaxItems": Ty::Integer;
});
static UPDATE_ASSUME_ROLE_POLICY: Shape = shape!("UpdateAssumeRolePolicyRequest" {
    "RoleName": Ty::String, required; "PolicyDocument": Ty::Json, required;
});
static ROLE_POLICY_ARN: Shape = shape!("RolePolicyArnRequest" {
    "RoleName": Ty::String, required; "PolicyArn": Ty::String, required;
});
static LIST_ATTACHED: Shape = shape!("ListAttachedRolePoliciesRequest" {
    "RoleName": Ty::String, required; "PathPrefix": Ty::String; "Marker": Ty::String; "MaxItems": Ty::Integer;
});
static PUT_ROLE_POLICY: Shape = shape!("PutRolePolicyRequest" {
    "RoleName": Ty::String, required; "PolicyName": Ty::String, required; "PolicyDocument": Ty::Json, required;
});
static ROLE_POLICY_NAME: Shape = shape!("RolePolicyNameRequest" {
    "RoleName": Ty::String, required; "PolicyName": Ty::String, required;
});
static LIST_ROLE_POLICIES: Shape = shape!("ListRolePoliciesRequest" {
    "RoleName": Ty::String, required; "Marker": Ty::String; "MaxItems": Ty::Integer;
});
static TAG_ROLE: Shape = shape!("TagRoleRequest" {
    "RoleName": Ty::String, required; "Tags": Ty::List(&Ty::Struct(&TAG)), required;
});
static UNTAG_ROLE: Shape = shape!("UntagRoleRequest" {
    "RoleName": Ty::String, required; "TagKeys": Ty::List(&Ty::String), required;
});

const fn marker(items: &'static str) -> Pagination {
    Pagination {
        input_token: "Marker",
        output_token: "Marker",
        items: Some(items),
        limit: Some("MaxItems"),
    }
}
static PAGE_POLICIES: Pagination = marker("Policies");
static PAGE_VERSIONS: Pagination = marker("Versions");
static PAGE_ROLES: Pagination = marker("Roles");
static PAGE_ATTACHED: Pagination = marker("AttachedPolicies");
static PAGE_ROLE_POLICIES: Pagination = marker("PolicyNames");

macro_rules! op {
    ($name:literal, $api:literal, $doc:literal, $input:ident, $output:ident, $page:expr, $send:ident) => {
        Operation {
            service: "iam",
            namespace: "iam",
            name: $name,
            api: $api,
            doc: $doc,
            input: &$input,
            output: &$output,
            pagination: $page,
            send: $send,
        }
    };
}

/// The 22 IAM operations, sorted by name.
pub static OPERATIONS: &[Operation] = &[
    op!(
        "attach_role_policy",
        "AttachRolePolicy",
        "Attaches a managed policy to a role.",
        ROLE_POLICY_ARN,
        EMPTY,
        None,
        attach_role_policy
    ),
    op!(
        "create_policy",
        "CreatePolicy",
        "Creates a customer managed policy.",
        CREATE_POLICY,
        POLICY_OUT,
        None,
        create_policy
    ),
    op!(
        "create_policy_version",
        "CreatePolicyVersion",
        "Creates a new version of a managed policy.",
        CREATE_POLICY_VERSION,
        POLICY_VERSION_OUT,
        None,
        create_policy_version
    ),
    op!(
        "create_role",
        "CreateRole",
        "Creates a role with a trust (assume-role) policy.",
        CREATE_ROLE,
        ROLE_OUT,
        None,
        create_role
    ),
    op!(
        "delete_policy",
        "DeletePolicy",
        "Deletes a managed policy (detach it and delete its other versions first).",
        POLICY_ARN,
        EMPTY,
        None,
        delete_policy
    ),
    op!(
        "delete_policy_version",
        "DeletePolicyVersion",
        "Deletes a non-default version of a managed policy.",
        POLICY_VERSION_ID,
        EMPTY,
        None,
        delete_policy_version
    ),
    op!(
        "delete_role",
        "DeleteRole",
        "Deletes a role (detach and delete its policies first).",
        ROLE_NAME,
        EMPTY,
        None,
        delete_role
    ),
    op!(
        "delete_role_policy",
        "DeleteRolePolicy",
        "Deletes an inline policy from a role.",
        ROLE_POLICY_NAME,
        EMPTY,
        None,
        delete_role_policy
    ),
    op!(
        "detach_role_policy",
        "DetachRolePolicy",
        "Detaches a managed policy from a role.",
        ROLE_POLICY_ARN,
        EMPTY,
        None,
        detach_role_policy
    ),
    op!(
        "get_policy",
        "GetPolicy",
        "Describes a managed policy.",
        POLICY_ARN,
        POLICY_OUT,
        None,
        get_policy
    ),
    op!(
        "get_policy_version",
        "GetPolicyVersion",
        "Returns one version of a managed policy, with its document.",
        POLICY_VERSION_ID,
        POLICY_VERSION_OUT,
        None,
        get_policy_version
    ),
    op!(
        "get_role",
        "GetRole",
        "Describes a role, with its trust policy.",
        ROLE_NAME,
        ROLE_OUT,
        None,
        get_role
    ),
    op!(
        "get_role_policy",
        "GetRolePolicy",
        "Returns an inline policy of a role.",
        ROLE_POLICY_NAME,
        GET_ROLE_POLICY_OUT,
        None,
        get_role_policy
    ),
    op!(
        "list_attached_role_policies",
        "ListAttachedRolePolicies",
        "Lists the managed policies attached to a role.",
        LIST_ATTACHED,
        LIST_ATTACHED_OUT,
        Some(&PAGE_ATTACHED),
        list_attached_role_policies
    ),
    op!(
        "list_policies",
        "ListPolicies",
        "Lists managed policies.",
        LIST_POLICIES,
        LIST_POLICIES_OUT,
        Some(&PAGE_POLICIES),
        list_policies
    ),
    op!(
        "list_policy_versions",
        "ListPolicyVersions",
        "Lists the versions of a managed policy.",
        LIST_POLICY_VERSIONS,
        LIST_VERSIONS_OUT,
        Some(&PAGE_VERSIONS),
        list_policy_versions
    ),
    op!(
        "list_role_policies",
        "ListRolePolicies",
        "Lists the names of a role's inline policies.",
        LIST_ROLE_POLICIES,
        LIST_ROLE_POLICIES_OUT,
        Some(&PAGE_ROLE_POLICIES),
        list_role_policies
    ),
    op!(
        "list_roles",
        "ListRoles",
        "Lists roles.",
        LIST_ROLES,
        LIST_ROLES_OUT,
        Some(&PAGE_ROLES),
        list_roles
    ),
    op!(
        "put_role_policy",
        "PutRolePolicy",
        "Adds or replaces an inline policy of a role.",
        PUT_ROLE_POLICY,
        EMPTY,
        None,
        put_role_policy
    ),
    op!(
        "tag_role",
        "TagRole",
        "Adds tags to a role.",
        TAG_ROLE,
        EMPTY,
        None,
        tag_role
    ),
    op!(
        "untag_role",
        "UntagRole",
        "Removes tags from a role.",
        UNTAG_ROLE,
        EMPTY,
        None,
        untag_role
    ),
    op!(
        "update_assume_role_policy",
        "UpdateAssumeRolePolicy",
        "Replaces a role's trust (assume-role) policy.",
        UPDATE_ASSUME_ROLE_POLICY,
        EMPTY,
        None,
        update_assume_role_policy
    ),
];

// ---- reading the checked request document -------------------------------------------------

fn field<'d>(doc: &'d Document, key: &str) -> Option<&'d Document> {
    match doc {
        Document::Object(map) => map.get(key),
        _ => None,
    }
}

fn text(doc: &Document, key: &str) -> Option<String> {
    match field(doc, key) {
        Some(Document::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn int(doc: &Document, key: &str) -> Option<i32> {
    match field(doc, key) {
        Some(Document::Number(Number::PosInt(n))) => i32::try_from(*n).ok(),
        Some(Document::Number(Number::NegInt(n))) => i32::try_from(*n).ok(),
        _ => None,
    }
}

fn flag(doc: &Document, key: &str) -> Option<bool> {
    match field(doc, key) {
        Some(Document::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn texts(doc: &Document, key: &str) -> Option<Vec<String>> {
    match field(doc, key) {
        Some(Document::Array(items)) => Some(
            items
                .iter()
                .filter_map(|d| match d {
                    Document::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

fn tags(doc: &Document) -> Option<Vec<Tag>> {
    match field(doc, "Tags") {
        Some(Document::Array(items)) => Some(
            items
                .iter()
                .filter_map(|t| {
                    Tag::builder()
                        .set_key(text(t, "Key"))
                        .set_value(text(t, "Value"))
                        .build()
                        .ok()
                })
                .collect(),
        ),
        _ => None,
    }
}

// ---- writing the response document ---------------------------------------------------------

#[derive(Default)]
struct Obj(HashMap<String, Document>);

impl Obj {
    fn s(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), Document::String(v.into()));
        }
        self
    }
    fn i(mut self, key: &str, value: Option<i32>) -> Self {
        if let Some(v) = value {
            self.0
                .insert(key.into(), Document::Number(Number::NegInt(v.into())));
        }
        self
    }
    fn b(mut self, key: &str, value: bool) -> Self {
        self.0.insert(key.into(), Document::Bool(value));
        self
    }
    fn t(mut self, key: &str, value: Option<&DateTime>) -> Self {
        if let Some(v) = value {
            self.0
                .insert(key.into(), Document::Number(Number::Float(v.as_secs_f64())));
        }
        self
    }
    fn d(mut self, key: &str, value: Option<Document>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), v);
        }
        self
    }
    fn list<T>(self, key: &str, items: &[T], each: fn(&T) -> Document) -> Self {
        self.d(key, Some(Document::Array(items.iter().map(each).collect())))
    }
    fn page(self, truncated: bool, marker: Option<&str>) -> Self {
        self.b("IsTruncated", truncated).s("Marker", marker)
    }
    fn done(self) -> Document {
        Document::Object(self.0)
    }
}

/// A policy document as IAM returns it (URL-encoded JSON), decoded into a document.
fn policy_document(encoded: &str) -> Document {
    let json = urlencoding::decode(encoded)
        .map(|s| s.into_owned())
        .unwrap_or_else(|_| encoded.to_string());
    match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(value) => super::json_to_document(&value),
        Err(_) => Document::String(json),
    }
}

fn tag_doc(tag: &Tag) -> Document {
    Obj::default()
        .s("Key", Some(tag.key()))
        .s("Value", Some(tag.value()))
        .done()
}

fn role_doc(role: &Role) -> Document {
    Obj::default()
        .s("Path", Some(role.path()))
        .s("RoleName", Some(role.role_name()))
        .s("RoleId", Some(role.role_id()))
        .s("Arn", Some(role.arn()))
        .t("CreateDate", Some(role.create_date()))
        .d(
            "AssumeRolePolicyDocument",
            role.assume_role_policy_document().map(policy_document),
        )
        .s("Description", role.description())
        .i("MaxSessionDuration", role.max_session_duration())
        .list("Tags", role.tags(), tag_doc)
        .done()
}

fn policy_doc(p: &Policy) -> Document {
    Obj::default()
        .s("PolicyName", p.policy_name())
        .s("PolicyId", p.policy_id())
        .s("Arn", p.arn())
        .s("Path", p.path())
        .s("DefaultVersionId", p.default_version_id())
        .i("AttachmentCount", p.attachment_count())
        .i(
            "PermissionsBoundaryUsageCount",
            p.permissions_boundary_usage_count(),
        )
        .b("IsAttachable", p.is_attachable())
        .s("Description", p.description())
        .t("CreateDate", p.create_date())
        .t("UpdateDate", p.update_date())
        .list("Tags", p.tags(), tag_doc)
        .done()
}

fn version_doc(v: &PolicyVersion) -> Document {
    Obj::default()
        .d("Document", v.document().map(policy_document))
        .s("VersionId", v.version_id())
        .b("IsDefaultVersion", v.is_default_version())
        .t("CreateDate", v.create_date())
        .done()
}

fn attached_doc(a: &AttachedPolicy) -> Document {
    Obj::default()
        .s("PolicyName", a.policy_name())
        .s("PolicyArn", a.policy_arn())
        .done()
}

fn empty() -> Document {
    Obj::default().done()
}

// ---- the send glue, one function per operation ---------------------------------------------

macro_rules! send {
    ($fn:ident, $api:literal, |$client:ident, $doc:ident| $call:expr, |$out:ident| $result:expr) => {
        fn $fn(clients: &Clients, $doc: Document) -> OpFuture<'_> {
            Box::pin(async move {
                let $client = clients.iam().await;
                #[allow(unused_variables)]
                let $out = $call
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("iam", $api, e))?;
                Ok($result)
            })
        }
    };
}

send!(
    attach_role_policy,
    "AttachRolePolicy",
    |c, d| c
        .attach_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_arn(text(&d, "PolicyArn")),
    |o| empty()
);
send!(
    detach_role_policy,
    "DetachRolePolicy",
    |c, d| c
        .detach_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_arn(text(&d, "PolicyArn")),
    |o| empty()
);
send!(
    create_policy,
    "CreatePolicy",
    |c, d| c
        .create_policy()
        .set_policy_name(text(&d, "PolicyName"))
        .set_path(text(&d, "Path"))
        .set_policy_document(text(&d, "PolicyDocument"))
        .set_description(text(&d, "Description"))
        .set_tags(tags(&d)),
    |o| Obj::default()
        .d("Policy", o.policy().map(policy_doc))
        .done()
);
send!(
    get_policy,
    "GetPolicy",
    |c, d| c.get_policy().set_policy_arn(text(&d, "PolicyArn")),
    |o| Obj::default()
        .d("Policy", o.policy().map(policy_doc))
        .done()
);
send!(
    delete_policy,
    "DeletePolicy",
    |c, d| c.delete_policy().set_policy_arn(text(&d, "PolicyArn")),
    |o| empty()
);
send!(
    list_policies,
    "ListPolicies",
    |c, d| c
        .list_policies()
        .set_scope(text(&d, "Scope").map(|s| PolicyScopeType::from(s.as_str())))
        .set_only_attached(flag(&d, "OnlyAttached"))
        .set_path_prefix(text(&d, "PathPrefix"))
        .set_policy_usage_filter(
            text(&d, "PolicyUsageFilter").map(|s| PolicyUsageType::from(s.as_str()))
        )
        .set_marker(text(&d, "Marker"))
        .set_max_items(int(&d, "MaxItems")),
    |o| Obj::default()
        .list("Policies", o.policies(), policy_doc)
        .page(o.is_truncated(), o.marker())
        .done()
);
send!(
    create_policy_version,
    "CreatePolicyVersion",
    |c, d| c
        .create_policy_version()
        .set_policy_arn(text(&d, "PolicyArn"))
        .set_policy_document(text(&d, "PolicyDocument"))
        .set_set_as_default(flag(&d, "SetAsDefault")),
    |o| Obj::default()
        .d("PolicyVersion", o.policy_version().map(version_doc))
        .done()
);
send!(
    get_policy_version,
    "GetPolicyVersion",
    |c, d| c
        .get_policy_version()
        .set_policy_arn(text(&d, "PolicyArn"))
        .set_version_id(text(&d, "VersionId")),
    |o| Obj::default()
        .d("PolicyVersion", o.policy_version().map(version_doc))
        .done()
);
send!(
    delete_policy_version,
    "DeletePolicyVersion",
    |c, d| c
        .delete_policy_version()
        .set_policy_arn(text(&d, "PolicyArn"))
        .set_version_id(text(&d, "VersionId")),
    |o| empty()
);
send!(
    list_policy_versions,
    "ListPolicyVersions",
    |c, d| c
        .list_policy_versions()
        .set_policy_arn(text(&d, "PolicyArn"))
        .set_marker(text(&d, "Marker"))
        .set_max_items(int(&d, "MaxItems")),
    |o| Obj::default()
        .list("Versions", o.versions(), version_doc)
        .page(o.is_truncated(), o.marker())
        .done()
);
send!(
    create_role,
    "CreateRole",
    |c, d| c
        .create_role()
        .set_path(text(&d, "Path"))
        .set_role_name(text(&d, "RoleName"))
        .set_assume_role_policy_document(text(&d, "AssumeRolePolicyDocument"))
        .set_description(text(&d, "Description"))
        .set_max_session_duration(int(&d, "MaxSessionDuration"))
        .set_permissions_boundary(text(&d, "PermissionsBoundary"))
        .set_tags(tags(&d)),
    |o| Obj::default().d("Role", o.role().map(role_doc)).done()
);
send!(
    get_role,
    "GetRole",
    |c, d| c.get_role().set_role_name(text(&d, "RoleName")),
    |o| Obj::default().d("Role", o.role().map(role_doc)).done()
);
send!(
    delete_role,
    "DeleteRole",
    |c, d| c.delete_role().set_role_name(text(&d, "RoleName")),
    |o| empty()
);
send!(
    list_roles,
    "ListRoles",
    |c, d| c
        .list_roles()
        .set_path_prefix(text(&d, "PathPrefix"))
        .set_marker(text(&d, "Marker"))
        .set_max_items(int(&d, "MaxItems")),
    |o| Obj::default()
        .list("Roles", o.roles(), role_doc)
        .page(o.is_truncated(), o.marker())
        .done()
);
send!(
    update_assume_role_policy,
    "UpdateAssumeRolePolicy",
    |c, d| c
        .update_assume_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_document(text(&d, "PolicyDocument")),
    |o| empty()
);
send!(
    list_attached_role_policies,
    "ListAttachedRolePolicies",
    |c, d| c
        .list_attached_role_policies()
        .set_role_name(text(&d, "RoleName"))
        .set_path_prefix(text(&d, "PathPrefix"))
        .set_marker(text(&d, "Marker"))
        .set_max_items(int(&d, "MaxItems")),
    |o| Obj::default()
        .list("AttachedPolicies", o.attached_policies(), attached_doc)
        .page(o.is_truncated(), o.marker())
        .done()
);
send!(
    put_role_policy,
    "PutRolePolicy",
    |c, d| c
        .put_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_name(text(&d, "PolicyName"))
        .set_policy_document(text(&d, "PolicyDocument")),
    |o| empty()
);
send!(
    get_role_policy,
    "GetRolePolicy",
    |c, d| c
        .get_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_name(text(&d, "PolicyName")),
    |o| Obj::default()
        .s("RoleName", Some(o.role_name()))
        .s("PolicyName", Some(o.policy_name()))
        .d("PolicyDocument", Some(policy_document(o.policy_document())))
        .done()
);
send!(
    delete_role_policy,
    "DeleteRolePolicy",
    |c, d| c
        .delete_role_policy()
        .set_role_name(text(&d, "RoleName"))
        .set_policy_name(text(&d, "PolicyName")),
    |o| empty()
);
send!(
    list_role_policies,
    "ListRolePolicies",
    |c, d| c
        .list_role_policies()
        .set_role_name(text(&d, "RoleName"))
        .set_marker(text(&d, "Marker"))
        .set_max_items(int(&d, "MaxItems")),
    |o| Obj::default()
        .list("PolicyNames", o.policy_names(), |n: &String| {
            Document::String(n.clone())
        })
        .page(o.is_truncated(), o.marker())
        .done()
);
send!(
    tag_role,
    "TagRole",
    |c, d| c
        .tag_role()
        .set_role_name(text(&d, "RoleName"))
        .set_tags(tags(&d)),
    |o| empty()
);
send!(
    untag_role,
    "UntagRole",
    |c, d| c
        .untag_role()
        .set_role_name(text(&d, "RoleName"))
        .set_tag_keys(texts(&d, "TagKeys")),
    |o| empty()
);
