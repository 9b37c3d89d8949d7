"""Bad input to the classic API, over real HTTP against a real server: each case once answered a 500, a
dropped connection, an error outside the negotiated format, or changed the wrong resource. Now each gets a
clear error in the caller's format and leaves the cloud as it was."""

from urllib.parse import quote

import httpx
import pytest
from classic_helpers import listing, xml
from conftest import LocalServer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def key_ids(api: httpx.Client) -> list[str]:
    return [key["id"] for key in listing(api, "keys")]


def instance_ids(api: httpx.Client) -> list[str]:
    return [i["id"] for i in listing(api, "instances")]


# -- driver and provider names a response header cannot carry ------------------------------------------
def test_a_non_latin1_driver_name_gets_the_unknown_driver_error_in_each_format(api: httpx.Client) -> None:
    as_xml = api.get("/api;driver=%E2%98%83/realms")
    assert as_xml.status_code == 400
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert "Driver '☃' is not available" in (xml(as_xml).findtext("message") or "")

    as_json = api.get("/api;driver=%E2%98%83/realms", params={"format": "json"})
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "UnknownDriver"


def test_a_non_latin1_provider_name_is_echoed_percent_encoded(api: httpx.Client) -> None:
    response = api.get("/api;provider=%E2%98%83/realms", params={"format": "json"})
    assert response.status_code == 200
    assert response.headers["x-deltacloud-provider"] == "%E2%98%83"
    assert [realm["id"] for realm in response.json()["realms"]] == ["us", "eu"]


# -- bodies too large or broken -------------------------------------------------------------------------
def test_an_oversized_form_gets_413_in_the_negotiated_format_and_launches_nothing(api: httpx.Client) -> None:
    before = instance_ids(api)
    body = b"image_id=img1&padding=" + b"x" * (2 * 1024 * 1024)

    as_json = api.post("/api/instances", params={"format": "json"}, content=body, headers=FORM)
    assert as_json.status_code == 413
    assert as_json.json()["code"] == 413
    assert "larger than" in as_json.json()["message"]

    as_xml = api.post("/api/instances", content=body, headers=FORM)
    assert as_xml.status_code == 413
    assert xml(as_xml).get("status") == "413"

    as_html = api.post("/api/instances", content=body, headers={**FORM, "Accept": "text/html"})
    assert as_html.status_code == 413
    assert as_html.headers["content-type"].startswith("text/html")
    assert "413 - Request Entity Too Large" in as_html.text

    assert instance_ids(api) == before


def test_a_broken_multipart_driver_switch_gets_an_error_document(api: httpx.Client) -> None:
    response = api.post("/api", params={"format": "json"}, content=b"driver=ec2",
                        headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 400
    assert response.json()["error"] == "ValidationError"
    assert "Malformed request body" in response.json()["message"]


# -- ids that a Location header or a URL path cannot carry as they are ------------------------------
def test_a_key_named_beyond_latin1_is_created_once_with_a_usable_location(api: httpx.Client) -> None:
    response = api.post("/api/keys", data={"name": "ключ"})
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.endswith("/api/keys/%D0%BA%D0%BB%D1%8E%D1%87")
    followed = api.get(location, params={"format": "json"})
    assert followed.status_code == 200
    assert followed.json()["key"]["id"] == "ключ"
    assert key_ids(api).count("ключ") == 1


def test_an_image_name_with_query_characters_gets_a_location_that_finds_it(api: httpx.Client) -> None:
    response = api.post("/api/images", params={"format": "json"}, data={"instance_id": "inst1", "name": "gold?v=2#a"})
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.endswith("/api/images/gold%3Fv%3D2%23a")
    assert api.get(location, params={"format": "json"}).json()["image"]["id"] == "gold?v=2#a"


def test_key_names_no_url_could_reach_are_refused_before_anything_is_created(api: httpx.Client) -> None:
    keys_before = key_ids(api)
    for name in ("team/dev", "a;b", "tab\there", "nul\x00"):
        key = api.post("/api/keys", params={"format": "json"}, data={"name": name})
        assert key.status_code == 400, name
        message = key.json()["message"]
        assert "or contain '/', ';' or control characters" in message or message == (
            "Parameter 'name' holds control characters")
    assert key_ids(api) == keys_before


@pytest.mark.parametrize("name", ["team/dev", "a;b"])
def test_an_image_name_no_url_could_reach_keeps_its_name_under_another_id(api: httpx.Client, name: str) -> None:
    """A key's name is its id on every cloud; an image's is not: the mock uses the name as the id only when
    a URL can carry it, and real clouds keep such names (EC2 allows '/' in AMI names)."""
    image = api.post("/api/images", params={"format": "json"}, data={"instance_id": "inst1", "name": name})
    assert image.status_code == 201, image.text
    created = image.json()["image"]
    assert created["name"] == name and created["id"].startswith("img-")
    shown = api.get(image.headers["location"], params={"format": "json"})
    assert shown.status_code == 200 and shown.json()["image"]["name"] == name
    images = listing(api, "images")
    again = api.post("/api/images", params={"format": "json"}, data={"instance_id": "inst1", "name": name})
    assert again.status_code == 409 and listing(api, "images") == images  # names stay unique, as on EC2


def test_an_encoded_semicolon_is_part_of_the_id_not_a_matrix_parameter(api: httpx.Client) -> None:
    assert api.post("/api/buckets", data={"name": "semicolons"}).status_code == 201
    assert api.put("/api/buckets/semicolons/a", content=b"original").status_code == 200

    response = api.put(f"/api/buckets/semicolons/{quote('a;b', safe='')}", params={"format": "json"},
                       content=b"overwritten")
    assert response.status_code == 400
    assert "'a;b'" in response.json()["message"]
    assert api.get("/api/buckets/semicolons/a/content").content == b"original"

    assert api.get("/api/realms/us%3Bx").status_code == 404
    assert api.get("/api/realms/us;x=1").status_code == 200  # a real matrix parameter is still stripped


# -- numbers out of range ---------------------------------------------------------------------------------
def test_run_on_instance_refuses_a_port_outside_tcp_range(api: httpx.Client) -> None:
    for port in ("0", "65536", "99999999"):
        response = api.post("/api/instances/inst1/run", params={"format": "json"}, data={"cmd": "uptime", "port": port})
        assert response.status_code == 400, port
        assert "from 1 to 65535" in response.json()["message"]
    assert api.post("/api/instances/inst1/run", params={"format": "json"},
                    data={"cmd": "uptime", "port": "2222"}).status_code == 200


# -- a state store locked by another process ------------------------------------------------------------
def test_a_state_store_locked_by_another_writer_gets_a_503_and_nothing_is_created(server: LocalServer,
                                                                                  api: httpx.Client) -> None:
    import sqlite3
    import time

    before = key_ids(api)
    blocker = sqlite3.connect(server.data_dir / "state.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # what a second process holding the write lock looks like
    try:
        started = time.monotonic()
        response = api.post("/api/keys", data={"name": "while-locked"}, headers={"Accept": "application/xml"},
                            timeout=30)
        waited = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503 and waited < 15
    assert "busy" in (xml(response).findtext("message") or "")
    assert key_ids(api) == before


def test_the_console_lands_on_a_new_key_whose_name_has_query_characters(api: httpx.Client) -> None:
    created = api.post("/api/keys", data={"name": "web?1#x"}, headers={"Accept": "text/html"},
                       follow_redirects=False)
    assert created.status_code == 303
    assert created.headers["location"].endswith("/api/keys/web%3F1%23x")
    page = api.get(created.headers["location"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "web?1#x" in page.text


def test_parameters_sent_as_json_get_a_hint_to_send_a_form(api: httpx.Client) -> None:
    before = key_ids(api)
    response = api.post("/api/keys", params={"format": "json"}, json={"name": "as-json"})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Required parameter 'name' not found in []")  # the spec's wording first
    assert "application/json body is not read" in message and "application/x-www-form-urlencoded" in message
    assert key_ids(api) == before
    form = api.post("/api/keys", params={"format": "json"}, data={"name": "as-form"})
    assert form.status_code == 201
    assert "is not read" not in api.post("/api/keys", params={"format": "json"}, data={}).json()["message"]


def test_a_name_with_a_non_character_keeps_the_xml_listing_well_formed(api: httpx.Client) -> None:
    """U+FFFE cannot appear in XML 1.0: it is dropped, as control characters are, in text and attributes."""
    assert api.post("/api/keys", data={"name": "k\ufffey"}).status_code == 201
    listing = api.get("/api/keys")
    assert listing.status_code == 200
    keys = xml(listing)  # the whole listing parses
    assert "ky" in [key.get("id") for key in keys.findall("key")]


def test_blank_required_parameters_and_unaddressable_blob_ids_are_refused(api: httpx.Client) -> None:
    """Found by fuzzing on AWS: a firewall with an empty name was created, and a blob 'dir/file' stored
    where no URL reaches it (its bucket could then never be emptied)."""
    firewalls = listing(api, "firewalls")
    blank = api.post("/api/firewalls", params={"format": "json"}, data={"name": "", "description": "d"})
    assert blank.status_code == 400
    assert "Required parameter 'name' not found in [description]" in blank.json()["message"]
    assert listing(api, "firewalls") == firewalls
    api.post("/api/buckets", data={"name": "slashes"})
    nested = api.post("/api/buckets/slashes", params={"format": "json"},
                      files={"blob_id": (None, "dir/file"), "blob_data": ("f", b"x", "text/plain")})
    assert nested.status_code == 400 and "Blob name 'dir/file' must not" in nested.json()["message"]
    assert api.delete("/api/buckets/slashes").status_code == 204


def test_dot_segments_and_line_breaks_name_nothing(api: httpx.Client) -> None:
    """Found by fuzzing the storage drivers: a blob '..' was sent to the cloud as the bucket's own URL (502),
    and an id with a line break reached the SDK (502 with an object's repr)."""
    api.post("/api/buckets", data={"name": "dots"})
    for blob_id in ("%2E%2E", "%2E"):
        put = api.put(f"/api/buckets/dots/{blob_id}", params={"format": "json"}, content=b"x")
        assert put.status_code == 400 and "must not be blank, '.' or '..'" in put.json()["message"], blob_id
    assert api.get("/api/instances/inst%0A1").status_code == 404
    assert api.get("/api/instances/inst%091").status_code == 404
    assert api.delete("/api/buckets/dots").status_code == 204
