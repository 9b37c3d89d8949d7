"""The two documents an EC2 endpoint answers with: the action's response and the error response."""

import re

from starlette.responses import Response

from .errors import Ec2Error
from .xml import leaf, text

DEFAULT_VERSION = "2016-11-15"
CONTENT_TYPE = "text/xml;charset=UTF-8"
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n'


def namespace(version: str | None) -> str:
    """EC2 answers in the namespace of the requested API version (libcloud matches it exactly)."""
    chosen = version if version and _VERSION.fullmatch(version) else DEFAULT_VERSION
    return f"http://ec2.amazonaws.com/doc/{chosen}/"


def success_document(action: str, version: str | None, request_id: str, body: str) -> bytes:
    root = f"{action}Response"
    return (
        f'{_PROLOGUE}<{root} xmlns="{namespace(version)}">{leaf("requestId", request_id)}{body}</{root}>'
    ).encode()


def error_document(error: Ec2Error, request_id: str) -> bytes:
    # No namespace and exactly Code then Message inside Error: libcloud unpacks the two children.
    return (
        f"{_PROLOGUE}<Response><Errors><Error><Code>{text(error.code)}</Code>"
        f"<Message>{text(error.message)}</Message></Error></Errors>"
        f"<RequestID>{text(request_id)}</RequestID></Response>"
    ).encode()


def xml_response(content: bytes, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type=CONTENT_TYPE)
