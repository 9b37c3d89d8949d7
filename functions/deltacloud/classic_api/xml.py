"""A small, fast XML writer: escaping is never forgotten (the original's templates forgot it)."""

import re
from collections.abc import Mapping

# Control characters XML 1.0 cannot carry at all are dropped: one odd name must not break a whole listing.
_INVALID = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
_CONTROL = str.maketrans(_INVALID)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **_INVALID})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", **_INVALID})
# Most values need no escaping; finding that out with a regex is three times cheaper than translate().
_TEXT_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_ATTR_SPECIAL = re.compile(r'[&<>"\n\x00-\x08\x0b\x0c\x0e-\x1f]')

DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>\n"


def text(value: object) -> str:
    string = value if type(value) is str else str(value)
    return string.translate(_TEXT) if _TEXT_SPECIAL.search(string) else string


def _attrs(attrs: Mapping[str, object | None] | None) -> str:
    # Runs for every element of every document: a plain loop, escaping only what needs it.
    if not attrs:
        return ""
    out = ""
    for name, value in attrs.items():
        if value is not None:
            string = value if type(value) is str else str(value)
            if _ATTR_SPECIAL.search(string):
                string = string.translate(_ATTR)
            out += f' {name}="{string}"'
    return out


class XmlWriter:
    """Appends markup to a list; ``str()`` joins it once."""

    __slots__ = ("_parts",)

    def __init__(self, declaration: bool = False) -> None:
        self._parts: list[str] = [DECLARATION] if declaration else []

    def open(self, tag: str, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        self._parts.append(f"<{tag}{_attrs(attrs)}>")
        return self

    def close(self, tag: str) -> "XmlWriter":
        self._parts.append(f"</{tag}>")
        return self

    def empty(self, tag: str, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        self._parts.append(f"<{tag}{_attrs(attrs)}/>")
        return self

    def leaf(self, tag: str, value: object | None, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        """``<tag>value</tag>``; an empty element when value is None or empty."""
        self._parts.append(f"<{tag}{_attrs(attrs)}>{'' if value is None else text(value)}</{tag}>")
        return self

    def cdata(self, tag: str, value: object | None, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        body = "" if value is None else str(value).translate(_CONTROL).replace("]]>", "]]]]><![CDATA[>")
        self._parts.append(f"<{tag}{_attrs(attrs)}><![CDATA[{body}]]></{tag}>")
        return self

    def raw(self, markup: str) -> "XmlWriter":
        self._parts.append(markup)
        return self

    def __str__(self) -> str:
        return "".join(self._parts)
