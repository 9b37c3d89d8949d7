"""``ClientToken`` idempotency: a retried RunInstances returns the first reservation, never a second one.

The token is claimed in the StateStore by an optimistic transaction, so of two concurrent requests
with the same token exactly one creates; the other waits for its result. The claim is released if the
creation fails, so a retry can try again. A claim whose owner vanished (process killed mid-request)
is taken over after :data:`STALE_AFTER_SECONDS`.
"""

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from deltacloud.runtime import get_runtime
from deltacloud.state import ScopedState, Transaction

from .context import Ec2Call
from .errors import Ec2Error

NAMESPACE = "ec2_client_tokens"
STALE_AFTER_SECONDS = 300
POLL_SECONDS = 0.05
MAX_TOKEN_LENGTH = 64

Result = dict[str, Any]


def fingerprint(action: str, params: dict[str, str]) -> str:
    """What the request asked for, so the same token with different parameters (or for another action: the
    actions share the token store) is refused."""
    relevant = {name: value for name, value in params.items() if name != "ClientToken"} | {"Action": action}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def once_per_client_token(call: Ec2Call, create: Callable[[], Result]) -> Result:
    """``create()`` once per ClientToken of the call (see :func:`run_once`); every time without one."""
    token = call.params.text("ClientToken")
    if not token:
        return create()
    return run_once(call.state, token, fingerprint(call.action, call.params.flat), create,
                    get_runtime().settings.backend_timeout)


def run_once(state: ScopedState, token: str, asked: str, create: Callable[[], Result], wait_seconds: float) -> Result:
    """``create()``'s result for the first request with ``token``; the stored result for every later one."""
    if not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
        raise Ec2Error("InvalidParameterValue", f"ClientToken must be at most {MAX_TOKEN_LENGTH} ASCII characters.")
    deadline = time.monotonic() + wait_seconds
    while True:
        claimed, record = state.transact(lambda tx: _claim(tx, token, asked))
        if claimed:
            break
        assert record is not None
        if record["fingerprint"] != asked:
            raise Ec2Error(
                "IdempotentParameterMismatch",
                "The client token you have provided is associated with a request with different parameters.",
            )
        if record["status"] == "done":
            return record["result"]
        if time.monotonic() > deadline:
            raise Ec2Error(
                "Unavailable", "A request with the same ClientToken is still in progress; retry shortly.", 503
            )
        time.sleep(POLL_SECONDS)

    try:
        result = create()
    except BaseException:
        state.transact(lambda tx: tx.delete(NAMESPACE, token))
        raise
    done = {"status": "done", "fingerprint": asked, "result": result, "at": time.time()}
    state.transact(lambda tx: tx.put(NAMESPACE, token, done))
    return result


def _claim(tx: Transaction, token: str, asked: str) -> tuple[bool, dict[str, Any] | None]:
    record = tx.get(NAMESPACE, token)
    if record is not None and not (record["status"] == "pending" and record["at"] < time.time() - STALE_AFTER_SECONDS):
        return False, record
    tx.put(NAMESPACE, token, {"status": "pending", "fingerprint": asked, "at": time.time()})
    return True, None
