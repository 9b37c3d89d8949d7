"""Persistence: the StateStore interface and its implementations."""

from .base import Json, Record, ScopedState, StateStore, Transaction

__all__ = ["Json", "Record", "ScopedState", "StateStore", "Transaction", "open_state_store"]


def open_state_store(kind: str, location: str) -> StateStore:
    """Open the configured store; implementations are imported only when chosen."""
    if kind == "sqlite":
        from pathlib import Path

        from .sqlite import SqliteStateStore

        return SqliteStateStore(Path(location))
    raise ValueError(f"unknown state store {kind!r}")
