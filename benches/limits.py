#!/usr/bin/env python3
"""Pacing from the account's real limits: 0 throttled requests where a plain loop is throttled.

    cargo build --release && python3 benches/limits.py [--creates 200]

The emulator holds the app's account to its provisioned limits ("enforce_limits"), with
UserCreation provisioned at 10/s and UserUpdate at 20/s (as `GetProvisionedLimit` answers
them). Run side by side:
- a sequential loop of N creates: runbook (single calls, each paced) and boto3 (no pacing);
- a batch of N disables at concurrency 8 (`aws::batch`): UserUpdate at 20/s.
Printed: each run's time, its rate against the limit, and the throttled requests the emulator
answered. Goal (issue 28): runbook 0 throttled in both, at >= 90% of the limit.
"""
import argparse
import tempfile
import time

import boto3
import botocore

import emulator
from emulator import post


def throttled(url, app):
    return sum(1 for r in emulator.requests(url, app)
               if r["status"] == 400 and "TooManyRequests" in r["response"])


def runbook(url, state, app, body):
    """The loop's time (the runbook prints it) and its closing pacing line."""
    done = emulator.run(url, state, app, body)
    paced = [l for l in done.stderr.splitlines() if l.startswith("runbook: paced")]
    return float(done.stdout.split()[0]), paced[0] if paced else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=200)
    args = parser.parse_args()
    n = args.creates
    state = tempfile.mkdtemp(prefix="runbook-bench-")
    _, url = emulator.start()
    limits = {"UserCreation": 10, "UserUpdate": 20}

    app = "limits_loop"
    post(url, "/_runbook/faults", {"app": app, "enforce_limits": True, "provisioned": limits})
    took, paced = runbook(url, state, app, f"""
let pool = cognito::create_user_pool("{app}").UserPool.Id;
let t = timestamp();
for i in 0..{n} {{ cognito::admin_create_user(pool, `u${{i}}`, #{{ MessageAction: "SUPPRESS" }}); }}
print(t.elapsed);
""")
    print(f"runbook loop of {n} creates at a 10/s limit: {took:.1f} s = {n / took:.1f}/s "
          f"({n / took / 10:.0%} of the limit), {throttled(url, app)} throttled; {paced}")

    app = "limits_boto3"
    post(url, "/_runbook/faults", {"app": app, "enforce_limits": True, "provisioned": limits})
    client = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench",
                          config=botocore.config.Config(user_agent_appid=app))
    pool = client.create_user_pool(PoolName=app)["UserPool"]["Id"]
    started = time.monotonic()
    failed = 0
    for i in range(n):
        try:
            client.admin_create_user(UserPoolId=pool, Username=f"u{i}", MessageAction="SUPPRESS")
        except client.exceptions.TooManyRequestsException:
            failed += 1  # still throttled after botocore's retries
    took = time.monotonic() - started
    print(f"boto3   loop of {n} creates at a 10/s limit: {took:.1f} s, "
          f"{throttled(url, app)} throttled answers, {failed} creates failed after botocore's retries")

    app = "limits_batch"
    post(url, "/_runbook/faults", {"app": app, "enforce_limits": True, "provisioned": limits})
    took, paced = runbook(url, state, app, f"""
let pool = cognito::create_user_pool("{app}").UserPool.Id;
let creates = []; let disables = [];
for i in 0..{n} {{
    creates.push(#{{ UserPoolId: pool, Username: `u${{i}}`, MessageAction: "SUPPRESS" }});
    disables.push(#{{ UserPoolId: pool, Username: `u${{i}}` }});
}}
aws::batch("cognito::admin_create_user", creates, #{{ concurrency: 8 }});
let t = timestamp();
aws::batch("cognito::admin_disable_user", disables, #{{ concurrency: 8 }});
print(t.elapsed);
""")
    print(f"runbook batch of {n} disables at a 20/s limit (concurrency 8): {took:.1f} s = "
          f"{n / took:.1f}/s ({n / took / 20:.0%} of the limit), "
          f"{throttled(url, app)} throttled over the whole run; {paced}")


if __name__ == "__main__":
    main()
