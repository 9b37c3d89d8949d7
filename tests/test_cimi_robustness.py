"""Regressions of the CIMI robustness pass: hostile or odd input gets a CIMI 4xx and changes nothing,
and nothing a client can store breaks later responses (over real HTTP against a real local server)."""

import xml.etree.ElementTree as ET

import httpx
import pytest
from cimi_helpers import JSON, JSON_BODY, NS, XML, XML_BODY, N, json_doc, xml_root


def _count(cimi: httpx.Client, path: str) -> int:
    return json_doc(cimi.get(path, headers=JSON))["count"]


def _json_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    error = json_doc(response)
    assert error["code"] == status and "Traceback" not in response.text
    return error["message"]


def _xml_parses(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    ET.fromstring(response.content)  # raises on a document that is not well-formed


def _machine_ref(cimi: httpx.Client, path: str) -> dict[str, str]:
    return {"href": f"{cimi.base_url}/cimi/{path}"}


@pytest.mark.parametrize("body", [b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
                                  b'{"name": "x", "properties": {"a": "b"}, "x": ' + b"[" * 40 + b"]" * 40 + b"}"])
def test_deeply_nested_json_is_a_400(cimi: httpx.Client, body: bytes) -> None:
    before = _count(cimi, "/cimi/machines")
    message = _json_error(cimi.post("/cimi/machines", content=body, headers=JSON_BODY), 400)
    assert "nested deeper than" in message
    assert _count(cimi, "/cimi/machines") == before


def test_deeply_nested_xml_is_a_400_in_xml(cimi: httpx.Client) -> None:
    body = b"<MachineCreate>" + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</MachineCreate>"
    response = cimi.put("/cimi/machines/inst0", content=body, headers=XML_BODY)
    assert response.status_code == 400
    root = xml_root(response)
    assert root.findtext("c:code", namespaces=N) == "400"
    assert "nested deeper than" in (root.findtext("c:message", namespaces=N) or "")


def test_lone_surrogate_is_refused_and_stores_nothing(cimi: httpx.Client) -> None:
    """json accepts ``\\ud800``; stored, it made every later listing of the collection a 500."""
    before = _count(cimi, "/cimi/addresses")
    created = cimi.post("/cimi/addresses", content=b'{"name": "\\ud800", "addressTemplate": {}}', headers=JSON_BODY)
    assert "not valid Unicode" in _json_error(created, 400)
    assert _count(cimi, "/cimi/addresses") == before
    edited = cimi.put("/cimi/machines/inst0", content=b'{"description": "a\\udfffb"}', headers=JSON_BODY)
    _json_error(edited, 400)
    assert cimi.get("/cimi/machines", headers=XML).status_code == 200
    assert "\\udfff" not in cimi.get("/cimi/machines/inst0", headers=JSON).text


def test_nan_is_not_json(cimi: httpx.Client) -> None:
    name = json_doc(cimi.get("/cimi/machines/inst0", headers=JSON))["name"]
    message = _json_error(cimi.put("/cimi/machines/inst0", content=b'{"name": NaN}', headers=JSON_BODY), 400)
    assert "NaN is not a JSON value" in message
    assert json_doc(cimi.get("/cimi/machines/inst0", headers=JSON))["name"] == name


def test_a_wrong_format_parameter_is_refused_in_the_accepted_format(cimi: httpx.Client) -> None:
    message = _json_error(cimi.get("/cimi/machines", params={"format": "yaml"}, headers=JSON), 400)
    assert "format must be xml or json" in message


@pytest.mark.parametrize("config", ["m1-large", ["m1-large"]])
def test_machine_config_neither_reference_nor_structure_is_refused(cimi: httpx.Client, config: object) -> None:
    """A bare name used to launch the driver's default size without a word."""
    before = _count(cimi, "/cimi/machines")
    body = {"machineTemplate": {"machineImage": _machine_ref(cimi, "machine_images/img1"), "machineConfig": config}}
    assert "machineConfig must reference" in _json_error(cimi.post("/cimi/machines", json=body, headers=JSON_BODY), 400)
    assert _count(cimi, "/cimi/machines") == before


def _create_system(cimi: httpx.Client, *descriptors: dict[str, object]) -> str:
    created = cimi.post("/cimi/systems", json={"systemTemplate": {"componentDescriptors": list(descriptors)}},
                        headers=JSON_BODY)
    assert created.status_code == 201, created.text
    return created.headers["Location"]


def _members(cimi: httpx.Client, system: str, kind: str, reference: str) -> list[str]:
    document = json_doc(cimi.get(f"{system}/{kind}", headers=JSON))
    entries = next((v for v in document.values() if isinstance(v, list) and v and reference in v[0]), [])
    return [entry[reference]["href"].rsplit("/", 1)[-1] for entry in entries]


def test_a_refused_system_action_touches_no_member(cimi: httpx.Client) -> None:
    """restart with one member stopped used to reboot the others, record their Jobs, then answer 409."""
    machine = {"type": f"{NS}/Machine", "quantity": 2,
               "machineTemplate": {"machineImage": _machine_ref(cimi, "machine_images/img1")}}
    system = _create_system(cimi, machine)
    first, second = _members(cimi, system, "machines", "machine")
    assert cimi.post(f"/cimi/machines/{second}/stop", json={}, headers=JSON_BODY).status_code == 202
    jobs = _count(cimi, "/cimi/jobs")
    refused = cimi.post(f"{system}/restart", json={}, headers=JSON_BODY)
    assert f"Machine '{second}'" in _json_error(refused, 409)
    assert _count(cimi, "/cimi/jobs") == jobs
    names = [job["name"] for job in json_doc(cimi.get("/cimi/jobs", headers=JSON)).get("jobs", [])]
    assert f"{NS}/action/restart machines/{first}" not in names and f"restart machines/{first}" not in names


def test_system_delete_survives_a_member_deleted_on_its_own(cimi: httpx.Client) -> None:
    """The System used to answer 404 for that member after removing some others, and never went away."""
    system = _create_system(
        cimi,
        {"type": f"{NS}/Machine", "machineTemplate": {"machineImage": _machine_ref(cimi, "machine_images/img1")}},
        {"type": f"{NS}/Volume", "volumeTemplate": {"volumeConfig": {"capacity": 1024 * 1024}}},
        {"type": f"{NS}/Address", "addressTemplate": {}},
    )
    (machine,) = _members(cimi, system, "machines", "machine")
    (volume,) = _members(cimi, system, "volumes", "volume")
    (address,) = _members(cimi, system, "addresses", "address")
    assert cimi.delete(f"/cimi/volumes/{volume}", headers=JSON).status_code == 200
    deleted = cimi.delete(system, headers=JSON)
    assert deleted.status_code in (200, 202), deleted.text
    assert cimi.get(system, headers=JSON).status_code == 404
    assert cimi.get(f"/cimi/addresses/{address}", headers=JSON).status_code == 404
    assert cimi.get(f"/cimi/machines/{machine}", headers=JSON).status_code == 404


def test_non_characters_never_break_xml(cimi: httpx.Client) -> None:
    """U+FFFE / U+FFFF are valid JSON text but no XML character: one such name broke every XML listing."""
    edited = cimi.put("/cimi/machines/inst1", json={"name": "odd\ufffename", "properties": {"k\uffff": "v"}},
                      headers=JSON_BODY)
    assert edited.status_code == 200, edited.text
    _xml_parses(cimi.get("/cimi/machines/inst1", headers=XML))
    _xml_parses(cimi.get("/cimi/machines", headers=XML))
    missing = cimi.get("/cimi/machines/no\ufffesuch", headers=XML)
    assert missing.status_code == 404 and xml_root(missing).findtext("c:code", namespaces=N) == "404"


@pytest.mark.parametrize("key", ["x><injected/><y", "a b", "1st", "ns:attr"])
def test_attribute_names_xml_cannot_carry_are_refused(cimi: httpx.Client, key: str) -> None:
    """Stored in a template, such a key became an element name: broken (or injected) XML for everyone."""
    before = _count(cimi, "/cimi/machine_templates")
    body = {"machineImage": _machine_ref(cimi, "machine_images/img1"), "machineConfig": {"cpu": 1, key: "x"}}
    message = _json_error(cimi.post("/cimi/machine_templates", json=body, headers=JSON_BODY), 400)
    assert "is not an attribute name" in message
    assert _count(cimi, "/cimi/machine_templates") == before
    _xml_parses(cimi.get("/cimi/machine_templates", headers=XML))


@pytest.mark.parametrize("properties", ["x", [1], {"a": {"b": "c"}}])
def test_nested_properties_of_the_wrong_shape_are_refused(cimi: httpx.Client, properties: object) -> None:
    """Stored, they made the template's XML representation a 500."""
    before = _count(cimi, "/cimi/system_templates")
    descriptor = {"type": f"{NS}/Machine", "properties": properties,
                  "machineTemplate": {"machineImage": _machine_ref(cimi, "machine_images/img1")}}
    created = cimi.post("/cimi/system_templates", json={"componentDescriptors": [descriptor]}, headers=JSON_BODY)
    assert "properties must map names to string values" in _json_error(created, 400)
    assert _count(cimi, "/cimi/system_templates") == before


def test_null_nested_properties_render_as_none(cimi: httpx.Client) -> None:
    descriptor = {"type": f"{NS}/Machine", "properties": None,
                  "machineTemplate": {"machineImage": _machine_ref(cimi, "machine_images/img1")}}
    created = cimi.post("/cimi/system_templates", json={"componentDescriptors": [descriptor]}, headers=JSON_BODY)
    assert created.status_code == 201, created.text
    _xml_parses(cimi.get(created.headers["Location"], headers=XML))
    _xml_parses(cimi.get("/cimi/system_templates", headers=XML))


def test_nested_properties_as_xml_text_are_refused(cimi: httpx.Client) -> None:
    before = _count(cimi, "/cimi/system_templates")
    image = _machine_ref(cimi, "machine_images/img1")["href"]
    body = (f'<SystemTemplate xmlns="{NS}"><componentDescriptor><type>{NS}/Machine</type><properties>x</properties>'
            f'<machineTemplate><machineImage href="{image}"/></machineTemplate></componentDescriptor></SystemTemplate>')
    refused = cimi.post("/cimi/system_templates", content=body.encode(), headers=XML_BODY)
    assert refused.status_code == 400
    assert xml_root(refused).findtext("c:message", namespaces=N) == "properties must map names to string values"
    assert _count(cimi, "/cimi/system_templates") == before


def test_control_characters_are_refused_before_the_driver_is_asked(cimi: httpx.Client) -> None:
    """Found by fuzzing on AWS: the SDK sent such names and ids on, and the cloud's echo was a 502."""
    before = cimi.get("/cimi/credentials", headers=JSON).json()["count"]
    created = cimi.post("/cimi/credentials", json={"name": "ctl\u0001x", "credentialTemplate": {}}, headers=JSON_BODY)
    assert "holds control characters" in _json_error(created, 400)
    assert cimi.get("/cimi/credentials", headers=JSON).json()["count"] == before
    assert cimi.get("/cimi/machines/inst%001", headers=JSON).status_code == 404
    assert cimi.get("/cimi/machine_images/img%1F1", headers=JSON).status_code == 404


def test_a_credential_name_no_url_could_reach_is_refused(cimi: httpx.Client) -> None:
    """Found by fuzzing on AWS: 'bad/name' was created, and its URL answered 404 forever after."""
    before = cimi.get("/cimi/credentials", headers=JSON).json()["count"]
    for name in ("bad/name", ".."):
        created = cimi.post("/cimi/credentials", json={"name": name, "credentialTemplate": {}}, headers=JSON_BODY)
        assert "or contain '/'" in _json_error(created, 400)
    assert cimi.get("/cimi/credentials", headers=JSON).json()["count"] == before
    assert cimi.get("/cimi/machines/inst%0A1", headers=JSON).status_code == 404  # a line break names nothing
