"""Matrix parameters: ``/api;driver=ec2;provider=eu-west-1/realms`` (spec §3.2).

They are stripped from the path before routing. Those on the ``api`` segment select the driver
and provider; those on the last segment are also offered as operation parameters (so the
advertised ``/instances;image_id=img1`` link works when POSTed, which the original lost).
"""

from urllib.parse import unquote


def split_matrix(path: str) -> tuple[str, dict[str, dict[str, str]]]:
    """Return the path without matrix parameters and the parameters per segment name."""
    if ";" not in path:
        return path, {}
    segments: list[str] = []
    params: dict[str, dict[str, str]] = {}
    for segment in path.split("/"):
        name, *pairs = segment.split(";")
        segments.append(name)
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if sep and key:
                params.setdefault(unquote(name), {})[unquote(key)] = unquote(value)
    return "/".join(segments), params
