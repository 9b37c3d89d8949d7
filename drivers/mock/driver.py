"""The mock cloud: the embedded default driver, a complete cloud kept in the StateStore."""

from deltacloud.capabilities import Capabilities, supports

from .addresses import MockAddresses
from .balancers import MockBalancers
from .blobs import MockBlobs
from .catalogue import STATE_MACHINE
from .compute import MockCompute
from .firewalls import MockFirewalls
from .monitoring import MockMetrics
from .network import MockNetwork
from .storage import MockStorage


class MockDriver(MockCompute, MockStorage, MockBlobs, MockAddresses, MockFirewalls, MockBalancers, MockMetrics,
                 MockNetwork):
    name = "mock"
    title = "Mock"
    state_machine = STATE_MACHINE
    capabilities = Capabilities.of(
        supports("drivers", "index", "show"),
        supports("realms", "index", "show"),
        supports("hardware_profiles", "index", "show"),
        supports("images", "index", "show", "create", "destroy", features=["image_name", "image_description"]),
        supports(
            "instances", "index", "show", "create", "start", "stop", "reboot", "destroy", "run",
            features=["user_name", "user_data", "authentication_key", "metrics", "realm_filter", "firewalls",
                      "instance_count"],
        ),
        supports("instance_states", "index"),
        supports("keys", "index", "show", "create", "destroy", features=["import_key"]),
        supports("storage_volumes", "index", "show", "create", "destroy", "attach", "detach",
                 features=["volume_name", "volume_description"]),
        supports("storage_snapshots", "index", "show", "create", "destroy"),
        supports(
            "buckets", "index", "show", "create", "destroy",
            "blob_show", "blob_create", "blob_destroy", "blob_metadata", "blob_update_metadata", "blob_content",
            features=["bucket_location"],
        ),
        supports("addresses", "index", "show", "create", "destroy", "associate", "disassociate"),
        supports("firewalls", "index", "show", "create", "destroy", "rule_create", "rule_destroy"),
        supports("load_balancers", "index", "show", "create", "destroy", "register", "unregister"),
        supports("metrics", "index", "show"),
        supports("networks", "index", "show", "create", "destroy"),
        supports("subnets", "index", "show", "create", "destroy"),
        supports("network_interfaces", "index", "show", "create", "destroy"),
    )
