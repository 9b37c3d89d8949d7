"""Block and object storage: volumes, snapshots, buckets, blobs."""

from pydantic import Field

from .base import Model, Resource


class StorageVolume(Resource):
    name: str | None = None
    description: str | None = None
    created: str | None = None
    capacity: str = "1"  # GB, as the driver reports it
    kind: str | None = None
    realm_id: str | None = None
    state: str | None = None
    instance_id: str | None = None
    device: str | None = None
    actions: list[str] = Field(default_factory=list)
    #: the cloud's tags (e.g. EBS); the automation function snapshots volumes by tag
    tags: dict[str, str] = Field(default_factory=dict)


#: the largest volume a request may ask for, in GB (EBS's limit)
MAX_VOLUME_GB = 16384


class StorageVolumeCreate(Model):
    snapshot_id: str | None = None
    # GB; None: the snapshot's size, or the driver's default. Bounded here, so no driver has to check it;
    # front-ends parse it with their own API's error first
    capacity: int | None = Field(default=None, ge=1, le=MAX_VOLUME_GB)
    realm_id: str | None = None
    name: str | None = None
    description: str | None = None


class StorageSnapshot(Resource):
    name: str | None = None
    description: str | None = None
    created: str | None = None
    state: str | None = None
    storage_volume_id: str | None = None


class Bucket(Resource):
    name: str
    size: int = 0
    blob_ids: list[str] = Field(default_factory=list)
    location: str | None = None


class Blob(Resource):
    bucket_id: str
    content_length: int = 0
    content_type: str = ""
    last_modified: str | None = None
    user_metadata: dict[str, str] = Field(default_factory=dict)
