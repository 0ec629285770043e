#!/usr/bin/env python3
"""`runbook csv export` of a large pool: time and peak memory; prints the figures.

    cargo build --release && python3 benches/export.py [--users 100000]

A pool of N users (email verified, a name with a comma) is seeded straight into the emulator;
`runbook csv export` writes them one ListUsers page at a time. The goal is constant memory:
the peak RSS of the runbook process (from wait4's rusage) is printed for N and for N/10, which
should be about the same. Most of the time is the emulator's (moto rebuilds the user list for
every page).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import emulator
from emulator import RUNBOOK, post


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    server, url = emulator.start()
    state = tempfile.mkdtemp(prefix="runbook-bench-")
    env = emulator.env(state)
    try:
        for n in (args.users // 10, args.users):
            made = subprocess.run(
                [RUNBOOK, "--endpoint-url", url, "eval",
                 f'cognito::create_user_pool("export-{n}", #{{ AutoVerifiedAttributes: ["email"] }}).UserPool.Id'],
                env=env, capture_output=True, text=True, check=True)
            pool = json.loads(made.stdout)
            post(url, "/_runbook/seed_users", {"pool_id": pool, "count": n, "attributes": [
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": "User {i}, Jr."}]})
            out = os.path.join(state, f"export-{n}.csv")
            started = time.monotonic()
            proc = subprocess.Popen(
                [RUNBOOK, "--endpoint-url", url, "csv", "export", "--pool", pool, "--out", out],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.monotonic() - started
            if status != 0:
                sys.exit(f"export failed: {proc.stderr.read()}")
            with open(out) as f:
                rows = sum(1 for _ in f) - 1
            print(f"csv export of {n:>7} users: {rows} rows in {elapsed:6.1f} s, "
                  f"peak RSS {usage.ru_maxrss / 1024:.1f} MB")
    finally:
        # The emulator this started (each export above is its own process, waited for).
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
