"""Matrix parameters: ``/api;driver=ec2;provider=eu-west-1/realms`` (spec §3.2).

They are stripped from the path before routing. Those on the ``api`` segment select the driver
and provider; those on the last segment are also offered as operation parameters (so the
advertised ``/instances;image_id=img1`` link works when POSTed, which the original lost).
"""

from urllib.parse import unquote


def split_matrix(path: str, raw_path: bytes | None = None) -> tuple[str, dict[str, dict[str, str]]]:
    """Return the (decoded) path without matrix parameters and the parameters per segment name.

    ``raw_path``, the path as sent (the local server has it, and a REST API's Lambda event; an HTTP API's
    is decoded), is
    split instead when given: an encoded ``%3B`` is then part of an id, not a separator, so that
    ``PUT /buckets/b/a%3Bb`` never writes the blob ``a``.
    """
    source = raw_path.decode("latin-1") if raw_path else path
    if ";" not in source:
        return path, {}
    segments: list[str] = []
    params: dict[str, dict[str, str]] = {}
    for segment in source.split("/"):
        name, *pairs = segment.split(";")
        segments.append(unquote(name) if raw_path else name)
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if sep and key:
                params.setdefault(unquote(name), {})[unquote(key)] = unquote(value)
    return "/".join(segments), params
