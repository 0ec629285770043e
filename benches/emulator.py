"""What the benchmarks share: the release binary, the bundled emulator started as a user starts
it, its knobs, and an environment that points at it (imported by the scripts beside it)."""
import atexit
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNBOOK = os.path.join(ROOT, "target", "release", "runbook")


def start():
    """`runbook emulator --port 0`: the process and the endpoint it prints."""
    proc = subprocess.Popen([RUNBOOK, "emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().strip().split("=", 1)[1]
    # Stopped when the benchmark ends, however it ends (sys.exit, an exception, a name
    # reused for another process): a benchmark stops what it starts.
    atexit.register(stop, proc)
    return proc, url


def stop(proc):
    """Stops an emulator `start` started (again is harmless)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def post(url, path, body):
    """POST a JSON body to one of the emulator's own routes (`/_runbook/faults`, …)."""
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req).read()


def env(state=None, **extra):
    """The environment for runbook (and boto3) against the emulator: test credentials, no AWS
    config files, journals under `state` (a fresh directory by default)."""
    e = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
             AWS_REGION="us-east-1", XDG_STATE_HOME=state or tempfile.mkdtemp(prefix="runbook-bench-"),
             AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    e.update(extra)
    return e


def run(url, state, app, body):
    """Writes `body` as a runbook under `state` and runs it (`runbook run --yes`) against the
    emulator, its requests carrying `app`; the benchmark stops when it fails."""
    path = os.path.join(state, f"{app}.rhai")
    with open(path, "w") as f:
        f.write(body)
    done = subprocess.run([RUNBOOK, "--endpoint-url", url, "run", "--yes", path],
                          env=env(state, AWS_SDK_UA_APP_ID=app), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"runbook failed:\n{done.stderr}")
    return done


def requests(url, app):
    """The requests the emulator received from `app`, oldest first (its request log)."""
    with urllib.request.urlopen(f"{url}/_runbook/requests?app={app}") as answer:
        return json.load(answer)
