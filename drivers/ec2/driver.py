"""The AWS driver: EC2, EBS, S3, Elastic IPs, security groups, classic ELB and CloudWatch on boto3.

Registered as ``ec2``, the name Deltacloud clients already use. Providers are AWS regions. boto3
is imported only when a request reaches AWS (never when the registry lists drivers).
"""

from deltacloud.capabilities import Capabilities, supports

from .addresses import EC2Addresses
from .blobs import EC2Blobs
from .firewalls import EC2Firewalls
from .images import EC2Images
from .keys import EC2Keys
from .load_balancers import EC2LoadBalancers
from .monitoring import EC2Monitoring
from .states import STATE_MACHINE
from .storage import EC2Storage


class EC2Driver(EC2Monitoring, EC2Images, EC2Keys, EC2Storage, EC2Blobs, EC2Addresses, EC2Firewalls,
                EC2LoadBalancers):
    name = "ec2"
    title = "EC2"
    state_machine = STATE_MACHINE
    capabilities = Capabilities.of(
        supports("drivers", "index", "show"),
        supports("realms", "index", "show"),
        supports("hardware_profiles", "index", "show"),
        supports("images", "index", "show", "create", "destroy",
                 features=["owner_id", "image_name", "image_description"]),
        supports(
            "instances", "index", "show", "create", "start", "stop", "reboot", "destroy",
            features=["user_name", "user_data", "authentication_key", "firewalls", "instance_count", "metrics",
                      "realm_filter", "attach_snapshot", "register_to_load_balancer"],
        ),
        supports("instance_states", "index"),
        supports("keys", "index", "show", "create", "destroy", features=["import_key"]),
        supports("storage_volumes", "index", "show", "create", "destroy", "attach", "detach",
                 features=["volume_name", "volume_description"]),
        supports("storage_snapshots", "index", "show", "create", "destroy"),
        supports("buckets", "index", "show", "create", "destroy", "blob_show", "blob_create", "blob_destroy",
                 "blob_metadata", "blob_update_metadata", "blob_content", features=["bucket_location"]),
        supports("addresses", "index", "show", "create", "destroy", "associate", "disassociate"),
        supports("firewalls", "index", "show", "create", "destroy", "rule_create", "rule_destroy"),
        supports("load_balancers", "index", "show", "create", "destroy", "register", "unregister"),
        supports("metrics", "index", "show"),
    )
