"""Metrics of instances from CloudWatch.

One metric per instance (id = instance id), with the classic API's property names mapped onto
the ``AWS/EC2`` metrics. The member route reads the last hour in 5-minute samples with one
GetMetricData call (minimum, maximum and average of every property at once).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from deltacloud.driver import Filters
from deltacloud.model import Metric, MetricProperty, MetricSample

from .compute import EC2Compute

#: classic property name -> (CloudWatch metric of AWS/EC2, unit)
PROPERTIES: dict[str, tuple[str, str]] = {
    "cpuUtilization": ("CPUUtilization", "Percent"),
    "diskReadByte": ("DiskReadBytes", "Bytes"),
    "diskReadRequestCount": ("DiskReadOps", "Count"),
    "diskWriteByte": ("DiskWriteBytes", "Bytes"),
    "diskWriteRequestCount": ("DiskWriteOps", "Count"),
    "nicInputByte": ("NetworkIn", "Bytes"),
    "nicInputPacket": ("NetworkPacketsIn", "Count"),
    "nicOutputByte": ("NetworkOut", "Bytes"),
    "nicOutputPacket": ("NetworkPacketsOut", "Count"),
}
PERIOD = 300
WINDOW = timedelta(hours=1)
_STATISTICS = {"minimum": "Minimum", "maximum": "Maximum", "average": "Average"}


def _query(instance_id: str, index: int, metric: str, statistic: str) -> dict[str, Any]:
    return {
        "Id": f"m{index}_{statistic.lower()}",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/EC2", "MetricName": metric,
                       "Dimensions": [{"Name": "InstanceId", "Value": instance_id}]},
            "Period": PERIOD,
            "Stat": statistic,
        },
    }


class EC2Monitoring(EC2Compute):
    def metrics(self, filters: Filters) -> list[Metric]:
        instances = self.instances({"id": filters["id"]} if filters.get("id") else {})
        names = [MetricProperty(name=name) for name in PROPERTIES]
        return [Metric(id=i.id, entity=i.name or i.id, properties=names) for i in instances]

    def metric(self, metric_id: str) -> Metric | None:
        instance = self.instance(metric_id)
        if instance is None:
            return None
        queries = [
            _query(instance.id, index, metric, statistic)
            for index, (metric, _unit) in enumerate(PROPERTIES.values())
            for statistic in _STATISTICS.values()
        ]
        end = datetime.now(UTC)
        answer = self.aws.call("cloudwatch", "get_metric_data", MetricDataQueries=queries,
                               StartTime=end - WINDOW, EndTime=end, ScanBy="TimestampDescending")
        values: dict[str, dict[datetime, float]] = {
            r["Id"]: dict(zip(r.get("Timestamps", []), r.get("Values", []), strict=False))
            for r in answer.get("MetricDataResults", [])
        }
        properties = []
        for index, (name, (_metric, unit)) in enumerate(PROPERTIES.items()):
            series = {key: values.get(f"m{index}_{statistic.lower()}", {}) for key, statistic in _STATISTICS.items()}
            stamps = sorted(set().union(*series.values()), reverse=True)
            samples = [
                MetricSample(minimum=series["minimum"].get(t, 0.0), maximum=series["maximum"].get(t, 0.0),
                             average=series["average"].get(t, 0.0), timestamp=int(t.timestamp()), unit=unit)
                for t in stamps
            ]
            properties.append(MetricProperty(name=name, samples=samples))
        return Metric(id=instance.id, entity=instance.name or instance.id, properties=properties)
