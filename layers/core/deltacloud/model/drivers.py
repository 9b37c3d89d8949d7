"""What /api/drivers says about a driver."""

from pydantic import Field

from .base import Model


class Provider(Model):
    """One provider of a driver (an AWS region, an OpenStack endpoint, ...)."""

    id: str
    entrypoints: dict[str, str] = Field(default_factory=dict)  # service kind -> endpoint


class DriverInfo(Model):
    id: str
    name: str
    providers: list[Provider] = Field(default_factory=list)
