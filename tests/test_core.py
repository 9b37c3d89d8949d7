"""Core building blocks: capability declarations, the driver contract, state store, credentials."""

from pathlib import Path

import pydantic
import pytest
from conftest import run_concurrently
from deltacloud.capabilities import Capabilities, UnknownCapability, supports
from deltacloud.credentials import LocalCredentialStore, PassThroughStore, ProviderCredentials
from deltacloud.driver import Driver
from deltacloud.errors import ValidationError
from deltacloud.model import HardwareProfile, HardwareProperty, InstanceCreate, StateMachine, StorageVolumeCreate
from deltacloud.state import ScopedState
from deltacloud.state.sqlite import SqliteStateStore


def test_unknown_feature_names_fail_loudly() -> None:
    with pytest.raises(UnknownCapability, match="user_Data"):
        supports("instances", "index", features=["user_Data"])
    with pytest.raises(UnknownCapability, match="belongs to 'instances'"):
        supports("images", "index", features=["user_name"])
    with pytest.raises(UnknownCapability, match="unknown operations"):
        supports("instances", "launch")
    with pytest.raises(UnknownCapability, match="unknown collection"):
        supports("servers", "index")


def test_features_are_kept_in_catalogue_order() -> None:
    caps = Capabilities.of(supports("instances", "index", features=["authentication_key", "user_name", "metrics"]))
    assert [f.name for f in caps.features("instances")] == ["metrics", "user_name", "authentication_key"]


def test_a_driver_cannot_declare_what_it_does_not_implement() -> None:
    with pytest.raises(TypeError, match="create_instances"):
        class Liar(Driver):  # noqa: F841 - the class statement itself must fail
            name = "liar"
            title = "Liar"
            capabilities = Capabilities.of(supports("instances", "index", "create"))

            def instances(self, filters):  # type: ignore[no-untyped-def]
                return []


def test_state_machine_actions() -> None:
    machine = StateMachine.parse("start -create-> pending", "pending -> running", "running -stop-> stopped",
                                 "stopped -start-> running", "stopped -destroy-> finish")
    assert machine.states() == ["start", "pending", "running", "stopped", "finish"]
    assert machine.actions_from("RUNNING") == ["stop"]
    assert machine.actions_from("STOPPED") == ["start", "destroy"]
    assert machine.actions_from("PENDING") == []


def test_hardware_profile_overrides_are_validated() -> None:
    profile = HardwareProfile(id="p", name="p", properties=[
        HardwareProperty.range("memory", 512, 2048), HardwareProperty.enum("storage", [10, 20]),
        HardwareProperty.fixed("architecture", "x86_64")])
    profile.check_overrides({"memory": "1024", "storage": "20", "architecture": "x86_64"})
    for bad in ({"memory": "4096"}, {"memory": "lots"}, {"storage": "15"}, {"architecture": "arm"}, {"cpu": "2"}):
        with pytest.raises(ValidationError):
            profile.check_overrides(bad)


@pytest.mark.parametrize("count", [0, -1, 51])
def test_a_launch_request_bounds_its_instance_count(count: int) -> None:
    """The bound lives in the request model, so no driver is ever asked for 0 or 10,000 instances."""
    with pytest.raises(pydantic.ValidationError):
        InstanceCreate(image_id="img1", instance_count=count)
    assert InstanceCreate(image_id="img1", instance_count=50).instance_count == 50


@pytest.mark.parametrize("capacity", [0, -1, 16385, "lots"])
def test_a_volume_request_bounds_its_capacity(capacity: object) -> None:
    """Likewise for volumes: no driver is asked for a 0 GB or a 100 TB volume, or for "lots"."""
    with pytest.raises(pydantic.ValidationError):
        StorageVolumeCreate(capacity=capacity)
    assert StorageVolumeCreate(capacity=16384).capacity == 16384
    assert StorageVolumeCreate().capacity is None  # the snapshot's size, or the driver's default


def test_optimistic_transactions_lose_no_update(tmp_path: Path) -> None:
    state = ScopedState(SqliteStateStore(tmp_path / "state.db"), "tenant/mock/default")

    def increment() -> None:
        for _ in range(25):
            def work(tx):  # type: ignore[no-untyped-def]
                counter = tx.get("meta", "counter") or {"value": 0}
                tx.put("meta", "counter", {"value": counter["value"] + 1})
            state.transact(work)

    run_concurrently(increment, 8)
    assert state.get("meta", "counter") == {"value": 200}


def test_scopes_isolate_tenants(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    alice, bob = ScopedState(store, "alice/mock/default"), ScopedState(store, "bob/mock/default")
    alice.transact(lambda tx: tx.put("instances", "i1", {"id": "i1"}))
    assert bob.get("instances", "i1") is None and bob.list("instances") == []
    alice.clear()
    assert alice.list("instances") == []


def test_credentials_never_show_secrets(tmp_path: Path) -> None:
    credentials = ProviderCredentials.basic("user", "s3cret-value")
    assert "s3cret-value" not in repr(credentials)
    tenant = PassThroughStore().authenticate("user", "s3cret-value")
    assert tenant is not None and "s3cret-value" not in repr(tenant)
    store = LocalCredentialStore(tmp_path / "credentials.json")
    assert store.authenticate("mockuser", "mockpassword") is not None  # the documented demo tenant
    assert store.authenticate("mockuser", "wrong") is None
    assert (tmp_path / "credentials.json").stat().st_mode & 0o077 == 0
    store.register("acme", "acme-secret", "ec2", "us-east-1", {"access_key_id": "AKIA", "secret_access_key": "x"})
    acme = store.authenticate("acme", "acme-secret")
    assert acme is not None
    found = store.provider_credentials(acme, "ec2", "us-east-1")
    assert found is not None and found.get("access_key_id") == "AKIA"
    assert store.provider_credentials(acme, "mock", None) is None


def test_pass_through_tenants_are_bound_to_their_secret() -> None:
    store = PassThroughStore()
    right, again, wrong = (store.authenticate("alice", s) for s in ("s3cret", "s3cret", "guess"))
    assert right is not None and again is not None and wrong is not None
    assert right.id == again.id != wrong.id  # a guessed user name never lands in alice's state
    assert "s3cret" not in right.id and "alice" not in right.id


def test_a_fresh_credential_store_opened_by_many_threads_at_once(tmp_path: Path) -> None:
    """Each opening writes the demo tenant's file when there is none, through a temporary file: with one shared
    temporary name, one thread moved another's away (FileNotFoundError: the first requests of a fresh server)."""
    for attempt in range(5):
        path = tmp_path / f"fresh-{attempt}" / "credentials.json"
        stores = run_concurrently(lambda path=path: LocalCredentialStore(path), 8)
        assert all(store.authenticate("mockuser", "mockpassword") is not None for store in stores)
        assert sorted(p.name for p in path.parent.iterdir()) == ["credentials.json"]  # no temporary file left
