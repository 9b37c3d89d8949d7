"""Choosing the response format and the CIMI specification version of a request (spec §2.1, §2.6)."""

from deltacloud.errors import ValidationError

from .schema import SPECIFICATION_VERSION

_XML_TYPES = ("application/xml", "text/xml")
_JSON_TYPES = ("application/json",)


def response_format(accept: str | None, format_param: str | None) -> str:
    """``json`` or ``xml``.

    ``?format=`` wins; no ``Accept`` means XML; otherwise q-values decide, XML winning ties; an
    ``Accept`` naming neither (``*/*``, ``text/html``) gets JSON, as the original answered.
    """
    if format_param is not None:
        if format_param not in ("xml", "json"):
            raise ValidationError(f"format must be xml or json, not '{format_param}'")
        return format_param
    if not accept or not accept.strip():
        return "xml"
    best = {"xml": -1.0, "json": -1.0}
    for entry in accept.split(","):
        media, _, params = entry.partition(";")
        media = media.strip().lower()
        fmt = "xml" if media in _XML_TYPES else "json" if media in _JSON_TYPES else None
        if fmt is None:
            continue
        best[fmt] = max(best[fmt], _quality(params))
    if best["xml"] < 0 and best["json"] < 0:
        return "json"
    return "xml" if best["xml"] >= best["json"] and best["xml"] > 0 else "json"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def check_specification_version(requested: str | None) -> None:
    """A client may list the versions it accepts; refuse the request when we speak none of them.

    ``1`` and ``1.0`` match ``1.0.1`` (a version prefix at a dot boundary names a family).
    """
    if requested is None or not requested.strip():
        return
    for version in (v.strip() for v in requested.split(",")):
        if version and (version == SPECIFICATION_VERSION or SPECIFICATION_VERSION.startswith(version + ".")):
            return
    raise ValidationError(
        f"CIMI-Specification-Version '{requested.strip()}' is not supported: this server implements "
        f"CIMI {SPECIFICATION_VERSION}"
    )
