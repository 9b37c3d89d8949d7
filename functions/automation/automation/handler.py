"""AWS Lambda entry point of the automation function (EventBridge rules and Scheduler schedules).

Returns the run's report and logs it as one line. Lambda invokes this function asynchronously and
retries a failed invocation: so a run that may succeed later (the same run in progress elsewhere: 409;
the cloud failing: 5xx) raises after logging, while an event that can never succeed (invalid, unknown
driver, no credentials, unsupported action) returns its report without raising - retrying it would
only repeat the error.
"""

from typing import Any

from aws_lambda_powertools import Logger
from deltacloud.errors import DeltacloudError

from .run import run

logger = Logger(service="deltacloud-automation")

#: time a run may hold its claim beyond the invocation's own remaining time
LEASE_MARGIN = 30.0


class RunIncomplete(DeltacloudError):
    """The run should be retried; ``status`` is the run's."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.status = int(report["status"])
        self.report = report
        super().__init__(str(report.get("error") or "automation run incomplete"))


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    lease = context.get_remaining_time_in_millis() / 1000 + LEASE_MARGIN
    report = run(event, context.aws_request_id, lease)
    status = int(report["status"])
    if status == 409 or status >= 500:
        logger.error("automation run incomplete; Lambda will retry", extra={"report": report})
        raise RunIncomplete(report)
    if status >= 400:
        logger.error("automation event rejected", extra={"report": report})
    else:
        logger.info("automation run", extra={"report": report})
    return report
