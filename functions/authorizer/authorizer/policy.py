"""What an API Gateway Lambda authorizer answers: an IAM policy, the tenant, its usage-plan key.

* Allow: every method of the API stage (``.../<api>/<stage>/*/*``; results are not cached, so a
  wider resource grants nothing more), ``principalId`` and ``context.tenant`` = the tenant, and
  ``usageIdentifierKey`` = the tenant's usage-plan API key (``ApiKeySourceType: AUTHORIZER``), which
  meters and throttles the call.
* Deny: an explicit policy (API Gateway answers 403).
* Unauthorized: the exception whose message API Gateway turns into 401 (with the template's
  ``WWW-Authenticate`` Basic challenge).
"""

from typing import Any


class Unauthorized(Exception):
    """Raised, not returned: API Gateway answers 401 for the error message exactly ``Unauthorized``."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def stage_resource(method_arn: str) -> str | None:
    """``arn:...:<api>/<stage>/GET/api/x`` -> ``arn:...:<api>/<stage>/*/*``; None when it is no method ARN."""
    prefix, sep, path = method_arn.rpartition(":")
    parts = path.split("/")
    if not prefix.startswith("arn:") or not sep or len(parts) < 2 or not all(parts[:2]):
        return None
    return f"{prefix}:{parts[0]}/{parts[1]}/*/*"


def _policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def allow(tenant: str, usage_key: str, stage: str, scheme: str) -> dict[str, Any]:
    """Every method of ``stage`` (a :func:`stage_resource`)."""
    return {
        "principalId": tenant,
        "policyDocument": _policy("Allow", stage),
        # context values must be strings, numbers or booleans; the front-ends may read them from
        # requestContext.authorizer (sigv4-deferred: the signature still has to be verified there)
        "context": {"tenant": tenant, "auth": scheme},
        "usageIdentifierKey": usage_key,
    }


def deny(principal: str, method_arn: str) -> dict[str, Any]:
    return {"principalId": principal, "policyDocument": _policy("Deny", method_arn)}
