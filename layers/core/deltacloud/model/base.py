"""Shared base of every resource model."""

from pydantic import BaseModel, ConfigDict


class Resource(BaseModel):
    """A resource the proxy exposes; ``id`` is the driver's own identifier."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    id: str
