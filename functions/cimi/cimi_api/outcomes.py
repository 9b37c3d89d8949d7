"""How an operation that changes the cloud answers (spec §10.1): with its result when its Job has
already succeeded, else 202 Accepted with the Job, the operation going on in the cloud."""

from collections.abc import Callable

from starlette.responses import Response

from .common import Document
from .context import CimiCall
from .jobs import Job, job_document, job_uri, succeeded
from .representation import document_response, empty_response


def job_headers(call: CimiCall, job: Job, location: str | None = None) -> dict[str, str]:
    headers = {"CIMI-Job-URI": job_uri(call, job)}
    if location:
        headers["Location"] = location
    return headers


def job_response(call: CimiCall, job: Job, location: str | None = None) -> Response:
    """202 Accepted with the Job: the operation goes on in the cloud."""
    return document_response(call.fmt, job_document(call, job), "Job", status=202,
                             headers=job_headers(call, job, location))


def created_response(call: CimiCall, job: Job, location: str, resource: str,
                     document: Callable[[], Document]) -> Response:
    """201 with the new resource (``document`` is built only then) once its Job succeeded, else the Job."""
    if not succeeded(job):
        return job_response(call, job, location)
    return document_response(call.fmt, document(), resource, status=201, headers=job_headers(call, job, location))


def deleted_response(call: CimiCall, job: Job) -> Response:
    """200 once the deletion's Job succeeded, else the Job."""
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)
