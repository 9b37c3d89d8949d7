"""Instance actions checked against the driver's state machine, for every front-end alike."""

from .driver import Driver
from .errors import ActionNotAllowed, NotFound
from .model import Instance

INSTANCE_ACTIONS = ("start", "stop", "reboot", "destroy")


def allowed_instance_actions(driver: Driver, instance: Instance) -> list[str]:
    """What the instance's current state permits (a driver may narrow it per instance)."""
    if instance.actions is not None:
        return list(instance.actions)
    machine = driver.state_machine
    return machine.actions_from(instance.state) if machine else []


def perform_instance_action(driver: Driver, instance_id: str, action: str) -> Instance | None:
    """Run ``action`` if the instance exists and its state allows it; the state is unchanged otherwise.

    Returns the updated instance (None after ``destroy``).
    """
    instance = driver.instance(instance_id)
    if instance is None:
        raise NotFound(f"Instance '{instance_id}' not found")
    return act_on_instance(driver, instance, action)


def act_on_instance(driver: Driver, instance: Instance, action: str) -> Instance | None:
    """``perform_instance_action`` for an instance the caller has just read (a listing): not read again."""
    allowed = allowed_instance_actions(driver, instance)
    if action not in allowed:
        raise ActionNotAllowed(
            f"Instance '{instance.id}' is {instance.state}: '{action}' is not allowed "
            f"(allowed: {', '.join(allowed) or 'none'})",
            allowed,
        )
    if action == "destroy":
        driver.destroy_instance(instance.id)
        return None
    perform = {"start": driver.start_instance, "stop": driver.stop_instance, "reboot": driver.reboot_instance}
    return perform[action](instance.id)
