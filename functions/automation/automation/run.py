"""One automation run: parse the event, claim it, act on the tagged resources, report.

The report (also the function's return value) says what was done, skipped and failed, with an HTTP-like
``status``: 200 done (or a duplicate delivery: ``duplicate`` true, nothing done again), 400 an invalid
event or unknown driver/provider, 401 a tenant without credentials for the driver, 409 the same run is
in progress elsewhere, 412 the driver cannot do the action, 5xx the cloud failed (progress is kept:
a retry acts only on what is left).
"""

from typing import Any

from deltacloud.credentials import Tenant
from deltacloud.errors import DeltacloudError
from deltacloud.runtime import get_runtime

from .actions import check_capabilities, perform, targets
from .ledger import Ledger
from .request import Delivery, parse_delivery


def run(event: Any, request_id: str, lease_seconds: float) -> dict[str, Any]:
    try:
        delivery = parse_delivery(event, request_id)
    except DeltacloudError as error:
        return {"status": error.status, "error": error.message}
    report: dict[str, Any] = {**_describe(delivery), "duplicate": False, "done": [], "skipped": [], "failed": []}
    request = delivery.request
    try:
        driver = get_runtime().driver(request.driver, request.provider, lambda: Tenant(request.tenant))
        check_capabilities(driver, request.action)
        driver.context.credentials()  # a tenant without credentials for the driver leaves no trace
        ledger = Ledger(driver.context.state(), delivery.key)
        claim = ledger.claim(lease_seconds)
    except DeltacloudError as error:
        return {**report, "status": error.status, "error": error.message}
    if claim.finished is not None:
        return {**claim.finished, "duplicate": True}
    try:
        outcome = perform(driver, request, targets(driver, request), claim.handled, delivery.key, ledger.handled)
        report.update(done=outcome.done, skipped=outcome.skipped, failed=outcome.failed)
        if outcome.failed:
            ledger.release()
            return {**report, "status": max(f["status"] for f in outcome.failed), "error": "some actions failed"}
        report["status"] = 200
        ledger.finish(report)  # only then done: a retry acts on what the ledger says is left
    except DeltacloudError as error:
        ledger.release()
        return {**report, "status": error.status, "error": error.message}
    except Exception:  # a bug (ours or a driver's): Lambda retries the event, which must find it unclaimed
        ledger.release()
        raise
    return report


def _describe(delivery: Delivery) -> dict[str, Any]:
    request = delivery.request
    return {
        "action": request.action, "tag": request.tag, "tenant": request.tenant, "driver": request.driver,
        "provider": request.provider, "key": delivery.key, "source": delivery.source,
    }
