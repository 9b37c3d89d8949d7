"""Cold start of a Lambda function: the cyclic garbage collector paused until the first event is answered.

Importing a handler and answering its first event builds some 65,000 long-lived objects (modules, classes,
pydantic schemas) and almost no garbage (about 600 objects). A running collector traverses that growing heap
again and again while it is built: a tenth of the cold start (``tests/benchmarks/bench_layer.py``). So a
handler module pauses the collector before its heavy imports, and the handler, once its first event is
answered, freezes what the start built (``gc.freeze``: kept out of every later collection, which also keeps
the warm function's collections short) and resumes collecting. The start's few garbage objects stay.

Usage, at the top of a handler module, before anything heavy is imported::

    from deltacloud import cold_start

    cold_start.pause_collector()

    from deltacloud.lambda_handler import lambda_handler  # noqa: E402 - after the pause, on purpose

and the handler decorated with :func:`resumes_collector`.
"""

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


#: whether pause_collector() stopped the collector and no handler has answered since
_paused = False


def pause_collector() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resumes_collector(handler: Callable[P, R]) -> Callable[P, R]:
    """``handler``, resuming a paused collector after its call, whether that call succeeds or fails."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        global _paused
        try:
            return handler(*args, **kwargs)
        finally:
            if _paused:
                _paused = False
                gc.freeze()
                gc.enable()

    return wrapper
