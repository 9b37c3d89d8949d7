"""Jobs: every operation that changes the cloud is tracked as a CIMI Job (spec §10.1).

A Job watches its target until the target reaches the state the operation promises (a started
Machine, an available MachineImage, a gone Volume...). Clouds change state on their own time, so
a Job is re-evaluated whenever it is read, by asking the driver once; serverless-friendly, with
no background worker. A Job may carry one follow-up step, run when the target reaches a given
state (a Machine created STOPPED on a cloud that only launches running machines is stopped as
soon as it runs); concurrent readers claim a step before running it, so it runs once.

Jobs live in the StateStore under the caller's scope and are forgotten after
:data:`RETENTION_MINUTES` once finished.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from deltacloud.errors import Conflict, DeltacloudError, NotFound
from deltacloud.lifecycle import perform_instance_action
from deltacloud.state import Transaction
from starlette.responses import Response

from .common import operation
from .context import CimiCall
from .listing import collection_document, resource_document
from .representation import document_response
from .schema import MACHINE_STATES, MACHINE_TRANSITIONS
from .storage import now
from .timestamps import iso_timestamp

NAMESPACE = "cimi/jobs"
RETENTION_MINUTES = 24 * 60
GONE = "GONE"
FINISHED = ("SUCCESS", "FAILED", "STOPPED")

Job = dict[str, Any]
#: how a watched resource looks now: (its state, or GONE; whether that state will change by itself)
Observer = Callable[[CimiCall, str], tuple[str, bool]]


def _machine(call: CimiCall, machine_id: str) -> tuple[str, bool]:
    instance = call.driver.instance(machine_id)
    raw = (instance.state or "").upper() if instance else ""
    if instance is None or raw in ("FINISH", "TERMINATED"):
        return GONE, False
    state = MACHINE_STATES.get(raw, raw)
    return state, state in MACHINE_TRANSITIONS


_SETTLING = frozenset({"PENDING", "CREATING", "ATTACHING", "DETACHING", "DELETING", "CAPTURING", "SAVING"})


def _image(call: CimiCall, image_id: str) -> tuple[str, bool]:
    image = call.driver.image(image_id)
    if image is None:
        return GONE, False
    raw = (image.state or "AVAILABLE").upper()
    return raw, raw in _SETTLING


def _volume(call: CimiCall, volume_id: str) -> tuple[str, bool]:
    volume = call.driver.storage_volume(volume_id)
    if volume is None:
        return GONE, False
    raw = (volume.state or "AVAILABLE").upper()
    if raw in _SETTLING:
        return raw, True
    if raw == "ERROR":
        return raw, False
    # Attachment is what attach/detach promise, whatever the cloud calls the state (IN-USE, ...)
    return (f"ATTACHED:{volume.instance_id}" if volume.instance_id else "AVAILABLE"), False


def _snapshot(call: CimiCall, snapshot_id: str) -> tuple[str, bool]:
    snapshot = call.driver.storage_snapshot(snapshot_id)
    if snapshot is None:
        return GONE, False
    raw = (snapshot.state or "AVAILABLE").upper()
    raw = "AVAILABLE" if raw == "COMPLETED" else raw
    return raw, raw in _SETTLING


OBSERVERS: dict[str, Observer] = {"machine": _machine, "image": _image, "volume": _volume, "snapshot": _snapshot}


def start_job(
    call: CimiCall,
    action: str,
    target: str,
    watch: tuple[str, str, str] | None,
    affected: tuple[str, ...] = (),
    then: dict[str, str] | None = None,
) -> Job:
    """Record the Job of an operation just performed and evaluate it once.

    ``target`` and ``affected`` are paths under the CIMI root (``machines/inst4``); ``watch`` is
    (kind, backend id, state the operation promises), None for an operation already complete.
    ``then`` is a follow-up machine action ``{"when": state, "action": ..., "until": state}``.
    """
    stamp = now()
    job: Job = {
        "id": uuid.uuid4().hex, "created": stamp, "updated": stamp, "action": action, "target": target,
        "affected": list(affected), "state": "RUNNING", "progress": 0,
    }
    if watch is None:
        _finish(job, "SUCCESS", None)
    else:
        job["watch"] = {"kind": watch[0], "id": watch[1], "until": watch[2]}
        if then:
            job["then"] = then
        _evaluate(call, job, stored=False)
    call.state.transact(lambda tx: tx.put(NAMESPACE, job["id"], job))
    return job


def start_parent_job(call: CimiCall, action: str, target: str, nested: list[Job],
                     affected: tuple[str, ...] = ()) -> Job:
    """A Job made of the Jobs of several operations (a System's members): done when all of them are."""
    stamp = now()
    job: Job = {
        "id": uuid.uuid4().hex, "created": stamp, "updated": stamp, "action": action, "target": target,
        "affected": list(affected), "state": "RUNNING", "progress": 0, "nested": [j["id"] for j in nested],
    }
    _aggregate(job, nested)
    call.state.transact(lambda tx: tx.put(NAMESPACE, job["id"], job))
    return job


def _aggregate(job: Job, nested: list[Job]) -> None:
    failed = [j for j in nested if j["state"] == "FAILED"]
    if failed:
        _finish(job, "FAILED", f"{len(failed)} of {len(nested)} operations failed: "
                               f"{failed[0].get('statusMessage', 'no reason given')}")
    elif all(j["state"] == "SUCCESS" for j in nested):
        _finish(job, "SUCCESS", None)
    else:
        done = sum(1 for j in nested if j["state"] == "SUCCESS")
        job.update(progress=int(100 * done / len(nested)), statusMessage=f"{done} of {len(nested)} operations done")


def succeeded(job: Job) -> bool:
    return job["state"] == "SUCCESS"


def _finish(job: Job, state: str, message: str | None) -> None:
    job.update(state=state, progress=100, returnCode=0 if state == "SUCCESS" else 1, updated=now())
    job.pop("then", None)
    job.pop("statusMessage", None)  # what was under way ("Machine is CREATING") is over
    if message:
        job["statusMessage"] = message


def _evaluate(call: CimiCall, job: Job, stored: bool, abandoned: dict[str, Any] | None = None) -> None:
    """Look at the watched resource once and move the Job on (runs a due follow-up step)."""
    watch = job["watch"]
    try:
        observed, settling = OBSERVERS[watch["kind"]](call, watch["id"])
    except DeltacloudError as error:  # the cloud could not tell: the Job keeps running
        job["statusMessage"] = f"Could not check progress: {error.message}"
        return
    if observed == watch["until"]:
        _finish(job, "SUCCESS", None)
    elif settling:
        job.update(progress=50, statusMessage=f"{watch['kind'].capitalize()} is {observed}")
    elif job.get("then") and observed == job["then"]["when"]:
        _run_follow_up(call, job, stored, abandoned)
    else:
        expected = "gone" if watch["until"] == GONE else watch["until"]
        _finish(job, "FAILED", f"{watch['kind'].capitalize()} '{watch['id']}' is {observed.lower()}, "
                               f"expected {expected.lower()}")


#: set on a stored Job while one reader performs its follow-up step: when it started and the step itself
IN_PROGRESS = "followUpInProgress"
#: a step is one driver call inside one API request (API Gateway ends those after 29 s): a claim older
#: than this was abandoned by a reader that crashed or timed out, and the next reader takes the step over
ABANDONED_AFTER = timedelta(minutes=2)


class _ClaimedElsewhere(Exception):
    """A concurrent reader of the Job took its follow-up step."""


def _abandoned(job: Job) -> bool:
    marker = job.get(IN_PROGRESS)
    if not isinstance(marker, dict):
        return False
    return datetime.fromisoformat(marker["since"]) < datetime.now(UTC) - ABANDONED_AFTER


def _run_follow_up(call: CimiCall, job: Job, stored: bool, abandoned: dict[str, Any] | None = None) -> None:
    """Perform the Job's follow-up step; ``abandoned``: the stale claim of a reader that died midway."""
    step = job.pop("then")
    if stored:  # claim the step first, so that concurrent readers of the Job run it once
        def claim(tx: Transaction) -> bool:
            stored = tx.get(NAMESPACE, job["id"])
            if stored is None:
                return False
            # the step is still due, or (a takeover) still held by the very claim found abandoned
            due = "then" in stored or (abandoned is not None and stored.get(IN_PROGRESS) == abandoned)
            if not due:
                return False
            # the marker tells concurrent readers the step is under way: they must not judge the
            # resource meanwhile (it is still in the step's starting state, not the Job's goal)
            marker = {"since": datetime.now(UTC).isoformat(), "step": step}
            tx.put(NAMESPACE, job["id"], {**{k: v for k, v in stored.items() if k != "then"}, IN_PROGRESS: marker})
            return True

        if not call.state.transact(claim):
            raise _ClaimedElsewhere()
    try:
        perform_instance_action(call.driver, job["watch"]["id"], step["action"])
    except DeltacloudError as error:
        _finish(job, "FAILED", f"Could not {step['action']} machine '{job['watch']['id']}': {error.message}")
        return
    job["watch"]["until"] = step["until"]
    job.update(progress=50, statusMessage=f"Machine is {step['when']}, {step['action']} requested")
    _evaluate(call, job, stored=False)


def refresh(call: CimiCall, job: Job) -> Job:
    """Re-evaluate a running Job and store what changed."""
    if job["state"] in FINISHED:
        return job
    before = job
    if "nested" in job:
        job = dict(job)
        nested = [call.state.get(NAMESPACE, job_id) for job_id in job["nested"]]
        _aggregate(job, [refresh(call, j) if j else _vanished(job_id) for job_id, j in zip(job["nested"], nested,
                                                                                              strict=True)])
    elif job.get(IN_PROGRESS) and not _abandoned(job):  # another reader runs the follow-up step and records it
        return job
    elif "watch" in job:
        job = {**job, "watch": dict(job["watch"])}
        abandoned = job.pop(IN_PROGRESS, None)
        if abandoned:  # its reader died midway: the step is due again unless the resource moved on
            job["then"] = abandoned["step"]
        try:
            _evaluate(call, job, stored=True, abandoned=abandoned)
        except _ClaimedElsewhere:  # another reader runs the follow-up step and records its progress
            return call.state.get(NAMESPACE, job["id"]) or before
    if job != before:
        call.state.transact(lambda tx: tx.put(NAMESPACE, job["id"], job))
    return job


def _vanished(job_id: str) -> Job:
    """A nested Job a client deleted: only finished Jobs can be deleted, so it counts as done."""
    return {"id": job_id, "state": "SUCCESS"}


def job_uri(call: CimiCall, job: Job) -> str:
    return call.url("jobs", job["id"])


def job_document(call: CimiCall, job: Job) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": job_uri(call, job),
        "name": f"{job['action'].rsplit('/', 1)[-1]} {job['target']}",
        "created": iso_timestamp(job["created"]),
        "state": job["state"],
        "targetResource": {"href": call.url(*job["target"].split("/"))},
        "action": job["action"],
        "progress": job["progress"],
        "timeOfStatusChange": iso_timestamp(job["updated"]),
        "isCancellable": False,
    }
    if job["affected"]:
        document["affectedResources"] = [{"href": call.url(*path.split("/"))} for path in job["affected"]]
    if job.get("nested"):
        document["nestedJobs"] = [{"href": call.url("jobs", job_id)} for job_id in job["nested"]]
    if "returnCode" in job:
        document["returnCode"] = job["returnCode"]
    if job.get("statusMessage"):
        document["statusMessage"] = job["statusMessage"]
    if job["state"] in FINISHED:
        document["operations"] = [operation("delete", document["id"])]
    return document


def _expired(job: Job, horizon: datetime) -> bool:
    updated = iso_timestamp(job["updated"])
    return job["state"] in FINISHED and updated is not None and datetime.fromisoformat(updated) < horizon


def jobs_collection(call: CimiCall) -> dict[str, Any]:
    horizon = datetime.now(UTC) - timedelta(minutes=RETENTION_MINUTES)
    jobs = call.state.list(NAMESPACE)
    expired = [job["id"] for job in jobs if _expired(job, horizon)]
    if expired:
        def forget(tx: Transaction) -> None:
            for job_id in expired:
                tx.delete(NAMESPACE, job_id)

        call.state.transact(forget)
    live = sorted((refresh(call, job) for job in jobs if job["id"] not in expired), key=lambda j: j["created"])
    entries = [job_document(call, job) for job in live]
    return collection_document(call, "jobs", "jobs", entries)


def _find(call: CimiCall) -> Job:
    job = call.state.get(NAMESPACE, call.params["id"])
    if job is None:
        raise NotFound(f"Job '{call.params['id']}' not found")
    return job


def show_job(call: CimiCall) -> Response:
    job = refresh(call, _find(call))
    return document_response(call.fmt, resource_document(call, job_document(call, job)), "Job")


def delete_job(call: CimiCall) -> Response:
    job = refresh(call, _find(call))
    if job["state"] not in FINISHED:
        raise Conflict(f"Job '{job['id']}' is still running: it can be deleted once finished")
    call.state.transact(lambda tx: tx.delete(NAMESPACE, job["id"]))
    return Response(b"", status_code=200)
