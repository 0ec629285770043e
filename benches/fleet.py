#!/usr/bin/env python3
"""Fleet overlap: 20 targets x 50 writes each, every answer 20 ms away, with max_concurrency = 20,
against 50 writes on one target. Goal (issue 19): within 1.3x.

    cargo build --release && python3 benches/fleet.py [--targets 20] [--writes 50] [--latency-ms 20]

The endpoint is a canned-answer server (asyncio, one process): it answers
sts:GetCallerIdentity and cognito-idp:CreateGroup after the latency, using almost no CPU, so the
figures measure runbook's fleet (do targets overlap?), not an emulator's CPU (moto spends ~2 ms
of one core per call, which would bound 1,000 calls at 2 s whatever the client does).
"""
import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNBOOK = os.path.join(ROOT, "target", "release", "runbook")

IDENTITY = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn><UserId>AIDA</UserId>
<Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""
GROUP = b'{"Group": {"GroupName": "g", "UserPoolId": "us-east-1_bench"}}'
# Each account's provisioned limits, high: the figures measure overlap, not pacing.
LIMIT = (b'{"Limit": {"LimitDefinition": {"LimitClass": "API_CATEGORY"}, '
         b'"ProvisionedLimitValue": 1000, "FreeLimitValue": 1000}}')


def canned(head, body):
    """The answer to a request: the caller's identity, else a group."""
    if b"GetCallerIdentity" in body:
        return IDENTITY, b"text/xml"
    if b"GetProvisionedLimit" in head:
        return LIMIT, b"application/x-amz-json-1.1"
    return GROUP, b"application/x-amz-json-1.1"


def serve(latency, ready, answer=canned):
    """Answers every request `latency` seconds after reading it, as `answer(head, body)` says
    (one asyncio process on a free port, appended to `ready`)."""
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                await asyncio.sleep(latency)
                payload, kind = answer(head, body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\nx-amzn-RequestId: r\r\n"
                             b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ready.append(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def profiles(work, count):
    """An environment whose credentials file holds a profile per target (`p0`, `p1`, …), each
    with keys of its own: as many accounts as targets, each with its own request budget (the
    targets of a real fleet act in their own accounts; targets sharing credentials share one
    budget, as Cognito counts one account's requests together)."""
    credentials = os.path.join(work, "credentials")
    with open(credentials, "w") as f:
        for i in range(count):
            f.write(f"[p{i}]\naws_access_key_id = bench{i}\naws_secret_access_key = bench\n")
    env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=credentials, AWS_CONFIG_FILE="/nonexistent",
               XDG_STATE_HOME=tempfile.mkdtemp())
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(k, None)
    return env


def started(latency_ms, answer=canned):
    """The canned-answer server on a thread of its own: its endpoint."""
    ready = []
    threading.Thread(target=serve, args=(latency_ms / 1000, ready, answer), daemon=True).start()
    while not ready:
        time.sleep(0.01)
    return f"http://127.0.0.1:{ready[0]}"


def fleet_files(work, count, header=""):
    """one.toml (target t0) and many.toml (t0 … t{count-1}, after `header`), each target acting
    as its own profile (see `profiles`)."""
    target = '[[target]]\nname = "t{0}"\nprofile = "p{0}"\nregion = "us-east-1"\n'
    one, many = os.path.join(work, "one.toml"), os.path.join(work, "many.toml")
    with open(one, "w") as f:
        f.write(target.format(0))
    with open(many, "w") as f:
        f.write(header + "".join(target.format(i) for i in range(count)))
    return one, many


def medians(base, one, many, work, env, extra=lambda name: []):
    """The median time of 3 runs of `base + [one]` and of `base + [many]`, alternating, each
    with a journal directory of its own in `work` (and `extra(name)`'s arguments)."""
    runs = []
    for n in range(3):
        runs.append(tuple(
            timed(base + [fleet, "--journal-dir", os.path.join(work, f"{name}{n}")] + extra(f"{name}{n}"), env)
            for name, fleet in (("one", one), ("many", many))))
    return sorted(r[0] for r in runs)[1], sorted(r[1] for r in runs)[1]


def timed(args, env):
    """Seconds `args` took; the benchmark stops when it fails (a drift check: exits non-zero)."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"runbook failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()
    endpoint = started(args.latency_ms)
    work = tempfile.mkdtemp()
    env = profiles(work, args.targets)
    script = os.path.join(work, "writes.rhai")
    with open(script, "w") as f:
        f.write(f'for i in 0..{args.writes} {{ cognito::create_group(#{{ UserPoolId: "us-east-1_bench", GroupName: `g${{i}}` }}); }}\n')
    one, many = fleet_files(work, args.targets, f"max_concurrency = {args.targets}\n")
    base = [RUNBOOK, "--endpoint-url", endpoint, "run", script, "--yes", "--targets"]
    t1, tn = medians(base, one, many, work, env)
    print(f"1 target x {args.writes} writes: {t1:.2f} s; {args.targets} targets x {args.writes} writes "
          f"(max_concurrency {args.targets}): {tn:.2f} s; ratio {tn / t1:.2f} (goal <= 1.3; "
          f"{args.latency_ms:g} ms per answer; median of 3)")


if __name__ == "__main__":
    main()
