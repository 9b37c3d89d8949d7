"""CIMI query parameters over HTTP: $filter, $select, $first/$last paging, with clear 400s."""


import httpx
import pytest
from cimi_helpers import JSON, JSON_BODY, NS, XML, xml_root
from conftest import LocalServer

N = {"c": NS}


def names(cimi: httpx.Client, query: str) -> list[str]:
    r = cimi.get(f"/cimi/machines?{query}", headers=JSON)
    assert r.status_code == 200, r.text
    return [m["name"] for m in r.json().get("machines", [])]


def test_filter_equality_like_the_original(cimi: httpx.Client) -> None:
    r = cimi.get("/cimi/machines", params={"$filter": "name='MockUserInstance'"}, headers=JSON).json()
    assert r["count"] == 1 and r["machines"][0]["name"] == "MockUserInstance"
    r = cimi.get("/cimi/machines", params={"$filter": "name!='MockUserInstance'"}, headers=JSON).json()
    assert r["count"] == 3 and "MockUserInstance" not in [m["name"] for m in r["machines"]]


def test_filter_grammar(cimi: httpx.Client) -> None:
    assert names(cimi, "$filter=memory>2000000 and cpu=1") == ["Mock Instance With Profile Change", "AnotherInstance"]
    assert names(cimi, "$filter=realm='eu' or name='AnotherInstance'") == ["AnotherInstance", "inst3"]
    assert names(cimi, "$filter=(realm='eu' or realm='us') and memory<2000000") == ["MockUserInstance", "inst3"]
    assert names(cimi, "$filter=state='STARTED'&$filter=realm='eu'") == ["inst3"]  # repeated: AND
    assert names(cimi, "$filter=machine_image.href!='nothing'&$filter=memory>=12582912") == [
        "Mock Instance With Profile Change"]
    images = cimi.get("/cimi/machine_images", params={"$filter": "created<2013-01-01"}, headers=JSON).json()
    assert images["count"] == 3  # dates compare as dates


def test_filter_on_properties(cimi: httpx.Client) -> None:
    assert cimi.put("/cimi/machines/inst2", json={"properties": {"team": "blue"}}, headers=JSON_BODY).status_code == 200
    assert names(cimi, "$filter=property['team']='blue'") == ["AnotherInstance"]
    assert names(cimi, "$filter=property['team']='red'") == []


def test_select(cimi: httpx.Client, server: LocalServer) -> None:
    r = cimi.get("/cimi/machines", params={"$select": "name,memory"}, headers=JSON).json()
    assert r["count"] == 4
    assert r["machines"][1] == {"id": f"{server.url}/cimi/machines/inst1", "name": "MockUserInstance",
                                "memory": 1782579}
    snake = cimi.get("/cimi/machines/inst1", params={"$select": "machine_image"}, headers=JSON).json()
    assert set(snake) == {"id", "machineImage", "resourceURI"}
    root = xml_root(cimi.get("/cimi/machines", params={"$select": "disks"}, headers=XML))
    first = root.find("c:Machine", N)
    assert [child.tag.rsplit("}", 1)[1] for child in first] == ["id", "disks"]
    assert first.find("c:disks", N).get("href") == f"{server.url}/cimi/machines/inst0/disks"


def test_paging(cimi: httpx.Client) -> None:
    page = cimi.get("/cimi/machines", params={"$first": "2", "$last": "3"}, headers=JSON).json()
    assert page["count"] == 4 and [m["id"].rsplit("/", 1)[1] for m in page["machines"]] == ["inst1", "inst2"]
    tail = cimi.get("/cimi/machines", params={"$first": "4"}, headers=JSON).json()
    assert [m["id"].rsplit("/", 1)[1] for m in tail["machines"]] == ["inst3"]
    past = cimi.get("/cimi/machines", params={"$first": "9"}, headers=JSON).json()
    assert past["count"] == 4 and "machines" not in past
    filtered = cimi.get("/cimi/machines", params={"$filter": "realm='us'", "$last": "2"}, headers=JSON).json()
    assert filtered["count"] == 3 and len(filtered["machines"]) == 2


@pytest.mark.parametrize(("params", "message"), [
    ({"$filter": "name=="}, "Invalid $filter"),
    ({"$filter": "name='unterminated"}, "Invalid $filter"),
    ({"$filter": "(name='a'"}, "Invalid $filter"),
    ({"$filter": "name='a' xor cpu=1"}, "Invalid $filter"),
    ({"$select": "name,,cpu"}, "Invalid $select"),
    ({"$expand": "disks;drop"}, "Invalid $expand"),
    ({"$first": "0"}, "Invalid $first"),
    ({"$last": "-1"}, "Invalid $last"),
    ({"$first": "5", "$last": "2"}, "greater than $last"),
])
def test_bad_query_parameters_are_400s(cimi: httpx.Client, params: dict[str, str], message: str) -> None:
    r = cimi.get("/cimi/machines", params=params, headers=JSON)
    assert r.status_code == 400 and message in r.json()["message"] and r.json()["code"] == 400
    x = cimi.get("/cimi/machines", params=params, headers=XML)
    assert x.status_code == 400 and message in (xml_root(x).findtext("c:message", namespaces=N) or "")


def test_hostile_filter_nesting_is_a_400(cimi: httpx.Client) -> None:
    r = cimi.get("/cimi/machines", params={"$filter": "(" * 500 + "cpu=1" + ")" * 500}, headers=JSON)
    assert r.status_code == 400
