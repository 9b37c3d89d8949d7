"""The CIMI machine scenario against the AWS driver: a real local server, the ec2 driver, a real moto
server. HTTP Basic carries the AWS key pair (pass-through), the driver and region come in headers."""

from collections.abc import Iterator

import httpx
import pytest
from aws_support import passthrough_aws_server, public_ebs_image
from cimi_helpers import JSON, JSON_BODY, NS, XML_BODY, action, follow_job, local, op_href, stop_and_delete, xml_root
from conftest import LocalServer, stop_server

REGION = "us-east-1"
AWS_KEY, AWS_SECRET = "AKIDCIMIONAWS", "cimi-on-aws-secret"
HEADERS = {"X-Deltacloud-Driver": "ec2", "X-Deltacloud-Provider": REGION}
N = {"c": NS}


@pytest.fixture(scope="module")
def aws_server(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[LocalServer]:
    running = passthrough_aws_server(tmp_path_factory.mktemp("cimi-aws"), moto_endpoint)
    yield running
    stop_server(running)


@pytest.fixture
def cimi(aws_server: LocalServer) -> Iterator[httpx.Client]:
    with aws_server.client(auth=(AWS_KEY, AWS_SECRET), headers=HEADERS) as client:
        yield client


@pytest.fixture(scope="module")
def image_id(moto_endpoint: str) -> str:
    return public_ebs_image(moto_endpoint, REGION)


def test_entry_point_follows_the_aws_capabilities(cimi: httpx.Client) -> None:
    cep = cimi.get("/cimi/cloudEntryPoint", headers=JSON).json()
    assert (cep["name"], cep["provider"]) == ("ec2", REGION)
    assert {"machines", "machineImages", "machineConfigs", "volumes", "volumeImages", "credentials", "addresses",
            "jobs"} <= set(cep)
    assert "networks" not in cep and "forwardingGroups" not in cep
    config = cimi.get("/cimi/machine_configurations/t3.micro", headers=JSON).json()
    assert config["cpu"] == 2 and config["memory"] == 1024 * 1024


def _scenario(cimi: httpx.Client, created: httpx.Response, name: str) -> None:
    """created -> stop -> start -> capture an image -> stop -> delete, following every Job."""
    assert created.status_code in (201, 202), created.text
    location = created.headers["Location"]
    job = follow_job(cimi, created)
    assert job["state"] == "SUCCESS", job
    machine = cimi.get(location, headers=JSON).json()
    assert machine["name"] == name and machine["state"] == "STARTED"
    assert machine["machineImage"]["href"].endswith(machine["machineImage"]["href"].rsplit("/", 1)[1])

    stopped = action(cimi, op_href(machine, "stop"), "stop")
    assert stopped.status_code == 202 and follow_job(cimi, stopped)["state"] == "SUCCESS"
    machine = cimi.get(location, headers=JSON).json()
    assert machine["state"] == "STOPPED"

    started = action(cimi, op_href(machine, "start"), "start", "xml")
    assert started.status_code == 202 and follow_job(cimi, started)["state"] == "SUCCESS"
    machine = cimi.get(location, headers=JSON).json()
    assert machine["state"] == "STARTED"

    captured = cimi.post(op_href(machine, "capture"), headers=JSON_BODY, json={
        "name": f"{name}-image", "description": "captured through CIMI", "imageLocation": {"href": location}})
    assert captured.status_code in (201, 202), captured.text
    assert follow_job(cimi, captured)["state"] == "SUCCESS"
    image = cimi.get(captured.headers["Location"], headers=JSON).json()
    assert image["name"] == f"{name}-image" and image["state"] == "AVAILABLE"
    assert cimi.delete(op_href(image, "delete")).status_code in (200, 202)

    stop_and_delete(cimi, machine)
    assert cimi.get(location, headers=JSON).json()["state"] == "DELETING"  # EC2 shows terminated instances a while
    listed = [m["id"] for m in cimi.get("/cimi/machines", headers=JSON).json().get("machines", [])]
    assert location not in listed


def test_machine_from_a_template_by_reference(cimi: httpx.Client, aws_server: LocalServer, image_id: str) -> None:
    template = cimi.post("/cimi/machine_templates", headers=JSON_BODY, json={
        "name": "aws-small", "machineConfig": {"href": f"{aws_server.url}/cimi/machine_configurations/t3.micro"},
        "machineImage": {"href": f"{aws_server.url}/cimi/machine_images/{image_id}"}})
    assert template.status_code == 201, template.text
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={
        "name": "aws-by-reference", "properties": {"team": "cimi"},
        "machineTemplate": {"href": template.headers["Location"]}})
    _scenario(cimi, created, "aws-by-reference")


def test_machine_from_a_template_by_value_in_xml(cimi: httpx.Client, aws_server: LocalServer, image_id: str) -> None:
    body = (f"<MachineCreate xmlns='{NS}'><name>aws-by-value</name><machineTemplate>"
            f"<machineConfig><cpu>2</cpu><memory>{1024 * 1024}</memory></machineConfig>"
            f"<machineImage href='{aws_server.url}/cimi/machine_images/{image_id}'/></machineTemplate></MachineCreate>")
    created = cimi.post("/cimi/machines", content=body.encode(), headers=XML_BODY)
    assert created.status_code in (201, 202), created.text
    root = xml_root(created)
    assert local(root.tag) in ("Machine", "Job")
    _scenario(cimi, created, "aws-by-value")


def test_initial_state_stopped_on_a_cloud_that_launches_running_machines(cimi: httpx.Client, image_id: str) -> None:
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={"name": "aws-quiet", "machineTemplate": {
        "initialState": "STOPPED", "machineConfig": {"href": "x/t3.micro"}, "machineImage": {"href": f"x/{image_id}"}}})
    assert created.status_code in (201, 202), created.text
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    assert machine["state"] == "STOPPED" and op_href(machine, "start") and op_href(machine, "delete")
    assert cimi.delete(op_href(machine, "delete")).status_code in (200, 202)


def test_volume_attach_detach_on_aws(cimi: httpx.Client, aws_server: LocalServer, image_id: str) -> None:
    created = cimi.post("/cimi/machines", headers=JSON_BODY, json={"name": "aws-disk-host", "machineTemplate": {
        "machineConfig": {"href": "x/t3.micro"}, "machineImage": {"href": f"x/{image_id}"}}})
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    realm = machine["realm"]
    volume = cimi.post("/cimi/volumes", headers=JSON_BODY, json={
        "name": "aws-data", "realm": realm, "volumeTemplate": {"volumeConfig": {"capacity": 1048576}}})
    assert volume.status_code in (201, 202) and follow_job(cimi, volume)["state"] == "SUCCESS"
    volume_uri = volume.headers["Location"]
    attached = cimi.post(f"{machine['id']}/volumes", headers=JSON_BODY,
                         json={"initialLocation": "/dev/sdf", "volume": {"href": volume_uri}})
    assert attached.status_code in (201, 202), attached.text
    assert follow_job(cimi, attached)["state"] == "SUCCESS"
    volumes = cimi.get(machine["volumes"]["href"], headers=JSON).json()
    assert volume_uri in [v["volume"]["href"] for v in volumes["machineVolumes"]]
    detached = cimi.delete(attached.headers["Location"])
    assert detached.status_code in (200, 202) and follow_job(cimi, detached)["state"] == "SUCCESS"
    deleted = cimi.delete(volume_uri)
    assert deleted.status_code in (200, 202) and follow_job(cimi, deleted)["state"] == "SUCCESS"
    assert cimi.get(volume_uri, headers=JSON).status_code == 404


def test_aws_errors_in_cimi_format(cimi: httpx.Client, aws_server: LocalServer) -> None:
    assert cimi.get("/cimi/machines/i-0123456789abcdef0", headers=JSON).status_code == 404
    unknown_image = cimi.post("/cimi/machines", headers=JSON_BODY, json={"machineTemplate": {
        "machineImage": {"href": "x/ami-00000000"}}})
    assert 400 <= unknown_image.status_code < 500 and unknown_image.json()["message"]
    assert AWS_SECRET not in unknown_image.text
    with aws_server.client(headers=HEADERS) as anonymous:
        r = anonymous.get("/cimi/machines", headers=JSON)
        assert r.status_code == 401 and "WWW-Authenticate" in r.headers
