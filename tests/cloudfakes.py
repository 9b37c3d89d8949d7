"""A small HTTP server that plays a cloud provider from recorded responses (tests only).

For clouds with no runnable emulator here. Responses are fixture files under
``tests/fixtures/<provider>/`` (``@BASE@`` stands for the server's own URL, so a Keystone
catalogue can point back at it); a route may also be a function that keeps a little state, so a
stopped server reads back as stopped. Tests inject faults: an error answer or a delay on paths
matching a pattern.
"""

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[Request, re.Match[str]], Reply]


@dataclass
class Fault:
    pattern: re.Pattern[str]
    reply: Reply | None  # None: only delay
    delay: float = 0.0
    method: str | None = None  # None: any


class FakeCloud:
    def __init__(self, provider: str) -> None:
        self.fixture_dir = FIXTURES / provider
        self.routes: list[tuple[str, re.Pattern[str], Responder]] = []
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- set-up ---------------------------------------------------------------------------
    def fixture(self, name: str) -> str:
        return (self.fixture_dir / name).read_text().replace("@BASE@", self.url)

    def fixture_json(self, name: str) -> Any:
        return json.loads(self.fixture(name))

    def route(self, method: str, pattern: str, responder: Responder | str, status: int = 200,
              content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        """Answer ``method`` on paths fully matching ``pattern`` with a fixture file or a function."""
        if isinstance(responder, str):
            name = responder

            def from_fixture(request: Request, match: re.Match[str]) -> Reply:
                return Reply(status, self.fixture(name), {"Content-Type": content_type, **(headers or {})})

            responder = from_fixture
        self.routes.append((method, re.compile(pattern), responder))

    def fail(self, pattern: str, status: int, body: str, content_type: str = "application/json",
             method: str | None = None) -> None:
        """Answer requests on paths fully matching ``pattern`` (with ``method`` only, if given) with this error."""
        reply = Reply(status, body, {"Content-Type": content_type})
        self.faults.append(Fault(re.compile(pattern), reply, method=method))

    def slow(self, pattern: str, seconds: float, method: str | None = None) -> None:
        """Answer requests on paths fully matching ``pattern`` (with ``method`` only, if given) this much later."""
        self.faults.append(Fault(re.compile(pattern), None, seconds, method))

    def clear_faults(self) -> None:
        self.faults.clear()

    def seen(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def start(self) -> "FakeCloud":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeCloud":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- serving --------------------------------------------------------------------------
    def _answer(self, request: Request) -> Reply:
        self.requests.append(request)
        for fault in list(self.faults):
            if fault.pattern.fullmatch(request.path) and fault.method in (None, request.method):
                time.sleep(fault.delay)
                if fault.reply is not None:
                    return fault.reply
        for method, pattern, responder in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                return responder(request, match)
        return Reply(404, json.dumps({"itemNotFound": {"code": 404, "message": f"no route {request.path}"}}),
                     {"Content-Type": "application/json"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _read_chunked(self) -> bytes:
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                            pass
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()

            def _serve(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = self._read_chunked()  # Swift and Cloud Files uploads stream in chunks
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                reply = cloud._answer(request)
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(data), {"Content-Type": "application/json", **(headers or {})})
