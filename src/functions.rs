//! The catalog of every function a runbook can call: namespace, name, accepted argument counts,
//! signature and one line of doc. `runbook ops`, `runbook check` and the REPL read it; the engine
//! registers the AWS operations from the same data, so the three never disagree.

use crate::aws::names::snake;
use crate::aws::{self, Operation};

/// Positional forms of an operation (the contract's shorthands): each form lists the request
/// members its arguments fill, in order. Any form may be followed by a map of further members.
pub struct Shorthand {
    pub namespace: &'static str,
    /// The operations sharing these forms.
    pub names: &'static [&'static str],
    pub forms: &'static [&'static [&'static str]],
    /// Members filled in when the shorthand is used and the caller did not set them.
    pub defaults: &'static [(&'static str, i64)],
}

const POOL: &[&str] = &["UserPoolId"];
const POOL_USER: &[&str] = &["UserPoolId", "Username"];
const POOL_CLIENT: &[&str] = &["UserPoolId", "ClientId"];
const POOL_JOB: &[&str] = &["UserPoolId", "JobId"];
const ROLE: &[&str] = &["RoleName"];
const ROLE_POLICY: &[&str] = &["RoleName", "PolicyArn"];
const POLICY: &[&str] = &["PolicyArn"];
const NONE: &[&str] = &[];

macro_rules! short {
    ($ns:literal, [$($name:literal),*], $forms:expr) => {
        Shorthand { namespace: $ns, names: &[$($name),*], forms: $forms, defaults: &[] }
    };
}

/// The contract's positional shorthands.
pub static SHORTHANDS: &[Shorthand] = &[
    Shorthand {
        namespace: "cognito",
        names: &["list_user_pools"],
        forms: &[NONE],
        defaults: &[("MaxResults", 60)],
    },
    Shorthand {
        namespace: "cognito",
        names: &["create_user_pool"],
        forms: &[&["PoolName"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["list_users"],
        forms: &[POOL, &["UserPoolId", "Filter"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["admin_set_user_password"],
        forms: &[&["UserPoolId", "Username", "Password", "Permanent"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["admin_delete_user_attributes"],
        forms: &[&["UserPoolId", "Username", "UserAttributeNames"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["create_user_pool_client"],
        forms: &[&["UserPoolId", "ClientName"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["create_user_import_job"],
        forms: &[&["UserPoolId", "JobName", "CloudWatchLogsRoleArn"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "cognito",
        names: &["list_user_import_jobs"],
        forms: &[POOL],
        defaults: &[("MaxResults", 60)],
    },
    short!(
        "cognito",
        [
            "describe_user_pool",
            "delete_user_pool",
            "get_csv_header",
            "list_user_pool_clients"
        ],
        &[POOL]
    ),
    short!(
        "cognito",
        [
            "admin_create_user",
            "admin_get_user",
            "admin_disable_user",
            "admin_enable_user",
            "admin_delete_user"
        ],
        &[POOL_USER]
    ),
    short!(
        "cognito",
        ["describe_user_pool_client", "delete_user_pool_client"],
        &[POOL_CLIENT]
    ),
    short!(
        "cognito",
        [
            "describe_user_import_job",
            "start_user_import_job",
            "stop_user_import_job"
        ],
        &[POOL_JOB]
    ),
    Shorthand {
        namespace: "iam",
        names: &["create_policy"],
        forms: &[&["PolicyName", "PolicyDocument"]],
        defaults: &[],
    },
    Shorthand {
        namespace: "iam",
        names: &["create_role"],
        forms: &[&["RoleName", "AssumeRolePolicyDocument"]],
        defaults: &[],
    },
    short!(
        "iam",
        ["attach_role_policy", "detach_role_policy"],
        &[ROLE_POLICY]
    ),
    short!("iam", ["delete_policy", "get_policy"], &[POLICY]),
    short!(
        "iam",
        ["delete_role", "get_role", "list_attached_role_policies"],
        &[ROLE]
    ),
    short!("iam", ["list_policies", "list_roles"], &[NONE]),
];

/// The shorthand of an operation, if it has one.
pub fn shorthand(op: &Operation) -> Option<&'static Shorthand> {
    SHORTHANDS
        .iter()
        .find(|s| s.namespace == op.namespace && s.names.contains(&op.name))
}

/// One callable function, as `ops` lists it.
#[derive(Clone)]
pub struct FnInfo {
    /// `cognito`, `iam`, `sts`, or empty for global helpers.
    pub namespace: &'static str,
    pub name: &'static str,
    pub arities: Vec<usize>,
    pub signature: String,
    pub doc: &'static str,
    /// The API operation behind it, for AWS operations.
    pub op: Option<&'static Operation>,
}

impl FnInfo {
    pub fn qualified(&self) -> String {
        if self.namespace.is_empty() {
            self.name.to_string()
        } else {
            format!("{}::{}", self.namespace, self.name)
        }
    }

    /// Does `filter` name this function, in the script's spelling or the CLI's
    /// (`admin_create_user`, `admin-create-user`, `AdminCreateUser`, `cognito-idp
    /// admin-create-user`, `cognito::admin_create`)?
    pub fn matches(&self, filter: &str) -> bool {
        let fold = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric() || *c == ':')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        };
        let filter = filter.trim();
        let filter = match filter.split_once(char::is_whitespace) {
            // The CLI's `SERVICE COMMAND`: `cognito-idp admin-create-user`, `iam get-role`.
            Some((service, command)) => {
                let namespace = match service {
                    "cognito-idp" => "cognito",
                    other => other,
                };
                format!("{namespace}::{}", command.trim())
            }
            None => filter.to_string(),
        };
        let filter = fold(&filter);
        fold(&self.qualified()).contains(&filter)
            || self.op.is_some_and(|op| fold(op.api).contains(&filter))
    }
}

/// Every argument count an operation accepts: its request map, its shorthand forms (each
/// optionally followed by a map), and no arguments at all when nothing is required.
pub fn arities(op: &Operation) -> Vec<usize> {
    let mut out = vec![1];
    if op.input.members.iter().all(|m| !m.required) {
        out.push(0);
    }
    if let Some(s) = shorthand(op) {
        for form in s.forms {
            out.push(form.len());
            out.push(form.len() + 1);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The parameters of `op` called with `arity` arguments, as Rhai's metadata spells them
/// (`"user_pool_id: String"`, `"request: Map"`), for definition files. When one argument is
/// either the request or a shorthand's positional member, its name says both.
pub fn params(op: &Operation, arity: usize) -> Vec<String> {
    let forms = shorthand(op).map(|s| s.forms).unwrap_or(&[]);
    let positional = |form: &[&str]| -> Vec<String> {
        form.iter()
            .map(|m| {
                let ty = match op.input.member(m).map(|m| &m.ty) {
                    Some(crate::aws::shape::Ty::Integer | crate::aws::shape::Ty::Long) => "int",
                    _ => "String",
                };
                format!("{}: {ty}", snake(m))
            })
            .collect()
    };
    if let Some(form) = forms.iter().find(|f| f.len() == arity) {
        if arity == 1 {
            return vec![format!("{}_or_request: ?", snake(form[0]))];
        }
        return positional(form);
    }
    if let Some(form) = forms.iter().find(|f| f.len() + 1 == arity) {
        let mut out = positional(form);
        out.push("request: Map".into());
        return out;
    }
    if arity == 1 {
        vec!["request: Map".into()]
    } else {
        Vec::new()
    }
}

fn op_signature(op: &Operation) -> String {
    let mut forms = vec!["request".to_string()];
    if let Some(s) = shorthand(op) {
        for form in s.forms {
            let params: Vec<String> = form.iter().map(|m| snake(m)).collect();
            let extra = if params.is_empty() {
                "[request]"
            } else {
                "[, request]"
            };
            forms.push(format!("{}{extra}", params.join(", ")));
        }
    }
    format!("{}::{}({})", op.namespace, op.name, forms.join(") | ("))
}

/// A function beyond the API: namespace (empty for globals), name, argument counts, signature, doc.
pub struct Helper {
    pub namespace: &'static str,
    pub name: &'static str,
    pub arities: &'static [usize],
    pub signature: &'static str,
    pub doc: &'static str,
}

const fn helper(
    namespace: &'static str,
    name: &'static str,
    arities: &'static [usize],
    signature: &'static str,
    doc: &'static str,
) -> Helper {
    Helper {
        namespace,
        name,
        arities,
        signature,
        doc,
    }
}

/// Functions beyond the API, with their docs.
pub static HELPERS: &[Helper] = &[
    helper(
        "cognito",
        "import_users",
        &[3],
        "cognito::import_users(pool_id, csv_path, #{ CloudWatchLogsRoleArn, JobName, MaxRowsPerJob, PollInterval, Validate })",
        "Checks a CSV against the pool's import rules, splits it into jobs and runs them one after another; returns #{ jobs, ImportedUsers, SkippedUsers, FailedUsers } and, when rows failed or were skipped, report and failed_csv.",
    ),
    helper(
        "cognito",
        "export_users",
        &[2, 3],
        "cognito::export_users(pool_id, csv_path[, #{ Attributes, Filter, TargetPoolId, GroupsFile }])",
        "Writes every user of the pool to an import-ready CSV (the target pool's header, constant memory) and its groups to <name>.groups.json; returns #{ csv, groups, users, left_out: [#{ username, reason }] }.",
    ),
    helper(
        "cognito",
        "restore_groups",
        &[2],
        "cognito::restore_groups(pool_id, groups_file)",
        "Recreates an export's groups (description, precedence, role) and memberships in the pool, idempotently; returns #{ created, updated, unchanged, memberships_added, missing_users }.",
    ),
    helper(
        "cognito",
        "import_report",
        &[2, 3],
        "cognito::import_report(pool_id, job_id[, csv_path])",
        "Why an import job's rows failed or were skipped, from its CloudWatch Logs; returns #{ succeeded, failed: [#{ line, reason, username }], skipped }.",
    ),
    helper(
        "cognito",
        "upload_csv",
        &[2],
        "cognito::upload_csv(presigned_url, csv_path)",
        "PUT a CSV file to an import job's pre-signed URL with x-amz-server-side-encryption: aws:kms; returns #{ status, bytes }.",
    ),
    helper(
        "cognito",
        "wait_user_import_job",
        &[2, 3],
        "cognito::wait_user_import_job(pool_id, job_id[, #{ interval, timeout }])",
        "Polls an import job until it is Succeeded, Failed, Stopped or Expired (or the timeout, default 3600 s, passes); returns the final UserImportJob map.",
    ),
    helper(
        "cognito",
        "generate_password",
        &[1],
        "cognito::generate_password(pool_id)",
        "A random password that satisfies the pool's password policy; prints as ********.",
    ),
    helper(
        "aws",
        "batch",
        &[2, 3],
        "aws::batch(operation, requests[, #{ concurrency, rate }])",
        "Runs one operation (\"cognito::admin_create_user\") over many request maps concurrently, pacing itself to the service's throttling; returns #{ ok, result | error } per request, in order.",
    ),
    helper(
        "aws",
        "each",
        &[3],
        "aws::each(operation, request, |item| …)",
        "Calls the function for every item of every page of a list operation (\"cognito::list_users\"), holding one page at a time; returns the number of items.",
    ),
    helper(
        "",
        "eprint",
        &[1],
        "eprint(text)",
        "Prints a line on stderr (progress, what a step did), keeping stdout for the runbook's data.",
    ),
    helper(
        "",
        "reveal",
        &[1],
        "reveal(value)",
        "The plain text of a secret value (a token, a generated password) for when it must be seen; use with care.",
    ),
    helper(
        "",
        "query",
        &[2],
        "query(value, jmespath)",
        "Applies a JMESPath expression, the AWS CLI's --query language.",
    ),
    helper(
        "",
        "account_id",
        &[0],
        "account_id()",
        "The AWS account id of the credentials in use (sts:GetCallerIdentity).",
    ),
    helper(
        "",
        "region",
        &[0],
        "region()",
        "The AWS region calls go to.",
    ),
    helper(
        "",
        "env",
        &[1, 2],
        "env(name[, default])",
        "An environment variable, or the default (or ()) when it is unset.",
    ),
    helper(
        "",
        "secret",
        &[1],
        "secret(name)",
        "A secret from the environment variable NAME, or asked for without echo; prints as ********.",
    ),
    helper(
        "",
        "param",
        &[1, 2],
        "param(name[, default])",
        "A --var KEY=VALUE given to `runbook run`, or the default; an error when missing without one.",
    ),
    helper(
        "",
        "read_file",
        &[1],
        "read_file(path)",
        "A file's text; a relative path is resolved beside the runbook.",
    ),
    helper(
        "",
        "read_csv",
        &[1],
        "read_csv(path)",
        "A CSV file as an array of maps keyed by its header row; a relative path is resolved beside the runbook.",
    ),
    helper(
        "",
        "json_parse",
        &[1],
        "json_parse(text)",
        "Parses JSON text into maps, arrays and values.",
    ),
    helper(
        "",
        "to_json",
        &[1, 2],
        "to_json(value[, pretty])",
        "Serialises a value as JSON text (secret() values as ********).",
    ),
    helper(
        "",
        "sleep",
        &[1],
        "sleep(seconds)",
        "Waits; seconds may be fractional.",
    ),
];

/// The functions of the bundled stdlib modules (`ensure::ensure_user_pool`…), their doc the
/// first line of their doc comment. Read once from the embedded sources.
fn stdlib_functions() -> &'static [FnInfo] {
    static FUNCTIONS: std::sync::OnceLock<Vec<FnInfo>> = std::sync::OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        let engine = rhai::Engine::new_raw();
        let mut out = Vec::new();
        for (module, source) in crate::modules::STDLIB {
            let Ok(ast) = engine.compile(source) else {
                continue;
            };
            for f in ast.iter_functions() {
                if f.access == rhai::FnAccess::Private || f.name.starts_with("anon$") {
                    continue;
                }
                let name: &'static str = Box::leak(f.name.to_string().into_boxed_str());
                let doc = f
                    .comments
                    .iter()
                    .flat_map(|c| c.lines())
                    .map(|c| c.trim().trim_start_matches('/').trim())
                    .find(|c| !c.is_empty())
                    .unwrap_or("");
                out.push(FnInfo {
                    namespace: module,
                    name,
                    arities: vec![f.params.len()],
                    signature: format!("{module}::{name}({})", f.params.join(", ")),
                    doc: Box::leak(doc.to_string().into_boxed_str()),
                    op: None,
                });
            }
        }
        out.sort_by(|a, b| (a.namespace, a.name).cmp(&(b.namespace, b.name)));
        out
    })
}

/// The whole catalog: every AWS operation, every helper, every stdlib function.
pub fn catalog() -> Vec<FnInfo> {
    let mut out: Vec<FnInfo> = aws::operations()
        .map(|op| FnInfo {
            namespace: op.namespace,
            name: op.name,
            arities: arities(op),
            signature: op_signature(op),
            doc: op.doc,
            op: Some(op),
        })
        .collect();
    out.extend(HELPERS.iter().map(|h| FnInfo {
        namespace: h.namespace,
        name: h.name,
        arities: h.arities.to_vec(),
        signature: h.signature.to_string(),
        doc: h.doc,
        op: None,
    }));
    out.extend(stdlib_functions().iter().cloned());
    out
}

/// Where shorthands take a secret positionally: (function name, argument index, member). The
/// REPL masks string literals there before they reach its history.
pub fn secret_positions() -> Vec<(&'static str, usize, &'static str)> {
    SHORTHANDS
        .iter()
        .flat_map(|s| {
            s.forms.iter().flat_map(move |form| {
                form.iter()
                    .enumerate()
                    .filter(|(_, member)| crate::value::is_secret_key(member))
                    .flat_map(move |(i, member)| s.names.iter().map(move |n| (*n, i, *member)))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shorthand_names_real_members() {
        for s in SHORTHANDS {
            for name in s.names {
                let op = aws::find_operation(s.namespace, name)
                    .unwrap_or_else(|| panic!("{}::{name} is not an operation", s.namespace));
                for form in s.forms {
                    for member in *form {
                        assert!(
                            op.input.member(member).is_some(),
                            "{}::{name} has no {member}",
                            s.namespace
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn filters_match_the_cli_spellings() {
        let all = catalog();
        let find = |f: &str| -> Vec<String> {
            all.iter()
                .filter(|i| i.matches(f))
                .map(FnInfo::qualified)
                .collect()
        };
        for spelling in [
            "admin-create-user",
            "AdminCreateUser",
            "cognito::admin_create_user",
        ] {
            assert_eq!(find(spelling), ["cognito::admin_create_user"], "{spelling}");
        }
        assert!(find("get-role").contains(&"iam::get_role".to_string()));
    }

    #[test]
    fn catalog_has_every_operation() {
        let all = catalog();
        assert_eq!(
            all.iter().filter(|f| f.namespace == "cognito").count(),
            132 + 7
        );
        assert_eq!(aws::cognito_ops::OPERATIONS.len(), 132);
        assert_eq!(aws::iam::OPERATIONS.len(), 22);
        assert_eq!(aws::logs::OPERATIONS.len(), 3);
        assert_eq!(all.iter().filter(|f| f.namespace == "logs").count(), 3);
    }
}
