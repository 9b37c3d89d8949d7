"""The browser console's HTML-only form pages (spec §7.18): XML and JSON clients get 406.

One generic handler serves every form of :data:`forms.FORMS`: it checks that the member the form
acts on exists, fills selects from the driver's own collections (realms, images, keys, ...) and
the launch form's ``hwp_*`` inputs from the chosen hardware profile. The app's route table lists
the form pages and gets each one's endpoint from :func:`form_endpoint` on its first request.
"""

from typing import Any
from urllib.parse import urlencode

from deltacloud.driver import OPERATION_METHODS
from deltacloud.model import HardwareProfile
from starlette.responses import Response

from . import pages
from .context import Call
from .forms import FORMS, Field, Form
from .operations import Endpoint, Handler, operation
from .routes_common import found

PROPERTY_TITLES = {"cpu": "CPUs", "memory": "Memory", "storage": "Storage", "architecture": "Architecture",
                   "root_type": "Root device"}


def _choices(call: Call, collections: tuple[str, ...]) -> list[tuple[str, str]] | None:
    """Members of the first of ``collections`` the driver lists, as (id, label); None: type the id instead."""
    for collection in collections:
        if call.capabilities.has_collection(collection):
            items = getattr(call.driver, OPERATION_METHODS[(collection, "index")])({})
            choices = []
            for item in items:
                name = getattr(item, "name", None)
                choices.append((item.id, f"{name} ({item.id})" if name and name != item.id else item.id))
            return choices
    return None


def _profile(call: Call, form: Form) -> dict[str, Any] | None:
    """The hardware profiles the chosen image allows, one of them selected, with its adjustable properties."""
    if not call.capabilities.has_collection("hardware_profiles"):
        return None
    profiles: list[HardwareProfile] = call.driver.hardware_profiles({})
    image_id = call.params.get("image_id")
    image = call.driver.image(image_id) if image_id and call.capabilities.supports("images", "show") else None
    allowed = [p for p in profiles if image is None or p.id in image.hardware_profile_ids] or profiles
    if not allowed:
        return None
    selected = next((p for p in allowed if p.id == call.params.get("hwp_id")), allowed[0])
    page = f"{call.base}/{form.page}"
    keep = {k: v for k, v in call.params.items() if k in ("image_id", "realm_id")}
    return {
        "selected": selected.id,
        "choices": [{"id": p.id, "name": p.name or p.id,
                     "href": pages.console_link(call, f"{page}?{urlencode({**keep, 'hwp_id': p.id})}")}
                    for p in allowed],
        "properties": [{"name": prop.name, "title": PROPERTY_TITLES[prop.name], "unit": prop.unit,
                        "kind": prop.kind, "value": prop.value,
                        "first": prop.first, "last": prop.last, "values": prop.values}
                       for prop in selected.properties],
    }


def _field_view(call: Call, form: Form, field: Field) -> dict[str, Any] | None:
    if field.feature is not None and not call.capabilities.has_feature(form.collection, field.feature):
        return None
    view: dict[str, Any] = {"name": field.name, "label": field.label, "kind": field.kind,
                            "required": field.required, "hint": field.hint,
                            "value": call.params.get(field.name, field.default), "choices": None}
    if field.choices:
        view["choices"] = [(choice, choice) for choice in field.choices]
    elif field.options:
        view["choices"] = _choices(call, field.options)
    if field.kind == "profile":
        view["profile"] = _profile(call, form)
    return view


def _check_member(call: Call, form: Form, member_id: str) -> None:
    """A form about a member that does not exist is a 404, not a form that can only fail."""
    show = (form.collection, "show")
    if show in OPERATION_METHODS and call.capabilities.supports(*show):
        found(getattr(call.driver, OPERATION_METHODS[show])(member_id))


def _form_handler(form: Form) -> Handler:
    def show_form(call: Call) -> Response:
        member_id = call.params.get("id") if "{id}" in form.page else None
        if member_id is not None:
            _check_member(call, form, member_id)
        fields = [view for field in form.fields if (view := _field_view(call, form, field)) is not None]
        return pages.form_page(call, form, member_id, fields)

    show_form.__name__ = f"{form.collection}_{form.operation}_form"
    return show_form


_BY_PAGE = {form.page: form for form in FORMS}


def form_endpoint(page: str) -> Endpoint:
    """The endpoint of the form page ``/api/<page>`` (``page`` as in :data:`forms.FORMS`)."""
    form = _BY_PAGE[page]
    return operation(form.collection, f"{form.operation}_form", needs=form.operation,
                     formats=("html",))(_form_handler(form))
