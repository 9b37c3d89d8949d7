"""The local server: every front-end app that exists, mounted by its path prefix, in one process.

The apps are the very objects the Lambda handlers wrap, so local behaviour is deployed behaviour.
Each app sees the full path (``/api/...``), exactly as API Gateway passes it to its function.
"""

import importlib
from collections.abc import Mapping

from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: path prefix -> "module:attribute" of the front-end app
FRONTENDS: dict[str, str] = {
    "api": "classic_api.app:app",
    "cimi": "cimi_api.app:app",
    "ec2": "ec2_api.app:app",
}


def load_frontends(table: Mapping[str, str] = FRONTENDS) -> dict[str, ASGIApp]:
    """Import every front-end whose package is installed; a missing one is simply not served."""
    apps: dict[str, ASGIApp] = {}
    for prefix, target in table.items():
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if not (module_name == missing or module_name.startswith(missing + ".")):
                raise  # the front-end exists but something it imports is broken: say so
            continue
        apps[prefix] = getattr(module, attribute)
    return apps


class LocalServer:
    def __init__(self, frontends: Mapping[str, ASGIApp]) -> None:
        self.frontends = dict(frontends)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        first = scope.get("path", "/").lstrip("/").split("/", 1)[0].split(";", 1)[0]
        app = self.frontends.get(first)
        if app is not None:
            await app(scope, receive, send)
        elif first == "":
            await self._index()(scope, receive, send)
        else:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    def _index(self) -> HTMLResponse:
        links = "".join(f'<li><a href="/{p}">/{p}</a></li>' for p in self.frontends)
        return HTMLResponse(f"<!DOCTYPE html><html><head><title>Deltacloud API</title></head><body>"
                            f"<h1>Deltacloud API</h1><ul>{links}</ul></body></html>")

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_local_server() -> LocalServer:
    return LocalServer(load_frontends())
