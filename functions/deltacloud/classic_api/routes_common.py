"""What every collection's routes share: index filters and the 404 for a missing member."""

from typing import TypeVar

from deltacloud.errors import NotFound, ValidationError

from .context import Call

T = TypeVar("T")


def filters(call: Call) -> dict[str, str]:
    """Index filters: every request parameter except the framework's own."""
    return {k: v for k, v in call.params.items() if k not in ("format", "force_auth")}


def found(item: T | None) -> T:
    if item is None:
        raise NotFound()
    return item


def member_name(name: str, kind: str) -> str:
    """A name the client picks for a new member that becomes its id: it must fit one URL path segment of
    this API, or the member, once created, could never be shown or deleted here again (other front-ends,
    EC2's key pairs say, may allow such names on the same cloud)."""
    if not name.strip() or any(c in "/;" or ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError(f"{kind} name {name!r} must not be blank or contain '/', ';' or control characters")
    return name


def optional(call: Call, name: str) -> str | None:
    """A parameter whose empty value means "not given" (HTML forms send empty fields)."""
    return call.params.get(name) or None
