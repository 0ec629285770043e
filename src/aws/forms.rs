//! How every operation can be called positionally, from one rule over the model.
//!
//! **The rule:** an operation takes its request map, or its required members positionally —
//! the resource's scope first (user pool, app client, user), the others in the order the
//! service model lists them — optionally followed by a map of the rest:
//!
//! ```rhai
//! cognito::create_group(pool, "admins");               // UserPoolId, GroupName
//! cognito::admin_add_user_to_group(pool, "jane", "admins");
//! cognito::create_group(pool, "admins", #{ Precedence: 1 });
//! iam::attach_role_policy("CognitoImport", policy_arn);
//! ```
//!
//! Two exceptions keep calls unambiguous and short: a required member runbook fills in itself
//! (the page size of a list operation, [`DEFAULTS`]) is not positional, and an operation whose
//! only required member is itself a map takes its request map alone (one map argument is
//! always the request). [`EXTRA`] adds the contract's longer forms (`list_users(pool,
//! filter)`, `admin_set_user_password(pool, user, password, permanent)`,
//! `admin_delete_user_attributes(pool, user, names)`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::shape::{Operation, Ty};

/// Members a positional form puts first, outermost first: what scopes the resource.
const SCOPE: &[&str] = &["UserPoolId", "ClientId", "Username"];

/// Forms beyond the rule's: (namespace, operation, members in order).
const EXTRA: &[(&str, &str, &[&str])] = &[
    ("cognito", "list_users", &["UserPoolId", "Filter"]),
    // The API reference requires the names; the SDK's model does not say so.
    (
        "cognito",
        "admin_delete_user_attributes",
        &["UserPoolId", "Username", "UserAttributeNames"],
    ),
    (
        "cognito",
        "admin_set_user_password",
        &["UserPoolId", "Username", "Password", "Permanent"],
    ),
];

/// Required members runbook fills in when a positional call leaves them out: (namespace,
/// operation, member, value). The largest page the service allows, so a list takes the
/// fewest requests.
pub const DEFAULTS: &[(&str, &str, &str, i64)] = &[
    ("cognito", "list_user_pools", "MaxResults", 60),
    ("cognito", "list_user_import_jobs", "MaxResults", 60),
];

/// The positional forms of one operation, and the members filled in when one is used.
pub struct Forms {
    /// Each form's members, in argument order; the rule's form first, shortest first.
    pub forms: Vec<Vec<&'static str>>,
    pub defaults: Vec<(&'static str, i64)>,
}

impl Forms {
    /// The form taking exactly `count` positional arguments.
    pub fn of_len(&self, count: usize) -> Option<&[&'static str]> {
        self.forms
            .iter()
            .find(|f| f.len() == count)
            .map(Vec::as_slice)
    }

    /// The form a call of `count` arguments to `op` takes, and whether its last argument is a
    /// map of the rest (`last_is_map`: it is a map). A trailing map is the rest of the
    /// request, unless a form of as many arguments ends with a member written as a map
    /// (`iam::create_policy(name, document)`). The engine and `runbook check` both ask it.
    pub fn split(
        &self,
        op: &Operation,
        count: usize,
        last_is_map: bool,
    ) -> Option<(&[&'static str], bool)> {
        let ends_in_map = |form: &[&str]| {
            form.last()
                .and_then(|m| op.input.member(m))
                .is_some_and(|m| map_like(&m.ty))
        };
        let exact = self.of_len(count);
        let shorter = count.checked_sub(1).and_then(|n| self.of_len(n));
        match (exact, shorter) {
            (Some(form), _) if ends_in_map(form) => Some((form, false)),
            (_, Some(form)) if last_is_map => Some((form, true)),
            (Some(form), _) => Some((form, false)),
            _ => None,
        }
    }
}

/// Is a member of this type written as a map (so that a trailing map could be it)?
pub fn map_like(ty: &Ty) -> bool {
    matches!(ty, Ty::Struct(_) | Ty::Map(_) | Ty::Document | Ty::Json)
}

/// The forms of `op` (computed once per process for every operation).
pub fn forms(op: &Operation) -> &'static Forms {
    static ALL: OnceLock<HashMap<(&'static str, &'static str), Forms>> = OnceLock::new();
    static NONE: Forms = Forms {
        forms: Vec::new(),
        defaults: Vec::new(),
    };
    ALL.get_or_init(|| {
        super::operations()
            .map(|op| ((op.namespace, op.name), derive(op)))
            .collect()
    })
    .get(&(op.namespace, op.name))
    .unwrap_or(&NONE)
}

fn derive(op: &'static Operation) -> Forms {
    let defaults: Vec<(&'static str, i64)> = DEFAULTS
        .iter()
        .filter(|(ns, name, _, _)| *ns == op.namespace && *name == op.name)
        .map(|(_, _, member, value)| (*member, *value))
        .collect();
    let mut rule: Vec<&'static str> = op
        .input
        .members
        .iter()
        .filter(|m| m.required && !defaults.iter().any(|(d, _)| *d == m.name))
        .map(|m| m.name)
        .collect();
    // A stable sort: the scope first, the rest keep the model's order.
    rule.sort_by_key(|m| SCOPE.iter().position(|s| s == m).unwrap_or(SCOPE.len()));
    let lone_map =
        matches!(rule.as_slice(), [only] if op.input.member(only).is_some_and(|m| map_like(&m.ty)));
    let mut forms = Vec::new();
    if !lone_map {
        forms.push(rule);
    }
    for (_, _, extra) in EXTRA
        .iter()
        .filter(|(ns, name, _)| *ns == op.namespace && *name == op.name)
    {
        forms.push(extra.to_vec());
    }
    forms.sort_by_key(Vec::len);
    forms.dedup();
    Forms { forms, defaults }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(ns: &str, name: &str) -> &'static Operation {
        super::super::find_operation(ns, name).expect(name)
    }

    fn form(ns: &str, name: &str) -> Vec<&'static str> {
        forms(find(ns, name))
            .forms
            .first()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn the_scope_comes_first_then_the_models_order() {
        assert_eq!(form("cognito", "create_group"), ["UserPoolId", "GroupName"]);
        assert_eq!(
            form("cognito", "admin_add_user_to_group"),
            ["UserPoolId", "Username", "GroupName"]
        );
        assert_eq!(
            form("cognito", "admin_get_device"),
            ["UserPoolId", "Username", "DeviceKey"]
        );
        assert_eq!(
            form("cognito", "create_user_import_job"),
            ["UserPoolId", "JobName", "CloudWatchLogsRoleArn"]
        );
        assert_eq!(
            form("iam", "put_role_policy"),
            ["RoleName", "PolicyName", "PolicyDocument"]
        );
    }

    /// The contract's shorthands are all among the forms, with their defaults.
    #[test]
    fn the_contracts_shorthands_hold() {
        let contract: &[(&str, &str, &[&str])] = &[
            ("cognito", "create_user_pool", &["PoolName"]),
            ("cognito", "list_user_pools", &[]),
            ("cognito", "describe_user_pool", &["UserPoolId"]),
            ("cognito", "delete_user_pool", &["UserPoolId"]),
            ("cognito", "get_csv_header", &["UserPoolId"]),
            ("cognito", "list_user_pool_clients", &["UserPoolId"]),
            ("cognito", "list_user_import_jobs", &["UserPoolId"]),
            ("cognito", "list_users", &["UserPoolId"]),
            ("cognito", "list_users", &["UserPoolId", "Filter"]),
            // The API reference requires the names; the SDK's model does not say so.
            (
                "cognito",
                "admin_delete_user_attributes",
                &["UserPoolId", "Username", "UserAttributeNames"],
            ),
            ("cognito", "admin_create_user", &["UserPoolId", "Username"]),
            ("cognito", "admin_get_user", &["UserPoolId", "Username"]),
            ("cognito", "admin_disable_user", &["UserPoolId", "Username"]),
            ("cognito", "admin_enable_user", &["UserPoolId", "Username"]),
            ("cognito", "admin_delete_user", &["UserPoolId", "Username"]),
            (
                "cognito",
                "admin_set_user_password",
                &["UserPoolId", "Username", "Password", "Permanent"],
            ),
            (
                "cognito",
                "admin_delete_user_attributes",
                &["UserPoolId", "Username", "UserAttributeNames"],
            ),
            (
                "cognito",
                "create_user_pool_client",
                &["UserPoolId", "ClientName"],
            ),
            (
                "cognito",
                "describe_user_pool_client",
                &["UserPoolId", "ClientId"],
            ),
            (
                "cognito",
                "delete_user_pool_client",
                &["UserPoolId", "ClientId"],
            ),
            (
                "cognito",
                "create_user_import_job",
                &["UserPoolId", "JobName", "CloudWatchLogsRoleArn"],
            ),
            (
                "iam",
                "create_role",
                &["RoleName", "AssumeRolePolicyDocument"],
            ),
            ("iam", "create_policy", &["PolicyName", "PolicyDocument"]),
            ("iam", "attach_role_policy", &["RoleName", "PolicyArn"]),
            ("iam", "list_roles", &[]),
        ];
        for (ns, name, members) in contract {
            let f = forms(find(ns, name));
            assert!(
                f.forms.iter().any(|form| form == members),
                "{ns}::{name}{members:?} not among {:?}",
                f.forms
            );
        }
        assert_eq!(
            forms(find("cognito", "list_user_pools")).defaults,
            [("MaxResults", 60)]
        );
    }

    #[test]
    fn every_table_entry_names_real_members() {
        for (ns, name, members) in EXTRA {
            let op = find(ns, name);
            for m in *members {
                assert!(op.input.member(m).is_some(), "{ns}::{name} has no {m}");
            }
        }
        for (ns, name, member, _) in DEFAULTS {
            let m = find(ns, name).input.member(member);
            assert!(m.is_some_and(|m| m.required), "{ns}::{name}.{member}");
        }
    }

    /// Every operation has a positional form unless its one required member is a map, and no
    /// two forms of an operation take as many arguments.
    #[test]
    fn every_operation_has_its_form() {
        let mut without = Vec::new();
        for op in super::super::operations() {
            let f = forms(op);
            if f.forms.is_empty() {
                without.push(op.name);
            }
            let mut lens: Vec<usize> = f.forms.iter().map(Vec::len).collect();
            lens.dedup();
            assert_eq!(lens.len(), f.forms.len(), "{}", op.name);
        }
        assert_eq!(without, ["get_provisioned_limit"]);
    }
}
