"""What every collection's routes share: index filters and the 404 for a missing member."""

from typing import TypeVar

from deltacloud.errors import NotFound

from .context import Call

T = TypeVar("T")


def filters(call: Call) -> dict[str, str]:
    """Index filters: every request parameter except the framework's own."""
    return {k: v for k, v in call.params.items() if k not in ("format", "force_auth")}


def found(item: T | None) -> T:
    if item is None:
        raise NotFound()
    return item


def optional(call: Call, name: str) -> str | None:
    """A parameter whose empty value means "not given" (HTML forms send empty fields)."""
    return call.params.get(name) or None
