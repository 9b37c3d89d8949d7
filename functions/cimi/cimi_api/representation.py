"""Writing CIMI documents: one JSON-shaped dict per resource, serialized as JSON or as XML.

Resources are built once, as the dicts their JSON representation is (that is also what
``$filter`` and ``$select`` work on); the XML form is derived from them by CIMI's rules
(spec §2.2): the root element carries the CIMI namespace and ``resourceURI``, references become
``<x href="..."/>``, arrays repeat their singular element, ``properties`` become
``<property key="k">v</property>``, and collection entries are named by their resource type.
"""

import json
from collections.abc import Mapping, Set
from functools import cache
from typing import Any

from deltacloud.xml_escape import escape_attr, escape_text
from starlette.responses import Response

from .schema import ENTRY_ELEMENTS, NAMESPACE, XML_ATTRIBUTE_FIELDS, XML_TEXT_FIELD, singular, type_uri

MEDIA_TYPES = {"json": "application/json", "xml": "application/xml"}



def xml_text(value: object) -> str:
    """Element text, escaped."""
    if value is True or value is False:
        return "true" if value else "false"
    return escape_text(value if type(value) is str else str(value))


def xml_attr(name: str, value: object) -> str:
    text = value if type(value) is str else xml_text(value)
    return f' {name}="{escape_attr(text)}"'


@cache
def _layout(tag: str) -> tuple[tuple[str, ...], str | None, frozenset[str | None]]:
    """Which fields of ``tag`` are attributes, which is its text, and what its children skip."""
    as_attributes = XML_ATTRIBUTE_FIELDS.get(tag, ())
    text_field = XML_TEXT_FIELD.get(tag)
    return (*as_attributes, "href"), text_field, frozenset({"href", text_field, *as_attributes})


def _element(parts: list[str], tag: str, value: Any) -> None:
    if type(value) is not dict:
        parts.append(f"<{tag}>{xml_text(value)}</{tag}>")
        return
    attribute_names, text_field, skip = _layout(tag)
    written = [xml_attr(name, value[name]) for name in attribute_names if name in value]
    head = "".join(written)
    if len(written) == len(value) and text_field is None:
        parts.append(f"<{tag}{head}/>")  # a reference or an operation: attributes only
        return
    parts.append(f"<{tag}{head}")
    mark = len(parts)
    parts.append(">")
    if text_field and text_field in value:
        parts.append(xml_text(value[text_field]))
    _children(parts, value, skip)
    if len(parts) == mark + 1:  # nothing inside: an empty struct
        parts[mark] = "/>"
    else:
        parts.append(f"</{tag}>")


def _children(parts: list[str], value: Mapping[str, Any], skip: Set[str | None]) -> None:
    in_collection = "count" in value
    for key, item in value.items():
        if key in skip:
            continue
        if key == "properties":
            for name, text in (item.items() if type(item) is dict else ()):  # null: no properties
                parts.append(f"<property{xml_attr('key', name)}>{xml_text(text)}</property>")
        elif type(item) is list:
            tag = ENTRY_ELEMENTS.get(key, singular(key)) if in_collection else singular(key)
            for entry in item:
                _element(parts, tag, entry)
        else:
            _element(parts, key, item)


_TOP_LEVEL_SKIP = frozenset({"href", "resourceURI"})


def to_xml(document: Mapping[str, Any], root: str, resource_uri: str) -> str:
    """The XML form of a top-level document (``root`` is ``Collection`` for collections)."""
    head = xml_attr("href", document["href"]) if "href" in document else ""
    parts = [f'<{root}{head} xmlns="{NAMESPACE}"{xml_attr("resourceURI", resource_uri)}>']
    _children(parts, document, _TOP_LEVEL_SKIP)
    parts.append(f"</{root}>")
    return "".join(parts)


def to_json(document: Mapping[str, Any], resource_uri: str) -> str:
    return json.dumps({**document, "resourceURI": resource_uri}, separators=(",", ":"), ensure_ascii=False)


def document_response(
    fmt: str, document: Mapping[str, Any], resource: str, *, collection: bool = False, status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A resource (``Machine``) or collection (``Machine`` with ``collection=True``) document."""
    uri = type_uri(f"{resource}Collection" if collection else resource)
    root = "Collection" if collection else resource
    body = to_json(document, uri) if fmt == "json" else to_xml(document, root, uri)
    return Response(body, status_code=status, headers=dict(headers or {}), media_type=MEDIA_TYPES[fmt])


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=dict(headers or {}))
