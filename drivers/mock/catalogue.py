"""The mock cloud's static catalogue: realms, hardware profiles, life cycle (spec §10.3-10.4).

Realms and hardware profiles are built on first use, not at import: building them validates their
models, which builds those models' (deferred) schemas, so a cold start pays for that only when its
request needs them.
"""

from functools import cache

from deltacloud.model import HardwareProfile, HardwareProperty, Realm, StateMachine

_P = HardwareProperty


@cache
def realms() -> list[Realm]:
    return [
        Realm(id="us", name="United States"),
        Realm(id="eu", name="Europe"),
    ]


@cache
def hardware_profiles() -> list[HardwareProfile]:
    return [
        HardwareProfile(id="m1-small", name="m1-small", properties=[
            _P.fixed("cpu", 1), _P.fixed("memory", 1740.8), _P.fixed("storage", 160), _P.fixed("architecture", "i386"),
        ]),
        HardwareProfile(id="m1-large", name="m1-large", properties=[
            _P.range("cpu", 1, 6), _P.range("memory", 7680, 15360, default=10240),
            _P.enum("storage", [850, 1024]), _P.fixed("architecture", "x86_64"),
        ]),
        HardwareProfile(id="m1-xlarge", name="m1-xlarge", properties=[
            _P.fixed("cpu", 4), _P.range("memory", 12288, 32768),
            _P.enum("storage", [1024, 2048, 4096]), _P.fixed("architecture", "x86_64"),
        ]),
        HardwareProfile(id="opaque", name="opaque"),
    ]


STATE_MACHINE = StateMachine.parse(
    "start -create-> pending",
    "pending -> running",
    "running -reboot-> running",
    "running -stop-> stopped",
    "stopped -start-> running",
    "stopped -destroy-> finish",
)

#: realm ids that make the mock fail like a real cloud can, to exercise error paths end to end
FAULT_REALMS = {"500", "501", "502", "504"}
