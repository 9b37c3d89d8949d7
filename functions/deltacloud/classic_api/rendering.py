"""Rendering one resource or a list of them in the negotiated format."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.responses import Response

from .context import Call
from .responses import document, json_document
from .xml import XmlWriter

T = TypeVar("T")


@dataclass(frozen=True)
class Renderer(Generic[T]):
    """How one kind of resource looks in XML and JSON; its HTML page is built from the JSON."""

    singular: str
    plural: str
    xml: Callable[[XmlWriter, Call, T], None]
    json: Callable[[Call, T], dict[str, Any]]


def render_one(call: Call, renderer: Renderer[T], item: T, status: int = 200,
               headers: dict[str, str] | None = None) -> Response:
    if call.fmt == "json":
        return json_document({renderer.singular: renderer.json(call, item)}, status, headers)
    if call.fmt == "html":
        from . import pages  # the browser console's modules load with its first page, not at cold start

        data = renderer.json(call, item)
        if call.request.method not in ("GET", "HEAD"):  # a form post: show what it made or changed
            return pages.redirect(call, data.get("href") or call.url(renderer.plural))
        return pages.member(call, renderer.singular, renderer.plural, data, status, headers)
    out = XmlWriter(declaration=True)
    renderer.xml(out, call, item)
    return document(str(out), "xml", status, headers)


def render_many(call: Call, renderer: Renderer[T], items: Sequence[T], status: int = 200) -> Response:
    if call.fmt == "json":
        return json_document({renderer.plural: [renderer.json(call, item) for item in items]}, status)
    if call.fmt == "html":
        from . import pages

        if call.request.method not in ("GET", "HEAD"):  # several instances launched by one form
            return pages.redirect(call, call.url(renderer.plural))
        return pages.listing(call, renderer.singular, renderer.plural, [renderer.json(call, i) for i in items], status)
    out = XmlWriter(declaration=True).open(renderer.plural)
    for item in items:
        renderer.xml(out, call, item)
    return document(str(out.close(renderer.plural)), "xml", status)


def ref(call: Call, collection: str, item_id: str | None, rel: str | None = None) -> dict[str, Any]:
    """A JSON reference object ``{"id", "href", "rel"}``."""
    href = call.url(collection, item_id) if item_id is not None else None
    data: dict[str, Any] = {"id": item_id, "href": href}
    if rel:
        data["rel"] = rel
    return data


def action_link(href: str, rel: str, method: str = "post") -> dict[str, str]:
    return {"href": href, "rel": rel, "method": method}
