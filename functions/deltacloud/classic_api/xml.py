"""A small, fast XML writer: escaping is never forgotten (the original's templates forgot it)."""

from collections.abc import Mapping

from deltacloud.xml_escape import escape_attr, escape_text, strip_invalid

DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>\n"


def text(value: object) -> str:
    return escape_text(value if type(value) is str else str(value))


def _attrs(attrs: Mapping[str, object | None] | None) -> str:
    # Runs for every element of every document: a plain loop, escaping only what needs it.
    if not attrs:
        return ""
    out = ""
    for name, value in attrs.items():
        if value is not None:
            out += f' {name}="{escape_attr(value if type(value) is str else str(value))}"'
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
        body = "" if value is None else strip_invalid(str(value)).replace("]]>", "]]]]><![CDATA[>")
        self._parts.append(f"<{tag}{_attrs(attrs)}><![CDATA[{body}]]></{tag}>")
        return self

    def raw(self, markup: str) -> "XmlWriter":
        self._parts.append(markup)
        return self

    def __str__(self) -> str:
        return "".join(self._parts)
