"""Performing an action on every tagged resource of one tenant's driver/provider.

The same driver calls as the API front-ends: instance actions are checked against the driver's state
machine (``deltacloud.lifecycle``), snapshots go through ``Driver.create_storage_snapshot``. A resource
whose state does not allow the action (already stopped, still pending, ...) is skipped, not an error:
that is what makes a repeated ``stop`` harmless. One listing call finds the resources; an instance is read
again just before it is acted on, since a run may take minutes and its state may have changed. Each call
is metered like an API call (front-end ``automation``), so a hosted proxy bills it to the tenant.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deltacloud.driver import Driver
from deltacloud.errors import ActionNotAllowed, DeltacloudError, NotFound, NotSupported
from deltacloud.lifecycle import perform_instance_action
from deltacloud.metering import meter_call, outcome_of
from deltacloud.model import Instance, StorageVolume

from .request import ActionRequest

#: the capabilities each action needs, checked before any backend call
REQUIRED: dict[str, list[tuple[str, str]]] = {
    "stop": [("instances", "index"), ("instances", "stop")],
    "start": [("instances", "index"), ("instances", "start")],
    "snapshot": [("storage_volumes", "index"), ("storage_snapshots", "create")],
}


@dataclass
class Outcome:
    """What a run did: ``done`` and ``skipped`` are final, ``failed`` targets are retried."""

    done: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def check_capabilities(driver: Driver, action: str) -> None:
    capabilities = driver.introspect()
    for collection, operation in REQUIRED[action]:
        if not capabilities.supports(collection, operation):
            raise NotSupported(f"{operation}_{collection}", f"Driver '{driver.context.driver}' cannot {operation} "
                               f"{collection.replace('_', ' ')}: '{action}' is not possible")


def targets(driver: Driver, request: ActionRequest) -> list[str]:
    """Ids of the tagged resources the action applies to (one listing call)."""
    listed: Sequence[Instance | StorageVolume] = (
        driver.storage_volumes({}) if request.action == "snapshot" else driver.instances({}))
    return [resource.id for resource in listed if request.tag_matches(resource.tags)]


def perform(
    driver: Driver, request: ActionRequest, ids: Sequence[str], handled: set[str], key: str,
    record_handled: Callable[[str], None],
) -> Outcome:
    outcome = Outcome()
    for resource_id in ids:
        if resource_id in handled:
            outcome.skipped.append({"id": resource_id, "reason": "handled by an earlier delivery"})
            continue
        try:
            result = _act(driver, request, resource_id, key)
        except (ActionNotAllowed, NotFound) as error:
            outcome.skipped.append({"id": resource_id, "reason": error.message})
            continue
        except DeltacloudError as error:
            _meter(driver, request, error.status)
            outcome.failed.append({"id": resource_id, "error": error.message, "status": error.status})
            continue
        _meter(driver, request, 200)
        record_handled(resource_id)
        outcome.done.append(result)
    return outcome


def _act(driver: Driver, request: ActionRequest, resource_id: str, key: str) -> dict[str, Any]:
    if request.action == "snapshot":
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        snapshot = driver.create_storage_snapshot(
            resource_id, f"{request.tag.replace('=', '-')}-{day}", f"deltacloud automation ({key})"
        )
        return {"id": resource_id, "snapshot_id": snapshot.id}
    # read again, not acted on as listed: a run may take minutes, and an instance stopped meanwhile must be
    # skipped (ActionNotAllowed), not failed by a cloud refusing to stop it twice
    changed = perform_instance_action(driver, resource_id, request.action)
    return {"id": resource_id, "state": changed.state if changed else None}


def _meter(driver: Driver, request: ActionRequest, status: int) -> None:
    operation = "storage_snapshots.create" if request.action == "snapshot" else f"instances.{request.action}"
    meter_call("automation", operation, driver.context.driver, request.tenant, outcome_of(status))
