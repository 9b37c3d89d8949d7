"""The mock cloud: the embedded default driver, a complete cloud kept in the StateStore."""

from deltacloud.capabilities import Capabilities, supports

from .catalogue import STATE_MACHINE
from .compute import MockCompute


class MockDriver(MockCompute):
    name = "mock"
    title = "Mock"
    state_machine = STATE_MACHINE
    capabilities = Capabilities.of(
        supports("drivers", "index", "show"),
        supports("realms", "index", "show"),
        supports("hardware_profiles", "index", "show"),
        supports("images", "index", "show", "create", "destroy"),
        supports(
            "instances", "index", "show", "create", "start", "stop", "reboot", "destroy", "run",
            features=["user_name", "user_data", "authentication_key", "metrics", "realm_filter"],
        ),
        supports("instance_states", "index"),
        supports("keys", "index", "show", "create", "destroy", features=["import_key"]),
    )
