"""Resources only the proxy holds: templates and configurations (spec §4.4, §4.7, §4.9, §4.13).

Each kind is described once by a :class:`LocalKind` (its names, required attributes, how to
check a new one); list, show, create, edit and delete are the same for all, and are refused where
the driver could make no use of the kind (see :mod:`.discovery`). References are stored as paths
under the CIMI root, whatever host the client wrote, and rendered as absolute URLs of the
request's host.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deltacloud.errors import NotFound, NotSupported, ValidationError
from starlette.responses import Response

from .bodies import href_id, href_of, listed
from .common import Document, operation
from .context import CimiCall
from .discovery import available
from .listing import collection_document, resource_document
from .representation import document_response, empty_response
from .schema import singular
from .storage import LocalResources, edit_fields, editable_fields
from .timestamps import iso_timestamp

#: reference attribute -> the collection its href points into
REFERENCES: dict[str, str] = {
    "machineConfig": "machine_configurations", "machineImage": "machine_images", "credential": "credentials",
    "machineTemplate": "machine_templates", "volumeConfig": "volume_configurations", "volumeImage": "volume_images",
    "volumeTemplate": "volume_templates", "volume": "volumes", "network": "networks",
    "networkConfig": "network_configurations", "networkTemplate": "network_templates",
    "forwardingGroup": "forwarding_groups", "addressTemplate": "address_templates",
    "credentialTemplate": "credential_templates", "systemTemplate": "system_templates", "machine": "machines",
    "address": "addresses",
}


@dataclass(frozen=True)
class LocalKind:
    path: str  # collection path under /cimi, also the storage kind
    resource: str  # resource type name
    entries: str  # JSON entries key
    attributes: tuple[str, ...]  # what a create stores besides name, description, properties
    required: tuple[str, ...] = ()
    arrays: tuple[str, ...] = ()  # array attributes (in XML, one or more repeated elements)
    check: Callable[[CimiCall, dict[str, Any]], None] | None = None  # extra validation of a new one

    def store(self, call: CimiCall) -> LocalResources:
        return LocalResources(call.state, self.path)


def stored_form(value: Any, attribute: str = "") -> Any:
    """A client value with every reference reduced to ``<collection>/<id>``."""
    if isinstance(value, list):
        return [stored_form(item, singular(attribute)) for item in value]
    if not isinstance(value, dict):
        return value.strip() if isinstance(value, str) else value
    href = href_of(value)
    if href is not None and attribute in REFERENCES:
        rest = {k: stored_form(v, k) for k, v in value.items() if k != "href"}
        return {"href": f"{REFERENCES[attribute]}/{href_id(href)}", **rest}
    return {k: stored_form(v, k) for k, v in value.items()}


def shown_form(call: CimiCall, value: Any) -> Any:
    """A stored value with every reference made an absolute URL again."""
    if isinstance(value, list):
        return [shown_form(call, item) for item in value]
    if not isinstance(value, dict):
        return value
    shown = {k: shown_form(call, v) for k, v in value.items()}
    if "href" in shown and "://" not in str(shown["href"]):
        shown["href"] = call.url(*str(shown["href"]).split("/"))
    return shown


def reference_id(value: Any, collection: str) -> str | None:
    """The id a stored reference into ``collection`` names; None for a value given inline."""
    if isinstance(value, dict) and isinstance(value.get("href"), str):
        path = value["href"]
        prefix = f"{collection}/"
        return path[len(prefix):] if path.startswith(prefix) else href_id(path)
    return None


def document(call: CimiCall, kind: LocalKind, record: dict[str, Any]) -> Document:
    url = call.url(kind.path, record["id"])
    shown: Document = {"id": url}
    for name in ("name", "description"):
        if record.get(name):
            shown[name] = record[name]
    for name in ("created", "updated"):
        stamp = iso_timestamp(record.get(name))
        if stamp:
            shown[name] = stamp
    if record.get("properties"):
        shown["properties"] = record["properties"]
    for name in kind.attributes:
        if record.get(name) not in (None, "", [], {}):
            shown[name] = shown_form(call, record[name])
    shown["operations"] = [operation("edit", url), operation("delete", url)]
    return shown


def _require_usable(call: CimiCall, kind: LocalKind) -> None:
    if not available(call.capabilities, kind.path):
        raise NotSupported(kind.path, f"The {call.driver_name} driver cannot use {kind.resource}s")


def local_collection(call: CimiCall, kind: LocalKind) -> Document:
    _require_usable(call, kind)
    entries = [document(call, kind, record) for record in kind.store(call).list()]
    return collection_document(call, kind.path, kind.entries, entries, [operation("add", call.url(kind.path))])


def find_local(call: CimiCall, kind: LocalKind, record_id: str) -> dict[str, Any]:
    return kind.store(call).find(record_id, kind.resource)


def show_local(call: CimiCall, kind: LocalKind) -> Response:
    _require_usable(call, kind)
    record = find_local(call, kind, call.params["id"])
    return document_response(call.fmt, resource_document(call, document(call, kind, record)), kind.resource)


def new_record(call: CimiCall, kind: LocalKind, body: dict[str, Any],
               required: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A checked record of ``kind`` from a create document, or from a template given inline (which
    may need less: ``required``)."""
    given = {name: listed(body, name) if name in kind.arrays else body.get(name) for name in kind.attributes}
    missing = [name for name in (kind.required if required is None else required)
               if given.get(name) in (None, "", {}, [])]
    if missing:
        raise ValidationError(f"Required attributes not set: {', '.join(missing)}")
    record = {**editable_fields(body), **{n: stored_form(v, n) for n, v in given.items() if v not in (None, [])}}
    if kind.check is not None:
        kind.check(call, record)
    return record


def create_local(call: CimiCall, kind: LocalKind) -> Response:
    _require_usable(call, kind)
    record = kind.store(call).create(new_record(call, kind, call.body))
    url = call.url(kind.path, record["id"])
    return document_response(call.fmt, document(call, kind, record), kind.resource, status=201,
                             headers={"Location": url})


def edit_local(call: CimiCall, kind: LocalKind) -> Response:
    _require_usable(call, kind)
    record = kind.store(call).update(call.params["id"], edit_fields(call.body, call.query("$select")), kind.resource)
    return document_response(call.fmt, document(call, kind, record), kind.resource)


def delete_local(call: CimiCall, kind: LocalKind) -> Response:
    _require_usable(call, kind)
    kind.store(call).delete(call.params["id"], kind.resource)
    return empty_response(200)


def template_configuration(call: CimiCall, template: dict[str, Any], attribute: str, kind: LocalKind) -> dict[str, Any]:
    """The configuration a template's ``attribute`` gives: a stored one of ``kind``, or one by value (checked)."""
    config = template.get(attribute)
    config_id = reference_id(config, kind.path)
    if config_id is not None:
        try:
            return find_local(call, kind, config_id)
        except NotFound:
            raise ValidationError(f"{attribute} '{config_id}' does not exist") from None
    if not isinstance(config, dict) or not config:
        raise ValidationError(f"Required attributes not set: {attribute}")
    config = dict(config)
    if kind.check is not None:
        kind.check(call, config)
    return config


def resolve(call: CimiCall, value: Any, kind: LocalKind, attribute: str,
            required: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A template given by reference (stored) or by value (checked like a new one), as a record."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(f"Required attributes not set: {attribute}")
    href = href_of(value)
    if href is None:
        return new_record(call, kind, value, required)
    try:
        return find_local(call, kind, href_id(href))
    except NotFound:
        raise ValidationError(f"{attribute} '{href}' does not exist") from None

