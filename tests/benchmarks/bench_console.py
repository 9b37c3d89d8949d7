"""Benchmark: the browser console's pages against the XML of the same resources, on one local server.

Sequential GETs over one keep-alive connection: the instance list and one instance as XML (the
baseline) and as HTML pages, plus the first HTML page of a fresh server (Jinja2 imported and the
templates compiled on demand) against its first XML answer. Target: HTML median <= 2x XML.

Run: .venv/bin/python tests/benchmarks/bench_console.py [requests]
"""

import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import MOCK_AUTH, start_server, stop_server  # noqa: E402
from timing import ok_get, time_calls  # noqa: E402

HTML = {"Accept": "text/html"}


def median_ms(client: httpx.Client, path: str, headers: dict[str, str], count: int) -> float:
    return statistics.median(time_calls(ok_get(client, path, headers), count, warm_up=30)) * 1000


def first_request_ms(client: httpx.Client, path: str, headers: dict[str, str]) -> float:
    return time_calls(ok_get(client, path, headers), 1)[0] * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            with server.client(auth=MOCK_AUTH) as client:
                xml_first = first_request_ms(client, "/api/instances/inst1", {})
                html_first = first_request_ms(client, "/api/instances/inst0", HTML)
                rows = []
                for name, path in (("instance list", "/api/instances"), ("one instance", "/api/instances/inst1")):
                    xml = median_ms(client, path, {}, count)
                    html = median_ms(client, path, HTML, count)
                    rows.append((name, xml, html))
        finally:
            stop_server(server)
    print(f"first request of a fresh server: XML {xml_first:.1f} ms, first HTML page after it {html_first:.1f} ms")
    for name, xml, html in rows:
        print(f"{name:14s} XML median {xml:6.2f} ms  HTML median {html:6.2f} ms  ratio {html / xml:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
