"""MachineTemplates: held by the proxy, usable wherever the driver can create machines (spec §4.4).

Unlike the original, a template keeps everything a MachineCreate by value may say (initial
state, credential, user data, realm) and checks its references when it is created.
"""

from typing import Any

from deltacloud.errors import ValidationError

from .bodies import href_id, href_of, text
from .configurations import match_configuration, profile_by_id
from .context import CimiCall
from .local_kinds import LocalKind

#: what a MachineTemplate may not hold, and what to do instead
_ATTACH_LATER = "attach volumes through the Machine's volumes collection once it exists"
_UNSUPPORTED = {"volumes": _ATTACH_LATER, "volumeTemplates": _ATTACH_LATER,
                "networkInterfaces": "a Machine gets the cloud's default network interface"}


def check_machine_template(call: CimiCall, template: dict[str, Any]) -> None:
    """Refuse what a MachineCreate would refuse later: an unknown image, configuration or credential,
    and what the driver cannot do."""
    image_href = href_of(template.get("machineImage"))
    if image_href is None:
        raise ValidationError("A MachineImage by value is not supported: reference one of machineImages")
    if call.supports("images", "show") and call.driver.image(href_id(image_href)) is None:
        raise ValidationError(f"machineImage '{href_id(image_href)}' does not exist")
    config = template.get("machineConfig")
    if config not in (None, "", {}):  # a cloud whose images carry their own size (vSphere) has none to match
        call.require("hardware_profiles", "index")
    config_href = href_of(config)
    if config_href is not None:
        if profile_by_id(call, href_id(config_href)) is None:
            raise ValidationError(f"machineConfig '{href_id(config_href)}' does not exist")
    elif isinstance(config, dict) and config:
        match_configuration(call, config)
    elif config not in (None, ""):  # a bare name or an array would otherwise launch the default size
        raise ValidationError("machineConfig must reference a MachineConfiguration ({\"href\": ...}) or give "
                              "one by value")
    credential = template.get("credential")
    if credential:
        credential_href = href_of(credential)
        if credential_href is None:
            raise ValidationError("A Credential by value is not supported in a MachineTemplate: create the "
                                  "Credential first and reference it")
        _need_feature(call, "authentication_key", "credential")
        if call.supports("keys", "show") and call.driver.key(href_id(credential_href)) is None:
            raise ValidationError(f"credential '{href_id(credential_href)}' does not exist")
    if template.get("userData"):
        _need_feature(call, "user_data", "userData")
    state = text(template.get("initialState") or "STARTED", "initialState").upper()
    if state not in ("STARTED", "STOPPED"):
        raise ValidationError(f"initialState must be STARTED or STOPPED, not '{state}'")
    for unsupported, instead in _UNSUPPORTED.items():
        if template.get(unsupported):  # refused, never silently dropped (defect 19)
            raise ValidationError(f"{unsupported} in a MachineTemplate are not supported: {instead}")


def _need_feature(call: CimiCall, feature: str, attribute: str) -> None:
    if not call.capabilities.has_feature("instances", feature):
        raise ValidationError(f"{attribute} is not supported by the {call.driver_name} driver")


MACHINE_TEMPLATES = LocalKind(
    path="machine_templates", resource="MachineTemplate", entries="machineTemplates",
    attributes=("machineConfig", "machineImage", "credential", "initialState", "userData", "realm", "volumes",
                "volumeTemplates", "networkInterfaces"),
    required=("machineConfig", "machineImage"),
    arrays=("volumes", "volumeTemplates", "networkInterfaces"),
    check=check_machine_template,
)
