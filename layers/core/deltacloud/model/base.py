"""Shared bases of every model."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    # defer_build: a schema is built on first use, so a cold start pays only for the models its
    # request touches (building all of them up front doubled the Lambda cold start).
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Resource(Model):
    """A resource the proxy exposes; ``id`` is the driver's own identifier."""

    id: str
