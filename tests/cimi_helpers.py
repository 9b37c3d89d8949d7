"""What the CIMI tests share: reading both representations, discovering operations, following Jobs."""

import time
import xml.etree.ElementTree as ET
from typing import Any

import httpx

NS = "http://schemas.dmtf.org/cimi/1"
N = {"c": NS}
JSON = {"Accept": "application/json"}
XML = {"Accept": "application/xml"}
XML_BODY = {"Accept": "application/xml", "Content-Type": "application/xml"}
JSON_BODY = {"Accept": "application/json", "Content-Type": "application/json"}


def xml_root(response: httpx.Response) -> ET.Element:
    """The XML document of a response, checked to be XML in CIMI's default namespace."""
    assert response.headers["content-type"].split(";")[0] == "application/xml", response.text
    assert f'xmlns="{NS}"' in response.text.split(">", 1)[0]
    return ET.fromstring(response.text)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def json_doc(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].split(";")[0] == "application/json", response.text
    return response.json()


def op_href(document: dict[str, Any], rel_end: str) -> str | None:
    """The href of the operation whose rel ends with ``rel_end`` (``stop``, ``delete``...), if offered."""
    return next((op["href"] for op in document.get("operations", []) if op["rel"].endswith(rel_end)), None)


def follow_job(client: httpx.Client, response: httpx.Response, timeout: float = 60) -> dict[str, Any]:
    """Poll the Job named by ``CIMI-Job-URI`` until it finishes; returns its last JSON representation."""
    job_uri = response.headers["CIMI-Job-URI"]
    deadline = time.monotonic() + timeout
    while True:
        job = json_doc(client.get(job_uri, headers=JSON))
        assert job["resourceURI"] == f"{NS}/Job"
        if job["state"] in ("SUCCESS", "FAILED") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def action(client: httpx.Client, href: str, name: str, fmt: str = "json") -> httpx.Response:
    """POST a CIMI Action to an operation href, as a client following the Machine's operations does."""
    uri = f"{NS}/action/{name}"
    if fmt == "xml":
        body = f'<Action xmlns="{NS}"><action>{uri}</action></Action>'
        return client.post(href, content=body.encode(), headers=XML_BODY)
    return client.post(href, json={"resourceURI": f"{NS}/Action", "action": uri}, headers=JSON_BODY)


def stop_and_delete(client: httpx.Client, machine: dict[str, Any], fmt: str = "json") -> None:
    """Stop a started Machine, then delete it through the operation it offers once stopped, following both Jobs."""
    stopped = action(client, op_href(machine, "stop"), "stop", fmt)
    assert follow_job(client, stopped)["state"] == "SUCCESS"
    machine = client.get(machine["id"], headers=JSON).json()
    deleted = client.delete(op_href(machine, "delete"))
    assert deleted.status_code in (200, 202) and follow_job(client, deleted)["state"] == "SUCCESS"
