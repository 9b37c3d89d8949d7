"""boto3 clients for the AWS services the core itself uses (DynamoDB, Secrets Manager, CloudWatch Logs,
API Gateway) — never the clouds a driver talks to, whose clients belong to the driver.

boto3 is imported inside :func:`aws_client`, so importing a core module never loads the SDK: only the
deployed stores and the operator's CLI commands pay for it. The endpoint follows botocore's own
configuration (``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``: a moto server in tests), region
and credentials the usual chain (in Lambda: the function's role).
"""

from typing import Any

#: short timeouts: a request (29 s at API Gateway, 10 s for the authorizer) must still be able to answer
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 5
MAX_ATTEMPTS = 3


def aws_client(service: str) -> Any:
    """A new client of ``service``; create it once and keep it (clients are thread-safe, sessions not)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )
    return boto3.session.Session().client(service, config=config)


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (empty for anything else)."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
