"""Escaping values for XML 1.0 documents, one way for every front-end.

Characters XML 1.0 cannot carry at all (control characters other than tab and newlines, lone
surrogates, the non-characters U+FFFE and U+FFFF) are dropped: one odd name must not break a whole
listing. Most values need no escaping; a regex finds that out far cheaper than ``translate()`` would,
so the hot paths (every element of every document) pay little.
"""

import re

#: the control characters XML 1.0 cannot carry (all of C0 but tab and line breaks)
_INVALID_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f"
_INVALID = f"{_INVALID_CONTROLS}\ud800-\udfff\ufffe\uffff"
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# in an attribute a parser turns a raw tab or line break into a space: they are written as references
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
                       "\r": "&#13;"})
_TEXT_SPECIAL = re.compile(f"[&<>{_INVALID}]")
_ATTR_SPECIAL = re.compile(f'[&<>"\t\n\r{_INVALID}]')
_INVALID_CHAR = re.compile(f"[{_INVALID}]")


# The invalid characters are dropped by a regex, not by the translation tables: tables holding the 2,048
# surrogates cost every cold start more than a millisecond to build.
def escape_text(value: str) -> str:
    """Element text."""
    return strip_invalid(value).translate(_TEXT) if _TEXT_SPECIAL.search(value) else value


def escape_attr(value: str) -> str:
    """An attribute value, for double quotes."""
    return strip_invalid(value).translate(_ATTR) if _ATTR_SPECIAL.search(value) else value


def strip_invalid(value: str) -> str:
    """Only the characters XML cannot carry removed (CDATA sections escape nothing else)."""
    return _INVALID_CHAR.sub("", value)


_CONTROL = re.compile(f"[{_INVALID_CONTROLS}]")


def control_free(value: str) -> bool:
    """Whether ``value`` has none of the control characters XML cannot carry (tab and line breaks are
    fine): input holding one is refused, since no cloud takes it and no XML answer could show it."""
    return _CONTROL.search(value) is None


def representable(value: str) -> bool:
    """Whether ``value`` goes into an XML document whole."""
    return _INVALID_CHAR.search(value) is None
