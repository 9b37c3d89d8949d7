"""The one persistence seam: everything that must outlive a request goes through a StateStore.

Records are JSON objects addressed by (namespace, key) and carry a version. Writes are
optimistic: :meth:`StateStore.commit` applies a set of writes only if every record read still has
the version it had when read, otherwise it raises :class:`StateConflict` and :func:`transact`
runs the whole read-modify-write again. That gives "no lost update" on SQLite and on DynamoDB
(conditional writes) alike.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import Conflict, StateConflict

Json = dict[str, Any]
Address = tuple[str, str]  # (namespace, key)
T = TypeVar("T")

#: A record whose value has this top-level field (epoch seconds) may be dropped by the store after
#: that time (DynamoDB's TTL; SQLite keeps it). Expiry is lazy: readers still check the field.
EXPIRES_AT = "expires_at"


@dataclass(frozen=True)
class Record:
    key: str
    value: Json
    version: int


class StateStore(ABC):
    @abstractmethod
    def get(self, namespace: str, key: str) -> Record | None: ...

    @abstractmethod
    def list(self, namespace: str) -> list[Record]:
        """All records of a namespace, ordered by key."""

    @abstractmethod
    def commit(self, expected: Mapping[Address, int], writes: Mapping[Address, Json | None]) -> None:
        """Atomically apply ``writes`` (None deletes) if every address in ``expected`` still has
        that version (0: must not exist); otherwise raise StateConflict and change nothing."""

    @abstractmethod
    def clear(self, namespace_prefix: str) -> None:
        """Remove every record whose namespace starts with the prefix (reset)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; optional."""


class Transaction:
    """Reads through to the store remembering versions; buffers writes until commit."""

    def __init__(self, store: StateStore, scope: str) -> None:
        self._store = store
        self._scope = scope
        self._expected: dict[Address, int] = {}
        self._writes: dict[Address, Json | None] = {}

    def _address(self, namespace: str, key: str) -> Address:
        return (f"{self._scope}/{namespace}", key)

    def get(self, namespace: str, key: str) -> Json | None:
        address = self._address(namespace, key)
        if address in self._writes:
            return self._writes[address]
        record = self._store.get(*address)
        self._expected.setdefault(address, record.version if record else 0)
        return record.value if record else None

    def list(self, namespace: str) -> list[Json]:
        full = f"{self._scope}/{namespace}"
        merged: dict[str, Json | None] = {}
        for record in self._store.list(full):
            self._expected.setdefault((full, record.key), record.version)
            merged[record.key] = record.value
        for (ns, key), value in self._writes.items():
            if ns == full:
                merged[key] = value
        return [merged[k] for k in sorted(merged) if merged[k] is not None]  # type: ignore[misc]

    def put(self, namespace: str, key: str, value: Json) -> None:
        address = self._address(namespace, key)
        if address not in self._expected and address not in self._writes:
            self.get(namespace, key)  # a blind write still needs its version for the condition
        self._writes[address] = value

    def delete(self, namespace: str, key: str) -> None:
        address = self._address(namespace, key)
        if address not in self._expected and address not in self._writes:
            self.get(namespace, key)
        self._writes[address] = None

    def commit(self) -> None:
        if self._writes:
            self._store.commit(self._expected, self._writes)


class ScopedState:
    """A StateStore seen through one scope (tenant / driver / provider): isolation by prefix."""

    def __init__(self, store: StateStore, scope: str) -> None:
        self.store = store
        self.scope = scope

    def get(self, namespace: str, key: str) -> Json | None:
        record = self.store.get(f"{self.scope}/{namespace}", key)
        return record.value if record else None

    def list(self, namespace: str) -> list[Json]:
        return [r.value for r in self.store.list(f"{self.scope}/{namespace}")]

    def transact(self, work: Callable[[Transaction], T], attempts: int = 50) -> T:
        """Run ``work`` in an optimistic transaction, retrying it when a concurrent writer won."""
        for _ in range(attempts):
            tx = Transaction(self.store, self.scope)
            result = work(tx)
            try:
                tx.commit()
            except StateConflict:
                continue
            return result
        raise Conflict("The resource is being changed by another request; try again")

    def clear(self) -> None:
        self.store.clear(f"{self.scope}/")
