//! One runbook across accounts and regions: fleets against the emulator, where assumed roles
//! act in accounts of their own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

/// A fleet of three: `dev` by profile, `stage` and `prod` by roles in other accounts, each in a
/// region of its own with its own pool name; and the AWS config files the profile is in.
struct Setup {
    dir: PathBuf,
    prefix: String,
}

impl Setup {
    fn new(extra: &str, dev_vars: &str) -> Self {
        let dir = temp_dir();
        let prefix = unique("fleet");
        let fleet = format!(
            r#"{extra}
[[target]]
name = "dev"
profile = "dev"
vars = {{ pool_name = "{prefix}-dev"{dev_vars} }}

[[target]]
name = "stage"
role_arn = "arn:aws:iam::111111111111:role/RunbookOps"
region = "eu-west-3"
vars = {{ pool_name = "{prefix}-stage" }}

[[target]]
name = "prod"
role_arn = "arn:aws:iam::222222222222:role/RunbookOps"
external_id = "ops-2026"
region = "sa-east-1"
vars = {{ pool_name = "{prefix}-prod" }}
"#
        );
        for (name, text) in [
            ("config", "[profile dev]\nregion = ca-central-1\n"),
            (
                "credentials",
                "[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
            ),
            ("fleet.toml", &fleet),
            (
                "pool.rhai",
                "if param(\"fail\", \"no\") == \"yes\" { throw \"this target fails\"; }\nlet id = cognito::create_user_pool(param(\"pool_name\")).UserPool.Id;\nprint(`made ${param(\"pool_name\")} in ${account_id()} ${region()}`);\n",
            ),
            (
                "list.rhai",
                "let mine = cognito::list_user_pools().UserPools.map(|p| p.Name).filter(|n| n.starts_with(param(\"prefix\")));\nprint(`sees ${to_json(mine)}`);\n",
            ),
        ] {
            std::fs::write(dir.join(name), text).expect("write");
        }
        Setup { dir, prefix }
    }

    fn runbook(&self, args: &[&str]) -> Output {
        let mut cmd = runbook();
        cmd.current_dir(&self.dir)
            .env("AWS_CONFIG_FILE", self.dir.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.join("credentials"))
            .args(args);
        cmd.output().expect("runs")
    }

    /// What each target's account and region holds of this test's pools: `[target] sees […]`.
    fn seen(&self, journals: &str) -> Vec<String> {
        let prefix = format!("prefix={}", self.prefix);
        let out = self.fleet("list.rhai", journals, &["--var", &prefix]);
        let mut lines: Vec<String> = ok(&out)
            .lines()
            .filter(|l| l.contains(" sees "))
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    }

    /// `runbook run SCRIPT --targets fleet.toml --journal-dir JOURNALS ARGS…`.
    fn fleet(&self, script: &str, journals: &str, args: &[&str]) -> Output {
        let mut all = vec![
            "run",
            script,
            "--targets",
            "fleet.toml",
            "--journal-dir",
            journals,
        ];
        all.extend_from_slice(args);
        self.runbook(&all)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// `CMD run SCRIPT --targets fleet.toml --journal-dir j ARGS…` in `dir`.
fn run_fleet(mut cmd: Command, dir: &Path, script: &str, args: &[&str]) -> Output {
    cmd.current_dir(dir)
        .args([
            "run",
            script,
            "--targets",
            "fleet.toml",
            "--journal-dir",
            "j",
        ])
        .args(args);
    cmd.output().expect("runs")
}

/// `runbook --local`: a fleet rehearsed on an emulator of its own.
fn local() -> Command {
    let mut cmd = bare();
    cmd.arg("--local");
    cmd
}

/// A fresh directory holding `files` (name, text).
fn dir_with(files: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    dir
}

/// What `seen` shows of accounts holding none of the test's pools.
const NOTHING: [&str; 3] = ["[dev] sees []", "[prod] sees []", "[stage] sees []"];

fn table_row<'a>(text: &'a str, target: &str) -> Vec<&'a str> {
    text.lines()
        .find(|l| l.starts_with(&format!("{target} ")))
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

#[test]
fn a_fleet_runs_in_each_account_and_region_and_reverts_as_a_whole() {
    let setup = Setup::new("max_concurrency = 3", "");
    let p = &setup.prefix;
    // A dry run plans every target and writes nowhere; its table says the writes were planned.
    let out = setup.fleet("pool.rhai", "plan", &["--dry-run"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        table_row(&stdout(&out), "TARGET"),
        ["TARGET", "ACCOUNT", "REGION", "OUTCOME", "PLANNED", "TIME"]
    );
    for (target, pool) in [("dev", "dev"), ("stage", "stage"), ("prod", "prod")] {
        assert!(
            err.contains(&format!(
                "[{target}] plan 1: + cognito::create_user_pool PoolName={p}-{pool}"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "[{target}] plan: 1 write (1 create, 0 update, 0 delete), 0 sent"
            )),
            "{err}"
        );
    }
    assert_eq!(setup.seen("seen0"), NOTHING);

    // The run: each pool in its own account and region.
    let out = setup.fleet("pool.rhai", "run", &[]);
    let text = ok(&out);
    assert!(
        text.contains(&format!("[dev] made {p}-dev in 123456789012 ca-central-1")),
        "{text}"
    );
    assert!(
        text.contains(&format!("[stage] made {p}-stage in 111111111111 eu-west-3")),
        "{text}"
    );
    assert!(
        text.contains(&format!("[prod] made {p}-prod in 222222222222 sa-east-1")),
        "{text}"
    );
    assert_eq!(
        table_row(&text, "TARGET"),
        ["TARGET", "ACCOUNT", "REGION", "OUTCOME", "WRITES", "TIME"]
    );
    assert_eq!(
        table_row(&text, "stage")[..5],
        ["stage", "111111111111", "eu-west-3", "ok", "1"]
    );
    assert_eq!(
        table_row(&text, "prod")[..5],
        ["prod", "222222222222", "sa-east-1", "ok", "1"]
    );
    assert_eq!(
        table_row(&text, "dev")[..5],
        ["dev", "123456789012", "ca-central-1", "ok", "1"]
    );
    assert_eq!(
        setup.seen("seen1"),
        [
            format!("[dev] sees [\"{p}-dev\"]"),
            format!("[prod] sees [\"{p}-prod\"]"),
            format!("[stage] sees [\"{p}-stage\"]"),
        ]
    );
    for target in ["dev", "stage", "prod"] {
        assert!(setup.path(&format!("run/{target}.jsonl")).is_file());
    }
    let journal = std::fs::read_to_string(setup.path("run/stage.jsonl")).expect("journal");
    assert!(
        journal.contains("role arn:aws:iam::111111111111:role/RunbookOps"),
        "{journal}"
    );
    let prod = std::fs::read_to_string(setup.path("run/prod.jsonl")).expect("journal");
    assert!(prod.contains("\"external_id\":\"ops-2026\""), "{prod}");

    // `journal DIR` shows the fleet's runs; `revert DIR` undoes every one where it ran.
    let shown = ok(&setup.runbook(&["journal", "run"]));
    for target in ["dev", "stage", "prod"] {
        assert!(shown.contains(&format!("# {target}: account")), "{shown}");
    }
    let out = setup.runbook(&["revert", "run", "--yes"]);
    let text = ok(&out);
    assert_eq!(
        table_row(&text, "prod")[..4],
        ["prod", "222222222222", "sa-east-1", "ok"],
        "{text}"
    );
    assert_eq!(setup.seen("seen2"), NOTHING);
}

#[test]
fn revert_dir_reverts_one_fleet_run_and_leaves_other_journals_alone() {
    let setup = Setup::new("max_concurrency = 3", "");
    let p = &setup.prefix;
    ok(&setup.fleet("pool.rhai", "run", &[]));
    // Another run's journal in the same directory: not the fleet run's.
    std::fs::write(
        setup.path("stray.rhai"),
        format!("cognito::create_user_pool(\"{p}-stray\");\n"),
    )
    .expect("write");
    ok(&setup.runbook(&["run", "--yes", "--journal", "run/stray.jsonl", "stray.rhai"]));
    let out = setup.runbook(&["revert", "run", "--yes"]);
    let (text, err) = (ok(&out), stderr(&out));
    assert!(
        err.contains("stray.jsonl is not a journal of fleet run "),
        "{err}"
    );
    assert!(!text.contains("stray"), "{text}");
    for target in ["dev", "stage", "prod"] {
        assert_eq!(table_row(&text, target)[3], "ok", "{text}");
    }
    assert_eq!(setup.seen("seen"), NOTHING);
    let left = ok(&setup.runbook(&[
        "eval",
        &format!(r#"cognito::list_user_pools().UserPools.filter(|p| p.Name == "{p}-stray").len()"#),
    ]));
    assert_eq!(left.trim(), "1", "the other run's pool is left");
}

#[test]
fn past_max_errors_the_targets_not_started_are_skipped() {
    let setup = Setup::new("max_concurrency = 1\nmax_errors = 0", ", fail = \"yes\"");
    let out = setup.fleet("pool.rhai", "j", &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(
        table_row(&text, "dev")[2..5],
        ["ca-central-1", "failed:", "this"],
        "{text}"
    );
    assert_eq!(
        table_row(&text, "stage")[..4],
        ["stage", "-", "eu-west-3", "skipped"],
        "{text}"
    );
    assert_eq!(
        table_row(&text, "prod")[..4],
        ["prod", "-", "sa-east-1", "skipped"],
        "{text}"
    );
    assert!(
        stderr(&out).contains("error: 1 of 3 targets failed, 2 skipped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(setup.seen("seen"), NOTHING);
    // Tolerating one failure, the others run.
    let out = setup.fleet("pool.rhai", "k", &["--max-errors", "1"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(table_row(&text, "stage")[3], "ok", "{text}");
    assert_eq!(table_row(&text, "prod")[3], "ok", "{text}");
}

#[test]
fn a_shard_or_only_takes_its_targets() {
    let setup = Setup::new("", "");
    let out = setup.fleet("pool.rhai", "s", &["--shard", "2/3"]);
    let text = ok(&out);
    assert!(text.contains("[stage] made"), "{text}");
    assert!(
        !text.contains("[dev]") && !text.contains("[prod]"),
        "{text}"
    );
    assert_eq!(table_row(&text, "stage")[3], "ok");
    assert!(table_row(&text, "dev").is_empty(), "{text}");
    let out = setup.fleet(
        "list.rhai",
        "o",
        &[
            "--only",
            "prod,dev",
            "--var",
            &format!("prefix={}", setup.prefix),
        ],
    );
    let text = ok(&out);
    assert!(
        text.contains("[prod] sees []") && text.contains("[dev] sees []"),
        "{text}"
    );
    assert!(!text.contains("[stage]"), "{text}");
}

#[test]
fn a_bad_fleet_file_is_refused_before_any_target_runs() {
    let setup = Setup::new("", "");
    let app = app_id("badfleet");
    let cases = [
        (
            "[[target]]\nname = \"a\"\nregoin = \"x\"\n",
            "fleet.toml:3:1: unknown field `regoin`",
        ),
        (
            "[[target]]\nname = \"a\"\nregoin = \"x\"\n",
            "(did you mean `region`?)",
        ),
        (
            "[[target]]\nname = \"a\"\nrole_arn = \"arn:aws:iam:222222222222:role/x\"\n",
            "role_arn \"arn:aws:iam:222222222222:role/x\" is not an ARN",
        ),
        (
            "[[target]]\nname = \"a\"\nregion = \"x\"\n[[target]]\nname = \"a\"\nregion = \"y\"\n",
            "fleet.toml:5:8: duplicate target name \"a\" (first on line 2)",
        ),
        (
            "[[target]]\nname = \"a\"\n",
            "fleet.toml:1:1: target \"a\" has neither profile, role_arn nor region",
        ),
        (
            "[[target]]\nname = \"a\"\nregion = \"x\"\n[[target]]\nname = \"b\"\nprofile = \"dve\"\n",
            "fleet.toml:6:11: target \"b\": the profile \"dve\" is in neither the AWS config file nor the credentials file; the profiles are: dev",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(setup.path("fleet.toml"), text).expect("write");
        let mut cmd = runbook_as(&app);
        cmd.current_dir(&setup.dir)
            .env("AWS_CONFIG_FILE", setup.path("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", setup.path("credentials"))
            .args(["run", "pool.rhai", "--targets", "fleet.toml"]);
        let out = cmd.output().expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(recorded(&app).is_empty(), "nothing was sent");
    assert!(!Path::new(&setup.path("fleet.toml")).is_dir());
}

#[test]
fn a_local_fleet_gives_every_target_an_account_of_its_own() {
    let dir = dir_with(&[
        (
            "fleet.toml",
            "max_concurrency = 2\n[[target]]\nname = \"one\"\nregion = \"us-east-1\"\n[[target]]\nname = \"two\"\nregion = \"us-east-1\"\n[[target]]\nname = \"three\"\nrole_arn = \"arn:aws:iam::333333333333:role/Ops\"\nregion = \"us-east-1\"\n",
        ),
        (
            "pools.rhai",
            "cognito::create_user_pool(\"same-name\");\nprint(`${account_id()} has ${cognito::list_user_pools().UserPools.len()}`);\n",
        ),
    ]);
    let out = run_fleet(local(), &dir, "pools.rhai", &[]);
    let text = ok(&out);
    let accounts: std::collections::BTreeSet<&str> = ["one", "two", "three"]
        .iter()
        .map(|t| table_row(&text, t)[1])
        .collect();
    assert_eq!(accounts.len(), 3, "{text}");
    assert!(accounts.contains("333333333333"), "{text}");
    // Each account holds only its own pool.
    assert_eq!(text.matches(" has 1").count(), 3, "{text}");
}

#[test]
fn a_role_that_cannot_be_assumed_fails_its_target_only() {
    let dir = dir_with(&[
        (
            "fleet.toml",
            "max_errors = 1\n[[target]]\nname = \"typo\"\nrole_arn = \"arn:aws:iam::123450000000:role/Ops\"\nregion = \"us-east-2\"\n[[target]]\nname = \"fine\"\nregion = \"us-east-2\"\n",
        ),
        ("who.rhai", "print(account_id());\n"),
    ]);
    // A well-formed role ARN that STS refuses (a malformed one is refused with the fleet file).
    let app = app_id("noassume");
    inject(&format!(r#"{{"app": "{app}", "deny": ["AssumeRole"]}}"#));
    let out = run_fleet(runbook_as(&app), &dir, "who.rhai", &[]);
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{text}{err}");
    assert!(
        err.contains(
            "[typo] error: cannot assume role arn:aws:iam::123450000000:role/Ops: AccessDenied: "
        ),
        "{err}"
    );
    assert_eq!(
        table_row(&text, "typo")[..4],
        ["typo", "-", "us-east-2", "failed:"],
        "{text}"
    );
    assert_eq!(table_row(&text, "fine")[3], "ok", "{text}");
    assert!(text.contains("[fine] 123456789012"), "{text}");
}

/// Runs `body` on a fleet of two targets (a in us-west-1, b a role in 444444444444), both at
/// once, at a terminal where the operator answers `y` once; asserts the run succeeded and the
/// fleet was asked about `function` exactly once. What the terminal showed.
fn confirmed_once_for_the_fleet(body: &str, function: &str) -> String {
    let prefix = unique("confirm");
    let fleet = format!(
        "max_concurrency = 2\n[[target]]\nname = \"a\"\nregion = \"us-west-1\"\nvars = {{ pool = \"{prefix}-a\" }}\n[[target]]\nname = \"b\"\nrole_arn = \"arn:aws:iam::444444444444:role/Ops\"\nregion = \"us-west-1\"\nvars = {{ pool = \"{prefix}-b\" }}\n"
    );
    let dir = dir_with(&[("fleet.toml", &fleet), ("book.rhai", body)]);
    let d = dir.display();
    let (code, screen) = on_a_terminal(
        &format!("run {d}/book.rhai --targets {d}/fleet.toml --journal-dir {d}/j"),
        &[(3000, "y\r")],
        &[],
    );
    assert_eq!(code, Some(0), "{screen}");
    let question = format!("{function} on the fleet's 2 targets (a, b): go ahead on all of them?");
    assert_eq!(screen.matches(&question).count(), 1, "{screen}");
    screen
}

#[test]
fn a_destructive_call_is_confirmed_once_for_the_whole_fleet() {
    let screen = confirmed_once_for_the_fleet(
        "let id = cognito::create_user_pool(param(\"pool\")).UserPool.Id;\ncognito::delete_user_pool(id);\nprint(\"deleted\");\n",
        "cognito::delete_user_pool",
    );
    assert!(
        screen.contains("[a] deleted") && screen.contains("[b] deleted"),
        "{screen}"
    );
}

#[test]
fn a_destructive_batch_is_confirmed_once_for_the_whole_fleet() {
    let screen = confirmed_once_for_the_fleet(
        "let id = cognito::create_user_pool(param(\"pool\")).UserPool.Id;\nlet users = [\"u1\", \"u2\"].map(|u| #{ UserPoolId: id, Username: u });\naws::batch(\"cognito::admin_create_user\", users.map(|r| r + #{ MessageAction: \"SUPPRESS\" }));\nlet gone = aws::batch(\"cognito::admin_delete_user\", users).filter(|r| r.ok).len();\nprint(`deleted ${gone}`);\n",
        "cognito::admin_delete_user",
    );
    assert!(!screen.contains("× 2 in"), "{screen}");
    assert!(
        screen.contains("[a] deleted 2") && screen.contains("[b] deleted 2"),
        "{screen}"
    );
}

#[test]
fn a_local_fleet_rehearses_an_import_in_each_account() {
    // Import jobs act in the account of the request's credentials: an assumed role's.
    let dir = dir_with(&[
        (
            "fleet.toml",
            "max_concurrency = 2\n[[target]]\nname = \"derived\"\nregion = \"eu-central-1\"\n[[target]]\nname = \"named\"\nrole_arn = \"arn:aws:iam::555555555555:role/Ops\"\nregion = \"eu-central-1\"\n",
        ),
        (
            "import.rhai",
            "let pool = cognito::create_user_pool(#{ PoolName: \"imported\", AutoVerifiedAttributes: [\"email\"] }).UserPool.Id;\nlet r = cognito::import_users(pool, param(\"csv\"), #{ CloudWatchLogsRoleArn: `arn:aws:iam::${account_id()}:role/Import` });\nprint(`imported ${r.ImportedUsers} into ${account_id()}, which has ${cognito::list_users(pool).Users.len()}`);\n",
        ),
    ]);
    let csv = repo().join("tests/fixtures/csv/seed.csv");
    let var = format!("csv={}", csv.display());
    let out = run_fleet(local(), &dir, "import.rhai", &["--var", &var]);
    let text = ok(&out);
    let rows = std::fs::read_to_string(&csv).expect("csv").lines().count() - 1;
    assert!(
        text.contains(&format!(
            "[named] imported {rows} into 555555555555, which has {rows}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("[derived] imported {rows} into 9")),
        "{text}"
    );
}

#[test]
fn a_target_name_cannot_drive_the_terminal() {
    let dir = dir_with(&[
        (
            "fleet.toml",
            "[[target]]\nname = \"ev\\u001b]0;pwned\\u0007il\"\nregion = \"us-east-1\"\n",
        ),
        ("say.rhai", "print(\"hello\");\n"),
    ]);
    let out = run_fleet(local(), &dir, "say.rhai", &["--yes"]);
    let (out_text, err) = (stdout(&out), stderr(&out));
    for text in [&out_text, &err] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert!(
        format!("{out_text}{err}").contains("ev\\u{1b}]0;pwned"),
        "{out_text}{err}"
    );
}

#[test]
fn targets_acting_with_the_same_credentials_share_one_budget() {
    // Two targets at once, both as profile dev in one region: one account's limits. Each
    // alone would go at the full 10/s and the two together be throttled.
    let setup = Setup::new("", "");
    let app = app_id("fleet-budget");
    inject(&format!(
        r#"{{"app": "{app}", "enforce_limits": true, "provisioned": {{"UserCreation": 10}}}}"#
    ));
    let fleet = format!(
        "max_concurrency = 2\n[[target]]\nname = \"a\"\nprofile = \"dev\"\nvars = {{ pool_name = \"{p}-a\" }}\n[[target]]\nname = \"b\"\nprofile = \"dev\"\nvars = {{ pool_name = \"{p}-b\" }}\n",
        p = setup.prefix
    );
    std::fs::write(setup.path("fleet.toml"), fleet).expect("write");
    std::fs::write(
        setup.path("users.rhai"),
        "let pool = cognito::create_user_pool(param(\"pool_name\")).UserPool.Id;\nfor i in 0..20 { cognito::admin_create_user(pool, `u${i}`, #{ MessageAction: \"SUPPRESS\" }); }\n",
    )
    .expect("write");
    let out = {
        let mut cmd = runbook();
        cmd.current_dir(&setup.dir)
            .env("AWS_CONFIG_FILE", setup.path("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", setup.path("credentials"))
            .env("AWS_SDK_UA_APP_ID", &app)
            .args(["run", "users.rhai", "--targets", "fleet.toml"])
            .args(["--journal-dir", "j", "--yes"]);
        cmd.output().expect("runs")
    };
    ok(&out);
    let seen = recorded(&app);
    let creates = seen
        .iter()
        .filter(|r| r["action"] == "AdminCreateUser" && r["status"] == 200)
        .count();
    assert_eq!(creates, 40, "{}", stderr(&out));
    let throttled = seen.iter().filter(|r| r["status"] == 400).count();
    assert_eq!(throttled, 0, "{}", stderr(&out));
}
