"""The EC2 instance life cycle (spec §11) and how EC2's state names map onto it.

| EC2 state     | API state | why |
| ------------- | --------- | --- |
| pending       | PENDING   | |
| running       | RUNNING   | |
| stopping      | STOPPING  | |
| stopped       | STOPPED   | |
| shutting-down | STOPPING  | on its way out after ``destroy``; no action applies, as in ``stopping`` |
| terminated    | FINISH    | the machine's final state (see below) |

AWS lists terminated instances for about an hour; the API's clients expect a destroyed instance
to be gone, so listings leave them out unless ``state=FINISH`` is asked for. Showing one by id
still works and says FINISH.
"""

from deltacloud.model import StateMachine

STATE_MACHINE = StateMachine.parse(
    "start -> pending",
    "pending -> running",
    "running -reboot-> running",
    "running -stop-> stopping",
    "stopping -> stopped",
    "stopped -start-> running",
    "stopped -destroy-> finish",
)

EC2_TO_API: dict[str, str] = {
    "pending": "PENDING",
    "running": "RUNNING",
    "stopping": "STOPPING",
    "stopped": "STOPPED",
    "shutting-down": "STOPPING",
    "terminated": "FINISH",
}

FINISHED = "FINISH"


def api_state(ec2_state: str) -> str:
    return EC2_TO_API.get(ec2_state, ec2_state.upper())


def ec2_states(api: str) -> list[str]:
    """The EC2 state names behind an API state (for a ``state`` filter)."""
    wanted = api.upper()
    return [name for name, mapped in EC2_TO_API.items() if mapped == wanted]


def instance_actions(state: str, root_device_type: str) -> list[str] | None:
    """Actions of an instance-store instance, which can't be stopped: ``stop`` becomes ``destroy``.

    None for EBS-backed instances: the state machine alone decides.
    """
    if root_device_type != "instance-store":
        return None
    allowed = STATE_MACHINE.actions_from(state)
    return [("destroy" if action == "stop" else action) for action in allowed if action != "start"]
