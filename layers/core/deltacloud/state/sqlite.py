"""StateStore on SQLite: the embedded default, one file under the data directory."""

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..errors import BackendThrottled, StateConflict
from .base import Address, Json, Record, StateStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID
"""


#: seconds a request waits for another process's write lock (a CLI command, a second server on the same data
#: directory) before it is told to try again; writers of this process hold it for a millisecond at most
BUSY_TIMEOUT = 5.0


@contextmanager
def _busy_means_retry() -> Iterator[None]:
    """A lock held past BUSY_TIMEOUT is a 503 the client may retry, not a server fault."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # extended codes too
            raise BackendThrottled("The state store is busy with another writer; try again") from None
        raise


class SqliteStateStore(StateStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per thread: sqlite3 connections must not be shared across threads.
        self._local = threading.local()
        with self._connection() as conn:
            conn.execute(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, namespace: str, key: str) -> Record | None:
        with _busy_means_retry():
            row = self._connection().execute(
                "SELECT value, version FROM records WHERE namespace = ? AND key = ?", (namespace, key)
            ).fetchone()
        return Record(key, json.loads(row[0]), row[1]) if row else None

    def list(self, namespace: str) -> list[Record]:
        with _busy_means_retry():
            rows = self._connection().execute(
                "SELECT key, value, version FROM records WHERE namespace = ? ORDER BY key", (namespace,)
            ).fetchall()
        return [Record(k, json.loads(v), ver) for k, v, ver in rows]

    def commit(self, expected: Mapping[Address, int], writes: Mapping[Address, Json | None]) -> None:
        conn = self._connection()
        with _busy_means_retry():
            conn.execute("BEGIN IMMEDIATE")  # take the write lock first: checks and writes are one step
        try:
            for (namespace, key), version in expected.items():
                row = conn.execute(
                    "SELECT version FROM records WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
                if (row[0] if row else 0) != version:
                    raise StateConflict(f"{namespace}/{key}")
            for (namespace, key), value in writes.items():
                if value is None:
                    conn.execute("DELETE FROM records WHERE namespace = ? AND key = ?", (namespace, key))
                else:
                    conn.execute(
                        "INSERT INTO records (namespace, key, value, version) VALUES (?, ?, ?, 1) "
                        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = version + 1",
                        (namespace, key, json.dumps(value, separators=(",", ":"))),
                    )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def clear(self, namespace_prefix: str) -> None:
        escaped = namespace_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        self._connection().execute("DELETE FROM records WHERE namespace LIKE ? ESCAPE '\\'", (escaped + "%",))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
