"""The mock cloud's metrics: one per instance, with real-looking one-minute samples (spec §7.14).

Samples are derived from (instance, property, minute), so reading a metric twice within a minute
gives the same figures, as a real monitoring service would; a stopped instance reports zeros.
"""

import random
import time

from deltacloud.driver import Filters
from deltacloud.model import Metric, MetricProperty, MetricSample

from .base import MockBase
from .state import matches

PERIOD = 60  # seconds per sample
SAMPLES = 6
#: property -> (unit, lowest, highest average per period, decimals)
PROPERTIES: dict[str, tuple[str, float, float, int]] = {
    "cpuUtilization": ("Percent", 0.5, 85.0, 2),
    "diskReadRequestCount": ("Count", 2, 400, 0),
    "diskReadSector": ("Count", 16, 25_000, 0),
    "diskWriteRequestCount": ("Count", 2, 300, 0),
    "diskWriteSector": ("Count", 16, 20_000, 0),
    "nicInputByte": ("Bytes", 20_000, 8_000_000, 0),
    "nicInputPacket": ("Count", 40, 9_000, 0),
    "nicOutputByte": ("Bytes", 15_000, 6_000_000, 0),
    "nicOutputPacket": ("Count", 30, 7_000, 0),
}


def _sample(instance_id: str, name: str, stamp: int, running: bool) -> MetricSample:
    unit, low, high, decimals = PROPERTIES[name]
    if not running:
        return MetricSample(minimum=0, maximum=0, average=0, timestamp=stamp, unit=unit)
    rng = random.Random(f"{instance_id}/{name}/{stamp}")
    average = rng.uniform(low, high)
    minimum = average * rng.uniform(0.3, 0.95)
    maximum = average * rng.uniform(1.05, 1.8)
    if unit == "Percent":
        maximum = min(maximum, 100.0)
    return MetricSample(minimum=round(minimum, decimals), maximum=round(maximum, decimals),
                        average=round(average, decimals), timestamp=stamp, unit=unit)


class MockMetrics(MockBase):
    def _instances(self, filters: Filters) -> list[dict[str, object]]:
        user = self._authorize()
        return [r for r in self._state().list("instances") if matches(r, {**filters, "owner_id": user},
                                                                      ("id", "owner_id"))]

    def metrics(self, filters: Filters) -> list[Metric]:
        return [
            Metric(id=str(r["id"]), entity=_entity(r), properties=[MetricProperty(name=n) for n in PROPERTIES])
            for r in self._instances(filters)
        ]

    def metric(self, metric_id: str) -> Metric | None:
        record = next(iter(self._instances({"id": metric_id})), None)
        if record is None:
            return None
        latest = int(time.time()) // PERIOD * PERIOD
        stamps = [latest - i * PERIOD for i in range(SAMPLES)]
        running = record.get("state") == "RUNNING"
        properties = [
            MetricProperty(name=name, samples=[_sample(metric_id, name, s, running) for s in stamps])
            for name in PROPERTIES
        ]
        return Metric(id=metric_id, entity=_entity(record), properties=properties)


def _entity(record: dict[str, object]) -> str:
    name = record.get("name")
    return str(name) if name is not None else str(record["id"])
