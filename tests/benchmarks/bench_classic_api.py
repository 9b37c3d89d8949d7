"""Benchmark: GET /api/instances (XML, mock seed data) on the local server vs a trivial Starlette endpoint.

Both are served by uvicorn in their own process on a free loopback port and measured the same way in the
same run (sequential requests over one keep-alive connection). Target: median ratio <= 3.

Run: .venv/bin/python tests/benchmarks/bench_classic_api.py [requests]
"""

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import MOCK_AUTH, free_port, start_server, stop_server, wait_until_up  # noqa: E402
from timing import Summary, ok_get, time_calls  # noqa: E402

TRIVIAL_APP = textwrap.dedent('''
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def hello(request):
        return Response(b"<ok/>", media_type="application/xml")

    app = Starlette(routes=[Route("/hello", hello)])
''')


def measure(name: str, client: httpx.Client, path: str, count: int) -> float:
    """Print the figures of ``count`` GETs of ``path`` (after 50 to warm up); returns the median."""
    summary = Summary.of(time_calls(ok_get(client, path), count, warm_up=50))
    print(f"{name:32s} median {summary.median * 1000:7.3f} ms   p99 {summary.p99 * 1000:7.3f} ms   "
          f"{1 / summary.mean:8.0f} req/s")
    return summary.median


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
            wait_until_up(f"{base}/hello")
            with httpx.Client(base_url=base) as plain, server.client(auth=MOCK_AUTH) as api:
                trivial_median = measure("trivial Starlette endpoint", plain, "/hello", count)
                api_median = measure("GET /api/instances (XML)", api, "/api/instances", count)
        finally:
            trivial.terminate()
            stop_server(server)
    print(f"ratio of medians: {api_median / trivial_median:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
