"""Rendering one resource or a list of them in the negotiated format, and the links documents share."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from starlette.responses import Response

from .context import Call
from .responses import document, json_document
from .xml import XmlWriter

T = TypeVar("T")


class Member(Protocol):
    """A resource with an id: what a new member's ``Location`` names."""

    @property
    def id(self) -> str: ...


M = TypeVar("M", bound=Member)


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


def render_created(call: Call, renderer: Renderer[M], item: M) -> Response:
    """201 with the new member's ``Location``."""
    return render_one(call, renderer, item, 201, {"Location": call.location(renderer.plural, item.id)})


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


def destroy_link(call: Call, collection: str, member_id: str) -> list[dict[str, str]]:
    """The member's destroy action, when the driver destroys members of ``collection``."""
    if call.capabilities.supports(collection, "destroy"):
        return [action_link(call.url(collection, member_id), "destroy", "delete")]
    return []


def actions_xml(out: XmlWriter, links: list[dict[str, str]]) -> None:
    out.open("actions")
    for link in links:
        out.empty("link", link)
    out.close("actions")


def refs_xml(out: XmlWriter, call: Call, collection: str, singular: str, ids: Iterable[str],
             rel: str | None = None) -> None:
    """``<collection>`` holding a ``<singular href id/>`` link to each of the members ``ids``."""
    out.open(collection)
    for member_id in ids:
        out.empty(singular, {"href": call.url(collection, member_id), "id": member_id, "rel": rel})
    out.close(collection)
