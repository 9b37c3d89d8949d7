"""The record that makes a redelivered event act once: one per idempotency key, in the StateStore.

A run first *claims* its key (a transaction: concurrent deliveries cannot both win), records each
resource it has acted on as it goes, and ends *done* with its report. A delivery of a key that is done
does nothing and returns the first report. A delivery while another holds an unexpired lease is a
Conflict (Lambda retries it later, when it will find the run done). A run that failed part-way gives
its lease back keeping its progress, so a retry acts only on what is left.

Records live in the tenant's own scope (tenant/driver/provider) and expire after RETENTION
(``expires_at``: DynamoDB's TTL drops them; readers ignore an expired record either way).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deltacloud.errors import Conflict
from deltacloud.state import EXPIRES_AT, ScopedState, Transaction

NAMESPACE = "automation.runs"
RETENTION = 7 * 24 * 3600  # seconds: far longer than EventBridge's and Lambda's retry windows


@dataclass
class Claim:
    """The outcome of claiming a key: either a finished run's report, or the targets already handled."""

    finished: dict[str, Any] | None = None
    handled: set[str] = field(default_factory=set)


class Ledger:
    def __init__(self, state: ScopedState, key: str, clock: Callable[[], float] = time.time) -> None:
        self._state = state
        self.key = key
        self._clock = clock

    def _current(self, tx: Transaction) -> dict[str, Any] | None:
        record = tx.get(NAMESPACE, self.key)
        if record is None or record.get(EXPIRES_AT, 0) <= self._clock():
            return None
        return record

    def claim(self, lease_seconds: float) -> Claim:
        def work(tx: Transaction) -> Claim:
            now = self._clock()
            record = self._current(tx) or {}
            if record.get("status") == "done":
                return Claim(finished=record.get("report") or {})
            if record.get("status") == "running" and record.get("lease_until", 0) > now:
                raise Conflict(f"Automation run {self.key} is already in progress")
            handled = list(record.get("handled", []))
            tx.put(NAMESPACE, self.key, {
                "status": "running", "lease_until": now + lease_seconds, "handled": handled,
                EXPIRES_AT: int(now + RETENTION),
            })
            return Claim(handled=set(handled))

        return self._state.transact(work)

    def handled(self, target: str) -> None:
        """Remember that ``target`` is done, so a retry of an interrupted run skips it."""
        self._update(lambda record: {**record, "handled": [*record.get("handled", []), target]})

    def finish(self, report: dict[str, Any]) -> None:
        self._update(lambda record: {**record, "status": "done", "report": report, "lease_until": 0})

    def release(self) -> None:
        """Give the lease back (the run failed part-way); progress stays for the retry."""
        self._update(lambda record: {**record, "status": "failed", "lease_until": 0})

    def _update(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        def work(tx: Transaction) -> None:
            record = tx.get(NAMESPACE, self.key) or {}
            tx.put(NAMESPACE, self.key, change(record))

        self._state.transact(work)
