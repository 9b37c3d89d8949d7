"""CIMI Jobs while the cloud is still working: 202 answers, RUNNING Jobs, follow-up steps, the Job collection.

The mock and moto change state instantly, so this module registers a driver plugin (the way a third
party would) for a cloud whose machines take a moment to boot: the mock, with new machines PENDING
for their first seconds. Everything else is the real server and the real mock state.
"""

import os
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cimi_helpers import JSON, JSON_BODY, NS, follow_job, json_doc, op_href
from conftest import MOCK_AUTH, LocalServer, start_server, stop_server

BOOT_SECONDS = 2
PLUGIN = f'''
from datetime import UTC, datetime

from deltacloud.drivers.mock import MockDriver


class SlowBootDriver(MockDriver):
    """The mock cloud, but a new machine is PENDING for its first {BOOT_SECONDS} seconds."""

    name = "slowboot"
    title = "Slow-booting mock"

    def _booting(self, instance):
        if instance is None or instance.state != "RUNNING" or not instance.launch_time:
            return instance
        launched = datetime.fromisoformat(instance.launch_time.replace("Z", "+00:00"))
        if (datetime.now(UTC) - launched).total_seconds() < {BOOT_SECONDS}:
            return instance.model_copy(update={{"state": "PENDING"}})
        return instance

    def instance(self, instance_id):
        return self._booting(super().instance(instance_id))

    def instances(self, filters):
        return [self._booting(i) for i in super().instances(filters)]

    def create_instances(self, request):
        return [self._booting(i) for i in super().create_instances(request)]
'''
SLOW = {"X-Deltacloud-Driver": "slowboot"}


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    site = tmp_path_factory.mktemp("site")
    (site / "slowboot_cloud.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "slowboot_cloud-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slowboot-cloud\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[deltacloud.drivers]\nslowboot = slowboot_cloud:SlowBootDriver\n")
    pythonpath = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    # pass-through: HTTP Basic carries the mock credentials to the plugin, as the original did
    running = start_server(tmp_path_factory.mktemp("data"), env={"PYTHONPATH": pythonpath,
                                                                 "DELTACLOUD_CREDENTIALS": "passthrough"})
    yield running
    stop_server(running)


@pytest.fixture
def cimi(slow_server: LocalServer) -> Iterator[httpx.Client]:
    with slow_server.client(auth=MOCK_AUTH, headers=SLOW) as client:
        yield client


def _create(cimi: httpx.Client, name: str, **template: object) -> httpx.Response:
    return cimi.post("/cimi/machines", headers=JSON_BODY, json={"name": name, "machineTemplate": {
        "machineImage": {"href": "x/cimi/machine_images/img1"}, **template}})


def test_create_answers_202_with_a_running_job(cimi: httpx.Client, slow_server: LocalServer) -> None:
    created = _create(cimi, "booting")
    assert created.status_code == 202, created.text
    job = json_doc(created)
    assert job["resourceURI"] == f"{NS}/Job" and job["id"] == created.headers["CIMI-Job-URI"]
    assert job["state"] == "RUNNING" and 0 < job["progress"] < 100 and job["action"] == "add"
    assert job["statusMessage"] == "Machine is CREATING"
    assert job["targetResource"] == {"href": created.headers["Location"]}
    assert "operations" not in job  # a running Job cannot be deleted, so none is offered
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    assert machine["state"] == "CREATING" and op_href(machine, "stop") is None
    assert cimi.delete(job["id"]).status_code == 409
    listed = cimi.get("/cimi/jobs", headers=JSON).json()
    assert job["id"] in [j["id"] for j in listed["jobs"] if j["state"] == "RUNNING"]

    finished = follow_job(cimi, created, timeout=BOOT_SECONDS + 10)
    assert finished["state"] == "SUCCESS" and finished["progress"] == 100 and finished["returnCode"] == 0
    assert "statusMessage" not in finished  # it said "Machine is CREATING" for good
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    assert machine["state"] == "STARTED" and op_href(machine, "stop")
    assert cimi.delete(job["id"]).status_code == 200
    assert cimi.get(job["id"], headers=JSON).status_code == 404


def test_initial_state_stopped_waits_for_the_boot_then_stops(cimi: httpx.Client) -> None:
    created = _create(cimi, "quiet", initialState="STOPPED")
    assert created.status_code == 202 and created.json()["state"] == "RUNNING"
    # several clients polling the Job at once: the stop step must run exactly once
    time.sleep(BOOT_SECONDS + 1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        views = list(pool.map(lambda _: cimi.get(created.headers["CIMI-Job-URI"], headers=JSON).json(), range(4)))
    assert all(view["state"] in ("RUNNING", "SUCCESS") for view in views), views
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    machine = cimi.get(created.headers["Location"], headers=JSON).json()
    assert machine["state"] == "STOPPED" and op_href(machine, "start") and op_href(machine, "delete")


def test_a_system_job_waits_for_its_members(cimi: httpx.Client) -> None:
    created = cimi.post("/cimi/systems", headers=JSON_BODY, json={"name": "pair", "systemTemplate": {
        "componentDescriptors": [{"type": f"{NS}/Machine", "quantity": 2, "machineTemplate": {
            "machineImage": {"href": "x/cimi/machine_images/img1"}}}]}})
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["state"] == "RUNNING" and len(job["nestedJobs"]) == 2
    system = cimi.get(created.headers["Location"], headers=JSON).json()
    assert system["state"] == "CREATING"
    assert follow_job(cimi, created, timeout=BOOT_SECONDS + 10)["state"] == "SUCCESS"
    assert cimi.get(created.headers["Location"], headers=JSON).json()["state"] == "STARTED"


def test_jobs_are_private_to_their_tenant_and_driver(cimi: httpx.Client, slow_server: LocalServer) -> None:
    created = _create(cimi, "mine")
    job_uri = created.headers["CIMI-Job-URI"]
    with slow_server.client(auth=MOCK_AUTH) as mock_driver:  # same tenant, the mock driver
        assert mock_driver.get(job_uri, headers=JSON).status_code == 404
    # another pass-through tenant: its own, empty scope holds no such Job
    with slow_server.client(auth=("someone", "else"), headers=SLOW) as stranger:
        assert stranger.get(job_uri, headers=JSON).status_code == 404
    assert httpx.get(job_uri, headers=JSON).status_code == 401


def _crash_mid_step(slow_server: LocalServer, job_id: str, claimed_seconds_ago: float) -> None:
    """Leave the Job as a reader that claimed its follow-up step and then died (a crash, a Lambda timeout)
    leaves it: the step taken out, the claim marker in, nothing performed."""
    import json
    import sqlite3
    from datetime import UTC, datetime, timedelta

    db = sqlite3.connect(slow_server.data_dir / "state.db", isolation_level=None)
    try:
        namespace, value = db.execute("SELECT namespace, value FROM records WHERE key = ? AND namespace LIKE "
                                      "'%cimi/jobs'", (job_id,)).fetchone()
        job = json.loads(value)
        step = job.pop("then") if "then" in job else job["followUpInProgress"]["step"]
        since = datetime.now(UTC) - timedelta(seconds=claimed_seconds_ago)
        job["followUpInProgress"] = {"since": since.isoformat(), "step": step}
        db.execute("UPDATE records SET value = ?, version = version + 1 WHERE namespace = ? AND key = ?",
                   (json.dumps(job), namespace, job_id))
    finally:
        db.close()


def test_a_follow_up_step_abandoned_by_a_dead_reader_is_taken_over(cimi: httpx.Client,
                                                                   slow_server: LocalServer) -> None:
    created = _create(cimi, "orphaned-step", initialState="STOPPED")
    job_uri = created.headers["CIMI-Job-URI"]
    _crash_mid_step(slow_server, job_uri.rsplit("/", 1)[-1], claimed_seconds_ago=5)
    time.sleep(BOOT_SECONDS + 1)
    # a claim of seconds ago may still be at work: readers leave it alone
    assert cimi.get(job_uri, headers=JSON).json()["state"] == "RUNNING"
    assert cimi.get(created.headers["Location"], headers=JSON).json()["state"] == "STARTED"

    # the same claim, ten minutes old: its reader is gone, the next one performs the step
    _crash_mid_step(slow_server, job_uri.rsplit("/", 1)[-1], claimed_seconds_ago=600)
    assert follow_job(cimi, created)["state"] == "SUCCESS"
    assert cimi.get(created.headers["Location"], headers=JSON).json()["state"] == "STOPPED"


def test_a_reader_with_a_stale_copy_never_repeats_a_step_another_reader_ran() -> None:
    """Reader B read the Job before reader A took and ran its step; then the machine's owner started it
    again. B must not stop it a second time. In process: the real Job code, mock driver and state store."""
    import base64
    import copy

    from cimi_api.context import CimiCall
    from cimi_api.jobs import NAMESPACE, refresh
    from deltacloud.model import InstanceCreate
    from starlette.requests import Request

    token = base64.b64encode(":".join(MOCK_AUTH).encode())
    request = Request({"type": "http", "method": "GET", "path": "/cimi/jobs", "query_string": b"",
                       "headers": [(b"authorization", b"Basic " + token), (b"host", b"localhost")]})
    call = CimiCall(request, "json", "mock", None, b"")
    machine = call.driver.create_instances(InstanceCreate(image_id="img1"))[0].id
    # as start_job stores a "create stopped" Job while its machine still boots: stop it once it runs
    job = {"id": "stale-reader", "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",
           "action": "add", "target": f"machines/{machine}", "affected": [], "state": "RUNNING", "progress": 0,
           "watch": {"kind": "machine", "id": machine, "until": "STOPPED"},
           "then": {"when": "STARTED", "action": "stop", "until": "STOPPED"}}
    call.state.transact(lambda tx: tx.put(NAMESPACE, job["id"], job))
    stale = copy.deepcopy(job)  # reader B's copy

    assert refresh(call, copy.deepcopy(job))["state"] == "SUCCESS"  # reader A runs the step
    assert call.driver.instance(machine).state == "STOPPED"
    call.driver.start_instance(machine)  # the owner wants it running again
    assert refresh(call, stale)["state"] == "SUCCESS"  # B finds the step done by A
    assert call.driver.instance(machine).state == "RUNNING", "a stale reader stopped the machine again"


def test_reading_a_create_job_never_starts_a_machine_its_owner_stopped(cimi: httpx.Client) -> None:
    """Only a cloud that creates machines powered off has them started by their create Job: elsewhere a machine
    stopped by its owner before anyone read the Job was started again by that read (found in review)."""
    created = _create(cimi, "owner-stops")
    assert created.status_code == 202
    time.sleep(BOOT_SECONDS + 1)  # booted, and nobody read the Job
    machine = created.headers["Location"]
    assert cimi.post(f"{machine}/stop", headers=JSON_BODY, json={}).status_code in (200, 202)
    cimi.get(created.headers["CIMI-Job-URI"], headers=JSON)
    assert cimi.get(machine, headers=JSON).json()["state"] == "STOPPED"
