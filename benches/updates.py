#!/usr/bin/env python3
"""The seed's post-import clean-up — list a pool's users, update each — runbook beside a boto3
loop, against the emulator with every answer 20 ms away (the network is never 0 ms away).

    cargo build --release && python3 benches/updates.py [--users 100] [--latency-ms 20]

Both list the pool and then update each user's `name` one after another. runbook's updates
stay revertible (each journals its before-image), which a boto3 loop does not do; the listing
serves as those before-images, so both send the same requests. Printed: each side's time for
the loop (timed inside the process, start-up left out), the requests each sent to cognito-idp
(from the emulator's request log), and the ratio. Goal (issue 28): runbook within 1.1x.
"""
import argparse
import tempfile
import time

import boto3

import emulator
from emulator import post


def requests_of(url, app):
    return [r["action"] for r in emulator.requests(url, app) if r["action"] != "GetCallerIdentity"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    state = tempfile.mkdtemp(prefix="runbook-bench-")
    _, url = emulator.start()
    setup = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1",
                         aws_access_key_id="bench", aws_secret_access_key="bench")
    results = {}
    for side in ("boto3", "runbook"):
        app = f"updates_{side}"
        pool = setup.create_user_pool(PoolName=app)["UserPool"]["Id"]
        post(url, "/_runbook/seed_users", {"pool_id": pool, "count": args.users})
        post(url, "/_runbook/faults", {"app": app, "latency_ms": args.latency_ms})
        if side == "boto3":
            client = boto3.client(
                "cognito-idp", endpoint_url=url, region_name="us-east-1",
                aws_access_key_id="bench", aws_secret_access_key="bench",
                config=boto3.session.Config(user_agent_appid=app))
            started = time.monotonic()
            users = [u for page in client.get_paginator("list_users").paginate(UserPoolId=pool)
                     for u in page["Users"]]
            for u in users:
                client.admin_update_user_attributes(
                    UserPoolId=pool, Username=u["Username"],
                    UserAttributes=[{"Name": "name", "Value": "clean " + u["Username"]}])
            took = time.monotonic() - started
        else:
            done = emulator.run(url, state, app, f"""
let pool = "{pool}";
let t = timestamp();
for u in cognito::list_users(pool).Users {{
    cognito::admin_update_user_attributes(pool, u.Username, #{{ UserAttributes: [#{{ Name: "name", Value: "clean " + u.Username }}] }});
}}
print(t.elapsed);
""")
            took = float(done.stdout.split()[0])
        sent = requests_of(url, app)
        results[side] = took
        print(f"{side:8} {args.users} updates after a listing at {args.latency_ms} ms: "
              f"{took:.2f} s, {len(sent)} cognito-idp requests "
              f"({sent.count('ListUsers')} ListUsers, {sent.count('AdminGetUser')} AdminGetUser, "
              f"{sent.count('AdminUpdateUserAttributes')} AdminUpdateUserAttributes)")
    print(f"runbook / boto3: {results['runbook'] / results['boto3']:.2f}x (goal <= 1.1x)")


if __name__ == "__main__":
    main()
