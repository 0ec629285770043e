#!/usr/bin/env python3
"""Drift check over a fleet: 20 targets, each declaring 50 groups (`ensure_group`), checked with
`--dry-run --detailed-exitcode --report`, against the same check of one target; every answer
20 ms away. Goal (issue 30): the fleet's report within 1.3x of one target's.

    cargo build --release && python3 benches/drift.py [--targets 20] [--resources 50] [--latency-ms 20]

The endpoint is benches/fleet.py's canned-answer server (it answers GetGroup with the group as
declared, so every check is clean and reads only: one GetGroup per declared group). Each target
acts with credentials of its own (a profile each): as many accounts, each with its own request
budget, as a real fleet's. No max_concurrency in the fleet file: a dry run checks every target
at once by default.
"""
import argparse
import json
import os
import tempfile

from fleet import IDENTITY, LIMIT, RUNBOOK, fleet_files, medians, profiles, started

GROUP = b'{"Group": {"GroupName": "g", "UserPoolId": "us-east-1_bench", "Description": "declared"}}'

def answer(head, body):
    if b"GetCallerIdentity" in body:
        return IDENTITY, b"text/xml"
    if b"GetProvisionedLimit" in head:
        return LIMIT, b"application/x-amz-json-1.1"
    return GROUP, b"application/x-amz-json-1.1"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()
    endpoint = started(args.latency_ms, answer)
    work = tempfile.mkdtemp()
    env = profiles(work, args.targets)
    script = os.path.join(work, "declared.rhai")
    with open(script, "w") as f:
        f.write('import "ensure" as ensure;\n'
                f'for i in 0..{args.resources} {{ ensure::ensure_group("us-east-1_bench", `g${{i}}`, '
                '#{ Description: "declared" }); }\n')
    one, many = fleet_files(work, args.targets)
    base = [RUNBOOK, "--endpoint-url", endpoint, "run", script, "--dry-run",
            "--detailed-exitcode", "--targets"]
    t1, tn = medians(base, one, many, work, env,
                     lambda name: ["--report", os.path.join(work, f"{name}.json")])
    with open(os.path.join(work, "many0.json")) as f:
        report = json.load(f)
    assert [t["outcome"] for t in report["targets"]] == ["clean"] * args.targets, report
    print(f"drift check, 1 target x {args.resources} declared groups: {t1:.2f} s; {args.targets} targets: "
          f"{tn:.2f} s (report of every target written); ratio {tn / t1:.2f} (goal <= 1.3; "
          f"{args.latency_ms:g} ms per answer; median of 3)")


if __name__ == "__main__":
    main()
