"""StateStore on DynamoDB: the deployed store (template.yaml ``StateTable``).

One item per record: ``pk`` = namespace, ``sk`` = key, ``value`` = the record as JSON text (exact
round trip of any JSON, no Decimal conversion), ``version`` = a number bumped by every write, and
``expires_at`` = the table's TTL attribute, copied from a value's top-level ``expires_at``
(:data:`~deltacloud.state.base.EXPIRES_AT`).

No update is lost: :meth:`DynamoStateStore.commit` is one ``TransactWriteItems`` whose every write is
conditioned on the version read (``attribute_not_exists`` when version 0 was read, i.e. the record must
not exist) and whose other reads become ``ConditionCheck`` items. A failed condition cancels the whole
transaction and becomes :class:`StateConflict`, on which ``ScopedState.transact`` retries.

Limits of DynamoDB that SQLite does not have: 100 records per transaction and 400 KB per record; both
surface as a BackendError with a message saying so. Reads are strongly consistent.
"""

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from ..aws_clients import aws_client, error_code
from ..errors import BackendError, BackendThrottled, BackendUnavailable, StateConflict, ValidationError
from .base import EXPIRES_AT, Address, Json, Record, StateStore

logger = logging.getLogger(__name__)

MAX_TRANSACTION_ITEMS = 100  # TransactWriteItems' limit
_BATCH_WRITE_ITEMS = 25  # BatchWriteItem's limit
#: bytes of a record's key: DynamoDB's limit for a sort key
MAX_KEY_BYTES = 1024
_CONFLICT_REASONS = {"ConditionalCheckFailed", "TransactionConflict"}
_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
_NAMES = {"#pk": "pk", "#sk": "sk", "#value": "value", "#version": "version", "#expires": EXPIRES_AT}


class DynamoStateStore(StateStore):
    def __init__(self, table: str, client: Any = None) -> None:
        if not table:
            raise ValueError("the DynamoDB state store needs a table name (DELTACLOUD_STATE_TABLE)")
        self.table = table
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client("dynamodb")
        return self._client

    # -- reads ----------------------------------------------------------------------------
    def get(self, namespace: str, key: str) -> Record | None:
        if len(key.encode()) > MAX_KEY_BYTES:
            return None  # never stored (see commit); DynamoDB would refuse the lookup itself
        response = self._call(
            "get_item", TableName=self.table, Key=_key(namespace, key), ConsistentRead=True,
            ProjectionExpression="#sk, #value, #version",
            ExpressionAttributeNames={n: _NAMES[n] for n in ("#sk", "#value", "#version")},
        )
        item = response.get("Item")
        return _record(item) if item else None

    def list(self, namespace: str) -> list[Record]:
        # Query returns items in sort-key order (bytewise UTF-8, like SQLite's BINARY collation)
        return [_record(item) for item in self._query(namespace)]

    def _query(self, namespace: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ProjectionExpression": "#sk, #value, #version",
            "ExpressionAttributeNames": {n: _NAMES[n] for n in ("#pk", "#sk", "#value", "#version")},
            "ExpressionAttributeValues": {":pk": {"S": namespace}},
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **request)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # -- writes ---------------------------------------------------------------------------
    def commit(self, expected: Mapping[Address, int], writes: Mapping[Address, Json | None]) -> None:
        too_long = next((key for _, key in (*expected, *writes) if len(key.encode()) > MAX_KEY_BYTES), None)
        if too_long is not None:  # a client's name or id, or an event's: the client's to shorten (was a 502)
            raise ValidationError(f"'{too_long[:40]}...' is too long: names and ids are at most {MAX_KEY_BYTES} "
                                  "bytes here")
        items = [self._write_item(address, value, expected.get(address)) for address, value in writes.items()]
        items += [
            {"ConditionCheck": {"TableName": self.table, "Key": _key(*address), **_condition(version)}}
            for address, version in expected.items()
            if address not in writes
        ]
        if not items:
            return
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise BackendError(
                f"A state transaction touches {len(items)} records; DynamoDB allows {MAX_TRANSACTION_ITEMS}"
            )
        self._call("transact_write_items", TransactItems=items)

    def _write_item(self, address: Address, value: Json | None, version: int | None) -> dict[str, Any]:
        condition = _condition(version) if version is not None else {}
        if value is None:
            return {"Delete": {"TableName": self.table, "Key": _key(*address), **condition}}
        values = {
            ":value": {"S": json.dumps(value, separators=(",", ":"))},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
            **condition.pop("ExpressionAttributeValues", {}),
        }
        update = "SET #value = :value, #version = if_not_exists(#version, :zero) + :one"
        expires = value.get(EXPIRES_AT)
        if isinstance(expires, int | float) and not isinstance(expires, bool):
            update += ", #expires = :expires"
            values[":expires"] = {"N": str(int(expires))}
        else:
            update += " REMOVE #expires"
        names = {n: _NAMES[n] for n in ("#value", "#version", "#expires")}
        names.update(condition.pop("ExpressionAttributeNames", {}))
        return {
            "Update": {
                "TableName": self.table,
                "Key": _key(*address),
                "UpdateExpression": update,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                **condition,
            }
        }

    def clear(self, namespace_prefix: str) -> None:
        # A scan of the whole table: `deltacloud reset` and tests use it, never a request.
        request: dict[str, Any] = {
            "TableName": self.table,
            "ProjectionExpression": "#pk, #sk",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ConsistentRead": True,
        }
        if namespace_prefix:
            request["FilterExpression"] = "begins_with(#pk, :prefix)"
            request["ExpressionAttributeValues"] = {":prefix": {"S": namespace_prefix}}
        keys: list[dict[str, Any]] = []
        while True:
            response = self._call("scan", **request)
            keys += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        for start in range(0, len(keys), _BATCH_WRITE_ITEMS):
            pending = {self.table: [{"DeleteRequest": {"Key": k}} for k in keys[start:start + _BATCH_WRITE_ITEMS]]}
            while pending:
                pending = self._call("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}

    # -- errors ---------------------------------------------------------------------------
    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        """Run one DynamoDB call, turning its failures into the core's typed errors."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**request)
        except ClientError as error:
            code = error_code(error)
            if code == "TransactionCanceledException":
                reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
                if reasons & _CONFLICT_REASONS:
                    raise StateConflict(self.table) from None
            logger.error("DynamoDB %s on table %s failed: %s", operation, self.table, code)
            if code in _THROTTLED:
                raise BackendThrottled("The state store is busy; try again") from None
            if code == "ValidationException" and "size" in str(error).lower():
                raise BackendError("A state record exceeds DynamoDB's item size limit (400 KB)") from None
            raise BackendError("The state store failed") from None
        except BotoCoreError as error:
            logger.error("DynamoDB %s on table %s failed: %s", operation, self.table, type(error).__name__)
            raise BackendUnavailable("The state store is unavailable") from None


def _key(namespace: str, key: str) -> dict[str, Any]:
    return {"pk": {"S": namespace}, "sk": {"S": key}}


def _condition(version: int) -> dict[str, Any]:
    """The condition that the record still has ``version`` (0: does not exist)."""
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": "pk"}}
    return {
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":expected": {"N": str(version)}},
    }


def _record(item: Mapping[str, Any]) -> Record:
    return Record(item["sk"]["S"], json.loads(item["value"]["S"]), int(item["version"]["N"]))
