"""Drivers are plugins: every driver, built-in or third-party, registers in one entry-point group.

Listing the registry reads package metadata only; a driver module is imported when the driver
is first used, so no cloud SDK is loaded for a request that does not need it.
"""

import logging
from contextlib import suppress
from functools import cache
from importlib.metadata import entry_points

from .driver import Driver
from .errors import DriverUnavailable, UnknownDriver

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "deltacloud.drivers"


@cache
def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def driver_names() -> list[str]:
    """Registered driver names, sorted, without importing any driver."""
    return sorted(_entry_points())


@cache
def load_driver(name: str) -> type[Driver]:
    """The driver class registered as ``name``; UnknownDriver lists the known ones, DriverUnavailable
    says that a registered plugin is broken (not cached: a fixed installation is picked up)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            driver = ep.load()
        except Exception:  # any error a plugin's import raises; its traceback goes to the log only
            logger.exception("driver %r (%s) cannot be loaded", name, ep.value)
            raise DriverUnavailable(name) from None
        if not (isinstance(driver, type) and issubclass(driver, Driver)):
            logger.error("driver %r (%s) is not a Driver subclass", name, ep.value)
            raise DriverUnavailable(name)
        return driver
    raise UnknownDriver(name, driver_names())


def loadable_drivers() -> list[type[Driver]]:
    """The registered drivers that load, sorted by name: one broken plugin does not hide the others."""
    loaded = []
    for name in driver_names():
        with suppress(DriverUnavailable):  # logged by load_driver
            loaded.append(load_driver(name))
    return loaded
