"""A fix for libcloud's OpenStack compute drivers (OpenStack, Rackspace), used where they are opened.

libcloud 3.9's ``OpenStack_1_1_NodeDriver.create_node`` accepts ``ex_admin_pass`` but never
passes it on to the request it builds, so a requested root password would be dropped silently.
The subclass made here carries it into the server parameters (``adminPass``), which Nova and
Rackspace honour. This module is only imported when such a driver is opened.
"""

from functools import cache, wraps
from typing import Any


@cache
def sending_admin_pass(driver_class: type) -> type:
    """``driver_class`` with ``create_node(..., ex_admin_pass=...)`` really sending the password."""

    class WithAdminPass(driver_class):  # type: ignore[valid-type, misc]
        _admin_pass: str | None = None

        @wraps(driver_class.create_node)  # keeps the signature the adapter reads launch parameters from
        def create_node(self, *args: Any, ex_admin_pass: str | None = None, **kwargs: Any) -> Any:
            self._admin_pass = ex_admin_pass  # opened drivers are per thread: no other request sees it
            try:
                return super().create_node(*args, **kwargs)
            finally:
                self._admin_pass = None

        def _create_args_to_params(self, node: Any, **kwargs: Any) -> dict[str, Any]:
            params: dict[str, Any] = super()._create_args_to_params(node, **kwargs)
            if self._admin_pass:
                params["adminPass"] = self._admin_pass
            return params

    WithAdminPass.__name__ = WithAdminPass.__qualname__ = driver_class.__name__
    return WithAdminPass
