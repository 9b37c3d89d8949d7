"""Metrics of monitored entities (instances)."""

from pydantic import BaseModel

from .base import Resource


class MetricSample(BaseModel):
    minimum: float
    maximum: float
    average: float
    timestamp: int  # unix seconds
    unit: str


class MetricProperty(BaseModel):
    name: str
    samples: list[MetricSample] | None = None  # None in listings: samples only on the member


class Metric(Resource):
    entity: str | None = None
    properties: list[MetricProperty]
