"""Query parameters applied to collections and single resources (spec §2.5, §10.3).

Order on a collection: ``$filter`` on the full entries (the original selected first, so filtering
on an unselected attribute matched nothing), ``count`` of all matches, ``$first``/``$last``,
then ``$expand`` and ``$select`` on the page only, so expansion costs only what is returned.
"""

from collections.abc import Callable, Sequence

from .common import Document
from .context import CimiCall
from .query import apply_paging, apply_select, combine_filters, parse_expand, parse_select

Expander = Callable[[Document, set[str]], Document]


def expansion(call: CimiCall) -> set[str]:
    """The attributes ``$expand`` names (``*`` for all); empty when absent."""
    names: set[str] = set()
    for text in call.query_all("$expand"):
        names.update(parse_expand(text))
    return names


def _selection(call: CimiCall) -> list[str] | None:
    texts = call.query_all("$select")
    if not texts:
        return None
    names: list[str] = []
    for text in texts:
        names.extend(parse_select(text))
    return names


def collection_document(
    call: CimiCall,
    path: str,
    entries_key: str,
    entries: Sequence[Document],
    operations: Sequence[dict[str, str]] = (),
    expand: Expander | None = None,
) -> Document:
    condition = combine_filters(call.query_all("$filter"))
    selected = _selection(call)
    expanded = expansion(call)
    matches = [entry for entry in entries if condition.matches(entry)]
    page = apply_paging(matches, call.query("$first"), call.query("$last"))
    if expand is not None and expanded:
        page = [expand(entry, expanded) for entry in page]
    if selected is not None:
        page = [apply_select(entry, selected) for entry in page]
    document: Document = {"id": call.url(*path.split("/")), "count": len(matches)}
    if page:
        document[entries_key] = page
    if operations:
        document["operations"] = list(operations)
    return document


def resource_document(call: CimiCall, document: Document, expand: Expander | None = None) -> Document:
    """``$expand`` and ``$select`` on one resource (CIMI allows both outside collections)."""
    expanded = expansion(call)
    if expand is not None and expanded:
        document = expand(document, expanded)
    selected = _selection(call)
    return apply_select(document, selected) if selected is not None else document


def wants(expanded: set[str], name: str) -> bool:
    return "*" in expanded or name in expanded
