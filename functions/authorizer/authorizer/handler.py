"""AWS Lambda entry point of the tenant authorizer (REQUEST type, results not cached).

HTTP Basic or SigV4 -> tenant (see :mod:`.identity`), then the tenant's usage-plan key from the same
CredentialStore (Secrets Manager when deployed) -> Allow (see :mod:`.policy`). No credentials, wrong
ones, an unknown tenant, a bad signature or an event API Gateway would not send (no method ARN, fields
of the wrong type) -> 401. A tenant without a usage-plan key -> Deny (403): its calls could be neither
metered nor throttled. The log names the tenant and the scheme, never a header, secret or signature;
a failing credential store is a function error (API Gateway: 500).
"""

from typing import Any

from aws_lambda_powertools import Logger
from deltacloud.runtime import get_runtime

from .identity import identify
from .policy import Unauthorized, allow, deny, stage_resource

logger = Logger(service="deltacloud-authorizer")


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        logger.warning("request rejected", extra={"reason": "the event is no object"})
        raise Unauthorized()
    # REST APIs send methodArn; an HTTP API (payload 2.0) sends routeArn in its place
    method_arn = str(event.get("methodArn") or event.get("routeArn") or "")
    stage = stage_resource(method_arn)
    if stage is None:  # an Allow for no resource would make API Gateway answer 500
        logger.warning("request rejected", extra={"reason": "the event has no method ARN"})
        raise Unauthorized()
    store = get_runtime().credential_store
    try:
        identity = identify(event, store)
    except (TypeError, AttributeError):  # a header or parameter of the wrong type: fail closed
        logger.warning("request rejected", extra={"reason": "malformed event"})
        raise Unauthorized() from None
    logger.append_keys(scheme=identity.scheme, path=event.get("path"), method=event.get("httpMethod"))
    if identity.tenant is None:
        logger.info("request rejected", extra={"reason": identity.reason})
        raise Unauthorized()
    tenant = identity.tenant.id
    usage_key = store.usage_plan_key(identity.tenant)
    if not usage_key:
        logger.warning("tenant has no usage-plan key: denied (register one with `deltacloud tenant register`)",
                       extra={"tenant": tenant})
        return deny(tenant, method_arn)
    logger.info("request allowed", extra={"tenant": tenant})
    return allow(tenant, usage_key, stage, identity.scheme)
