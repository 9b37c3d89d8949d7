"""Open SDK connections kept for the next request, at most a fixed number of them.

Opening a connection may log in (an SSO token, a hypervisor session, a Keystone token), so a
driver keeps the ones it opened, keyed by whatever tells callers apart (endpoint and a digest of
the credentials). The least recently used one is dropped when one too many is open: dropped, not
closed, because a request may still be using it; the SDK object closes its connection once freed.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from deltacloud.credentials import ProviderCredentials

K = TypeVar("K", bound=Hashable)
C = TypeVar("C")


class ConnectionPool(Generic[K, C]):
    """At most ``size`` open connections by key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._open: OrderedDict[K, C] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, open_connection: Callable[[], C]) -> C:
        """The connection kept for ``key``, opened with ``open_connection`` when there is none."""
        with self._lock:
            if key in self._open:
                self._open.move_to_end(key)
                return self._open[key]
        # opened outside the lock: a slow cloud must not hold up every other caller
        opened = open_connection()
        with self._lock:
            kept = self._open.setdefault(key, opened)  # another thread may have opened one meanwhile
            self._open.move_to_end(key)
            for _ in range(len(self._open) - self.size):
                self._open.popitem(last=False)
        return kept

    def drop(self, unwanted: Callable[[K], bool]) -> None:
        """Drop the connections whose key is ``unwanted`` (e.g. after the cloud rejected their credentials)."""
        with self._lock:
            for key in [k for k in self._open if unwanted(k)]:
                del self._open[key]


def credentials_digest(credentials: ProviderCredentials) -> str:
    """What tells callers' connections apart in a pool key, without keeping their secrets there."""
    material = "\0".join(f"{k}={v}" for k, v in sorted(credentials.values.items()))
    return hashlib.sha256(material.encode()).hexdigest()
