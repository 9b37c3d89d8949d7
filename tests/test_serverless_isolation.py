"""Tenant isolation: tenant A's requests never reach tenant B's credentials or state — over HTTP on a
real local server, through the authorizer, and in the deployed stores (Secrets Manager, DynamoDB)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LocalServer, start_server, stop_server
from deltacloud.credentials import LocalCredentialStore, Tenant
from deltacloud.runtime import get_runtime
from deltacloud.secrets_store import SecretsManagerStore
from serverless_support import count_calls, runtime_with, unique, use_moto

MOCK = {"username": "mockuser", "password": "mockpassword"}
ALICE, BOB = ("alice", "alice-secret-pw"), ("bob", "bob-secret-pw")


@pytest.fixture(scope="module")
def two_tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A local server whose credential store holds alice and bob, each with mock-cloud credentials."""
    data = tmp_path_factory.mktemp("tenants")
    store = LocalCredentialStore(data / "credentials.json")
    for tenant, secret in (ALICE, BOB):
        store.register(tenant, secret, "mock", None, MOCK, api_key=f"{tenant}-usage-plan-key-0123456789")
    server = start_server(data)
    yield server
    stop_server(server)


def test_an_instance_of_alice_is_invisible_to_bob(two_tenants: LocalServer) -> None:
    json_accept = {"Accept": "application/json"}
    with two_tenants.client(auth=ALICE, headers=json_accept) as alice, \
            two_tenants.client(auth=BOB, headers=json_accept) as bob:
        created = alice.post("/api/instances", data={"image_id": "img1", "name": "alice-only"})
        assert created.status_code == 201, created.text
        instance_id = created.json()["instance"]["id"]
        assert alice.get(f"/api/instances/{instance_id}").status_code == 200
        # bob has a mock cloud of his own (the same seed), in which alice's instance does not exist
        names = [i["name"] for i in bob.get("/api/instances").json()["instances"]]
        assert "alice-only" not in names
        assert bob.get(f"/api/instances/{instance_id}").status_code == 404
        assert bob.post(f"/api/instances/{instance_id}/stop").status_code >= 400
        assert alice.get(f"/api/instances/{instance_id}").json()["instance"]["state"] == "RUNNING"


@pytest.mark.parametrize("auth", [("alice", "bob-secret-pw"), ("bob", "alice-secret-pw"), ("alice/mock", "x")])
def test_one_tenants_secret_never_opens_anothers_account(two_tenants: LocalServer, auth: tuple[str, str]) -> None:
    response = httpx.get(f"{two_tenants.url}/api/instances", auth=auth, timeout=30)
    assert response.status_code == 401
    assert "secret-pw" not in response.text


def test_the_authorizer_maps_each_secret_to_its_own_tenant_only(
    two_tenants: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from authorizer.handler import handler
    from authorizer.policy import Unauthorized
    from deltacloud.local_invoke import LocalLambdaContext
    from serverless_support import authorizer_event, basic, sigv4_event

    with runtime_with(monkeypatch, DELTACLOUD_DATA_DIR=str(two_tenants.data_dir)):
        context = LocalLambdaContext("AuthorizerFunction")
        allowed = handler(authorizer_event("GET", "/api", basic(*ALICE)), context)
        assert allowed["context"]["tenant"] == "alice" and allowed["usageIdentifierKey"].startswith("alice-")
        for event in (authorizer_event("GET", "/api", basic("bob", ALICE[1])),
                      sigv4_event("bob", ALICE[1], query={"Action": "DescribeInstances", "Version": "2016-11-15"})):
            with pytest.raises(Unauthorized):
                handler(event, context)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    prefix = unique("dc")
    client = boto3.client("secretsmanager")
    for tenant, secret in (ALICE, BOB):
        client.create_secret(Name=f"{prefix}/{tenant}", SecretString=json.dumps({"secret": secret}))
        client.create_secret(Name=f"{prefix}/{tenant}/ec2",
                             SecretString=json.dumps({"access_key_id": f"AKIA{tenant.upper()}"}))
    yield prefix, client
    for tenant, _ in (ALICE, BOB):
        for name in (f"{prefix}/{tenant}", f"{prefix}/{tenant}/ec2"):
            client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_secrets_manager_lookups_stay_inside_the_callers_names(aws: tuple[str, Any]) -> None:
    prefix, client = aws
    calls = count_calls(client, "GetSecretValue")
    store = SecretsManagerStore(prefix, client=client)
    alice = store.authenticate(*ALICE)
    assert alice == Tenant("alice")
    assert store.provider_credentials(alice, "ec2", None).get("access_key_id") == "AKIAALICE"  # type: ignore[union-attr]
    # however the driver or provider is spelled, alice's lookups stay under <prefix>/alice/
    for driver, provider in (("ec2", "../bob"), ("../bob/ec2", None), ("ec2/../../bob", "ec2"), ("ec2", "/bob/ec2")):
        found = store.provider_credentials(alice, driver, provider)
        assert found is None or found.get("access_key_id") == "AKIAALICE"
    assert calls and all(name == f"{prefix}/alice" or name.startswith(f"{prefix}/alice/") for name in calls)
    assert not [name for name in calls if "bob" in name.split("/")]


def test_state_scopes_of_tenants_do_not_overlap_in_dynamodb(
    aws: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from deltacloud.model import InstanceCreate
    from serverless_support import create_state_table

    prefix, client = aws
    client.create_secret(Name=f"{prefix}/alice/mock", SecretString=json.dumps(MOCK))
    client.create_secret(Name=f"{prefix}/bob/mock", SecretString=json.dumps(MOCK))
    table = unique("state")
    create_state_table(boto3.client("dynamodb"), table)
    try:
        with runtime_with(monkeypatch, DELTACLOUD_STATE_STORE="dynamodb", DELTACLOUD_STATE_TABLE=table,
                          DELTACLOUD_CREDENTIALS="secretsmanager", DELTACLOUD_SECRET_PREFIX=prefix):
            runtime = get_runtime()
            alice = runtime.driver("mock", None, lambda: runtime.credential_store.authenticate(*ALICE))
            bob = runtime.driver("mock", None, lambda: runtime.credential_store.authenticate(*BOB))
            made = alice.create_instances(InstanceCreate(image_id="img1", name="alice-dynamo"))
            assert "alice-dynamo" not in {i.name for i in bob.instances({})}
            bob.stop_instance("inst1")
            assert alice.instance("inst1").state == "RUNNING"  # type: ignore[union-attr]
            namespaces = {item["pk"]["S"].split("/")[0] for item in boto3.client("dynamodb").scan(
                TableName=table, ProjectionExpression="pk")["Items"]}
            assert namespaces == {"alice", "bob"} and made
    finally:
        boto3.client("dynamodb").delete_table(TableName=table)
        for tenant in ("alice", "bob"):
            client.delete_secret(SecretId=f"{prefix}/{tenant}/mock", ForceDeleteWithoutRecovery=True)


def test_local_store_file_is_private(two_tenants: LocalServer) -> None:
    mode = Path(two_tenants.data_dir / "credentials.json").stat().st_mode & 0o777
    assert mode == 0o600
