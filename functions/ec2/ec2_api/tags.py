"""Tag actions: CreateTags, DeleteTags, DescribeTags, and TagSpecifications of the create actions.

Tags live in the StateStore (:mod:`ec2_api.tagging`) over the back-end's native tags. A tagged id is
resolved to its resource by asking the driver (ids that look like an instance's are tried as one
first), so tagging an id that does not exist fails as on EC2.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from deltacloud.errors import NotFound, ValidationError

from . import native_tags
from .actions import action
from .context import Ec2Call
from .errors import RESOURCE, Ec2Error, missing_parameter
from .filters import Extractor, compile_filters
from .pagination import paginate
from .parameter_names import FILTERS, PAGES, TAGS
from .protocol import Params, check_tag
from .xml import item_set, leaf

MAX_TAGS = 50


@dataclass(frozen=True)
class TaggableKind:
    resource_type: str  # EC2's resource type name
    collection: str  # the capability catalogue's collection
    hints: tuple[str, ...]  # id prefixes that make this kind the first one to try
    native: Callable[[Ec2Call, str], dict[str, str] | None]  # the resource's own tags; None if it does not exist


def _instance(call: Ec2Call, resource_id: str) -> dict[str, str] | None:
    found = call.driver.instance(resource_id)
    return native_tags.instance_tags(found) if found else None


def _volume(call: Ec2Call, resource_id: str) -> dict[str, str] | None:
    found = call.driver.storage_volume(resource_id)
    return native_tags.volume_tags(found) if found else None


def _snapshot(call: Ec2Call, resource_id: str) -> dict[str, str] | None:
    found = call.driver.storage_snapshot(resource_id)
    return native_tags.snapshot_tags(found) if found else None


def _exists(fetch: Callable[[Ec2Call, str], object | None]) -> Callable[[Ec2Call, str], dict[str, str] | None]:
    return lambda call, resource_id: {} if fetch(call, resource_id) is not None else None


KINDS = (
    TaggableKind("instance", "instances", ("i-", "inst"), _instance),
    TaggableKind("image", "images", ("ami-", "img"), _exists(lambda c, i: c.driver.image(i))),
    TaggableKind("volume", "storage_volumes", ("vol",), _volume),
    TaggableKind("snapshot", "storage_snapshots", ("snap",), _snapshot),
    TaggableKind("security-group", "firewalls", ("sg-",), _exists(lambda c, i: c.driver.firewall(i))),
    TaggableKind("elastic-ip", "addresses", ("eipalloc-",), _exists(lambda c, i: c.driver.address(i))),
    TaggableKind("key-pair", "keys", ("key-",), _exists(lambda c, i: c.driver.key(i))),
)


def resolve(call: Ec2Call, resource_id: str) -> tuple[TaggableKind, dict[str, str]]:
    """The kind and native tags of ``resource_id``; InvalidID when no collection of the back-end has it."""
    ordered = sorted(KINDS, key=lambda kind: not resource_id.startswith(kind.hints))
    for kind in ordered:
        if call.supports(kind.collection, "show"):
            try:
                native = kind.native(call, resource_id)
            except (NotFound, ValidationError):  # e.g. AWS refuses an id of another kind as malformed
                continue
            if native is not None:
                return kind, native
    raise RESOURCE.missing(resource_id)


def tags_from_specifications(params: Params, resource_type: str, ignored: tuple[str, ...] = ()) -> dict[str, str]:
    """Tags of ``TagSpecification.N`` for ``resource_type``; other types than ``ignored`` are refused."""
    tags: dict[str, str] = {}
    for spec in params.structs("TagSpecification"):
        kind = spec.text("ResourceType") or resource_type
        if kind == resource_type:
            tags.update(spec.tags())
        elif kind not in ignored:
            raise Ec2Error("InvalidParameterValue", f"'{kind[:40]}' is not a valid taggable resource type for this "
                                                    f"operation (expected '{resource_type}').")
    if len(tags) > MAX_TAGS:
        raise Ec2Error("TagLimitExceeded", f"A resource can have at most {MAX_TAGS} tags.")
    return tags


def _resource_ids(params: Params) -> list[str]:
    ids = params.values("ResourceId")
    if not ids:
        raise missing_parameter("ResourceId")
    return ids


@action("CreateTags", params=("ResourceId.N", *TAGS))
def create_tags(call: Ec2Call) -> str:
    ids = _resource_ids(call.params)
    tags = call.params.tags()
    if not tags:
        raise missing_parameter("Tag")
    resolved = [(resource_id, resolve(call, resource_id)) for resource_id in ids]  # all exist, or nothing changes
    for resource_id, (_, native) in resolved:
        if len(call.tags.effective(resource_id, native) | tags) > MAX_TAGS:
            raise Ec2Error("TagLimitExceeded", f"The resource '{resource_id}' would have more than {MAX_TAGS} tags.")
    for resource_id, (kind, _) in resolved:
        call.tags.add(resource_id, kind.resource_type, tags)
    return leaf("return", "true")


@action("DeleteTags", params=("ResourceId.N", *TAGS))
def delete_tags(call: Ec2Call) -> str:
    ids = _resource_ids(call.params)
    keys: dict[str, str | None] = {}
    for entry in call.params.structs("Tag"):
        key = entry.text("Key")
        if key is None:
            raise missing_parameter("Tag.N.Key")
        check_tag(key, entry.text("Value") or "")
        keys[key] = entry.text("Value")
    resolved = [(resource_id, resolve(call, resource_id)) for resource_id in ids]
    for resource_id, (kind, native) in resolved:
        # Without Tag.N every tag of the resource goes.
        chosen = keys or dict.fromkeys(call.tags.effective(resource_id, native))
        call.tags.remove(resource_id, kind.resource_type, chosen, native)
    return leaf("return", "true")


@dataclass(frozen=True)
class TagEntry:
    resource_id: str
    resource_type: str
    key: str
    value: str


TAG_FILTERS: Mapping[str, Extractor[TagEntry]] = {
    "resource-id": lambda t: [t.resource_id],
    "resource-type": lambda t: [t.resource_type],
    "key": lambda t: [t.key],
    "value": lambda t: [t.value],
}


@action("DescribeTags", params=(*FILTERS, *PAGES))
def describe_tags(call: Ec2Call) -> str:
    filters = call.params.filters()
    select = compile_filters(filters, TAG_FILTERS)
    wanted_types = filters.get("resource-type")
    overlays = call.tags.overlays()
    natives: dict[str, tuple[str, dict[str, str]]] = {}  # resource id -> (type, native tags)
    if (wanted_types is None or "instance" in wanted_types) and call.supports("instances", "index"):
        natives.update({i.id: ("instance", native_tags.instance_tags(i)) for i in call.driver.instances({})})
    if (wanted_types is None or "volume" in wanted_types) and call.supports("storage_volumes", "index"):
        natives.update({v.id: ("volume", native_tags.volume_tags(v)) for v in call.driver.storage_volumes({})})
    listed_types = {kind for kind, _ in natives.values()}
    for resource_id, record in overlays.items():
        if resource_id not in natives and record["type"] not in listed_types:  # listed types: only what still exists
            natives[resource_id] = (record["type"], {})
    entries = [
        TagEntry(resource_id, kind, key, value)
        for resource_id, (kind, native) in natives.items()
        for key, value in call.tags.effective(resource_id, native).items()
    ]
    page, token = paginate(select(entries), call, key=lambda t: f"{t.resource_id}\x00{t.key}")
    body = item_set("tagSet", (
        leaf("resourceId", t.resource_id) + leaf("resourceType", t.resource_type) + leaf("key", t.key)
        + leaf("value", t.value)
        for t in page
    ))
    return body + leaf("nextToken", token)
