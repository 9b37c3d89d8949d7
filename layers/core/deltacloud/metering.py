"""Pay-per-call metering: one CloudWatch EMF record per API call.

Each record carries a ``Calls`` count with the front-end as its only dimension (cheap metrics)
and, as searchable properties, the tenant, operation, driver and outcome a hosted proxy bills
from. In Lambda the record goes to stdout (CloudWatch Logs turns it into metrics); locally it is
appended to ``<data dir>/metering.log``, the file ``deltacloud usage`` reads.
"""

import contextlib
import json
import os
import threading
import time
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.types import CloudWatchEMFOutput

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Deltacloud")
Outcome = Literal["success", "client_error", "auth_error", "server_error", "backend_error"]

_lock = threading.Lock()


def outcome_of(status: int) -> Outcome:
    """Classify an HTTP status the way the bill shows it."""
    if status < 400:
        return "success"
    if status in (401, 403):
        return "auth_error"
    if status < 500:
        return "client_error"
    return "backend_error" if status in (502, 503, 504) else "server_error"


@cache
def _template(frontend: str) -> "CloudWatchEMFOutput":
    """Powertools' EMF record for one call of a front-end, built once: per call only the timestamp
    and the billing properties change, and building the record anew cost more than the request's
    own routing."""
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=f"deltacloud-{frontend}")
    metrics.add_dimension(name="frontend", value=frontend)
    metrics.add_metric(name="Calls", unit=MetricUnit.Count, value=1)
    return metrics.serialize_metric_set()


def emf_record(frontend: str, operation: str, driver: str, tenant: str | None, outcome: Outcome) -> dict[str, Any]:
    template = _template(frontend)
    return {
        **template,
        "_aws": {**template["_aws"], "Timestamp": int(time.time() * 1000)},
        "tenant": tenant or "anonymous",
        "operation": operation,
        "driver": driver,
        "outcome": outcome,
    }


def meter_call(frontend: str, operation: str, driver: str, tenant: str | None, outcome: Outcome) -> None:
    """Emit the metering record of one call (never raises into the request)."""
    line = json.dumps(emf_record(frontend, operation, driver, tenant, outcome), separators=(",", ":"))
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        print(line, flush=True)
        return
    data_dir = os.environ.get("DELTACLOUD_DATA_DIR")
    if not data_dir:
        return
    # metering must never fail a request; the Lambda path has no such failure mode
    with _lock, contextlib.suppress(OSError):
        _log_file(data_dir).write(line + "\n")


@cache
def _log_file(data_dir: str) -> IO[str]:
    """One line-buffered append handle per process: opening the file per call cost more than the call."""
    path = Path(data_dir) / "metering.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a", buffering=1)
