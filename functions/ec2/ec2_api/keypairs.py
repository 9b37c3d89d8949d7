"""Key pair actions: key pairs are the core's keys."""

import base64
import binascii
from collections.abc import Mapping

from deltacloud.model import Key

from .actions import action
from .context import Ec2Call
from .errors import KEY_PAIR, Ec2Error, missing_parameter
from .filters import Extractor, compile_filters
from .mappings import key_pair_name
from .parameter_names import FILTERS, TAG_SPECIFICATIONS
from .tags import tags_from_specifications
from .xml import item_set, leaf, tag_set

KEY_FILTERS: Mapping[str, Extractor[tuple[Key, dict[str, str]]]] = {
    "key-name": lambda kt: [key_pair_name(kt[0])],
    "key-pair-id": lambda kt: [kt[0].id],
    "fingerprint": lambda kt: [kt[0].fingerprint],
}


def find_key(call: Ec2Call, name: str) -> Key | None:
    """The key called ``name`` (its id for most back-ends, else a name match in the list)."""
    if call.supports("keys", "show"):
        found = call.driver.key(name)
        if found is not None:
            return found
    return next((k for k in call.driver.keys({}) if key_pair_name(k) == name), None)


def _key_type(key: Key) -> str:
    return "ed25519" if (key.public_key or "").startswith("ssh-ed25519") else "rsa"


@action("DescribeKeyPairs", "keys.index", kind=KEY_PAIR,
        params=("KeyName.N", "KeyPairId.N", "IncludePublicKey", *FILTERS))
def describe_key_pairs(call: Ec2Call) -> str:
    names = call.params.values("KeyName")
    ids = call.params.values("KeyPairId")
    select = compile_filters(call.params.filters(), KEY_FILTERS, tags_of=lambda kt: kt[1])
    keys = call.driver.keys({})
    missing = [n for n in names if not any(key_pair_name(k) == n for k in keys)]
    missing += [i for i in ids if not any(k.id == i for k in keys)]
    if missing:
        raise KEY_PAIR.missing(*missing)
    if names or ids:
        keys = [k for k in keys if key_pair_name(k) in names or k.id in ids]
    with_tags = [(k, call.tags.effective(k.id, {})) for k in keys]
    public = call.params.boolean("IncludePublicKey")
    return item_set("keySet", (
        leaf("keyPairId", k.id) + leaf("keyName", key_pair_name(k)) + leaf("keyFingerprint", k.fingerprint)
        + leaf("keyType", _key_type(k)) + (leaf("publicKey", k.public_key) if public else "") + tag_set(tags)
        for k, tags in select(with_tags)
    ))


def _create(call: Ec2Call, public_key: str | None) -> Key:
    name = call.params.required("KeyName")
    if len(name) > 255:
        raise Ec2Error("InvalidParameterValue", "Key pair names are at most 255 characters long.")
    tags = tags_from_specifications(call.params, "key-pair")
    if find_key(call, name) is not None:
        raise Ec2Error(KEY_PAIR.duplicate, f"The keypair '{name}' already exists.")
    key = call.driver.create_key(name, public_key)
    if tags:
        call.tags.add(key.id, "key-pair", tags)
    return key


@action("CreateKeyPair", "keys.create", kind=KEY_PAIR, params=("KeyName", "KeyFormat", *TAG_SPECIFICATIONS))
def create_key_pair(call: Ec2Call) -> str:
    key_format = call.params.text("KeyFormat") or "pem"
    if key_format != "pem":
        raise Ec2Error("InvalidParameterValue", f"KeyFormat '{key_format[:20]}' is not supported; use pem.")
    key = _create(call, None)
    return (
        leaf("keyPairId", key.id) + leaf("keyName", key_pair_name(key)) + leaf("keyFingerprint", key.fingerprint)
        + leaf("keyMaterial", key.pem_rsa_key)
    )


@action("ImportKeyPair", "keys.create", kind=KEY_PAIR, params=("KeyName", "PublicKeyMaterial", *TAG_SPECIFICATIONS))
def import_key_pair(call: Ec2Call) -> str:
    call.require_feature("keys", "import_key", "importing key pairs")
    material = call.params.required("PublicKeyMaterial")
    key = _create(call, _public_key_text(material))
    return leaf("keyPairId", key.id) + leaf("keyName", key_pair_name(key)) + leaf("keyFingerprint", key.fingerprint)


def _public_key_text(material: str) -> str:
    """SDKs send the key base64-encoded (it is a blob); a raw OpenSSH line is accepted as well."""
    if material.startswith(("ssh-", "ecdsa-")):
        return material
    try:
        decoded = base64.b64decode(material, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format") from None
    if not decoded.startswith(("ssh-", "ecdsa-")):
        raise Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
    return decoded.strip()


@action("DeleteKeyPair", "keys.destroy", kind=KEY_PAIR, params=("KeyName", "KeyPairId"))
def delete_key_pair(call: Ec2Call) -> str:
    name = call.params.text("KeyName")
    key_id = call.params.text("KeyPairId")
    if not name and not key_id:
        raise missing_parameter("KeyName")
    key = find_key(call, name) if name else next((k for k in call.driver.keys({}) if k.id == key_id), None)
    if key is not None:  # EC2 answers true for a key pair that does not exist
        call.driver.destroy_key(key.id)
        call.tags.forget(key.id)
    return leaf("return", "true")
