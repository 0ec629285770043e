#!/usr/bin/env python3
"""Bulk work on the same emulator, runbook beside boto3, in one run; prints the figures.

    cargo build --release && python3 benches/bulk.py [--each-users 100000]

1. 300 admin_create_user: `aws::batch` (concurrency 8) vs boto3 with ThreadPoolExecutor(8)
   (goal >= 1.3x), and a sequential runbook loop vs a sequential boto3 loop (goal >= 1.0x).
2. A 50 requests/s quota on AdminCreateUser (the emulator's throttling knob): 300 users through
   `aws::batch` in <= 300 / 50 / 0.9 s, every user created once, none lost.
3. 20 ms added to every answer (the emulator's latency knob): `aws::batch` (8) vs boto3
   ThreadPoolExecutor(8) (goal >= 1.0x) and vs the sequential runbook loop (goal >= 5x).
4. `aws::each` over a pool of 100,000 users: peak RSS of the runbook process (goal <= 60 MB).

Times are measured inside each client around the calls alone (runbook: Rhai's `timestamp()`),
so process start and set-up are not counted for either.
"""
import argparse
import concurrent.futures
import os
import resource
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

import emulator
from emulator import RUNBOOK, post

N = 300


def env(app):
    return emulator.env(STATE, AWS_SDK_UA_APP_ID=app)


def cpu_children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def cpu_self():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def runbook(url, app, body):
    """Runs a runbook; returns its stdout, split."""
    path = os.path.join(STATE, f"{app}.rhai")
    with open(path, "w") as f:
        f.write(body)
    done = subprocess.run([RUNBOOK, "--endpoint-url", url, "run", "--yes", path],
                          env=env(app), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"runbook failed:\n{done.stderr}")
    return done.stdout.split()


def runbook_rss(url, app, body):
    path = os.path.join(STATE, f"{app}.rhai")
    with open(path, "w") as f:
        f.write(body)
    proc = subprocess.Popen([RUNBOOK, "--endpoint-url", url, "run", "--yes", path],
                            env=env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode().split()
    if status != 0:
        sys.exit(f"runbook failed: {proc.stderr.read().decode()}")
    return out, usage.ru_maxrss / 1024


def client(url, app):
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench",
        config=botocore.config.Config(user_agent_appid=app, max_pool_connections=16),
    )


def new_pool(cognito, name):
    return cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]


# An account whose UserCreation quota was raised (it is adjustable): `aws::batch` would otherwise
# start at the documented default, 50/s, and the comparison with boto3's unpaced threads would
# measure the quota, not the concurrency. Case 2 runs at the default.
RAISED = 10_000


def batch_body(pool, concurrency=8, rate=None):
    options = f"concurrency: {concurrency}" + (f", rate: {rate}" if rate else "")
    return f"""
let requests = [];
for i in 0..{N} {{ requests.push(#{{ UserPoolId: "{pool}", Username: `user${{i}}`, MessageAction: "SUPPRESS" }}); }}
let t = timestamp();
let results = aws::batch("cognito::admin_create_user", requests, #{{ {options} }});
print(t.elapsed);
print(results.filter(|r| r.ok).len());
"""


def loop_body(pool):
    return f"""
let t = timestamp();
for i in 0..{N} {{ cognito::admin_create_user(#{{ UserPoolId: "{pool}", Username: `user${{i}}`, MessageAction: "SUPPRESS" }}); }}
print(t.elapsed);
"""


def boto_threads(cognito, pool):
    def one(i):
        cognito.admin_create_user(UserPoolId=pool, Username=f"user{i}", MessageAction="SUPPRESS")
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(one, range(N)))
    return time.perf_counter() - t


def boto_loop(cognito, pool):
    t = time.perf_counter()
    for i in range(N):
        cognito.admin_create_user(UserPoolId=pool, Username=f"user{i}", MessageAction="SUPPRESS")
    return time.perf_counter() - t


def count_users(cognito, pool):
    names = []
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool):
        names += [u["Username"] for u in page["Users"]]
    return len(names), len(set(names))


def main():
    global STATE
    parser = argparse.ArgumentParser()
    parser.add_argument("--each-users", type=int, default=100_000)
    args = parser.parse_args()
    STATE = tempfile.mkdtemp(prefix="runbook-bench-")
    proc, url = emulator.start()
    try:
        plain = client(url, "bench_boto")
        # 1. No added latency, no quota.
        pool = new_pool(plain, "batch")
        before = cpu_children()
        out = runbook(url, "bench_batch", batch_body(pool, rate=RAISED))
        rb_cpu = cpu_children() - before
        rb_batch = float(out[0])
        assert int(out[1]) == N
        pool = new_pool(plain, "threads")
        before = cpu_self()
        bt_threads = boto_threads(plain, pool)
        bt_cpu = cpu_self() - before
        out = runbook(url, "bench_loop", loop_body(new_pool(plain, "loop")))
        rb_loop = float(out[0])
        bt_loop = boto_loop(plain, new_pool(plain, "bloop"))
        print(f"300 creates, no latency: aws::batch(8) {rb_batch:.2f} s ({N / rb_batch:.0f}/s), "
              f"boto3 ThreadPool(8) {bt_threads:.2f} s ({N / bt_threads:.0f}/s): {bt_threads / rb_batch:.2f}x (goal >= 1.3x)")
        print(f"  client CPU for those 300 creates: runbook {rb_cpu * 1000 / N:.2f} ms a call (whole process), "
              f"boto3 {bt_cpu * 1000 / N:.2f} ms a call; the emulator (one Python process) is the limit of both")
        print(f"300 creates, sequential: runbook loop {rb_loop:.2f} s ({N / rb_loop:.0f}/s), "
              f"boto3 loop {bt_loop:.2f} s ({N / bt_loop:.0f}/s): {bt_loop / rb_loop:.2f}x (goal >= 1.0x)")

        # 2. A 50 requests/s quota.
        post(url, "/_runbook/faults", {"app": "bench_quota", "throttle": {"AdminCreateUser": 50}})
        pool = new_pool(plain, "quota")
        out = runbook(url, "bench_quota", batch_body(pool))
        took, ok = float(out[0]), int(out[1])
        total, unique = count_users(plain, pool)
        limit = N / 50 / 0.9
        print(f"300 creates at a 50/s quota: {took:.2f} s ({N / took:.1f}/s, {N / took / 50:.0%} of the quota; "
              f"goal <= {limit:.2f} s): {ok} ok, {total} in the pool, {total - unique} duplicated, {N - unique} lost")

        # 3. 20 ms on every answer.
        post(url, "/_runbook/faults", {"app": "bench_lat_rb", "latency_ms": 20})
        post(url, "/_runbook/faults", {"app": "bench_lat_loop", "latency_ms": 20})
        post(url, "/_runbook/faults", {"app": "bench_lat_boto", "latency_ms": 20})
        out = runbook(url, "bench_lat_rb", batch_body(new_pool(plain, "lat"), rate=RAISED))
        rb_lat = float(out[0])
        bt_lat = boto_threads(client(url, "bench_lat_boto"), new_pool(plain, "latb"))
        out = runbook(url, "bench_lat_loop", loop_body(new_pool(plain, "latl")))
        rb_lat_loop = float(out[0])
        print(f"300 creates, 20 ms latency: aws::batch(8) {rb_lat:.2f} s, boto3 ThreadPool(8) {bt_lat:.2f} s: "
              f"{bt_lat / rb_lat:.2f}x (goal >= 1.0x); runbook loop {rb_lat_loop:.2f} s: {rb_lat_loop / rb_lat:.1f}x (goal >= 5x)")

        # 4. aws::each over a large pool.
        pool = new_pool(plain, "large")
        post(url, "/_runbook/seed_users", {"pool_id": pool, "count": args.each_users})
        out, rss = runbook_rss(url, "bench_each", f"""
let t = timestamp();
let n = aws::each("cognito::list_users", #{{ UserPoolId: "{pool}" }}, |u| ());
print(n); print(t.elapsed);
""")
        print(f"aws::each over {int(out[0]):,} users: {float(out[1]):.1f} s, peak RSS {rss:.1f} MB (goal <= 60 MB)")
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
