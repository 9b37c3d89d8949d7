"""A small, fast XML writer: escaping is never forgotten (the original's templates forgot it)."""

from collections.abc import Mapping

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})

DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>\n"


def text(value: object) -> str:
    return str(value).translate(_TEXT)


def _attrs(attrs: Mapping[str, object | None]) -> str:
    return "".join(f' {k}="{str(v).translate(_ATTR)}"' for k, v in attrs.items() if v is not None)


class XmlWriter:
    """Appends markup to a list; ``str()`` joins it once."""

    __slots__ = ("_parts",)

    def __init__(self, declaration: bool = False) -> None:
        self._parts: list[str] = [DECLARATION] if declaration else []

    def open(self, tag: str, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        self._parts.append(f"<{tag}{_attrs(attrs or {})}>")
        return self

    def close(self, tag: str) -> "XmlWriter":
        self._parts.append(f"</{tag}>")
        return self

    def empty(self, tag: str, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        self._parts.append(f"<{tag}{_attrs(attrs or {})}/>")
        return self

    def leaf(self, tag: str, value: object | None, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        """``<tag>value</tag>``; an empty element when value is None or empty."""
        self._parts.append(f"<{tag}{_attrs(attrs or {})}>{'' if value is None else text(value)}</{tag}>")
        return self

    def cdata(self, tag: str, value: object | None, attrs: Mapping[str, object | None] | None = None) -> "XmlWriter":
        body = "" if value is None else str(value).replace("]]>", "]]]]><![CDATA[>")
        self._parts.append(f"<{tag}{_attrs(attrs or {})}><![CDATA[{body}]]></{tag}>")
        return self

    def raw(self, markup: str) -> "XmlWriter":
        self._parts.append(markup)
        return self

    def __str__(self) -> str:
        return "".join(self._parts)
