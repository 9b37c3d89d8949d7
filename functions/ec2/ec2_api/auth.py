"""Who is calling: SigV4 verification against the tenant secrets of the CredentialStore.

The access key id of the signature names a tenant; its secret comes from
``CredentialStore.signing_secret``. The tenant's *provider* credentials are looked up later, and only
if the chosen driver needs them, through the driver's ``DriverContext``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from deltacloud import sigv4
from deltacloud.credentials import CredentialStore, Tenant
from deltacloud.sigv4_events import verify_tenant

from .errors import Ec2Error

SERVICE = "ec2"

#: HTTP status of each signature error code, as EC2 answers them
_STATUS = {
    sigv4.MissingAuthenticationToken.code: 401,
    sigv4.IncompleteSignature.code: 400,
    sigv4.SignatureMismatch.code: 403,
    sigv4.RequestExpired.code: 400,
}


@dataclass(frozen=True)
class Caller:
    tenant: Tenant
    access_key_id: str
    region: str  # as the client scoped its signature: the region it believes it talks to


def authenticate(candidates: Iterable[sigv4.SignedRequest], store: CredentialStore) -> Caller:
    """The caller whose signature one candidate form of the request carries (see ``verify_tenant``),
    scoped to the EC2 service; an ``Ec2Error`` otherwise."""
    try:
        tenant, verified = verify_tenant(candidates, store)
    except sigv4.SignatureError as error:
        raise signature_error(error) from None
    if verified.service != SERVICE:
        raise Ec2Error(
            sigv4.SignatureMismatch.code, f"Credential should be scoped to correct service: '{SERVICE}'.", 403
        )
    return Caller(tenant, verified.access_key_id, verified.region)


def signature_error(error: sigv4.SignatureError) -> Ec2Error:
    return Ec2Error(error.code, error.message, _STATUS.get(error.code, 401))
