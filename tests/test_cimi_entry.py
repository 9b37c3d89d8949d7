"""The CIMI CloudEntryPoint, discovery of every collection, negotiation and ResourceMetadata, over HTTP."""

import urllib.request

import httpx
import pytest
from cimi_helpers import JSON, NS, XML, json_doc, local, xml_root
from conftest import MOCK_AUTH, LocalServer

#: CEP keys in DMTF's order (spec §3); the mock backs all of these
CEP_ORDER = ["resourceMetadata", "systems", "systemTemplates", "machines", "machineTemplates", "machineConfigs",
             "machineImages", "credentials", "credentialTemplates", "volumes", "volumeTemplates", "volumeConfigs",
             "volumeImages", "networks", "networkTemplates", "networkConfigs", "addresses", "addressTemplates",
             "forwardingGroups", "jobs"]


def test_entry_point_in_json(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/cimi/cloudEntryPoint", headers=JSON)  # no credentials needed
    assert r.status_code == 200 and r.headers["CIMI-Specification-Version"] == "1.0.1"
    cep = json_doc(r)
    assert cep["resourceURI"] == f"{NS}/CloudEntryPoint"
    assert cep["id"] == f"{server.url}/cimi/cloudEntryPoint"
    assert cep["name"] == "mock" and cep["driver"] == "mock" and cep["provider"] == "default"
    assert cep["baseURI"] == f"{server.url}/cimi/"
    assert [k for k in cep if isinstance(cep[k], dict)] == CEP_ORDER
    assert cep["machineConfigs"] == {"href": f"{server.url}/cimi/machine_configurations"}


def test_entry_point_in_xml(server: LocalServer) -> None:
    root = xml_root(httpx.get(f"{server.url}/cimi/cloudEntryPoint", headers=XML))
    assert local(root.tag) == "CloudEntryPoint" and root.get("resourceURI") == f"{NS}/CloudEntryPoint"
    assert root.findtext(f"{{{NS}}}name") == "mock"
    assert root.findtext(f"{{{NS}}}baseURI", "").endswith("/cimi/")
    links = [(local(e.tag), e.get("href")) for e in root if e.get("href")]
    assert [name for name, _ in links] == CEP_ORDER
    assert ("machines", f"{server.url}/cimi/machines") in links


@pytest.mark.parametrize("headers", [XML, JSON])
def test_every_advertised_collection_answers(cimi: httpx.Client, headers: dict[str, str]) -> None:
    cep = cimi.get("/cimi/cloudEntryPoint", headers=JSON).json()
    for key in CEP_ORDER:
        r = cimi.get(cep[key]["href"], headers=headers)
        assert r.status_code == 200, (key, r.text)
        if headers is JSON:
            document = json_doc(r)
            assert document["resourceURI"].endswith("Collection") and isinstance(document["count"], int)
            assert document["id"] == cep[key]["href"]
        else:
            root = xml_root(r)
            assert local(root.tag) == "Collection" and root.get("resourceURI", "").endswith("Collection")
            assert root.findtext(f"{{{NS}}}id") == cep[key]["href"]


def test_collection_entries_resolve_to_themselves(cimi: httpx.Client) -> None:
    for path, key in (("machines", "machines"), ("machine_images", "machineImages"),
                      ("machine_configurations", "machineConfigurations"), ("credentials", "credentials"),
                      ("volumes", "volumes"), ("networks", "networks"), ("addresses", "addresses")):
        collection = cimi.get(f"/cimi/{path}", headers=JSON).json()
        assert collection["count"] == len(collection[key]) > 0
        for entry in collection[key]:
            member = cimi.get(entry["id"], headers=JSON).json()
            assert (member["id"], member["name"]) == (entry["id"], entry["name"])


def test_root_redirects_to_the_entry_point(server: LocalServer) -> None:
    for path in ("/cimi", "/cimi/"):
        r = httpx.get(f"{server.url}{path}")
        assert r.status_code == 301 and r.headers["location"] == f"{server.url}/cimi/cloudEntryPoint"


def test_force_auth_checks_credentials(server: LocalServer) -> None:
    url = f"{server.url}/cimi/cloudEntryPoint?force_auth=1"
    unauthenticated = httpx.get(url, headers=XML)
    assert unauthenticated.status_code == 401 and "Basic realm=" in unauthenticated.headers["WWW-Authenticate"]
    assert xml_root(unauthenticated).findtext(f"{{{NS}}}code") == "401"
    assert httpx.get(url, auth=("mockuser", "wrong")).status_code == 401
    assert httpx.get(url, auth=MOCK_AUTH).status_code == 200


def test_everything_else_needs_credentials(server: LocalServer) -> None:
    for path in ("/cimi/machines", "/cimi/machine_templates", "/cimi/jobs", "/cimi/resource_metadata"):
        r = httpx.get(f"{server.url}{path}", headers=JSON)
        assert r.status_code == 401 and r.json()["code"] == 401, path
    assert httpx.get(f"{server.url}/cimi/machines", auth=("mockuser", "nope")).status_code == 401


def test_no_accept_header_means_xml(server: LocalServer) -> None:
    """As the original answered; urllib sends no Accept at all (httpx would send */*)."""
    with urllib.request.urlopen(f"{server.url}/cimi/cloudEntryPoint") as answer:
        assert answer.headers["Content-Type"] == "application/xml"
        assert answer.read().startswith(b"<CloudEntryPoint")


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/json", "application/json"),
    ("application/xml", "application/xml"),
    ("text/xml", "application/xml"),
    ("*/*", "application/json"),
    ("text/html", "application/json"),
    ("application/xml;q=0.5, application/json", "application/json"),
    ("application/json;q=0.5, application/xml", "application/xml"),
    ("application/json, application/xml", "application/xml"),
])
def test_format_negotiation(server: LocalServer, accept: str, expected: str) -> None:
    r = httpx.get(f"{server.url}/cimi/cloudEntryPoint", headers={"Accept": accept})
    assert r.headers["content-type"].split(";")[0] == expected


def test_format_parameter_overrides_accept(server: LocalServer) -> None:
    r = httpx.get(f"{server.url}/cimi/cloudEntryPoint?format=json", headers=XML)
    assert r.headers["content-type"] == "application/json"
    bad = httpx.get(f"{server.url}/cimi/cloudEntryPoint?format=yaml")
    assert bad.status_code == 400 and "format must be xml or json" in bad.text


def test_specification_version_negotiation(server: LocalServer) -> None:
    url = f"{server.url}/cimi/cloudEntryPoint"
    for accepted in ("1.0.1", "1.0", "1", "2.0.0, 1.0.1"):
        r = httpx.get(url, headers={"CIMI-Specification-Version": accepted})
        assert r.status_code == 200 and r.headers["CIMI-Specification-Version"] == "1.0.1"
    refused = httpx.get(url, headers={"CIMI-Specification-Version": "2.0.0", **JSON})
    assert refused.status_code == 400 and refused.headers["CIMI-Specification-Version"] == "1.0.1"
    assert "1.0.1" in refused.json()["message"]


def test_driver_selection_by_header(cimi: httpx.Client) -> None:
    """The ec2 driver has no subnets or networks: its entry point offers no networks."""
    cep = cimi.get("/cimi/cloudEntryPoint", headers={**JSON, "X-Deltacloud-Driver": "ec2"}).json()
    assert cep["name"] == "ec2" and "machines" in cep and "volumes" in cep
    assert "networks" not in cep and "forwardingGroups" not in cep and "networkConfigs" not in cep
    unknown = cimi.get("/cimi/cloudEntryPoint", headers={**JSON, "X-Deltacloud-Driver": "nosuch"})
    assert unknown.status_code == 400 and "nosuch" in unknown.json()["message"]


def test_resource_metadata(cimi: httpx.Client, server: LocalServer) -> None:
    collection = cimi.get("/cimi/resource_metadata", headers=JSON).json()
    assert collection["resourceURI"] == f"{NS}/ResourceMetadataCollection"
    assert collection["count"] == len(collection["resourceMetadata"])
    by_name = {entry["name"]: entry for entry in collection["resourceMetadata"]}
    machine = by_name["Machine"]
    assert machine["id"] == f"{server.url}/cimi/resource_metadata/machine"
    assert machine["typeUri"] == f"{NS}/Machine"
    capabilities = {c["name"]: c for c in machine["capabilities"]}
    assert capabilities["DefaultInitialState"]["value"] == "STARTED"
    assert capabilities["InitialStates"]["value"].split(",") == ["STARTED", "STOPPED"]
    assert capabilities["InitialStates"]["uri"] == f"{NS}/capability/Machine/InitialStates"
    for capability in machine["capabilities"]:
        assert set(capability) == {"name", "uri", "description", "value"}
    realm = next(a for a in machine["attributes"] if a["name"] == "realm")
    assert [c["value"] for c in realm["constraints"]] == ["us", "eu"]
    assert {"FilterParameter", "SelectParameter", "ExpandParameter", "FirstParameter", "LastParameter"} <= {
        c["name"] for c in by_name["CloudEntryPoint"]["capabilities"]}
    assert cimi.get(machine["id"], headers=JSON).json()["name"] == "Machine"
    root = xml_root(cimi.get("/cimi/resource_metadata/machine", headers=XML))
    default = root.find("c:capability[@name='DefaultInitialState']", {"c": NS})
    assert default is not None and default.text == "STARTED"
    attribute = root.find("c:attribute[@name='realm']", {"c": NS})
    assert attribute is not None and attribute.get("required") == "false"
    assert [v.text for v in attribute.iterfind("c:constraint/c:value", {"c": NS})] == ["us", "eu"]
    assert cimi.get("/cimi/resource_metadata/unicorn", headers=JSON).status_code == 404


def test_expand_embeds_collections_in_the_entry_point(cimi: httpx.Client, server: LocalServer) -> None:
    cep = cimi.get("/cimi/cloudEntryPoint?$expand=machines,machineConfigs", headers=JSON).json()
    assert cep["machines"]["href"] == f"{server.url}/cimi/machines" and cep["machines"]["count"] == 4
    assert len(cep["machines"]["machines"]) == 4
    assert [c["name"] for c in cep["machineConfigs"]["machineConfigurations"]] == ["m1-small", "m1-large",
                                                                                    "m1-xlarge"]
    assert set(cep["volumes"]) == {"href"}  # not asked for
    root = xml_root(cimi.get("/cimi/cloudEntryPoint?$expand=*", headers=XML))
    machines = root.find(f"{{{NS}}}machines")
    assert machines is not None and machines.get("href") == f"{server.url}/cimi/machines"
    assert len(machines.findall(f"{{{NS}}}Machine")) == 4
    assert root.find(f"{{{NS}}}jobs/{{{NS}}}count") is not None
    assert httpx.get(f"{server.url}/cimi/cloudEntryPoint?$expand=machines").status_code == 401
