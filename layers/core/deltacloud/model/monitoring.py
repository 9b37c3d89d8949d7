"""Metrics of monitored entities (instances)."""



from .base import Model, Resource


class MetricSample(Model):
    minimum: float
    maximum: float
    average: float
    timestamp: int  # unix seconds
    unit: str


class MetricProperty(Model):
    name: str
    samples: list[MetricSample] | None = None  # None in listings: samples only on the member


class Metric(Resource):
    entity: str | None = None
    properties: list[MetricProperty]
