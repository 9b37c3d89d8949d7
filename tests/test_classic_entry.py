"""The classic API's entry point, content negotiation, driver selection and authentication."""

import httpx
from classic_helpers import xml
from conftest import MOCK_AUTH, LocalServer


def test_entry_point_xml_lists_collections_with_features(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/xml"
    assert r.headers["server"] == "Apache-Deltacloud/1.1.3"
    assert r.headers["x-deltacloud-driver"] == "mock"
    assert r.headers["etag"]
    api = xml(r)
    assert api.tag == "api" and api.get("driver") == "mock" and api.get("version") == "1.1.3"
    assert api.get("provider") is None
    links = {link.get("rel"): link for link in api.findall("link")}
    assert {"realms", "images", "instances", "keys", "hardware_profiles", "instance_states", "drivers"} <= set(links)
    assert all(link.get("href", "").startswith("http://127.0.0.1") for link in links.values())
    features = [f.get("name") for f in links["instances"].findall("feature")]
    # catalogue order, and the mock's user_data is advertised (the original's typo hid it)
    assert features == ["metrics", "realm_filter", "user_name", "user_data", "firewalls", "authentication_key",
                        "instance_count"]
    realm_filter = links["instances"].find("feature[@name='realm_filter']")
    assert realm_filter is not None and realm_filter.get("rel") == "index"
    assert [p.get("name") for p in realm_filter.findall("param")] == ["realm_id"]


def test_entry_point_json_via_format_parameter_beats_accept(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api?format=json", headers={"Accept": "application/xml"})
    assert r.headers["content-type"] == "application/json"
    api = r.json()["api"]
    assert api["provider"] == "default" and api["driver"] == "mock"
    instances = next(link for link in api["links"] if link["rel"] == "instances")
    assert [{"name": "user_name", "rel": "create", "params": ["name:string:optional"], "constraints": {}}] \
        in instances["features"]


def test_negotiation(server: LocalServer) -> None:
    def kind(accept: str | None) -> tuple[int, str]:
        headers = {"Accept": accept} if accept is not None else {}
        r = httpx.get(f"{server.url}/api", headers=headers)
        return r.status_code, r.headers.get("content-type", "")

    assert kind("*/*") == (200, "application/xml")  # curl's default answers XML, not HTML
    assert kind("*/*; q=0.5, application/xml") == (200, "application/xml")
    assert kind("application/json") == (200, "application/json")
    assert kind("application/json; charset=utf-8") == (200, "application/json")
    assert kind("application/xml;q=0.5, application/json") == (200, "application/json")
    assert kind("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")[1].startswith("text/html")
    assert kind("text/html") == (200, "text/html; charset=utf-8")  # the browser console (test_classic_html.py)
    assert kind("application/unknown")[0] == 406
    assert httpx.get(f"{server.url}/api?format=yaml").status_code == 406


def test_driver_and_provider_selection_by_header_and_matrix(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api;driver=mock;provider=test1")
    assert r.status_code == 200
    assert xml(r).get("provider") == "test1"
    assert r.headers["x-deltacloud-provider"] == "test1"
    r = httpx.get(f"{server.url}/api", headers={"X-Deltacloud-Driver": "MOCK", "X-Deltacloud-Provider": "Zone9"})
    assert xml(r).get("provider") == "zone9"
    # selection never sticks
    assert "x-deltacloud-provider" not in httpx.get(f"{server.url}/api").headers
    # matrix parameters are stripped before routing
    r = httpx.get(f"{server.url}/api;driver=mock/hardware_profiles")
    assert r.status_code == 200 and "<hardware_profiles>" in r.text


def test_unknown_driver_is_a_400_listing_the_drivers(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api", headers={"X-Deltacloud-Driver": "nosuch"})
    assert r.status_code == 400
    error = xml(r)
    assert error.tag == "error" and error.get("status") == "400"
    message = error.findtext("message") or ""
    assert "nosuch" in message and "mock" in message
    r = httpx.get(f"{server.url}/api/instances?format=json", headers={"X-Deltacloud-Driver": "nosuch"}, auth=MOCK_AUTH)
    assert r.status_code == 400 and "mock" in r.json()["message"]


def test_credentials_are_demanded_lazily(server: LocalServer) -> None:
    for path in ("/api", "/api/hardware_profiles", "/api/instance_states", "/api/drivers"):
        assert httpx.get(server.url + path).status_code == 200, path
    for path in ("/api/realms", "/api/images", "/api/instances", "/api/keys"):
        r = httpx.get(server.url + path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"].startswith('Basic realm="mock-deltacloud@')
        assert xml(r).findtext("message") == "Unauthorized"


def test_wrong_credentials(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api/instances/inst1?format=json", auth=("mockuser", "wrong"))
    assert r.status_code == 401
    assert r.json()["message"] == "Authentication Failure"
    assert "wrong" not in r.text and "www-authenticate" in r.headers


def test_force_auth(server: LocalServer) -> None:
    assert httpx.get(f"{server.url}/api?force_auth=1").status_code == 401
    assert httpx.get(f"{server.url}/api?force_auth=1", auth=("mockuser", "nope")).status_code == 401
    assert httpx.get(f"{server.url}/api?force_auth=1", auth=MOCK_AUTH).status_code == 200


def test_basic_credentials_tolerate_rubys_trailing_newline() -> None:
    import base64

    from deltacloud.http_auth import basic_credentials

    token = base64.encodebytes(b"mockuser:mockpassword").decode()  # Ruby's encode64 ends in a newline
    assert basic_credentials(f"basic {token}") == ("mockuser", "mockpassword")
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("Basic !!!") is None


def test_drivers_collection(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api/drivers")
    drivers = xml(r)
    mock = drivers.find("driver[@id='mock']")
    assert mock is not None and mock.findtext("name", "").lower() == "mock"
    assert mock.get("href", "").endswith("/api/drivers/mock")
    r = httpx.get(f"{server.url}/api/drivers/mock?format=json")
    assert r.json() == {"driver": {"name": "Mock", "id": "mock"}}
    assert httpx.get(f"{server.url}/api/drivers/nosuch").status_code == 404
    listing = httpx.get(f"{server.url}/api/drivers?format=json").json()
    assert listing["mock"] == {"name": "Mock", "id": "mock"}


def test_head_and_options(server: LocalServer) -> None:
    head = httpx.head(f"{server.url}/api/instances", auth=MOCK_AUTH)
    get = httpx.get(f"{server.url}/api/instances", auth=MOCK_AUTH)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert httpx.head(f"{server.url}/api/instances").status_code == 401
    allow = httpx.options(f"{server.url}/api").headers["allow"].split(",")
    assert "instances" in allow and "realms" in allow
    methods = httpx.options(f"{server.url}/api/instances").headers["allow"].split(",")
    assert methods == ["OPTIONS", "GET", "POST", "DELETE"]


def test_unknown_paths_and_methods_answer_error_documents(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/api/nosuch?format=json")
    assert r.status_code == 404 and r.json()["code"] == 404
    r = httpx.get(f"{server.url}/api/instances/inst1/stop", auth=MOCK_AUTH)
    assert r.status_code == 405 and xml(r).get("status") == "405"
    r = httpx.get(f"{server.url}/api/instances", headers={"Host": ""})
    assert r.status_code == 400
