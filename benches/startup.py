#!/usr/bin/env python3
"""Start-up benchmark: wall time of `runbook run` on an empty script.

Goal (issue 2): median of 21 runs <= 20 ms. For scale, `aws --version` alone takes ~325 ms here.
Build first:  cargo build --release
Run:          python3 benches/startup.py [path/to/runbook] [runs]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "runbook")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 21

with tempfile.NamedTemporaryFile("w", suffix=".rhai", delete=False) as f:
    f.write("")
    script = f.name

subprocess.run([binary, "run", script], check=True)  # warm the page cache
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run([binary, "run", script], check=True)
    times.append((time.perf_counter() - start) * 1000)
os.unlink(script)

print(f"runbook run <empty script>: {runs} runs, median {statistics.median(times):.1f} ms, "
      f"min {min(times):.1f} ms, max {max(times):.1f} ms (goal: median <= 20 ms)")
