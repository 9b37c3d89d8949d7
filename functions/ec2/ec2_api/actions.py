"""The action table: each EC2 action, its handler, and the capabilities it needs from the driver.

Handlers register with :func:`action`; the dispatcher refuses an action whose capabilities the
driver's capability object lacks with ``UnsupportedOperation``, before any backend call. The module
registering an action is imported with the first request for one of its actions (cold start), as
:data:`MODULES` says. Each registration also declares the parameter names the action accepts
(:mod:`ec2_api.parameter_names`); the dispatcher refuses any other name with ``UnknownParameter``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module

from .context import Ec2Call
from .errors import ResourceKind
from .parameter_names import ParameterNames

Handler = Callable[[Ec2Call], str]


@dataclass(frozen=True)
class Action:
    name: str
    handler: Handler
    needs: tuple[tuple[str, str], ...]  # (collection, operation) pairs of the capability catalogue
    kind: ResourceKind | None  # what the action is about: words its NotFound / wrong-state errors
    accepts: ParameterNames  # every parameter name the action reads or deliberately ignores


ACTIONS: dict[str, Action] = {}

#: module below ec2_api -> the actions it registers (a test checks this against the registrations)
MODULES: dict[str, tuple[str, ...]] = {
    "addresses": ("DescribeAddresses", "AllocateAddress", "ReleaseAddress", "AssociateAddress", "DisassociateAddress"),
    "images": ("DescribeImages", "CreateImage", "DeregisterImage"),
    "instances": ("DescribeInstances", "DescribeInstanceStatus", "RunInstances", "StartInstances", "StopInstances",
                  "RebootInstances", "TerminateInstances"),
    "keypairs": ("DescribeKeyPairs", "CreateKeyPair", "ImportKeyPair", "DeleteKeyPair"),
    "regions": ("DescribeRegions", "DescribeAvailabilityZones", "DescribeInstanceTypes"),
    "security_groups": ("DescribeSecurityGroups", "CreateSecurityGroup", "DeleteSecurityGroup",
                        "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"),
    "tags": ("CreateTags", "DeleteTags", "DescribeTags"),
    "volumes": ("DescribeVolumes", "CreateVolume", "DeleteVolume", "AttachVolume", "DetachVolume", "DescribeSnapshots",
                "CreateSnapshot", "DeleteSnapshot"),
}
#: every action this front-end offers -> its module
MODULE_OF: dict[str, str] = {name: module for module, names in MODULES.items() for name in names}


def find_action(name: str) -> Action | None:
    """The action called ``name``, its module imported if need be; None when EC2 has no such action here."""
    module = MODULE_OF.get(name)
    if module is None:
        return None
    if name not in ACTIONS:
        import_module(f"{__package__}.{module}")
    return ACTIONS[name]


def action(
    name: str, *needs: str, params: Iterable[str], kind: ResourceKind | None = None
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for EC2 action ``name``; ``needs`` are ``"collection.operation"`` strings and
    ``params`` the patterns of the parameter names it accepts (``DryRun`` is added for every action)."""
    accepts = ParameterNames(params)  # checked at import, compiled with the action's first call

    def register(handler: Handler) -> Handler:
        pairs = tuple(tuple(need.split(".", 1)) for need in needs)
        ACTIONS[name] = Action(name, handler, pairs, kind, accepts)  # type: ignore[arg-type]
        return handler

    return register
