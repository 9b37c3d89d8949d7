"""The browser console's forms and buttons, as data (spec §7.18).

Each :class:`Form` is one HTML-only page that posts to an ordinary API operation: its fields, the
page's path, where it posts, and which member buttons lead to it. :func:`implied_actions` adds the
buttons whose operations a resource's JSON does not list (addresses, volumes, buckets, blobs,
firewall rules, load balancers), so every supported operation is reachable from a page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deltacloud.names import url_segment


@dataclass(frozen=True)
class Field:
    """One form input; ``options`` name collections whose members are the choices (the first the driver has)."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | number | password | select | checkbox | checkboxes | file | profile
    required: bool = False
    options: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    feature: str | None = None  # shown only when the driver declares this feature of the form's collection
    default: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Form:
    collection: str
    operation: str  # the API operation the form performs; its page needs the driver to support it
    title: str
    page: str  # the form's path below /api; "{id}" is the member it acts on
    target: str  # where the form posts, below /api
    fields: tuple[Field, ...]
    multipart: bool = False
    opened_by: tuple[tuple[str, str], ...] = ()  # (resource kind, action rel) buttons that lead here
    member_param: str | None = None  # the query parameter a member of another kind fills (images/new?instance_id=)


_NAME = Field("name", "Name")
_DESCRIPTION = Field("description", "Description")
_REALM = Field("realm_id", "Realm", "select", options=("realms",))
_INSTANCE = Field("instance_id", "Instance", "select", required=True, options=("instances",))

FORMS: tuple[Form, ...] = (
    Form("instances", "create", "Launch an instance", "instances/new", "instances", (
        Field("image_id", "Image", "select", required=True, options=("images",)),
        Field("hwp_id", "Hardware profile", "profile"),
        _REALM,
        Field("name", "Name", feature="user_name"),
        Field("keyname", "Key", "select", options=("keys",), feature="authentication_key"),
        Field("password", "Password", "password", feature="authentication_password"),
        Field("firewalls", "Firewalls", "checkboxes", options=("firewalls",), feature="firewalls"),
        Field("load_balancer_id", "Load balancer", "select", options=("load_balancers",),
              feature="register_to_load_balancer"),
        Field("snapshot_id", "Attach snapshot", "select", options=("storage_snapshots",), feature="attach_snapshot"),
        Field("device_name", "Device for the snapshot", feature="attach_snapshot", hint="e.g. /dev/sdb"),
        Field("instance_count", "Number of instances", "number", feature="instance_count", default="1"),
        Field("user_data", "User data", "textarea", feature="user_data", hint="Base64-encoded"),
        Field("user_files", "User files", "textarea", feature="user_files"),
        Field("user_iso", "User ISO", "textarea", feature="user_iso", hint="Base64-encoded gzipped ISO"),
        Field("sandbox", "Sandbox", feature="sandboxing"),
        Field("metrics", "Detailed monitoring", "checkbox", feature="metrics"),
    ), opened_by=(("image", "create_instance"),), member_param="image_id"),
    Form("instances", "run", "Run a command", "instances/{id}/run", "instances/{id}/run", (
        Field("cmd", "Command", "textarea", required=True),
        Field("ip", "Address", hint="Defaults to the instance's public address"),
        Field("port", "SSH port", "number", default="22"),
        Field("private_key", "Private key", "textarea"),
        Field("password", "Password", "password"),
    ), opened_by=(("instance", "run"),)),
    Form("images", "create", "Create an image", "images/new", "images", (
        Field("instance_id", "From instance", "select", required=True, options=("instances",)),
        Field("name", "Name", feature="image_name"),
        Field("description", "Description", feature="image_description"),
    ), opened_by=(("instance", "create_image"),), member_param="instance_id"),
    Form("keys", "create", "Create a key", "keys/new", "keys", (
        Field("name", "Name", required=True),
        Field("public_key", "Public key to import", "textarea", feature="import_key",
              hint="Leave empty to have a new key pair generated"),
    )),
    Form("storage_volumes", "create", "Create a volume", "storage_volumes/new", "storage_volumes", (
        Field("capacity", "Capacity (GB)", "number", default="1"),
        _REALM,
        Field("snapshot_id", "From snapshot", "select", options=("storage_snapshots",)),
        Field("name", "Name", feature="volume_name"),
        Field("description", "Description", feature="volume_description"),
    )),
    Form("storage_volumes", "attach", "Attach the volume", "storage_volumes/{id}/attach_instance",
         "storage_volumes/{id}/attach", (
             _INSTANCE,
             Field("device", "Device", required=True, default="/dev/sdb"),
         ), opened_by=(("storage_volume", "attach"),)),
    Form("storage_snapshots", "create", "Create a snapshot", "storage_snapshots/new", "storage_snapshots", (
        Field("volume_id", "Of volume", "select", required=True, options=("storage_volumes",)),
        _NAME,
        _DESCRIPTION,
    ), opened_by=(("storage_volume", "snapshot"),), member_param="volume_id"),
    Form("buckets", "create", "Create a bucket", "buckets/new", "buckets", (
        Field("name", "Name", required=True),
        Field("location", "Location", feature="bucket_location"),
    )),
    Form("buckets", "blob_create", "Upload a blob", "buckets/{id}/new_blob_form_d15cfd90", "buckets/{id}", (
        Field("blob_id", "Blob name", required=True),
        Field("blob_data", "File", "file", required=True),
        Field("meta_params", "", "hidden", default="2"),
        Field("meta_name1", "Metadata name"),
        Field("meta_value1", "Metadata value"),
        Field("meta_name2", "Metadata name"),
        Field("meta_value2", "Metadata value"),
    ), multipart=True, opened_by=(("bucket", "upload"),)),
    Form("addresses", "associate", "Associate the address", "addresses/{id}/associate", "addresses/{id}/associate",
         (_INSTANCE,), opened_by=(("address", "associate"),)),
    Form("firewalls", "create", "Create a firewall", "firewalls/new", "firewalls", (
        Field("name", "Name", required=True),
        Field("description", "Description", required=True),
    )),
    Form("firewalls", "rule_create", "Add a rule", "firewalls/{id}/new_rule", "firewalls/{id}/rules", (
        Field("protocol", "Protocol", "select", required=True, choices=("tcp", "udp", "icmp")),
        Field("port_from", "From port", "number", required=True),
        Field("port_to", "To port", "number", required=True),
        Field("ip_address1", "Source address (CIDR)", hint="e.g. 10.0.0.0/24; give an address or a group"),
        Field("group1", "Source group"),
        Field("group1owner", "Owner of the source group"),
    ), opened_by=(("firewall", "add_rule"), ("firewall", "update"))),
    Form("load_balancers", "create", "Create a load balancer", "load_balancers/new", "load_balancers", (
        Field("name", "Name", required=True),
        Field("realm_id", "Realm", "select", required=True, options=("realms",)),
        Field("listener_protocol", "Listener protocol", "select", required=True, choices=("HTTP", "TCP")),
        Field("listener_balancer_port", "Balancer port", "number", required=True, default="80"),
        Field("listener_instance_port", "Instance port", "number", required=True, default="8080"),
    )),
    Form("load_balancers", "register", "Register an instance", "load_balancers/{id}/register_instance",
         "load_balancers/{id}/register", (_INSTANCE,), opened_by=(("load_balancer", "register"),)),
    Form("networks", "create", "Create a network", "networks/new", "networks", (
        _NAME,
        Field("address_block", "Address block", hint="e.g. 10.1.0.0/16"),
    )),
    Form("subnets", "create", "Create a subnet", "subnets/new", "subnets", (
        Field("network_id", "Network", "select", required=True, options=("networks",)),
        Field("address_block", "Address block", required=True, hint="e.g. 10.1.1.0/24"),
        _NAME,
    )),
    Form("network_interfaces", "create", "Create a network interface", "network_interfaces/new",
         "network_interfaces", (
             Field("instance", "Instance", "select", required=True, options=("instances",)),
             Field("network", "Subnet or network", "select", required=True, options=("subnets", "networks")),
             _NAME,
         )),
)

_OPENED_BY: dict[tuple[str, str], Form] = {key: form for form in FORMS for key in form.opened_by}


def form_opened_by(kind: str, rel: str) -> Form | None:
    """The form a member's ``rel`` button leads to, when that action needs input first."""
    return _OPENED_BY.get((kind, rel))


def create_form(collection: str) -> Form | None:
    return next((f for f in FORMS if f.collection == collection and f.operation == "create"), None)


def form_path(form: Form, member_id: str | None) -> str:
    """The form page's path below /api for a member (``member_param`` forms take it in the query)."""
    if "{id}" in form.page:
        return form.page.replace("{id}", url_segment(member_id or ""))
    if form.member_param and member_id is not None:
        return f"{form.page}?{form.member_param}={url_segment(member_id)}"
    return form.page


# -- buttons a resource's JSON does not list ---------------------------------------------
@dataclass(frozen=True)
class ImpliedAction:
    """A button: ``operation`` of ``collection`` must be supported; ``params`` travel as hidden fields."""

    collection: str
    operation: str
    rel: str
    href: str
    method: str = "post"  # get (a plain link) | post | delete
    label: str | None = None
    params: tuple[tuple[str, str], ...] = ()


def _volume(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    if data.get("actions"):  # the driver lists them itself
        return []
    snapshot = ImpliedAction("storage_snapshots", "create", "snapshot", member)
    if data.get("instance"):
        return [ImpliedAction("storage_volumes", "detach", "detach", f"{member}/detach"), snapshot]
    return [ImpliedAction("storage_volumes", "attach", "attach", f"{member}/attach"), snapshot]


def _address(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    rel = "disassociate" if data.get("associated") else "associate"
    return [ImpliedAction("addresses", rel, rel, f"{member}/{rel}")]


def _bucket(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    return [ImpliedAction("buckets", "blob_create", "upload", member)]


def _blob(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    return [ImpliedAction("buckets", "blob_content", "download", f"{member}/content", "get", "Download")]


def _firewall(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    actions = [ImpliedAction("firewalls", "rule_create", "add_rule", f"{member}/rules")]
    for rule in data.get("rules") or []:
        rule_id = str(rule.get("id", ""))
        label = f"Delete rule {rule.get('allow_protocol', '')} {rule.get('port_from', '')}-{rule.get('port_to', '')}"
        actions.append(ImpliedAction("firewalls", "rule_destroy", "delete_rule",
                                     f"{member}/{url_segment(rule_id)}", "delete", label.strip()))
    return actions


def _balancer(member: str, data: dict[str, Any]) -> list[ImpliedAction]:
    actions = [ImpliedAction("load_balancers", "register", "register", f"{member}/register")]
    for instance in data.get("instances") or []:
        instance_id = str(instance.get("id", ""))
        actions.append(ImpliedAction("load_balancers", "unregister", "unregister", f"{member}/unregister",
                                     label=f"Unregister {instance_id}", params=(("instance_id", instance_id),)))
    return actions


IMPLIED: dict[str, Callable[[str, dict[str, Any]], list[ImpliedAction]]] = {
    "storage_volume": _volume,
    "address": _address,
    "bucket": _bucket,
    "blob": _blob,
    "firewall": _firewall,
    "load_balancer": _balancer,
}

#: resource kinds that live below another collection, and their destroy operation there
SUB_RESOURCES: dict[str, tuple[str, str]] = {"blob": ("buckets", "blob_destroy")}
