//! The catalog of every function a runbook can call: namespace, name, accepted argument counts,
//! signature and one line of doc. `runbook ops`, `runbook check` and the REPL read it; the engine
//! registers the AWS operations from the same data, so the three never disagree.

use rhai::Engine;

use crate::aws::names::snake;
use crate::aws::{self, Operation};

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
    /// The option keys a helper's doc lists after `Options:` (`Flow (…), ClientSecret (…)` →
    /// `Flow`, `ClientSecret`): what its options map takes.
    pub fn options(&self) -> Vec<&'static str> {
        let Some((_, text)) = self.doc.split_once("Options: ") else {
            return Vec::new();
        };
        let mut names = Vec::new();
        let (mut depth, mut start) = (0i32, 0usize);
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ',')))
        {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' | '.' if depth == 0 => {
                    let part = text[start..i].trim();
                    let name = part
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("");
                    if !name.is_empty() {
                        names.push(name);
                    }
                    start = i + 1;
                    if c == '.' {
                        break;
                    }
                }
                _ => {}
            }
        }
        names
    }

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

/// Every argument count an operation accepts: its request map, its positional forms (each
/// optionally followed by a map; see [`aws::forms`]), and no arguments at all when nothing is
/// required.
pub fn arities(op: &Operation) -> Vec<usize> {
    let mut out = vec![1];
    if op.input.members.iter().all(|m| !m.required) {
        out.push(0);
    }
    for form in &aws::forms::forms(op).forms {
        out.push(form.len());
        out.push(form.len() + 1);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The parameters of `op` called with `arity` arguments, as Rhai's metadata spells them
/// (`"user_pool_id: String"`, `"request: Map"`), for definition files. When one argument is
/// either the request or a positional member, its name says both.
pub fn params(op: &Operation, arity: usize) -> Vec<String> {
    let forms = aws::forms::forms(op);
    let positional = |form: &[&str]| -> Vec<String> {
        form.iter()
            .map(|m| {
                let ty = match op.input.member(m).map(|m| &m.ty) {
                    Some(crate::aws::shape::Ty::Integer | crate::aws::shape::Ty::Long) => "int",
                    Some(crate::aws::shape::Ty::Boolean) => "bool",
                    Some(crate::aws::shape::Ty::List(_)) => "Array",
                    Some(ty) if aws::forms::map_like(ty) => "Map",
                    _ => "String",
                };
                format!("{}: {ty}", snake(m))
            })
            .collect()
    };
    if let Some(form) = forms.of_len(arity) {
        if arity == 1 {
            return vec![format!("{}_or_request: ?", snake(form[0]))];
        }
        return positional(form);
    }
    if let Some(form) = arity.checked_sub(1).and_then(|n| forms.of_len(n)) {
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

/// How an operation can be called: `cognito::admin_get_user(request) | (user_pool_id, username[, request])`.
pub fn op_signature(op: &Operation) -> String {
    let mut forms = vec!["request".to_string()];
    for form in &aws::forms::forms(op).forms {
        let params: Vec<String> = form.iter().map(|m| snake(m)).collect();
        let extra = if params.is_empty() {
            "[request]"
        } else {
            "[, request]"
        };
        forms.push(format!("{}{extra}", params.join(", ")));
    }
    format!("{}::{}({})", op.namespace, op.name, forms.join(") | ("))
}

/// The API name of the operation `code` calls when it is one call (`cognito::list_users(p)` →
/// `ListUsers`), as the AWS CLI titles a table; `None` for anything else.
pub fn api_called(code: &str) -> Option<&'static str> {
    let code = code.trim().trim_end_matches(';').trim_end();
    let (namespace, rest) = code.split_once("::")?;
    let name_end = rest.find('(')?;
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    let name = &rest[..name_end];
    (ident(namespace) && ident(name) && rest.ends_with(')'))
        .then(|| aws::find_operation(namespace, name))
        .flatten()
        .map(|op| op.api)
}

/// The namespaces scripts call functions in (the global one is `""`).
pub const NAMESPACES: &[&str] = &["cognito", "iam", "sts", "logs", "aws"];

/// Rhai's function metadata (`Engine::gen_fn_metadata_to_json`), the part read here.
#[derive(serde::Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    modules: std::collections::BTreeMap<String, Metadata>,
    #[serde(default)]
    functions: Vec<FnMetadata>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FnMetadata {
    name: String,
    num_params: usize,
    #[serde(default)]
    params: Vec<ParamMetadata>,
    #[serde(default)]
    doc_comments: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ParamMetadata {
    name: Option<String>,
}

/// The functions beyond the API that an engine has registered (`cognito::import_users`,
/// `aws::batch`, `query`, `secret`…), read from Rhai's own metadata: each function's doc is its
/// own doc comment, its parameters its own. Overloads without a doc comment (`print` of a
/// secret, `to_json` of a map) refine a Rhai built-in and are not listed.
pub fn helpers(engine: &Engine) -> Vec<FnInfo> {
    let metadata: Metadata = engine
        .gen_fn_metadata_to_json(false)
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let mut by_name: std::collections::BTreeMap<(&str, &str), Vec<&FnMetadata>> =
        std::collections::BTreeMap::new();
    let empty = Vec::new();
    for namespace in std::iter::once("").chain(NAMESPACES.iter().copied()) {
        let functions = match namespace {
            "" => &metadata.functions,
            ns => metadata.modules.get(ns).map_or(&empty, |m| &m.functions),
        };
        for f in functions {
            if aws::find_operation(namespace, &f.name).is_none() {
                by_name.entry((namespace, &f.name)).or_default().push(f);
            }
        }
    }
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let mut out = Vec::new();
    for ((namespace, name), mut overloads) in by_name {
        overloads.sort_by_key(|f| f.num_params);
        let Some(doc) = overloads
            .iter()
            .map(|f| doc_line(&f.doc_comments))
            .find(|d| !d.is_empty())
        else {
            continue;
        };
        let mut arities: Vec<usize> = overloads.iter().map(|f| f.num_params).collect();
        arities.dedup();
        let longest = overloads.last().map_or(&[][..], |f| &f.params[..]);
        let params: Vec<String> = longest
            .iter()
            .enumerate()
            .map(|(i, p)| p.name.clone().unwrap_or_else(|| format!("arg{}", i + 1)))
            .collect();
        let fewest = arities.first().copied().unwrap_or(0).min(params.len());
        let mut shown = params[..fewest].join(", ");
        if fewest < params.len() {
            let rest = params[fewest..].join(", ");
            shown = if fewest == 0 {
                format!("[{rest}]")
            } else {
                format!("{shown}[, {rest}]")
            };
        }
        let qualified = if namespace.is_empty() {
            name.to_string()
        } else {
            format!("{namespace}::{name}")
        };
        out.push(FnInfo {
            namespace,
            name: leak(name.to_string()),
            arities,
            signature: format!("{qualified}({shown})"),
            doc: leak(doc),
            op: None,
        });
    }
    out
}

/// A doc comment's first paragraph on one line, without its `///`.
fn doc_line(comments: &[String]) -> String {
    comments
        .iter()
        .flat_map(|c| c.lines())
        .map(|l| l.trim().trim_start_matches('/').trim())
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first sentence of a paragraph (up to a `.` followed by a space, or all of it).
fn first_sentence(paragraph: &str) -> String {
    match paragraph.find(". ") {
        Some(end) => paragraph[..=end].to_string(),
        None => paragraph.to_string(),
    }
}

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
                // The first sentence, whole, however many comment lines it spans.
                let comments: Vec<String> = f.comments.iter().map(|c| c.to_string()).collect();
                let doc = first_sentence(&doc_line(&comments));
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

/// The whole catalog: every AWS operation, every helper the engine registered (see
/// [`helpers`]), every stdlib function. Read once per process: every engine registers the same
/// functions.
pub fn catalog(engine: &Engine) -> &'static [FnInfo] {
    static CATALOG: std::sync::OnceLock<Vec<FnInfo>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
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
        out.extend(helpers(engine));
        out.extend(stdlib_functions().iter().cloned());
        out
    })
}

/// Helpers that take a secret positionally (their parameter is declared `secret`): function,
/// argument index, what it is. Checked against the helpers' metadata by a test.
const HELPER_SECRETS: &[(&str, usize, &str)] = &[
    ("sign_in", 3, "Password"),
    ("secret_hash", 1, "ClientSecret"),
    ("set_up_totp", 0, "AccessToken"),
    ("totp", 0, "TotpSecret"),
];

/// Where operations and helpers take a secret positionally: (function name, argument index,
/// member). The REPL masks string literals there before they reach its history, and a `--var`
/// passed there is sent as a secret.
pub fn secret_positions() -> Vec<(&'static str, usize, &'static str)> {
    let mut positions = HELPER_SECRETS.to_vec();
    for op in aws::operations() {
        for form in &aws::forms::forms(op).forms {
            for (i, member) in form.iter().enumerate() {
                if crate::value::is_secret_key(member) && !positions.contains(&(op.name, i, member))
                {
                    positions.push((op.name, i, member));
                }
            }
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn engine() -> Engine {
        crate::engine::Runbook::new(
            aws::Settings::default(),
            rhai::Map::new(),
            crate::context::Safety::interactive(false),
        )
        .expect("an engine")
        .engine
    }

    /// Every function registered beyond the API is listed with its doc, unless it is an
    /// undocumented refinement of one of Rhai's own functions (`print` of a secret). The other
    /// direction, that every listed helper can be called as listed, is
    /// `cli::every_listed_helper_is_callable` (tests/it).
    #[test]
    fn every_registered_helper_is_listed() {
        let engine = engine();
        let listed: BTreeSet<(String, String)> = helpers(&engine)
            .iter()
            .map(|f| (f.namespace.to_string(), f.name.to_string()))
            .collect();
        // What Rhai itself defines, in an engine with nothing of ours.
        let rhai_own: BTreeSet<String> = rhai::Engine::new()
            .gen_fn_metadata_to_json(true)
            .ok()
            .and_then(|j| serde_json::from_str::<Metadata>(&j).ok())
            .unwrap_or_default()
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect();
        assert!(rhai_own.contains("to_string"), "{rhai_own:?}");
        let metadata: Metadata = engine
            .gen_fn_metadata_to_json(false)
            .ok()
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        let mut registered = 0;
        for namespace in std::iter::once("").chain(NAMESPACES.iter().copied()) {
            let functions = match namespace {
                "" => &metadata.functions,
                ns => &metadata.modules[ns].functions,
            };
            for f in functions {
                if aws::find_operation(namespace, &f.name).is_some() {
                    continue;
                }
                registered += 1;
                let refines_builtin = namespace.is_empty()
                    && doc_line(&f.doc_comments).is_empty()
                    && (rhai_own.contains(&f.name)
                        // Rhai's statements print and debug call these for a value's text.
                        || ["print", "debug"].contains(&f.name.as_str())
                        || listed.contains(&(String::new(), f.name.clone())));
                assert!(
                    listed.contains(&(namespace.to_string(), f.name.clone())) || refines_builtin,
                    "{namespace}::{} is registered but not listed (no doc comment?)",
                    f.name
                );
            }
        }
        assert!(registered > 25, "only {registered} helpers registered?");
        for (namespace, name) in [
            ("cognito", "import_users"),
            ("aws", "batch"),
            ("", "secret"),
            ("", "query"),
        ] {
            assert!(
                listed.contains(&(namespace.to_string(), name.to_string())),
                "{namespace}::{name}"
            );
        }
    }

    #[test]
    fn a_helpers_signature_and_doc_are_its_own() {
        let all = helpers(&engine());
        let find = |q: &str| all.iter().find(|f| f.qualified() == q).expect(q);
        assert_eq!(find("env").signature, "env(name[, default])");
        assert_eq!(find("to_json").arities, [1, 2]);
        assert_eq!(
            find("cognito::export_users").signature,
            "cognito::export_users(pool_id, csv_path[, options])"
        );
        assert!(find("aws::batch").doc.contains("pacing itself"));
        assert!(
            find("cognito::import_users")
                .doc
                .contains("Options: CloudWatchLogsRoleArn")
        );
    }

    #[test]
    fn filters_match_the_cli_spellings() {
        let all = catalog(&engine());
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

    /// Every helper parameter declared `secret` is masked where it is typed (HELPER_SECRETS),
    /// and nothing else is listed.
    #[test]
    fn helper_secret_positions_are_the_declared_ones() {
        let json: serde_json::Value =
            serde_json::from_str(&engine().gen_fn_metadata_to_json(false).unwrap()).unwrap();
        let mut declared = BTreeSet::new();
        let mut functions: Vec<&serde_json::Value> = Vec::new();
        for module in json["modules"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            functions.extend(module["functions"].as_array().into_iter().flatten());
        }
        functions.extend(json["functions"].as_array().into_iter().flatten());
        for f in functions {
            for (i, p) in f["params"].as_array().into_iter().flatten().enumerate() {
                // Declared `secret` (a plugin function's `SecretText`, which the engine shows
                // as `secret`).
                let secret = p["type"] == "secret" || p["type"] == "SecretText";
                if secret && p["name"].is_string() {
                    declared.insert((f["name"].as_str().unwrap().to_string(), i));
                }
            }
        }
        let listed: BTreeSet<(String, usize)> = HELPER_SECRETS
            .iter()
            .map(|(f, i, _)| (f.to_string(), *i))
            .collect();
        assert_eq!(declared, listed);
    }

    #[test]
    fn options_are_read_from_the_doc() {
        let catalog = catalog(&engine());
        let find = |name: &str| catalog.iter().find(|f| f.name == name).unwrap();
        assert_eq!(
            find("sign_in").options(),
            [
                "Flow",
                "ClientSecret",
                "NewPassword",
                "SetUpTotp",
                "TotpSecret",
                "DeviceName"
            ]
        );
        assert!(find("export_users").options().contains(&"OnlyMissing"));
        assert!(find("admin_get_user").options().is_empty());
    }

    #[test]
    fn catalog_has_every_operation() {
        let all = catalog(&engine());
        assert_eq!(
            all.iter().filter(|f| f.namespace == "cognito").count(),
            132 + 10
        );
        assert_eq!(aws::cognito_ops::OPERATIONS.len(), 132);
        assert_eq!(aws::iam::OPERATIONS.len(), 23);
        assert_eq!(aws::logs::OPERATIONS.len(), 3);
        assert_eq!(all.iter().filter(|f| f.namespace == "logs").count(), 3);
    }

    #[test]
    fn no_doc_line_is_cut_mid_sentence() {
        for f in catalog(&engine()) {
            let doc = f.doc.trim_end();
            assert!(
                doc.is_empty() || doc.ends_with(['.', ')', '!', '?', ':']),
                "{}: {doc}",
                f.signature
            );
        }
    }
}
