"""Addresses, firewalls, load balancers, networks, subnets and interfaces over real HTTP."""

import httpx
import pytest
from classic_helpers import assert_refused_unchanged, listing, xml
from conftest import LocalServer


def doc(api: httpx.Client, path: str, key: str) -> dict:
    r = api.get(f"{path}?format=json")
    assert r.status_code == 200, r.text
    return r.json()[key]


def new_instance(api: httpx.Client) -> str:
    r = api.post("/api/instances", data={"image_id": "img1"})
    assert r.status_code == 201
    return xml(r).get("id", "")


def public_addresses(api: httpx.Client, instance_id: str) -> list[tuple[str | None, str | None]]:
    instance = xml(api.get(f"/api/instances/{instance_id}"))
    return [(a.get("type"), a.text) for a in instance.findall("public_addresses/address")]


def test_network_collections_need_credentials(server: LocalServer) -> None:
    for collection in ("addresses", "firewalls", "load_balancers", "networks", "subnets", "network_interfaces"):
        assert httpx.get(f"{server.url}/api/{collection}").status_code == 401


# -- addresses ----------------------------------------------------------------------------
def test_seed_addresses(api: httpx.Client) -> None:
    addresses = xml(api.get("/api/addresses"))
    first = addresses[0]
    assert first.get("id") == "192.168.0.1" and first.findtext("ip") == "192.168.0.1"
    links = [(link.get("rel"), link.get("method"), link.get("href")) for link in first.findall("actions/link")]
    member = f"{api.base_url}/api/addresses/192.168.0.1"
    assert links == [("destroy", "delete", member), ("associate", "post", f"{member}/associate")]
    assert first.find("instance") is None
    assert api.get("/api/addresses/192.168.0.2?format=json").json() == {"address": {
        "id": "192.168.0.2", "href": f"{api.base_url}/api/addresses/192.168.0.2", "associated": False}}
    assert api.get("/api/addresses/10.9.9.9").status_code == 404


def test_address_life_cycle(api: httpx.Client) -> None:
    r = api.post("/api/addresses")
    assert r.status_code == 201
    ip = xml(r).get("id", "")
    assert ip.startswith("192.168.0.") and int(ip.rsplit(".", 1)[1]) >= 5  # after the highest one
    assert r.headers["location"] == f"{api.base_url}/api/addresses/{ip}"
    instance_id = new_instance(api)
    r = api.post(f"/api/addresses/{ip}/associate", data={"instance_id": instance_id})
    assert r.status_code == 202 and r.content == b""
    assert doc(api, f"/api/addresses/{ip}", "address") == {
        "id": ip, "href": f"{api.base_url}/api/addresses/{ip}", "associated": True, "instance_id": instance_id}
    associated = xml(api.get(f"/api/addresses/{ip}"))
    assert [link.get("rel") for link in associated.findall("actions/link")] == ["destroy", "disassociate"]
    instance = associated.find("instance")
    assert instance is not None and instance.get("id") == instance_id
    assert public_addresses(api, instance_id) == [("ipv4", ip)]
    r = api.post(f"/api/addresses/{ip}/disassociate")
    assert r.status_code == 202 and r.content == b""
    assert public_addresses(api, instance_id) == [("hostname", f"img1.{instance_id}.public.com")]
    assert api.delete(f"/api/addresses/{ip}").status_code == 204
    assert api.get(f"/api/addresses/{ip}").status_code == 404


def test_address_conflicts_change_nothing(api: httpx.Client) -> None:
    ip = xml(api.post("/api/addresses")).get("id", "")
    owner, other = new_instance(api), new_instance(api)
    assert api.post(f"/api/addresses/{ip}/associate", data={"instance_id": owner}).status_code == 202
    before = (listing(api, "addresses"), public_addresses(api, owner), public_addresses(api, other))
    r = api.post(f"/api/addresses/{ip}/associate?format=json", data={"instance_id": other})
    assert r.status_code == 403 and f"already associated with instance '{owner}'" in r.json()["message"]
    r = api.delete(f"/api/addresses/{ip}")
    assert r.status_code == 403 and "disassociate it first" in (xml(r).findtext("message") or "")
    assert (listing(api, "addresses"), public_addresses(api, owner), public_addresses(api, other)) == before
    assert api.post(f"/api/addresses/{ip}/disassociate").status_code == 202
    r = api.post(f"/api/addresses/{ip}/disassociate")
    assert r.status_code == 403 and "not associated" in (xml(r).findtext("message") or "")


@pytest.mark.parametrize(("method", "path", "data", "status"), [
    ("POST", "/api/addresses/10.0.0.1/associate", {"instance_id": "inst0"}, 404),
    ("POST", "/api/addresses/192.168.0.3/associate", {"instance_id": "nosuch"}, 404),
    ("POST", "/api/addresses/192.168.0.3/associate", {}, 400),
    ("POST", "/api/addresses/10.0.0.1/disassociate", {}, 404),
    ("DELETE", "/api/addresses/10.0.0.1", None, 404),
])
def test_bad_address_requests(api: httpx.Client, method: str, path: str, data: dict | None, status: int) -> None:
    before = listing(api, "addresses")
    r = api.request(method, path, data=data)
    assert r.status_code == status and xml(r).findtext("code") == str(status)
    assert listing(api, "addresses") == before


def test_a_second_address_replaces_the_first(api: httpx.Client) -> None:
    first, second = (xml(api.post("/api/addresses")).get("id", "") for _ in range(2))
    instance_id = new_instance(api)
    api.post(f"/api/addresses/{first}/associate", data={"instance_id": instance_id})
    assert api.post(f"/api/addresses/{second}/associate", data={"instance_id": instance_id}).status_code == 202
    assert doc(api, f"/api/addresses/{first}", "address")["associated"] is False
    assert public_addresses(api, instance_id) == [("ipv4", second)]


def test_destroying_an_instance_frees_its_address(api: httpx.Client) -> None:
    ip = xml(api.post("/api/addresses")).get("id", "")
    instance_id = new_instance(api)
    api.post(f"/api/addresses/{ip}/associate", data={"instance_id": instance_id})
    api.post(f"/api/instances/{instance_id}/stop")
    assert api.delete(f"/api/instances/{instance_id}").status_code == 204
    assert doc(api, f"/api/addresses/{ip}", "address")["associated"] is False


# -- firewalls ----------------------------------------------------------------------------
def test_firewall_life_cycle(api: httpx.Client) -> None:
    r = api.post("/api/firewalls", data={"name": "web", "description": "web servers"})
    assert r.status_code == 201 and r.headers["location"] == f"{api.base_url}/api/firewalls/web"
    created = xml(r)
    assert created.findtext("name") == "web" and created.findtext("description") == "web servers"
    assert created.findtext("owner_id") == "mockuser" and created.find("rules") is not None
    r = api.post("/api/firewalls/web/rules", data={
        "protocol": "tcp", "port_from": "80", "port_to": "443", "ip_address1": "10.1.2.3/24", "group1": "web"})
    assert r.status_code == 201
    rule = xml(r).find("rules/rule")
    assert rule is not None
    rule_id = rule.get("id", "")
    assert rule_id == "mockuser~tcp~80~443~@group,mockuser,web,@address,ipv4,10.1.2.3,24"
    assert rule.get("href") == f"{api.base_url}/api/firewalls/web/{rule_id}"
    assert (rule.findtext("allow_protocol"), rule.findtext("port_from"), rule.findtext("port_to"),
            rule.findtext("direction")) == ("tcp", "80", "443", "ingress")
    sources = [dict(s.attrib) for s in rule.findall("sources/source")]
    assert sources == [{"name": "web", "owner": "mockuser", "type": "group"},
                       {"address": "10.1.2.3", "family": "ipv4", "prefix": "24", "type": "address"}]
    assert doc(api, "/api/firewalls/web", "firewall") == {
        "id": "web", "href": f"{api.base_url}/api/firewalls/web", "name": "web", "description": "web servers",
        "owner_id": "mockuser", "rules": [{
            "id": rule_id, "allow_protocol": "tcp", "port_from": "80", "port_to": "443", "direction": "ingress",
            "sources": [{"type": "group", "name": "web", "owner": "mockuser"},
                        {"type": "address", "family": "ipv4", "address": "10.1.2.3", "prefix": "24"}]}]}
    listed = next(f for f in xml(api.get("/api/firewalls")) if f.get("id") == "web")
    assert [link.get("rel") for link in listed.findall("actions/link")] == ["destroy", "add_rule"]
    listed_rule = listed.find("rules/rule")
    assert listed_rule is not None and listed_rule.get("href") is None and listed_rule.get("id") == rule_id
    assert api.delete(f"/api/firewalls/web/{rule_id}").status_code == 204
    assert doc(api, "/api/firewalls/web", "firewall")["rules"] == []
    assert api.delete(f"/api/firewalls/web/{rule_id}").status_code == 404
    assert api.delete("/api/firewalls/web").status_code == 204
    assert api.get("/api/firewalls/web").status_code == 404


def test_ipv6_rule_and_default_prefix(api: httpx.Client) -> None:
    api.post("/api/firewalls", data={"name": "v6", "description": "v6"})
    r = api.post("/api/firewalls/v6/rules?format=json", data={
        "protocol": "udp", "port_from": "53", "port_to": "53", "ip-address1": "2001:db8::/32",
        "ip_address2": "10.0.0.7"})
    assert r.status_code == 201
    sources = r.json()["firewall"]["rules"][0]["sources"]
    assert {(s["family"], s["address"], s["prefix"]) for s in sources} == {
        ("ipv6", "2001:db8::", "32"), ("ipv4", "10.0.0.7", "32")}


def test_an_icmp_rule_names_a_type_and_code_not_a_range(api: httpx.Client) -> None:
    """ping is ICMP type 8, code -1 (any): the two "ports" are no range, as EC2 and Nova read them."""
    api.post("/api/firewalls", data={"name": "pingable", "description": "echo requests"})
    r = api.post("/api/firewalls/pingable/rules?format=json", data={
        "protocol": "icmp", "port_from": "8", "port_to": "-1", "ip_address1": "10.0.0.0/8"})
    assert r.status_code == 201, r.text
    [rule] = r.json()["firewall"]["rules"]
    assert (rule["allow_protocol"], rule["port_from"], rule["port_to"]) == ("icmp", "8", "-1")


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"protocol": "tcp", "port_from": "22", "port_to": "22"}, 400,
     "No sources. Specify at least one source ip address or group."),
    ({"port_from": "22", "port_to": "22", "ip_address1": "10.0.0.0/8"}, 400, "protocol must be one of"),
    ({"protocol": "tcp", "port_from": "22", "port_to": "99999", "ip_address1": "10.0.0.0/8"}, 400,
     "port_to must be between 0 and 65535"),
    ({"protocol": "tcp", "port_from": "80", "port_to": "22", "ip_address1": "10.0.0.0/8"}, 400,
     "must not be greater"),
    ({"protocol": "tcp", "port_from": "22", "port_to": "22", "ip_address1": "10.0.0.300/8"}, 400,
     "must be an address block"),
    ({"protocol": "tcp", "port_from": "22", "port_to": "22", "group1": "nosuch"}, 404, "Firewall 'nosuch' not found"),
])
def test_bad_rules_change_nothing(api: httpx.Client, data: dict, status: int, message: str) -> None:
    if api.get("/api/firewalls/strict").status_code == 404:
        api.post("/api/firewalls", data={"name": "strict", "description": "strict"})
    before = doc(api, "/api/firewalls/strict", "firewall")
    r = api.post("/api/firewalls/strict/rules?format=json", data=data)
    assert r.status_code == status and message in r.json()["message"]
    assert doc(api, "/api/firewalls/strict", "firewall") == before


def test_firewall_conflicts(api: httpx.Client) -> None:
    api.post("/api/firewalls", data={"name": "db", "description": "databases"})
    api.post("/api/firewalls", data={"name": "app", "description": "applications"})
    r = api.post("/api/firewalls", data={"name": "db", "description": "again"})
    assert r.status_code == 409
    rule = {"protocol": "tcp", "port_from": "5432", "port_to": "5432", "group1": "app"}
    assert api.post("/api/firewalls/db/rules", data=rule).status_code == 201
    assert api.post("/api/firewalls/db/rules", data=rule).status_code == 409  # the same rule twice
    r = api.delete("/api/firewalls/app?format=json")  # still a source of a rule of db
    assert r.status_code == 409 and "db" in r.json()["message"]
    assert api.get("/api/firewalls/app").status_code == 200
    assert api.post("/api/firewalls", data={"name": "x"}).status_code == 400  # description is required
    assert api.post("/api/firewalls", data={"name": "bad name", "description": "d"}).status_code == 400
    assert api.post("/api/firewalls/nosuch/rules", data=rule).status_code == 404
    assert api.delete("/api/firewalls/nosuch").status_code == 404


# -- load balancers -----------------------------------------------------------------------
LISTENER = {"listener_protocol": "HTTP", "listener_balancer_port": "80", "listener_instance_port": "3010"}


def test_load_balancer_life_cycle(api: httpx.Client) -> None:
    r = api.post("/api/load_balancers", data={"name": "loadBalancerForTest", "realm_id": "us", **LISTENER,
                                             "listener_protocol2": "tcp", "listener_balancer_port2": "443",
                                             "listener_instance_port2": "8443"})
    assert r.status_code == 201
    assert r.headers["location"] == f"{api.base_url}/api/load_balancers/loadBalancerForTest"
    balancer = xml(r)
    member = f"{api.base_url}/api/load_balancers/loadBalancerForTest"
    assert [(link.get("rel"), link.get("href")) for link in balancer.findall("actions/link")] == [
        ("destroy", member), ("register", f"{member}/register")]
    assert (balancer.findtext("public_addresses/address") or "").startswith("loadBalancerForTest-")
    assert balancer.findtext("created_at")
    realm = balancer.find("realm")
    assert realm is not None and realm.get("id") == "us"
    listeners = [(li.get("protocol"), li.findtext("load_balancer_port"), li.findtext("instance_port"))
                 for li in balancer.findall("listeners/listener")]
    assert listeners == [("HTTP", "80", "3010"), ("TCP", "443", "8443")]
    instance_id = new_instance(api)
    r = api.post(f"{member}/register?format=json", data={"instance_id": instance_id})
    assert r.status_code == 200
    registered = r.json()["load_balancer"]
    assert [i["id"] for i in registered["instances"]] == [instance_id]
    assert registered["instances"][0]["state"] == "RUNNING"  # whole instance objects
    assert registered["realms"] == [{"id": "us", "href": f"{api.base_url}/api/realms/us", "rel": "realm"}]
    assert registered["listeners"][0] == {"id": None, "protocol": "HTTP", "load_balancer_port": 80,
                                          "instance_port": 3010}
    shown = xml(api.get(member)).find("instances/instance")
    assert shown is not None and shown.get("id") == instance_id
    unregister = shown.find("link")
    assert unregister is not None and unregister.get("href") == f"{member}/unregister"
    r = api.post(f"{member}/register", data={"instance_id": instance_id})
    assert r.status_code == 409
    r = api.post(f"{member}/unregister", data={"instance_id": instance_id})
    assert r.status_code == 200 and xml(r).find("instances/instance") is None
    assert api.post(f"{member}/unregister", data={"instance_id": instance_id}).status_code == 409
    assert api.delete(member).status_code == 204
    assert api.get(member).status_code == 404


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"name": "empty", "realm_id": "us", "listener_protocol": "", "listener_balancer_port": "",
      "listener_instance_port": ""}, 400, "Required parameter 'listener_protocol' not found in [name,realm_id]"),
    ({"name": "half", "realm_id": "us", "listener_protocol": "HTTP", "listener_balancer_port": "80",
      "listener_instance_port": ""}, 400, "Required parameter 'listener_instance_port'"),
    ({"name": "proto", "realm_id": "us", **LISTENER, "listener_protocol": "GOPHER"}, 400, "protocol must be one of"),
    ({"name": "port", "realm_id": "us", **LISTENER, "listener_balancer_port": "http"}, 400, "must be numbers"),
    ({"name": "realm", "realm_id": "mars", **LISTENER}, 400, "Realm 'mars' does not exist"),
    ({"name": "bad_name", "realm_id": "us", **LISTENER}, 400, "not valid"),
    ({"name": "nolistener", "realm_id": "us"}, 400, "Required parameter 'listener_protocol'"),
])
def test_bad_load_balancers_are_not_created(api: httpx.Client, data: dict, status: int, message: str) -> None:
    assert_refused_unchanged(api, "load_balancers", data, status, message)


def test_load_balancer_conflicts_and_unknowns(api: httpx.Client) -> None:
    assert api.post("/api/load_balancers", data={"name": "dup", "realm_id": "eu", **LISTENER}).status_code == 201
    assert api.post("/api/load_balancers", data={"name": "dup", "realm_id": "eu", **LISTENER}).status_code == 409
    assert api.post("/api/load_balancers/dup/register", data={"instance_id": "nosuch"}).status_code == 404
    assert api.post("/api/load_balancers/nosuch/register", data={"instance_id": "inst0"}).status_code == 404
    assert api.delete("/api/load_balancers/nosuch").status_code == 404
    instance_id = new_instance(api)
    api.post("/api/load_balancers/dup/register", data={"instance_id": instance_id})
    api.post(f"/api/instances/{instance_id}/stop")
    api.delete(f"/api/instances/{instance_id}")
    assert doc(api, "/api/load_balancers/dup", "load_balancer")["instances"] == []  # gone with the instance


# -- networks, subnets, interfaces --------------------------------------------------------
def test_seed_networks_subnets_interfaces(api: httpx.Client) -> None:
    net1 = xml(api.get("/api/networks/net1"))
    assert [c.tag for c in net1] == ["name", "state", "address_blocks", "subnets", "actions"]
    assert net1.findtext("name") == "network1" and net1.findtext("address_blocks/address_block") == "192.168.0.0/16"
    assert [s.get("id") for s in net1.findall("subnets/subnet")] == ["subnet1", "subnet2"]
    base = f"{api.base_url}/api"
    assert doc(api, "/api/subnets/subnet3", "subnet") == {
        "id": "subnet3", "name": "subnet3", "href": f"{base}/subnets/subnet3", "type": "PRIVATE", "state": "UP",
        "address_block": "10.1.0.0/16", "network": {"id": "net2", "href": f"{base}/networks/net2"}}
    subnet = xml(api.get("/api/subnets/subnet1"))
    assert subnet.findtext("network") == "net1" and subnet.findtext("address_block") == "192.168.1.0/24"
    nic = xml(api.get("/api/network_interfaces/nic1"))
    network = nic.find("network")
    assert network is not None and (network.get("rel"), network.get("id"), network.text) == ("subnet", "subnet1",
                                                                                              "subnet1")
    assert network.get("href") == f"{base}/subnets/subnet1"
    instance = nic.find("instance")
    assert instance is not None and instance.get("id") == "inst1" and nic.findtext("ip_address") == "192.168.1.2"
    assert doc(api, "/api/network_interfaces/nic1", "network_interface") == {
        "id": "nic1", "name": "nic1", "href": f"{base}/network_interfaces/nic1",
        "network": {"id": "subnet1", "href": f"{base}/subnets/subnet1"},
        "instance": {"id": "inst1", "href": f"{base}/instances/inst1"}, "ip_address": "192.168.1.2"}
    for collection in ("networks", "subnets", "network_interfaces"):
        assert api.get(f"/api/{collection}/nosuch").status_code == 404


def test_network_subnet_interface_life_cycle(api: httpx.Client) -> None:
    r = api.post("/api/networks", data={"name": "lab", "address_block": "172.16.0.0/16"})
    assert r.status_code == 200 and "location" not in r.headers  # the original's 200
    assert xml(r).get("id") == "lab"
    r = api.post("/api/subnets?format=json", data={"network_id": "lab", "address_block": "172.16.1.0/24",
                                                  "name": "lab-a"})
    assert r.status_code == 200 and r.json()["subnet"]["network"]["id"] == "lab"
    assert [s["id"] for s in doc(api, "/api/networks/lab", "network")["subnets"]] == ["lab-a"]
    instance_id = new_instance(api)
    r = api.post("/api/network_interfaces", data={"instance": instance_id, "network": "lab-a", "name": ""})
    assert r.status_code == 200
    first = xml(r)
    assert (first.get("id") or "").startswith("nic_") and first.findtext("ip_address") == "172.16.1.2"
    # `network` may name the network: its first subnet with room is used; addresses never repeat
    r = api.post("/api/network_interfaces?format=json", data={"instance": instance_id, "network": "lab"})
    second = r.json()["network_interface"]
    assert second["network"]["id"] == "lab-a" and second["ip_address"] == "172.16.1.3"
    instance = xml(api.get(f"/api/instances/{instance_id}"))
    assert [n.get("id") for n in instance.findall("network_interfaces/network_interface")] == [
        first.get("id"), second["id"]]
    r = api.delete("/api/subnets/lab-a")
    assert r.status_code == 409 and "network interfaces" in (xml(r).findtext("message") or "")
    r = api.delete("/api/networks/lab")
    assert r.status_code == 409
    assert api.delete(f"/api/network_interfaces/{second['id']}").status_code == 204
    assert api.delete(f"/api/network_interfaces/{first.get('id')}").status_code == 204
    assert xml(api.get(f"/api/instances/{instance_id}")).findall("network_interfaces/network_interface") == []
    assert api.delete("/api/networks/lab").status_code == 204  # takes its subnets along
    assert api.get("/api/subnets/lab-a").status_code == 404


def test_generated_network_ids_keep_the_original_prefixes(api: httpx.Client) -> None:
    r = api.post("/api/networks?format=json")
    assert r.status_code == 200
    created = r.json()["network"]
    assert created["id"].startswith("net_") and created["address_blocks"] == []
    r = api.post("/api/subnets?format=json", data={"network_id": created["id"], "address_block": "10.50.0.0/24"})
    assert r.json()["subnet"]["id"].startswith("subnet_")


@pytest.mark.parametrize(("path", "data", "status", "message"), [
    ("/api/networks", {"address_block": "not-a-block"}, 400, "must be a CIDR block"),
    ("/api/networks", {"name": "net1"}, 409, "Network 'net1' already exists"),
    ("/api/subnets", {"network_id": "nosuch", "address_block": "10.0.0.0/24"}, 404, "Network 'nosuch' not found"),
    ("/api/subnets", {"network_id": "net1", "address_block": "10.0.0.0/24"}, 400, "is not inside"),
    ("/api/subnets", {"network_id": "net1", "address_block": "192.168.1.128/25"}, 409, "overlaps subnet"),
    ("/api/subnets", {"network_id": "net1"}, 400, "Required parameter 'address_block'"),
    ("/api/network_interfaces", {"instance": "nosuch", "network": "subnet1"}, 404, "Instance 'nosuch' not found"),
    ("/api/network_interfaces", {"instance": "inst0", "network": "nosuch"}, 404, "'nosuch' not found"),
    ("/api/network_interfaces", {"instance": "inst0", "network": "subnet1", "name": "nic1"}, 409, "already exists"),
])
def test_bad_network_requests_change_nothing(api: httpx.Client, path: str, data: dict, status: int,
                                             message: str) -> None:
    collections = ("networks", "subnets", "network_interfaces")
    before = [listing(api, c) for c in collections]
    r = api.post(f"{path}?format=json", data=data)
    assert r.status_code == status and message in r.json()["message"]
    assert [listing(api, c) for c in collections] == before
