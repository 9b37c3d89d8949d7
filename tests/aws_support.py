"""Helpers of the AWS driver tests: private moto servers, one that checks credentials like AWS does.

The shared ``moto_endpoint`` accepts any keys. ``moto_server`` starts a separate one (e.g. to stop
it mid-test); with ``INITIAL_NO_AUTH_ACTION_COUNT`` moto authenticates and authorises requests
against its IAM after that many calls, which :func:`iam_moto` uses to make real users and a role.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import httpx
from conftest import LocalServer, free_port, start_server, wait_until_up
from serverless_support import unique as unique  # one naming helper for tests on the shared moto

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
ACCOUNT = "123456789012"  # moto's default account


@dataclass
class MotoProcess:
    """A moto server process of its own; ``stop()`` may come mid-test (a backend going away)."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def moto_server(env: dict[str, str] | None = None) -> Iterator[MotoProcess]:
    """A moto server process of its own on a free port, stopped at the end at the latest."""
    port = free_port()
    process = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto = MotoProcess(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_up(f"{moto.url}/moto-api/", process=process)
        yield moto
    finally:
        moto.stop()


@dataclass(frozen=True)
class IamWorld:
    """Credentials of a moto server that enforces IAM."""

    url: str
    user_key: str  # may read (ec2:Describe*) and assume the role, nothing else
    user_secret: str
    role_arn: str  # may also run instances


#: the calls iam_moto makes before moto starts checking credentials
_SETUP_CALLS = 5


@contextmanager
def iam_moto() -> Iterator[IamWorld]:
    """A moto server with a user allowed only ``ec2:Describe*`` and ``sts:AssumeRole``, and a role it may assume."""
    with moto_server({"INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_CALLS)}) as moto:
        iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto.url, aws_access_key_id="setup",
                           aws_secret_access_key="setup")
        iam.create_user(UserName="reader")
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        allow = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:Describe*", "sts:AssumeRole"], "Resource": "*"}]}
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(allow))
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/reader"},
             "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName="operator", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        operate = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:*"], "Resource": "*"}]}
        iam.put_role_policy(RoleName="operator", PolicyName="operate", PolicyDocument=json.dumps(operate))
        yield IamWorld(moto.url, key["AccessKeyId"], key["SecretAccessKey"], role["Arn"])


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers: a backend that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


THROTTLED = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>"
             b"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>")


@dataclass
class ThrottlingProxy:
    """Answers EC2's RequestLimitExceeded to the first ``throttle`` requests, then relays to moto.

    moto never throttles; this is how a test sees the driver's retries against real answers.
    """

    upstream: str
    throttle: int
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_turn(self) -> bool:
        """Whether this request is throttled."""
        with self.lock:
            self.seen += 1
            return self.seen <= self.throttle


@contextmanager
def throttling_proxy(upstream: str, throttle: int) -> Iterator[tuple[str, ThrottlingProxy]]:
    proxy = ThrottlingProxy(upstream, throttle)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if proxy.take_turn():
                status, payload, kind = 503, THROTTLED, "text/xml"
            else:
                relayed = httpx.post(upstream + self.path, content=body, headers=dict(self.headers), timeout=30)
                status, payload = relayed.status_code, relayed.content
                kind = relayed.headers.get("content-type", "text/xml")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()


def passthrough_aws_server(data_dir: Path, moto_endpoint: str) -> LocalServer:
    """A local server in pass-through mode (HTTP Basic carries the AWS key pair, as in the original)
    whose AWS endpoints all point at ``moto_endpoint``."""
    return start_server(data_dir, {"AWS_ENDPOINT_URL": moto_endpoint, "DELTACLOUD_CREDENTIALS": "passthrough"})


def public_ebs_image(moto_endpoint: str, region: str) -> str:
    """A public x86_64 EBS AMI of moto's catalogue."""
    client = boto3.client("ec2", region_name=region, endpoint_url=moto_endpoint, aws_access_key_id="AKIDIMAGES",
                          aws_secret_access_key="images-secret")
    images = client.describe_images(Filters=[{"Name": "name", "Values": ["*ubuntu*"]}])["Images"]
    return next(i["ImageId"] for i in images if i["Architecture"] == "x86_64" and i["RootDeviceType"] == "ebs")

