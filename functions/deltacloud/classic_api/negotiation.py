"""Choosing the representation from ``?format=`` and ``Accept`` (spec §2).

Differences from the original, on purpose: a bare ``*/*`` (curl, python-requests) answers XML
rather than HTML; ties go to the media type listed first; media-type parameters other than
``q`` are ignored instead of making the entry unrecognisable.
"""

MEDIA_TYPES: dict[str, str] = {
    "application/xml": "xml",
    "text/xml": "xml",
    "application/json": "json",
    "application/xhtml+xml": "html",
    "text/html": "html",
    "*/*": "xml",
    "image/png": "png",
    "application/ghostscript": "gv",
}
FORMATS = ("xml", "json", "html", "png", "gv")
CONTENT_TYPES = {"xml": "application/xml", "json": "application/json", "html": "text/html"}


def acceptable_formats(accept: str | None, format_param: str | None) -> list[str]:
    """Formats the client accepts, best first; empty when nothing is acceptable (406)."""
    if format_param is not None:
        return [format_param] if format_param in FORMATS else []
    if not accept or not accept.strip():
        return ["xml"]
    ranked: dict[str, tuple[float, int]] = {}
    for index, entry in enumerate(accept.split(",")):
        media, _, params = entry.partition(";")
        fmt = MEDIA_TYPES.get(media.strip().lower())
        if fmt is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        rank = (-quality, index)
        if fmt not in ranked or rank < ranked[fmt]:
            ranked[fmt] = rank
    return sorted(ranked, key=ranked.__getitem__)
