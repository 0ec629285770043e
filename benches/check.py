#!/usr/bin/env python3
"""`runbook check` is linear in a runbook's length: 100,000 `let` lines in <= 3 s.

    cargo build --release && python3 benches/check.py

Writes runbooks of 25,000, 50,000 and 100,000 top-level `let vN = N;` lines (one scope: what
made rhai's parser quadratic before vendor/rhai's patch) and the same 100,000 lines in 1,000
blocks, and prints how long `runbook check` takes on each (whole process, best of three).
"""
import os
import subprocess
import sys
import tempfile
import time

RUNBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "runbook")


def timed(path):
    best = None
    for _ in range(3):
        t = time.perf_counter()
        done = subprocess.run([RUNBOOK, "check", path], capture_output=True, text=True)
        took = time.perf_counter() - t
        if done.returncode != 0:
            sys.exit(f"runbook check failed:\n{done.stderr}")
        best = took if best is None else min(best, took)
    return best


def main():
    state = tempfile.mkdtemp(prefix="runbook-bench-")
    for n in (25_000, 50_000, 100_000):
        path = os.path.join(state, f"flat{n}.rhai")
        with open(path, "w") as f:
            f.write("\n".join(f"let v{i} = {i};" for i in range(n)) + "\n")
        took = timed(path)
        goal = " (goal <= 3 s)" if n == 100_000 else ""
        print(f"check {n:>7,} top-level let lines: {took:.2f} s{goal}")
    path = os.path.join(state, "blocks.rhai")
    with open(path, "w") as f:
        for b in range(1000):
            f.write("{\n" + "\n".join(f"let v{i} = {i};" for i in range(100)) + "\n}\n")
    print(f"check 100,000 let lines in 1,000 blocks: {timed(path):.2f} s")


if __name__ == "__main__":
    main()
