"""One EC2 request from bytes to bytes: parse, authenticate, check the parameter names, pick the driver, check
capabilities, run, render.

Everything here is synchronous and runs in the thread pool (credential stores and drivers may block; see
:func:`deltacloud.blocking.run_blocking`); the request is metered exactly once, whatever its outcome.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from deltacloud.errors import DeltacloudError
from deltacloud.metering import meter_call, outcome_of
from deltacloud.runtime import get_runtime
from deltacloud.sigv4 import SignedRequest

from .actions import MODULE_OF, Action, find_action
from .auth import authenticate
from .context import Ec2Call, driver_name, provider_name
from .errors import Ec2Error, from_core, unknown_parameter, unsupported
from .protocol import Query, parse_query
from .responses import error_document, success_document

logger = logging.getLogger(__name__)

FRONTEND = "ec2"


@dataclass(frozen=True)
class Incoming:
    """What arrived: the signed forms of the request (see auth.authenticate) and its parts."""

    signed_forms: Sequence[SignedRequest]
    query_string: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def handle(incoming: Incoming) -> tuple[int, bytes]:
    """Serve one request; returns the HTTP status and the XML document."""
    request_id = str(uuid.uuid4())
    runtime = get_runtime()
    driver = driver_name(incoming.headers, runtime.settings)
    metered_action = "unknown"
    tenant_id: str | None = None
    spec: Action | None = None
    try:
        try:
            query: Query | None = parse_query(
                incoming.query_string, incoming.body, incoming.headers.get("content-type", "")
            )
            parse_error = None
        except Ec2Error as error:  # reported after authentication: strangers learn nothing about parsing
            query, parse_error = None, error
        if query is not None and query.action in MODULE_OF:
            metered_action = query.action
        caller = authenticate(incoming.signed_forms, runtime.credential_store)
        tenant_id = caller.tenant.id
        if parse_error is not None or query is None:
            raise parse_error or Ec2Error("MalformedQueryString", "The request could not be parsed.")
        if not query.action:
            raise Ec2Error("MissingAction", "The request must contain the parameter Action")
        spec = find_action(query.action)
        if spec is None:
            raise Ec2Error("InvalidAction", f"The action {query.action[:100]} is not valid for this web service.")
        unknown = spec.accepts.first_unknown(query.params.flat)
        if unknown is not None:  # a mistyped name must not be dropped: the call would act on more than asked
            raise unknown_parameter(unknown)
        backend = runtime.driver(
            driver, provider_name(incoming.headers, runtime.settings, driver, caller.region), lambda: caller.tenant
        )
        call = Ec2Call(spec.name, query.params, request_id, caller, backend, incoming.headers.get("host", ""))
        for collection, operation in spec.needs:
            if not call.supports(collection, operation):
                raise unsupported(f"{spec.name} (it offers no {collection} {operation})", driver)
        if query.params.boolean("DryRun"):
            # What a dry run checks here: the caller may call the action on this back-end. It must never
            # reach the handler, which would really launch, delete or change what it was asked to.
            raise Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
        status, document = 200, success_document(spec.name, query.version, request_id, spec.handler(call))
    except Ec2Error as error:
        status, document = error.status, error_document(error, request_id)
    except DeltacloudError as error:
        mapped = from_core(error, spec.kind if spec else None, driver)
        status, document = mapped.status, error_document(mapped, request_id)
    except Exception:  # a bug of ours still answers in EC2's format, without a trace
        logger.exception("unhandled error in EC2 action %s", metered_action)
        internal = Ec2Error("InternalError", "An internal error has occurred", 500)
        status, document = internal.status, error_document(internal, request_id)
    meter_call(FRONTEND, metered_action, driver, tenant_id, outcome_of(status))
    return status, document


def reject(error: Ec2Error, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """Answer a request refused before it could be read (too large, wrong path or method); metered too."""
    meter_call(FRONTEND, "unknown", driver_name(headers, get_runtime().settings), None, outcome_of(error.status))
    return error.status, error_document(error, str(uuid.uuid4()))
