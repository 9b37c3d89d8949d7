"""Benchmark: GET /api/instances (XML, mock seed data) on the local server vs a trivial Starlette endpoint.

Both are served by uvicorn in their own process on a free loopback port and measured the same way in the
same run (sequential requests over one keep-alive connection). Target: median ratio <= 3.

Run: .venv/bin/python tests/benchmarks/bench_classic_api.py [requests]
"""

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import MOCK_AUTH, free_port, start_server, stop_server  # noqa: E402

TRIVIAL_APP = textwrap.dedent('''
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def hello(request):
        return Response(b"<ok/>", media_type="application/xml")

    app = Starlette(routes=[Route("/hello", hello)])
''')


def measure(client: httpx.Client, path: str, count: int) -> list[float]:
    for _ in range(50):  # warm up
        client.get(path)
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    return timings


def summary(name: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    median = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    rate = 1 / statistics.mean(ordered)
    print(f"{name:32s} median {median * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms   {rate:8.0f} req/s")
    return median


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        app_dir = Path(tmp) / "trivial"
        app_dir.mkdir()
        (app_dir / "trivial_app.py").write_text(TRIVIAL_APP)
        port = free_port()
        trivial = subprocess.Popen([sys.executable, "-m", "uvicorn", "trivial_app:app", "--port", str(port),
                                    "--log-level", "warning", "--no-access-log"], cwd=app_dir)
        server = start_server(Path(tmp) / "data")
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/hello")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            with httpx.Client(base_url=base) as plain, server.client(auth=MOCK_AUTH) as api:
                trivial_median = summary("trivial Starlette endpoint", measure(plain, "/hello", count))
                api_median = summary("GET /api/instances (XML)", measure(api, "/api/instances", count))
        finally:
            trivial.terminate()
            stop_server(server)
    print(f"ratio of medians: {api_median / trivial_median:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
