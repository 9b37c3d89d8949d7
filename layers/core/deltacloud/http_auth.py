"""HTTP Basic authentication, shared by every front-end that takes it (classic API, CIMI).

A request is identified lazily: a route whose driver never needs credentials works without any,
and an ``Authorization`` header is only checked when a driver asks who is calling.
"""

import base64
import socket

from .credentials import Tenant
from .errors import AuthenticationFailure
from .runtime import get_runtime

HOSTNAME = socket.gethostname()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Decode ``Authorization: Basic``; tolerant of the trailing newline Ruby's encode64 adds."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode("".join(token.split()), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and a non-ASCII token (b64decode refuses it)
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def identify_tenant(authorization: str | None) -> Tenant | None:
    """The tenant behind a request's ``Authorization`` header.

    None when no credentials were sent (the caller answers 401 only if it needs them);
    AuthenticationFailure when they were sent and rejected. ``API_USER``/``API_PASSWORD``, when
    both are set, replace whatever the client sent (the original's behaviour).
    """
    runtime = get_runtime()
    settings = runtime.settings
    if settings.forced_user and settings.forced_password:
        supplied: tuple[str, str] | None = (settings.forced_user, settings.forced_password)
    else:
        supplied = basic_credentials(authorization)
    if supplied is None:
        return None
    tenant = runtime.credential_store.authenticate(*supplied)
    if tenant is None:
        raise AuthenticationFailure()
    return tenant


def basic_challenge(driver: str) -> str:
    """The ``WWW-Authenticate`` value of a 401, naming the driver as the original did."""
    return f'Basic realm="{driver}-deltacloud@{HOSTNAME}"'
