"""Running a front-end's blocking work (credential stores and drivers may block) from its async endpoints."""

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

T = TypeVar("T")


async def run_blocking(scope: Scope, function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` in the thread pool, so the event loop keeps serving other requests meanwhile.

    Except in Lambda (Mangum puts the event in the scope): a container serves one event at a time, so
    the thread hop buys nothing there, and skipping it spares the cold start anyio's thread machinery.
    """
    if "aws.event" in scope:
        return function(*args)
    return await run_in_threadpool(function, *args)
