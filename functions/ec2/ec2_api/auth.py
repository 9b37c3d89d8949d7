"""Who is calling: SigV4 verification against the tenant secrets of the CredentialStore.

The access key id of the signature names a tenant; its secret comes from
``CredentialStore.signing_secret``. The tenant's *provider* credentials are looked up later, and only
if the chosen driver needs them, through the driver's ``DriverContext``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from deltacloud.credentials import CredentialStore, Tenant
from deltacloud.sigv4 import (
    IncompleteSignature,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureError,
    SignatureMismatch,
    SignedRequest,
    UnknownAccessKey,
    verify,
)

from .errors import Ec2Error

SERVICE = "ec2"

#: HTTP status of each signature error code, as EC2 answers them
_STATUS = {
    MissingAuthenticationToken.code: 401,
    IncompleteSignature.code: 400,
    SignatureMismatch.code: 403,
    RequestExpired.code: 400,
}


@dataclass(frozen=True)
class Caller:
    tenant: Tenant
    access_key_id: str
    region: str  # as the client scoped its signature: the region it believes it talks to


def authenticate(candidates: Iterable[SignedRequest], store: CredentialStore) -> Caller:
    """Verify the first candidate form of the request whose signature matches.

    Candidates are the same request as signed through different routes (behind API Gateway the
    stage-prefixed path, then the path the function sees); a mismatch on every one is rejected.
    """
    tenants: dict[str, Tenant | None] = {}
    secrets: dict[str, str | None] = {}

    def lookup(access_key_id: str) -> str | None:
        if access_key_id not in secrets:  # one credential-store lookup per request, whatever the candidates
            found = store.signing_secret(access_key_id)
            tenants[access_key_id] = found[0] if found else None
            secrets[access_key_id] = found[1] if found else None
        return secrets[access_key_id]

    mismatch: SignatureError | None = None
    for request in candidates:
        try:
            verified = verify(request, lookup)
        except SignatureMismatch as error:
            mismatch = error
            continue
        except SignatureError as error:
            raise signature_error(error) from None
        if verified.service != SERVICE:
            raise Ec2Error(
                SignatureMismatch.code, f"Credential should be scoped to correct service: '{SERVICE}'.", 403
            )
        tenant = tenants[verified.access_key_id]
        if tenant is None:  # cannot happen once verify() succeeded; never trust an assert for it
            raise signature_error(UnknownAccessKey())
        return Caller(tenant, verified.access_key_id, verified.region)
    raise signature_error(mismatch or MissingAuthenticationToken())


def signature_error(error: SignatureError) -> Ec2Error:
    return Ec2Error(error.code, error.message, _STATUS.get(error.code, 401))
