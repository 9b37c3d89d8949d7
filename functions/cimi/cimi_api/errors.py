"""CIMI error documents for every typed error of the core (spec §2.7, fixing defect 18).

JSON ``{"code", "message", "error"}`` as the original sent; XML ``<error>`` with ``code`` and
``message``, now inside the CIMI namespace, and never a backtrace or an echo of the request.
"""

import json

from deltacloud.errors import ActionNotAllowed, AuthenticationRequired, DeltacloudError, NotSupported
from deltacloud.http_auth import basic_challenge
from starlette.responses import Response

from .representation import MEDIA_TYPES, xml_attr, xml_text
from .schema import NAMESPACE


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
            f'<error xmlns="{NAMESPACE}" status="{code}"{xml_attr("url", path)}>'
            f'<backend{xml_attr("driver", driver)}{xml_attr("provider", provider or "default")}/>'
            f"<code>{code}</code><message>{xml_text(message.strip())}</message></error>"
        )
    return Response(body, status_code=code, headers=headers, media_type=MEDIA_TYPES[fmt])
