"""Cognito sign-in for the local emulator, verified for real.

moto answers USER_SRP_AUTH with random numbers and never checks the password claim, checks
SECRET_HASH on few flows, and verifies TOTP codes against one fixed secret. This module serves
the sign-in operations itself, on moto's users, pools, clients and tokens:

* USER_SRP_AUTH: a real SRP-6a server as Cognito runs it (RFC 5054 3072-bit group, g = 2,
  SHA-256, "padded hex" hashing, HKDF "Caldera Derived Key"): a salt and the verifier
  v = g^x are derived from the user's password, B = k·v + g^b is sent, and the
  PASSWORD_CLAIM_SIGNATURE (HMAC of pool name, user id, secret block and timestamp under the
  derived key) is checked; a wrong password is NotAuthorizedException "Incorrect username or
  password.";
* USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH): the password compared;
* SECRET_HASH required and checked on every step (InitiateAuth, AdminInitiateAuth and every
  challenge answer) when the app client has a secret: "Unable to verify secret hash for
  client <id>";
* a flow the client's ExplicitAuthFlows does not allow is refused, as the service refuses it;
* challenges after the password: NEW_PASSWORD_REQUIRED (a user with a temporary password),
  MFA_SETUP (a pool whose MFA is ON and a user without a verified token), SOFTWARE_TOKEN_MFA (a
  user whose token is verified and enabled, or required by the pool);
* AssociateSoftwareToken hands each user a secret of their own (base32, 160 bits);
  VerifySoftwareToken and SOFTWARE_TOKEN_MFA check RFC 6238 codes (SHA-1, 6 digits, 30 s, one
  step either side) against it: CodeMismatchException otherwise;
* sessions are single-use and tied to the challenge they were issued for.

Every check is logged: GET /_runbook/auth lists [{"check": "srp" | "password" | "secret_hash" |
"totp", "ok": bool, "user", "client"}], oldest first, so tests can see that a signature was
verified, not skipped.
"""
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import struct
import time

from moto_internals import UserStatus, cognitoidp_backends

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
TIMESTAMP_FORMAT = "%a %b %d %H:%M:%S UTC %Y"
HANDLED = (
    "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
    "AssociateSoftwareToken", "VerifySoftwareToken",
)
FLOW_PERMISSION = {
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
}
# What a client allows when it names no flows (the service's default).
DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH")


class AuthError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def pad_hex(n):
    """A number as SRP hashes it: even-length hex, `00` in front when the top bit is set."""
    h = format(n, "x")
    if len(h) % 2:
        h = "0" + h
    elif h[0] in "89abcdef":
        h = "00" + h
    return h


def hash_int(*hex_parts):
    return int(hashlib.sha256(bytes.fromhex("".join(hex_parts))).hexdigest(), 16)


K = hash_int("00" + N_HEX.lower(), "02")


def verifier(pool_id, user_id, password, salt):
    identity = hashlib.sha256(f"{pool_id.split('_', 1)[1]}{user_id}:{password}".encode()).hexdigest()
    return pow(G, hash_int(pad_hex(salt), identity), N)


def hkdf16(ikm, salt):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def secret_hash(client_secret, client_id, username):
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def totp_code(secret_b32, at):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 15
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


class Auth:
    def __init__(self):
        self.srp = {}        # secret block -> the SRP exchange in progress
        self.sessions = {}   # session -> what it may answer
        self.pending = {}    # (pool id, username) -> a TOTP secret associated, not yet verified
        self.totp = {}       # (pool id, username) -> the verified TOTP secret
        self.log = []

    # --- lookups -------------------------------------------------------------------------

    @staticmethod
    def backends():
        for account_backends in list(cognitoidp_backends.values()):
            for region, backend in list(account_backends.items()):
                if region != "global":
                    yield backend

    def client(self, client_id, pool_id=None):
        for backend in self.backends():
            for pool in backend.user_pools.values():
                if client_id in pool.clients and pool_id in (None, pool.id):
                    return backend, pool, pool.clients[client_id]
        raise AuthError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    @staticmethod
    def user(backend, pool, username):
        user = pool._get_user(username or "")
        if not user:
            raise AuthError("UserNotFoundException", "User does not exist.")
        return user

    def note(self, check, ok, user, client):
        self.log.append({"check": check, "ok": ok, "user": user, "client": client.id})

    def check_hash(self, client, username, given):
        if not client.generate_secret:
            return
        ok = given is not None and hmac.compare_digest(secret_hash(client.secret, client.id, username), given)
        self.note("secret_hash", ok, username, client)
        if not ok:
            raise AuthError("NotAuthorizedException", f"Unable to verify secret hash for client {client.id}")

    @staticmethod
    def check_flow(client, flow):
        allowed = client.extended_config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
        if FLOW_PERMISSION[flow] not in allowed:
            raise AuthError("InvalidParameterException", f"{flow} flow not enabled for this client")

    def new_session(self, challenge, backend, pool, client, user):
        session = secrets.token_urlsafe(48)
        self.sessions[session] = {
            "challenge": challenge, "backend": backend, "pool": pool, "client": client.id,
            "username": user.username,
        }
        return session

    def take_session(self, session, challenge, client):
        state = self.sessions.pop(session or "", None)
        if not state or state["challenge"] != challenge or state["client"] != client.id:
            raise AuthError("NotAuthorizedException", "Invalid session for the user.")
        return state

    # --- the operations ------------------------------------------------------------------

    def handle(self, action, body):
        if action in ("InitiateAuth", "AdminInitiateAuth"):
            return self.initiate(body, admin=action == "AdminInitiateAuth")
        if action in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"):
            return self.respond(body, admin=action == "AdminRespondToAuthChallenge")
        if action == "AssociateSoftwareToken":
            return self.associate(body)
        return self.verify_token(body)

    def served(self, action, body):
        """Whether this module serves the request (other flows go to moto)."""
        if action not in HANDLED:
            return False
        if action in ("InitiateAuth", "AdminInitiateAuth"):
            return body.get("AuthFlow") in FLOW_PERMISSION
        return True

    def initiate(self, body, admin):
        flow = body.get("AuthFlow")
        params = body.get("AuthParameters") or {}
        backend, pool, client = self.client(body.get("ClientId"), body.get("UserPoolId") if admin else None)
        if admin != flow.startswith("ADMIN_"):
            raise AuthError("InvalidParameterException", f"{flow} is not a flow of {'AdminInitiateAuth' if admin else 'InitiateAuth'}")
        self.check_flow(client, flow)
        username = params.get("USERNAME")
        self.check_hash(client, username, params.get("SECRET_HASH"))
        user = self.user(backend, pool, username)
        if not user.enabled:
            raise AuthError("NotAuthorizedException", "User is disabled.")
        if flow == "USER_SRP_AUTH":
            a = int(params.get("SRP_A") or "0", 16)
            if a % N == 0:
                raise AuthError("InvalidParameterException", "SRP_A is not a valid SRP value")
            salt = int.from_bytes(secrets.token_bytes(16), "big")
            v = verifier(pool.id, user.username, user.password or "", salt)
            b = int.from_bytes(secrets.token_bytes(32), "big")
            big_b = (K * v + pow(G, b, N)) % N
            block = base64.b64encode(secrets.token_bytes(64)).decode()
            self.srp[block] = {
                "a": a, "b": b, "B": big_b, "v": v, "backend": backend, "pool": pool,
                "client": client.id, "username": user.username, "issued": time.time(),
            }
            return {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeParameters": {
                    "SALT": format(salt, "x"),
                    "SRP_B": format(big_b, "x"),
                    "SECRET_BLOCK": block,
                    "USER_ID_FOR_SRP": user.username,
                    "USERNAME": user.username,
                },
            }
        ok = user.password is not None and hmac.compare_digest(user.password, params.get("PASSWORD") or "")
        self.note("password", ok, user.username, client)
        if not ok:
            raise AuthError("NotAuthorizedException", "Incorrect username or password.")
        return self.after_password(backend, pool, client, user)

    def after_password(self, backend, pool, client, user):
        if user.status == UserStatus.RESET_REQUIRED:
            raise AuthError("PasswordResetRequiredException", "Password reset required for the user")
        if user.status == UserStatus.UNCONFIRMED:
            raise AuthError("UserNotConfirmedException", "User is not confirmed.")
        if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
            attributes = {a["Name"]: a["Value"] for a in user.attributes if a["Name"] != "sub"}
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": self.new_session("NEW_PASSWORD_REQUIRED", backend, pool, client, user),
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(attributes),
                },
            }
        return self.after_new_password(backend, pool, client, user)

    def after_new_password(self, backend, pool, client, user):
        key = (pool.id, user.username)
        has_token = key in self.totp
        if pool.mfa_config == "ON" and not has_token:
            can = []
            if pool.token_mfa_config == {"Enabled": True} or not pool.sms_mfa_config:
                can.append("SOFTWARE_TOKEN_MFA")
            if pool.sms_mfa_config:
                can.append("SMS_MFA")
            return {
                "ChallengeName": "MFA_SETUP",
                "Session": self.new_session("MFA_SETUP", backend, pool, client, user),
                "ChallengeParameters": {"MFAS_CAN_SETUP": json.dumps(can)},
            }
        if has_token and (pool.mfa_config == "ON" or user.software_token_mfa_enabled):
            return {
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": self.new_session("SOFTWARE_TOKEN_MFA", backend, pool, client, user),
                "ChallengeParameters": {},
            }
        return backend._log_user_in(pool, client, user.username)

    def respond(self, body, admin):
        challenge = body.get("ChallengeName")
        answers = body.get("ChallengeResponses") or {}
        backend, pool, client = self.client(body.get("ClientId"), body.get("UserPoolId") if admin else None)
        username = answers.get("USERNAME")
        self.check_hash(client, username, answers.get("SECRET_HASH"))
        if challenge == "PASSWORD_VERIFIER":
            return self.password_verifier(client, answers)
        if challenge == "NEW_PASSWORD_REQUIRED":
            state = self.take_session(body.get("Session"), challenge, client)
            user = self.user(backend, pool, state["username"])
            new_password = answers.get("NEW_PASSWORD")
            if not new_password:
                raise AuthError("InvalidParameterException", "Missing required parameter NEW_PASSWORD")
            backend._validate_password(pool.id, new_password)
            user.password = new_password
            user.status = UserStatus.CONFIRMED
            return self.after_new_password(backend, pool, client, user)
        if challenge == "MFA_SETUP":
            state = self.take_session(body.get("Session"), challenge, client)
            user = self.user(backend, pool, state["username"])
            if (pool.id, user.username) not in self.totp:
                raise AuthError("NotAuthorizedException", "Software token MFA has not been set up (VerifySoftwareToken first)")
            user.software_token_mfa_enabled = True
            user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
            return backend._log_user_in(pool, client, user.username)
        if challenge in ("SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE"):
            state = self.take_session(body.get("Session"), "SOFTWARE_TOKEN_MFA", client)
            user = self.user(backend, pool, state["username"])
            if challenge == "SELECT_MFA_TYPE":
                return {
                    "ChallengeName": "SOFTWARE_TOKEN_MFA",
                    "Session": self.new_session("SOFTWARE_TOKEN_MFA", backend, pool, client, user),
                    "ChallengeParameters": {},
                }
            self.check_code(pool, user, client, answers.get("SOFTWARE_TOKEN_MFA_CODE"), self.totp.get((pool.id, user.username)))
            return backend._log_user_in(pool, client, user.username)
        raise AuthError("InvalidParameterException", f"The emulator does not answer the challenge {challenge}")

    def password_verifier(self, client, answers):
        block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        state = self.srp.pop(block, None)
        if not state or state["client"] != client.id:
            raise AuthError("NotAuthorizedException", "Invalid session for the user.")
        pool, backend = state["pool"], state["backend"]
        user = self.user(backend, pool, state["username"])
        if answers.get("USERNAME") not in (user.username, state["username"]):
            raise AuthError("NotAuthorizedException", "Incorrect username or password.")
        timestamp = answers.get("TIMESTAMP") or ""
        try:
            at = datetime.datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AuthError("InvalidParameterException", f"TIMESTAMP \"{timestamp}\" is not in the format Mon Nov 30 10:32:40 UTC 2026")
        if abs(at.timestamp() - time.time()) > 300:
            raise AuthError("NotAuthorizedException", "TIMESTAMP is more than 5 minutes off.")
        u = hash_int(pad_hex(state["a"]), pad_hex(state["B"]))
        s = pow(state["a"] * pow(state["v"], u, N) % N, state["b"], N)
        key = hkdf16(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))
        message = (pool.id.split("_", 1)[1] + user.username).encode() + base64.b64decode(block) + timestamp.encode()
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        ok = hmac.compare_digest(expected, answers.get("PASSWORD_CLAIM_SIGNATURE") or "")
        self.note("srp", ok, user.username, client)
        if not ok:
            raise AuthError("NotAuthorizedException", "Incorrect username or password.")
        if not user.enabled:
            raise AuthError("NotAuthorizedException", "User is disabled.")
        return self.after_password(backend, pool, client, user)

    def check_code(self, pool, user, client, code, secret_b32):
        now = time.time()
        ok = bool(secret_b32) and any(
            hmac.compare_digest(totp_code(secret_b32, now + step * 30), code or "") for step in (-1, 0, 1)
        )
        self.note("totp", ok, user.username, client)
        if not ok:
            raise AuthError("CodeMismatchException", "Invalid code received for user")

    def token_owner(self, body):
        """The user an AssociateSoftwareToken/VerifySoftwareToken is for: by session or token."""
        session = body.get("Session")
        if session:
            state = self.sessions.get(session)
            if not state:
                raise AuthError("NotAuthorizedException", "Invalid session for the user.")
            backend, pool = state["backend"], state["pool"]
            return backend, pool, self.user(backend, pool, state["username"]), state
        token = body.get("AccessToken") or ""
        for backend in self.backends():
            for pool in backend.user_pools.values():
                if token in pool.access_tokens:
                    _, username = pool.access_tokens[token]
                    return backend, pool, self.user(backend, pool, username), None
        raise AuthError("NotAuthorizedException", "Invalid Access Token")

    def associate(self, body):
        backend, pool, user, state = self.token_owner(body)
        secret_b32 = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
        self.pending[(pool.id, user.username)] = secret_b32
        # In a sign-in, the session moves on: VerifySoftwareToken comes next.
        return self.moved_on({"SecretCode": secret_b32}, body, state, "VERIFY_SOFTWARE_TOKEN")

    def moved_on(self, answer, body, state, next_step):
        """An answer in a sign-in's session: the old session is spent, a new one names the next step."""
        if state:
            self.sessions.pop(body["Session"], None)
            session = secrets.token_urlsafe(48)
            self.sessions[session] = dict(state, challenge=next_step)
            answer["Session"] = session
        return answer

    def verify_token(self, body):
        backend, pool, user, state = self.token_owner(body)
        key = (pool.id, user.username)
        client = pool.clients.get(state["client"]) if state else None

        class Anyone:
            id = None

        self.check_code(pool, user, client or Anyone, body.get("UserCode"), self.pending.get(key))
        self.totp[key] = self.pending.pop(key)
        user.token_verified = True
        # In a sign-in, MFA_SETUP is answered next.
        return self.moved_on({"Status": "SUCCESS"}, body, state, "MFA_SETUP")
