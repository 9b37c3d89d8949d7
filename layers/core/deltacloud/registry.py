"""Drivers are plugins: every driver, built-in or third-party, registers in one entry-point group.

Listing the registry reads package metadata only; a driver module is imported when the driver
is first used, so no cloud SDK is loaded for a request that does not need it.
"""

from functools import cache
from importlib.metadata import entry_points

from .driver import Driver
from .errors import UnknownDriver

ENTRY_POINT_GROUP = "deltacloud.drivers"


@cache
def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def driver_names() -> list[str]:
    """Registered driver names, sorted, without importing any driver."""
    return sorted(_entry_points())


@cache
def load_driver(name: str) -> type[Driver]:
    """The driver class registered as ``name``; UnknownDriver lists the known ones."""
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        driver = ep.load()
        if not (isinstance(driver, type) and issubclass(driver, Driver)):
            raise TypeError(f"entry point {name!r} ({ep.value}) is not a Driver subclass")
        return driver
    raise UnknownDriver(name, driver_names())
