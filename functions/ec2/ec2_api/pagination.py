"""``MaxResults`` / ``NextToken`` pagination over a listed, filtered result.

A paginated listing is ordered by id and the token names the last id returned, so a page boundary
stays correct when resources are created or deleted between pages (an offset would skip or repeat).
The token also names its action: one DescribeVolumes gave is refused by DescribeInstances, as EC2 does.
Without ``MaxResults`` or ``NextToken`` everything comes in one page, as EC2 does.
"""

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from .context import Ec2Call
from .errors import Ec2Error, invalid_value
from .protocol import Params

T = TypeVar("T")
_PREFIX = "dc1:"


def paginate(
    items: list[T], call: Ec2Call, key: Callable[[T], str], minimum: int = 5, maximum: int = 1000
) -> tuple[list[T], str | None]:
    """The page the request asks for and the token of the next one (None on the last page)."""
    params = call.params
    size = params.integer("MaxResults", minimum, maximum)
    token = params.text("NextToken")
    if size is None and not token:
        return items, None
    size = size or maximum
    ordered = sorted(items, key=key)
    if token:
        after = _decode(token, call.action)
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:size]
    return page, (_encode(key(page[-1]), call.action) if len(ordered) > size else None)


def reject_with_ids(params: Params, ids_param: str, ids: list[str]) -> None:
    """EC2 refuses MaxResults together with an explicit id list."""
    if ids and "MaxResults" in params:
        raise Ec2Error(
            "InvalidParameterCombination",
            f"The parameter {ids_param} cannot be used with the parameter MaxResults",
        )


def _encode(last_key: str, action: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{action}:{last_key}".encode()).decode()


def _decode(token: str, action: str) -> str:
    """The last key a token of ``action`` names."""
    try:
        decoded = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid_value("NextToken", token, "The token is not valid.") from None
    prefix = f"{_PREFIX}{action}:"
    if not decoded.startswith(prefix):
        raise invalid_value("NextToken", token, "The token is not valid.")
    return decoded[len(prefix):]
