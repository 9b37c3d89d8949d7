"""The Secrets Manager CredentialStore and tenant registry against a real moto server: secret layout,
TTL caching counted in real GetSecretValue calls, registration by the CLI, errors, no secret in logs."""

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from deltacloud.credentials import Tenant
from deltacloud.errors import BackendUnavailable
from deltacloud.runtime import get_runtime
from deltacloud.secrets_store import SecretsManagerStore, TtlCache, secret_name
from serverless_support import cli, count_calls, runtime_with, unique, use_moto


@pytest.fixture
def secretsmanager(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    return boto3.client("secretsmanager")


@pytest.fixture
def prefix(secretsmanager: Any) -> Iterator[str]:
    """A secret prefix of this test's own; its secrets are deleted afterwards."""
    name = unique("dc")
    yield name
    for page in secretsmanager.get_paginator("list_secrets").paginate():
        for secret in page["SecretList"]:
            if secret["Name"].startswith(name + "/"):
                secretsmanager.delete_secret(SecretId=secret["Name"], ForceDeleteWithoutRecovery=True)


def put(client: Any, name: str, value: dict[str, Any]) -> None:
    client.create_secret(Name=name, SecretString=json.dumps(value))


def test_secret_names_follow_the_documented_layout() -> None:
    assert secret_name("deltacloud", "alice") == "deltacloud/alice"
    assert secret_name("deltacloud", "alice", "ec2") == "deltacloud/alice/ec2"
    assert secret_name("deltacloud", "alice", "ec2", "eu-west-1") == "deltacloud/alice/ec2/eu-west-1"
    # a provider URL cannot contain "/" or ":" in a secret name: encoded, and never a plain name
    encoded = secret_name("deltacloud", "alice", "openstack", "https://keystone.example:5000/v3")
    assert encoded.startswith("deltacloud/alice/openstack/=") and encoded.count("/") == 3
    for bad in ("alice/ec2", "", "a" * 65, "al ice", "=alice"):
        with pytest.raises(ValueError, match="tenant ids"):
            secret_name("deltacloud", bad)


def test_tenant_registry_and_provider_credentials(secretsmanager: Any, prefix: str) -> None:
    put(secretsmanager, f"{prefix}/alice", {"secret": "alice-pw", "api_key": "alice-usage-key-0123456789"})
    put(secretsmanager, f"{prefix}/alice/ec2", {"access_key_id": "AKIADEFAULT", "secret_access_key": "s1"})
    put(secretsmanager, f"{prefix}/alice/ec2/eu-west-1", {"access_key_id": "AKIAEU", "secret_access_key": "s2"})
    store = SecretsManagerStore(prefix)
    alice = store.authenticate("alice", "alice-pw")
    assert alice == Tenant("alice")
    assert store.authenticate("alice", "wrong") is None
    assert store.authenticate("nobody", "alice-pw") is None
    assert store.signing_secret("alice") == (Tenant("alice"), "alice-pw")
    assert store.signing_secret("nobody") is None
    assert store.usage_plan_key(Tenant("alice")) == "alice-usage-key-0123456789"
    eu = store.provider_credentials(Tenant("alice"), "ec2", "eu-west-1")
    assert eu is not None and eu.get("access_key_id") == "AKIAEU"
    other = store.provider_credentials(Tenant("alice"), "ec2", "us-east-1")  # falls back to the driver's
    assert other is not None and other.get("access_key_id") == "AKIADEFAULT"
    assert store.provider_credentials(Tenant("alice"), "mock", None) is None
    assert "s1" not in repr(other) and "AKIADEFAULT" not in repr(other)


def test_requests_within_the_ttl_make_one_get_secret_value(secretsmanager: Any, prefix: str) -> None:
    put(secretsmanager, f"{prefix}/alice", {"secret": "alice-pw", "api_key": "alice-usage-key-0123456789"})
    put(secretsmanager, f"{prefix}/alice/mock", {"username": "mockuser", "password": "mockpassword"})
    calls = count_calls(secretsmanager, "GetSecretValue")
    store = SecretsManagerStore(prefix, max_age=300, client=secretsmanager)
    for _ in range(25):  # 25 requests: authenticate, usage key, provider credentials, an unknown tenant
        assert store.authenticate("alice", "alice-pw") is not None
        assert store.usage_plan_key(Tenant("alice"))
        assert store.provider_credentials(Tenant("alice"), "mock", None) is not None
        assert store.authenticate("mallory", "guess") is None
    assert sorted(calls) == sorted([f"{prefix}/alice", f"{prefix}/alice/mock", f"{prefix}/mallory"])


def test_after_the_ttl_the_secret_is_read_again(secretsmanager: Any, prefix: str) -> None:
    put(secretsmanager, f"{prefix}/alice", {"secret": "old-pw"})
    calls = count_calls(secretsmanager, "GetSecretValue")
    store = SecretsManagerStore(prefix, client=secretsmanager)
    clock = [1000.0]
    store._cache = TtlCache(60, clock=lambda: clock[0])
    assert store.authenticate("alice", "old-pw")
    secretsmanager.put_secret_value(SecretId=f"{prefix}/alice", SecretString=json.dumps({"secret": "new-pw"}))
    clock[0] += 59
    assert store.authenticate("alice", "old-pw"), "within the TTL the cached secret holds"
    clock[0] += 2
    assert store.authenticate("alice", "new-pw") and not store.authenticate("alice", "old-pw")
    assert len(calls) == 2


def test_ids_that_could_name_another_secret_never_reach_secrets_manager(secretsmanager: Any, prefix: str) -> None:
    put(secretsmanager, f"{prefix}/alice", {"secret": "alice-pw"})
    put(secretsmanager, f"{prefix}/alice/mock", {"secret": "not-a-tenant-secret"})
    calls = count_calls(secretsmanager, "GetSecretValue")
    store = SecretsManagerStore(prefix, client=secretsmanager)
    assert store.authenticate("alice/mock", "not-a-tenant-secret") is None
    assert store.signing_secret("alice/mock") is None
    assert store.provider_credentials(Tenant("../alice"), "mock", None) is None
    assert calls == []


def test_a_malformed_secret_is_ignored_and_logged_without_its_value(
    secretsmanager: Any, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    secretsmanager.create_secret(Name=f"{prefix}/alice", SecretString="hunter2-not-json")
    assert SecretsManagerStore(prefix).authenticate("alice", "hunter2-not-json") is None
    assert "not a JSON object" in caplog.text and "hunter2" not in caplog.text


def test_an_unreachable_secrets_manager_is_a_backend_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import free_port

    use_moto(monkeypatch, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr("deltacloud.aws_clients.MAX_ATTEMPTS", 1)
    with pytest.raises(BackendUnavailable, match="credential store is unavailable"):
        SecretsManagerStore("dc").authenticate("alice", "pw")


def test_runtime_selects_secrets_manager(secretsmanager: Any, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    put(secretsmanager, f"{prefix}/alice", {"secret": "alice-pw"})
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="secretsmanager", DELTACLOUD_SECRET_PREFIX=prefix):
        store = get_runtime().credential_store
        assert isinstance(store, SecretsManagerStore)
        assert store.authenticate("alice", "alice-pw") == Tenant("alice")


def test_cli_registers_a_tenant_in_secrets_manager(secretsmanager: Any, prefix: str, tmp_path: Any) -> None:
    result = cli("tenant", "register", "bob", "--secret", "-", "--store",
                 "secretsmanager", "--secret-prefix", prefix, "--driver", "mock", "--credential", "username=mockuser",
                 "--credential", "password=mockpassword", stdin="bob-secret-pw\n", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{prefix}/bob" in result.stdout and f"{prefix}/bob/mock" in result.stdout
    assert "bob-secret-pw" not in result.stdout + result.stderr
    assert "mockpassword" not in result.stdout + result.stderr
    entry = json.loads(secretsmanager.get_secret_value(SecretId=f"{prefix}/bob")["SecretString"])
    assert entry["secret"] == "bob-secret-pw" and len(entry["api_key"]) >= 20
    store = SecretsManagerStore(prefix)
    assert store.authenticate("bob", "bob-secret-pw") == Tenant("bob")
    assert store.provider_credentials(Tenant("bob"), "mock", None).password == "mockpassword"  # type: ignore[union-attr]

    # updating provider credentials keeps the secret and the usage-plan key
    again = cli("tenant", "register", "bob", "--store", "secretsmanager", "--secret-prefix", prefix, "--driver",
                "ec2", "--provider", "eu-west-1", "--credential", "access_key_id=AKIA1", "--credential",
                "secret_access_key=s3cr3t")
    assert again.returncode == 0, again.stderr
    updated = json.loads(secretsmanager.get_secret_value(SecretId=f"{prefix}/bob")["SecretString"])
    assert updated == entry
    assert SecretsManagerStore(prefix).provider_credentials(Tenant("bob"), "ec2", "eu-west-1") is not None


def test_cli_reads_secret_values_from_stdin_not_the_command_line(tmp_path: Any) -> None:
    """'-' values are read from stdin, one line each: the tenant's secret first, then the credentials in order."""
    from deltacloud.credentials import LocalCredentialStore

    args = ["--data-dir", str(tmp_path), "tenant", "register", "erin", "--store", "local", "--secret", "-",
            "--driver", "mock", "--credential", "username=-", "--credential", "password=-"]
    result = cli(*args, stdin="erin-secret-pw\nmockuser\nmock pass word\n")
    assert result.returncode == 0, result.stderr
    assert "erin-secret-pw" not in result.stdout + result.stderr
    store = LocalCredentialStore(tmp_path / "credentials.json")
    assert store.authenticate("erin", "erin-secret-pw") == Tenant("erin")
    credentials = store.provider_credentials(Tenant("erin"), "mock", None)
    assert credentials is not None and (credentials.username, credentials.password) == ("mockuser", "mock pass word")

    short = cli(*args, stdin="erin-secret-pw\nmockuser\n")  # one '-' value missing: nothing half-written
    assert short.returncode != 0 and "stdin ended" in short.stderr and "Traceback" not in short.stderr
    assert store.provider_credentials(Tenant("erin"), "mock", None) == credentials


def test_cli_prompts_for_secret_values_on_a_terminal_without_echoing_them(tmp_path: Any) -> None:
    """Typed at a terminal, a '-' value gets a prompt naming it and never appears on the screen."""
    import pty
    import select
    import time

    from deltacloud.credentials import LocalCredentialStore

    pid, terminal = pty.fork()
    if pid == 0:  # the child: the CLI, with the pseudo-terminal as its controlling terminal
        os.execv(sys.executable, [sys.executable, "-m", "deltacloud.cli", "--data-dir", str(tmp_path), "tenant",
                                  "register", "frank", "--store", "local", "--secret", "-", "--driver", "mock",
                                  "--credential", "username=mockuser", "--credential", "password=-"])
    screen = b""

    def read_until(text: bytes) -> None:
        nonlocal screen
        deadline = time.monotonic() + 20
        while text not in screen and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.5)[0]:
                try:
                    screen += os.read(terminal, 1024)
                except OSError:  # the child is gone
                    return

    read_until(b"tenant secret: ")
    os.write(terminal, b"frank-typed-secret\n")
    read_until(b"password: ")
    os.write(terminal, b"typed mock password\n")
    read_until(b"registered")
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert b"tenant secret: " in screen and b"password: " in screen
    assert b"frank-typed-secret" not in screen and b"typed mock password" not in screen
    store = LocalCredentialStore(tmp_path / "credentials.json")
    assert store.authenticate("frank", "frank-typed-secret") == Tenant("frank")


def test_cli_adds_the_usage_plan_key_in_api_gateway(secretsmanager: Any, prefix: str, tmp_path: Any) -> None:
    import boto3

    apigateway = boto3.client("apigateway")
    plan = apigateway.create_usage_plan(name=unique("plan"))
    result = cli("tenant", "register", "carol", "--secret", "carol-pw", "--store", "secretsmanager",
                 "--secret-prefix", prefix, "--usage-plan-id", plan["id"])
    assert result.returncode == 0, result.stderr
    key_value = json.loads(secretsmanager.get_secret_value(SecretId=f"{prefix}/carol")["SecretString"])["api_key"]
    keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [k["value"] for k in keys] == [key_value], "the authorizer's usageIdentifierKey is in the plan"
    assert key_value not in result.stdout
    # registering again (a new secret) neither duplicates the key nor fails
    again = cli("tenant", "register", "carol", "--secret", "carol-pw-2", "--store", "secretsmanager",
                "--secret-prefix", prefix, "--usage-plan-id", plan["id"])
    assert again.returncode == 0, again.stderr
    assert len(apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]) == 1
    apigateway.delete_usage_plan(usagePlanId=plan["id"])


def test_cli_rejects_bad_registrations_clearly(tmp_path: Any) -> None:
    cases = [
        (["tenant", "register", "a/b", "--secret", "x"], "tenant ids"),
        (["tenant", "register", "dave"], "needs a secret"),
        (["tenant", "register", "dave", "--secret", "x", "--credential", "username=u"], "go together"),
        (["tenant", "register", "dave", "--secret", "x", "--driver", "mock", "--credential", "novalue"], "name=value"),
        (["tenant", "register", "dave", "--secret", "x", "--api-key", "short"], "at least 20"),
    ]
    for args, message in cases:
        result = cli(*args, data_dir=tmp_path)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_made_up_names_do_not_grow_the_cache_without_bound(secretsmanager: Any, prefix: str) -> None:
    """Every unknown user name is remembered as absent, but only the most recent ones are kept."""
    put(secretsmanager, f"{prefix}/alice", {"secret": "pw"})
    calls = count_calls(secretsmanager, "GetSecretValue")
    store = SecretsManagerStore(prefix, client=secretsmanager, max_names=3)
    assert store.authenticate("alice", "pw")
    for guess in ("bob", "carol", "dave"):
        assert store.authenticate(guess, "pw") is None
    assert len(store._cache._entries) == 3 and "alice" not in str(list(store._cache._entries))
    assert store.authenticate("alice", "pw")  # evicted: read again, still right
    assert len(calls) == 5


def test_a_failed_load_leaves_nothing_behind_in_the_cache() -> None:
    """A load that fails (Secrets Manager throttling, say) caches nothing and keeps no lock for the name."""
    cache = TtlCache(60)

    def failing(name: str) -> None:
        raise BackendUnavailable("throttled")

    for name in ("bob", "carol"):
        with pytest.raises(BackendUnavailable):
            cache.get(name, failing)
    assert cache._entries == {} and cache._locks == {}
    assert cache.get("bob", lambda name: None) is None  # loads again afterwards
