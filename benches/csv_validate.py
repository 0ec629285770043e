#!/usr/bin/env python3
"""CSV validation benchmark (issue 3): `runbook csv validate` on a generated 500,000-row,
21-column import file (about 58 MB), against a pool in the local emulator.

Goal: <= 0.3 s wall and <= 40 MB peak RSS. For comparison, Python's csv module checking a
subset of these rules takes 1.32 s here.
Build first:  cargo build --release
Run:          python3 benches/csv_validate.py [rows] [runs]
"""
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import emulator
from emulator import RUNBOOK as BINARY
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
HEADER = ("name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,"
          "email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,"
          "address,updated_at,cognito:mfa_enabled,cognito:username")


def generate(path, rows):
    rnd = random.Random(42)
    given = ["Jane", "John", "Akiko", "Hiro", "Maria", "Omar", "Li", "Sven"]
    family = ["Doe", "Roe", "Tanaka", "Suzuki", "Garcia", "Haddad", "Wang", "Berg"]
    with open(path, "w", newline="\n") as f:
        f.write(HEADER + "\n")
        for i in range(rows):
            g, fam = rnd.choice(given), rnd.choice(family)
            f.write(
                f"{g} {fam},{g},{fam},,,,,,,user{i:06d}@example.com,true,,"
                f"{rnd.randint(1, 12):02d}/{rnd.randint(1, 28):02d}/{rnd.randint(1950, 2005)},,,"
                f"+8190{rnd.randint(10000000, 99999999)},false,,"
                f"{1471453471 + i},false,user{i:06d}\n"
            )


def main():
    tmp = tempfile.mkdtemp(prefix="runbook-bench-")
    csv_path = os.path.join(tmp, "users.csv")
    generate(csv_path, ROWS)
    size = os.path.getsize(csv_path)

    proc, url = emulator.start()
    try:
        env = emulator.env()
        script = os.path.join(tmp, "pool.rhai")
        with open(script, "w") as f:
            f.write('print(cognito::create_user_pool("bench", #{ AutoVerifiedAttributes: ["email"] }).UserPool.Id);\n')
        pool = subprocess.run([BINARY, "--endpoint-url", url, "run", script], env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
        command = [BINARY, "--endpoint-url", url, "csv", "validate", csv_path, "--pool", pool]
        out = subprocess.run(command, env=env, capture_output=True, text=True)
        print(out.stdout.strip() or out.stderr.strip())
        walls = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finally:
        proc.terminate()
        proc.wait()
        os.remove(csv_path)
    print(f"runbook csv validate: {ROWS} rows, 21 columns, {size / 1e6:.1f} MB, {RUNS} runs: "
          f"median {statistics.median(walls):.3f} s, min {min(walls):.3f} s, "
          f"peak RSS {peak_kb / 1024:.1f} MB (largest runbook process; the emulator is still running, so not counted) "
          f"(goal: <= 0.3 s, <= 40 MB)")


if __name__ == "__main__":
    main()
