"""The attributes every CIMI resource shares (spec §2.2): id, name, description, created, properties."""

from typing import Any

from .timestamps import iso_timestamp

Document = dict[str, Any]


def common_attributes(url: str, extra: dict[str, Any], name: str, description: str | None = None,
                      created: str | None = None) -> Document:
    """A resource's common attributes; what the client set (``extra``, from the overlay) wins over
    what the cloud says, and a creation time the cloud does not know is the time the proxy created it."""
    document: Document = {"id": url, "name": extra.get("name") or name}
    text = extra.get("description") or description
    if text:
        document["description"] = text
    stamp = iso_timestamp(created) or iso_timestamp(extra.get("created"))
    if stamp:
        document["created"] = stamp
    if extra.get("properties"):
        document["properties"] = extra["properties"]
    return document


def operation(rel: str, href: str) -> dict[str, str]:
    return {"rel": rel, "href": href}
