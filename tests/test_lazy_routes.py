"""The front-ends' route and action tables name code that is imported on first use (cold start): every
name must resolve, or the first request that takes the route would fail instead of being served."""

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from starlette.routing import Route


def lazy_targets(function: Callable[..., Any], depth: int = 3) -> list[Any]:
    """The lazily imported functions an endpoint stands for or wraps (found in its closures)."""
    if callable(getattr(function, "load", None)):
        return [function]
    found: list[Any] = []
    for cell in getattr(function, "__closure__", None) or ():
        value = cell.cell_contents
        if callable(getattr(value, "load", None)):
            found.append(value)
        elif inspect.isfunction(value) and depth:
            found += lazy_targets(value, depth - 1)
    return found


def routes(app: Any) -> list[Route]:
    while not hasattr(app, "routes"):  # the front-end's middleware around the Starlette app
        app = app.app
    return app.routes


@pytest.mark.parametrize("module", ["classic_api.app", "cimi_api.app"])
def test_every_lazy_route_target_resolves(module: str) -> None:
    table = routes(importlib.import_module(module).app)
    targets = [target for route in table for target in lazy_targets(route.endpoint)]
    assert len(targets) > len(table) / 2  # the test finds them: most routes are lazy
    for target in targets:
        loaded = target.load()
        assert callable(loaded), target.__name__
        if inspect.iscoroutinefunction(target):  # an endpoint must stay an endpoint
            assert inspect.iscoroutinefunction(loaded), target.__name__


def test_classic_form_pages_are_the_forms_of_the_console() -> None:
    from classic_api.app import FORM_PAGES
    from classic_api.forms import FORMS

    assert tuple(form.page for form in FORMS) == FORM_PAGES


def test_cimi_catalogue_names_every_collection_and_kind() -> None:
    from cimi_api.catalogue import COLLECTION_BUILDERS, COLLECTION_PATHS, DRIVER_KINDS, driver_kind, local_kind
    from cimi_api.driver_kinds import DriverKind
    from cimi_api.local_kinds import LocalKind
    from cimi_api.schema import COLLECTIONS
    from deltacloud.lazy_import import resolve

    assert sorted(COLLECTION_PATHS) == sorted(c.path for c in COLLECTIONS)
    for path, builder in COLLECTION_BUILDERS.items():
        assert callable(resolve(f"cimi_api.{builder}")), path
    for path in set(COLLECTION_PATHS) - set(COLLECTION_BUILDERS) - set(DRIVER_KINDS):
        kind = local_kind(path)
        assert isinstance(kind, LocalKind) and kind.path == path
    for path in DRIVER_KINDS:  # looked up only when a request comes: a wrong name must fail here
        held = driver_kind(path)
        assert isinstance(held, DriverKind) and held.path == path


def test_ec2_action_table_matches_the_registered_actions() -> None:
    from ec2_api.actions import ACTIONS, MODULE_OF, MODULES, find_action

    for module in MODULES:
        importlib.import_module(f"ec2_api.{module}")
    assert set(ACTIONS) == set(MODULE_OF)
    for name, action in ACTIONS.items():
        assert action.handler.__module__ == f"ec2_api.{MODULE_OF[name]}", name
        assert find_action(name) is action
    assert find_action("LaunchRockets") is None
