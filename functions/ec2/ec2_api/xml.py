"""A minimal XML writer for EC2 response bodies.

Responses are built as strings: EC2 bodies are flat element trees without attributes, and string
building is several times faster than an ElementTree round trip on the DescribeInstances hot path.
Every text value goes through :func:`text`, which escapes markup and drops characters XML 1.0 cannot
carry (a tag value with a control character must not make the whole answer unparseable).
"""

from collections.abc import Iterable

from deltacloud.xml_escape import escape_text


def text(value: object) -> str:
    return escape_text(str(value))


def leaf(name: str, value: object | None) -> str:
    """``<name>value</name>``, or nothing at all for None (clients choke on empty numbers and dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{text(value)}</{name}>"


def node(name: str, *children: str) -> str:
    return f"<{name}>{''.join(children)}</{name}>"


def item_set(name: str, items: Iterable[str]) -> str:
    """``<name><item>...</item>...</name>``: EC2's list shape (an empty list is an empty element)."""
    return f"<{name}>{''.join(f'<item>{item}</item>' for item in items)}</{name}>"


def tag_set(tags: dict[str, str]) -> str:
    """The ``tagSet`` of a resource; omitted when it has no tags, as EC2 does."""
    if not tags:
        return ""
    return item_set("tagSet", (leaf("key", key) + leaf("value", value) for key, value in tags.items()))
