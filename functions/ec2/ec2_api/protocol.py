"""The EC2 Query protocol: ``Action``, ``Version`` and flat parameters from a form POST or a GET query.

Lists and structures are flattened into dotted names: ``InstanceId.1``, ``Filter.2.Value.1``,
``TagSpecification.1.Tag.3.Key``. :class:`Params` reads them back. Indexes are compared as numbers
and need not start at 1 (libcloud numbers some lists from 0).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

from deltacloud.xml_escape import representable

from .errors import Ec2Error, invalid_value, missing_parameter

#: authentication parameters: they belong to the signature, not to the action
_AUTH_PARAMS = frozenset({
    "AWSAccessKeyId", "Signature", "SignatureVersion", "SignatureMethod", "Timestamp", "Expires",
    "SecurityToken", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
})
_INDEXED = re.compile(r"(\d{1,6})(?:\.(.+))?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FORM = "application/x-www-form-urlencoded"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True)
class Query:
    """One EC2 request: its action, the API version asked for, and the action's parameters."""

    action: str | None
    version: str | None
    params: "Params"


def parse_query(query_string: str, body: bytes, content_type: str) -> Query:
    """Merge the query string and a url-encoded body (the body wins); MalformedQueryString if undecodable."""
    merged = _unique(_pairs(query_string))
    media_type = content_type.split(";", 1)[0].strip().lower()  # media types are case-insensitive
    if body and media_type in ("", _FORM):
        try:
            merged.update(_unique(_pairs(body.decode("utf-8"))))
        except UnicodeDecodeError:
            raise Ec2Error("MalformedQueryString", "The request body is not valid UTF-8 url-encoded form data.") \
                from None
    elif body:
        raise Ec2Error(
            "InvalidParameterValue",
            f"Unsupported Content-Type '{content_type[:60]}': send application/x-www-form-urlencoded",
        )
    for name, value in merged.items():
        if not (representable(name) and representable(value)):
            # Stored as sent, it could never be shown as sent: a tag key or name that no later call can match.
            # the name as sent: the error document escapes it (and drops what XML cannot carry) itself
            raise Ec2Error("InvalidParameterValue", f"The parameter '{name[:100]}' contains control characters.")
    action = merged.pop("Action", None)
    version = merged.pop("Version", None)
    for name in _AUTH_PARAMS.intersection(merged):
        del merged[name]
    return Query(action or None, version or None, Params(merged))


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The parameters as a dict; a name given twice is refused rather than one of its values dropped."""
    flat: dict[str, str] = {}
    for name, value in pairs:
        if name in flat:
            raise Ec2Error("InvalidParameterValue", f"The parameter '{name[:100]}' is given more than once.")
        flat[name] = value
    return flat


def _pairs(encoded: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(encoded, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Ec2Error("MalformedQueryString", "The query string is not valid UTF-8 url-encoded data.") from None


class Params:
    """Typed access to an action's flat parameters; every reader raises an EC2 error for bad input."""

    def __init__(self, flat: dict[str, str]) -> None:
        self.flat = flat

    def __contains__(self, name: str) -> bool:
        return name in self.flat

    def names(self) -> list[str]:
        return list(self.flat)

    def text(self, name: str) -> str | None:
        return self.flat.get(name)

    def required(self, name: str) -> str:
        value = self.flat.get(name)
        if value is None or value == "":
            raise missing_parameter(name)
        return value

    def integer(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        raw = self.flat.get(name)
        if raw is None:
            return None
        try:
            if not _INTEGER.fullmatch(raw):  # int() would also take " 1 ", "1_0" and non-ASCII digits
                raise ValueError(raw)
            number = int(raw)
        except ValueError:
            raise invalid_value(name, raw, "It must be an integer.") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise invalid_value(name, raw, f"It must be {bounds}.")
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.flat.get(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise invalid_value(name, raw, "It must be true or false.")

    def values(self, name: str) -> list[str]:
        """A list parameter ``Name.N`` in index order, or a bare ``Name`` as its one value (libcloud sends some)."""
        found = sorted((index, value) for index, rest, value in self._indexed(name) if rest is None)
        if name in self.flat:
            if found:  # neither may be dropped, and no order between them says which comes first
                raise Ec2Error("InvalidParameterCombination",
                               f"The parameter {name[:100]} cannot be used with the parameter {name[:100]}.N")
            return [self.flat[name]]
        return [value for _, value in found]

    def structs(self, name: str) -> list["Params"]:
        """A list of structures ``Name.N.Field...`` in index order, each as its own Params."""
        groups: dict[int, dict[str, str]] = {}
        for index, rest, value in self._indexed(name):
            if rest is not None:
                groups.setdefault(index, {})[rest] = value
        return [Params(groups[index]) for index in sorted(groups)]

    def _indexed(self, name: str) -> Iterator[tuple[int, str | None, str]]:
        prefix = name + "."
        for key, value in self.flat.items():
            if key.startswith(prefix):
                match = _INDEXED.fullmatch(key[len(prefix):])
                if match:
                    yield int(match.group(1)), match.group(2), value

    def filters(self) -> dict[str, list[str]]:
        """``Filter.N.Name`` / ``Filter.N.Value.M`` as name -> values (a repeated name ORs its values)."""
        result: dict[str, list[str]] = {}
        for entry in self.structs("Filter"):
            name = entry.text("Name")
            if not name:
                raise missing_parameter("Filter.N.Name")
            values = entry.values("Value")
            if not values:
                raise Ec2Error("InvalidParameterValue", f"The filter '{name[:100]}' must have at least one value.")
            result.setdefault(name, []).extend(values)
        return result

    def tags(self, name: str = "Tag") -> dict[str, str]:
        """``Tag.N.Key`` / ``Tag.N.Value`` as a dict (a missing value is the empty string, as in EC2)."""
        tags: dict[str, str] = {}
        for entry in self.structs(name):
            key = entry.text("Key")
            if key is None:
                raise missing_parameter(f"{name}.N.Key")
            check_tag(key, entry.text("Value") or "")
            tags[key] = entry.text("Value") or ""
        return tags


def check_tag(key: str, value: str) -> None:
    """EC2's tag limits: a non-empty key of at most 128 characters, a value of at most 256."""
    if not key or len(key) > 128:
        raise Ec2Error("InvalidParameterValue", "Tag keys must be between 1 and 128 characters long.")
    if key.lower().startswith("aws:"):
        raise Ec2Error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use.")
    if len(value) > 256:
        raise Ec2Error("InvalidParameterValue", f"The value of tag '{key[:128]}' is longer than 256 characters.")
