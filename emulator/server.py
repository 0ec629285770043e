#!/usr/bin/env python3
"""The local AWS emulator runbook tests and `runbook --local` use.

moto's server answers cognito-idp, IAM and STS. It has no user-import jobs, so this module wraps
its WSGI app and adds them as the Cognito developer guide describes them:

* GetCSVHeader, CreateUserImportJob, DescribeUserImportJob, ListUserImportJobs,
  StartUserImportJob, StopUserImportJob;
* a pre-signed upload URL, valid 15 minutes, that takes a PUT carrying
  ``x-amz-server-side-encryption: aws:kms`` (without it the upload is refused with 403, as S3
  refuses a request missing a signed header);
* jobs move Created -> Pending -> InProgress -> Succeeded | Failed over time, so callers poll;
  users arrive with status RESET_REQUIRED; only one job may be active per account
  (StartUserImportJob answers LimitExceededException otherwise); a pool without an
  auto-verified attribute cannot start a job;
* the file is read as the guide formats it: no quoting, `\,` is a comma inside a value,
  values are trimmed; a header that is not the pool's fails the job, a bad row fails its user,
  a user that already exists is skipped;
* jobs act in the account of the request's credentials (an assumed role's keys act in the
  role's account, as moto decides for its own services), so a fleet rehearses imports per account;
* each job writes one CloudWatch Logs event per row to moto's logs, where Cognito writes them
  (group ``/aws/cognito/userpools/<pool id>/<pool name>``, stream ``<job id>/<job name>``):
  ``[SUCCEEDED] Line Number 2 - The import succeeded.``, ``[SKIPPED] …``, ``[FAILED] Line Number
  5 - <reason>``, line numbers counting the header as line 1.

Tests can inject faults into the jobs of one name: POST /_runbook/faults with
{"job_name": NAME, "expired_urls": N} makes the next N such jobs' upload URLs already expired
(S3 answers 403 "Request has expired"); "failed_jobs": N makes the next N started ones end Failed;
"hold_next_job_seconds": S keeps the next started one InProgress for S seconds (to occupy the
account's one import slot), and "release": true ends that hold.

Every API request is recorded with its raw body and the raw response, so tests can see exactly
what went over the wire: GET /_runbook/requests?app=ID lists the requests whose User-Agent
carries ``app/ID`` (set with AWS_SDK_UA_APP_ID), oldest first (the last 10,000 are kept), as JSON
[{"action", "body", "status", "response", "access_key", "region", "user_agent", "started",
"seconds"}] (`started`: the server's monotonic clock when it read the request; `seconds`: how
long it took to answer). POST /_runbook/faults
with {"app": ID, …} sets knobs for that app's API requests:
  "server_errors": N     the next N answer 500 InternalErrorException (to count attempts);
  "server_error_on": A   the next A (an action) answers 500 without being carried out;
  "throttle": {"AdminCreateUser": 50, …}   per-operation quotas in requests per second (a token
                         bucket holding one second's worth), answered past it with 400
                         TooManyRequestsException, as Cognito's quotas are;
  "latency_ms": MS       every answer waits MS first (the network is never 0 ms away);
  "deny": [A, …]         actions answered as for a least-privilege role that may not call them:
                         cognito-idp's with 400 AccessDeniedException, IAM's and STS's (AssumeRole)
                         with 403 AccessDenied;
  "slow_once": {"action": A, "seconds": S}   the next A is carried out, then its answer is held
                         S seconds (a timed-out attempt that nevertheless applied the change).
  "enforce_limits": true  each request-rate category (extras.CATEGORIES) is held to the
                         account's provisioned limit (GetProvisionedLimit's ProvisionedLimitValue,
                         set with UpdateProvisionedLimit; its free default otherwise), one token
                         bucket per account, region and category, as Cognito counts them;
                         GET /_runbook/categories lists the categories' operations.
  "provisioned": {"UserCreation": 10, …}   the provisioned value of categories for that app's
                         requests (any value, to rehearse an account whose limits differ):
                         GetProvisionedLimit answers it and "enforce_limits" holds to it.

Sign-in (InitiateAuth, RespondToAuthChallenge, their Admin forms, AssociateSoftwareToken,
VerifySoftwareToken) is served by auth.py, beside this file: real SRP, SECRET_HASH on every step,
per-user TOTP secrets; GET /_runbook/auth lists every check it made.

Every other Cognito operation moto lacks (tags, devices, risk configuration, branding, terms,
WebAuthn, client secrets, replicas, provisioned limits, …) is served by extras.py, beside this
file, on moto's pools and users. GET /_runbook/actions lists every operation the emulator
answers, per service (`runbook`'s tests check it against the catalog); GET /_runbook/mailbox
lists the codes the service would have emailed or texted.

POST /_runbook/reset empties every service's state (a fresh account, as `runbook test` gives each
test).

POST /_runbook/seed_users with {"pool_id": ID, "count": N, "prefix": "u", "attributes": [{"Name",
"Value"}]} puts N confirmed users (u0, u1, …, each with an email, and the given attributes, `{i}`
in a value replaced by the user's number) straight into a pool, for large pools; with
"disabled_every": K every K-th user is disabled, with "groups": {"name": K} every K-th user is a
member of that (existing) group.

AssumeRole of a text that is not a role ARN (`arn:aws:iam::<12 digits>:role/NAME`) is refused with
AccessDenied, as STS refuses it (moto would act as that "role" in its default account).

Stricter than the live service on purpose: any cognito-idp request that carries
``UnusedAccountValidityDays`` (deprecated; the live API rejects it next to
``PasswordPolicy.TemporaryPasswordValidityDays``, and other tooling reports it rejected whenever
set) is answered with that InvalidParameterException, so a client that sends members the
operator did not write fails its tests.

Only whoever started it can use it: every request must come under its route token, a random
path prefix (``http://127.0.0.1:N/<token>/…``; the environment variable RUNBOOK_EMULATOR_TOKEN,
else made at start). The SDKs and the AWS CLI keep an endpoint URL's path, so signed and unsigned
requests alike carry it; any other request (another local user's) is refused with 403
UnrecognizedClientException, and moto's own ``/moto-api`` (its data dump, its dashboard) is never
served.

Usage: python3 server.py [--port N]   (listens on 127.0.0.1 only; port 0 picks a free one)
It prints ``AWS_ENDPOINT_URL=http://127.0.0.1:N/<token>`` once it is ready.
"""
import argparse
import collections
import io
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from auth import HANDLED as SIGN_IN_ACTIONS, Auth, AuthError
from extras import SERVED as EXTRA_ACTIONS, ExtraError, Extras
from moto_internals import (
    DEFAULT_ACCOUNT_ID,
    CognitoIdpUser,
    DomainDispatcherApplication,
    JsonRESTError,
    UserStatus,
    check_version,
    cognitoidp_backends,
    create_backend_app,
    get_account_id_from,
    keep_user_settings,
    logs_backends,
    reset_all,
    served_by_moto,
)

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
UPLOAD_PATH = "/_runbook_import/"
# Seconds a started job spends in each state before the next; tests may shorten them.
PENDING_SECONDS = float(os.environ.get("RUNBOOK_EMULATOR_PENDING_SECONDS", "0.3"))
IN_PROGRESS_SECONDS = float(os.environ.get("RUNBOOK_EMULATOR_IN_PROGRESS_SECONDS", "0.5"))
URL_TTL_SECONDS = float(os.environ.get("RUNBOOK_EMULATOR_URL_TTL_SECONDS", "900"))

STANDARD_HEADER = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate",
    "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
]
ACTIVE = ("Pending", "InProgress", "Stopping")


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class Job:
    def __init__(self, account, region, pool_id, name, role_arn, base_url):
        self.account, self.region = account, region
        self.id = "import-" + secrets.token_hex(5)
        self.pool_id, self.name, self.role_arn = pool_id, name, role_arn
        self.created = time.time()
        self.started = self.completed = None
        self.status = "Created"
        self.imported = self.skipped = self.failed = 0
        self.message = None
        self.body = None
        self.signature = secrets.token_hex(32)
        self.url_expired = False
        self.inject_failure = False
        self.in_progress_seconds = IN_PROGRESS_SECONDS
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.created))
        self.url = (
            f"{base_url}{UPLOAD_PATH}{self.id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Date={stamp}&X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption"
            f"&X-Amz-Expires={int(URL_TTL_SECONDS)}&X-Amz-Credential=runbook%2F{region}%2Fs3"
            f"&X-Amz-Signature={self.signature}"
        )

    def advance(self):
        """Moves a started job along the documented states, importing when it gets there."""
        if self.status in ("Pending", "InProgress"):
            elapsed = time.time() - self.started
            if elapsed >= PENDING_SECONDS + self.in_progress_seconds:
                self.run_import()
            elif elapsed >= PENDING_SECONDS:
                self.status = "InProgress"
        elif self.status == "Stopping":
            self.status = "Stopped"
            self.completed = time.time()

    def run_import(self):
        backend = cognitoidp_backends[self.account][self.region]
        self.completed = time.time()
        if self.inject_failure:
            self.status, self.message = "Failed", "Injected failure: the import job failed."
            self.failed = max(1, len((self.body or b"").splitlines()) - 1)
            return
        try:
            pool = backend.describe_user_pool(self.pool_id)
        except Exception as e:  # the pool was deleted while the job ran
            self.status, self.message = "Failed", str(e)
            return
        expected = csv_header(pool)
        body = self.body or b""
        if body.startswith(b"\xef\xbb\xbf"):
            self.status, self.message = "Failed", "The CSV file starts with a byte order mark."
            return
        text = body.decode("utf-8", errors="replace")
        rows = [split_row(line) for line in text.splitlines()]
        if not rows:
            self.status, self.message = "Failed", "The CSV file is empty."
            return
        header = rows[0]
        if set(header) != set(expected) or len(header) != len(expected):
            missing = sorted(set(expected) - set(header))
            unknown = sorted(set(header) - set(expected))
            self.status = "Failed"
            self.message = f"The CSV header does not match the user pool: missing {missing}, unknown {unknown}."
            return
        events = []
        for line, row in enumerate(rows[1:], start=2):
            record = dict(zip(header, row))
            username = record.get("cognito:username", "")
            reason = row_problem(header, row, record, username)
            if reason is None and pool._get_user(username):
                self.skipped += 1
                events.append(f"[SKIPPED] Line Number {line} - The user already exists.")
                continue
            if reason is not None:
                self.failed += 1
                events.append(f"[FAILED] Line Number {line} - {reason}")
                continue
            attributes = [
                {"Name": k, "Value": v}
                for k, v in record.items()
                if v and not k.startswith("cognito:")
            ]
            try:
                user = backend.admin_create_user(self.pool_id, username, "SUPPRESS", None, attributes)
                user.status = UserStatus.RESET_REQUIRED
                self.imported += 1
                events.append(f"[SUCCEEDED] Line Number {line} - The import succeeded.")
            except Exception as e:
                self.failed += 1
                events.append(f"[FAILED] Line Number {line} - {getattr(e, 'message', None) or e}")
        self.write_log(pool, events)
        self.status = "Succeeded"
        self.message = "Import Job Completed Successfully."

    def write_log(self, pool, events):
        """One CloudWatch Logs event per row, where Cognito writes them: log group
        /aws/cognito/userpools/<pool id>/<pool name>, stream <job id>/<job name>."""
        logs = logs_backends[self.account][self.region]
        group = f"/aws/cognito/userpools/{self.pool_id}/{pool.name}"
        stream = f"{self.id}/{self.name}"
        try:
            logs.create_log_group(group, {})
        except Exception:
            pass  # it already exists: one group per pool
        logs.create_log_stream(group, stream)
        now = int(time.time() * 1000)
        # PutLogEvents takes at most 10,000 events per call.
        for start in range(0, len(events), 10000):
            batch = [{"timestamp": now, "message": m} for m in events[start:start + 10000]]
            logs.put_log_events(group, stream, batch)

    def to_json(self):
        out = {
            "JobName": self.name,
            "JobId": self.id,
            "UserPoolId": self.pool_id,
            "PreSignedUrl": self.url,
            "CreationDate": epoch_millis(self.created),
            "Status": self.status,
            "CloudWatchLogsRoleArn": self.role_arn,
            "ImportedUsers": self.imported,
            "SkippedUsers": self.skipped,
            "FailedUsers": self.failed,
        }
        if self.started:
            out["StartDate"] = epoch_millis(self.started)
        if self.completed:
            out["CompletionDate"] = epoch_millis(self.completed)
        if self.message:
            out["CompletionMessage"] = self.message
        return out


def row_problem(header, row, record, username):
    """Why the guide's rules refuse a row, in words like Cognito's log; None if they do not."""
    if len(row) != len(header):
        return f"The User Record has {len(row)} values; the header has {len(header)} columns."
    if not username:
        return "The User Record does not have a cognito:username."
    if " " in username or "\t" in username:
        return "The cognito:username contains whitespace."
    if record.get("cognito:mfa_enabled", "").lower() not in ("true", "false"):
        return "The value of cognito:mfa_enabled must be true or false."
    verified = [record.get(k, "").lower() == "true" for k in ("email_verified", "phone_number_verified")]
    if not any(verified):
        return "The User Record does not set any of the auto verified attributes to true."
    if verified[0] and not record.get("email"):
        return "The User Record sets email_verified to true but has no email."
    if verified[1] and not record.get("phone_number"):
        return "The User Record sets phone_number_verified to true but has no phone_number."
    return None


def epoch_millis(seconds):
    """Epoch seconds to the millisecond, as Cognito sends its timestamps."""
    return round(seconds, 3)


def split_row(line):
    """Splits a line at commas not preceded by a backslash; unescapes and trims the values."""
    values = re.split(r"(?<!\\),", line)
    return [v.replace("\\,", ",").strip() for v in values]


def csv_header(pool):
    custom = [name for name in pool.schema_attributes if name.startswith("custom:")]
    return STANDARD_HEADER + custom + ["cognito:mfa_enabled", "cognito:username"]


class ImportJobs:
    """The import-job operations, kept beside moto's own state."""

    def __init__(self):
        self.jobs = {}
        self.lock = threading.Lock()
        # Faults to inject, by job name: {"name": {"expired_urls": n, "failed_jobs": n, "hold_next_job_seconds": s}}
        self.faults = {}

    def take_fault(self, job_name, kind):
        """Consumes one injected fault of `kind` aimed at jobs named `job_name`."""
        faults = self.faults.get(job_name, {})
        if faults.get(kind, 0) > 0:
            faults[kind] -= 1
            return True
        return False

    def pool(self, account, region, body):
        pool_id = body.get("UserPoolId")
        if not pool_id:
            raise ApiError("InvalidParameterException", "1 validation error detected: UserPoolId must not be null")
        try:
            return cognitoidp_backends[account][region].describe_user_pool(pool_id)
        except Exception:
            raise ApiError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")

    def job(self, account, region, body):
        self.pool(account, region, body)
        job = self.jobs.get(body.get("JobId"))
        if not job or job.pool_id != body["UserPoolId"] or job.account != account:
            raise ApiError("ResourceNotFoundException", f"Import job {body.get('JobId')} does not exist.")
        job.advance()
        return job

    def handle(self, action, account, region, body, base_url):
        with self.lock:
            if action == "GetCSVHeader":
                pool = self.pool(account, region, body)
                return {"UserPoolId": pool.id, "CSVHeader": csv_header(pool)}
            if action == "CreateUserImportJob":
                self.pool(account, region, body)
                for key in ("JobName", "CloudWatchLogsRoleArn"):
                    if not body.get(key):
                        raise ApiError("InvalidParameterException", f"1 validation error detected: {key} must not be null")
                if not re.match(r"^arn:[\w+=/,.@-]+:iam::\d{12}:role/", body["CloudWatchLogsRoleArn"]):
                    raise ApiError("InvalidParameterException", "CloudWatchLogsRoleArn is not a valid IAM role ARN.")
                job = Job(account, region, body["UserPoolId"], body["JobName"], body["CloudWatchLogsRoleArn"], base_url)
                if self.take_fault(job.name, "expired_urls"):
                    job.url_expired = True
                self.jobs[job.id] = job
                return {"UserImportJob": job.to_json()}
            if action == "DescribeUserImportJob":
                return {"UserImportJob": self.job(account, region, body).to_json()}
            if action == "ListUserImportJobs":
                self.pool(account, region, body)
                jobs = [j for j in self.jobs.values() if j.pool_id == body["UserPoolId"] and j.account == account]
                for j in jobs:
                    j.advance()
                jobs.sort(key=lambda j: j.created)
                start = int(body.get("PaginationToken") or 0)
                limit = int(body.get("MaxResults") or 60)
                out = {"UserImportJobs": [j.to_json() for j in jobs[start:start + limit]]}
                if start + limit < len(jobs):
                    out["PaginationToken"] = str(start + limit)
                return out
            if action == "StartUserImportJob":
                job = self.job(account, region, body)
                if job.status != "Created":
                    raise ApiError("InvalidParameterException", f"Import job {job.id} is {job.status}; only a Created job can be started.")
                for other in self.jobs.values():
                    other.advance()
                    if other.account == account and other.status in ACTIVE:
                        raise ApiError("LimitExceededException", f"Import job {other.id} is already active in this account; only one import job can run at a time.")
                pool = self.pool(account, region, body)
                if not pool.extended_config.get("AutoVerifiedAttributes"):
                    raise ApiError("InvalidParameterException", "The user pool has no auto-verified attributes; an import job cannot start.")
                if job.body is None:
                    raise ApiError("PreconditionNotMetException", "The CSV file has not been uploaded to the pre-signed URL.")
                if time.time() - job.created > URL_TTL_SECONDS:
                    job.status = "Expired"
                    raise ApiError("PreconditionNotMetException", "The import job has expired.")
                job.status, job.started = "Pending", time.time()
                if self.take_fault(job.name, "failed_jobs"):
                    job.inject_failure = True
                hold = self.faults.get(job.name, {}).pop("hold_next_job_seconds", 0)
                if hold:
                    job.in_progress_seconds = float(hold)
                return {"UserImportJob": job.to_json()}
            if action == "StopUserImportJob":
                job = self.job(account, region, body)
                if job.status not in ("Pending", "InProgress"):
                    raise ApiError("PreconditionNotMetException", f"Import job {job.id} is {job.status} and cannot be stopped.")
                job.status = "Stopping"
                return {"UserImportJob": job.to_json()}
        return None

    def upload(self, environ, job_id, query):
        with self.lock:
            job = self.jobs.get(job_id)
            if not job or f"X-Amz-Signature={job.signature}" not in query:
                return 403, s3_error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
            if environ["REQUEST_METHOD"] != "PUT":
                return 405, s3_error("MethodNotAllowed", "The specified method is not allowed against this resource.")
            if job.url_expired or time.time() - job.created > URL_TTL_SECONDS:
                return 403, s3_error("AccessDenied", "Request has expired")
            if environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION") != "aws:kms":
                return 403, s3_error("AccessDenied", "There were headers present in the request which were not signed: x-amz-server-side-encryption must be aws:kms")
            length = int(environ.get("CONTENT_LENGTH") or 0)
            job.body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
            return 200, b""


def s3_error(code, message):
    return f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'.encode()


def account_of(environ):
    """The account a request acts in: its access key's (an assumed role's keys act in the role's
    account, as moto itself decides), else moto's default account."""
    key = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return get_account_id_from(key.group(1)) if key else DEFAULT_ACCOUNT_ID


def region_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", auth)
    return m.group(1) if m else "us-east-1"


DEPRECATED_MEMBER = "UnusedAccountValidityDays"
# How many API requests the recorder keeps (the oldest are forgotten first).
RECORDED_REQUESTS = 10_000


def carries(value, key):
    """Does a parsed JSON request carry `key` at any depth?"""
    if isinstance(value, dict):
        return key in value or any(carries(v, key) for v in value.values())
    if isinstance(value, list):
        return any(carries(v, key) for v in value)
    return False


def json_response(start_response, status, payload, headers=()):
    body = json.dumps(payload).encode()
    start_response(status, list(headers) + [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ])
    return [body]


def api_error(start_response, status, code, message):
    return json_response(start_response, status, {"__type": code, "message": message}, [("x-amzn-ErrorType", code)])


def sts_error(start_response, code, message):
    """An error as STS (awsQuery) answers it: XML, 403."""
    body = (f"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ErrorResponse>").encode()
    start_response("403 Forbidden", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


class Bucket:
    """A token bucket: `rate` tokens a second, holding at most one second's worth."""

    def __init__(self, rate):
        self.rate = float(rate)
        self.tokens = float(rate)
        self.stamp = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Recorder:
    """The API requests seen, with their raw bodies and answers, and faults aimed at one app."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = collections.deque(maxlen=RECORDED_REQUESTS)
        self.server_errors = {}  # app id -> how many more requests answer 500
        self.server_error_on = {}  # app id -> the action whose next request answers 500
        self.buckets = {}  # (app id, action) -> Bucket
        self.latency = {}  # app id -> seconds
        self.slow_once = {}  # app id -> {"action": A, "seconds": S}
        self.denied = {}  # app id -> the cognito-idp actions its credentials may not call
        self.enforced = set()  # app ids whose requests each category's provisioned limit holds
        self.provisioned_for = {}  # app id -> {category: the provisioned value its account has}
        self.category_buckets = {}  # (account, region, category) -> Bucket at its limit

    def configure(self, app, faults):
        with self.lock:
            if "deny" in faults:
                self.denied[app] = set(faults.pop("deny"))
            if "server_errors" in faults:
                self.server_errors[app] = int(faults.pop("server_errors"))
            if "server_error_on" in faults:
                self.server_error_on[app] = faults.pop("server_error_on")
            for action, rate in faults.pop("throttle", {}).items():
                self.buckets[(app, action)] = Bucket(rate)
            if "latency_ms" in faults:
                self.latency[app] = float(faults.pop("latency_ms")) / 1000
            if "slow_once" in faults:
                self.slow_once[app] = faults.pop("slow_once")
            if faults.pop("enforce_limits", False):
                self.enforced.add(app)
            if "provisioned" in faults:
                self.provisioned_for.setdefault(app, {}).update(faults.pop("provisioned"))

    def throttled(self, app, action):
        with self.lock:
            bucket = self.buckets.get((app, action))
            return bucket is not None and not bucket.take()

    def over_limit(self, app, action, account, region, extras):
        """Is this request past its category's provisioned rate (apps with "enforce_limits")?"""
        from extras import CATEGORY_OF

        category = CATEGORY_OF.get(action)
        if app not in self.enforced or category is None:
            return False
        rate = self.provisioned_for.get(app, {}).get(category) or extras.provisioned(account, region, category)
        with self.lock:
            key = (account, region, category)
            bucket = self.category_buckets.get(key)
            if bucket is None or bucket.rate != rate:
                bucket = self.category_buckets[key] = Bucket(rate)
            return not bucket.take()

    def delay(self, app):
        return self.latency.get(app, 0.0)

    def take_slow(self, app, action):
        with self.lock:
            slow = self.slow_once.get(app)
            if slow and slow.get("action") == action:
                del self.slow_once[app]
                return float(slow.get("seconds", 0))
            return 0.0

    @staticmethod
    def app_of(environ):
        m = re.search(r"(?:^|\s)app/(\S+)", environ.get("HTTP_USER_AGENT", "") + " " + environ.get("HTTP_X_AMZ_USER_AGENT", ""))
        return m.group(1) if m else None

    def denies(self, app, action):
        with self.lock:
            return action in self.denied.get(app, ())

    def take_server_error(self, app, action):
        with self.lock:
            if app and self.server_errors.get(app, 0) > 0:
                self.server_errors[app] -= 1
                return True
            if app and self.server_error_on.get(app) == action:
                del self.server_error_on[app]
                return True
            return False

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)

    def listing(self, app):
        with self.lock:
            return [r for r in self.requests if r["app"] == app]


TOKEN = os.environ.get("RUNBOOK_EMULATOR_TOKEN") or secrets.token_hex(16)


def refused(start_response, why):
    body = json.dumps({"__type": "UnrecognizedClientException",
                       "message": f"The security token included in the request is invalid: {why}"}).encode()
    start_response("403 Forbidden", [("Content-Type", "application/x-amz-json-1.1"),
                                     ("Content-Length", str(len(body)))])
    return [body]


class Emulator:
    """WSGI app: the route token checked and taken off, the import-job routes, then everything
    else to moto."""

    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.jobs = ImportJobs()
        self.recorder = Recorder()
        self.auth = Auth()
        self.extras = Extras(self.auth)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        route = "/" + TOKEN
        if not (path == route or path.startswith(route + "/")):
            return refused(start_response, "this emulator answers only requests under its route token")
        path = path[len(route):] or "/"
        environ["PATH_INFO"] = path
        for raw in ("RAW_URI", "REQUEST_URI"):
            if environ.get(raw, "").startswith(route):
                environ[raw] = environ[raw][len(route):] or "/"
        if path.startswith("/moto-api"):
            return refused(start_response, "moto's own API is not served here")
        if path == "/_runbook/reset" and environ["REQUEST_METHOD"] == "POST":
            # A fresh, empty account (every service), as `runbook test` gives each test.
            reset_all()
            self.jobs = ImportJobs()
            self.recorder = Recorder()
            self.auth = Auth()
            self.extras = Extras(self.auth)
            start_response("204 No Content", [])
            return [b""]
        if path == "/_runbook/faults" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            faults = json.loads(environ["wsgi.input"].read(length) or b"{}")
            app = faults.pop("app", None)
            if app:
                self.recorder.configure(app, faults)
            with self.jobs.lock:
                name = faults.pop("job_name", "")
                if faults.pop("release", False):
                    for job in self.jobs.jobs.values():
                        if job.name == name:
                            job.in_progress_seconds = 0.0
                self.jobs.faults.setdefault(name, {}).update(faults)
            start_response("204 No Content", [])
            return [b""]
        if path == "/_runbook/seed_users" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            seed = json.loads(environ["wsgi.input"].read(length) or b"{}")
            pool_id = seed["pool_id"]
            pool = next(
                backend.user_pools[pool_id]
                for account_backends in list(cognitoidp_backends.values())
                for region, backend in list(account_backends.items())
                if region == pool_id.split("_")[0] and pool_id in backend.user_pools
            )
            prefix = seed.get("prefix", "u")
            extra = seed.get("attributes", [])
            for i in range(int(seed["count"])):
                name = f"{prefix}{i}"
                attributes = [{"Name": "email", "Value": f"{name}@example.com"}] + [
                    {"Name": a["Name"], "Value": a["Value"].replace("{i}", str(i))} for a in extra
                ]
                user = CognitoIdpUser(pool_id, name, None, UserStatus.CONFIRMED, attributes)
                pool.users[name] = user
                if seed.get("disabled_every") and i % int(seed["disabled_every"]) == 0:
                    user.enabled = False
                for group_name, every in seed.get("groups", {}).items():
                    if i % int(every) == 0:
                        group = pool.groups[group_name]
                        group.users.add(user)
                        user.groups.add(group)
            start_response("204 No Content", [])
            return [b""]
        if path == "/_runbook/actions" and environ["REQUEST_METHOD"] == "GET":
            return json_response(start_response, "200 OK", served_actions())
        if path == "/_runbook/categories" and environ["REQUEST_METHOD"] == "GET":
            from extras import CATEGORIES

            return json_response(start_response, "200 OK", CATEGORIES)
        if path == "/_runbook/mailbox" and environ["REQUEST_METHOD"] == "GET":
            return json_response(start_response, "200 OK", self.extras.mailbox)
        if path == "/_runbook/auth" and environ["REQUEST_METHOD"] == "GET":
            return json_response(start_response, "200 OK", self.auth.log)
        if path == "/_runbook/requests" and environ["REQUEST_METHOD"] == "GET":
            app = parse_qs(environ.get("QUERY_STRING", "")).get("app", [""])[0]
            body = json.dumps(self.recorder.listing(app)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith(UPLOAD_PATH):
            status, body = self.jobs.upload(environ, path[len(UPLOAD_PATH):], environ.get("QUERY_STRING", ""))
            start_response(f"{status} {'OK' if status == 200 else 'Forbidden'}", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        return self.api(environ, start_response)

    def api(self, environ, start_response):
        """An API request: recorded with its raw body and answer, then served."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            action = target.rsplit(".", 1)[-1]
        else:
            action = parse_qs(raw.decode("utf-8", errors="replace")).get("Action", [""])[0]
        auth = environ.get("HTTP_AUTHORIZATION", "")
        key = re.search(r"Credential=([^/]+)/", auth)
        entry = {
            "app": self.recorder.app_of(environ),
            "action": action,
            "body": raw.decode("utf-8", errors="replace"),
            "access_key": key.group(1) if key else None,
            "region": region_of(environ) if key else None,
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        captured = {}
        started = time.monotonic()

        def recording_start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        app = entry["app"]
        if app and self.recorder.delay(app):
            time.sleep(self.recorder.delay(app))
        try:
            chunks = list(self.serve(action, target, raw, environ, recording_start_response))
        except Exception as e:  # moto lacks the action, or failed on it: say so as AWS would
            print(f"emulator: {action}: {type(e).__name__}: {e}", file=sys.stderr)
            chunks = api_error(recording_start_response, "500 Internal Server Error", "InternalErrorException",
                               f"The emulator cannot serve {action}: {e}")
        entry["status"] = captured.get("status")
        entry["started"] = started
        entry["seconds"] = time.monotonic() - started
        entry["response"] = b"".join(chunks).decode("utf-8", errors="replace")
        self.recorder.record(entry)
        held = self.recorder.take_slow(app, action) if app else 0.0
        if held:
            time.sleep(held)
        return chunks

    def serve(self, action, target, raw, environ, start_response):
        app = self.recorder.app_of(environ)
        if self.recorder.take_server_error(app, action):
            return api_error(start_response, "500 Internal Server Error", "InternalErrorException", "Injected server error.")
        if app and self.recorder.throttled(app, action):
            return api_error(start_response, "400 Bad Request", "TooManyRequestsException", "Too many requests")
        if app and action == "GetProvisionedLimit":
            category = ((json.loads(raw or b"{}").get("LimitDefinition") or {}).get("Attributes") or {}).get("Category")
            value = self.recorder.provisioned_for.get(app, {}).get(category)
            if value is not None:
                from extras import DEFAULT_LIMITS

                return json_response(start_response, "200 OK", {"Limit": {
                    "LimitDefinition": {"LimitClass": "API_CATEGORY", "Attributes": {"Category": category}},
                    "ProvisionedLimitValue": value, "FreeLimitValue": DEFAULT_LIMITS.get(category, value)}})
        if app and self.recorder.over_limit(app, action, account_of(environ), region_of(environ), self.extras):
            return api_error(start_response, "400 Bad Request", "TooManyRequestsException",
                             "Too many requests: past the category's provisioned limit")
        if app and target.startswith(TARGET_PREFIX) and self.recorder.denies(app, action):
            return api_error(
                start_response, "400 Bad Request", "AccessDeniedException",
                f"User: arn:aws:iam::{account_of(environ)}:user/runbook-limited is not authorized to perform: "
                f"cognito-idp:{action} because no identity-based policy allows the cognito-idp:{action} action",
            )
        if app and not target and self.recorder.denies(app, action):
            # IAM and STS (awsQuery): the XML error a policy that does not allow it gets.
            return sts_error(start_response, "AccessDenied",
                             f"User: arn:aws:iam::{account_of(environ)}:user/runbook-limited is not authorized to perform: {action}")
        if action == "AssumeRole":
            role = parse_qs(raw.decode("utf-8", errors="replace")).get("RoleArn", [""])[0]
            if not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", role):
                # moto assumes any text as a role (in its default account); STS refuses it.
                return sts_error(start_response, "AccessDenied",
                                 f"User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: {role}")
        if target.startswith(TARGET_PREFIX):
            try:
                request = json.loads(raw or b"{}")
            except ValueError:
                request = {}
            if carries(request, DEPRECATED_MEMBER):
                return api_error(
                    start_response, "400 Bad Request", "InvalidParameterException",
                    "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays",
                )
            if self.auth.served(action, request):
                return self.sign_in(action, request, start_response)
            if action in IMPORT_ACTIONS:
                return self.import_job(action, raw, environ, start_response)
            if self.extras.served(action):
                return self.extra(action, request, environ, start_response)
            if action in ("CreateUserPool", "DescribeUserPool"):
                return self.amended(environ, start_response, request)
        return self.moto(environ, start_response)

    def amended(self, environ, start_response, request):
        """moto's answer with the pool settings its serializer drops: it keeps every setting a
        pool is given, but answers only those its (older) botocore model knows, so newer ones
        (AcrConfiguration, IssuerConfiguration, KeyConfiguration, …) would read back empty."""
        captured = {}

        def keep(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.moto(environ, keep))
        try:
            answer = json.loads(body)
            pool = answer["UserPool"]
            backend = cognitoidp_backends[account_of(environ)][region_of(environ)]
            kept = backend.user_pools[pool["Id"]].extended_config
            fill_missing(pool, kept)
            body = json.dumps(answer).encode()
        except (ValueError, KeyError, TypeError):
            pass  # an error answer, as moto gave it
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() != "content-length"]
        start_response(captured.get("status", "200 OK"), headers + [("Content-Length", str(len(body)))])
        return [body]

    def sign_in(self, action, request, start_response):
        try:
            with self.jobs.lock:
                result = self.auth.handle(action, request)
        except AuthError as e:
            self.note_sign_in(action, request, passed=False)
            return api_error(start_response, "400 Bad Request", e.code, e.message)
        except JsonRESTError as e:
            return api_error(start_response, "400 Bad Request", e.error_type, e.message)
        self.note_sign_in(action, request, passed=True)
        return json_response(start_response, "200 OK", result)

    def note_sign_in(self, action, request, passed):
        """A sign-in's first step is an auth event of its user (AdminListUserAuthEvents)."""
        if action not in ("InitiateAuth", "AdminInitiateAuth"):
            return
        try:
            pool, _ = self.extras.by_client(request.get("ClientId"))
        except ExtraError:
            return
        with self.jobs.lock:
            self.extras.note_sign_in(pool, (request.get("AuthParameters") or {}).get("USERNAME"), passed)

    def extra(self, action, request, environ, start_response):
        try:
            with self.jobs.lock:
                result = self.extras.handle(action, account_of(environ), region_of(environ), request)
        except ExtraError as e:
            return api_error(start_response, "400 Bad Request", e.code, e.message)
        except JsonRESTError as e:
            return api_error(start_response, "400 Bad Request", e.error_type, e.message)
        return json_response(start_response, "200 OK", result)

    def import_job(self, action, raw, environ, start_response):
        try:
            body = json.loads(raw or b"{}")
            base_url = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}/{TOKEN}"
            result = self.jobs.handle(action, account_of(environ), region_of(environ), body, base_url)
        except ApiError as e:
            return api_error(start_response, f"{e.status} Bad Request", e.code, e.message)
        return json_response(start_response, "200 OK", result)


def fill_missing(answer, kept):
    """Adds to `answer` (a dict) what `kept` has and it lacks, at any depth."""
    for key, value in kept.items():
        if key not in answer:
            if isinstance(value, (dict, list, str, int, bool)):
                answer[key] = value
        elif isinstance(answer[key], dict) and isinstance(value, dict):
            fill_missing(answer[key], value)


IMPORT_ACTIONS = ("GetCSVHeader", "CreateUserImportJob", "DescribeUserImportJob", "ListUserImportJobs",
                  "StartUserImportJob", "StopUserImportJob")


def snake(action):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", action).lower()


def served_actions():
    """GET /_runbook/actions: every operation this emulator answers, per service, snake case."""
    served = served_by_moto()
    ours = list(SIGN_IN_ACTIONS) + list(IMPORT_ACTIONS) + list(EXTRA_ACTIONS)
    served["cognito-idp"] = sorted(set(served["cognito-idp"]) | {snake(a) for a in ours})
    return served


def exit_with_parent():
    """Stops the server when the process that started it is gone, so nothing is left behind."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    check_version()
    keep_user_settings()
    exit_with_parent()
    server = make_server("127.0.0.1", args.port, Emulator(), threaded=True)
    print(f"AWS_ENDPOINT_URL=http://127.0.0.1:{server.server_port}/{TOKEN}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
