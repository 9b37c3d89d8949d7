"""Persistence: the StateStore interface and its implementations."""

from .base import EXPIRES_AT, Json, Record, ScopedState, StateStore, Transaction

__all__ = ["EXPIRES_AT", "Json", "Record", "ScopedState", "StateStore", "Transaction", "open_state_store"]


def open_state_store(kind: str, location: str) -> StateStore:
    """Open the configured store; implementations are imported only when chosen."""
    if kind == "sqlite":
        from pathlib import Path

        from .sqlite import SqliteStateStore

        return SqliteStateStore(Path(location))
    if kind == "dynamodb":
        from .dynamodb import DynamoStateStore

        return DynamoStateStore(location)
    raise ValueError(f"unknown state store {kind!r} (sqlite or dynamodb)")
