"""CIMI error documents for every typed error of the core (spec §2.7, fixing defect 18).

JSON ``{"code", "message", "error"}`` as the original sent; XML ``<error>`` with ``code`` and
``message``, now inside the CIMI namespace, and never a backtrace or an echo of the request.
"""

import json

from deltacloud.errors import ActionNotAllowed, AuthenticationRequired, DeltacloudError, NotSupported
from deltacloud.http_auth import basic_challenge
from starlette.responses import Response

from .representation import MEDIA_TYPES
from .schema import NAMESPACE

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


class QueryParameterError(DeltacloudError):
    """A malformed ``$filter``, ``$select``, ``$expand``, ``$first`` or ``$last``."""

    status = 400
    generic_message = "Bad Request"


class MethodNotAllowed(DeltacloudError):
    """An HTTP method the resource does not have (not a state that forbids an action: that is 409)."""

    status = 405
    generic_message = "Method Not Allowed"


class HttpError(DeltacloudError):
    """Any other status the routing layer decides."""

    def __init__(self, status: int, message: str | None = None) -> None:
        self.status = status
        super().__init__(message)


def cimi_status(error: DeltacloudError) -> int:
    """The status CIMI answers with; a state that forbids an action is a conflict here (spec §10.12)."""
    return 409 if isinstance(error, ActionNotAllowed) else error.status


def error_response(error: DeltacloudError, fmt: str, path: str, driver: str, provider: str | None) -> Response:
    code = cimi_status(error)
    headers: dict[str, str] = {}
    if code == 401:
        headers["WWW-Authenticate"] = basic_challenge(driver)
    if isinstance(error, NotSupported):
        headers["Expect"] = error.capability
    message = AuthenticationRequired.generic_message if isinstance(error, AuthenticationRequired) else error.message
    name = type(error).__name__
    if fmt == "json":
        body = json.dumps({"code": code, "message": message, "error": name}, ensure_ascii=False)
    else:
        body = (
            f'<error xmlns="{NAMESPACE}" status="{code}" url="{path.translate(_ATTR)}">'
            f'<backend driver="{driver.translate(_ATTR)}" provider="{(provider or "default").translate(_ATTR)}"/>'
            f"<code>{code}</code><message>{message.strip().translate(_TEXT)}</message></error>"
        )
    return Response(body, status_code=code, headers=headers, media_type=MEDIA_TYPES[fmt])
