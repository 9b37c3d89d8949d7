"""The DynamoDB StateStore against a real moto server: the table as template.yaml declares it,
conditional writes, concurrent writers losing nothing, and the mock cloud running on it."""

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run_concurrently
from deltacloud.credentials import Tenant
from deltacloud.errors import BackendUnavailable, StateConflict, ValidationError
from deltacloud.model import InstanceCreate
from deltacloud.runtime import get_runtime
from deltacloud.state import EXPIRES_AT, ScopedState, open_state_store
from deltacloud.state.dynamodb import DynamoStateStore
from serverless_support import create_state_table, runtime_with, unique, use_moto


@pytest.fixture
def table(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    client = boto3.client("dynamodb")
    name = unique("state")
    create_state_table(client, name)
    yield name, client
    client.delete_table(TableName=name)


def test_records_round_trip_with_versions(table: tuple[str, Any]) -> None:
    store = open_state_store("dynamodb", table[0])
    assert isinstance(store, DynamoStateStore)
    assert store.get("t/mock/default/instances", "inst1") is None
    value = {"id": "inst1", "state": "RUNNING", "size": 1.5, "tags": {"a": "b"}, "none": None, "ok": True}
    store.commit({("t/mock/default/instances", "inst1"): 0}, {("t/mock/default/instances", "inst1"): value})
    record = store.get("t/mock/default/instances", "inst1")
    assert record is not None and record.value == value and record.version == 1
    store.commit({("t/mock/default/instances", "inst1"): 1}, {("t/mock/default/instances", "inst1"): {"id": "x"}})
    assert store.get("t/mock/default/instances", "inst1").version == 2  # type: ignore[union-attr]


def test_list_is_ordered_and_pages_through_large_namespaces(table: tuple[str, Any]) -> None:
    store = DynamoStateStore(table[0])
    blob = "x" * 20_000  # 60 records of 20 KB: more than one 1 MB Query page
    for start in range(0, 60, 20):
        store.commit({}, {("ns", f"k{i:03d}"): {"i": i, "blob": blob} for i in range(start, start + 20)})
    store.commit({}, {("other", "k000"): {"i": -1}})
    records = store.list("ns")
    assert [r.key for r in records] == [f"k{i:03d}" for i in range(60)]
    assert records[59].value["i"] == 59


def test_a_stale_version_changes_nothing(table: tuple[str, Any]) -> None:
    store = DynamoStateStore(table[0])
    store.commit({}, {("ns", "a"): {"v": 1}, ("ns", "b"): {"v": 1}})
    # read a and b at version 1; meanwhile someone updates b
    store.commit({("ns", "b"): 1}, {("ns", "b"): {"v": 2}})
    with pytest.raises(StateConflict):
        store.commit({("ns", "a"): 1, ("ns", "b"): 1}, {("ns", "a"): {"v": 99}})
    assert store.get("ns", "a").value == {"v": 1}  # type: ignore[union-attr]
    # version 0 expected = must not exist: a second creator loses
    with pytest.raises(StateConflict):
        store.commit({("ns", "a"): 0}, {("ns", "a"): {"v": "again"}})
    # deletes are conditional too
    with pytest.raises(StateConflict):
        store.commit({("ns", "b"): 1}, {("ns", "b"): None})
    store.commit({("ns", "b"): 2}, {("ns", "b"): None})
    assert store.get("ns", "b") is None


def test_concurrent_writers_lose_no_update(table: tuple[str, Any]) -> None:
    state = ScopedState(DynamoStateStore(table[0]), "tenant/mock/default")
    writers, increments = 6, 8

    def add_one(tx: Any) -> None:
        counter = tx.get("meta", "counter") or {"n": 0, "by": []}
        tx.put("meta", "counter", {"n": counter["n"] + 1, "by": counter["by"]})

    def writer() -> None:
        for _ in range(increments):
            state.transact(add_one, attempts=500)

    run_concurrently(writer, writers)  # a writer that failed says why, instead of leaving the count short
    assert state.get("meta", "counter") == {"n": writers * increments, "by": []}


def test_expires_at_becomes_the_tables_ttl_attribute(table: tuple[str, Any]) -> None:
    name, client = table
    store = DynamoStateStore(name)
    store.commit({}, {("ns", "run"): {"status": "done", EXPIRES_AT: 1_900_000_000}})
    item = client.get_item(TableName=name, Key={"pk": {"S": "ns"}, "sk": {"S": "run"}})["Item"]
    assert item[EXPIRES_AT] == {"N": "1900000000"}
    store.commit({("ns", "run"): 1}, {("ns", "run"): {"status": "kept"}})
    item = client.get_item(TableName=name, Key={"pk": {"S": "ns"}, "sk": {"S": "run"}})["Item"]
    assert EXPIRES_AT not in item


def test_clear_removes_a_prefix_only(table: tuple[str, Any]) -> None:
    store = DynamoStateStore(table[0])
    store.commit({}, {("alice/mock/default/instances", str(i)): {"i": i} for i in range(30)})
    store.commit({}, {("bob/mock/default/instances", "1"): {"i": 1}})
    store.clear("alice/")
    assert store.list("alice/mock/default/instances") == []
    assert [r.key for r in store.list("bob/mock/default/instances")] == ["1"]


def test_the_mock_cloud_runs_on_dynamodb(table: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime picks the store from DELTACLOUD_STATE_STORE / DELTACLOUD_STATE_TABLE, as in Lambda."""
    with runtime_with(monkeypatch, DELTACLOUD_STATE_STORE="dynamodb", DELTACLOUD_STATE_TABLE=table[0]):
        runtime = get_runtime()
        assert isinstance(runtime.state_store, DynamoStateStore)
        driver = runtime.driver("mock", None, lambda: Tenant("mockuser"))
        created = driver.create_instances(InstanceCreate(image_id="img1", name="on-dynamo"))
        assert {i.id for i in driver.instances({})} >= {"inst0", created[0].id}
        driver.stop_instance(created[0].id)
        assert driver.instance(created[0].id).state == "STOPPED"  # type: ignore[union-attr]


def test_a_key_longer_than_dynamodb_takes_is_the_clients_to_shorten(table: tuple[str, Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB keys hold 1024 bytes: a key pair named with 1100 characters was a 502 blaming the 400 KB item
    size (on SQLite it was created), and an automation event with such an id was retried for ever."""
    with runtime_with(monkeypatch, DELTACLOUD_STATE_STORE="dynamodb", DELTACLOUD_STATE_TABLE=table[0]):
        driver = get_runtime().driver("mock", None, lambda: Tenant("mockuser"))
        with pytest.raises(ValidationError, match="at most 1024 bytes"):
            driver.create_key("k" * 1100, None)
        assert driver.key("k" * 1100) is None  # looked up, it names nothing (DynamoDB refused the lookup too)
        assert driver.create_key("k" * 1000, None).id == "k" * 1000


def test_an_unreachable_table_is_a_backend_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import free_port

    use_moto(monkeypatch, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setattr("deltacloud.aws_clients.MAX_ATTEMPTS", 1)
    with pytest.raises(BackendUnavailable, match="state store is unavailable"):
        DynamoStateStore("nowhere").get("ns", "key")
