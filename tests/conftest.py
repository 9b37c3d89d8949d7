"""Shared fixtures: real servers on free loopback ports, each with its own data directory."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
MOCK_AUTH = ("mockuser", "mockpassword")

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalServer:
    """A ``deltacloud serve`` process on 127.0.0.1 and a free port."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]


def start_server(data_dir: Path, env: dict[str, str] | None = None) -> LocalServer:
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    full_env.pop("API_USER", None)
    full_env.pop("API_PASSWORD", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "deltacloud.cli", "--data-dir", str(data_dir), "serve", "--port", str(port),
         "--log-level", "warning"],
        env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            httpx.get(f"{url}/api", timeout=1)
            return LocalServer(url, data_dir, process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 30 s")


def wait_until_up(url: str, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200 (a server starting up); RuntimeError after ``timeout`` seconds, or
    as soon as the server's ``process`` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


def run_concurrently(work: Callable[[], T], count: int) -> list[T]:
    """Run ``work`` in ``count`` threads at once; their results, once all are done. An error raised in any
    of the threads is raised here."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work) for _ in range(count)]
    return [future.result() for future in futures]


def stop_server(server: LocalServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A fresh local server (mock cloud seeded anew) shared by one test module."""
    running = start_server(tmp_path_factory.mktemp("data"))
    yield running
    stop_server(running)


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    """An authenticated client of the classic API."""
    with server.client(auth=MOCK_AUTH) as client:
        yield client


@pytest.fixture
def cimi(server: LocalServer) -> Iterator[httpx.Client]:
    """An authenticated client of the CIMI API (the demo tenant; modules with their own server override it)."""
    with server.client(auth=MOCK_AUTH) as client:
        yield client


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process code (handlers, drivers) never touches the developer's real data directory, and each
    test gets its own: the process runtime (cached, as in a Lambda container) is built anew for it, so no
    test sees the mock cloud another test changed."""
    from deltacloud.runtime import get_runtime

    monkeypatch.setenv("DELTACLOUD_DATA_DIR", str(tmp_path / "inprocess-data"))
    get_runtime.cache_clear()
    yield
    get_runtime.cache_clear()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server (every AWS service on one port) on 127.0.0.1 and a free port.

    It answers one request at a time. Moto's DynamoDB is not safe under concurrent requests: a
    ``TransactWriteItems`` whose condition fails restores a copy of the whole table taken before it ran,
    undoing writes other threads made meanwhile. DynamoDB itself applies each request atomically, so one
    request at a time is the faithful emulation; connections are still served in parallel threads."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    moto_app = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()

    def serialized_app(environ: dict, start_response: Callable) -> object:
        with one_at_a_time:
            # moto answers with a list of bytes, complete before the lock is released
            return moto_app(environ, start_response)

    server = make_server("127.0.0.1", 0, serialized_app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    wait_until_up(f"{url}/moto-api/")
    yield url
    server.shutdown()
    thread.join()
