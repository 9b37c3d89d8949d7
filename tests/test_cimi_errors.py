"""Client mistakes get CIMI error documents with 4xx statuses, in JSON and XML: never a 500, never a trace."""


import httpx
import pytest
from cimi_helpers import JSON, JSON_BODY, NS, XML, XML_BODY, xml_root

N = {"c": NS}
CREATE_PATHS = ["/cimi/machines", "/cimi/machine_images", "/cimi/machine_templates", "/cimi/credentials",
                "/cimi/credential_templates", "/cimi/volumes", "/cimi/volume_configurations", "/cimi/volume_templates",
                "/cimi/volume_images", "/cimi/networks", "/cimi/network_configurations", "/cimi/network_templates",
                "/cimi/forwarding_groups", "/cimi/addresses", "/cimi/address_templates", "/cimi/systems",
                "/cimi/system_templates", "/cimi/machines/inst1/volumes", "/cimi/machines/inst1/stop"]


def test_malformed_json(cimi: httpx.Client) -> None:
    r = cimi.post("/cimi/machines", content=b'{"name": "x", ', headers=JSON_BODY)
    assert r.status_code == 400 and r.json()["code"] == 400 and r.json()["message"].startswith("Malformed JSON")
    not_object = cimi.post("/cimi/machines", content=b'["a"]', headers=JSON_BODY)
    assert not_object.status_code == 400 and "expected an object" in not_object.json()["message"]


def test_malformed_xml(cimi: httpx.Client) -> None:
    r = cimi.post("/cimi/machines", content=b"<MachineCreate><name>x</MachineCreate>", headers=XML_BODY)
    assert r.status_code == 400
    root = xml_root(r)
    assert root.tag == f"{{{NS}}}error" and root.get("status") == "400"
    assert root.findtext("c:code", namespaces=N) == "400"
    assert root.findtext("c:message", namespaces=N).startswith("Malformed XML")
    assert "Traceback" not in r.text and "backtrace" not in r.text


@pytest.mark.parametrize("document", [
    b'<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><MachineCreate>&b;</MachineCreate>',
    b'<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><MachineCreate><name>&x;</name></MachineCreate>',
])
def test_entities_are_refused(cimi: httpx.Client, document: bytes) -> None:
    r = cimi.post("/cimi/machines", content=document, headers=XML_BODY)
    assert r.status_code == 400 and "root:" not in r.text
    assert "DTDs and entities are not accepted" in (xml_root(r).findtext("c:message", namespaces=N) or "")


@pytest.mark.parametrize("encoding", ["bogus", "utf-32", "utf-7", "rot13", "idna", "e" * 300])
def test_an_xml_encoding_the_parser_cannot_read_is_a_400_and_creates_nothing(cimi: httpx.Client,
                                                                          encoding: str) -> None:
    before = cimi.get("/cimi/machines", headers={"Accept": "application/json"}).json()["count"]
    document = f"<?xml version='1.0' encoding='{encoding}'?><MachineCreate><name>x</name></MachineCreate>"
    r = cimi.post("/cimi/machines", content=document.encode(), headers=XML_BODY)
    assert r.status_code == 400, r.text
    assert "encoding it declares is not supported" in (xml_root(r).findtext("c:message", namespaces=N) or "")
    assert cimi.get("/cimi/machines", headers={"Accept": "application/json"}).json()["count"] == before


def test_oversized_and_unknown_media_type(cimi: httpx.Client) -> None:
    huge = cimi.post("/cimi/machines", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=JSON_BODY)
    assert huge.status_code == 413 and huge.json()["code"] == 413
    form = cimi.post("/cimi/machines", content=b"name=x", headers={
        "Content-Type": "application/x-www-form-urlencoded", **JSON})
    assert form.status_code == 415 and "application/x-www-form-urlencoded" in form.json()["message"]


def test_unknown_resources_and_methods(cimi: httpx.Client) -> None:
    for path in ("/cimi/unicorns", "/cimi/machines/nosuch", "/cimi/machine_images/nosuch",
                 "/cimi/machine_configurations/nosuch", "/cimi/machine_configurations/opaque",
                 "/cimi/credentials/nosuch", "/cimi/addresses/10.9.9.9", "/cimi/machine_templates/42",
                 "/cimi/jobs/nosuch", "/cimi/systems/7", "/cimi/forwarding_groups/nosuch"):
        r = cimi.get(path, headers=JSON)
        assert r.status_code == 404 and r.json()["code"] == 404, path
        x = cimi.get(path, headers=XML)
        assert x.status_code == 404 and xml_root(x).findtext("c:code", namespaces=N) == "404"
    assert cimi.delete("/cimi/machines/nosuch").status_code == 404
    assert cimi.delete("/cimi/volumes/nosuch").status_code == 404
    wrong = cimi.put("/cimi/machines", json={}, headers=JSON_BODY)
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"] and wrong.json()["code"] == 405
    # below a Machine, a part that is neither a sub-collection nor an operation is no resource (it was a 405)
    for part in ("network_interfaces", "nosuch"):
        assert cimi.get(f"/cimi/machines/inst1/{part}", headers=JSON).status_code == 404, part
    operation_url = cimi.get("/cimi/machines/inst1/stop", headers=JSON)
    assert operation_url.status_code == 405 and operation_url.headers["Allow"] == "POST"


def test_operation_not_advertised_is_refused(cimi: httpx.Client) -> None:
    """The ec2 driver has no subnets: no networks in its entry point, and a 412 before any call to AWS."""
    ec2 = {**JSON, "X-Deltacloud-Driver": "ec2"}
    assert "networks" not in cimi.get("/cimi/cloudEntryPoint", headers=ec2).json()
    for method, path in (("GET", "/cimi/networks"), ("POST", "/cimi/networks"), ("GET", "/cimi/forwarding_groups"),
                         ("DELETE", "/cimi/networks/subnet1"), ("GET", "/cimi/network_templates")):
        r = cimi.request(method, path, headers=ec2, json={})
        assert r.status_code == 412 and r.json()["code"] == 412 and r.headers.get("Expect"), (method, path)


def test_action_the_state_forbids_is_refused(cimi: httpx.Client) -> None:
    """A running machine is not offered delete and refuses it with 409; inst3 cannot be captured."""
    machine = cimi.get("/cimi/machines/inst0", headers=JSON).json()
    assert all(not op["rel"].endswith("delete") for op in machine["operations"])
    r = cimi.delete("/cimi/machines/inst0", headers=JSON)
    assert r.status_code == 409 and "RUNNING" in r.json()["message"]
    assert cimi.get("/cimi/machines/inst0", headers=JSON).json()["state"] == "STARTED"
    capture = cimi.post("/cimi/machine_images", headers=JSON_BODY, json={
        "name": "nope", "type": "IMAGE", "imageLocation": "http://x/cimi/machines/inst3"})
    assert capture.status_code == 403


@pytest.mark.parametrize("path", CREATE_PATHS)
@pytest.mark.parametrize("body", [
    b"{}", b'{"name": 5, "properties": "x"}', b'{"machineTemplate": "x", "volumeTemplate": [1], "action": {}}',
    b'{"properties": {"a": {"b": 1}}}', b"<x/>", b"<x><machineTemplate href=''/></x>", b"\xff\xfe",
    b'{"volumeTemplate": {"volumeConfig": {"capacity": -5}}, "networkTemplate": {"href": "/"}}',
])
def test_garbage_never_breaks_the_server(cimi: httpx.Client, path: str, body: bytes) -> None:
    content_type = "application/xml" if body.startswith(b"<") else "application/json"
    r = cimi.post(path, content=body, headers={"Content-Type": content_type, **JSON})
    assert r.status_code < 500, (r.status_code, r.text)
    assert "Traceback" not in r.text
    if r.status_code >= 400:
        assert r.json()["code"] == r.status_code and r.json()["message"]
    else:  # an empty document is a valid create where nothing is required (an address, a key...)
        assert r.status_code in (201, 202) and (r.headers.get("Location") or r.headers.get("CIMI-Job-URI"))
