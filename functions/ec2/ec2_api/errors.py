"""EC2 error codes, and how the core's typed errors become them.

A client sees ``Response/Errors/Error/{Code,Message}`` (see :mod:`ec2_api.responses`). The code depends
on what the failing call was about: a core ``NotFound`` is ``InvalidInstanceID.NotFound`` for an
instance and ``InvalidKeyPair.NotFound`` for a key pair, so each action names its resource kind.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from deltacloud.errors import (
    ActionNotAllowed,
    AuthenticationFailure,
    AuthenticationRequired,
    BackendError,
    BackendThrottled,
    BackendTimeout,
    Conflict,
    DeltacloudError,
    Forbidden,
    MissingParameter,
    NotFound,
    NotSupported,
    ValidationError,
)


class Ec2Error(Exception):
    """An error answered in EC2's format. ``message`` is shown to the caller: never put a secret in it."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


def missing_parameter(name: str) -> Ec2Error:
    return Ec2Error("MissingParameter", f"The request must contain the parameter {name}")


def unknown_parameter(name: str) -> Ec2Error:
    # The name only, never its value (it may be a secret sent under a mistyped name).
    return Ec2Error("UnknownParameter", f"The parameter {name[:100]} is not recognized")


def invalid_value(name: str, value: str, why: str = "") -> Ec2Error:
    shown = value if len(value) <= 100 else value[:100] + "..."
    return Ec2Error("InvalidParameterValue", f"Invalid value '{shown}' for {name}.{' ' + why if why else ''}")

T = TypeVar("T")


def unsupported(what: str, driver: str) -> Ec2Error:
    return Ec2Error("UnsupportedOperation", f"The '{driver}' back-end does not support {what}.")


@dataclass(frozen=True)
class ResourceKind:
    """How errors about one kind of resource are worded (EC2's codes, libcloud-parsable messages)."""

    label: str  # "instance ID", "key pair", ...
    not_found: str
    duplicate: str = "InvalidParameterValue"
    wrong_state: str = "IncorrectState"

    @property
    def has_unique_names(self) -> bool:
        """Whether a conflict about this kind is a duplicate name (its own code), else a state forbidding the action."""
        return self.duplicate != "InvalidParameterValue"

    def missing(self, *ids: str) -> Ec2Error:
        # libcloud takes the first single-quoted word of the message as the missing name.
        if len(ids) == 1:
            return Ec2Error(self.not_found, f"The {self.label} '{ids[0]}' does not exist")
        return Ec2Error(self.not_found, f"The {self.label}s '{', '.join(ids)}' do not exist")

    def requested(self, items: list[T], ids: list[str], key: Callable[[T], str]) -> list[T]:
        """The items a Describe call named by id (all of them when it named none); every named id
        must exist, as EC2 answers ``<Kind>.NotFound`` rather than a shorter list."""
        if not ids:
            return items
        found = {key(item) for item in items}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise self.missing(*missing)
        return [item for item in items if key(item) in ids]


INSTANCE = ResourceKind("instance ID", "InvalidInstanceID.NotFound", wrong_state="IncorrectInstanceState")
IMAGE = ResourceKind("image id", "InvalidAMIID.NotFound", duplicate="InvalidAMIName.Duplicate")
KEY_PAIR = ResourceKind("key pair", "InvalidKeyPair.NotFound", duplicate="InvalidKeyPair.Duplicate")
VOLUME = ResourceKind("volume", "InvalidVolume.NotFound")
SNAPSHOT = ResourceKind("snapshot", "InvalidSnapshot.NotFound")
ADDRESS = ResourceKind("address", "InvalidAllocationID.NotFound")
GROUP = ResourceKind("security group", "InvalidGroup.NotFound", duplicate="InvalidGroup.Duplicate")
ZONE = ResourceKind("availability zone", "InvalidParameterValue")
INSTANCE_TYPE = ResourceKind("instance type", "InvalidInstanceType")
RESOURCE = ResourceKind("ID", "InvalidID")


def from_core(error: DeltacloudError, kind: ResourceKind | None, driver: str) -> Ec2Error:
    """The EC2 error for a core error raised while serving an action about ``kind``."""
    message = error.message
    if isinstance(error, MissingParameter):
        return missing_parameter(error.name)
    if isinstance(error, ValidationError):  # includes UnknownDriver / UnknownProvider
        return Ec2Error("InvalidParameterValue", message)
    if isinstance(error, AuthenticationRequired | AuthenticationFailure):
        return Ec2Error("AuthFailure", f"This tenant's credentials for the '{driver}' back-end fail: {message}", 401)
    if isinstance(error, Forbidden):
        if kind is not None and kind.has_unique_names:
            return Ec2Error(kind.duplicate, message)  # the mock answers a duplicate key pair with 403
        return Ec2Error("UnauthorizedOperation", message, 403)
    if isinstance(error, NotFound):
        return Ec2Error(kind.not_found if kind else "InvalidID", message)
    if isinstance(error, ActionNotAllowed):
        return Ec2Error(kind.wrong_state if kind else "IncorrectState", message)
    if isinstance(error, Conflict):  # a cloud's "in use" or "busy", or a request racing another one
        if kind is None:
            return Ec2Error("IncorrectState", message)
        return Ec2Error(kind.duplicate if kind.has_unique_names else kind.wrong_state, message)
    if isinstance(error, NotSupported):
        return unsupported(f"'{error.capability}'", driver)
    if isinstance(error, BackendThrottled):
        return Ec2Error("RequestLimitExceeded", message, 503)
    if isinstance(error, BackendTimeout):
        return Ec2Error("Unavailable", f"The '{driver}' back-end did not answer in time: {message}", 504)
    if isinstance(error, BackendError):
        return Ec2Error("Unavailable", f"The '{driver}' back-end failed: {message}", 502)
    return Ec2Error("InternalError", message, error.status if error.status >= 500 else 500)
