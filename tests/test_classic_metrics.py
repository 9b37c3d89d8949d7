"""Metrics over real HTTP: one per instance, samples on the member route for the id asked."""

import time

import httpx
from classic_helpers import xml
from conftest import LocalServer

PROPERTIES = ["cpuUtilization", "diskReadRequestCount", "diskReadSector", "diskWriteRequestCount",
              "diskWriteSector", "nicInputByte", "nicInputPacket", "nicOutputByte", "nicOutputPacket"]
UNITS = {"cpuUtilization": "Percent", "nicInputByte": "Bytes", "nicOutputByte": "Bytes"}


def test_metrics_need_credentials(server: LocalServer) -> None:
    assert httpx.get(f"{server.url}/api/metrics").status_code == 401
    assert httpx.get(f"{server.url}/api/metrics/inst0").status_code == 401


def test_index_lists_one_metric_per_instance_without_samples(api: httpx.Client) -> None:
    metrics = xml(api.get("/api/metrics"))
    by_id = {m.get("id"): m for m in metrics}
    assert {"inst0", "inst1", "inst2", "inst3"} <= set(by_id)
    inst0 = by_id["inst0"]
    assert inst0.get("href") == f"{api.base_url}/api/metrics/inst0"
    assert inst0.findtext("entity") == "Mock Instance With Profile Change"
    assert by_id["inst3"].findtext("entity") == ""  # the seed's empty name
    properties = inst0.find("properties")
    assert properties is not None and [p.tag for p in properties] == PROPERTIES
    assert all(len(p) == 0 for p in properties)
    listed = api.get("/api/metrics?format=json").json()["metrics"][0]
    assert listed["properties"] == [{"name": name, "values": None} for name in PROPERTIES]


def test_member_has_six_realistic_samples_per_property(api: httpx.Client) -> None:
    metric = xml(api.get("/api/metrics/inst2"))
    assert metric.get("id") == "inst2" and metric.findtext("entity") == "AnotherInstance"  # the id asked for
    now = time.time()
    for prop in metric.findall("properties/*"):
        samples = [{p.get("name"): p.get("value") for p in s.findall("property")} for s in prop.findall("sample")]
        assert len(samples) == 6
        stamps = [int(s["timestamp"] or 0) for s in samples]
        assert stamps == sorted(stamps, reverse=True) and now - 420 < stamps[-1] <= stamps[0] <= now
        assert {stamps[i] - stamps[i + 1] for i in range(5)} == {60}  # one-minute periods
        for sample in samples:
            low, mean, high = (float(sample[k] or 0) for k in ("minimum", "average", "maximum"))
            assert 0 <= low <= mean <= high and mean > 0  # a running instance is never idle
            assert sample["unit"] == UNITS.get(prop.tag, "Count")
        if prop.tag == "cpuUtilization":
            assert all(float(s["maximum"] or 0) <= 100 for s in samples)
    doc = api.get("/api/metrics/inst2?format=json").json()["metric"]
    assert [p["name"] for p in doc["properties"]] == PROPERTIES
    assert set(doc["properties"][0]["values"][0]) == {"minimum", "maximum", "average", "timestamp", "unit"}


def test_samples_are_stable_within_a_period(api: httpx.Client) -> None:
    first = api.get("/api/metrics/inst1?format=json").json()["metric"]
    second = api.get("/api/metrics/inst1?format=json").json()["metric"]
    if first["properties"][0]["values"][0]["timestamp"] == second["properties"][0]["values"][0]["timestamp"]:
        assert first == second


def test_unknown_metric_is_404(api: httpx.Client) -> None:
    r = api.get("/api/metrics/nosuch")
    assert r.status_code == 404 and xml(r).findtext("code") == "404"
    assert api.get("/api/metrics/nosuch?format=json").json()["code"] == 404


def test_stopped_instance_reports_zeros_and_new_instances_appear(api: httpx.Client) -> None:
    instance_id = xml(api.post("/api/instances", data={"image_id": "img1", "name": "watched"})).get("id")
    assert instance_id in {m.get("id") for m in xml(api.get("/api/metrics"))}
    assert api.post(f"/api/instances/{instance_id}/stop").status_code == 202
    doc = api.get(f"/api/metrics/{instance_id}?format=json").json()["metric"]
    assert doc["entity"] == "watched"
    assert {v["average"] for p in doc["properties"] for v in p["values"]} == {0}
