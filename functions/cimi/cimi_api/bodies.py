"""Reading CIMI request bodies (JSON or XML) into the same dict shape the JSON form has.

Lenient where the original was and clients rely on it (spec §2.4): the XML root element's name
and every namespace are ignored, unknown attributes are ignored, text values are stripped.
Strict where it matters: a malformed document, a body that is not an object, an unknown media
type, an oversized body, a document nested deeper than any CIMI document, or JSON that would be
stored and then break every later rendering of it (a lone ``\\ud800`` escape, an attribute name
that is no XML name, ``properties`` that are not a map) is a clear 4xx, never a 500. XML is
parsed with defusedxml, so entity expansion and external entities are refused.
"""

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from deltacloud.errors import DeltacloudError, ValidationError
from deltacloud.xml_escape import control_free

from .schema import plural, singular

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

#: larger than any CIMI create document, userData included (EC2 caps user data at 16 KiB)
BODY_LIMIT = 1024 * 1024
#: deeper than any CIMI document (a SystemTemplate nests about eight levels); bounds every recursive walk
MAX_DEPTH = 32


class UnsupportedMediaType(DeltacloudError):
    status = 415
    generic_message = "Unsupported Media Type: send application/json or application/xml"


def media_format(content_type: str | None) -> str | None:
    """``json`` or ``xml`` for a request's Content-Type; None when none was sent."""
    if not content_type or not content_type.strip():
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return "xml"
    raise UnsupportedMediaType(f"Unsupported Media Type '{media}': send application/json or application/xml")


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The request document as a dict; an empty body is an empty document."""
    if not raw.strip():
        return {}
    fmt = media_format(content_type)
    if fmt is None:  # no Content-Type: the first character tells, as curl users expect
        fmt = "xml" if raw.lstrip().startswith(b"<") else "json"
    return parse_json(raw) if fmt == "json" else parse_xml(raw)


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(f"Malformed JSON body: {error}") from None
    except RecursionError:
        raise _too_deep() from None
    if not isinstance(document, dict):
        raise ValidationError("Malformed JSON body: expected an object")
    _check_document(document)
    document.pop("resourceURI", None)
    return document


def _not_json(constant: str) -> None:
    """Python's json reads NaN and Infinity, which JSON has not (they would be stored as names)."""
    raise ValueError(f"{constant} is not a JSON value")


def _too_deep() -> ValidationError:
    return ValidationError(f"Malformed body: nested deeper than {MAX_DEPTH} levels")


def _check_document(document: dict[str, Any]) -> None:
    """Refuse what would be stored and then break every later rendering of it: nesting past
    :data:`MAX_DEPTH`, strings UTF-8 cannot encode (json accepts lone surrogates), attribute names
    XML cannot carry as element names, and ``properties`` that are not a map of names to values."""
    pending: list[tuple[Any, int, str]] = [(document, 1, "")]
    while pending:
        value, depth, name = pending.pop()
        if name == "properties" and not _is_property_map(value):
            raise ValidationError("properties must map names to string values")
        if isinstance(value, str):
            _check_unicode(value)
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            pending.extend((item, depth + 1, name) for item in value)
        elif isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise _too_deep()
            in_properties = name == "properties"  # property names are free text (XML writes them as key="...")
            for key, item in value.items():
                _check_unicode(key)
                if not in_properties and not _ATTRIBUTE_NAME.match(key):
                    raise ValidationError(f"'{key}' is not an attribute name (letters, digits, '_', '.', '-')")
                pending.append((item, depth + 1, "" if in_properties else key))


#: what an attribute name may be: an XML element name without a namespace prefix
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _is_property_map(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, dict) and not any(isinstance(v, dict | list) for v in value.values())


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Malformed JSON body: a string is not valid Unicode") from None
    if not control_free(text):  # stored, it could never be written in an XML answer
        raise ValidationError("Malformed JSON body: a string holds control characters")


def parse_xml(raw: bytes) -> dict[str, Any]:
    from xml.etree.ElementTree import ParseError  # only XML bodies pay for the XML parser (cold start)

    import defusedxml.ElementTree as SafeXml
    from defusedxml import DefusedXmlException

    try:
        root = SafeXml.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise ValidationError("Malformed XML body: DTDs and entities are not accepted") from None
    except ParseError as error:
        raise ValidationError(f"Malformed XML body: {error}") from None
    except (LookupError, ValueError):  # expat's refusal of the encoding the XML declaration names
        raise ValidationError("Malformed XML body: the encoding it declares is not supported; use UTF-8") from None
    document = _element_value(root, 1)
    if not isinstance(document, dict):
        return {}
    _check_document(document)  # <properties>text</properties> inside a template, say
    return document


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_value(element: "Element", depth: int) -> dict[str, Any] | str:
    """An element with attributes or children becomes a dict; a leaf its stripped text."""
    if depth > MAX_DEPTH:
        raise _too_deep()
    children = list(element)
    attributes = {_local(k): v.strip() for k, v in element.attrib.items()}
    if not children and not attributes:
        return (element.text or "").strip()
    value: dict[str, Any] = dict(attributes)
    text = (element.text or "").strip()
    if text and not children:
        value["value"] = text  # <capability name="...">text</capability>
    for child in children:
        name = _local(child.tag)
        if name == "property":
            key = child.get("key")
            if key is not None:
                value.setdefault("properties", {})[key] = (child.text or "").strip()
            continue
        item = _element_value(child, depth + 1)
        if name in value:  # a repeated element is an array under its plural name
            first = value.pop(name)
            value[plural(name)] = [first, item]
        elif plural(name) in value and isinstance(value[plural(name)], list):
            value[plural(name)].append(item)
        else:
            value[name] = item
    return value


def listed(document: dict[str, Any], name: str) -> list[Any]:
    """An array attribute (``volumes``) however it arrived: JSON array, or one or more XML elements."""
    value = document.get(name, document.get(singular(name)))
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def integer(value: Any, name: str) -> int:
    """A CIMI integer attribute, from a JSON number or XML text; 400 for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    digits = text[1:] if text.startswith("-") else text
    if isinstance(value, bool) or not (digits.isascii() and digits.isdigit()):
        raise ValidationError(f"{name} must be an integer, not '{text}'")
    return int(text)


def text(value: Any, name: str) -> str:
    """A CIMI string attribute; a struct or an array where text belongs is a 400."""
    if isinstance(value, dict | list):
        raise ValidationError(f"{name} must be a string")
    return str(value).strip()


def href_of(value: Any) -> str | None:
    """The href of a reference attribute (``{"href": ...}`` or ``<x href="..."/>``); None when given by value."""
    if isinstance(value, dict):
        href = value.get("href")
        return str(href).strip() if href else None
    return None


def href_id(href: str) -> str:
    """The backend id an href names: its last path segment, whatever host and prefix (spec §2.4)."""
    segment = unquote(href.strip().rstrip("/").rsplit("/", 1)[-1])
    if not segment:
        raise ValidationError(f"'{href}' does not name a resource")
    return segment


def image_location(body: dict[str, Any]) -> str:
    """The href ``imageLocation`` gives (as a reference or as text): what a MachineImageCreate captures,
    what a VolumeImageCreate snapshots."""
    location = body.get("imageLocation")
    href = href_of(location) if isinstance(location, dict) else (text(location, "imageLocation") if location else None)
    if not href:
        raise ValidationError("Required attributes not set: imageLocation")
    return href
