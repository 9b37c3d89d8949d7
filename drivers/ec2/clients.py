"""boto3 clients, made once per credentials and region and reused by every request.

Creating a boto3 session and client costs tens of milliseconds and opens a connection pool, so
clients live in a process-wide pool keyed by a digest of the credentials (never the secrets
themselves), the service, the region and the endpoint configuration. Endpoints are botocore's
own business: it honours ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` like every AWS
SDK, which is how tests and S3/EC2-compatible clouds point the driver elsewhere.

Every call goes through :meth:`AwsSession.call`: bounded connect/read timeouts, botocore's own
retries switched off in favour of one policy (throttling and AWS's transient failures retried
with jittered exponential backoff), and every failure translated by :mod:`.errors`.
"""

import hashlib
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from deltacloud.aws_clients import error_code
from deltacloud.config import Settings
from deltacloud.credentials import ProviderCredentials
from deltacloud.errors import AuthenticationFailure, NotFound, ValidationError

from .errors import is_not_found, is_retryable, translate

#: attempts for a throttled call, and the backoff between them (seconds, before jitter)
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.2
BACKOFF_CAP = 2.0
#: credential sets whose clients are kept (least recently used beyond this are dropped)
POOL_SIZE = 64
#: refresh assumed-role credentials this long before AWS expires them
ROLE_REFRESH_MARGIN = 300.0


@dataclass(frozen=True)
class AwsCredentials:
    """The caller's AWS identity, from the CredentialStore. Secrets stay out of ``repr``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)

    @classmethod
    def from_provider(cls, credentials: ProviderCredentials) -> "AwsCredentials":
        """Accept ``access_key_id``/``secret_access_key`` or, as HTTP Basic gives them, ``username``/``password``."""
        key = credentials.get("access_key_id") or credentials.username
        secret = credentials.get("secret_access_key") or credentials.password
        if not key or not secret:
            raise AuthenticationFailure("AWS credentials need an access key id and a secret access key")
        return cls(key, secret, credentials.get("session_token") or None, credentials.get("role_arn") or None,
                   credentials.get("external_id") or None)

    def digest(self) -> str:
        material = "\0".join(v or "" for v in (self.access_key_id, self.secret_access_key, self.session_token,
                                                self.role_arn, self.external_id))
        return hashlib.sha256(material.encode()).hexdigest()

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in an error message."""
        return tuple(s for s in (self.secret_access_key, self.session_token, self.access_key_id) if s)


def endpoint_configuration() -> tuple[tuple[str, str], ...]:
    """The endpoint overrides botocore will read: part of the pool key, so a change takes effect."""
    return tuple(sorted((k, v) for k, v in os.environ.items()
                        if k.startswith("AWS_ENDPOINT_URL") or k == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))


@dataclass
class _Identity:
    """One credential set's boto3 session (after role assumption) and its clients."""

    session: Any
    expires_at: float | None
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh(self) -> bool:
        return self.expires_at is None or self.expires_at - time.time() > ROLE_REFRESH_MARGIN


class ClientPool:
    """Process-wide cache of boto3 clients; thread-safe (boto3 sessions are not, clients are)."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self._size = size
        self._identities: OrderedDict[tuple[object, ...], _Identity] = OrderedDict()
        self._lock = threading.Lock()

    def client(self, credentials: AwsCredentials, service: str, region: str) -> Any:
        timeout = Settings.from_env().backend_timeout
        identity = self._identity(credentials, region, timeout)
        with identity.lock:
            client = identity.clients.get((service, region))
            if client is None:
                client = identity.session.client(service, region_name=region, config=_config(service, timeout))
                identity.clients[(service, region)] = client
            return client

    def _identity(self, credentials: AwsCredentials, region: str, timeout: float) -> _Identity:
        key = (credentials.digest(), endpoint_configuration(), timeout)
        with self._lock:
            known = self._identities.get(key)
            if known is not None and known.fresh():
                self._identities.move_to_end(key)
                return known
        opened = self._open(credentials, region, timeout)  # outside the lock: it may call STS
        with self._lock:
            known = self._identities.get(key)
            if known is not None and known.fresh():  # another request got there first
                return known
            self._identities[key] = opened
            while len(self._identities) > self._size:
                self._identities.popitem(last=False)
            return opened

    def _open(self, credentials: AwsCredentials, region: str, timeout: float) -> _Identity:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )
        if credentials.role_arn is None:
            return _Identity(session, None)
        sts = session.client("sts", region_name=region, config=_config("sts", timeout))
        params: dict[str, Any] = {"RoleArn": credentials.role_arn, "RoleSessionName": "deltacloud-proxy"}
        if credentials.external_id:
            params["ExternalId"] = credentials.external_id
        temporary = _attempt(lambda: sts.assume_role(**params), credentials.secrets())["Credentials"]
        assumed = boto3.session.Session(
            aws_access_key_id=temporary["AccessKeyId"],
            aws_secret_access_key=temporary["SecretAccessKey"],
            aws_session_token=temporary["SessionToken"],
        )
        expires_at = temporary["Expiration"].timestamp()  # botocore parses it into a datetime
        return _Identity(assumed, expires_at)


def _config(service: str, timeout: float) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=min(timeout, 5.0),
        read_timeout=timeout,
        retries={"total_max_attempts": 1},  # one retry policy, ours: see _attempt
        signature_version="s3v4" if service == "s3" else None,  # SigV4 presigned URLs work in every region
        user_agent_extra="deltacloud-proxy",
    )


#: the pool every driver instance of this process shares
CLIENTS = ClientPool()


def _attempt(
    action: Callable[[], Any], secrets: tuple[str, ...], *, absent: frozenset[str] | None = None,
    refers: bool = False,
) -> Any:
    """Run ``action``; retry throttling with jittered backoff; translate every failure.

    With ``absent`` given, an unknown or malformed id (or one of those extra codes) gives None.
    With ``refers``, the call only names other resources in its parameters, so an unknown one
    is the client's mistake (400), not a missing resource at the URL (404).
    """
    for attempt in range(MAX_ATTEMPTS):
        try:
            return action()
        except Exception as error:  # every botocore failure is translated, nothing escapes raw
            if absent is not None and (is_not_found(error) or error_code(error) in absent):
                return None
            if is_retryable(error) and attempt + 1 < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))
                continue
            translated = translate(error, secrets)
            if refers and isinstance(translated, NotFound):
                translated = ValidationError(translated.message)
            raise translated from None
    raise AssertionError("unreachable")


class AwsSession:
    """One request's view of AWS: the caller's credentials and region over the shared pool."""

    def __init__(self, credentials: AwsCredentials, region: str, pool: ClientPool = CLIENTS) -> None:
        self.credentials = credentials
        self.region = region
        self._pool = pool

    def client(self, service: str, region: str | None = None) -> Any:
        secrets = self.credentials.secrets()
        return _attempt(lambda: self._pool.client(self.credentials, service, region or self.region), secrets)

    def call(
        self, service: str, operation: str, *, region: str | None = None, refers: bool = False, **params: Any
    ) -> dict[str, Any]:
        """One AWS API call (``operation`` in boto3's snake_case), with retries and typed errors.

        ``refers``: an unknown id in the parameters is a 400 (see :func:`_attempt`).
        """
        client = self.client(service, region)
        return _attempt(lambda: getattr(client, operation)(**params), self.credentials.secrets(), refers=refers)

    def find(
        self, service: str, operation: str, *, absent: tuple[str, ...] = (), **params: Any
    ) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when AWS says the id is unknown or malformed (a show route's 404)."""
        client = self.client(service)
        return _attempt(lambda: getattr(client, operation)(**params), self.credentials.secrets(),
                        absent=frozenset(absent))

    def items(self, service: str, operation: str, result_key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated listing (botocore's paginator follows the tokens)."""
        client = self.client(service)

        def collect() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            for page in client.get_paginator(operation).paginate(**params):
                found.extend(page.get(result_key, []))
            return found

        return _attempt(collect, self.credentials.secrets())

    def stream(self, body: Any, chunk_size: int) -> Iterator[bytes]:
        """Chunks of a streaming response body; a failure mid-stream is translated too."""
        try:
            yield from body.iter_chunks(chunk_size)
        except Exception as error:
            raise translate(error, self.credentials.secrets()) from None
        finally:
            body.close()
