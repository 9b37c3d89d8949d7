"""The classic API's browser console over real HTTP: pages, forms, redirects and error pages in HTML."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
import pytest
from classic_helpers import xml
from conftest import MOCK_AUTH, LocalServer

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass
class Form:
    action: str
    method: str
    enctype: str | None
    fields: dict[str, str] = field(default_factory=dict)  # name -> value (a select's selected option)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> option values
    buttons: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """What a user sees and can use on a page: title, heading, links, forms, visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.title = ""
        self.h1 = ""
        self.links: list[tuple[str, str]] = []
        self.forms: list[Form] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self._href: str | None = None
        self._link_text = ""
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in.append(tag)
        if tag == "a":
            self._href, self._link_text = a.get("href"), ""
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get"), a.get("enctype")))
        elif tag == "input" and self.forms and "name" in a:
            if a.get("type") != "checkbox" or "checked" in a:
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag in ("select", "textarea") and self.forms:
            self._select = a.get("name")
            self.forms[-1].fields.setdefault(a["name"], "")
            if tag == "select":
                self.forms[-1].options[a["name"]] = []
        elif tag == "option" and self.forms and self._select:
            self.forms[-1].options[self._select].append(a.get("value", ""))
            if "selected" in a or len(self.forms[-1].options[self._select]) == 1:
                self.forms[-1].fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._link_text.strip(), self._href))
            self._href = None
        if tag in ("select", "textarea"):
            self._select = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        current = self._in[-1] if self._in else ""
        if current == "title":
            self.title += data
        elif current == "h1":
            self.h1 += data
        elif current == "button" and self.forms:
            self.forms[-1].buttons.append(data.strip())
        elif current == "textarea" and self.forms and self._select:
            self.forms[-1].fields[self._select] += data
        if self._href is not None:
            self._link_text += data
        if current not in ("style", "title"):
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())

    def link(self, text: str) -> str:
        return next(href for label, href in self.links if label == text)

    def form(self, button: str) -> Form:
        return next(f for f in self.forms if button in f.buttons)


def page(r: httpx.Response, status: int = 200) -> Page:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.startswith("<!DOCTYPE html>")
    assert "Traceback" not in r.text
    return Page(r.text)


@pytest.fixture
def browser(server: LocalServer):
    """A client that asks for HTML the way a browser does, signed in, not following redirects."""
    with server.client(auth=MOCK_AUTH, headers={"Accept": BROWSER_ACCEPT}) as client:
        yield client


def submit(client: httpx.Client, form: Form, **values: str) -> httpx.Response:
    data = {**form.fields, **values}
    assert form.method == "post"
    return client.post(form.action, data=data)


def test_html_is_negotiated_for_browsers_only(server: LocalServer) -> None:
    def content_type(accept: str, query: str = "") -> str:
        return httpx.get(f"{server.url}/api{query}", headers={"Accept": accept}).headers["content-type"]

    assert content_type("text/html").startswith("text/html")
    assert content_type("application/xhtml+xml").startswith("text/html")
    assert content_type(BROWSER_ACCEPT).startswith("text/html")
    assert content_type("*/*") == "application/xml"  # curl and scripts keep getting XML
    assert content_type("text/html", "?format=xml") == "application/xml"
    assert content_type("application/xml", "?format=html").startswith("text/html")


def test_entry_page_lists_what_the_driver_supports(server: LocalServer, browser: httpx.Client) -> None:
    entry = page(browser.get("/api"))
    assert entry.title == "Deltacloud API 1.1.3" and "mock@default" in entry.visible
    advertised = [link.get("rel") for link in xml(httpx.get(f"{server.url}/api"))]
    collection_links = [href for _, href in entry.links if href.rsplit("/", 1)[-1] in advertised]
    assert [href.rsplit("/", 1)[-1] for href in collection_links] == advertised
    assert ("Features: metrics, realm_filter, user_name, user_data, firewalls, authentication_key, instance_count"
            in entry.visible)
    assert entry.link("Launch an instance") == f"{server.url}/api/instances/new"
    switch = entry.form("Use this driver")
    assert switch.action == f"{server.url}/api" and "mock" in switch.options["driver"]
    assert "ec2" in switch.options["driver"] and switch.fields["driver"] == "mock"
    assert entry.link("XML") == f"{server.url}/api?format=xml"
    assert entry.link("JSON") == f"{server.url}/api?format=json"
    r = browser.post("/api", data={"driver": "ec2"})
    assert r.status_code == 301 and r.headers["location"] == f"{server.url}/api;driver=ec2"
    ec2 = page(browser.get(r.headers["location"]))
    assert "ec2@default" in ec2.visible and ec2.link("Instances") == f"{server.url}/api;driver=ec2/instances"


def test_every_collection_has_a_list_and_member_pages(server: LocalServer, browser: httpx.Client) -> None:
    advertised = [link.get("rel") for link in xml(httpx.get(f"{server.url}/api"))]
    for collection in advertised:
        listing = page(browser.get(f"/api/{collection}"))
        members = [href for _, href in listing.links
                   if href.startswith(f"{server.url}/api/{collection}/") and not href.endswith("/new")]
        if collection == "instance_states":
            assert "running" in listing.visible and "stop → stopped" in listing.visible
            continue
        if not members:
            assert f"No {listing.h1.lower()} here yet." in listing.visible
            continue
        member = page(browser.get(members[0]))
        member_id = members[0].rsplit("/", 1)[-1]
        assert member_id in member.visible and member.link(listing.h1) == f"{server.url}/api/{collection}"


def test_member_page_shows_links_and_actions_as_buttons(browser: httpx.Client, server: LocalServer) -> None:
    inst = page(browser.get("/api/instances/inst0"))
    assert inst.h1 == "Instance Mock Instance With Profile Change" and "RUNNING" in inst.visible
    assert inst.link("img1") == f"{server.url}/api/images/img1"
    assert inst.form("Stop").action == f"{server.url}/api/instances/inst0/stop"
    assert inst.form("Destroy").fields == {"_method": "delete"}
    assert inst.link("Run a command") == f"{server.url}/api/instances/inst0/run"
    assert inst.link("Create an image") == f"{server.url}/api/images/new?instance_id=inst0"
    image = page(browser.get("/api/images/img1"))
    assert image.link("Launch an instance") == f"{server.url}/api/instances/new?image_id=img1"


FORM_PAGES = [
    "instances/new", "instances/inst1/run", "images/new?instance_id=inst1", "keys/new", "storage_volumes/new",
    "storage_volumes/vol1/attach_instance", "storage_snapshots/new", "buckets/new",
    "buckets/bucket1/new_blob_form_d15cfd90", "addresses/192.168.0.1/associate", "firewalls/new",
    "load_balancers/new", "networks/new", "subnets/new", "network_interfaces/new",
]


@pytest.mark.parametrize("path", FORM_PAGES)
def test_form_pages_are_html_only(server: LocalServer, browser: httpx.Client, path: str) -> None:
    form_page = page(browser.get(f"/api/{path}"))
    assert len(form_page.forms) == 1 and form_page.forms[0].method == "post"
    assert form_page.forms[0].action.startswith(f"{server.url}/api/")
    with server.client(auth=MOCK_AUTH) as client:
        assert client.get(f"/api/{path}").status_code == 406
        assert client.get(f"/api/{path}", headers={"Accept": "application/json"}).status_code == 406


def test_forms_about_members_of_another_collection(server: LocalServer, browser: httpx.Client) -> None:
    create = page(browser.get("/api/firewalls/new")).form("Create a firewall")
    r = submit(browser, create, name="web", description="web servers")
    assert r.status_code == 303
    firewall = page(browser.get(r.headers["location"]))
    rule = page(browser.get(firewall.link("Add a rule"))).form("Add a rule")
    assert rule.action == f"{r.headers['location']}/rules" and rule.options["protocol"] == ["tcp", "udp", "icmp"]
    no_source = submit(browser, rule, port_from="80", port_to="80")
    assert "source" in page(no_source, 400).visible
    r = submit(browser, rule, port_from="80", port_to="80", ip_address1="10.0.0.0/24")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/firewalls/web"
    with_rule = page(browser.get(r.headers["location"]))
    assert "10.0.0.0" in with_rule.visible
    r = submit(browser, with_rule.form("Delete rule tcp 80-80"))
    assert r.status_code == 303 and "10.0.0.0" not in page(browser.get(r.headers["location"])).visible
    image = page(browser.get("/api/images/new?instance_id=inst1")).form("Create an image")
    assert image.fields["instance_id"] == "inst1" and "inst0" in image.options["instance_id"]
    assert page(browser.get("/api/storage_volumes/nosuch/attach_instance"), 404).h1 == "404 - Not Found"


def test_launch_form_offers_the_images_profiles_and_the_drivers_choices(browser: httpx.Client) -> None:
    launch = page(browser.get("/api/instances/new?image_id=img1"))
    form = launch.form("Launch an instance")
    assert form.fields["image_id"] == "img1" and form.options["realm_id"] == ["", "us", "eu"]
    assert form.options["keyname"] == ["", "test-key"]  # authentication_key
    assert "name" in form.fields and "user_data" in form.fields and "password" not in form.fields
    assert form.fields["hwp_id"] == "m1-small"
    large = page(browser.get(launch.link("m1-large"))).form("Launch an instance")
    assert large.fields["hwp_id"] == "m1-large" and large.fields["hwp_memory"] == "10240"
    assert large.options["hwp_storage"] == ["850", "1024"]


def test_launch_stop_and_destroy_through_forms(server: LocalServer, browser: httpx.Client) -> None:
    form = page(browser.get("/api/instances/new?image_id=img1&hwp_id=m1-large")).form("Launch an instance")
    r = submit(browser, form, name="<b>web</b>", hwp_memory="12288", realm_id="eu")
    assert r.status_code == 303  # a reload of the next page never launches twice
    instance_url = r.headers["location"]
    assert instance_url.startswith(f"{server.url}/api/instances/inst")
    inst = page(browser.get(instance_url))
    assert inst.h1 == "Instance <b>web</b>" and "&lt;b&gt;web&lt;/b&gt;" in inst.html  # escaped, not markup
    assert "RUNNING" in inst.visible and "12288" in inst.visible and inst.link("eu").endswith("/api/realms/eu")
    r = submit(browser, inst.form("Stop"))
    assert r.status_code == 303 and r.headers["location"] == instance_url
    stopped = page(browser.get(instance_url))
    assert "STOPPED" in stopped.visible and stopped.form("Start").action == f"{instance_url}/start"
    assert not any("Stop" in f.buttons for f in stopped.forms)
    r = submit(browser, stopped.form("Destroy"))
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/instances"
    gone = page(browser.get(instance_url), 404)
    assert gone.title.startswith("404 - Not Found") and gone.link("Instances") == f"{server.url}/api/instances"


def test_other_create_forms_redirect_to_what_they_made(server: LocalServer, browser: httpx.Client) -> None:
    key_form = page(browser.get("/api/keys/new")).form("Create a key")
    r = submit(browser, key_form, name="console-key")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/keys/console-key"
    assert "BEGIN RSA PRIVATE KEY" in page(browser.get(r.headers["location"])).visible
    bucket_form = page(browser.get("/api/buckets/new")).form("Create a bucket")
    assert "location" in bucket_form.fields  # bucket_location feature
    r = submit(browser, bucket_form, name="console-bucket")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/buckets/console-bucket"
    network_form = page(browser.get("/api/networks/new")).form("Create a network")
    r = submit(browser, network_form, name="console-net", address_block="10.9.0.0/16")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/networks/console-net"
    subnet_form = page(browser.get("/api/subnets/new")).form("Create a subnet")
    assert "console-net" in subnet_form.options["network_id"]
    r = submit(browser, subnet_form, network_id="console-net", address_block="10.9.1.0/24", name="console-sub")
    assert r.status_code == 303 and "10.9.1.0/24" in page(browser.get(r.headers["location"])).visible


def test_volume_attach_and_detach(server: LocalServer, browser: httpx.Client) -> None:
    volume = page(browser.get("/api/storage_volumes/vol1"))
    attach_page = page(browser.get(volume.link("Attach the volume")))
    form = attach_page.form("Attach the volume")
    assert form.action == f"{server.url}/api/storage_volumes/vol1/attach" and form.fields["device"] == "/dev/sdb"
    r = submit(browser, form, instance_id="inst2")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/storage_volumes/vol1"
    attached = page(browser.get("/api/storage_volumes/vol1"))
    assert "IN-USE" in attached.visible and attached.link("inst2").endswith("/api/instances/inst2")
    r = submit(browser, attached.form("Detach"))
    assert r.status_code == 303
    assert "AVAILABLE" in page(browser.get("/api/storage_volumes/vol1")).visible


def test_address_associate_form(server: LocalServer, browser: httpx.Client) -> None:
    form = page(browser.get("/api/addresses/192.168.0.2/associate")).form("Associate the address")
    r = submit(browser, form, instance_id="inst1")
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/addresses/192.168.0.2"
    address = page(browser.get(r.headers["location"]))
    assert "yes" in address.visible and address.form("Disassociate")
    r = submit(browser, address.form("Disassociate"))
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/addresses/192.168.0.2"


def test_blob_upload_download_and_delete(server: LocalServer, browser: httpx.Client) -> None:
    bucket = page(browser.get("/api/buckets/bucket1"))
    upload = page(browser.get(bucket.link("Upload a blob"))).form("Upload a blob")
    assert upload.enctype == "multipart/form-data" and upload.action == f"{server.url}/api/buckets/bucket1"
    content = "día de subida\n".encode() * 100
    fields = {**upload.fields, "blob_id": "from-console.txt", "meta_name1": "Author", "meta_value1": "console"}
    fields.pop("blob_data", None)
    r = browser.post(upload.action, data=fields, files={"blob_data": ("notes.txt", content, "text/plain")})
    assert r.status_code == 303
    assert r.headers["location"] == f"{server.url}/api/buckets/bucket1/from-console.txt"
    blob = page(browser.get(r.headers["location"]))
    assert str(len(content)) in blob.visible and "author console" in blob.visible
    download = browser.get(blob.link("Download"))
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "text/plain"
    r = submit(browser, blob.form("Destroy"))
    assert r.status_code == 303 and r.headers["location"] == f"{server.url}/api/buckets/bucket1"
    assert "from-console.txt" not in page(browser.get("/api/buckets/bucket1")).visible


def test_metadata_shaped_like_a_link_is_shown_as_text(browser: httpx.Client) -> None:
    """Stored XSS found by fuzzing: user metadata {href: javascript:...} was rendered as a link."""
    r = browser.post("/api/buckets/bucket1", data={
        "blob_id": "lure", "blob_data": "x", "meta_params": "2", "meta_name1": "href",
        "meta_value1": "javascript:alert(document.domain)", "meta_name2": "name", "meta_value2": "click me"})
    assert r.status_code == 303, r.text
    blob = page(browser.get("/api/buckets/bucket1/lure"))
    assert not [href for _, href in blob.links if not href.startswith(("http://", "https://"))]
    assert "javascript:alert(document.domain)" in blob.visible and "click me" in blob.visible


def test_run_command_page_shows_its_output(browser: httpx.Client) -> None:
    form = page(browser.get("/api/instances/inst1/run")).form("Run a command")
    assert form.fields["port"] == "22"
    result = page(browser.post(form.action, data={**form.fields, "cmd": "uptime", "ip": "203.0.113.9"}))
    assert result.h1 == "Output of uptime" and "203.0.113.9" in result.visible


def test_errors_are_pages_that_say_what_to_do(server: LocalServer, browser: httpx.Client) -> None:
    missing = page(browser.post("/api/keys", data={}, headers={"Referer": f"{server.url}/api/keys/new"}), 400)
    assert "Required parameter 'name' not found" in missing.visible
    assert "correct them and send the form again" in missing.visible
    assert missing.link("Back") == f"{server.url}/api/keys/new"
    not_allowed = page(browser.post("/api/instances/inst3/start"), 405)
    assert "not allowed" in not_allowed.visible and not_allowed.link("inst3") == f"{server.url}/api/instances/inst3"
    assert page(browser.get("/api/no/such/page"), 404).title.startswith("404 - Not Found")
    unsupported = page(browser.get("/api;driver=azure/keys/new"), 412)
    assert "Choose another driver" in unsupported.visible
    assert unsupported.link("Start page") == f"{server.url}/api;driver=azure"
    unknown = page(browser.get("/api;driver=nosuch/instances"), 400)
    assert unknown.link("Start page") == f"{server.url}/api"  # a driver that cannot work is not kept
    r = httpx.get(f"{server.url}/api/instances", headers={"Accept": "text/html"})
    anonymous = page(r, 401)
    assert r.headers["www-authenticate"].startswith("Basic") and "sign in" in anonymous.visible


def test_secrets_typed_into_a_form_never_come_back(browser: httpx.Client) -> None:
    r = browser.post("/api/instances", data={"image_id": "img1", "keyname": "nosuch", "password": "hunter2-secret"})
    assert r.status_code == 400 and "hunter2-secret" not in r.text


def test_links_and_redirects_keep_the_chosen_driver(server: LocalServer, browser: httpx.Client) -> None:
    chosen = f"{server.url}/api;driver=mock;provider=test1"
    listing = page(browser.get(f"{chosen}/keys"))
    api_links = [href for _, href in listing.links if href.startswith(f"{server.url}/api")]
    assert api_links and all(href.startswith(chosen) for href in api_links)
    form = page(browser.get(f"{chosen}/keys/new")).form("Create a key")
    assert form.action == f"{chosen}/keys"
    r = submit(browser, form, name="provider-key")
    assert r.status_code == 303 and r.headers["location"] == f"{chosen}/keys/provider-key"
    assert browser.get("/api/keys/provider-key").status_code == 404  # it lives with provider test1 only
