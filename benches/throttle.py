#!/usr/bin/env python3
"""`aws::batch` under a steady quota it does not know: keeps >= 80% of the accepted rate.

    cargo build --release && python3 benches/throttle.py

The emulator answers AdminCreateUser past 5 requests a second with TooManyRequestsException
(its throttling knob: a token bucket holding one second's worth, as Cognito's quotas behave);
30 creates go through `aws::batch` at concurrency 8 and at concurrency 1. The batch starts at
the UserCreation category's documented 50/s, so it must find the quota by being throttled.
Goal: each at >= 4 creates a second (80% of 5/s), every user created once.
"""
import tempfile

import boto3

import emulator
from emulator import post

QUOTA = 5
N = 30


def main():
    state = tempfile.mkdtemp(prefix="runbook-bench-")
    proc, url = emulator.start()
    try:
        cognito = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1",
                               aws_access_key_id="bench", aws_secret_access_key="bench")
        for concurrency in (8, 1):
            app = f"throttle{concurrency}"
            post(url, "/_runbook/faults", {"app": app, "throttle": {"AdminCreateUser": QUOTA}})
            pool = cognito.create_user_pool(PoolName=app)["UserPool"]["Id"]
            body = f"""
let requests = [];
for i in 0..{N} {{ requests.push(#{{ UserPoolId: "{pool}", Username: `u${{i}}`, MessageAction: "SUPPRESS" }}); }}
let t = timestamp();
let r = aws::batch("cognito::admin_create_user", requests, #{{ concurrency: {concurrency} }});
print(t.elapsed);
print(r.filter(|x| x.ok).len());
"""
            done = emulator.run(url, state, app, body)
            took, ok = done.stdout.split()[:2]
            took = float(took)
            users = sum(len(p["Users"]) for p in cognito.get_paginator("list_users").paginate(UserPoolId=pool))
            summary = [l for l in done.stderr.splitlines() if "done" in l][-1:]
            print(f"quota {QUOTA}/s, concurrency {concurrency}, {N} creates: {took:.1f} s = "
                  f"{N / took:.1f}/s ({N / took / QUOTA:.0%} of the quota; goal >= 80%), "
                  f"{ok} ok, {users} users; {summary[0] if summary else ''}")
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
