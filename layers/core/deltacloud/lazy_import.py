"""Route targets imported on their first request, so a cold start pays only for the code its request runs.

A front-end's route table still lists every path and what serves it, but names the target as
``"package.module:name"``: the module is imported when a request first reaches the route (Python's
import lock makes that safe under concurrent requests).
"""

from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


def resolve(target: str) -> Any:
    """The object ``"package.module:name"`` names, importing its module if needed."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def _loader(target: str, args: tuple[str, ...]) -> Callable[[], Any]:
    resolved: Any = None

    def load() -> Any:
        nonlocal resolved
        if resolved is None:
            found = resolve(target)
            resolved = found(*args) if args else found
        return resolved

    return load


def lazy_endpoint(target: str, *args: str) -> Endpoint:
    """A Starlette endpoint standing for the async endpoint ``target``, imported on the first request.

    With ``args``, ``target`` is a function that makes the endpoint from them (one generic handler
    serving several routes). The result is a real ``async def`` function, because Starlette serves
    any other callable as a raw ASGI app; ``load()`` on it imports the endpoint at once (tests).
    """
    load = _loader(target, args)

    async def endpoint(request: Request) -> Response:
        return await load()(request)

    endpoint.__name__ = endpoint.__qualname__ = target.rpartition(":")[2]
    endpoint.load = load  # type: ignore[attr-defined]
    return endpoint


def lazy_function(target: str) -> Callable[..., Any]:
    """A plain function standing for the function ``target``, imported on its first call."""
    load = _loader(target, ())

    def function(*args: Any, **kwargs: Any) -> Any:
        return load()(*args, **kwargs)

    function.__name__ = function.__qualname__ = target.rpartition(":")[2]
    function.load = load  # type: ignore[attr-defined]
    return function
