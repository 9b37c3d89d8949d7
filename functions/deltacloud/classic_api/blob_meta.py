"""Blob user metadata on the wire: ``X-Deltacloud-Blobmeta-<name>`` headers and form fields (spec §7.10).

Every name must be usable as an HTTP header name and every value as a header value, because HEAD
and metadata updates echo them back as headers; anything else is refused up front (400) rather
than stored and broken later.
"""

import re
from collections.abc import Iterable, Mapping

from deltacloud.errors import ValidationError

HEADER_PREFIX = "X-Deltacloud-Blobmeta-"
_HEADER = re.compile(r"x[-_]deltacloud[-_]blobmeta[-_](.*)$", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_VALUE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*$")
#: user metadata per blob, names and values together (S3 allows 2 KB; headers must stay small)
MAX_TOTAL = 8 * 1024
MAX_PAIRS = 100


def _checked(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for raw_name, value in pairs:
        if not _NAME.match(raw_name):
            raise ValidationError(f"Blob metadata name {raw_name!r} is not valid: use letters, digits, '.', '_' "
                                  "and '-' (starting with a letter or digit, at most 128 characters)")
        name = raw_name.lower()
        if name in metadata:
            raise ValidationError(f"Blob metadata name {raw_name!r} is given twice")
        if not _VALUE.match(value):
            raise ValidationError(f"The value of blob metadata {raw_name!r} contains characters a header cannot "
                                  "carry (control characters or non-Latin-1 text)")
        metadata[name] = value.strip()
    if sum(len(k) + len(v) for k, v in metadata.items()) > MAX_TOTAL:
        raise ValidationError(f"Blob metadata is larger than {MAX_TOTAL} bytes")
    return metadata


def from_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Metadata from request headers; names are stored lower-cased, as the original mock did."""
    return _checked((match.group(1), value) for name, value in headers if (match := _HEADER.match(name)))


def from_form(fields: Mapping[str, str]) -> dict[str, str]:
    """Metadata from ``meta_params=N`` and the pairs ``meta_name<i>`` / ``meta_value<i>`` of a form."""
    count = fields.get("meta_params") or "0"
    if not (count.isascii() and count.isdigit()) or int(count) > MAX_PAIRS:
        raise ValidationError(f"meta_params must be the number of metadata pairs (at most {MAX_PAIRS}), "
                              f"not {count!r}")
    pairs = []
    for i in range(1, int(count) + 1):
        name = fields.get(f"meta_name{i}")
        if name is None:
            raise ValidationError(f"meta_params is {count} but meta_name{i} is missing")
        if not name and not fields.get(f"meta_value{i}"):
            continue  # a row the browser console's upload form left empty
        pairs.append((name, fields.get(f"meta_value{i}", "")))
    return _checked(pairs)


def raw_headers(metadata: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """Response headers for the metadata, the name's case kept as stored (seed ``SOMENEWKEY``)."""
    return [(f"{HEADER_PREFIX}{name}".encode("latin-1"), value.encode("latin-1")) for name, value in metadata.items()]
