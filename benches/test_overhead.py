#!/usr/bin/env python3
"""`runbook test` beside pytest: the cost of a test beyond its own calls, the runner's start,
and 100 real tests against a fresh account each.

    cargo build --release && pip install pytest && python3 benches/test_overhead.py

Measured side by side, the best of three runs each:
- per-test overhead: (time of 201 empty tests - time of 1) / 200. runbook's includes the fresh
  emulator account each test gets; pytest's is a plain test with no account at all.
- start: a suite of one empty test, start to exit (runbook's includes its emulator's start).
- 100 real tests: each makes a pool, a user and a group, puts the user in the group and checks
  the membership: `runbook test` against its emulator, pytest with moto's `mock_aws` (a fresh
  account per test, as its documentation sets it up).
Targets (issue 28): overhead <= pytest's; start <= 0.4 s; real tests >= 1.5x faster.
"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNBOOK = os.path.join(ROOT, "target", "release", "runbook")

REAL_RHAI = """fn test_{i}() {{
    let pool = cognito::create_user_pool("p{i}").UserPool.Id;
    cognito::admin_create_user(pool, "ann");
    cognito::create_group(pool, "admins");
    cognito::admin_add_user_to_group(pool, "ann", "admins");
    let groups = cognito::admin_list_groups_for_user(pool, "ann").Groups.map(|g| g.GroupName);
    assert_eq(groups, ["admins"]);
}}
"""

REAL_PY_HEAD = """import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def cognito():
    with mock_aws():
        yield boto3.client("cognito-idp", region_name="us-east-1")

"""

REAL_PY = """
def test_{i}(cognito):
    pool = cognito.create_user_pool(PoolName="p{i}")["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="ann")
    cognito.create_group(UserPoolId=pool, GroupName="admins")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="admins")
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="ann")["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
"""


def timed(command, files, expect):
    """Best of three: the seconds `command DIR` takes over a directory holding `files`."""
    best = None
    for _ in range(3):
        with tempfile.TemporaryDirectory() as dir:
            for name, text in files.items():
                with open(os.path.join(dir, name), "w") as f:
                    f.write(text)
            env = dict(os.environ, XDG_STATE_HOME=dir, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_CONFIG_FILE="/nonexistent",
                       AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
            started = time.monotonic()
            out = subprocess.run(command + [dir], env=env, capture_output=True, text=True,
                                 cwd=dir)
            elapsed = time.monotonic() - started
            assert out.returncode == 0, out.stdout + out.stderr
            assert expect in out.stdout, out.stdout
            best = elapsed if best is None else min(best, elapsed)
    return best


def runbook(count, body=None):
    text = "".join(body.format(i=i) if body else f"fn test_{i}() {{ assert_eq(1 + 1, 2); }}\n"
                   for i in range(count))
    return timed([RUNBOOK, "test"], {"many.test.rhai": text}, f"{count} passed, 0 failed")


def pytest(count, body=None, head=""):
    text = head + "".join(body.format(i=i) if body else f"\ndef test_{i}():\n    assert 1 + 1 == 2\n"
                          for i in range(count))
    return timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                 {"test_many.py": text}, f"{count} passed")


def main():
    try:
        import pytest as _  # noqa: F401
    except ImportError:
        sys.exit("pytest is not installed: pip install pytest")
    rb_one, rb_many = runbook(1), runbook(201)
    py_one, py_many = pytest(1), pytest(201)
    rb_each = (rb_many - rb_one) / 200 * 1000
    py_each = (py_many - py_one) / 200 * 1000
    print(f"per-test overhead: runbook {rb_each:.1f} ms (a fresh account included), "
          f"plain pytest {py_each:.1f} ms (no account)  [goal: runbook <= pytest]")
    print(f"start (one empty test): runbook {rb_one:.2f} s (its emulator included), "
          f"pytest {py_one:.2f} s  [goal: runbook <= 0.4 s]")
    rb_real = runbook(100, REAL_RHAI)
    py_real = pytest(100, REAL_PY, REAL_PY_HEAD)
    print(f"100 real tests: runbook {rb_real:.2f} s, pytest + mock_aws {py_real:.2f} s: "
          f"runbook {py_real / rb_real:.2f}x faster  [goal: >= 1.5x]")


if __name__ == "__main__":
    main()
