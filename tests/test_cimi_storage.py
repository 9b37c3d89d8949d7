"""CIMI Volumes, VolumeConfigurations, VolumeTemplates, VolumeImages and Credentials over HTTP (mock cloud)."""

import base64

import httpx
import pytest
from cimi_helpers import JSON, JSON_BODY, NS, XML, XML_BODY, follow_job, json_doc, local, op_href, xml_root
from conftest import LocalServer

N = {"c": NS}
GIB = 1024 * 1024  # KiB


def test_volume_collection(cimi: httpx.Client, server: LocalServer) -> None:
    volumes = json_doc(cimi.get("/cimi/volumes", headers=JSON))
    assert volumes["resourceURI"] == f"{NS}/VolumeCollection" and volumes["count"] == 3
    vol1 = volumes["volumes"][0]
    assert vol1["id"] == f"{server.url}/cimi/volumes/vol1" and vol1["capacity"] == GIB
    assert vol1["type"] == f"{NS}/mapped" and vol1["bootable"] is False and vol1["state"] == "AVAILABLE"
    vol3 = cimi.get("/cimi/volumes/vol3", headers=JSON).json()
    assert vol3["state"] == "AVAILABLE"  # IN-USE is no CIMI state: attachment shows on the Machine
    root = xml_root(cimi.get("/cimi/volumes/vol1", headers=XML))
    assert local(root.tag) == "Volume" and root.findtext("c:capacity", namespaces=N) == str(GIB)
    assert root.findtext("c:bootable", namespaces=N) == "false"
    assert cimi.get("/cimi/volumes/nosuch", headers=JSON).status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_volume_create_attach_detach_delete(cimi: httpx.Client, server: LocalServer, fmt: str) -> None:
    config = cimi.post("/cimi/volume_configurations", headers=JSON_BODY,
                       json={"name": f"two-gig-{fmt}", "format": "ext4", "capacity": 2 * GIB})
    assert config.status_code == 201 and config.json()["capacity"] == 2 * GIB
    if fmt == "xml":
        body = (f"<VolumeCreate xmlns='{NS}'><name>data-xml</name><description>for attaching</description>"
                f"<volumeTemplate><volumeConfig href='{config.headers['Location']}'/></volumeTemplate></VolumeCreate>")
        created = cimi.post("/cimi/volumes", content=body.encode(), headers=XML_BODY)
    else:
        created = cimi.post("/cimi/volumes", headers=JSON_BODY, json={
            "name": "data-json", "description": "for attaching",
            "volumeTemplate": {"volumeConfig": {"href": config.headers["Location"]}}})
    assert created.status_code in (201, 202), created.text
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    volume_uri = created.headers["Location"]
    volume = cimi.get(volume_uri, headers=JSON).json()
    assert volume["name"] == f"data-{fmt}" and volume["capacity"] == 2 * GIB and volume["state"] == "AVAILABLE"

    machine = cimi.get("/cimi/machines/inst0", headers=JSON).json()
    machine_volumes = cimi.get(machine["volumes"]["href"], headers=JSON).json()
    attach_uri = op_href(machine_volumes, "add")
    device = "/dev/sdf" if fmt == "json" else "/dev/sdg"
    if fmt == "xml":
        attached = cimi.post(attach_uri, headers=XML_BODY, content=(
            f"<MachineVolume xmlns='{NS}'><initialLocation>{device}</initialLocation>"
            f"<volume href='{volume_uri}'/></MachineVolume>").encode())
    else:
        attached = cimi.post(attach_uri, headers=JSON_BODY,
                             json={"initialLocation": device, "volume": {"href": volume_uri}})
    assert attached.status_code in (201, 202), attached.text
    job = follow_job(cimi, attached)
    assert job["state"] == "SUCCESS" and job["affectedResources"] == [{"href": volume_uri}]
    machine_volume_uri = attached.headers["Location"]
    machine_volume = cimi.get(machine_volume_uri, headers=JSON).json()
    assert machine_volume["volume"]["href"] == volume_uri and machine_volume["initialLocation"] == device
    expanded = cimi.get("/cimi/machines/inst0?$expand=volumes", headers=JSON).json()
    assert volume_uri in [v["volume"]["href"] for v in expanded["volumes"]["machineVolumes"]]
    busy = cimi.delete(volume_uri, headers=JSON)
    assert busy.status_code == 409  # attached volumes cannot be deleted: the mock says so, nothing changes

    detached = cimi.delete(op_href(machine_volume, "delete"))
    assert detached.status_code in (200, 202) and follow_job(cimi, detached)["state"] == "SUCCESS"
    assert cimi.get(machine_volume_uri, headers=JSON).status_code == 404
    deleted = cimi.delete(op_href(volume, "delete"))
    assert deleted.status_code in (200, 202) and follow_job(cimi, deleted)["state"] == "SUCCESS"
    assert cimi.get(volume_uri, headers=JSON).status_code == 404


def test_volume_by_value_and_templates(cimi: httpx.Client, server: LocalServer) -> None:
    # by value, as the original's part4 test sent it: a 1024 KiB configuration is one GB at the driver
    by_value = cimi.post("/cimi/volumes", headers=JSON_BODY, json={"name": "tiny", "volumeTemplate": {
        "volumeConfig": {"type": f"{NS}/mapped", "capacity": 1024}}})
    assert by_value.status_code == 201 and by_value.json()["capacity"] == GIB
    assert op_href(by_value.json(), "delete") == by_value.headers["Location"]
    assert cimi.delete(op_href(by_value.json(), "delete")).status_code == 200

    template = cimi.post("/cimi/volume_templates", headers=JSON_BODY, json={
        "name": "from-snapshot", "volumeConfig": {"capacity": 3 * GIB},
        "volumeImage": {"href": f"{server.url}/cimi/volume_images/snap1"}})
    assert template.status_code == 201, template.text
    shown = cimi.get(template.headers["Location"], headers=JSON).json()
    assert shown["volumeImage"] == {"href": f"{server.url}/cimi/volume_images/snap1"}
    from_template = cimi.post("/cimi/volumes", headers=JSON_BODY,
                              json={"volumeTemplate": {"href": template.headers["Location"]}})
    assert from_template.status_code == 201 and from_template.json()["capacity"] == 3 * GIB

    missing = cimi.post("/cimi/volume_configurations", headers=JSON_BODY, json={"format": "ext3"})
    assert missing.status_code == 400 and missing.json()["message"] == "Required attributes not set: capacity"
    bad = cimi.post("/cimi/volume_configurations", headers=JSON_BODY, json={"capacity": "lots"})
    assert bad.status_code == 400 and "capacity must be an integer" in bad.json()["message"]
    unknown = cimi.post("/cimi/volumes", headers=JSON_BODY,
                        json={"volumeTemplate": {"volumeConfig": {"href": "x/volume_configurations/99"}}})
    assert unknown.status_code == 400 and "99" in unknown.json()["message"]
    no_template = cimi.post("/cimi/volumes", headers=JSON_BODY, json={"name": "x"})
    assert no_template.status_code == 400 and "volumeTemplate" in no_template.json()["message"]
    volumes_before = cimi.get("/cimi/volumes", headers=JSON).json()["count"]
    too_big = cimi.post("/cimi/volumes", headers=JSON_BODY,
                        json={"volumeTemplate": {"volumeConfig": {"capacity": 16384 * GIB + 1}}})
    assert too_big.status_code == 400 and "at most 17179869184 KiB" in too_big.json()["message"]
    assert cimi.get("/cimi/volumes", headers=JSON).json()["count"] == volumes_before


def test_volume_images(cimi: httpx.Client, server: LocalServer) -> None:
    images = cimi.get("/cimi/volume_images", headers=JSON).json()
    assert images["count"] == 3 and images["volumeImages"][0]["state"] == "AVAILABLE"
    snap3 = cimi.get("/cimi/volume_images/snap3", headers=JSON).json()
    assert snap3["id"].endswith("/snap3") and snap3["imageLocation"] == {"href": f"{server.url}/cimi/volumes/vol2"}
    created = cimi.post("/cimi/volume_images", headers=JSON_BODY, json={
        "name": "backup", "imageLocation": {"href": f"{server.url}/cimi/volumes/vol1"}})
    assert created.status_code in (201, 202) and follow_job(cimi, created)["state"] == "SUCCESS"
    image = cimi.get(created.headers["Location"], headers=JSON).json()
    assert image["name"] == "backup" and image["imageLocation"]["href"].endswith("/volumes/vol1")
    assert cimi.delete(created.headers["Location"]).status_code == 200
    assert cimi.get(created.headers["Location"], headers=JSON).status_code == 404
    assert cimi.get("/cimi/volume_images/nosuch", headers=JSON).status_code == 404


def test_credentials(cimi: httpx.Client, server: LocalServer) -> None:
    listing = cimi.get("/cimi/credentials", headers=JSON).json()
    assert [c["name"] for c in listing["credentials"]] == ["test-key"]
    assert "password" not in listing["credentials"][0] and "privateKey" not in listing["credentials"][0]
    assert op_href(listing, "add") == f"{server.url}/cimi/credentials"  # the original never offered it

    generated = cimi.post("/cimi/credentials", headers=JSON_BODY, json={"name": "deploy", "description": "ci"})
    assert generated.status_code == 201 and generated.json()["privateKey"].startswith("-----BEGIN RSA PRIVATE KEY")
    shown = cimi.get(generated.headers["Location"], headers=JSON).json()
    assert shown["description"] == "ci" and "privateKey" not in shown and shown["fingerprint"]

    blob = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa" + bytes(range(64))).decode()
    public_key = f"ssh-rsa {blob} user@host"
    template = cimi.post("/cimi/credential_templates", headers=JSON_BODY, json={"name": "laptop", "key": public_key})
    assert template.status_code == 201
    imported = cimi.post("/cimi/credentials", headers=XML_BODY, content=(
        f"<CredentialCreate xmlns='{NS}'><name>laptop</name>"
        f"<credentialTemplate href='{template.headers['Location']}'/></CredentialCreate>").encode())
    assert imported.status_code == 201
    root = xml_root(imported)
    assert root.findtext("c:key", namespaces=N) == public_key and root.find("c:privateKey", N) is None

    by_value = cimi.post("/cimi/credentials", headers=JSON_BODY,
                         json={"name": "inline", "credentialTemplate": {"key": public_key}})
    assert by_value.status_code == 201 and by_value.json()["key"] == public_key
    password = cimi.post("/cimi/credentials", headers=JSON_BODY,
                         json={"credentialTemplate": {"username": "root", "password": "secret"}})
    assert password.status_code == 400 and "secret" not in password.text
    duplicate = cimi.post("/cimi/credentials", headers=JSON_BODY, json={"name": "deploy"})
    assert duplicate.status_code == 403

    for uri in (generated.headers["Location"], imported.headers["Location"], by_value.headers["Location"]):
        assert cimi.delete(uri).status_code == 200  # the original always answered 412 here
        assert cimi.get(uri, headers=JSON).status_code == 404
