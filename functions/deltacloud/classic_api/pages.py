"""The browser console: HTML pages built from the JSON shapes the API already serves (spec §6.3, §7.18, §9.4).

A member page shows a resource's JSON representation with its actions as buttons; a list page
shows a collection as cards; forms come from the table in :mod:`forms`. A successful form post
answers ``303 See Other`` to the page of what it changed, so a reload never posts twice. The
driver chosen with ``;driver=`` / ``;provider=`` stays chosen: every link and redirect keeps it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from deltacloud.capabilities import COLLECTIONS
from deltacloud.errors import DeltacloudError, UnknownDriver, UnknownProvider
from deltacloud.names import url_segment
from deltacloud.registry import driver_names, load_driver
from starlette.responses import RedirectResponse, Response

from .context import API_VERSION, Call
from .forms import IMPLIED, SUB_RESOURCES, Form, create_form, form_opened_by, form_path
from .middleware import facts
from .responses import document, error_headers, error_message, secret_param

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).with_name("templates")
#: strings longer than this are cut on pages (command output, keys): the XML and JSON carry them whole
LONG_TEXT = 4000
_SUMMARY_FIELDS = 4


@cache
def _environment() -> "Environment":
    import jinja2  # only HTML requests pay for the template engine (cold start)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["label"] = label
    return env


def label(name: object) -> str:
    """``storage_volumes`` -> ``Storage volumes``."""
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


# -- links keep the chosen driver -----------------------------------------------------------
def _matrix(call: Call) -> str:
    chosen = facts(call.request.scope).matrix.get("api", {})
    return "".join(f";{key}={url_segment(chosen[key])}" for key in ("driver", "provider") if chosen.get(key))


def console_link(call: Call, href: str) -> str:
    """An API URL as the console links it: with the ``;driver=`` / ``;provider=`` this page was asked with."""
    matrix = _matrix(call)
    base = call.base
    if matrix and (href == base or href.startswith((f"{base}/", f"{base}?"))):
        return base + matrix + href[len(base):]
    return href


def api_link(call: Call, href: object) -> str | None:
    """The console link of a reference into this API; None for anything else, such as a user's metadata
    shaped like a reference: its ``href`` could be ``javascript:...``."""
    base = call.base
    if isinstance(href, str) and (href == base or href.startswith((f"{base}/", f"{base}?"))):
        return console_link(call, href)
    return None


def _api_path(call: Call) -> str:
    """The request path below ``/api`` (``/instances/inst1``); empty for the entry point."""
    _, found, rest = call.request.url.path.partition("/api")
    return rest.rstrip("/") if found else ""


def _segments(call: Call) -> list[str]:
    return [s for s in _api_path(call).split("/") if s]


def _api_url(call: Call, segments: list[str]) -> str:
    """The API URL of decoded path segments, each encoded again."""
    return "/".join((call.base, *(url_segment(s) for s in segments)))


def _collection_of(call: Call) -> str | None:
    first = _api_path(call).strip("/").split("/")[0]
    return first if first in COLLECTIONS else None


def redirect(call: Call, href: str) -> Response:
    """303 to an API URL; a document ``href`` holds plain ids (``?`` and ``#`` too): its segments are encoded."""
    if href.startswith(f"{call.base}/"):
        href = _api_url(call, href[len(call.base) + 1:].split("/"))
    return RedirectResponse(console_link(call, href), status_code=303)


def after_form_post(call: Call, response: Response) -> Response:
    """An HTML form's successful POST or DELETE that has no document answers 303 to the page it changed.

    ``DELETE /buckets/b/blob1`` lands on the bucket, ``POST /addresses/ip/associate`` on the
    address; operations that return a resource redirect to it in :func:`rendering.render_one`.
    """
    if call.request.method in ("GET", "HEAD") or not 200 <= response.status_code < 300:
        return response
    if getattr(response, "body", None) != b"":  # a page, or streamed content: keep it
        return response
    segments = _segments(call)
    if call.request.method == "DELETE":
        segments = segments[:-1]
    elif len(segments) > 2:
        segments = segments[:2]
    return redirect(call, _api_url(call, segments))


# -- page frame ---------------------------------------------------------------------------
def _format_link(call: Call, fmt: str) -> str:
    kept = {k: v for k, v in call.request.query_params.items() if not secret_param(k)}
    query = urlencode({**kept, "format": fmt})
    return f"{console_link(call, _api_url(call, _segments(call)))}?{query}"


def _crumbs(call: Call) -> list[tuple[str, str]]:
    """API › collection › parent member (for a blob, a form about a member)."""
    crumbs = [("API", console_link(call, call.base))]
    segments = _segments(call)
    if _collection_of(call) is not None and len(segments) > 1:
        crumbs.append((label(segments[0]), console_link(call, _api_url(call, segments[:1]))))
        if len(segments) > 2:
            crumbs.append((segments[1], console_link(call, _api_url(call, segments[:2]))))
    return crumbs


def _render(call: Call, template: str, title: str, status: int = 200, headers: dict[str, str] | None = None,
            home: str | None = None, **context: Any) -> Response:
    frame = {
        "version": API_VERSION, "driver": call.driver_name, "provider": call.provider or "default",
        "home": home or console_link(call, call.base), "crumbs": _crumbs(call),
        "xml": _format_link(call, "xml"), "json": _format_link(call, "json"),
    }
    body = _environment().get_template(template).render(frame=frame, title=title, link=partial(console_link, call),
                                                         api_link=partial(api_link, call), **context)
    return document(body, "html", status, headers)


# -- resources ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Button:
    """A link (``get``) or a one-button form (``post``, ``delete`` through ``_method``)."""

    label: str
    href: str
    method: str = "get"
    params: tuple[tuple[str, str], ...] = ()

    @property
    def danger(self) -> bool:
        return self.method == "delete"


def _button(call: Call, kind: str, rel: str, href: str, method: str, member_id: str,
            text: str | None = None, params: tuple[tuple[str, str], ...] = ()) -> Button | None:
    form = form_opened_by(kind, rel)
    if form is not None:  # the action needs input: its button opens the form
        if not call.capabilities.supports(form.collection, form.operation):
            return None
        return Button(form.title, console_link(call, f"{call.base}/{form_path(form, member_id)}"))
    return Button(text or label(rel), console_link(call, href), method, params)


def buttons(call: Call, kind: str, collection: str, data: dict[str, Any]) -> list[Button]:
    """The resource's own ``actions``, the operations its JSON does not list, and destroy."""
    member_id = str(data.get("id", ""))
    member = data.get("href") or call.url(collection, url_segment(member_id))
    found: list[Button] = []
    done: set[str] = set()
    for action in data.get("actions") or []:
        if not (isinstance(action, dict) and "href" in action and "rel" in action):
            continue
        rel = str(action["rel"])
        method = action.get("method") or ("delete" if rel == "destroy" else "post")
        done.add("destroy" if method == "delete" else rel)
        button = _button(call, kind, rel, str(action["href"]), method, member_id)
        if button is not None:
            found.append(button)
    implied = IMPLIED.get(kind)
    for extra in implied(member, data) if implied else []:
        if extra.rel in done or not call.capabilities.supports(extra.collection, extra.operation):
            continue
        button = _button(call, kind, extra.rel, extra.href, extra.method, member_id, extra.label, extra.params)
        if button is not None:
            found.append(button)
    destroy_collection, destroy = SUB_RESOURCES.get(kind, (collection, "destroy"))
    if "destroy" not in done and call.capabilities.supports(destroy_collection, destroy):
        found.append(Button("Destroy", console_link(call, member), "delete"))
    return found


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    """The fields a page lists: identity, state and actions are shown elsewhere, unknown (null) values not at
    all (a blob's content is downloaded, not embedded); very long text is cut."""
    shown = {}
    for key, value in data.items():
        if key in ("id", "href", "state", "actions") or value is None:
            continue
        if isinstance(value, str) and len(value) > LONG_TEXT:
            value = f"{value[:LONG_TEXT]}\n… ({len(value)} characters in all)"
        shown[key] = value
    return shown


def _title(kind: str, data: dict[str, Any]) -> str:
    name, member_id = data.get("name"), data.get("id")
    return f"{label(kind)} {name if name and name != member_id else member_id}"


def member(call: Call, kind: str, plural: str, data: dict[str, Any], status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    collection = SUB_RESOURCES.get(kind, (plural,))[0]
    return _render(call, "member.html", _title(kind, data), status, headers, member_id=data.get("id"),
                   state=data.get("state"), fields=_shown(data), buttons=buttons(call, kind, collection, data))


def details(call: Call, title: str, data: dict[str, Any], back: str | None = None) -> Response:
    """A page of plain facts (command output, the instance state machine): no identity, no buttons."""
    return _render(call, "member.html", title, member_id=None, state=None, fields=_shown(data), buttons=[],
                   back=console_link(call, back) if back else None)


def _summary(item: dict[str, Any]) -> list[tuple[str, str]]:
    """A few short facts for a list card: plain values and the ids of referenced resources."""
    facts_shown: list[tuple[str, str]] = []
    for key, value in item.items():
        if key in ("id", "href", "name", "state", "actions") or len(facts_shown) == _SUMMARY_FIELDS:
            continue
        if isinstance(value, dict) and value.get("id"):
            facts_shown.append((key, str(value["id"])))
        elif isinstance(value, bool | int | float) or (isinstance(value, str) and 0 < len(value) <= 60):
            facts_shown.append((key, str(value)))
    return facts_shown


def listing(call: Call, kind: str, plural: str, items: Iterable[dict[str, Any]], status: int = 200) -> Response:
    cards = [{
        "title": item.get("name") or item.get("id"), "id": item.get("id"), "state": item.get("state"),
        "href": console_link(call, item.get("href") or call.url(plural, url_segment(str(item.get("id"))))),
        "summary": _summary(item),
    } for item in items]
    form = create_form(plural)
    new = None
    if form is not None and call.capabilities.supports(plural, form.operation):
        new = (form.title, console_link(call, f"{call.base}/{form.page}"))
    return _render(call, "list.html", label(plural), status, cards=cards, new=new, plural=plural)


# -- entry point and forms ----------------------------------------------------------------
def entry(call: Call) -> Response:
    caps = call.capabilities
    collections = []
    for name in caps.listed_collections():
        form = create_form(name)
        new = form is not None and caps.supports(name, form.operation)
        collections.append({
            "name": name, "href": console_link(call, call.url(name)),
            "features": [f.name for f in caps.features(name)],
            "new": (form.title, console_link(call, f"{call.base}/{form.page}")) if new and form else None,
        })
    providers = [p.id for p in load_driver(call.driver_name).providers()]
    return _render(call, "entry.html", f"Deltacloud API {API_VERSION}", collections=collections,
                   drivers=driver_names(), providers=providers, switch=call.base)


def form_page(call: Call, form: Form, member_id: str | None, fields: list[dict[str, Any]]) -> Response:
    target = form.target.replace("{id}", url_segment(member_id or ""))
    back = call.url(form.collection, url_segment(member_id)) if member_id is not None else call.url(form.collection)
    return _render(call, "form.html", form.title, form=form, member_id=member_id, fields=fields,
                   action=console_link(call, f"{call.base}/{target}"), back=console_link(call, back))


# -- errors -------------------------------------------------------------------------------
_NEXT_STEPS = {
    400: "Check the values you entered, correct them and send the form again.",
    401: "This cloud needs your credentials. Reload the page and sign in with your user name and password.",
    403: "The cloud refused this operation for your account or for this resource.",
    404: "It may have been deleted, or the address is mistyped. Pick it again from its list.",
    405: "The resource's current state does not allow this action. Open the resource to see what it allows now.",
    406: "Ask for HTML, XML or JSON.",
    409: "It conflicts with the resource's current state (for example it is in use). Reload and try again.",
    412: "The chosen driver does not offer this operation. Choose another driver on the start page.",
    413: "The request is too large.",
    500: "Something went wrong in the server. Try again; if it keeps happening, report it with the time and address.",
}
_SERVER_STEP = "The cloud back end failed or did not answer in time. Wait a moment and try again."


def _same_site(call: Call, referer: str | None) -> str | None:
    origin = f"{call.request.url.scheme}://{call.request.headers.get('host', '')}/"
    return referer if referer and referer.startswith(origin) else None


def error_page(call: Call, error: DeltacloudError, status: int | None = None) -> Response:
    """The HTML error document: status, message and what to do next; never a trace or the form's values."""
    code = status or error.status
    message = error_message(error, status).strip()
    unusable_choice = isinstance(error, UnknownDriver | UnknownProvider)
    home = call.base if unusable_choice else console_link(call, call.base)  # drop a driver that cannot work
    collection = _collection_of(call)
    links = []
    back = _same_site(call, call.request.headers.get("referer"))
    if back is not None:
        links.append(("Back", back))
    segments = _segments(call)
    if collection is not None and len(segments) > 2 and code != 404:  # an action failed: its resource
        links.append((segments[1], console_link(call, _api_url(call, segments[:2]))))
    if collection is not None and code != 412 and len(segments) > 1:
        links.append((label(collection), console_link(call, call.url(collection))))
    links.append(("Start page", home))
    generic = type(error).generic_message if status is None else message
    return _render(call, "error.html", f"{code} - {generic}", code, error_headers(error, code, call.driver_name),
                   home=home, code=code, message=message, url=call.request.url.path,
                   method=call.request.method, next_step=_NEXT_STEPS.get(code, _SERVER_STEP), links=links)
