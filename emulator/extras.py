"""The Cognito operations moto does not serve, served statefully on moto's own pools and users
(and the domain operations moto serves without ManagedLoginVersion or its account id).

Every operation `runbook ops` lists must be rehearsable with `--local`, so this module serves
what moto 5.2 lacks: tags, resource server update and delete, identity provider lookup by
identifier, risk configuration, UI customization, managed login branding, terms, log delivery,
devices, user settings, attribute deletion and verification, auth events and their feedback,
auth factors, WebAuthn credentials, the signing certificate, provider links, client secrets,
refresh and client-credentials tokens and their revocation, replicas and provisioned limits.

State lives on moto's objects (a pool's tags in its `UserPoolTags`, a user's devices on the
user), so deleting a pool or resetting the emulator removes it with them. Answers have the
shapes of the SDK's model (timestamps as epoch seconds) and errors the service's codes:
`ResourceNotFoundException` for a missing pool, client or item, `UserNotFoundException`,
`InvalidParameterException` for a request the service refuses, `NotAuthorizedException` for an
unknown access token. What cannot be real here is said where it is done: codes are "sent" to a
mailbox (GET /_runbook/mailbox lists them) instead of by email or SMS, and a WebAuthn
registration checks the challenge in the credential's client data but not its attestation.
"""
import base64
import datetime
import json
import secrets
import time
import uuid

from moto_internals import CognitoIdpUser, cognitoidp_backends, logs_backends


class ExtraError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message):
    return ExtraError("InvalidParameterException", message)


def not_found(message):
    return ExtraError("ResourceNotFoundException", message)


# The quota categories Cognito enforces (developer guide, "Quotas in Amazon Cognito"), with the
# default each account has: what GetProvisionedLimit answers until UpdateProvisionedLimit.
DEFAULT_LIMITS = {
    "UserAuthentication": 120, "UserCreation": 50, "UserFederation": 25,
    "UserAccountRecovery": 30, "UserRead": 120, "UserUpdate": 25, "UserResourceRead": 50,
    "UserResourceUpdate": 25, "UserList": 30, "UserPoolRead": 15, "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20, "UserPoolResourceUpdate": 15, "UserPoolCreate": 5,
    "ClientAuthentication": 150, "UserToken": 120,
}
# The operations of each request-rate category (the developer guide's "Quotas in Amazon
# Cognito"): what an app with "enforce_limits" is throttled by, at the account's provisioned
# value. runbook's own table (`src/aws/facts.rs`, QUOTAS) is checked against it (GET
# /_runbook/categories).
CATEGORIES = {
    "UserCreation": ["AdminCreateUser", "SignUp"],
    "UserAuthentication": ["AdminInitiateAuth", "AdminRespondToAuthChallenge", "InitiateAuth",
                           "RespondToAuthChallenge"],
    "UserAccountRecovery": ["AdminSetUserPassword", "AdminResetUserPassword", "ForgotPassword",
                            "ConfirmForgotPassword"],
    "UserRead": ["AdminGetUser", "GetUser"],
    "UserUpdate": ["AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminDisableUser",
                   "AdminEnableUser", "AdminDeleteUser", "AdminUpdateUserAttributes",
                   "AdminDeleteUserAttributes", "AdminConfirmSignUp", "AdminUserGlobalSignOut",
                   "AdminSetUserMFAPreference"],
    "UserResourceRead": ["AdminListGroupsForUser"],
    "UserList": ["ListUsers", "ListUsersInGroup"],
    "UserPoolRead": ["DescribeUserPool", "ListUserPools"],
    "UserPoolResourceRead": ["ListGroups", "GetGroup", "GetCSVHeader", "DescribeUserImportJob",
                             "ListUserImportJobs"],
    "UserPoolResourceUpdate": ["CreateGroup", "UpdateGroup", "DeleteGroup", "CreateUserImportJob",
                               "StartUserImportJob", "StopUserImportJob"],
}
CATEGORY_OF = {action: category for category, actions in CATEGORIES.items() for action in actions}
MAX_TAGS = 50
MAX_CLIENT_SECRETS = 2


def now():
    return time.time()


def private(obj, name, default):
    """Runbook's own state kept on a moto object (it goes when the object goes)."""
    return obj.__dict__.setdefault("_runbook_" + name, default)


def need(body, *names):
    for name in names:
        if body.get(name) in (None, ""):
            raise invalid(f"1 validation error detected: Value at '{name[0].lower() + name[1:]}' failed to satisfy constraint: Member must not be null")


def masked(value, medium):
    if medium == "EMAIL" and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}***@{domain[:1]}***"
    return "+*******" + value[-4:]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Extras:
    """Serves the operations in SERVED on moto's state. `auth` is the sign-in module (its TOTP
    secrets), `mailbox` collects the codes the service would send."""

    def __init__(self, auth):
        self.auth = auth
        self.mailbox = []
        self.limits = {}  # (account, region, category) -> provisioned value

    # --- lookups -------------------------------------------------------------------------

    @staticmethod
    def backend(account, region):
        return cognitoidp_backends[account][region]

    def pool(self, account, region, pool_id):
        pool = self.backend(account, region).user_pools.get(pool_id or "")
        if not pool:
            raise not_found(f"User pool {pool_id} does not exist.")
        return pool

    @staticmethod
    def client(pool, client_id):
        client = pool.clients.get(client_id or "")
        if not client:
            raise not_found(f"User pool client {client_id} does not exist.")
        return client

    @staticmethod
    def user(pool, username):
        user = pool._get_user(username or "")
        if not user:
            raise ExtraError("UserNotFoundException", "User does not exist.")
        return user

    def by_token(self, body):
        token = body.get("AccessToken") or ""
        for pool in self.all_pools():
            if token in pool.access_tokens:
                client_id, username = pool.access_tokens[token]
                return pool, self.user(pool, username), client_id
        raise ExtraError("NotAuthorizedException", "Invalid Access Token")

    @staticmethod
    def all_pools():
        for account_backends in list(cognitoidp_backends.values()):
            for region, backend in list(account_backends.items()):
                if region != "global":
                    yield from list(backend.user_pools.values())

    def by_client(self, client_id):
        for pool in self.all_pools():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        raise not_found(f"User pool client {client_id} does not exist.")

    def send_code(self, pool, user, attribute, kind):
        value = user.attribute_lookup.get(attribute)
        if not value:
            raise invalid(f"Invalid attribute name: {attribute} has no value to send a code to.")
        code = f"{secrets.randbelow(10**6):06d}"
        private(user, "codes", {})[attribute] = code
        medium = "SMS" if attribute == "phone_number" else "EMAIL"
        self.mailbox.append({"pool": pool.id, "username": user.username, "attribute": attribute,
                             "kind": kind, "code": code})
        return {"CodeDeliveryDetails": {"Destination": masked(value, medium), "DeliveryMedium": medium,
                                        "AttributeName": attribute}}

    # --- dispatch --------------------------------------------------------------------------

    def served(self, action):
        return action in SERVED

    def handle(self, action, account, region, body):
        self.account, self.region = account, region
        return getattr(self, SERVED[action])(body) or {}

    # --- tags --------------------------------------------------------------------------------

    def tagged(self, arn):
        parts = (arn or "").split(":")
        if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
            raise invalid(f"Invalid ARN: {arn}")
        pool = self.backend(parts[4], parts[3]).user_pools.get(parts[5][len("userpool/"):])
        if not pool or pool.arn != arn:
            raise not_found(f"Resource {arn} does not exist.")
        return pool.extended_config.setdefault("UserPoolTags", {})

    def tag_resource(self, body):
        need(body, "ResourceArn")
        tags = self.tagged(body["ResourceArn"])
        merged = {**tags, **(body.get("Tags") or {})}
        if len(merged) > MAX_TAGS:
            raise ExtraError("UserPoolTaggingException", f"A user pool can have at most {MAX_TAGS} tags.")
        tags.update(body.get("Tags") or {})

    def untag_resource(self, body):
        need(body, "ResourceArn")
        tags = self.tagged(body["ResourceArn"])
        for key in body.get("TagKeys") or []:
            tags.pop(key, None)

    def list_tags_for_resource(self, body):
        need(body, "ResourceArn")
        return {"Tags": dict(self.tagged(body["ResourceArn"]))}

    # --- resource servers, identity providers ---------------------------------------------

    def resource_server(self, body):
        need(body, "UserPoolId", "Identifier")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        server = pool.resource_servers.get(body["Identifier"])
        if not server:
            raise not_found(f"Resource server {body['Identifier']} does not exist.")
        return pool, server

    def update_resource_server(self, body):
        need(body, "Name")
        _, server = self.resource_server(body)
        server.name = body["Name"]
        server.scopes = body.get("Scopes") or []
        return {"ResourceServer": server.to_json()}

    def delete_resource_server(self, body):
        pool, server = self.resource_server(body)
        del pool.resource_servers[server.identifier]

    def get_identity_provider_by_identifier(self, body):
        need(body, "UserPoolId", "IdpIdentifier")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        for provider in pool.identity_providers.values():
            if body["IdpIdentifier"] in (provider.extended_config.get("IdpIdentifiers") or []):
                answer = provider.to_json(extended=True)
                answer["UserPoolId"] = pool.id
                for key in ("CreationDate", "LastModifiedDate"):
                    if isinstance(answer.get(key), datetime.datetime):
                        answer[key] = answer[key].timestamp()
                return {"IdentityProvider": answer}
        raise not_found(f"Identity provider with identifier {body['IdpIdentifier']} does not exist.")

    # --- domains (moto's, with what moto forgets) ------------------------------------------

    def domain_json(self, domain):
        answer = domain.to_json(extended=True)
        answer["AWSAccountId"] = self.account  # moto answers a random one on every read
        answer["ManagedLoginVersion"] = domain.__dict__.get("_runbook_managed_login_version", 1)
        if domain.custom_domain_config:
            answer["CustomDomainConfig"] = domain.custom_domain_config
        return {k: v for k, v in answer.items() if v is not None}

    def create_user_pool_domain(self, body):
        need(body, "UserPoolId", "Domain")
        backend = self.backend(self.account, self.region)
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        if body["Domain"] in backend.user_pool_domains:
            raise invalid("Domain already associated with another user pool.")
        if not body.get("CustomDomainConfig") and any(
                d.user_pool_id == pool.id and not d.custom_domain_config for d in backend.user_pool_domains.values()):
            raise invalid("User pool already has a domain configured.")
        domain = backend.create_user_pool_domain(pool.id, body["Domain"], body.get("CustomDomainConfig"))
        domain.__dict__["_runbook_managed_login_version"] = body.get("ManagedLoginVersion") or 1
        return {"CloudFrontDomain": domain.to_json(extended=False)["CloudFrontDomain"],
                "ManagedLoginVersion": domain.__dict__["_runbook_managed_login_version"]}

    def describe_user_pool_domain(self, body):
        need(body, "Domain")
        domain = self.backend(self.account, self.region).describe_user_pool_domain(body["Domain"])
        return {"DomainDescription": self.domain_json(domain) if domain else {}}

    def update_user_pool_domain(self, body):
        need(body, "UserPoolId", "Domain")
        domain = self.backend(self.account, self.region).user_pool_domains.get(body["Domain"])
        if not domain or domain.user_pool_id != body["UserPoolId"]:
            raise not_found(f"Domain {body['Domain']} does not exist in user pool {body['UserPoolId']}.")
        if body.get("CustomDomainConfig") is not None:
            if not domain.custom_domain_config:
                raise invalid("A prefix domain has no custom domain configuration to update.")
            domain.custom_domain_config = body["CustomDomainConfig"]
        if body.get("ManagedLoginVersion") is not None:
            domain.__dict__["_runbook_managed_login_version"] = body["ManagedLoginVersion"]
        return {"CloudFrontDomain": domain.to_json(extended=False)["CloudFrontDomain"],
                "ManagedLoginVersion": domain.__dict__.get("_runbook_managed_login_version", 1)}

    # --- pool and client settings ------------------------------------------------------------

    def settings(self, body, kind):
        """A pool's (or one of its clients') settings of one kind: (pool, client id or None, store)."""
        need(body, "UserPoolId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        client_id = body.get("ClientId")
        if kind == "ui" and client_id == "ALL":  # the pool's own, as SetUICustomization documents
            client_id = None
        if client_id:
            self.client(pool, client_id)
        return pool, client_id, private(pool, kind, {})

    def set_risk_configuration(self, body):
        pool, client_id, store = self.settings(body, "risk")
        config = {k: body[k] for k in ("CompromisedCredentialsRiskConfiguration",
                                       "AccountTakeoverRiskConfiguration",
                                       "RiskExceptionConfiguration") if body.get(k) is not None}
        store[client_id] = {**config, "LastModifiedDate": now()}
        return self.describe_risk_configuration(body)

    def describe_risk_configuration(self, body):
        pool, client_id, store = self.settings(body, "risk")
        config = store.get(client_id) or (store.get(None) if client_id else None) or {}
        answer = {"UserPoolId": pool.id, **config}
        if client_id:
            answer["ClientId"] = client_id
        return {"RiskConfiguration": answer}

    def set_ui_customization(self, body):
        pool, client_id, store = self.settings(body, "ui")
        created = (store.get(client_id) or {}).get("CreationDate", now())
        entry = {"CreationDate": created, "LastModifiedDate": now(), "CSSVersion": uuid.uuid4().hex[:12]}
        if body.get("CSS") is not None:
            entry["CSS"] = body["CSS"]
        if body.get("ImageFile"):
            entry["ImageUrl"] = f"https://{pool.id.lower()}.cloudfront.net/{client_id or 'ALL'}/logo-{uuid.uuid4().hex[:8]}.png"
        store[client_id] = entry
        return self.get_ui_customization(body)

    def get_ui_customization(self, body):
        pool, client_id, store = self.settings(body, "ui")
        # A client with none of its own is answered the pool's, which says ClientId ALL.
        own = store.get(client_id) if client_id else None
        entry = own or store.get(None) or {}
        return {"UICustomization": {"UserPoolId": pool.id, "ClientId": client_id if own else "ALL", **entry}}

    def set_log_delivery_configuration(self, body):
        pool, _, store = self.settings(body, "logs")
        configurations = body.get("LogConfigurations") or []
        for c in configurations:
            arn = (c.get("CloudWatchLogsConfiguration") or {}).get("LogGroupArn")
            if arn and not self.log_group_exists(arn):
                raise invalid(f"Log group {arn} does not exist.")
        store[None] = configurations
        return self.get_log_delivery_configuration(body)

    def log_group_exists(self, arn):
        parts = arn.split(":")
        if len(parts) < 7 or parts[5] != "log-group":
            return False
        backend = logs_backends[parts[4]][parts[3]]
        return parts[6] in backend.groups

    def get_log_delivery_configuration(self, body):
        pool, _, store = self.settings(body, "logs")
        return {"LogDeliveryConfiguration": {"UserPoolId": pool.id, "LogConfigurations": store.get(None, [])}}

    def get_signing_certificate(self, body):
        need(body, "UserPoolId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        cert = pool.__dict__.get("_runbook_certificate")
        if not cert:
            cert = pool.__dict__["_runbook_certificate"] = self_signed(pool.id)
        return {"Certificate": cert}

    # --- managed login branding, terms --------------------------------------------------------

    def branding(self, pool):
        return private(pool, "branding", {})

    def create_managed_login_branding(self, body):
        need(body, "UserPoolId", "ClientId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        self.client(pool, body["ClientId"])
        store = self.branding(pool)
        if any(b["client"] == body["ClientId"] for b in store.values()):
            raise ExtraError("ManagedLoginBrandingExistsException",
                             f"Managed login branding already exists for client {body['ClientId']}.")
        if body.get("UseCognitoProvidedValues") and body.get("Settings"):
            raise invalid("Settings cannot be given with UseCognitoProvidedValues.")
        branding_id = str(uuid.uuid4())
        store[branding_id] = {"client": body["ClientId"], "created": now()}
        self.put_branding(store[branding_id], body)
        return {"ManagedLoginBranding": self.branding_json(pool, branding_id)}

    @staticmethod
    def put_branding(entry, body):
        entry["modified"] = now()
        entry["cognito"] = bool(body.get("UseCognitoProvidedValues")) or not body.get("Settings")
        for key in ("Settings", "Assets"):
            if key in body:
                entry[key] = body[key]

    def branding_json(self, pool, branding_id):
        entry = self.branding(pool)[branding_id]
        answer = {"ManagedLoginBrandingId": branding_id, "UserPoolId": pool.id,
                  "UseCognitoProvidedValues": entry["cognito"],
                  "CreationDate": entry["created"], "LastModifiedDate": entry["modified"],
                  "Assets": entry.get("Assets", [])}
        if not entry["cognito"]:
            answer["Settings"] = entry.get("Settings", {})
        return answer

    def branding_of(self, body):
        need(body, "UserPoolId", "ManagedLoginBrandingId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        if body["ManagedLoginBrandingId"] not in self.branding(pool):
            raise not_found(f"Managed login branding {body['ManagedLoginBrandingId']} does not exist.")
        return pool, body["ManagedLoginBrandingId"]

    def describe_managed_login_branding(self, body):
        return {"ManagedLoginBranding": self.branding_json(*self.branding_of(body))}

    def describe_managed_login_branding_by_client(self, body):
        need(body, "UserPoolId", "ClientId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        for branding_id, entry in self.branding(pool).items():
            if entry["client"] == body["ClientId"]:
                return {"ManagedLoginBranding": self.branding_json(pool, branding_id)}
        raise not_found(f"No managed login branding for client {body['ClientId']}.")

    def update_managed_login_branding(self, body):
        pool, branding_id = self.branding_of(body)
        self.put_branding(self.branding(pool)[branding_id], body)
        return {"ManagedLoginBranding": self.branding_json(pool, branding_id)}

    def delete_managed_login_branding(self, body):
        pool, branding_id = self.branding_of(body)
        del self.branding(pool)[branding_id]

    def terms(self, pool):
        return private(pool, "terms", {})

    def create_terms(self, body):
        need(body, "UserPoolId", "ClientId", "TermsName", "TermsSource", "Enforcement")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        self.client(pool, body["ClientId"])
        store = self.terms(pool)
        if any(t["ClientId"] == body["ClientId"] and t["TermsName"] == body["TermsName"] for t in store.values()):
            raise ExtraError("TermsExistsException", f"Terms {body['TermsName']} already exist for this client.")
        terms_id = str(uuid.uuid4())
        store[terms_id] = {"TermsId": terms_id, "UserPoolId": pool.id, "ClientId": body["ClientId"],
                           "TermsName": body["TermsName"], "TermsSource": body["TermsSource"],
                           "Enforcement": body["Enforcement"], "Links": body.get("Links") or {},
                           "CreationDate": now(), "LastModifiedDate": now()}
        return {"Terms": dict(store[terms_id])}

    def terms_of(self, body):
        need(body, "UserPoolId", "TermsId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        entry = self.terms(pool).get(body["TermsId"])
        if not entry:
            raise not_found(f"Terms {body['TermsId']} do not exist.")
        return pool, entry

    def describe_terms(self, body):
        return {"Terms": dict(self.terms_of(body)[1])}

    def describe_terms_by_client(self, body):
        need(body, "UserPoolId", "ClientId", "TermsName")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        for entry in self.terms(pool).values():
            if entry["ClientId"] == body["ClientId"] and entry["TermsName"] == body["TermsName"]:
                return {"Terms": dict(entry)}
        raise not_found(f"Terms {body['TermsName']} do not exist for client {body['ClientId']}.")

    def list_terms(self, body):
        need(body, "UserPoolId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        keys = ("TermsId", "TermsName", "Enforcement", "CreationDate", "LastModifiedDate")
        return {"Terms": [{k: t[k] for k in keys} for t in self.terms(pool).values()]}

    def update_terms(self, body):
        pool, entry = self.terms_of(body)
        for key in ("TermsName", "TermsSource", "Enforcement", "Links"):
            if body.get(key) is not None:
                entry[key] = body[key]
        entry["LastModifiedDate"] = now()
        return {"Terms": dict(entry)}

    def delete_terms(self, body):
        pool, entry = self.terms_of(body)
        del self.terms(pool)[entry["TermsId"]]

    # --- client secrets, tokens ---------------------------------------------------------------

    def client_secrets(self, client):
        store = private(client, "secrets", [])
        if client.generate_secret and not store:
            store.append({"ClientSecretId": f"{client.id}--{uuid.uuid4().hex[:8]}",
                          "ClientSecretValue": client.secret, "ClientSecretCreateDate": now()})
        return store

    def secret_client(self, body):
        need(body, "UserPoolId", "ClientId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        client = self.client(pool, body["ClientId"])
        if not client.generate_secret:
            raise invalid(f"Client {client.id} is a public client: it has no secret.")
        return client

    def add_user_pool_client_secret(self, body):
        client = self.secret_client(body)
        store = self.client_secrets(client)
        if len(store) >= MAX_CLIENT_SECRETS:
            raise ExtraError("LimitExceededException", f"A client can have at most {MAX_CLIENT_SECRETS} secrets.")
        value = body.get("ClientSecret") or secrets.token_urlsafe(38)[:51]
        if len(value) < 24:
            raise invalid("ClientSecret must be at least 24 characters.")
        entry = {"ClientSecretId": f"{client.id}--{uuid.uuid4().hex[:8]}", "ClientSecretValue": value,
                 "ClientSecretCreateDate": now()}
        store.append(entry)
        return {"ClientSecretDescriptor": dict(entry)}

    def list_user_pool_client_secrets(self, body):
        client = self.secret_client(body)
        return {"ClientSecrets": [{k: v for k, v in s.items() if k != "ClientSecretValue"}
                                  for s in self.client_secrets(client)]}

    def delete_user_pool_client_secret(self, body):
        need(body, "ClientSecretId")
        client = self.secret_client(body)
        store = self.client_secrets(client)
        entry = next((s for s in store if s["ClientSecretId"] == body["ClientSecretId"]), None)
        if not entry:
            raise not_found(f"Client secret {body['ClientSecretId']} does not exist.")
        if len(store) == 1:
            raise invalid("A confidential client must keep one secret: add another before deleting this one.")
        store.remove(entry)
        client.secret = store[0]["ClientSecretValue"]

    def check_client_secret(self, client, given):
        if not client.generate_secret:
            return
        if not any(given is not None and secrets.compare_digest(s["ClientSecretValue"], given)
                   for s in self.client_secrets(client)):
            raise ExtraError("NotAuthorizedException", f"Unable to verify secret hash for client {client.id}")

    def get_tokens_from_refresh_token(self, body):
        need(body, "RefreshToken", "ClientId")
        pool, client = self.by_client(body["ClientId"])
        self.check_client_secret(client, body.get("ClientSecret"))
        held = pool.refresh_tokens.get(body["RefreshToken"])
        if not held or held[0] != client.id:
            raise ExtraError("NotAuthorizedException", "Invalid Refresh Token")
        access, id_token, expires_in = pool.create_tokens_from_refresh_token(body["RefreshToken"])
        return {"AuthenticationResult": {"AccessToken": access, "IdToken": id_token,
                                         "ExpiresIn": expires_in, "TokenType": "Bearer"}}

    def revoke_token(self, body):
        need(body, "Token", "ClientId")
        pool, client = self.by_client(body["ClientId"])
        self.check_client_secret(client, body.get("ClientSecret"))
        if not client.extended_config.get("EnableTokenRevocation", True):
            raise ExtraError("UnsupportedOperationException", "Token revocation is not enabled for this client.")
        held = pool.refresh_tokens.get(body["Token"])
        if held and held[0] != client.id:
            raise ExtraError("UnauthorizedException", "The token was not issued to this client.")
        if held:
            pool.refresh_tokens[body["Token"]] = None

    def get_client_token(self, body):
        need(body, "ClientId", "Secret")
        pool, client = self.by_client(body["ClientId"])
        if "client_credentials" not in (client.extended_config.get("AllowedOAuthFlows") or []):
            raise ExtraError("InvalidOAuthFlowException", "The client is not allowed the client_credentials flow.")
        self.check_client_secret(client, body["Secret"])
        allowed = client.extended_config.get("AllowedOAuthScopes") or []
        wanted = body.get("Scopes") or allowed
        for scope in wanted:
            if scope not in allowed:
                raise ExtraError("ScopeDoesNotExistException", f"Invalid scope requested: {scope}")
        issued = int(now())
        claims = {"iss": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}", "sub": client.id,
                  "client_id": client.id, "token_use": "access", "scope": " ".join(wanted),
                  "iat": issued, "auth_time": issued, "exp": issued + 3600, "jti": str(uuid.uuid4())}
        token = sign_jwt(pool, claims)
        return {"ClientAuthenticationResult": {"AccessToken": token, "ExpiresIn": 3600, "TokenType": "Bearer"}}

    # --- users: settings, attributes, codes, factors, links --------------------------------

    def admin_user(self, body):
        need(body, "UserPoolId", "Username")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        return pool, self.user(pool, body["Username"])

    def admin_set_user_settings(self, body):
        _, user = self.admin_user(body)
        user.__dict__["_runbook_mfa_options"] = body.get("MFAOptions") or []

    def set_user_settings(self, body):
        need(body, "AccessToken")
        _, user, _ = self.by_token(body)
        user.__dict__["_runbook_mfa_options"] = body.get("MFAOptions") or []

    def delete_user_attributes(self, body):
        need(body, "AccessToken")
        _, user, _ = self.by_token(body)
        names = body.get("UserAttributeNames") or []
        if "sub" in names:
            raise invalid("Cannot delete the sub attribute.")
        user.delete_attributes(names)

    def delete_user(self, body):
        need(body, "AccessToken")
        pool, user, _ = self.by_token(body)
        for group in list(user.groups):
            group.users.discard(user)
        del pool.users[user.username]
        pool.sign_out(user.username)

    def get_user_attribute_verification_code(self, body):
        need(body, "AccessToken", "AttributeName")
        pool, user, _ = self.by_token(body)
        return self.send_code(pool, user, body["AttributeName"], "verify-attribute")

    def verify_user_attribute(self, body):
        need(body, "AccessToken", "AttributeName", "Code")
        _, user, _ = self.by_token(body)
        expected = private(user, "codes", {}).get(body["AttributeName"])
        if not expected:
            raise ExtraError("ExpiredCodeException", "Invalid code provided, please request a code again.")
        if not secrets.compare_digest(expected, body["Code"]):
            raise ExtraError("CodeMismatchException", "Invalid verification code provided, please try again.")
        del private(user, "codes", {})[body["AttributeName"]]
        user.update_attributes([{"Name": f"{body['AttributeName']}_verified", "Value": "true"}])

    def resend_confirmation_code(self, body):
        need(body, "ClientId", "Username")
        pool, client = self.by_client(body["ClientId"])
        user = self.user(pool, body["Username"])
        self.auth.check_hash(client, body["Username"], body.get("SecretHash"))
        if user.status != "UNCONFIRMED":
            raise invalid("User is already confirmed.")
        attribute = "email" if user.attribute_lookup.get("email") else "phone_number"
        return self.send_code(pool, user, attribute, "confirm-sign-up")

    def factors(self, pool, user):
        key = (pool.id, user.username)
        configured = ["PASSWORD"] if user.password else []
        if key in self.auth.totp:
            configured.append("SOFTWARE_TOKEN")
        if private(user, "webauthn", {}):
            configured.append("WEB_AUTHN")
        settings = (["SOFTWARE_TOKEN_MFA"] if user.software_token_mfa_enabled else []) + \
                   (["SMS_MFA"] if user.sms_mfa_enabled else [])
        answer = {"Username": user.username, "UserMFASettingList": settings,
                  "ConfiguredUserAuthFactors": configured}
        if user.preferred_mfa_setting:
            answer["PreferredMfaSetting"] = user.preferred_mfa_setting
        return answer

    def admin_get_user_auth_factors(self, body):
        return self.factors(*self.admin_user(body))

    def get_user_auth_factors(self, body):
        need(body, "AccessToken")
        pool, user, _ = self.by_token(body)
        return self.factors(pool, user)

    def admin_delete_software_token(self, body):
        pool, user = self.admin_user(body)
        if (pool.id, user.username) not in self.auth.totp:
            raise ExtraError("SoftwareTokenMFANotFoundException", "No software token is associated with the user.")
        del self.auth.totp[(pool.id, user.username)]
        user.software_token_mfa_enabled = False
        user.token_verified = False
        if user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
            user.preferred_mfa_setting = None

    def admin_link_provider_for_user(self, body):
        need(body, "UserPoolId", "DestinationUser", "SourceUser")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        dest, source = body["DestinationUser"], body["SourceUser"]
        user = self.user(pool, dest.get("ProviderAttributeValue"))
        provider = pool.identity_providers.get(source.get("ProviderName") or "")
        if not provider:
            raise invalid(f"Identity provider {source.get('ProviderName')} does not exist.")
        if not source.get("ProviderAttributeValue"):
            raise invalid("SourceUser.ProviderAttributeValue is required.")
        links = private(pool, "links", {})
        key = (provider.name, source["ProviderAttributeValue"])
        if key in links:
            raise ExtraError("AliasExistsException", "The source user is already linked to a user.")
        links[key] = user.username
        self.write_identities(pool, user)

    def admin_disable_provider_for_user(self, body):
        need(body, "UserPoolId", "User")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        who = body["User"]
        links = private(pool, "links", {})
        key = (who.get("ProviderName"), who.get("ProviderAttributeValue"))
        username = links.pop(key, None)
        if username is None:
            raise not_found("The user is not linked to that provider.")
        user = pool.users.get(username)
        if user:
            self.write_identities(pool, user)

    @staticmethod
    def write_identities(pool, user):
        """The `identities` attribute lists the provider users linked to `user`, as Cognito shows it."""
        links = private(pool, "links", {})
        identities = [{"userId": value, "providerName": name,
                       "providerType": pool.identity_providers[name].extended_config.get("ProviderType"),
                       "issuer": None, "primary": False, "dateCreated": int(now() * 1000)}
                      for (name, value), username in links.items()
                      if username == user.username and name in pool.identity_providers]
        if identities:
            user.update_attributes([{"Name": "identities", "Value": json.dumps(identities)}])
        elif "identities" in user.attribute_lookup:
            user.delete_attributes(["identities"])

    # --- auth events --------------------------------------------------------------------------

    def note_sign_in(self, pool, username, passed):
        """Records a sign-in as an auth event, as a pool with threat protection logs it."""
        user = pool._get_user(username or "")
        if not user:
            return
        events = private(user, "events", [])
        events.insert(0, {"EventId": str(uuid.uuid4()), "EventType": "SignIn", "CreationDate": now(),
                          "EventResponse": "Pass" if passed else "Fail",
                          "EventRisk": {"RiskDecision": "NoRisk", "RiskLevel": "Low",
                                        "CompromisedCredentialsDetected": False},
                          "ChallengeResponses": [{"ChallengeName": "Password",
                                                  "ChallengeResponse": "Success" if passed else "Failure"}],
                          "EventContextData": {"IpAddress": "127.0.0.1", "DeviceName": "runbook"}})
        token = secrets.token_urlsafe(24)
        private(user, "feedback_tokens", {})[events[0]["EventId"]] = token
        self.mailbox.append({"pool": pool.id, "username": user.username, "kind": "auth-event",
                             "event_id": events[0]["EventId"], "code": token})

    def threat_protected(self, pool):
        mode = (pool.extended_config.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
        if mode == "OFF":
            raise ExtraError("UserPoolAddOnNotEnabledException",
                             "Threat protection (AdvancedSecurityMode) is not enabled for this user pool.")

    def admin_list_user_auth_events(self, body):
        pool, user = self.admin_user(body)
        self.threat_protected(pool)
        return {"AuthEvents": [dict(e) for e in private(user, "events", [])]}

    def event(self, body):
        need(body, "EventId", "FeedbackValue")
        pool, user = self.admin_user(body)
        self.threat_protected(pool)
        event = next((e for e in private(user, "events", []) if e["EventId"] == body["EventId"]), None)
        if not event:
            raise not_found(f"Auth event {body['EventId']} does not exist.")
        return user, event

    def admin_update_auth_event_feedback(self, body):
        _, event = self.event(body)
        event["EventFeedback"] = {"FeedbackValue": body["FeedbackValue"], "Provider": "Admin", "FeedbackDate": now()}

    def update_auth_event_feedback(self, body):
        need(body, "FeedbackToken")
        user, event = self.event(body)
        expected = private(user, "feedback_tokens", {}).get(event["EventId"], "")
        if not secrets.compare_digest(expected, body["FeedbackToken"]):
            raise ExtraError("NotAuthorizedException", "Invalid feedback token.")
        event["EventFeedback"] = {"FeedbackValue": body["FeedbackValue"], "Provider": "User", "FeedbackDate": now()}

    # --- devices ------------------------------------------------------------------------------

    @staticmethod
    def device_json(device):
        attributes = [{"Name": "device_status", "Value": "valid"},
                      {"Name": "device_remembered_status", "Value": device["remembered"]}]
        if device.get("name"):
            attributes.append({"Name": "device_name", "Value": device["name"]})
        return {"DeviceKey": device["key"], "DeviceAttributes": attributes,
                "DeviceCreateDate": device["created"], "DeviceLastModifiedDate": device["modified"],
                "DeviceLastAuthenticatedDate": device["created"]}

    def device(self, user, key):
        device = private(user, "devices", {}).get(key or "")
        if not device:
            raise not_found("Device does not exist.")
        return device

    def confirm_device(self, body):
        need(body, "AccessToken", "DeviceKey")
        pool, user, _ = self.by_token(body)
        key = body["DeviceKey"]
        if not key.startswith(pool.region + "_"):
            raise invalid(f"Invalid device key: {key} (a device key is <region>_<uuid>, from NewDeviceMetadata).")
        devices = private(user, "devices", {})
        if key in devices:
            raise ExtraError("DeviceKeyExistsException", "Device key already exists.")
        devices[key] = {"key": key, "name": body.get("DeviceName"), "remembered": "not_remembered",
                        "created": now(), "modified": now()}
        mode = (pool.extended_config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt", False)
        return {"UserConfirmationNecessary": bool(mode)}

    def admin_list_devices(self, body):
        _, user = self.admin_user(body)
        return {"Devices": [self.device_json(d) for d in private(user, "devices", {}).values()]}

    def list_devices(self, body):
        need(body, "AccessToken")
        _, user, _ = self.by_token(body)
        return {"Devices": [self.device_json(d) for d in private(user, "devices", {}).values()]}

    def admin_get_device(self, body):
        need(body, "DeviceKey")
        _, user = self.admin_user(body)
        return {"Device": self.device_json(self.device(user, body["DeviceKey"]))}

    def get_device(self, body):
        need(body, "AccessToken", "DeviceKey")
        _, user, _ = self.by_token(body)
        return {"Device": self.device_json(self.device(user, body["DeviceKey"]))}

    def admin_forget_device(self, body):
        need(body, "DeviceKey")
        _, user = self.admin_user(body)
        self.device(user, body["DeviceKey"])
        del private(user, "devices", {})[body["DeviceKey"]]

    def forget_device(self, body):
        need(body, "AccessToken", "DeviceKey")
        _, user, _ = self.by_token(body)
        self.device(user, body["DeviceKey"])
        del private(user, "devices", {})[body["DeviceKey"]]

    def set_remembered(self, user, body):
        device = self.device(user, body["DeviceKey"])
        device["remembered"] = body.get("DeviceRememberedStatus") or "not_remembered"
        device["modified"] = now()

    def admin_update_device_status(self, body):
        need(body, "DeviceKey")
        _, user = self.admin_user(body)
        self.set_remembered(user, body)

    def update_device_status(self, body):
        need(body, "AccessToken", "DeviceKey")
        _, user, _ = self.by_token(body)
        self.set_remembered(user, body)

    # --- WebAuthn -----------------------------------------------------------------------------

    def relying_party(self, pool):
        return pool.extended_config.get("WebAuthnRelyingPartyID") or (pool.domain.domain if pool.domain else "localhost")

    def start_web_authn_registration(self, body):
        need(body, "AccessToken")
        pool, user, _ = self.by_token(body)
        challenge = b64url(secrets.token_bytes(32))
        user.__dict__["_runbook_webauthn_challenge"] = challenge
        rp = self.relying_party(pool)
        return {"CredentialCreationOptions": {
            "challenge": challenge, "rp": {"id": rp, "name": rp},
            "user": {"id": b64url(user.id.encode()), "name": user.username, "displayName": user.username},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
            "timeout": 60000,
            "excludeCredentials": [{"type": "public-key", "id": c["CredentialId"]}
                                   for c in private(user, "webauthn", {}).values()],
            "authenticatorSelection": {"residentKey": "required", "userVerification": "preferred"},
        }}

    def complete_web_authn_registration(self, body):
        need(body, "AccessToken", "Credential")
        pool, user, _ = self.by_token(body)
        challenge = user.__dict__.pop("_runbook_webauthn_challenge", None)
        if not challenge:
            raise ExtraError("WebAuthnChallengeNotFoundException", "No registration was started (StartWebAuthnRegistration first).")
        credential = body["Credential"] if isinstance(body["Credential"], dict) else {}
        try:
            client_data = json.loads(b64url_decode(credential["response"]["clientDataJSON"]))
        except (KeyError, TypeError, ValueError):
            raise invalid("Credential.response.clientDataJSON is missing or not base64url JSON.")
        if client_data.get("type") != "webauthn.create" or client_data.get("challenge") != challenge:
            raise ExtraError("WebAuthnChallengeNotFoundException", "The credential does not answer the registration's challenge.")
        credential_id = credential.get("id") or ""
        if not credential_id:
            raise invalid("Credential.id is required.")
        private(user, "webauthn", {})[credential_id] = {
            "CredentialId": credential_id,
            "FriendlyCredentialName": credential.get("friendlyName") or "passkey",
            "RelyingPartyId": self.relying_party(pool),
            "AuthenticatorAttachment": credential.get("authenticatorAttachment") or "platform",
            "AuthenticatorTransports": (credential.get("response") or {}).get("transports") or ["internal"],
            "CreatedAt": now(),
        }

    def list_web_authn_credentials(self, body):
        need(body, "AccessToken")
        _, user, _ = self.by_token(body)
        return {"Credentials": [dict(c) for c in private(user, "webauthn", {}).values()]}

    def delete_web_authn_credential(self, body):
        need(body, "AccessToken", "CredentialId")
        _, user, _ = self.by_token(body)
        if private(user, "webauthn", {}).pop(body["CredentialId"], None) is None:
            raise not_found(f"Credential {body['CredentialId']} does not exist.")

    # --- replicas, provisioned limits ------------------------------------------------------

    def replicas(self, body):
        need(body, "UserPoolId")
        pool = self.pool(self.account, self.region, body["UserPoolId"])
        return pool, private(pool, "replicas", {})

    def replica_json(self, pool, region, status):
        arn = pool.arn.replace(f":{pool.region}:", f":{region}:")
        return {"RegionName": region, "Status": status, "Role": "SECONDARY", "UserPoolArn": arn}

    def create_user_pool_replica(self, body):
        need(body, "RegionName")
        pool, store = self.replicas(body)
        region = body["RegionName"]
        if region == pool.region:
            raise invalid("A replica cannot be in the user pool's own region.")
        if region in store:
            raise invalid(f"The user pool already has a replica in {region}.")
        store[region] = "ACTIVE"
        return {"UserPoolReplica": self.replica_json(pool, region, "ACTIVE")}

    def list_user_pool_replicas(self, body):
        pool, store = self.replicas(body)
        return {"UserPoolReplicas": [self.replica_json(pool, r, s) for r, s in store.items()]}

    def replica_of(self, body):
        need(body, "RegionName")
        pool, store = self.replicas(body)
        if body["RegionName"] not in store:
            raise not_found(f"The user pool has no replica in {body['RegionName']}.")
        return pool, store

    def update_user_pool_replica(self, body):
        need(body, "Status")
        pool, store = self.replica_of(body)
        store[body["RegionName"]] = body["Status"]
        return {"UserPoolReplica": self.replica_json(pool, body["RegionName"], body["Status"])}

    def delete_user_pool_replica(self, body):
        pool, store = self.replica_of(body)
        del store[body["RegionName"]]
        return {"UserPoolReplica": self.replica_json(pool, body["RegionName"], "DELETING")}

    def limit(self, body):
        need(body, "LimitDefinition")
        definition = body["LimitDefinition"]
        category = (definition.get("Attributes") or {}).get("Category")
        if definition.get("LimitClass") != "API_CATEGORY" or category not in DEFAULT_LIMITS:
            raise invalid(f"Unknown limit: {json.dumps(definition)} (LimitClass API_CATEGORY with "
                          f"Attributes.Category one of {', '.join(sorted(DEFAULT_LIMITS))}).")
        return definition, (self.account, self.region, category)

    def provisioned(self, account, region, category):
        """The rate the account's category is held to (its provisioned value)."""
        return self.limits.get((account, region, category), DEFAULT_LIMITS[category])

    def limit_json(self, definition, key):
        free = DEFAULT_LIMITS[key[2]]
        return {"Limit": {"LimitDefinition": definition, "ProvisionedLimitValue": self.limits.get(key, free),
                          "FreeLimitValue": free}}

    def get_provisioned_limit(self, body):
        return self.limit_json(*self.limit(body))

    def update_provisioned_limit(self, body):
        need(body, "RequestedLimitValue")
        definition, key = self.limit(body)
        value = body["RequestedLimitValue"]
        if not isinstance(value, int) or value < DEFAULT_LIMITS[key[2]]:
            raise invalid(f"RequestedLimitValue must be at least the free limit, {DEFAULT_LIMITS[key[2]]}.")
        self.limits[key] = value
        return self.limit_json(definition, key)


def sign_jwt(pool, claims):
    """A token signed with the pool's key, as moto signs the tokens it issues."""
    from joserfc import jwt

    return jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, pool.json_web_key)


def self_signed(common_name):
    """A pool's SAML signing certificate: self-signed, base64 DER, as the service answers it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


# The operations this module serves, as the SDK names them (snake case) and as their API action.
OPERATIONS = (
    "create_user_pool_domain", "describe_user_pool_domain", "update_user_pool_domain",
    "add_user_pool_client_secret", "admin_delete_software_token", "admin_disable_provider_for_user",
    "admin_forget_device", "admin_get_device", "admin_get_user_auth_factors",
    "admin_link_provider_for_user", "admin_list_devices", "admin_list_user_auth_events",
    "admin_set_user_settings", "admin_update_auth_event_feedback", "admin_update_device_status",
    "complete_web_authn_registration", "confirm_device", "create_managed_login_branding",
    "create_terms", "create_user_pool_replica", "delete_managed_login_branding",
    "delete_resource_server", "delete_terms", "delete_user", "delete_user_attributes",
    "delete_user_pool_client_secret", "delete_user_pool_replica", "delete_web_authn_credential",
    "describe_managed_login_branding", "describe_managed_login_branding_by_client",
    "describe_risk_configuration", "describe_terms", "describe_terms_by_client", "forget_device",
    "get_client_token", "get_device", "get_identity_provider_by_identifier",
    "get_log_delivery_configuration", "get_provisioned_limit", "get_signing_certificate",
    "get_tokens_from_refresh_token", "get_ui_customization", "get_user_attribute_verification_code",
    "get_user_auth_factors", "list_devices", "list_tags_for_resource", "list_terms",
    "list_user_pool_client_secrets", "list_user_pool_replicas", "list_web_authn_credentials",
    "resend_confirmation_code", "revoke_token", "set_log_delivery_configuration",
    "set_risk_configuration", "set_ui_customization", "set_user_settings",
    "start_web_authn_registration", "tag_resource", "untag_resource", "update_auth_event_feedback",
    "update_device_status", "update_managed_login_branding", "update_provisioned_limit",
    "update_resource_server", "update_terms", "update_user_pool_replica", "verify_user_attribute",
)
_ACRONYMS = {"Ui": "UI"}
SERVED = {
    "".join(_ACRONYMS.get(p.capitalize(), p.capitalize()) for p in name.split("_")): name
    for name in OPERATIONS
}
assert all(callable(getattr(Extras, name, None)) for name in OPERATIONS)
