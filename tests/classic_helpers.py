"""What the classic API tests share: reading XML answers, listing a collection, refused creations."""

import xml.etree.ElementTree as ET

import httpx


def xml(response: httpx.Response) -> ET.Element:
    """The XML document of a response."""
    return ET.fromstring(response.text)


def listing(api: httpx.Client, collection: str) -> list[dict]:
    """A collection's members, as its JSON representation lists them."""
    return api.get(f"/api/{collection}?format=json").json()[collection]


def assert_refused_unchanged(api: httpx.Client, collection: str, data: dict, status: int, message: str) -> None:
    """A creation with ``data`` is refused with ``status`` and ``message``, and the collection is left as it was."""
    before = listing(api, collection)
    r = api.post(f"/api/{collection}?format=json", data=data)
    assert r.status_code == status and message in r.json()["message"], r.text
    assert listing(api, collection) == before
