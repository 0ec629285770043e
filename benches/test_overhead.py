#!/usr/bin/env python3
"""`runbook test`'s cost per test beyond the test's own calls: the fresh account (an emulator
reset) and a fresh context for every test.

    cargo build --release && python3 benches/test_overhead.py

Runs a file of 1 test and a file of 201 tests that make no call, and prints
(time of 201 − time of 1) / 200: the overhead of one test (the emulator's start is in both).
"""
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNBOOK = os.path.join(ROOT, "target", "release", "runbook")


def timed(count):
    with tempfile.TemporaryDirectory() as dir:
        with open(os.path.join(dir, "many.test.rhai"), "w") as f:
            f.write("\n".join(f"fn test_{i}() {{ assert_eq(1 + 1, 2); }}" for i in range(count)))
        env = dict(os.environ, XDG_STATE_HOME=dir)
        started = time.monotonic()
        out = subprocess.run([RUNBOOK, "test", dir], env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        assert out.returncode == 0, out.stdout + out.stderr
        assert out.stdout.strip().endswith(f"{count} passed, 0 failed"), out.stdout
        return elapsed


def main():
    one = min(timed(1) for _ in range(3))
    many = min(timed(201) for _ in range(3))
    print(f"1 test: {one:.2f} s (the emulator's start included); 201 tests: {many:.2f} s")
    print(f"overhead per test: {(many - one) / 200 * 1000:.1f} ms (goal <= 50 ms)")


if __name__ == "__main__":
    main()
