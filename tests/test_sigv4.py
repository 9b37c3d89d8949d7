"""SigV4 verification against what real EC2 clients (botocore/boto3, libcloud) put on the wire."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from deltacloud.credentials import PassThroughStore, Tenant
from deltacloud.sigv4 import (
    IncompleteSignature,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureError,
    SignatureMismatch,
    SignedRequest,
    UnknownAccessKey,
    authorization_header,
    verify,
)
from deltacloud.sigv4_events import verify_tenant

ACCESS_KEY = "AKIDEXAMPLETENANT1"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
PUBLIC_HOST = "abc.execute-api.us-east-1.amazonaws.com"
STAGE_URL = f"https://{PUBLIC_HOST}/prod/ec2"
FORM = "Action=DescribeInstances&Version=2016-11-15"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def lookup(access_key_id: str) -> str | None:
    return SECRET if access_key_id == ACCESS_KEY else None


def on_the_wire(method: str, url: str, headers, body) -> SignedRequest:
    """What a front-end sees: the HTTP library adds Host (botocore signs it but never sets it)."""
    parts = urlsplit(url)
    wire_headers = {
        name: value.decode() if isinstance(value, bytes) else value for name, value in headers.items()
    }
    wire_headers.setdefault("Host", parts.netloc)
    if isinstance(body, str):
        body = body.encode()
    return SignedRequest(method, parts.path, parts.query, wire_headers, body or b"")


def botocore_post(url: str = STAGE_URL, access_key: str = ACCESS_KEY) -> SignedRequest:
    request = AWSRequest(
        method="POST",
        url=url,
        data=FORM,
        headers={"Content-Type": FORM_CONTENT_TYPE, "User-Agent": "Boto3/1.34 Botocore/1.34"},
    )
    SigV4Auth(Credentials(access_key, SECRET), "ec2", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return on_the_wire(prepared.method, prepared.url, prepared.headers, prepared.body)


def botocore_presigned(expires: int = 300) -> SignedRequest:
    request = AWSRequest(
        method="GET",
        url=STAGE_URL,
        params={"Action": "DescribeInstances", "Version": "2016-11-15", "Filter.1.Value.1": "web server"},
    )
    SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET), "ec2", "us-east-1", expires=expires).add_auth(request)
    prepared = request.prepare()
    return on_the_wire(prepared.method, prepared.url, prepared.headers, prepared.body)


def replace(request: SignedRequest, **changes) -> SignedRequest:
    fields = {name: getattr(request, name) for name in ("method", "path", "query_string", "headers", "body")}
    return SignedRequest(**(fields | changes))


def with_header(request: SignedRequest, name: str, value: str) -> SignedRequest:
    return replace(request, headers=request.headers | {name: value})


def rejected(request: SignedRequest, error: type[SignatureError], **kwargs) -> SignatureError:
    """Assert the rejection and that its message leaks neither the secret nor any signature or hash."""
    with pytest.raises(error) as caught:
        verify(request, kwargs.pop("lookup_secret", lookup), **kwargs)
    message = str(caught.value)
    assert SECRET not in message
    assert not re.search(r"[0-9a-f]{64}", message)
    return caught.value


# --- accepted ----------------------------------------------------------------------------------------


def test_botocore_post_behind_api_gateway_stage_verifies() -> None:
    request = botocore_post()
    assert request.path == "/prod/ec2" and request.headers["Host"] == PUBLIC_HOST
    assert "user-agent" not in request.headers["Authorization"]  # botocore never signs it

    verified = verify(request, lookup)

    assert verified.access_key_id == ACCESS_KEY
    assert (verified.region, verified.service) == ("us-east-1", "ec2")
    assert verified.signed_headers == ("content-type", "host", "x-amz-date")
    assert abs(datetime.now(UTC) - verified.timestamp) < timedelta(minutes=1)


def test_botocore_post_without_path_prefix_verifies() -> None:
    assert verify(botocore_post(f"https://{PUBLIC_HOST}/"), lookup).access_key_id == ACCESS_KEY


def test_the_stage_prefix_and_public_host_are_part_of_the_signature() -> None:
    request = botocore_post()
    # A front-end that passes the path without the stage, or its local host, rejects every client.
    rejected(replace(request, path="/ec2"), SignatureMismatch)
    rejected(with_header(request, "Host", "localhost:3000"), SignatureMismatch)


def test_header_names_are_matched_case_insensitively() -> None:
    request = botocore_post()
    shouted = {name.upper(): value for name, value in request.headers.items()}
    assert verify(replace(request, headers=shouted), lookup).access_key_id == ACCESS_KEY


def test_boto3_client_describe_instances_verifies() -> None:
    import boto3

    sent = []

    class Raw:  # just enough of urllib3's response for botocore to parse an empty answer
        def stream(self, **_):
            xml = f"<DescribeInstancesResponse xmlns='{EC2_NS}'><reservationSet/></DescribeInstancesResponse>"
            yield xml.encode()

    def capture(request, **_):
        sent.append(request)
        return AWSResponse(request.url, 200, {}, Raw())

    client = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=STAGE_URL,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )
    client.meta.events.register("before-send.ec2.DescribeInstances", capture)
    client.describe_instances(InstanceIds=["i-0123456789abcdef0"])

    (prepared,) = sent
    request = on_the_wire(prepared.method, prepared.url, prepared.headers, prepared.body)
    assert verify(request, lookup).access_key_id == ACCESS_KEY


def test_authorization_header_signs_as_botocore_does() -> None:
    request = botocore_post()
    signed_headers = verify(request, lookup).signed_headers
    assert authorization_header(request, ACCESS_KEY, SECRET, "us-east-1", "ec2", signed_headers) == (
        request.headers["Authorization"]
    )
    with pytest.raises(IncompleteSignature):  # a signature without Host could be replayed elsewhere
        authorization_header(request, ACCESS_KEY, SECRET, "us-east-1", "ec2", ["x-amz-date"])


class SigningStore(PassThroughStore):
    """Knows the one test tenant's signing secret and counts the lookups."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    def signing_secret(self, access_key_id: str) -> tuple[Tenant, str] | None:
        self.lookups.append(access_key_id)
        return (Tenant("tenant1"), SECRET) if access_key_id == ACCESS_KEY else None


def test_verify_tenant_tries_each_candidate_with_one_store_lookup() -> None:
    signed = botocore_post()
    store = SigningStore()
    tenant, verified = verify_tenant([replace(signed, path="/ec2"), signed], store)
    assert tenant == Tenant("tenant1") and verified.access_key_id == ACCESS_KEY
    assert store.lookups == [ACCESS_KEY]

    with pytest.raises(SignatureMismatch):
        verify_tenant([replace(signed, path="/ec2"), replace(signed, path="/")], SigningStore())
    with pytest.raises(UnknownAccessKey):
        verify_tenant([botocore_post(access_key="AKIDUNKNOWN")], SigningStore())
    with pytest.raises(MissingAuthenticationToken):
        verify_tenant([], SigningStore())


def test_botocore_presigned_url_verifies() -> None:
    request = botocore_presigned()
    assert "X-Amz-Signature=" in request.query_string and "Authorization" not in request.headers
    verified = verify(request, lookup)
    assert verified.access_key_id == ACCESS_KEY
    assert verified.signed_headers == ("host",)


def test_presigned_url_stays_valid_until_its_own_expiry_not_max_age() -> None:
    request = botocore_presigned(expires=3600)
    later = datetime.now(UTC) + timedelta(minutes=30)
    assert verify(request, lookup, now=later).access_key_id == ACCESS_KEY


def test_date_header_is_accepted_when_x_amz_date_is_absent() -> None:
    class DateHeaderAuth(SigV4Auth):
        def headers_to_sign(self, request):
            headers = super().headers_to_sign(request)
            del headers["x-amz-date"]
            return headers

    request = AWSRequest(method="POST", url=STAGE_URL, data=FORM, headers={"Content-Type": FORM_CONTENT_TYPE})
    DateHeaderAuth(Credentials(ACCESS_KEY, SECRET), "ec2", "us-east-1").add_auth(request)
    prepared = request.prepare()
    signed_at = datetime.strptime(prepared.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    headers = {name: value for name, value in prepared.headers.items() if name != "X-Amz-Date"}
    headers["Date"] = format_datetime(signed_at, usegmt=True)

    assert verify(on_the_wire("POST", prepared.url, headers, prepared.body), lookup).timestamp == signed_at


# --- libcloud ----------------------------------------------------------------------------------------


@pytest.fixture
def ec2_server() -> Iterator[tuple[int, list[SignedRequest]]]:
    """A local HTTP server that records what libcloud sends and answers like EC2 with nothing in it."""
    received: list[SignedRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            received.append(SignedRequest("GET", path, query, dict(self.headers.items()), b""))
            action = re.search(r"Action=(\w+)", query).group(1)
            body = f'<{action}Response xmlns="{EC2_NS}"><requestId>r-1</requestId>'
            body += "<reservationSet/><addressesSet/>" + f"</{action}Response>"
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def libcloud_requests(port: int, received: list[SignedRequest]) -> list[SignedRequest]:
    from libcloud.compute.drivers.ec2 import EC2NodeDriver

    driver = EC2NodeDriver(
        ACCESS_KEY,
        SECRET,
        region="us-east-1",
        signature_version="4",
        host="127.0.0.1",
        port=port,
        secure=False,
    )
    assert driver.list_nodes() == []
    return received


def test_libcloud_sigv4_get_requests_verify(ec2_server) -> None:
    requests = libcloud_requests(*ec2_server)
    assert len(requests) >= 1
    for request in requests:
        assert "user-agent" in request.headers["Authorization"]  # libcloud signs what botocore does not
        verified = verify(request, lookup)
        assert verified.access_key_id == ACCESS_KEY
        assert "user-agent" in verified.signed_headers


def test_libcloud_changed_query_parameter_is_rejected(ec2_server) -> None:
    request = libcloud_requests(*ec2_server)[0]
    tampered = request.query_string.replace("Action=DescribeInstances", "Action=TerminateInstances")
    assert tampered != request.query_string
    rejected(replace(request, query_string=tampered), SignatureMismatch)


def test_libcloud_body_added_after_signing_is_rejected(ec2_server) -> None:
    # libcloud declares (and signs) x-amz-content-sha256; a body that does not match it is refused.
    request = libcloud_requests(*ec2_server)[0]
    error = rejected(replace(request, body=b"Action=TerminateInstances"), SignatureMismatch)
    assert "x-amz-content-sha256" in str(error)


# --- rejected ----------------------------------------------------------------------------------------


def test_wrong_secret_is_signature_does_not_match() -> None:
    error = rejected(botocore_post(), SignatureMismatch, lookup_secret=lambda _: "not-the-secret")
    assert error.code == "SignatureDoesNotMatch"
    assert "does not match the signature you provided" in str(error)


def test_unknown_access_key_is_auth_failure() -> None:
    error = rejected(botocore_post(access_key="AKIDNOSUCHKEY"), UnknownAccessKey)
    assert error.code == "AuthFailure"


def test_body_changed_after_signing_is_rejected() -> None:
    request = botocore_post()
    tampered = request.body.replace(b"DescribeInstances", b"TerminateInstances")
    rejected(replace(request, body=tampered), SignatureMismatch)


def test_body_attached_to_presigned_url_is_rejected() -> None:
    # The front-end merges form bodies over the query: a presigned URL must not admit extra parameters.
    request = botocore_presigned()
    rejected(replace(request, body=b"Action=TerminateInstances&InstanceId.1=i-1"), SignatureMismatch)


def test_changed_presigned_query_parameter_is_rejected() -> None:
    request = botocore_presigned()
    tampered = request.query_string.replace("web%20server", "db%20server")
    assert tampered != request.query_string
    rejected(replace(request, query_string=tampered), SignatureMismatch)


@pytest.mark.parametrize("skew", [timedelta(minutes=16), timedelta(minutes=-16)], ids=["old", "future"])
def test_timestamp_more_than_15_minutes_off_is_request_expired(skew) -> None:
    error = rejected(botocore_post(), RequestExpired, now=datetime.now(UTC) + skew)
    assert error.code == "RequestExpired"


def test_presigned_url_past_expiry_is_request_expired() -> None:
    request = botocore_presigned(expires=60)
    error = rejected(request, RequestExpired, now=datetime.now(UTC) + timedelta(seconds=120))
    assert error.code == "RequestExpired"


def test_no_signature_is_missing_authentication_token() -> None:
    request = SignedRequest("POST", "/prod/ec2", "", {"Host": PUBLIC_HOST}, FORM.encode())
    error = rejected(request, MissingAuthenticationToken)
    assert error.code == "MissingAuthenticationToken"


def test_signature_version_2_is_refused_with_a_hint() -> None:
    query = f"Action=DescribeInstances&AWSAccessKeyId={ACCESS_KEY}&SignatureVersion=2&Signature=abc%3D"
    error = rejected(SignedRequest("GET", "/", query, {"Host": PUBLIC_HOST}, b""), IncompleteSignature)
    assert "signature_version='4'" in str(error)


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256 garbage",
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20240101/us-east-1/ec2, SignedHeaders=host, Signature=00",
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20240101/us-east-1/ec2/aws4_request, Signature=00",
        f"Basic {SECRET}",
        SECRET,
    ],
    ids=["no-fields", "short-scope", "no-signed-headers", "basic", "bare-secret"],
)
def test_garbage_authorization_is_incomplete_signature(authorization) -> None:
    headers = {"Host": PUBLIC_HOST, "X-Amz-Date": "20240101T000000Z", "Authorization": authorization}
    error = rejected(SignedRequest("POST", "/", "", headers, b""), IncompleteSignature)
    assert error.code == "IncompleteSignature"


def test_host_must_be_signed() -> None:
    request = botocore_post()
    authorization = request.headers["Authorization"].replace("content-type;host;x-amz-date", "x-amz-date")
    error = rejected(with_header(request, "Authorization", authorization), IncompleteSignature)
    assert "Host" in str(error)


def test_credential_scope_date_must_match_request_date() -> None:
    request = botocore_post()
    amz_date = request.headers["X-Amz-Date"]
    day_before = (datetime.strptime(amz_date[:8], "%Y%m%d") - timedelta(days=1)).strftime("%Y%m%d")
    authorization = request.headers["Authorization"].replace(f"/{amz_date[:8]}/", f"/{day_before}/")
    rejected(with_header(request, "Authorization", authorization), SignatureMismatch)


def test_undecodable_query_text_is_a_mismatch_not_a_crash() -> None:
    request = botocore_post()
    rejected(replace(request, query_string="Filter.1.Name=%FF\ud800"), SignatureMismatch)
