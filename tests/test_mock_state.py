"""The mock cloud's state: concurrency without lost updates, persistence across restarts, reset."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from classic_helpers import xml
from conftest import MOCK_AUTH, LocalServer, start_server, stop_server


def _ids(client: httpx.Client) -> set[str]:
    return {i["id"] for i in client.get("/api/instances?format=json").json()["instances"]}


def test_twenty_threads_create_and_destroy_at_once(server: LocalServer) -> None:
    with server.client(auth=MOCK_AUTH) as client:
        before = _ids(client)

    def worker(n: int) -> tuple[list[str], list[str]]:
        created, destroyed = [], []
        with server.client(auth=MOCK_AUTH) as client:
            for i in range(3):
                r = client.post("/api/instances?format=json", data={"image_id": "img1", "name": f"t{n}-{i}"})
                assert r.status_code == 201, r.text
                created.append(r.json()["instance"]["id"])
            for instance_id in created[:2]:  # each thread destroys two of its three
                assert client.post(f"/api/instances/{instance_id}/stop").status_code == 202
                assert client.delete(f"/api/instances/{instance_id}").status_code == 204
                destroyed.append(instance_id)
        return created, destroyed

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(worker, range(20)))
    created = [i for c, _ in results for i in c]
    destroyed = {i for _, d in results for i in d}
    assert len(set(created)) == 60  # unique ids even when created in the same instant
    with server.client(auth=MOCK_AUTH) as client:
        assert _ids(client) == before | (set(created) - destroyed)


def test_state_survives_a_restart_and_reset_restores_the_seed(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        with first.client(auth=MOCK_AUTH) as client:
            r = client.post("/api/instances", data={"image_id": "img1", "name": "durable"})
            instance_id = xml(r).get("id")
            assert client.put("/api/buckets/bucket1/big", content=b"x" * 100_000).status_code == 200
    finally:
        stop_server(first)
    stored = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file() and "driver-files" in p.parts)
    assert stored >= 100_000
    second = start_server(tmp_path)
    try:
        with second.client(auth=MOCK_AUTH) as client:
            assert client.get(f"/api/instances/{instance_id}").status_code == 200
    finally:
        stop_server(second)
    subprocess.run([sys.executable, "-m", "deltacloud.cli", "--data-dir", str(tmp_path), "reset"], check=True,
                   capture_output=True)
    third = start_server(tmp_path)
    try:
        with third.client(auth=MOCK_AUTH) as client:
            assert _ids(client) == {"inst0", "inst1", "inst2", "inst3"}
            assert client.get("/api/buckets/bucket1/big").status_code == 404
    finally:
        stop_server(third)
    # the uploaded content went with the state that pointed at it (only the reseeded seed blobs remain)
    left = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file() and "driver-files" in p.parts)
    assert left < 10_000


def test_servers_side_by_side_keep_their_own_clouds(tmp_path: Path) -> None:
    a, b = start_server(tmp_path / "a"), start_server(tmp_path / "b")
    try:
        with a.client(auth=MOCK_AUTH) as ca, b.client(auth=MOCK_AUTH) as cb:
            ca.post("/api/keys", data={"name": "only-in-a"})
            assert ca.get("/api/keys/only-in-a").status_code == 200
            assert cb.get("/api/keys/only-in-a").status_code == 404
    finally:
        stop_server(a)
        stop_server(b)


def test_serve_takes_its_data_dir_after_the_command(tmp_path: Path) -> None:
    from conftest import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "deltacloud.cli", "serve", "--port", str(port),
                                "--data-dir", str(tmp_path / "here"), "--log-level", "warning"])
    try:
        for _ in range(100):
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/keys", data={"name": "k"}, auth=MOCK_AUTH)
                break
            except httpx.TransportError:
                import time

                time.sleep(0.1)
        assert r.status_code == 201
        assert (tmp_path / "here" / "state.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
