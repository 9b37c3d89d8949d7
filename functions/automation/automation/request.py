"""What an automation event asks for, and the key that makes its redelivery harmless.

Two shapes arrive (template.yaml ``AutomationFunction``):

* an EventBridge **rule** event: the envelope (``id``, ``source``, ``detail-type``, ...) with the action
  in ``detail``; a redelivery repeats the envelope's ``id``;
* EventBridge **Scheduler** input, delivered as is: the action itself, plus (the template's schedules
  add them) ``schedule_arn`` and ``scheduled_time`` from Scheduler's context attributes. Scheduler's
  retries of one scheduled time share those two (its ``execution-id`` changes per attempt). Without
  them the Lambda request id is the key, which Lambda's own retries of an async invocation keep.

The action: ``{"action": "stop"|"start"|"snapshot", "tag": "key=value" (or "key": any value),
"tenant": ..., "driver": ..., "provider": ... (optional)}``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from deltacloud.errors import ValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as ModelError

Action = Literal["stop", "start", "snapshot"]
#: how Scheduler's context attributes (``<aws.scheduler.scheduled-time>``) read before it substitutes them
SCHEDULER_PLACEHOLDER = "<aws.scheduler."


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action: Action
    tag: str = Field(min_length=1, max_length=256)
    # the tenant registry's id rule: no "/", so a tenant never names another's state scope or secrets
    tenant: str = Field(pattern=r"^[A-Za-z0-9_+.@-]{1,64}$")
    driver: str = Field(pattern=r"^[A-Za-z0-9_]{1,64}$")
    provider: str | None = Field(default=None, max_length=256)

    @field_validator("tag")
    @classmethod
    def _tag_has_a_key(cls, tag: str) -> str:
        if not tag.partition("=")[0].strip():
            raise ValueError("must be 'key=value' or 'key'")
        return tag

    @field_validator("driver")
    @classmethod
    def _driver_lower_case(cls, driver: str) -> str:
        return driver.lower()  # as the API front-ends take driver names ("MOCK" is the mock)

    @field_validator("provider")
    @classmethod
    def _blank_is_none(cls, provider: str | None) -> str | None:
        return provider or None

    def tag_matches(self, tags: Mapping[str, str]) -> bool:
        key, has_value, value = self.tag.partition("=")
        return key in tags and (not has_value or tags[key] == value)


@dataclass(frozen=True)
class Delivery:
    request: ActionRequest
    key: str  # idempotency key: the same for every delivery of one event or scheduled run
    source: Literal["eventbridge", "scheduler", "direct"]


def parse_delivery(event: Any, request_id: str) -> Delivery:
    """Read an event; ValidationError (400) with a message naming what is wrong."""
    if not isinstance(event, Mapping):
        raise ValidationError("An automation event must be a JSON object")
    if "detail-type" in event or "detail" in event:
        event_id, detail = event.get("id"), event.get("detail")
        if not isinstance(event_id, str) or not event_id or not isinstance(detail, Mapping):
            raise ValidationError("EventBridge event without an 'id' or an object 'detail'")
        return Delivery(_action(detail), f"event:{event_id}", "eventbridge")
    arn, scheduled = event.get("schedule_arn"), event.get("scheduled_time")
    if any(isinstance(value, str) and value.startswith(SCHEDULER_PLACEHOLDER) for value in (arn, scheduled)):
        # as a key they would be the same for every invocation: all but the first would be "duplicates"
        raise ValidationError("'schedule_arn' and 'scheduled_time' hold Scheduler placeholders nobody filled in: "
                              "only an EventBridge Scheduler schedule substitutes them; leave them out otherwise")
    if isinstance(arn, str) and arn and isinstance(scheduled, str) and scheduled:
        return Delivery(_action(event), f"schedule:{arn}@{scheduled}", "scheduler")
    return Delivery(_action(event), f"invocation:{request_id}", "direct")


def _action(payload: Mapping[str, Any]) -> ActionRequest:
    try:
        return ActionRequest.model_validate(payload)
    except ModelError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors())
        raise ValidationError(f"Invalid automation action ({problems})") from None
