"""Names a client picks that become a resource's id, and so one segment of a URL path."""

import re
from functools import lru_cache
from urllib.parse import quote

from .errors import ValidationError

#: what may not be in such a name: '/', ';' and the control characters (Unicode category Cc)
_CONTROLS = "\x00-\x1f\x7f-\x9f"
_UNADDRESSABLE = re.compile(f"[/;{_CONTROLS}]")
_CONTROL = re.compile(f"[{_CONTROLS}]")
#: segments a URL normalises away (``/b/..`` is ``/``): never an id
_DOT_SEGMENTS = (".", "..")


def is_path_segment(name: str) -> bool:
    """Whether ``name`` can be one URL path segment, and so a resource's id."""
    return bool(name.strip()) and name not in _DOT_SEGMENTS and _UNADDRESSABLE.search(name) is None


#: what no cloud's id holds, and what an SDK pasting ids into URL paths would send as path or query syntax
_NOT_IN_PLAIN_IDS = re.compile(f"[/?#%\\\\{_CONTROLS}]")


def is_plain_id(text: str) -> bool:
    """Whether ``text`` could be an id that SDKs paste into URL paths as it is (Nova's servers, libcloud's
    ``get_image``, oVirt's services): one segment without '?', '#', '%' or '\\'. Anything else would reach
    another resource (``../hosts/1``) or add a query, with the tenant's credentials; no cloud issues such
    ids, so one names nothing."""
    return bool(text) and text not in _DOT_SEGMENTS and _NOT_IN_PLAIN_IDS.search(text) is None


def may_be_an_id(text: str) -> bool:
    """Whether an id taken from a request's path may name a resource: no id holds a control character
    (a cloud's SDK would send it on, and blame the cloud's answer)."""
    return _CONTROL.search(text) is None


def path_segment_name(name: str, kind: str) -> str:
    """``name``, when it can be one URL path segment; else ValidationError. A resource named otherwise
    could be created and then never be shown or deleted again through a URL (``/api/keys/a/b``)."""
    if not is_path_segment(name):
        raise ValidationError(f"{kind} name {name!r} must not be blank, '.' or '..', or contain '/', ';' or "
                              "control characters")
    return name


@lru_cache(maxsize=4096)
def url_segment(text: str) -> str:
    """``text`` as one URL path segment (or query or matrix value): an id may hold any character (``?``,
    ``#``, ``/``, ``;``, a space, Cyrillic), so all is percent-encoded but unreserved characters and those
    a segment may hold that mean nothing in a query or matrix value (``:@,!$'()*``). Cached: a listing
    builds the same few thousand URLs over and over."""
    return quote(text, safe=":@,!$'()*")
