"""libcloud's exceptions translated into the core's typed errors, in one place for every provider.

Provider messages are passed on (they help the caller), cut short and never with credentials:
libcloud puts none in its exception texts, and the adapter adds none.
"""

import socket
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager

from deltacloud.drivers.typed_errors import BY_STATUS, provider_error, shortened, translating
from deltacloud.errors import (
    AuthenticationFailure,
    BackendError,
    BackendThrottled,
    BackendTimeout,
    BackendUnavailable,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    ValidationError,
)

#: HTTP status of a provider answer -> the typed error it means for the caller
_BY_STATUS: dict[int, type[DeltacloudError]] = {
    **BY_STATUS,
    413: BackendThrottled,  # OpenStack's over-limit answer
    429: BackendThrottled,
    503: BackendUnavailable,
    504: BackendTimeout,
}


def _from_status(status: int | None, message: str) -> DeltacloudError:
    if status is None:
        return BackendError(f"Provider error: {message}")
    return provider_error(_BY_STATUS.get(status), status, message)


def _said(error: BaseException) -> str:
    """What a libcloud storage error says; libcloud often leaves it None, which read "None"."""
    value = getattr(error, "value", None)
    return shortened(value) if value else ""


def translate(error: BaseException) -> DeltacloudError:
    """The typed error for an exception a libcloud driver (or the transport under it) raised."""
    import requests
    from libcloud.common.exceptions import BaseHTTPError
    from libcloud.common.types import InvalidCredsError, LibcloudError, ProviderError
    from libcloud.storage.types import (
        ContainerAlreadyExistsError,
        ContainerDoesNotExistError,
        ContainerIsNotEmptyError,
        InvalidContainerNameError,
        ObjectDoesNotExistError,
    )

    if isinstance(error, DeltacloudError):
        return error
    if isinstance(error, InvalidCredsError):
        return AuthenticationFailure()
    if isinstance(error, ContainerDoesNotExistError):
        return NotFound(_said(error) or f"Bucket '{getattr(error, 'container_name', '')}' not found")
    if isinstance(error, ObjectDoesNotExistError):
        return NotFound(_said(error) or f"Blob '{getattr(error, 'object_name', '')}' not found")
    if isinstance(error, ContainerAlreadyExistsError):
        return Conflict(_said(error) or f"Bucket '{getattr(error, 'container_name', '')}' already exists")
    if isinstance(error, ContainerIsNotEmptyError):
        return Forbidden("Delete operation not valid for non-empty bucket")
    if isinstance(error, InvalidContainerNameError):
        return ValidationError(_said(error) or "The bucket name is not valid for this cloud")
    if isinstance(error, (requests.exceptions.Timeout, socket.timeout, TimeoutError)):
        return BackendTimeout("The provider did not answer in time")
    if isinstance(error, (requests.exceptions.ConnectionError, ConnectionError, ssl.SSLError)):
        return BackendUnavailable("The provider could not be reached")
    if isinstance(error, BaseHTTPError):
        return _from_status(error.code, shortened(error.message))
    if isinstance(error, ProviderError):
        return _from_status(error.http_code, shortened(error.value))
    if isinstance(error, LibcloudError):
        return BackendError(f"Provider error: {shortened(error.value)}")
    return BackendError(f"Provider error: {shortened(error) or type(error).__name__}")


def provider_errors(*, refers: bool = False) -> AbstractContextManager[None]:
    """Run a block of libcloud calls; whatever escapes it is a typed error (``refers``: see :func:`translating`)."""
    return translating(translate, refers=refers)


def guarded_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A provider stream whose failures mid-way are typed errors too."""
    with provider_errors():
        yield from chunks
