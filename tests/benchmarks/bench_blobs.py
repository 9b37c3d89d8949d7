"""Benchmark: blob PUT and GET throughput through the local server vs a plain loopback socket copy.

For 1 MB and 200 MB blobs, the same bytes are (a) uploaded with ``PUT /api/buckets/b/<blob>`` and
downloaded with ``GET .../content`` through a real ``deltacloud serve`` process, and (b) copied over
a plain TCP loopback socket to and from a helper process that only sends or discards bytes. Both
sides use raw sockets / ``http.client`` with 1 MB buffers, so the client library costs little and
the figures are about the server. Prints throughputs, their ratios (target >= 0.5) and the peak
resident memory of the server process (VmHWM) against its memory before the transfers.

For reference it also measures, under the same uvicorn, a do-nothing ASGI app (it discards uploads
and sends a file for downloads): the ceiling any route served by the local server can reach; and a
one-route Starlette app for uploads, which reads the body, discards it and makes one trip to a worker
thread: the least any Starlette route storing through a blocking driver pays per request.

Run: .venv/bin/python tests/benchmarks/bench_blobs.py [repeats]
"""

import base64
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import MOCK_AUTH, LocalServer, free_port, start_server, stop_server  # noqa: E402
from timing import time_calls  # noqa: E402

MB = 1024 * 1024
BUFFER = MB
AUTH = "Basic " + base64.b64encode(":".join(MOCK_AUTH).encode()).decode()

#: the baseline's other end: sends a file, or receives and discards a number of bytes, per connection
PEER = textwrap.dedent('''
    import socket, sys
    mode, port, path, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    listener = socket.create_server(("127.0.0.1", port))
    print("ready", flush=True)
    buffer = memoryview(bytearray(1024 * 1024))
    while True:
        conn, _ = listener.accept()
        with conn:
            if mode == "source":
                with open(path, "rb", buffering=0) as source:
                    while chunk := source.read(len(buffer)):
                        conn.sendall(chunk)
            else:
                left = size
                while left:
                    left -= conn.recv_into(buffer, min(left, len(buffer)))
                conn.sendall(b"k")
''')


#: the reference: an ASGI app doing nothing but moving the bytes, served by uvicorn like the local server
BARE_APP = textwrap.dedent('''
    import os

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["method"] == "PUT":
            while (await receive()).get("more_body"):
                pass
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        path = os.path.join(os.environ["BENCH_FILES"], scope["path"].rsplit("/", 1)[-1])
        headers = [(b"content-length", str(os.path.getsize(path)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        with open(path, "rb", buffering=0) as source:
            while chunk := source.read(1024 * 1024):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
''')



#: the second reference: one Starlette route; an upload is read and discarded, with one trip to a worker thread
STARLETTE_APP = textwrap.dedent('''
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    from starlette.routing import Route

    async def upload(request):
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        await run_in_threadpool(str, size)
        return Response("<blob/>", media_type="application/xml")

    app = Starlette(routes=[Route("/{name}", upload, methods=["PUT"])])
''')

def vm(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure (VmRSS, VmHWM) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def send_file(sock: socket.socket, path: Path) -> None:
    with path.open("rb", buffering=0) as source:
        while chunk := source.read(BUFFER):
            sock.sendall(chunk)


def http_put(host: str, path: Path, target: str) -> None:
    conn = http.client.HTTPConnection(host, timeout=120)
    conn.putrequest("PUT", target)
    for name, value in (("Authorization", AUTH), ("Content-Type", "application/octet-stream"),
                        ("Content-Length", str(path.stat().st_size))):
        conn.putheader(name, value)
    conn.endheaders()
    assert conn.sock is not None
    send_file(conn.sock, path)
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status
    conn.close()


def http_get(host: str, target: str, size: int) -> None:
    conn = http.client.HTTPConnection(host, timeout=120)
    conn.request("GET", target, headers={"Authorization": AUTH})
    response = conn.getresponse()
    assert response.status == 200, response.status
    buffer, received = memoryview(bytearray(BUFFER)), 0
    while read := response.readinto(buffer):
        received += read
    assert received == size, (received, size)
    conn.close()


def socket_put(port: int, path: Path) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        send_file(sock, path)
        assert sock.recv(1) == b"k"


def socket_get(port: int, size: int) -> None:
    buffer, received = memoryview(bytearray(BUFFER)), 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        while read := sock.recv_into(buffer):
            received += read
    assert received == size, (received, size)


def rate(size: int, action: Callable[[], None], repeats: int) -> float:
    """Median MB/s over ``repeats`` runs (after one warm-up run)."""
    return size / MB / statistics.median(time_calls(action, repeats, warm_up=1))


def start_peer(tmp: Path, mode: str, path: Path) -> tuple[subprocess.Popen[bytes], int]:
    script = tmp / "peer.py"
    script.write_text(PEER)
    port = free_port()
    peer = subprocess.Popen([sys.executable, str(script), mode, str(port), str(path), str(path.stat().st_size)],
                            stdout=subprocess.PIPE)
    assert peer.stdout is not None and peer.stdout.readline().strip() == b"ready"
    return peer, port


def start_reference(tmp: Path, module: str, source: str) -> tuple[subprocess.Popen[bytes], str]:
    """One of the reference apps, served by uvicorn like the local server."""
    (tmp / f"{module}.py").write_text(source)
    port = free_port()
    app = subprocess.Popen([sys.executable, "-m", "uvicorn", f"{module}:app", "--port", str(port), "--log-level",
                            "warning", "--no-access-log"], cwd=tmp, env={**os.environ, "BENCH_FILES": str(tmp)})
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return app, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    app.kill()
    raise RuntimeError(f"the reference app {module} did not start")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = {}
        for size_mb in (1, 200):
            files[size_mb] = tmp / f"blob{size_mb}"
            with files[size_mb].open("wb") as out:
                for _ in range(size_mb):
                    out.write(os.urandom(MB))
        server: LocalServer = start_server(tmp / "data")
        bare, bare_host = start_reference(tmp, "bare_app", BARE_APP)
        starlette, starlette_host = start_reference(tmp, "starlette_app", STARLETTE_APP)
        peers: list[subprocess.Popen[bytes]] = [bare, starlette]
        try:
            host = server.url.removeprefix("http://")
            conn = http.client.HTTPConnection(host)
            conn.request("POST", "/api/buckets", body="name=bench",
                         headers={"Authorization": AUTH, "Content-Type": "application/x-www-form-urlencoded"})
            assert conn.getresponse().status == 201
            rss_before = vm(server.process.pid, "VmRSS")
            print(f"server RSS before transfers: {rss_before / MB:.1f} MB")
            ratios = []
            for size_mb, path in files.items():
                size = path.stat().st_size
                runs = repeats if size_mb > 1 else repeats * 10
                sink, sink_port = start_peer(tmp, "sink", path)
                source, source_port = start_peer(tmp, "source", path)
                peers += [sink, source]
                blob = f"/api/buckets/bench/{path.name}"
                figures = {
                    "PUT": (rate(size, lambda p=path, b=blob: http_put(host, p, b), runs),
                            rate(size, lambda p=path: http_put(bare_host, p, f"/{p.name}"), runs),
                            rate(size, lambda p=path: http_put(starlette_host, p, f"/{p.name}"), runs),
                            rate(size, lambda p=path, port=sink_port: socket_put(port, p), runs)),
                    "GET": (rate(size, lambda b=blob, n=size: http_get(host, f"{b}/content", n), runs),
                            rate(size, lambda p=path, n=size: http_get(bare_host, f"/{p.name}", n), runs),
                            None,  # no Starlette reference for downloads
                            rate(size, lambda n=size, port=source_port: socket_get(port, n), runs)),
                }
                for verb, (through, ceiling, one_route, plain) in figures.items():
                    ratios.append(through / plain)
                    starlette_ratio = f", one-route Starlette app {one_route / plain:4.2f}" if one_route else ""
                    print(f"{verb} {size_mb:4d} MB: server {through:7.1f} MB/s   loopback socket {plain:7.1f} MB/s   "
                          f"ratio {through / plain:4.2f} (target >= 0.5)   | references: bare ASGI app "
                          f"{ceiling / plain:4.2f}{starlette_ratio}")
            peak = vm(server.process.pid, "VmHWM")
            print(f"server peak RSS (VmHWM): {peak / MB:.1f} MB, {(peak - rss_before) / MB:+.1f} MB over the RSS "
                  f"before the transfers (bound: +64 MB)")
            print(f"lowest ratio: {min(ratios):.2f}")
        finally:
            for peer in peers:
                peer.kill()
                peer.wait()
            stop_server(server)


if __name__ == "__main__":
    main()
