//! `iam::*`: the roles-and-policies family, one table.
//!
//! `aws-sdk-iam` has no schema serde, so the shapes of these operations and of the types they
//! return are declared here (a test checks every one against the SDK's own types). Requests and
//! responses then take the same generic path as cognito-idp: the checked request is encoded as
//! awsQuery form parameters and the XML answer is read with these shapes. Policy documents
//! (`Ty::Json`) are accepted as maps or JSON strings and returned decoded, as the AWS CLI prints
//! them (IAM URL-encodes them).

use aws_sdk_iam::types::{PermissionsBoundaryAttachmentType, PolicyScopeType, PolicyUsageType};

use super::clients::Clients;
use super::exchange::Exchange;
use super::shape::OpFuture;
use super::shape::{Operation, Pagination, Shape, Ty};
use crate::shape;

static TAG: Shape = shape!("Tag" { "Key": Ty::String, required; "Value": Ty::String, required });

static PERMISSIONS_BOUNDARY: Shape = shape!("AttachedPermissionsBoundary" {
    "PermissionsBoundaryType": Ty::Enum(PermissionsBoundaryAttachmentType::values);
    "PermissionsBoundaryArn": Ty::String;
});
static ROLE_LAST_USED: Shape = shape!("RoleLastUsed" {
    "LastUsedDate": Ty::Timestamp; "Region": Ty::String;
});
static SOURCE_ROLE_TEMPLATE: Shape = shape!("SourceRoleTemplate" {
    "TemplateArn": Ty::String; "TemplateMinorVersion": Ty::Integer;
});
static ROLE: Shape = shape!("Role" {
    "Path": Ty::String; "RoleName": Ty::String; "RoleId": Ty::String; "Arn": Ty::String;
    "CreateDate": Ty::Timestamp; "AssumeRolePolicyDocument": Ty::Json; "Description": Ty::String;
    "MaxSessionDuration": Ty::Integer; "PermissionsBoundary": Ty::Struct(&PERMISSIONS_BOUNDARY);
    "Tags": Ty::List(&Ty::Struct(&TAG)); "RoleLastUsed": Ty::Struct(&ROLE_LAST_USED);
    "SourceRoleTemplate": Ty::Struct(&SOURCE_ROLE_TEMPLATE);
});
static POLICY: Shape = shape!("Policy" {
    "PolicyName": Ty::String; "PolicyId": Ty::String; "Arn": Ty::String; "Path": Ty::String;
    "DefaultVersionId": Ty::String; "AttachmentCount": Ty::Integer;
    "PermissionsBoundaryUsageCount": Ty::Integer; "IsAttachable": Ty::Boolean;
    "Description": Ty::String; "CreateDate": Ty::Timestamp; "UpdateDate": Ty::Timestamp;
    "Tags": Ty::List(&Ty::Struct(&TAG));
});
static POLICY_VERSION: Shape = shape!("PolicyVersion" {
    "Document": Ty::Json; "VersionId": Ty::String; "IsDefaultVersion": Ty::Boolean;
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
    "RoleName": Ty::String, required; "PolicyName": Ty::String, required;
    "PolicyDocument": Ty::Json, required;
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
        more: Some("IsTruncated"),
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
        "set_default_policy_version",
        "SetDefaultPolicyVersion",
        "Makes a version of a managed policy its default (the one in effect).",
        POLICY_VERSION_ID,
        EMPTY,
        None,
        set_default_policy_version
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

// ---- the send glue, one line per operation -------------------------------------------------

macro_rules! send {
    ($fn:ident, $api:literal) => {
        fn $fn<'a>(clients: &'a Clients, exchange: &'a Exchange) -> OpFuture<'a> {
            Box::pin(async move {
                crate::send_raw!(aws_sdk_iam, clients.iam().await, $fn, "iam", $api, exchange)
            })
        }
    };
}

send!(attach_role_policy, "AttachRolePolicy");
send!(create_policy, "CreatePolicy");
send!(create_policy_version, "CreatePolicyVersion");
send!(create_role, "CreateRole");
send!(delete_policy, "DeletePolicy");
send!(delete_policy_version, "DeletePolicyVersion");
send!(delete_role, "DeleteRole");
send!(delete_role_policy, "DeleteRolePolicy");
send!(detach_role_policy, "DetachRolePolicy");
send!(get_policy, "GetPolicy");
send!(get_policy_version, "GetPolicyVersion");
send!(get_role, "GetRole");
send!(get_role_policy, "GetRolePolicy");
send!(list_attached_role_policies, "ListAttachedRolePolicies");
send!(list_policies, "ListPolicies");
send!(list_policy_versions, "ListPolicyVersions");
send!(list_role_policies, "ListRolePolicies");
send!(list_roles, "ListRoles");
send!(put_role_policy, "PutRolePolicy");
send!(set_default_policy_version, "SetDefaultPolicyVersion");
send!(tag_role, "TagRole");
send!(untag_role, "UntagRole");
send!(update_assume_role_policy, "UpdateAssumeRolePolicy");

#[cfg(test)]
mod tests {
    //! The shapes above are written by hand: check each against the SDK's own types, whose
    //! builders list every member of the model (their `Debug` names each field).
    use super::*;
    use crate::aws::shape::sdk_check::{ours, sdk_fields};
    use aws_sdk_iam::operation;
    use aws_sdk_iam::types;

    macro_rules! same {
        ($shape:expr, $builder:expr) => {
            assert_eq!(
                ours($shape),
                sdk_fields(&format!("{:?}", $builder)),
                "{} differs from the SDK's {}",
                $shape.name,
                stringify!($builder)
            );
        };
    }

    #[test]
    fn nested_shapes_match_the_sdk() {
        same!(&TAG, types::Tag::builder());
        same!(&ROLE, types::Role::builder());
        same!(&ROLE_LAST_USED, types::RoleLastUsed::builder());
        same!(
            &PERMISSIONS_BOUNDARY,
            types::AttachedPermissionsBoundary::builder()
        );
        same!(&SOURCE_ROLE_TEMPLATE, types::SourceRoleTemplate::builder());
        same!(&POLICY, types::Policy::builder());
        same!(&POLICY_VERSION, types::PolicyVersion::builder());
        same!(&ATTACHED_POLICY, types::AttachedPolicy::builder());
    }

    #[test]
    fn every_operation_matches_the_sdk() {
        // Each operation's shapes against the SDK's builders: `name: Input, Output;`.
        macro_rules! ops {
            ($($module:ident: $input:ident, $output:ident;)*) => { $(
                let name = stringify!($module);
                let op = OPERATIONS.iter().find(|op| op.name == name).expect(name);
                same!(op.input, operation::$module::$input::builder());
                same!(op.output, operation::$module::$output::builder());
            )* };
        }
        ops! {
            attach_role_policy: AttachRolePolicyInput, AttachRolePolicyOutput;
            create_policy: CreatePolicyInput, CreatePolicyOutput;
            create_policy_version: CreatePolicyVersionInput, CreatePolicyVersionOutput;
            create_role: CreateRoleInput, CreateRoleOutput;
            delete_policy: DeletePolicyInput, DeletePolicyOutput;
            delete_policy_version: DeletePolicyVersionInput, DeletePolicyVersionOutput;
            delete_role: DeleteRoleInput, DeleteRoleOutput;
            delete_role_policy: DeleteRolePolicyInput, DeleteRolePolicyOutput;
            detach_role_policy: DetachRolePolicyInput, DetachRolePolicyOutput;
            get_policy: GetPolicyInput, GetPolicyOutput;
            get_policy_version: GetPolicyVersionInput, GetPolicyVersionOutput;
            get_role: GetRoleInput, GetRoleOutput;
            get_role_policy: GetRolePolicyInput, GetRolePolicyOutput;
            list_attached_role_policies: ListAttachedRolePoliciesInput, ListAttachedRolePoliciesOutput;
            list_policies: ListPoliciesInput, ListPoliciesOutput;
            list_policy_versions: ListPolicyVersionsInput, ListPolicyVersionsOutput;
            list_role_policies: ListRolePoliciesInput, ListRolePoliciesOutput;
            list_roles: ListRolesInput, ListRolesOutput;
            put_role_policy: PutRolePolicyInput, PutRolePolicyOutput;
            set_default_policy_version: SetDefaultPolicyVersionInput, SetDefaultPolicyVersionOutput;
            tag_role: TagRoleInput, TagRoleOutput;
            untag_role: UntagRoleInput, UntagRoleOutput;
            update_assume_role_policy: UpdateAssumeRolePolicyInput, UpdateAssumeRolePolicyOutput;
        }
        assert_eq!(OPERATIONS.len(), 23);
    }

    #[test]
    fn sts_matches_the_sdk() {
        let op = &crate::aws::sts::OPERATIONS[0];
        same!(
            op.input,
            aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityInput::builder()
        );
        same!(
            op.output,
            aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
        );
    }
}
