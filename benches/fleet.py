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


def serve(latency, ready):
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
                if b"GetCallerIdentity" in body:
                    payload, kind = IDENTITY, b"text/xml"
                else:
                    payload, kind = GROUP, b"application/x-amz-json-1.1"
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


def timed(args, env):
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
    ready = []
    threading.Thread(target=serve, args=(args.latency_ms / 1000, ready), daemon=True).start()
    while not ready:
        time.sleep(0.01)
    endpoint = f"http://127.0.0.1:{ready[0]}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", XDG_STATE_HOME=tempfile.mkdtemp())
    work = tempfile.mkdtemp()
    script = os.path.join(work, "writes.rhai")
    with open(script, "w") as f:
        f.write(f'for i in 0..{args.writes} {{ cognito::create_group(#{{ UserPoolId: "us-east-1_bench", GroupName: `g${{i}}` }}); }}\n')
    one = os.path.join(work, "one.toml")
    with open(one, "w") as f:
        f.write('[[target]]\nname = "t0"\nregion = "us-east-1"\n')
    many = os.path.join(work, "many.toml")
    with open(many, "w") as f:
        f.write(f"max_concurrency = {args.targets}\n")
        for i in range(args.targets):
            f.write(f'[[target]]\nname = "t{i}"\nregion = "us-east-1"\n')
    base = [RUNBOOK, "--endpoint-url", endpoint, "run", script, "--yes", "--targets"]
    runs = []
    for n in range(3):
        t1 = timed(base + [one, "--journal-dir", os.path.join(work, f"one{n}")], env)
        tn = timed(base + [many, "--journal-dir", os.path.join(work, f"many{n}")], env)
        runs.append((t1, tn))
    t1 = sorted(r[0] for r in runs)[1]
    tn = sorted(r[1] for r in runs)[1]
    print(f"1 target x {args.writes} writes: {t1:.2f} s; {args.targets} targets x {args.writes} writes "
          f"(max_concurrency {args.targets}): {tn:.2f} s; ratio {tn / t1:.2f} (goal <= 1.3; "
          f"{args.latency_ms:g} ms per answer; median of 3)")


if __name__ == "__main__":
    main()
