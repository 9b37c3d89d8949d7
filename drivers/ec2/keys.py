"""Key pairs: create (AWS generates the private key), import a public key, delete."""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import NotFound
from deltacloud.model import Key

from .base import EC2Base


def to_key(info: dict[str, Any], private_key: str | None = None) -> Key:
    return Key(id=info["KeyName"], name=info["KeyName"], fingerprint=info.get("KeyFingerprint"),
               pem_rsa_key=private_key)


class EC2Keys(EC2Base):
    def keys(self, filters: Filters) -> list[Key]:
        if filters.get("id"):
            found = self.key(filters["id"])
            return [found] if found is not None else []
        return [to_key(k) for k in self.aws.call("ec2", "describe_key_pairs")["KeyPairs"]]

    def key(self, key_id: str) -> Key | None:
        answer = self.aws.find("ec2", "describe_key_pairs", KeyNames=[key_id])
        listed = (answer or {}).get("KeyPairs", [])
        return to_key(listed[0]) if listed else None

    def create_key(self, name: str, public_key: str | None) -> Key:
        if public_key is not None:
            imported = self.aws.call("ec2", "import_key_pair", KeyName=name, PublicKeyMaterial=public_key.encode())
            return Key(id=imported["KeyName"], name=imported["KeyName"], fingerprint=imported.get("KeyFingerprint"),
                       public_key=public_key)
        created = self.aws.call("ec2", "create_key_pair", KeyName=name)
        return to_key(created, created.get("KeyMaterial"))

    def destroy_key(self, key_id: str) -> None:
        # DeleteKeyPair succeeds for a name that doesn't exist: look first, so a typo is a 404
        if self.key(key_id) is None:
            raise NotFound(f"Key '{key_id}' not found")
        self.aws.call("ec2", "delete_key_pair", KeyName=key_id)
