"""What the drivers' translations of their SDKs' failures into :mod:`deltacloud.errors` share.

Each driver knows its own SDK's exceptions and codes; these are the parts that are the same for
every one: provider messages made fit for the caller, what an HTTP status means, and running a
block of SDK calls so that whatever escapes it is a typed error. Imports no SDK.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from deltacloud.errors import (
    AuthenticationFailure,
    BackendError,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    ValidationError,
)

_MESSAGE_LIMIT = 300

#: HTTP status of a provider's answer -> the typed error it means for the caller
BY_STATUS: dict[int, type[DeltacloudError]] = {
    400: ValidationError, 401: AuthenticationFailure, 403: Forbidden, 404: NotFound, 409: Conflict,
}


def shortened(text: object) -> str:
    """A provider's message on one line and cut short: it goes to the caller, and may be a whole page."""
    message = " ".join(str(text).split())
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 3] + "..."


def unlisted_status(status: int) -> type[DeltacloudError]:
    """The typed error for a status no table names: the provider's own failure (5xx) or the caller's mistake."""
    return BackendError if status >= 500 else ValidationError


def provider_error(error_class: type[DeltacloudError] | None, status: int, message: str) -> DeltacloudError:
    """``error_class`` (None: the one ``status`` means) with the provider's message; a 502 names the status."""
    error_class = error_class or BY_STATUS.get(status) or unlisted_status(status)
    if error_class is BackendError:
        return BackendError(f"Provider error ({status}): {message}")
    return error_class(message)


@contextmanager
def translating(
    translate: Callable[[Exception], DeltacloudError], *, refers: bool = False, hide_cause: bool = False
) -> Iterator[None]:
    """Run a block of SDK calls; whatever escapes it is the typed error ``translate`` makes of it.

    ``refers``: the block's calls only name other resources (a launch names its image, key and
    groups), so one that does not exist is the caller's mistake (400), not a missing resource (404).
    ``hide_cause``: the SDK's exception is not chained to the typed one (its text may name the user).
    """
    try:
        yield
    except Exception as error:  # every SDK failure must reach the caller as a typed error
        typed = error if isinstance(error, DeltacloudError) else translate(error)
        if refers and isinstance(typed, NotFound):
            raise ValidationError(typed.message) from None
        if typed is error:
            raise
        raise typed from (None if hide_cause else error)


@contextmanager
def listing() -> Iterator[None]:
    """Run a block that lists a whole collection: it names no resource, so the provider answering "not
    found" is its own failure (a wrong endpoint or project), never the caller's (a 404 on
    ``GET /api/instances`` read as if the API had no such collection)."""
    try:
        yield
    except NotFound as error:
        raise BackendError(f"Provider error (404): {error.message}") from error
