"""The action table: each EC2 action, its handler, and the capabilities it needs from the driver.

Handlers register with :func:`action`; the dispatcher refuses an action whose capabilities the
driver's capability object lacks with ``UnsupportedOperation``, before any backend call.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .context import Ec2Call
from .errors import ResourceKind

Handler = Callable[[Ec2Call], str]


@dataclass(frozen=True)
class Action:
    name: str
    handler: Handler
    needs: tuple[tuple[str, str], ...]  # (collection, operation) pairs of the capability catalogue
    kind: ResourceKind | None  # what the action is about: words its NotFound / wrong-state errors


ACTIONS: dict[str, Action] = {}


def action(name: str, *needs: str, kind: ResourceKind | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` for EC2 action ``name``; ``needs`` are ``"collection.operation"`` strings."""

    def register(handler: Handler) -> Handler:
        pairs = tuple(tuple(need.split(".", 1)) for need in needs)
        ACTIONS[name] = Action(name, handler, pairs, kind)  # type: ignore[arg-type]
        return handler

    return register
