"""Every piece of moto's internals the emulator uses, and nothing else: the one place to look
when moto changes.

moto's server is a public, documented interface; the modules below are not. The emulator
reaches into them to keep import jobs and sign-in beside moto's own state (its user pools,
users, IAM roles and CloudWatch Logs), so it is tested with one range of moto versions only:
MOTO_TESTED, which `.ci/run` and the README install. Outside it the emulator still starts,
and says so on stderr.
"""

import sys

import moto
from moto.cognitoidp.models import CognitoIdpUser, UserStatus, cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError
from moto.iam.models import get_account_id_from
from moto.logs.models import logs_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def served_by_moto():
    """The operations moto's server answers, per service, as snake-case names (its response
    classes' methods: moto dispatches an action to the method of that name)."""
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.iam.responses import IamResponse
    from moto.logs.responses import LogsResponse
    from moto.sts.responses import TokenResponse

    classes = {"cognito-idp": CognitoIdpResponse, "iam": IamResponse, "logs": LogsResponse, "sts": TokenResponse}
    return {
        service: sorted(n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n)))
        for service, cls in classes.items()
    }


def keep_user_settings():
    """moto answers every user's `MFAOptions` as []: answer what AdminSetUserSettings or
    SetUserSettings stored (kept by extras.py as the user's `_runbook_mfa_options`)."""
    original = CognitoIdpUser.to_json

    def to_json(self, extended=False, attributes_key="Attributes", attributes_to_get=None):
        answer = original(self, extended, attributes_key, attributes_to_get)
        if extended and "_runbook_mfa_options" in self.__dict__:
            answer["MFAOptions"] = self.__dict__["_runbook_mfa_options"]
        return answer

    CognitoIdpUser.to_json = to_json

# The moto versions the emulator is tested with: >= MOTO_TESTED[0], < MOTO_TESTED[1].
MOTO_TESTED = ((5, 2, 1), (5, 3))


def reset_all():
    """moto's own reset of every backend (its /moto-api/reset)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _version(text):
    parts = []
    for part in text.split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_version():
    """Says on stderr when the installed moto is outside the tested range."""
    found = _version(getattr(moto, "__version__", "0"))
    low, high = MOTO_TESTED
    if not (low <= found < high):
        shown = ".".join(map(str, low)), ".".join(map(str, high))
        print(
            f"runbook emulator: warning: moto {moto.__version__} is installed; the emulator is "
            f"tested with moto >={shown[0]},<{shown[1]} (pip install 'moto[server]>={shown[0]},<{shown[1]}')",
            file=sys.stderr,
        )


__all__ = [
    "CognitoIdpUser",
    "DEFAULT_ACCOUNT_ID",
    "DomainDispatcherApplication",
    "JsonRESTError",
    "MOTO_TESTED",
    "UserStatus",
    "check_version",
    "cognitoidp_backends",
    "create_backend_app",
    "get_account_id_from",
    "keep_user_settings",
    "logs_backends",
    "reset_all",
    "served_by_moto",
]
