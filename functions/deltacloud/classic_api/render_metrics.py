"""XML and JSON shapes of metrics (spec §7.14): samples only on the member document."""

from typing import Any

from deltacloud.model import Metric, MetricSample

from .context import Call
from .rendering import Renderer
from .xml import XmlWriter

_SAMPLE_FIELDS = ("minimum", "maximum", "average", "timestamp", "unit")


def _value(value: object) -> object:
    """Whole numbers without a trailing ``.0`` (``12``, not ``12.0``); fractions as they are."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _sample(sample: MetricSample) -> dict[str, Any]:
    return {name: _value(getattr(sample, name)) for name in _SAMPLE_FIELDS}


def metric_xml(out: XmlWriter, call: Call, metric: Metric) -> None:
    out.open("metric", {"href": call.url("metrics", metric.id), "id": metric.id})
    out.leaf("entity", metric.entity if metric.entity is not None else metric.id)
    out.open("properties")
    for prop in metric.properties:
        out.open(prop.name)
        for sample in prop.samples or []:
            out.open("sample")
            for name, value in _sample(sample).items():
                out.empty("property", {"name": name, "value": value})
            out.close("sample")
        out.close(prop.name)
    out.close("properties").close("metric")


def metric_json(call: Call, metric: Metric) -> dict[str, Any]:
    return {
        "id": metric.id, "href": call.url("metrics", metric.id),
        "entity": metric.entity if metric.entity is not None else metric.id,
        "properties": [
            {"name": p.name, "values": None if p.samples is None else [_sample(s) for s in p.samples]}
            for p in metric.properties
        ],
    }


METRIC = Renderer("metric", "metrics", metric_xml, metric_json)
