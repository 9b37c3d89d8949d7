"""CIMI Machines over HTTP on the mock cloud: the whole life cycle in JSON and XML, following Jobs."""

import base64

import httpx
from cimi_helpers import (
    JSON,
    JSON_BODY,
    NS,
    XML,
    XML_BODY,
    action,
    follow_job,
    json_doc,
    local,
    op_href,
    stop_and_delete,
    xml_root,
)
from conftest import LocalServer

N = {"c": NS}


def _template(cimi: httpx.Client, name: str) -> str:
    body = {"name": name, "description": "small Fedora", "properties": {"tier": "web"},
            "machineConfig": {"href": f"{cimi.base_url}/cimi/machine_configurations/m1-small"},
            "machineImage": {"href": f"{cimi.base_url}/cimi/machine_images/img2"}}
    r = cimi.post("/cimi/machine_templates", json=body, headers=JSON_BODY)
    assert r.status_code == 201, r.text
    return r.headers["Location"]


def test_machine_collection(cimi: httpx.Client, server: LocalServer) -> None:
    collection = json_doc(cimi.get("/cimi/machines", headers=JSON))
    assert collection["resourceURI"] == f"{NS}/MachineCollection"
    assert collection["id"] == f"{server.url}/cimi/machines"
    assert collection["count"] == 4 and [m["id"].rsplit("/", 1)[1] for m in collection["machines"]] == [
        "inst0", "inst1", "inst2", "inst3"]
    assert collection["operations"] == [{"rel": "add", "href": f"{server.url}/cimi/machines"}]
    inst0 = collection["machines"][0]
    assert inst0["state"] == "STARTED" and inst0["cpu"] == 1 and inst0["memory"] == 12582912  # 12288 MB override
    assert inst0["machineImage"] == {"href": f"{server.url}/cimi/machine_images/img1"}
    assert inst0["disks"] == {"href": f"{inst0['id']}/disks"}
    assert {op["rel"].rsplit("/", 1)[-1] for op in inst0["operations"]} == {"edit", "restart", "stop", "capture"}
    assert op_href(inst0, "capture") == f"{server.url}/cimi/machine_images"
    inst3 = collection["machines"][3]
    assert op_href(inst3, "capture") is None  # the mock's inst3 cannot be imaged: not offered

    root = xml_root(cimi.get("/cimi/machines", headers=XML))
    assert local(root.tag) == "Collection" and root.get("resourceURI") == f"{NS}/MachineCollection"
    assert root.findtext("c:count", namespaces=N) == "4"
    machines = root.findall("c:Machine", N)
    assert len(machines) == 4 and machines[1].findtext("c:name", namespaces=N) == "MockUserInstance"
    assert machines[1].find("c:disks", N).get("href") == f"{server.url}/cimi/machines/inst1/disks"
    rels = [op.get("rel") for op in machines[1].findall("c:operation", N)]
    assert f"{NS}/action/stop" in rels and all(op.get("href") for op in machines[1].findall("c:operation", N))


def test_machine_member_and_sub_collections(cimi: httpx.Client, server: LocalServer) -> None:
    machine = json_doc(cimi.get("/cimi/machines/inst1", headers=JSON))
    assert machine["resourceURI"] == f"{NS}/Machine" and machine["name"] == "MockUserInstance"
    assert machine["memory"] == 1782579 and machine["realm"] == "us"
    disks = json_doc(cimi.get(machine["disks"]["href"], headers=JSON))
    assert disks["resourceURI"] == f"{NS}/DiskCollection" and disks["count"] == 1
    assert disks["disks"][0]["capacity"] == 160 * 1024 * 1024  # 160 GB in KiB
    assert cimi.get(disks["disks"][0]["id"], headers=JSON).json()["capacity"] == 167772160
    volumes = json_doc(cimi.get(machine["volumes"]["href"], headers=JSON))
    assert volumes["resourceURI"] == f"{NS}/MachineVolumeCollection"
    assert [(v["volume"]["href"], v["initialLocation"]) for v in volumes["machineVolumes"]] == [
        (f"{server.url}/cimi/volumes/vol3", "/dev/sda1")]
    assert volumes["operations"] == [{"rel": "add", "href": f"{server.url}/cimi/machines/inst1/volumes"}]
    root = xml_root(cimi.get("/cimi/machines/inst1", headers=XML))
    assert local(root.tag) == "Machine" and root.get("resourceURI") == f"{NS}/Machine"
    assert root.findtext("c:cpu", namespaces=N) == "1" and root.findtext("c:memory", namespaces=N) == "1782579"
    assert cimi.get("/cimi/machines/nosuch", headers=JSON).status_code == 404
    assert cimi.get("/cimi/machines/inst1/volumes/vol1", headers=JSON).status_code == 404  # not attached


def test_expand_embeds_disks_and_volumes(cimi: httpx.Client) -> None:
    plain = cimi.get("/cimi/machines/inst1", headers=JSON).json()
    assert set(plain["disks"]) == {"href"}
    disks_only = cimi.get("/cimi/machines/inst1?$expand=disks", headers=JSON).json()
    assert disks_only["disks"]["count"] == 1 and len(disks_only["disks"]["disks"]) == 1
    assert set(disks_only["volumes"]) == {"href"}
    both = cimi.get("/cimi/machines/inst1?$expand=*", headers=JSON).json()
    assert both["volumes"]["count"] == 1 and both["volumes"]["machineVolumes"][0]["name"] == "vol3"
    listing = cimi.get("/cimi/machines?$expand=disks,volumes", headers=JSON).json()
    assert all("count" in m["disks"] and "count" in m["volumes"] for m in listing["machines"])
    root = xml_root(cimi.get("/cimi/machines/inst1?$expand=disks", headers=XML))
    disks = root.find("c:disks", N)
    assert disks is not None and disks.findtext("c:count", namespaces=N) == "1"
    assert disks.find("c:Disk/c:capacity", N).text == "167772160"


def _life_cycle(cimi: httpx.Client, created: httpx.Response, fmt: str, expected_name: str) -> None:
    """stop -> start -> capture -> delete, each step through the operations the Machine offers."""
    assert created.status_code in (201, 202), created.text
    location = created.headers["Location"]
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    machine = cimi.get(location, headers=JSON).json()
    assert machine["id"] == location and machine["name"] == expected_name and machine["state"] == "STARTED"
    assert op_href(machine, "delete") is None  # the mock deletes stopped machines only: not offered

    stopped = action(cimi, op_href(machine, "stop"), "stop", fmt)
    assert stopped.status_code == 202
    job = follow_job(cimi, stopped)
    assert job["state"] == "SUCCESS" and job["targetResource"]["href"] == location
    assert job["action"] == f"{NS}/action/stop" and job["progress"] == 100
    machine = cimi.get(location, headers=JSON).json()
    assert machine["state"] == "STOPPED" and op_href(machine, "stop") is None

    started = action(cimi, op_href(machine, "start"), "start", fmt)
    assert started.status_code == 202 and follow_job(cimi, started)["state"] == "SUCCESS"
    machine = cimi.get(location, headers=JSON).json()
    assert machine["state"] == "STARTED"

    image_name = f"image-of-{location.rsplit('/', 1)[1]}-{fmt}"
    if fmt == "xml":
        body = (f"<MachineImageCreate xmlns='{NS}'><name>{image_name}</name><description>captured</description>"
                f"<type> IMAGE </type><imageLocation> {location} </imageLocation></MachineImageCreate>")
        captured = cimi.post(op_href(machine, "capture"), content=body.encode(), headers=XML_BODY)
    else:
        captured = cimi.post(op_href(machine, "capture"), headers=JSON_BODY, json={
            "name": image_name, "description": "captured", "type": "IMAGE", "imageLocation": {"href": location}})
    assert captured.status_code in (201, 202), captured.text
    image_uri = captured.headers["Location"]
    capture_job = follow_job(cimi, captured)
    assert capture_job["state"] == "SUCCESS" and capture_job["affectedResources"] == [{"href": location}]
    image = cimi.get(image_uri, headers=JSON).json()
    assert image["id"] == image_uri and image["name"] == image_name and image["type"] == "IMAGE"
    assert image["state"] == "AVAILABLE" and image["description"] == "captured"
    assert cimi.delete(op_href(image, "delete")).status_code == 200
    assert cimi.get(image_uri, headers=JSON).status_code == 404

    stop_and_delete(cimi, machine, fmt)
    assert cimi.get(location, headers=JSON).status_code == 404


def test_life_cycle_from_a_template_by_reference_in_json(cimi: httpx.Client) -> None:
    template = _template(cimi, "by-reference")
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={
        "resourceURI": f"{NS}/MachineCreate", "name": "json-by-reference", "description": "from a template",
        "properties": {"owner": "qa"}, "machineTemplate": {"href": template}})
    assert created.status_code == 201
    machine = created.json()
    assert machine["id"] == created.headers["Location"] and machine["properties"] == {"owner": "qa"}
    assert machine["description"] == "from a template" and machine["cpu"] == 1
    assert machine["machineImage"]["href"].endswith("/machine_images/img2")
    _life_cycle(cimi, created, "json", "json-by-reference")


def test_life_cycle_from_a_template_by_value_in_xml(cimi: httpx.Client, server: LocalServer) -> None:
    # no namespace and a sloppy root element: the original's test suite sent such documents
    body = (f"<MachineCreate><name>xml-by-value</name><description>by value</description>"
            f"<property key='env'>test</property><machineTemplate>"
            f"<machineConfig href='{server.url}/cimi/machine_configurations/m1-small'/>"
            f"<machineImage href='{server.url}/cimi/machine_images/img1'/></machineTemplate></MachineCreate>")
    created = cimi.post("/cimi/machines", content=body.encode(), headers=XML_BODY)
    assert created.status_code == 201, created.text
    root = xml_root(created)
    assert local(root.tag) == "Machine" and root.findtext("c:name", namespaces=N) == "xml-by-value"
    assert root.find("c:property[@key='env']", N).text == "test"
    _life_cycle(cimi, created, "xml", "xml-by-value")


def test_machine_config_by_value_picks_a_matching_profile(cimi: httpx.Client, server: LocalServer) -> None:
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={"name": "sized", "machineTemplate": {
        "machineConfig": {"cpu": 2, "memory": 8 * 1024 * 1024},  # only m1-large offers 2 CPUs and 8 GB
        "machineImage": {"href": f"{server.url}/cimi/machine_images/img1"}}})
    assert created.status_code == 201, created.text
    assert created.json()["cpu"] == 2 and created.json()["memory"] == 8 * 1024 * 1024
    impossible = cimi.post("/cimi/machines", headers=JSON_BODY, json={"machineTemplate": {
        "machineConfig": {"cpu": 64}, "machineImage": {"href": f"{server.url}/cimi/machine_images/img1"}}})
    assert impossible.status_code == 400 and "cpu=64" in impossible.json()["message"]


def test_initial_state_and_user_data(cimi: httpx.Client, server: LocalServer) -> None:
    user_data = base64.b64encode(b"#!/bin/sh\necho hello").decode()
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={"name": "quiet", "machineTemplate": {
        "initialState": "STOPPED", "userData": user_data,
        "machineImage": {"href": f"{server.url}/cimi/machine_images/img1"}}})
    assert created.status_code in (201, 202) and follow_job(cimi, created)["state"] == "SUCCESS"
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    assert machine["state"] == "STOPPED" and op_href(machine, "start") and op_href(machine, "delete")
    bad = cimi.post("/cimi/machines", headers=JSON_BODY, json={"machineTemplate": {
        "initialState": "PAUSED", "machineImage": {"href": f"{server.url}/cimi/machine_images/img1"}}})
    assert bad.status_code == 400 and "initialState" in bad.json()["message"]
    # what the proxy cannot honour is refused, never silently dropped
    with_volumes = cimi.post("/cimi/machines", headers=XML_BODY, content=(
        f"<MachineCreate><machineTemplate><machineImage href='{server.url}/cimi/machine_images/img1'/>"
        f"<volume href='{server.url}/cimi/volumes/vol1' initialLocation='/dev/sdf'/></machineTemplate>"
        f"</MachineCreate>").encode())
    assert with_volumes.status_code == 400 and "volumes" in with_volumes.text
    keyed = cimi.post("/cimi/machines", headers=JSON_BODY, json={"machineTemplate": {
        "credential": {"href": f"{server.url}/cimi/credentials/no-such-key"},
        "machineImage": {"href": f"{server.url}/cimi/machine_images/img1"}}})
    assert keyed.status_code == 400 and "no-such-key" in keyed.json()["message"]


def test_restart_and_action_checks(cimi: httpx.Client) -> None:
    machine = cimi.get("/cimi/machines/inst2", headers=JSON).json()
    restarted = action(cimi, op_href(machine, "restart"), "restart", "xml")
    assert restarted.status_code == 202
    root = xml_root(restarted)
    assert local(root.tag) == "Job" and root.find("c:targetResource", N).get("href") == machine["id"]
    assert follow_job(cimi, restarted)["state"] == "SUCCESS"
    # the Action sent to the Machine itself, as CIMI allows
    stopped = cimi.post(machine["id"], json={"action": f"{NS}/action/stop"}, headers=JSON_BODY)
    assert stopped.status_code == 202 and follow_job(cimi, stopped)["state"] == "SUCCESS"
    # a state that forbids the action: 409, and the Machine unchanged
    again = action(cimi, f"{machine['id']}/stop", "stop")
    assert again.status_code == 409 and "STOPPED" in again.json()["message"]
    # the Action must name the operation of the URL
    mismatch = cimi.post(f"{machine['id']}/start", json={"action": f"{NS}/action/stop"}, headers=JSON_BODY)
    assert mismatch.status_code == 400
    assert cimi.get(machine["id"], headers=JSON).json()["state"] == "STOPPED"
    assert action(cimi, "/cimi/machines/nosuch/start", "start").status_code == 404
    assert cimi.post(f"{machine['id']}/explode", headers=JSON).status_code == 404


def test_edit_name_description_properties(cimi: httpx.Client) -> None:
    r = cimi.put("/cimi/machines/inst0", headers=JSON_BODY,
                 json={"name": "renamed", "description": "edited", "properties": {"a": "1"}})
    assert r.status_code == 200 and r.json()["name"] == "renamed" and r.json()["properties"] == {"a": "1"}
    shown = cimi.get("/cimi/machines/inst0", headers=JSON).json()
    assert (shown["name"], shown["description"]) == ("renamed", "edited")
    cleared = cimi.put("/cimi/machines/inst0?$select=properties", headers=JSON_BODY, json={"name": "ignored"})
    assert cleared.status_code == 200 and "properties" not in cleared.json() and cleared.json()["name"] == "renamed"
    xml_edit = cimi.put("/cimi/machines/inst0", headers=XML_BODY,
                        content=f"<Machine xmlns='{NS}'><description>from xml</description></Machine>".encode())
    assert xml_edit.status_code == 200 and xml_root(xml_edit).findtext("c:description", namespaces=N) == "from xml"
    assert cimi.put("/cimi/machines/inst0?$select=state", headers=JSON_BODY, json={}).status_code == 400
    assert cimi.put("/cimi/machines/nosuch", headers=JSON_BODY, json={"name": "x"}).status_code == 404


def test_machine_templates(cimi: httpx.Client, server: LocalServer) -> None:
    location = _template(cimi, "web")
    template = cimi.get(location, headers=JSON).json()
    assert template["resourceURI"] == f"{NS}/MachineTemplate" and template["properties"] == {"tier": "web"}
    assert template["machineConfig"]["href"] == f"{server.url}/cimi/machine_configurations/m1-small"
    assert op_href(template, "delete") == location
    listing = cimi.get("/cimi/machine_templates", headers=JSON).json()
    assert location in [t["id"] for t in listing["machineTemplates"]]
    # the original's unit tests: a missing machineImage is a 400 naming it, in both formats
    missing = cimi.post("/cimi/machine_templates", headers=JSON_BODY, json={"machineConfig": {"href": "x/m1-small"}})
    assert missing.status_code == 400 and missing.json()["message"] == "Required attributes not set: machineImage"
    xml_missing = cimi.post("/cimi/machine_templates", headers=XML_BODY,
                            content=b"<MachineTemplate><machineConfig href='x/m1-small'/></MachineTemplate>")
    assert xml_missing.status_code == 400
    assert xml_root(xml_missing).findtext("c:message", namespaces=N) == "Required attributes not set: machineImage"
    unknown = cimi.post("/cimi/machine_templates", headers=JSON_BODY, json={
        "machineConfig": {"href": "x/m1-small"}, "machineImage": {"href": "x/img99"}})
    assert unknown.status_code == 400 and "img99" in unknown.json()["message"]
    # a <MachineTemplate> document (not ...Create) with a property, as part3 of the original's suite
    xml_created = cimi.post("/cimi/machine_templates", headers=XML_BODY, content=(
        f"<MachineTemplate xmlns='{NS}'><name>xml-template</name><property key='foo'>bar</property>"
        f"<machineConfig href='{server.url}/cimi/machine_configurations/m1-large'/>"
        f"<machineImage href='{server.url}/cimi/machine_images/img1'/></MachineTemplate>").encode())
    assert xml_created.status_code == 201
    assert xml_root(xml_created).find("c:property[@key='foo']", N).text == "bar"
    assert cimi.put(location, headers=JSON_BODY, json={"name": "web2"}).json()["name"] == "web2"
    assert cimi.delete(location).status_code == 200
    assert cimi.get(location, headers=JSON).status_code == 404
    assert cimi.delete(location).status_code == 404
